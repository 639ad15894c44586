//! Drawing the scratchpad: the highlighted editor on top, the result pane below (value,
//! logs, the error with a caret under line:col, and the writes of a dry run as before →
//! after per key or file). Reads state only.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::super::context::Context;
use super::super::widgets::rill;
use super::scratchpad::ScratchpadScreen;
use crate::rill::dialect::{Dialect, hint_applies, other_dialect_syntax};
use crate::rill::mounts::change::WriteChange;
use crate::rill::mounts::session::RunReport;

const SPINNER: [&str; 4] = ["⠋", "⠙", "⠸", "⠴"];
/// Before/after values longer than this are shown on their own lines.
const INLINE: usize = 36;
/// A result value is shown up to this many bytes (a huge one would slow every frame).
const VALUE_SHOWN: usize = 64 * 1024;
/// Log lines shown after a run (the last ones).
const LOGS_SHOWN: usize = 1000;

/// Longest log line shown (in bytes).
const LOG_LINE_SHOWN: usize = 4096;

/// One `log` line of the result pane, cut to [`LOG_LINE_SHOWN`].
fn log_line(t: &super::super::theme::Theme, l: &str) -> Line<'static> {
    let (shown, clipped) = clip(l, LOG_LINE_SHOWN);
    let mut spans = vec![
        Span::styled("log   ", t.dim()),
        Span::styled(shown.to_string(), t.text()),
    ];
    if clipped {
        spans.push(Span::styled(format!(" … ({} bytes)", l.len()), t.dim()));
    }
    Line::from(spans)
}

/// `text` cut to at most `max` bytes on a character boundary, and whether it was cut.
fn clip(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// The lines of the result pane.
pub fn result_lines(s: &ScratchpadScreen, ctx: &Context) -> Vec<Line<'static>> {
    let t = &ctx.theme;
    let mut out = Vec::new();
    if let Some(r) = s.running.as_ref().filter(|r| !r.confirming) {
        let spin = SPINNER[ctx.frame % SPINNER.len()];
        let what = if r.dry_run { "dry run" } else { "applying" };
        out.push(Line::styled(
            format!("{spin} {what}…   esc: cancel"),
            Style::new().fg(t.accent),
        ));
        // Logs as they happen, newest last.
        for l in r.logs_so_far() {
            out.push(log_line(t, &l));
        }
        return out;
    }
    let Some((report, dry)) = &s.report else {
        out.push(Line::styled(
            "F5 / ctrl-r runs the snippet as a dry run: writes are collected, not made.",
            t.dim(),
        ));
        out.push(Line::styled(
            "Then F6 / ctrl-y applies them. ctrl-p / ctrl-n: history.",
            t.dim(),
        ));
        return out;
    };
    let kind = if *dry { "dry run" } else { "run" };
    out.push(Line::styled(
        format!("{kind} · {} ms", report.elapsed.as_millis()),
        t.dim(),
    ));
    if let Some(e) = &report.error {
        error_lines(t, e, &mut out);
        // A syntax error in a script of the other rill generation says so.
        if hint_applies(&e.code)
            && let Some(d) = s.dialect
            && let Some((what, other)) = other_dialect_syntax(d, &s.textarea.lines().join("\n"))
        {
            let accent = Style::new().fg(t.accent);
            out.push(Line::styled(format!("hint: {what}"), accent));
            out.push(Line::styled(
                format!("      F2 runs the scratchpad as rill {other}"),
                accent,
            ));
        }
    }
    if let Some(v) = &report.value {
        let (shown, clipped) = clip(v, VALUE_SHOWN);
        let mut lines = shown.lines();
        let first = lines.next().unwrap_or_default().to_string();
        out.push(Line::from(vec![
            Span::styled("value ", t.dim()),
            Span::styled(first, t.text().add_modifier(Modifier::BOLD)),
        ]));
        for l in lines {
            out.push(Line::styled(format!("      {l}"), t.text()));
        }
        if clipped {
            out.push(Line::styled(
                format!(
                    "      … {} more bytes not shown ({} in all; `rillmount eval` prints it whole)",
                    v.len() - shown.len(),
                    v.len()
                ),
                t.dim(),
            ));
        }
    }
    if report.logs.len() > LOGS_SHOWN {
        out.push(Line::styled(
            format!(
                "log   … {} earlier line(s) not shown",
                report.logs.len() - LOGS_SHOWN
            ),
            t.dim(),
        ));
    }
    for l in report
        .logs
        .iter()
        .skip(report.logs.len().saturating_sub(LOGS_SHOWN))
    {
        out.push(log_line(t, l));
    }
    change_lines(s, ctx, report, *dry, &mut out);
    out
}

fn error_lines(
    t: &super::super::theme::Theme,
    e: &crate::rill::mounts::session::ScriptError,
    out: &mut Vec<Line<'static>>,
) {
    let red = Style::new().fg(t.error);
    let code = if e.code.is_empty() {
        String::new()
    } else {
        format!("{}: ", e.code)
    };
    out.push(Line::styled(format!("✗ {code}{}", e.message), red));
    if e.line > 0 {
        let gutter = format!("{:>4} │ ", e.line);
        out.push(Line::from(vec![
            Span::styled(gutter.clone(), t.dim()),
            Span::styled(e.source_line.clone(), t.text()),
        ]));
        // The caret goes under column `col` (1-based, in characters).
        let pad = " ".repeat(e.col.saturating_sub(1));
        out.push(Line::from(vec![
            Span::styled(format!("{:>4} │ ", ""), t.dim()),
            Span::styled(format!("{pad}^ line {}, col {}", e.line, e.col), red),
        ]));
    }
}

fn change_lines(
    s: &ScratchpadScreen,
    ctx: &Context,
    report: &RunReport,
    dry: bool,
    out: &mut Vec<Line<'static>>,
) {
    let t = &ctx.theme;
    let n = report.changes.len();
    if n == 0 {
        if report.error.is_none() {
            out.push(Line::styled("no writes", t.dim()));
        }
        return;
    }
    let verb = if dry { "would write" } else { "wrote" };
    out.push(Line::styled(
        format!("{verb} {n} change(s):"),
        Style::new().fg(t.warn).add_modifier(Modifier::BOLD),
    ));
    // What can be done with them comes first, above a possibly long diff.
    if dry {
        let hint = match s.can_apply(ctx) {
            Ok(_) if ctx.profiles.get(s.profile).is_some_and(|p| p.protect) => {
                "F6 / ctrl-y: apply (asks for the profile name)   pgdn: more".to_string()
            }
            Ok(_) => "F6 / ctrl-y: apply these writes   pgdn: more".to_string(),
            Err(e) => e,
        };
        out.push(Line::styled(hint, Style::new().fg(t.accent)));
    }
    for c in &report.changes {
        change(t, c, out);
    }
}

fn change(t: &super::super::theme::Theme, c: &WriteChange, out: &mut Vec<Line<'static>>) {
    let show = |v: &Option<String>, none: &str| v.clone().unwrap_or_else(|| none.to_string());
    let before = show(&c.before, "(absent)");
    let after = show(&c.after, "(deleted)");
    let head = vec![
        Span::styled(format!("  {}:{} ", c.store, c.mount), t.dim()),
        Span::styled(c.target.clone(), Style::new().fg(t.json_key)),
    ];
    let short = |v: &str| v.chars().count() <= INLINE && !v.contains('\n');
    if short(&before) && short(&after) {
        let mut spans = head;
        spans.push(Span::raw("  "));
        spans.push(Span::styled(before, Style::new().fg(t.error)));
        spans.push(Span::styled(" → ", t.dim()));
        spans.push(Span::styled(after, Style::new().fg(t.ok)));
        out.push(Line::from(spans));
        return;
    }
    out.push(Line::from(head));
    for l in before.lines() {
        out.push(Line::styled(format!("    - {l}"), Style::new().fg(t.error)));
    }
    for l in after.lines() {
        out.push(Line::styled(format!("    + {l}"), Style::new().fg(t.ok)));
    }
}

impl ScratchpadScreen {
    pub fn render(&self, ctx: &Context, area: Rect, buf: &mut Buffer) {
        let t = &ctx.theme;
        let [editor, result] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
        let (name, mark, colour) = match ctx.profiles.get(self.profile) {
            Some(p) if p.read_only => (p.name.clone(), " [read-only: dry runs only]", t.read_only),
            Some(p) if p.protect => (p.name.clone(), " [protected]", t.protect),
            Some(p) => (p.name.clone(), "", t.accent),
            None => (String::new(), "", t.accent),
        };
        let own = super::scratchpad::own_dialect(ctx, self.profile);
        let rill = match self.dialect {
            None => " · rill ? (F2 chooses)".to_string(),
            Some(d) if own == Some(d) => format!(" · rill {d}"),
            Some(d) => format!(
                " · rill {d} (switched; the profile runs {})",
                own.map_or("?", Dialect::as_str)
            ),
        };
        let name = format!("{name}{rill}");
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border(true))
            .title(Line::from(vec![
                Span::styled(format!(" scratchpad — {name}"), t.text()),
                Span::styled(format!("{mark} "), Style::new().fg(colour)),
            ]));
        let inner = block.inner(editor);
        block.render(editor, buf);
        self.render_editor(ctx, inner, buf);

        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border(false))
            .title(" result ");
        let inner = block.inner(result);
        block.render(result, buf);
        let mut lines = result_lines(self, ctx);
        let h = inner.height as usize;
        let live = self.running.as_ref().is_some_and(|r| !r.confirming);
        if live && lines.len() > h && h > 1 {
            // While a run goes on, the spinner line stays first and the newest logs follow.
            let tail = lines.split_off(lines.len() - (h - 1));
            lines.truncate(1);
            lines.extend(tail);
            Paragraph::new(lines).render(inner, buf);
            return;
        }
        let skip = self.result_scroll.min(lines.len().saturating_sub(1));
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).render(inner, buf);
    }

    fn render_editor(&self, ctx: &Context, area: Rect, buf: &mut Buffer) {
        let t = &ctx.theme;
        if area.height == 0 || area.width < 8 {
            return;
        }
        let lines = self.textarea.lines();
        let (row, col) = (self.textarea.cursor().0, self.textarea.cursor().1);
        let h = area.height as usize;
        let mut top = self.top.get();
        if row < top {
            top = row;
        } else if row >= top + h {
            top = row + 1 - h;
        }
        self.top.set(top);
        let gutter = 5u16;
        let text_w = (area.width - gutter) as usize;
        let left = col.saturating_sub(text_w.saturating_sub(1));
        if lines.len() == 1 && lines[0].is_empty() {
            Paragraph::new(Line::styled(
                format!("rill snippet, e.g.  {}", example_snippet(self.dialect)),
                t.dim(),
            ))
            .render(
                Rect {
                    x: area.x + gutter,
                    width: area.width - gutter,
                    ..area
                },
                buf,
            );
        }
        let dialect = self.dialect.unwrap_or_default();
        let highlighted = rill::highlight(t, lines, dialect);
        for (i, line) in highlighted.into_iter().enumerate().skip(top).take(h) {
            let y = area.y + (i - top) as u16;
            buf.set_string(area.x, y, format!("{:>3} ", i + 1), t.dim());
            let spans: Vec<Span> = skip_chars(line, left);
            buf.set_line(area.x + gutter, y, &Line::from(spans), area.width - gutter);
        }
        // The cursor: a reversed cell.
        if row >= top && row < top + h {
            let x = area.x + gutter + (col - left) as u16;
            let y = area.y + (row - top) as u16;
            if x < area.x + area.width {
                let cell = &mut buf[(x, y)];
                if cell.symbol().is_empty() {
                    cell.set_symbol(" ");
                }
                cell.set_style(Style::new().add_modifier(Modifier::REVERSED));
            }
        }
    }
}

/// The spans of `line` without its first `n` characters (horizontal scroll).
fn skip_chars(line: Line<'static>, mut n: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    for span in line.spans {
        let len = span.content.chars().count();
        if n >= len {
            n -= len;
            continue;
        }
        let text: String = span.content.chars().skip(n).collect();
        n = 0;
        out.push(Span::styled(text, span.style));
    }
    out
}

/// A first snippet to try, in the scratchpad's rill.
pub(super) fn example_snippet(dialect: Option<Dialect>) -> &'static str {
    match dialect {
        Some(Dialect::V0_8) => "kv::get(\"user\", \"theme\") -> .upper",
        _ => "kv.get(\"user\", \"theme\") -> .upper",
    }
}
