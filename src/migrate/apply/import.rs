//! Applying an fs → kv import: one key per file, the inverse of the export (`keypath.rs`).
//!
//! - The key is the decoded name for a file the export wrote (`user%3A7.json` → `user:7`),
//!   else the file's path (`notes/a.txt`). A plain file whose name is also the export of its
//!   own path (`a` next to `a.json`) would land on the same key: it is reported, not written.
//! - The value is the content when it is JSON (stored compact), else the text as a JSON string.
//!   Binary content (invalid UTF-8) is reported with its path and not written.
//! - Destination schema and limits are checked as for any kv copy; empty folders are reported
//!   as not kept (kv has no folders).

use futures::StreamExt;

use super::CopyOptions;
use super::batch::CopyRun;
use super::kv_write::{KV_CHUNK, KvItem, KvWriter};
use crate::migrate::plan::PAGE;
use crate::migrate::plan::import::read_file;
use crate::migrate::{FsMount, MigrateError};
use crate::store::kv_mount::KvMount;
use crate::store::{EntryKind, StoredValue};

pub(crate) async fn copy_import(
    src: &FsMount,
    dst: &KvMount,
    opts: &CopyOptions,
    run: &mut CopyRun,
) -> Result<(), MigrateError> {
    let s = src.store.as_ref();
    let max = dst.config().max_value_size;
    let mut writer = KvWriter::new(dst, false, run.report.resumed).await?;
    let mut cursor = run.start_cursor();
    loop {
        let Some(page) = run.or_cancel(s.walk(cursor.as_deref(), PAGE)).await else {
            return Ok(());
        };
        let page = page?;
        let mut files = Vec::new();
        for e in page.entries {
            if !opts.filter.accepts(&e.path) {
                continue;
            }
            match e.kind {
                EntryKind::Directory => run.report.warnings.push(format!(
                    "empty folder `{}` is not kept: a kv mount has no folders",
                    e.path
                )),
                EntryKind::File if !run.already_done(&e.path) => files.push(e),
                _ => {}
            }
        }
        // Files are read `concurrency` at a time and written a chunk at a time: the first
        // keys land (and count) while the rest of the page is still being read.
        let mut chunks = futures::stream::iter(files)
            .map(|e| read_file(s, e, max))
            .buffered(opts.concurrency.max(1))
            .chunks(KV_CHUNK);
        loop {
            let Some(chunk) = run.or_cancel(chunks.next()).await else {
                return Ok(());
            };
            let Some(chunk) = chunk else { break };
            let mut items = Vec::with_capacity(chunk.len());
            for r in chunk {
                let r = r?;
                let value = match r.value {
                    Ok((text, lossy)) => {
                        if lossy {
                            run.report.warnings.push(format!(
                                "`{}`: a lone surrogate escape becomes U+FFFD",
                                r.path
                            ));
                        }
                        Ok(StoredValue { text, ttl: None })
                    }
                    Err(reason) => Err(reason),
                };
                items.push(KvItem {
                    name: r.path,
                    key: r.key,
                    value,
                });
            }
            if !writer.write(dst, items, opts, run).await? {
                return Ok(());
            }
        }
        if page.next.is_none() {
            writer.finish(run);
        }
        if run.page_done(&page.next)? {
            return Ok(());
        }
        cursor = page.next;
    }
}
