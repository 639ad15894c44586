//! rill v0.20's structural types as runtime values (`list(number)`, `dict(name: string = "x")`,
//! `|x: number| :string`, `string|number`): how a value's type is inferred, how a type is
//! written back (`repr`), whether a value matches a type, and when two types are the same.

use super::{Dict, Value, deep_eq, encode_literal};
use std::rc::Rc;

/// A structural type.
#[derive(Debug, Clone)]
pub enum Ty {
    /// `any number string bool vector type atom datetime duration iterator`
    Prim(&'static str),
    /// `list` (no element type) or `list(T)`
    List(Option<Box<Ty>>),
    /// `dict(…)`, `tuple(…)`, `ordered(…)`: named/positional fields, or one value type for all
    Fields {
        kind: Coll,
        fields: Option<Vec<Field>>,
        value: Option<Box<Ty>>,
    },
    /// `closure` (no params known) or `|a: T = d| :R`
    Closure {
        params: Option<Vec<Field>>,
        ret: Option<Box<Ty>>,
    },
    Union(Vec<Ty>),
    Stream {
        chunk: Option<Box<Ty>>,
        ret: Option<Box<Ty>>,
    },
}

/// The three structured collection kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coll {
    Dict,
    Tuple,
    Ordered,
}

impl Coll {
    pub fn name(self) -> &'static str {
        match self {
            Coll::Dict => "dict",
            Coll::Tuple => "tuple",
            Coll::Ordered => "ordered",
        }
    }
}

/// A field of a structured type or a closure parameter.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: Option<String>,
    pub ty: Ty,
    pub default: Option<Value>,
    pub annotations: Option<Rc<Dict>>,
}

impl Field {
    pub fn new(name: Option<String>, ty: Ty) -> Field {
        Field {
            name,
            ty,
            default: None,
            annotations: None,
        }
    }
}

pub const ANY: Ty = Ty::Prim("any");

impl Ty {
    /// The type's name as `type.name` reports it: `dict` for `dict(a: number)`.
    pub fn name(&self) -> &'static str {
        match self {
            Ty::Prim(p) => p,
            Ty::List(_) => "list",
            Ty::Fields { kind, .. } => kind.name(),
            Ty::Closure { .. } => "closure",
            Ty::Union(_) => "union",
            Ty::Stream { .. } => "stream",
        }
    }

    /// A bare named type: `string`, `list`, `dict`, … (`None` for an unknown name).
    pub fn named(n: &str) -> Option<Ty> {
        Some(match n {
            "list" => Ty::List(None),
            "dict" => Ty::Fields {
                kind: Coll::Dict,
                fields: None,
                value: None,
            },
            "tuple" => Ty::Fields {
                kind: Coll::Tuple,
                fields: None,
                value: None,
            },
            "ordered" => Ty::Fields {
                kind: Coll::Ordered,
                fields: None,
                value: None,
            },
            "closure" => Ty::Closure {
                params: None,
                ret: None,
            },
            "stream" => Ty::Stream {
                chunk: None,
                ret: None,
            },
            "any" => ANY,
            "number" => Ty::Prim("number"),
            "string" => Ty::Prim("string"),
            "bool" => Ty::Prim("bool"),
            "vector" => Ty::Prim("vector"),
            "type" => Ty::Prim("type"),
            "atom" => Ty::Prim("atom"),
            "datetime" => Ty::Prim("datetime"),
            "duration" => Ty::Prim("duration"),
            "iterator" => Ty::Prim("iterator"),
            _ => return None,
        })
    }

    #[inline]
    pub fn is_any(&self) -> bool {
        matches!(self, Ty::Prim("any"))
    }
}

fn fmt_default(f: &mut std::fmt::Formatter<'_>, d: &Option<Value>) -> std::fmt::Result {
    match d {
        Some(v) => write!(f, " = {}", encode_literal(v)),
        None => Ok(()),
    }
}

/// The reference's `formatStructure`: `dict(a: number, b: string = "x")` (dict fields sorted),
/// `|x: any| :any`, `string|number`.
impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ty::Prim(p) => f.write_str(p),
            Ty::List(None) => f.write_str("list"),
            Ty::List(Some(e)) => write!(f, "list({e})"),
            Ty::Fields {
                kind,
                value: Some(v),
                ..
            } => write!(f, "{}({v})", kind.name()),
            Ty::Fields {
                kind, fields: None, ..
            } => f.write_str(kind.name()),
            Ty::Fields {
                kind,
                fields: Some(fs),
                ..
            } => {
                write!(f, "{}(", kind.name())?;
                let mut fs: Vec<&Field> = fs.iter().collect();
                if *kind == Coll::Dict {
                    fs.sort_by(|a, b| a.name.cmp(&b.name));
                }
                for (i, fd) in fs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match (&fd.name, kind) {
                        (Some(n), Coll::Dict | Coll::Ordered) => write!(f, "{n}: {}", fd.ty)?,
                        _ => write!(f, "{}", fd.ty)?,
                    }
                    fmt_default(f, &fd.default)?;
                }
                f.write_str(")")
            }
            Ty::Closure { params: None, .. } => f.write_str("closure"),
            Ty::Closure {
                params: Some(ps),
                ret,
            } => {
                f.write_str("|")?;
                for (i, p) in ps.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {}", p.name.as_deref().unwrap_or(""), p.ty)?;
                    fmt_default(f, &p.default)?;
                }
                match ret {
                    Some(r) => write!(f, "| :{r}"),
                    None => f.write_str("| :any"),
                }
            }
            Ty::Union(ms) => {
                for (i, m) in ms.iter().enumerate() {
                    if i > 0 {
                        f.write_str("|")?;
                    }
                    write!(f, "{m}")?;
                }
                Ok(())
            }
            Ty::Stream {
                chunk: None,
                ret: None,
            } => f.write_str("stream"),
            Ty::Stream { chunk, ret } => {
                match chunk {
                    Some(c) => write!(f, "stream({c})")?,
                    None => f.write_str("stream(any)")?,
                }
                match ret {
                    Some(r) => write!(f, ":{r}"),
                    None => Ok(()),
                }
            }
        }
    }
}

fn opt_eq(a: &Option<Box<Ty>>, b: &Option<Box<Ty>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.same(b),
        _ => false,
    }
}

fn default_eq(a: &Option<Value>, b: &Option<Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => deep_eq(a, b),
        _ => false,
    }
}

fn fields_eq(a: &[Field], b: &[Field], kind: Coll) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a, mut b): (Vec<&Field>, Vec<&Field>) = (a.iter().collect(), b.iter().collect());
    if kind == Coll::Dict {
        a.sort_by(|x, y| x.name.cmp(&y.name));
        b.sort_by(|x, y| x.name.cmp(&y.name));
    }
    a.iter().zip(b.iter()).all(|(x, y)| {
        (kind == Coll::Tuple || x.name == y.name)
            && x.ty.same(&y.ty)
            && default_eq(&x.default, &y.default)
    })
}

impl Ty {
    /// Structural equality (`structureEquals`).
    pub fn same(&self, other: &Ty) -> bool {
        match (self, other) {
            (Ty::Prim(a), Ty::Prim(b)) => a == b,
            (Ty::List(a), Ty::List(b)) => opt_eq(a, b),
            (
                Ty::Fields {
                    kind: k1,
                    fields: f1,
                    value: v1,
                },
                Ty::Fields {
                    kind: k2,
                    fields: f2,
                    value: v2,
                },
            ) => {
                k1 == k2
                    && match (v1, v2, f1, f2) {
                        (Some(a), Some(b), _, _) => a.same(b),
                        (Some(_), None, _, _) | (None, Some(_), _, _) => false,
                        (None, None, None, None) => true,
                        (None, None, Some(a), Some(b)) => fields_eq(a, b, *k1),
                        _ => false,
                    }
            }
            (
                Ty::Closure {
                    params: p1,
                    ret: r1,
                },
                Ty::Closure {
                    params: p2,
                    ret: r2,
                },
            ) => {
                let params = match (p1, p2) {
                    (None, None) => true,
                    (Some(a), Some(b)) => fields_eq(a, b, Coll::Ordered),
                    _ => false,
                };
                params && opt_eq(r1, r2)
            }
            (Ty::Union(a), Ty::Union(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.same(y))
            }
            (Ty::Stream { chunk: c1, ret: r1 }, Ty::Stream { chunk: c2, ret: r2 }) => {
                opt_eq(c1, c2) && opt_eq(r1, r2)
            }
            _ => false,
        }
    }

    /// Does `v` have this type (`structureMatches`)? Missing fields with defaults match.
    pub fn matches(&self, v: &Value) -> bool {
        match self {
            Ty::Prim("any") => true,
            Ty::Prim("iterator") => v.is_iterator(),
            Ty::Prim(p) => v.type_name() == *p,
            Ty::List(e) => match v {
                Value::List(l) => match e {
                    None => true,
                    Some(e) => e.is_any() || l.iter().all(|x| e.matches(x)),
                },
                _ => false,
            },
            Ty::Fields {
                kind,
                fields,
                value,
            } => {
                let entries: Vec<(Option<&str>, &Value)> = match (kind, v) {
                    (Coll::Dict, Value::Dict(d)) => {
                        d.iter().map(|(k, x)| (Some(k.as_str()), x)).collect()
                    }
                    (Coll::Tuple, Value::Tuple(t)) => {
                        t.entries.iter().map(|(_, x)| (None, x)).collect()
                    }
                    (Coll::Ordered, Value::Ordered(o)) => {
                        o.iter().map(|(k, x)| (Some(k.as_str()), x)).collect()
                    }
                    _ => return false,
                };
                if let Some(t) = value {
                    return entries.iter().all(|(_, x)| t.matches(x));
                }
                let Some(fields) = fields else {
                    return true;
                };
                match kind {
                    Coll::Dict => {
                        let Value::Dict(d) = v else { return false };
                        fields
                            .iter()
                            .all(|f| match d.get(f.name.as_deref().unwrap_or_default()) {
                                Some(x) => f.ty.matches(x),
                                None => f.default.is_some(),
                            })
                    }
                    _ => {
                        if fields.is_empty() {
                            return entries.is_empty();
                        }
                        if entries.len() > fields.len()
                            || fields[entries.len()..].iter().any(|f| f.default.is_none())
                        {
                            return false;
                        }
                        entries.iter().zip(fields.iter()).all(|((k, x), f)| {
                            (*kind == Coll::Tuple || *k == f.name.as_deref()) && f.ty.matches(x)
                        })
                    }
                }
            }
            Ty::Closure { params, ret } => {
                let Value::Closure(_) = v else { return false };
                let Some(ps) = params else { return true };
                let Ty::Closure {
                    params: Some(vps),
                    ret: vret,
                } = infer(v)
                else {
                    return false;
                };
                if vps.len() != ps.len() {
                    return false;
                }
                let params_ok = ps.iter().zip(vps.iter()).all(|(f, p)| {
                    p.name == f.name
                        && p.ty.same(&f.ty)
                        && match (&p.default, &f.default) {
                            (None, Some(_)) => false,
                            (Some(a), Some(b)) => deep_eq(a, b),
                            _ => true,
                        }
                });
                params_ok
                    && match ret {
                        None => true,
                        Some(r) => vret.as_deref().unwrap_or(&ANY).same(r),
                    }
            }
            Ty::Union(ms) => ms.iter().any(|m| m.matches(v)),
            Ty::Stream { chunk, ret } => match v {
                Value::Stream(s) => {
                    let same = |want: &Option<Box<Ty>>, have: &Option<Ty>| match (want, have) {
                        (Some(w), Some(h)) => w.same(h),
                        _ => true,
                    };
                    same(chunk, &s.chunk) && same(ret, &s.ret)
                }
                _ => false,
            },
        }
    }
}

/// The type of a value (`inferStructure`); the `Err` is the `R002` message of a list whose
/// elements have no common type.
pub fn try_infer(v: &Value) -> Result<Ty, String> {
    Ok(match v {
        Value::Null | Value::Str(_) => Ty::Prim("string"),
        Value::Num(_) => Ty::Prim("number"),
        Value::Bool(_) => Ty::Prim("bool"),
        Value::Type(_) => Ty::Prim("type"),
        Value::Atom(_) => Ty::Prim("atom"),
        Value::Datetime(_) => Ty::Prim("datetime"),
        Value::Stream(s) => Ty::Stream {
            chunk: s.chunk.clone().map(Box::new),
            ret: s.ret.clone().map(Box::new),
        },
        Value::Duration(_) => Ty::Prim("duration"),
        Value::Invalid(i) => return try_infer(&i.value),
        Value::Vector(_) => Ty::Prim("vector"),
        Value::List(l) => Ty::List(Some(Box::new(element_type(l)?))),
        Value::Tuple(t) => Ty::Fields {
            kind: Coll::Tuple,
            fields: Some(
                t.entries
                    .iter()
                    .map(|(_, x)| try_infer(x).map(|t| Field::new(None, t)))
                    .collect::<Result<_, _>>()?,
            ),
            value: None,
        },
        Value::Ordered(o) => Ty::Fields {
            kind: Coll::Ordered,
            fields: Some(
                o.iter()
                    .map(|(k, x)| try_infer(x).map(|t| Field::new(Some(k.clone()), t)))
                    .collect::<Result<_, _>>()?,
            ),
            value: None,
        },
        Value::Closure(c) => c.signature(),
        Value::Dict(d) => Ty::Fields {
            kind: Coll::Dict,
            fields: Some(
                d.iter()
                    .map(|(k, x)| try_infer(x).map(|t| Field::new(Some(k.clone()), t)))
                    .collect::<Result<_, _>>()?,
            ),
            value: None,
        },
    })
}

/// [`try_infer`], with `any` for elements of a list that have no common type.
pub fn infer(v: &Value) -> Ty {
    try_infer(v).unwrap_or(ANY)
}

/// The common element type of a list (`any` when empty).
pub fn element_type(l: &[Value]) -> Result<Ty, String> {
    let Some(first) = l.first() else {
        return Ok(ANY);
    };
    if let Some(t) = same_scalar(l) {
        return Ok(t);
    }
    let mut acc = try_infer(first)?;
    for (i, x) in l.iter().enumerate().skip(1) {
        let t = try_infer(x)?;
        match common(&acc, &t) {
            Some(m) => acc = m,
            None => {
                return Err(format!(
                    "List elements must be the same type: expected {acc}, got {t} at index {i}"
                ));
            }
        }
    }
    Ok(acc)
}

/// Do a list's elements share a type? The error says which element does not (a list
/// literal's check, which needs no type built for the common all-scalar list).
#[inline]
pub fn check_elements(l: &[Value]) -> Result<(), String> {
    if l.len() < 2 || same_kind_scalars(l) {
        return Ok(());
    }
    element_type(l).map(|_| ())
}

/// Are all elements strings, all numbers or all bools?
fn same_kind_scalars(l: &[Value]) -> bool {
    let Some(first) = l.first() else {
        return true;
    };
    matches!(first, Value::Str(_) | Value::Num(_) | Value::Bool(_))
        && l.iter()
            .all(|x| std::mem::discriminant(x) == std::mem::discriminant(first))
}

/// The type of a list of strings only, numbers only or bools only (the common case, told
/// without inferring each element's type).
fn same_scalar(l: &[Value]) -> Option<Ty> {
    let name = match l.first()? {
        Value::Str(_) => "string",
        Value::Num(_) => "number",
        Value::Bool(_) => "bool",
        _ => return None,
    };
    same_kind_scalars(l).then_some(Ty::Prim(name))
}

/// The type two values share (`commonType`), `None` when their kinds differ.
pub fn common(a: &Ty, b: &Ty) -> Option<Ty> {
    if a.is_any() {
        return Some(b.clone());
    }
    if b.is_any() {
        return Some(a.clone());
    }
    if a.name() != b.name() {
        return None;
    }
    if a.same(b) {
        return Some(a.clone());
    }
    match (a, b) {
        (Ty::List(Some(x)), Ty::List(Some(y))) => {
            return Some(Ty::List(common(x, y).map(Box::new)));
        }
        (Ty::List(_), Ty::List(_)) => return Some(Ty::List(None)),
        (
            Ty::Fields {
                kind,
                fields: f1,
                value: v1,
            },
            Ty::Fields {
                fields: f2,
                value: v2,
                ..
            },
        ) => {
            let merged = match (v1, v2, f1, f2) {
                (Some(x), Some(y), _, _) => common(x, y),
                (None, None, Some(x), Some(y)) => {
                    let all: Vec<&Ty> = x.iter().chain(y.iter()).map(|f| &f.ty).collect();
                    let mut m = all.first().map(|t| (*t).clone());
                    for t in all.iter().skip(1) {
                        m = m.and_then(|acc| common(&acc, t));
                    }
                    m
                }
                _ => None,
            };
            return Some(Ty::Fields {
                kind: *kind,
                fields: None,
                value: merged.map(Box::new),
            });
        }
        _ => {}
    }
    match a {
        Ty::Closure { .. } => Some(Ty::Closure {
            params: None,
            ret: None,
        }),
        Ty::Union(_) => Some(a.clone()),
        _ => None,
    }
}
