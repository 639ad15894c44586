//! What only rill v0.20 evaluates: the pipe-value rule of piped calls, collection bodies that
//! see `$@`, and (in the files beside this one) types as values, atoms and status values.

use super::{Cx, Interp, Method, R, Receivers};
use crate::rill::base::span::Span;
use crate::rill::syntax::ast::*;
use crate::rill::value::*;
use std::rc::Rc;

pub mod blocks;
pub mod types;

/// Does `n` use the pipe value `$` outside any closure or block (`-> f($, 1)`)? A piped call
/// whose arguments do gets no implicit first argument.
pub(crate) fn uses_pipe_value(n: &Node) -> bool {
    let any = |ns: &[Node]| ns.iter().any(uses_pipe_value);
    match &*n.kind {
        Kind::Var { name: None, .. } => true,
        Kind::Var {
            access, default, ..
        } => {
            access.iter().any(|a| match a {
                Access::Index(x) | Access::Computed(x) => uses_pipe_value(x),
                _ => false,
            }) || default.as_ref().is_some_and(uses_pipe_value)
        }
        Kind::Closure(_) | Kind::Block(_) => false,
        Kind::Chain { head, pipes, .. } => uses_pipe_value(head) || any(pipes),
        Kind::Binary { l, r, .. } => uses_pipe_value(l) || uses_pipe_value(r),
        Kind::Neg(x) | Kind::Not(x) | Kind::Group(x, _) | Kind::SpreadArg(x) => uses_pipe_value(x),
        Kind::Postfix {
            primary,
            ops,
            default,
        } => {
            uses_pipe_value(primary)
                || ops.iter().any(|o| match o {
                    PostOp::Method { args, .. } | PostOp::Invoke { args, .. } => any(args),
                    _ => false,
                })
                || default.as_ref().is_some_and(uses_pipe_value)
        }
        Kind::Str(parts) => parts
            .iter()
            .any(|p| matches!(p, StrPart::Interp(x) if uses_pipe_value(x))),
        Kind::List { elems, .. } | Kind::Tuple(elems) => elems.iter().any(|e| match e {
            ListElem::Item(x) | ListElem::Spread(x) => uses_pipe_value(x),
        }),
        Kind::Dict { entries, .. } | Kind::Ordered(entries) => entries.iter().any(|(k, v)| {
            uses_pipe_value(v)
                || matches!(k, DictKey::Multi(x) | DictKey::Computed(x) if uses_pipe_value(x))
        }),
        Kind::HostCall { args, .. } | Kind::ClosureCall { args, .. } => any(args),
        Kind::Conditional {
            cond, then, els, ..
        } => {
            cond.as_ref().is_some_and(uses_pipe_value)
                || uses_pipe_value(then)
                || els.as_ref().is_some_and(uses_pipe_value)
        }
        Kind::TypeOp { operand, .. } => operand.as_ref().is_some_and(uses_pipe_value),
        Kind::StatusProbe { target, .. } => uses_pipe_value(target),
        _ => false,
    }
}

/// A v0.20 collection body (`seq({ … })`, `fold(0, { $@ + $ })`) run once per element.
///
/// A plain block (`{ … }`: no parameters of its own, no stream type, not bound to a dict)
/// runs its statements directly in one scope (holding `$@`; `$` is the pipe), reused from one element
/// to the next while nothing captured it: what [`Interp::invoke_body`] does through a call,
/// without its two scopes and the re-bound closure per element. Anything else goes through
/// `invoke_body`.
pub(crate) struct Body {
    f: Rc<Callable>,
    rebind: bool,
    /// The block runs here directly (see above); `None`: through `invoke_body`.
    plain: Option<Plain>,
    slot: Option<Rc<Scope>>,
}

/// What a plain block's run needs, worked out once per body.
struct Plain {
    /// `$` has a declared type to check (never for `{ … }`, kept for exactness).
    check_arg: bool,
    /// A return type to check.
    check_ret: bool,
}

impl Body {
    /// `rebind`: `$@` is visible to the body (`seq`, `fold`, `acc`; see `invoke_body`).
    pub(crate) fn new(f: Rc<Callable>, rebind: bool) -> Body {
        use crate::rill::value::types::Ty;
        let plain = match &*f {
            Callable::Script {
                def, sig, bound, ..
            } if def.is_block
                && bound.borrow().is_none()
                && matches!(&*def.body.kind, Kind::Stmts(stmts, _) if !stmts.is_empty()) =>
            {
                match sig.as_deref() {
                    Some(s) if super::calls::is_stream(s) => None,
                    Some(Ty::Closure { params, ret }) => Some(Plain {
                        check_arg: params
                            .as_ref()
                            .and_then(|ps| ps.first())
                            .is_some_and(|p| !matches!(p.ty, Ty::Prim("any"))),
                        check_ret: ret.is_some(),
                    }),
                    Some(_) => None,
                    None => Some(Plain {
                        check_arg: false,
                        check_ret: false,
                    }),
                }
            }
            _ => None,
        };
        Body {
            f,
            rebind,
            plain,
            slot: None,
        }
    }

    /// The body's value for element `x` (`acc`: the accumulator `$@`).
    pub(crate) fn call(
        &mut self,
        it: &mut Interp,
        x: Value,
        acc: Option<Value>,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        let (
            Some(plain),
            Callable::Script {
                def, scope, sig, ..
            },
        ) = (&self.plain, &*self.f)
        else {
            return it.invoke_body(&self.f, x, acc, self.rebind, cx, sp);
        };
        let Kind::Stmts(stmts, _) = &*def.body.kind else {
            return it.invoke_body(&self.f, x, acc, self.rebind, cx, sp);
        };
        let x = if plain.check_arg {
            it.check_arg(sig.as_deref(), 0, "$", x, sp)?
        } else {
            x
        };
        let parent = if self.rebind { &cx.scope } else { scope };
        let keep_acc = acc.is_some() && self.rebind;
        // `$` is the pipe value of the body's context (no scope lookup reads it)
        let s = Scope::recycle(&mut self.slot, parent, |k| k == "@" && keep_acc);
        if let Some(a) = acc.filter(|_| self.rebind) {
            s.put("@", a);
        }
        let body_cx = Cx { scope: s, pipe: x };
        it.enter(sp)?;
        let r = it.exec_stmts_here(stmts, &body_cx);
        it.depth -= 1;
        let r = match r {
            Err(super::Flow::Return(v)) => Ok(v),
            other => other,
        };
        match (r, sig.as_deref()) {
            (Ok(v), Some(t)) if plain.check_ret => it.check_return(t, v, sp),
            (r, _) => r,
        }
    }
}

impl Interp {
    /// Run a v0.20 collection body for element `x`: `$` is `x`; with `acc`, `$@` is the
    /// accumulator. Like the reference, a script closure is re-bound to a child of the
    /// caller's scope holding `$@` (`rebind`), so `{ $@ + $ }` sees it.
    pub(crate) fn invoke_body(
        &mut self,
        f: &Rc<Callable>,
        x: Value,
        acc: Option<Value>,
        rebind: bool,
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        let scope = Scope::child(&cx.scope);
        if let Some(a) = &acc {
            let t = a.type_name();
            scope.vars.borrow_mut().insert("@".into(), (a.clone(), t));
        }
        let two = matches!(&**f, Callable::Script { def, .. }
            if def.params.len() == 2 && def.params[1].name == "@");
        let args = match (&acc, two) {
            (Some(a), true) => vec![x.clone(), a.clone()],
            _ => vec![x.clone()],
        };
        let icx = Cx {
            scope: scope.clone(),
            pipe: x,
        };
        match &**f {
            Callable::Script {
                def,
                defaults,
                param_annotations,
                annotations,
                bound,
                sig,
                ..
            } if rebind => {
                let g = Rc::new(Callable::Script {
                    def: def.clone(),
                    scope,
                    defaults: defaults.clone(),
                    param_annotations: param_annotations.clone(),
                    annotations: annotations.clone(),
                    bound: std::cell::RefCell::new(bound.borrow().clone()),
                    sig: sig.clone(),
                });
                self.invoke(&g, args, &icx, sp)
            }
            _ => self.invoke(f, args, &icx, sp),
        }
    }
}

impl Interp {
    /// `ordered[a: 1, ...$o]`: entries in order (a key given twice keeps its first place).
    pub(crate) fn eval_ordered(
        &mut self,
        entries: &[(DictKey, Node)],
        cx: &Cx,
        sp: Span,
    ) -> R<Value> {
        let mut out: Vec<(String, Value)> = Vec::with_capacity(entries.len());
        let mut put = |k: String, v: Value| match out.iter_mut().find(|(n, _)| *n == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        };
        for (k, n) in entries {
            let v = self.eval(n, cx)?;
            match k {
                DictKey::Spread => match v {
                    Value::Ordered(o) => o.iter().for_each(|(k, v)| put(k.clone(), v.clone())),
                    Value::Dict(d) => d.iter().for_each(|(k, v)| put(k.clone(), v.clone())),
                    other => {
                        return Err(crate::rill::base::error::RillError::at(
                            "RILL-R002",
                            format!(
                                "Spread in ordered literal requires ordered or dict, got {}",
                                other.type_name()
                            ),
                            n.span,
                        )
                        .into());
                    }
                },
                DictKey::Lit(s) | DictKey::Var(s) => put(s.clone(), v),
                DictKey::Num(x) => put(crate::rill::base::num::fmt_num(*x), v),
                DictKey::Bool(b) => put(b.to_string(), v),
                DictKey::Multi(_) | DictKey::Computed(_) => {
                    return Err(super::not_yet(sp).into());
                }
            }
        }
        Ok(Value::Ordered(Rc::new(out)))
    }

    /// The first `n` elements of an iterator and the iterator after them.
    pub(crate) fn iterator_steps(
        &mut self,
        iter: &Value,
        n: usize,
        cx: &Cx,
        sp: Span,
    ) -> R<(Vec<Value>, Value)> {
        let mut out = Vec::with_capacity(n);
        let mut cur = iter.clone();
        while out.len() < n {
            let Value::Dict(d) = cur.clone() else { break };
            if !matches!(d.get("done"), Some(Value::Bool(false))) {
                break;
            }
            out.push(d.get("value").cloned().unwrap_or(Value::Null));
            let Some(Value::Closure(next)) = d.get("next") else {
                break;
            };
            self.tick(sp)?;
            cur = self.invoke(next, vec![], &cx.with_pipe(cur.clone()), sp)?;
        }
        Ok((out, cur))
    }

    /// `iterate(seed, f)`: the iterator `seed, f(seed), f(f(seed)), …`.
    pub(crate) fn iterate_iterator(
        &mut self,
        seed: Value,
        f: Rc<Callable>,
        _cx: &Cx,
        _sp: Span,
    ) -> Value {
        let mut d = Dict::default();
        d.insert("value".into(), seed.clone());
        d.insert("done".into(), Value::Bool(false));
        d.insert(
            "next".into(),
            Value::Closure(Rc::new(Callable::Iterate { f, current: seed })),
        );
        Value::dict(d)
    }

    /// A sorted dict: its `{key, value}` entries as an ordered value.
    pub(crate) fn ordered_of_entries(&self, entries: Vec<Value>) -> Value {
        let out = entries
            .into_iter()
            .filter_map(|e| match e {
                Value::Dict(d) => Some((
                    d.get("key").map(Value::display).unwrap_or_default(),
                    d.get("value").cloned().unwrap_or(Value::Null),
                )),
                _ => None,
            })
            .collect();
        Value::Ordered(Rc::new(out))
    }
}

/// A callee's parameters for `...` binding: names and defaults, in order.
fn spread_params(c: &Callable) -> Option<Vec<(String, Option<Value>)>> {
    match c {
        Callable::Script { def, defaults, .. } => Some(
            def.params
                .iter()
                .zip(defaults.iter())
                .map(|(p, d)| (p.name.clone(), d.clone()))
                .collect(),
        ),
        Callable::Host {
            params: Some(ps), ..
        } if !ps.is_empty() => Some(
            ps.iter()
                .map(|p| (p.name.clone(), p.default.clone()))
                .collect(),
        ),
        _ => None,
    }
}

impl Interp {
    /// Evaluate call arguments; with a `...spread` among them they are bound to `callee`'s
    /// parameters by the reference's rules (tuples by position, ordered by position and
    /// name, dicts by name; defaults fill the rest).
    pub(crate) fn call_args(
        &mut self,
        callee: Option<&Callable>,
        args: &[Node],
        cx: &Cx,
        sp: Span,
    ) -> R<Vec<Value>> {
        if !args.iter().any(|a| matches!(&*a.kind, Kind::SpreadArg(_))) {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(self.eval(a, cx)?);
            }
            return Ok(vals);
        }
        let r001 = |m: String| -> super::Flow {
            crate::rill::base::error::RillError::at("RILL-R001", m, sp).into()
        };
        let Some(params) = callee.and_then(spread_params) else {
            let what = match callee {
                Some(Callable::Host { name, .. }) => {
                    format!(
                        "Spread not supported for host function '{name}': parameter metadata required"
                    )
                }
                _ => "Spread not supported for built-in function '<anonymous>'".to_string(),
            };
            return Err(r001(what));
        };
        let mut bound: Vec<Option<Value>> = vec![None; params.len()];
        let mut pos = 0;
        let put = |i: usize, v: Value, bound: &mut Vec<Option<Value>>| -> R<()> {
            if bound[i].is_some() {
                return Err(r001(format!(
                    "Duplicate binding for parameter '{}': already bound positionally",
                    params[i].0
                )));
            }
            bound[i] = Some(v);
            Ok(())
        };
        for a in args {
            let Kind::SpreadArg(e) = &*a.kind else {
                if pos >= params.len() {
                    return Err(r001(format!(
                        "Extra positional argument at position {pos} (function has {} parameters)",
                        params.len()
                    )));
                }
                let v = self.eval(a, cx)?;
                put(pos, v, &mut bound)?;
                pos += 1;
                continue;
            };
            match self.eval(e, cx)? {
                Value::Null => return Err(r001("Spread requires an active pipe value ($)".into())),
                Value::Tuple(t) => {
                    let remaining = params.len() - pos.min(params.len());
                    if t.entries.len() > remaining {
                        return Err(r001(format!(
                            "Spread tuple has {} values but only {remaining} parameter(s) remain",
                            t.entries.len()
                        )));
                    }
                    for (_, v) in &t.entries {
                        put(pos, v.clone(), &mut bound)?;
                        pos += 1;
                    }
                }
                Value::Ordered(o) => {
                    for (i, (k, v)) in o.iter().enumerate() {
                        match params.get(pos) {
                            Some((name, _)) if name == k => put(pos, v.clone(), &mut bound)?,
                            other => {
                                return Err(r001(format!(
                                    "Ordered spread key '{k}' at position {i} does not match expected parameter '{}' at position {pos}",
                                    other.map_or("<none>", |(n, _)| n.as_str())
                                )));
                            }
                        }
                        pos += 1;
                    }
                }
                Value::Dict(d) => {
                    for (k, v) in d.iter() {
                        let Some(i) = params.iter().position(|(n, _)| n == k) else {
                            let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
                            return Err(r001(format!(
                                "Dict spread key '{k}' does not match any parameter. Valid parameters: {}",
                                names.join(", ")
                            )));
                        };
                        put(i, v.clone(), &mut bound)?;
                    }
                }
                other => {
                    return Err(r001(format!(
                        "Spread requires a tuple, dict, or ordered value, got {}",
                        other.type_name()
                    )));
                }
            }
        }
        let mut out = Vec::with_capacity(params.len());
        for (slot, (name, default)) in bound.into_iter().zip(params.iter()) {
            match slot.or_else(|| default.clone()) {
                Some(v) => out.push(v),
                None => {
                    return Err(crate::rill::base::error::RillError::at(
                        "RILL-R044",
                        format!("Missing argument for parameter '{name}'"),
                        sp,
                    )
                    .into());
                }
            }
        }
        Ok(out)
    }
}

impl Interp {
    /// A v0.20 method call: the method must exist for the receiver's type
    /// (`RILL-R003 "Method 'upper' not supported on number; supported: string"`), an unknown
    /// name is `RILL-R007`; a dict's own field answers a name no dict method has.
    pub(crate) fn call_method_v20(
        &mut self,
        name: &str,
        recv: &Value,
        vals: Vec<Value>,
        sp: Span,
    ) -> R<Value> {
        use crate::rill::base::error::RillError;
        let t = recv.type_name();
        if let Value::Type(ty) = recv
            && vals.is_empty()
        {
            return self.type_field(&ty.clone(), name, sp);
        }
        match self.method_for(name, t) {
            Ok(m) => Ok(m(self, recv, &vals).map_err(|e| e.or_at(sp))?),
            Err(_) if matches!(recv, Value::Dict(d) if d.contains_key(name)) && vals.is_empty() => {
                let Value::Dict(d) = recv else {
                    return Ok(Value::Null);
                };
                Ok(d.get(name).cloned().unwrap_or(Value::Null))
            }
            Err(Some(types)) => Err(RillError::at(
                "RILL-R003",
                format!(
                    "Method '{name}' not supported on {t}; supported: {}",
                    types.join(", ")
                ),
                sp,
            )
            .into()),
            Err(None) => Err(RillError::at(
                "RILL-R007",
                format!("Unknown method: {name} on type {t}"),
                sp,
            )
            .into()),
        }
    }

    /// The method `name` of a `receiver` type ([`super::Library::method_for`]), from the
    /// cache when it was found lately.
    fn method_for(&mut self, name: &str, receiver: &'static str) -> Result<Method, Receivers> {
        if let Some(m) = self.methods.get(name, receiver) {
            return Ok(m);
        }
        let m = self.lib.method_for(name, receiver)?;
        self.methods.put(name, receiver, m);
        Ok(m)
    }

    /// `$v.len`, `$.upper`: a field read on a value that has no fields calls the method of
    /// that name, when its type has one. The caller has looked a dict's own fields up first
    /// (a dict field comes before a method of that name).
    pub(crate) fn field_as_method(&mut self, v: &Value, field: &str, sp: Span) -> Option<R<Value>> {
        let m = self.method_for(field, v.type_name()).ok()?;
        Some(m(self, v, &[]).map_err(|e| e.or_at(sp).into()))
    }
}

impl Interp {
    /// `ns::name` without parentheses: the host function as a value, or — with a pipe value —
    /// called with it (`"World" -> greet::hello`).
    pub(crate) fn eval_host_ref(&mut self, name: &str, cx: &Cx, sp: Span) -> R<Value> {
        let Some(params) = self.host.lookup(name).map(|f| f.params.clone()) else {
            return Err(crate::rill::base::error::RillError::at(
                "RILL-R006",
                format!("Function \"{name}\" not found"),
                sp,
            )
            .into());
        };
        let f = Rc::new(Callable::Host {
            name: name.to_string(),
            params: params.clone(),
            property: false,
        });
        if matches!(cx.pipe, Value::Null) {
            return Ok(Value::Closure(f));
        }
        let args = match &params {
            Some(ps) if ps.is_empty() => vec![],
            _ => vec![cx.pipe.clone()],
        };
        self.invoke(&f, args, cx, sp)
    }
}

/// The methods found lately, by name and receiver type: a loop calls the same few methods,
/// so most calls skip the method table's hash. A slot is picked by the address of the name
/// (names come from the syntax tree, so one call site keeps one slot) and holds a copy of
/// the name, compared on every hit.
#[derive(Default)]
pub(crate) struct MethodCache {
    slots: [Option<(Box<str>, &'static str, Method)>; 8],
}

impl MethodCache {
    fn slot(name: &str) -> usize {
        (name.as_ptr() as usize >> 3) % 8
    }

    #[inline]
    fn get(&self, name: &str, receiver: &'static str) -> Option<Method> {
        match &self.slots[Self::slot(name)] {
            // the receiver is one of the type names' static strings: same address, same name
            Some((n, r, m)) if std::ptr::eq(*r, receiver) && **n == *name => Some(*m),
            _ => None,
        }
    }

    fn put(&mut self, name: &str, receiver: &'static str, m: Method) {
        self.slots[Self::slot(name)] = Some((name.into(), receiver, m));
    }
}
