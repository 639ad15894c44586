//! rill's kv functions over any [`KvStore`]: mode, schema, limits and the per-backend
//! differences of spec/backends.md §7.1 (error texts, virtual vs materialised defaults, entry
//! counting, merge rules).
//!
//! PLACEHOLDER (being written on branch `kv`): signatures are the contract other layers use.

use std::sync::Arc;

use super::{Json, JsonObject, KvStore, RillCallError};
use crate::config::KvMountConfig;

/// One opened kv mount as rill scripts and the CLI see it.
#[derive(Debug, Clone)]
pub struct KvMount {
    config: KvMountConfig,
    store: Arc<dyn KvStore>,
}

impl KvMount {
    pub fn new(config: KvMountConfig, store: Arc<dyn KvStore>) -> Self {
        KvMount { config, store }
    }
    pub fn config(&self) -> &KvMountConfig {
        &self.config
    }
    pub fn store(&self) -> &Arc<dyn KvStore> {
        &self.store
    }
    pub async fn get(&self, _key: &str) -> Result<Json, RillCallError> {
        Err(RillCallError::plain("not implemented"))
    }
    pub async fn get_or(&self, _key: &str, _fallback: Json) -> Result<Json, RillCallError> {
        Err(RillCallError::plain("not implemented"))
    }
    pub async fn set(&self, _key: &str, _value: Json) -> Result<(), RillCallError> {
        Err(RillCallError::plain("not implemented"))
    }
    pub async fn merge(&self, _key: &str, _partial: JsonObject) -> Result<(), RillCallError> {
        Err(RillCallError::plain("not implemented"))
    }
    pub async fn delete(&self, _key: &str) -> Result<bool, RillCallError> {
        Err(RillCallError::plain("not implemented"))
    }
    pub async fn keys(&self) -> Result<Vec<String>, RillCallError> {
        Err(RillCallError::plain("not implemented"))
    }
    pub async fn has(&self, _key: &str) -> Result<bool, RillCallError> {
        Err(RillCallError::plain("not implemented"))
    }
    pub async fn clear(&self) -> Result<(), RillCallError> {
        Err(RillCallError::plain("not implemented"))
    }
    pub async fn get_all(&self) -> Result<JsonObject, RillCallError> {
        Err(RillCallError::plain("not implemented"))
    }
    /// `kv::schema(mount)`: `[]` in open mode, else `[{key, type, description}]`.
    pub fn schema(&self) -> Json {
        Json::Array(vec![])
    }
    /// This mount's entry in `kv::mounts()`, with the backend's extra fields.
    pub fn mount_entry(&self) -> Json {
        Json::Null
    }
}
