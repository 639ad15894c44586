//! Writes into a kv destination (kv → kv copies and fs → kv imports): the conflict policy,
//! the destination's schema and limits (`maxEntries` counted as the copy goes), TTLs, in
//! chunks of [`KV_CHUNK`] keys (one SQLite transaction, Redis pipelines) each counted as soon
//! as it is written, and a JSON file flushed before its keys are named in the journal.
//!
//! A kv → kv copy reads source pages ahead of the writes (a bounded channel of two pages) and
//! decides the next chunk while up to [`WRITES_IN_FLIGHT`] chunk writes are under way, each
//! counted and journalled once written, in order. A cancel stops between two chunks: the
//! writes under way get [`WRITE_GRACE`] to finish (then they are counted and journalled),
//! else they are dropped (not counted, not journalled: a re-run compares their keys again).

use std::collections::{HashSet, VecDeque};

use super::CopyOptions;
use super::backup::Record;
use super::batch::{CopyRun, Counts, FileOutcome, WRITE_GRACE};
use super::report::{LimitExceeded, Rejection};
use crate::config::{KvBackendConfig, KvMountConfig};
use crate::migrate::plan::same_value;
use crate::migrate::{Change, MigrateError};
use crate::store::kv_mount::KvMount;
use crate::store::{Backend, Expiry, StoreError, StoredValue, js_json};

/// Keys per kv copy page (the unit of the journal's cursor): large enough that a Redis
/// destination gets several pipelines in flight per page, small enough to keep memory to a
/// few MB.
pub const KV_COPY_PAGE: usize = 5_000;

/// Keys written (and counted) at once: a SQLite transaction, a run of Redis pipelines.
pub const KV_CHUNK: usize = 1_000;

/// Pages read ahead while the previous page is written (bounds memory to a few pages).
const READ_AHEAD: usize = 2;

/// Why `text` cannot be written to the destination mount `cfg`, if it cannot.
pub(crate) fn kv_rejection(cfg: &KvMountConfig, key: &str, text: &str) -> Option<String> {
    let kind = match js_json::kind_of(text) {
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

/// One source item for a kv destination: its name in the journal and the report (the key,
/// or the imported file's path), the key, and the value or why it cannot be one.
pub(crate) struct KvItem {
    pub name: String,
    pub key: String,
    pub value: Result<StoredValue, String>,
}

/// Writes items into a kv destination (see the module notes).
pub(crate) struct KvWriter {
    /// Entries at the destination when the copy started, and as it goes.
    entries_before: u64,
    entries: u64,
    max_entries: u64,
    /// A JSON destination's store size (compact JSON, what `maxStoreSize` limits).
    size: Option<StoreSize>,
    dst_is_json: bool,
    /// The destination was empty when this (non-resumed) copy started and the source never
    /// repeats a key: nothing can be at the destination yet, so it is not read back.
    fresh: bool,
    /// Chunk writes under way and the page ends between them, oldest first.
    queue: VecDeque<Pending>,
    /// Chunk writes allowed under way at once: [`WRITES_IN_FLIGHT`], or 1 when the source
    /// may repeat a key (its second copy is compared with the first one's write).
    depth: usize,
    /// A JSON destination's items written but not yet flushed to its file (nor recorded).
    unflushed: (Vec<String>, Counts),
}

/// Chunk writes under way at once (each a SQLite transaction, or a Redis pipeline): the
/// next chunk is decided while the ones before it are written, so the destination is never
/// idle waiting for the copy.
const WRITES_IN_FLIGHT: usize = 4;

/// One entry of [`KvWriter`]'s queue.
enum Pending {
    /// A decided chunk: its items' names and outcomes, counted and recorded once its write
    /// (none in a dry run, or when nothing of it is written) is done.
    Chunk {
        write: Option<ChunkWrite>,
        names: Vec<String>,
        outcomes: Vec<FileOutcome>,
        warnings: Vec<String>,
    },
    /// The end of a source page: the journal's cursor moves to `next` once every chunk
    /// before it is recorded.
    PageEnd(Option<String>),
}

/// What settling the oldest entry of the queue came to.
#[derive(Debug, PartialEq, Eq)]
enum Settled {
    Go,
    /// The last page is done.
    Done,
    Cancelled,
}

/// A chunk's write, running on its own task; aborted if dropped before it is done.
struct ChunkWrite(tokio::task::JoinHandle<Result<(), StoreError>>);

impl Drop for ChunkWrite {
    fn drop(&mut self) {
        self.0.abort();
    }
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
        let size = match &dst.config().backend {
            KvBackendConfig::Json(j) => dst
                .store()
                .compact_size()
                .await?
                .map(|now| StoreSize::new(now, entries, j.max_store_size)),
            _ => None,
        };
        Ok(KvWriter {
            entries_before: entries,
            entries,
            max_entries: dst.config().max_entries,
            size,
            dst_is_json: matches!(dst.config().backend, KvBackendConfig::Json(_)),
            fresh: entries == 0 && !src_repeats && !resumed,
            queue: VecDeque::new(),
            depth: if src_repeats { 1 } else { WRITES_IN_FLIGHT },
            unflushed: (Vec::new(), Counts::default()),
        })
    }

    /// Decides and writes `items` chunk by chunk (items the resumed run recorded are
    /// skipped), and waits until all are written and recorded. Returns `false` when a
    /// cancel stopped it.
    pub(crate) async fn write(
        &mut self,
        dst: &KvMount,
        items: Vec<KvItem>,
        opts: &CopyOptions,
        run: &mut CopyRun,
    ) -> Result<bool, MigrateError> {
        if !self.submit(dst, items, opts, run).await? {
            return Ok(false);
        }
        while !self.queue.is_empty() {
            if self.settle_oldest(dst, run).await? != Settled::Go {
                self.stop(dst, run).await?;
                return Ok(false);
            }
        }
        self.flush(dst, run).await?;
        Ok(true)
    }

    /// Decides `items` chunk by chunk and starts their writes, waiting only while
    /// [`Self::depth`] chunks are under way. Returns `false` when a cancel stopped it (the
    /// writes under way are then finished or dropped: [`Self::stop`]).
    pub(crate) async fn submit(
        &mut self,
        dst: &KvMount,
        items: Vec<KvItem>,
        opts: &CopyOptions,
        run: &mut CopyRun,
    ) -> Result<bool, MigrateError> {
        let items: Vec<KvItem> = items
            .into_iter()
            .filter(|i| !run.already_done(&i.name))
            .collect();
        let mut items = items.into_iter();
        loop {
            let chunk: Vec<KvItem> = items.by_ref().take(KV_CHUNK).collect();
            if chunk.is_empty() {
                return Ok(true);
            }
            if !self.submit_chunk(dst, chunk, opts, run).await? || !self.settle(dst, run).await? {
                self.stop(dst, run).await?;
                return Ok(false);
            }
        }
    }

    /// Marks the end of a source page (`next`: the cursor after it): the journal moves past
    /// it once its chunks are recorded. After the last page (`next` is `None`) everything is
    /// waited for. Returns `false` when the copy stops here (done, or cancelled).
    pub(crate) async fn end_page(
        &mut self,
        dst: &KvMount,
        next: Option<String>,
        run: &mut CopyRun,
    ) -> Result<bool, MigrateError> {
        let last = next.is_none();
        self.queue.push_back(Pending::PageEnd(next));
        loop {
            let more = if last {
                !self.queue.is_empty()
            } else {
                self.chunks_under_way() > self.depth
            };
            if !more {
                return Ok(!last);
            }
            match self.settle_oldest(dst, run).await? {
                Settled::Go => {}
                Settled::Done => return Ok(false),
                Settled::Cancelled => {
                    self.stop(dst, run).await?;
                    return Ok(false);
                }
            }
        }
    }

    fn chunks_under_way(&self) -> usize {
        self.queue
            .iter()
            .filter(|p| matches!(p, Pending::Chunk { write: Some(_), .. }))
            .count()
    }

    /// Settles the oldest entries while more than [`Self::depth`] chunks are under way (and
    /// every entry that is done already). Returns `false` on a cancel.
    async fn settle(&mut self, dst: &KvMount, run: &mut CopyRun) -> Result<bool, MigrateError> {
        while self.chunks_under_way() > self.depth || self.oldest_is_done() {
            if self.settle_oldest(dst, run).await? != Settled::Go {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn oldest_is_done(&self) -> bool {
        match self.queue.front() {
            Some(Pending::Chunk { write: Some(w), .. }) => w.0.is_finished(),
            Some(_) => true,
            None => false,
        }
    }

    /// Waits for the oldest entry and records it (on a cancel it stays queued).
    async fn settle_oldest(
        &mut self,
        dst: &KvMount,
        run: &mut CopyRun,
    ) -> Result<Settled, MigrateError> {
        if let Some(Pending::Chunk { write: Some(w), .. }) = self.queue.front_mut() {
            match run.or_cancel(&mut w.0).await {
                Some(done) => done_write(dst, done)?,
                None => return Ok(Settled::Cancelled),
            }
        }
        self.record_oldest(dst, run).await
    }

    /// Records the oldest entry, whose write is done: a chunk is counted (and journalled), a
    /// page end moves the journal's cursor past its page.
    async fn record_oldest(
        &mut self,
        dst: &KvMount,
        run: &mut CopyRun,
    ) -> Result<Settled, MigrateError> {
        match self.queue.pop_front() {
            Some(Pending::Chunk {
                names,
                outcomes,
                warnings,
                ..
            }) => self.record(dst, run, names, outcomes, warnings)?,
            Some(Pending::PageEnd(next)) => {
                self.flush(dst, run).await?;
                let last = next.is_none();
                if run.page_done(&next)? {
                    return Ok(if last {
                        Settled::Done
                    } else {
                        Settled::Cancelled
                    });
                }
            }
            None => {}
        }
        Ok(Settled::Go)
    }

    /// Counts a written chunk, and names it in the journal (a JSON destination's once
    /// flushed).
    fn record(
        &mut self,
        dst: &KvMount,
        run: &mut CopyRun,
        names: Vec<String>,
        outcomes: Vec<FileOutcome>,
        warnings: Vec<String>,
    ) -> Result<(), MigrateError> {
        run.report.warnings.extend(warnings);
        let counts = run.count_all(outcomes);
        if self.needs_flush(dst, run) {
            self.unflushed.0.extend(names);
            self.unflushed.1.add(counts);
            Ok(())
        } else {
            run.record(names, counts)
        }
    }

    fn needs_flush(&self, dst: &KvMount, run: &CopyRun) -> bool {
        !run.report.dry_run && dst.store().info().backend == Backend::Json
    }

    /// A JSON destination: writes its file, then names what it holds now in the journal.
    async fn flush(&mut self, dst: &KvMount, run: &mut CopyRun) -> Result<(), MigrateError> {
        if self.unflushed.0.is_empty() {
            return Ok(());
        }
        dst.store().flush().await?;
        let (names, counts) = std::mem::take(&mut self.unflushed);
        run.record(names, counts)
    }

    /// After a cancel: the chunk writes under way get [`WRITE_GRACE`] (in all) to finish and
    /// are then recorded, in order, with the page ends between them; the rest is dropped
    /// (not counted, not journalled: a re-run compares those keys again).
    pub(crate) async fn stop(
        &mut self,
        dst: &KvMount,
        run: &mut CopyRun,
    ) -> Result<(), MigrateError> {
        run.report.cancelled = true;
        let deadline = tokio::time::Instant::now() + WRITE_GRACE;
        while let Some(front) = self.queue.front_mut() {
            if let Pending::Chunk { write: Some(w), .. } = front {
                match tokio::time::timeout_at(deadline, &mut w.0).await {
                    Ok(done) => done_write(dst, done)?,
                    Err(_) => break,
                }
            }
            self.record_oldest(dst, run).await?;
        }
        self.queue.clear();
        self.flush(dst, run).await
    }

    /// Decides one chunk and starts its write; `false` when a cancel came first (nothing of
    /// the chunk is counted).
    async fn submit_chunk(
        &mut self,
        dst: &KvMount,
        chunk: Vec<KvItem>,
        opts: &CopyOptions,
        run: &mut CopyRun,
    ) -> Result<bool, MigrateError> {
        let d = dst.store();
        let dv = if self.fresh {
            vec![None; chunk.len()]
        } else {
            let keys: Vec<String> = chunk.iter().map(|i| i.key.clone()).collect();
            match run.or_cancel(d.get_many(&keys)).await {
                Some(values) => values?,
                None => return Ok(false),
            }
        };
        let mut names = Vec::with_capacity(chunk.len());
        let mut outcomes = Vec::with_capacity(chunk.len());
        let mut warnings = Vec::new();
        let mut plain: Vec<(String, String)> = Vec::new();
        let mut timed: Vec<(String, String, Expiry)> = Vec::new();
        let mut entries = self.entries;
        // A preflight sums the mount-wide limits up (see `finish`); a copy refuses the items
        // past them.
        let summing = opts.dry_run && !opts.partial;
        // `--backup-dir`: what each write replaces, saved before the writes.
        let backing = run.backup.is_some();
        let mut records = Vec::new();
        for (item, b) in chunk.into_iter().zip(dv) {
            let KvItem { name, key, value } = item;
            let outcome = 'decide: {
                let a = match value {
                    Ok(a) => a,
                    Err(reason) => break 'decide rejected(&name, reason),
                };
                let change = match &b {
                    None => Change::New,
                    Some(b) if same_value(&a.text, &b.text) => Change::Same,
                    Some(_) => Change::Changed,
                };
                if let Some(kept) = FileOutcome::unwritten(change, opts.on_conflict) {
                    break 'decide kept;
                }
                let is_new = change == Change::New;
                let mut reason = kv_rejection(dst.config(), &key, &a.text);
                if reason.is_none() && is_new && entries >= self.max_entries && !summing {
                    reason = Some(format!(
                        "the destination holds {entries} entries, its maxEntries is {}",
                        self.max_entries
                    ));
                }
                let grown = match (&self.size, &reason) {
                    (Some(size), None) => {
                        let old = b.as_ref().map(|b| b.text.as_str());
                        let grown = size.with(&key, &a.text, old);
                        if grown.total() > size.max && !summing {
                            reason = Some(format!(
                                "the store would be {} bytes, over the destination's \
                                 maxStoreSize of {}",
                                grown.total(),
                                size.max
                            ));
                        }
                        Some(grown)
                    }
                    _ => None,
                };
                if let Some(reason) = reason {
                    break 'decide rejected(&name, reason);
                }
                if let Some(g) = grown {
                    self.size = Some(g);
                }
                if self.dst_is_json && js_json::parse(&a.text).is_ok_and(|p| p.lossy) {
                    warnings.push(format!(
                        "`{key}`: a lone surrogate escape becomes U+FFFD in the JSON file"
                    ));
                }
                if is_new {
                    entries += 1;
                }
                if backing {
                    records.push(match &b {
                        Some(b) => Record::saved(&key, b),
                        None => Record::created(&key),
                    });
                }
                let size = a.text.len() as u64;
                match a.ttl {
                    Some(ttl) if opts.preserve_ttl => timed.push((key, a.text, Expiry::After(ttl))),
                    _ => plain.push((key, a.text)),
                }
                FileOutcome::Copied(size)
            };
            names.push(name);
            outcomes.push(outcome);
        }
        if !run.back_up(&records).await? {
            return Ok(false);
        }
        let nothing = opts.dry_run || (plain.is_empty() && timed.is_empty());
        let write = (!nothing).then(|| {
            let d = d.clone();
            ChunkWrite(tokio::spawn(async move {
                d.put_many(&plain, Expiry::MountDefault).await?;
                d.put_many_expiring(&timed).await
            }))
        });
        self.entries = entries;
        self.queue.push_back(Pending::Chunk {
            write,
            names,
            outcomes,
            warnings,
        });
        Ok(true)
    }
}

fn rejected(name: &str, reason: String) -> FileOutcome {
    FileOutcome::Rejected(Rejection {
        name: name.to_string(),
        reason,
    })
}

/// A chunk write's end: its error, or the task's (a panic) as a store error.
fn done_write(
    dst: &KvMount,
    done: Result<Result<(), StoreError>, tokio::task::JoinError>,
) -> Result<(), MigrateError> {
    match done {
        Ok(r) => Ok(r?),
        Err(e) => Err(StoreError::new(
            crate::store::ErrorKind::Other,
            dst.store().info().location.clone(),
            format!("a write task ended: {e}"),
        )
        .into()),
    }
}

impl KvWriter {
    /// After the last item: the mount-wide limits a preflight found passed go into the report.
    pub(crate) fn finish(&self, run: &mut CopyRun) {
        if self.entries > self.max_entries {
            run.report.limits.push(LimitExceeded {
                option: "maxEntries",
                allowed: self.max_entries,
                holds: self.entries_before,
                after: self.entries,
            });
        }
        if let Some(size) = &self.size
            && size.total() > size.max
        {
            run.report.limits.push(LimitExceeded {
                option: "maxStoreSize",
                allowed: size.max,
                holds: size.before,
                after: size.total(),
            });
        }
    }
}

/// The size of a JSON store's compact `JSON.stringify` (`{"k":v,…}`) as a copy adds to it.
#[derive(Debug, Clone, Copy)]
struct StoreSize {
    /// At the start of the copy.
    before: u64,
    /// Entries, and the bytes of their `"key":value` texts.
    entries: u64,
    body: u64,
    max: u64,
}

impl StoreSize {
    fn new(now: u64, entries: u64, max: u64) -> StoreSize {
        // `now` = braces + entries + the commas between them
        let body = now.saturating_sub(2 + entries.saturating_sub(1));
        StoreSize {
            before: now,
            entries,
            body,
            max,
        }
    }

    fn total(&self) -> u64 {
        2 + self.body + self.entries.saturating_sub(1)
    }

    /// The size once `key` holds `text` (replacing `old`, when the key is there already).
    fn with(&self, key: &str, text: &str, old: Option<&str>) -> StoreSize {
        let compact = |t: &str| {
            js_json::parse(t)
                .map(|p| js_json::to_compact(&p.value).len() as u64)
                .unwrap_or(t.len() as u64)
        };
        let mut next = *self;
        match old {
            Some(old) => next.body = (next.body + compact(text)).saturating_sub(compact(old)),
            None if key == crate::store::json_file::PROTO_KEY => {}
            None => {
                let mut quoted = String::new();
                js_json::write_string(&mut quoted, key);
                next.body += quoted.len() as u64 + 1 + compact(text);
                next.entries += 1;
            }
        }
        next
    }
}

/// A page of source entries and the cursor after it, read ahead of the writes.
type SourcePage = Result<(Vec<(String, StoredValue)>, Option<String>), MigrateError>;

pub(crate) async fn copy_kv(
    src: &KvMount,
    dst: &KvMount,
    opts: &CopyOptions,
    run: &mut CopyRun,
) -> Result<(), MigrateError> {
    let s = src.store();
    run.ticker.state.total = s.count().await.ok();
    let repeats = s.info().backend == Backend::Redis;
    let mut writer = KvWriter::new(dst, repeats, run.report.resumed).await?;
    let start = run.start_cursor();
    let (tx, rx) = tokio::sync::mpsc::channel::<SourcePage>(READ_AHEAD);
    // The reader scans and reads source pages while the writer writes the previous one; it
    // stops when the writer is gone (done, error, cancel; also in the middle of a read) or
    // the scan is complete.
    let reader = async move {
        let mut cursor = start;
        loop {
            let read = async {
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
            };
            let page: SourcePage = tokio::select! {
                _ = tx.closed() => return,
                page = read => page,
            };
            let next = page.as_ref().ok().and_then(|(_, n)| n.clone());
            let last = page.is_err() || next.is_none();
            if tx.send(page).await.is_err() || last {
                return;
            }
            cursor = next;
        }
    };
    // Pages are decided as they come; the writes of one page run on while the next is
    // decided (the journal's cursor passes a page once all of it is written).
    let write = async move {
        let mut rx = rx;
        loop {
            let page = match run.or_cancel(rx.recv()).await {
                Some(Some(page)) => page,
                Some(None) => return Ok(()),
                None => return writer.stop(dst, run).await,
            };
            let (batch, next) = page?;
            let items = batch
                .into_iter()
                .map(|(key, value)| KvItem {
                    name: key.clone(),
                    key,
                    value: Ok(value),
                })
                .collect();
            if !writer.submit(dst, items, opts, run).await? {
                return Ok(());
            }
            if next.is_none() {
                writer.finish(run);
            }
            if !writer.end_page(dst, next, run).await? {
                return Ok(());
            }
        }
    };
    let ((), written) = tokio::join!(reader, write);
    written
}
