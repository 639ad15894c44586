//! Apply: the writers. One pass copies every source item the plan calls new (and changed, by
//! the conflict policy); a dry pass makes the same decisions and writes nothing (the
//! preflight, `copy --dry-run`).
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
//! - With `plan` the saved plan is applied instead (`with_plan.rs`); with `backup` what each
//!   write replaces is saved first (`backup.rs`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

pub mod backup;
mod batch;
mod export;
mod import;
pub mod journal;
mod kv_write;
pub mod mirror;
pub mod report;
mod with_plan;

use backup::{Backup, BackupTarget, Record, manifest_for};
use batch::{CopyRun, FileOutcome, Finished, run_files};
use journal::Journal;
use report::{CopyReport, LimitExceeded, Rejection};

use super::names::unsafe_name;
use super::plan::counterparts::{Counterparts, InOrder, Window};
use super::plan::saved_plan::SavedPlan;
use super::plan::{self, PAGE, compare_file, document};
use super::progress::{Phase, Progress, Ticker};
use super::{Change, Endpoint, Filter, FsMount, MigrateError, OnConflict};
use crate::store::{EntryKind, FileMeta, FileStore, FsMountStore};

pub use kv_write::{KV_CHUNK, KV_COPY_PAGE};

/// Longest wait, after a cancel or an error, for the aborts of dropped multipart uploads.
pub const SETTLE_WAIT: Duration = Duration::from_secs(5);

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
    /// `--plan`: apply exactly this saved plan (`with_plan.rs`) instead of comparing anew.
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

/// The destination as the journal names it: one journal per shard.
pub(crate) fn journal_dst(dst: &Endpoint, opts: &CopyOptions) -> String {
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
        (Endpoint::Kv(s), Endpoint::Kv(d), Some(p)) => with_plan::apply_kv(s, d, p, opts, r).await,
        (Endpoint::Fs(s), Endpoint::Fs(d), Some(p)) => with_plan::apply_fs(s, d, p, opts, r).await,
        (_, _, Some(_)) => Err(super::plan::saved_plan::unsupported()),
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

pub(crate) fn check_writable(dst: &Endpoint) -> Result<(), MigrateError> {
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
    if let Some(kept) = FileOutcome::unwritten(change, opts.on_conflict) {
        return Ok((kept, None));
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
