//! The app: a screen stack over shared [`Context`], and `update`, the one place state changes.
//!
//! `App::update(Action) -> Vec<Command>` is synchronous and does no I/O, so tests drive it
//! directly; the commands it returns are run by `tasks.rs`, whose results come back as
//! `Action::TaskDone`. `handle_key`/`handle_mouse` turn terminal input into actions through
//! the keymap. Drawing (`impl Widget for &App`) reads state only.

use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::action::{Action, Command, RequestId, TaskOutput};
use super::context::{Context, MountKind};
use super::keymap::{KeyContext, Keymap};
use super::screens::browser::BrowserScreen;
use super::screens::browser_view::{BrowserView, hit};
use super::screens::confirm::Pending;
use super::screens::help::HelpScreen;
use super::screens::migrate::Step;
use super::screens::{Effects, Screen};
use super::theme::Theme;
use crate::config::Profile;

/// The whole UI state.
#[derive(Debug)]
pub struct App {
    pub ctx: Context,
    /// Bottom is always the browser.
    pub stack: Vec<Screen>,
    pub quit: bool,
    /// Quit was asked for while a copy ran: leave once it has stopped.
    pub quit_after_copy: bool,
    /// Something changed since the last draw.
    pub dirty: bool,
}

impl App {
    /// A new app on `profiles`, showing `start` (a profile name) or the first profile; returns
    /// the commands that connect its mounts.
    pub fn new(
        profiles: Vec<Profile>,
        start: Option<&str>,
        theme: Theme,
        keymap: Keymap,
    ) -> (App, Vec<Command>) {
        let mut ctx = Context::new(profiles, theme, keymap);
        let (browser, commands) = BrowserScreen::new(&mut ctx, start);
        let app = App {
            ctx,
            stack: vec![Screen::Browser(Box::new(browser))],
            quit: false,
            quit_after_copy: false,
            dirty: true,
        };
        (app, commands)
    }

    pub fn browser(&self) -> Option<&BrowserScreen> {
        match self.stack.first() {
            Some(Screen::Browser(b)) => Some(b),
            _ => None,
        }
    }

    fn browser_mut(&mut self) -> Option<&mut BrowserScreen> {
        match self.stack.first_mut() {
            Some(Screen::Browser(b)) => Some(b),
            _ => None,
        }
    }

    /// The keymap context of the top screen.
    pub fn key_context(&self) -> KeyContext {
        match self.stack.last() {
            Some(Screen::Confirm(c)) if c.typed.is_some() => KeyContext::Prompt,
            Some(s) => s.key_context(),
            None => KeyContext::Browser,
        }
    }

    /// A terminal key: through the keymap, or as text where the top screen takes text.
    pub fn handle_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        let ctx = self.key_context();
        match self.ctx.keymap.lookup(ctx, &key) {
            Some(a) => self.update(a),
            None if ctx.takes_text() => self.update(Action::Input(key)),
            None => Vec::new(),
        }
    }

    pub fn handle_mouse(&mut self, m: MouseEvent) -> Vec<Command> {
        match m.kind {
            MouseEventKind::Down(_) => self.update(Action::Click {
                column: m.column,
                row: m.row,
            }),
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => self.update(Action::Scroll {
                column: m.column,
                row: m.row,
                down: m.kind == MouseEventKind::ScrollDown,
            }),
            _ => Vec::new(),
        }
    }

    /// Applies one action. Sync, no I/O.
    pub fn update(&mut self, action: Action) -> Vec<Command> {
        if !matches!(action, Action::Tick) {
            self.dirty = true;
        }
        match action {
            Action::Quit => {
                // Leaving in the middle of a copy would cut it off mid-batch: stop it at the
                // next batch boundary first; a second quit leaves at once.
                let running = self.stack.iter().find_map(|s| match s {
                    Screen::Migrate(m) if m.step == Step::Running => m.cancel.clone(),
                    _ => None,
                });
                match running {
                    Some(cancel) if !self.quit_after_copy => {
                        cancel.cancel();
                        self.quit_after_copy = true;
                        self.ctx.info(
                            "stopping the copy after its current batch… quit again to leave now",
                        );
                    }
                    _ => self.quit = true,
                }
                Vec::new()
            }
            Action::Tick => {
                if self.busy() {
                    self.ctx.frame = self.ctx.frame.wrapping_add(1);
                    self.dirty = true;
                }
                Vec::new()
            }
            Action::Resize { width, height } => {
                self.ctx.area = Rect::new(0, 0, width, height);
                Vec::new()
            }
            Action::ToggleTheme => {
                self.ctx.theme = self.ctx.theme.toggled();
                Vec::new()
            }
            Action::ToggleHelp if !matches!(self.stack.last(), Some(Screen::Help(_))) => {
                let context = self.key_context();
                let slot = self.browser().map_or(0, |b| b.mount);
                let writable = self.ctx.writable(slot).is_ok();
                self.stack.push(Screen::Help(HelpScreen {
                    context,
                    writable,
                    scroll: 0,
                }));
                Vec::new()
            }
            Action::TaskDone(id, out) => self.on_task(id, out),
            Action::TaskProgress(id, p) => {
                for s in self.stack.iter_mut().rev() {
                    if let Screen::Migrate(m) = s
                        && m.on_progress(id, &p)
                    {
                        return Vec::new();
                    }
                }
                Vec::new()
            }
            Action::Click { column, row } => self.click(column, row),
            Action::Scroll { column, row, down } => self.scroll(column, row, down),
            action => self.update_top(action),
        }
    }

    fn busy(&self) -> bool {
        use super::context::Conn;
        self.ctx
            .mounts
            .iter()
            .any(|m| matches!(m.conn, Conn::Connecting(_)))
            || self
                .stack
                .iter()
                .any(|s| matches!(s, Screen::Scratchpad(p) if p.running.is_some()))
            || self.browser().is_some_and(|b| {
                b.list.as_ref().is_some_and(|l| l.loading.is_some())
                    || b.preview.as_ref().is_some_and(|p| p.loading.is_some())
            })
    }

    fn update_top(&mut self, action: Action) -> Vec<Command> {
        let ctx = &mut self.ctx;
        let Some(top) = self.stack.last_mut() else {
            return Vec::new();
        };
        let mut copy_cancelled = false;
        let mut script_cancelled = false;
        let mut discard = false;
        let fx = match top {
            Screen::Browser(b) => b.update(ctx, &action),
            Screen::Help(h) => h.update(&action),
            Screen::Confirm(c) => {
                let cancel = matches!(action, Action::Cancel);
                copy_cancelled = cancel && matches!(c.pending, Pending::Copy { .. });
                script_cancelled = cancel && matches!(c.pending, Pending::Script { .. });
                discard =
                    matches!(action, Action::Confirm) && matches!(c.pending, Pending::Discard);
                c.update(ctx, &action)
            }
            Screen::Prompt(p) => p.update(ctx, &action),
            Screen::Editor(e) => e.update(ctx, &action),
            Screen::Migrate(m) => m.update(ctx, &action),
            Screen::Scratchpad(p) => p.update(ctx, &action),
        };
        let sent_script = fx
            .commands
            .iter()
            .any(|c| matches!(c, Command::RunScript { .. }))
            && fx.pop;
        let commands = self.apply(fx);
        match self.stack.last_mut() {
            Some(Screen::Migrate(m)) if copy_cancelled => m.apply_cancelled(),
            Some(Screen::Scratchpad(p)) if script_cancelled => p.apply_cancelled(),
            Some(Screen::Scratchpad(p)) if sent_script => p.apply_confirmed(),
            Some(Screen::Editor(_)) if discard => {
                self.stack.pop();
                self.ctx.info("changes discarded");
            }
            _ => {}
        }
        commands
    }

    fn apply(&mut self, fx: Effects) -> Vec<Command> {
        let mut commands = fx.commands;
        if fx.pop && self.stack.len() > 1 {
            // After a copy the browser's list may be stale: load it again.
            if let Some(Screen::Migrate(m)) = self.stack.pop()
                && m.report.is_some()
                && let Some(Screen::Browser(b)) = self.stack.first_mut()
            {
                commands.extend(b.update(&mut self.ctx, &Action::Reload).commands);
            }
        }
        if let Some(s) = fx.push {
            self.stack.push(s);
        }
        commands
    }

    fn on_task(&mut self, id: RequestId, out: TaskOutput) -> Vec<Command> {
        if let Some(write) = self.ctx.writes.remove(&id) {
            return self.on_written(write, out);
        }
        if self.ctx.history_saves.remove(&id) {
            if let TaskOutput::Failed(e) = out {
                self.ctx.error(e);
            }
            return Vec::new();
        }
        if let TaskOutput::Opened(_) | TaskOutput::Failed(_) = &out {
            let result = match &out {
                TaskOutput::Opened(h) => Ok(h.as_ref().clone()),
                TaskOutput::Failed(e) => Err(e.clone()),
                _ => Err(String::new()),
            };
            if let Some(slot) = self.ctx.on_opened(id, result) {
                if let TaskOutput::Failed(e) = &out {
                    self.ctx.error(e.clone());
                }
                let mut commands = Vec::new();
                for s in self.stack.iter_mut() {
                    match s {
                        Screen::Browser(b) => commands.extend(b.on_opened(&mut self.ctx, slot)),
                        Screen::Migrate(m) => commands.extend(m.on_opened(&mut self.ctx)),
                        _ => {}
                    }
                }
                return commands;
            }
        }
        let mut reload = false;
        let mut taken_by = None;
        for s in self.stack.iter_mut().rev() {
            let taken = match s {
                Screen::Browser(b) => b.on_task(&mut self.ctx, id, &out),
                Screen::Scratchpad(p) => match p.on_task(&mut self.ctx, id, &out) {
                    Some(wrote) => {
                        reload = wrote;
                        Some(Vec::new())
                    }
                    None => None,
                },
                Screen::Migrate(m) => {
                    let taken = m.on_task(&mut self.ctx, id, &out);
                    if taken && self.quit_after_copy && m.step != Step::Running {
                        self.quit = true;
                    }
                    taken.then(Vec::new)
                }
                _ => None,
            };
            if taken.is_some() {
                taken_by = taken;
                break;
            }
        }
        // A snippet wrote: what the browser shows may be stale.
        if reload && let Some(Screen::Browser(b)) = self.stack.first_mut() {
            return b.update(&mut self.ctx, &Action::Reload).commands;
        }
        // `None`: nobody waits for it any more, a stale result.
        taken_by.unwrap_or_default()
    }

    fn on_written(&mut self, write: super::context::Write, out: TaskOutput) -> Vec<Command> {
        let addr = self.ctx.address(write.slot);
        match out {
            TaskOutput::Failed(e) => {
                match self.editor_of(&write) {
                    Some(ed) => {
                        ed.saving = false;
                        ed.error = Some(e);
                    }
                    None => self.ctx.error(e),
                }
                Vec::new()
            }
            TaskOutput::Drifted { now } => {
                match self.editor_of(&write) {
                    Some(ed) => ed.drifted(now.as_deref()),
                    None => {
                        let what = super::screens::editor::what_it_holds(now.as_deref());
                        self.ctx.error(format!(
                            "`{}` changed in {addr} since it was shown ({what}): nothing was \
                             written; the view is reloaded, try again",
                            write.key
                        ));
                        if let Some(Screen::Browser(b)) = self.stack.first_mut() {
                            return b.update(&mut self.ctx, &Action::Reload).commands;
                        }
                    }
                }
                Vec::new()
            }
            TaskOutput::Deleted(existed) => {
                if existed {
                    self.ctx
                        .info(format!("deleted `{}` from {addr}", write.key));
                } else {
                    self.ctx
                        .info(format!("`{}` was already gone from {addr}", write.key));
                }
                self.after_write(&write)
            }
            _ => {
                self.stack.retain(|s| {
                    !matches!(s, Screen::Editor(ed) if ed.slot == write.slot && ed.key == write.key)
                });
                self.ctx.info(format!("saved `{}` to {addr}", write.key));
                self.after_write(&write)
            }
        }
    }

    /// The open editor of the key `write` wrote, if any.
    fn editor_of(
        &mut self,
        write: &super::context::Write,
    ) -> Option<&mut super::screens::editor::EditorScreen> {
        self.stack.iter_mut().rev().find_map(|s| match s {
            Screen::Editor(ed) if ed.slot == write.slot && ed.key == write.key => Some(ed.as_mut()),
            _ => None,
        })
    }

    fn after_write(&mut self, write: &super::context::Write) -> Vec<Command> {
        match self.stack.first_mut() {
            Some(Screen::Browser(b)) => {
                b.after_write(&mut self.ctx, write.slot, &write.key, write.delete)
            }
            _ => Vec::new(),
        }
    }

    fn click(&mut self, column: u16, row: u16) -> Vec<Command> {
        if self.stack.len() != 1 {
            return Vec::new();
        }
        let body = body_area(self.ctx.area);
        let Some(b) = self.browser() else {
            return Vec::new();
        };
        let Some((pane, index)) = hit(body, b, &self.ctx, column, row) else {
            return Vec::new();
        };
        let ctx = &mut self.ctx;
        match self.stack.first_mut() {
            Some(Screen::Browser(b)) => {
                b.filtering = false;
                b.click_row(ctx, pane, index)
            }
            _ => Vec::new(),
        }
    }

    fn scroll(&mut self, column: u16, row: u16, down: bool) -> Vec<Command> {
        let step = if down { Action::Down } else { Action::Up };
        if self.stack.len() == 1 {
            let body = body_area(self.ctx.area);
            if let Some(b) = self.browser()
                && let Some((pane, _)) = hit(body, b, &self.ctx, column, row)
                && let Some(b) = self.browser_mut()
            {
                b.focus = pane;
            }
        }
        self.update_top(step)
    }
}

/// Never on the help bar (the help overlay lists them).
const BAR_HIDDEN: &[&str] = &[
    "history_next",
    "up",
    "down",
    "page_up",
    "page_down",
    "top",
    "bottom",
    "prev_pane",
];
/// Help bar order: the actions people look for first.
const BAR_FIRST: &[&str] = &[
    "run",
    "save",
    "confirm",
    "cancel",
    "edit",
    "new_key",
    "delete",
    "filter",
    "sort",
    "migrate",
    "apply",
    "conflict",
    "partial",
    "backup",
    "mirror",
    "verify",
    "open",
    "back",
    "next_pane",
    "load_all",
    "reload",
];

/// The area above the status and help lines.
pub fn body_area(area: Rect) -> Rect {
    Rect {
        height: area.height.saturating_sub(2),
        ..area
    }
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = &self.ctx.theme;
        buf.set_style(area, t.text());
        let [body, status, help] = Layout::vertical([
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        // Draw from the topmost full screen up; popups go over what is below them.
        let base = self.stack.iter().rposition(|s| !s.is_popup()).unwrap_or(0);
        for s in &self.stack[base..] {
            match s {
                Screen::Browser(b) => (&BrowserView {
                    screen: b,
                    ctx: &self.ctx,
                })
                    .render(body, buf),
                Screen::Migrate(m) => m.render(&self.ctx, body, buf),
                Screen::Help(h) => h.render(&self.ctx, body, buf),
                Screen::Confirm(c) => c.render(&self.ctx, body, buf),
                Screen::Prompt(p) => p.render(&self.ctx, body, buf),
                Screen::Editor(e) => e.render(&self.ctx, body, buf),
                Screen::Scratchpad(p) => p.render(&self.ctx, body, buf),
            }
        }
        self.render_status(status, buf);
        self.render_help_bar(help, buf);
    }
}

impl App {
    fn render_status(&self, area: Rect, buf: &mut Buffer) {
        let t = &self.ctx.theme;
        let line = match &self.ctx.status {
            Some(s) if s.error => Line::styled(format!(" ✗ {}", s.text), Style::new().fg(t.error)),
            Some(s) => Line::styled(format!(" {}", s.text), t.text()),
            None => Line::styled(" ready", t.dim()),
        };
        Paragraph::new(line).render(area, buf);
    }

    /// The bindings of the top screen, from the keymap table; write actions only where
    /// writing is allowed. The most useful come first and as many as fit are shown.
    fn render_help_bar(&self, area: Rect, buf: &mut Buffer) {
        let t = &self.ctx.theme;
        let ctx = self.key_context();
        let slot = self.browser().map_or(0, |b| b.mount);
        // Writes in the browser: kv edits and deletes, file deletes.
        let writable = self.ctx.writable(slot).is_ok();
        let kv = self.ctx.mounts.get(slot).map(|m| m.kind) == Some(MountKind::Kv);
        let mut bindings: Vec<_> = self
            .ctx
            .keymap
            .for_context(ctx)
            .filter(|b| {
                !BAR_HIDDEN.contains(&b.name)
                    && (!b.writes || (writable && (kv || b.name == "delete")))
            })
            .filter(|b| match self.stack.last() {
                Some(Screen::Migrate(m)) => m.offers(b.name),
                Some(Screen::Scratchpad(p)) => p.offers(&self.ctx, b.name),
                _ => true,
            })
            .collect();
        bindings.sort_by_key(|b| {
            BAR_FIRST
                .iter()
                .position(|n| *n == b.name)
                .unwrap_or(BAR_FIRST.len())
        });
        let tail: Vec<_> = self
            .ctx
            .keymap
            .global_in(ctx)
            .into_iter()
            .filter(|b| b.name != "theme")
            .collect();
        let entry = |b: &super::keymap::Binding| {
            b.keys
                .first()
                .map(|k| (format!(" {}", k.label()), format!(" {} ", b.help)))
        };
        let width = |e: &(String, String)| (e.0.chars().count() + e.1.chars().count()) as u16;
        let tail: Vec<_> = tail.iter().filter_map(entry).collect();
        let mut room = area.width.saturating_sub(tail.iter().map(width).sum());
        let mut shown: Vec<(String, String)> = Vec::new();
        for e in bindings.into_iter().filter_map(entry) {
            if width(&e) > room {
                break;
            }
            room -= width(&e);
            shown.push(e);
        }
        let spans: Vec<Span> = shown
            .into_iter()
            .chain(tail)
            .flat_map(|(k, h)| {
                [
                    Span::styled(k, Style::new().fg(t.accent)),
                    Span::styled(h, t.dim()),
                ]
            })
            .collect();
        Paragraph::new(Line::from(spans)).render(area, buf);
    }
}

#[cfg(test)]
#[path = "app_tests/mod.rs"]
mod tests;
