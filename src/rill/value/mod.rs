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

pub mod encoding;
pub mod temporal;
pub mod types;

pub use encoding::{decode, encode, encode_literal};

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
    /// v0.20 `#NAME`
    Atom(Rc<str>),
    /// v0.20: a type as a value (`number`, `dict(a: string)`)
    Type(Rc<types::Ty>),
    /// v0.20 `ordered[a: 1, b: 2]`: named entries in order
    Ordered(Rc<Vec<(String, Value)>>),
    /// v0.20: a value carrying an error status (what `guard` / `retry` give back for a halt)
    Invalid(Rc<Invalid>),
    /// v0.20 `datetime(…)`: milliseconds since the Unix epoch, UTC
    Datetime(f64),
    /// v0.20 `duration(…)`: calendar months and exact milliseconds
    /// (boxed: it would make every `Value` 8 bytes larger)
    Duration(Rc<Dur>),
    /// v0.20: what a stream closure (`|x| { … } :stream(T)`) returns; its body runs when the
    /// stream is read, yielding the chunks
    Stream(Rc<Stream>),
}

/// A duration's calendar months and exact milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dur {
    pub months: f64,
    pub ms: f64,
}

impl Value {
    /// A duration value.
    pub fn duration(months: f64, ms: f64) -> Value {
        Value::Duration(Rc::new(Dur { months, ms }))
    }
}

/// A v0.20 stream: the call that produces it, and its declared chunk and resolution types.
pub struct Stream {
    pub f: Rc<Callable>,
    pub args: Vec<Value>,
    pub chunk: Option<types::Ty>,
    pub ret: Option<types::Ty>,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stream")
    }
}

/// The status of a v0.20 invalid value: `.!code`, `.!message`, `.!provider`.
#[derive(Debug, Clone)]
pub struct Invalid {
    /// the atom's name, without `#` (`TYPE_MISMATCH`, `RILL_R006`)
    pub code: String,
    pub message: String,
    pub provider: String,
    /// the value the status is attached to (an empty dict for a caught halt)
    pub value: Value,
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
        /// v0.20: the resolved signature (`Ty::Closure`: parameter types, defaults, return)
        sig: Option<Rc<types::Ty>>,
    },
    /// Built into the runtime. `source` marks the `next` of a built-in iterator: its generator
    /// and the index `next` would produce, so expansion can skip building iterator dicts.
    Native {
        name: String,
        f: NativeFn,
        source: Option<(Generator, usize)>,
    },
    /// v0.20 `iterate(seed, f)`: the `next` of the element `current` (calls `f(current)`).
    Iterate { f: Rc<Callable>, current: Value },
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
            Callable::Iterate { .. } => write!(f, "Iterate"),
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
    /// The closure's type (`|a: T| :R`): the resolved v0.20 signature, else its parameter
    /// names with `any`.
    pub fn signature(&self) -> types::Ty {
        use types::{ANY, Field, Ty};
        match self {
            Callable::Script { sig: Some(t), .. } => (**t).clone(),
            Callable::Host {
                params: Some(ps), ..
            } => Ty::Closure {
                params: Some(
                    ps.iter()
                        .map(|p| Field {
                            name: Some(p.name.clone()),
                            ty: Ty::named(&p.ty).unwrap_or(ANY),
                            default: p.default.clone(),
                            annotations: None,
                        })
                        .collect(),
                ),
                ret: None,
            },
            _ => Ty::Closure {
                params: Some(
                    self.param_names()
                        .into_iter()
                        .map(|n| Field::new(Some(n), ANY))
                        .collect(),
                ),
                ret: None,
            },
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
    /// A scope for the next run of a loop body under `parent`: the previous run's (`slot`)
    /// when nothing kept it (no closure captured it) — emptied but for the names `keep`
    /// says, whose entries [`Scope::put`] then overwrites without reallocating their keys —
    /// else a new child. The scope is left in `slot` for the run after.
    pub fn recycle(
        slot: &mut Option<Rc<Scope>>,
        parent: &Rc<Scope>,
        keep: impl Fn(&str) -> bool,
    ) -> Rc<Scope> {
        let s = match slot.take() {
            Some(s)
                if Rc::strong_count(&s) == 1
                    && Rc::weak_count(&s) == 0
                    && s.parent.as_ref().is_some_and(|p| Rc::ptr_eq(p, parent)) =>
            {
                s.vars.borrow_mut().retain(|k, _| keep(k));
                s
            }
            _ => Scope::child(parent),
        };
        *slot = Some(s.clone());
        s
    }

    /// Binds `name` here (in place when it is already bound here).
    pub fn put(&self, name: &str, v: Value) {
        let t = v.type_name();
        let mut vars = self.vars.borrow_mut();
        match vars.get_mut(name) {
            Some(slot) => *slot = (v, t),
            None => {
                vars.insert(name.to_string(), (v, t));
            }
        }
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
            Value::Atom(_) => "atom",
            Value::Type(_) => "type",
            Value::Ordered(_) => "ordered",
            Value::Invalid(i) => i.value.type_name(),
            Value::Datetime(_) => "datetime",
            Value::Stream(_) => "stream",
            Value::Duration(_) => "duration",
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
            Value::Ordered(o) => !o.is_empty(),
            Value::Invalid(_) => false,
            Value::Datetime(_) | Value::Stream(_) => true,
            Value::Duration(d) => d.months != 0.0 || d.ms != 0.0,
            Value::Closure(_) | Value::Vector(_) | Value::Atom(_) | Value::Type(_) => true,
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
    #[inline]
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
            Value::Atom(a) => format!("#{a}"),
            Value::Type(t) => t.to_string(),
            Value::Ordered(_) => encode_literal(self),
            Value::Invalid(i) => i.value.display(),
            Value::Datetime(unix) => temporal::iso_millis(*unix),
            Value::Stream(_) => "type(stream)".into(),
            Value::Duration(d) => temporal::duration_display(d.months, d.ms),
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
        Value::Null | Value::Closure(_) | Value::Type(_) => out.push_str("null"),
        Value::Invalid(i) => write_json(out, &i.value, depth + 1)?,
        Value::Stream(_) => out.push_str("null"),
        Value::Datetime(unix) => json_quote(out, &temporal::iso_millis(*unix)),
        Value::Duration(d) if d.months == 0.0 => out.push_str(&fmt_num(d.ms)),
        Value::Duration(d) => out.push_str(&format!(
            "{{\"months\":{},\"ms\":{}}}",
            fmt_num(d.months),
            fmt_num(d.ms)
        )),
        Value::Atom(a) => json_quote(out, &format!("#{a}")),
        Value::Ordered(o) => {
            out.push('{');
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_quote(out, k);
                out.push(':');
                write_json(out, x, depth + 1)?;
            }
            out.push('}');
        }
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
        (Value::Atom(x), Value::Atom(y)) => x == y,
        (Value::Datetime(x), Value::Datetime(y)) => x == y,
        (Value::Stream(x), Value::Stream(y)) => Rc::ptr_eq(x, y),
        (Value::Duration(x), Value::Duration(y)) => x == y,
        (Value::Type(x), Value::Type(y)) => x.same(y),
        (Value::Ordered(x), Value::Ordered(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && deep_eq(v1, v2))
        }
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

// ------------------------------------------------------------------ store::Json bridge

/// Convert to the storage JSON model (what a host stores with `JSON.stringify`).
pub fn to_store_json(v: &Value) -> Json {
    match v {
        Value::Null | Value::Closure(_) | Value::Type(_) => Json::Null,
        Value::Invalid(i) => to_store_json(&i.value),
        Value::Stream(_) => Json::Null,
        Value::Datetime(unix) => Json::String(temporal::iso_millis(*unix)),
        Value::Duration(d) => {
            let mut o = crate::store::JsonObject::new();
            o.insert("months".into(), Json::Number(d.months));
            o.insert("ms".into(), Json::Number(d.ms));
            Json::Object(o)
        }
        Value::Atom(a) => Json::String(format!("#{a}")),
        Value::Ordered(o) => Json::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), to_store_json(x)))
                .collect(),
        ),
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
