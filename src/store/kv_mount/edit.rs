//! A tool's edit of one key beside live rill hosts: the TUI's editor, delete and TTL change.
//!
//! A rill host loads a JSON store, changes it and writes it back (temp file + rename); another
//! process (a host, `rillmount kv set`) may do the same meanwhile. An edit therefore first
//! drops what this handle holds of the store ([`KvStore::reload`]), so it changes the store as
//! it is now and keeps every key someone else wrote, then compares the key's stored text with
//! what the user was shown ([`Seen`]) and refuses with [`EditError::Drifted`] when they differ,
//! then writes only this key: through [`KvStore::update`] for a value (Redis WATCH/MULTI, one
//! SQLite transaction, the JSON file under its lock), so the comparison and the write are one
//! step where the backend allows it. The JSON file is written right away. A delete compares and
//! then deletes (two steps on every backend).

use super::{KvMount, RillCallError};
use crate::store::js_json::Json;
use crate::store::{Backend, Expiry};

/// What an edit expects to find at its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// The stored text the user was shown; `None`: the key did not exist.
    Text(Option<String>),
    /// Whatever is there (the user chose to overwrite).
    Anything,
}

impl Seen {
    fn matches(&self, current: Option<&str>) -> bool {
        match self {
            Seen::Text(t) => t.as_deref() == current,
            Seen::Anything => true,
        }
    }
}

/// One change of one key.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Store `value` (with rill's checks: mode, schema, limits) and this expiry.
    Set(Json, Expiry),
    Delete,
    /// Keep the value, change its expiry (Redis).
    Expire(Expiry),
}

/// Why an edit was not made.
#[derive(Debug, Clone, PartialEq)]
pub enum EditError {
    /// The key holds something else than what the user saw (`now`: its stored text, `None`:
    /// gone): another process wrote it.
    Drifted { now: Option<String> },
    /// The mount refused it (mode, schema, limits) or the store failed.
    Refused(RillCallError),
}

impl From<RillCallError> for EditError {
    fn from(e: RillCallError) -> Self {
        EditError::Refused(e)
    }
}

impl KvMount {
    /// Makes `edit` at `key` if the key still holds what `seen` says. Returns whether anything
    /// was written (a delete of a key that is gone writes nothing).
    pub async fn edit(&self, key: &str, edit: Edit, seen: &Seen) -> Result<bool, EditError> {
        let _w = self.writes.lock().await;
        let se = |e| EditError::Refused(self.store_err(e));
        self.store.reload().await.map_err(se)?;
        self.opened().await?;
        let drifted = std::sync::Mutex::new(None::<Option<String>>);
        let checked = |current: Option<&str>, next: Option<String>| {
            if seen.matches(current) {
                Ok(next)
            } else {
                if let Ok(mut d) = drifted.lock() {
                    *d = Some(current.map(str::to_string));
                }
                Err(RillCallError::plain("changed since it was shown"))
            }
        };
        let wrote = match edit {
            Edit::Set(value, expiry) => {
                let text = self.check_set(key, &value).await?;
                let f = |current: Option<&str>| checked(current, Some(text.clone()));
                self.store.update(key, &f, expiry).await.map_err(se)?
            }
            Edit::Expire(expiry) => {
                let f = |current: Option<&str>| match current {
                    Some(c) => checked(Some(c), Some(c.to_string())),
                    None => checked(None, None),
                };
                self.store.update(key, &f, expiry).await.map_err(se)?
            }
            Edit::Delete => {
                self.check_writable()?;
                let current = self.store.get(key).await.map_err(se)?.map(|v| v.text);
                match checked(current.as_deref(), None) {
                    Ok(_) => Ok(self.store.delete(key).await.map_err(se)?),
                    Err(e) => Err(e),
                }
            }
        };
        if let Some(now) = drifted.lock().ok().and_then(|mut d| d.take()) {
            return Err(EditError::Drifted { now });
        }
        let wrote = wrote?;
        if wrote && self.store.info().backend == Backend::Json {
            self.store.flush().await.map_err(se)?;
        }
        Ok(wrote)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::{
        DEFAULT_MAX_ENTRIES, DEFAULT_MAX_VALUE_SIZE, KvBackendConfig, KvMountConfig, Mode,
    };
    use crate::store::KvStore;
    use crate::store::memory::MemoryStore;

    fn mount() -> (KvMount, Arc<MemoryStore>) {
        let store = Arc::new(MemoryStore::new());
        let cfg = KvMountConfig {
            name: "m".into(),
            mode: Mode::new("read-write"),
            schema: None,
            max_entries: DEFAULT_MAX_ENTRIES,
            max_value_size: DEFAULT_MAX_VALUE_SIZE,
            backend: KvBackendConfig::Memory,
        };
        (KvMount::new(cfg, store.clone()), store)
    }

    #[tokio::test]
    async fn edit_writes_only_when_the_key_holds_what_was_seen() {
        let (m, s) = mount();
        s.put("a", "1", Expiry::Never).await.unwrap();
        let seen = Seen::Text(Some("1".into()));
        assert_eq!(
            m.edit("a", Edit::Set(Json::Number(2.0), Expiry::Keep), &seen)
                .await,
            Ok(true)
        );
        assert_eq!(s.get("a").await.unwrap().unwrap().text, "2");
        // Someone wrote 3; the user still saw 2... then 1: refused, 3 stays.
        s.put("a", "3", Expiry::Never).await.unwrap();
        let e = m
            .edit("a", Edit::Set(Json::Number(9.0), Expiry::Keep), &seen)
            .await;
        assert_eq!(
            e,
            Err(EditError::Drifted {
                now: Some("3".into())
            })
        );
        assert_eq!(s.get("a").await.unwrap().unwrap().text, "3");
        let e = m.edit("a", Edit::Delete, &seen).await;
        assert_eq!(
            e,
            Err(EditError::Drifted {
                now: Some("3".into())
            })
        );
        // Overwrite on request.
        let r = m
            .edit(
                "a",
                Edit::Set(Json::Number(9.0), Expiry::Keep),
                &Seen::Anything,
            )
            .await;
        assert_eq!(r, Ok(true));
        assert_eq!(s.get("a").await.unwrap().unwrap().text, "9");
        // A new key must still be absent.
        s.put("b", "1", Expiry::Never).await.unwrap();
        let e = m
            .edit(
                "b",
                Edit::Set(Json::Number(5.0), Expiry::Keep),
                &Seen::Text(None),
            )
            .await;
        assert_eq!(
            e,
            Err(EditError::Drifted {
                now: Some("1".into())
            })
        );
        // A delete of what was seen; then of a key that is gone.
        let nine = Seen::Text(Some("9".into()));
        assert_eq!(m.edit("a", Edit::Delete, &nine).await, Ok(true));
        let e = m.edit("a", Edit::Delete, &nine).await;
        assert_eq!(e, Err(EditError::Drifted { now: None }));
    }
}
