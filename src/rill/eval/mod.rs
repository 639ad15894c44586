//! The evaluator: a synchronous tree walker over `ast` (spec §3–§13).
//!
//! Design: `$` travels explicitly in `Cx` (scope + pipe value; `Value::Null` = unbound).
//! `break`/`return` are `Flow` signals, not errors. Recursion is bounded by `max_depth`
//! (run the interpreter on a thread with a large stack: see `run_with_big_stack`), loops and
//! statements count steps against `max_steps`, and `cancel` is polled at every statement,
//! loop iteration and call. Host functions are synchronous `HostFn`s; an async backend is
//! bridged by the host with `tokio::runtime::Handle::block_on` (the interpreter thread is not
//! a runtime worker, so blocking there is safe). Submodules: `calls` (closures, host
//! functions, methods), `access` (variables, dispatch), `collections` (each/map/fold/filter,
//! iterators, destructure, slice).

pub mod access;
pub mod calls;
pub mod collections;
pub mod control;
pub mod node;
pub mod ops;
pub mod v0_20;

use crate::rill::base::error::RillError;
use crate::rill::base::regex::JsRegex;
use crate::rill::base::span::Span;
use crate::rill::host::HostRegistry;
use crate::rill::syntax::ast::*;
use crate::rill::value::*;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Non-local exits: an error, or a `break` / `return` carrying a value. The error is boxed
/// so that `R<Value>` stays small on the hot path.
#[derive(Debug)]
pub enum Flow {
    Err(Box<RillError>),
    Break(Value),
    Return(Value),
}

impl From<RillError> for Flow {
    fn from(e: RillError) -> Self {
        Flow::Err(Box::new(e))
    }
}

pub type R<T> = Result<T, Flow>;

/// Evaluation context: current scope and pipe value.
#[derive(Clone)]
pub struct Cx {
    pub scope: Rc<Scope>,
    pub pipe: Value,
}

impl Cx {
    /// Same scope, another `$`.
    pub fn with_pipe(&self, pipe: Value) -> Cx {
        Cx {
            scope: self.scope.clone(),
            pipe,
        }
    }
    /// A child scope with the same `$`.
    pub fn child(&self) -> Cx {
        Cx {
            scope: Scope::child(&self.scope),
            pipe: self.pipe.clone(),
        }
    }
}

/// Limits and options of one run.
#[derive(Clone)]
pub struct Options {
    /// Maximum nesting of closure / function calls.
    pub max_depth: usize,
    /// Maximum statements + loop iterations + calls (0 = unlimited).
    pub max_steps: u64,
    /// Set to true from another thread to stop the script (`RILL-R013`).
    pub cancel: Arc<AtomicBool>,
    /// `autoExceptions`: regexes checked against each statement's string result.
    pub auto_exceptions: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_depth: 10_000,
            max_steps: 0,
            cancel: Arc::new(AtomicBool::new(false)),
            auto_exceptions: vec![],
        }
    }
}

/// Outcome of a run: the value (or error) plus the display form of every `log`.
pub struct Outcome {
    pub result: Result<Value, RillError>,
    pub logs: Vec<String>,
}

/// Receives each `log` line while the script runs (any thread).
#[derive(Clone)]
pub struct LogSink(pub Arc<dyn Fn(&str) + Send + Sync>);

impl LogSink {
    /// A sink that prints each line to stderr.
    pub fn stderr() -> Self {
        LogSink(Arc::new(|l| eprintln!("{l}")))
    }
}

impl std::fmt::Debug for LogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogSink")
    }
}

/// The interpreter state for one script run.
/// A built-in method: interpreter, receiver, arguments.
pub type Method = fn(&mut Interp, &Value, &[Value]) -> Result<Value, RillError>;

/// The receiver types of a method that exists but not on the type asked for (`None`: no
/// method of that name at all).
pub type Receivers = Option<&'static [&'static str]>;

/// What a dialect's builtins give the evaluator: its functions and its method table. The
/// builtins layer implements it, so the evaluator never imports the builtins.
pub trait Library: Sync {
    /// Is `name` a built-in function of this dialect?
    fn is_function(&self, name: &str) -> bool;
    /// Call the built-in function `name` (arguments evaluated, the pipe value already added).
    fn call_function(
        &self,
        it: &mut Interp,
        name: &str,
        args: Vec<Value>,
        cx: &Cx,
        sp: Span,
    ) -> R<Value>;
    /// The built-in method `name`, if the dialect has one.
    fn method(&self, name: &str) -> Option<Method>;
    /// The method `name` of a `receiver` type, found with one lookup (v0.20's tables are per
    /// type, and `add` exists on datetimes and on durations). `Err(Some(types))`: the method
    /// exists, on those receiver types only; `Err(None)`: no such method.
    fn method_for(&self, name: &str, _receiver: &str) -> Result<Method, Receivers> {
        self.method(name).ok_or(None)
    }
    /// The named parameters of built-in function `name`, for `...` spreads into it.
    fn function_params(&self, _name: &str) -> Option<Vec<crate::rill::value::HostParam>> {
        None
    }
    /// The rill these tables belong to: scripts run by an `Interp` over them are parsed and
    /// evaluated in it.
    fn dialect(&self) -> crate::rill::dialect::Dialect;
}

pub struct Interp {
    /// The dialect's builtins.
    pub lib: &'static dyn Library,
    /// The script is rill v0.20 (`lib.dialect()`, kept at hand for the places that differ).
    pub(crate) v20: bool,
    pub host: HostRegistry,
    pub logs: Vec<String>,
    /// Called with each `log` line as it happens (the CLI prints it to stderr at once).
    pub on_log: Option<LogSink>,
    pub opts: Options,
    depth: usize,
    steps: u64,
    ann_stack: Vec<Rc<Dict>>,
    auto_exc: Vec<(String, JsRegex)>,
    pub root: Rc<Scope>,
    /// Scopes captured by closures made in this run. A closure stored in a variable of the
    /// scope it captured (`|x| $x => $f`) is an `Rc` cycle (scope → closure → scope); when the
    /// interpreter is dropped these scopes and their parents are emptied, which breaks every
    /// such cycle so the run's memory is freed.
    captured: Vec<std::rc::Weak<Scope>>,
    /// `captured.len()` after the last pruning of dead entries.
    captured_pruned: usize,
    /// v0.20 `timeout<…>` blocks being run: when each must end, its error code and text.
    pub(crate) deadlines: Vec<(std::time::Instant, &'static str, String)>,
    /// v0.20 streams being read: the chunks each one's body has yielded so far.
    pub(crate) yields: Vec<Vec<Value>>,
    /// The next script-closure call runs a stream's body instead of returning a stream.
    pub(crate) run_stream: bool,
    /// Compiled regexes by pattern (`None`: invalid), so a loop does not recompile them.
    regexes: std::collections::HashMap<String, Option<Rc<JsRegex>>>,
    /// v0.20 methods found lately (see [`v0_20::MethodCache`]).
    pub(crate) methods: v0_20::MethodCache,
}

/// Patterns kept compiled per run; the cache starts over when it is full.
const REGEX_CACHE: usize = 64;

impl Drop for Interp {
    fn drop(&mut self) {
        self.release_cycles();
    }
}

const ITER_LIMIT: usize = 10_000;

impl Interp {
    /// A new interpreter with host functions and options.
    pub fn new(lib: &'static dyn Library, host: HostRegistry, opts: Options) -> Self {
        let auto_exc = opts
            .auto_exceptions
            .iter()
            .filter_map(|p| JsRegex::new(p).map(|r| (p.clone(), r)))
            .collect();
        Interp {
            lib,
            v20: lib.dialect() == crate::rill::dialect::Dialect::V0_20,
            host,
            logs: vec![],
            on_log: None,
            opts,
            depth: 0,
            steps: 0,
            ann_stack: vec![],
            auto_exc,
            root: Rc::new(Scope::default()),
            captured: vec![],
            captured_pruned: 0,
            deadlines: vec![],
            yields: vec![],
            run_stream: false,
            regexes: Default::default(),
            methods: Default::default(),
        }
    }

    /// The compiled regex of `pattern` (cached), `None` when it is not a valid pattern.
    pub(crate) fn regex(&mut self, pattern: &str) -> Option<Rc<JsRegex>> {
        if let Some(r) = self.regexes.get(pattern) {
            return r.clone();
        }
        if self.regexes.len() >= REGEX_CACHE {
            self.regexes.clear();
        }
        let r = JsRegex::new(pattern).map(Rc::new);
        self.regexes.insert(pattern.to_string(), r.clone());
        r
    }

    /// Remember a scope captured by a new closure (see `captured`).
    pub(crate) fn note_captured(&mut self, scope: &Rc<Scope>) {
        if self
            .captured
            .last()
            .is_some_and(|w| std::ptr::eq(w.as_ptr(), Rc::as_ptr(scope)))
        {
            return;
        }
        self.captured.push(Rc::downgrade(scope));
        if self.captured.len() >= 2 * self.captured_pruned.max(1024) {
            self.captured.retain(|w| w.strong_count() > 0);
            self.captured_pruned = self.captured.len();
        }
    }

    /// Empty every scope a closure of this run captured, and their parents, so closure/scope
    /// `Rc` cycles are freed. Values the script returned stay valid as values, but a closure
    /// among them can no longer see its captured variables: call it only while the run lasts.
    pub fn release_cycles(&mut self) {
        let mut scopes: Vec<Rc<Scope>> = std::mem::take(&mut self.captured)
            .iter()
            .filter_map(std::rc::Weak::upgrade)
            .collect();
        scopes.push(self.root.clone());
        for s in scopes {
            let mut cur = Some(s);
            while let Some(scope) = cur {
                let vars = std::mem::take(&mut *scope.vars.borrow_mut());
                drop(vars);
                cur = scope.parent.clone();
            }
        }
        self.captured_pruned = 0;
    }

    /// A value as the dialect displays it (`log`, interpolation): v0.8's JSON-like form or
    /// v0.20's `list[…]`/`dict[…]`.
    pub fn text(&self, v: &Value) -> String {
        // a string, number or bool shows the same in both dialects
        let scalar = matches!(v, Value::Str(_) | Value::Num(_) | Value::Bool(_));
        if self.v20 && !scalar {
            v.show()
        } else {
            v.display()
        }
    }

    /// Emit one `log` line: to the live sink, and kept for the outcome.
    pub fn log_line(&mut self, line: String) {
        if let Some(sink) = &self.on_log {
            (sink.0)(&line);
        }
        self.logs.push(line);
    }

    /// Install a root variable (typed from its value).
    pub fn set_var(&mut self, name: &str, v: Value) {
        let t = v.type_name();
        self.root.vars.borrow_mut().insert(name.to_string(), (v, t));
    }

    /// Run a script and hand back its result with the `log` output collected so far.
    pub fn run_outcome(&mut self, src: &str) -> Outcome {
        let result = self.run(src);
        Outcome {
            result,
            logs: std::mem::take(&mut self.logs),
        }
    }

    /// Parse and run a script; the result is the last statement's value.
    pub fn run(&mut self, src: &str) -> Result<Value, RillError> {
        let script = crate::rill::syntax::parser::parse(src, self.lib.dialect())?;
        self.run_script(&script)
    }

    /// Run a parsed script.
    pub fn run_script(&mut self, script: &Script) -> Result<Value, RillError> {
        let mut last = None;
        for st in &script.statements {
            let cx = Cx {
                scope: self.root.clone(),
                pipe: Value::Null,
            };
            match self.exec_stmt(st, &cx) {
                Ok(v) => last = Some(v),
                Err(Flow::Err(e)) => return Err(*e),
                Err(Flow::Return(v)) => return Ok(v),
                Err(Flow::Break(_)) => {
                    return Err(RillError::at(
                        "RILL-R002",
                        "break outside of a loop",
                        st.span,
                    ));
                }
            }
        }
        last.ok_or_else(|| match self.v20 {
            true => RillError::new("RILL-R043", "Script produced no value"),
            false => RillError::new("RILL-R005", "Undefined variable: $"),
        })
    }

    /// One evaluation step: stops on a cancel, a passed `timeout<…>` deadline or the step
    /// limit (the checks inline, the errors built out of line).
    #[inline]
    pub(crate) fn tick(&mut self, sp: crate::rill::base::span::Span) -> R<()> {
        self.steps += 1;
        if self.opts.cancel.load(Ordering::Relaxed)
            || !self.deadlines.is_empty()
            || (self.opts.max_steps > 0 && self.steps > self.opts.max_steps)
        {
            return self.tick_stop(sp);
        }
        Ok(())
    }

    /// Why [`Self::tick`] stops, if it does (a deadline may not have passed yet).
    #[cold]
    fn tick_stop(&mut self, sp: crate::rill::base::span::Span) -> R<()> {
        if self.opts.cancel.load(Ordering::Relaxed) {
            return Err(RillError::at("RILL-R013", "Execution aborted", sp).into());
        }
        if let Some((at, code, msg)) = self.deadlines.last()
            && std::time::Instant::now() >= *at
        {
            return Err(RillError::at(code, msg.clone(), sp).into());
        }
        if self.opts.max_steps > 0 && self.steps > self.opts.max_steps {
            return Err(RillError::at(
                "RILL-R010",
                format!("Step limit of {} exceeded", self.opts.max_steps),
                sp,
            )
            .into());
        }
        Ok(())
    }

    pub(crate) fn current_annotations(&self) -> Rc<Dict> {
        self.ann_stack.last().cloned().unwrap_or_default()
    }

    pub(crate) fn iteration_limit(&self) -> usize {
        match self.ann_stack.last().and_then(|d| d.get("limit")) {
            Some(Value::Num(n)) if *n > 0.0 => *n as usize,
            _ => ITER_LIMIT,
        }
    }

    pub(crate) fn eval_annotations(&mut self, args: &[AnnArg], cx: &Cx) -> R<Dict> {
        let mut d = Dict::default();
        for a in args {
            match a {
                AnnArg::Named(n, e) => {
                    let v = self.eval(e, cx)?;
                    d.insert(n.clone(), v);
                }
                AnnArg::Spread(e) => match self.eval(e, cx)? {
                    Value::Dict(x) => {
                        for (k, v) in x.iter() {
                            d.insert(k.clone(), v.clone());
                        }
                    }
                    Value::Tuple(t) => {
                        for (k, v) in &t.entries {
                            if let TKey::Name(n) = k {
                                d.insert(n.clone(), v.clone());
                            }
                        }
                    }
                    other => {
                        return Err(RillError::at(
                            "RILL-R002",
                            format!("Annotation spread requires dict, got {}", other.type_name()),
                            e.span,
                        )
                        .into());
                    }
                },
            }
        }
        Ok(d)
    }

    /// Run one statement (annotations, auto-exceptions).
    pub(crate) fn exec_stmt(&mut self, st: &Stmt, cx: &Cx) -> R<Value> {
        self.tick(st.span)?;
        let v = if let Some(anns) = &st.annotations {
            let mut d = (*self.current_annotations()).clone();
            for (k, v) in self.eval_annotations(anns, cx)? {
                d.insert(k, v);
            }
            self.ann_stack.push(Rc::new(d));
            let r = self.eval(&st.expr, cx);
            self.ann_stack.pop();
            r?
        } else {
            self.eval(&st.expr, cx)?
        };
        if let Value::Str(s) = &v {
            for (p, re) in &self.auto_exc {
                if re.find(p, s)?.is_some() {
                    return Err(RillError::at(
                        if self.v20 { "#R999" } else { "RILL-R014" },
                        format!("Auto-exception triggered: pattern '{p}' matched"),
                        st.span,
                    )
                    .into());
                }
            }
        }
        Ok(v)
    }

    /// Run a block body: statements in a child scope, each seeing the block's `$`.
    pub(crate) fn exec_stmts(&mut self, stmts: &[Stmt], cx: &Cx) -> R<Value> {
        self.exec_stmts_here(stmts, &cx.child())
    }

    /// Run statements directly in `cx.scope` (the caller made a fresh scope holding no
    /// capturable names, e.g. a block invocation).
    pub(crate) fn exec_stmts_here(&mut self, stmts: &[Stmt], cx: &Cx) -> R<Value> {
        let mut last = cx.pipe.clone();
        for st in stmts {
            last = self.exec_stmt(st, cx)?;
        }
        Ok(last)
    }

    /// Assign a variable in the current scope (capture), enforcing type locks.
    pub(crate) fn assign(
        &mut self,
        name: &str,
        v: Value,
        ty: Option<&str>,
        cx: &Cx,
        sp: crate::rill::base::span::Span,
    ) -> R<()> {
        let vt = v.type_name();
        if let Some(t) = ty
            && t != vt
            && t != "any"
        {
            return Err(RillError::at(
                "RILL-R001",
                format!("Type mismatch: cannot assign {vt} to ${name}:{t}"),
                sp,
            )
            .into());
        }
        match cx.scope.locate(name) {
            Some((false, _)) => {
                return Err(RillError::at(
                    "RILL-R001",
                    format!("Cannot reassign outer variable ${name} from child scope"),
                    sp,
                )
                .into());
            }
            Some((true, locked)) if locked != vt && locked != "any" => {
                return Err(RillError::at(
                    "RILL-R001",
                    format!("Type mismatch: cannot assign {vt} to ${name} (locked as {locked})"),
                    sp,
                )
                .into());
            }
            _ => {}
        }
        let lock = match ty {
            Some(t) => static_type(t),
            None => vt,
        };
        let mut vars = cx.scope.vars.borrow_mut();
        match vars.get_mut(name) {
            Some(slot) => slot.0 = v,
            None => {
                vars.insert(name.to_string(), (v, lock));
            }
        }
        Ok(())
    }
}

/// Build a dict whose script closures are bound to it (`$` = the dict inside them).
/// A v0.20 construct the evaluator does not run yet (the v0.20 parser is ahead of it; the
/// dialect stays refused by `Dialect::runs` until it does).
pub(crate) fn not_yet(sp: Span) -> RillError {
    RillError::at(
        "RILL-R999",
        "this rill 0.20 construct cannot run yet (issue 10)",
        sp,
    )
}

pub fn bind_dict(pairs: Vec<(String, Value)>) -> Rc<Dict> {
    if !pairs.iter().any(|(_, v)| matches!(v, Value::Closure(_))) {
        return Rc::new(pairs.into_iter().collect());
    }
    Rc::new_cyclic(|weak| {
        let mut d = Dict::default();
        for (k, v) in pairs {
            let v = match &v {
                Value::Closure(c) => match &**c {
                    Callable::Script {
                        def,
                        scope,
                        defaults,
                        param_annotations,
                        annotations,
                        sig,
                        ..
                    } => Value::Closure(Rc::new(Callable::Script {
                        def: def.clone(),
                        scope: scope.clone(),
                        defaults: defaults.clone(),
                        param_annotations: param_annotations.clone(),
                        annotations: annotations.clone(),
                        bound: std::cell::RefCell::new(Some(weak.clone())),
                        sig: sig.clone(),
                    })),
                    _ => v.clone(),
                },
                _ => v.clone(),
            };
            d.insert(k, v);
        }
        d
    })
}

/// Run `f` on a thread with a large stack (deep but bounded recursion needs it).
pub fn run_with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .ok()?
        .join()
        .ok()
}

/// Map a type name to its static string (type locks).
fn static_type(t: &str) -> &'static str {
    match t {
        "string" => "string",
        "number" => "number",
        "bool" => "bool",
        "list" => "list",
        "dict" => "dict",
        "tuple" => "tuple",
        "closure" => "closure",
        "vector" => "vector",
        _ => "any",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rill::value::HostParam;

    fn run(src: &str, host: HostRegistry) -> Result<Value, RillError> {
        let mut it = Interp::new(&crate::rill::builtins::V0_8, host, Options::default());
        it.run(src)
    }

    #[test]
    fn regexes_are_compiled_once_per_run_and_the_cache_is_bounded() {
        let mut it = Interp::new(
            &crate::rill::builtins::V0_8,
            HostRegistry::default(),
            Options::default(),
        );
        let a = it.regex("a+").expect("valid");
        let b = it.regex("a+").expect("valid");
        assert!(Rc::ptr_eq(&a, &b));
        assert!(it.regex("(").is_none());
        assert!(it.regex("(").is_none(), "an invalid pattern stays invalid");
        for i in 0..200 {
            assert!(it.regex(&format!("x{i}")).is_some());
        }
        assert!(it.regexes.len() <= REGEX_CACHE);
    }

    /// A closure stored in a variable of the scope it captured forms an `Rc` cycle; dropping
    /// the interpreter breaks it, so every captured scope is freed.
    #[test]
    fn closure_scope_cycles_are_freed_when_the_run_ends() {
        let mut it = Interp::new(
            &crate::rill::builtins::V0_8,
            HostRegistry::default(),
            Options::default(),
        );
        let src = "|x| { $x } => $f\n\
                   range(0, 3000) -> each { $ => $y\n |z| { $z + $y } => $g\n $y -> $g() }\n\
                   [1, 2] -> map { $ => $n\n |m| { $m * 2 } => $h\n $n -> $h() }";
        let v = it.run(src).map(|v| v.display());
        assert_eq!(v.ok().as_deref(), Some("[2,4]"));
        let weak: Vec<std::rc::Weak<Scope>> = it.captured.clone();
        assert!(weak.len() > 1000, "closures were not noted: {}", weak.len());
        assert!(it.captured.len() < 3 * 1024, "dead entries are not pruned");
        let root = Rc::downgrade(&it.root);
        drop(it);
        assert!(root.upgrade().is_none(), "root scope leaked");
        let live = weak.iter().filter(|w| w.upgrade().is_some()).count();
        assert_eq!(live, 0, "captured scopes leaked");
    }

    #[test]
    fn host_function_receives_pipe_value_and_validates_types() {
        let mut h = HostRegistry::default();
        h.register(
            "kv::get",
            Some(vec![HostParam {
                name: "key".into(),
                ty: "string".into(),
                default: None,
                description: None,
            }]),
            Box::new(|args| Ok(Value::string(format!("got {}", args[0].display())))),
        );
        let v = run("\"k\" -> kv::get", h).map(|v| v.display());
        assert_eq!(v.ok().as_deref(), Some("got k"));
        let mut h = HostRegistry::default();
        h.register(
            "kv::get",
            Some(vec![HostParam {
                name: "key".into(),
                ty: "string".into(),
                default: None,
                description: None,
            }]),
            Box::new(|_| Ok(Value::Null)),
        );
        assert!(
            run("kv::get(1)", h)
                .err()
                .is_some_and(|e| e.is("RILL-R001"))
        );
    }

    #[test]
    fn cancel_flag_stops_a_loop() {
        let opts = Options::default();
        opts.cancel.store(true, Ordering::Relaxed);
        let mut it = Interp::new(&crate::rill::builtins::V0_8, HostRegistry::default(), opts);
        assert!(
            it.run("0 -> ($ < 5) @ { $ + 1 }")
                .err()
                .is_some_and(|e| e.is("RILL-R013"))
        );
    }

    #[test]
    fn step_limit_ends_long_runs() {
        let opts = Options {
            max_steps: 100,
            ..Options::default()
        };
        let mut it = Interp::new(&crate::rill::builtins::V0_8, HostRegistry::default(), opts);
        let r = it.run("^(limit: 100000) 0 -> ($ < 50000) @ { $ + 1 }");
        assert!(r.err().is_some_and(|e| e.is("RILL-R010")));
    }

    #[test]
    fn deep_recursion_is_an_error_not_an_overflow() {
        let r = run_with_big_stack(|| {
            let mut it = Interp::new(
                &crate::rill::builtins::V0_8,
                HostRegistry::default(),
                Options::default(),
            );
            it.run("|n| { ($n < 1) ? 0 ! $f($n - 1) } => $f\n$f(100000)")
                .err()
                .map(|e| e.code)
        });
        assert_eq!(r.flatten().flatten().as_deref(), Some("RILL-R010"));
    }
}
