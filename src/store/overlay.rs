//! Copy-on-write overlay of a kv store, for `eval --dry-run` and the scratchpad's preview.
//!
//! Reads see the base store plus the overlay's pending changes; writes (put, delete, clear,
//! update) only touch the overlay, so the base is never written — not even flushed. After a
//! run, [`KvOverlay::changes`] lists what the script would have done, key by key, with the
//! value before and after. The overlay keeps the base's `info()`, so `KvMount` applies the same
//! backend flavour (error texts, defaults) as on the real store.
//!
//! Limits: listing (`scan`) reads every base key on the first call — fine for the snippets a
//! dry run is for, not for a million-key mount; `size_if_set` asks the base, ignoring pending
//! changes.

use std::collections::BTreeSet;

use async_trait::async_trait;
use indexmap::IndexMap;
use tokio::sync::Mutex;

use super::{
    Expiry, KeyPage, KvStore, RillCallError, StoreError, StoreInfo, StoredValue, UpdateFn,
};
use std::sync::Arc;

/// One key the script changed: `before` from the base store, `after` as the script left it
/// (`None` = deleted).
#[derive(Debug, Clone, PartialEq)]
pub struct KvChange {
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Default)]
struct Pending {
    /// Key → new text, or `None` for deleted.
    writes: IndexMap<String, Option<String>>,
    /// `clear()` was called: base keys are hidden unless rewritten.
    cleared: bool,
}

/// A kv store whose writes stay in memory.
#[derive(Debug)]
pub struct KvOverlay {
    base: Arc<dyn KvStore>,
    pending: Mutex<Pending>,
    /// Entries `clear()` puts back (the JSON file store's schema defaults).
    clear_defaults: Vec<(String, String)>,
}

impl KvOverlay {
    pub fn new(base: Arc<dyn KvStore>) -> Self {
        KvOverlay {
            base,
            pending: Mutex::new(Pending::default()),
            clear_defaults: Vec::new(),
        }
    }

    /// An overlay whose `clear()` restores `defaults` (key, JSON text) itself, as the JSON
    /// file store does with its schema defaults.
    pub fn with_clear_defaults(base: Arc<dyn KvStore>, defaults: Vec<(String, String)>) -> Self {
        KvOverlay {
            clear_defaults: defaults,
            ..KvOverlay::new(base)
        }
    }

    /// What the writes so far would change in the base store, in the order first touched.
    /// Keys written back to their original value are left out.
    pub async fn changes(&self) -> Result<Vec<KvChange>, StoreError> {
        let p = self.pending.lock().await;
        let mut out = Vec::new();
        let mut touched: BTreeSet<&str> = BTreeSet::new();
        for (key, after) in &p.writes {
            touched.insert(key);
            let before = self.base.get(key).await?.map(|v| v.text);
            if before != *after {
                out.push(KvChange {
                    key: key.clone(),
                    before,
                    after: after.clone(),
                });
            }
        }
        if p.cleared {
            for key in all_keys(self.base.as_ref()).await? {
                if !touched.contains(key.as_str()) {
                    let before = self.base.get(&key).await?.map(|v| v.text);
                    if before.is_some() {
                        out.push(KvChange {
                            key,
                            before,
                            after: None,
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    async fn read(&self, key: &str) -> Result<Option<StoredValue>, StoreError> {
        let p = self.pending.lock().await;
        match p.writes.get(key) {
            Some(Some(text)) => Ok(Some(StoredValue {
                text: text.clone(),
                ttl: None,
            })),
            Some(None) => Ok(None),
            None if p.cleared => Ok(None),
            None => {
                drop(p);
                self.base.get(key).await
            }
        }
    }
}

async fn all_keys(store: &dyn KvStore) -> Result<Vec<String>, StoreError> {
    let mut keys = Vec::new();
    let mut seen = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.scan(cursor.as_deref(), 1000).await?;
        for k in page.keys {
            if seen.insert(k.clone()) {
                keys.push(k);
            }
        }
        cursor = page.next;
        if cursor.is_none() {
            return Ok(keys);
        }
    }
}

#[async_trait]
impl KvStore for KvOverlay {
    fn info(&self) -> StoreInfo {
        self.base.info()
    }

    async fn get(&self, key: &str) -> Result<Option<StoredValue>, StoreError> {
        self.read(key).await
    }

    async fn put(&self, key: &str, text: &str, _expiry: Expiry) -> Result<(), StoreError> {
        let mut p = self.pending.lock().await;
        p.writes.insert(key.to_string(), Some(text.to_string()));
        Ok(())
    }

    async fn update(
        &self,
        key: &str,
        f: &UpdateFn<'_>,
        expiry: Expiry,
    ) -> Result<Result<bool, RillCallError>, StoreError> {
        let current = self.read(key).await?;
        match f(current.as_ref().map(|v| v.text.as_str())) {
            Ok(Some(text)) => {
                self.put(key, &text, expiry).await?;
                Ok(Ok(true))
            }
            Ok(None) => Ok(Ok(false)),
            Err(e) => Ok(Err(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let existed = self.read(key).await?.is_some();
        self.pending
            .lock()
            .await
            .writes
            .insert(key.to_string(), None);
        Ok(existed)
    }

    async fn scan(&self, cursor: Option<&str>, count: usize) -> Result<KeyPage, StoreError> {
        // Offset-based paging over base keys (unless cleared) plus overlay additions.
        let mut keys = {
            let cleared = self.pending.lock().await.cleared;
            if cleared {
                Vec::new()
            } else {
                all_keys(self.base.as_ref()).await?
            }
        };
        let p = self.pending.lock().await;
        keys.retain(|k| !matches!(p.writes.get(k), Some(None)));
        let known: BTreeSet<String> = keys.iter().cloned().collect();
        for (k, v) in &p.writes {
            if v.is_some() && !known.contains(k) {
                keys.push(k.clone());
            }
        }
        let start: usize = cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        let end = (start + count.max(1)).min(keys.len());
        let page = keys
            .get(start..end)
            .map(<[String]>::to_vec)
            .unwrap_or_default();
        Ok(KeyPage::new(
            page,
            (end < keys.len()).then(|| end.to_string()),
        ))
    }

    async fn count(&self) -> Result<u64, StoreError> {
        let mut n = 0u64;
        let mut cursor: Option<String> = None;
        loop {
            let page = self.scan(cursor.as_deref(), 10_000).await?;
            n += page.keys.len() as u64;
            cursor = page.next;
            if cursor.is_none() {
                return Ok(n);
            }
        }
    }

    async fn clear(&self) -> Result<(), StoreError> {
        let mut p = self.pending.lock().await;
        p.writes.clear();
        p.cleared = true;
        for (k, v) in &self.clear_defaults {
            p.writes.insert(k.clone(), Some(v.clone()));
        }
        Ok(())
    }

    /// Never writes the base.
    async fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn size_if_set(&self, key: &str, text: &str) -> Result<Option<u64>, StoreError> {
        self.base.size_if_set(key, text).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;

    #[tokio::test]
    async fn writes_stay_in_the_overlay() {
        let base: Arc<dyn KvStore> = Arc::new(MemoryStore::with_entries([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]));
        let o = KvOverlay::new(base.clone());
        o.put("a", "10", Expiry::MountDefault).await.unwrap();
        o.put("c", "3", Expiry::MountDefault).await.unwrap();
        assert!(o.delete("b").await.unwrap());
        assert_eq!(o.get("a").await.unwrap().unwrap().text, "10");
        assert_eq!(o.get("b").await.unwrap(), None);
        assert_eq!(o.count().await.unwrap(), 2);
        assert_eq!(base.get("a").await.unwrap().unwrap().text, "1");
        assert_eq!(base.count().await.unwrap(), 2);
        let ch = o.changes().await.unwrap();
        let keys: Vec<_> = ch.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["a", "c", "b"]);
        assert_eq!(ch[0].before.as_deref(), Some("1"));
        assert_eq!(ch[2].after, None);
    }

    #[tokio::test]
    async fn clear_hides_base_and_reports_deletions() {
        let base: Arc<dyn KvStore> = Arc::new(MemoryStore::with_entries([(
            "a".to_string(),
            "1".to_string(),
        )]));
        let o = KvOverlay::new(base);
        o.clear().await.unwrap();
        assert_eq!(o.get("a").await.unwrap(), None);
        o.put("z", "0", Expiry::MountDefault).await.unwrap();
        let page = o.scan(None, 10).await.unwrap();
        assert_eq!(page.keys, ["z"]);
        let ch = o.changes().await.unwrap();
        assert_eq!(ch.len(), 2);
        assert!(ch.iter().any(|c| c.key == "a" && c.after.is_none()));
    }

    #[tokio::test]
    async fn writing_back_the_same_value_is_no_change() {
        let base: Arc<dyn KvStore> = Arc::new(MemoryStore::with_entries([(
            "a".to_string(),
            "1".to_string(),
        )]));
        let o = KvOverlay::new(base);
        o.put("a", "1", Expiry::MountDefault).await.unwrap();
        assert!(o.changes().await.unwrap().is_empty());
    }
}
