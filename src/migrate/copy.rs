//! Apply: copy every source item the plan calls new (and changed, by the conflict policy).
//!
//! - A value that violates the destination's schema or limits (undeclared key, wrong type,
//!   `maxValueSize`, `maxEntries`, `maxFileSize`) or a source value that is not JSON is
//!   reported with its key and not written; the rest goes on.
//! - kv writes go in batches (`KvStore::put_many`: one SQLite transaction, one Redis pipeline)
//!   with the destination mount's TTL, or the source's remaining TTL with `preserve_ttl`.
//! - Files are streamed (never fully buffered) with `concurrency` transfers at a time.
//! - After each durable batch the journal records the next source cursor; cancelling stops
//!   between batches and keeps the journal, so a re-run resumes there.
//! - `--on-conflict fail` plans first and writes nothing if any item differs.
//! - A fresh copy into an empty destination skips reading the destination back (nothing can
//!   be there yet), unless the source may repeat keys (Redis SCAN) or the copy resumes.
//! - kv source pages are read ahead of the writes (a bounded channel of two pages).
//! - Nothing is ever deleted at the destination.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use futures::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::journal::Journal;
use super::plan::{self, PAGE, compare_file, same_value};
use super::progress::{Phase, Progress, Ticker};
use super::{Change, Endpoint, Filter, FsMount, MigrateError, document, export, import};
use crate::config::{KvBackendConfig, KvMountConfig};
use crate::store::kv_mount::KvMount;
use crate::store::{Backend, EntryKind, Expiry, FileStore, StoredValue, js_json};

/// What to do with an item that exists at the destination with a different value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
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
        }
    }
}

/// An item that was not written, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    pub name: String,
    pub reason: String,
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
    /// Bytes written.
    pub bytes: u64,
    /// This run continued an interrupted one.
    pub resumed: bool,
    /// Stopped by a cancel; the journal holds where to resume.
    pub cancelled: bool,
    /// Things worth knowing that did not stop the copy (lossy values, empty folders).
    pub warnings: Vec<String>,
    pub elapsed_ms: u64,
}

/// Copies `src` into `dst`.
pub async fn copy(
    src: &Endpoint,
    dst: &Endpoint,
    opts: &CopyOptions,
    progress: Option<tokio::sync::watch::Sender<Progress>>,
    cancel: CancellationToken,
) -> Result<CopyReport, MigrateError> {
    let started = Instant::now();
    if !opts.dry_run {
        check_writable(dst)?;
    }
    if opts.on_conflict == OnConflict::Fail {
        let p = plan::plan(src, dst, &opts.filter, progress.clone()).await?;
        let conflicts: Vec<&str> = p
            .items
            .iter()
            .filter(|i| i.change == Change::Changed)
            .map(|i| i.name.as_str())
            .collect();
        if !conflicts.is_empty() {
            let mut sample = conflicts
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if conflicts.len() > 5 {
                sample.push_str(", …");
            }
            return Err(MigrateError::Conflicts {
                count: conflicts.len(),
                sample,
            });
        }
    }
    let (s_end, d_end) = (
        document::materialize(src).await?,
        document::materialize(dst).await?,
    );
    // A document is written once, at the end: nothing to resume.
    let documents = matches!(src, Endpoint::Document(..)) || matches!(dst, Endpoint::Document(..));
    let mut journal = match (&opts.journal_dir, opts.dry_run || documents) {
        (Some(dir), false) => Some(Journal::open(dir, &src.location(), &dst.location())?),
        _ => None,
    };
    let mut ticker = Ticker::new(progress, Phase::Copying);
    let mut report = CopyReport {
        dry_run: opts.dry_run,
        ..CopyReport::default()
    };
    if let Some(j) = &journal {
        report.resumed = j.resumed;
        report.copied = j.state.copied;
        report.bytes = j.state.bytes;
        ticker.state.items = j.state.copied + j.state.skipped;
    }
    let (r, j, t, c) = (&mut report, &mut journal, &mut ticker, &cancel);
    match (&s_end, &d_end) {
        (Endpoint::Kv(s), Endpoint::Kv(d)) => copy_kv(s, d, opts, r, j, t, c).await?,
        (Endpoint::Fs(s), Endpoint::Fs(d)) => copy_fs(s, d, opts, r, j, t, c).await?,
        (Endpoint::Kv(s), Endpoint::Fs(d)) => export::copy_export(s, d, opts, r, j, t, c).await?,
        (Endpoint::Fs(s), Endpoint::Kv(d)) => import::copy_import(s, d, opts, r, j, t, c).await?,
        _ => plan::unreachable_document()?,
    }
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

/// The rill type name of a JSON text, when it is valid JSON. The common case is settled by a
/// validating pass that builds nothing (`serde_json` into `IgnoredAny`) and the first byte;
/// what `serde_json` refuses but `JSON.parse` accepts (a lone surrogate escape, a number out of
/// f64 range, very deep nesting) goes through the full JavaScript-compatible parser.
fn json_kind(text: &str) -> Result<&'static str, String> {
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
        return Ok(match text.trim_start().as_bytes().first() {
            Some(b'{') => "dict",
            Some(b'[') => "list",
            Some(b'"') => "string",
            Some(b't') | Some(b'f') => "bool",
            Some(b'n') => "object",
            _ => "number",
        });
    }
    js_json::parse(text)
        .map(|p| p.value.type_name_rill())
        .map_err(|e| e.to_string())
}

/// Why `text` cannot be written to the destination mount `cfg`, if it cannot.
pub(crate) fn kv_rejection(cfg: &KvMountConfig, key: &str, text: &str) -> Option<String> {
    let kind = match json_kind(text) {
        Ok(k) => k,
        Err(e) => return Some(format!("source value is not valid JSON: {e}")),
    };
    if let Some(schema) = &cfg.schema {
        match schema.get(key) {
            None => return Some("key is not declared in the destination schema".into()),
            Some(entry) if entry.kind != kind => {
                return Some(format!(
                    "destination schema expects {}, got {kind}",
                    entry.kind
                ));
            }
            Some(_) => {}
        }
    }
    let size = text.len() as u64;
    if size > cfg.max_value_size {
        return Some(format!(
            "value is {size} bytes, over the destination's maxValueSize of {}",
            cfg.max_value_size
        ));
    }
    None
}

/// Writes batches into a kv destination: conflict policy, schema and limits, `maxEntries`
/// counted as the copy goes, TTLs, and the JSON file flushed before the journal moves on.
pub(crate) struct KvWriter {
    entries: u64,
    max_entries: u64,
    dst_is_json: bool,
    /// The destination was empty when this (non-resumed) copy started and the source never
    /// repeats a key: nothing can be at the destination yet, so it is not read back.
    fresh: bool,
}

impl KvWriter {
    /// `src_repeats`: the source's scan may return a key twice (Redis); `resumed`: an earlier
    /// run may have written part of the source already.
    pub(crate) async fn new(
        dst: &KvMount,
        src_repeats: bool,
        resumed: bool,
    ) -> Result<KvWriter, MigrateError> {
        let entries = dst.store().count().await?;
        Ok(KvWriter {
            entries,
            max_entries: dst.config().max_entries,
            dst_is_json: matches!(dst.config().backend, KvBackendConfig::Json(_)),
            fresh: entries == 0 && !src_repeats && !resumed,
        })
    }

    /// Decides and writes one batch of source `(key, value)`; returns (items done, bytes).
    pub(crate) async fn write_batch(
        &mut self,
        dst: &KvMount,
        batch: Vec<(String, StoredValue)>,
        opts: &CopyOptions,
        report: &mut CopyReport,
    ) -> Result<(u64, u64), MigrateError> {
        let d = dst.store();
        let dv = if self.fresh {
            vec![None; batch.len()]
        } else {
            let keys: Vec<String> = batch.iter().map(|(k, _)| k.clone()).collect();
            d.get_many(&keys).await?
        };
        let mut plain: Vec<(String, String)> = Vec::new();
        let mut timed: Vec<(String, StoredValue)> = Vec::new();
        let (mut done, mut bytes) = (0u64, 0u64);
        for ((key, a), b) in batch.into_iter().zip(dv) {
            let is_new = match &b {
                None => true,
                Some(b) if same_value(&a.text, &b.text) => {
                    report.skipped_same += 1;
                    done += 1;
                    continue;
                }
                Some(_) if opts.on_conflict != OnConflict::Overwrite => {
                    report.skipped_conflict += 1;
                    done += 1;
                    continue;
                }
                Some(_) => false,
            };
            let mut reason = kv_rejection(dst.config(), &key, &a.text);
            if reason.is_none() && is_new && self.entries >= self.max_entries {
                reason = Some(format!(
                    "the destination holds {} entries, its maxEntries is {}",
                    self.entries, self.max_entries
                ));
            }
            if let Some(reason) = reason {
                report.rejected.push(Rejection { name: key, reason });
                continue;
            }
            if self.dst_is_json && js_json::parse(&a.text).is_ok_and(|p| p.lossy) {
                report.warnings.push(format!(
                    "`{key}`: a lone surrogate escape becomes U+FFFD in the JSON file"
                ));
            }
            if is_new {
                self.entries += 1;
            }
            report.copied += 1;
            done += 1;
            bytes += a.text.len() as u64;
            match a.ttl {
                Some(_) if opts.preserve_ttl => timed.push((key, a)),
                _ => plain.push((key, a.text)),
            }
        }
        if !opts.dry_run {
            d.put_many(&plain, Expiry::MountDefault).await?;
            let timed: Vec<(String, String, Expiry)> = timed
                .into_iter()
                .map(|(k, v)| {
                    let expiry = v.ttl.map_or(Expiry::MountDefault, Expiry::After);
                    (k, v.text, expiry)
                })
                .collect();
            d.put_many_expiring(&timed).await?;
            // A JSON file is only durable once flushed: flush before the journal moves on.
            if d.info().backend == Backend::Json {
                d.flush().await?;
            }
        }
        report.bytes += bytes;
        Ok((done, bytes))
    }
}

/// Records that every page before `cursor` is done (after its writes are durable), then says
/// whether the copy stops here: the source is exhausted, or a cancel arrived (which the report
/// records; the journal keeps the place for a re-run).
pub(crate) fn checkpoint(
    report: &mut CopyReport,
    journal: &mut Option<Journal>,
    cursor: &Option<String>,
    cancel: &CancellationToken,
) -> Result<bool, MigrateError> {
    if let Some(j) = journal.as_mut() {
        j.state.cursor = cursor.clone();
        j.state.copied = report.copied;
        j.state.skipped = report.skipped_same + report.skipped_conflict;
        j.state.rejected = report.rejected.len() as u64;
        j.state.bytes = report.bytes;
        j.save()?;
    }
    if cursor.is_none() {
        return Ok(true);
    }
    if cancel.is_cancelled() {
        report.cancelled = true;
        return Ok(true);
    }
    Ok(false)
}

/// A page of source entries and the cursor after it, read ahead of the writes.
type SourcePage = Result<(Vec<(String, StoredValue)>, Option<String>), MigrateError>;

/// Pages read ahead while the previous page is written (bounds memory to a few pages).
const READ_AHEAD: usize = 2;

/// Keys per kv copy page (one journal entry each): large enough that a Redis destination
/// gets several pipelines in flight per page, small enough to keep memory to a few MB.
pub const KV_COPY_PAGE: usize = 5_000;

async fn copy_kv(
    src: &KvMount,
    dst: &KvMount,
    opts: &CopyOptions,
    report: &mut CopyReport,
    journal: &mut Option<Journal>,
    ticker: &mut Ticker,
    cancel: &CancellationToken,
) -> Result<(), MigrateError> {
    let s = src.store();
    ticker.state.total = s.count().await.ok();
    let repeats = s.info().backend == Backend::Redis;
    let mut writer = KvWriter::new(dst, repeats, report.resumed).await?;
    let start = journal.as_ref().and_then(|j| j.state.cursor.clone());
    let (tx, rx) = tokio::sync::mpsc::channel::<SourcePage>(READ_AHEAD);
    // The reader scans and reads source pages while the writer writes the previous one; it
    // stops when the writer is gone (error, cancel) or the scan is complete.
    let reader = async move {
        let mut cursor = start;
        loop {
            let page: SourcePage = async {
                let page = s.scan_values(cursor.as_deref(), KV_COPY_PAGE).await?;
                // Repeats within a page (a Redis SCAN) are dropped; a key SCAN repeats on a
                // later page is written again (idempotent) or counted as same, never
                // duplicated. A key that vanished between scan and read (expiry) is not copied.
                let mut seen = HashSet::with_capacity(if repeats { page.entries.len() } else { 0 });
                let batch = page
                    .entries
                    .into_iter()
                    .filter(|(k, _)| opts.filter.accepts(k) && (!repeats || seen.insert(k.clone())))
                    .collect();
                Ok((batch, page.next))
            }
            .await;
            let next = page.as_ref().ok().and_then(|(_, n)| n.clone());
            let last = page.is_err() || next.is_none();
            if tx.send(page).await.is_err() || last {
                return;
            }
            cursor = next;
        }
    };
    let write = async move {
        let mut rx = rx;
        while let Some(page) = rx.recv().await {
            let (batch, next) = page?;
            let (done, bytes) = writer.write_batch(dst, batch, opts, report).await?;
            ticker.advance(done, bytes);
            if checkpoint(report, journal, &next, cancel)? {
                break;
            }
        }
        Ok(())
    };
    let ((), written) = tokio::join!(reader, write);
    written
}

/// One file's outcome in a concurrent batch.
pub(crate) enum FileOutcome {
    Copied(u64),
    Same,
    Conflict,
    Rejected(Rejection),
}

async fn copy_fs(
    src: &FsMount,
    dst: &FsMount,
    opts: &CopyOptions,
    report: &mut CopyReport,
    journal: &mut Option<Journal>,
    ticker: &mut Ticker,
    cancel: &CancellationToken,
) -> Result<(), MigrateError> {
    let (s, d) = (src.store.as_ref(), dst.store.as_ref());
    let dst_dirs = d.info().capability.directories;
    // An empty destination at the start of a fresh copy needs no per-file comparison (a walk
    // never repeats a path).
    let fresh = !report.resumed && d.walk(None, 1).await?.entries.is_empty();
    let max_size = dst.config.max_file_size;
    let mut cursor = journal.as_ref().and_then(|j| j.state.cursor.clone());
    loop {
        let page = s.walk(cursor.as_deref(), PAGE).await?;
        let mut files = Vec::new();
        for e in page.entries {
            if !opts.filter.accepts(&e.path) {
                continue;
            }
            match e.kind {
                EntryKind::File => files.push(e),
                EntryKind::Directory if dst_dirs => {
                    if !opts.dry_run {
                        FileStore::mkdir(d, &e.path).await?;
                    }
                }
                EntryKind::Directory => report.warnings.push(format!(
                    "empty folder `{}` is not kept: the destination has no folders",
                    e.path
                )),
                EntryKind::Symlink => report.warnings.push(format!(
                    "symlink `{}` skipped: it leads outside the source mount",
                    e.path
                )),
            }
        }
        let outcomes: Vec<Result<FileOutcome, MigrateError>> = futures::stream::iter(files)
            .map(|e| async move {
                if e.size > max_size {
                    return Ok(FileOutcome::Rejected(Rejection {
                        reason: format!(
                            "file is {} bytes, over the destination's maxFileSize of {max_size}",
                            e.size
                        ),
                        name: e.path,
                    }));
                }
                let change = if fresh {
                    Change::New
                } else {
                    compare_file(s, d, &e.path, e.size).await?.0
                };
                match change {
                    Change::Same => return Ok(FileOutcome::Same),
                    Change::Changed if opts.on_conflict != OnConflict::Overwrite => {
                        return Ok(FileOutcome::Conflict);
                    }
                    _ => {}
                }
                if !opts.dry_run {
                    let body = FileStore::read(s, &e.path).await?;
                    FileStore::write(d, &e.path, body, Some(e.size)).await?;
                }
                Ok(FileOutcome::Copied(e.size))
            })
            .buffer_unordered(opts.concurrency.max(1))
            .collect()
            .await;
        tally(outcomes, report, ticker)?;
        cursor = page.next;
        if checkpoint(report, journal, &cursor, cancel)? {
            break;
        }
    }
    Ok(())
}

/// Adds a concurrent batch's outcomes to the report. A failed transfer returns its error
/// before the journal passes the page, so the re-run starts again at this page (files already
/// written compare as same).
pub(crate) fn tally(
    outcomes: Vec<Result<FileOutcome, MigrateError>>,
    report: &mut CopyReport,
    ticker: &mut Ticker,
) -> Result<(), MigrateError> {
    let (mut copied, mut bytes, mut done) = (0u64, 0u64, 0u64);
    let mut first_error = None;
    for o in outcomes {
        match o {
            Ok(FileOutcome::Copied(n)) => {
                copied += 1;
                bytes += n;
                done += 1;
            }
            Ok(FileOutcome::Same) => {
                report.skipped_same += 1;
                done += 1;
            }
            Ok(FileOutcome::Conflict) => {
                report.skipped_conflict += 1;
                done += 1;
            }
            Ok(FileOutcome::Rejected(r)) => report.rejected.push(r),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    report.copied += copied;
    report.bytes += bytes;
    ticker.advance(done, bytes);
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::json_kind;

    #[test]
    fn json_kind_matches_javascript_json_parse() {
        for (text, kind) in [
            ("{\"a\":1}", "dict"),
            (" [1,2]", "list"),
            ("\"s\"", "string"),
            ("true", "bool"),
            ("false", "bool"),
            ("null", "object"),
            ("-1.5e3", "number"),
            // serde_json refuses these, JSON.parse accepts them: the fallback parser decides.
            ("\"\\ud800\"", "string"),
            ("1e400", "number"),
            (&format!("{}1{}", "[".repeat(300), "]".repeat(300)), "list"),
        ] {
            assert_eq!(json_kind(text).as_deref(), Ok(kind), "{text}");
        }
        for bad in ["", "{", "'x'", "01", "[1,]", "NaN", "{\"a\":1} x"] {
            assert!(json_kind(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
