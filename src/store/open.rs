//! Opening a profile's mounts: picks the backend from the mount's config.
//!
//! PLACEHOLDER until the backends land: every open fails with `Unsupported`.

use std::sync::Arc;

use super::kv_mount::KvMount;
use super::{ErrorKind, FsMountStore, StoreError};
use crate::config::{FsBackendConfig, FsMountConfig, KvMountConfig};

/// Opens one kv mount (connects for Redis, opens the database for SQLite; the JSON file is read
/// lazily on first use, as rill does).
pub async fn open_kv(cfg: &KvMountConfig) -> Result<KvMount, StoreError> {
    Err(StoreError::new(
        ErrorKind::Unsupported,
        cfg.name.clone(),
        "backend not built yet",
    ))
}

/// Opens one fs mount.
pub async fn open_fs(cfg: &FsMountConfig) -> Result<Arc<dyn FsMountStore>, StoreError> {
    match &cfg.backend {
        FsBackendConfig::S3(s) => Ok(Arc::new(super::s3::S3Store::connect(cfg, s).await?)),
        #[allow(unreachable_patterns)]
        _ => Err(StoreError::new(
            ErrorKind::Unsupported,
            cfg.name.clone(),
            "backend not built yet",
        )),
    }
}
