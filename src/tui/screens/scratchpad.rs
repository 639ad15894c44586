//! The rill scratchpad: a snippet editor bound to one profile's mounts, run in the
//! background, dry run first.
//!
//! Run (F5 / ctrl-enter / ctrl-r) always starts a dry run: writes go to an overlay and come
//! back as a list of changes (per key or file, before → after). Apply (F6 / ctrl-y) re-runs
//! the same text for real; it is offered only after a clean dry run that would write
//! something, never on a `readOnly` profile, and on a `protect` profile it asks for the
//! typed profile name. Editing the text after the dry run asks for a new dry run. Esc while
//! running sets the cancel flag the interpreter polls; otherwise it closes the scratchpad
//! (the text is kept for the next visit). Snippets run in the profile's rill (0.8 or 0.20);
//! F2 switches to the other one for this scratchpad. History is per profile and dialect:
//! ctrl-p / ctrl-n, or up / down on the first / last line. Drawing is in `scratchpad_view.rs`.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crossterm::event::KeyCode;
use ratatui_textarea::{CursorMove, TextArea};

use super::super::action::{Action, Command, RequestId, TaskOutput};
use super::super::context::Context;
use super::super::history::{self, History};
use super::confirm::{ConfirmScreen, Pending};
use super::{Effects, Screen};
use crate::rill::dialect::Dialect;
use crate::rill::eval::LogSink;
use crate::rill::mounts::session::{RunOptions, RunReport, ScriptError};

/// Lines the result pane moves per page key.
const RESULT_PAGE: usize = 10;

/// A run in flight (or waiting for its typed confirmation).
#[derive(Debug, Clone)]
pub struct Running {
    pub id: RequestId,
    pub dry_run: bool,
    pub cancel: Arc<AtomicBool>,
    /// The apply waits for the typed profile name; nothing was sent yet.
    pub confirming: bool,
    /// The text being run.
    pub source: String,
    /// `log` lines of the run so far (the last [`LIVE_LOG_LINES`]), shown while it runs.
    pub logs: Arc<Mutex<Vec<String>>>,
}

/// Lines of a running script's log kept for the live view (the report keeps them all).
pub const LIVE_LOG_LINES: usize = 500;

impl Running {
    /// The log lines so far.
    pub fn logs_so_far(&self) -> Vec<String> {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

/// The scratchpad screen.
#[derive(Debug, Clone)]
pub struct ScratchpadScreen {
    /// Index into `Context::profiles`.
    pub profile: usize,
    pub textarea: TextArea<'static>,
    /// The rill snippets run as: the profile's, until F2 switches; `None` while a profile
    /// that cannot tell (a `rill-config.json` of no known packages) has no choice yet.
    pub dialect: Option<Dialect>,
    /// The history of this profile and dialect.
    pub history: History,
    pub running: Option<Running>,
    /// The last finished run, and whether it was a dry run.
    pub report: Option<(RunReport, bool)>,
    /// The text of the last clean dry run that would write something: what apply runs.
    pub dry_source: Option<String>,
    /// First line of the result pane shown.
    pub result_scroll: usize,
    /// First editor line shown (kept by the view so the cursor stays visible).
    pub top: Cell<usize>,
}

impl ScratchpadScreen {
    /// A scratchpad on `profile` with its history and the text left there last time.
    pub fn new(ctx: &Context, profile: usize) -> ScratchpadScreen {
        let name = ctx
            .profiles
            .get(profile)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let dialect = own_dialect(ctx, profile);
        let draft = ctx.drafts.get(&name).cloned().unwrap_or_default();
        let mut s = ScratchpadScreen {
            profile,
            textarea: TextArea::default(),
            dialect,
            history: History::new(history_of(ctx, &name, dialect)),
            running: None,
            report: None,
            dry_source: None,
            result_scroll: 0,
            top: Cell::new(0),
        };
        s.set_text(&draft);
        s
    }

    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    fn set_text(&mut self, text: &str) {
        self.textarea = TextArea::new(text.split('\n').map(str::to_string).collect());
        self.textarea.move_cursor(CursorMove::Bottom);
        self.textarea.move_cursor(CursorMove::End);
    }

    /// Runs the snippets as the other rill: the history shown becomes that dialect's, and a
    /// dry run of the old dialect no longer counts for apply.
    fn switch_dialect(&mut self, ctx: &mut Context) -> Effects {
        if self.running.is_some() {
            ctx.info("a run is in progress (esc cancels it)");
            return Effects::default();
        }
        // (`ctx.histories` already holds this dialect's list: `run` stores it on every push)
        let name = self.profile_name(ctx);
        let next = self.dialect.map_or(Dialect::DEFAULT, Dialect::other);
        self.dialect = Some(next);
        self.history = History::new(history_of(ctx, &name, Some(next)));
        self.dry_source = None;
        let own = own_dialect(ctx, self.profile);
        let note = if own == Some(next) {
            "the profile's own".to_string()
        } else {
            format!("the profile runs {}", own.map_or("?", Dialect::as_str))
        };
        ctx.info(format!(
            "snippets now run as rill {next} ({}; {note}); history of rill {next}",
            next.reference()
        ));
        Effects::default()
    }

    fn profile_name(&self, ctx: &Context) -> String {
        ctx.profiles
            .get(self.profile)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    }

    /// Why apply is not possible now, or `Ok` with the text to apply.
    pub fn can_apply(&self, ctx: &Context) -> Result<String, String> {
        if ctx.profiles.get(self.profile).is_some_and(|p| p.read_only) {
            return Err(format!(
                "profile `{}` is read-only: a snippet's writes cannot be applied",
                self.profile_name(ctx)
            ));
        }
        if self.running.is_some() {
            return Err("a run is in progress".into());
        }
        let Some(source) = &self.dry_source else {
            return Err("nothing to apply: run a dry run (F5) that writes something first".into());
        };
        if *source != self.text() {
            return Err("the snippet changed since its dry run: run it again (F5)".into());
        }
        Ok(source.clone())
    }

    /// The help bar offers an action only when it would do something.
    pub fn offers(&self, ctx: &Context, name: &str) -> bool {
        match name {
            "apply" => self.can_apply(ctx).is_ok(),
            "run" => self.running.is_none(),
            _ => true,
        }
    }

    pub fn update(&mut self, ctx: &mut Context, action: &Action) -> Effects {
        match action {
            Action::Run => self.run(ctx),
            Action::Apply => self.apply(ctx),
            Action::SwitchDialect => self.switch_dialect(ctx),
            Action::Cancel => match &self.running {
                Some(r) if !r.confirming => {
                    r.cancel.store(true, Ordering::SeqCst);
                    ctx.info("cancelling the snippet…");
                    Effects::default()
                }
                _ => {
                    ctx.drafts.insert(self.profile_name(ctx), self.text());
                    Effects::pop()
                }
            },
            Action::HistoryPrev => {
                let current = self.text();
                if let Some(t) = self.history.older(&current).map(str::to_string) {
                    self.set_text(&t);
                }
                Effects::default()
            }
            Action::HistoryNext => {
                if let Some(t) = self.history.newer().map(str::to_string) {
                    self.set_text(&t);
                }
                Effects::default()
            }
            Action::PageDown => {
                let max = self.result_len(ctx).saturating_sub(1);
                self.result_scroll = (self.result_scroll + RESULT_PAGE).min(max);
                Effects::default()
            }
            Action::PageUp => {
                self.result_scroll = self.result_scroll.saturating_sub(RESULT_PAGE);
                Effects::default()
            }
            // The mouse wheel (arrow keys are text here).
            Action::Down => {
                let max = self.result_len(ctx).saturating_sub(1);
                self.result_scroll = (self.result_scroll + 1).min(max);
                Effects::default()
            }
            Action::Up => {
                self.result_scroll = self.result_scroll.saturating_sub(1);
                Effects::default()
            }
            Action::Input(k) => {
                let row = self.textarea.cursor().0;
                let last = self.textarea.lines().len().saturating_sub(1);
                match k.code {
                    KeyCode::Up if row == 0 && k.modifiers.is_empty() => {
                        self.update(ctx, &Action::HistoryPrev)
                    }
                    KeyCode::Down
                        if row == last && k.modifiers.is_empty() && self.history.pos.is_some() =>
                    {
                        self.update(ctx, &Action::HistoryNext)
                    }
                    _ => {
                        self.textarea.input(*k);
                        Effects::default()
                    }
                }
            }
            Action::Paste(s) => {
                self.textarea.insert_str(s);
                Effects::default()
            }
            _ => Effects::default(),
        }
    }

    fn run(&mut self, ctx: &mut Context) -> Effects {
        if self.running.is_some() {
            ctx.info("a run is in progress (esc cancels it)");
            return Effects::default();
        }
        let source = self.text();
        if source.trim().is_empty() {
            let example = super::scratchpad_view::example_snippet(self.dialect);
            ctx.error(format!("type a rill snippet first, e.g. {example}"));
            return Effects::default();
        }
        let name = self.profile_name(ctx);
        let Some(dialect) = self.dialect else {
            let why = ctx
                .profiles
                .get(self.profile)
                .and_then(|p| p.rill.resolve(None).err())
                .unwrap_or_default();
            ctx.error(format!(
                "which rill does profile `{name}` run? {why} — F2 chooses one for the scratchpad"
            ));
            return Effects::default();
        };
        let mut commands = Vec::new();
        self.history.push(&source);
        ctx.histories
            .insert(history::key(&name, dialect), self.history.entries.clone());
        if let Some(dir) = &ctx.history_dir {
            let path = history::file_for(dir, &name, dialect);
            let entries = self.history.entries.clone();
            let id = ctx.next_id();
            ctx.history_saves.insert(id);
            commands.push(Command::SaveHistory { id, path, entries });
        }
        let Some(c) = self.start(ctx, source, true) else {
            return Effects::default();
        };
        commands.push(c);
        Effects::commands(commands)
    }

    /// The command of a run, remembered as in flight.
    fn start(&mut self, ctx: &mut Context, source: String, dry_run: bool) -> Option<Command> {
        let profile = ctx.profiles.get(self.profile)?.clone();
        let cancel = Arc::new(AtomicBool::new(false));
        let id = ctx.next_id();
        let logs: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = {
            let logs = logs.clone();
            LogSink(Arc::new(move |line: &str| {
                if let Ok(mut l) = logs.lock() {
                    l.push(line.to_string());
                    if l.len() > LIVE_LOG_LINES {
                        let extra = l.len() - LIVE_LOG_LINES;
                        l.drain(..extra);
                    }
                }
            }))
        };
        self.running = Some(Running {
            id,
            dry_run,
            cancel: cancel.clone(),
            confirming: false,
            source: source.clone(),
            logs,
        });
        self.report = None;
        self.result_scroll = 0;
        Some(Command::RunScript {
            id,
            profile: Box::new(profile),
            ready: ctx.ready_mounts(self.profile),
            source,
            options: RunOptions {
                dry_run,
                cancel,
                // A real run is only started after the screen's own confirmation (typed
                // profile name on a protected profile).
                confirmed: !dry_run,
                on_log: Some(sink),
                dialect: self.dialect.unwrap_or_default(),
                ..RunOptions::default()
            },
        })
    }

    fn apply(&mut self, ctx: &mut Context) -> Effects {
        let source = match self.can_apply(ctx) {
            Ok(s) => s,
            Err(e) => {
                ctx.error(e);
                return Effects::default();
            }
        };
        let writes = self.report.as_ref().map_or(0, |(r, _)| r.changes.len());
        let protect = ctx.profiles.get(self.profile).is_some_and(|p| p.protect);
        let name = self.profile_name(ctx);
        let kept = self.report.clone();
        let Some(mut command) = self.start(ctx, source, false) else {
            return Effects::default();
        };
        // The apply is refused if a key the dry run changes was written since.
        if let (Command::RunScript { options, .. }, Some((report, true))) = (&mut command, &kept) {
            options.expect = report.changes.clone();
        }
        if !protect {
            return Effects::commands(vec![command]);
        }
        // Keep the diff on screen under the confirmation.
        self.report = kept;
        if let Some(r) = &mut self.running {
            r.confirming = true;
        }
        let message = format!("apply {writes} write(s) of the snippet to profile `{name}`?");
        let confirm = ConfirmScreen::for_profile(
            ctx,
            self.profile,
            "apply snippet",
            message,
            Pending::Script { command },
        );
        Effects::push(Screen::Confirm(Box::new(confirm)))
    }

    /// The typed confirmation was sent: the run is on its way.
    pub fn apply_confirmed(&mut self) {
        if let Some(r) = &mut self.running {
            r.confirming = false;
        }
        self.report = None;
    }

    /// The typed confirmation was cancelled.
    pub fn apply_cancelled(&mut self) {
        self.running = None;
    }

    /// Takes a run result if it is ours; `Some(true)` when a real run wrote something (the
    /// browser's view may be stale).
    pub fn on_task(&mut self, ctx: &mut Context, id: RequestId, out: &TaskOutput) -> Option<bool> {
        let run = self.running.as_ref().filter(|r| r.id == id)?.clone();
        self.running = None;
        self.result_scroll = 0;
        let report = match out {
            TaskOutput::Script(r) => r.as_ref().clone(),
            TaskOutput::Failed(e) => RunReport {
                error: Some(ScriptError {
                    code: String::new(),
                    message: e.clone(),
                    line: 0,
                    col: 0,
                    source_line: String::new(),
                }),
                ..RunReport::default()
            },
            _ => return Some(false),
        };
        let clean = report.error.is_none();
        let wrote = !run.dry_run && !report.changes.is_empty();
        if run.dry_run {
            self.dry_source = (clean && !report.changes.is_empty()).then(|| run.source.clone());
        } else {
            self.dry_source = None;
            let name = self.profile_name(ctx);
            match &report.error {
                None => ctx.info(format!(
                    "applied {} write(s) to profile `{name}`",
                    report.changes.len()
                )),
                Some(e) => ctx.error(format!(
                    "the snippet failed on profile `{name}` after {} write(s): {}",
                    report.changes.len(),
                    e.message
                )),
            }
        }
        self.report = Some((report, run.dry_run));
        Some(wrote)
    }

    /// Number of lines in the result pane (for bounding its scroll).
    fn result_len(&self, ctx: &Context) -> usize {
        super::scratchpad_view::result_lines(self, ctx).len()
    }
}

/// The saved snippets of `profile` in `dialect`.
fn history_of(ctx: &Context, profile: &str, dialect: Option<Dialect>) -> Vec<String> {
    dialect
        .and_then(|d| ctx.histories.get(&history::key(profile, d)))
        .cloned()
        .unwrap_or_default()
}

/// The dialect `profile`'s scripts are written in, when the profile tells.
pub(super) fn own_dialect(ctx: &Context, profile: usize) -> Option<Dialect> {
    ctx.profiles
        .get(profile)
        .and_then(|p| p.rill.resolve(None).ok())
}
