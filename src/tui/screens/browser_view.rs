//! Drawing the browser: the mount pane with its detail box, the item list and (through
//! `preview.rs`) the preview. Views only read state: no I/O, no locks.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, List, ListItem, ListState, Paragraph, StatefulWidget, Widget,
};

use super::super::context::{Conn, Context, MountKind, short_error};
use super::browser::{
    BrowserLayout, BrowserScreen, ItemList, MountRow, Pane, SEARCH_CAP, Search, mount_rows,
};
use super::preview::render_preview;

/// The browser with the context it draws from.
pub struct BrowserView<'a> {
    pub screen: &'a BrowserScreen,
    pub ctx: &'a Context,
}

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

impl Widget for &BrowserView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let l = BrowserLayout::new(area);
        let s = self.screen;
        render_mounts(s, self.ctx, l.mounts, buf);
        render_info(s, self.ctx, l.info, buf);
        render_items(s, self.ctx, l.items, buf);
        render_preview(
            s.preview.as_ref(),
            self.ctx,
            s.focus == Pane::Preview,
            l.preview,
            buf,
        );
    }
}

fn conn_span(ctx: &Context, conn: &Conn) -> Span<'static> {
    let t = &ctx.theme;
    match conn {
        Conn::Idle => Span::styled("○", t.dim()),
        Conn::Connecting(_) => Span::styled(SPINNER[ctx.frame % 4], Style::new().fg(t.warn)),
        Conn::Ready(_) => Span::styled("●", Style::new().fg(t.ok)),
        Conn::Failed(_) => Span::styled("✗", Style::new().fg(t.error)),
    }
}

fn render_mounts(s: &BrowserScreen, ctx: &Context, area: Rect, buf: &mut Buffer) {
    let t = &ctx.theme;
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.border(s.focus == Pane::Mounts))
        .title(" mounts ");
    let rows = mount_rows(ctx);
    let mut selected = None;
    let items: Vec<ListItem> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| match *row {
            MountRow::Profile(p) => {
                let prof = &ctx.profiles[p];
                let mut spans = vec![Span::styled(
                    prof.name.clone(),
                    Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
                )];
                if prof.read_only {
                    spans.push(Span::styled(
                        " [read-only]",
                        Style::new().fg(t.read_only).add_modifier(Modifier::BOLD),
                    ));
                }
                if prof.protect {
                    spans.push(Span::styled(
                        " [protected]",
                        Style::new().fg(t.protect).add_modifier(Modifier::BOLD),
                    ));
                }
                ListItem::new(Line::from(spans))
            }
            MountRow::Mount(slot) => {
                if slot == s.mount {
                    selected = Some(i);
                }
                let m = &ctx.mounts[slot];
                let kind = match m.kind {
                    MountKind::Kv => "kv",
                    MountKind::Fs => "fs",
                };
                let ro = ctx.writable(slot).is_err();
                ListItem::new(Line::from(vec![
                    Span::raw(" "),
                    conn_span(ctx, &m.conn),
                    Span::styled(format!(" {kind} "), t.dim()),
                    Span::styled(
                        m.name.clone(),
                        if ro {
                            Style::new().fg(t.read_only)
                        } else {
                            t.text()
                        },
                    ),
                    Span::styled(format!(" {}", ctx.backend(slot)), t.dim()),
                ]))
            }
        })
        .collect();
    let mut items = items;
    items.extend(left_out_items(ctx, area.width.saturating_sub(2) as usize));
    // Scrolled as the items pane is, so that mouse hit-testing knows the first row shown.
    let first = window_start(selected, area.height.saturating_sub(2) as usize);
    let items: Vec<ListItem> = items.into_iter().skip(first).collect();
    let mut state = ListState::default().with_selected(selected.map(|i| i - first));
    StatefulWidget::render(
        List::new(items)
            .block(block)
            .highlight_style(t.selected(s.focus == Pane::Mounts)),
        area,
        buf,
        &mut state,
    );
}

/// Rows for the profiles that could not be loaded, after the others: a heading, then each
/// name with its reason (file name, line, message) wrapped to the pane. They cannot be
/// selected; mouse hit-testing never reaches them since they follow every mount row.
fn left_out_items(ctx: &Context, width: usize) -> Vec<ListItem<'static>> {
    let t = &ctx.theme;
    if ctx.left_out.is_empty() {
        return Vec::new();
    }
    let error = Style::new().fg(t.error);
    let mut out = vec![ListItem::new(Line::styled(
        "left out",
        error.add_modifier(Modifier::BOLD),
    ))];
    for l in &ctx.left_out {
        let reason = short_error(&l.error);
        let mut lines = vec![Line::from(vec![
            Span::raw(" "),
            Span::styled("✗", error),
            Span::styled(format!(" {}", l.name), t.text()),
        ])];
        lines.extend(
            wrap(&reason, width.saturating_sub(3))
                .into_iter()
                .map(|r| Line::styled(format!("   {r}"), t.dim())),
        );
        out.push(ListItem::new(lines));
    }
    out
}

/// `text` in lines of at most `width` characters, broken at spaces where possible.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() <= width {
            line.push(' ');
            line.extend(word);
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > width {
            lines.push(word.drain(..width).collect());
        }
        line = word.into_iter().collect();
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn render_info(s: &BrowserScreen, ctx: &Context, area: Rect, buf: &mut Buffer) {
    let t = &ctx.theme;
    // The profile's safety colour frames the details: protected red, read-only yellow.
    let frame = match ctx.profile_of(s.mount) {
        Some(p) if p.protect => Style::new().fg(t.protect),
        Some(p) if p.read_only => Style::new().fg(t.read_only),
        _ => t.border(false),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(frame)
        .title(format!(
            " {} · {} ",
            ctx.address(s.mount),
            ctx.backend(s.mount)
        ));
    let slot = s.mount;
    let Some(m) = ctx.mounts.get(slot) else {
        Paragraph::new("no mounts in these profiles")
            .block(block)
            .style(t.dim())
            .render(area, buf);
        return;
    };
    let label = |x: &str| Span::styled(format!("{x:<9}"), t.dim());
    let schema = match m.kind {
        MountKind::Kv => ctx
            .profile_of(slot)
            .and_then(|p| p.kv.get(&m.name))
            .map(|c| match &c.schema {
                Some(sc) => format!("declared ({})", sc.len()),
                None => "open".to_string(),
            })
            .unwrap_or_default(),
        MountKind::Fs => ctx
            .profile_of(slot)
            .and_then(|p| p.fs.get(&m.name))
            .and_then(|c| c.glob.clone())
            .map(|g| format!("glob {g}"))
            .unwrap_or_else(|| "-".into()),
    };
    // The mode in the read-only colour when this mount cannot be written (mode or profile).
    let write = match ctx.writable(slot) {
        Ok(()) => Span::styled(ctx.mode(slot), t.text()),
        Err(_) => Span::styled(ctx.mode(slot), Style::new().fg(t.read_only)),
    };
    let state = match &m.conn {
        Conn::Idle => Span::styled("not connected", t.dim()),
        Conn::Connecting(_) => Span::styled("connecting…", Style::new().fg(t.warn)),
        Conn::Ready(_) => Span::styled("ok", Style::new().fg(t.ok)),
        Conn::Failed(_) if ctx.broken(slot).is_some() => {
            Span::styled("not configured", Style::new().fg(t.error))
        }
        Conn::Failed(_) => Span::styled("error (r retries)", Style::new().fg(t.error)),
    };
    let lines = vec![
        Line::from(vec![label("mode"), write]),
        Line::from(vec![
            label(if m.kind == MountKind::Kv {
                "schema"
            } else {
                "filter"
            }),
            Span::styled(schema, t.text()),
        ]),
        Line::from(vec![label("state"), state]),
        Line::from(vec![
            label("location"),
            Span::styled(ctx.location(slot), t.text()),
        ]),
    ];
    Paragraph::new(lines)
        .block(block)
        .wrap(ratatui::widgets::Wrap { trim: true })
        .render(area, buf);
}

fn render_items(s: &BrowserScreen, ctx: &Context, area: Rect, buf: &mut Buffer) {
    let t = &ctx.theme;
    let focused = s.focus == Pane::Items;
    let kind = ctx.mounts.get(s.mount).map(|m| m.kind);
    let noun = if kind == Some(MountKind::Fs) {
        "files"
    } else {
        "keys"
    };
    let Some(list) = &s.list else {
        let msg = match ctx.mounts.get(s.mount).map(|m| &m.conn) {
            // A mount the profile could not configure: retrying would not help.
            Some(Conn::Failed(e)) if ctx.broken(s.mount).is_some() => Line::styled(
                format!("{e} — fix the profile and restart rillmount"),
                Style::new().fg(t.error),
            ),
            Some(Conn::Failed(e)) => {
                Line::styled(format!("{e} — r retries"), Style::new().fg(t.error))
            }
            Some(Conn::Connecting(_)) => Line::styled("connecting…", t.dim()),
            _ => Line::styled("select a mount", t.dim()),
        };
        Paragraph::new(msg)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(
                Block::bordered()
                    .border_type(BorderType::Rounded)
                    .border_style(t.border(focused))
                    .title(format!(" {noun} ")),
            )
            .render(area, buf);
        return;
    };
    let visible = list.visible();
    let sparse = list.is_sparse_scan() && !list.complete;
    let more = if sparse {
        ", scanning…".into()
    } else if list.loading.is_some() {
        ", loading…".into()
    } else if list.complete {
        String::new()
    } else {
        ", more…".into()
    };
    // the mount's total where it is known (kv; "≈" where the backend counts by a scan)
    let approx = ctx
        .kv(list.slot)
        .is_some_and(|m| m.store().info().backend == crate::store::Backend::Redis);
    let of_total = match list.total {
        Some(n) if !list.complete && list.dir.is_empty() && n > list.items.len() as u64 => {
            format!(" of {}{}", if approx { "≈" } else { "" }, approx_count(n))
        }
        _ => String::new(),
    };
    let count = match &list.search {
        Some(search) => format!("{} found", search.results.len()),
        None if list.filter.is_empty() => {
            format!("{}{of_total} loaded{more}", list.items.len())
        }
        None => format!(
            "{} of {}{of_total} loaded{more}",
            visible.len(),
            list.items.len()
        ),
    };
    let title = if list.dir.is_empty() {
        format!(" {noun} ({count}) ")
    } else {
        format!(" {}/ ({count}) ", list.dir)
    };
    // While a sparse scan goes on, how far it has looked replaces the sort label.
    let bottom = if sparse && list.search.is_none() {
        format!(" {} keys looked at ", approx_count(list.scanned))
    } else {
        format!(" {} ", list.sort.label())
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.border(focused))
        .title(title)
        .title_bottom(Line::styled(bottom, t.dim()).right_aligned());
    let mut inner = block.inner(area);
    block.render(area, buf);
    let mut head: Vec<Line> = Vec::new();
    if let Some(input) = &s.goto {
        head.push(Line::from(vec![
            Span::styled("go to ", Style::new().fg(t.accent)),
            Span::styled(format!("{input}▏"), t.text()),
        ]));
        head.push(Line::styled(
            format!("exact {} · enter opens · esc", noun.trim_end_matches('s')),
            t.dim(),
        ));
    } else if s.filtering || !list.filter.is_empty() {
        let cursor = if s.filtering { "▏" } else { "" };
        head.push(Line::from(vec![
            Span::styled("/", Style::new().fg(t.accent)),
            Span::styled(format!("{}{cursor}", list.filter), t.text()),
        ]));
        if let Some(search) = &list.search {
            head.push(search_line(search, list, approx, t));
        }
    }
    for line in head {
        if inner.height == 0 {
            break;
        }
        Paragraph::new(line).render(Rect { height: 1, ..inner }, buf);
        inner.y += 1;
        inner.height = inner.height.saturating_sub(1);
    }
    if let Some(e) = &list.error {
        Paragraph::new(Line::styled(e.clone(), Style::new().fg(t.error)))
            .wrap(ratatui::widgets::Wrap { trim: true })
            .render(inner, buf);
        return;
    }
    if visible.is_empty() {
        let msg = match &list.search {
            Some(search) if !search.done && search.error.is_none() => {
                format!("searching all of the mount for {}…", search.pattern)
            }
            Some(search) => format!(
                "no {} matches {}",
                noun.trim_end_matches('s'),
                search.pattern
            ),
            None if list.loading.is_some() && list.is_sparse_scan() => {
                "scanning… no key of this mount found yet".into()
            }
            None if list.loading.is_some() => "loading…".into(),
            None if !list.complete => "none loaded yet: j or PgDn loads more".into(),
            None if list.filter.is_empty() => "empty".into(),
            None => "no item matches".into(),
        };
        Paragraph::new(Line::styled(msg, t.dim()))
            .wrap(ratatui::widgets::Wrap { trim: true })
            .render(inner, buf);
        return;
    }
    // Only the rows on screen are built, so a list of 100k keys draws as fast as ten.
    let first = first_shown(s, inner.height as usize);
    let items = list.shown();
    let rows: Vec<ListItem> = visible
        .iter()
        .skip(first)
        .take(inner.height as usize)
        .map(|&i| {
            let item = &items[i];
            // a search's files: their paths below the folder
            let label = match (&list.search, &item.meta) {
                (Some(_), Some(m)) => {
                    let under = format!("{}/", list.dir);
                    m.path
                        .strip_prefix(under.as_str())
                        .unwrap_or(&m.path)
                        .to_string()
                }
                _ => item.label(),
            };
            let mut spans = vec![Span::styled(
                label,
                if item.is_dir() {
                    Style::new().fg(t.accent)
                } else {
                    t.text()
                },
            )];
            if let Some(m) = item.meta.as_ref().filter(|_| !item.is_dir()) {
                spans.push(Span::styled(
                    format!("  {}", humansize::format_size(m.size, humansize::DECIMAL)),
                    t.dim(),
                ));
            }
            ListItem::new(Line::from(spans))
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(list.selected - first));
    StatefulWidget::render(
        List::new(rows).highlight_style(t.selected(focused)),
        inner,
        buf,
        &mut state,
    );
}

/// The live line of a search: "scanned 412k of ≈1.0M · 3 matches", then how it ended.
fn search_line(
    search: &Search,
    list: &ItemList,
    approx: bool,
    t: &crate::tui::theme::Theme,
) -> Line<'static> {
    let matches = match search.results.len() {
        1 => "1 match".to_string(),
        n => format!("{n} matches"),
    };
    if let Some(e) = &search.error {
        return Line::styled(format!("search failed: {e}"), Style::new().fg(t.error));
    }
    let scanned = match (search.scanned, list.total) {
        (0, _) => String::new(),
        (n, Some(total)) => format!(
            "scanned {} of {}{} · ",
            approx_count(n.min(total.max(n))),
            if approx { "≈" } else { "" },
            approx_count(total)
        ),
        (n, None) => format!("scanned {} · ", approx_count(n)),
    };
    let state = if search.capped() {
        format!(" · first {SEARCH_CAP}, narrow it")
    } else if search.done {
        " · done".into()
    } else {
        " · searching…".into()
    };
    Line::styled(format!("{scanned}{matches}{state}"), t.dim())
}

/// First row shown of a pane `height` rows high: the selected row stays on the last row once
/// it goes past the first screen (drawing and mouse hit-testing agree on this).
fn window_start(selected: Option<usize>, height: usize) -> usize {
    match selected {
        Some(i) if height > 0 && i >= height => i + 1 - height,
        _ => 0,
    }
}

/// The mount pane's row of the selected mount.
fn selected_mount_row(s: &BrowserScreen, ctx: &Context) -> Option<usize> {
    mount_rows(ctx)
        .iter()
        .position(|r| matches!(r, MountRow::Mount(slot) if *slot == s.mount))
}

/// Which pane and row a screen position falls on (rows count from the first list row).
pub fn hit(
    area: Rect,
    s: &BrowserScreen,
    ctx: &Context,
    column: u16,
    row: u16,
) -> Option<(Pane, usize)> {
    let l = BrowserLayout::new(area);
    let inside =
        |r: Rect| column >= r.x && column < r.x + r.width && row >= r.y && row < r.y + r.height;
    let row_in = |r: Rect, skip: u16| (row.saturating_sub(r.y + 1 + skip)) as usize;
    if inside(l.mounts) {
        let first = window_start(
            selected_mount_row(s, ctx),
            l.mounts.height.saturating_sub(2) as usize,
        );
        return Some((Pane::Mounts, first + row_in(l.mounts, 0)));
    }
    if inside(l.items) {
        let skip = s.list.as_ref().map_or(0, |li| head_rows(s, li));
        // The list scrolls with the selection; rows are relative to the first shown.
        let first = first_shown(s, l.items.height.saturating_sub(2 + skip) as usize);
        return Some((Pane::Items, first + row_in(l.items, skip)));
    }
    if inside(l.preview) {
        return Some((Pane::Preview, 0));
    }
    None
}

/// Rows above the item list inside its pane: the filter (and a search's line) or the go-to
/// field.
fn head_rows(s: &BrowserScreen, list: &ItemList) -> u16 {
    if s.goto.is_some() {
        2
    } else if s.filtering || !list.filter.is_empty() {
        1 + u16::from(list.search.is_some())
    } else {
        0
    }
}

/// Index of the first item-list row shown.
fn first_shown(s: &BrowserScreen, height: usize) -> usize {
    window_start(s.list.as_ref().map(|l| l.selected), height)
}

/// `950`, `12k`, `1.2M`: a rough count for progress.
fn approx_count(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{}k", n / 1_000),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}
