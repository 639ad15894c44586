//! Mirror mode (`copy --delete-extra`, as rclone's `sync`): once the copy itself has
//! succeeded, the destination-only items (the ones the filter and shard take part in) are
//! deleted, each saved first when there is a `--backup-dir`. Never by default; refused as a
//! whole when there are more than `max_delete` of them (rclone's `--max-delete`, 1000 by
//! default), which the preflight reports as a limit before anything is written.
//!
//! Destination-only items are found by listing, not by remembering the source: kv keys of the
//! destination are looked up in the source a page at a time, files by walking both mounts in
//! step (`counterparts.rs`), so memory stays bounded by a page plus the names to delete.

use super::backup::Record;
use super::batch::CopyRun;
use crate::migrate::plan::counterparts::{Counterparts, InOrder};
use crate::migrate::plan::{PAGE, page_keys};
use crate::migrate::{Endpoint, Filter, FsMount, MigrateError};
use crate::store::kv_mount::KvMount;
use crate::store::{EntryKind, FileStore};

/// The default of `--max-delete`: above it a mirror deletes nothing.
pub const DEFAULT_MAX_DELETE: u64 = 1000;

/// Whether `--delete-extra` can mirror `src` into `dst` (kv → kv, fs → fs).
pub(crate) fn check(src: &Endpoint, dst: &Endpoint) -> Result<(), MigrateError> {
    match (src, dst) {
        (Endpoint::Kv(_), Endpoint::Kv(_)) | (Endpoint::Fs(_), Endpoint::Fs(_)) => Ok(()),
        _ => Err(MigrateError::Unsupported {
            src: "this source",
            dst: "this destination",
            reason: "--delete-extra mirrors kv → kv and fs → fs copies".into(),
        }),
    }
}

/// The names of the destination-only items of `src` → `dst`.
pub(crate) async fn extras(
    src: &Endpoint,
    dst: &Endpoint,
    filter: &Filter,
) -> Result<Vec<String>, MigrateError> {
    match (src, dst) {
        (Endpoint::Kv(s), Endpoint::Kv(d)) => kv_extras(s, d, filter).await,
        (Endpoint::Fs(s), Endpoint::Fs(d)) => fs_extras(s, d, filter).await,
        _ => check(src, dst).map(|()| Vec::new()),
    }
}

async fn kv_extras(
    src: &KvMount,
    dst: &KvMount,
    filter: &Filter,
) -> Result<Vec<String>, MigrateError> {
    let (s, d) = (src.store(), dst.store());
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = d.scan(cursor.as_deref(), PAGE).await?;
        let keys = page_keys(page.keys, filter);
        let there = s.get_many(&keys).await?;
        out.extend(
            keys.into_iter()
                .zip(there)
                .filter(|(_, v)| v.is_none())
                .map(|(k, _)| k),
        );
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

async fn fs_extras(
    src: &FsMount,
    dst: &FsMount,
    filter: &Filter,
) -> Result<Vec<String>, MigrateError> {
    let (s, d) = (src.store.as_ref(), dst.store.as_ref());
    // the source's walk beside the destination's: each destination page meets the source
    // entries up to its last path
    let mut theirs = Counterparts::new(s);
    let mut order = InOrder::default();
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = d.walk(cursor.as_deref(), PAGE).await?;
        let last = order.page(d, &page.entries)?;
        let mut window = match (&page.next, &last) {
            (None, _) => theirs.up_to(None).await?,
            (Some(_), l) => theirs.up_to(l.as_deref()).await?,
        };
        for e in page.entries {
            if e.kind == EntryKind::File
                && filter.accepts(&e.path)
                && window
                    .take(&e.path)
                    .is_none_or(|m| m.kind != EntryKind::File)
            {
                out.push(e.path);
            }
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    Ok(out)
}

/// Deletes `names` from `dst` (saving each into the run's backup first). Returns how many
/// were there to delete; stops between two pages on a cancel.
pub(crate) async fn delete(
    dst: &Endpoint,
    names: &[String],
    run: &mut CopyRun,
) -> Result<u64, MigrateError> {
    let mut deleted = 0;
    for chunk in names.chunks(PAGE) {
        if run.or_cancel(std::future::ready(())).await.is_none() {
            break;
        }
        let backup = run.backup.clone();
        match dst {
            Endpoint::Kv(d) => {
                let d = d.store();
                if let Some(b) = &backup {
                    let values = d.get_many(chunk).await?;
                    let records: Vec<Record> = chunk
                        .iter()
                        .zip(values)
                        .filter_map(|(k, v)| v.map(|v| Record::saved(k, &v)))
                        .collect();
                    b.write(&records).await?;
                }
                for k in chunk {
                    if d.delete(k).await? {
                        deleted += 1;
                    }
                }
                d.flush().await?;
            }
            Endpoint::Fs(d) => {
                let d = d.store.as_ref();
                for path in chunk {
                    if let Some(b) = &backup {
                        b.save_file(d, path).await?;
                    }
                    if FileStore::delete(d, path).await? {
                        deleted += 1;
                    }
                }
            }
            Endpoint::Document(..) => {}
        }
    }
    Ok(deleted)
}
