//! Opening a profile's mounts: picks the backend from the mount's config.
//!
//! Every backend's constructor is called from here and nowhere else.

use std::sync::Arc;

use super::json_file::JsonFileStore;
use super::kv_mount::KvMount;
use super::local_dir::LocalDirStore;
use super::memory::MemoryStore;
use super::redis::RedisStore;
use super::sqlite::SqliteStore;
use super::{ErrorKind, FsMountStore, KvStore, StoreError, js_json};
use crate::config::{FsBackendConfig, FsMountConfig, KvBackendConfig, KvMountConfig};

/// Opens one kv mount (connects for Redis, opens the database for SQLite; the JSON file is read
/// lazily on first use, as rill does).
pub async fn open_kv(cfg: &KvMountConfig) -> Result<KvMount, StoreError> {
    let store: Arc<dyn KvStore> = match &cfg.backend {
        KvBackendConfig::Memory => {
            // Core kv semantics: declared mounts start with every schema default.
            let defaults = cfg
                .schema
                .iter()
                .flatten()
                .map(|(k, e)| (k.clone(), js_json::to_compact(&e.default)));
            Arc::new(MemoryStore::with_entries(defaults))
        }
        KvBackendConfig::Json(j) => Arc::new(JsonFileStore::open(cfg, j)?),
        KvBackendConfig::Sqlite(s) => {
            let (c, s) = (cfg.clone(), s.clone());
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(&c, &s))
                .await
                .map_err(|e| {
                    StoreError::new(ErrorKind::Other, cfg.name.clone(), e.to_string())
                })??;
            Arc::new(store)
        }
        KvBackendConfig::Redis(r) => Arc::new(RedisStore::connect(cfg, r).await?),
    };
    Ok(KvMount::new(cfg.clone(), store))
}

/// Opens a kv mount for reading only (diff, verify, dry runs): nothing is created or changed
/// on disk — no SQLite WAL switch or table, no JSON file or folder. A store that does not
/// exist yet opens as an empty in-memory store (holding the schema defaults a JSON file would
/// start with).
pub async fn open_kv_read_only(cfg: &KvMountConfig) -> Result<KvMount, StoreError> {
    let empty = || {
        let defaults: Vec<(String, String)> = match &cfg.backend {
            KvBackendConfig::Json(_) => cfg
                .schema
                .iter()
                .flatten()
                .map(|(k, e)| (k.clone(), js_json::to_compact(&e.default)))
                .collect(),
            _ => Vec::new(),
        };
        let store: Arc<dyn KvStore> = Arc::new(MemoryStore::with_entries(defaults));
        Ok(KvMount::new(cfg.clone(), store))
    };
    match &cfg.backend {
        KvBackendConfig::Json(j) if !j.store.is_file() => empty(),
        KvBackendConfig::Sqlite(s) => {
            let s = s.clone();
            let found =
                tokio::task::spawn_blocking(move || SqliteStore::open_existing_read_only(&s))
                    .await
                    .map_err(|e| {
                        StoreError::new(ErrorKind::Other, cfg.name.clone(), e.to_string())
                    })??;
            match found {
                Some(store) => Ok(KvMount::new(cfg.clone(), Arc::new(store))),
                None => empty(),
            }
        }
        _ => open_kv(cfg).await,
    }
}

/// Opens one fs mount.
pub async fn open_fs(cfg: &FsMountConfig) -> Result<Arc<dyn FsMountStore>, StoreError> {
    match &cfg.backend {
        FsBackendConfig::Local(l) => Ok(Arc::new(LocalDirStore::open(cfg, l)?)),
        FsBackendConfig::S3(s) => Ok(Arc::new(super::s3::S3Store::connect(cfg, s).await?)),
    }
}
