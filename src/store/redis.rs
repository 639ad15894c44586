//! kv-redis (`@rcrsr/rill-ext-kv-redis`): one mount = every Redis key under a raw prefix
//! (spec/backends.md §4).
//!
//! Layout: Redis key = `prefix + key` (no separator), Redis type string, value = the compact
//! `JSON.stringify` text exactly as given. Expiry follows rill: a mount `ttl` writes with
//! `SETEX`, otherwise plain `SET` (which clears any TTL the key had).
//!
//! Connections: one shared multiplexed [`ConnectionManager`] (reconnects after the server comes
//! back) for every command, plus a small pool of dedicated connections for `update`, because a
//! `WATCH` belongs to a connection and would be broken by other callers' commands on a shared one.
//! Connecting, and every command, is bounded by a timeout: an unreachable server is an error of
//! kind `Connection`/`Timeout`, never a hang.
//!
//! Differences from rill, on purpose:
//! - rill lists with `SCAN MATCH <prefix>*` using the raw prefix as a glob, so a prefix holding
//!   `* ? [ ] \` matches wrong keys (spec §12 item 6). Our `scan` and `clear` escape those
//!   characters in the pattern and also keep only keys that really start with the prefix.
//!   `count` keeps rill's raw pattern on purpose: it is what rill's `maxEntries` check counts.
//! - Keys that are not valid UTF-8 are shown lossily (U+FFFD), as ioredis decodes them.
//! - A foreign key of another Redis type under the prefix: `get` reports an error of kind
//!   `Corrupt` naming the key; `get_many` reports it as absent (`None`), as rill's `getAll`
//!   skips it (MGET answers nil for non-string keys).
//!
//! Secrets: the URL's password never appears in errors, `Debug` or [`StoreInfo::location`].

use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Client, ConnectionAddr, RedisError, Value};

use super::key_pattern::KeyPattern;
use super::{
    Backend, Capability, ErrorKind, Expiry, KeyPage, KvStore, RillCallError, StoreError, StoreInfo,
    StoredValue, UpdateFn,
};
use crate::config::{KvMountConfig, RedisKvConfig};

/// How long one command (or pipeline) may wait for its answer unless told otherwise.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// rill's optimistic `merge` gives up after this many aborted transactions.
pub const MAX_UPDATE_ATTEMPTS: usize = 10;
/// rill's text when every attempt of `merge` was aborted by concurrent writes.
pub const MERGE_RETRIES_TEXT: &str =
    "Failed to merge after 10 retries due to concurrent modifications";

/// Commands per pipeline in `put_many`; several pipelines are in flight at once.
const PUT_CHUNK: usize = 2_000;
const PUT_PIPELINES_IN_FLIGHT: usize = 4;
/// Keys and bytes (keys and values) of one `MSET` in `put_many`.
const MSET_KEYS: usize = 500;
const MSET_BYTES: usize = 1 << 20;
/// Keys per `MGET` in `get_many`.
const GET_CHUNK: usize = 1_000;
const GET_CHUNKS_IN_FLIGHT: usize = 4;
/// `COUNT` hint for our own full scans (`count`, `clear`).
const FULL_SCAN_COUNT: usize = 1_000;
/// How long one `scan` call may keep stepping over SCAN pages that hold none of the mount's
/// keys before it returns an empty page with the cursor (so a UI stays live).
const SPARSE_SCAN_BUDGET: Duration = Duration::from_millis(100);
/// The smallest `COUNT` of the steps after an empty one.
const SPARSE_SCAN_COUNT: usize = 1_000;
/// Keys per `DEL` in `clear`.
const DEL_CHUNK: usize = 1_000;

/// rill's check that no two mounts of one Redis extension have overlapping prefixes: for every
/// pair, neither prefix may start with the other (so identical prefixes are rejected, and an
/// empty prefix is only possible with a single mount). `mounts` are `(name, prefix)` pairs in
/// declaration order; the error is rill's text.
pub fn check_prefix_overlap(mounts: &[(&str, &str)]) -> Result<(), String> {
    for (i, (a_name, a_prefix)) in mounts.iter().enumerate() {
        for (b_name, b_prefix) in &mounts[i + 1..] {
            if a_prefix.starts_with(b_prefix) || b_prefix.starts_with(a_prefix) {
                return Err(format!(
                    "Mount prefix overlap detected: \"{a_name}\" ({a_prefix}) and \"{b_name}\" ({b_prefix})"
                ));
            }
        }
    }
    Ok(())
}

/// A Redis URL with any user info replaced by `***` (the user name is kept), safe to show.
///
/// Conservative: everything up to the last `@` counts as user info, so a password holding an
/// unencoded `/` or `@` is still hidden.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    match rest.rfind('@') {
        Some(at) => {
            let shown = match rest[..at].split_once(':') {
                Some((user, _)) if !user.contains(['/', '?', '#']) => format!("{user}:***"),
                _ => "***".to_string(),
            };
            format!("{scheme}{shown}{}", &rest[at..])
        }
        None => url.to_string(),
    }
}

/// The `MATCH` pattern selecting exactly the keys that start with `prefix`: glob characters of
/// the prefix are escaped with `\`, then `*` is appended. (rill uses `prefix*` unescaped.)
pub fn escaped_match_pattern(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + 2);
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('*');
    out
}

/// The parts of an error message that must never be shown (the URL's password, raw and
/// percent-decoded). Very short passwords are not scrubbed: replacing every occurrence of one
/// or two characters would make messages unreadable, and redis messages never echo them anyway.
#[derive(Clone, Default)]
struct Scrubber(Vec<String>);

impl Scrubber {
    fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.0 {
            out = out.replace(secret.as_str(), "***");
        }
        out
    }
}

/// Where an error happened, for [`map_err`].
struct ErrContext<'a> {
    store: &'a str,
    scrubber: &'a Scrubber,
}

/// The one translation of redis errors into [`StoreError`]: picks the kind, words the cause in
/// lower case without library type names, and removes the password from the text.
fn map_err(e: RedisError, ctx: &ErrContext<'_>, op: &'static str, target: &str) -> StoreError {
    use redis::ErrorKind as K;
    let server_code = e.clone().into_server_errors().and_then(|errs| {
        errs.first()
            .map(|(_, s)| (s.code().to_string(), s.details().map(str::to_string)))
    });
    let (kind, message) = if e.is_timeout() {
        (
            ErrorKind::Timeout,
            "no answer from the server in time".to_string(),
        )
    } else if e.kind() == K::Io {
        // The io error's own text ("connection refused"), without the os error number.
        let text = library_text(&e);
        let text = match text.find(" (os error") {
            Some(i) => &text[..i],
            None => &text,
        };
        (ErrorKind::Connection, text.to_string())
    } else if let Some((code, detail)) = server_code {
        let detail = detail.unwrap_or_default();
        let kind = match code.as_str() {
            "WRONGTYPE" => ErrorKind::Corrupt,
            "NOAUTH" | "WRONGPASS" | "NOPERM" => ErrorKind::PermissionDenied,
            "READONLY" => ErrorKind::Refused,
            "LOADING" | "MASTERDOWN" | "TRYAGAIN" => ErrorKind::Connection,
            _ => ErrorKind::Other,
        };
        let message = if code == "WRONGTYPE" {
            "the key holds a non-string redis value (WRONGTYPE)".to_string()
        } else {
            format!("server answered {code} {detail}")
                .trim_end()
                .to_string()
        };
        (kind, message)
    } else {
        let kind = match e.kind() {
            K::AuthenticationFailed => ErrorKind::PermissionDenied,
            K::InvalidClientConfig => ErrorKind::Config,
            K::Parse | K::UnexpectedReturnType => ErrorKind::Corrupt,
            _ => ErrorKind::Other,
        };
        let message = library_text(&e);
        (kind, message)
    };
    StoreError::new(kind, ctx.store, ctx.scrubber.scrub(&message)).during(op, target)
}

/// The library's own text without its type names: it reads "<what> - <KindName>: <detail>".
fn library_text(e: &RedisError) -> String {
    lower_first(&e.to_string().replacen(&format!(" - {:?}", e.kind()), "", 1))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A kv-redis mount: keys under one prefix of one Redis logical database.
pub struct RedisStore {
    manager: ConnectionManager,
    client: Client,
    conn_config: AsyncConnectionConfig,
    connect_timeout: Duration,
    command_timeout: Duration,
    /// Dedicated connections for WATCH/MULTI, reused one update at a time each.
    watch_pool: Mutex<Vec<MultiplexedConnection>>,
    prefix: String,
    /// Our listing pattern (glob characters escaped).
    match_pattern: String,
    /// rill's pattern (`prefix*`, raw), used only by `count`.
    rill_pattern: String,
    /// Mount TTL in seconds when set and > 0.
    ttl: Option<u64>,
    location: String,
    scrubber: Scrubber,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("location", &self.location)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Validates the URL as rill does, connects within `r.connect_timeout` and checks the server
    /// answers `PING`. Commands then time out after [`DEFAULT_COMMAND_TIMEOUT`].
    pub async fn connect(cfg: &KvMountConfig, r: &RedisKvConfig) -> Result<RedisStore, StoreError> {
        Self::connect_with_command_timeout(cfg, r, DEFAULT_COMMAND_TIMEOUT).await
    }

    /// [`RedisStore::connect`] with a chosen per-command timeout (tests, slow links).
    pub async fn connect_with_command_timeout(
        cfg: &KvMountConfig,
        r: &RedisKvConfig,
        command_timeout: Duration,
    ) -> Result<RedisStore, StoreError> {
        let url = r.url.expose();
        let config_err = |msg: String| {
            StoreError::new(
                ErrorKind::Config,
                format!("redis kv mount `{}`", cfg.name),
                msg,
            )
            .during("open", "")
        };
        if url.is_empty() {
            return Err(config_err(
                "Redis kv extension requires a valid connection URL".into(),
            ));
        }
        if !url.starts_with("redis://") && !url.starts_with("rediss://") {
            return Err(config_err(format!(
                "Invalid Redis connection URL: must start with redis:// or rediss:// (got: {})",
                redact_url(url)
            )));
        }
        let mut scrubber = Scrubber::default();
        if let Some(raw) = url_password(url).filter(|raw| raw.len() >= 3) {
            scrubber.0.push(raw);
        }
        let client = match &r.tls_ca_file {
            None => Client::open(url),
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| {
                    config_err(format!("cannot read tlsCaFile {}: {e}", path.display()))
                })?;
                if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                    return Err(config_err(format!(
                        "tlsCaFile {} holds no PEM certificate",
                        path.display()
                    )));
                }
                Client::build_with_tls(
                    url,
                    redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(pem),
                    },
                )
            }
        }
        .map_err(|e| {
            let text = scrubber.scrub(&library_text(&e));
            config_err(format!("invalid redis url {}: {text}", redact_url(url)))
        })?;
        let info = client.get_connection_info();
        let settings = info.redis_settings();
        if let Some(p) = settings.password().filter(|p| p.len() >= 3) {
            scrubber.0.push(p.to_string());
        }
        let (scheme, host, port) = match info.addr() {
            ConnectionAddr::Tcp(h, p) => ("redis", h.clone(), *p),
            ConnectionAddr::TcpTls { host, port, .. } => ("rediss", host.clone(), *port),
            ConnectionAddr::Unix(path) => ("redis+unix", path.display().to_string(), 0),
            _ => ("redis", "unknown".to_string(), 0),
        };
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host
        };
        let location = format!(
            "{scheme}://{host}:{port}/{} prefix {}",
            settings.db(),
            r.prefix
        );
        let ctx = ErrContext {
            store: &location,
            scrubber: &scrubber,
        };

        let connect_timeout = r.connect_timeout;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(connect_timeout))
            .set_response_timeout(Some(command_timeout))
            .set_number_of_retries(0);
        let conn_config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(connect_timeout))
            .set_response_timeout(Some(command_timeout));
        let connecting = async {
            let mut manager =
                ConnectionManager::new_with_config(client.clone(), manager_config).await?;
            redis::cmd("PING").query_async::<()>(&mut manager).await?;
            Ok::<_, RedisError>(manager)
        };
        let manager = match tokio::time::timeout(connect_timeout, connecting).await {
            Ok(Ok(m)) => m,
            Ok(Err(e)) => {
                let mut err = map_err(e, &ctx, "connect to", "");
                if err.kind == ErrorKind::Timeout {
                    err.message = format!("no answer within {}", human_duration(connect_timeout));
                }
                return Err(err);
            }
            Err(_) => {
                return Err(StoreError::new(
                    ErrorKind::Timeout,
                    location.clone(),
                    format!("no answer within {}", human_duration(connect_timeout)),
                )
                .during("connect to", ""));
            }
        };

        Ok(RedisStore {
            manager,
            client,
            conn_config,
            connect_timeout,
            command_timeout,
            watch_pool: Mutex::new(Vec::new()),
            match_pattern: escaped_match_pattern(&r.prefix),
            rill_pattern: format!("{}*", r.prefix),
            prefix: r.prefix.clone(),
            ttl: r.ttl.filter(|t| *t > 0),
            location,
            scrubber,
        })
    }

    /// The raw prefix of this mount.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The Redis key of a mount key.
    pub fn redis_key(&self, key: &str) -> String {
        let mut rkey = String::with_capacity(self.prefix.len() + key.len());
        rkey.push_str(&self.prefix);
        rkey.push_str(key);
        rkey
    }

    fn ctx(&self) -> ErrContext<'_> {
        ErrContext {
            store: &self.location,
            scrubber: &self.scrubber,
        }
    }

    fn err(&self, e: RedisError, op: &'static str, target: &str) -> StoreError {
        map_err(e, &self.ctx(), op, target)
    }

    fn corrupt(&self, op: &'static str, target: &str, message: &str) -> StoreError {
        StoreError::new(ErrorKind::Corrupt, self.location.clone(), message).during(op, target)
    }

    fn conn(&self) -> ConnectionManager {
        self.manager.clone()
    }

    /// Adds the write of `text` at `rkey` with `expiry` to a pipeline.
    fn add_write(&self, pipe: &mut redis::Pipeline, rkey: &str, text: &str, expiry: Expiry) {
        match expiry {
            Expiry::MountDefault => match self.ttl {
                Some(ttl) => pipe.cmd("SETEX").arg(rkey).arg(ttl).arg(text),
                None => pipe.cmd("SET").arg(rkey).arg(text),
            },
            Expiry::After(d) => pipe
                .cmd("SET")
                .arg(rkey)
                .arg(text)
                .arg("PX")
                .arg(duration_millis(d)),
            Expiry::Never => pipe.cmd("SET").arg(rkey).arg(text),
            Expiry::Keep => pipe.cmd("SET").arg(rkey).arg(text).arg("KEEPTTL"),
        };
    }

    fn decode_value(
        &self,
        key: &str,
        bytes: Option<Vec<u8>>,
        pttl: i64,
    ) -> Result<Option<StoredValue>, StoreError> {
        let Some(bytes) = bytes else { return Ok(None) };
        let text = String::from_utf8(bytes)
            .map_err(|_| self.corrupt("read key", key, "the value is not valid utf-8"))?;
        let ttl = u64::try_from(pttl).ok().map(Duration::from_millis);
        Ok(Some(StoredValue { text, ttl }))
    }

    /// One SCAN step with `pattern`; returns Redis's next cursor and the raw keys.
    async fn scan_step(
        &self,
        cursor: &str,
        pattern: &str,
        count: usize,
    ) -> Result<(String, Vec<Vec<u8>>), StoreError> {
        redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(count.max(1))
            .query_async(&mut self.conn())
            .await
            .map_err(|e| self.err(e, "list keys of", ""))
    }

    /// Keys of a SCAN page that really belong to the mount, prefix stripped by byte length.
    fn own_keys(&self, raw: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        let p = self.prefix.as_bytes();
        raw.into_iter().filter(|k| k.starts_with(p)).collect()
    }

    /// A dedicated connection for one WATCH/MULTI sequence (from the pool or new).
    async fn watch_conn(&self) -> Result<MultiplexedConnection, StoreError> {
        let pooled = self.watch_pool.lock().ok().and_then(|mut p| p.pop());
        if let Some(c) = pooled {
            return Ok(c);
        }
        let opening = self
            .client
            .get_multiplexed_async_connection_with_config(&self.conn_config);
        match tokio::time::timeout(self.connect_timeout, opening).await {
            Ok(r) => r.map_err(|e| self.err(e, "connect to", "")),
            Err(_) => Err(StoreError::new(
                ErrorKind::Timeout,
                self.location.clone(),
                format!("no answer within {}", human_duration(self.connect_timeout)),
            )
            .during("connect to", "")),
        }
    }

    fn return_watch_conn(&self, c: MultiplexedConnection) {
        if let Ok(mut p) = self.watch_pool.lock()
            && p.len() < 4
        {
            p.push(c);
        }
    }

    /// One page of `scan` / `scan_match`: SCAN steps with `pattern` on the server, the keys
    /// of the mount that `keep` accepts.
    async fn scan_with(
        &self,
        cursor: Option<&str>,
        count: usize,
        pattern: &str,
        keep: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<KeyPage, StoreError> {
        let cursor = cursor.unwrap_or("0");
        if !valid_cursor(cursor) {
            return Err(StoreError::new(
                ErrorKind::Other,
                self.location.clone(),
                "a redis scan cursor is a decimal number",
            )
            .during("list keys of", ""));
        }
        // A prefix that matches few of the database's keys gives empty SCAN pages with a
        // cursor that goes on (10 `app:` keys among 200k others: ~1000 empty steps of COUNT
        // 200). Keep stepping, with a growing COUNT, until a step finds keys, the scan ends or
        // the time budget is spent: then the caller gets the cursor back and can show progress.
        let started = Instant::now();
        let mut cursor = cursor.to_string();
        let mut step_count = count.max(1);
        let mut scanned = 0u64;
        let strip = self.prefix.len();
        loop {
            let (next, raw) = self.scan_step(&cursor, pattern, step_count).await?;
            scanned += step_count as u64;
            let mut seen = HashSet::new();
            let mut keys = Vec::new();
            for k in self.own_keys(raw) {
                let key = String::from_utf8_lossy(&k[strip..]).into_owned();
                if keep(&key) && seen.insert(key.clone()) {
                    keys.push(key);
                }
            }
            let done = next == "0";
            if !keys.is_empty() || done || started.elapsed() >= SPARSE_SCAN_BUDGET {
                return Ok(KeyPage {
                    keys,
                    next: (!done).then_some(next),
                    scanned,
                });
            }
            cursor = next;
            step_count = (step_count * 2)
                .min(count.max(1) * 10)
                .max(SPARSE_SCAN_COUNT);
        }
    }

    /// One `MGET` of `chunk` and the `PTTL` of each of its keys, in one pipeline.
    async fn get_chunk(&self, chunk: &[String]) -> Result<Vec<Option<StoredValue>>, StoreError> {
        let mut pipe = redis::pipe();
        let mget = pipe.cmd("MGET");
        for k in chunk {
            mget.arg(self.redis_key(k));
        }
        for k in chunk {
            pipe.cmd("PTTL").arg(self.redis_key(k));
        }
        let target = chunk.first().map(String::as_str).unwrap_or("");
        let answer: Vec<Value> = pipe
            .query_async(&mut self.conn())
            .await
            .map_err(|e| self.err(e, "read keys from", target))?;
        let mut answer = answer.into_iter();
        let values: Vec<Option<Vec<u8>>> = match answer.next() {
            Some(v) => redis::from_redis_value(v)
                .map_err(|e| self.corrupt("read keys from", target, &e.to_string()))?,
            None => return Err(self.corrupt("read keys from", target, "empty answer")),
        };
        chunk
            .iter()
            .zip(values)
            .zip(answer)
            .map(|((k, v), t)| {
                let pttl: i64 = redis::from_redis_value(t).unwrap_or(-1);
                self.decode_value(k, v, pttl)
            })
            .collect()
    }

    /// Whether a write with `expiry` is a plain `SET` (no TTL, any TTL the key had dropped),
    /// which an `MSET` of several keys does exactly.
    fn is_plain_set(&self, expiry: Expiry) -> bool {
        match expiry {
            Expiry::MountDefault => self.ttl.is_none(),
            Expiry::Never => true,
            Expiry::After(_) | Expiry::Keep => false,
        }
    }

    /// One pipeline of writes (not a transaction), answers ignored except errors. Runs of
    /// plain writes go as `MSET`s of at most [`MSET_KEYS`] keys and [`MSET_BYTES`] bytes: one
    /// command and one answer for many keys, for Redis and for us.
    async fn send_writes<'a>(
        &self,
        writes: impl Iterator<Item = (&'a str, &'a str, Expiry)>,
    ) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        let mut first = None;
        let mut rkey = String::new();
        // The open `MSET`'s keys and bytes (none open: 0 keys).
        let (mut keys, mut bytes) = (0usize, 0usize);
        for (k, v, expiry) in writes {
            first.get_or_insert(k);
            rkey.clear();
            rkey.push_str(&self.prefix);
            rkey.push_str(k);
            if !self.is_plain_set(expiry) {
                self.add_write(&mut pipe, &rkey, v, expiry);
                pipe.ignore();
                keys = 0;
                continue;
            }
            if keys == 0 || keys >= MSET_KEYS || bytes + rkey.len() + v.len() > MSET_BYTES {
                pipe.cmd("MSET").ignore();
                (keys, bytes) = (0, 0);
            }
            pipe.arg(rkey.as_str()).arg(v);
            keys += 1;
            bytes += rkey.len() + v.len();
        }
        pipe.query_async::<()>(&mut self.conn())
            .await
            .map_err(|e| self.err(e, "write keys into", first.unwrap_or("")))
    }

    /// Writes `items` in pipelines of [`PUT_CHUNK`], at most [`PUT_PIPELINES_IN_FLIGHT`] at
    /// once, so memory stays bounded. `write` gives each item's key, text and expiry.
    async fn write_pipelined<T>(
        &self,
        items: &[T],
        write: impl Fn(&T) -> (&str, &str, Expiry),
    ) -> Result<(), StoreError> {
        let mut in_flight = futures::stream::FuturesUnordered::new();
        for chunk in items.chunks(PUT_CHUNK) {
            if in_flight.len() >= PUT_PIPELINES_IN_FLIGHT
                && let Some(r) = in_flight.next().await
            {
                r?;
            }
            in_flight.push(self.send_writes(chunk.iter().map(&write)));
        }
        while let Some(r) = in_flight.next().await {
            r?;
        }
        Ok(())
    }

    /// The per-command timeout in force.
    pub fn command_timeout(&self) -> Duration {
        self.command_timeout
    }

    async fn update_on(
        &self,
        c: &mut MultiplexedConnection,
        key: &str,
        f: &UpdateFn<'_>,
        expiry: Expiry,
    ) -> Result<Result<bool, RillCallError>, StoreError> {
        let rkey = self.redis_key(key);
        for _ in 0..MAX_UPDATE_ATTEMPTS {
            redis::cmd("WATCH")
                .arg(&rkey)
                .query_async::<()>(c)
                .await
                .map_err(|e| self.err(e, "update key", key))?;
            let current: Option<Vec<u8>> = redis::cmd("GET")
                .arg(&rkey)
                .query_async(c)
                .await
                .map_err(|e| self.err(e, "update key", key))?;
            let current = match current {
                Some(b) => match String::from_utf8(b) {
                    Ok(s) => Some(s),
                    Err(_) => {
                        unwatch(c).await;
                        return Err(self.corrupt(
                            "update key",
                            key,
                            "the value is not valid utf-8",
                        ));
                    }
                },
                None => None,
            };
            let next = match f(current.as_deref()) {
                Ok(Some(next)) => next,
                Ok(None) => {
                    unwatch(c).await;
                    return Ok(Ok(false));
                }
                Err(e) => {
                    unwatch(c).await;
                    return Ok(Err(e));
                }
            };
            let mut pipe = redis::pipe();
            pipe.atomic();
            // rill: MULTI SET EXEC, then a separate EXPIRE when the mount has a ttl.
            let in_multi = match expiry {
                Expiry::MountDefault => Expiry::Never,
                other => other,
            };
            self.add_write(&mut pipe, &rkey, &next, in_multi);
            let answer: Value = pipe
                .query_async(c)
                .await
                .map_err(|e| self.err(e, "update key", key))?;
            if matches!(answer, Value::Nil) {
                continue; // EXEC aborted: the key changed after WATCH
            }
            if let (Expiry::MountDefault, Some(ttl)) = (expiry, self.ttl) {
                redis::cmd("EXPIRE")
                    .arg(&rkey)
                    .arg(ttl)
                    .query_async::<()>(c)
                    .await
                    .map_err(|e| self.err(e, "update key", key))?;
            }
            return Ok(Ok(true));
        }
        Ok(Err(RillCallError::plain(MERGE_RETRIES_TEXT)))
    }
}

async fn unwatch(c: &mut MultiplexedConnection) {
    // Best effort: a failed UNWATCH leaves a watch that the next WATCH/EXEC clears anyway.
    let _ = redis::cmd("UNWATCH").query_async::<()>(c).await;
}

/// Whole milliseconds, at least 1 (`PX 0` is refused by Redis).
fn duration_millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

fn human_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// The raw (still percent-encoded) password of a URL's user info, as [`redact_url`] finds it.
fn url_password(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let (_, raw) = rest[..rest.rfind('@')?].split_once(':')?;
    Some(raw.to_string())
}

fn valid_cursor(cursor: &str) -> bool {
    !cursor.is_empty() && cursor.bytes().all(|b| b.is_ascii_digit())
}

#[async_trait]
impl KvStore for RedisStore {
    fn info(&self) -> StoreInfo {
        StoreInfo {
            backend: Backend::Redis,
            location: self.location.clone(),
            capability: Capability {
                ttl: true,
                ..Capability::default()
            },
        }
    }

    async fn get(&self, key: &str) -> Result<Option<StoredValue>, StoreError> {
        let rkey = self.redis_key(key);
        let (bytes, pttl): (Option<Vec<u8>>, i64) = redis::pipe()
            .atomic()
            .cmd("GET")
            .arg(&rkey)
            .cmd("PTTL")
            .arg(&rkey)
            .query_async(&mut self.conn())
            .await
            .map_err(|e| self.err(e, "read key", key))?;
        self.decode_value(key, bytes, pttl)
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<StoredValue>>, StoreError> {
        // chunks of one MGET and their PTTLs, several in flight, answers kept in order
        let reads: Vec<_> = keys.chunks(GET_CHUNK).map(|c| self.get_chunk(c)).collect();
        let mut chunks = futures::stream::iter(reads).buffered(GET_CHUNKS_IN_FLIGHT);
        let mut out = Vec::with_capacity(keys.len());
        while let Some(values) = chunks.next().await {
            out.extend(values?);
        }
        Ok(out)
    }

    async fn put(&self, key: &str, text: &str, expiry: Expiry) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        self.add_write(&mut pipe, &self.redis_key(key), text, expiry);
        pipe.query_async::<()>(&mut self.conn())
            .await
            .map_err(|e| self.err(e, "write key", key))
    }

    async fn put_many(&self, items: &[(String, String)], expiry: Expiry) -> Result<(), StoreError> {
        self.write_pipelined(items, |(k, v)| (k.as_str(), v.as_str(), expiry))
            .await
    }

    async fn put_many_expiring(
        &self,
        items: &[(String, String, Expiry)],
    ) -> Result<(), StoreError> {
        self.write_pipelined(items, |(k, v, e)| (k.as_str(), v.as_str(), *e))
            .await
    }

    async fn update(
        &self,
        key: &str,
        f: &UpdateFn<'_>,
        expiry: Expiry,
    ) -> Result<Result<bool, RillCallError>, StoreError> {
        let mut c = self.watch_conn().await?;
        let result = self.update_on(&mut c, key, f, expiry).await;
        // A connection that failed mid-sequence may still hold a WATCH or be broken: drop it.
        if result.is_ok() {
            self.return_watch_conn(c);
        }
        result
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let n: i64 = redis::cmd("DEL")
            .arg(self.redis_key(key))
            .query_async(&mut self.conn())
            .await
            .map_err(|e| self.err(e, "delete key", key))?;
        Ok(n > 0)
    }

    async fn scan(&self, cursor: Option<&str>, count: usize) -> Result<KeyPage, StoreError> {
        self.scan_with(cursor, count, &self.match_pattern, &|_| true)
            .await
    }

    /// `MATCH` on the server with the pattern widened to bytes (see [`KeyPattern`]), each
    /// candidate checked here.
    async fn scan_match(
        &self,
        pattern: &KeyPattern,
        cursor: Option<&str>,
        count: usize,
    ) -> Result<KeyPage, StoreError> {
        let prefix = self.match_pattern.strip_suffix('*').unwrap_or("");
        let server = pattern.redis_match(prefix);
        self.scan_with(cursor, count, &server, &|k| pattern.matches(k))
            .await
    }

    /// Counts as rill's `maxEntries` check does: every SCAN result of the raw pattern `prefix*`
    /// (glob characters not escaped, duplicates not removed, foreign keys of any type included).
    async fn count(&self) -> Result<u64, StoreError> {
        let mut cursor = "0".to_string();
        let mut n = 0u64;
        loop {
            let (next, raw) = self
                .scan_step(&cursor, &self.rill_pattern, FULL_SCAN_COUNT)
                .await?;
            n += raw.len() as u64;
            if next == "0" {
                return Ok(n);
            }
            cursor = next;
        }
    }

    /// Deletes every key starting with the prefix (escaped pattern, unlike rill: see the module
    /// notes). Keys outside the prefix are never touched.
    async fn clear(&self) -> Result<(), StoreError> {
        let mut cursor = "0".to_string();
        loop {
            let (next, raw) = self
                .scan_step(&cursor, &self.match_pattern, FULL_SCAN_COUNT)
                .await?;
            let own = self.own_keys(raw);
            for batch in own.chunks(DEL_CHUNK) {
                redis::cmd("DEL")
                    .arg(batch)
                    .query_async::<()>(&mut self.conn())
                    .await
                    .map_err(|e| self.err(e, "clear", ""))?;
            }
            if next == "0" {
                return Ok(());
            }
            cursor = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_rejects_prefix_of_other_and_identical() {
        assert_eq!(
            check_prefix_overlap(&[("a", "app:"), ("b", "web:")]),
            Ok(())
        );
        assert_eq!(
            check_prefix_overlap(&[("a", "app:"), ("b", "app:user:")]),
            Err("Mount prefix overlap detected: \"a\" (app:) and \"b\" (app:user:)".into())
        );
        assert_eq!(
            check_prefix_overlap(&[("x", "p"), ("y", "q"), ("z", "p")]),
            Err("Mount prefix overlap detected: \"x\" (p) and \"z\" (p)".into())
        );
        assert!(check_prefix_overlap(&[("only", "")]).is_ok());
        assert!(check_prefix_overlap(&[("a", ""), ("b", "x")]).is_err());
    }

    #[test]
    fn redaction_hides_passwords() {
        assert_eq!(
            redact_url("redis://user:s3cret@host:6379/2"),
            "redis://user:***@host:6379/2"
        );
        assert_eq!(redact_url("redis://:s3cret@host"), "redis://:***@host");
        assert_eq!(redact_url("http://s3cret@host/x"), "http://***@host/x");
        assert_eq!(redact_url("localhost:6379"), "localhost:6379");
        assert_eq!(redact_url("redis://host:1/0"), "redis://host:1/0");
        assert_eq!(redact_url("pw:x@y"), "pw:***@y");
    }

    #[test]
    fn match_pattern_escapes_glob_characters() {
        assert_eq!(escaped_match_pattern("app:"), "app:*");
        assert_eq!(escaped_match_pattern(""), "*");
        assert_eq!(escaped_match_pattern("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\*");
    }

    #[test]
    fn millis_never_zero() {
        assert_eq!(duration_millis(Duration::from_micros(10)), 1);
        assert_eq!(duration_millis(Duration::from_secs(2)), 2000);
    }

    #[test]
    fn scrubber_removes_secret() {
        let s = Scrubber(vec!["hunter22".into()]);
        assert_eq!(s.scrub("bad hunter22 x"), "bad *** x");
    }

    #[test]
    fn cursor_must_be_decimal() {
        assert!(valid_cursor("0"));
        assert!(valid_cursor("123"));
        assert!(!valid_cursor(""));
        assert!(!valid_cursor("1;FLUSHALL"));
    }
}
