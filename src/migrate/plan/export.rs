//! Planning a kv → fs export: one file per key, named by [`super::keypath::key_to_file`], holding the
//! value as pretty JSON.
//!
//! A file compares equal to its key when its content parses to the same JSON value. A value
//! that is not JSON, a name too long for a filesystem or content above the destination's
//! `maxFileSize` is reported with its key and not written. Files are written `concurrency` at
//! a time, a page of keys after the other, with the journal saved after each page.

use futures::StreamExt;

use super::document::read_all;
use super::{COMPARE_CONCURRENCY, PAGE, PlanItem, Sink, page_keys, same_value};
use crate::migrate::keypath::{file_to_key, key_to_file};
use crate::migrate::progress::Ticker;
use crate::migrate::{Change, Filter, FsMount, MigrateError};
use crate::store::kv_mount::KvMount;
use crate::store::{EntryKind, FsMountStore, StoreError};

/// How the destination file of a key compares with the source value.
pub(crate) async fn compare(
    d: &dyn FsMountStore,
    name: &str,
    text: &str,
) -> Result<(Change, u64), StoreError> {
    let Some(existing) = read_all(d, name).await? else {
        return Ok((Change::New, 0));
    };
    let size = existing.len() as u64;
    let same = std::str::from_utf8(&existing).is_ok_and(|t| same_value(t, text));
    Ok((if same { Change::Same } else { Change::Changed }, size))
}

pub(crate) async fn plan_export(
    src: &KvMount,
    dst: &FsMount,
    filter: &Filter,
    ticker: &mut Ticker,
    sink: &mut Sink<'_>,
) -> Result<(), MigrateError> {
    let (s, d) = (src.store(), dst.store.as_ref());
    ticker.state.total = s.count().await.ok();
    let mut cursor: Option<String> = None;
    loop {
        let page = s.scan(cursor.as_deref(), PAGE).await?;
        let keys = page_keys(page.keys, filter);
        let values = s.get_many(&keys).await?;
        let items: Vec<(String, String)> = keys
            .into_iter()
            .zip(values)
            .filter_map(|(k, v)| v.map(|v| (k, v.text)))
            .collect();
        let compared: Vec<Result<(String, u64, Change, u64), StoreError>> =
            futures::stream::iter(items)
                .map(|(key, text)| async move {
                    let (change, dst_bytes) = compare(d, &key_to_file(&key), &text).await?;
                    Ok((key, text.len() as u64, change, dst_bytes))
                })
                .buffered(COMPARE_CONCURRENCY)
                .collect()
                .await;
        for c in compared {
            let (name, src_bytes, change, dst_bytes) = c?;
            ticker.advance(1, src_bytes);
            sink(PlanItem {
                name,
                change,
                src_bytes,
                dst_bytes,
            });
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    // Files that are no key's export, or the export of a key the source does not have.
    let mut cursor: Option<String> = None;
    loop {
        let page = d.walk(cursor.as_deref(), PAGE).await?;
        let mut keyed = Vec::new();
        for e in page.entries {
            if e.kind != EntryKind::File {
                continue;
            }
            match file_to_key(&e.path) {
                Some(k) if filter.accepts(&k) => keyed.push((k, e.size)),
                Some(_) => {}
                None if filter.accepts(&e.path) => {
                    sink(PlanItem::only_in_destination(e.path, e.size))
                }
                None => {}
            }
        }
        let keys: Vec<String> = keyed.iter().map(|(k, _)| k.clone()).collect();
        let values = s.get_many(&keys).await?;
        for ((key, size), v) in keyed.into_iter().zip(values) {
            if v.is_none() {
                sink(PlanItem::only_in_destination(key, size));
            }
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    Ok(())
}
