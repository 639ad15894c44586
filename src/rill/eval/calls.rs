//! Calls: closure creation and invocation (arity, types, tuple spreading, late binding),
//! host/built-in function calls, `$f(...)`, `$(...)`, and method dispatch (spec §7, §10).

use super::{Cx, Flow, Interp, R, v0_20};
use crate::rill::base::error::RillError;
use crate::rill::base::span::Span;
use crate::rill::syntax::ast::*;
use crate::rill::value::*;
use std::cell::RefCell;
use std::rc::Rc;

impl Interp {
    /// Create a closure value from a literal in the current scope.
    pub(crate) fn make_closure(&mut self, def: &Rc<ClosureDef>, cx: &Cx) -> R<Value> {
        let mut defaults = Vec::with_capacity(def.params.len());
        let mut param_annotations = Vec::with_capacity(def.params.len());
        for p in &def.params {
            defaults.push(match &p.default {
                Some(d) => Some(self.eval(d, cx)?),
                None => None,
            });
            param_annotations.push(match &p.annotations {
                Some(a) => Some(Rc::new(self.eval_annotations(a, cx)?)),
                None => None,
            });
        }
        self.note_captured(&cx.scope);
        let sig = if self.v20 {
            Some(Rc::new(self.closure_signature(def, &defaults, cx)?))
        } else {
            None
        };
        Ok(Value::Closure(Rc::new(Callable::Script {
            def: def.clone(),
            scope: cx.scope.clone(),
            defaults,
            param_annotations,
            annotations: self.current_annotations(),
            bound: RefCell::new(None),
            sig,
        })))
    }

    /// Invoke any callable with arguments; `cx.pipe` is the caller's `$`.
    pub(crate) fn invoke(
        &mut self,
        c: &Rc<Callable>,
        args: Vec<Value>,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        self.enter(sp)?;
        let r = self.invoke_inner(c, args, cx, sp);
        self.depth -= 1;
        r
    }

    /// One step and one call level more (`RILL-R010` past the depth limit); the caller
    /// takes the level back (`self.depth -= 1`) when the call returns.
    #[inline]
    pub(crate) fn enter(&mut self, sp: Span) -> R<()> {
        self.tick(sp)?;
        if self.depth >= self.opts.max_depth {
            return Err(self.too_deep(sp));
        }
        self.depth += 1;
        Ok(())
    }

    #[cold]
    fn too_deep(&self, sp: Span) -> Flow {
        RillError::at(
            "RILL-R010",
            format!("Maximum call depth of {} exceeded", self.opts.max_depth),
            sp,
        )
        .into()
    }

    fn invoke_inner(&mut self, c: &Rc<Callable>, args: Vec<Value>, cx: &Cx, sp: Span) -> R<Value> {
        match &**c {
            Callable::Native { f, .. } => {
                let f = f.clone();
                Ok(f(args).map_err(|e| e.or_at(sp))?)
            }
            Callable::Iterate { f, current } => {
                let next =
                    self.invoke(f, vec![current.clone()], &cx.with_pipe(current.clone()), sp)?;
                Ok(self.iterate_iterator(next, f.clone(), cx, sp))
            }
            Callable::Host { name, params, .. } => {
                let name = name.clone();
                if let Some(ps) = params {
                    let args = validate_host_args(&name, ps, args, self.v20, sp)?;
                    return Ok(self.host.call(&name, args).map_err(|e| e.or_at(sp))?);
                }
                Ok(self.host.call(&name, args).map_err(|e| e.or_at(sp))?)
            }
            Callable::Script {
                def,
                scope,
                defaults,
                sig,
                ..
            } => {
                let sig = sig.as_deref();
                if let Some((chunk, ret)) = stream_types(sig)
                    && !std::mem::take(&mut self.run_stream)
                {
                    return Ok(Value::Stream(Rc::new(crate::rill::value::Stream {
                        f: c.clone(),
                        args,
                        chunk,
                        ret,
                    })));
                }
                let call_scope = Scope::child(scope);
                let explicit = !def.params.is_empty() && def.params[0].name != "$";
                let mut pipe = if explicit {
                    Value::Null
                } else {
                    cx.pipe.clone()
                };
                if let Some(b) = c.bound_dict() {
                    pipe = b;
                }
                let bind = |name: &str, v: Value, pipe: &mut Value| {
                    if name == "$" {
                        *pipe = v.clone();
                    }
                    let t = v.type_name();
                    call_scope
                        .vars
                        .borrow_mut()
                        .insert(name.to_string(), (v, t));
                };
                if let [Value::Tuple(t)] = args.as_slice()
                    && !self.v20
                {
                    let t = t.clone();
                    let has_pos = t.entries.iter().any(|(k, _)| matches!(k, TKey::Pos(_)));
                    let has_named = t.entries.iter().any(|(k, _)| matches!(k, TKey::Name(_)));
                    if has_pos && has_named {
                        return Err(RillError::at(
                            "RILL-R001",
                            "Tuple cannot mix positional (numeric) and named (string) keys",
                            sp,
                        )
                        .into());
                    }
                    let mut bound = vec![false; def.params.len()];
                    for (k, v) in &t.entries {
                        let idx = match k {
                            TKey::Pos(i) => {
                                if *i >= def.params.len() {
                                    return Err(RillError::at(
                                        "RILL-R001",
                                        format!("Extra argument at position {i} (closure has {} params)", def.params.len()),
                                        sp,
                                    )
                                    .into());
                                }
                                *i
                            }
                            TKey::Name(n) => match def.params.iter().position(|p| &p.name == n) {
                                Some(i) => i,
                                None => {
                                    let names: Vec<&str> =
                                        def.params.iter().map(|p| p.name.as_str()).collect();
                                    return Err(RillError::at(
                                        "RILL-R001",
                                        format!(
                                            "Unknown argument '{n}' (valid params: {})",
                                            names.join(", ")
                                        ),
                                        sp,
                                    )
                                    .into());
                                }
                            },
                        };
                        check_param_type(&def.params[idx], defaults[idx].as_ref(), v, sp)?;
                        self.check_arg(sig, idx, &def.params[idx].name, v.clone(), sp)?;
                        bind(&def.params[idx].name, v.clone(), &mut pipe);
                        bound[idx] = true;
                    }
                    for (i, p) in def.params.iter().enumerate() {
                        if !bound[i] {
                            match &defaults[i] {
                                Some(d) => bind(&p.name, d.clone(), &mut pipe),
                                None => {
                                    return Err(RillError::at(
                                        "RILL-R001",
                                        format!("Missing argument '{}' (no default value)", p.name),
                                        sp,
                                    )
                                    .into());
                                }
                            }
                        }
                    }
                } else {
                    if args.len() > def.params.len() {
                        return Err(RillError::at(
                            if self.v20 { "RILL-R045" } else { "RILL-R001" },
                            format!(
                                "Function expects {} arguments, got {}",
                                def.params.len(),
                                args.len()
                            ),
                            sp,
                        )
                        .into());
                    }
                    let mut it = args.into_iter();
                    for (i, p) in def.params.iter().enumerate() {
                        let v = match it.next() {
                            Some(v) => v,
                            None => {
                                match &defaults[i] {
                                    Some(d) => d.clone(),
                                    None if self.v20 => {
                                        return Err(RillError::at(
                                            "RILL-R044",
                                            format!("Missing argument for parameter '{}'", p.name),
                                            sp,
                                        )
                                        .into());
                                    }
                                    None => {
                                        return Err(RillError::at(
                                        "RILL-R001",
                                        format!("Missing argument for parameter '{}' at position {i}", p.name),
                                        sp,
                                    )
                                    .into());
                                    }
                                }
                            }
                        };
                        let v = if sig.is_some() {
                            self.check_arg(sig, i, &p.name, v, sp)?
                        } else {
                            check_param_type(p, defaults[i].as_ref(), &v, sp)?;
                            v
                        };
                        bind(&p.name, v, &mut pipe);
                    }
                }
                let body_cx = Cx {
                    scope: call_scope,
                    pipe,
                };
                let empty = |n: &Node| matches!(&*n.kind, Kind::Stmts(st, _) if st.is_empty());
                let no_body = match &*def.body.kind {
                    Kind::Block(d) => empty(&d.body),
                    _ => empty(&def.body),
                };
                if self.v20 && no_body {
                    return Err(
                        RillError::at("RILL-R043", "Closure body produced no value", sp).into(),
                    );
                }
                let r = match (&*def.body.kind, def.is_block) {
                    // a block's scope holds only `$`: its statements can run there directly
                    (Kind::Stmts(stmts, _), true) => self.exec_stmts_here(stmts, &body_cx),
                    _ => self.eval_body(&def.body, &body_cx),
                };
                let r = match r {
                    Err(Flow::Return(v)) => Ok(v),
                    other => other,
                };
                match (r, sig) {
                    (Ok(v), Some(t @ types::Ty::Closure { ret: Some(_), .. })) if !is_stream(t) => {
                        self.check_return(t, v, sp)
                    }
                    (r, _) => r,
                }
            }
        }
    }

    /// `name(args)` / bare `name`: host functions first, then built-ins. `$` becomes the
    /// first argument when there are none; in v0.20 a pipe target (`in_pipe`) gets it unless
    /// an argument uses `$` itself.
    pub(crate) fn eval_host_call(
        &mut self,
        name: &str,
        args: &[Node],
        in_pipe: bool,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        self.tick(sp)?;
        let host_params = self.host.lookup(name).map(|f| f.params.clone());
        let is_builtin = self.lib.is_function(name);
        if host_params.is_none() && !is_builtin {
            // `kv.get(…)` as the v0.20 docs write it: the host's `kv` dict
            if self.v20
                && args.is_empty()
                && let Some(v @ Value::Dict(_)) = cx.scope.get(name)
            {
                return Ok(v);
            }
            return Err(RillError::at("RILL-R006", format!("Unknown function: {name}"), sp).into());
        }
        let spread = args.iter().any(|a| matches!(&*a.kind, Kind::SpreadArg(_)));
        // only a `...` spread needs the callee's parameters
        let callee = if spread {
            host_params
                .clone()
                .or_else(|| Some(self.lib.function_params(name)))
                .map(|params| Callable::Host {
                    name: name.to_string(),
                    params,
                    property: false,
                })
        } else {
            None
        };
        let mut vals = self.call_args(callee.as_ref(), args, cx, sp)?;
        let prepend = if spread {
            false
        } else if self.v20 && in_pipe {
            !args.iter().any(v0_20::uses_pipe_value)
        } else {
            vals.is_empty()
        };
        if prepend && !matches!(cx.pipe, Value::Null) {
            let zero = matches!(&host_params, Some(Some(ps)) if ps.is_empty());
            if !zero {
                vals.insert(0, cx.pipe.clone());
            }
        }
        if let Some(params) = host_params {
            if self.depth >= self.opts.max_depth {
                return Err(RillError::at("RILL-R010", "Maximum call depth exceeded", sp).into());
            }
            let vals = match &params {
                Some(ps) => validate_host_args(name, ps, vals, self.v20, sp)?,
                None => vals,
            };
            return Ok(self.host.call(name, vals).map_err(|e| e.or_at(sp))?);
        }
        self.lib.call_function(self, name, vals, cx, sp)
    }

    /// `$f(args)` / `$obj.method(args)`.
    pub(crate) fn eval_closure_call(
        &mut self,
        name: &str,
        access: &[String],
        args: &[Node],
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        let mut v = match cx.scope.get(name) {
            Some(Value::Null) | None => {
                return Err(
                    RillError::at("RILL-R005", format!("Unknown variable: ${name}"), sp).into(),
                );
            }
            Some(v) => v,
        };
        // `$obj.a.b` up to step `n`, for error messages only
        let path = |n: usize| {
            let mut p = format!("${name}");
            for a in &access[..n] {
                p.push('.');
                p.push_str(a);
            }
            p
        };
        for (i, a) in access.iter().enumerate() {
            match &v {
                Value::Dict(d) => match d.get(a) {
                    Some(x) if !matches!(x, Value::Null) => v = x.clone(),
                    _ => {
                        return Err(RillError::at(
                            "RILL-R009",
                            format!("Dict has no field '{a}'"),
                            sp,
                        )
                        .into());
                    }
                },
                _ => {
                    return Err(RillError::at(
                        "RILL-R002",
                        format!(
                            "Cannot access property on non-dict value at '{}'",
                            path(i + 1)
                        ),
                        sp,
                    )
                    .into());
                }
            }
        }
        let Value::Closure(c) = v else {
            let path = path(access.len());
            return Err(RillError::at("RILL-R002", format!("'{path}' is not callable"), sp).into());
        };
        let mut vals = self.call_args(Some(&c), args, cx, sp)?;
        let spread = args.iter().any(|a| matches!(&*a.kind, Kind::SpreadArg(_)));
        if vals.is_empty() && !spread && !matches!(cx.pipe, Value::Null) {
            let zero = match &*c {
                Callable::Script { def, .. } => def.params.is_empty(),
                Callable::Host {
                    params: Some(p), ..
                } => p.is_empty(),
                _ => false,
            };
            if !zero {
                vals.push(cx.pipe.clone());
            }
        }
        self.invoke(&c, vals, cx, sp)
    }

    /// `-> $(args)`: invoke the piped closure.
    pub(crate) fn eval_pipe_invoke(&mut self, args: &[Node], cx: &Cx, sp: Span) -> R<Value> {
        let Value::Closure(c) = cx.pipe.clone() else {
            return Err(RillError::at(
                "RILL-R002",
                format!(
                    "Cannot invoke non-closure value (got {})",
                    cx.pipe.type_name()
                ),
                sp,
            )
            .into());
        };
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(self.eval(a, cx)?);
        }
        self.invoke(&c, vals, cx, sp)
    }

    /// A postfix operation on a value: `.method(args)` or `(args)`.
    pub(crate) fn apply_postop(&mut self, op: &PostOp, v: Value, cx: &Cx) -> R<Value> {
        match op {
            PostOp::Method { name, args, span } => self.call_method(name, args, v, cx, *span),
            PostOp::Annotation { key, span } => self.annotation_access(&v, key, *span),
            PostOp::Probe { field, span } => self.status_probe(&v, field.as_deref(), *span),
            PostOp::Invoke { args, span } => {
                let Value::Closure(c) = &v else {
                    return Err(RillError::at(
                        "RILL-R002",
                        format!("Cannot invoke non-callable value (got {})", v.type_name()),
                        *span,
                    )
                    .into());
                };
                let vals = self.call_args(Some(c), args, cx, *span)?;
                self.invoke(c, vals, cx, *span)
            }
        }
    }

    /// `.name(args)` on a receiver (spec §8 method resolution).
    pub(crate) fn call_method(
        &mut self,
        name: &str,
        args: &[Node],
        recv: Value,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        self.tick(sp)?;
        if let Value::Closure(_) = recv
            && name != "params"
        {
            return Err(RillError::at(
                "RILL-R003",
                format!("Method .{name} not available on callable (invoke with -> $() first)"),
                sp,
            )
            .into());
        }
        let member = match &recv {
            Value::Dict(d) => match d.get(name) {
                Some(Value::Closure(c)) => Some(c.clone()),
                _ => None,
            },
            _ => None,
        };
        let mut vals = self.call_args(member.as_deref(), args, cx, sp)?;
        if self.v20
            && vals.is_empty()
            && !matches!(cx.pipe, Value::Null)
            && member.as_ref().is_some_and(|c| !c.param_names().is_empty())
        {
            vals.push(cx.pipe.clone());
        }
        if let Some(c) = member {
            let mcx = cx.with_pipe(recv.clone());
            return self.invoke(&c, vals, &mcx, sp);
        }
        if self.v20 {
            return self.call_method_v20(name, &recv, vals, sp);
        }
        if let Some(m) = self.lib.method(name) {
            return Ok(m(self, &recv, &vals).map_err(|e| e.or_at(sp))?);
        }
        if let Value::Dict(d) = &recv
            && vals.is_empty()
            && let Some(v) = d.get(name)
        {
            return Ok(v.clone());
        }
        Err(RillError::at("RILL-R007", format!("Unknown method: {name}"), sp).into())
    }
}

fn check_param_type(p: &Param, default: Option<&Value>, v: &Value, sp: Span) -> R<()> {
    let expected = match &p.ty {
        Some(t) => t.as_name(),
        None => match default {
            Some(d @ (Value::Str(_) | Value::Num(_) | Value::Bool(_))) => Some(d.type_name()),
            _ => None,
        },
    };
    if let Some(t) = expected
        && v.type_name() != t
    {
        return Err(RillError::at(
            "RILL-R001",
            format!(
                "Parameter type mismatch: {} expects {t}, got {}",
                p.name,
                v.type_name()
            ),
            sp,
        )
        .into());
    }
    Ok(())
}

/// Validate script-call arguments against a host function's declared params (R001; v0.20
/// counts too many as `R045` and a missing one as `R044`).
pub fn validate_host_args(
    name: &str,
    ps: &[HostParam],
    mut args: Vec<Value>,
    v20: bool,
    sp: Span,
) -> Result<Vec<Value>, RillError> {
    if args.len() > ps.len() {
        return Err(RillError::at(
            if v20 { "RILL-R045" } else { "RILL-R001" },
            format!(
                "Function '{name}' expects {} arguments, got {}",
                ps.len(),
                args.len()
            ),
            sp,
        ));
    }
    for (i, p) in ps.iter().enumerate() {
        if i >= args.len() {
            match &p.default {
                Some(d) => args.push(d.clone()),
                None => {
                    return Err(RillError::at(
                        if v20 { "RILL-R044" } else { "RILL-R001" },
                        format!(
                            "Missing required argument '{}' for function '{name}'",
                            p.name
                        ),
                        sp,
                    ));
                }
            }
        }
        let v = &args[i];
        let ok = match p.ty.as_str() {
            "any" | "" => true,
            "string" => matches!(v, Value::Str(_)),
            "number" => matches!(v, Value::Num(_)),
            "bool" => matches!(v, Value::Bool(_)),
            "list" => matches!(v, Value::List(_)),
            "dict" => matches!(v, Value::Dict(_)),
            "vector" => matches!(v, Value::Vector(_)),
            "closure" => matches!(v, Value::Closure(_)),
            _ => true,
        };
        if !ok {
            return Err(RillError::at(
                "RILL-R001",
                format!(
                    "Type mismatch in {name}: parameter '{}' expects {}, got {}",
                    p.name,
                    p.ty,
                    v.type_name()
                ),
                sp,
            ));
        }
    }
    Ok(args)
}

/// The chunk and resolution types of a v0.20 stream closure's signature (`:stream(T):R`).
type StreamTypes = (
    Option<crate::rill::value::types::Ty>,
    Option<crate::rill::value::types::Ty>,
);

/// Does the signature return a stream (`:stream(T):R`)?
pub(crate) fn is_stream(sig: &crate::rill::value::types::Ty) -> bool {
    use crate::rill::value::types::Ty;
    matches!(sig, Ty::Closure { ret: Some(r), .. } if matches!(**r, Ty::Stream { .. }))
}

fn stream_types(sig: Option<&crate::rill::value::types::Ty>) -> Option<StreamTypes> {
    use crate::rill::value::types::Ty;
    let Some(Ty::Closure { ret: Some(r), .. }) = sig.filter(|s| is_stream(s)) else {
        return None;
    };
    let Ty::Stream { chunk, ret } = &**r else {
        return None;
    };
    Some((chunk.as_deref().cloned(), ret.as_deref().cloned()))
}
