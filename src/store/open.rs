//! Opening a profile's mounts: picks the backend from the mount's config.
//!
//! PLACEHOLDER until the backends land: every open fails with `Unsupported`.

use std::sync::Arc;

use super::kv_mount::KvMount;
use super::redis::RedisStore;
use super::{ErrorKind, FsMountStore, StoreError};
use crate::config::{FsMountConfig, KvBackendConfig, KvMountConfig};

/// Opens one kv mount (connects for Redis, opens the database for SQLite; the JSON file is read
/// lazily on first use, as rill does).
pub async fn open_kv(cfg: &KvMountConfig) -> Result<KvMount, StoreError> {
    match &cfg.backend {
        KvBackendConfig::Redis(r) => Ok(KvMount::new(
            cfg.clone(),
            Arc::new(RedisStore::connect(cfg, r).await?),
        )),
        _ => Err(StoreError::new(
            ErrorKind::Unsupported,
            cfg.name.clone(),
            "backend not built yet",
        )),
    }
}

/// Opens one fs mount.
pub async fn open_fs(cfg: &FsMountConfig) -> Result<Arc<dyn FsMountStore>, StoreError> {
    Err(StoreError::new(
        ErrorKind::Unsupported,
        cfg.name.clone(),
        "backend not built yet",
    ))
}
