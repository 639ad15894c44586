//! The plan (`diff`, `copy --dry-run`): every source item compared with the destination.
//!
//! kv values are compared as JSON (key order and number spelling do not matter; text that is
//! not JSON is compared byte for byte); files by size, then by content (`same_file.rs`: ETags
//! and MD5s where they decide, SHA-256 otherwise). Items only in the destination are listed
//! too; a copy deletes them only in mirror mode. Destination-only keys are found by looking each
//! destination key up in the source, never by remembering the source's keys; files by merging
//! the two walks (`counterparts.rs`). Memory stays bounded by a page (the collected plan
//! itself aside).

use std::collections::HashSet;

use serde::Serialize;

use futures::StreamExt;

pub(crate) mod counterparts;
pub mod document;
pub(crate) mod export;
pub(crate) mod import;
mod same_file;
pub mod saved_plan;

use counterparts::{Counterparts, InOrder, Window};
use same_file::same_content;

use super::names::unsafe_name;
use super::progress::{Phase, Ticker};
use super::{Change, Endpoint, Filter, MigrateError};
use crate::store::kv_mount::KvMount;
use crate::store::{EntryKind, FileMeta, FileStore, FsMountStore, js_json};

/// Keys or files per page read from a store.
pub const PAGE: usize = 1000;

/// Files compared (stat, hash) at once while planning.
pub(crate) const COMPARE_CONCURRENCY: usize = 16;

/// One compared key or file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanItem {
    pub name: String,
    pub change: Change,
    /// Size in the source (stored JSON text or file bytes); 0 when only in the destination.
    pub src_bytes: u64,
    /// Size in the destination; 0 when absent.
    pub dst_bytes: u64,
}

impl PlanItem {
    /// An item only the destination holds, `dst_bytes` long there.
    pub fn only_in_destination(name: String, dst_bytes: u64) -> PlanItem {
        PlanItem {
            name,
            change: Change::OnlyInDestination,
            src_bytes: 0,
            dst_bytes,
        }
    }
}

/// Count and bytes of one kind of change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    pub count: u64,
    pub bytes: u64,
}

/// Totals per change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Totals {
    pub new: Tally,
    pub changed: Tally,
    pub same: Tally,
    pub only_in_destination: Tally,
}

impl Totals {
    pub fn add(&mut self, item: &PlanItem) {
        let (t, bytes) = match item.change {
            Change::New => (&mut self.new, item.src_bytes),
            Change::Changed => (&mut self.changed, item.src_bytes),
            Change::Same => (&mut self.same, item.src_bytes),
            Change::OnlyInDestination => (&mut self.only_in_destination, item.dst_bytes),
        };
        t.count += 1;
        t.bytes += bytes;
    }
}

/// The whole comparison.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MigrationPlan {
    pub items: Vec<PlanItem>,
    pub totals: Totals,
}

impl MigrationPlan {
    fn push(&mut self, item: PlanItem) {
        self.totals.add(&item);
        self.items.push(item);
    }

    /// The error of `--on-conflict fail` for the plan's changed items (the first five named).
    pub(crate) fn conflicts(&self) -> MigrateError {
        let changed: Vec<&str> = self
            .items
            .iter()
            .filter(|i| i.change == Change::Changed)
            .map(|i| i.name.as_str())
            .collect();
        let mut sample = changed
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if changed.len() > 5 {
            sample.push_str(", …");
        }
        MigrateError::Conflicts {
            count: changed.len(),
            sample,
        }
    }
}

/// Whether two stored kv texts hold the same JSON value.
pub fn same_value(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (js_json::parse(a), js_json::parse(b)) {
        (Ok(x), Ok(y)) => x.value == y.value,
        _ => false,
    }
}

/// Where plan items go: collected by [`plan`], folded into a report by `verify` (so that a
/// verify keeps only its mismatches, not every item).
pub(crate) type Sink<'a> = dyn FnMut(PlanItem) + Send + 'a;

/// Compares `src` with `dst`: kv→kv, fs→fs, kv→fs (export), fs→kv (import), and a JSON
/// document on either side.
pub async fn plan(
    src: &Endpoint,
    dst: &Endpoint,
    filter: &Filter,
    progress: Option<tokio::sync::watch::Sender<super::progress::Progress>>,
) -> Result<MigrationPlan, MigrateError> {
    let mut plan = MigrationPlan::default();
    plan_into(src, dst, filter, progress, &mut |i| plan.push(i)).await?;
    Ok(plan)
}

/// [`plan`], handing every item to `sink` instead of keeping them.
pub(crate) async fn plan_into(
    src: &Endpoint,
    dst: &Endpoint,
    filter: &Filter,
    progress: Option<tokio::sync::watch::Sender<super::progress::Progress>>,
    sink: &mut Sink<'_>,
) -> Result<(), MigrateError> {
    let mut ticker = Ticker::new(progress, Phase::Planning);
    let (src, dst) = (
        document::materialize(src).await?,
        document::materialize(dst).await?,
    );
    match (&src, &dst) {
        (Endpoint::Kv(s), Endpoint::Kv(d)) => plan_kv(s, d, filter, &mut ticker, sink).await?,
        (Endpoint::Fs(s), Endpoint::Fs(d)) => {
            plan_fs(
                s.store.as_ref(),
                d.store.as_ref(),
                filter,
                &mut ticker,
                sink,
            )
            .await?
        }
        (Endpoint::Kv(s), Endpoint::Fs(d)) => {
            export::plan_export(s, d, filter, &mut ticker, sink).await?
        }
        (Endpoint::Fs(s), Endpoint::Kv(d)) => {
            import::plan_import(s, d, filter, &mut ticker, sink).await?
        }
        _ => unreachable_document()?,
    }
    ticker.phase(Phase::Done);
    Ok(())
}

/// `materialize` replaces documents by kv mounts; reaching a document here is a bug.
pub(crate) fn unreachable_document() -> Result<(), MigrateError> {
    Err(MigrateError::Unsupported {
        src: "a document",
        dst: "a document",
        reason: "a JSON document was not loaded".into(),
    })
}

/// `keys` without the ones `filter` refuses and without repeats within the page (a Redis
/// SCAN may return a key twice; repeats across pages are harmless: writes are idempotent).
pub(crate) fn page_keys(keys: Vec<String>, filter: &Filter) -> Vec<String> {
    let mut seen = HashSet::with_capacity(keys.len());
    keys.into_iter()
        .filter(|k| filter.accepts(k) && seen.insert(k.clone()))
        .collect()
}

async fn plan_kv(
    src: &KvMount,
    dst: &KvMount,
    filter: &Filter,
    ticker: &mut Ticker,
    sink: &mut Sink<'_>,
) -> Result<(), MigrateError> {
    let (s, d) = (src.store(), dst.store());
    ticker.state.total = s.count().await.ok();
    let mut cursor: Option<String> = None;
    loop {
        let page = s.scan(cursor.as_deref(), PAGE).await?;
        let keys = page_keys(page.keys, filter);
        let (sv, dv) = (s.get_many(&keys).await?, d.get_many(&keys).await?);
        for ((key, a), b) in keys.into_iter().zip(sv).zip(dv) {
            // A key that vanished between scan and read (expiry) is not part of the plan.
            let Some(a) = a else { continue };
            let change = match &b {
                None => Change::New,
                Some(b) if same_value(&a.text, &b.text) => Change::Same,
                Some(_) => Change::Changed,
            };
            ticker.advance(1, a.text.len() as u64);
            sink(PlanItem {
                name: key,
                change,
                src_bytes: a.text.len() as u64,
                dst_bytes: b.map_or(0, |b| b.text.len() as u64),
            });
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    // Destination-only keys: looked up in the source rather than remembered, so memory does
    // not grow with the number of keys.
    let mut cursor: Option<String> = None;
    loop {
        let page = d.scan(cursor.as_deref(), PAGE).await?;
        let keys = page_keys(page.keys, filter);
        let (sv, dv) = (s.get_many(&keys).await?, d.get_many(&keys).await?);
        for ((key, a), b) in keys.into_iter().zip(sv).zip(dv) {
            if let (None, Some(b)) = (a, b) {
                sink(PlanItem::only_in_destination(key, b.text.len() as u64));
            }
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    Ok(())
}

/// Compares the source file `s` with its counterpart `d` (from the destination's walk, `None`
/// when it has none): size first, then content ([`same_content`]).
pub(crate) async fn compare_file(
    src: &dyn FsMountStore,
    dst: &dyn FsMountStore,
    s: &FileMeta,
    d: Option<&FileMeta>,
) -> Result<(Change, u64), MigrateError> {
    let Some(d) = d else {
        // A walk names a folder only when it is empty: a folder where the file would go
        // is a conflict (one local stat; stores without folders have none).
        if FileStore::info(dst).capability.directories
            && FileStore::stat(dst, &s.path)
                .await?
                .is_some_and(|m| m.kind == EntryKind::Directory)
        {
            return Ok((Change::Changed, 0));
        }
        return Ok((Change::New, 0));
    };
    if d.kind == EntryKind::Directory {
        return Ok((Change::Changed, 0));
    }
    if d.size != s.size {
        return Ok((Change::Changed, d.size));
    }
    let same = same_content((src, s), (dst, d)).await?;
    Ok((if same { Change::Same } else { Change::Changed }, d.size))
}

/// fs → fs: both walks merged in path order ([`Counterparts`]), one listing page of the
/// destination per page of the source, so planning runs at listing speed.
async fn plan_fs(
    src: &dyn FsMountStore,
    dst: &dyn FsMountStore,
    filter: &Filter,
    ticker: &mut Ticker,
    sink: &mut Sink<'_>,
) -> Result<(), MigrateError> {
    let mut theirs = Counterparts::new(dst);
    let mut order = InOrder::default();
    let folders = FileStore::info(dst).capability.directories;
    let mut cursor: Option<String> = None;
    loop {
        let page = src.walk(cursor.as_deref(), PAGE).await?;
        let last = order.page(src, &page.entries)?;
        let mut window = match (&page.next, &last) {
            // The last page: whatever the destination holds after it has no counterpart.
            (None, _) => theirs.up_to(None).await?,
            (Some(_), Some(l)) => theirs.up_to(Some(l)).await?,
            (Some(_), None) => Window::default(),
        };
        let files: Vec<(FileMeta, Option<FileMeta>)> = page
            .entries
            .into_iter()
            .filter(|e| e.kind == EntryKind::File && filter.accepts(&e.path))
            .map(|e| {
                let d = window.take(&e.path);
                (e, d)
            })
            .collect();
        let compared: Vec<Result<(FileMeta, Change, u64), MigrateError>> =
            futures::stream::iter(files)
                .map(|(e, d)| async move {
                    // a name the destination must not get is new there (the preflight
                    // refuses it); it is never looked up
                    if unsafe_name(&e.path, folders).is_some() {
                        return Ok((e, Change::New, 0));
                    }
                    let (change, dst_bytes) = compare_file(src, dst, &e, d.as_ref()).await?;
                    Ok((e, change, dst_bytes))
                })
                .buffered(COMPARE_CONCURRENCY)
                .collect()
                .await;
        for c in compared {
            let (e, change, dst_bytes) = c?;
            ticker.advance(1, e.size);
            sink(PlanItem {
                name: e.path,
                change,
                src_bytes: e.size,
                dst_bytes,
            });
        }
        for d in window.unmatched_files() {
            if filter.accepts(&d.path) {
                sink(PlanItem::only_in_destination(d.path, d.size));
            }
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_compare_as_json() {
        assert!(same_value(r#"{"a":1,"b":2}"#, r#"{"b":2,"a":1}"#));
        assert!(same_value("1", "1.0"));
        assert!(!same_value(r#""42""#, "42"));
        assert!(!same_value("not json", "not  json"));
        assert!(same_value("not json", "not json"));
    }
}
