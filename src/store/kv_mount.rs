//! rill's kv functions over any [`KvStore`]: mode, schema, limits and the per-backend
//! differences of spec/backends.md §7.1 (error texts, virtual vs materialised defaults, entry
//! counting, merge rules).
//!
//! The flavour follows the store's backend: JSON file and memory behave as core kv
//! (`@rcrsr/rill/ext/kv`: coded RILL-R004 errors, defaults materialised at load, merge through
//! `set`); SQLite and Redis as the kv-sqlite/kv-redis packages (plain errors, virtual defaults,
//! merge in one atomic `update`, undeclared keys accepted by merge). Writes of one mount are
//! serialised inside this process so that check-then-write sequences stay consistent.

use std::sync::Arc;

use tokio::sync::Mutex;

use super::js_json::{self, Json, JsonObject, js_key_order};
use super::json_file::{CORRUPT_TEXT, PROTO_KEY};
use super::{Backend, ErrorKind, Expiry, KvStore, RillCallError, StoreError};
use crate::config::{KvBackendConfig, KvMountConfig, SchemaEntry};

mod edit;
pub use edit::{Edit, EditError, Seen};

/// The error code of every core kv error.
pub const CORE_KV_CODE: &str = "RILL-R004";

/// Keys per page when a function needs every key.
const SCAN_PAGE: usize = 1000;

/// Core kv's unknown-mount error: RILL-R004 `Mount '<m>' not found`.
pub fn unknown_mount_core(name: &str) -> RillCallError {
    RillCallError::coded(CORE_KV_CODE, format!("Mount '{name}' not found"))
}

/// kv-sqlite / kv-redis unknown-mount error: `Mount '<m>' not found. Available mounts: a, b`.
pub fn unknown_mount_ext(name: &str, available: &[&str]) -> RillCallError {
    RillCallError::plain(format!(
        "Mount '{name}' not found. Available mounts: {}",
        available.join(", ")
    ))
}

/// The unknown-mount error as the package of `backend` words it.
pub fn unknown_mount(backend: Backend, name: &str, available: &[&str]) -> RillCallError {
    match backend {
        Backend::Json | Backend::Memory => unknown_mount_core(name),
        _ => unknown_mount_ext(name, available),
    }
}

/// Which reference package's behaviour applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    /// Core JSON kv (also the memory backend).
    Core,
    /// kv-sqlite and kv-redis.
    Ext,
}

/// One opened kv mount as rill scripts and the CLI see it.
#[derive(Debug, Clone)]
pub struct KvMount {
    config: KvMountConfig,
    store: Arc<dyn KvStore>,
    writes: Arc<Mutex<()>>,
}

impl KvMount {
    pub fn new(config: KvMountConfig, store: Arc<dyn KvStore>) -> Self {
        KvMount {
            config,
            store,
            writes: Arc::new(Mutex::new(())),
        }
    }
    pub fn config(&self) -> &KvMountConfig {
        &self.config
    }
    pub fn store(&self) -> &Arc<dyn KvStore> {
        &self.store
    }

    fn flavour(&self) -> Flavour {
        match self.store.info().backend {
            Backend::Json | Backend::Memory => Flavour::Core,
            _ => Flavour::Ext,
        }
    }

    /// An error worded for this mount's package: coded RILL-R004 (core) or plain.
    fn fail(&self, message: String) -> RillCallError {
        match self.flavour() {
            Flavour::Core => RillCallError::coded(CORE_KV_CODE, message),
            Flavour::Ext => RillCallError::plain(message),
        }
    }

    fn store_err(&self, e: StoreError) -> RillCallError {
        if self.flavour() == Flavour::Core && e.kind == ErrorKind::Corrupt {
            let text = if e.message.starts_with(CORRUPT_TEXT) {
                CORRUPT_TEXT.to_string()
            } else {
                e.message
            };
            return RillCallError::coded(CORE_KV_CODE, text);
        }
        RillCallError::plain(e.to_string())
    }

    fn declared(&self, key: &str) -> Option<&SchemaEntry> {
        self.config.schema.as_ref().and_then(|s| s.get(key))
    }

    /// Declared mode and `key` is not in the schema.
    fn check_declared(&self, key: &str) -> Result<(), RillCallError> {
        match &self.config.schema {
            Some(s) if !s.contains_key(key) => {
                Err(self.fail(format!("key \"{key}\" not declared in schema")))
            }
            _ => Ok(()),
        }
    }

    fn check_writable(&self) -> Result<(), RillCallError> {
        if self.config.mode.kv_allows_write() {
            return Ok(());
        }
        Err(self.fail(format!(
            "Mount '{}' is read-only (mode: read)",
            self.config.name
        )))
    }

    fn check_type(&self, key: &str, value: &Json) -> Result<(), RillCallError> {
        match self.declared(key) {
            Some(entry) => type_error(key, value, entry).map_or(Ok(()), |m| Err(self.fail(m))),
            None => Ok(()),
        }
    }

    /// Core kv opens (loads) the store before any check, so a corrupt file is reported first.
    async fn opened(&self) -> Result<(), RillCallError> {
        if self.flavour() == Flavour::Core {
            self.store.count().await.map_err(|e| self.store_err(e))?;
        }
        Ok(())
    }

    async fn read(&self, key: &str) -> Result<Option<Json>, RillCallError> {
        match self.store.get(key).await.map_err(|e| self.store_err(e))? {
            Some(v) => parse_stored(key, &v.text).map(Some),
            None => Ok(None),
        }
    }

    /// `kv::get`: the stored value; a missing key gives `''` (core) or the schema default when
    /// declared, else `''` (sqlite/redis).
    pub async fn get(&self, key: &str) -> Result<Json, RillCallError> {
        self.opened().await?;
        self.check_declared(key)?;
        if let Some(v) = self.read(key).await? {
            return Ok(v);
        }
        match (self.flavour(), self.declared(key)) {
            (Flavour::Ext, Some(entry)) => Ok(entry.default.clone()),
            _ => Ok(Json::str("")),
        }
    }

    /// `kv::get_or`: the stored value if there is one (never a schema check), else `fallback`.
    pub async fn get_or(&self, key: &str, fallback: Json) -> Result<Json, RillCallError> {
        Ok(self.read(key).await?.unwrap_or(fallback))
    }

    /// `kv::set`, with the checks in rill's order: mode, declared, type, value size, entry
    /// count (new keys only), store size (core JSON file only).
    pub async fn set(&self, key: &str, value: Json) -> Result<(), RillCallError> {
        let _w = self.writes.lock().await;
        self.opened().await?;
        self.set_locked(key, &value).await
    }

    async fn set_locked(&self, key: &str, value: &Json) -> Result<(), RillCallError> {
        let text = self.check_set(key, value).await?;
        self.store
            .put(key, &text, Expiry::MountDefault)
            .await
            .map_err(|e| self.store_err(e))
    }

    /// Every check `kv::set` makes before writing `value` at `key`; the compact text to store.
    async fn check_set(&self, key: &str, value: &Json) -> Result<String, RillCallError> {
        self.check_writable()?;
        self.check_declared(key)?;
        self.check_type(key, value)?;
        let text = js_json::to_compact(value);
        let size = text.len() as u64;
        let max = self.config.max_value_size;
        if size > max {
            return Err(self.fail(match self.flavour() {
                Flavour::Core => format!("value for \"{key}\" exceeds size limit"),
                Flavour::Ext => format!("value for \"{key}\" exceeds size limit ({size} > {max})"),
            }));
        }
        let se = |e| self.store_err(e);
        if self.store.get(key).await.map_err(se)?.is_none() {
            let count = self.store.count().await.map_err(se)?;
            let max = self.config.max_entries;
            if count >= max {
                return Err(self.fail(format!("store exceeds entry limit ({} > {max})", count + 1)));
            }
        }
        if let KvBackendConfig::Json(j) = &self.config.backend
            && let Some(total) = self.store.size_if_set(key, &text).await.map_err(se)?
            && total > j.max_store_size
        {
            return Err(self.fail(format!(
                "store exceeds size limit ({total} > {})",
                j.max_store_size
            )));
        }
        Ok(text)
    }

    /// `kv::merge`: shallow merge of `partial` into the dict at `key` (created when missing).
    pub async fn merge(&self, key: &str, partial: JsonObject) -> Result<(), RillCallError> {
        let _w = self.writes.lock().await;
        self.opened().await?;
        match self.flavour() {
            Flavour::Core => {
                // Core reads through `get` first, so an undeclared key fails before the mode.
                self.check_declared(key)?;
                let merged = match self.read(key).await? {
                    None => partial,
                    Some(Json::Object(mut current)) => {
                        current.extend(partial);
                        current
                    }
                    Some(_) => {
                        return Err(self.fail(non_dict_text(key)));
                    }
                };
                self.set_locked(key, &Json::Object(merged)).await
            }
            Flavour::Ext => {
                self.check_writable()?;
                let entry = self.declared(key).cloned();
                let max = self.config.max_value_size;
                let f = move |current: Option<&str>| -> Result<Option<String>, RillCallError> {
                    let merged = match current.map(|t| parse_stored(key, t)).transpose()? {
                        None => partial.clone(),
                        Some(Json::Object(mut o)) => {
                            o.extend(partial.clone());
                            o
                        }
                        Some(_) => return Err(RillCallError::plain(non_dict_text(key))),
                    };
                    let merged = Json::Object(merged);
                    if let Some(m) = entry.as_ref().and_then(|e| type_error(key, &merged, e)) {
                        return Err(RillCallError::plain(m));
                    }
                    let text = js_json::to_compact(&merged);
                    let size = text.len() as u64;
                    if size > max {
                        return Err(RillCallError::plain(format!(
                            "merged value for \"{key}\" exceeds size limit ({size} > {max})"
                        )));
                    }
                    Ok(Some(text))
                };
                self.store
                    .update(key, &f, Expiry::MountDefault)
                    .await
                    .map_err(|e| self.store_err(e))?
                    .map(|_| ())
            }
        }
    }

    /// `kv::delete`: whether the key existed. No schema check; never flushes a JSON file.
    pub async fn delete(&self, key: &str) -> Result<bool, RillCallError> {
        let _w = self.writes.lock().await;
        self.opened().await?;
        self.check_writable()?;
        self.store.delete(key).await.map_err(|e| self.store_err(e))
    }

    /// `kv::keys`: stored keys (JSON: insertion order; SQLite: byte order), each once.
    pub async fn keys(&self) -> Result<Vec<String>, RillCallError> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .store
                .scan(cursor.as_deref(), SCAN_PAGE)
                .await
                .map_err(|e| self.store_err(e))?;
            // Redis SCAN may repeat keys.
            out.extend(page.keys.into_iter().filter(|k| seen.insert(k.clone())));
            match page.next {
                Some(n) => cursor = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// `kv::has`: whether a value is stored (core: declared keys are stored from load).
    pub async fn has(&self, key: &str) -> Result<bool, RillCallError> {
        Ok(self
            .store
            .get(key)
            .await
            .map_err(|e| self.store_err(e))?
            .is_some())
    }

    /// `kv::clear`: removes every entry, then puts the schema defaults back (JSON file: in
    /// memory, not flushed; SQLite/Redis: as real rows/keys).
    pub async fn clear(&self) -> Result<(), RillCallError> {
        let _w = self.writes.lock().await;
        self.opened().await?;
        self.check_writable()?;
        let se = |e| self.store_err(e);
        self.store.clear().await.map_err(se)?;
        if self.store.info().backend == Backend::Json {
            return Ok(()); // the file store restores its defaults itself
        }
        let defaults: Vec<(String, String)> = self
            .config
            .schema
            .iter()
            .flatten()
            .map(|(k, e)| (k.clone(), js_json::to_compact(&e.default)))
            .collect();
        if !defaults.is_empty() {
            self.store
                .put_many(&defaults, Expiry::MountDefault)
                .await
                .map_err(se)?;
        }
        Ok(())
    }

    /// `kv::getAll`: every stored entry as a dict in JavaScript order (array-index keys first),
    /// without `__proto__` (rill builds the dict by assignment).
    pub async fn get_all(&self) -> Result<JsonObject, RillCallError> {
        let keys = self.keys().await?;
        let values = self
            .store
            .get_many(&keys)
            .await
            .map_err(|e| self.store_err(e))?;
        let mut all = JsonObject::with_capacity(keys.len());
        for (k, v) in keys.into_iter().zip(values) {
            // A key that vanished meanwhile (Redis expiry) is skipped, as rill's MGET does.
            if let Some(v) = v
                && k != PROTO_KEY
            {
                let value = parse_stored(&k, &v.text)?;
                all.insert(k, value);
            }
        }
        Ok(js_key_order(&all)
            .into_iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    /// Writes pending changes (a JSON file's dispose-time flush; a no-op elsewhere).
    pub async fn flush(&self) -> Result<(), RillCallError> {
        self.store.flush().await.map_err(|e| self.store_err(e))
    }

    /// `kv::schema(mount)`: `[]` in open mode, else `[{key, type, description}]`.
    pub fn schema(&self) -> Json {
        let entries = self.config.schema.iter().flatten().map(|(k, e)| {
            let mut o = JsonObject::new();
            o.insert("key".into(), Json::str(k.clone()));
            o.insert("type".into(), Json::str(e.kind.clone()));
            o.insert(
                "description".into(),
                Json::str(e.description.clone().unwrap_or_default()),
            );
            Json::Object(o)
        });
        Json::Array(entries.collect())
    }

    /// This mount's entry in `kv::mounts()`, with the backend's extra fields (sqlite:
    /// `database`, `table`; redis: `prefix`, `ttl`). An absent `mode` is `null`.
    pub fn mount_entry(&self) -> Json {
        let c = &self.config;
        let mut o = JsonObject::new();
        o.insert("name".into(), Json::str(c.name.clone()));
        o.insert("mode".into(), c.mode.as_str().map_or(Json::Null, Json::str));
        let schema = if c.schema.is_some() {
            "declared"
        } else {
            "open"
        };
        o.insert("schema".into(), Json::str(schema));
        o.insert("maxEntries".into(), Json::Number(c.max_entries as f64));
        o.insert("maxValueSize".into(), Json::Number(c.max_value_size as f64));
        match &c.backend {
            KvBackendConfig::Sqlite(s) => {
                o.insert(
                    "database".into(),
                    Json::str(s.database.display().to_string()),
                );
                o.insert("table".into(), Json::str(s.table.clone()));
            }
            KvBackendConfig::Redis(r) => {
                o.insert("prefix".into(), Json::str(r.prefix.clone()));
                o.insert("ttl".into(), Json::Number(r.ttl.unwrap_or(0) as f64));
            }
            KvBackendConfig::Json(_) | KvBackendConfig::Memory => {}
        }
        Json::Object(o)
    }
}

fn non_dict_text(key: &str) -> String {
    format!("Cannot merge into non-dict value at key \"{key}\"")
}

/// rill's `validateType` message when `value` does not have the declared type.
fn type_error(key: &str, value: &Json, entry: &SchemaEntry) -> Option<String> {
    let actual = value.type_name_rill();
    (actual != entry.kind).then(|| format!("key \"{key}\" expects {}, got {actual}", entry.kind))
}

/// A stored value's text as rill's `JSON.parse` reads it.
fn parse_stored(key: &str, text: &str) -> Result<Json, RillCallError> {
    js_json::parse(text)
        .map(|p| p.value)
        .map_err(|e| RillCallError::plain(format!("value of \"{key}\" is not valid json: {e}")))
}
