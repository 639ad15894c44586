//! rill v0.20 types at run time: a written type (`TypeRef`) resolved to a structural type
//! (`Ty`: defaults evaluated, `$t` looked up), closure signatures, type assertions (`:T`,
//! `:?T`) and conversions (`-> number`, `-> dict(a: string = "x")`).

use super::super::{Cx, Flow, Interp, R};
use crate::rill::base::error::RillError;
use crate::rill::base::num::fmt_num;
use crate::rill::base::span::Span;
use crate::rill::syntax::ast::*;
use crate::rill::value::types::{ANY, Coll, Field, Ty, infer};
use crate::rill::value::*;
use std::rc::Rc;

/// A halt of the reference: its atom code when no error id maps it (`#INVALID_INPUT`), the
/// error id otherwise (`RILL_R010` → `RILL-R010`).
pub(crate) fn halt(atom: &str, msg: impl Into<String>, sp: Span) -> Flow {
    let code = match atom.strip_prefix("RILL_") {
        Some(id) if HALT_IDS.contains(&id) => format!("RILL-{id}"),
        _ => format!("#{atom}"),
    };
    Flow::from(RillError::at(&code, msg, sp))
}

/// Error ids whose halts reach the host as `RILL-Rnnn` errors (the rest keep their atom).
const HALT_IDS: &[&str] = &[
    "R001", "R002", "R003", "R005", "R006", "R007", "R008", "R009", "R010", "R015", "R016", "R036",
    "R037", "R038", "R041", "R042", "R043", "R044", "R054", "R055", "R056", "R057", "R058", "R060",
    "R061", "R082", "R083",
];

fn boxed(t: Option<Ty>) -> Option<Box<Ty>> {
    t.map(Box::new)
}

impl Interp {
    /// The structural type a written type stands for.
    pub(crate) fn resolve_type(&mut self, t: &TypeRef, cx: &Cx, sp: Span) -> R<Ty> {
        Ok(match t {
            TypeRef::Name(n) => match Ty::named(n) {
                Some(t) => t,
                None => return Err(halt("TYPE_MISMATCH", format!("Unknown type: {n}"), sp)),
            },
            TypeRef::Var(v) => match cx.scope.get(v) {
                Some(Value::Type(t)) => (*t).clone(),
                Some(other) => {
                    return Err(halt(
                        "TYPE_MISMATCH",
                        format!(
                            "Variable ${v} used as a type holds {}, not a type",
                            other.type_name()
                        ),
                        sp,
                    ));
                }
                None => {
                    return Err(RillError::at(
                        "RILL-R005",
                        format!("Undefined variable: ${v}"),
                        sp,
                    )
                    .into());
                }
            },
            TypeRef::Union(ms) => {
                let mut out = Vec::with_capacity(ms.len());
                for m in ms {
                    out.push(self.resolve_type(m, cx, sp)?);
                }
                Ty::Union(out)
            }
            TypeRef::Closure(ret) => Ty::Closure {
                params: Some(vec![]),
                ret: match ret {
                    Some(r) => Some(Box::new(self.resolve_type(r, cx, sp)?)),
                    None => None,
                },
            },
            TypeRef::Args(name, args) => {
                let mut fields = Vec::with_capacity(args.len());
                for a in args {
                    let ty = self.resolve_type(&a.ty, cx, sp)?;
                    let default = match &a.default {
                        Some(d) => Some(self.eval(d, cx)?),
                        None => None,
                    };
                    let annotations = match &a.annotations {
                        Some(an) => Some(Rc::new(self.eval_annotations(an, cx)?)),
                        None => None,
                    };
                    fields.push(Field {
                        name: a.name.clone(),
                        ty,
                        default,
                        annotations,
                    });
                }
                check_constructor(name, &fields, sp)?;
                let kind = match name.as_str() {
                    "list" => {
                        return Ok(Ty::List(fields.into_iter().next().map(|f| Box::new(f.ty))));
                    }
                    "stream" => {
                        let mut it = fields.into_iter();
                        return Ok(Ty::Stream {
                            chunk: it.next().map(|f| Box::new(f.ty)),
                            ret: it.next().map(|f| Box::new(f.ty)),
                        });
                    }
                    "dict" => Coll::Dict,
                    "tuple" => Coll::Tuple,
                    "ordered" => Coll::Ordered,
                    other if Ty::named(other).is_some() => {
                        return Err(halt(
                            "INVALID_INPUT",
                            format!("{other}() does not take type arguments"),
                            sp,
                        ));
                    }
                    other => {
                        return Err(halt("TYPE_MISMATCH", format!("Unknown type: {other}"), sp));
                    }
                };
                // `dict(number)`, `tuple(number)`: one type for every value
                if let [f] = fields.as_slice()
                    && f.name.is_none()
                    && f.default.is_none()
                {
                    return Ok(Ty::Fields {
                        kind,
                        fields: None,
                        value: Some(Box::new(f.ty.clone())),
                    });
                }
                Ty::Fields {
                    kind,
                    fields: Some(fields),
                    value: None,
                }
            }
        })
    }

    /// A v0.20 closure's signature: its parameters' types and defaults, its return type.
    pub(crate) fn closure_signature(
        &mut self,
        def: &ClosureDef,
        defaults: &[Option<Value>],
        cx: &Cx,
    ) -> R<Ty> {
        let mut params = Vec::with_capacity(def.params.len());
        for (i, p) in def.params.iter().enumerate() {
            let default = defaults.get(i).cloned().flatten();
            let ty = match (&p.ty, &default) {
                (Some(t), _) => self.resolve_type(t, cx, def.body.span)?,
                // `|x = 10|`: the default's type
                (None, Some(d @ (Value::Str(_) | Value::Num(_) | Value::Bool(_)))) => infer(d),
                (None, _) => ANY,
            };
            params.push(Field {
                name: Some(p.name.clone()),
                ty,
                default: defaults.get(i).cloned().flatten(),
                annotations: None,
            });
        }
        let ret = match &def.ret {
            Some(t) => Some(self.resolve_type(t, cx, def.body.span)?),
            None => None,
        };
        Ok(Ty::Closure {
            params: Some(params),
            ret: boxed(ret),
        })
    }

    /// `|a: T| :R` as a type value.
    pub(crate) fn closure_sig_value(
        &mut self,
        params: &[(String, Node)],
        ret: &Node,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        let mut fields = Vec::with_capacity(params.len());
        for (name, t) in params {
            let ty = self.type_operand(t, cx, sp)?;
            fields.push(Field::new(Some(name.clone()), ty));
        }
        let ret = self.type_operand(ret, cx, sp)?;
        Ok(Value::Type(Rc::new(Ty::Closure {
            params: Some(fields),
            ret: Some(Box::new(ret)),
        })))
    }

    /// An expression that must evaluate to a type value.
    fn type_operand(&mut self, n: &Node, cx: &Cx, sp: Span) -> R<Ty> {
        match self.eval(n, cx)? {
            Value::Type(t) => Ok((*t).clone()),
            other => Err(halt(
                "TYPE_MISMATCH",
                format!("Expected a type, got {}", other.type_name()),
                sp,
            )),
        }
    }

    /// `v:T` (`check`: `v:?T`): the value, or `#TYPE_MISMATCH`; the check answers a bool.
    pub(crate) fn type_assert(
        &mut self,
        v: Value,
        t: &TypeRef,
        check: bool,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        let ty = self.resolve_type(t, cx, sp)?;
        let ok = ty.matches(&v);
        if check {
            return Ok(Value::Bool(ok));
        }
        if !ok {
            return Err(halt(
                "TYPE_MISMATCH",
                format!("Type assertion failed: expected {ty}, got {}", infer(&v)),
                sp,
            ));
        }
        Ok(v)
    }

    /// `v -> T`: convert `v` to type `T`.
    pub(crate) fn convert(&mut self, v: Value, t: &TypeRef, cx: &Cx, sp: Span) -> R<Value> {
        let ty = self.resolve_type(t, cx, sp)?;
        self.convert_ty(v, &ty, sp)
    }

    /// `v -> $t`: convert to a type held as a value.
    pub(crate) fn convert_ty(&mut self, v: Value, ty: &Ty, sp: Span) -> R<Value> {
        if let Ty::Fields {
            kind,
            fields: Some(fields),
            value: None,
        } = ty
        {
            return self.convert_with_fields(v, *kind, fields, sp);
        }
        let target = ty.name();
        let out = convert_to(v, target, sp)?;
        if !ty.matches(&out) {
            return Err(halt(
                "TYPE_MISMATCH",
                format!("Type assertion failed: expected {ty}, got {}", infer(&out)),
                sp,
            ));
        }
        Ok(out)
    }

    /// `-> dict(a: T = d)` / `-> ordered(…)` / `-> tuple(…)`: fields picked in order, defaults
    /// filled in (nested structures too), a missing required field is `RILL-R044`.
    fn convert_with_fields(
        &mut self,
        v: Value,
        kind: Coll,
        fields: &[Field],
        sp: Span,
    ) -> R<Value> {
        let ok = match kind {
            Coll::Tuple => matches!(v, Value::Tuple(_) | Value::List(_)),
            _ => matches!(v, Value::Dict(_) | Value::Ordered(_)) && !v.is_iterator(),
        };
        if !ok {
            return Err(RillError::at(
                "RILL-R036",
                format!("cannot convert {} to {}", v.type_name(), kind.name()),
                sp,
            )
            .into());
        }
        let v = match v {
            Value::List(l) => Value::Tuple(Rc::new(Tuple {
                entries: l
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (TKey::Pos(i), x.clone()))
                    .collect(),
            })),
            other => other,
        };
        hydrate(v, kind, fields, sp)
    }
}

/// The reference's `hydrateNested`: `v` shaped by the fields of a structured type.
fn hydrate(v: Value, kind: Coll, fields: &[Field], sp: Span) -> R<Value> {
    let nested = |x: Value, t: &Ty| -> R<Value> {
        match t {
            Ty::Fields {
                kind,
                fields: Some(fs),
                value: None,
            } => {
                let shaped = match kind {
                    Coll::Dict => matches!(x, Value::Dict(_)),
                    Coll::Ordered => matches!(x, Value::Dict(_) | Value::Ordered(_)),
                    Coll::Tuple => matches!(x, Value::Tuple(_)),
                };
                if shaped {
                    hydrate(x, *kind, fs, sp)
                } else {
                    Ok(x)
                }
            }
            _ => Ok(x),
        }
    };
    let fill = |f: &Field, what: String| -> R<Value> {
        if let Some(d) = &f.default {
            return nested(d.clone(), &f.ty);
        }
        match &f.ty {
            Ty::Fields {
                kind,
                fields: Some(_),
                value: None,
            } => nested(empty_of(*kind), &f.ty),
            _ => Err(RillError::at("RILL-R044", what, sp).into()),
        }
    };
    let source = match &v {
        Value::Ordered(_) => "ordered",
        Value::Tuple(_) => "tuple",
        _ => "dict",
    };
    if kind == Coll::Tuple {
        let Value::Tuple(t) = &v else { return Ok(v) };
        let mut out = Vec::with_capacity(fields.len());
        for (i, f) in fields.iter().enumerate() {
            let x = match t.entries.get(i) {
                Some((_, x)) => nested(x.clone(), &f.ty)?,
                None => fill(
                    f,
                    format!(
                        "cannot convert tuple to tuple: missing required element at position {i}"
                    ),
                )?,
            };
            out.push((TKey::Pos(i), x));
        }
        return Ok(Value::Tuple(Rc::new(Tuple { entries: out })));
    }
    let input: Vec<(String, Value)> = match &v {
        Value::Dict(d) => d.iter().map(|(k, x)| (k.clone(), x.clone())).collect(),
        Value::Ordered(o) => o.to_vec(),
        _ => return Ok(v),
    };
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        let name = f.name.clone().unwrap_or_default();
        let x = match input.iter().find(|(k, _)| *k == name) {
            Some((_, x)) => nested(x.clone(), &f.ty)?,
            None => fill(
                f,
                format!(
                    "cannot convert {source} to {}: missing required field '{name}'",
                    kind.name()
                ),
            )?,
        };
        out.push((name, x));
    }
    Ok(match kind {
        Coll::Ordered => Value::Ordered(Rc::new(out)),
        _ => Value::dict(out.into_iter().collect()),
    })
}

/// `dict[]`, `ordered[]`, `tuple[]`.
fn empty_of(kind: Coll) -> Value {
    match kind {
        Coll::Dict => Value::dict(Dict::default()),
        Coll::Ordered => Value::Ordered(Rc::new(vec![])),
        Coll::Tuple => Value::Tuple(Rc::new(Tuple { entries: vec![] })),
    }
}

/// The reference's rules for type constructor arguments (`#INVALID_INPUT`), and defaults
/// that must have their field's type (`#TYPE_MISMATCH`).
fn check_constructor(name: &str, fields: &[Field], sp: Span) -> R<()> {
    let named = fields.iter().filter(|f| f.name.is_some()).count();
    let positional = fields.len() - named;
    let bad = |m: String| Err(halt("INVALID_INPUT", m, sp));
    match name {
        "list" if fields.len() != 1 || named > 0 => {
            return bad("list() requires exactly 1 type argument".into());
        }
        "dict" | "ordered" if named > 0 && positional > 0 => {
            return bad(format!(
                "{name}() cannot mix positional and named arguments"
            ));
        }
        "dict" | "ordered" if positional > 1 => {
            return bad(format!(
                "{name}() requires exactly 1 positional type argument"
            ));
        }
        "tuple" if named > 0 => return bad("tuple() requires positional arguments".into()),
        "tuple" => {
            if let Some(i) = fields
                .windows(2)
                .position(|w| w[0].default.is_some() && w[1].default.is_none())
            {
                return bad(format!(
                    "tuple() default values must be trailing: element at position {} has no default but a preceding element does",
                    i + 1
                ));
            }
        }
        _ => {}
    }
    for f in fields {
        if let Some(d) = &f.default
            && !f.ty.matches(d)
        {
            let what = match &f.name {
                Some(n) => format!("field '{n}'"),
                None => "tuple element".into(),
            };
            return Err(halt(
                "TYPE_MISMATCH",
                format!(
                    "Default value for {what} must be {}, got {}",
                    f.ty,
                    d.type_name()
                ),
                sp,
            ));
        }
    }
    Ok(())
}

/// `v` with the defaults of the fields of `t` it lacks.
pub(crate) fn with_defaults(v: Value, t: &Ty) -> Value {
    let Ty::Fields {
        fields: Some(fs), ..
    } = t
    else {
        return v;
    };
    let missing = |d: &Dict, f: &Field| !d.contains_key(f.name.as_deref().unwrap_or_default());
    match v {
        Value::Dict(d) if fs.iter().any(|f| f.default.is_some() && missing(&d, f)) => {
            let mut d = (*d).clone();
            for f in fs {
                if let (true, Some(x)) = (missing(&d, f), &f.default) {
                    d.insert(f.name.clone().unwrap_or_default(), x.clone());
                }
            }
            Value::dict(d)
        }
        Value::Tuple(t) if t.entries.len() < fs.len() => {
            let mut entries = t.entries.clone();
            for (i, f) in fs.iter().enumerate().skip(entries.len()) {
                entries.push((TKey::Pos(i), f.default.clone().unwrap_or(Value::Null)));
            }
            Value::Tuple(Rc::new(Tuple { entries }))
        }
        Value::Ordered(o) if o.len() < fs.len() => {
            let mut out = (*o).clone();
            for f in fs.iter().skip(out.len()) {
                out.push((
                    f.name.clone().unwrap_or_default(),
                    f.default.clone().unwrap_or(Value::Null),
                ));
            }
            Value::Ordered(Rc::new(out))
        }
        other => other,
    }
}

/// The conversions of the reference's type protocols (`convertTo`).
pub(crate) fn convert_to(v: Value, target: &str, sp: Span) -> R<Value> {
    let source = match &v {
        Value::Dict(_) if v.is_iterator() => "iterator",
        _ => v.type_name(),
    };
    if source == target || target == "any" {
        return Ok(v);
    }
    let r036 = || {
        Flow::from(RillError::at(
            "RILL-R036",
            format!("cannot convert {source} to {target}"),
            sp,
        ))
    };
    if target == "stream" {
        return Err(RillError::at(
            "RILL-R003",
            "Type conversion not supported for stream type",
            sp,
        )
        .into());
    }
    if source == "dict" && target == "ordered" {
        return Err(RillError::at(
            "RILL-R037",
            "dict to ordered conversion requires structural type signature",
            sp,
        )
        .into());
    }
    Ok(match (&v, target) {
        (_, "string") => match &v {
            Value::Closure(_) => Value::str("type(closure)"),
            Value::Atom(a) => Value::str(a),
            _ => Value::string(v.show()),
        },
        (Value::Bool(b), "number") => Value::Num(if *b { 1.0 } else { 0.0 }),
        (Value::Num(n), "bool") if *n == 0.0 || *n == 1.0 => Value::Bool(*n == 1.0),
        (Value::Num(n), "bool") => {
            return Err(RillError::at(
                "RILL-R036",
                format!("cannot convert number {} to bool", fmt_num(*n)),
                sp,
            )
            .into());
        }
        (Value::Str(s), "number") => match js_number(s) {
            Some(n) => Value::Num(n),
            None => {
                return Err(RillError::at(
                    "RILL-R038",
                    format!("cannot convert string \"{s}\" to number"),
                    sp,
                )
                .into());
            }
        },
        (Value::Str(s), "bool") => match &**s {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => {
                return Err(RillError::at(
                    "RILL-R036",
                    format!("cannot convert string \"{s}\" to bool"),
                    sp,
                )
                .into());
            }
        },
        (Value::Str(s), "atom") => Value::Atom(resolve_atom(s)),
        (Value::List(l), "tuple") => Value::Tuple(Rc::new(Tuple {
            entries: l
                .iter()
                .enumerate()
                .map(|(i, x)| (TKey::Pos(i), x.clone()))
                .collect(),
        })),
        (Value::Tuple(t), "list") => {
            Value::list(t.entries.iter().map(|(_, x)| x.clone()).collect())
        }
        (Value::Ordered(o), "dict") => Value::dict(o.iter().cloned().collect()),
        _ => return Err(r036()),
    })
}

/// Atoms rill v0.20 registers at start-up; any other name resolves to `#R001` (the
/// reference's registry answer for an unknown atom).
const ATOMS: &[&str] = &[
    "ok",
    "R001",
    "TIMEOUT",
    "AUTH",
    "FORBIDDEN",
    "RATE_LIMIT",
    "QUOTA_EXCEEDED",
    "UNAVAILABLE",
    "NOT_FOUND",
    "CONFLICT",
    "INVALID_INPUT",
    "PROTOCOL",
    "DISPOSED",
    "IGNORE",
    "R999",
    "TYPE_MISMATCH",
    "RILL_R001",
    "RILL_R002",
    "RILL_R003",
    "RILL_R005",
    "RILL_R006",
    "RILL_R007",
    "RILL_R008",
    "RILL_R009",
    "RILL_R010",
    "RILL_R015",
    "RILL_R016",
    "RILL_R036",
    "RILL_R037",
    "RILL_R038",
    "RILL_R040",
    "RILL_R041",
    "RILL_R042",
    "RILL_R043",
    "RILL_R044",
    "RILL_R054",
    "RILL_R055",
    "RILL_R056",
    "RILL_R057",
    "RILL_R058",
    "RILL_R060",
    "RILL_R061",
    "RILL_R082",
    "RILL_R083",
];

/// The atom `name` stands for.
pub(crate) fn resolve_atom(name: &str) -> Rc<str> {
    Rc::from(if ATOMS.contains(&name) { name } else { "R001" })
}

/// JavaScript's `Number(s)` for the strings rill converts (blank is not a number).
pub(crate) fn js_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let n = match t {
        "Infinity" | "+Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ if t.starts_with("0x") || t.starts_with("0X") => {
            i64::from_str_radix(&t[2..], 16).ok()? as f64
        }
        _ if t.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) => t.parse().ok()?,
        _ => return None,
    };
    Some(n)
}

impl Interp {
    /// `v.^key`: `^type` of any value; a closure's `^input` (ordered type of its parameters),
    /// `^output` (return type), `^description` and its other annotations.
    pub(crate) fn annotation_access(&mut self, v: &Value, key: &str, sp: Span) -> R<Value> {
        if key == "type" {
            return Ok(Value::Type(Rc::new(infer(v))));
        }
        if let Value::Stream(s) = v {
            let t = match key {
                "chunk" => &s.chunk,
                "output" => &s.ret,
                _ => {
                    return Err(RillError::at(
                        "RILL-R003",
                        format!("annotation not found: ^{key}"),
                        sp,
                    )
                    .into());
                }
            };
            return Ok(Value::Type(Rc::new(t.clone().unwrap_or(ANY))));
        }
        let Value::Closure(c) = v else {
            let code = if matches!(v, Value::Type(_)) {
                "RILL-R008"
            } else {
                "RILL-R003"
            };
            let msg = if matches!(v, Value::Type(_)) {
                "Annotation access not supported on type values".to_string()
            } else {
                format!("annotation not found: ^{key}")
            };
            return Err(RillError::at(code, msg, sp).into());
        };
        let Ty::Closure { params, ret } = c.signature() else {
            return Err(
                RillError::at("RILL-R008", format!("Annotation '{key}' not found"), sp).into(),
            );
        };
        let annotations = match &**c {
            Callable::Script { annotations, .. } => Some(annotations.clone()),
            _ => None,
        };
        match key {
            "description" => Ok(annotations
                .and_then(|a| a.get("description").cloned())
                .unwrap_or_else(|| Value::dict(Dict::default()))),
            "input" => Ok(Value::Type(Rc::new(Ty::Fields {
                kind: Coll::Ordered,
                fields: Some(params.unwrap_or_default()),
                value: None,
            }))),
            "output" => Ok(Value::Type(Rc::new(ret.map(|r| *r).unwrap_or(ANY)))),
            _ => annotations
                .and_then(|a| a.get(key).cloned())
                .ok_or_else(|| {
                    RillError::at("RILL-R008", format!("Annotation '{key}' not found"), sp).into()
                }),
        }
    }

    /// `t.name` / `t.signature` of a type value.
    pub(crate) fn type_field(&mut self, t: &Ty, field: &str, sp: Span) -> R<Value> {
        match field {
            "name" => Ok(Value::str(t.name())),
            "signature" => Ok(Value::string(t.to_string())),
            _ => Err(RillError::at(
                "RILL-R009",
                format!("Type value has no property \"{field}\""),
                sp,
            )
            .into()),
        }
    }
}

impl Interp {
    /// A v0.20 argument against its declared parameter type (`RILL-R001`).
    /// A structured parameter type fills in its fields' defaults (`dict(b: number = 5)`
    /// given `dict[]` binds `dict[b: 5]`).
    #[inline]
    pub(crate) fn check_arg(
        &self,
        sig: Option<&Ty>,
        i: usize,
        name: &str,
        v: Value,
        sp: Span,
    ) -> R<Value> {
        match sig {
            Some(Ty::Closure {
                params: Some(ps), ..
            }) => match ps.get(i) {
                Some(f) if !f.ty.is_any() => typed_arg(&f.ty, name, v, sp),
                _ => Ok(v),
            },
            _ => Ok(v),
        }
    }

    /// `=> $x:T` in v0.20: the value must have type `T` (unions, structures, `$t`).
    pub(crate) fn check_capture(
        &mut self,
        name: &str,
        v: &Value,
        t: &TypeRef,
        cx: &Cx,
        sp: Span,
    ) -> R<()> {
        let ty = self.resolve_type(t, cx, sp)?;
        if ty.matches(v) {
            return Ok(());
        }
        Err(RillError::at(
            "RILL-R001",
            format!(
                "Type mismatch: cannot assign {} to ${name}:{ty}",
                v.type_name()
            ),
            sp,
        )
        .into())
    }
}

impl Interp {
    /// A closure's declared return type (`|x| body :T`) holds for what it returned.
    #[inline]
    pub(crate) fn check_return(&mut self, sig: &Ty, v: Value, sp: Span) -> R<Value> {
        if let Ty::Closure { ret: Some(r), .. } = sig
            && !r.matches(&v)
        {
            return Err(halt(
                "TYPE_MISMATCH",
                format!("Type assertion failed: expected {r}, got {}", infer(&v)),
                sp,
            ));
        }
        Ok(v)
    }
}

/// An argument for a parameter of type `t` (not `any`): checked, its defaults filled in.
fn typed_arg(t: &Ty, name: &str, v: Value, sp: Span) -> R<Value> {
    if t.matches(&v) {
        return Ok(with_defaults(v, t));
    }
    Err(RillError::at(
        "RILL-R001",
        format!(
            "Parameter type mismatch: {name} expects {t}, got {}",
            v.type_name()
        ),
        sp,
    )
    .into())
}
