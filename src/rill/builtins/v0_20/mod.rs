//! The builtins of rill v0.20.0: its function table (`seq`, `fan`, `fold`, `filter`, `acc`,
//! `range`, `take`, …) and its method tables, which are per receiver type (a string method
//! called on a list is an error, not a no-op).

use crate::rill::base::span::Span;
use crate::rill::dialect::Dialect;
use crate::rill::eval::{Cx, Interp, Library, Method, R, Receivers};
use crate::rill::value::*;

mod functions;
mod temporal;

pub(crate) use crate::rill::eval::v0_20::types::halt;

/// The builtins of rill v0.20.0: `Interp::new(&builtins::V0_20, …)`.
pub static V0_20: V020 = V020;

/// rill v0.20.0's function and method tables.
pub struct V020;

impl Library for V020 {
    fn is_function(&self, name: &str) -> bool {
        functions::FUNCTIONS.contains(&name)
    }
    fn call_function(
        &self,
        it: &mut Interp,
        name: &str,
        args: Vec<Value>,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        functions::call(it, name, args, cx, sp)
    }
    fn method(&self, name: &str) -> Option<Method> {
        RECEIVERS.get(name)?.1
    }
    fn method_for(&self, name: &str, receiver: &str) -> Result<Method, Receivers> {
        let &(types, shared) = RECEIVERS.get(name).ok_or(None)?;
        if !types.contains(&receiver) {
            return Err(Some(types));
        }
        match receiver {
            "datetime" => temporal::datetime_method(name),
            "duration" => temporal::duration_method(name),
            _ => shared,
        }
        .ok_or(None)
    }
    fn function_params(&self, name: &str) -> Option<Vec<HostParam>> {
        temporal::params(name)
    }
    fn dialect(&self) -> Dialect {
        Dialect::V0_20
    }
}

const S: &str = "string";
const L: &str = "list";
const D: &str = "dict";
const N: &str = "number";
const B: &str = "bool";
const V: &str = "vector";
const DT: &str = "datetime";
const DU: &str = "duration";

/// A method of a string, list, dict, number or bool: v0.8.6's, but for those v0.20 changed.
fn shared_method(name: &str) -> Option<Method> {
    match name {
        "reverse" => Some(reverse),
        _ => super::method(name),
    }
}

/// A method's receiver types and its shared method, by name.
type MethodTable = std::collections::HashMap<
    &'static str,
    (&'static [&'static str], Option<Method>),
    foldhash::fast::FixedState,
>;

/// [`METHOD_RECEIVERS`] by name, each with its method for a string, list, dict, number or
/// bool receiver (a method call looks its name up once).
static RECEIVERS: std::sync::LazyLock<MethodTable> = std::sync::LazyLock::new(|| {
    METHOD_RECEIVERS
        .iter()
        .map(|&(name, types)| (name, (types, shared_method(name))))
        .collect()
});

/// Which receiver types have each method (the reference's `STRING_METHODS`, `LIST_METHODS`,
/// `DICT_METHODS`, `NUMBER_METHODS`, `BOOL_METHODS`, `VECTOR_METHODS`); v0.8's `.str`/`.num`
/// are gone (conversions are `-> string` / `-> number`).
const METHOD_RECEIVERS: &[(&str, &[&str])] = &[
    ("len", &[S, L, D]),
    ("trim", &[S]),
    ("head", &[S, L]),
    ("tail", &[S, L]),
    ("first", &[S, L, D]),
    ("at", &[S, L]),
    ("split", &[S]),
    ("lines", &[S]),
    ("join", &[L]),
    ("empty", &[S, L, D, N, B, DT, DU]),
    ("starts_with", &[S]),
    ("ends_with", &[S]),
    ("lower", &[S]),
    ("upper", &[S]),
    ("replace", &[S]),
    ("replace_all", &[S]),
    ("contains", &[S]),
    ("match", &[S]),
    ("is_match", &[S]),
    ("index_of", &[S]),
    ("repeat", &[S]),
    ("pad_start", &[S]),
    ("pad_end", &[S]),
    ("eq", &[S, L, D, N, B, "ordered", "tuple", DT]),
    ("ne", &[S, L, D, N, B, "ordered", "tuple", DT]),
    ("lt", &[S, N, DT]),
    ("gt", &[S, N, DT]),
    ("le", &[S, N, DT]),
    ("ge", &[S, N, DT]),
    ("keys", &[D]),
    ("values", &[D]),
    ("entries", &[D]),
    ("has", &[L]),
    ("has_any", &[L]),
    ("has_all", &[L]),
    ("reverse", &[L]),
    ("dimensions", &[V]),
    ("model", &[V]),
    ("similarity", &[V]),
    ("dot", &[V]),
    ("distance", &[V]),
    ("norm", &[V]),
    ("normalize", &[V]),
    ("year", &[DT]),
    ("month", &[DT]),
    ("day", &[DT]),
    ("hour", &[DT]),
    ("minute", &[DT]),
    ("second", &[DT]),
    ("ms", &[DT, DU]),
    ("unix", &[DT]),
    ("weekday", &[DT]),
    ("iso", &[DT]),
    ("date", &[DT]),
    ("time", &[DT]),
    ("local_iso", &[DT]),
    ("local_date", &[DT]),
    ("local_time", &[DT]),
    ("local_offset", &[DT]),
    ("add", &[DT, DU]),
    ("diff", &[DT]),
    ("months", &[DU]),
    ("days", &[DU]),
    ("hours", &[DU]),
    ("minutes", &[DU]),
    ("seconds", &[DU]),
    ("total_ms", &[DU]),
    ("display", &[DU]),
    ("subtract", &[DU]),
    ("multiply", &[DU]),
];

/// `list.reverse`: the elements in reverse order.
fn reverse(
    _: &mut Interp,
    recv: &Value,
    _: &[Value],
) -> Result<Value, crate::rill::base::error::RillError> {
    Ok(match recv {
        Value::List(l) => Value::list(l.iter().rev().cloned().collect()),
        other => other.clone(),
    })
}
