//! The value editor: a ratatui-textarea popup over the browser.
//!
//! Save (ctrl-s) parses the text as JSON (an error names its line and column and moves the
//! cursor there), then writes through `KvMount::set`, which applies the mount's mode, schema
//! and limits exactly as rill does; its refusal is shown here and the text is kept. On a
//! protected profile the save asks for the profile name first. Esc with unsaved changes asks
//! before dropping them.
//!
//! The save re-reads the store and refuses when the key no longer holds what the editor opened
//! with (another process wrote it): the editor keeps the text and says so, and a second ctrl-s
//! overwrites. A Redis value keeps its remaining TTL (`SET … KEEPTTL`), unless the mount has a
//! `ttl`, which a rill host would set (SETEX); the status line says which.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};
use ratatui_textarea::{CursorMove, TextArea};

use super::super::action::{Action, Command};
use super::super::context::{Context, Write};
use super::super::widgets::popup;
use super::confirm::{ConfirmScreen, Pending};
use super::{Effects, Screen};
use crate::config::{KvBackendConfig, KvMountConfig};
use crate::store::kv_mount::Seen;
use crate::store::{Expiry, js_json};

/// Editing one kv value.
#[derive(Debug, Clone)]
pub struct EditorScreen {
    pub slot: usize,
    pub key: String,
    /// The key does not exist yet.
    pub is_new: bool,
    pub textarea: TextArea<'static>,
    pub error: Option<String>,
    /// A write was sent and has not come back.
    pub saving: bool,
    /// The text the editor opened with (esc asks before dropping changes to it).
    pub original: String,
    /// What the key held when the editor opened; `Seen::Anything` after the user was told it
    /// changed since (the next save overwrites).
    pub seen: Seen,
    /// How the save sets the key's expiry, and the line that tells the user.
    pub expiry: Expiry,
    pub ttl_note: Option<String>,
}

/// The expiry a save gives a value of `cfg` whose key now has `ttl` left: the mount's `ttl`
/// where it has one (what a rill host's `set` does), else the key's own TTL kept.
pub fn save_expiry(
    cfg: &KvMountConfig,
    ttl: Option<std::time::Duration>,
) -> (Expiry, Option<String>) {
    let KvBackendConfig::Redis(r) = &cfg.backend else {
        return (Expiry::MountDefault, None);
    };
    match (r.ttl.filter(|t| *t > 0), ttl) {
        (Some(secs), _) => (
            Expiry::MountDefault,
            Some(format!(
                "TTL set to the mount's ttl ({secs} s), as rill sets it"
            )),
        ),
        (None, Some(left)) => (
            Expiry::Keep,
            Some(format!("TTL kept ({} left)", human_secs(left.as_secs()))),
        ),
        (None, None) => (Expiry::Keep, Some("no TTL".into())),
    }
}

fn human_secs(s: u64) -> String {
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

impl EditorScreen {
    /// Edits `key` starting from `text`; `seen` is what the key holds now.
    pub fn new(slot: usize, key: String, text: &str, is_new: bool, seen: Seen) -> Self {
        let textarea = TextArea::new(text.lines().map(str::to_string).collect());
        EditorScreen {
            slot,
            key,
            is_new,
            textarea,
            error: None,
            saving: false,
            original: text.lines().collect::<Vec<_>>().join("\n"),
            seen,
            expiry: Expiry::MountDefault,
            ttl_note: None,
        }
    }

    /// Sets how the save treats the key's expiry (see [`save_expiry`]).
    pub fn with_expiry(mut self, (expiry, note): (Expiry, Option<String>)) -> Self {
        self.expiry = expiry;
        self.ttl_note = note;
        self
    }

    /// The save found the key changed since the editor opened: keep the text, say so, and let
    /// the next save overwrite.
    pub fn drifted(&mut self, now: Option<&str>) {
        self.saving = false;
        self.seen = Seen::Anything;
        let what = what_it_holds(now);
        self.error = Some(format!(
            "`{}` changed on disk since you opened it ({what}): ctrl-s again overwrites it, \
             esc keeps the other change (then r reloads)",
            self.key
        ));
    }

    /// The edited text.
    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    pub fn update(&mut self, ctx: &mut Context, action: &Action) -> Effects {
        match action {
            Action::Save => self.save(ctx),
            Action::Cancel if self.text() != self.original => {
                let what = format!("`{}` in {}", self.key, ctx.address(self.slot));
                Effects::push(Screen::Confirm(Box::new(ConfirmScreen::discard(&what))))
            }
            Action::Cancel => Effects::pop(),
            Action::Input(k) => {
                self.textarea.input(*k);
                Effects::default()
            }
            Action::Paste(s) => {
                self.textarea.insert_str(s);
                Effects::default()
            }
            _ => Effects::default(),
        }
    }

    fn save(&mut self, ctx: &mut Context) -> Effects {
        if self.saving {
            return Effects::default();
        }
        if let Err(e) = ctx.writable(self.slot) {
            self.error = Some(e);
            return Effects::default();
        }
        let value = match js_json::parse(&self.text()) {
            Ok(p) => p.value,
            Err(e) => {
                self.textarea.move_cursor(CursorMove::Jump(
                    e.line.saturating_sub(1) as u16,
                    e.column.saturating_sub(1) as u16,
                ));
                self.error = Some(format!("invalid JSON: {e}"));
                return Effects::default();
            }
        };
        let Some(mount) = ctx.kv(self.slot).cloned() else {
            self.error = Some(format!("`{}` is not connected", ctx.address(self.slot)));
            return Effects::default();
        };
        self.error = None;
        let id = ctx.next_id();
        let command = Command::SetValue {
            id,
            mount,
            key: self.key.clone(),
            value,
            seen: self.seen.clone(),
            expiry: self.expiry,
        };
        let write = Write {
            slot: self.slot,
            key: self.key.clone(),
            delete: false,
        };
        if ctx.profile_of(self.slot).is_some_and(|p| p.protect) {
            let message = format!("save key `{}` to {}?", self.key, ctx.address(self.slot));
            let confirm = ConfirmScreen::new(
                ctx,
                self.slot,
                "save",
                message,
                Pending::Write { write, command },
            );
            return Effects::push(Screen::Confirm(Box::new(confirm)));
        }
        ctx.writes.insert(id, write);
        self.saving = true;
        Effects::commands(vec![command])
    }

    pub fn render(&self, ctx: &Context, area: Rect, buf: &mut Buffer) {
        let t = &ctx.theme;
        let w = (area.width as u32 * 4 / 5) as u16;
        let h = (area.height as u32 * 4 / 5) as u16;
        let rect = popup::centered(area, w.max(40), h.max(10));
        let verb = if self.is_new { "new" } else { "edit" };
        let title = format!("{verb} `{}` — {}", self.key, ctx.address(self.slot));
        let inner = popup::frame(rect, buf, &title, t.border(true));
        let text_h = inner.height.saturating_sub(2);
        let mut ta = self.textarea.clone();
        ta.set_style(t.text());
        ta.set_cursor_line_style(Style::new().add_modifier(Modifier::UNDERLINED));
        ta.set_line_number_style(t.dim());
        ta.render(
            Rect {
                height: text_h,
                ..inner
            },
            buf,
        );
        let status = match (&self.error, self.saving) {
            (Some(e), _) => Line::styled(e.clone(), Style::new().fg(t.error)),
            (None, true) => Line::styled("saving…", t.dim()),
            (None, false) => Line::styled(
                match &self.ttl_note {
                    Some(n) => format!(
                        "ctrl-s: save (checked against the mount's schema and limits; {n})   \
                         esc: cancel"
                    ),
                    None => "ctrl-s: save (checked against the mount's schema and limits)   \
                             esc: cancel"
                        .into(),
                },
                t.dim(),
            ),
        };
        Paragraph::new(status).wrap(Wrap { trim: true }).render(
            Rect {
                y: inner.y + text_h,
                height: inner.height - text_h,
                ..inner
            },
            buf,
        );
    }
}

/// What a drifted key holds now, for a message: `it now holds 99` / `it was deleted`.
pub fn what_it_holds(now: Option<&str>) -> String {
    match now {
        Some(t) => format!("it now holds {}", short(t)),
        None => "it was deleted".into(),
    }
}

/// At most 60 characters of a stored text, for a message.
pub fn short(text: &str) -> String {
    if text.chars().count() <= 60 {
        return text.to_string();
    }
    let head: String = text.chars().take(57).collect();
    format!("{head}…")
}
