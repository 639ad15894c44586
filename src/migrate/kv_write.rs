//! Writes into a kv destination (kv → kv copies and fs → kv imports): the conflict policy,
//! the destination's schema and limits (`maxEntries` counted as the copy goes), TTLs, in
//! chunks of [`KV_CHUNK`] keys (one SQLite transaction, Redis pipelines) each counted as soon
//! as it is written, and a JSON file flushed before its keys are named in the journal.
//!
//! A kv → kv copy reads source pages ahead of the writes (a bounded channel of two pages);
//! a cancel stops between two chunks: a chunk being written gets [`WRITE_GRACE`] to finish
//! (then it is counted and journalled), else it is dropped (not counted, not journalled: a
//! re-run compares its keys again).

use std::collections::HashSet;

use super::MigrateError;
use super::backup::Record;
use super::batch::{CopyRun, Counts, FileOutcome, WRITE_GRACE};
use super::copy::{CopyOptions, LimitExceeded, OnConflict, Rejection};
use super::plan::same_value;
use crate::config::{KvBackendConfig, KvMountConfig};
use crate::store::kv_mount::KvMount;
use crate::store::{Backend, Expiry, StoredValue, js_json};

/// Keys per kv copy page (the unit of the journal's cursor): large enough that a Redis
/// destination gets several pipelines in flight per page, small enough to keep memory to a
/// few MB.
pub const KV_COPY_PAGE: usize = 5_000;

/// Keys written (and counted) at once: a SQLite transaction, a run of Redis pipelines.
pub const KV_CHUNK: usize = 1_000;

/// Pages read ahead while the previous page is written (bounds memory to a few pages).
const READ_AHEAD: usize = 2;

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
        })
    }

    /// Decides and writes `items` chunk by chunk (items the resumed run recorded are
    /// skipped). Returns `false` when a cancel stopped it.
    pub(crate) async fn write(
        &mut self,
        dst: &KvMount,
        items: Vec<KvItem>,
        opts: &CopyOptions,
        run: &mut CopyRun,
    ) -> Result<bool, MigrateError> {
        let d = dst.store();
        // A JSON file is only durable once flushed: its keys are recorded after the flush.
        let flush = !opts.dry_run && d.info().backend == Backend::Json;
        let (mut unflushed, mut counts) = (Vec::new(), Counts::default());
        let items: Vec<KvItem> = items
            .into_iter()
            .filter(|i| !run.already_done(&i.name))
            .collect();
        let mut items = items.into_iter();
        let mut finished = true;
        loop {
            let chunk: Vec<KvItem> = items.by_ref().take(KV_CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            let Some((names, c)) = self.write_chunk(dst, chunk, opts, run).await? else {
                finished = false;
                break;
            };
            if flush {
                unflushed.extend(names);
                counts.add(c);
            } else {
                run.record(names, c)?;
            }
        }
        if !unflushed.is_empty() {
            d.flush().await?;
            run.record(unflushed, counts)?;
        }
        Ok(finished)
    }

    /// Decides and writes one chunk, then counts it; `None` when a cancel came first
    /// (nothing of the chunk is counted). Returns the chunk's names and counts.
    async fn write_chunk(
        &mut self,
        dst: &KvMount,
        chunk: Vec<KvItem>,
        opts: &CopyOptions,
        run: &mut CopyRun,
    ) -> Result<Option<(Vec<String>, Counts)>, MigrateError> {
        let d = dst.store();
        let dv = if self.fresh {
            vec![None; chunk.len()]
        } else {
            let keys: Vec<String> = chunk.iter().map(|i| i.key.clone()).collect();
            match run.or_cancel(d.get_many(&keys)).await {
                Some(values) => values?,
                None => return Ok(None),
            }
        };
        let mut outcomes: Vec<(String, FileOutcome)> = Vec::with_capacity(chunk.len());
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
            let reject = |name: &String, reason| {
                let r = Rejection {
                    name: name.clone(),
                    reason,
                };
                (name.clone(), FileOutcome::Rejected(r))
            };
            let a = match value {
                Ok(a) => a,
                Err(reason) => {
                    outcomes.push(reject(&name, reason));
                    continue;
                }
            };
            let is_new = match &b {
                None => true,
                Some(b) if same_value(&a.text, &b.text) => {
                    outcomes.push((name, FileOutcome::Same));
                    continue;
                }
                Some(_) if opts.on_conflict != OnConflict::Overwrite => {
                    outcomes.push((name, FileOutcome::Conflict));
                    continue;
                }
                Some(_) => false,
            };
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
                            "the store would be {} bytes, over the destination's maxStoreSize of {}",
                            grown.total(),
                            size.max
                        ));
                    }
                    Some(grown)
                }
                _ => None,
            };
            if let Some(reason) = reason {
                outcomes.push(reject(&name, reason));
                continue;
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
            outcomes.push((name, FileOutcome::Copied(a.text.len() as u64)));
            match a.ttl {
                Some(ttl) if opts.preserve_ttl => timed.push((key, a.text, Expiry::After(ttl))),
                _ => plain.push((key, a.text)),
            }
        }
        if !run.back_up(&records).await? {
            return Ok(None);
        }
        if !opts.dry_run {
            let written = async {
                d.put_many(&plain, Expiry::MountDefault).await?;
                d.put_many_expiring(&timed).await
            };
            match run.finish_or_cancel(written, WRITE_GRACE).await {
                Some(r) => r?,
                None => return Ok(None),
            }
        }
        self.entries = entries;
        run.report.warnings.extend(warnings);
        let (mut names, mut counts) = (Vec::with_capacity(outcomes.len()), Counts::default());
        for (name, outcome) in outcomes {
            counts.add(run.count(outcome));
            names.push(name);
        }
        Ok(Some((names, counts)))
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
    let write = async move {
        let mut rx = rx;
        loop {
            let Some(Some(page)) = run.or_cancel(rx.recv()).await else {
                return Ok(());
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
            if !writer.write(dst, items, opts, run).await? {
                return Ok(());
            }
            if next.is_none() {
                writer.finish(run);
            }
            if run.page_done(&next)? {
                return Ok(());
            }
        }
    };
    let ((), written) = tokio::join!(reader, write);
    written
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
