//! Variables and access chains (`$d.a[0].$k.(expr).^ann`, `.?field&type`, `??`), and
//! dispatch: dict/list literal targets, `-> $table`, hierarchical paths (spec §7–§8).

use super::{Cx, Flow, Interp, R, not_yet};
use crate::rill::base::error::RillError;
use crate::rill::base::num::fmt_num;
use crate::rill::base::span::Span;
use crate::rill::syntax::ast::*;
use crate::rill::value::*;
use std::rc::Rc;

fn err(code: &str, msg: impl Into<String>, sp: Span) -> Flow {
    Flow::from(RillError::at(code, msg, sp))
}

impl Interp {
    fn var_base(&mut self, name: &Option<String>, cx: &Cx, sp: Span) -> R<Value> {
        match name {
            None => {
                if matches!(cx.pipe, Value::Null) {
                    return Err(err("RILL-R005", "Undefined variable: $", sp));
                }
                Ok(cx.pipe.clone())
            }
            Some(n) => cx
                .scope
                .get(n)
                .ok_or_else(|| err("RILL-R005", format!("Undefined variable: ${n}"), sp)),
        }
    }

    /// A dict field; zero-param closures are auto-invoked with `$` = the dict.
    fn dict_field(
        &mut self,
        d: &Value,
        field: &str,
        allow_missing: bool,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        let Value::Dict(m) = d else {
            return Err(err(
                "RILL-R003",
                format!("Cannot access field '{field}' on non-dict"),
                sp,
            ));
        };
        self.field_value(d, m.get(field), field, allow_missing, cx, sp)
    }

    /// The value of field `field` of dict `d`, `entry` when looked up already: a missing or
    /// null field is `null` (`allow_missing`) or an error, a property closure is called.
    fn field_value(
        &mut self,
        d: &Value,
        entry: Option<&Value>,
        field: &str,
        allow_missing: bool,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        match entry {
            None | Some(Value::Null) => {
                if allow_missing {
                    Ok(Value::Null)
                } else {
                    Err(err("RILL-R009", format!("Dict has no field '{field}'"), sp))
                }
            }
            Some(Value::Closure(c)) => {
                let prop = match &**c {
                    Callable::Script { def, .. } => def.params.is_empty(),
                    Callable::Host { property, .. } => *property,
                    Callable::Native { .. } | Callable::Iterate { .. } => false,
                };
                if prop {
                    let c = c.clone();
                    let args = if matches!(&*c, Callable::Script { .. }) {
                        vec![]
                    } else {
                        vec![d.clone()]
                    };
                    return self.invoke(&c, args, &cx.with_pipe(d.clone()), sp);
                }
                Ok(Value::Closure(c.clone()))
            }
            Some(v) => Ok(v.clone()),
        }
    }

    /// Evaluate `$name…` with its access chain, existence check and default.
    pub(crate) fn eval_var(&mut self, n: &Node, cx: &Cx) -> R<Value> {
        let Kind::Var {
            name,
            access,
            exist,
            default,
        } = &*n.kind
        else {
            return Ok(Value::Null);
        };
        let sp = n.span;
        let mut v = self.var_base(name, cx, sp)?;
        let soft = default.is_some() || exist.is_some();
        for a in access {
            if matches!(v, Value::Null) {
                if let Some(d) = default {
                    return self.eval_body(d, cx);
                }
                return Err(err("RILL-R009", "Cannot access property on null", sp));
            }
            let step = self.access_step(&v, a, soft, cx, sp);
            v = match step {
                Ok(x) => x,
                Err(Flow::Err(e))
                    if default.is_some() && (e.is("RILL-R009") || e.is("RILL-R008")) =>
                {
                    Value::Null
                }
                Err(e) => return Err(e),
            };
        }
        if let Some((fin, ty)) = exist {
            let found = match fin {
                Access::Field(f) => match &v {
                    Value::Dict(d) => d.get(f).filter(|x| !matches!(x, Value::Null)).cloned(),
                    _ => None,
                },
                Access::VarKey(k) => {
                    let key = match k {
                        None => (!matches!(cx.pipe, Value::Null)).then(|| cx.pipe.clone()),
                        Some(k) => cx.scope.get(k),
                    };
                    let Some(key) = key else {
                        return Err(err(
                            "RILL-R005",
                            format!("Variable '{}' is undefined", k.as_deref().unwrap_or("$")),
                            sp,
                        ));
                    };
                    match (&v, &key) {
                        (Value::Dict(d), Value::Str(s)) => {
                            d.get(&**s).filter(|x| !matches!(x, Value::Null)).cloned()
                        }
                        (Value::Dict(_), other) => {
                            return Err(err(
                                "RILL-R002",
                                format!(
                                    "Existence check key must be string, got {}",
                                    other.type_name()
                                ),
                                sp,
                            ));
                        }
                        (Value::List(l), Value::Num(i)) => {
                            let idx = if *i < 0.0 { l.len() as f64 + i } else { *i };
                            if idx >= 0.0 && (idx as usize) < l.len() && idx.fract() == 0.0 {
                                return Ok(Value::Bool(true));
                            }
                            None
                        }
                        _ => None,
                    }
                }
                Access::Computed(e) => {
                    let key = self.eval(e, cx)?;
                    let Value::Str(s) = key else {
                        return Err(err(
                            "RILL-R002",
                            format!(
                                "Existence check key evaluated to {}, expected string",
                                key.type_name()
                            ),
                            sp,
                        ));
                    };
                    match &v {
                        Value::Dict(d) => d.get(&*s).filter(|x| !matches!(x, Value::Null)).cloned(),
                        _ => None,
                    }
                }
                _ => {
                    return Err(err(
                        "RILL-R002",
                        "Existence check not supported for this access",
                        sp,
                    ));
                }
            };
            return Ok(Value::Bool(match (found, ty) {
                (Some(x), Some(t)) if self.v20 => self.resolve_type(t, cx, sp)?.matches(&x),
                (Some(x), Some(t)) => t.as_name() == Some(x.type_name()),
                (Some(_), None) => true,
                (None, _) => false,
            }));
        }
        if matches!(v, Value::Null)
            && let Some(d) = default
        {
            return self.eval_body(d, cx);
        }
        Ok(v)
    }

    fn access_step(&mut self, v: &Value, a: &Access, soft: bool, cx: &Cx, sp: Span) -> R<Value> {
        match a {
            Access::Index(e) => {
                let idx = self.eval(e, cx)?;
                match (v, &idx) {
                    (Value::List(l), Value::Num(i)) => {
                        let j = if *i < 0.0 { l.len() as f64 + i } else { *i };
                        if j >= 0.0 && j.fract() == 0.0 && (j as usize) < l.len() {
                            Ok(l[j as usize].clone())
                        } else {
                            Err(err(
                                "RILL-R009",
                                format!("List index out of bounds: {}", fmt_num(*i)),
                                sp,
                            ))
                        }
                    }
                    (Value::List(_), other) => Err(err(
                        "RILL-R002",
                        format!("List index must be number, got {}", other.type_name()),
                        sp,
                    )),
                    (Value::Dict(d), Value::Str(s)) => d
                        .get(&**s)
                        .cloned()
                        .ok_or_else(|| err("RILL-R009", format!("Undefined dict key: {s}"), sp)),
                    (Value::Dict(_), other) => Err(err(
                        "RILL-R002",
                        format!("Dict key must be string, got {}", other.type_name()),
                        sp,
                    )),
                    (Value::Str(s), Value::Num(i)) => {
                        let u: Vec<u16> = s.encode_utf16().collect();
                        let j = if *i < 0.0 { u.len() as f64 + i } else { *i };
                        if j >= 0.0 && (j as usize) < u.len() {
                            Ok(Value::string(String::from_utf16_lossy(
                                &u[j as usize..j as usize + 1],
                            )))
                        } else {
                            Err(err(
                                "RILL-R009",
                                format!("List index out of bounds: {}", fmt_num(*i)),
                                sp,
                            ))
                        }
                    }
                    (other, _) => Err(err(
                        "RILL-R002",
                        format!("Cannot index {}", other.type_name()),
                        sp,
                    )),
                }
            }
            Access::Field(f) => {
                if f == "params" {
                    if let Value::Closure(c) = v {
                        return Ok(crate::rill::value::params_of(c));
                    }
                    if soft {
                        return Ok(Value::Null);
                    }
                    return Err(err(
                        "RILL-R003",
                        format!("Cannot access .params on {}", v.type_name()),
                        sp,
                    ));
                }
                if let Value::Dict(m) = v
                    && self.v20
                {
                    // one lookup: a dict's own field comes before a method of that name
                    let entry = m.get(f.as_str());
                    if entry.is_none()
                        && let Some(r) = self.field_as_method(v, f, sp)
                    {
                        return r;
                    }
                    return self.field_value(v, entry, f, soft, cx, sp);
                }
                if self.v20
                    && let Some(r) = self.field_as_method(v, f, sp)
                {
                    return r;
                }
                match v {
                    Value::Type(t) if self.v20 => self.type_field(t, f, sp),
                    Value::Dict(_) => self.dict_field(v, f, soft, cx, sp),
                    Value::Vector(x) if f == "model" => Ok(Value::str(&x.model)),
                    _ => Ok(Value::Null),
                }
            }
            Access::VarKey(k) => {
                let key = match k {
                    None => {
                        if matches!(cx.pipe, Value::Null) {
                            return Err(err("RILL-R005", "Pipe variable '$' is undefined", sp));
                        }
                        cx.pipe.clone()
                    }
                    Some(k) => cx.scope.get(k).ok_or_else(|| {
                        err("RILL-R005", format!("Variable '{k}' is undefined"), sp)
                    })?,
                };
                self.key_access(v, &key, true, cx, sp)
            }
            Access::Computed(e) => {
                let key = self.eval(e, cx)?;
                self.key_access(v, &key, soft, cx, sp)
            }
            Access::Alternatives(alts) => {
                if !matches!(v, Value::Dict(_)) {
                    return Err(err(
                        "RILL-R002",
                        format!("Cannot access fields on {}", v.type_name()),
                        sp,
                    ));
                }
                if let Value::Dict(d) = v {
                    for a in alts {
                        if d.get(a).is_some_and(|x| !matches!(x, Value::Null)) {
                            return self.dict_field(v, a, true, cx, sp);
                        }
                    }
                }
                if soft {
                    return Ok(Value::Null);
                }
                Err(err(
                    "RILL-R009",
                    format!("None of the fields {} exist", alts.join(", ")),
                    sp,
                ))
            }
            Access::Annotation(key) if self.v20 => self.annotation_access(v, key, sp),
            Access::Annotation(key) => match v {
                Value::Closure(c) => match &**c {
                    Callable::Script { annotations, .. } => {
                        annotations.get(key).cloned().ok_or_else(|| {
                            err("RILL-R008", format!("Annotation '{key}' not found"), sp)
                        })
                    }
                    _ => Err(err(
                        "RILL-R008",
                        format!("Annotation '{key}' not found"),
                        sp,
                    )),
                },
                other => Err(err(
                    "RILL-R003",
                    format!("Cannot access annotation on {}", other.type_name()),
                    sp,
                )),
            },
            Access::Block(b) => {
                let key = self.eval_target(b, &cx.with_pipe(v.clone()))?;
                self.key_access(v, &key, soft, cx, sp)
            }
        }
    }

    fn key_access(&mut self, v: &Value, key: &Value, soft: bool, cx: &Cx, sp: Span) -> R<Value> {
        match key {
            Value::Str(s) => match v {
                Value::Dict(_) => self.dict_field(v, s, soft, cx, sp),
                _ => Ok(Value::Null),
            },
            Value::Num(i) => match v {
                Value::List(l) => {
                    let j = if *i < 0.0 { l.len() as f64 + i } else { *i };
                    if j >= 0.0 && (j as usize) < l.len() {
                        Ok(l[j as usize].clone())
                    } else if soft {
                        Ok(Value::Null)
                    } else {
                        Err(err(
                            "RILL-R009",
                            format!("List index out of bounds: {}", fmt_num(*i)),
                            sp,
                        ))
                    }
                }
                _ => Ok(Value::Null),
            },
            other => Err(err(
                "RILL-R002",
                format!("Key must be string or number, got {}", other.type_name()),
                sp,
            )),
        }
    }

    /// `-> $x` / `-> $.field` as a pipe target: invoke a closure or dispatch.
    pub(crate) fn var_target(&mut self, n: &Node, cx: &Cx) -> R<Value> {
        let Kind::Var {
            name,
            access,
            default,
            ..
        } = &*n.kind
        else {
            return Ok(Value::Null);
        };
        let input = cx.pipe.clone();
        let sp = n.span;
        if name.is_none() && !access.is_empty() {
            let mut v = input.clone();
            for a in access {
                match a {
                    Access::Field(f) => {
                        if matches!(v, Value::Null) {
                            return Err(err("RILL-R009", "Cannot access property on null", sp));
                        }
                        v = self.dict_field(&v, f, false, cx, sp)?;
                    }
                    _ => v = self.access_step(&v, a, default.is_some(), cx, sp)?,
                }
            }
            return Ok(v);
        }
        let v = self.eval_var(n, cx)?;
        match &v {
            // v0.20 `-> $t` with a type in `$t`: a conversion
            Value::Type(t) if self.v20 => self.convert_ty(input, t, sp),
            Value::Closure(c) => {
                let has_params = match &**c {
                    Callable::Script { def, .. } => !def.params.is_empty(),
                    Callable::Host {
                        params: Some(p), ..
                    } => !p.is_empty(),
                    _ => false,
                };
                let c = c.clone();
                if has_params {
                    self.invoke(&c, vec![input], cx, sp)
                } else {
                    self.invoke(&c, vec![], cx, sp)
                }
            }
            Value::List(_) | Value::Dict(_) if matches!(input, Value::List(_)) => {
                let Value::List(path) = &input else {
                    return Ok(Value::Null);
                };
                self.hier_dispatch(v.clone(), path, default.as_ref(), cx, sp)
            }
            Value::List(_) => self.list_dispatch(v.clone(), input, default.as_ref(), false, cx, sp),
            Value::Dict(d) => {
                let key = match &input {
                    Value::Str(s) => s.to_string(),
                    Value::Num(_) | Value::Bool(_) => input.display(),
                    other => {
                        return Err(err(
                            "RILL-R002",
                            format!(
                                "Dict dispatch requires string key, got {}",
                                other.type_name()
                            ),
                            sp,
                        ));
                    }
                };
                match d.get(&key) {
                    Some(found) => self.resolve_dispatched(found.clone(), input.clone(), cx, sp),
                    None => match default {
                        Some(dn) => self.eval_body(dn, cx),
                        None => Err(err(
                            "RILL-R009",
                            format!("Dict dispatch: key '{key}' not found"),
                            sp,
                        )),
                    },
                }
            }
            other => {
                let t = match other {
                    Value::Str(_) | Value::Null => "string",
                    Value::Num(_) => "number",
                    Value::Bool(_) => "boolean",
                    _ => "dict",
                };
                Err(err("RILL-R002", format!("Cannot dispatch to {t}"), sp))
            }
        }
    }

    /// A value found by dispatch: closures are invoked with `$` = the key.
    fn resolve_dispatched(&mut self, found: Value, key: Value, cx: &Cx, sp: Span) -> R<Value> {
        let Value::Closure(c) = &found else {
            return Ok(found);
        };
        match &**c {
            Callable::Script { def, .. } if !def.params.is_empty() && def.params[0].name != "$" => {
                Err(err(
                    "RILL-R002",
                    "Dispatch does not provide arguments for parameterized closure",
                    sp,
                ))
            }
            Callable::Script { def, .. } if !def.params.is_empty() => {
                self.invoke(c, vec![key], cx, sp)
            }
            _ => self.invoke(c, vec![], &cx.with_pipe(key), sp),
        }
    }

    /// `v -> [k: x, ...]` dispatch on a dict literal (keys compared with type-aware equality).
    pub(crate) fn dict_dispatch(
        &mut self,
        entries: &[(DictKey, Node)],
        default: Option<&Node>,
        input: Value,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        for (k, vn) in entries {
            let candidates: Vec<Value> = match k {
                DictKey::Spread => return Err(not_yet(sp).into()),
                DictKey::Lit(s) => vec![Value::str(s)],
                DictKey::Num(x) => vec![Value::Num(*x)],
                DictKey::Bool(b) => vec![Value::Bool(*b)],
                DictKey::Var(name) => vec![cx.scope.get(name).ok_or_else(|| {
                    err("RILL-R005", format!("Variable '{name}' is undefined"), sp)
                })?],
                DictKey::Computed(e) => vec![self.eval(e, cx)?],
                DictKey::Multi(e) => match self.eval(e, cx)? {
                    Value::List(l) => l.iter().cloned().collect(),
                    other => vec![other],
                },
            };
            if candidates.iter().any(|c| deep_eq(c, &input)) {
                let v = self.eval(vn, cx)?;
                return self.resolve_dispatched(v, input, cx, sp);
            }
        }
        match default {
            Some(d) => self.eval_body(d, cx),
            None => Err(err(
                "RILL-R009",
                format!("Dict dispatch: key '{}' not found", input.display()),
                sp,
            )),
        }
    }

    /// `v -> [a, b, c]` / `-> $list`: index dispatch.
    pub(crate) fn list_dispatch(
        &mut self,
        target: Value,
        input: Value,
        default: Option<&Node>,
        literal: bool,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        // v0.20 words a `list[…]` literal's misses as R041/R042, a variable's as R002/R009
        let v20 = self.v20 && literal;
        let Value::List(l) = &target else {
            return Ok(target);
        };
        let Value::Num(i) = input else {
            return Err(err(
                if v20 { "RILL-R041" } else { "RILL-R002" },
                format!(
                    "List dispatch requires number index, got {}",
                    input.type_name()
                ),
                sp,
            ));
        };
        let j = if i < 0.0 { l.len() as f64 + i } else { i };
        if j >= 0.0 && j.fract() == 0.0 && (j as usize) < l.len() {
            let found = l[j as usize].clone();
            if let Value::Closure(c) = &found
                && matches!(&**c, Callable::Script { def, .. } if !def.params.is_empty())
            {
                return self.invoke(c, vec![input], cx, sp);
            }
            return self.resolve_dispatched(found, input, cx, sp);
        }
        let code = match (v20, i.fract() == 0.0) {
            (true, false) => "RILL-R041",
            (true, true) => "RILL-R042",
            _ => "RILL-R009",
        };
        match default {
            Some(d) => self.eval_body(d, cx),
            None => Err(err(
                code,
                format!("List dispatch: index '{}' not found", fmt_num(i)),
                sp,
            )),
        }
    }

    /// Hierarchical dispatch: follow a path of keys/indexes through nested dicts/lists.
    pub(crate) fn hier_dispatch(
        &mut self,
        target: Value,
        path: &Rc<Vec<Value>>,
        default: Option<&Node>,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        if path.is_empty() {
            return Ok(target);
        }
        let r = (|| -> R<Value> {
            let mut cur = target;
            for (i, key) in path.iter().enumerate() {
                let terminal = i + 1 == path.len();
                let next = match (&cur, key) {
                    (Value::Dict(d), Value::Str(s)) => d.get(&**s).cloned().ok_or_else(|| {
                        err(
                            "RILL-R009",
                            format!("Dict dispatch: key '{s}' not found"),
                            sp,
                        )
                    })?,
                    (Value::List(l), Value::Num(n)) => {
                        let j = if *n < 0.0 { l.len() as f64 + n } else { *n };
                        if j >= 0.0 && (j as usize) < l.len() {
                            l[j as usize].clone()
                        } else {
                            return Err(err(
                                "RILL-R009",
                                format!("List dispatch: index '{}' not found", fmt_num(*n)),
                                sp,
                            ));
                        }
                    }
                    _ => {
                        let ct = match &cur {
                            Value::List(_) => "list",
                            Value::Dict(_) => "dict",
                            other => other.type_name(),
                        };
                        let kt = match key {
                            Value::Num(_) => "number",
                            Value::Bool(_) => "boolean",
                            Value::Str(_) => "string",
                            _ => "object",
                        };
                        return Err(err(
                            "RILL-R002",
                            format!(
                                "Hierarchical dispatch type mismatch: cannot use {kt} key with {ct} value"
                            ),
                            sp,
                        ));
                    }
                };
                if terminal {
                    return self.resolve_dispatched(next, key.clone(), cx, sp);
                }
                cur = match &next {
                    Value::Closure(c) => {
                        if let Callable::Script { def, .. } = &**c
                            && !def.params.is_empty()
                            && def.params[0].name != "$"
                        {
                            return Err(err(
                                "RILL-R002",
                                "Cannot invoke parameterized closure at intermediate path position",
                                sp,
                            ));
                        }
                        let c = c.clone();
                        self.invoke(&c, vec![], cx, sp)?
                    }
                    _ => next,
                };
            }
            Ok(Value::Null)
        })();
        match r {
            Err(Flow::Err(e)) if e.is("RILL-R009") && default.is_some() => match default {
                Some(d) => self.eval(d, cx),
                None => Err(Flow::Err(e)),
            },
            other => other,
        }
    }
}
