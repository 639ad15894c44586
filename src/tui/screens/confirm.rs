//! Confirmations and one-line prompts.
//!
//! A [`ConfirmScreen`] holds the command it will run and names what it affects ("delete key
//! `user:7` from dev:user?"). On a `protect` profile the user must type the profile name.
//! A [`PromptScreen`] asks for a new key's name before the editor opens.

use crate::store::kv_mount::Seen;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::super::action::{Action, Command};
use super::super::context::{Context, Write};
use super::super::widgets::popup;
use super::{Effects, Screen};

/// What a confirmation runs.
#[derive(Debug, Clone)]
pub enum Pending {
    /// A kv write; remembered in `Context::writes` once sent.
    Write { write: Write, command: Command },
    /// A migration copy (the migration screen already waits for its id).
    Copy { command: Command },
    /// A scratchpad apply (the scratchpad already waits for its id).
    Script { command: Command },
    /// Leave the editor below without saving.
    Discard,
}

/// "Are you sure?" with the scope named.
#[derive(Debug, Clone)]
pub struct ConfirmScreen {
    pub title: String,
    pub message: String,
    /// On a protected profile: the name to type (or, for deletions, their count).
    pub typed: Option<String>,
    /// Why it must be typed, when not because the profile `typed` names is protected.
    pub reason: Option<String>,
    pub input: String,
    pub error: Option<String>,
    pub pending: Pending,
}

impl ConfirmScreen {
    /// A confirmation for `pending` on a mount of `profile`; typed when the profile is
    /// protected.
    pub fn new(ctx: &Context, slot: usize, title: &str, message: String, pending: Pending) -> Self {
        let profile = ctx.mounts.get(slot).map_or(usize::MAX, |m| m.profile);
        ConfirmScreen::for_profile(ctx, profile, title, message, pending)
    }

    /// A confirmation for `pending` on profile `profile` (index into `Context::profiles`).
    pub fn for_profile(
        ctx: &Context,
        profile: usize,
        title: &str,
        message: String,
        pending: Pending,
    ) -> Self {
        let typed = ctx
            .profiles
            .get(profile)
            .filter(|p| p.protect)
            .map(|p| p.name.clone());
        ConfirmScreen {
            title: title.to_string(),
            message,
            typed,
            reason: None,
            input: String::new(),
            error: None,
            pending,
        }
    }

    /// Discarding the editor's changes: a plain yes/no, whatever the profile.
    pub fn discard(what: &str) -> Self {
        ConfirmScreen {
            title: "discard changes".into(),
            message: format!("discard your changes to {what}?"),
            typed: None,
            reason: None,
            input: String::new(),
            error: None,
            pending: Pending::Discard,
        }
    }

    /// Deleting a key (`file: false`) or a file.
    pub fn delete(ctx: &Context, slot: usize, key: &str, file: bool, command: Command) -> Self {
        let what = if file { "file" } else { "key" };
        let message = format!("delete {what} `{key}` from {}?", ctx.address(slot));
        let write = Write {
            slot,
            key: key.to_string(),
            delete: true,
        };
        ConfirmScreen::new(
            ctx,
            slot,
            "delete",
            message,
            Pending::Write { write, command },
        )
    }

    pub fn update(&mut self, ctx: &mut Context, action: &Action) -> Effects {
        match action {
            Action::Confirm => {
                if let Some(name) = &self.typed
                    && &self.input != name
                {
                    self.error = Some(format!("type `{name}` to confirm"));
                    return Effects::default();
                }
                let command = match &self.pending {
                    Pending::Write { write, command } => {
                        ctx.writes.insert(command.id(), write.clone());
                        Some(command.clone())
                    }
                    Pending::Copy { command } | Pending::Script { command } => {
                        Some(command.clone())
                    }
                    Pending::Discard => None,
                };
                Effects {
                    commands: command.into_iter().collect(),
                    pop: true,
                    push: None,
                }
            }
            Action::Cancel => {
                ctx.info("cancelled");
                Effects::pop()
            }
            Action::Input(k) => {
                edit_line(&mut self.input, k);
                self.error = None;
                Effects::default()
            }
            Action::Paste(s) => {
                self.input.push_str(s.lines().next().unwrap_or_default());
                Effects::default()
            }
            _ => Effects::default(),
        }
    }

    pub fn render(&self, ctx: &Context, area: Rect, buf: &mut Buffer) {
        let t = &ctx.theme;
        let protected = self.typed.is_some();
        let border = Style::new().fg(if protected { t.protect } else { t.warn });
        let rect = popup::centered(area, 64, if protected { 9 } else { 6 });
        let inner = popup::frame(rect, buf, &self.title, border);
        let mut lines = vec![Line::styled(
            self.message.clone(),
            t.text().add_modifier(Modifier::BOLD),
        )];
        match &self.typed {
            Some(name) => {
                lines.push(Line::styled(
                    self.reason
                        .clone()
                        .unwrap_or_else(|| format!("profile `{name}` is protected.")),
                    Style::new().fg(t.protect),
                ));
                lines.push(Line::styled(
                    format!("type `{name}` and press enter to confirm, esc to cancel"),
                    t.dim(),
                ));
                lines.push(Line::from(vec![
                    Span::styled("> ", Style::new().fg(t.accent)),
                    Span::styled(format!("{}▏", self.input), t.text()),
                ]));
            }
            None => lines.push(Line::styled("y / enter: yes    n / esc: no", t.dim())),
        }
        if let Some(e) = &self.error {
            lines.push(Line::styled(e.clone(), Style::new().fg(t.error)));
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(inner, buf);
    }
}

/// Asks for the name of a new key, then opens the editor on it.
#[derive(Debug, Clone)]
pub struct PromptScreen {
    pub slot: usize,
    pub input: String,
    pub error: Option<String>,
    /// Asking for the TTL of this key (else: a new key's name).
    pub ttl_of: Option<String>,
    /// What the key held when asked (TTL changes).
    pub seen: Seen,
}

impl PromptScreen {
    pub fn new_key(slot: usize) -> Self {
        PromptScreen {
            slot,
            input: String::new(),
            error: None,
            ttl_of: None,
            seen: Seen::Anything,
        }
    }

    /// Asks for the expiry of `key` in seconds (empty or 0: no expiry).
    pub fn ttl(slot: usize, key: String, seen: Seen) -> Self {
        PromptScreen {
            ttl_of: Some(key),
            seen,
            ..PromptScreen::new_key(slot)
        }
    }

    fn confirm_ttl(&mut self, ctx: &mut Context, key: String) -> Effects {
        let text = self.input.trim();
        let ttl = match text {
            "" | "0" => None,
            t => match t.parse::<u64>() {
                Ok(secs) => Some(std::time::Duration::from_secs(secs)),
                Err(_) => {
                    self.error = Some("seconds as a whole number (empty or 0: no expiry)".into());
                    return Effects::default();
                }
            },
        };
        let Some(mount) = ctx.kv(self.slot).cloned() else {
            self.error = Some(format!("`{}` is not connected", ctx.address(self.slot)));
            return Effects::default();
        };
        let id = ctx.next_id();
        let command = Command::SetTtl {
            id,
            mount,
            key: key.clone(),
            ttl,
            seen: self.seen.clone(),
        };
        let write = Write {
            slot: self.slot,
            key: key.clone(),
            delete: false,
        };
        if ctx.profile_of(self.slot).is_some_and(|p| p.protect) {
            let what = match ttl {
                Some(d) => format!("expire `{key}` in {}s", d.as_secs()),
                None => format!("remove the expiry of `{key}`"),
            };
            let message = format!("{what} in {}?", ctx.address(self.slot));
            let confirm = ConfirmScreen::new(
                ctx,
                self.slot,
                "set TTL",
                message,
                Pending::Write { write, command },
            );
            return Effects {
                pop: true,
                push: Some(Screen::Confirm(Box::new(confirm))),
                commands: Vec::new(),
            };
        }
        ctx.writes.insert(id, write);
        Effects {
            pop: true,
            push: None,
            commands: vec![command],
        }
    }

    pub fn update(&mut self, ctx: &mut Context, action: &Action) -> Effects {
        match action {
            Action::Confirm if self.ttl_of.is_some() => {
                let key = self.ttl_of.clone().unwrap_or_default();
                self.confirm_ttl(ctx, key)
            }
            Action::Confirm => {
                if self.input.is_empty() {
                    self.error = Some("a key name is needed".into());
                    return Effects::default();
                }
                // Declared keys start from their schema default; open keys from "".
                let declared = ctx
                    .kv(self.slot)
                    .and_then(|m| m.config().schema.as_ref())
                    .and_then(|s| s.get(&self.input));
                let initial = declared
                    .map(|e| e.default.to_pretty())
                    .unwrap_or_else(|| "\"\"".into());
                // A new key must still be absent when saved; a JSON file holds its declared
                // keys from load, at their default.
                let json = ctx
                    .kv(self.slot)
                    .is_some_and(|m| m.store().info().backend == crate::store::Backend::Json);
                let seen = match declared {
                    Some(e) if json => Seen::Text(Some(e.default.to_compact())),
                    _ => Seen::Text(None),
                };
                let mut ed = super::editor::EditorScreen::new(
                    self.slot,
                    self.input.clone(),
                    &initial,
                    true,
                    seen,
                );
                if let Some(m) = ctx.kv(self.slot) {
                    ed = ed.with_expiry(super::editor::save_expiry(m.config(), None));
                }
                Effects {
                    pop: true,
                    push: Some(Screen::Editor(Box::new(ed))),
                    commands: Vec::new(),
                }
            }
            Action::Cancel => Effects::pop(),
            Action::Input(k) => {
                edit_line(&mut self.input, k);
                self.error = None;
                Effects::default()
            }
            Action::Paste(s) => {
                self.input.push_str(s.lines().next().unwrap_or_default());
                Effects::default()
            }
            _ => Effects::default(),
        }
    }

    pub fn render(&self, ctx: &Context, area: Rect, buf: &mut Buffer) {
        let t = &ctx.theme;
        let rect = popup::centered(area, 60, 6);
        let (title, prompt) = match &self.ttl_of {
            Some(key) => (
                "set TTL",
                format!("seconds until `{key}` expires (empty or 0: never)"),
            ),
            None => ("new key", format!("new key in {}", ctx.address(self.slot))),
        };
        let inner = popup::frame(rect, buf, title, t.border(true));
        let mut lines = vec![
            Line::styled(prompt, t.text()),
            Line::from(vec![
                Span::styled("> ", Style::new().fg(t.accent)),
                Span::styled(format!("{}▏", self.input), t.text()),
            ]),
        ];
        if let Some(e) = &self.error {
            lines.push(Line::styled(e.clone(), Style::new().fg(t.error)));
        }
        Paragraph::new(lines).render(inner, buf);
    }
}

/// Applies a key to a one-line text field (characters and backspace).
pub fn edit_line(s: &mut String, key: &KeyEvent) {
    match key.code {
        KeyCode::Char(c) => s.push(c),
        KeyCode::Backspace => {
            s.pop();
        }
        _ => {}
    }
}
