//! Building one kv or fs mount from its located options: types, required options, defaults
//! (profiles.rs constants), value checks and relative paths. Shared by the TOML profile reader
//! and the `rill-config.json` importer; [`SourceFormat`] holds their differences.
//!
//! Errors name the mount and the option, and the line through [`ErrorSite`]; they never contain
//! an option's value (it may be a secret).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use indexmap::IndexMap;

use super::tree::{ErrorSite, Loc, Node, NodeValue};
use super::*;
use crate::store::Json;

/// Which file format the options come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceFormat {
    /// rillmount's TOML profile: unknown options and bad modes are errors, `mode` defaults to
    /// `read-write`.
    Profile,
    /// A rill host's `rill-config.json`: rill ignores unknown options and does not validate
    /// modes, so these become warnings; numbers interpolated into strings are converted.
    RillConfig,
}

/// Reads the options of one mount, tracking which ones were used.
pub(crate) struct MountOptions<'a> {
    pub site: &'a ErrorSite,
    pub format: SourceFormat,
    /// `kv` or `fs`.
    pub kind: &'static str,
    pub name: &'a str,
    pub opts: &'a IndexMap<String, Node>,
    /// Where the mount is declared (its table header).
    pub loc: Loc,
    pub base_dir: &'a Path,
    pub warnings: &'a mut Vec<String>,
    used: HashSet<&'static str>,
}

const MODES: &str = "read, write, read-write";
const TABLE_PATTERN: &str = "^[a-zA-Z_][a-zA-Z0-9_]*$";
/// SQL words that match the table pattern but break rill's unquoted DDL (spec §3.1).
const SQL_KEYWORDS: &[&str] = &[
    "table",
    "select",
    "insert",
    "update",
    "delete",
    "from",
    "where",
    "create",
    "drop",
    "index",
    "order",
    "group",
    "by",
    "values",
    "into",
    "primary",
    "key",
    "not",
    "null",
    "default",
    "join",
    "union",
    "alter",
    "as",
    "and",
    "or",
    "in",
    "is",
    "on",
    "set",
    "check",
    "unique",
    "references",
];

impl<'a> MountOptions<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        site: &'a ErrorSite,
        format: SourceFormat,
        kind: &'static str,
        name: &'a str,
        opts: &'a IndexMap<String, Node>,
        loc: Loc,
        base_dir: &'a Path,
        warnings: &'a mut Vec<String>,
    ) -> Self {
        MountOptions {
            site,
            format,
            kind,
            name,
            opts,
            loc,
            base_dir,
            warnings,
            used: HashSet::new(),
        }
    }

    fn who(&self) -> String {
        format!("{} mount `{}`", self.kind, self.name)
    }

    /// An error about option `key` at its line.
    pub fn error(&self, key: &str, message: impl std::fmt::Display) -> ConfigError {
        let loc = self.opts.get(key).map_or(&self.loc, |n| &n.loc);
        self.site
            .at(loc, format!("{}: option `{key}` {message}", self.who()))
    }

    /// An error about the whole mount at its header line.
    pub fn mount_error(&self, message: impl std::fmt::Display) -> ConfigError {
        self.site
            .at(&self.loc, format!("{}: {message}", self.who()))
    }

    fn warn(&mut self, message: impl std::fmt::Display) {
        let line = match self.loc {
            Loc::Line(n) => format!(":{n}"),
            _ => String::new(),
        };
        self.warnings.push(format!(
            "{}{line}: {}: {message}",
            self.site.path.display(),
            self.who()
        ));
    }

    fn take(&mut self, key: &'static str) -> Option<&'a Node> {
        self.used.insert(key);
        self.opts.get(key)
    }

    fn type_error(&self, key: &str, want: &str, node: &Node) -> ConfigError {
        self.error(key, format!("must be {want}, not {}", node.kind_name()))
    }

    pub fn string(&mut self, key: &'static str) -> Result<Option<String>, ConfigError> {
        match self.take(key) {
            None => Ok(None),
            Some(Node {
                value: NodeValue::Str(s),
                ..
            }) => Ok(Some(s.clone())),
            Some(n) => Err(self.type_error(key, "a string", n)),
        }
    }

    pub fn required_string(&mut self, key: &'static str) -> Result<String, ConfigError> {
        self.string(key)?
            .ok_or_else(|| self.mount_error(format!("missing required option `{key}`")))
    }

    pub fn bool(&mut self, key: &'static str) -> Result<Option<bool>, ConfigError> {
        match self.take(key) {
            None => Ok(None),
            Some(Node {
                value: NodeValue::Bool(b),
                ..
            }) => Ok(Some(*b)),
            Some(Node {
                value: NodeValue::Str(s),
                ..
            }) if self.format == SourceFormat::RillConfig && (s == "true" || s == "false") => {
                self.warn(format!("option `{key}` is a string; read as a boolean"));
                Ok(Some(s == "true"))
            }
            Some(n) => Err(self.type_error(key, "true or false", n)),
        }
    }

    /// A non-negative integer (byte sizes, entry counts, seconds).
    pub fn uint(&mut self, key: &'static str) -> Result<Option<u64>, ConfigError> {
        let Some(n) = self.take(key) else {
            return Ok(None);
        };
        match &n.value {
            NodeValue::Int(i) if *i >= 0 => Ok(Some(*i as u64)),
            NodeValue::Int(_) => Err(self.error(key, "must not be negative")),
            NodeValue::Float(f) if f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15 => {
                Ok(Some(*f as u64))
            }
            NodeValue::Str(s) if self.format == SourceFormat::RillConfig => {
                match s.parse::<u64>() {
                    Ok(v) => {
                        self.warn(format!(
                        "option `{key}` is a string (rill would compare it as text); read as a number"
                    ));
                        Ok(Some(v))
                    }
                    Err(_) => Err(self.error(key, "must be a non-negative integer")),
                }
            }
            _ => Err(self.type_error(key, "a non-negative integer", n)),
        }
    }

    /// A duration in seconds (fractions allowed), greater than zero.
    pub fn seconds(&mut self, key: &'static str) -> Result<Option<Duration>, ConfigError> {
        let Some(n) = self.take(key) else {
            return Ok(None);
        };
        let secs = match &n.value {
            NodeValue::Int(i) => *i as f64,
            NodeValue::Float(f) => *f,
            _ => return Err(self.type_error(key, "a number of seconds", n)),
        };
        if !(secs > 0.0 && secs < 86_400.0) {
            return Err(self.error(key, "must be more than 0 and less than 86400 seconds"));
        }
        Ok(Some(Duration::from_secs_f64(secs)))
    }

    /// A path, resolved against the profile file's folder.
    pub fn path(&mut self, key: &'static str) -> Result<Option<PathBuf>, ConfigError> {
        Ok(self.string(key)?.map(|s| {
            if s == ":memory:" {
                PathBuf::from(s)
            } else {
                resolve_path(self.base_dir, &s)
            }
        }))
    }

    pub fn required_path(&mut self, key: &'static str) -> Result<PathBuf, ConfigError> {
        let p = self.path(key)?;
        match p {
            Some(p) if !p.as_os_str().is_empty() => Ok(p),
            Some(_) => Err(self.error(key, "must not be empty")),
            None => Err(self.mount_error(format!("missing required option `{key}`"))),
        }
    }

    pub fn mode(&mut self) -> Result<Mode, ConfigError> {
        let raw = self.string("mode")?;
        match (self.format, raw.as_deref()) {
            (_, Some(m @ ("read" | "write" | "read-write"))) => Ok(Mode::new(m)),
            (SourceFormat::Profile, None) => Ok(Mode::new("read-write")),
            (SourceFormat::Profile, Some(_)) => {
                Err(self.error("mode", format!("must be one of {MODES}")))
            }
            (SourceFormat::RillConfig, Some("read-only")) => {
                self.warn(
                    "mode `read-only` is not a rill mode (kv backends treat it as read-write, \
                     fs backends allow nothing); using `read`",
                );
                Ok(Mode::new("read"))
            }
            (SourceFormat::RillConfig, None) => {
                if self.kind == "fs" {
                    self.warn("no `mode`: rill allows no file operation on this mount");
                }
                Ok(Mode(None))
            }
            (SourceFormat::RillConfig, Some(other)) => {
                let effect = if self.kind == "fs" {
                    "allows no file operation"
                } else {
                    "behaves as read-write"
                };
                self.warn(format!("mode is not one of {MODES}; rill {effect}"));
                Ok(Mode::new(other))
            }
        }
    }

    /// Options that exist in rill but do nothing on this backend: accepted with a warning.
    pub fn ignored(&mut self, key: &'static str, why: &str) {
        if self.take(key).is_some() {
            self.warn(format!("option `{key}` is ignored by {why}"));
        }
    }

    /// Fails (profile) or warns (rill-config) about options nobody read.
    pub fn finish(mut self, backend: &str) -> Result<(), ConfigError> {
        let unknown: Vec<String> = self
            .opts
            .keys()
            .filter(|k| !self.used.contains(k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            match self.format {
                SourceFormat::Profile => {
                    return Err(
                        self.error(&key, format!("is not an option of the {backend} backend"))
                    );
                }
                SourceFormat::RillConfig => self.warn(format!(
                    "option `{key}` is not used by the {backend} backend"
                )),
            }
        }
        Ok(())
    }

    fn schema(&mut self) -> Result<Option<Schema>, ConfigError> {
        let Some(node) = self.take("schema") else {
            return Ok(None);
        };
        let Some(table) = node.table() else {
            return Err(self.type_error("schema", "a table", node));
        };
        let mut schema = Schema::new();
        for (key, entry) in table {
            let at = |m: String| {
                self.site.at(
                    &entry.loc,
                    format!("{}: schema key `{key}`: {m}", self.who()),
                )
            };
            let Some(fields) = entry.table() else {
                return Err(at(format!(
                    "must be a table {{ type, default, description }}, not {}",
                    entry.kind_name()
                )));
            };
            let field_at = |f: &str, m: String| {
                let loc = fields.get(f).map_or(&entry.loc, |n| &n.loc);
                self.site
                    .at(loc, format!("{}: schema key `{key}`: {m}", self.who()))
            };
            let kind = match fields.get("type").map(|n| &n.value) {
                Some(NodeValue::Str(t))
                    if matches!(t.as_str(), "string" | "number" | "bool" | "list" | "dict") =>
                {
                    t.clone()
                }
                Some(_) => {
                    return Err(field_at(
                        "type",
                        "`type` must be one of string, number, bool, list, dict".into(),
                    ));
                }
                None => return Err(at("missing `type`".into())),
            };
            let default = match fields.get("default") {
                Some(n) => node_to_json(n)
                    .ok_or_else(|| field_at("default", "`default` cannot be a date".into()))?,
                None => return Err(at("missing `default`".into())),
            };
            let description = match fields.get("description").map(|n| &n.value) {
                Some(NodeValue::Str(d)) => Some(d.clone()),
                None => None,
                Some(_) => {
                    return Err(field_at(
                        "description",
                        "`description` must be a string".into(),
                    ));
                }
            };
            if let Some(extra) = fields
                .keys()
                .find(|k| !matches!(k.as_str(), "type" | "default" | "description"))
            {
                let m = format!("unknown field `{extra}` (expected type, default, description)");
                match self.format {
                    SourceFormat::Profile => return Err(field_at(extra, m)),
                    SourceFormat::RillConfig => self.warn(format!("schema key `{key}`: {m}")),
                }
            }
            let actual = json_type_name(&default);
            if actual != kind {
                self.warn(format!(
                    "schema key `{key}`: default is a {actual} but the type is {kind} \
                     (rill does not check defaults)"
                ));
            }
            schema.insert(
                key.clone(),
                SchemaEntry {
                    kind,
                    default,
                    description,
                },
            );
        }
        Ok(Some(schema))
    }
}

/// rill's type name of a value (spec §1.3 `validateType`).
pub(crate) fn json_type_name(v: &Json) -> &'static str {
    match v {
        Json::String(_) => "string",
        Json::Number(_) => "number",
        Json::Bool(_) => "bool",
        Json::Array(_) => "list",
        Json::Object(_) => "dict",
        Json::Null => "object",
    }
}

/// A located value as a JSON value (`None` for TOML dates).
pub(crate) fn node_to_json(n: &Node) -> Option<Json> {
    Some(match &n.value {
        NodeValue::Str(s) => Json::String(s.clone()),
        NodeValue::Int(i) => Json::Number(*i as f64),
        NodeValue::Float(f) => Json::Number(*f),
        NodeValue::Bool(b) => Json::Bool(*b),
        NodeValue::Null => Json::Null,
        NodeValue::Array(a) => Json::Array(a.iter().map(node_to_json).collect::<Option<_>>()?),
        NodeValue::Table(t) => Json::Object(
            t.iter()
                .map(|(k, v)| Some((k.clone(), node_to_json(v)?)))
                .collect::<Option<_>>()?,
        ),
        NodeValue::Other => return None,
    })
}

/// `p` against `base` unless absolute; `.` and `..` segments are folded lexically.
pub(crate) fn resolve_path(base: &Path, p: &str) -> PathBuf {
    use std::path::Component;
    let joined = base.join(p);
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Builds a kv mount. `backend` is `json`, `sqlite` or `redis`.
pub(crate) fn build_kv(
    mut o: MountOptions<'_>,
    backend: &str,
) -> Result<KvMountConfig, ConfigError> {
    o.take("backend");
    let mode = o.mode()?;
    let schema = o.schema()?;
    let max_entries = o.uint("maxEntries")?.unwrap_or(DEFAULT_MAX_ENTRIES);
    let max_value_size = o.uint("maxValueSize")?.unwrap_or(DEFAULT_MAX_VALUE_SIZE);
    let backend_cfg = match backend {
        "json" => {
            let store = o.required_path("store")?;
            let max_store_size = o.uint("maxStoreSize")?.unwrap_or(DEFAULT_MAX_STORE_SIZE);
            let write_policy = match o.string("writePolicy")?.as_deref() {
                None | Some("dispose") => WritePolicy::Dispose,
                Some("immediate") => WritePolicy::Immediate,
                Some(_) if o.format == SourceFormat::RillConfig => {
                    o.warn("writePolicy is not `dispose` or `immediate`; rill uses dispose");
                    WritePolicy::Dispose
                }
                Some(_) => return Err(o.error("writePolicy", "must be `dispose` or `immediate`")),
            };
            KvBackendConfig::Json(JsonKvConfig {
                store,
                max_store_size,
                write_policy,
            })
        }
        "sqlite" => {
            let database = o.required_path("database")?;
            let table = o.required_string("table")?;
            if !valid_table_name(&table) {
                return Err(o.error("table", format!("must match {TABLE_PATTERN}")));
            }
            if SQL_KEYWORDS.contains(&table.to_ascii_lowercase().as_str()) {
                return Err(o.error(
                    "table",
                    "is an SQL keyword: rill puts the name into its SQL unquoted and would fail",
                ));
            }
            o.ignored("maxStoreSize", "the sqlite backend");
            o.ignored(
                "writePolicy",
                "the sqlite backend (every write is committed at once)",
            );
            KvBackendConfig::Sqlite(SqliteKvConfig { database, table })
        }
        "redis" => {
            let url = o.required_string("url")?;
            check_redis_url(&url).map_err(|m| o.error("url", m))?;
            let prefix = o.required_string("prefix")?;
            if prefix.contains(['*', '?', '[', ']', '\\']) {
                o.warn("prefix contains * ? [ ] or \\: rill's SCAN treats them as a pattern");
            }
            let ttl = o.uint("ttl")?.filter(|t| *t > 0);
            let connect_timeout = o
                .seconds("connectTimeout")?
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
            let tls_ca_file = o.path("tlsCaFile")?;
            if let Some(p) = &tls_ca_file {
                check_readable_file(p).map_err(|m| o.error("tlsCaFile", m))?;
            }
            if tls_ca_file.is_some() && !url.starts_with("rediss://") && !url.contains("${") {
                o.warn("tlsCaFile only applies to a rediss:// url");
            }
            o.ignored("maxStoreSize", "the redis backend");
            o.ignored(
                "writePolicy",
                "the redis backend (every write goes to redis at once)",
            );
            KvBackendConfig::Redis(RedisKvConfig {
                url: Secret::new(url),
                prefix,
                ttl,
                connect_timeout,
                tls_ca_file,
            })
        }
        other => {
            return Err(o.error(
                "backend",
                format!("`{other}` is not a kv backend (expected json, sqlite or redis)"),
            ));
        }
    };
    let name = o.name.to_string();
    o.finish(backend)?;
    Ok(KvMountConfig {
        name,
        mode,
        schema,
        max_entries,
        max_value_size,
        backend: backend_cfg,
    })
}

/// Builds an fs mount. `backend` is `local` or `s3`.
pub(crate) fn build_fs(
    mut o: MountOptions<'_>,
    backend: &str,
) -> Result<FsMountConfig, ConfigError> {
    o.take("backend");
    let mode = o.mode()?;
    let glob = o.string("glob")?;
    if let Some(g) = &glob
        && g.is_empty()
    {
        return Err(o.error("glob", "must not be empty"));
    }
    let max_file_size = o.uint("maxFileSize")?.unwrap_or(DEFAULT_MAX_FILE_SIZE);
    let backend_cfg = match backend {
        "local" => {
            let path = o.required_path("path")?;
            let encoding = match o.string("encoding")?.as_deref() {
                None | Some("utf-8") | Some("utf8") => Encoding::Utf8,
                Some("ascii") => Encoding::Ascii,
                Some(_) => return Err(o.error("encoding", "must be `utf-8`, `utf8` or `ascii`")),
            };
            FsBackendConfig::Local(LocalFsConfig { path, encoding })
        }
        "s3" => {
            let bucket = o.required_string("bucket")?;
            if bucket.trim().is_empty() {
                return Err(o.error("bucket", "must not be empty"));
            }
            let prefix = match o.format {
                SourceFormat::Profile => o.string("prefix")?.unwrap_or_default(),
                SourceFormat::RillConfig => o.required_string("prefix")?,
            };
            if !prefix.is_empty() && !prefix.ends_with('/') {
                o.warn("prefix does not end with `/`: rill's list and find misbehave (spec §6.2)");
            }
            let region = o
                .string("region")?
                .ok_or_else(|| o.mount_error("missing required option `region`"))?;
            if region.trim().is_empty() {
                return Err(o.error("region", "must not be empty (use `auto` for R2)"));
            }
            let endpoint = o.string("endpoint")?;
            if let Some(e) = &endpoint {
                check_http_url(e).map_err(|m| o.error("endpoint", m))?;
            }
            let force_path_style = o.bool("forcePathStyle")?.unwrap_or(false);
            let credentials = credentials(&mut o)?;
            let connect_timeout = o
                .seconds("connectTimeout")?
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
            let upload_cutoff = o
                .uint("uploadCutoff")?
                .unwrap_or(crate::config::profiles::DEFAULT_UPLOAD_CUTOFF);
            FsBackendConfig::S3(S3FsConfig {
                bucket,
                prefix,
                region,
                endpoint,
                force_path_style,
                credentials,
                connect_timeout,
                upload_cutoff,
            })
        }
        other => {
            return Err(o.error(
                "backend",
                format!("`{other}` is not an fs backend (expected local or s3)"),
            ));
        }
    };
    let name = o.name.to_string();
    o.finish(backend)?;
    Ok(FsMountConfig {
        name,
        mode,
        glob,
        max_file_size,
        backend: backend_cfg,
    })
}

fn credentials(o: &mut MountOptions<'_>) -> Result<Option<S3Credentials>, ConfigError> {
    let Some(node) = o.take("credentials") else {
        return Ok(None);
    };
    let Some(t) = node.table() else {
        return Err(o.type_error(
            "credentials",
            "a table { accessKeyId, secretAccessKey, sessionToken }",
            node,
        ));
    };
    let field = |key: &str| -> Result<Option<String>, ConfigError> {
        match t.get(key) {
            None => Ok(None),
            Some(Node {
                value: NodeValue::Str(s),
                ..
            }) if !s.is_empty() => Ok(Some(s.clone())),
            Some(n) => Err(o.site.at(
                &n.loc,
                format!(
                    "{} mount `{}`: option `credentials.{key}` must be a non-empty string",
                    o.kind, o.name
                ),
            )),
        }
    };
    let missing = |key: &str| {
        o.site.at(
            &node.loc,
            format!(
                "{} mount `{}`: option `credentials` needs `{key}`",
                o.kind, o.name
            ),
        )
    };
    let access_key_id = field("accessKeyId")?.ok_or_else(|| missing("accessKeyId"))?;
    let secret = field("secretAccessKey")?.ok_or_else(|| missing("secretAccessKey"))?;
    let session = field("sessionToken")?;
    if let Some(extra) = t.keys().find(|k| {
        !matches!(
            k.as_str(),
            "accessKeyId" | "secretAccessKey" | "sessionToken"
        )
    }) && o.format == SourceFormat::Profile
    {
        return Err(o.site.at(
            &t[extra].loc,
            format!(
                "{} mount `{}`: option `credentials.{extra}` is unknown \
                 (expected accessKeyId, secretAccessKey, sessionToken)",
                o.kind, o.name
            ),
        ));
    }
    Ok(Some(S3Credentials {
        access_key_id,
        secret_access_key: Secret::new(secret),
        session_token: session.map(Secret::new),
    }))
}

/// A file the mount reads when it opens (`tlsCaFile`): checked when the profile loads, so a
/// missing one shows in `mounts` and breaks only its own mount. The path is not a secret.
fn check_readable_file(p: &Path) -> Result<(), String> {
    match std::fs::File::open(p).and_then(|f| f.metadata()) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(format!("cannot be read: {} is not a file", p.display())),
        Err(e) => Err(format!(
            "cannot be read: {}: {}",
            p.display(),
            super::load::io_reason(&e)
        )),
    }
}

pub(crate) fn valid_table_name(t: &str) -> bool {
    let mut chars = t.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks a Redis URL without ever quoting it (it may hold a password).
pub(crate) fn check_redis_url(url: &str) -> Result<(), String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("must start with redis:// or rediss://".into());
    };
    if scheme != "redis" && scheme != "rediss" {
        let shown: String = scheme
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(12)
            .collect();
        return Err(format!(
            "must start with redis:// or rediss:// (the scheme is `{shown}`)"
        ));
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() {
        return Err("has no host".into());
    }
    if let Some(db) = rest
        .split_once('/')
        .map(|(_, d)| d.split('?').next().unwrap_or(""))
        && !db.is_empty()
        && db.parse::<u32>().is_err()
    {
        return Err("has a database index that is not a number".into());
    }
    Ok(())
}

/// Checks an S3 endpoint: `http://` or `https://` with a host.
pub(crate) fn check_http_url(url: &str) -> Result<(), String> {
    if url.trim().is_empty() {
        return Err("must not be empty".into());
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("must be a URL such as http://localhost:9000".into());
    };
    if scheme != "http" && scheme != "https" {
        return Err("must start with http:// or https://".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err("has no valid host".into());
    }
    Ok(())
}

/// Redis prefixes of mounts on the same server must not contain one another (spec §4.1): one
/// mount's SCAN would list and `clear` would delete the other's keys. Returns each later mount
/// that overlaps an earlier one (not itself overlapping) with the error to break it with.
pub(crate) fn check_prefix_overlap(
    site: &ErrorSite,
    mounts: &[(&KvMountConfig, Loc)],
) -> Vec<(String, ConfigError)> {
    let mut out: Vec<(String, ConfigError)> = Vec::new();
    for (j, (b, loc_b)) in mounts.iter().enumerate() {
        let KvBackendConfig::Redis(rb) = &b.backend else {
            continue;
        };
        let earlier = mounts[..j]
            .iter()
            .filter(|(a, _)| !out.iter().any(|(n, _)| *n == a.name));
        for (a, _) in earlier {
            let KvBackendConfig::Redis(ra) = &a.backend else {
                continue;
            };
            if ra.url == rb.url
                && (ra.prefix.starts_with(&rb.prefix) || rb.prefix.starts_with(&ra.prefix))
            {
                let e = site.at(
                    loc_b,
                    format!(
                        "kv mount `{}`: prefix overlaps kv mount `{}` on the same redis \
                         (\"{}\" and \"{}\"): each would see and clear the other's keys",
                        b.name, a.name, rb.prefix, ra.prefix
                    ),
                );
                out.push((b.name.clone(), e));
                break;
            }
        }
    }
    out
}
