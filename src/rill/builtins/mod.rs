//! Built-in functions (`identity type log json enumerate range repeat tool`) and the method
//! table (spec §14). String methods live in `text`, the rest in `coll`.

pub mod coll;
pub mod text;
pub mod v0_20;

pub use v0_20::V0_20;

use crate::rill::base::error::RillError;
use crate::rill::base::span::Span;
use crate::rill::dialect::Dialect;
use crate::rill::eval::collections::{dict_entries, gen_iterator};
use crate::rill::eval::{Cx, Interp, Library, Method, R};
use crate::rill::value::*;
use std::rc::Rc;

const FUNCTIONS: &[&str] = &[
    "identity",
    "type",
    "log",
    "json",
    "enumerate",
    "range",
    "repeat",
    "tool",
];

/// The builtins of rill v0.8.6: `Interp::new(&builtins::V0_8, …)`.
pub static V0_8: V08 = V08;

/// The builtins of `dialect`.
pub fn library(dialect: Dialect) -> &'static dyn Library {
    match dialect {
        Dialect::V0_8 => &V0_8,
        Dialect::V0_20 => &V0_20,
    }
}

/// rill v0.8.6's function and method tables.
pub struct V08;

impl Library for V08 {
    fn is_function(&self, name: &str) -> bool {
        is_function(name)
    }
    fn call_function(
        &self,
        it: &mut Interp,
        name: &str,
        args: Vec<Value>,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        call_function(it, name, args, cx, sp)
    }
    fn method(&self, name: &str) -> Option<Method> {
        method(name)
    }
    fn dialect(&self) -> Dialect {
        Dialect::V0_8
    }
}

/// Is `name` a built-in function?
fn is_function(name: &str) -> bool {
    FUNCTIONS.contains(&name)
}

pub(crate) fn r001(msg: impl Into<String>) -> RillError {
    RillError::new("RILL-R001", msg)
}

fn num_arg(args: &[Value], i: usize, fname: &str, pname: &str) -> Result<f64, RillError> {
    match args.get(i) {
        Some(Value::Num(n)) => Ok(*n),
        Some(other) => Err(r001(format!(
            "{fname}: {pname} must be a number, got {}",
            other.type_name()
        ))),
        None => Err(r001(format!("{fname}: missing argument {pname}"))),
    }
}

/// Call a built-in function.
fn call_function(it: &mut Interp, name: &str, args: Vec<Value>, _cx: &Cx, sp: Span) -> R<Value> {
    let first = args.first().cloned().unwrap_or(Value::Null);
    let r: Result<Value, RillError> = match name {
        "identity" => Ok(first),
        "type" => Ok(Value::str(first.type_name())),
        "log" => {
            it.log_line(it.text(&first));
            Ok(first)
        }
        "json" => to_json_text(&first).map(Value::string),
        "enumerate" => Ok(enumerate(&first)),
        "range" => (|| {
            let start = num_arg(&args, 0, "range", "start")?;
            let end = num_arg(&args, 1, "range", "end")?;
            let step = if args.len() > 2 {
                num_arg(&args, 2, "range", "step")?
            } else {
                1.0
            };
            if step == 0.0 {
                return Err(r001("range step cannot be zero"));
            }
            Ok(range_iterator(start, end, step))
        })(),
        "repeat" => (|| {
            let count = num_arg(&args, 1, "repeat", "count")?;
            if count < 0.0 {
                return Err(r001("repeat count cannot be negative"));
            }
            let n = count.floor() as usize;
            let v = first.clone();
            let g: Generator = Rc::new(move |i| (i < n).then(|| v.clone()));
            Ok(gen_iterator(g, 0))
        })(),
        "tool" => tool(it, &args),
        _ => Err(RillError::new(
            "RILL-R006",
            format!("Unknown function: {name}"),
        )),
    };
    Ok(r.map_err(|e| e.or_at(sp))?)
}

/// `range(start, end, step)` of both dialects: a lazy iterator from `start` towards `end`
/// (exclusive) by a non-zero `step`.
pub(crate) fn range_iterator(start: f64, end: f64, step: f64) -> Value {
    let g: Generator = Rc::new(move |i| {
        let v = start + step * i as f64;
        let more = if step > 0.0 { v < end } else { v > end };
        more.then_some(Value::Num(v))
    });
    gen_iterator(g, 0)
}

/// `enumerate(list|dict)`: `[index, value]` per element, `[index, key, value]` per dict
/// entry in key order (both dialects).
pub(crate) fn enumerate(v: &Value) -> Value {
    match v {
        Value::List(l) => Value::list(
            l.iter()
                .enumerate()
                .map(|(i, x)| {
                    let mut d = Dict::default();
                    d.insert("index".into(), Value::Num(i as f64));
                    d.insert("value".into(), x.clone());
                    Value::dict(d)
                })
                .collect(),
        ),
        Value::Dict(d) => Value::list(
            dict_entries(d)
                .into_iter()
                .enumerate()
                .map(|(i, e)| {
                    let mut out = Dict::default();
                    out.insert("index".into(), Value::Num(i as f64));
                    if let Value::Dict(e) = e {
                        for (k, v) in e.iter() {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                    Value::dict(out)
                })
                .collect(),
        ),
        _ => Value::list(vec![]),
    }
}

fn tool(it: &mut Interp, args: &[Value]) -> Result<Value, RillError> {
    match args {
        [
            Value::Str(name),
            Value::Str(desc),
            Value::Dict(params),
            Value::Closure(f),
        ] => {
            let mut d = Dict::default();
            d.insert("name".into(), Value::Str(name.clone()));
            d.insert("description".into(), Value::Str(desc.clone()));
            d.insert("params".into(), Value::Dict(params.clone()));
            d.insert("fn".into(), Value::Closure(f.clone()));
            Ok(Value::dict(d))
        }
        [Value::Str(name), rest @ ..] if rest.len() <= 1 => {
            if !name.contains("::") {
                return Err(r001("tool() invalid arguments"));
            }
            let Some(f) = it.host.lookup(name) else {
                return Err(RillError::new(
                    "RILL-R004",
                    format!("Unknown function: {name}"),
                ));
            };
            let mut params = Dict::default();
            for p in f.params.clone().unwrap_or_default() {
                let mut pd = Dict::default();
                pd.insert("type".into(), Value::str(&p.ty));
                pd.insert(
                    "description".into(),
                    Value::str(p.description.as_deref().unwrap_or("")),
                );
                params.insert(p.name.clone(), Value::dict(pd));
            }
            let opts = match rest.first() {
                Some(Value::Dict(o)) => Some(o.clone()),
                Some(_) => return Err(r001("tool() invalid arguments")),
                None => None,
            };
            let mut d = Dict::default();
            d.insert("name".into(), Value::Str(name.clone()));
            let desc = opts
                .as_ref()
                .and_then(|o| o.get("description").cloned())
                .unwrap_or_else(|| Value::str(f.description.as_deref().unwrap_or("")));
            d.insert("description".into(), desc);
            let params = opts
                .as_ref()
                .and_then(|o| o.get("params").cloned())
                .unwrap_or(Value::dict(params));
            d.insert("params".into(), params);
            d.insert(
                "fn".into(),
                Value::Closure(Rc::new(Callable::Host {
                    name: name.to_string(),
                    params: f.params.clone(),
                    property: false,
                })),
            );
            Ok(Value::dict(d))
        }
        _ => Err(r001("tool() invalid arguments")),
    }
}

/// Look up a built-in method by name.
fn method(name: &str) -> Option<Method> {
    Some(match name {
        "str" => text::str_,
        "num" => text::num,
        "len" => coll::len,
        "trim" => text::trim,
        "lower" => text::lower,
        "upper" => text::upper,
        "head" => coll::head,
        "tail" => coll::tail,
        "at" => coll::at,
        "first" => coll::first,
        "split" => text::split,
        "join" => coll::join,
        "lines" => text::lines,
        "empty" => coll::empty,
        "contains" => text::contains,
        "starts_with" => text::starts_with,
        "ends_with" => text::ends_with,
        "index_of" => text::index_of,
        "replace" => text::replace,
        "replace_all" => text::replace_all,
        "match" => text::match_,
        "is_match" => text::is_match,
        "repeat" => text::repeat,
        "pad_start" => text::pad_start,
        "pad_end" => text::pad_end,
        "eq" => coll::eq,
        "ne" => coll::ne,
        "lt" => coll::lt,
        "gt" => coll::gt,
        "le" => coll::le,
        "ge" => coll::ge,
        "keys" => coll::keys,
        "values" => coll::values,
        "entries" => coll::entries,
        "has" => coll::has,
        "has_any" => coll::has_any,
        "has_all" => coll::has_all,
        "params" => coll::params,
        "dimensions" => coll::dimensions,
        "model" => coll::model,
        "norm" => coll::norm,
        "normalize" => coll::normalize,
        "similarity" => coll::similarity,
        "dot" => coll::dot,
        "distance" => coll::distance,
        _ => return None,
    })
}
