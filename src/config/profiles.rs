//! A profile after loading: named kv and fs mounts with their resolved options.
//!
//! These structs are what backends are opened from (`store::open`). They hold no
//! figment/TOML types: `load.rs` turns a profile file (or a rill host's `rill-config.json`)
//! into them, resolving `${env:VAR}`, relative paths and defaults. Secrets are wrapped in
//! [`Secret`], whose `Debug`/`Display` never show the value.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use indexmap::IndexMap;

use crate::store::Json;

/// Defaults of rill v0.8.6 (spec/backends.md §2.5, §5.5, §6.1).
pub const DEFAULT_MAX_ENTRIES: u64 = 10_000;
pub const DEFAULT_MAX_VALUE_SIZE: u64 = 102_400;
pub const DEFAULT_MAX_STORE_SIZE: u64 = 10_485_760;
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10_485_760;
/// How long a network backend may take to connect before the operation fails.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A secret string (Redis URL with password, S3 secret key). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The value itself, for handing to a client library. Never log or display it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// A mount's `mode` exactly as configured (rill does not validate it; each backend interprets
/// it differently, spec/backends.md §1.6).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mode(pub Option<String>);

impl Mode {
    pub fn new(s: &str) -> Self {
        Mode(Some(s.to_string()))
    }
    /// kv backends: only the exact value `read` blocks writes.
    pub fn kv_allows_write(&self) -> bool {
        self.0.as_deref() != Some("read")
    }
    /// fs backends: `read-write` allows both, `read` reads, `write` writes, anything else nothing.
    pub fn fs_allows_read(&self) -> bool {
        matches!(self.0.as_deref(), Some("read") | Some("read-write"))
    }
    pub fn fs_allows_write(&self) -> bool {
        matches!(self.0.as_deref(), Some("write") | Some("read-write"))
    }
    /// The raw value as rill's `mounts()` reports it (`None` when absent).
    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// One declared key of a kv mount schema (spec §1.3).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaEntry {
    /// `string`, `number`, `bool`, `list` or `dict`.
    pub kind: String,
    pub default: Json,
    pub description: Option<String>,
}

/// Declared keys in declaration order; `None` on the mount = open mode.
pub type Schema = IndexMap<String, SchemaEntry>;

/// Options of every kv mount, whatever its backend.
#[derive(Debug, Clone, PartialEq)]
pub struct KvMountConfig {
    pub name: String,
    pub mode: Mode,
    pub schema: Option<Schema>,
    pub max_entries: u64,
    pub max_value_size: u64,
    pub backend: KvBackendConfig,
}

#[derive(Debug, Clone, PartialEq)]
pub enum KvBackendConfig {
    Json(JsonKvConfig),
    Sqlite(SqliteKvConfig),
    Redis(RedisKvConfig),
    /// The in-memory reference backend (tests, dry runs).
    Memory,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WritePolicy {
    #[default]
    Dispose,
    Immediate,
}

/// Core JSON kv (`@rcrsr/rill/ext/kv`).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonKvConfig {
    /// Absolute path of the store file.
    pub store: PathBuf,
    pub max_store_size: u64,
    pub write_policy: WritePolicy,
}

/// kv-sqlite.
#[derive(Debug, Clone, PartialEq)]
pub struct SqliteKvConfig {
    /// Absolute path of the database file, or `:memory:`.
    pub database: PathBuf,
    pub table: String,
}

/// kv-redis.
#[derive(Debug, Clone, PartialEq)]
pub struct RedisKvConfig {
    /// `redis://` or `rediss://` URL, possibly with user and password.
    pub url: Secret,
    pub prefix: String,
    /// Seconds; `None` or 0 = no TTL.
    pub ttl: Option<u64>,
    pub connect_timeout: Duration,
    /// `tlsCaFile`: PEM certificates to trust for `rediss://` instead of the public roots (a
    /// private CA, a self-signed server).
    pub tls_ca_file: Option<PathBuf>,
}

/// Options of every fs mount.
#[derive(Debug, Clone, PartialEq)]
pub struct FsMountConfig {
    pub name: String,
    pub mode: Mode,
    pub glob: Option<String>,
    pub max_file_size: u64,
    pub backend: FsBackendConfig,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FsBackendConfig {
    Local(LocalFsConfig),
    S3(S3FsConfig),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf8,
    Ascii,
}

/// Core local fs (`@rcrsr/rill/ext/fs`).
#[derive(Debug, Clone, PartialEq)]
pub struct LocalFsConfig {
    /// Absolute path of the mount root (realpath is taken when the mount opens).
    pub path: PathBuf,
    pub encoding: Encoding,
}

/// fs-s3.
#[derive(Debug, Clone, PartialEq)]
pub struct S3FsConfig {
    pub bucket: String,
    /// Raw key prefix (should end with `/`).
    pub prefix: String,
    pub region: String,
    pub endpoint: Option<String>,
    pub force_path_style: bool,
    /// `None`: the AWS default provider chain.
    pub credentials: Option<S3Credentials>,
    pub connect_timeout: Duration,
    /// `uploadCutoff` (bytes): content of known size up to this is one streamed PutObject,
    /// larger content goes in parts (rclone's `--s3-upload-cutoff`).
    pub upload_cutoff: u64,
}

/// Default `uploadCutoff`: 128 MiB.
pub const DEFAULT_UPLOAD_CUTOFF: u64 = 128 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct S3Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
}

/// A loaded profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Name (file stem, or the name given on the command line).
    pub name: String,
    /// The file it came from.
    pub path: PathBuf,
    pub description: String,
    /// Every write is refused.
    pub read_only: bool,
    /// Writes need an explicit confirmation.
    pub protect: bool,
    pub kv: IndexMap<String, KvMountConfig>,
    pub fs: IndexMap<String, FsMountConfig>,
    /// Things that load but probably do not do what the author meant (a `read-only` mode
    /// normalised, an option rill ignores). Shown by `mounts` and the TUI.
    pub warnings: Vec<String>,
    /// Mounts declared in the file that could not be configured (an unset environment
    /// variable, a bad option value), in declaration order. They are in neither `kv` nor `fs`;
    /// using one fails with its error while the profile's other mounts work.
    pub broken: Vec<BrokenMount>,
    /// The rill its scripts are written in (`[profile] rill`, or told by a rill-config.json's
    /// packages).
    pub rill: crate::rill::dialect::DialectChoice,
}

/// Which section of a profile a mount is declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountSection {
    Kv,
    Fs,
}

impl MountSection {
    /// `kv` or `fs`, as profiles and commands spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            MountSection::Kv => "kv",
            MountSection::Fs => "fs",
        }
    }
}

/// A declared mount that cannot be used, with the reason (file, line, mount, option; never a
/// value).
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenMount {
    pub section: MountSection,
    pub name: String,
    /// The `backend` option when it could be read (`redis`, `s3`…).
    pub backend: Option<String>,
    pub error: super::ConfigError,
}

impl Profile {
    /// Names of every mount, kv first, in declaration order.
    pub fn mount_names(&self) -> impl Iterator<Item = &str> {
        self.kv.keys().chain(self.fs.keys()).map(String::as_str)
    }

    /// The broken mount `name` of `section`, if that mount could not be configured.
    pub fn broken_mount(&self, section: MountSection, name: &str) -> Option<&BrokenMount> {
        self.broken
            .iter()
            .find(|b| b.section == section && b.name == name)
    }
}

impl KvMountConfig {
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            KvBackendConfig::Json(_) => "json",
            KvBackendConfig::Sqlite(_) => "sqlite",
            KvBackendConfig::Redis(_) => "redis",
            KvBackendConfig::Memory => "memory",
        }
    }

    /// Where the data lives, without credentials: a path, `path table T`,
    /// `redis://host:port/db prefix P`.
    pub fn location(&self) -> String {
        match &self.backend {
            KvBackendConfig::Json(j) => j.store.display().to_string(),
            KvBackendConfig::Sqlite(s) => format!("{} table {}", s.database.display(), s.table),
            KvBackendConfig::Redis(r) => {
                format!("{} prefix {}", redact_url(r.url.expose()), r.prefix)
            }
            KvBackendConfig::Memory => "memory".into(),
        }
    }
}

impl FsMountConfig {
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            FsBackendConfig::Local(_) => "local",
            FsBackendConfig::S3(_) => "s3",
        }
    }

    /// Where the files live, without credentials: a path or `s3://bucket/prefix`
    /// (plus the endpoint when one is set).
    pub fn location(&self) -> String {
        match &self.backend {
            FsBackendConfig::Local(l) => l.path.display().to_string(),
            FsBackendConfig::S3(s) => {
                let mut out = format!("s3://{}/{}", s.bucket, s.prefix);
                if let Some(e) = &s.endpoint {
                    out.push_str(&format!(" at {}", redact_url(e)));
                }
                out
            }
        }
    }
}

/// A URL with any `user:password@` removed and the query dropped (Redis URLs may carry
/// `?password=`). Safe to show.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "[unparsable url]".into();
    };
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = authority.rsplit('@').next().unwrap_or("");
    format!("{scheme}://{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_drops_credentials_and_query() {
        assert_eq!(redact_url("redis://:pw@h:6379/2"), "redis://h:6379/2");
        assert_eq!(redact_url("rediss://user:pw@h"), "rediss://h");
        assert_eq!(redact_url("redis://h/0?password=pw"), "redis://h/0");
        assert_eq!(
            redact_url("http://a:b@minio:9000/x#f"),
            "http://minio:9000/x"
        );
        assert_eq!(redact_url("not a url pw"), "[unparsable url]");
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        assert_eq!(s.expose(), "hunter2");
    }
}
