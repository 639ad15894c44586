//! The kv-sqlite backend: one table of `(key TEXT PRIMARY KEY, value TEXT NOT NULL)` rows holding
//! compact JSON, in a WAL-mode database (spec/backends.md §3).
//!
//! Opening does what rill's factory does, in its order: `mkdir -p` of the parent folder, open (or
//! create) the file, `PRAGMA journal_mode = WAL`, check the table name, run the exact DDL (so
//! `sqlite_master.sql` matches a rill-created table). Each store owns one connection, also when
//! several mounts share a file. rusqlite is synchronous: every call runs on tokio's blocking
//! pool, holding the connection through an async mutex, so the runtime is never blocked.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::key_pattern::{self, KeyPattern};
use super::{
    Backend, Capability, ErrorKind, Expiry, KeyPage, KvStore, RillCallError, StoreError, StoreInfo,
    StoredValue, UpdateFn, ValuePage, ValueSummary,
};
use crate::config::{KvMountConfig, SqliteKvConfig};

/// The table-name rule of kv-sqlite, as its error message prints it.
const TABLE_PATTERN_TEXT: &str = "/^[a-zA-Z_][a-zA-Z0-9_]*$/";

/// How long a statement waits for another process's lock (better-sqlite3's default).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Index entries one `scan_match` page looks at, at most (a sparse pattern then gives empty
/// pages with a cursor, each quick).
const MATCH_WINDOW: usize = 20_000;
/// Page cache of our connections: 8 MiB (SQLite's default is 2 MiB).
const CACHE_SIZE_PRAGMA: &str = "PRAGMA cache_size = -8192";

/// Keys per `IN (…)` statement in [`KvStore::get_many`].
const GET_MANY_CHUNK: usize = 500;

/// The DDL exactly as kv-sqlite runs it, whitespace included.
pub fn create_table_sql(table: &str) -> String {
    format!(
        "\n        CREATE TABLE IF NOT EXISTS {table} (\n          key TEXT PRIMARY KEY,\n          value TEXT NOT NULL\n        )\n      "
    )
}

/// Whether kv-sqlite accepts `table` (`^[a-zA-Z_][a-zA-Z0-9_]*$`).
pub fn is_valid_table_name(table: &str) -> bool {
    let mut chars = table.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One kv-sqlite mount: a table in a database file (or `:memory:`).
#[derive(Debug)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    table: Arc<str>,
    label: String,
    /// The database file (`None` in memory): more connections can read it at once.
    file: Option<std::path::PathBuf>,
}

/// Rows from which [`KvStore::value_summary`] reads the table in parts on several
/// connections at once.
const SUMMARY_PARALLEL_ROWS: u64 = 50_000;

impl SqliteStore {
    /// Opens (creating if needed) the database and the table. Blocking: call it from a blocking
    /// context (`open_kv` does).
    pub fn open(cfg: &KvMountConfig, sq: &SqliteKvConfig) -> Result<SqliteStore, StoreError> {
        let _ = cfg;
        let db = &sq.database;
        let label = format!("{} table {}", db.display(), sq.table);
        let fail = |kind, msg: String| StoreError::new(kind, label.clone(), msg).during("open", "");
        let in_memory = is_memory_path(db);
        let missing_dir = db
            .parent()
            .filter(|d| !in_memory && !d.as_os_str().is_empty() && !d.exists());
        if let Some(dir) = missing_dir {
            std::fs::create_dir_all(dir).map_err(|e| {
                fail(
                    ErrorKind::Config,
                    format!(
                        "Failed to create directory for database path \"{}\": {e}",
                        db.display()
                    ),
                )
            })?;
        }
        let conn = Connection::open(db).map_err(|e| map_err(&label, e).during("open", ""))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| map_err(&label, e).during("open", ""))?;
        let _mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| map_err(&label, e).during("open", ""))?;
        // This connection's page cache only (nothing of it is stored in the file): large
        // writes and reads then go to disk once.
        conn.execute_batch(CACHE_SIZE_PRAGMA)
            .map_err(|e| map_err(&label, e).during("open", ""))?;
        if !is_valid_table_name(&sq.table) {
            return Err(fail(
                ErrorKind::Config,
                format!(
                    "Invalid table name \"{}\": must match pattern {TABLE_PATTERN_TEXT}",
                    sq.table
                ),
            ));
        }
        conn.execute_batch(&create_table_sql(&sq.table))
            .map_err(|e| map_err(&label, e).during("open", ""))?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            table: Arc::from(sq.table.as_str()),
            label,
            file: (!in_memory).then(|| db.clone()),
        })
    }

    /// Opens an existing database and table without writing anything: no directory, no file,
    /// no WAL switch, no DDL (dry runs, diffs). `None` when the database file or the table
    /// does not exist yet, i.e. the store is empty. Blocking.
    pub fn open_existing_read_only(sq: &SqliteKvConfig) -> Result<Option<SqliteStore>, StoreError> {
        let db = &sq.database;
        let label = format!("{} table {}", db.display(), sq.table);
        if is_memory_path(db) || !db.is_file() || !is_valid_table_name(&sq.table) {
            return Ok(None);
        }
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(db, flags)
            .map_err(|e| map_err(&label, e).during("open", ""))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| map_err(&label, e).during("open", ""))?;
        let exists: bool = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
                params![sq.table],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| map_err(&label, e).during("open", ""))?;
        if !exists {
            return Ok(None);
        }
        Ok(Some(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            table: Arc::from(sq.table.as_str()),
            label,
            file: Some(db.clone()),
        }))
    }

    /// [`KvStore::value_summary`] on this store's connection alone.
    async fn summary_in_one_pass(&self) -> Result<Option<ValueSummary>, StoreError> {
        self.run("summarize values of", "", |c, t| {
            summary_of(c, t, None, None)
        })
        .await
        .map(Some)
    }

    /// Runs `f` on the blocking pool with the connection.
    async fn run<R, F>(&self, op: &'static str, target: &str, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection, &str) -> rusqlite::Result<R> + Send + 'static,
    {
        let guard = self.conn.clone().lock_owned().await;
        let table = self.table.clone();
        let (_, r) = self
            .blocking(guard, false, move |c| f(c, &table))
            .await
            .map_err(|e| e.during(op, target.to_string()))?;
        r.map_err(|e| map_err(&self.label, e).during(op, target.to_string()))
    }

    /// Runs `f` with the locked connection on the blocking pool and hands the lock back.
    /// Unless `in_transaction`, a transaction left open by a cancelled `update` is rolled back
    /// first.
    async fn blocking<R, F>(
        &self,
        mut guard: OwnedMutexGuard<Connection>,
        in_transaction: bool,
        f: F,
    ) -> Result<(OwnedMutexGuard<Connection>, R), StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> R + Send + 'static,
    {
        tokio::task::spawn_blocking(move || {
            if !in_transaction && !guard.is_autocommit() {
                let _ = guard.execute_batch("ROLLBACK");
            }
            let r = f(&mut guard);
            (guard, r)
        })
        .await
        .map_err(|e| StoreError::new(ErrorKind::Other, self.label.clone(), e.to_string()))
    }
}

fn text_of(v: SqlValue) -> String {
    match v {
        SqlValue::Null => "null".to_string(),
        SqlValue::Integer(i) => i.to_string(),
        SqlValue::Real(f) => super::js_json::format_number(f),
        SqlValue::Text(s) => s,
        SqlValue::Blob(b) => String::from_utf8_lossy(&b).into_owned(),
    }
}

/// Registers `rillmount_is_json(value)` on `c`: 1 when the value is text that `JSON.parse`
/// accepts (`js_json::kind_of`, the check a kv copy makes of each value), else 0.
fn add_is_json(c: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    use rusqlite::types::ValueRef;
    c.create_scalar_function(
        "rillmount_is_json",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Text(t) => {
                    std::str::from_utf8(t).is_ok_and(|t| super::js_json::kind_of(t).is_ok())
                }
                _ => false,
            })
        },
    )
}

/// [`KvStore::value_summary`] of the rows with `from <= rowid < to` (unbounded where `None`).
fn summary_of(
    c: &Connection,
    table: &str,
    from: Option<i64>,
    to: Option<i64>,
) -> rusqlite::Result<ValueSummary> {
    add_is_json(c)?;
    // one range condition per bound, so that SQLite reads only that range of the table
    let mut range = Vec::new();
    let mut args = Vec::new();
    if let Some(f) = from {
        range.push("rowid >= ?");
        args.push(f);
    }
    if let Some(t) = to {
        range.push("rowid < ?");
        args.push(t);
    }
    let filter = if range.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", range.join(" AND "))
    };
    c.query_row(
        &format!(
            "SELECT COUNT(*), COALESCE(MAX(LENGTH(CAST(value AS BLOB))), 0), \
             COALESCE(SUM(NOT rillmount_is_json(value)), 0) FROM {table}{filter}"
        ),
        rusqlite::params_from_iter(args),
        |r| {
            Ok(ValueSummary {
                entries: r.get::<_, i64>(0)?.max(0) as u64,
                max_len: r.get::<_, i64>(1)?.max(0) as u64,
                all_json: r.get::<_, i64>(2)? == 0,
            })
        },
    )
}

fn stored(text: String) -> StoredValue {
    StoredValue { text, ttl: None }
}

/// The one place rusqlite errors become [`StoreError`]s.
fn map_err(store: &str, e: rusqlite::Error) -> StoreError {
    let kind = match e.sqlite_error_code() {
        Some(ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => ErrorKind::PermissionDenied,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => ErrorKind::Timeout,
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => ErrorKind::Corrupt,
        Some(ErrorCode::CannotOpen) => ErrorKind::NotFound,
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

fn select_value(c: &Connection, table: &str, key: &str) -> rusqlite::Result<Option<String>> {
    c.prepare_cached(&format!("SELECT value FROM {table} WHERE key = ?1"))?
        .query_row([key], |r| r.get::<_, SqlValue>(0))
        .optional()
        .map(|v| v.map(text_of))
}

fn upsert(c: &Connection, table: &str, key: &str, text: &str) -> rusqlite::Result<()> {
    c.prepare_cached(&upsert_sql(table))?
        .execute(params![key, text])
        .map(|_| ())
}

fn upsert_sql(table: &str) -> String {
    format!("INSERT OR REPLACE INTO {table} (key, value) VALUES (?1, ?2)")
}

#[async_trait]
impl KvStore for SqliteStore {
    fn info(&self) -> StoreInfo {
        StoreInfo {
            backend: Backend::Sqlite,
            location: self.label.clone(),
            capability: Capability::default(),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<StoredValue>, StoreError> {
        let k = key.to_string();
        let v = self
            .run("read key", key, move |c, t| select_value(c, t, &k))
            .await?;
        Ok(v.map(stored))
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<StoredValue>>, StoreError> {
        let owned = keys.to_vec();
        let found = self
            .run("read keys", "", move |c, t| {
                let mut found = std::collections::HashMap::new();
                for chunk in owned.chunks(GET_MANY_CHUNK) {
                    let marks = vec!["?"; chunk.len()].join(",");
                    let mut st = c.prepare(&format!(
                        "SELECT key, value FROM {t} WHERE key IN ({marks})"
                    ))?;
                    let rows = st.query_map(rusqlite::params_from_iter(chunk.iter()), |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, SqlValue>(1)?))
                    })?;
                    for row in rows {
                        let (k, v) = row?;
                        found.insert(k, text_of(v));
                    }
                }
                Ok(found)
            })
            .await?;
        Ok(keys
            .iter()
            .map(|k| found.get(k).cloned().map(stored))
            .collect())
    }

    async fn put(&self, key: &str, text: &str, _expiry: Expiry) -> Result<(), StoreError> {
        let (k, v) = (key.to_string(), text.to_string());
        self.run("write key", key, move |c, t| upsert(c, t, &k, &v))
            .await
    }

    async fn put_many(
        &self,
        items: &[(String, String)],
        _expiry: Expiry,
    ) -> Result<(), StoreError> {
        // In key order (stable: of a key written twice the last write still wins), so that
        // one transaction dirties few pages of the key index.
        let mut items = items.to_vec();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        self.run("write keys", "", move |c, t| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut insert = tx.prepare_cached(&upsert_sql(t))?;
                for (k, v) in &items {
                    insert.execute(params![k, v])?;
                }
            }
            tx.commit()
        })
        .await
    }

    async fn update(
        &self,
        key: &str,
        f: &UpdateFn<'_>,
        _expiry: Expiry,
    ) -> Result<Result<bool, RillCallError>, StoreError> {
        let (label, target) = (self.label.clone(), key.to_string());
        let err = move |e: rusqlite::Error| map_err(&label, e).during("update key", target.clone());
        let guard = self.conn.clone().lock_owned().await;
        let (table, k) = (self.table.clone(), key.to_string());
        // Phase 1: open the write transaction and read the row.
        let (guard, current) = self
            .blocking(guard, false, move |c| -> rusqlite::Result<Option<String>> {
                c.execute_batch("BEGIN IMMEDIATE")?;
                let r = select_value(c, &table, &k);
                if r.is_err() {
                    let _ = c.execute_batch("ROLLBACK");
                }
                r
            })
            .await?;
        let current = current.map_err(&err)?;
        // Phase 2 (pure, on this task): compute the new text while the lock is held.
        let outcome = f(current.as_deref());
        let (table, k) = (self.table.clone(), key.to_string());
        let write = match &outcome {
            Ok(Some(text)) => Some(text.clone()),
            _ => None,
        };
        // Phase 3: write and commit, or roll back.
        let (_guard, done) = self
            .blocking(guard, true, move |c| -> rusqlite::Result<()> {
                match write {
                    Some(text) => match upsert(c, &table, &k, &text) {
                        Ok(()) => c.execute_batch("COMMIT"),
                        Err(e) => {
                            let _ = c.execute_batch("ROLLBACK");
                            Err(e)
                        }
                    },
                    None => c.execute_batch("ROLLBACK"),
                }
            })
            .await?;
        done.map_err(&err)?;
        Ok(outcome.map(|w| w.is_some()))
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let k = key.to_string();
        self.run("delete key", key, move |c, t| {
            c.prepare_cached(&format!("DELETE FROM {t} WHERE key = ?1"))?
                .execute([&k])
                .map(|n| n > 0)
        })
        .await
    }

    /// Keys in ascending byte order, paged with the last key as cursor.
    async fn scan(&self, cursor: Option<&str>, count: usize) -> Result<KeyPage, StoreError> {
        let cursor = cursor.map(str::to_string);
        let limit = count.clamp(1, 100_000) as i64;
        let keys = self
            .run("list keys", "", move |c, t| {
                let rows: rusqlite::Result<Vec<String>> = match &cursor {
                    None => c
                        .prepare_cached(&format!("SELECT key FROM {t} ORDER BY key LIMIT ?1"))?
                        .query_map([limit], |r| r.get(0))?
                        .collect(),
                    Some(after) => c
                        .prepare_cached(&format!(
                            "SELECT key FROM {t} WHERE key > ?1 ORDER BY key LIMIT ?2"
                        ))?
                        .query_map(params![after, limit], |r| r.get(0))?
                        .collect(),
                };
                rows
            })
            .await?;
        let next = (keys.len() as i64 == limit)
            .then(|| keys.last().cloned())
            .flatten();
        Ok(KeyPage::new(keys, next))
    }

    /// The index range of the pattern's literal prefix (`key >= ? AND key < ?`), `GLOB` on
    /// each key of it, at most [`MATCH_WINDOW`] index entries looked at per page; each
    /// candidate checked with the pattern itself.
    async fn scan_match(
        &self,
        pattern: &KeyPattern,
        cursor: Option<&str>,
        count: usize,
    ) -> Result<KeyPage, StoreError> {
        let lo = pattern.literal_prefix();
        let hi = key_pattern::prefix_upper_bound(&lo);
        // after the cursor (a key looked at, so within the range), else from the prefix on
        let (start, op) = match cursor {
            Some(c) => (c.to_string(), ">"),
            None => (lo, ">="),
        };
        let glob = pattern.sqlite_glob();
        let (pattern, want) = (pattern.clone(), count.clamp(1, 100_000));
        let (keys, scanned, last) = self
            .run("list keys", "", move |c, t| {
                let upper = if hi.is_some() { "AND key < ?2" } else { "" };
                let mut q = c.prepare_cached(&format!(
                    "SELECT key, key GLOB ?3 FROM {t} WHERE key {op} ?1 {upper} \
                     ORDER BY key LIMIT ?4"
                ))?;
                let window = MATCH_WINDOW as i64;
                let mut rows = match &hi {
                    Some(hi) => q.query(params![start, hi, glob, window])?,
                    None => q.query(params![start, rusqlite::types::Null, glob, window])?,
                };
                let (mut keys, mut scanned, mut last) = (Vec::new(), 0u64, None::<String>);
                while let Some(r) = rows.next()? {
                    let key: String = r.get(0)?;
                    scanned += 1;
                    if r.get::<_, bool>(1)? && pattern.matches(&key) {
                        keys.push(key.clone());
                    }
                    last = Some(key);
                    if keys.len() >= want {
                        break;
                    }
                }
                let full = scanned as usize == MATCH_WINDOW || keys.len() >= want;
                Ok((keys, scanned, last.filter(|_| full)))
            })
            .await?;
        Ok(KeyPage {
            keys,
            next: last,
            scanned,
        })
    }

    /// Keys and values of one page in one statement (same order and cursor as `scan`).
    async fn scan_values(
        &self,
        cursor: Option<&str>,
        count: usize,
    ) -> Result<ValuePage, StoreError> {
        let cursor = cursor.map(str::to_string);
        let limit = count.clamp(1, 100_000) as i64;
        let rows = self
            .run("read keys", "", move |c, t| {
                let row =
                    |r: &rusqlite::Row<'_>| Ok((r.get::<_, String>(0)?, r.get::<_, SqlValue>(1)?));
                let rows: rusqlite::Result<Vec<(String, SqlValue)>> = match &cursor {
                    None => c
                        .prepare_cached(&format!(
                            "SELECT key, value FROM {t} ORDER BY key LIMIT ?1"
                        ))?
                        .query_map([limit], row)?
                        .collect(),
                    Some(after) => c
                        .prepare_cached(&format!(
                            "SELECT key, value FROM {t} WHERE key > ?1 ORDER BY key LIMIT ?2"
                        ))?
                        .query_map(params![after, limit], row)?
                        .collect(),
                };
                rows
            })
            .await?;
        let next = (rows.len() as i64 == limit)
            .then(|| rows.last().map(|(k, _)| k.clone()))
            .flatten();
        let entries = rows
            .into_iter()
            .map(|(k, v)| (k, stored(text_of(v))))
            .collect();
        Ok(ValuePage { entries, next })
    }

    /// Rows of the whole table (rill's `maxEntries` count, other mounts' rows included).
    async fn count(&self) -> Result<u64, StoreError> {
        self.run("count keys", "", |c, t| {
            c.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n.max(0) as u64)
        })
        .await
    }

    /// One pass of SQLite over the table (other mounts' rows included): its rows, the longest
    /// value in bytes, and whether every value is text that `JSON.parse` accepts (checked in
    /// the query by the same function a copy checks each value with). A large table on file is read in rowid ranges on as
    /// many read-only connections as there are cores (at most 4).
    async fn value_summary(&self) -> Result<Option<ValueSummary>, StoreError> {
        let parts = std::thread::available_parallelism().map_or(1, |n| n.get().min(4)) as u64;
        let rows = self.count().await?;
        let file = self
            .file
            .clone()
            .filter(|_| parts > 1 && rows >= SUMMARY_PARALLEL_ROWS);
        // `parts` ranges of rowids (each a range of the table's own b-tree, read in order); a
        // table without rowids is summed up in one pass
        let span = match file {
            Some(_) => self
                .run("summarize values of", "", |c, t| {
                    c.query_row(
                        &format!("SELECT MIN(rowid), MAX(rowid) FROM {t}"),
                        [],
                        |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?)),
                    )
                })
                .await
                .ok(),
            None => None,
        };
        let (Some((Some(lo), Some(hi))), Some(file)) = (span, file) else {
            return self.summary_in_one_pass().await;
        };
        let width = (i128::from(hi) - i128::from(lo) + 1) as u128;
        let cut =
            |i: u64| (i128::from(lo) + (width * u128::from(i) / u128::from(parts)) as i128) as i64;
        let reads = (0..parts).map(|i| {
            let (from, to) = ((i > 0).then(|| cut(i)), (i + 1 < parts).then(|| cut(i + 1)));
            let (file, table, label) = (file.clone(), self.table.clone(), self.label.clone());
            tokio::task::spawn_blocking(move || {
                let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
                Connection::open_with_flags(&file, flags)
                    .and_then(|c| {
                        c.busy_timeout(BUSY_TIMEOUT)?;
                        summary_of(&c, &table, from, to)
                    })
                    .map_err(|e| map_err(&label, e).during("summarize values of", ""))
            })
        });
        let mut sum = ValueSummary {
            entries: 0,
            max_len: 0,
            all_json: true,
        };
        for part in futures::future::join_all(reads).await {
            match part {
                Ok(Ok(part)) => {
                    sum.entries += part.entries;
                    sum.max_len = sum.max_len.max(part.max_len);
                    sum.all_json &= part.all_json;
                }
                // another connection could not read the file (moved or deleted since it was
                // opened): this one sums it up alone
                _ => return self.summary_in_one_pass().await,
            }
        }
        Ok(Some(sum))
    }

    /// `DELETE FROM <table>`: every row, including those of other mounts sharing the table.
    async fn clear(&self) -> Result<(), StoreError> {
        self.run("clear", "", |c, t| {
            c.execute(&format!("DELETE FROM {t}"), []).map(|_| ())
        })
        .await
    }
}

/// Whether `path` names SQLite's private in-memory database.
pub fn is_memory_path(path: &Path) -> bool {
    path.as_os_str() == ":memory:"
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn table_names() {
        for ok in ["kv", "_t", "T1_x", "select"] {
            assert!(is_valid_table_name(ok), "{ok}");
        }
        for bad in ["", "1t", "a-b", "a b", "é", "t;"] {
            assert!(!is_valid_table_name(bad), "{bad}");
        }
    }
}
