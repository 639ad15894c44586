//! The rill value model (spec §4): immutable, `Rc`-shared values; display form, JSON form,
//! deep equality, type names, the runner's value encoding and conversion to/from `store::Json`.

use crate::rill::base::error::RillError;
use crate::rill::base::num::fmt_num;
use crate::rill::syntax::ast::ClosureDef;
use crate::store::js_json::Json;
use indexmap::IndexMap;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::{Rc, Weak};

/// Insertion-ordered dict (fast `foldhash` hashing).
pub type Dict = IndexMap<String, Value, foldhash::fast::RandomState>;

/// A rill value. `Null` exists only at the host boundary and as "`$` unbound".
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    List(Rc<Vec<Value>>),
    Dict(Rc<Dict>),
    Tuple(Rc<Tuple>),
    Closure(Rc<Callable>),
    Vector(Rc<Vector>),
}

/// Tuple key: positional index or name.
#[derive(Debug, Clone, PartialEq)]
pub enum TKey {
    Pos(usize),
    Name(String),
}

/// Argument pack created by `*`.
#[derive(Debug, Clone)]
pub struct Tuple {
    pub entries: Vec<(TKey, Value)>,
}

/// Host-created float32 vector with its model name.
#[derive(Debug, Clone)]
pub struct Vector {
    pub model: String,
    pub data: Vec<f32>,
}

/// Native function body of a runtime callable (iterator `next`, …).
pub type NativeFn = Rc<dyn Fn(Vec<Value>) -> Result<Value, RillError>>;

/// Lazy element source of a built-in iterator: `gen(i)` is the i-th element or None at the end.
pub type Generator = Rc<dyn Fn(usize) -> Option<Value>>;

/// A declared host parameter (name, type, optional default).
#[derive(Debug, Clone)]
pub struct HostParam {
    pub name: String,
    pub ty: String,
    pub default: Option<Value>,
    pub description: Option<String>,
}

impl HostParam {
    /// A required parameter of type `ty` (`string number bool list dict vector any`).
    pub fn new(name: &str, ty: &str) -> Self {
        HostParam {
            name: name.to_string(),
            ty: ty.to_string(),
            default: None,
            description: None,
        }
    }
    /// An optional parameter: `default` is used when the script omits it.
    pub fn with_default(mut self, default: Value) -> Self {
        self.default = Some(default);
        self
    }
}

/// The three kinds of callables.
pub enum Callable {
    /// A closure from source, with its defining scope (late binding).
    Script {
        def: Rc<ClosureDef>,
        scope: Rc<Scope>,
        defaults: Vec<Option<Value>>,
        param_annotations: Vec<Option<Rc<Dict>>>,
        annotations: Rc<Dict>,
        bound: RefCell<Option<Weak<Dict>>>,
    },
    /// Built into the runtime. `source` marks the `next` of a built-in iterator: its generator
    /// and the index `next` would produce, so expansion can skip building iterator dicts.
    Native {
        name: String,
        f: NativeFn,
        source: Option<(Generator, usize)>,
    },
    /// Provided by the host application.
    Host {
        name: String,
        params: Option<Vec<HostParam>>,
        property: bool,
    },
}

impl std::fmt::Debug for Callable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Callable::Script { def, .. } => write!(f, "Script({} params)", def.params.len()),
            Callable::Native { name, .. } => write!(f, "Native({name})"),
            Callable::Host { name, .. } => write!(f, "Host({name})"),
        }
    }
}

impl Callable {
    /// Parameter names (block closures report `$`).
    pub fn param_names(&self) -> Vec<String> {
        match self {
            Callable::Script { def, .. } => def.params.iter().map(|p| p.name.clone()).collect(),
            Callable::Host {
                params: Some(ps), ..
            } => ps.iter().map(|p| p.name.clone()).collect(),
            _ => vec![],
        }
    }
    /// The dict this closure was defined in, if still alive.
    pub fn bound_dict(&self) -> Option<Value> {
        match self {
            Callable::Script { bound, .. } => bound
                .borrow()
                .as_ref()
                .and_then(|w| w.upgrade())
                .map(Value::Dict),
            _ => None,
        }
    }
}

/// A variable scope. Variables keep the type of their first assignment (type locking).
#[derive(Debug, Default)]
pub struct Scope {
    pub vars: RefCell<HashMap<String, (Value, &'static str), foldhash::fast::RandomState>>,
    pub parent: Option<Rc<Scope>>,
}

impl Scope {
    /// A new child scope of `parent`.
    pub fn child(parent: &Rc<Scope>) -> Rc<Scope> {
        Rc::new(Scope {
            vars: RefCell::new(HashMap::default()),
            parent: Some(parent.clone()),
        })
    }
    /// Look a variable up through the parents.
    pub fn get(&self, name: &str) -> Option<Value> {
        if let Some((v, _)) = self.vars.borrow().get(name) {
            return Some(v.clone());
        }
        let mut cur = self.parent.clone();
        while let Some(s) = cur {
            if let Some((v, _)) = s.vars.borrow().get(name) {
                return Some(v.clone());
            }
            cur = s.parent.clone();
        }
        None
    }
    /// Where a variable lives: 0 = here, 1 = an outer scope, None = nowhere.
    pub fn locate(&self, name: &str) -> Option<(bool, &'static str)> {
        if let Some((_, t)) = self.vars.borrow().get(name) {
            return Some((true, t));
        }
        let mut cur = self.parent.clone();
        while let Some(s) = cur {
            if let Some((_, t)) = s.vars.borrow().get(name) {
                return Some((false, t));
            }
            cur = s.parent.clone();
        }
        None
    }
}

impl Value {
    /// A string value from `&str`.
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }
    /// A string value from `String`.
    pub fn string(s: String) -> Value {
        Value::Str(Rc::from(s))
    }
    /// A list value.
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(v))
    }
    /// A dict value.
    pub fn dict(d: Dict) -> Value {
        Value::Dict(Rc::new(d))
    }

    /// `type(v)` name; iterators are dicts and null reports "string" (as the reference).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null | Value::Str(_) => "string",
            Value::Bool(_) => "bool",
            Value::Num(_) => "number",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
            Value::Tuple(_) => "tuple",
            Value::Closure(_) => "closure",
            Value::Vector(_) => "vector",
        }
    }

    /// `&&`/`||`/`.empty` truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Dict(d) => !d.is_empty(),
            Value::Tuple(t) => !t.entries.is_empty(),
            Value::Closure(_) | Value::Vector(_) => true,
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An iterator dict: has `done: bool` and a callable `next`.
    pub fn is_iterator(&self) -> bool {
        match self {
            Value::Dict(d) => {
                matches!(d.get("done"), Some(Value::Bool(_)))
                    && matches!(d.get("next"), Some(Value::Closure(_)))
            }
            _ => false,
        }
    }

    /// Display form (spec §4): `.str`, interpolation, `log`, `.join`.
    pub fn display(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Str(s) => s.to_string(),
            Value::Num(n) => fmt_num(*n),
            Value::Bool(b) => b.to_string(),
            Value::Dict(_) if self.is_iterator() => "[iterator]".into(),
            Value::List(_) | Value::Dict(_) => to_json_text(self).unwrap_or_default(),
            Value::Tuple(t) => {
                let parts: Vec<String> = t
                    .entries
                    .iter()
                    .map(|(k, v)| match k {
                        TKey::Pos(_) => v.display(),
                        TKey::Name(n) => format!("{n}: {}", v.display()),
                    })
                    .collect();
                format!("*[{}]", parts.join(", "))
            }
            Value::Closure(_) => "[closure]".into(),
            Value::Vector(v) => format!("vector({}, {}d)", v.model, v.data.len()),
        }
    }
}

/// Is `k` a canonical array index ("0", "12"; not "01")? JS enumerates those first.
fn is_index_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 10
        && k.bytes().all(|b| b.is_ascii_digit())
        && (k == "0" || !k.starts_with('0'))
        && k.parse::<u64>().map(|n| n < 4_294_967_295).unwrap_or(false)
}

/// Dict entries in JavaScript property order (index keys ascending, then insertion order).
pub fn js_order(d: &Dict) -> Vec<(&String, &Value)> {
    if !d.keys().any(|k| is_index_key(k)) {
        return d.iter().collect();
    }
    let mut idx: Vec<(&String, &Value)> = d.iter().filter(|(k, _)| is_index_key(k)).collect();
    idx.sort_by_key(|(k, _)| k.parse::<u64>().unwrap_or(0));
    idx.extend(d.iter().filter(|(k, _)| !is_index_key(k)));
    idx
}

/// Dict keys sorted as JS `sort()` sorts strings (UTF-16 code-unit order) — iteration order.
pub fn sorted_keys(d: &Dict) -> Vec<String> {
    let mut ks: Vec<String> = d.keys().cloned().collect();
    ks.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    ks
}

/// Append a JSON string literal with `JSON.stringify` escaping.
pub fn json_quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Compact `JSON.stringify` text; closures inside containers are dropped (null in lists);
/// a bare closure is `RILL-R004`.
pub fn to_json_text(v: &Value) -> Result<String, RillError> {
    if let Value::Closure(_) = v {
        return Err(RillError::new(
            "RILL-R004",
            "Cannot serialize closure to JSON",
        ));
    }
    let mut out = String::new();
    write_json(&mut out, v, 0)?;
    Ok(out)
}

fn write_json(out: &mut String, v: &Value, depth: usize) -> Result<(), RillError> {
    if depth > 10_000 {
        return Err(RillError::new(
            "RILL-R004",
            "Value nested too deeply for JSON",
        ));
    }
    match v {
        Value::Null | Value::Closure(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Num(n) => {
            if n.is_finite() {
                out.push_str(&fmt_num(*n))
            } else {
                out.push_str("null")
            }
        }
        Value::Str(s) => json_quote(out, s),
        Value::List(l) => {
            out.push('[');
            let mut first = true;
            for x in l.iter().filter(|x| !matches!(x, Value::Closure(_))) {
                if !first {
                    out.push(',');
                }
                first = false;
                write_json(out, x, depth + 1)?;
            }
            out.push(']');
        }
        Value::Dict(d) => {
            out.push('{');
            let mut first = true;
            for (k, x) in js_order(d) {
                if matches!(x, Value::Closure(_)) {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                json_quote(out, k);
                out.push(':');
                write_json(out, x, depth + 1)?;
            }
            out.push('}');
        }
        // the reference's tuple object holds a JS Map, which JSON.stringify renders as {}
        Value::Tuple(_) => out.push_str("{\"__rill_tuple\":true,\"entries\":{}}"),
        Value::Vector(vec) => {
            out.push('{');
            out.push_str("\"model\":");
            json_quote(out, &vec.model);
            out.push('}');
        }
    }
    Ok(())
}

/// Deep structural equality (spec §4).
pub fn deep_eq(a: &Value, b: &Value) -> bool {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || deep_eq_inner(a, b))
}

fn deep_eq_inner(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Num(x), Value::Num(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            Rc::ptr_eq(x, y)
                || (x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_eq(p, q)))
        }
        (Value::Dict(x), Value::Dict(y)) => {
            Rc::ptr_eq(x, y)
                || (x.len() == y.len()
                    && x.iter()
                        .all(|(k, v)| y.get(k).is_some_and(|w| deep_eq(v, w))))
        }
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.entries.len() == y.entries.len()
                && x.entries
                    .iter()
                    .zip(y.entries.iter())
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && deep_eq(v1, v2))
        }
        (Value::Vector(x), Value::Vector(y)) => x.model == y.model && x.data == y.data,
        (Value::Closure(x), Value::Closure(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            match (&**x, &**y) {
                (
                    Callable::Script {
                        def: d1,
                        scope: s1,
                        annotations: a1,
                        defaults: f1,
                        ..
                    },
                    Callable::Script {
                        def: d2,
                        scope: s2,
                        annotations: a2,
                        defaults: f2,
                        ..
                    },
                ) => {
                    Rc::ptr_eq(s1, s2)
                        && (Rc::ptr_eq(d1, d2) || d1 == d2)
                        && a1.len() == a2.len()
                        && a1
                            .iter()
                            .all(|(k, v)| a2.get(k).is_some_and(|w| deep_eq(v, w)))
                        && f1.len() == f2.len()
                        && f1.iter().zip(f2.iter()).all(|(p, q)| match (p, q) {
                            (Some(p), Some(q)) => deep_eq(p, q),
                            (None, None) => true,
                            _ => false,
                        })
                }
                _ => false,
            }
        }
        _ => false,
    }
}

// ------------------------------------------------------------------ runner encoding

fn enc_num(n: f64) -> serde_json::Value {
    if n.is_nan() {
        return serde_json::json!({"__rill": "number", "repr": "NaN"});
    }
    if n.is_infinite() {
        return serde_json::json!({"__rill": "number", "repr": if n > 0.0 { "Infinity" } else { "-Infinity" }});
    }
    if n == n.trunc() && n.abs() < 9.0e15 {
        return serde_json::Value::from(n as i64);
    }
    serde_json::Number::from_f64(n)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

/// Encode a value for the runner contract (spec §17 "Value encoding").
pub fn encode(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Num(n) => enc_num(*n),
        Value::Str(s) => J::String(s.to_string()),
        Value::List(l) => J::Array(l.iter().map(encode).collect()),
        Value::Dict(d) => J::Object(
            js_order(d)
                .into_iter()
                .map(|(k, v)| (k.clone(), encode(v)))
                .collect(),
        ),
        Value::Tuple(t) => {
            let entries: Vec<J> = t
                .entries
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        TKey::Pos(p) => J::from(*p as u64),
                        TKey::Name(n) => J::String(n.clone()),
                    };
                    J::Array(vec![key, encode(v)])
                })
                .collect();
            serde_json::json!({"__rill": "tuple", "entries": entries})
        }
        Value::Closure(c) => match &**c {
            Callable::Script { .. } => {
                serde_json::json!({"__rill": "closure", "kind": "script", "params": c.param_names()})
            }
            Callable::Native { .. } => serde_json::json!({"__rill": "closure", "kind": "runtime"}),
            Callable::Host { property, .. } => {
                let mut m = serde_json::json!({"__rill": "closure", "kind": "application"});
                if *property {
                    m["property"] = J::Bool(true);
                }
                m
            }
        },
        Value::Vector(vec) => {
            serde_json::json!({"__rill": "vector", "model": vec.model, "data": vec.data.iter().map(|x| f64::from(*x)).collect::<Vec<_>>()})
        }
    }
}

/// Decode a runner-encoded value (host variables, recorded results).
pub fn decode(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => Value::Num(n.as_f64().unwrap_or(0.0)),
        J::String(s) => Value::str(s),
        J::Array(a) => Value::list(a.iter().map(decode).collect()),
        J::Object(o) => match o.get("__rill").and_then(|t| t.as_str()) {
            Some("number") => Value::Num(match o.get("repr").and_then(|r| r.as_str()) {
                Some("Infinity") => f64::INFINITY,
                Some("-Infinity") => f64::NEG_INFINITY,
                _ => f64::NAN,
            }),
            Some("tuple") => {
                let mut entries = Vec::new();
                for e in o
                    .get("entries")
                    .and_then(|e| e.as_array())
                    .into_iter()
                    .flatten()
                {
                    let Some(pair) = e.as_array() else { continue };
                    let (Some(k), Some(v)) = (pair.first(), pair.get(1)) else {
                        continue;
                    };
                    let key = match k {
                        J::Number(n) => TKey::Pos(n.as_u64().unwrap_or(0) as usize),
                        other => TKey::Name(other.as_str().unwrap_or_default().to_string()),
                    };
                    entries.push((key, decode(v)));
                }
                Value::Tuple(Rc::new(Tuple { entries }))
            }
            Some("vector") => Value::Vector(Rc::new(Vector {
                model: o
                    .get("model")
                    .and_then(|m| m.as_str())
                    .unwrap_or_default()
                    .to_string(),
                data: o
                    .get("data")
                    .and_then(|d| d.as_array())
                    .into_iter()
                    .flatten()
                    .map(|x| x.as_f64().unwrap_or(0.0) as f32)
                    .collect(),
            })),
            Some("closure") => Value::Closure(Rc::new(Callable::Host {
                name: "<host>".into(),
                params: None,
                property: o.get("property").and_then(|p| p.as_bool()).unwrap_or(false),
            })),
            _ => Value::dict(o.iter().map(|(k, v)| (k.clone(), decode(v))).collect()),
        },
    }
}

// ------------------------------------------------------------------ store::Json bridge

/// Convert to the storage JSON model (what a host stores with `JSON.stringify`).
pub fn to_store_json(v: &Value) -> Json {
    match v {
        Value::Null | Value::Closure(_) => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Num(n) => Json::Number(*n),
        Value::Str(s) => Json::String(s.to_string()),
        Value::List(l) => Json::Array(l.iter().map(to_store_json).collect()),
        Value::Dict(d) => Json::Object(
            d.iter()
                .filter(|(_, x)| !matches!(x, Value::Closure(_)))
                .map(|(k, x)| (k.clone(), to_store_json(x)))
                .collect(),
        ),
        Value::Tuple(t) => Json::Array(t.entries.iter().map(|(_, x)| to_store_json(x)).collect()),
        Value::Vector(vec) => Json::Array(
            vec.data
                .iter()
                .map(|x| Json::Number(f64::from(*x)))
                .collect(),
        ),
    }
}

/// Convert from the storage JSON model.
pub fn from_store_json(j: &Json) -> Value {
    match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Num(*n),
        Json::String(s) => Value::str(s),
        Json::Array(a) => Value::list(a.iter().map(from_store_json).collect()),
        Json::Object(o) => Value::dict(
            o.iter()
                .map(|(k, v)| (k.clone(), from_store_json(v)))
                .collect(),
        ),
    }
}

/// `.params` of a closure: `name → [type: ..., __annotations: ...]`.
pub fn params_of(c: &Rc<Callable>) -> Value {
    let mut out = Dict::default();
    match &**c {
        Callable::Script {
            def,
            param_annotations,
            ..
        } => {
            for (i, p) in def.params.iter().enumerate() {
                let mut d = Dict::default();
                if let Some(t) = &p.ty {
                    d.insert("type".into(), Value::str(&t.to_string()));
                }
                if let Some(Some(a)) = param_annotations.get(i) {
                    d.insert("__annotations".into(), Value::Dict(a.clone()));
                }
                out.insert(p.name.clone(), Value::dict(d));
            }
        }
        Callable::Host {
            params: Some(ps), ..
        } => {
            for p in ps {
                let mut d = Dict::default();
                d.insert("type".into(), Value::str(&p.ty));
                out.insert(p.name.clone(), Value::dict(d));
            }
        }
        _ => {}
    }
    Value::dict(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_like_js() {
        assert_eq!(fmt_num(5.0), "5");
        assert_eq!(fmt_num(2.5), "2.5");
        assert_eq!(fmt_num(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(fmt_num(1e23), "1e+23");
        assert_eq!(fmt_num(-0.0), "0");
    }

    #[test]
    fn display_of_containers() {
        let mut d = Dict::default();
        d.insert("b".into(), Value::Num(1.0));
        d.insert("1".into(), Value::str("x"));
        assert_eq!(Value::dict(d).display(), "{\"1\":\"x\",\"b\":1}");
        assert_eq!(
            Value::list(vec![Value::Num(1.0), Value::str("a")]).display(),
            "[1,\"a\"]"
        );
    }

    #[test]
    fn store_json_round_trip() {
        let v = Value::list(vec![Value::Num(1.5), Value::str("s"), Value::Bool(true)]);
        assert!(deep_eq(&from_store_json(&to_store_json(&v)), &v));
    }
}
