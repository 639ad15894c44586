//! The fs host functions over the bound mounts, in both dialects' shapes: v0.8.6's
//! `fs::read(mount, path)` and v0.20's `fs.read("/mount/path")` (one mount-prefixed path,
//! the longest mount name that prefixes it wins, as rill v0.18.2's fs extension matches it).
//! Each v0.20 call is reshaped to the v0.8 arguments (`v0_20::mount_args`) and runs the same
//! code, so both dialects read and write the same bytes.

use super::*;

pub(super) fn register_fs(reg: &mut HostRegistry, b: &Rc<Binding>, d: Dialect) {
    let path = p("path", "string");
    // v0.8 takes the mount first; v0.20 names it inside the path.
    let params = move |rest: Vec<HostParam>| -> Option<Vec<HostParam>> {
        Some(match d {
            Dialect::V0_8 => std::iter::once(p("mount", "string")).chain(rest).collect(),
            Dialect::V0_20 => rest,
        })
    };

    // Read-side functions taking (mount, path).
    for (func, name) in [
        ("read", nm(d, "fs::read", "fs.read")),
        ("exists", nm(d, "fs::exists", "fs.exists")),
        ("stat", nm(d, "fs::stat", "fs.stat")),
    ] {
        host_fn(reg, b, name, params(vec![path.clone()]), move |x, a| {
            let Some(a) = x.mount_args(d, a, func)? else {
                return Ok(Value::Bool(false));
            };
            let path = arg(&a, 1);
            let Some(m) = x.fs_mount(&arg(&a, 0), func, &path)? else {
                return Ok(Value::Bool(false));
            };
            let out = match func {
                "read" => x.block(m.rill.read(&path))?,
                "exists" => x.block(m.rill.exists(&path))?,
                _ => x.block(m.rill.stat(&path))?,
            };
            Ok(json_value(&out.map_err(call_err)?))
        });
    }

    host_fn(
        reg,
        b,
        nm(d, "fs::list", "fs.list"),
        params(vec![path.clone().with_default(Value::str(""))]),
        move |x, a| {
            let Some(a) = x.mount_args(d, a, "list")? else {
                return Ok(Value::Bool(false));
            };
            let path = arg(&a, 1);
            let Some(m) = x.fs_mount(&arg(&a, 0), "list", &path)? else {
                return Ok(Value::Bool(false));
            };
            Ok(json_value(&x.block(m.rill.list(&path))?.map_err(call_err)?))
        },
    );

    host_fn(
        reg,
        b,
        nm(d, "fs::find", "fs.find"),
        match d {
            Dialect::V0_8 => params(vec![p("pattern", "string").with_default(Value::str("*"))]),
            Dialect::V0_20 => Some(vec![
                path.clone(),
                p("pattern", "string").with_default(Value::str("*")),
            ]),
        },
        move |x, a| {
            // v0.20: `find("/mount/base", pattern)`, paths relative to the mount
            let (a, base) = match d {
                Dialect::V0_8 => (a, String::new()),
                Dialect::V0_20 => {
                    let Some(mut a) = x.mount_args(d, a, "find")? else {
                        return Ok(Value::Bool(false));
                    };
                    let base = arg(&a, 1);
                    a.remove(1);
                    (a, base)
                }
            };
            let pattern = arg(&a, 1);
            let Some(m) = x.fs_mount(&arg(&a, 0), "find", &pattern)? else {
                return Ok(Value::Bool(false));
            };
            let found = x.block(m.rill.find(&pattern))?.map_err(call_err)?;
            Ok(json_value(&under_base(found, &base)))
        },
    );

    for (func, name) in [
        ("write", nm(d, "fs::write", "fs.write")),
        ("append", nm(d, "fs::append", "fs.append")),
    ] {
        host_fn(
            reg,
            b,
            name,
            params(vec![path.clone(), p("content", "string")]),
            move |x, a| {
                x.guard.check(name)?;
                let Some(a) = x.mount_args(d, a, func)? else {
                    return Ok(Value::Bool(false));
                };
                let path = arg(&a, 1);
                let content = arg(&a, 2);
                let Some(m) = x.fs_mount(&arg(&a, 0), func, &path)? else {
                    return Ok(Value::Bool(false));
                };
                let out = if func == "write" {
                    x.fs_write(&m, &[&path], m.rill.write(&path, &content), Some(&content))?
                } else {
                    x.fs_write(&m, &[&path], m.rill.append(&path, &content), None)?
                };
                Ok(json_value(&out))
            },
        );
    }

    for (func, name) in [
        ("remove", nm(d, "fs::remove", "fs.remove")),
        ("mkdir", nm(d, "fs::mkdir", "fs.mkdir")),
    ] {
        host_fn(reg, b, name, params(vec![path.clone()]), move |x, a| {
            x.guard.check(name)?;
            let Some(a) = x.mount_args(d, a, func)? else {
                return Ok(Value::Bool(false));
            };
            let path = arg(&a, 1);
            let Some(m) = x.fs_mount(&arg(&a, 0), func, &path)? else {
                return Ok(Value::Bool(false));
            };
            let out = if func == "remove" {
                x.fs_write(&m, &[&path], m.rill.remove(&path), None)?
            } else {
                x.fs_write(&m, &[&path], m.rill.mkdir(&path), None)?
            };
            Ok(json_value(&out))
        });
    }

    for (func, name) in [
        ("copy", nm(d, "fs::copy", "fs.copy")),
        ("move", nm(d, "fs::move", "fs.move")),
    ] {
        host_fn(
            reg,
            b,
            name,
            params(vec![p("src", "string"), p("dest", "string")]),
            move |x, a| {
                x.guard.check(name)?;
                let Some(a) = x.mount_args(d, a, func)? else {
                    return Ok(Value::Bool(false));
                };
                let (src, dest) = (arg(&a, 1), arg(&a, 2));
                let Some(m) = x.fs_mount(&arg(&a, 0), func, &src)? else {
                    return Ok(Value::Bool(false));
                };
                let out = if func == "copy" {
                    x.fs_write(&m, &[&dest], m.rill.copy(&src, &dest), None)?
                } else {
                    x.fs_write(&m, &[&src, &dest], m.rill.move_(&src, &dest), None)?
                };
                Ok(json_value(&out))
            },
        );
    }

    host_fn(
        reg,
        b,
        nm(d, "fs::mounts", "fs.mounts"),
        Some(vec![]),
        move |x, _| {
            let entries =
                x.fs.borrow()
                    .iter()
                    .map(|(name, m)| match m {
                        Slot::Open(m) => Ok(json_value(&m.rill.mount_entry())),
                        Slot::Unopened(c) => Ok(json_value(&fs_entry_from_config(c))),
                        Slot::Failed(e) => x
                            .profile
                            .as_ref()
                            .and_then(|p| p.fs.get(name))
                            .map(|c| json_value(&fs_entry_from_config(c)))
                            .ok_or_else(|| call_err(rill_open_error(e))),
                    })
                    .collect::<Result<_, _>>()?;
            Ok(Value::list(entries))
        },
    );
}

/// The paths `find` gave that lie under `base` (all of them when it is empty).
fn under_base(found: Json, base: &str) -> Json {
    let base = base.trim_matches('/');
    match found {
        Json::Array(items) if !base.is_empty() => Json::Array(
            items
                .into_iter()
                .filter(|p| {
                    matches!(p, Json::String(s) if s.strip_prefix(base).is_some_and(|r| r.starts_with('/')))
                })
                .collect(),
        ),
        other => other,
    }
}
