//! The kv host functions over the bound mounts, in both dialects' names: v0.8.6's
//! `kv::get(mount, key)` and v0.20's `kv.get(mount, key)` (the members of the `kv` dict; the
//! behaviour of rill v0.18.2's in-tree kv extension, the same calls as v0.8.6's but for
//! `set`'s value, which may be any value).

use super::*;

pub(super) fn register_kv(reg: &mut HostRegistry, b: &Rc<Binding>, d: Dialect) {
    let mk = |params: &[(&str, &str)]| Some(params.iter().map(|(n, t)| p(n, t)).collect());

    host_fn(
        reg,
        b,
        nm(d, "kv::get", "kv.get"),
        mk(&[("mount", "string"), ("key", "string")]),
        move |x, a| {
            let m = x.kv_mount(&arg(&a, 0))?;
            let v = x.block(m.get(&arg(&a, 1)))?.map_err(call_err)?;
            Ok(json_value(&v))
        },
    );

    host_fn(
        reg,
        b,
        nm(d, "kv::get_or", "kv.get_or"),
        mk(&[("mount", "string"), ("key", "string"), ("fallback", "any")]),
        move |x, a| {
            let name = arg(&a, 0);
            let fallback = a.get(2).cloned().unwrap_or(Value::Null);
            // kv-sqlite / kv-redis declare `fallback: dict`.
            let ext = match x.kv_config(&name) {
                Some(c) => !is_core(&c.backend),
                None => !x.kv_core_profile(),
            };
            if ext && !matches!(fallback, Value::Dict(_)) {
                return Err(RillError::new(
                    "RILL-R001",
                    format!(
                        "Type mismatch in {}: parameter 'fallback' expects dict, got {}",
                        nm(d, "kv::get_or", "kv.get_or"),
                        fallback.type_name()
                    ),
                ));
            }
            let m = x.kv_mount(&name)?;
            let key = arg(&a, 1);
            match x.block(m.store().get(&key))? {
                Ok(Some(_)) => {
                    let v = x.block(m.get_or(&key, Json::Null))?.map_err(call_err)?;
                    Ok(json_value(&v))
                }
                Ok(None) => Ok(fallback),
                Err(e) => Err(plain(e.to_string())),
            }
        },
    );

    host_fn(
        reg,
        b,
        nm(d, "kv::set", "kv.set"),
        mk(&[
            ("mount", "string"),
            ("key", "string"),
            ("value", if d == Dialect::V0_8 { "string" } else { "any" }),
        ]),
        move |x, a| {
            x.guard.check(nm(d, "kv::set", "kv.set"))?;
            let name = arg(&a, 0);
            let m = x.kv_mount(&name)?;
            let key = arg(&a, 1);
            let value = to_store_json(a.get(2).unwrap_or(&Value::Null));
            x.kv_write(&name, &m, &key, m.set(&key, value))?;
            Ok(Value::Bool(true))
        },
    );

    host_fn(
        reg,
        b,
        nm(d, "kv::merge", "kv.merge"),
        mk(&[("mount", "string"), ("key", "string"), ("partial", "dict")]),
        move |x, a| {
            x.guard.check(nm(d, "kv::merge", "kv.merge"))?;
            let name = arg(&a, 0);
            let m = x.kv_mount(&name)?;
            let key = arg(&a, 1);
            let partial = match to_store_json(a.get(2).unwrap_or(&Value::Null)) {
                Json::Object(o) => o,
                _ => JsonObject::new(),
            };
            x.kv_write(&name, &m, &key, m.merge(&key, partial))?;
            Ok(Value::Bool(true))
        },
    );

    host_fn(
        reg,
        b,
        nm(d, "kv::delete", "kv.delete"),
        mk(&[("mount", "string"), ("key", "string")]),
        move |x, a| {
            x.guard.check(nm(d, "kv::delete", "kv.delete"))?;
            let name = arg(&a, 0);
            let m = x.kv_mount(&name)?;
            let key = arg(&a, 1);
            Ok(Value::Bool(x.kv_write(&name, &m, &key, m.delete(&key))?))
        },
    );

    host_fn(
        reg,
        b,
        nm(d, "kv::keys", "kv.keys"),
        mk(&[("mount", "string")]),
        move |x, a| {
            let m = x.kv_mount(&arg(&a, 0))?;
            let keys = x.block(m.keys())?.map_err(call_err)?;
            Ok(Value::list(keys.into_iter().map(Value::string).collect()))
        },
    );

    host_fn(
        reg,
        b,
        nm(d, "kv::has", "kv.has"),
        mk(&[("mount", "string"), ("key", "string")]),
        move |x, a| {
            let m = x.kv_mount(&arg(&a, 0))?;
            Ok(Value::Bool(x.block(m.has(&arg(&a, 1)))?.map_err(call_err)?))
        },
    );

    host_fn(
        reg,
        b,
        nm(d, "kv::clear", "kv.clear"),
        mk(&[("mount", "string")]),
        move |x, a| {
            x.guard.check(nm(d, "kv::clear", "kv.clear"))?;
            let name = arg(&a, 0);
            let m = x.kv_mount(&name)?;
            let before = match &x.log {
                Some(_) => x.block(raw_all(m.store()))?,
                None => IndexMap::new(),
            };
            x.block(m.clear())?.map_err(call_err)?;
            if x.log.is_some() {
                let after = x.block(raw_all(m.store()))?;
                for (k, v) in &before {
                    x.record("kv", &name, k, Some(v.clone()), after.get(k).cloned());
                }
                for (k, v) in after.iter().filter(|(k, _)| !before.contains_key(*k)) {
                    x.record("kv", &name, k, None, Some(v.clone()));
                }
            }
            Ok(Value::Bool(true))
        },
    );

    host_fn(
        reg,
        b,
        nm(d, "kv::getAll", "kv.getAll"),
        mk(&[("mount", "string")]),
        move |x, a| {
            let m = x.kv_mount(&arg(&a, 0))?;
            let all = x.block(m.get_all())?.map_err(call_err)?;
            Ok(json_value(&Json::Object(all)))
        },
    );

    host_fn(
        reg,
        b,
        nm(d, "kv::schema", "kv.schema"),
        mk(&[("mount", "string")]),
        move |x, a| {
            let name = arg(&a, 0);
            let slot = x.kv.borrow().get(&name).cloned();
            match slot {
                Some(Slot::Open(m)) => Ok(json_value(&m.schema())),
                Some(Slot::Unopened(c)) => Ok(json_value(
                    &KvMount::new(c, Arc::new(MemoryStore::new())).schema(),
                )),
                Some(Slot::Failed(e)) => match x.kv_config(&name) {
                    Some(c) => Ok(json_value(
                        &KvMount::new(c.clone(), Arc::new(MemoryStore::new())).schema(),
                    )),
                    None => Err(plain(e.to_string())),
                },
                None => x.kv_mount(&name).map(|_| Value::Null),
            }
        },
    );

    // A mount the profile could not configure has no entry to give: listing the others as if
    // it were not declared would mislead, so the call fails with its error.
    host_fn(
        reg,
        b,
        nm(d, "kv::mounts", "kv.mounts"),
        Some(vec![]),
        move |x, _| {
            let entries =
                x.kv.borrow()
                    .iter()
                    .map(|(name, m)| match m {
                        Slot::Open(m) => Ok(json_value(&m.mount_entry())),
                        Slot::Unopened(c) => Ok(json_value(&kv_entry_from_config(c))),
                        Slot::Failed(e) => match x.kv_config(name) {
                            Some(c) => Ok(json_value(&kv_entry_from_config(c))),
                            None => Err(plain(e.to_string())),
                        },
                    })
                    .collect::<Result<_, _>>()?;
            Ok(Value::list(entries))
        },
    );
}
