//! Apply: copy every source item the plan calls new (and changed, by the conflict policy).
//!
//! - A value that violates the destination's schema or limits (undeclared key, wrong type,
//!   `maxValueSize`, `maxEntries`, `maxFileSize`) or a source value that is not JSON is
//!   reported with its key and not written; the rest goes on.
//! - kv writes go in chunks (`kv_write.rs`: one SQLite transaction, Redis pipelines) with the
//!   destination mount's TTL, or the source's remaining TTL with `preserve_ttl`.
//! - Files are streamed (never fully buffered) with `concurrency` transfers at a time.
//! - Items are counted as they finish (progress moves within a page) and named in the journal
//!   once durable (`batch.rs`). A cancel stops at once: in-flight transfers are dropped, the
//!   multipart uploads among them aborted before `copy` returns (bounded by [`SETTLE_WAIT`]),
//!   and the journal keeps the place, so a re-run resumes there without duplicates or loss.
//! - `--on-conflict fail` plans first and writes nothing if any item differs.
//! - A fresh copy into an empty destination skips reading the destination back (nothing can
//!   be there yet), unless the source may repeat keys (Redis SCAN) or the copy resumes.
//! - Nothing is deleted at the destination, unless `delete_extra` (`mirror.rs`) after the copy.
//! - With `plan` the saved plan is applied instead (`apply_plan.rs`); with `backup` what each
//!   write replaces is saved first (`backup.rs`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::backup::{Backup, BackupSummary, BackupTarget, Record, manifest_for};
use super::batch::{CopyRun, FileOutcome, Finished, run_files};
use super::counterparts::{Counterparts, InOrder, Window};
use super::journal::Journal;
use super::names::unsafe_name;
use super::plan::{self, PAGE, compare_file};
use super::preflight::preflight;
use super::progress::{Phase, Progress, Ticker};
use super::saved_plan::SavedPlan;
use super::{
    Change, Endpoint, Filter, FsMount, MigrateError, apply_plan, document, export, import,
    kv_write, mirror,
};
use crate::store::{EntryKind, FileMeta, FileStore, FsMountStore};

pub use super::kv_write::{KV_CHUNK, KV_COPY_PAGE};

/// Longest wait, after a cancel or an error, for the aborts of dropped multipart uploads.
pub const SETTLE_WAIT: Duration = Duration::from_secs(5);

/// What to do with an item that exists at the destination with a different value.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// Keep the destination's value.
    #[default]
    Skip,
    /// Replace it with the source's.
    Overwrite,
    /// Refuse the whole copy (checked before anything is written).
    Fail,
}

/// Options of one copy.
#[derive(Debug, Clone)]
pub struct CopyOptions {
    pub on_conflict: OnConflict,
    /// Decide everything, write nothing.
    pub dry_run: bool,
    /// Redis → Redis: keep each key's remaining TTL instead of the destination mount's `ttl`.
    pub preserve_ttl: bool,
    pub filter: Filter,
    /// Concurrent file transfers.
    pub concurrency: usize,
    /// Folder of the journal; `None` copies without one.
    pub journal_dir: Option<PathBuf>,
    /// Write what the destination accepts even when some items would be refused (without it
    /// a copy that would leave anything unwritten writes nothing: see [`copy`]).
    pub partial: bool,
    /// `--backup-dir`: where the destination's previous state of every item the copy changes
    /// is saved before it is changed (`backup.rs`).
    pub backup: Option<BackupTarget>,
    /// `--plan`: apply exactly this saved plan (`apply_plan.rs`) instead of comparing anew.
    pub plan: Option<std::sync::Arc<SavedPlan>>,
    /// `--delete-extra`: after a copy without rejections, delete the destination-only items
    /// (`mirror.rs`), unless there are more than `max_delete`.
    pub delete_extra: bool,
    pub max_delete: u64,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            on_conflict: OnConflict::Skip,
            dry_run: false,
            preserve_ttl: false,
            filter: Filter::default(),
            concurrency: 8,
            journal_dir: None,
            partial: false,
            backup: None,
            plan: None,
            delete_extra: false,
            max_delete: mirror::DEFAULT_MAX_DELETE,
        }
    }
}

/// An item that was not written, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    pub name: String,
    pub reason: String,
}

/// A mount-wide limit of the destination that the copy would pass (`maxEntries`, or
/// `maxStoreSize` of a JSON store).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitExceeded {
    /// The option: `maxEntries` or `maxStoreSize`.
    pub option: &'static str,
    /// Its value.
    pub allowed: u64,
    /// What the destination holds before the copy (entries, or bytes of compact JSON).
    pub holds: u64,
    /// What it would hold after.
    pub after: u64,
}

impl LimitExceeded {
    /// What to tell a person: "`prod:cache` allows 10000 entries (maxEntries, 10000 is
    /// rill's default); it holds 0 and the copy adds 200000: raise maxEntries of mount
    /// `cache` in profiles/prod.toml". `label`: the destination as `profile:mount`; `file`:
    /// its profile file as the user would type it.
    pub fn message(&self, label: &str, mount: &str, file: &str) -> String {
        match self.option {
            "maxEntries" => {
                let default = if self.allowed == crate::config::DEFAULT_MAX_ENTRIES {
                    format!(", {} is rill's default", self.allowed)
                } else {
                    String::new()
                };
                format!(
                    "`{label}` allows {} entries (maxEntries{default}); it holds {} and the copy \
                     adds {}: raise maxEntries of mount `{mount}` in {file}",
                    self.allowed,
                    self.holds,
                    self.after.saturating_sub(self.holds),
                )
            }
            "maxDelete" => format!(
                "the copy would delete {} destination-only item(s) of `{label}`, over \
                 --max-delete {}: check them with diff, then raise --max-delete or narrow \
                 the copy with --include / --exclude",
                self.after, self.allowed
            ),
            option => format!(
                "`{label}` allows a store of {} bytes ({option}); it holds {} and would hold {} \
                 after the copy: raise {option} of mount `{mount}` in {file}",
                self.allowed, self.holds, self.after
            ),
        }
    }
}

/// The outcome of a copy (printed by the CLI, as JSON with `--json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CopyReport {
    pub dry_run: bool,
    /// Items written (or that would be, in a dry run).
    pub copied: u64,
    /// Equal at both sides.
    pub skipped_same: u64,
    /// Different at the destination and kept by `--on-conflict skip`.
    pub skipped_conflict: u64,
    pub rejected: Vec<Rejection>,
    /// Mount-wide limits the copy would pass (found by the preflight; see [`copy`]).
    pub limits: Vec<LimitExceeded>,
    /// The preflight found items or limits the destination would refuse, so nothing was
    /// written (a copy without `partial`).
    pub refused: bool,
    /// Bytes written.
    pub bytes: u64,
    /// This run continued an interrupted one.
    pub resumed: bool,
    /// Stopped by a cancel; the journal holds where to resume.
    pub cancelled: bool,
    /// Things worth knowing that did not stop the copy (lossy values, empty folders).
    pub warnings: Vec<String>,
    /// Planned items not written because they changed on either side since the saved plan
    /// was made (`--plan`).
    pub drifted: Vec<Rejection>,
    /// `--delete-extra`: destination-only items found, and deleted (in a dry run: that would
    /// be).
    pub extra: u64,
    pub deleted: u64,
    /// What `--backup-dir` saved.
    pub backup: Option<BackupSummary>,
    pub elapsed_ms: u64,
}

impl CopyReport {
    /// Items done so far (copied, same, kept, rejected): how far a cancelled copy got.
    pub fn done(&self) -> u64 {
        self.copied + self.skipped_same + self.skipped_conflict + self.rejected.len() as u64
    }

    /// A cancel came before anything was written: nothing done, nothing to resume.
    fn stopped_before_writing(dry_run: bool, started: Instant) -> CopyReport {
        CopyReport {
            dry_run,
            cancelled: true,
            elapsed_ms: started.elapsed().as_millis() as u64,
            ..CopyReport::default()
        }
    }

    /// The destination would take everything: no item refused, no limit passed.
    pub fn accepted(&self) -> bool {
        self.rejected.is_empty() && self.limits.is_empty()
    }
}

/// Copies `src` into `dst`. Unless `opts.partial` (or a dry run, or a resume), a
/// [`preflight`] comes first: when the destination would refuse anything, nothing is
/// written and the report (`refused`) says what and why.
pub async fn copy(
    src: &Endpoint,
    dst: &Endpoint,
    opts: &CopyOptions,
    progress: Option<tokio::sync::watch::Sender<Progress>>,
    cancel: CancellationToken,
) -> Result<CopyReport, MigrateError> {
    let started = Instant::now();
    if opts.delete_extra {
        mirror::check(src, dst)?;
    }
    let resumed = !opts.dry_run && resumes(src, dst, opts);
    if !opts.dry_run {
        check_writable(dst)?;
        if let Some(target) = &opts.backup {
            Backup::check(target, &manifest_for(src, dst)?, resumed).await?;
        }
    }
    if !opts.dry_run && !opts.partial && !resumed {
        let mut pre = preflight(src, dst, opts, progress.clone(), cancel.clone()).await?;
        if pre.cancelled {
            return Ok(CopyReport::stopped_before_writing(false, started));
        }
        if !pre.accepted() {
            pre.dry_run = false;
            pre.refused = true;
            pre.elapsed_ms = started.elapsed().as_millis() as u64;
            return Ok(pre);
        }
    }
    copy_pass(src, dst, opts, progress, cancel).await
}

/// The copy continues an interrupted one (its journal is there): that one passed its
/// preflight when it started, so the rest is not checked again before writing.
fn resumes(src: &Endpoint, dst: &Endpoint, opts: &CopyOptions) -> bool {
    opts.journal_dir.as_ref().is_some_and(|dir| {
        Journal::open(dir, &src.location(), &journal_dst(dst, opts)).is_ok_and(|j| j.resumed)
    })
}

/// The destination as the journal names it: one journal per shard.
fn journal_dst(dst: &Endpoint, opts: &CopyOptions) -> String {
    let mut name = dst.location();
    if let Some(p) = &opts.plan {
        name.push_str(&format!(" (plan {})", p.id));
    }
    if let Some(s) = opts.filter.shard() {
        name.push_str(&format!(" (shard {s})"));
    }
    name
}

/// One pass of the copy: a dry run decides everything and writes nothing.
pub(crate) async fn copy_pass(
    src: &Endpoint,
    dst: &Endpoint,
    opts: &CopyOptions,
    progress: Option<tokio::sync::watch::Sender<Progress>>,
    cancel: CancellationToken,
) -> Result<CopyReport, MigrateError> {
    let started = Instant::now();
    if let Some(p) = &opts.plan {
        p.check_sides(src, dst)?;
    }
    if opts.on_conflict == OnConflict::Fail && opts.plan.is_none() {
        let planned = tokio::select! {
            biased;
            _ = cancel.cancelled() => None,
            p = plan::plan(src, dst, &opts.filter, progress.clone()) => Some(p?),
        };
        let Some(p) = planned else {
            return Ok(CopyReport::stopped_before_writing(opts.dry_run, started));
        };
        if p.items.iter().any(|i| i.change == Change::Changed) {
            return Err(p.conflicts());
        }
    }
    let (s_end, d_end) = (
        document::materialize(src).await?,
        document::materialize(dst).await?,
    );
    // A document is written once, at the end: nothing to resume.
    let documents = matches!(src, Endpoint::Document(..)) || matches!(dst, Endpoint::Document(..));
    let journal = match (&opts.journal_dir, opts.dry_run || documents) {
        (Some(dir), false) => Some(Journal::open(
            dir,
            &src.location(),
            &journal_dst(dst, opts),
        )?),
        _ => None,
    };
    let phase = if opts.dry_run {
        Phase::Checking
    } else {
        Phase::Copying
    };
    let mut ticker = Ticker::new(progress, phase);
    let mut report = CopyReport {
        dry_run: opts.dry_run,
        ..CopyReport::default()
    };
    if let Some(j) = &journal {
        report.resumed = j.resumed;
        report.copied = j.state.copied;
        report.bytes = j.state.bytes;
        ticker.state.items = j.state.copied + j.state.skipped + j.state.rejected;
        ticker.state.bytes = j.state.bytes;
    }
    ticker.force();
    let backup = match (&opts.backup, opts.dry_run) {
        (Some(target), false) => Some(std::sync::Arc::new(
            Backup::open(target.clone(), manifest_for(src, dst)?, report.resumed).await?,
        )),
        _ => None,
    };
    let mut run = CopyRun::new(report, journal, ticker, cancel);
    run.backup = backup;
    let r = &mut run;
    let copied = match (&s_end, &d_end, &opts.plan) {
        (Endpoint::Kv(s), Endpoint::Kv(d), Some(p)) => apply_plan::apply_kv(s, d, p, opts, r).await,
        (Endpoint::Fs(s), Endpoint::Fs(d), Some(p)) => apply_plan::apply_fs(s, d, p, opts, r).await,
        (_, _, Some(_)) => Err(super::saved_plan::unsupported()),
        (Endpoint::Kv(s), Endpoint::Kv(d), None) => kv_write::copy_kv(s, d, opts, r).await,
        (Endpoint::Fs(s), Endpoint::Fs(d), None) => copy_fs(s, d, opts, r).await,
        (Endpoint::Kv(s), Endpoint::Fs(d), None) => export::copy_export(s, d, opts, r).await,
        (Endpoint::Fs(s), Endpoint::Kv(d), None) => import::copy_import(s, d, opts, r).await,
        _ => plan::unreachable_document(),
    };
    if copied.is_err() || run.report.cancelled {
        // What is done so far is durable and named in the journal; dropped uploads are
        // aborted before the copy returns.
        let saved = run.save();
        if let Endpoint::Fs(d) = &d_end
            && tokio::time::timeout(SETTLE_WAIT, d.store.settle())
                .await
                .is_err()
        {
            run.report.warnings.push(format!(
                "{}: the abort of cancelled multipart uploads did not finish within {}s; \
                 some may be left incomplete",
                d.store.info().location,
                SETTLE_WAIT.as_secs()
            ));
        }
        copied?;
        saved?;
    }
    if opts.delete_extra && !run.report.cancelled {
        mirror_extras(&s_end, &d_end, opts, &mut run).await?;
    }
    let CopyRun {
        mut report,
        journal,
        mut ticker,
        backup,
        ..
    } = run;
    report.backup = backup.map(|b| b.summary());
    if let (Endpoint::Document(fs, path), Endpoint::Kv(mem)) = (dst, &d_end)
        && !opts.dry_run
        && !report.cancelled
    {
        let (_, warnings) = document::write_document(fs, path, mem.store().as_ref()).await?;
        report.warnings.extend(warnings);
    }
    if let Some(j) = journal.as_ref().filter(|_| !report.cancelled) {
        j.finish()?;
    }
    ticker.phase(Phase::Done);
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// `--delete-extra` after the copy: counts the destination-only items and, when the copy
/// wrote everything it had to and they are not more than `max_delete`, deletes them.
async fn mirror_extras(
    src: &Endpoint,
    dst: &Endpoint,
    opts: &CopyOptions,
    run: &mut CopyRun,
) -> Result<(), MigrateError> {
    run.ticker.phase(Phase::Deleting);
    let Some(extras) = run.or_cancel(mirror::extras(src, dst, &opts.filter)).await else {
        return Ok(());
    };
    let extras = extras?;
    run.report.extra = extras.len() as u64;
    if run.report.extra > opts.max_delete {
        run.report.limits.push(LimitExceeded {
            option: "maxDelete",
            allowed: opts.max_delete,
            holds: 0,
            after: run.report.extra,
        });
        return Ok(());
    }
    if opts.dry_run {
        run.report.deleted = run.report.extra;
        return Ok(());
    }
    if !run.report.rejected.is_empty() || !run.report.drifted.is_empty() {
        run.report.warnings.push(format!(
            "{} destination-only item(s) not deleted: the copy did not write everything",
            run.report.extra
        ));
        return Ok(());
    }
    run.report.deleted = mirror::delete(dst, &extras, run).await?;
    Ok(())
}

fn check_writable(dst: &Endpoint) -> Result<(), MigrateError> {
    match dst {
        Endpoint::Document(f, _) if !f.config.mode.fs_allows_write() => {
            Err(MigrateError::ReadOnly(format!(
                "fs mount `{}` has mode {}",
                f.config.name,
                f.config.mode.as_str().unwrap_or("(none)")
            )))
        }
        Endpoint::Kv(m) if !m.config().mode.kv_allows_write() => Err(MigrateError::ReadOnly(
            format!("kv mount `{}` has mode read", m.config().name),
        )),
        Endpoint::Fs(f) if !f.config.mode.fs_allows_write() => {
            Err(MigrateError::ReadOnly(format!(
                "fs mount `{}` has mode {}",
                f.config.name,
                f.config.mode.as_str().unwrap_or("(none)")
            )))
        }
        _ => Ok(()),
    }
}

/// Copies one file (or decides not to): `known` is its change when it is known already (a
/// fresh copy into an empty destination, a saved plan), else it is compared with its
/// `counterpart`.
pub(crate) async fn copy_file(
    (s, d): (&dyn FsMountStore, &dyn FsMountStore),
    backup: Option<&Backup>,
    opts: &CopyOptions,
    known: Option<Change>,
    max_size: u64,
    (e, counterpart): (FileMeta, Option<FileMeta>),
) -> Finished {
    if let Some(reason) = unsafe_name(&e.path, d.info().capability.directories) {
        let r = Rejection {
            reason,
            name: e.path,
        };
        return Ok((FileOutcome::Rejected(r), None));
    }
    if e.size > max_size {
        let reason = format!(
            "file is {} bytes, over the destination's maxFileSize of {max_size}",
            e.size
        );
        return Ok((
            FileOutcome::Rejected(Rejection {
                reason,
                name: e.path,
            }),
            None,
        ));
    }
    let change = match known {
        Some(c) => c,
        None => compare_file(s, d, &e, counterpart.as_ref()).await?.0,
    };
    match change {
        Change::Same => return Ok((FileOutcome::Same, None)),
        Change::Changed if opts.on_conflict != OnConflict::Overwrite => {
            return Ok((FileOutcome::Conflict, None));
        }
        _ => {}
    }
    if !opts.dry_run {
        if let Some(b) = backup.filter(|_| change == Change::Changed) {
            b.save_file(d, &e.path).await?;
        }
        let body = FileStore::read(s, &e.path).await?;
        FileStore::write(d, &e.path, body, Some(e.size)).await?;
    }
    Ok((FileOutcome::Copied(e.size), None))
}

async fn copy_fs(
    src: &FsMount,
    dst: &FsMount,
    opts: &CopyOptions,
    run: &mut CopyRun,
) -> Result<(), MigrateError> {
    let (s, d) = (src.store.as_ref(), dst.store.as_ref());
    let dst_dirs = d.info().capability.directories;
    // An empty destination at the start of a fresh copy needs no per-file comparison (a walk
    // never repeats a path).
    let fresh = !run.report.resumed
        && match run.or_cancel(d.walk(None, 1)).await {
            Some(page) => page?.entries.is_empty(),
            None => return Ok(()),
        };
    let max_size = dst.config.max_file_size;
    // Each page's counterparts come from one walk of the destination beside the source's.
    let mut theirs = (!fresh).then(|| Counterparts::new(d));
    let mut order = InOrder::default();
    let mut cursor = run.start_cursor();
    loop {
        let Some(page) = run.or_cancel(s.walk(cursor.as_deref(), PAGE)).await else {
            return Ok(());
        };
        let page = page?;
        let last = order.page(s, &page.entries)?;
        let mut window = match (&mut theirs, &last) {
            (Some(t), Some(l)) => match run.or_cancel(t.up_to(Some(l))).await {
                Some(w) => w?,
                None => return Ok(()),
            },
            _ => Window::default(),
        };
        let mut files = Vec::new();
        for e in page.entries {
            if !opts.filter.accepts(&e.path) {
                continue;
            }
            match e.kind {
                EntryKind::File if run.already_done(&e.path) => {}
                EntryKind::File => {
                    let counterpart = window.take(&e.path);
                    files.push((e, counterpart));
                }
                EntryKind::Directory if dst_dirs => {
                    if !opts.dry_run {
                        FileStore::mkdir(d, &e.path).await?;
                    }
                }
                EntryKind::Directory => run.report.warnings.push(format!(
                    "empty folder `{}` is not kept: the destination has no folders",
                    e.path
                )),
                EntryKind::Symlink => run.report.warnings.push(format!(
                    "symlink `{}` skipped: it leads outside the source mount",
                    e.path
                )),
            }
        }
        // `--backup-dir`: the files the destination does not have are recorded as created
        // before any of them is written.
        let backup = run.backup.clone();
        if backup.is_some() {
            let created: Vec<Record> = files
                .iter()
                .filter(|(e, counterpart)| {
                    counterpart.is_none() && unsafe_name(&e.path, dst_dirs).is_none()
                })
                .map(|(e, _)| Record::created(&e.path))
                .collect();
            if !run.back_up(&created).await? {
                return Ok(());
            }
        }
        let backup = backup.as_deref();
        let transfers = files.into_iter().map(|f| async move {
            (
                f.0.path.clone(),
                copy_file(
                    (s, d),
                    backup,
                    opts,
                    fresh.then_some(Change::New),
                    max_size,
                    f,
                )
                .await,
            )
        });
        if !run_files(run, transfers, opts.concurrency).await? || run.page_done(&page.next)? {
            return Ok(());
        }
        cursor = page.next;
    }
}
