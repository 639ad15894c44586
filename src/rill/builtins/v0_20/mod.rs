//! The builtins of rill v0.20.0: its function table (`seq`, `fan`, `fold`, `filter`, `acc`,
//! `range`, `take`, …) and its method tables, which are per receiver type (a string method
//! called on a list is an error, not a no-op).

use crate::rill::base::span::Span;
use crate::rill::dialect::Dialect;
use crate::rill::eval::{Cx, Interp, Library, Method, R};
use crate::rill::value::*;

mod functions;

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
        super::method(name)
    }
    fn dialect(&self) -> Dialect {
        Dialect::V0_20
    }
}
