//! The preview pane: the selected key's value or file's content with its metadata.
//!
//! kv values are parsed with [`crate::store::js_json`] and shown pretty and highlighted; files
//! as highlighted JSON, text or a hex dump. Both are capped at [`CAP`] bytes until `L` (load
//! all). Drawing does no I/O: values arrive through `TaskDone`.

use bytes::Bytes;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use super::super::action::{Command, Handle, RequestId, TaskOutput};
use super::super::context::Context;
use super::super::widgets::{hex, json};
use super::browser::Item;
use crate::config::SchemaEntry;
use crate::store::kv_mount::Seen;
use crate::store::{FileMeta, Json, StoredValue, js_json};

/// Bytes shown before "load all".
pub const CAP: usize = 64 * 1024;

/// What was loaded.
#[derive(Debug, Clone)]
pub enum Content {
    Kv {
        value: StoredValue,
        /// Parsed value, or the parse error; `None` until parsed (values over the cap are
        /// parsed on "load all").
        parsed: Option<Result<Json, String>>,
    },
    /// The key is listed but has no stored value (deleted meanwhile).
    Missing,
    File {
        meta: Option<FileMeta>,
        bytes: Bytes,
        complete: bool,
    },
}

/// The preview of one item.
#[derive(Debug, Clone)]
pub struct Preview {
    pub slot: usize,
    pub name: String,
    pub loading: Option<RequestId>,
    pub content: Option<Content>,
    pub error: Option<String>,
    /// Show everything, not only [`CAP`] bytes.
    pub full: bool,
    pub scroll: u16,
    /// The mount's schema entry for this key (declared mounts).
    pub schema: Option<SchemaEntry>,
    /// The mount has a schema and this key is not in it.
    pub undeclared: bool,
}

impl Preview {
    /// Starts loading `item` of `slot`.
    pub fn start(ctx: &mut Context, slot: usize, item: &Item) -> (Preview, Option<Command>) {
        let mut p = Preview {
            slot,
            name: item.name.clone(),
            loading: None,
            content: None,
            error: None,
            full: false,
            scroll: 0,
            schema: None,
            undeclared: false,
        };
        let cmd = match ctx.handle(slot).cloned() {
            Some(Handle::Kv(mount)) => {
                if let Some(schema) = &mount.config().schema {
                    p.schema = schema.get(&item.name).cloned();
                    p.undeclared = p.schema.is_none();
                }
                let id = ctx.next_id();
                p.loading = Some(id);
                Some(Command::GetValue {
                    id,
                    mount,
                    key: item.name.clone(),
                })
            }
            Some(Handle::Fs(fs)) => {
                let id = ctx.next_id();
                p.loading = Some(id);
                Some(Command::ReadFile {
                    id,
                    fs,
                    path: item.name.clone(),
                    limit: Some(CAP as u64),
                })
            }
            None => None,
        };
        (p, cmd)
    }

    pub fn on_result(&mut self, out: &TaskOutput) {
        self.loading = None;
        match out {
            TaskOutput::Value(Some(v)) => {
                let parsed = (self.full || v.text.len() <= CAP).then(|| parse(&v.text));
                self.content = Some(Content::Kv {
                    value: v.clone(),
                    parsed,
                });
            }
            TaskOutput::Value(None) => self.content = Some(Content::Missing),
            TaskOutput::File {
                meta,
                bytes,
                complete,
            } => {
                self.content = Some(Content::File {
                    meta: meta.clone(),
                    bytes: bytes.clone(),
                    complete: *complete,
                })
            }
            TaskOutput::Failed(e) => self.error = Some(e.clone()),
            _ => {}
        }
    }

    /// `L`: show the whole value (kv: parse what is already here; fs: read the whole file).
    pub fn load_all(&mut self, ctx: &mut Context) -> Vec<Command> {
        self.full = true;
        match &mut self.content {
            Some(Content::Kv { value, parsed }) if parsed.is_none() => {
                *parsed = Some(parse(&value.text));
                Vec::new()
            }
            Some(Content::File {
                complete: false, ..
            }) => {
                let Some(Handle::Fs(fs)) = ctx.handle(self.slot).cloned() else {
                    return Vec::new();
                };
                let id = ctx.next_id();
                self.loading = Some(id);
                vec![Command::ReadFile {
                    id,
                    fs,
                    path: self.name.clone(),
                    limit: None,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// How many lines the body has (unwrapped), the bound of its scroll. Binary content
    /// counts rows of 8 bytes, the narrowest hex layout.
    pub fn line_count(&self) -> usize {
        let text_lines = |t: &str| t.lines().count();
        let body = match &self.content {
            Some(Content::Kv { parsed, value }) => match parsed {
                Some(Ok(v)) => text_lines(&js_json::to_pretty(v)),
                Some(Err(_)) => 1 + text_lines(&value.text),
                None => 1 + text_lines(&value.text[..floor_char_boundary(&value.text, CAP)]),
            },
            Some(Content::File {
                bytes, complete, ..
            }) => {
                let head = usize::from(!complete);
                if hex::looks_like_text(bytes) {
                    head + text_lines(&String::from_utf8_lossy(bytes))
                } else {
                    head + bytes.len().div_ceil(8)
                }
            }
            Some(Content::Missing) | None => 1,
        };
        body.max(1)
    }

    /// Scrolls by `delta` lines, kept within the content.
    pub fn scroll_by(&mut self, delta: i64) {
        let max = self.line_count().saturating_sub(1).min(u16::MAX as usize) as i64;
        self.scroll = (self.scroll as i64 + delta).clamp(0, max) as u16;
    }

    /// What the user was shown of kv key `key`: its stored text, or that it was missing;
    /// `Seen::Anything` when this preview is of another item or has not loaded.
    pub fn seen(&self, key: &str) -> Seen {
        if self.name != key || self.loading.is_some() {
            return Seen::Anything;
        }
        match &self.content {
            Some(Content::Kv { value, .. }) => Seen::Text(Some(value.text.clone())),
            Some(Content::Missing) => Seen::Text(None),
            _ => Seen::Anything,
        }
    }

    /// The remaining TTL of the kv value shown.
    pub fn ttl(&self) -> Option<std::time::Duration> {
        match &self.content {
            Some(Content::Kv { value, .. }) => value.ttl,
            _ => None,
        }
    }

    /// The text the editor starts with: the value pretty-printed (or raw when it is not JSON).
    pub fn editable_text(&self) -> Option<String> {
        match &self.content {
            Some(Content::Kv { value, .. }) => Some(match js_json::parse(&value.text) {
                Ok(p) => js_json::to_pretty(&p.value),
                Err(_) => value.text.clone(),
            }),
            _ => None,
        }
    }
}

fn parse(text: &str) -> Result<Json, String> {
    js_json::parse(text)
        .map(|p| p.value)
        .map_err(|e| e.to_string())
}

fn size(n: u64) -> String {
    humansize::format_size(n, humansize::DECIMAL)
}

/// Draws the preview pane.
pub fn render_preview(
    preview: Option<&Preview>,
    ctx: &Context,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    let t = &ctx.theme;
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(t.border(focused))
        .title(" preview ");
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(p) = preview else {
        Paragraph::new(Span::styled("nothing selected", t.dim())).render(inner, buf);
        return;
    };
    let label = |s: &str| Span::styled(format!("{s:<7}"), t.dim());
    let mut head: Vec<Line> = vec![Line::from(vec![
        label("name"),
        Span::styled(p.name.clone(), t.text().add_modifier(Modifier::BOLD)),
    ])];
    let mut body: Vec<Line> = Vec::new();
    let max_lines = inner.height as usize + p.scroll as usize;
    if let Some(e) = &p.error {
        body.push(Line::styled(e.clone(), Style::new().fg(t.error)));
    } else if p.loading.is_some() && p.content.is_none() {
        body.push(Line::styled("loading…", t.dim()));
    }
    match &p.content {
        Some(Content::Kv { value, parsed }) => {
            let kind = match parsed {
                Some(Ok(v)) => v.type_name_rill(),
                Some(Err(_)) => "not JSON",
                None => "?",
            };
            let mut info = vec![
                label("type"),
                Span::styled(kind, Style::new().fg(t.accent)),
                Span::styled(format!("  {}", size(value.text.len() as u64)), t.text()),
            ];
            if let Some(ttl) = value.ttl {
                info.push(Span::styled(format!("  TTL {}s", ttl.as_secs()), t.text()));
            }
            head.push(Line::from(info));
            match parsed {
                Some(Ok(v)) => {
                    let (lines, cut) = json::json_lines(v, t, max_lines);
                    body.extend(lines);
                    if cut {
                        body.push(Line::styled("…", t.dim()));
                    }
                }
                Some(Err(e)) => {
                    body.push(Line::styled(
                        format!("stored text is not JSON: {e}"),
                        Style::new().fg(t.warn),
                    ));
                    body.extend(
                        value
                            .text
                            .lines()
                            .take(max_lines)
                            .map(|l| Line::raw(l.to_string())),
                    );
                }
                None => {
                    body.push(Line::styled(
                        format!(
                            "showing {} of {} — L loads all",
                            size(CAP as u64),
                            size(value.text.len() as u64)
                        ),
                        Style::new().fg(t.warn),
                    ));
                    let cut = floor_char_boundary(&value.text, CAP);
                    body.extend(
                        value.text[..cut]
                            .lines()
                            .take(max_lines)
                            .map(|l| Line::raw(l.to_string())),
                    );
                }
            }
        }
        Some(Content::Missing) => body.push(Line::styled("no stored value", t.dim())),
        Some(Content::File {
            meta,
            bytes,
            complete,
        }) => {
            let total = meta.as_ref().map_or(bytes.len() as u64, |m| m.size);
            let mut info = vec![label("size"), Span::styled(size(total), t.text())];
            if let Some(ct) = meta.as_ref().and_then(|m| m.content_type.clone()) {
                info.push(Span::styled(format!("  {ct}"), t.dim()));
            }
            head.push(Line::from(info));
            if !complete {
                body.push(Line::styled(
                    format!(
                        "showing {} of {} — L loads all",
                        size(bytes.len() as u64),
                        size(total)
                    ),
                    Style::new().fg(t.warn),
                ));
            }
            if hex::looks_like_text(bytes) {
                let text = String::from_utf8_lossy(bytes);
                let as_json = (*complete && p.name.ends_with(".json"))
                    .then(|| js_json::parse(&text).ok())
                    .flatten();
                match as_json {
                    Some(v) => body.extend(json::json_lines(&v.value, t, max_lines).0),
                    None => body.extend(
                        text.lines()
                            .take(max_lines)
                            .map(|l| Line::raw(l.to_string())),
                    ),
                }
            } else {
                body.extend(hex::hex_lines(bytes, t, max_lines, inner.width));
            }
        }
        None => {}
    }
    if let Some(s) = &p.schema {
        let mut spans = vec![
            label("schema"),
            Span::styled(s.kind.clone(), Style::new().fg(t.accent)),
            Span::styled(format!("  default {}", s.default.to_compact()), t.dim()),
        ];
        if let Some(d) = &s.description {
            spans.push(Span::styled(format!("  {d}"), t.dim()));
        }
        head.push(Line::from(spans));
    } else if p.undeclared {
        head.push(Line::from(vec![
            label("schema"),
            Span::styled("not declared", Style::new().fg(t.warn)),
        ]));
    }
    head.push(Line::styled("─".repeat(inner.width as usize), t.dim()));
    let head_h = (head.len() as u16).min(inner.height);
    Paragraph::new(head).render(
        Rect {
            height: head_h,
            ..inner
        },
        buf,
    );
    let body_area = Rect {
        y: inner.y + head_h,
        height: inner.height - head_h,
        ..inner
    };
    Paragraph::new(body)
        .style(t.text())
        .wrap(Wrap { trim: false })
        .scroll((p.scroll, 0))
        .render(body_area, buf);
}

/// The largest index ≤ `i` on a character boundary of `s`.
fn floor_char_boundary(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    (0..=i).rev().find(|&j| s.is_char_boundary(j)).unwrap_or(0)
}
