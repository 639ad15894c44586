//! `rillmount mounts -p PROFILE [--json]`: each mount's backend, mode, schema, location and
//! options, from the configuration alone (nothing is opened). A mount the profile could not
//! configure is listed last with its error (`(broken)`; in JSON, `error` is set). Secrets
//! never appear: Redis URLs lose their user and password, S3 credentials are shown only as
//! "static" or "default chain".

use serde_json::{Value, json};

use super::Ctx;
use crate::cli::args::MountsArgs;
use crate::cli::output::{Failure, Out, SetupCode, SetupError, json_text, to_serde};
use crate::config::profiles::redact_url;
use crate::config::{
    BrokenMount, ConfigError, Encoding, FsBackendConfig, FsMountConfig, KvBackendConfig,
    KvMountConfig, Profile, Schema, WritePolicy,
};

pub fn run(ctx: &Ctx, args: &MountsArgs) -> Result<(), Failure> {
    let Some(spec) = &args.profile.profile else {
        return Err(SetupError::usage(
            SetupCode::Profile,
            "`mounts` needs -p PROFILE (or RILLMOUNT_PROFILE)",
        )
        .into());
    };
    let p = ctx.profile(spec)?;
    let mut out = Out::new();
    if args.json {
        out.json(&profile_json(&p))?;
        return out.flush();
    }
    let mut flags = Vec::new();
    if p.read_only {
        flags.push("read-only");
    }
    if p.protect {
        flags.push("protected");
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", flags.join(", "))
    };
    out.line(&format!("profile {} ({}){flags}", p.name, p.path.display()))?;
    if !p.description.is_empty() {
        out.line(&format!("  {}", p.description))?;
    }
    out.line(&format!("  scripts: {}", p.rill.describe()))?;
    let width = p
        .mount_names()
        .chain(p.broken.iter().map(|b| b.name.as_str()))
        .map(str::len)
        .max()
        .unwrap_or(4)
        .max(4);
    out.line(&format!(
        "{:4}  {:width$}  {:7}  {:10}  LOCATION",
        "KIND", "NAME", "BACKEND", "MODE"
    ))?;
    for m in p.kv.values() {
        let mode = m.mode.as_str().unwrap_or("(none)");
        out.line(&format!(
            "kv    {:width$}  {:7}  {:10}  {}",
            m.name,
            m.backend_name(),
            mode,
            m.location()
        ))?;
        match &m.schema {
            None => out.line(&format!("      {:width$}  schema: open", ""))?,
            Some(s) => {
                for (k, e) in s {
                    let desc = e
                        .description
                        .as_deref()
                        .map(|d| format!("  # {d}"))
                        .unwrap_or_default();
                    out.line(&format!(
                        "      {:width$}  schema {k}: {} = {}{desc}",
                        "",
                        e.kind,
                        json_text(&e.default)
                    ))?;
                }
                if s.is_empty() {
                    out.line(&format!(
                        "      {:width$}  schema: declared, no keys (every key is refused)",
                        ""
                    ))?;
                }
            }
        }
    }
    for m in p.fs.values() {
        let mode = m.mode.as_str().unwrap_or("(none)");
        out.line(&format!(
            "fs    {:width$}  {:7}  {:10}  {}",
            m.name,
            m.backend_name(),
            mode,
            m.location()
        ))?;
        if let Some(g) = &m.glob {
            out.line(&format!("      {:width$}  glob: {g}", ""))?;
        }
    }
    // Mounts that could not be configured: the error stands where the location would.
    for b in &p.broken {
        out.line(&format!(
            "{:4}  {:width$}  {:7}  {:10}  {}",
            b.section.as_str(),
            b.name,
            b.backend.as_deref().unwrap_or("?"),
            "(broken)",
            b.error
        ))?;
    }
    out.flush()
}

/// The `--json` document of a profile.
pub fn profile_json(p: &Profile) -> Value {
    let mut mounts: Vec<Value> = p.kv.values().map(kv_json).collect();
    mounts.extend(p.fs.values().map(fs_json));
    mounts.extend(p.broken.iter().map(broken_json));
    json!({
        "profile": {
            "name": p.name,
            "path": p.path.display().to_string(),
            "description": p.description,
            "readOnly": p.read_only,
            "protect": p.protect,
            "rill": p.rill.to_json(),
        },
        "mounts": mounts,
        "warnings": p.warnings,
    })
}

/// A broken mount: what is known of it and its error (`error` is null on working mounts).
fn broken_json(b: &BrokenMount) -> Value {
    json!({
        "kind": b.section.as_str(),
        "name": b.name,
        "backend": b.backend,
        "mode": null,
        "location": null,
        "error": error_json(&b.error),
    })
}

/// A configuration error as `--json` documents give it.
pub fn error_json(e: &ConfigError) -> Value {
    json!({
        "path": e.path.display().to_string(),
        "line": e.line,
        "message": e.message,
        "text": e.to_string(),
    })
}

fn schema_json(s: &Option<Schema>) -> Value {
    match s {
        None => Value::Null,
        Some(s) => Value::Array(
            s.iter()
                .map(|(k, e)| {
                    json!({"key": k, "type": e.kind, "default": to_serde(&e.default), "description": e.description})
                })
                .collect(),
        ),
    }
}

fn kv_json(m: &KvMountConfig) -> Value {
    let mut options = json!({"maxEntries": m.max_entries, "maxValueSize": m.max_value_size});
    match &m.backend {
        KvBackendConfig::Json(j) => {
            options["store"] = json!(j.store.display().to_string());
            options["maxStoreSize"] = json!(j.max_store_size);
            options["writePolicy"] = json!(match j.write_policy {
                WritePolicy::Dispose => "dispose",
                WritePolicy::Immediate => "immediate",
            });
        }
        KvBackendConfig::Sqlite(s) => {
            options["database"] = json!(s.database.display().to_string());
            options["table"] = json!(s.table);
        }
        KvBackendConfig::Redis(r) => {
            options["url"] = json!(redact_url(r.url.expose()));
            options["prefix"] = json!(r.prefix);
            options["ttl"] = json!(r.ttl.unwrap_or(0));
            options["connectTimeout"] = json!(r.connect_timeout.as_secs_f64());
        }
        KvBackendConfig::Memory => {}
    }
    json!({
        "kind": "kv",
        "name": m.name,
        "backend": m.backend_name(),
        "mode": m.mode.as_str(),
        "location": m.location(),
        "schema": schema_json(&m.schema),
        "options": options,
        "error": null,
    })
}

fn fs_json(m: &FsMountConfig) -> Value {
    let mut options = json!({"maxFileSize": m.max_file_size, "glob": m.glob});
    match &m.backend {
        FsBackendConfig::Local(l) => {
            options["path"] = json!(l.path.display().to_string());
            options["encoding"] = json!(match l.encoding {
                Encoding::Utf8 => "utf-8",
                Encoding::Ascii => "ascii",
            });
        }
        FsBackendConfig::S3(s) => {
            options["bucket"] = json!(s.bucket);
            options["prefix"] = json!(s.prefix);
            options["region"] = json!(s.region);
            options["endpoint"] = json!(s.endpoint.as_deref().map(redact_url));
            options["forcePathStyle"] = json!(s.force_path_style);
            options["credentials"] = json!(if s.credentials.is_some() {
                "static"
            } else {
                "default chain"
            });
            options["connectTimeout"] = json!(s.connect_timeout.as_secs_f64());
        }
    }
    json!({
        "kind": "fs",
        "name": m.name,
        "backend": m.backend_name(),
        "mode": m.mode.as_str(),
        "location": m.location(),
        "options": options,
        "error": null,
    })
}
