//! Operators (arithmetic, comparison, logic with closure auto-invocation), string
//! interpolation and dict literals.

use super::{Cx, Interp, R, bind_dict};
use crate::rill::base::error::RillError;
use crate::rill::base::num::fmt_num;
use crate::rill::syntax::ast::*;
use crate::rill::value::*;

impl Interp {
    /// Operand of arithmetic/logic: a closure is auto-invoked when `$` is bound.
    pub(crate) fn operand(&mut self, n: &Node, cx: &Cx) -> R<Value> {
        let v = self.eval(n, cx)?;
        if let Value::Closure(c) = &v
            && !matches!(cx.pipe, Value::Null)
        {
            let zero = matches!(&**c, Callable::Script { def, .. } if def.params.is_empty());
            let args = if zero { vec![] } else { vec![cx.pipe.clone()] };
            return self.invoke(c, args, cx, n.span);
        }
        Ok(v)
    }

    pub(crate) fn eval_binary(&mut self, op: BinOp, l: &Node, r: &Node, cx: &Cx) -> R<Value> {
        let sp = l.span;
        match op {
            BinOp::And => {
                let a = self.operand(l, cx)?;
                if !a.truthy() {
                    return Ok(Value::Bool(false));
                }
                let b = self.operand(r, cx)?;
                return Ok(Value::Bool(b.truthy()));
            }
            BinOp::Or => {
                let a = self.operand(l, cx)?;
                if a.truthy() {
                    return Ok(Value::Bool(true));
                }
                let b = self.operand(r, cx)?;
                return Ok(Value::Bool(b.truthy()));
            }
            _ => {}
        }
        let a = self.operand(l, cx)?;
        let b = self.operand(r, cx)?;
        if self.v20 && matches!(op, BinOp::Eq | BinOp::Ne) && (a.is_iterator() || b.is_iterator()) {
            return Err(RillError::at("RILL-R002", "Cannot compare iterators", sp).into());
        }
        let sym = match op {
            BinOp::Eq => return Ok(Value::Bool(deep_eq(&a, &b))),
            BinOp::Ne => return Ok(Value::Bool(!deep_eq(&a, &b))),
            BinOp::Lt => "<",
            BinOp::Gt => ">",
            BinOp::Le => "<=",
            BinOp::Ge => ">=",
            _ => "",
        };
        if !sym.is_empty() {
            let ord = match (&a, &b) {
                (Value::Num(x), Value::Num(y)) => x.partial_cmp(y),
                (Value::Str(x), Value::Str(y)) => Some(x.encode_utf16().cmp(y.encode_utf16())),
                (Value::Datetime(x), Value::Datetime(y)) => x.partial_cmp(y),
                (Value::Tuple(x), Value::Tuple(y)) if self.v20 => {
                    if x.entries.len() != y.entries.len() {
                        return Err(RillError::at(
                            "#TYPE_MISMATCH",
                            format!(
                                "Cannot compare tuples of {} and {} elements",
                                x.entries.len(),
                                y.entries.len()
                            ),
                            sp,
                        )
                        .into());
                    }
                    tuple_order(x, y)
                }
                (Value::Duration(x), Value::Duration(y)) => {
                    if x.months != y.months {
                        return Err(RillError::at(
                            "RILL-R002",
                            "Cannot order durations with different calendar components",
                            sp,
                        )
                        .into());
                    }
                    x.ms.partial_cmp(&y.ms)
                }
                _ => {
                    return Err(RillError::at(
                        "RILL-R002",
                        format!(
                            "Cannot compare {} with {} using {sym}",
                            a.type_name(),
                            b.type_name()
                        ),
                        sp,
                    )
                    .into());
                }
            };
            use std::cmp::Ordering as O;
            let res = match (op, ord) {
                (_, None) => false,
                (BinOp::Lt, Some(o)) => o == O::Less,
                (BinOp::Gt, Some(o)) => o == O::Greater,
                (BinOp::Le, Some(o)) => o != O::Greater,
                (BinOp::Ge, Some(o)) => o != O::Less,
                _ => false,
            };
            return Ok(Value::Bool(res));
        }
        let (Value::Num(x), Value::Num(y)) = (&a, &b) else {
            let bad = if matches!(a, Value::Num(_)) { &b } else { &a };
            return Err(RillError::at(
                "RILL-R002",
                format!("Arithmetic requires number, got {}", bad.type_name()),
                sp,
            )
            .into());
        };
        let (x, y) = (*x, *y);
        Ok(Value::Num(match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => {
                if y == 0.0 {
                    return Err(RillError::at("RILL-R002", "Division by zero", sp).into());
                }
                x / y
            }
            BinOp::Mod => {
                if y == 0.0 {
                    return Err(RillError::at("RILL-R002", "Modulo by zero", sp).into());
                }
                x % y
            }
            _ => 0.0,
        }))
    }

    pub(crate) fn eval_string(&mut self, parts: &[StrPart], cx: &Cx) -> R<Value> {
        if let [StrPart::Lit(s)] = parts {
            return Ok(Value::str(s));
        }
        let mut out = String::new();
        for p in parts {
            match p {
                StrPart::Lit(s) => out.push_str(s),
                StrPart::Interp(e) => {
                    let v = self.eval(e, cx)?;
                    if let Value::Vector(_) = v {
                        return Err(RillError::at(
                            "RILL-R003",
                            "cannot coerce vector to string",
                            e.span,
                        )
                        .into());
                    }
                    out.push_str(&self.text(&v));
                }
            }
        }
        Ok(Value::string(out))
    }

    pub(crate) fn eval_dict(
        &mut self,
        entries: &[(DictKey, Node)],
        cx: &Cx,
        sp: crate::rill::base::span::Span,
    ) -> R<Value> {
        let mut pairs: Vec<(String, Value)> = Vec::with_capacity(entries.len());
        for (k, vn) in entries {
            let keys: Vec<String> = match k {
                DictKey::Spread => return Err(crate::rill::eval::not_yet(vn.span).into()),
                DictKey::Lit(s) => vec![s.clone()],
                DictKey::Num(x) => vec![fmt_num(*x)],
                DictKey::Bool(b) => vec![b.to_string()],
                DictKey::Var(name) => match cx.scope.get(name) {
                    Some(Value::Str(s)) => vec![s.to_string()],
                    Some(other) => {
                        return Err(RillError::at(
                            "RILL-R002",
                            format!("Dict key must be string, got {}", other.type_name()),
                            vn.span,
                        )
                        .into());
                    }
                    None => {
                        return Err(RillError::at(
                            "RILL-R005",
                            format!("Variable '{name}' is undefined"),
                            vn.span,
                        )
                        .into());
                    }
                },
                DictKey::Computed(e) => match self.eval(e, cx)? {
                    Value::Str(s) => vec![s.to_string()],
                    other => {
                        return Err(RillError::at(
                            "RILL-R002",
                            format!(
                                "Dict key evaluated to {}, expected string",
                                other.type_name()
                            ),
                            e.span,
                        )
                        .into());
                    }
                },
                DictKey::Multi(e) => {
                    match self.eval(e, cx)? {
                        Value::List(l) => {
                            if l.is_empty() {
                                return Err(RillError::at(
                                    "RILL-R002",
                                    "Multi-key dict entry requires non-empty list",
                                    e.span,
                                )
                                .into());
                            }
                            let mut ks = Vec::with_capacity(l.len());
                            for x in l.iter() {
                                match x {
                                    Value::Str(_) | Value::Num(_) | Value::Bool(_) => {
                                        ks.push(x.display())
                                    }
                                    other => {
                                        return Err(RillError::at(
                                        "RILL-R002",
                                        format!("Dict key must be string, number, or boolean, got {}", other.type_name()),
                                        e.span,
                                    )
                                    .into());
                                    }
                                }
                            }
                            ks
                        }
                        other => vec![other.display()],
                    }
                }
            };
            for key in &keys {
                if matches!(key.as_str(), "keys" | "values" | "entries") {
                    return Err(RillError::at(
                        "RILL-R002",
                        format!("Cannot use reserved method name '{key}' as dict key"),
                        sp,
                    )
                    .into());
                }
            }
            let v = self.eval(vn, cx)?;
            for key in keys {
                pairs.push((key, v.clone()));
            }
        }
        Ok(Value::Dict(bind_dict(pairs)))
    }
}

/// v0.20 tuples order element by element (numbers and strings), then by length.
fn tuple_order(a: &Tuple, b: &Tuple) -> Option<std::cmp::Ordering> {
    for ((_, x), (_, y)) in a.entries.iter().zip(b.entries.iter()) {
        let o = match (x, y) {
            (Value::Num(p), Value::Num(q)) => p.partial_cmp(q)?,
            (Value::Str(p), Value::Str(q)) => p.encode_utf16().cmp(q.encode_utf16()),
            _ => return None,
        };
        if o != std::cmp::Ordering::Equal {
            return Some(o);
        }
    }
    Some(a.entries.len().cmp(&b.entries.len()))
}
