//! rill v0.20's recovery blocks: `guard { }` and `retry<limit: N> { }` turn a catchable halt
//! into an invalid value (`.!code`, `.!message`), `pass { }` runs a body for its effects and
//! hands its input on, and the status probe `expr.!` / `expr.!field` reads a status.

use super::super::{Cx, Flow, Interp, R};
use crate::rill::base::error::RillError;
use crate::rill::base::span::Span;
use crate::rill::syntax::ast::*;
use crate::rill::value::*;
use std::rc::Rc;

/// The atom of an error's code: `#TYPE_MISMATCH` → `TYPE_MISMATCH`, `RILL-R006` → `RILL_R006`.
pub(crate) fn atom_of(e: &RillError) -> String {
    match e.code.as_deref() {
        Some(c) if c.starts_with('#') => c[1..].to_string(),
        Some(c) => c.replace('-', "_"),
        None => "R999".into(),
    }
}

/// Can `guard`/`retry` catch it? The reference's catchable halts: not the limits (`R010`),
/// aborts, assertions (`R015`), `error` statements (`R016`), auto-exceptions or parse errors.
pub(crate) fn catchable(e: &RillError) -> bool {
    match e.code.as_deref() {
        None => false,
        Some(c) if c.starts_with('#') => !matches!(c, "#DISPOSED" | "#R999"),
        Some(c) => {
            c.starts_with("RILL-R")
                && !matches!(
                    c,
                    "RILL-R010"
                        | "RILL-R013"
                        | "RILL-R014"
                        | "RILL-R015"
                        | "RILL-R016"
                        | "RILL-R043"
                )
        }
    }
}

fn caught(e: &RillError, on: &[String]) -> bool {
    catchable(e) && (on.is_empty() || on.iter().any(|a| *a == atom_of(e)))
}

/// The invalid value a caught halt becomes.
fn invalid_of(e: &RillError) -> Value {
    Value::Invalid(Rc::new(Invalid {
        code: atom_of(e),
        message: e.message.clone(),
        provider: "runtime".into(),
        value: Value::dict(Dict::default()),
    }))
}

impl Interp {
    /// `guard<on: list[#A]> { body }`.
    pub(crate) fn eval_guard(&mut self, on: &[String], body: &Node, cx: &Cx) -> R<Value> {
        match self.eval_body(body, cx) {
            Err(Flow::Err(e)) if caught(&e, on) => Ok(invalid_of(&e)),
            other => other,
        }
    }

    /// `retry<limit: N, on: …> { body }`: up to `limit` attempts; the last failure's invalid.
    pub(crate) fn eval_retry(
        &mut self,
        limit: usize,
        on: &[String],
        body: &Node,
        cx: &Cx,
    ) -> R<Value> {
        let mut last = Value::Null;
        for _ in 0..limit.max(1) {
            match self.eval_body(body, cx) {
                Err(Flow::Err(e)) if caught(&e, on) => last = invalid_of(&e),
                other => return other,
            }
        }
        Ok(last)
    }

    /// `pass { body }` / `pass<on_error: #IGNORE, async: true> { body }`: the body runs for its
    /// effects; its input is the result. `#IGNORE` drops catchable halts; an async body's
    /// failure never reaches the script (the reference runs it in flight).
    pub(crate) fn eval_pass_block(
        &mut self,
        ignore: bool,
        is_async: bool,
        body: &Node,
        cx: &Cx,
    ) -> R<Value> {
        match self.eval_body(body, cx) {
            Ok(_) => {}
            Err(Flow::Err(e)) if is_async || (ignore && catchable(&e)) => {}
            Err(Flow::Err(e)) => return Err(Flow::Err(e)),
            Err(other) => return Err(other),
        }
        Ok(match &cx.pipe {
            Value::Null => Value::str(""),
            v => v.clone(),
        })
    }

    /// `v.!` (is it invalid?) / `v.!code`, `.!message`, `.!provider`, `.!trace`.
    pub(crate) fn status_probe(&mut self, v: &Value, field: Option<&str>, sp: Span) -> R<Value> {
        let inv = match v {
            Value::Invalid(i) => Some(i.clone()),
            _ => None,
        };
        Ok(match (field, inv) {
            (None, i) => Value::Bool(i.is_some()),
            (Some("code"), Some(i)) => Value::Atom(Rc::from(i.code.as_str())),
            (Some("code"), None) => Value::Atom(Rc::from("ok")),
            (Some("message"), i) => Value::string(i.map(|i| i.message.clone()).unwrap_or_default()),
            (Some("provider"), i) => {
                Value::string(i.map(|i| i.provider.clone()).unwrap_or_default())
            }
            (Some("trace"), _) => Value::list(vec![]),
            (Some(f), _) => {
                return Err(
                    RillError::at("RILL-R003", format!("Unknown status field: {f}"), sp).into(),
                );
            }
        })
    }
}

impl Interp {
    /// `timeout<total: d> { body }` / `timeout<idle: d> { … }`: the body fails with `RILL-R082`
    /// / `RILL-R083` (catchable) once it has run for `d`. The interpreter is synchronous, so an
    /// idle limit is measured like a total one: from the start of the body.
    pub(crate) fn eval_timeout(
        &mut self,
        idle: bool,
        duration: &Node,
        body: &Node,
        cx: &Cx,
    ) -> R<Value> {
        let kind = if idle { "idle" } else { "total" };
        let ms = match self.eval(duration, cx)? {
            Value::Duration(d) if d.months == 0.0 => d.ms,
            Value::Duration(_) => {
                return Err(super::types::halt(
                    "INVALID_INPUT",
                    format!("timeout<{kind}:> duration must not have calendar components"),
                    duration.span,
                ));
            }
            other => {
                return Err(super::types::halt(
                    "INVALID_INPUT",
                    format!(
                        "timeout<{kind}:> duration must be a duration value, got {}",
                        other.type_name()
                    ),
                    duration.span,
                ));
            }
        };
        let at = std::time::Instant::now() + std::time::Duration::from_millis(ms.max(0.0) as u64);
        let code = if idle { "RILL-R083" } else { "RILL-R082" };
        let msg = format!(
            "timeout<{kind}:> exceeded after {}ms",
            crate::rill::base::num::fmt_num(ms)
        );
        // an enclosing block's earlier deadline still applies
        let entry = match self.deadlines.last() {
            Some(outer) if outer.0 <= at => outer.clone(),
            _ => (at, code, msg),
        };
        self.deadlines.push(entry);
        let r = self.eval_body(body, cx);
        self.deadlines.pop();
        r
    }
}

impl Interp {
    /// Read a stream: run its closure's body, collecting what it yields (each chunk checked
    /// against the declared chunk type), and its resolution (checked against the declared one).
    pub(crate) fn read_stream(&mut self, s: &Stream, cx: &Cx, sp: Span) -> R<(Vec<Value>, Value)> {
        self.yields.push(vec![]);
        self.run_stream = true;
        let r = self.invoke(&s.f, s.args.clone(), cx, sp);
        self.run_stream = false;
        let chunks = self.yields.pop().unwrap_or_default();
        let resolution = r?;
        if let Some(t) = &s.chunk
            && let Some(bad) = chunks.iter().find(|c| !t.matches(c))
        {
            return Err(super::types::halt(
                "TYPE_MISMATCH",
                format!(
                    "Yielded value type mismatch: expected {t}, got {}",
                    bad.type_name()
                ),
                sp,
            ));
        }
        if let Some(t) = &s.ret
            && !t.matches(&resolution)
        {
            return Err(super::types::halt(
                "TYPE_MISMATCH",
                format!(
                    "Stream resolution type mismatch: expected {t}, got {}",
                    resolution.type_name()
                ),
                sp,
            ));
        }
        Ok((chunks, resolution))
    }
}
