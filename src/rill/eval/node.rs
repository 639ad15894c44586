//! Expression dispatch: `eval` of every node kind, bodies and pipe targets.

use super::*;

impl Interp {
    /// Evaluate a node as an expression.
    pub fn eval(&mut self, n: &Node, cx: &Cx) -> R<Value> {
        stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, || self.eval_node(n, cx))
    }

    fn eval_node(&mut self, n: &Node, cx: &Cx) -> R<Value> {
        match &*n.kind {
            Kind::Chain { head, pipes, term } => {
                let mut v = self.eval(head, cx)?;
                for p in pipes {
                    if let Kind::Capture { name, ty } = &*p.kind {
                        if self.v20
                            && let Some(t) = ty
                        {
                            self.check_capture(name, &v, t, cx, p.span)?;
                        }
                        // v0.20 checked the type structurally; a union or structure locks as `any`
                        let declared = ty.as_ref().map(|t| t.as_name().unwrap_or("any"));
                        self.assign(name, v.clone(), declared, cx, p.span)?;
                        continue;
                    }
                    let pcx = cx.with_pipe(v);
                    v = self.eval_target(p, &pcx)?;
                }
                match term {
                    Some(Term::Break) => Err(Flow::Break(v)),
                    Some(Term::Return) => Err(Flow::Return(v)),
                    Some(Term::Yield) => match self.yields.last_mut() {
                        Some(chunks) => {
                            chunks.push(v.clone());
                            Ok(v)
                        }
                        None => Err(not_yet(n.span).into()),
                    },
                    None => Ok(v),
                }
            }
            Kind::Capture { .. } => {
                Err(RillError::at("RILL-P001", "Unexpected capture", n.span).into())
            }
            Kind::Binary { op, l, r } => self.eval_binary(*op, l, r, cx),
            Kind::Neg(o) => match self.operand(o, cx)? {
                Value::Num(x) => Ok(Value::Num(-x)),
                other => Err(RillError::at(
                    "RILL-R002",
                    format!("Arithmetic requires number, got {}", other.type_name()),
                    n.span,
                )
                .into()),
            },
            Kind::Not(o) => match self.operand(o, cx)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                other => Err(RillError::at(
                    "RILL-R002",
                    format!("Negation requires boolean, got {}", other.type_name()),
                    n.span,
                )
                .into()),
            },
            Kind::Postfix {
                primary,
                ops,
                default,
            } => {
                let r = (|| -> R<Value> {
                    let mut v = self.eval(primary, cx)?;
                    for op in ops {
                        v = self.apply_postop(op, v, cx)?;
                    }
                    Ok(v)
                })();
                match r {
                    // v0.20: an invalid value takes the `??` default
                    Ok(Value::Invalid(_)) if self.v20 && default.is_some() => {
                        let d = default.as_ref().map(|d| self.eval_body(d, cx));
                        d.unwrap_or(Ok(Value::Null))
                    }
                    Err(Flow::Err(e))
                        if default.is_some() && (e.is("RILL-R007") || e.is("RILL-R009")) =>
                    {
                        let d = default.as_ref().map(|d| self.eval_body(d, cx));
                        d.unwrap_or(Ok(Value::Null))
                    }
                    other => other,
                }
            }
            Kind::Num(x) => Ok(Value::Num(*x)),
            Kind::Bool(b) => Ok(Value::Bool(*b)),
            Kind::Str(parts) => self.eval_string(parts, cx),
            Kind::List { elems, .. } => {
                let out = self.list_items(elems, cx)?;
                if self.v20
                    && let Err(m) = crate::rill::value::types::check_elements(&out)
                {
                    return Err(RillError::at("RILL-R002", m, n.span).into());
                }
                Ok(Value::list(out))
            }
            Kind::Dict { entries, .. } => self.eval_dict(entries, cx, n.span),
            Kind::Closure(def) | Kind::Block(def) => Ok(self.make_closure(def, cx)?),
            Kind::Group(e, scoped) => {
                if *scoped {
                    let c = cx.child();
                    self.eval(e, &c)
                } else {
                    self.eval(e, cx)
                }
            }
            Kind::Var { .. } => self.eval_var(n, cx),
            Kind::HostCall { name, args, .. } => self.eval_host_call(name, args, false, cx, n.span),
            Kind::ClosureCall { name, access, args } => {
                self.eval_closure_call(name, access, args, cx, n.span)
            }
            Kind::PipeInvoke { args } => self.eval_pipe_invoke(args, cx, n.span),
            Kind::Method { name, args } => {
                if matches!(cx.pipe, Value::Null) {
                    return Err(RillError::at("RILL-R005", "Undefined variable: $", n.span).into());
                }
                let recv = cx.pipe.clone();
                self.call_method(name, args, recv, cx, n.span)
            }
            Kind::Methods(ms) => {
                let mut v = cx.pipe.clone();
                if matches!(v, Value::Null) {
                    return Err(RillError::at("RILL-R005", "Undefined variable: $", n.span).into());
                }
                for (name, args, sp) in ms {
                    v = self.call_method(name, args, v, cx, *sp)?;
                }
                Ok(v)
            }
            _ => self.eval_rest(n, cx),
        }
    }

    /// The elements of a list or tuple literal, spreads expanded.
    fn list_items(&mut self, elems: &[ListElem], cx: &Cx) -> R<Vec<Value>> {
        let mut out = Vec::with_capacity(elems.len());
        for e in elems {
            match e {
                ListElem::Item(x) => out.push(self.eval(x, cx)?),
                ListElem::Spread(x) => match self.eval(x, cx)? {
                    Value::List(l) => out.extend(l.iter().cloned()),
                    other => {
                        let t = match other.type_name() {
                            "dict" | "tuple" | "closure" | "vector" => "object",
                            t => t,
                        };
                        return Err(RillError::at(
                            "RILL-R002",
                            format!("Spread in list literal requires list, got {t}"),
                            x.span,
                        )
                        .into());
                    }
                },
            }
        }
        Ok(out)
    }

    fn eval_rest(&mut self, n: &Node, cx: &Cx) -> R<Value> {
        match &*n.kind {
            Kind::Conditional {
                cond,
                then,
                els,
                scoped,
            } => self.eval_conditional(cond.as_ref(), then, els.as_ref(), *scoped, cx, n.span),
            Kind::While { cond, body, limit } => self.eval_while(cond, body, *limit, cx, n.span),
            Kind::DoWhile { body, cond, limit } => {
                self.eval_do_while(body, cond, *limit, cx, n.span)
            }
            Kind::Pass => {
                if matches!(cx.pipe, Value::Null) {
                    return Err(RillError::at("RILL-R005", "Undefined variable: $", n.span).into());
                }
                Ok(cx.pipe.clone())
            }
            Kind::Spread(op) => {
                let v = match op {
                    Some(o) => self.eval(o, cx)?,
                    None => cx.pipe.clone(),
                };
                self.spread_to_tuple(v, n.span)
            }
            Kind::TypeOp { operand, ty, check } => {
                let v = match operand {
                    Some(o) => self.eval(o, cx)?,
                    None => cx.pipe.clone(),
                };
                if self.v20 {
                    return self.type_assert(v, ty, *check, cx, n.span);
                }
                let matches = ty.as_name() == Some(v.type_name()) && !matches!(v, Value::Null);
                if *check {
                    return Ok(Value::Bool(matches));
                }
                if !matches {
                    return Err(RillError::at(
                        "RILL-R004",
                        format!(
                            "Type assertion failed: expected {ty}, got {}",
                            v.type_name()
                        ),
                        n.span,
                    )
                    .into());
                }
                Ok(v)
            }
            Kind::Assert { cond, msg } => {
                let c = self.eval_body(cond, cx)?;
                let Value::Bool(b) = c else {
                    return Err(RillError::at(
                        "RILL-R002",
                        format!("assert requires boolean condition, got {}", c.type_name()),
                        n.span,
                    )
                    .into());
                };
                if !b {
                    let m = match msg {
                        Some(m) => self.eval(m, cx)?.display(),
                        None => "Assertion failed".into(),
                    };
                    return Err(RillError::at("RILL-R015", m, n.span).into());
                }
                Ok(cx.pipe.clone())
            }
            Kind::Error { msg } => {
                let m = match msg {
                    Some(m) => self.eval(m, cx)?,
                    None if !matches!(cx.pipe, Value::Null) => cx.pipe.clone(),
                    None => {
                        return Err(RillError::at(
                            "RILL-R002",
                            "error statement requires string message",
                            n.span,
                        )
                        .into());
                    }
                };
                match m {
                    Value::Str(s) => Err(RillError::at("RILL-R016", s.to_string(), n.span).into()),
                    other => Err(RillError::at(
                        "RILL-R002",
                        format!(
                            "error statement requires string message, got {}",
                            other.type_name()
                        ),
                        n.span,
                    )
                    .into()),
                }
            }
            Kind::Each { .. }
            | Kind::Map { .. }
            | Kind::Fold { .. }
            | Kind::Filter { .. }
            | Kind::Destructure(_)
            | Kind::Slice { .. }
            | Kind::ClosureChain(_) => self.eval_target(n, cx),
            Kind::Atom(a) => Ok(Value::Atom(v0_20::types::resolve_atom(a))),
            Kind::TypeValue(t) => Ok(Value::Type(Rc::new(self.resolve_type(t, cx, n.span)?))),
            Kind::Tuple(elems) => {
                let items = self.list_items(elems, cx)?;
                Ok(Value::Tuple(Rc::new(Tuple {
                    entries: items
                        .into_iter()
                        .enumerate()
                        .map(|(i, x)| (TKey::Pos(i), x))
                        .collect(),
                })))
            }
            Kind::Ordered(entries) => self.eval_ordered(entries, cx, n.span),
            Kind::ClosureSig { params, ret } => self.closure_sig_value(params, ret, cx, n.span),
            Kind::Guard { on, body } => self.eval_guard(on, body, cx),
            Kind::Retry { limit, on, body } => self.eval_retry(*limit, on, body, cx),
            Kind::PassBlock {
                ignore_errors,
                is_async,
                body,
            } => self.eval_pass_block(*ignore_errors, *is_async, body, cx),
            Kind::StatusProbe { target, field } => {
                let v = self.eval(target, cx)?;
                self.status_probe(&v, field.as_deref(), n.span)
            }
            Kind::HostRef(name) => self.eval_host_ref(name, cx, n.span),
            Kind::Timeout {
                idle,
                duration,
                body,
            } => self.eval_timeout(*idle, duration, body, cx),
            Kind::Annotated { .. } | Kind::Use { .. } | Kind::SpreadArg(_) => {
                Err(not_yet(n.span).into())
            }
            Kind::Stmts(stmts, scoped) => {
                if *scoped {
                    self.exec_stmts(stmts, cx)
                } else {
                    self.exec_stmts_here(stmts, cx)
                }
            }
            // the kinds `eval_node` answers itself
            _ => Err(not_yet(n.span).into()),
        }
    }

    /// Evaluate a conditional branch / loop body: blocks run inline (not as closures).
    pub(crate) fn eval_body(&mut self, n: &Node, cx: &Cx) -> R<Value> {
        match &*n.kind {
            Kind::Block(def) => self.eval(&def.body, cx),
            _ => self.eval(n, cx),
        }
    }

    /// Body evaluation that absorbs `return` (conditions of do-while, etc.).
    pub(crate) fn eval_body_expr(&mut self, n: &Node, cx: &Cx) -> R<Value> {
        match self.eval_body(n, cx) {
            Err(Flow::Return(v)) => Ok(v),
            other => other,
        }
    }

    /// Evaluate `n` as a pipe target with `cx.pipe` as input.
    pub(crate) fn eval_target(&mut self, n: &Node, cx: &Cx) -> R<Value> {
        let input = cx.pipe.clone();
        match &*n.kind {
            Kind::Block(def) => {
                let Value::Closure(c) = self.make_closure(def, cx)? else {
                    return Ok(Value::Null);
                };
                self.invoke(&c, vec![input], cx, n.span)
            }
            Kind::Closure(def) => {
                let Value::Closure(c) = self.make_closure(def, cx)? else {
                    return Ok(Value::Null);
                };
                if def.params.is_empty() {
                    self.invoke(&c, vec![], cx, n.span)
                } else {
                    self.invoke(&c, vec![input], cx, n.span)
                }
            }
            Kind::Dict { default, .. } | Kind::List { default, .. } => {
                if let Value::List(path) = &input {
                    let target = self.eval(n, cx)?;
                    return self.hier_dispatch(target, path, default.as_ref(), cx, n.span);
                }
                if let Kind::Dict { entries, default } = &*n.kind {
                    self.dict_dispatch(entries, default.as_ref(), input, cx, n.span)
                } else {
                    let target = self.eval(n, cx)?;
                    self.list_dispatch(target, input, default.as_ref(), true, cx, n.span)
                }
            }
            Kind::Var { .. } => self.var_target(n, cx),
            Kind::HostCall { name, args, .. } => self.eval_host_call(name, args, true, cx, n.span),
            Kind::TypeValue(t) => self.convert(input, t, cx, n.span),
            Kind::Each { acc, body } => self.eval_each(acc.as_ref(), body, input, cx, n.span),
            Kind::Map { body } => self.eval_map(body, input, cx, n.span),
            Kind::Filter { body } => self.eval_filter(body, input, cx, n.span),
            Kind::Fold { acc, body } => self.eval_fold(acc.as_ref(), body, input, cx, n.span),
            Kind::Destructure(p) => {
                self.destructure(p, &input, cx, n.span)?;
                Ok(input)
            }
            Kind::Slice { start, stop, step } => self.eval_slice(
                start.as_ref(),
                stop.as_ref(),
                step.as_ref(),
                input,
                cx,
                n.span,
            ),
            Kind::ClosureChain(t) => {
                let target = self.eval(t, cx)?;
                match target {
                    Value::List(fs) => {
                        let mut v = input;
                        for f in fs.iter() {
                            let Value::Closure(c) = f else {
                                return Err(RillError::at(
                                    "RILL-R002",
                                    format!(
                                        "Closure chain element must be callable, got {}",
                                        f.type_name()
                                    ),
                                    n.span,
                                )
                                .into());
                            };
                            v = self.invoke(c, vec![v], cx, n.span)?;
                        }
                        Ok(v)
                    }
                    Value::Closure(c) => self.invoke(&c, vec![input], cx, n.span),
                    other => Err(RillError::at(
                        "RILL-R002",
                        format!(
                            "Closure chain requires callable or list of callables, got {}",
                            other.type_name()
                        ),
                        n.span,
                    )
                    .into()),
                }
            }
            _ => self.eval(n, cx),
        }
    }
}
