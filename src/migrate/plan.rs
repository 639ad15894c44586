//! The plan (`diff`, `copy --dry-run`): every source item compared with the destination.
//!
//! kv values are compared as JSON (key order and number spelling do not matter; text that is
//! not JSON is compared byte for byte); files by size, then by SHA-256 of their content. Items
//! only in the destination are listed too; a copy never deletes them.

use std::collections::HashSet;

use serde::Serialize;

use super::progress::{Phase, Ticker};
use super::{Change, Endpoint, Filter, MigrateError};
use crate::store::kv_mount::KvMount;
use crate::store::{EntryKind, FileStore, FsMountStore, js_json};

/// Keys or files per page read from a store.
pub const PAGE: usize = 1000;

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

/// Compares `src` with `dst`. Supported pairs: kv→kv and fs→fs.
pub async fn plan(
    src: &Endpoint,
    dst: &Endpoint,
    filter: &Filter,
    progress: Option<tokio::sync::watch::Sender<super::progress::Progress>>,
) -> Result<MigrationPlan, MigrateError> {
    let mut ticker = Ticker::new(progress, Phase::Planning);
    let plan = match (src, dst) {
        (Endpoint::Kv(s), Endpoint::Kv(d)) => plan_kv(s, d, filter, &mut ticker).await?,
        (Endpoint::Fs(s), Endpoint::Fs(d)) => {
            plan_fs(s.store.as_ref(), d.store.as_ref(), filter, &mut ticker).await?
        }
        _ => {
            return Err(MigrateError::Unsupported {
                src: kind(src),
                dst: kind(dst),
                reason: "diff compares two kv mounts or two fs mounts".into(),
            });
        }
    };
    ticker.phase(Phase::Done);
    Ok(plan)
}

pub(crate) fn kind(e: &Endpoint) -> &'static str {
    match e {
        Endpoint::Kv(_) => "a kv mount",
        Endpoint::Fs(_) => "an fs mount",
    }
}

async fn plan_kv(
    src: &KvMount,
    dst: &KvMount,
    filter: &Filter,
    ticker: &mut Ticker,
) -> Result<MigrationPlan, MigrateError> {
    let (s, d) = (src.store(), dst.store());
    ticker.state.total = s.count().await.ok();
    let mut plan = MigrationPlan::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = s.scan(cursor.as_deref(), PAGE).await?;
        let keys: Vec<String> = page
            .keys
            .into_iter()
            .filter(|k| filter.accepts(k) && seen.insert(k.clone()))
            .collect();
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
            plan.push(PlanItem {
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
    // Destination-only keys.
    let mut cursor: Option<String> = None;
    let mut dst_seen: HashSet<String> = HashSet::new();
    loop {
        let page = d.scan(cursor.as_deref(), PAGE).await?;
        let only: Vec<String> = page
            .keys
            .into_iter()
            .filter(|k| filter.accepts(k) && !seen.contains(k) && dst_seen.insert(k.clone()))
            .collect();
        let values = d.get_many(&only).await?;
        for (key, v) in only.into_iter().zip(values) {
            if let Some(v) = v {
                plan.push(PlanItem {
                    name: key,
                    change: Change::OnlyInDestination,
                    src_bytes: 0,
                    dst_bytes: v.text.len() as u64,
                });
            }
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    Ok(plan)
}

/// Compares one source file with the destination: size first, then content hash.
pub(crate) async fn compare_file(
    src: &dyn FsMountStore,
    dst: &dyn FsMountStore,
    path: &str,
    src_size: u64,
) -> Result<(Change, u64), MigrateError> {
    let Some(meta) = FileStore::stat(dst, path).await? else {
        return Ok((Change::New, 0));
    };
    if meta.kind == EntryKind::Directory {
        return Ok((Change::Changed, 0));
    }
    if meta.size != src_size {
        return Ok((Change::Changed, meta.size));
    }
    let (a, b) = tokio::try_join!(src.hash(path), dst.hash(path))?;
    Ok((
        if a == b {
            Change::Same
        } else {
            Change::Changed
        },
        meta.size,
    ))
}

async fn plan_fs(
    src: &dyn FsMountStore,
    dst: &dyn FsMountStore,
    filter: &Filter,
    ticker: &mut Ticker,
) -> Result<MigrationPlan, MigrateError> {
    let mut plan = MigrationPlan::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = src.walk(cursor.as_deref(), PAGE).await?;
        for e in page.entries {
            if e.kind != EntryKind::File || !filter.accepts(&e.path) || !seen.insert(e.path.clone())
            {
                continue;
            }
            let (change, dst_bytes) = compare_file(src, dst, &e.path, e.size).await?;
            ticker.advance(1, e.size);
            plan.push(PlanItem {
                name: e.path,
                change,
                src_bytes: e.size,
                dst_bytes,
            });
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    let mut cursor: Option<String> = None;
    loop {
        let page = dst.walk(cursor.as_deref(), PAGE).await?;
        for e in page.entries {
            if e.kind == EntryKind::File && filter.accepts(&e.path) && !seen.contains(&e.path) {
                plan.push(PlanItem {
                    name: e.path,
                    change: Change::OnlyInDestination,
                    src_bytes: 0,
                    dst_bytes: e.size,
                });
            }
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    Ok(plan)
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
