//! Reading profiles from disk (finding them is `discovery.rs`, re-exported here).
//!
//! A TOML profile is read with figment: the file (`Toml` provider) merged with per-profile
//! environment overrides (`RILLMOUNT_<PROFILE>__kv__cache__database=…`, profile name upper-cased
//! with non-alphanumerics as `_`). toml_edit parses the same text once more for key order and line
//! numbers, so every error names the file, the line, the mount and the option. `${env:VAR}` in a
//! string value is replaced by the variable; a missing variable is an error. Errors are kept per
//! mount: an unset variable or a bad option inside `[kv.NAME]`/`[fs.NAME]` makes that mount a
//! broken mount (listed with its error, failing when used) and the other mounts load; a TOML
//! syntax error, `[profile]` or an unknown section fail the whole profile. Relative paths
//! resolve against the profile file's folder. A mount without `mode` is `read-write` (rill
//! requires the option; a profile may leave it out). Unknown sections and options are errors, so
//! a typo never silently changes behaviour. `.json` files are read as a rill host's
//! `rill-config.json` (see `rill_config.rs`).
//!
//! The environment overrides go through figment's `Serialized` provider built from an
//! [`EnvVars`] snapshot rather than figment's `Env` provider, so tests can pass variables
//! without touching the process environment; the merge semantics are the same.
//!
//! Discovery (`discovery.rs`, re-exported here) order, first name wins: `./profiles/*.toml`, the
//! user's config folder (`~/.config/rillmount/profiles/*.toml` on Linux), then a
//! `rill-config.json` found by walking up from the working directory (profile name
//! `rill-config`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use indexmap::IndexMap;

use super::options::{MountOptions, SourceFormat, build_fs, build_kv, check_prefix_overlap};
use super::tree::{DocItem, ErrorSite, Loc, Node, NodeValue, from_figment, line_of};
use super::{BrokenMount, ConfigError, FsMountConfig, KvMountConfig, MountSection, Profile};
use crate::rill::dialect::{Dialect, DialectChoice};

/// Environment variables the loader may read: the process environment, or a fixed set (tests).
#[derive(Debug, Clone, Default)]
pub struct EnvVars {
    vars: BTreeMap<String, String>,
}

impl EnvVars {
    /// A snapshot of the process environment (variables that are not UTF-8 are skipped).
    pub fn process() -> Self {
        EnvVars {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        EnvVars {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.vars
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// The prefix of environment variables that override options of profile `name`.
pub fn env_override_prefix(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("RILLMOUNT_{upper}__")
}

pub use super::discovery::{
    Origin, ProfileFile, discover, find_rill_config, resolve_profile, user_profiles_dir,
};

/// Loads the profile at `path` (TOML, or `rill-config.json` when the name ends in `.json`).
/// `name` defaults to the file stem.
pub fn load_profile(
    path: &Path,
    name: Option<&str>,
    env: &EnvVars,
) -> Result<Profile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: None,
        message: format!("cannot read profile: {}", io_reason(&e)),
    })?;
    let name = name
        .map(str::to_string)
        .unwrap_or_else(|| profile_name_of(path));
    let abs = absolute(path);
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        super::rill_config::load_rill_config_str(&text, &abs, &name, env)
    } else {
        load_toml_str(&text, &abs, &name, env)
    }
}

/// The profile name of a file: its stem (`dev.toml` → `dev`, `rill-config.json` → `rill-config`).
pub fn profile_name_of(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "profile".into())
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string().to_lowercase(),
    }
}

/// Reads a TOML profile from its text. `path` is used for messages and relative paths.
pub fn load_toml_str(
    text: &str,
    path: &Path,
    name: &str,
    env: &EnvVars,
) -> Result<Profile, ConfigError> {
    let site = ErrorSite::new(path);
    let doc = toml_edit::ImDocument::parse(text).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: e.span().map(|s| line_of(text, s.start)),
        // toml_edit's message may span lines; a profile error is one line.
        message: format!(
            "invalid TOML: {}",
            e.message()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })?;

    let prefix = env_override_prefix(name);
    let mut figment = Figment::from(Toml::string(text));
    for (var, value) in env.with_prefix(&prefix) {
        let key = var[prefix.len()..]
            .split("__")
            .collect::<Vec<_>>()
            .join(".");
        let value: figment::value::Value = value
            .parse()
            .unwrap_or_else(|e: std::convert::Infallible| match e {});
        figment = figment.merge(Serialized::default(&key, value));
    }
    let merged: figment::value::Value = figment.extract().map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: None,
        message: format!("cannot read profile: {}", e.kind),
    })?;
    let env_var = |p: &[String]| {
        let var = format!("{prefix}{}", p.join("__"));
        env.get(&var).map(|_| var)
    };
    let mut key_path = Vec::new();
    let root = from_figment(
        &merged,
        Some(DocItem::Table(doc.as_table())),
        Loc::Line(1),
        text,
        &mut key_path,
        &env_var,
    );
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    profile_from_tree(&root, &site, path, name, &base_dir, env)
}

/// Builds the profile from the located tree. Errors in the file as a whole (an unknown section,
/// `[profile]`, a `kv`/`fs` that is not a table) fail the profile; an error inside one mount
/// (an unset `${env:…}`, a bad option) makes that mount a [`BrokenMount`] and the others load.
fn profile_from_tree(
    root: &Node,
    site: &ErrorSite,
    path: &Path,
    name: &str,
    base_dir: &Path,
    env: &EnvVars,
) -> Result<Profile, ConfigError> {
    let empty = IndexMap::new();
    let top = root.table().unwrap_or(&empty);
    let mut profile = Profile {
        name: name.to_string(),
        path: path.to_path_buf(),
        description: String::new(),
        read_only: false,
        protect: false,
        kv: IndexMap::new(),
        fs: IndexMap::new(),
        warnings: Vec::new(),
        broken: Vec::new(),
        rill: Default::default(),
    };
    for (section, node) in top {
        match section.as_str() {
            "profile" => {
                let who = |p: &[String]| format!("[profile] `{}`", p.join("."));
                let node = interpolate_tree(node.clone(), site, env, &who, &mut Vec::new())?;
                read_profile_section(&node, site, &mut profile)?
            }
            "kv" | "fs" => {}
            other => {
                return Err(site.at(
                    &node.loc,
                    format!(
                        "unknown section `{other}` (expected [profile], [kv.NAME] or [fs.NAME])"
                    ),
                ));
            }
        }
    }
    let mut redis_locs = Vec::new();
    for section in [MountSection::Kv, MountSection::Fs] {
        let kind = section.as_str();
        let Some(node) = top.get(kind) else {
            continue;
        };
        let Some(mounts) = node.table() else {
            return Err(site.at(
                &node.loc,
                format!(
                    "`{kind}` must hold tables such as [{kind}.NAME], not {}",
                    node.kind_name()
                ),
            ));
        };
        for (mount, node) in mounts {
            let before = profile.warnings.len();
            let input = MountInput {
                site,
                section,
                name: mount,
                node,
                base_dir,
                env,
            };
            match build_mount(&input, &mut profile.warnings) {
                Ok(Built::Kv(cfg)) => {
                    redis_locs.push(node.loc.clone());
                    profile.kv.insert(mount.clone(), cfg);
                }
                Ok(Built::Fs(cfg)) => {
                    profile.fs.insert(mount.clone(), cfg);
                }
                Err(error) => {
                    // Warnings about a mount that is not there would only be noise.
                    profile.warnings.truncate(before);
                    profile.broken.push(BrokenMount {
                        section,
                        name: mount.clone(),
                        backend: raw_backend(node),
                        error,
                    });
                }
            }
        }
    }
    let pairs: Vec<_> = profile.kv.values().zip(redis_locs).collect();
    let overlapping = check_prefix_overlap(site, &pairs);
    break_overlapping(&mut profile, overlapping);
    Ok(profile)
}

/// Moves the kv mounts whose Redis prefix overlaps an earlier mount's into `broken`.
pub(crate) fn break_overlapping(profile: &mut Profile, overlapping: Vec<(String, ConfigError)>) {
    for (name, error) in overlapping {
        if let Some(cfg) = profile.kv.shift_remove(&name) {
            profile.broken.push(BrokenMount {
                section: MountSection::Kv,
                name,
                backend: Some(cfg.backend_name().to_string()),
                error,
            });
        }
    }
}

/// One `[kv.NAME]` / `[fs.NAME]` table and what reading it needs.
struct MountInput<'a> {
    site: &'a ErrorSite,
    section: MountSection,
    name: &'a str,
    node: &'a Node,
    base_dir: &'a Path,
    env: &'a EnvVars,
}

enum Built {
    Kv(KvMountConfig),
    Fs(FsMountConfig),
}

/// Reads one mount: its name, `${env:…}` in its values, its backend and options.
fn build_mount(m: &MountInput<'_>, warnings: &mut Vec<String>) -> Result<Built, ConfigError> {
    let (site, kind, mount) = (m.site, m.section.as_str(), m.name);
    check_mount_name(kind, mount).map_err(|e| site.at(&m.node.loc, e))?;
    let who = |p: &[String]| format!("{kind} mount `{mount}`: option `{}`", p.join("."));
    let node = interpolate_tree(m.node.clone(), site, m.env, &who, &mut Vec::new())?;
    let Some(opts) = node.table() else {
        return Err(site.at(
            &node.loc,
            format!(
                "{kind} mount `{mount}` must be a table, not {}",
                node.kind_name()
            ),
        ));
    };
    let backend = match opts.get("backend").map(|n| &n.value) {
        Some(NodeValue::Str(b)) => b.clone(),
        Some(_) => {
            return Err(site.at(
                &opts["backend"].loc,
                format!("{kind} mount `{mount}`: option `backend` must be a string"),
            ));
        }
        None => {
            let choices = match m.section {
                MountSection::Kv => "json, sqlite or redis",
                MountSection::Fs => "local or s3",
            };
            return Err(site.at(
                &node.loc,
                format!("{kind} mount `{mount}`: missing required option `backend` ({choices})"),
            ));
        }
    };
    let o = MountOptions::new(
        site,
        SourceFormat::Profile,
        kind,
        mount,
        opts,
        node.loc.clone(),
        m.base_dir,
        warnings,
    );
    Ok(match m.section {
        MountSection::Kv => Built::Kv(build_kv(o, &backend)?),
        MountSection::Fs => Built::Fs(build_fs(o, &backend)?),
    })
}

/// The `backend` of a mount table as written, for listing a broken mount (`None` when it is
/// missing, not a string or comes from a variable).
fn raw_backend(node: &Node) -> Option<String> {
    match node.table()?.get("backend").map(|n| &n.value) {
        Some(NodeValue::Str(b)) if !b.contains('$') => Some(b.clone()),
        _ => None,
    }
}

/// Mount names appear in addresses (`PROFILE:MOUNT/PATH`): no `:`, `/` or blanks.
pub(crate) fn check_mount_name(kind: &str, name: &str) -> Result<(), String> {
    if name.is_empty() || name.contains([':', '/', '\\']) || name.contains(char::is_whitespace) {
        return Err(format!(
            "{kind} mount name `{name}` cannot be used in addresses: it must be non-empty \
             without `:`, `/`, `\\` or spaces"
        ));
    }
    Ok(())
}

fn read_profile_section(
    node: &Node,
    site: &ErrorSite,
    profile: &mut Profile,
) -> Result<(), ConfigError> {
    let Some(t) = node.table() else {
        return Err(site.at(
            &node.loc,
            format!("[profile] must be a table, not {}", node.kind_name()),
        ));
    };
    for (key, v) in t {
        match (key.as_str(), &v.value) {
            ("description", NodeValue::Str(s)) => profile.description = s.clone(),
            ("readOnly", NodeValue::Bool(b)) => profile.read_only = *b,
            ("protect", NodeValue::Bool(b)) => profile.protect = *b,
            ("rill", NodeValue::Str(s)) => {
                let dialect: Dialect = s
                    .parse()
                    .map_err(|e: String| site.at(&v.loc, format!("[profile] `rill`: {e}")))?;
                let at = match v.loc {
                    Loc::Line(n) => format!("{}:{n}", profile.path.display()),
                    _ => profile.path.display().to_string(),
                };
                profile.rill = DialectChoice::Set {
                    dialect,
                    by: format!("[profile] rill at {at}"),
                };
            }
            ("rill", _) => {
                return Err(site.at(
                    &v.loc,
                    format!(
                        "[profile] `rill` must be a version string (\"0.20\" or \"0.8\"), not {}",
                        v.kind_name()
                    ),
                ));
            }
            ("description", _) => {
                return Err(site.at(
                    &v.loc,
                    format!(
                        "[profile] `description` must be a string, not {}",
                        v.kind_name()
                    ),
                ));
            }
            ("readOnly" | "protect", _) => {
                return Err(site.at(
                    &v.loc,
                    format!(
                        "[profile] `{key}` must be true or false, not {}",
                        v.kind_name()
                    ),
                ));
            }
            _ => {
                return Err(site.at(
                    &v.loc,
                    format!(
                        "[profile] has no option `{key}` (expected description, readOnly, protect, rill)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Replaces `${env:NAME}` in every string value of the tree. An error names the option through
/// `who` (given the key path below `node`) and points at the value's line.
fn interpolate_tree(
    node: Node,
    site: &ErrorSite,
    env: &EnvVars,
    who: &dyn Fn(&[String]) -> String,
    path: &mut Vec<String>,
) -> Result<Node, ConfigError> {
    let Node { value, loc } = node;
    let value = match value {
        NodeValue::Str(s) => NodeValue::Str(
            interpolate_env(&s, env).map_err(|m| site.at(&loc, format!("{}: {m}", who(path))))?,
        ),
        NodeValue::Array(items) => NodeValue::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, n)| {
                    path.push(i.to_string());
                    let n = interpolate_tree(n, site, env, who, path);
                    path.pop();
                    n
                })
                .collect::<Result<_, _>>()?,
        ),
        NodeValue::Table(t) => NodeValue::Table(
            t.into_iter()
                .map(|(k, n)| {
                    path.push(k.clone());
                    let n = interpolate_tree(n, site, env, who, path);
                    path.pop();
                    Ok((k, n?))
                })
                .collect::<Result<_, ConfigError>>()?,
        ),
        other => other,
    };
    Ok(Node { value, loc })
}

/// `${env:NAME}` → the variable's value. `$${` writes a literal `${`. Any other `${…}` is an
/// error (a rill-config style `${NAME}` is a likely mistake here). Messages never contain the
/// string itself, which may hold other secrets.
pub fn interpolate_env(s: &str, env: &EnvVars) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            let Some(end) = tail.find('}') else {
                return Err(
                    "unterminated `${` (write `${env:NAME}`, or `$${` for a literal)".into(),
                );
            };
            let inner = &tail[..end];
            let Some(var) = inner.strip_prefix("env:") else {
                return Err(format!(
                    "`${{{inner}}}` is not supported: write `${{env:NAME}}` to read an environment variable"
                ));
            };
            if !valid_var_name(var) {
                return Err(format!("`{var}` is not a valid environment variable name"));
            }
            match env.get(var) {
                Some(v) => out.push_str(v),
                None => return Err(format!("environment variable {var} is not set")),
            }
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn valid_var_name(v: &str) -> bool {
    let mut c = v.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
