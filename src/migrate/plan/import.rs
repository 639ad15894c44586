//! Planning an fs → kv import: one key per file, the inverse of the export (`keypath.rs`).
//!
//! - The key is the decoded name for a file the export wrote (`user%3A7.json` → `user:7`),
//!   else the file's path (`notes/a.txt`). A plain file whose name is also the export of its
//!   own path (`a` next to `a.json`) would land on the same key: it is reported, not written.
//! - The value is the content when it is JSON (stored compact), else the text as a JSON string.
//!   Binary content (invalid UTF-8) is reported with its path and not written.
//! - Destination schema and limits are checked as for any kv copy; empty folders are reported
//!   as not kept (kv has no folders).

use futures::StreamExt;

use super::document::read_all;
use super::{COMPARE_CONCURRENCY, PAGE, PlanItem, Sink, same_value};
use crate::migrate::keypath::{file_to_key, file_value, import_key, key_to_file};
use crate::migrate::progress::Ticker;
use crate::migrate::{Change, Filter, FsMount, MigrateError};
use crate::store::kv_mount::KvMount;
use crate::store::{EntryKind, FileMeta, FileStore, FsMountStore};

/// Files larger than this many times the destination's `maxValueSize` are refused unread.
const READ_FACTOR: u64 = 8;

/// One file read for import: its key, and its value or why it cannot be one.
pub(crate) struct Read {
    pub path: String,
    pub key: String,
    pub size: u64,
    pub value: Result<(String, bool), String>,
}

pub(crate) async fn read_file(
    s: &dyn FsMountStore,
    e: FileMeta,
    max_value_size: u64,
) -> Result<Read, MigrateError> {
    let key = import_key(&e.path);
    let mut read = Read {
        key,
        size: e.size,
        value: Err(String::new()),
        path: e.path,
    };
    if read.key == read.path && !read.path.contains('/') {
        let twin = key_to_file(&read.key);
        if FileStore::stat(s, &twin)
            .await?
            .is_some_and(|m| m.kind == EntryKind::File)
        {
            read.value = Err(format!("`{twin}` is imported as the same key"));
            return Ok(read);
        }
    }
    if e.size > max_value_size.saturating_mul(READ_FACTOR) {
        read.value = Err(format!(
            "file is {} bytes, far over the destination's maxValueSize of {max_value_size}",
            e.size
        ));
        return Ok(read);
    }
    let bytes = read_all(s, &read.path).await?.unwrap_or_default();
    read.value = file_value(&bytes);
    Ok(read)
}

/// Reads the accepted files of one walk page, `concurrency` at a time, in page order.
async fn read_page(
    s: &dyn FsMountStore,
    entries: Vec<FileMeta>,
    filter: &Filter,
    max_value_size: u64,
    concurrency: usize,
) -> Result<Vec<Read>, MigrateError> {
    let files = entries
        .into_iter()
        .filter(|e| e.kind == EntryKind::File && filter.accepts(&e.path));
    let reads: Vec<Result<Read, MigrateError>> = futures::stream::iter(files)
        .map(|e| read_file(s, e, max_value_size))
        .buffered(concurrency.max(1))
        .collect()
        .await;
    reads.into_iter().collect()
}

pub(crate) async fn plan_import(
    src: &FsMount,
    dst: &KvMount,
    filter: &Filter,
    ticker: &mut Ticker,
    sink: &mut Sink<'_>,
) -> Result<(), MigrateError> {
    let (s, d) = (src.store.as_ref(), dst.store());
    let max = dst.config().max_value_size;
    let mut cursor: Option<String> = None;
    loop {
        let page = s.walk(cursor.as_deref(), PAGE).await?;
        let reads = read_page(s, page.entries, filter, max, COMPARE_CONCURRENCY).await?;
        let keys: Vec<String> = reads.iter().map(|r| r.key.clone()).collect();
        let dv = d.get_many(&keys).await?;
        for (r, b) in reads.into_iter().zip(dv) {
            let change = match (&r.value, &b) {
                (_, None) => Change::New,
                (Ok((text, _)), Some(b)) if same_value(text, &b.text) => Change::Same,
                _ => Change::Changed,
            };
            ticker.advance(1, r.size);
            sink(PlanItem {
                name: r.path,
                change,
                src_bytes: r.size,
                dst_bytes: b.map_or(0, |b| b.text.len() as u64),
            });
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    // Keys no source file imports as.
    let mut cursor: Option<String> = None;
    loop {
        let page = d.scan(cursor.as_deref(), PAGE).await?;
        let keys: Vec<String> = page
            .keys
            .into_iter()
            .filter(|k| filter.accepts(k))
            .collect();
        let found: Vec<Result<(String, bool), MigrateError>> = futures::stream::iter(keys)
            .map(|key| async move {
                let exported = key_to_file(&key);
                let mut in_src = is_file(s, &exported).await?;
                if !in_src && !key.is_empty() && file_to_key(&key).is_none() {
                    in_src = is_file(s, &key).await? && import_key(&key) == key;
                }
                Ok((key, in_src))
            })
            .buffered(COMPARE_CONCURRENCY)
            .collect()
            .await;
        let only: Vec<String> = found
            .into_iter()
            .filter_map(|f| match f {
                Ok((k, false)) => Some(Ok(k)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<_, _>>()?;
        let values = d.get_many(&only).await?;
        for (key, v) in only.into_iter().zip(values) {
            if let Some(v) = v {
                sink(PlanItem::only_in_destination(key, v.text.len() as u64));
            }
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    Ok(())
}

async fn is_file(s: &dyn FsMountStore, path: &str) -> Result<bool, MigrateError> {
    Ok(FileStore::stat(s, path)
        .await?
        .is_some_and(|m| m.kind == EntryKind::File))
}
