//! rill v0.8.6's `fs::` host functions (`fs::read(mount, path)`, …) over the bound mounts.

use super::super::*;

pub(in crate::rill::mounts::bindings) fn register_fs(reg: &mut HostRegistry, b: &Rc<Binding>) {
    let mp = p("mount", "string");
    let path = p("path", "string");

    // Read-side functions taking (mount, path).
    for (func, name) in [
        ("read", "fs::read"),
        ("exists", "fs::exists"),
        ("stat", "fs::stat"),
    ] {
        host_fn(
            reg,
            b,
            name,
            Some(vec![mp.clone(), path.clone()]),
            move |x, a| {
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
            },
        );
    }

    host_fn(
        reg,
        b,
        "fs::list",
        Some(vec![mp.clone(), path.clone().with_default(Value::str(""))]),
        move |x, a| {
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
        "fs::find",
        Some(vec![
            mp.clone(),
            p("pattern", "string").with_default(Value::str("*")),
        ]),
        move |x, a| {
            let pattern = arg(&a, 1);
            let Some(m) = x.fs_mount(&arg(&a, 0), "find", &pattern)? else {
                return Ok(Value::Bool(false));
            };
            Ok(json_value(
                &x.block(m.rill.find(&pattern))?.map_err(call_err)?,
            ))
        },
    );

    for (func, name) in [("write", "fs::write"), ("append", "fs::append")] {
        host_fn(
            reg,
            b,
            name,
            Some(vec![mp.clone(), path.clone(), p("content", "string")]),
            move |x, a| {
                x.guard.check(name)?;
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

    for (func, name) in [("remove", "fs::remove"), ("mkdir", "fs::mkdir")] {
        host_fn(
            reg,
            b,
            name,
            Some(vec![mp.clone(), path.clone()]),
            move |x, a| {
                x.guard.check(name)?;
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
            },
        );
    }

    for (func, name) in [("copy", "fs::copy"), ("move", "fs::move")] {
        host_fn(
            reg,
            b,
            name,
            Some(vec![mp.clone(), p("src", "string"), p("dest", "string")]),
            move |x, a| {
                x.guard.check(name)?;
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

    host_fn(reg, b, "fs::mounts", Some(vec![]), move |x, _| {
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
    });
}
