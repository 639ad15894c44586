//! Control flow: conditionals, while and do-while loops (iteration limits), tuple spread.

use super::{Cx, Flow, Interp, R};
use crate::rill::base::error::RillError;
use crate::rill::syntax::ast::Node;
use crate::rill::value::*;
use std::ops::ControlFlow;
use std::rc::Rc;

impl Interp {
    pub(crate) fn eval_conditional(
        &mut self,
        cond: Option<&Node>,
        then: &Node,
        els: Option<&Node>,
        scoped: bool,
        cx: &Cx,
        sp: crate::rill::base::span::Span,
    ) -> R<Value> {
        let c = match cond {
            Some(c) => self.eval_body_expr(c, cx)?,
            None => cx.pipe.clone(),
        };
        let Value::Bool(b) = c else {
            let msg = if cond.is_some() {
                format!(
                    "Conditional expression must be boolean, got {}",
                    c.type_name()
                )
            } else {
                format!("Piped conditional requires boolean, got {}", c.type_name())
            };
            return Err(RillError::at("RILL-R002", msg, sp).into());
        };
        let branch = if b { Some(then) } else { els };
        if let Some(body) = branch {
            if scoped {
                self.eval_body(body, &cx.child())
            } else {
                self.eval_body(body, cx)
            }
        } else {
            Ok(cx.pipe.clone())
        }
    }

    pub(crate) fn eval_while(
        &mut self,
        cond: &Node,
        body: &Node,
        limit: Option<usize>,
        cx: &Cx,
        sp: crate::rill::base::span::Span,
    ) -> R<Value> {
        let c = self.eval(cond, cx)?;
        let Value::Bool(mut go) = c else {
            return Err(RillError::at(
                "RILL-R002",
                format!(
                    "While loop condition must be boolean, got {}",
                    c.type_name()
                ),
                sp,
            )
            .into());
        };
        let mut value = cx.pipe.clone();
        let max = limit.unwrap_or_else(|| self.iteration_limit());
        let mut n = 0usize;
        while go {
            value = match self.loop_pass(&mut n, max, body, cx, value, sp)? {
                ControlFlow::Continue(v) => v,
                ControlFlow::Break(v) => return Ok(v),
            };
            let c = self.eval(cond, &cx.with_pipe(value.clone()))?;
            let Value::Bool(g) = c else {
                return Err(RillError::at(
                    "RILL-R002",
                    format!(
                        "While loop condition must be boolean, got {}",
                        c.type_name()
                    ),
                    sp,
                )
                .into());
            };
            go = g;
        }
        Ok(value)
    }

    /// One pass of a while / do-while body: counts it against the iteration limit (`RILL-R010`),
    /// ticks, and runs the body on `value` in a fresh scope. `Break` carries a `break`'s value.
    fn loop_pass(
        &mut self,
        n: &mut usize,
        max: usize,
        body: &Node,
        cx: &Cx,
        value: Value,
        sp: crate::rill::base::span::Span,
    ) -> R<ControlFlow<Value, Value>> {
        *n += 1;
        if *n > max {
            return Err(RillError::at(
                "RILL-R010",
                format!("While loop exceeded {max} iterations"),
                sp,
            )
            .into());
        }
        self.tick(sp)?;
        let it = Cx {
            scope: Scope::child(&cx.scope),
            pipe: value,
        };
        match self.eval_body(body, &it) {
            Ok(v) => Ok(ControlFlow::Continue(v)),
            Err(Flow::Break(v)) => Ok(ControlFlow::Break(v)),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn eval_do_while(
        &mut self,
        body: &Node,
        cond: &Node,
        limit: Option<usize>,
        cx: &Cx,
        sp: crate::rill::base::span::Span,
    ) -> R<Value> {
        let mut value = cx.pipe.clone();
        let max = limit.unwrap_or_else(|| self.iteration_limit());
        let mut n = 0usize;
        loop {
            value = match self.loop_pass(&mut n, max, body, cx, value, sp)? {
                ControlFlow::Continue(v) => v,
                ControlFlow::Break(v) => return Ok(v),
            };
            let c = self.eval_body_expr(cond, &cx.with_pipe(value.clone()))?;
            match c {
                Value::Bool(true) => {}
                Value::Bool(false) => return Ok(value),
                other => {
                    return Err(RillError::at(
                        "RILL-R002",
                        format!(
                            "Do-while condition must be boolean, got {}",
                            other.type_name()
                        ),
                        sp,
                    )
                    .into());
                }
            }
        }
    }

    pub(crate) fn spread_to_tuple(
        &mut self,
        v: Value,
        sp: crate::rill::base::span::Span,
    ) -> R<Value> {
        let entries = match v {
            Value::List(l) => l
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, x)| (TKey::Pos(i), x))
                .collect(),
            Value::Dict(d) => d
                .iter()
                .map(|(k, x)| (TKey::Name(k.clone()), x.clone()))
                .collect(),
            Value::Tuple(t) => return Ok(Value::Tuple(t)),
            Value::Null => {
                return Err(RillError::at("RILL-R005", "Undefined variable: $", sp).into());
            }
            other => {
                return Err(RillError::at(
                    "RILL-R002",
                    format!("Spread requires list or dict, got {}", other.type_name()),
                    sp,
                )
                .into());
            }
        };
        Ok(Value::Tuple(Rc::new(Tuple { entries })))
    }
}
