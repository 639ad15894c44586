//! Collection operators (`each`, `map`, `filter`, `fold`), iterator expansion and creation,
//! destructuring `*<...>` and slicing `/<a:b:c>` (spec §12–§13).

use super::{Cx, Flow, ITER_LIMIT, Interp, R};
use crate::rill::base::error::RillError;
use crate::rill::base::span::Span;
use crate::rill::syntax::ast::*;
use crate::rill::value::*;
use std::rc::Rc;

fn err(code: &str, msg: impl Into<String>, sp: Span) -> Flow {
    Flow::from(RillError::at(code, msg, sp))
}

/// Build an iterator dict `{value, done, next}` over `items` starting at `i`.
pub fn list_iterator(items: Rc<Vec<Value>>, i: usize) -> Value {
    let mut d = Dict::default();
    if i < items.len() {
        d.insert("value".into(), items[i].clone());
        d.insert("done".into(), Value::Bool(false));
    } else {
        d.insert("done".into(), Value::Bool(true));
    }
    let f: NativeFn = Rc::new(move |_| Ok(list_iterator(items.clone(), i + 1)));
    d.insert(
        "next".into(),
        Value::Closure(Rc::new(Callable::Native {
            name: "next".into(),
            f,
            source: None,
        })),
    );
    Value::dict(d)
}

/// Build a lazy iterator from a generator: `gen(i)` yields the i-th value or None when done.
pub fn gen_iterator(generator: Generator, i: usize) -> Value {
    let mut d = Dict::default();
    match generator(i) {
        Some(v) => {
            d.insert("value".into(), v);
            d.insert("done".into(), Value::Bool(false));
        }
        None => {
            d.insert("done".into(), Value::Bool(true));
        }
    }
    let g2 = generator.clone();
    let f: NativeFn = Rc::new(move |_| Ok(gen_iterator(g2.clone(), i + 1)));
    let source = Some((generator, i + 1));
    d.insert(
        "next".into(),
        Value::Closure(Rc::new(Callable::Native {
            name: "next".into(),
            f,
            source,
        })),
    );
    Value::dict(d)
}

/// Dict entries as iterated: `[key: k, value: v]` sorted by key.
pub fn dict_entries(d: &Dict) -> Vec<Value> {
    sorted_keys(d)
        .into_iter()
        .map(|k| {
            let mut e = Dict::default();
            let v = d.get(&k).cloned().unwrap_or(Value::Null);
            e.insert("key".into(), Value::string(k));
            e.insert("value".into(), v);
            Value::dict(e)
        })
        .collect()
}

impl Interp {
    /// The elements a collection operator visits.
    pub(crate) fn elements(&mut self, input: &Value, cx: &Cx, sp: Span) -> R<Vec<Value>> {
        match input {
            Value::List(l) => Ok(l.to_vec()),
            Value::Str(s) => Ok(s.chars().map(|c| Value::string(c.to_string())).collect()),
            Value::Dict(_) if input.is_iterator() => {
                let mut out = Vec::new();
                let mut cur = input.clone();
                while let Value::Dict(d) = cur.clone() {
                    if matches!(d.get("done"), Some(Value::Bool(true))) {
                        break;
                    }
                    if out.len() >= ITER_LIMIT {
                        return Err(err(
                            "RILL-R010",
                            format!("Iterator expansion exceeded {ITER_LIMIT} iterations"),
                            sp,
                        ));
                    }
                    out.push(d.get("value").cloned().unwrap_or(Value::Null));
                    let Some(Value::Closure(next)) = d.get("next") else {
                        break;
                    };
                    if let Callable::Native {
                        source: Some((g, start)),
                        ..
                    } = &**next
                    {
                        // built-in iterator: generate the rest directly
                        let mut j = *start;
                        while let Some(v) = g(j) {
                            if out.len() >= ITER_LIMIT {
                                return Err(err(
                                    "RILL-R010",
                                    format!("Iterator expansion exceeded {ITER_LIMIT} iterations"),
                                    sp,
                                ));
                            }
                            self.tick(sp)?;
                            out.push(v);
                            j += 1;
                        }
                        break;
                    }
                    let next = next.clone();
                    self.tick(sp)?;
                    cur = self.invoke(&next, vec![], &cx.with_pipe(cur.clone()), sp)?;
                }
                Ok(out)
            }
            Value::Dict(d) => Ok(dict_entries(d)),
            Value::Stream(s) => Ok(self.read_stream(s, cx, sp)?.0),
            Value::Vector(_) => Err(err(
                "RILL-R003",
                "Collection operators require list, string, dict, or iterator, got vector",
                sp,
            )),
            other => Err(err(
                "RILL-R002",
                format!(
                    "Collection operators require list, string, dict, or iterator, got {}",
                    other.type_name()
                ),
                sp,
            )),
        }
    }

    /// Run an iteration body for element `x` (with optional accumulator `$@`).
    ///
    /// `slot` keeps the previous iteration's scope: when nothing captured it (its only owner is
    /// the slot), it is emptied and reused instead of allocating a new one.
    fn apply_body(
        &mut self,
        body: &Node,
        x: Value,
        acc: Option<Value>,
        cx: &Cx,
        slot: &mut Option<Rc<Scope>>,
    ) -> R<Value> {
        // keep only `$@` (updated below) so its key is not reallocated
        let scope = Scope::recycle(slot, &cx.scope, |k| k == "@" && acc.is_some());
        if let Some(a) = &acc {
            scope.put("@", a.clone());
        }
        let icx = Cx {
            scope,
            pipe: x.clone(),
        };
        match &*body.kind {
            Kind::Closure(def) => {
                let c = self.make_closure(def, &icx)?;
                let Value::Closure(c) = c else {
                    return Ok(Value::Null);
                };
                let args = match (def.params.len(), acc) {
                    (0, _) => vec![],
                    (1, _) => vec![x],
                    (_, Some(a)) => vec![x, a],
                    (_, None) => vec![x],
                };
                self.invoke(&c, args, &icx, body.span)
            }
            Kind::Block(def) => {
                // same as invoking the block closure with `$` = x, without building it
                self.tick(body.span)?;
                let r = match &*def.body.kind {
                    Kind::Stmts(stmts, _) => self.exec_stmts_here(stmts, &icx),
                    _ => self.eval(&def.body, &icx),
                };
                match r {
                    Err(Flow::Return(v)) => Ok(v),
                    other => other,
                }
            }
            Kind::Var { .. } => {
                let v = self.eval(body, &icx)?;
                match &v {
                    Value::Closure(c) => {
                        let n = match &**c {
                            Callable::Script { def, .. } => def.params.len(),
                            Callable::Host {
                                params: Some(p), ..
                            } => p.len(),
                            _ => 1,
                        };
                        let c = c.clone();
                        let args = match (n, acc) {
                            (0, _) => vec![],
                            (1, _) => vec![x],
                            (_, Some(a)) => vec![x, a],
                            (_, None) => vec![x],
                        };
                        self.invoke(&c, args, &icx, body.span)
                    }
                    _ => Ok(v),
                }
            }
            _ => self.eval(body, &icx),
        }
    }

    pub(crate) fn eval_each(
        &mut self,
        acc: Option<&Node>,
        body: &Node,
        input: Value,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        let items = self.elements(&input, cx, sp)?;
        let mut acc_v = match acc {
            Some(a) => Some(self.eval(a, cx)?),
            None => self.closure_acc_default(body, cx)?,
        };
        let mut out = Vec::with_capacity(items.len());
        let mut slot = None;
        for x in items {
            self.tick(sp)?;
            match self.apply_body(body, x, acc_v.clone(), cx, &mut slot) {
                Ok(v) => {
                    if acc_v.is_some() {
                        acc_v = Some(v.clone());
                    }
                    out.push(v);
                }
                Err(Flow::Break(_)) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(Value::list(out))
    }

    pub(crate) fn eval_map(&mut self, body: &Node, input: Value, cx: &Cx, sp: Span) -> R<Value> {
        let items = self.elements(&input, cx, sp)?;
        let mut out = Vec::with_capacity(items.len());
        let mut slot = None;
        for x in items {
            self.tick(sp)?;
            out.push(self.apply_body(body, x, None, cx, &mut slot)?);
        }
        Ok(Value::list(out))
    }

    pub(crate) fn eval_filter(&mut self, body: &Node, input: Value, cx: &Cx, sp: Span) -> R<Value> {
        let items = self.elements(&input, cx, sp)?;
        let mut out = Vec::new();
        let mut slot = None;
        for x in items {
            self.tick(sp)?;
            match self.apply_body(body, x.clone(), None, cx, &mut slot)? {
                Value::Bool(true) => out.push(x),
                Value::Bool(false) => {}
                other => {
                    return Err(err(
                        "RILL-R002",
                        format!(
                            "Filter predicate must return boolean, got {}",
                            other.type_name()
                        ),
                        sp,
                    ));
                }
            }
        }
        Ok(Value::list(out))
    }

    /// `|x, acc = init|` / `$fn` bodies: the accumulator's initial value is the default of the
    /// closure's second parameter.
    fn closure_acc_default(&mut self, body: &Node, cx: &Cx) -> R<Option<Value>> {
        let c = match &*body.kind {
            Kind::Closure(def) if def.params.len() >= 2 => self.make_closure(def, cx)?,
            Kind::Var { .. } => match self.eval(body, cx) {
                Ok(v) => v,
                Err(_) => return Ok(None),
            },
            _ => return Ok(None),
        };
        Ok(match &c {
            Value::Closure(c) => match &**c {
                Callable::Script { defaults, .. } if defaults.len() >= 2 => defaults[1].clone(),
                _ => None,
            },
            _ => None,
        })
    }

    pub(crate) fn eval_fold(
        &mut self,
        acc: Option<&Node>,
        body: &Node,
        input: Value,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        let items = self.elements(&input, cx, sp)?;
        let mut a = match acc {
            Some(a) => self.eval(a, cx)?,
            None => match self.closure_acc_default(body, cx)? {
                Some(v) => v,
                None => {
                    return Err(err(
                        "RILL-R002",
                        "fold requires an accumulator: fold(init) or |x, acc = init|",
                        sp,
                    ));
                }
            },
        };
        let mut slot = None;
        for x in items {
            self.tick(sp)?;
            a = self.apply_body(body, x, Some(a), cx, &mut slot)?;
        }
        Ok(a)
    }

    pub(crate) fn destructure(&mut self, pats: &[DPat], v: &Value, cx: &Cx, sp: Span) -> R<()> {
        let keyed = pats.iter().any(|p| matches!(p, DPat::Key(..)));
        if keyed {
            let Value::Dict(d) = v else {
                return Err(err(
                    "RILL-R002",
                    format!("Key destructure requires dict, got {}", v.type_name()),
                    sp,
                ));
            };
            for p in pats {
                if let DPat::Key(k, name, ty) = p {
                    let x = d.get(k).cloned().ok_or_else(|| {
                        err("RILL-R009", format!("Key '{k}' not found in dict"), sp)
                    })?;
                    if self.v20
                        && let Some(t) = ty
                    {
                        self.check_capture(name, &x, t, cx, sp)?;
                    }
                    self.bind_pattern(name, x, ty.as_ref().and_then(TypeRef::as_name), cx, sp)?;
                }
            }
            return Ok(());
        }
        let Value::List(l) = v else {
            return Err(err(
                "RILL-R002",
                format!("Destructure requires list, got {}", v.type_name()),
                sp,
            ));
        };
        if l.len() != pats.len() {
            return Err(err(
                "RILL-R002",
                format!(
                    "Destructure pattern has {} elements, list has {}",
                    pats.len(),
                    l.len()
                ),
                sp,
            ));
        }
        for (p, x) in pats.iter().zip(l.iter()) {
            match p {
                DPat::Var(name, ty) => {
                    if self.v20
                        && let Some(t) = ty
                    {
                        self.check_capture(name, x, t, cx, sp)?;
                    }
                    self.bind_pattern(
                        name,
                        x.clone(),
                        ty.as_ref().and_then(TypeRef::as_name),
                        cx,
                        sp,
                    )?
                }
                DPat::Skip => {}
                DPat::Nested(inner) => self.destructure(inner, x, cx, sp)?,
                DPat::Key(..) => {}
            }
        }
        Ok(())
    }

    fn bind_pattern(&mut self, name: &str, x: Value, ty: Option<&str>, cx: &Cx, sp: Span) -> R<()> {
        let ty = if self.v20 { None } else { ty };
        if let Some(t) = ty
            && x.type_name() != t
        {
            return Err(err(
                "RILL-R001",
                format!("Type mismatch: {name} expects {t}, got {}", x.type_name()),
                sp,
            ));
        }
        self.assign(name, x, ty, cx, sp)
    }

    pub(crate) fn eval_slice(
        &mut self,
        start: Option<&Node>,
        stop: Option<&Node>,
        step: Option<&Node>,
        input: Value,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        let bound = |n: Option<&Node>, me: &mut Self| -> R<Option<f64>> {
            match n {
                None => Ok(None),
                Some(n) => match me.eval(n, cx)? {
                    Value::Num(x) => Ok(Some(x.trunc())),
                    other => Err(err(
                        "RILL-R002",
                        format!("Slice bound must be number, got {}", other.type_name()),
                        sp,
                    )),
                },
            }
        };
        let a = bound(start, self)?;
        let b = bound(stop, self)?;
        let s = bound(step, self)?.unwrap_or(1.0);
        if s == 0.0 {
            return Err(err("RILL-R002", "Slice step cannot be zero", sp));
        }
        let pick = |len: usize| -> Vec<usize> {
            let len = len as f64;
            let norm = |x: f64, lo: f64, hi: f64| -> f64 {
                let x = if x < 0.0 { x + len } else { x };
                x.max(lo).min(hi)
            };
            let mut out = Vec::new();
            if s > 0.0 {
                let from = a.map(|x| norm(x, 0.0, len)).unwrap_or(0.0);
                let to = b.map(|x| norm(x, 0.0, len)).unwrap_or(len);
                let mut i = from;
                while i < to {
                    out.push(i as usize);
                    i += s;
                }
            } else {
                let from = a.map(|x| norm(x, -1.0, len - 1.0)).unwrap_or(len - 1.0);
                let to = b.map(|x| norm(x, -1.0, len - 1.0)).unwrap_or(-1.0);
                let mut i = from;
                while i > to {
                    out.push(i as usize);
                    i += s;
                }
            }
            out
        };
        match &input {
            Value::List(l) => Ok(Value::list(
                pick(l.len()).into_iter().map(|i| l[i].clone()).collect(),
            )),
            Value::Str(st) => {
                let u: Vec<u16> = st.encode_utf16().collect();
                let picked: Vec<u16> = pick(u.len()).into_iter().map(|i| u[i]).collect();
                Ok(Value::string(String::from_utf16_lossy(&picked)))
            }
            other => Err(err(
                "RILL-R002",
                format!("Slice requires list or string, got {}", other.type_name()),
                sp,
            )),
        }
    }
}
