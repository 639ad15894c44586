//! Applying a kv → fs export: one file per key, named by [`super::keypath::key_to_file`], holding the
//! value as pretty JSON.
//!
//! A file compares equal to its key when its content parses to the same JSON value. A value
//! that is not JSON, a name too long for a filesystem or content above the destination's
//! `maxFileSize` is reported with its key and not written. Files are written `concurrency` at
//! a time, a page of keys after the other, with the journal saved after each page.

use futures::StreamExt;

use super::CopyOptions;
use super::backup::{Backup, Record};
use super::batch::{CopyRun, FileOutcome, run_files};
use super::report::Rejection;
use crate::migrate::keypath::{MAX_NAME_BYTES, key_to_file, value_file};
use crate::migrate::plan::document::body;
use crate::migrate::plan::export::compare;
use crate::migrate::plan::{COMPARE_CONCURRENCY, PAGE, page_keys};
use crate::migrate::{Change, FsMount, MigrateError};
use crate::store::kv_mount::KvMount;
use crate::store::{FileStore, FsMountStore};

/// Writes one key's file (or decides not to).
async fn export_one(
    d: &dyn FsMountStore,
    backup: Option<&Backup>,
    max_size: u64,
    opts: &CopyOptions,
    key: String,
    text: String,
) -> Result<(FileOutcome, Option<String>), MigrateError> {
    let reject = |name: String, reason: String| {
        Ok((FileOutcome::Rejected(Rejection { name, reason }), None))
    };
    let name = key_to_file(&key);
    if name.len() > MAX_NAME_BYTES {
        return reject(
            key,
            format!(
                "its file name would be {} bytes, over the {MAX_NAME_BYTES} a filesystem allows",
                name.len()
            ),
        );
    }
    let (content, lossy) = match value_file(&text) {
        Ok(c) => c,
        Err(reason) => return reject(key, reason),
    };
    let len = content.len() as u64;
    if len > max_size {
        return reject(
            key,
            format!("its file is {len} bytes, over the destination's maxFileSize of {max_size}"),
        );
    }
    let change = compare(d, &name, &text).await?.0;
    if let Some(kept) = FileOutcome::unwritten(change, opts.on_conflict) {
        return Ok((kept, None));
    }
    if !opts.dry_run {
        if let Some(b) = backup.filter(|_| change == Change::Changed) {
            b.save_file(d, &name).await?;
        }
        FileStore::write(d, &name, body(content.into_bytes()), Some(len)).await?;
    }
    let warning = lossy
        .then(|| format!("`{key}`: a lone surrogate escape becomes U+FFFD in the exported file"));
    Ok((FileOutcome::Copied(len), warning))
}

pub(crate) async fn copy_export(
    src: &KvMount,
    dst: &FsMount,
    opts: &CopyOptions,
    run: &mut CopyRun,
) -> Result<(), MigrateError> {
    let (s, d) = (src.store(), dst.store.as_ref());
    run.ticker.state.total = s.count().await.ok();
    let max_size = dst.config.max_file_size;
    let mut cursor = run.start_cursor();
    loop {
        let Some(page) = run.or_cancel(s.scan(cursor.as_deref(), PAGE)).await else {
            return Ok(());
        };
        let page = page?;
        let keys: Vec<String> = page_keys(page.keys, &opts.filter)
            .into_iter()
            .filter(|k| !run.already_done(k))
            .collect();
        let Some(values) = run.or_cancel(s.get_many(&keys)).await else {
            return Ok(());
        };
        // `--backup-dir`: the files the destination does not have are recorded as created
        // before any of them is written.
        let backup = run.backup.clone();
        if backup.is_some() {
            let names: Vec<String> = keys.iter().map(|k| key_to_file(k)).collect();
            let absent = futures::stream::iter(names)
                .map(|name| async move {
                    FileStore::stat(d, &name)
                        .await
                        .map(|m| m.is_none().then_some(name))
                })
                .buffered(COMPARE_CONCURRENCY)
                .collect::<Vec<_>>()
                .await;
            let mut created = Vec::new();
            for a in absent {
                if let Some(name) = a? {
                    created.push(Record::created(&name));
                }
            }
            if !run.back_up(&created).await? {
                return Ok(());
            }
        }
        let backup = backup.as_deref();
        let transfers = keys
            .into_iter()
            .zip(values?)
            .filter_map(|(k, v)| v.map(|v| (k, v.text)))
            .map(|(key, text)| async move {
                (
                    key.clone(),
                    export_one(d, backup, max_size, opts, key, text).await,
                )
            });
        if !run_files(run, transfers, opts.concurrency).await? || run.page_done(&page.next)? {
            return Ok(());
        }
        cursor = page.next;
    }
}
