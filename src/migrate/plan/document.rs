//! One JSON document as a migration side (`copy --as-document NAME`): a file of an fs mount
//! holding a single JSON object, written exactly as rill's JSON kv store writes its file
//! (`JSON.stringify(obj, null, 2)`, array-index keys first, no BOM, no trailing newline).
//!
//! A document is loaded into an in-memory kv store ([`materialize`]) so that plan, copy and
//! verify treat it as any kv mount; after a copy into it, [`write_document`] writes it back in
//! one piece (temp file + rename locally, one complete object in S3). Limits: the document is
//! held in memory (it is one file, as rill holds a JSON store); `__proto__` cannot be a key
//! of a rill JSON store and is left out with a warning; a copy into a document keeps no journal
//! (the write happens once, at the end).

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;

use crate::config::{KvBackendConfig, KvMountConfig, Mode};
use crate::migrate::{Endpoint, FsMount, MigrateError};
use crate::store::js_json::{self, Json, JsonObject};
use crate::store::kv_mount::KvMount;
use crate::store::memory::MemoryStore;
use crate::store::{
    ByteStream, EntryKind, ErrorKind, FileStore, FsMountStore, KvStore, StoreError,
};

/// The key rill's JSON store cannot keep.
use crate::store::json_file::PROTO_KEY;

/// The whole content of `path`, or `None` when it does not exist.
pub(crate) async fn read_all(
    store: &dyn FsMountStore,
    path: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    match FileStore::stat(store, path).await? {
        Some(m) if m.kind == EntryKind::File => {}
        _ => return Ok(None),
    }
    let mut stream = FileStore::read(store, path).await?;
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk?);
    }
    Ok(Some(out))
}

/// A stream of one in-memory buffer.
pub(crate) fn body(content: Vec<u8>) -> ByteStream {
    Box::pin(futures::stream::once(async move {
        Ok::<_, StoreError>(Bytes::from(content))
    }))
}

/// `e` itself, or for a document the kv mount (in memory) holding its entries.
pub async fn materialize(e: &Endpoint) -> Result<Endpoint, MigrateError> {
    let Endpoint::Document(fs, path) = e else {
        return Ok(e.clone());
    };
    let corrupt = |message: String| {
        MigrateError::Store(
            StoreError::new(ErrorKind::Corrupt, fs.store.info().location, message)
                .during("read document", path.clone()),
        )
    };
    let mut entries = Vec::new();
    if let Some(bytes) = read_all(fs.store.as_ref(), path).await? {
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| corrupt("the document is not UTF-8 text".into()))?;
        let parsed = js_json::parse(text).map_err(|e| corrupt(format!("not JSON: {e}")))?;
        let Json::Object(obj) = parsed.value else {
            return Err(corrupt("the document is not a JSON object".into()));
        };
        entries.extend(obj.into_iter().map(|(k, v)| (k, v.to_compact())));
    }
    let config = KvMountConfig {
        name: path.clone(),
        mode: Mode::new("read-write"),
        schema: None,
        max_entries: u64::MAX,
        max_value_size: u64::MAX,
        backend: KvBackendConfig::Memory,
    };
    let store: Arc<dyn KvStore> = Arc::new(MemoryStore::with_entries(entries));
    Ok(Endpoint::Kv(KvMount::new(config, store)))
}

/// Writes every entry of `kv` as the document `path` of `fs`. Returns the bytes written and
/// warnings (a `__proto__` key left out).
pub async fn write_document(
    fs: &FsMount,
    path: &str,
    kv: &dyn KvStore,
) -> Result<(u64, Vec<String>), MigrateError> {
    let mut obj = JsonObject::new();
    let mut warnings = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = kv.scan(cursor.as_deref(), super::PAGE).await?;
        let values = kv.get_many(&page.keys).await?;
        for (key, v) in page.keys.into_iter().zip(values) {
            let Some(v) = v else { continue };
            if key == PROTO_KEY {
                warnings.push(format!(
                    "`{PROTO_KEY}` left out: a rill JSON store cannot hold it"
                ));
                continue;
            }
            // Values were checked as JSON when copied into the in-memory store.
            if let Ok(p) = js_json::parse(&v.text) {
                obj.insert(key, p.value);
            }
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    let content = js_json::to_pretty(&Json::Object(obj)).into_bytes();
    let len = content.len() as u64;
    if len > fs.config.max_file_size {
        return Err(MigrateError::Store(
            StoreError::new(
                ErrorKind::Refused,
                fs.store.info().location,
                format!(
                    "the document is {len} bytes, over the destination's maxFileSize of {}",
                    fs.config.max_file_size
                ),
            )
            .during("write document", path),
        ));
    }
    FileStore::write(fs.store.as_ref(), path, body(content), Some(len)).await?;
    Ok((len, warnings))
}
