//! The in-memory reference backend: an insertion-ordered map of key → compact JSON text.
//!
//! It is the only fake in the project: tests, dry runs and the conformance suite's reference.
//! Nothing is persisted; [`super::kv_mount::KvMount`] gives it core-JSON kv semantics.

use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use indexmap::IndexMap;

use super::{
    Backend, Capability, ErrorKind, Expiry, KeyPage, KvStore, RillCallError, StoreError, StoreInfo,
    StoredValue, UpdateFn,
};

/// A [`KvStore`] held in memory, keys in insertion order (a re-added key goes to the end).
#[derive(Debug, Default)]
pub struct MemoryStore {
    map: Mutex<IndexMap<String, String>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// A store pre-filled with `entries` (key, compact JSON text) in order.
    pub fn with_entries(entries: impl IntoIterator<Item = (String, String)>) -> Self {
        MemoryStore {
            map: Mutex::new(entries.into_iter().collect()),
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, IndexMap<String, String>>, StoreError> {
        self.map
            .lock()
            .map_err(|_| StoreError::new(ErrorKind::Other, "memory", "store poisoned by a panic"))
    }
}

fn stored(text: &str) -> StoredValue {
    StoredValue {
        text: text.to_string(),
        ttl: None,
    }
}

#[async_trait]
impl KvStore for MemoryStore {
    fn info(&self) -> StoreInfo {
        StoreInfo {
            backend: Backend::Memory,
            location: "memory".to_string(),
            capability: Capability::default(),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<StoredValue>, StoreError> {
        Ok(self.lock()?.get(key).map(|t| stored(t)))
    }

    async fn put(&self, key: &str, text: &str, _expiry: Expiry) -> Result<(), StoreError> {
        self.lock()?.insert(key.to_string(), text.to_string());
        Ok(())
    }

    async fn update(
        &self,
        key: &str,
        f: &UpdateFn<'_>,
        _expiry: Expiry,
    ) -> Result<Result<bool, RillCallError>, StoreError> {
        let mut map = self.lock()?;
        match f(map.get(key).map(String::as_str)) {
            Ok(Some(text)) => {
                map.insert(key.to_string(), text);
                Ok(Ok(true))
            }
            Ok(None) => Ok(Ok(false)),
            Err(e) => Ok(Err(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.lock()?.shift_remove(key).is_some())
    }

    async fn scan(&self, cursor: Option<&str>, count: usize) -> Result<KeyPage, StoreError> {
        let map = self.lock()?;
        page_by_offset(map.keys(), map.len(), cursor, count)
            .map_err(|m| StoreError::new(ErrorKind::Other, "memory", m).during("list keys", ""))
    }

    async fn count(&self) -> Result<u64, StoreError> {
        Ok(self.lock()?.len() as u64)
    }

    async fn clear(&self) -> Result<(), StoreError> {
        self.lock()?.clear();
        Ok(())
    }
}

/// One page of an ordered key list with a decimal offset as cursor (memory and JSON file).
pub(crate) fn page_by_offset<'a>(
    keys: impl Iterator<Item = &'a String>,
    len: usize,
    cursor: Option<&str>,
    count: usize,
) -> Result<KeyPage, String> {
    let start = match cursor {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| format!("invalid scan cursor `{c}`"))?,
    };
    let count = count.max(1);
    let keys: Vec<String> = keys.skip(start).take(count).cloned().collect();
    let end = start + keys.len();
    Ok(KeyPage::new(keys, (end < len).then(|| end.to_string())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_insertion_order_and_moves_readded_keys_last() {
        let s = MemoryStore::new();
        for k in ["b", "2", "a"] {
            s.put(k, "1", Expiry::MountDefault).await.unwrap();
        }
        s.put("b", "2", Expiry::MountDefault).await.unwrap();
        assert_eq!(s.scan(None, 10).await.unwrap().keys, ["b", "2", "a"]);
        assert!(s.delete("b").await.unwrap());
        s.put("b", "3", Expiry::MountDefault).await.unwrap();
        assert_eq!(s.scan(None, 10).await.unwrap().keys, ["2", "a", "b"]);
    }

    #[tokio::test]
    async fn scan_pages_by_offset() {
        let s = MemoryStore::with_entries((0..5).map(|i| (format!("k{i}"), "0".to_string())));
        let p1 = s.scan(None, 2).await.unwrap();
        assert_eq!(p1.keys, ["k0", "k1"]);
        let p3 = s.scan(Some("4"), 2).await.unwrap();
        assert_eq!((p3.keys, p3.next), (vec!["k4".to_string()], None));
        assert!(s.scan(Some("x"), 2).await.is_err());
    }
}
