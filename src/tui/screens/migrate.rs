//! The migration view: pick a source and a destination mount, see the plan (counts and bytes
//! per change, every item), choose the conflict policy, apply with a live progress bar (rate,
//! ETA; items counted as they finish, measured against the plan), cancel (x or esc: the copy
//! stops at once), and read the report.
//!
//! The engine is `crate::migrate`; this screen only sends `Plan`/`Copy` commands and shows
//! what comes back. Apply writes exactly the plan shown: it carries the plan's fingerprints,
//! and an item that changed on either side since is not written but listed as drifted. `b`
//! saves what the copy replaces into a backup folder first (undone with `rillmount restore`);
//! `m` mirrors (deletes the destination-only items after the copy), with a confirmation of
//! its own that, on a protected profile, asks for the number of items it deletes. A
//! read-only destination is refused here; a protected one asks for its profile name.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Gauge, Paragraph, Widget, Wrap};
use tokio_util::sync::CancellationToken;

use super::super::action::{Action, Command, RequestId, TaskOutput};
use super::super::context::{Conn, Context, MountKind};
use super::confirm::{ConfirmScreen, Pending};
use super::{Effects, Screen};
use crate::migrate::Change;
use crate::migrate::apply::backup::BackupTarget;
use crate::migrate::copy::{CopyOptions, CopyReport, OnConflict};
use crate::migrate::plan::MigrationPlan;
use crate::migrate::plan::saved_plan::{Action as PlanAction, SavedPlan};
use crate::migrate::progress::Progress;
use crate::migrate::verify::VerifyReport;

/// Where the user is in the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    PickSource,
    PickDest,
    /// Connecting both mounts and computing the plan.
    Planning,
    Plan,
    Running,
    Report,
}

/// The migration screen.
#[derive(Debug, Clone)]
pub struct MigrateScreen {
    pub step: Step,
    /// Highlighted mount in the pick steps.
    pub cursor: usize,
    pub src: Option<usize>,
    pub dst: Option<usize>,
    /// The plan or copy this screen waits for.
    pub waiting: Option<RequestId>,
    pub plan: Option<MigrationPlan>,
    /// The preflight that came with the plan, or the last one for the options chosen since
    /// (`c`, `m`): what the destination would refuse.
    pub verdict: Option<CopyReport>,
    /// The preflight under way for the options chosen last (an older one's verdict is
    /// dropped when it comes).
    pub checking: Option<RequestId>,
    pub scroll: usize,
    pub on_conflict: OnConflict,
    /// Write what fits even when the destination would refuse some items (`p`).
    pub partial: bool,
    /// The plan with its fingerprints: what apply writes, and nothing else.
    pub saved: Option<std::sync::Arc<SavedPlan>>,
    /// Save what the copy replaces first (`b`); the folder of the last apply.
    pub backup: bool,
    pub backup_dir: Option<std::path::PathBuf>,
    /// Delete the destination-only items after the copy (`m`).
    pub mirror: bool,
    pub progress: Option<Progress>,
    pub cancel: Option<CancellationToken>,
    pub report: Option<CopyReport>,
    /// The check after the copy (`v`).
    pub verify: Option<VerifyReport>,
    pub error: Option<String>,
}

impl MigrateScreen {
    /// Starts with the cursor on `current` (the browser's mount).
    pub fn new(current: Option<usize>) -> Self {
        MigrateScreen {
            step: Step::PickSource,
            cursor: current.unwrap_or(0),
            src: None,
            dst: None,
            waiting: None,
            plan: None,
            verdict: None,
            checking: None,
            scroll: 0,
            on_conflict: OnConflict::Skip,
            partial: false,
            saved: None,
            backup: false,
            backup_dir: None,
            mirror: false,
            progress: None,
            cancel: None,
            report: None,
            verify: None,
            error: None,
        }
    }

    pub fn update(&mut self, ctx: &mut Context, action: &Action) -> Effects {
        let n = ctx.mounts.len();
        match (self.step, action) {
            (Step::PickSource | Step::PickDest, Action::Up) => {
                self.cursor = self.cursor.saturating_sub(1)
            }
            (Step::PickSource | Step::PickDest, Action::Down) => {
                self.cursor = (self.cursor + 1).min(n.saturating_sub(1))
            }
            (Step::Plan | Step::Report, Action::Up) => self.scroll = self.scroll.saturating_sub(1),
            (Step::Plan | Step::Report, Action::Down) => self.scroll += 1,
            (Step::PickSource, Action::Open) if self.cursor < n => {
                self.src = Some(self.cursor);
                self.step = Step::PickDest;
                self.error = None;
                // Promotion is the usual case: the same mount name in another profile first.
                let src = &ctx.mounts[self.cursor];
                let same_name = (0..n).find(|&i| {
                    let m = &ctx.mounts[i];
                    m.kind == src.kind && m.name == src.name && m.profile != src.profile
                });
                let other = (0..n).find(|&i| i != self.cursor && ctx.mounts[i].kind == src.kind);
                if let Some(next) = same_name.or(other) {
                    self.cursor = next;
                }
            }
            (Step::PickDest, Action::Open) => return self.pick_dest(ctx),
            (Step::Plan, Action::CycleConflict) => {
                self.on_conflict = match self.on_conflict {
                    OnConflict::Skip => OnConflict::Overwrite,
                    OnConflict::Overwrite => OnConflict::Fail,
                    OnConflict::Fail => OnConflict::Skip,
                };
                return self.check_again(ctx);
            }
            (Step::Plan, Action::TogglePartial) => self.partial = !self.partial,
            (Step::Plan, Action::ToggleBackup) => {
                if ctx.backup_root.is_some() {
                    self.backup = !self.backup;
                } else {
                    self.error = Some("backups need rillmount's state folder".into());
                }
            }
            (Step::Plan, Action::ToggleMirror) => {
                self.mirror = !self.mirror;
                return self.check_again(ctx);
            }
            (Step::Plan, Action::Apply) => return self.apply(ctx),
            (Step::Report, Action::Verify) if self.waiting.is_none() => return self.verify(ctx),
            (Step::Running, Action::Cancel | Action::Back) => {
                if let Some(c) = self.cancel.as_ref().filter(|c| !c.is_cancelled()) {
                    c.cancel();
                    ctx.info("cancelling the copy…");
                }
            }
            // a refused copy wrote nothing: back to its plan, where p can change the verdict
            (Step::Report, Action::Back) if self.report.as_ref().is_some_and(|r| r.refused) => {
                self.step = Step::Plan;
                self.report = None;
                self.scroll = 0;
            }
            (Step::PickSource | Step::Report, Action::Back) => return Effects::pop(),
            (Step::PickDest, Action::Back) => {
                self.step = Step::PickSource;
                self.cursor = self.src.unwrap_or(0);
            }
            (Step::Planning | Step::Plan, Action::Back) => {
                self.step = Step::PickDest;
                self.waiting = None;
                self.plan = None;
                self.cursor = self.dst.unwrap_or(0);
            }
            _ => {}
        }
        Effects::default()
    }

    fn pick_dest(&mut self, ctx: &mut Context) -> Effects {
        let (Some(src), dst) = (self.src, self.cursor) else {
            return Effects::default();
        };
        if src == dst {
            self.error = Some("pick a destination other than the source".into());
            return Effects::default();
        }
        if ctx.mounts.get(src).map(|m| m.kind) != ctx.mounts.get(dst).map(|m| m.kind) {
            self.error = Some("a migration copies kv to kv or fs to fs".into());
            return Effects::default();
        }
        self.error = None;
        self.dst = Some(dst);
        self.step = Step::Planning;
        self.plan = None;
        self.scroll = 0;
        ctx.reset(src);
        ctx.reset(dst);
        let mut commands: Vec<Command> =
            [src, dst].iter().filter_map(|&s| ctx.connect(s)).collect();
        commands.extend(self.on_opened(ctx));
        Effects::commands(commands)
    }

    /// A mount finished opening: plan once both sides are ready.
    pub fn on_opened(&mut self, ctx: &mut Context) -> Vec<Command> {
        let (Some(src), Some(dst)) = (self.src, self.dst) else {
            return Vec::new();
        };
        if self.step != Step::Planning || self.waiting.is_some() {
            return Vec::new();
        }
        for s in [src, dst] {
            if let Some(Conn::Failed(e)) = ctx.mounts.get(s).map(|m| &m.conn) {
                self.error = Some(e.clone());
                self.step = Step::PickDest;
                return Vec::new();
            }
        }
        let (Some(s), Some(d)) = (ctx.endpoint(src), ctx.endpoint(dst)) else {
            return Vec::new();
        };
        let id = ctx.next_id();
        self.waiting = Some(id);
        self.progress = None;
        vec![Command::Plan { id, src: s, dst: d }]
    }

    fn apply(&mut self, ctx: &mut Context) -> Effects {
        let (Some(src), Some(dst)) = (self.src, self.dst) else {
            return Effects::default();
        };
        if let Err(e) = ctx.writable(dst) {
            self.error = Some(e);
            return Effects::default();
        }
        let (Some(s), Some(d)) = (ctx.endpoint(src), ctx.endpoint(dst)) else {
            self.error = Some("both mounts must be connected".into());
            return Effects::default();
        };
        // the plan shown, with the conflict policy chosen since
        let plan = match self.plan_for_policy() {
            Ok(p) => p,
            Err(e) => {
                self.error = Some(e);
                return Effects::default();
            }
        };
        self.backup_dir = None;
        let backup = match (self.backup, &ctx.backup_root) {
            (true, Some(root)) => {
                let dir = crate::migrate::apply::backup::new_folder(root, &ctx.address(dst));
                match BackupTarget::local(&dir) {
                    Ok(t) => {
                        self.backup_dir = Some(dir);
                        Some(t)
                    }
                    Err(e) => {
                        self.error = Some(e.to_string());
                        return Effects::default();
                    }
                }
            }
            _ => None,
        };
        let deletes = self
            .plan
            .as_ref()
            .map_or(0, |p| p.totals.only_in_destination.count);
        let id = ctx.next_id();
        let cancel = CancellationToken::new();
        let command = Command::Copy {
            id,
            src: s,
            dst: d,
            options: Box::new(CopyOptions {
                on_conflict: self.on_conflict,
                journal_dir: ctx.journal_dir.clone(),
                partial: self.partial,
                plan,
                backup,
                delete_extra: self.mirror,
                ..CopyOptions::default()
            }),
            cancel: cancel.clone(),
        };
        self.waiting = Some(id);
        self.checking = None;
        self.cancel = Some(cancel);
        self.progress = None;
        self.report = None;
        self.error = None;
        self.step = Step::Running;
        let protected = ctx.profile_of(dst).is_some_and(|p| p.protect);
        if self.mirror && deletes > 0 {
            // deletions get a confirmation of their own: on a protected profile, type the count
            let message = format!(
                "copy {} into {} and then delete the {deletes} item(s) only {} holds{}?",
                ctx.address(src),
                ctx.address(dst),
                ctx.address(dst),
                if self.backup {
                    " (backed up first)"
                } else {
                    ""
                }
            );
            let mut confirm =
                ConfirmScreen::new(ctx, dst, "mirror", message, Pending::Copy { command });
            if let Some(p) = ctx.profile_of(dst).filter(|p| p.protect) {
                confirm.typed = Some(deletes.to_string());
                confirm.reason = Some(format!(
                    "profile `{}` is protected and this deletes {deletes} item(s).",
                    p.name
                ));
            }
            return Effects::push(Screen::Confirm(Box::new(confirm)));
        }
        if protected {
            let message = format!("copy {} into {}?", ctx.address(src), ctx.address(dst));
            let confirm = ConfirmScreen::new(ctx, dst, "apply", message, Pending::Copy { command });
            return Effects::push(Screen::Confirm(Box::new(confirm)));
        }
        Effects::commands(vec![command])
    }

    /// Runs the preflight again with the conflict policy and mirror mode chosen on the plan
    /// view, so that the verdict shown is the one apply will meet. The keys keep answering
    /// while it runs; a verdict for options changed since is dropped.
    fn check_again(&mut self, ctx: &mut Context) -> Effects {
        let (Some(src), Some(dst)) = (self.src, self.dst) else {
            return Effects::default();
        };
        let (Some(s), Some(d)) = (ctx.endpoint(src), ctx.endpoint(dst)) else {
            return Effects::default();
        };
        // `fail` with overwrites in the plan is refused as a whole by apply: nothing to check
        let Ok(plan) = self.plan_for_policy() else {
            self.checking = None;
            return Effects::default();
        };
        let id = ctx.next_id();
        self.checking = Some(id);
        Effects::commands(vec![Command::Preflight {
            id,
            src: s,
            dst: d,
            options: Box::new(CopyOptions {
                on_conflict: self.on_conflict,
                plan,
                delete_extra: self.mirror,
                ..CopyOptions::default()
            }),
        }])
    }

    /// The saved plan with the conflict policy chosen on the plan view: its overwrites kept
    /// under `skip`, refused as a whole under `fail`.
    fn plan_for_policy(&self) -> Result<Option<std::sync::Arc<SavedPlan>>, String> {
        let Some(saved) = &self.saved else {
            return Ok(None);
        };
        let overwrites = saved.counts.overwrite;
        match self.on_conflict {
            OnConflict::Overwrite => Ok(Some(saved.clone())),
            OnConflict::Fail if overwrites > 0 => Err(format!(
                "{overwrites} item(s) differ at the destination and the policy is fail: \
                 nothing written"
            )),
            OnConflict::Skip | OnConflict::Fail => {
                let mut p = (**saved).clone();
                for i in &mut p.items {
                    if i.action == PlanAction::Overwrite {
                        i.action = PlanAction::Keep;
                    }
                }
                p.counts.keep += overwrites;
                p.counts.overwrite = 0;
                Ok(Some(std::sync::Arc::new(p)))
            }
        }
    }

    fn verify(&mut self, ctx: &mut Context) -> Effects {
        let (Some(src), Some(dst)) = (self.src, self.dst) else {
            return Effects::default();
        };
        let (Some(s), Some(d)) = (ctx.endpoint(src), ctx.endpoint(dst)) else {
            return Effects::default();
        };
        let id = ctx.next_id();
        self.waiting = Some(id);
        self.verify = None;
        self.progress = None;
        ctx.info("verifying…");
        Effects::commands(vec![Command::Verify { id, src: s, dst: d }])
    }

    /// Whether the keymap action `name` does something in the current step (the help bar
    /// shows only those).
    pub fn offers(&self, name: &str) -> bool {
        match self.step {
            Step::PickSource | Step::PickDest => matches!(name, "up" | "down" | "open" | "back"),
            Step::Planning => name == "back",
            Step::Plan => matches!(
                name,
                "up" | "down" | "conflict" | "partial" | "backup" | "mirror" | "apply" | "back"
            ),
            Step::Running => name == "cancel",
            Step::Report => matches!(name, "up" | "down" | "verify" | "back"),
        }
    }

    /// The confirmation of a protected copy was cancelled.
    pub fn apply_cancelled(&mut self) {
        if self.step == Step::Running {
            self.step = Step::Plan;
            self.waiting = None;
            self.cancel = None;
        }
    }

    /// Takes a plan or copy result; `false` when this screen does not wait for `id`.
    pub fn on_task(&mut self, ctx: &mut Context, id: RequestId, out: &TaskOutput) -> bool {
        if self.checking == Some(id) {
            self.checking = None;
            match out {
                TaskOutput::Checked(v) => self.verdict = Some((**v).clone()),
                TaskOutput::Failed(e) => self.error = Some(format!("preflight: {e}")),
                _ => {}
            }
            return true;
        }
        if self.waiting != Some(id) {
            return false;
        }
        self.waiting = None;
        match out {
            TaskOutput::Planned(p, verdict, saved) => {
                self.checking = None;
                self.plan = Some(p.clone());
                self.verdict = Some((**verdict).clone());
                self.saved = saved.clone();
                self.step = Step::Plan;
            }
            TaskOutput::Copied(r) => {
                ctx.info(if r.refused {
                    "copy refused before writing anything: the destination would not take it \
                     whole"
                        .to_string()
                } else if r.cancelled {
                    format!(
                        "copy cancelled after {} item(s); nothing half-written, the journal \
                         keeps its place",
                        r.done()
                    )
                } else if r.resumed {
                    format!("copied {} item(s), resumed from the journal", r.copied)
                } else {
                    format!("copied {} item(s)", r.copied)
                });
                self.report = Some(r.clone());
                self.step = Step::Report;
                self.scroll = 0;
                self.cancel = None;
            }
            TaskOutput::Verified(v) => {
                ctx.info(if v.ok() {
                    "verified: every item matches".to_string()
                } else {
                    format!("verify found {} mismatch(es)", v.mismatches.len())
                });
                self.verify = Some(v.clone());
            }
            TaskOutput::Failed(e) => {
                self.error = Some(e.clone());
                self.step = match self.step {
                    Step::Running => Step::Plan,
                    Step::Report => Step::Report,
                    _ => Step::PickDest,
                };
                self.cancel = None;
            }
            _ => {}
        }
        true
    }

    /// Takes the progress of the plan or copy this screen waits for. A copy whose engine does
    /// not know its total (files, Redis) is measured against the plan's source items.
    pub fn on_progress(&mut self, id: RequestId, p: &Progress) -> bool {
        if self.waiting != Some(id) {
            return false;
        }
        let mut p = p.clone();
        if self.step == Step::Running && p.total.is_none() {
            p.total = self.plan.as_ref().map(|plan| {
                let t = &plan.totals;
                t.new.count + t.changed.count + t.same.count
            });
        }
        self.progress = Some(p);
        true
    }

    pub fn render(&self, ctx: &Context, area: Rect, buf: &mut Buffer) {
        let t = &ctx.theme;
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(t.border(true))
            .title(" migrate ");
        let inner = block.inner(area);
        block.render(area, buf);
        let side = |s: Option<usize>, what: &str| match s {
            Some(i) => Span::styled(
                format!("{} ({})", ctx.address(i), ctx.backend(i)),
                t.text().add_modifier(Modifier::BOLD),
            ),
            None => Span::styled(format!("<{what}>"), t.dim()),
        };
        let head = Line::from(vec![
            Span::styled("from ", t.dim()),
            side(self.src, "source"),
            Span::styled("  →  to ", t.dim()),
            side(self.dst, "destination"),
        ]);
        let [head_area, err_area, body] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(u16::from(self.error.is_some()) * 2),
            Constraint::Min(1),
        ])
        .areas(inner);
        Paragraph::new(head).render(head_area, buf);
        if let Some(e) = &self.error {
            Paragraph::new(Line::styled(e.clone(), Style::new().fg(t.error)))
                .wrap(Wrap { trim: true })
                .render(err_area, buf);
        }
        match self.step {
            Step::PickSource | Step::PickDest => self.render_pick(ctx, body, buf),
            Step::Planning => {
                let mut lines = vec![Line::styled("planning…", t.dim())];
                if let Some(p) = &self.progress {
                    lines.push(Line::styled(p.line(), t.text()));
                }
                Paragraph::new(lines).render(body, buf);
            }
            Step::Plan => self.render_plan(ctx, body, buf),
            Step::Running => {
                let [gauge, text] =
                    Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(body);
                let (ratio, line) = match &self.progress {
                    Some(p) => (
                        p.total
                            .filter(|&t| t > 0)
                            .map_or(0.0, |t| (p.items as f64 / t as f64).min(1.0)),
                        p.line(),
                    ),
                    None => (0.0, "starting…".to_string()),
                };
                Gauge::default()
                    .gauge_style(Style::new().fg(t.accent))
                    .ratio(ratio)
                    .render(gauge, buf);
                Paragraph::new(vec![
                    Line::styled(line, t.text()),
                    Line::styled(
                        "x or esc: cancel (stops at once; a re-run resumes)",
                        t.dim(),
                    ),
                ])
                .render(text, buf);
            }
            Step::Report => self.render_report(ctx, body, buf),
        }
    }

    fn render_pick(&self, ctx: &Context, area: Rect, buf: &mut Buffer) {
        let t = &ctx.theme;
        let what = if self.step == Step::PickSource {
            "pick the source mount (enter)"
        } else {
            "pick the destination mount (enter; esc goes back)"
        };
        let mut lines = vec![Line::styled(what, Style::new().fg(t.accent))];
        for (i, m) in ctx.mounts.iter().enumerate() {
            let p = &ctx.profiles[m.profile];
            let kind = if m.kind == MountKind::Kv { "kv" } else { "fs" };
            let mut spans = vec![
                Span::raw(if i == self.cursor { "▶ " } else { "  " }),
                Span::styled(format!("{:<24}", ctx.address(i)), t.text()),
                Span::styled(format!("{kind} {:<7}", ctx.backend(i)), t.dim()),
            ];
            if Some(i) == self.src {
                spans.push(Span::styled(" source", Style::new().fg(t.accent)));
            }
            if p.read_only {
                spans.push(Span::styled(" [read-only]", Style::new().fg(t.read_only)));
            }
            if p.protect {
                spans.push(Span::styled(" [protected]", Style::new().fg(t.protect)));
            }
            let mut line = Line::from(spans);
            if i == self.cursor {
                line = line.style(t.selected(true));
            }
            lines.push(line);
        }
        Paragraph::new(lines).render(area, buf);
    }

    fn render_plan(&self, ctx: &Context, area: Rect, buf: &mut Buffer) {
        let t = &ctx.theme;
        let Some(plan) = &self.plan else {
            return;
        };
        let size = |b: u64| humansize::format_size(b, humansize::DECIMAL);
        let tot = &plan.totals;
        let row = |label: &str, c: u64, b: u64, colour| {
            Line::from(vec![
                Span::styled(format!("  {label:<22}"), Style::new().fg(colour)),
                Span::styled(format!("{c:>7}  {:>10}", size(b)), t.text()),
            ])
        };
        let policy = match self.on_conflict {
            OnConflict::Skip => "skip (keep the destination's value)",
            OnConflict::Overwrite => "overwrite",
            OnConflict::Fail => "fail (refuse if anything differs)",
        };
        let mut lines = vec![
            row("new", tot.new.count, tot.new.bytes, t.ok),
            row("changed", tot.changed.count, tot.changed.bytes, t.warn),
            row("same", tot.same.count, tot.same.bytes, t.dim),
            row(
                "only in destination",
                tot.only_in_destination.count,
                tot.only_in_destination.bytes,
                t.dim,
            ),
            Line::from(vec![
                Span::styled("on conflict: ", t.dim()),
                Span::styled(policy, Style::new().fg(t.accent)),
                Span::styled("   c: change   a: apply   esc: back", t.dim()),
            ]),
            Line::from(vec![
                Span::styled("backup: ", t.dim()),
                Span::styled(
                    if self.backup {
                        "on (what the copy replaces is saved first)"
                    } else {
                        "off"
                    },
                    Style::new().fg(t.accent),
                ),
                Span::styled("   mirror: ", t.dim()),
                Span::styled(
                    if self.mirror {
                        format!(
                            "on: deletes the {} destination-only item(s) after the copy",
                            tot.only_in_destination.count
                        )
                    } else {
                        "off (nothing is deleted)".to_string()
                    },
                    Style::new().fg(if self.mirror { t.warn } else { t.accent }),
                ),
                Span::styled("   b / m: change", t.dim()),
            ]),
        ];
        if self.checking.is_some() {
            lines.push(Line::styled(
                "preflight: checking again with the options chosen…",
                t.dim(),
            ));
        } else if let Some(v) = &self.verdict {
            let what = if self.partial {
                "preflight: the destination refuses some items; p is on: apply writes what fits"
            } else {
                "preflight: a copy would write nothing; p: write what fits instead"
            };
            lines.extend(verdict_lines(ctx, self.dst, v, what, 5));
        }
        lines.push(Line::raw(""));
        if plan.totals.new.count + plan.totals.changed.count == 0 {
            lines.push(Line::styled(
                "nothing to copy: the destination already has every item",
                Style::new().fg(t.ok),
            ));
        }
        let room = (area.height as usize).saturating_sub(lines.len());
        let start = self.scroll.min(plan.items.len().saturating_sub(1));
        for item in plan.items.iter().skip(start).take(room) {
            let colour = match item.change {
                Change::New => t.ok,
                Change::Changed => t.warn,
                Change::Same | Change::OnlyInDestination => t.dim,
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<20}", item.change.label()),
                    Style::new().fg(colour),
                ),
                Span::styled(item.name.clone(), t.text()),
            ]));
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(area, buf);
    }

    fn render_report(&self, ctx: &Context, area: Rect, buf: &mut Buffer) {
        let t = &ctx.theme;
        let Some(r) = &self.report else {
            return;
        };
        let (title, colour) = if r.refused {
            ("refused: nothing was written", t.error)
        } else if r.cancelled {
            ("cancelled — re-run to continue", t.warn)
        } else {
            ("done", t.ok)
        };
        let mut lines = vec![Line::styled(
            title,
            Style::new().fg(colour).add_modifier(Modifier::BOLD),
        )];
        if r.refused {
            let what = "the destination would not take the copy whole: esc back to the plan, \
                        then p writes what fits";
            lines.extend(verdict_lines(ctx, self.dst, r, what, REJECTIONS_SHOWN));
        }
        let kv = |k: &str, v: String| {
            Line::from(vec![
                Span::styled(format!("  {k:<20}"), t.dim()),
                Span::styled(v, t.text()),
            ])
        };
        lines.push(kv(
            if r.refused { "would copy" } else { "copied" },
            r.copied.to_string(),
        ));
        if r.resumed {
            lines.push(kv(
                "resumed",
                "from the journal of an earlier copy".to_string(),
            ));
        }
        lines.push(kv("same (skipped)", r.skipped_same.to_string()));
        lines.push(kv("conflicts skipped", r.skipped_conflict.to_string()));
        lines.push(kv("rejected", r.rejected.len().to_string()));
        lines.push(kv(
            if r.refused {
                "bytes (would write)"
            } else {
                "bytes written"
            },
            humansize::format_size(r.bytes, humansize::DECIMAL),
        ));
        if !r.refused {
            lines.extend(rejection_lines(ctx, r, REJECTIONS_SHOWN));
        }
        if !r.drifted.is_empty() {
            lines.push(Line::styled(
                format!(
                    "  changed since the plan: {} item(s), not written",
                    r.drifted.len()
                ),
                Style::new().fg(t.warn),
            ));
            for d in r.drifted.iter().take(REJECTIONS_SHOWN) {
                lines.push(Line::styled(
                    format!("  ~ {}: {}", d.name, d.reason),
                    Style::new().fg(t.warn),
                ));
            }
            if r.drifted.len() > REJECTIONS_SHOWN {
                lines.push(Line::styled(
                    format!("  … and {} more", r.drifted.len() - REJECTIONS_SHOWN),
                    t.dim(),
                ));
            }
        }
        if r.extra > 0 && !r.refused {
            lines.push(kv(
                "deleted (mirror)",
                format!("{} of {}", r.deleted, r.extra),
            ));
        }
        if let (Some(b), Some(dir), Some(dst)) = (&r.backup, &self.backup_dir, self.dst) {
            lines.push(kv(
                "backup",
                format!(
                    "{} saved, {} created, in {}",
                    b.saved,
                    b.created,
                    dir.display()
                ),
            ));
            lines.push(Line::styled(
                format!(
                    "  undo: rillmount restore {} {}",
                    dir.display(),
                    ctx.address(dst)
                ),
                t.dim(),
            ));
        }
        for w in &r.warnings {
            lines.push(Line::styled(format!("  ! {w}"), Style::new().fg(t.warn)));
        }
        match (&self.verify, self.waiting.is_some()) {
            (Some(v), _) => {
                let colour = if v.ok() { t.ok } else { t.error };
                lines.push(Line::styled(
                    format!(
                        "verify: {} checked, {} matching, {} mismatch(es)",
                        v.checked,
                        v.matching,
                        v.mismatches.len()
                    ),
                    Style::new().fg(colour),
                ));
                for m in &v.mismatches {
                    lines.push(Line::styled(
                        format!("  ✗ {}: {}", m.name, m.problem),
                        Style::new().fg(t.error),
                    ));
                }
            }
            (None, true) => lines.push(Line::styled("verifying…", t.dim())),
            (None, false) => {}
        }
        lines.push(Line::styled("v: verify   esc: close", t.dim()));
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((self.scroll as u16, 0))
            .render(area, buf);
    }
}

/// Rejected items shown in the report (the rest are counted; `rillmount copy --report`
/// writes them all).
const REJECTIONS_SHOWN: usize = 20;

/// The first `shown` rejected items, then how many more.
fn rejection_lines(ctx: &Context, r: &CopyReport, shown: usize) -> Vec<Line<'static>> {
    let t = &ctx.theme;
    let mut lines: Vec<Line<'static>> = r
        .rejected
        .iter()
        .take(shown)
        .map(|rej| {
            Line::styled(
                format!("  ✗ {}: {}", rej.name, rej.reason),
                Style::new().fg(t.error),
            )
        })
        .collect();
    if r.rejected.len() > shown {
        lines.push(Line::styled(
            format!(
                "  … and {} more (rillmount copy --report FILE lists them all)",
                r.rejected.len() - shown
            ),
            t.dim(),
        ));
    }
    lines
}

/// The preflight's verdict: accepted, or `what` (the headline) and what the destination
/// would refuse, with what to change.
fn verdict_lines(
    ctx: &Context,
    dst: Option<usize>,
    v: &CopyReport,
    what: &str,
    shown: usize,
) -> Vec<Line<'static>> {
    let t = &ctx.theme;
    if v.accepted() {
        return vec![Line::styled(
            "preflight: the destination accepts every item",
            Style::new().fg(t.ok),
        )];
    }
    let mut lines = vec![Line::styled(what.to_string(), Style::new().fg(t.error))];
    let (label, mount, file) = match dst.and_then(|d| ctx.profile_of(d).map(|p| (d, p))) {
        Some((d, p)) => (
            ctx.address(d),
            ctx.mounts[d].name.clone(),
            p.path.display().to_string(),
        ),
        None => ("?".into(), "?".into(), "its profile".into()),
    };
    for l in &v.limits {
        lines.push(Line::styled(
            format!("  ✗ {}", l.message(&label, &mount, &file)),
            Style::new().fg(t.error),
        ));
    }
    lines.extend(rejection_lines(ctx, v, shown));
    lines
}
