//! The core JSON kv backend: one pretty-printed JSON object per mount file (spec/backends.md §2).
//!
//! Behaves as rill's `createStore`: the file is read lazily on first use (after `mkdir -p` of its
//! folder); a missing file is an empty store (declared mode: every schema default); declared mode
//! keeps schema keys in schema order, materialises defaults and drops undeclared keys; a corrupt
//! file is an error and is never touched. The whole store lives in memory; [`KvStore::flush`]
//! writes `<store>.tmp` and renames it over the file. Under `writePolicy: immediate` a `put` or
//! `update` flushes; `delete` and `clear` never do (as in rill). `clear` restores schema defaults.
//!
//! Differences from rill, chosen for a tool: a failed load is not cached (the next call reads the
//! file again), and flush errors are returned instead of being logged and ignored.

use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use indexmap::IndexMap;
use tokio::sync::{Mutex, MutexGuard};

use super::js_json::{self, Json, JsonObject};
use super::memory::page_by_offset;
use super::{
    Backend, Capability, ErrorKind, Expiry, KeyPage, KvStore, RillCallError, StoreError, StoreInfo,
    StoredValue, UpdateFn,
};
use crate::config::{JsonKvConfig, KvMountConfig, Schema, WritePolicy};

/// rill's text for a store file that is not a JSON object (RILL-R004).
pub const CORRUPT_TEXT: &str = "state file corrupt — reset or delete to recover";

/// The key rill can load but never writes back (assigning it to a plain object sets the
/// prototype instead of a property).
pub const PROTO_KEY: &str = "__proto__";

type Data = IndexMap<String, Json>;

/// A core JSON kv store file, loaded on first use.
#[derive(Debug)]
pub struct JsonFileStore {
    path: PathBuf,
    schema: Option<Schema>,
    write_policy: WritePolicy,
    data: Mutex<Option<Data>>,
}

impl JsonFileStore {
    /// Records the mount; nothing is read or created until the first operation.
    pub fn open(cfg: &KvMountConfig, json: &JsonKvConfig) -> Result<JsonFileStore, StoreError> {
        Ok(JsonFileStore {
            path: json.store.clone(),
            schema: cfg.schema.clone(),
            write_policy: json.write_policy,
            data: Mutex::new(None),
        })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn label(&self) -> String {
        self.path.display().to_string()
    }

    fn tmp_path(&self) -> PathBuf {
        let mut s = self.path.clone().into_os_string();
        s.push(".tmp");
        PathBuf::from(s)
    }

    /// The loaded data (loading it first if needed), locked for the caller.
    async fn loaded(&self) -> Result<MutexGuard<'_, Option<Data>>, StoreError> {
        let mut guard = self.data.lock().await;
        if guard.is_none() {
            *guard = Some(self.load().await?);
        }
        Ok(guard)
    }

    async fn load(&self) -> Result<Data, StoreError> {
        if let Some(dir) = self.path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| io_err(&self.label(), e).during("create the folder of", ""))?;
        }
        let bytes = match tokio::fs::read(&self.path).await {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(self.defaults());
            }
            Err(e) => return Err(io_err(&self.label(), e).during("read", "")),
        };
        // Node decodes the file as UTF-8 with U+FFFD for invalid bytes.
        let text = String::from_utf8_lossy(&bytes);
        let parsed = match js_json::parse(&text) {
            Ok(p) => p.value,
            Err(e) => return Err(self.corrupt(format!("{CORRUPT_TEXT} ({e})"))),
        };
        let Json::Object(file) = parsed else {
            return Err(self.corrupt(format!("{CORRUPT_TEXT} (the top level is not an object)")));
        };
        let Some(schema) = &self.schema else {
            return Ok(file);
        };
        let mut data = Data::with_capacity(schema.len());
        for (key, entry) in schema {
            match file.get(key) {
                Some(v) => {
                    let actual = v.type_name_rill();
                    if actual != entry.kind {
                        return Err(self.corrupt(format!(
                            "key \"{key}\" expects {}, got {actual}",
                            entry.kind
                        )));
                    }
                    data.insert(key.clone(), v.clone());
                }
                None => {
                    data.insert(key.clone(), entry.default.clone());
                }
            }
        }
        Ok(data)
    }

    fn corrupt(&self, message: String) -> StoreError {
        StoreError::new(ErrorKind::Corrupt, self.label(), message).during("load", "")
    }

    /// Open mode: nothing; declared mode: every schema default in schema order.
    fn defaults(&self) -> Data {
        self.schema
            .iter()
            .flatten()
            .map(|(k, e)| (k.clone(), e.default.clone()))
            .collect()
    }

    fn parse_value(&self, key: &str, text: &str) -> Result<Json, StoreError> {
        js_json::parse(text).map(|p| p.value).map_err(|e| {
            StoreError::new(
                ErrorKind::Other,
                self.label(),
                format!("value is not json: {e}"),
            )
            .during("write key", key)
        })
    }

    /// Writes `data` as rill does: pretty JSON to `<store>.tmp`, then rename over the file.
    async fn write_file(&self, data: &Data) -> Result<(), StoreError> {
        let content = js_json::to_pretty(&Json::Object(as_plain_object(data)));
        let tmp = self.tmp_path();
        let result = async {
            tokio::fs::write(&tmp, content.as_bytes()).await?;
            tokio::fs::rename(&tmp, &self.path).await
        }
        .await;
        if let Err(e) = result {
            // Never leave a half-written temp file behind.
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io_err(&self.label(), e).during("write", ""));
        }
        Ok(())
    }

    async fn flush_if_immediate(&self, data: &Data) -> Result<(), StoreError> {
        if self.write_policy == WritePolicy::Immediate {
            self.write_file(data).await?;
        }
        Ok(())
    }
}

/// The object rill builds from its map by assignment: same order (the writer puts array-index
/// keys first), `__proto__` left out.
pub fn as_plain_object(data: &Data) -> JsonObject {
    data.iter()
        .filter(|(k, _)| k.as_str() != PROTO_KEY)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Compact size of the plain object built from `entries` (order does not change the size).
fn compact_object_size<'a>(entries: impl Iterator<Item = (&'a str, usize)>) -> u64 {
    let mut size = 2u64;
    let mut n = 0u64;
    for (key, value_len) in entries.filter(|(k, _)| *k != PROTO_KEY) {
        let mut k = String::new();
        js_json::write_string(&mut k, key);
        size += (k.len() + 1 + value_len) as u64;
        n += 1;
    }
    size + n.saturating_sub(1)
}

fn io_err(store: &str, e: io::Error) -> StoreError {
    let kind = match e.kind() {
        io::ErrorKind::NotFound => ErrorKind::NotFound,
        io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
        io::ErrorKind::AlreadyExists => ErrorKind::AlreadyExists,
        _ => ErrorKind::Other,
    };
    let text = e.to_string();
    let mut chars = text.chars();
    let message = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    };
    StoreError::new(kind, store, message)
}

fn stored(v: &Json) -> StoredValue {
    StoredValue {
        text: js_json::to_compact(v),
        ttl: None,
    }
}

/// The loaded map behind a guard (`loaded` always fills it).
fn data_mut<'a>(g: &'a mut MutexGuard<'_, Option<Data>>) -> &'a mut Data {
    g.get_or_insert_with(Data::new)
}

#[async_trait]
impl KvStore for JsonFileStore {
    fn info(&self) -> StoreInfo {
        StoreInfo {
            backend: Backend::Json,
            location: self.label(),
            capability: Capability {
                atomic_rename: true,
                ..Capability::default()
            },
        }
    }

    async fn get(&self, key: &str) -> Result<Option<StoredValue>, StoreError> {
        let mut g = self.loaded().await?;
        Ok(data_mut(&mut g).get(key).map(stored))
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<StoredValue>>, StoreError> {
        let mut g = self.loaded().await?;
        let data = data_mut(&mut g);
        Ok(keys.iter().map(|k| data.get(k).map(stored)).collect())
    }

    async fn put(&self, key: &str, text: &str, _expiry: Expiry) -> Result<(), StoreError> {
        let value = self.parse_value(key, text)?;
        let mut g = self.loaded().await?;
        let data = data_mut(&mut g);
        data.insert(key.to_string(), value);
        self.flush_if_immediate(data).await
    }

    async fn put_many(
        &self,
        items: &[(String, String)],
        _expiry: Expiry,
    ) -> Result<(), StoreError> {
        let values = items
            .iter()
            .map(|(k, t)| Ok((k.clone(), self.parse_value(k, t)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut g = self.loaded().await?;
        let data = data_mut(&mut g);
        data.extend(values);
        self.flush_if_immediate(data).await
    }

    async fn update(
        &self,
        key: &str,
        f: &UpdateFn<'_>,
        _expiry: Expiry,
    ) -> Result<Result<bool, RillCallError>, StoreError> {
        let mut g = self.loaded().await?;
        let data = data_mut(&mut g);
        let current = data.get(key).map(js_json::to_compact);
        match f(current.as_deref()) {
            Ok(Some(text)) => {
                let value = self.parse_value(key, &text)?;
                data.insert(key.to_string(), value);
                self.flush_if_immediate(data).await?;
                Ok(Ok(true))
            }
            Ok(None) => Ok(Ok(false)),
            Err(e) => Ok(Err(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let mut g = self.loaded().await?;
        Ok(data_mut(&mut g).shift_remove(key).is_some())
    }

    async fn scan(&self, cursor: Option<&str>, count: usize) -> Result<KeyPage, StoreError> {
        let mut g = self.loaded().await?;
        let data = data_mut(&mut g);
        page_by_offset(data.keys(), data.len(), cursor, count)
            .map_err(|m| StoreError::new(ErrorKind::Other, self.label(), m).during("list keys", ""))
    }

    async fn count(&self) -> Result<u64, StoreError> {
        let mut g = self.loaded().await?;
        Ok(data_mut(&mut g).len() as u64)
    }

    /// Empties the store and, in declared mode, puts every schema default back (rill's `clear`).
    /// Not flushed, even under `immediate`.
    async fn clear(&self) -> Result<(), StoreError> {
        let defaults = self.defaults();
        let mut g = self.loaded().await?;
        *data_mut(&mut g) = defaults;
        Ok(())
    }

    /// Drops the loaded copy: the next call reads the file again.
    async fn reload(&self) -> Result<(), StoreError> {
        *self.data.lock().await = None;
        Ok(())
    }

    /// Writes the whole store if it was ever loaded (rill's dispose: a store never used is not
    /// written; a used one is, even when nothing changed).
    async fn flush(&self) -> Result<(), StoreError> {
        let g = self.data.lock().await;
        match g.as_ref() {
            Some(data) => self.write_file(data).await,
            None => Ok(()),
        }
    }

    async fn size_if_set(&self, key: &str, text: &str) -> Result<Option<u64>, StoreError> {
        let value = self.parse_value(key, text)?;
        let new_len = js_json::to_compact(&value).len();
        let mut g = self.loaded().await?;
        let data = data_mut(&mut g);
        let others = data
            .iter()
            .filter(|(k, _)| k.as_str() != key)
            .map(|(k, v)| (k.as_str(), js_json::to_compact(v).len()));
        let size = compact_object_size(others.chain(std::iter::once((key, new_len))));
        Ok(Some(size))
    }

    async fn compact_size(&self) -> Result<Option<u64>, StoreError> {
        let mut g = self.loaded().await?;
        let data = data_mut(&mut g);
        let entries = data
            .iter()
            .map(|(k, v)| (k.as_str(), js_json::to_compact(v).len()));
        Ok(Some(compact_object_size(entries)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn object_size_matches_stringify() {
        let text = r#"{"a":"xxxxx","b\n":[1,2],"2":{}}"#;
        let o = js_json::parse(text).unwrap().value;
        let o = o.as_object().unwrap();
        let size = compact_object_size(o.iter().map(|(k, v)| (k.as_str(), v.to_compact().len())));
        assert_eq!(size, text.len() as u64);
        assert_eq!(compact_object_size(std::iter::empty()), 2);
        assert_eq!(compact_object_size([("__proto__", 5)].into_iter()), 2);
    }
}
