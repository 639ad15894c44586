//! The host-call shape of rill v0.20: the host binds `kv` and `fs` as dicts of callables
//! (`createRuntimeContext({variables: {kv: kv.value, fs: fs.value}})`, as the reference's
//! docs/integration-backends.md shows), so scripts call `$kv.get("user", "name")` — or
//! `kv.get(…)` as those docs write it — and fs takes one mount-prefixed path.

use crate::rill::base::error::RillError;
use crate::rill::host::HostRegistry;
use crate::rill::value::{Callable, Dict, Value};
use std::rc::Rc;

/// `"/data/notes/a.md"` → (`data`, `notes/a.md`): the longest mount name that is the path's
/// first segment(s) wins (rill v0.18.2's `parseMountPath`); `RILL-R017` when none does.
pub fn parse_mount_path<'a>(
    full: &str,
    mounts: impl Iterator<Item = &'a String>,
) -> Result<(String, String), RillError> {
    let normalized = full.strip_prefix('/').unwrap_or(full);
    let mut names: Vec<&String> = mounts.collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in names {
        if normalized == name.as_str() {
            return Ok((name.clone(), String::new()));
        }
        if let Some(rest) = normalized
            .strip_prefix(name.as_str())
            .and_then(|r| r.strip_prefix('/'))
        {
            return Ok((name.clone(), rest.to_string()));
        }
    }
    Err(RillError::new(
        "RILL-R017",
        format!("no mount matches path \"{full}\""),
    ))
}

/// The `kv` and `fs` dicts a v0.20 script sees: each registered `kv.get`, `fs.read`, … as a
/// member callable (`get`, `read`, …) with its declared parameters.
pub fn namespace_values(reg: &HostRegistry) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for ns in ["kv", "fs"] {
        let prefix = format!("{ns}.");
        let mut d = Dict::default();
        for name in reg.names() {
            let Some(member) = name.strip_prefix(&prefix) else {
                continue;
            };
            let params = reg.lookup(name).and_then(|f| f.params.clone());
            d.insert(
                member.to_string(),
                Value::Closure(Rc::new(Callable::Host {
                    name: name.to_string(),
                    params,
                    property: false,
                })),
            );
        }
        if !d.is_empty() {
            out.push((ns.to_string(), Value::dict(d)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_mount_prefix_wins() {
        let mounts = [
            "data".to_string(),
            "data/archive".to_string(),
            "docs".to_string(),
        ];
        let p = |s: &str| parse_mount_path(s, mounts.iter()).map_err(|e| e.message);
        assert_eq!(p("/data/a.txt"), Ok(("data".into(), "a.txt".into())));
        assert_eq!(
            p("/data/archive/x/y"),
            Ok(("data/archive".into(), "x/y".into()))
        );
        assert_eq!(p("data"), Ok(("data".into(), String::new())));
        assert_eq!(
            p("/datax/a"),
            Err("no mount matches path \"/datax/a\"".into())
        );
    }
}
