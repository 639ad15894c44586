//! The storage layer: the five rill backends behind one contract.
//!
//! - kv: [`KvStore`] is the raw, flat key → JSON-text store (JSON file, SQLite table, Redis
//!   prefix, and the in-memory reference). [`kv_mount::KvMount`] puts rill's kv functions
//!   (`get`, `set`, `merge`, schema, limits, modes) on top of any `KvStore`, with the per-backend
//!   differences of spec/backends.md §7.1.
//! - fs: [`FileStore`] is the raw file tree (local folder, S3 bucket + prefix); [`RillFs`] is
//!   rill's fs functions with each backend's own sandbox and quirks (§5, §6).
//!
//! Native client types (rusqlite, redis, aws-sdk-s3) never leave their backend's file: each
//! backend maps its errors into [`StoreError`] with one `map_err` function.

pub mod fs_overlay;
pub mod js_date;
pub mod js_json;
pub mod json_file;
pub mod key_pattern;
pub mod kv_mount;
pub mod local_dir;
mod local_sandbox;
pub mod memory;
pub mod open;
pub mod overlay;
pub mod redis;
pub mod rill_glob;
pub mod s3;
mod s3_error;
mod s3_multipart;
pub(crate) use s3_multipart::part_size_for;
mod s3_rill;
mod s3_upload;
pub mod sqlite;
pub mod value_query;

pub use js_date::iso_string;
pub use s3_rill::mount_not_configured;

use std::fmt::{self, Debug};
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use futures::Stream;
use thiserror::Error;

pub use js_json::{Json, JsonObject};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// What went wrong, independent of the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    AlreadyExists,
    PermissionDenied,
    /// The operation is refused by the mount's mode, schema or limits.
    Refused,
    Unsupported,
    Connection,
    Timeout,
    Corrupt,
    Config,
    Other,
}

/// An error of one backend operation on one target.
///
/// Display reads "cannot <op> `<target>` in <store>: <message>" when `op` is set. `store` is a
/// location label without secrets (`redis://localhost:6379/0 prefix app:`), never a full URL
/// with a password.
#[derive(Debug, Error)]
pub struct StoreError {
    pub kind: ErrorKind,
    /// Location label of the store (never contains credentials).
    pub store: String,
    /// What the operation was about: a key, a path, or empty.
    pub target: String,
    /// The operation in a few words ("read key", "list", "open").
    pub op: &'static str,
    /// The cause, in lower case, without library type names.
    pub message: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.op.is_empty(), self.target.is_empty()) {
            (true, _) => write!(f, "{}: {}", self.store, self.message),
            (false, true) => write!(f, "cannot {} {}: {}", self.op, self.store, self.message),
            (false, false) => write!(
                f,
                "cannot {} `{}` in {}: {}",
                self.op, self.target, self.store, self.message
            ),
        }
    }
}

impl StoreError {
    pub fn new(kind: ErrorKind, store: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError {
            kind,
            store: store.into(),
            target: String::new(),
            op: "",
            message: message.into(),
        }
    }

    /// Adds the operation and its target ("read key", "user:7").
    pub fn during(mut self, op: &'static str, target: impl Into<String>) -> Self {
        self.op = op;
        self.target = target.into();
        self
    }

    /// Network hiccups and timeouts are worth one more try; refusals and corruption are not.
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ErrorKind::Connection | ErrorKind::Timeout)
    }
}

/// An error raised by a rill-facing kv/fs function, worded exactly as the reference backend
/// words it (spec/backends.md §2–§6): the core JSON kv and local fs raise coded `RuntimeError`s
/// (`RILL-R004`, `RILL-R017`…), the sqlite/redis/s3 packages raise plain errors (`code: None`).
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{message}")]
pub struct RillCallError {
    pub code: Option<&'static str>,
    pub message: String,
}

impl RillCallError {
    pub fn coded(code: &'static str, message: impl Into<String>) -> Self {
        RillCallError {
            code: Some(code),
            message: message.into(),
        }
    }
    pub fn plain(message: impl Into<String>) -> Self {
        RillCallError {
            code: None,
            message: message.into(),
        }
    }
}

impl From<StoreError> for RillCallError {
    fn from(e: StoreError) -> Self {
        RillCallError::plain(e.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// Descriptions shared by both store kinds
// ---------------------------------------------------------------------------------------------

/// Which rill backend a store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Memory,
    Json,
    Sqlite,
    Redis,
    Local,
    S3,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Json => "json",
            Backend::Sqlite => "sqlite",
            Backend::Redis => "redis",
            Backend::Local => "local",
            Backend::S3 => "s3",
        }
    }
}

/// What a backend can do beyond the common contract.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capability {
    /// Per-key expiry (Redis).
    pub ttl: bool,
    /// Reading a byte range without fetching the whole object (local, S3).
    pub ranged_read: bool,
    /// Replacing a file in one step (local rename; not S3).
    pub atomic_rename: bool,
    /// Real directories that exist while empty (local; not S3).
    pub directories: bool,
}

/// Identity of an opened store, safe to show: no secrets.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreInfo {
    pub backend: Backend,
    /// Human location without credentials: a path, `redis://host:port/db prefix app:`,
    /// `s3://bucket/prefix`.
    pub location: String,
    pub capability: Capability,
}

// ---------------------------------------------------------------------------------------------
// kv
// ---------------------------------------------------------------------------------------------

/// One page of keys from [`KvStore::scan`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyPage {
    pub keys: Vec<String>,
    /// Cursor for the next page; `None` when the scan is complete.
    pub next: Option<String>,
    /// About how many stored keys the backend looked at to make this page: on Redis the sum
    /// of the `COUNT` hints of its SCAN steps (a mount's prefix may match few of the database's
    /// keys, so a page can be empty and still not the last); elsewhere the keys returned.
    pub scanned: u64,
}

impl KeyPage {
    /// A page whose backend looked at exactly the keys it returns.
    pub fn new(keys: Vec<String>, next: Option<String>) -> KeyPage {
        KeyPage {
            scanned: keys.len() as u64,
            keys,
            next,
        }
    }
}

/// `keys` paired with their `values` (a `get_many`'s answer), leaving out the keys that
/// vanished between listing and reading.
pub fn with_values(
    keys: Vec<String>,
    values: Vec<Option<StoredValue>>,
) -> Vec<(String, StoredValue)> {
    keys.into_iter()
        .zip(values)
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

/// One page of entries from [`KvStore::scan_values`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValuePage {
    pub entries: Vec<(String, StoredValue)>,
    /// Cursor for the next page; `None` when the scan is complete.
    pub next: Option<String>,
}

/// A stored value as the backend holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredValue {
    /// Compact `JSON.stringify` text (SQLite cell, Redis string; the JSON file's value rendered
    /// compact).
    pub text: String,
    /// Remaining time to live (Redis only).
    pub ttl: Option<Duration>,
}

/// How a `put` sets expiry (Redis only; other backends ignore it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expiry {
    /// What a rill host does: the mount's `ttl` option (SETEX), or none (SET clears any TTL).
    #[default]
    MountDefault,
    /// An explicit remaining time (migration with `--preserve-ttl`).
    After(Duration),
    /// No expiry at all.
    Never,
    /// Whatever time to live the key has now (Redis `SET … KEEPTTL`; a new key gets none): a
    /// tool's edit of a value that should not change when it expires.
    Keep,
}

/// The callback of [`KvStore::update`]: receives the current stored text (if any) and returns
/// the text to store, or `None` to leave the key untouched.
pub type UpdateFn<'a> =
    dyn Fn(Option<&str>) -> Result<Option<String>, RillCallError> + Send + Sync + 'a;

/// Flat key → JSON-text store (JSON file, SQLite table, Redis prefix, memory).
///
/// - Keys are any string, `""` included. Values are compact `JSON.stringify` text; the store
///   never reinterprets it (the JSON file backend parses it to keep its in-memory object).
/// - `get` of a missing key is `Ok(None)`, not an error.
/// - `put` overwrites. `scan` order is unspecified; a Redis scan may repeat keys.
/// - Only stored entries exist here: schema defaults are rill semantics, handled by
///   [`kv_mount::KvMount`] (except the JSON file, which materialises them at load as rill does).
#[async_trait]
pub trait KvStore: Send + Sync + Debug {
    fn info(&self) -> StoreInfo;

    async fn get(&self, key: &str) -> Result<Option<StoredValue>, StoreError>;

    /// Several keys at once (Redis MGET, one SQLite statement); same order as `keys`.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<StoredValue>>, StoreError> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.get(k).await?);
        }
        Ok(out)
    }

    async fn put(&self, key: &str, text: &str, expiry: Expiry) -> Result<(), StoreError>;

    /// Many writes at once (SQLite: one transaction; Redis: one pipeline).
    async fn put_many(&self, items: &[(String, String)], expiry: Expiry) -> Result<(), StoreError> {
        for (k, v) in items {
            self.put(k, v, expiry).await?;
        }
        Ok(())
    }

    /// Many writes, each with its own expiry (migration with `--preserve-ttl`). Redis sends
    /// them pipelined; other backends write one by one (they keep no TTLs).
    async fn put_many_expiring(
        &self,
        items: &[(String, String, Expiry)],
    ) -> Result<(), StoreError> {
        for (k, v, e) in items {
            self.put(k, v, *e).await?;
        }
        Ok(())
    }

    /// Read-modify-write of one key, atomic where the backend allows it (SQLite transaction,
    /// Redis WATCH/MULTI with retries, JSON file under its lock). Returns whether a write happened.
    async fn update(
        &self,
        key: &str,
        f: &UpdateFn<'_>,
        expiry: Expiry,
    ) -> Result<Result<bool, RillCallError>, StoreError>;

    /// Removes a key; returns whether it existed.
    async fn delete(&self, key: &str) -> Result<bool, StoreError>;

    /// One page of stored keys. `cursor` is `None` for the first page, then the previous `next`.
    /// `count` is a hint.
    async fn scan(&self, cursor: Option<&str>, count: usize) -> Result<KeyPage, StoreError>;

    /// One page of the stored keys that match `pattern` ([`key_pattern`]), in `scan`'s order
    /// and with its cursor. A page may be empty and still not the last (the keys looked at
    /// held no match): `scanned` says how many were looked at. Default: `scan` filtered;
    /// SQLite reads only the index range of the pattern's literal prefix, Redis matches on the
    /// server.
    async fn scan_match(
        &self,
        pattern: &key_pattern::KeyPattern,
        cursor: Option<&str>,
        count: usize,
    ) -> Result<KeyPage, StoreError> {
        let mut page = self.scan(cursor, count).await?;
        page.keys.retain(|k| pattern.matches(k));
        Ok(page)
    }

    /// One page of keys with their values (what a copy reads from its source). Default:
    /// `scan` then `get_many`, leaving out keys that vanished in between; SQLite reads both
    /// in one statement.
    async fn scan_values(
        &self,
        cursor: Option<&str>,
        count: usize,
    ) -> Result<ValuePage, StoreError> {
        let page = self.scan(cursor, count).await?;
        let values = self.get_many(&page.keys).await?;
        Ok(ValuePage {
            entries: with_values(page.keys, values),
            next: page.next,
        })
    }

    /// Number of stored entries as rill counts them for `maxEntries` (SQLite: the whole table;
    /// Redis: keys matching `prefix*`).
    async fn count(&self) -> Result<u64, StoreError>;

    /// Deletes every stored entry of this store (rill `clear`, before defaults are re-added).
    /// The JSON file store, which materialises schema defaults, puts them back itself.
    async fn clear(&self) -> Result<(), StoreError>;

    /// Forgets what this handle holds of the store, so the next call reads it again (the JSON
    /// file store drops its loaded copy: another process may have written the file since).
    /// Default: nothing is held.
    async fn reload(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Writes pending changes (JSON file: the whole file, temp file + rename). Others: no-op.
    async fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// UTF-8 size of the compact `JSON.stringify` of the whole store if `key` were set to `text`
    /// (rill's `maxStoreSize` check, core JSON kv only). `None` where the backend has no store
    /// size limit.
    async fn size_if_set(&self, _key: &str, _text: &str) -> Result<Option<u64>, StoreError> {
        Ok(None)
    }

    /// UTF-8 size of the compact `JSON.stringify` of the whole store now (what rill's
    /// `maxStoreSize` is checked against, core JSON kv only); `None` elsewhere.
    async fn compact_size(&self) -> Result<Option<u64>, StoreError> {
        Ok(None)
    }

    /// What every stored value has in common, when the backend can say it without reading
    /// the values out (SQLite: one aggregate query); `None` elsewhere. A migration preflight
    /// uses it to accept a copy at a glance.
    async fn value_summary(&self) -> Result<Option<ValueSummary>, StoreError> {
        Ok(None)
    }
}

/// Facts about all the values of a kv store (see [`KvStore::value_summary`]); they may cover
/// more entries than one mount sees (a SQLite table), never fewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueSummary {
    pub entries: u64,
    /// The longest value text, in UTF-8 bytes.
    pub max_len: u64,
    /// Every value is JSON text that `JSON.parse` accepts (`js_json::kind_of`).
    pub all_json: bool,
}

// ---------------------------------------------------------------------------------------------
// fs
// ---------------------------------------------------------------------------------------------

/// A stream of file content; large files are never fully buffered.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, StoreError>> + Send>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Directory,
    Symlink,
}

/// Metadata of one file or directory, relative to the mount root.
#[derive(Debug, Clone, PartialEq)]
pub struct FileMeta {
    /// Path relative to the mount root, `/`-separated, no leading `/`.
    pub path: String,
    pub kind: EntryKind,
    pub size: u64,
    pub modified: Option<SystemTime>,
    pub created: Option<SystemTime>,
    /// S3 ETag or similar, when the backend has one.
    pub etag: Option<String>,
    pub content_type: Option<String>,
}

impl FileMeta {
    /// Last path segment.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// The order of [`FileStore::walk`]: a file's path, a directory's path followed by `/`.
pub fn walk_key(meta: &FileMeta) -> std::borrow::Cow<'_, str> {
    if meta.kind == EntryKind::Directory {
        format!("{}/", meta.path).into()
    } else {
        meta.path.as_str().into()
    }
}

/// One page of a listing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilePage {
    pub entries: Vec<FileMeta>,
    /// Continuation for the next page; `None` when complete.
    pub next: Option<String>,
    /// Entries looked at to make the page, where more than it holds (`walk_match`: the
    /// walked paths the pattern did not take); 0 means "the entries".
    pub scanned: u64,
}

/// A file tree (local folder, S3 bucket + prefix) for browsing and migration.
///
/// - Paths are relative to the mount root, `/`-separated, without a leading `/`.
/// - `stat` of a missing path is `Ok(None)`.
/// - `write` never leaves a half-written file visible: local writes go to a temp file and are
///   renamed; S3 uploads are complete objects (multipart is completed or aborted).
/// - Listings are not capped: pages follow one another until `next` is `None`.
#[async_trait]
pub trait FileStore: Send + Sync + Debug {
    fn info(&self) -> StoreInfo;

    /// Entries directly under `dir` (`""` = root): directories and files, paged.
    async fn list(
        &self,
        dir: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<FilePage, StoreError>;

    /// Every file below the root (recursively), paged; directories only when empty
    /// (so that migration can recreate them where the destination has directories).
    ///
    /// Entries come in byte order of their paths, an empty directory `d` where `d/` would
    /// sort (S3's listing order): two walks merge like two sorted lists, which is how a plan
    /// finds each file's counterpart without a request per file ([`walk_key`]).
    async fn walk(&self, cursor: Option<&str>, limit: usize) -> Result<FilePage, StoreError>;

    /// One page of the files (and empty directories) of [`walk`](Self::walk) whose paths
    /// match `pattern` ([`key_pattern`]), with `walk`'s cursor; a page may be empty and still
    /// not the last. Default: `walk` filtered, ending once the walk is past the paths that
    /// start with the pattern's literal prefix; S3 lists only the keys under that prefix.
    async fn walk_match(
        &self,
        pattern: &key_pattern::KeyPattern,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<FilePage, StoreError> {
        let mut page = self.walk(cursor, limit).await?;
        page.scanned = page.entries.len() as u64;
        let prefix = pattern.literal_prefix();
        let past = key_pattern::prefix_upper_bound(&prefix);
        if let (Some(past), Some(last)) = (&past, page.entries.last())
            && walk_key(last).as_ref() >= past.as_str()
        {
            page.next = None;
        }
        page.entries.retain(|m| pattern.matches(&m.path));
        Ok(page)
    }

    async fn stat(&self, path: &str) -> Result<Option<FileMeta>, StoreError>;

    /// The whole content as a stream.
    async fn read(&self, path: &str) -> Result<ByteStream, StoreError>;

    /// At most `len` bytes from `offset` (previews of huge files).
    async fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Bytes, StoreError>;

    /// Creates or replaces `path` with the stream's content, creating parents where the
    /// backend has directories. `size` is the content length when known (S3 chooses single or
    /// multipart upload by it).
    async fn write(
        &self,
        path: &str,
        body: ByteStream,
        size: Option<u64>,
    ) -> Result<FileMeta, StoreError>;

    /// Removes a file; returns whether it existed.
    async fn delete(&self, path: &str) -> Result<bool, StoreError>;

    /// Creates a directory and its parents; returns false if it existed. A no-op returning
    /// false where the backend has no directories (S3).
    async fn mkdir(&self, path: &str) -> Result<bool, StoreError>;

    /// Waits for the clean-up of writes whose futures were dropped (a cancelled copy): S3
    /// aborts their multipart uploads in the background, so that none is left incomplete.
    /// Nothing to wait for elsewhere.
    async fn settle(&self) {}

    /// Lower-case hex SHA-256 of the content.
    async fn hash(&self, path: &str) -> Result<String, StoreError> {
        use futures::StreamExt;
        use sha2::{Digest, Sha256};
        let mut stream = self.read(path).await?;
        let mut h = Sha256::new();
        while let Some(chunk) = stream.next().await {
            h.update(&chunk?);
        }
        Ok(hex::encode(h.finalize()))
    }
}

/// rill's fs functions with the exact behaviour of the backend's reference package
/// (core local fs §5.4, fs-s3 §6.3): sandbox rules, mode checks, error texts, return shapes.
/// Values are returned as [`Json`] (lists of `{name, type, size}` dicts, strings, booleans).
#[async_trait]
pub trait RillFs: Send + Sync + Debug {
    async fn read(&self, path: &str) -> Result<Json, RillCallError>;
    async fn write(&self, path: &str, content: &str) -> Result<Json, RillCallError>;
    async fn append(&self, path: &str, content: &str) -> Result<Json, RillCallError>;
    async fn list(&self, path: &str) -> Result<Json, RillCallError>;
    async fn find(&self, pattern: &str) -> Result<Json, RillCallError>;
    async fn exists(&self, path: &str) -> Result<Json, RillCallError>;
    async fn remove(&self, path: &str) -> Result<Json, RillCallError>;
    async fn stat(&self, path: &str) -> Result<Json, RillCallError>;
    async fn mkdir(&self, path: &str) -> Result<Json, RillCallError>;
    async fn copy(&self, src: &str, dest: &str) -> Result<Json, RillCallError>;
    async fn move_(&self, src: &str, dest: &str) -> Result<Json, RillCallError>;
    /// This mount's entry in `fs::mounts()`.
    fn mount_entry(&self) -> Json;
}

/// A filesystem used both ways: raw (browse, migrate) and through rill's functions.
pub trait FsMountStore: FileStore + RillFs {}
impl<T: FileStore + RillFs> FsMountStore for T {}
