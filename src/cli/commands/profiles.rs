//! `rillmount profiles`: every discovered profile with its origin, flags and mount count
//! (`3 mounts, 1 broken` when some mounts could not be configured). A profile that fails to
//! load is listed with its error; the command still succeeds.

use serde_json::json;

use super::Ctx;
use super::mounts::error_json;
use crate::cli::args::ProfilesArgs;
use crate::cli::output::{Failure, Out};
use crate::config::Profile;
use crate::config::load::{discover, load_profile, user_profiles_dir};

pub fn run(ctx: &Ctx, args: &ProfilesArgs) -> Result<(), Failure> {
    let files = discover(&ctx.cwd);
    // The profile `RILLMOUNT_PROFILE` selects when a command gets no -p.
    let default = ctx.env.get("RILLMOUNT_PROFILE").map(str::to_string);
    let mut out = Out::new();
    let mut rows = Vec::new();
    for f in &files {
        let loaded = if f.shadowed {
            None
        } else {
            Some(load_profile(&f.path, Some(&f.name), &ctx.env))
        };
        rows.push((f, loaded));
    }
    if args.json {
        let list: Vec<_> = rows
            .iter()
            .map(|(f, loaded)| {
                let mut v = json!({
                    "name": f.name,
                    "path": f.path.display().to_string(),
                    "origin": f.origin.label(),
                    "shadowed": f.shadowed,
                    "default": default.as_deref() == Some(f.name.as_str()),
                });
                match loaded {
                    Some(Ok(p)) => {
                        v["description"] = json!(p.description);
                        v["readOnly"] = json!(p.read_only);
                        v["protect"] = json!(p.protect);
                        v["rill"] = p.rill.to_json();
                        v["kv"] = json!(p.kv.keys().collect::<Vec<_>>());
                        v["fs"] = json!(p.fs.keys().collect::<Vec<_>>());
                        v["broken"] = p
                            .broken
                            .iter()
                            .map(|b| {
                                let mut e = error_json(&b.error);
                                e["kind"] = json!(b.section.as_str());
                                e["name"] = json!(b.name);
                                e
                            })
                            .collect();
                        v["error"] = serde_json::Value::Null;
                    }
                    Some(Err(e)) => v["error"] = json!(e.to_string()),
                    None => {}
                }
                v
            })
            .collect();
        return out.json(&json!(list)).and_then(|_| out.flush());
    }
    if rows.is_empty() {
        let user = user_profiles_dir()
            .map(|d| format!(" or {}", d.display()))
            .unwrap_or_default();
        eprintln!("no profiles found in ./profiles{user}");
        return Ok(());
    }
    let width = rows
        .iter()
        .map(|(f, _)| f.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let counts: Vec<String> = rows
        .iter()
        .map(|(_, loaded)| match loaded {
            Some(Ok(p)) => mount_count(p),
            _ => "-".to_string(),
        })
        .collect();
    let mwidth = counts.iter().map(String::len).max().unwrap_or(6).max(6);
    out.line(&format!(
        "{:width$}  {:11}  {:mwidth$}  {:4}  {:17}  DESCRIPTION",
        "NAME", "ORIGIN", "MOUNTS", "RILL", "FLAGS"
    ))?;
    for ((f, loaded), mounts) in rows.iter().zip(counts) {
        let rill = match loaded {
            Some(Ok(p)) => p.rill.short(),
            _ => "-",
        };
        let (flags, desc) = match loaded {
            None => (
                "shadowed".to_string(),
                format!("(same name as an earlier profile) {}", f.path.display()),
            ),
            Some(Ok(p)) => {
                let mut flags = Vec::new();
                if default.as_deref() == Some(f.name.as_str()) {
                    flags.push("default");
                }
                if p.read_only {
                    flags.push("read-only");
                }
                if p.protect {
                    flags.push("protect");
                }
                (
                    if flags.is_empty() {
                        "-".into()
                    } else {
                        flags.join(",")
                    },
                    p.description.clone(),
                )
            }
            Some(Err(e)) => ("error".to_string(), e.to_string()),
        };
        out.line(&format!(
            "{:width$}  {:11}  {:mwidth$}  {rill:4}  {:17}  {desc}",
            f.name,
            f.origin.label(),
            mounts,
            flags
        ))?;
    }
    out.flush()
}

/// `3`, or `3 mounts, 1 broken` when some of them could not be configured.
fn mount_count(p: &Profile) -> String {
    let total = p.kv.len() + p.fs.len() + p.broken.len();
    let noun = if total == 1 { "mount" } else { "mounts" };
    if p.broken.is_empty() {
        total.to_string()
    } else {
        format!("{total} {noun}, {} broken", p.broken.len())
    }
}
