//! rill v0.20's built-in functions: the collection operators that replaced v0.8's `each`/`map`
//! keywords (`seq`, `fan`, `acc`, `fold`, `filter`, `sort`), the slicing ones (`take`, `skip`,
//! `cycle`, `batch`, `window`, `start_when`, `stop_when`), `chain`, `iterate`, and the
//! functions both dialects have (`identity`, `log`, `json`, `enumerate`, `range`, `repeat`).

use super::halt;
use crate::rill::base::error::RillError;
use crate::rill::base::num::fmt_num;
use crate::rill::base::span::Span;
use crate::rill::eval::collections::{gen_iterator, list_iterator};
use crate::rill::eval::v0_20::Body;
use crate::rill::eval::{Cx, Flow, Interp, R};
use crate::rill::value::*;
use std::rc::Rc;

/// The names, in the reference's order.
pub(super) const FUNCTIONS: &[&str] = &[
    "identity",
    "log",
    "json",
    "enumerate",
    "range",
    "repeat",
    "chain",
    "seq",
    "fan",
    "acc",
    "fold",
    "filter",
    "sort",
    "take",
    "skip",
    "cycle",
    "batch",
    "window",
    "start_when",
    "stop_when",
    "iterate",
    "debounce",
    "throttle",
    "sample",
    "datetime",
    "now",
    "duration",
];

/// Most elements a collection function produces or visits.
const MAX_ITER: usize = 10_000;

fn error(code: &str, msg: impl Into<String>, sp: Span) -> Flow {
    Flow::from(RillError::at(code, msg, sp))
}

/// Argument `i`, or null when absent.
fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Null)
}

/// The closure argument `i` of `fname`, or `RILL-R040`.
fn body(args: &[Value], i: usize, fname: &str, what: &str, sp: Span) -> R<Rc<Callable>> {
    match args.get(i) {
        Some(Value::Closure(c)) => Ok(c.clone()),
        other => Err(error(
            "RILL-R040",
            format!(
                "{fname}: {what} must be a closure, got {}",
                other.map_or("null", Value::type_name)
            ),
            sp,
        )),
    }
}

/// A non-negative integer count argument (`take: n must be an integer`).
fn count(args: &[Value], i: usize, fname: &str, positive: bool, sp: Span) -> R<usize> {
    let v = arg(args, i);
    let Value::Num(n) = v else {
        return Err(halt(
            "INVALID_INPUT",
            format!("{fname}: n must be an integer, got {}", v.type_name()),
            sp,
        ));
    };
    if n.fract() != 0.0 || !n.is_finite() {
        return Err(halt(
            "INVALID_INPUT",
            format!("{fname}: n must be an integer, got number"),
            sp,
        ));
    }
    if n < 0.0 || (positive && n == 0.0) {
        let rule = if positive { "> 0" } else { ">= 0" };
        return Err(halt(
            "INVALID_INPUT",
            format!("{fname}: n must be {rule}, got {}", fmt_num(n)),
            sp,
        ));
    }
    Ok(n as usize)
}

/// `options.concurrency` of `fan`/`filter`: checked, then ignored (the interpreter is
/// sequential; results keep their order either way).
fn check_options(fname: &str, v: &Value, sp: Span) -> R<()> {
    match v {
        Value::Null => Ok(()),
        Value::Dict(d) => match d.get("concurrency") {
            None | Some(Value::Null) => Ok(()),
            Some(Value::Num(n)) if n.is_finite() && *n > 0.0 => Ok(()),
            Some(Value::Num(n)) => Err(error(
                "RILL-R001",
                format!(
                    "{fname}: options.concurrency must be a positive number, got {}",
                    fmt_num(*n)
                ),
                sp,
            )),
            Some(o) => Err(error(
                "RILL-R001",
                format!(
                    "{fname}: options.concurrency must be a number, got {}",
                    o.type_name()
                ),
                sp,
            )),
        },
        o => Err(error(
            "RILL-R001",
            format!("{fname}: options must be a dict, got {}", o.type_name()),
            sp,
        )),
    }
}

/// The iteration limit of a `seq`/`acc`/`fold` loop.
#[inline]
fn step_limit(fname: &str, n: usize, sp: Span) -> R<()> {
    if n > MAX_ITER {
        return Err(too_many_steps(fname, sp));
    }
    Ok(())
}

#[cold]
fn too_many_steps(fname: &str, sp: Span) -> Flow {
    error(
        "RILL-R010",
        format!("{fname}: iteration exceeded {MAX_ITER} iterations"),
        sp,
    )
}

#[inline]
fn bool_result(fname: &str, v: Value, atom: &str, sp: Span) -> R<bool> {
    match v {
        Value::Bool(b) => Ok(b),
        o => Err(not_bool(fname, &o, atom, sp)),
    }
}

#[cold]
fn not_bool(fname: &str, o: &Value, atom: &str, sp: Span) -> Flow {
    let msg = format!("{fname}: predicate must return bool, got {}", o.type_name());
    if atom == "RILL_R001" {
        error("RILL-R001", msg, sp)
    } else {
        halt(atom, msg, sp)
    }
}

/// Call function `name` (arguments evaluated, the pipe value already first where it goes).
pub(super) fn call(it: &mut Interp, name: &str, args: Vec<Value>, cx: &Cx, sp: Span) -> R<Value> {
    let a0 = arg(&args, 0);
    match name {
        "identity" => Ok(a0),
        "log" => {
            it.log_line(it.text(&a0));
            Ok(a0)
        }
        "json" => {
            if let Some(what) = unserializable(&a0) {
                return Err(halt(
                    "INVALID_INPUT",
                    format!("{what} are not JSON-serializable"),
                    sp,
                ));
            }
            to_json_text(&a0)
                .map(Value::string)
                .map_err(|e| halt("INVALID_INPUT", e.message, sp))
        }
        "debounce" | "throttle" | "sample" => {
            if !matches!(args.get(1), Some(Value::Duration(_))) {
                return Err(error(
                    "RILL-R001",
                    format!(
                        "{name}: interval must be a duration, got {}",
                        args.get(1).map_or("null", Value::type_name)
                    ),
                    sp,
                ));
            }
            if !a0.is_iterator() {
                return Err(halt(
                    "INVALID_INPUT",
                    format!(
                        "{name}: input must be a stream or iterator, got {}",
                        a0.type_name()
                    ),
                    sp,
                ));
            }
            // a synchronous source produces every element at once: within one interval
            let items = it.elements(&a0, cx, sp)?;
            let pick = if name == "throttle" {
                items.first()
            } else {
                items.last()
            };
            Ok(Value::list(pick.cloned().into_iter().collect()))
        }
        "enumerate" => Ok(super::super::enumerate(&a0)),
        "range" => range(&args, sp),
        "repeat" => {
            let n = match args.get(1) {
                Some(Value::Num(n)) => n.floor(),
                _ => 0.0,
            };
            if n < 0.0 {
                return Err(error("RILL-R001", "repeat count cannot be negative", sp));
            }
            let (n, v) = (n as usize, a0);
            let g: Generator = Rc::new(move |i| (i < n).then(|| v.clone()));
            Ok(gen_iterator(g, 0))
        }
        "chain" => {
            let (mut v, f) = if args.len() == 1 && !matches!(cx.pipe, Value::Null) {
                (cx.pipe.clone(), a0)
            } else {
                (a0, arg(&args, 1))
            };
            match f {
                Value::List(fs) => {
                    for f in fs.iter() {
                        let Value::Closure(c) = f else {
                            return Err(error(
                                "RILL-R040",
                                format!(
                                    "chain: list element must be a closure, got {}",
                                    f.type_name()
                                ),
                                sp,
                            ));
                        };
                        v = it.invoke(c, vec![v], cx, sp)?;
                    }
                    Ok(v)
                }
                Value::Closure(c) => it.invoke(&c, vec![v], cx, sp),
                o => Err(error(
                    "RILL-R040",
                    format!(
                        "chain: second argument must be a closure or list of closures, got {}",
                        o.type_name()
                    ),
                    sp,
                )),
            }
        }
        "seq" => {
            let mut f = Body::new(body(&args, 1, "seq", "body", sp)?, true);
            let items = it.elements(&a0, cx, sp)?;
            let mut out = Vec::with_capacity(items.len());
            for (i, x) in items.into_iter().enumerate() {
                step_limit("seq", i + 1, sp)?;
                match f.call(it, x, None, cx, sp) {
                    Ok(v) => out.push(v),
                    Err(Flow::Break(_)) => break,
                    Err(e) => return Err(e),
                }
            }
            Ok(Value::list(out))
        }
        "fan" => {
            let mut f = Body::new(body(&args, 1, "fan", "body", sp)?, false);
            check_options("fan", &arg(&args, 2), sp)?;
            let items = it.elements(&a0, cx, sp)?;
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                out.push(f.call(it, x, None, cx, sp)?);
            }
            Ok(Value::list(out))
        }
        "acc" | "fold" => {
            let mut f = Body::new(body(&args, 2, name, "body", sp)?, true);
            let items = it.elements(&a0, cx, sp)?;
            let mut acc = arg(&args, 1);
            let mut out = Vec::new();
            for (i, x) in items.into_iter().enumerate() {
                step_limit(name, i + 1, sp)?;
                match f.call(it, x, Some(acc.clone()), cx, sp) {
                    Ok(v) => {
                        if name == "acc" {
                            out.push(v.clone());
                        }
                        acc = v;
                    }
                    Err(Flow::Break(_)) if name == "acc" => break,
                    Err(e) => return Err(e),
                }
            }
            Ok(if name == "acc" { Value::list(out) } else { acc })
        }
        "filter" => {
            let mut f = Body::new(body(&args, 1, "filter", "body", sp)?, false);
            check_options("filter", &arg(&args, 2), sp)?;
            let items = it.elements(&a0, cx, sp)?;
            let mut out = Vec::new();
            for x in items {
                let keep = f.call(it, x.clone(), None, cx, sp)?;
                if bool_result("filter", keep, "RILL_R001", sp)? {
                    out.push(x);
                }
            }
            Ok(Value::list(out))
        }
        "sort" => sort(it, &args, cx, sp),
        "take" => {
            let n = count(&args, 1, "take", false, sp)?.min(MAX_ITER);
            if let Value::List(l) = &a0 {
                return Ok(Value::list(l.iter().take(n).cloned().collect()));
            }
            if n == 0 {
                return Ok(Value::list(vec![]));
            }
            if a0.is_iterator() {
                return Ok(Value::list(it.iterator_steps(&a0, n, cx, sp)?.0));
            }
            let items = it.elements(&a0, cx, sp)?;
            Ok(Value::list(items.into_iter().take(n).collect()))
        }
        "skip" => {
            let n = count(&args, 1, "skip", false, sp)?;
            if let Value::List(l) = &a0 {
                return Ok(Value::list(l.iter().skip(n).cloned().collect()));
            }
            if a0.is_iterator() && n > 0 {
                let (_, tail) = it.iterator_steps(&a0, n, cx, sp)?;
                return Ok(Value::list(it.elements(&tail, cx, sp)?));
            }
            let items = it.elements(&a0, cx, sp)?;
            Ok(Value::list(items.into_iter().skip(n).collect()))
        }
        "cycle" => {
            let items = it.elements(&a0, cx, sp)?;
            if items.is_empty() {
                return Ok(list_iterator(Rc::new(vec![]), 0));
            }
            let g: Generator = Rc::new(move |i| Some(items[i % items.len()].clone()));
            Ok(gen_iterator(g, 0))
        }
        "batch" => {
            let n = count(&args, 1, "batch", true, sp)?;
            let mut drop_partial = false;
            if let Value::Dict(o) = arg(&args, 2) {
                drop_partial = matches!(o.get("drop_partial"), Some(Value::Bool(true)));
                if let Some(v) = o.get("idle_flush")
                    && !matches!(v, Value::Null | Value::Duration(_))
                {
                    return Err(halt(
                        "TYPE_MISMATCH",
                        format!(
                            "batch: idle_flush must be a duration, got {}",
                            v.type_name()
                        ),
                        sp,
                    ));
                }
            }
            let items = it.elements(&a0, cx, sp)?;
            let mut chunks: Vec<Value> = items
                .chunks(n)
                .filter(|c| !drop_partial || c.len() == n)
                .map(|c| Value::list(c.to_vec()))
                .collect();
            if chunks.len() > MAX_ITER {
                chunks.truncate(MAX_ITER);
                return Err(halt(
                    "RILL_R010",
                    format!("batch: chunk count exceeded {MAX_ITER} limit"),
                    sp,
                ));
            }
            Ok(Value::list(chunks))
        }
        "window" => {
            let n = count(&args, 1, "window", true, sp)?;
            let step = match arg(&args, 2) {
                Value::Null => n,
                Value::Num(s) if s.fract() == 0.0 && s > 0.0 => s as usize,
                Value::Num(s) if s.fract() == 0.0 => {
                    return Err(halt(
                        "INVALID_INPUT",
                        format!("window: step must be > 0, got {}", fmt_num(s)),
                        sp,
                    ));
                }
                o => {
                    return Err(halt(
                        "INVALID_INPUT",
                        format!("window: step must be an integer, got {}", o.type_name()),
                        sp,
                    ));
                }
            };
            let items = it.elements(&a0, cx, sp)?;
            let mut out = Vec::new();
            let mut start = 0;
            while start < items.len() {
                if out.len() >= MAX_ITER {
                    return Err(halt(
                        "RILL_R010",
                        format!("window: window count exceeded {MAX_ITER} limit"),
                        sp,
                    ));
                }
                out.push(Value::list(
                    items[start..(start + n).min(items.len())].to_vec(),
                ));
                start += step;
            }
            Ok(Value::list(out))
        }
        "start_when" | "stop_when" => {
            let Some(Value::Closure(p)) = args.get(1).cloned() else {
                return Err(halt(
                    "RILL_R040",
                    format!(
                        "{name}: predicate must be a closure, got {}",
                        args.get(1).map_or("null", Value::type_name)
                    ),
                    sp,
                ));
            };
            let items = it.elements(&a0, cx, sp)?;
            let mut out = Vec::new();
            let mut on = false;
            for x in items {
                if name == "start_when" && !on {
                    let t = it.invoke_body(&p, x.clone(), None, false, cx, sp)?;
                    if !bool_result(name, t, "TYPE_MISMATCH", sp)? {
                        continue;
                    }
                    on = true;
                }
                if out.len() >= MAX_ITER {
                    return Err(halt(
                        "RILL_R010",
                        format!("{name}: yield count exceeded {MAX_ITER} limit"),
                        sp,
                    ));
                }
                if name == "stop_when" {
                    let t = it.invoke_body(&p, x.clone(), None, false, cx, sp)?;
                    let stop = bool_result(name, t, "TYPE_MISMATCH", sp)?;
                    out.push(x);
                    if stop {
                        break;
                    }
                } else {
                    out.push(x);
                }
            }
            Ok(Value::list(out))
        }
        "iterate" => {
            let (seed, f) = if args.len() == 1 && !matches!(cx.pipe, Value::Null) {
                (cx.pipe.clone(), a0)
            } else {
                (a0, arg(&args, 1))
            };
            let Value::Closure(f) = f else {
                return Err(halt(
                    "RILL_R006",
                    format!("iterate: closure must be a callable, got {}", f.type_name()),
                    sp,
                ));
            };
            Ok(it.iterate_iterator(seed, f, cx, sp))
        }
        "datetime" => super::temporal::datetime(&args, sp),
        "duration" => super::temporal::duration(&args, sp),
        "now" => Ok(super::temporal::now(it)),
        _ => Err(error("RILL-R006", format!("Unknown function: {name}"), sp)),
    }
}

fn range(args: &[Value], sp: Span) -> R<Value> {
    let num = |i: usize, d: f64| match args.get(i) {
        Some(Value::Num(n)) => *n,
        _ => d,
    };
    for (i, p) in ["start", "stop", "step"].iter().enumerate() {
        if let Some(v) = args.get(i)
            && !matches!(v, Value::Num(_))
        {
            return Err(error(
                "RILL-R001",
                format!(
                    "Parameter type mismatch: {p} expects number, got {}",
                    v.type_name()
                ),
                sp,
            ));
        }
    }
    let (start, end, step) = (num(0, 0.0), num(1, 0.0), num(2, 1.0));
    if step == 0.0 {
        return Err(error("RILL-R001", "range step cannot be zero", sp));
    }
    Ok(super::super::range_iterator(start, end, step))
}

/// `sort(list, key_fn?)`: numbers and strings in order, stable; mixed kinds cannot compare.
fn sort(it: &mut Interp, args: &[Value], cx: &Cx, sp: Span) -> R<Value> {
    let input = arg(args, 0);
    let key_fn = match arg(args, 1) {
        Value::Null => None,
        Value::Closure(c) => Some(c),
        o => {
            return Err(halt(
                "TYPE_MISMATCH",
                format!("sort: key_fn must be a closure, got {}", o.type_name()),
                sp,
            ));
        }
    };
    let is_dict = matches!(input, Value::Dict(_)) && !input.is_iterator();
    let items = it.elements(&input, cx, sp)?;
    let mut keyed = Vec::with_capacity(items.len());
    for x in items {
        let k = match (&key_fn, is_dict) {
            (Some(f), _) => it.invoke_body(f, x.clone(), None, false, cx, sp)?,
            (None, true) => match &x {
                Value::Dict(e) => e.get("key").cloned().unwrap_or(Value::Null),
                _ => Value::Null,
            },
            (None, false) => x.clone(),
        };
        if matches!(k, Value::Null) {
            return Err(halt(
                "INVALID_INPUT",
                "sort: key extractor returned vacant value",
                sp,
            ));
        }
        keyed.push((k, x));
    }
    let mut bad = None;
    keyed.sort_by(|(a, _), (b, _)| {
        compare_keys(a, b).unwrap_or_else(|| {
            bad.get_or_insert((a.type_name(), b.type_name()));
            std::cmp::Ordering::Equal
        })
    });
    if let Some((a, b)) = bad {
        return Err(halt(
            "TYPE_MISMATCH",
            format!("sort: cannot compare {a} with {b}"),
            sp,
        ));
    }
    if is_dict {
        return Ok(it.ordered_of_entries(keyed.into_iter().map(|(_, e)| e).collect()));
    }
    Ok(Value::list(keyed.into_iter().map(|(_, x)| x).collect()))
}

/// What v0.20's `json` refuses (`serializeValue`): closures, tuples, ordered values, vectors,
/// types and iterators, at any depth.
fn unserializable(v: &Value) -> Option<&'static str> {
    match v {
        Value::Closure(_) => Some("closures"),
        Value::Tuple(_) => Some("tuples"),
        Value::Ordered(_) => Some("ordered values"),
        Value::Vector(_) => Some("vectors"),
        Value::Type(_) => Some("type values"),
        Value::Dict(_) if v.is_iterator() => Some("iterators"),
        Value::Dict(d) => d.values().find_map(unserializable),
        Value::List(l) => l.iter().find_map(unserializable),
        _ => None,
    }
}

/// Sort keys: numbers, strings, and lists of them element by element (`list[$.score, $.name]`
/// sorts by score, then name).
fn compare_keys(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => {
            Some(x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal))
        }
        (Value::Str(x), Value::Str(y)) => Some(x.encode_utf16().cmp(y.encode_utf16())),
        (Value::List(x), Value::List(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                match compare_keys(p, q)? {
                    std::cmp::Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        _ => None,
    }
}
