//! A rill host's `rill-config.json` opened as a profile (spec/backends.md §10, §12 items 26–29).
//!
//! Storage mounts live inside `extensions.config.<extension mount path>.mounts`; the backend comes
//! from the package specifier in `extensions.mounts`, or, for local-path specifiers, from the
//! shape of the config. Extension-level options (Redis `url`, S3 `region`/`endpoint`/
//! `credentials`/`forcePathStyle`, local fs `maxFileSize`/`encoding`) are copied into each
//! storage mount. `${NAME}` is replaced in the storage mounts' options (with the extension-level
//! options they take) and in the package specifiers; a mount with unset variables becomes a
//! broken mount naming all of them while the others load (an unset variable in a specifier
//! fails the file). Differences from a real host are reported as profile warnings: relative
//! paths resolve against the config file's folder (rill uses the host's working directory), the
//! docs-only mode `read-only` becomes `read`, numbers given as strings are converted. JSON gives
//! no positions, so errors name the file, the mount and the option but no line.

use std::path::Path;

use indexmap::IndexMap;

use super::load::{EnvVars, break_overlapping};
use super::options::{MountOptions, SourceFormat, build_fs, build_kv, check_prefix_overlap};
use super::tree::{ErrorSite, Loc, Node, NodeValue, from_json};
use super::{BrokenMount, ConfigError, MountSection, Profile};
use crate::rill::dialect::{Dialect, DialectChoice};

/// Reads `rill-config.json` text as profile `name`. `path` is used for messages and as the base
/// of relative paths.
pub fn load_rill_config_str(
    text: &str,
    path: &Path,
    name: &str,
    env: &EnvVars,
) -> Result<Profile, ConfigError> {
    let site = ErrorSite::new(path);
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: Some(e.line()),
        message: format!("invalid JSON: {}", strip_position(&e.to_string())),
    })?;
    let root = from_json(&json);
    let Some(top) = root.table() else {
        return Err(site.at(&Loc::Unknown, "rill-config.json must hold a JSON object"));
    };
    // Variables outside the storage mounts' options concern the whole file.
    let mut missing = Vec::new();
    let description = top
        .get("description")
        .map(|n| interpolate_node(n, env, "description", &mut missing));
    let specs: Option<IndexMap<String, Node>> = top
        .get("extensions")
        .and_then(Node::table)
        .and_then(|e| e.get("mounts"))
        .and_then(Node::table)
        .map(|m| {
            m.iter()
                .map(|(k, n)| {
                    let key = format!("extensions.mounts.{k}");
                    (k.clone(), interpolate_node(n, env, &key, &mut missing))
                })
                .collect()
        });
    if !missing.is_empty() {
        return Err(site.at(&Loc::Unknown, missing_message(missing)));
    }
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut profile = Profile {
        name: name.to_string(),
        path: path.to_path_buf(),
        description: match description.map(|n| n.value) {
            Some(NodeValue::Str(d)) => d,
            _ => "rill host configuration".into(),
        },
        read_only: false,
        protect: false,
        kv: IndexMap::new(),
        fs: IndexMap::new(),
        warnings: Vec::new(),
        broken: Vec::new(),
        rill: Default::default(),
    };
    profile.rill = dialect_of(top, specs.as_ref(), path);
    let empty = IndexMap::new();
    let Some(ext) = top.get("extensions") else {
        return Ok(profile);
    };
    let ext = ext
        .table()
        .ok_or_else(|| site.at(&Loc::Unknown, "`extensions` must be an object"))?;
    let mounts = match (ext.get("mounts"), &specs) {
        (Some(_), Some(m)) => m,
        (Some(_), None) => {
            return Err(site.at(&Loc::Unknown, "`extensions.mounts` must be an object"));
        }
        (None, _) => return Err(site.at(&Loc::Unknown, "`extensions.mounts` is required")),
    };
    let configs = match ext.get("config") {
        Some(c) => c
            .table()
            .ok_or_else(|| site.at(&Loc::Unknown, "`extensions.config` must be an object"))?,
        None => &empty,
    };
    let mut relative = false;
    for (ext_path, spec) in mounts {
        let NodeValue::Str(spec) = &spec.value else {
            return Err(site.at(
                &Loc::Unknown,
                format!("`extensions.mounts.{ext_path}` must be a package specifier string"),
            ));
        };
        let config = configs
            .get(ext_path)
            .and_then(Node::table)
            .unwrap_or(&empty);
        let Some(backend) = backend_of(spec, config) else {
            if is_path_specifier(spec) {
                profile.warnings.push(format!(
                    "{}: extension `{ext_path}` ({spec}) does not look like a kv or fs backend; skipped",
                    path.display()
                ));
            }
            continue;
        };
        let storage = storage_mounts(backend, config).ok_or_else(|| {
            site.at(
                &Loc::Unknown,
                format!(
                    "extension `{ext_path}` ({spec}): needs at least one mount in \
                     `extensions.config.{ext_path}.mounts`"
                ),
            )
        })?;
        for (mount_name, opts) in storage {
            let mut missing = Vec::new();
            let mut opts: IndexMap<String, Node> = opts
                .iter()
                .map(|(k, n)| (k.clone(), interpolate_node(n, env, k, &mut missing)))
                .collect();
            for key in ["store", "database", "path"] {
                if let Some(Node {
                    value: NodeValue::Str(p),
                    ..
                }) = opts.get(key)
                    && p != ":memory:"
                    && !Path::new(p).is_absolute()
                {
                    relative = true;
                }
            }
            opts.insert("backend".into(), str_node(backend));
            let (section, kind) = if matches!(backend, "json" | "sqlite" | "redis") {
                (MountSection::Kv, "kv")
            } else {
                (MountSection::Fs, "fs")
            };
            let taken = match section {
                MountSection::Kv => profile.kv.contains_key(&mount_name),
                MountSection::Fs => profile.fs.contains_key(&mount_name),
            } || profile.broken_mount(section, &mount_name).is_some();
            let final_name = if taken {
                let n = format!("{ext_path}.{mount_name}");
                profile.warnings.push(format!(
                    "{}: {kind} mount `{mount_name}` of extension `{ext_path}` is also declared by \
                     another extension; listed as `{n}`",
                    path.display()
                ));
                n
            } else {
                mount_name
            };
            let before = profile.warnings.len();
            let built = if missing.is_empty() {
                let o = MountOptions::new(
                    &site,
                    SourceFormat::RillConfig,
                    kind,
                    &final_name,
                    &opts,
                    Loc::Unknown,
                    &base_dir,
                    &mut profile.warnings,
                );
                match section {
                    MountSection::Kv => build_kv(o, backend).map(|c| {
                        profile.kv.insert(final_name.clone(), c);
                    }),
                    MountSection::Fs => build_fs(o, backend).map(|c| {
                        profile.fs.insert(final_name.clone(), c);
                    }),
                }
            } else {
                Err(site.at(
                    &Loc::Unknown,
                    format!("{kind} mount `{final_name}`: {}", missing_message(missing)),
                ))
            };
            if let Err(error) = built {
                profile.warnings.truncate(before);
                profile.broken.push(BrokenMount {
                    section,
                    name: final_name,
                    backend: Some(backend.to_string()),
                    error,
                });
            }
        }
    }
    let pairs: Vec<_> = profile.kv.values().map(|m| (m, Loc::Unknown)).collect();
    let overlapping = check_prefix_overlap(&site, &pairs);
    break_overlapping(&mut profile, overlapping);
    if relative {
        profile.warnings.push(format!(
            "{}: relative paths are resolved against the folder of this file; a rill host \
             resolves them against its working directory",
            path.display()
        ));
    }
    Ok(profile)
}

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn str_node(s: &str) -> Node {
    Node::new(NodeValue::Str(s.to_string()), Loc::Unknown)
}

/// Replaces `${NAME}` (NAME = `[A-Z_][A-Z0-9_]*`) in every string value, as rill-config does;
/// unresolved names are collected into `missing` with the option (`key`) they were found in.
fn interpolate_node(node: &Node, env: &EnvVars, key: &str, missing: &mut Missing) -> Node {
    let value = match &node.value {
        NodeValue::Str(s) => {
            let mut names = Vec::new();
            let out = interpolate_braces(s, env, &mut names);
            missing.extend(names.into_iter().map(|n| (key.to_string(), n)));
            NodeValue::Str(out)
        }
        NodeValue::Array(a) => NodeValue::Array(
            a.iter()
                .map(|n| interpolate_node(n, env, key, missing))
                .collect(),
        ),
        NodeValue::Table(t) => NodeValue::Table(
            t.iter()
                .map(|(k, n)| (k.clone(), interpolate_node(n, env, key, missing)))
                .collect(),
        ),
        other => other.clone(),
    };
    Node::new(value, node.loc.clone())
}

/// Unset variables with the option each was found in.
type Missing = Vec<(String, String)>;

/// `missing environment variables: A, B (in options prefix, url)`: names only, never values.
fn missing_message(missing: Missing) -> String {
    let mut vars: Vec<&str> = missing.iter().map(|(_, v)| v.as_str()).collect();
    vars.sort();
    vars.dedup();
    let mut keys: Vec<&str> = missing.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort();
    keys.dedup();
    let opts = if keys.len() == 1 { "option" } else { "options" };
    let vs = if vars.len() == 1 { "" } else { "s" };
    format!(
        "missing environment variable{vs}: {} (in {opts} {})",
        vars.join(", "),
        keys.join(", ")
    )
}

fn interpolate_braces(s: &str, env: &EnvVars, missing: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        match tail.find('}') {
            Some(end) if is_upper_var(&tail[..end]) => {
                let name = &tail[..end];
                match env.get(name) {
                    Some(v) => out.push_str(v),
                    None => missing.push(name.to_string()),
                }
                rest = &tail[end + 1..];
            }
            _ => {
                out.push_str("${");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_upper_var(n: &str) -> bool {
    let mut c = n.chars();
    matches!(c.next(), Some(f) if f.is_ascii_uppercase() || f == '_')
        && c.all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_')
}

fn is_path_specifier(spec: &str) -> bool {
    spec.starts_with("./")
        || spec.starts_with("../")
        || spec.starts_with('/')
        || spec.starts_with("file://")
}

/// The `major.minor` of the version (range) of a specifier or of a bare version:
/// `@rcrsr/rill@^0.20.1` and `~0.20` → (0, 20); `None` without one.
fn version_in(text: &str) -> Option<(u32, u32)> {
    let name = package_name(text);
    let range = if name.len() < text.len() {
        &text[name.len() + 1..]
    } else if text.starts_with(|c: char| c.is_ascii_digit() || "^~>=v".contains(c)) {
        text
    } else {
        return None;
    };
    let start = range.find(|c: char| c.is_ascii_digit())?;
    let mut nums = range[start..]
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().ok());
    Some((nums.next()??, nums.next()??))
}

/// The dialect a rill version belongs to: up to 0.8 → 0.8, from 0.16 (rill-ext's named
/// arguments, the packages today's hosts run) → 0.20; between, neither.
fn dialect_of_version((major, minor): (u32, u32)) -> Option<Dialect> {
    match (major, minor) {
        (0, 0..=8) => Some(Dialect::V0_8),
        (0, 16..) | (1.., _) => Some(Dialect::V0_20),
        _ => None,
    }
}

/// Which rill the host runs: a `"rill": "0.20"` the user added (rill ignores unknown fields),
/// else the version of `runtime`, else the extension packages: `@rcrsr/rill-ext-kv` and
/// `@rcrsr/rill-ext-fs` exist only from rill 0.18.3; a versioned specifier tells by its
/// range. Anything else asks for a choice.
fn dialect_of(
    top: &IndexMap<String, Node>,
    specs: Option<&IndexMap<String, Node>>,
    path: &Path,
) -> DialectChoice {
    let file = path.display();
    let ask = format!(
        "add \"rill\": \"0.20\" (or \"0.8\") to {file} (rill ignores the field), or pass --rill"
    );
    if let Some(NodeValue::Str(v)) = top.get("rill").map(|n| &n.value) {
        return match v.parse::<Dialect>() {
            Ok(dialect) => DialectChoice::Set {
                dialect,
                by: format!("\"rill\" in {file}"),
            },
            Err(e) => DialectChoice::Unknown(format!("{file}: \"rill\": {e}")),
        };
    }
    if let Some(NodeValue::Str(rt)) = top.get("runtime").map(|n| &n.value)
        && let Some(v) = version_in(rt)
    {
        return match dialect_of_version(v) {
            Some(dialect) => DialectChoice::Set {
                dialect,
                by: format!("runtime `{rt}` in {file}"),
            },
            None => DialectChoice::Unknown(format!(
                "{file}: runtime `{rt}` is neither rill 0.8 nor 0.20 syntax; {ask}"
            )),
        };
    }
    let mut votes: Vec<(Dialect, String)> = Vec::new();
    for spec in specs.into_iter().flat_map(|m| m.values()) {
        let NodeValue::Str(spec) = &spec.value else {
            continue;
        };
        if is_path_specifier(spec) {
            continue;
        }
        let vote = match package_name(spec) {
            "@rcrsr/rill-ext-kv" | "@rcrsr/rill-ext-fs" => Some(Dialect::V0_20),
            name if name.starts_with("@rcrsr/rill") && name != spec => {
                version_in(spec).and_then(dialect_of_version)
            }
            _ => None,
        };
        if let Some(d) = vote {
            votes.push((d, spec.clone()));
        }
    }
    let first = votes.first().map(|(d, _)| *d);
    match first {
        None => DialectChoice::Unknown(format!(
            "{file} names no package that tells rill 0.8 from 0.20; {ask}"
        )),
        Some(d) if votes.iter().all(|(v, _)| *v == d) => DialectChoice::Set {
            dialect: d,
            by: format!("package `{}` in {file}", votes[0].1),
        },
        Some(_) => DialectChoice::Unknown(format!(
            "{file} names packages of both rill 0.8 and 0.20 ({}); {ask}",
            votes
                .iter()
                .map(|(d, s)| format!("{s} → {d}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The package name of a specifier, without a version range.
fn package_name(spec: &str) -> &str {
    let search_from = usize::from(spec.starts_with('@'));
    match spec[search_from..].find('@') {
        Some(i) => &spec[..search_from + i],
        None => spec,
    }
}

/// The backend of an extension mount (`json`, `sqlite`, `redis`, `local`, `s3`), or `None` for
/// an extension that is not a storage backend.
fn backend_of(spec: &str, config: &IndexMap<String, Node>) -> Option<&'static str> {
    if !is_path_specifier(spec) {
        return match package_name(spec) {
            "@rcrsr/rill-ext-kv-sqlite" => Some("sqlite"),
            "@rcrsr/rill-ext-kv-redis" => Some("redis"),
            "@rcrsr/rill-ext-fs-s3" => Some("s3"),
            "@rcrsr/rill/ext/kv" | "@rcrsr/rill-ext-kv" => Some("json"),
            "@rcrsr/rill/ext/fs" | "@rcrsr/rill-ext-fs" => Some("local"),
            _ => None,
        };
    }
    let mounts: Vec<&IndexMap<String, Node>> = config
        .get("mounts")
        .and_then(Node::table)
        .map(|m| m.values().filter_map(Node::table).collect())
        .unwrap_or_default();
    let any = |key: &str| mounts.iter().any(|m| m.contains_key(key));
    if any("store") || (config.get("mounts").is_none() && config.contains_key("store")) {
        Some("json")
    } else if any("database") && any("table") {
        Some("sqlite")
    } else if config.contains_key("url") && any("prefix") {
        Some("redis")
    } else if config.contains_key("region") && any("bucket") {
        Some("s3")
    } else if any("path") {
        Some("local")
    } else {
        None
    }
}

/// Options of each storage mount with the extension-level options of its backend merged in.
/// `None` when the extension has no mount (a host would fail to start).
fn storage_mounts(
    backend: &str,
    config: &IndexMap<String, Node>,
) -> Option<Vec<(String, IndexMap<String, Node>)>> {
    let shared: &[&str] = match backend {
        "redis" => &["url", "maxStoreSize", "writePolicy"],
        "sqlite" => &["maxStoreSize", "writePolicy"],
        "s3" => &["region", "endpoint", "forcePathStyle", "credentials"],
        "local" => &["maxFileSize", "encoding"],
        _ => &[],
    };
    let mounts = match config.get("mounts").and_then(Node::table) {
        Some(m) => m,
        None if backend == "json" && config.contains_key("store") => {
            // Legacy single-store shape: one mount named `default`, mode read-write (§2.1).
            let mut opts = config.clone();
            opts.entry("mode".into())
                .or_insert_with(|| str_node("read-write"));
            return Some(vec![("default".into(), opts)]);
        }
        None => return None,
    };
    if mounts.is_empty() && backend != "local" {
        return None;
    }
    let mut out = Vec::new();
    for (name, node) in mounts {
        let mut opts = node.table().cloned().unwrap_or_default();
        for key in shared {
            if let Some(v) = config.get(*key)
                && !opts.contains_key(*key)
            {
                opts.insert((*key).to_string(), v.clone());
            }
        }
        out.push((name.clone(), opts));
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::config::{FsBackendConfig, KvBackendConfig};
    use std::path::PathBuf;

    fn load(text: &str, env: &[(&str, &str)]) -> Result<Profile, ConfigError> {
        load_rill_config_str(
            text,
            Path::new("/srv/app/rill-config.json"),
            "rill-config",
            &EnvVars::from_pairs(env.iter().copied()),
        )
    }

    const SPEC_EXAMPLE: &str = r#"{ "extensions": {
    "mounts": { "kv": "@rcrsr/rill-ext-kv-sqlite@~0.16.0", "fs": "@rcrsr/rill-ext-fs-s3" },
    "config": {
      "kv": { "mounts": { "user": { "mode": "read-write", "database": "./data/app.db", "table": "user_state",
                                    "schema": { "count": { "type": "number", "default": 0 } } } } },
      "fs": { "region": "us-east-1", "endpoint": "${S3_ENDPOINT}", "forcePathStyle": true,
              "mounts": { "docs": { "mode": "read-write", "bucket": "app", "prefix": "docs/" } } } } } }"#;

    #[test]
    fn spec_example_imports_with_backends_by_specifier() {
        let p = load(SPEC_EXAMPLE, &[("S3_ENDPOINT", "http://127.0.0.1:9000")]).unwrap();
        let KvBackendConfig::Sqlite(s) = &p.kv["user"].backend else {
            panic!("not sqlite: {:?}", p.kv["user"].backend)
        };
        assert_eq!(s.database, PathBuf::from("/srv/app/data/app.db"));
        assert_eq!(s.table, "user_state");
        let schema = p.kv["user"].schema.as_ref().unwrap();
        assert_eq!(schema["count"].kind, "number");
        let FsBackendConfig::S3(s3) = &p.fs["docs"].backend else {
            panic!("not s3")
        };
        assert_eq!(s3.region, "us-east-1");
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(s3.force_path_style);
        assert_eq!(s3.prefix, "docs/");
        assert!(p.warnings.iter().any(|w| w.contains("relative paths")));
    }

    /// The error of the one broken mount of a profile that loads.
    fn mount_err(p: Profile) -> ConfigError {
        assert_eq!(p.broken.len(), 1, "{:?}", p.broken);
        p.broken[0].error.clone()
    }

    #[test]
    fn unset_variable_in_one_rill_config_mount_leaves_the_others_usable() {
        let text = r#"{"extensions":{"mounts":{"kv":"@rcrsr/rill-ext-kv-redis","st":"@rcrsr/rill/ext/kv"},
            "config":{"kv":{"url":"${REDIS_URL}","mounts":{"a":{"mode":"read","prefix":"${P_B}${P_A}"}}},
                      "st":{"mounts":{"b":{"mode":"read-write","store":"/d/${DIR}/b.json"}}},
                      "llm":{"apiKey":"${NOT_A_STORAGE_OPTION}"}}}}"#;
        let p = load(text, &[("DIR", "data")]).unwrap();
        let KvBackendConfig::Json(j) = &p.kv["b"].backend else {
            panic!()
        };
        assert_eq!(j.store, PathBuf::from("/d/data/b.json"));
        let b = &p.broken[0];
        assert_eq!(
            (b.name.as_str(), b.backend.as_deref()),
            ("a", Some("redis"))
        );
        let e = mount_err(p);
        assert_eq!(
            e.message,
            "kv mount `a`: missing environment variables: P_A, P_B, REDIS_URL \
             (in options prefix, url)"
        );
        assert_eq!(e.path, PathBuf::from("/srv/app/rill-config.json"));
        // A variable in a package specifier concerns the whole file.
        let text = r#"{"extensions":{"mounts":{"kv":"${KV_PACKAGE}"}}}"#;
        let e = load(text, &[]).unwrap_err();
        assert_eq!(
            e.message,
            "missing environment variable: KV_PACKAGE (in option extensions.mounts.kv)"
        );
    }

    #[test]
    fn lower_case_and_session_placeholders_stay_literal() {
        let text = r#"{"extensions":{"mounts":{"kv":"@rcrsr/rill/ext/kv"},
            "config":{"kv":{"mounts":{"a":{"mode":"read","store":"/d/${lower}@{SESSION}.json"}}}}}}"#;
        let p = load(text, &[]).unwrap();
        let KvBackendConfig::Json(j) = &p.kv["a"].backend else {
            panic!()
        };
        assert_eq!(j.store, PathBuf::from("/d/${lower}@{SESSION}.json"));
    }

    #[test]
    fn read_only_mode_is_normalised_with_a_warning() {
        let text = r#"{"extensions":{"mounts":{"fs":"@rcrsr/rill/ext/fs"},
            "config":{"fs":{"mounts":{"docs":{"mode":"read-only","path":"/data"}}}}}}"#;
        let p = load(text, &[]).unwrap();
        assert_eq!(p.fs["docs"].mode.as_str(), Some("read"));
        assert!(
            p.warnings.iter().any(|w| w.contains("read-only")),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn backend_by_shape_for_path_specifiers() {
        let text = r#"{"extensions":{"mounts":{
              "a":"./ext/kv.js","b":"../x/sqlite","c":"/abs/redis","d":"file:///s3","e":"./fs",
              "llm":"@rcrsr/rill-ext-anthropic"},
            "config":{
              "a":{"mounts":{"ja":{"mode":"read-write","store":"/j.json"}}},
              "b":{"mounts":{"sq":{"mode":"read-write","database":"/d.db","table":"t"}}},
              "c":{"url":"redis://localhost","mounts":{"re":{"mode":"read","prefix":"x:"}}},
              "d":{"region":"auto","mounts":{"s":{"mode":"read","bucket":"b","prefix":"p/"}}},
              "e":{"maxFileSize":"100","mounts":{"lo":{"mode":"read","path":"/f"}}},
              "llm":{"apiKey":"k"}}}}"#;
        let p = load(text, &[]).unwrap();
        let kinds: Vec<_> =
            p.kv.values()
                .map(|m| m.backend_name())
                .chain(p.fs.values().map(|m| m.backend_name()))
                .collect();
        assert_eq!(kinds, ["json", "sqlite", "redis", "s3", "local"]);
        assert_eq!(p.fs["lo"].max_file_size, 100);
        assert!(p.warnings.iter().any(|w| w.contains("maxFileSize")));
    }

    #[test]
    fn legacy_single_store_becomes_default_mount() {
        let text = r#"{"extensions":{"mounts":{"kv":"@rcrsr/rill/ext/kv"},
            "config":{"kv":{"store":"state.json","maxEntries":5}}}}"#;
        let p = load(text, &[]).unwrap();
        let m = &p.kv["default"];
        assert_eq!(m.max_entries, 5);
        assert_eq!(m.mode.as_str(), Some("read-write"));
    }

    #[test]
    fn backend_validation_applies_without_echoing_the_url() {
        let text = r#"{"extensions":{"mounts":{"kv":"@rcrsr/rill-ext-kv-redis"},
            "config":{"kv":{"url":"http://u:hunter2@h","mounts":{"a":{"mode":"read","prefix":"a:"}}}}}}"#;
        let e = mount_err(load(text, &[]).unwrap()).to_string();
        assert!(e.contains("kv mount `a`: option `url`"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn missing_mounts_is_an_error() {
        let text = r#"{"extensions":{"mounts":{"kv":"@rcrsr/rill-ext-kv-sqlite"}}}"#;
        let e = load(text, &[]).unwrap_err();
        assert!(
            e.message.contains("extensions.config.kv.mounts"),
            "{}",
            e.message
        );
    }

    #[test]
    fn invalid_json_reports_the_line() {
        let e = load("{\n\"extensions\": {,\n}", &[]).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.starts_with("invalid JSON"));
    }

    #[test]
    fn redis_prefix_overlap_breaks_the_later_mount() {
        let text = r#"{"extensions":{"mounts":{"kv":"@rcrsr/rill-ext-kv-redis"},
            "config":{"kv":{"url":"redis://h","mounts":{"a":{"mode":"read","prefix":"app:"},
                                                        "b":{"mode":"read","prefix":"app:user:"}}}}}}"#;
        let p = load(text, &[]).unwrap();
        assert_eq!(p.kv.keys().collect::<Vec<_>>(), ["a"]);
        let e = mount_err(p);
        assert!(
            e.message.contains("kv mount `b`: prefix overlaps"),
            "{}",
            e.message
        );
    }

    fn rill_of(text: &str) -> DialectChoice {
        let root = from_json(&serde_json::from_str(text).unwrap());
        let top = root.table().unwrap();
        let specs = top
            .get("extensions")
            .and_then(Node::table)
            .and_then(|e| e.get("mounts"))
            .and_then(Node::table);
        dialect_of(top, specs, Path::new("/srv/app/rill-config.json"))
    }

    #[test]
    fn the_dialect_is_told_by_packages_runtime_or_a_rill_field() {
        let mounts = |m: &str| format!(r#"{{"extensions":{{"mounts":{{{m}}}}}}}"#);
        let set = |c: DialectChoice| match c {
            DialectChoice::Set { dialect, by } => (dialect, by),
            other => panic!("not set: {other:?}"),
        };
        let (d, by) = set(rill_of(&mounts(r#""kv":"@rcrsr/rill-ext-kv""#)));
        assert_eq!(d, Dialect::V0_20);
        assert!(by.contains("@rcrsr/rill-ext-kv"), "{by}");
        let (d, _) = set(rill_of(&mounts(
            r#""kv":"@rcrsr/rill-ext-kv-sqlite@~0.16.0""#,
        )));
        assert_eq!(d, Dialect::V0_20);
        let (d, _) = set(rill_of(&mounts(r#""kv":"@rcrsr/rill-ext-kv-redis@0.8.6""#)));
        assert_eq!(d, Dialect::V0_8);
        let (d, by) = set(rill_of(
            r#"{"runtime":"@rcrsr/rill@^0.20.0","extensions":{"mounts":{"kv":"@rcrsr/rill-ext-kv-redis"}}}"#,
        ));
        assert_eq!(d, Dialect::V0_20);
        assert!(by.starts_with("runtime"), "{by}");
        let (d, by) = set(rill_of(r#"{"rill":"0.8"}"#));
        assert_eq!(d, Dialect::V0_8);
        assert!(by.contains("\"rill\""), "{by}");

        // Unversioned packages of both eras, or a mix: the user is asked.
        for text in [
            mounts(r#""kv":"@rcrsr/rill-ext-kv-sqlite""#),
            mounts(r#""kv":"@rcrsr/rill-ext-kv-redis@0.8.6","fs":"@rcrsr/rill-ext-fs""#),
            r#"{"runtime":"@rcrsr/rill@0.12.0"}"#.to_string(),
        ] {
            match rill_of(&text) {
                DialectChoice::Unknown(why) => {
                    assert!(why.contains("\"rill\": \"0.20\""), "{why}");
                    assert!(why.contains("--rill"), "{why}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
