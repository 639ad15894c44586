//! Collection, comparison, closure and vector methods (spec §14).

use super::r001;
use crate::rill::base::error::RillError;
use crate::rill::base::num::fmt_num;
use crate::rill::eval::Interp;
use crate::rill::eval::collections::{dict_entries, list_iterator};
use crate::rill::value::*;
use std::rc::Rc;

type Res = Result<Value, RillError>;

fn r003(msg: impl Into<String>) -> RillError {
    RillError::new("RILL-R003", msg)
}

fn type_for_msg(v: &Value) -> &'static str {
    v.type_name()
}

/// The `.len` method.
pub fn len(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::Num(match v {
        Value::Str(s) => s.encode_utf16().count() as f64,
        Value::List(l) => l.len() as f64,
        Value::Dict(d) => d.len() as f64,
        Value::Tuple(t) => t.entries.len() as f64,
        _ => 0.0,
    }))
}

fn ht(v: &Value, head: bool) -> Res {
    let which = if head { "head" } else { "tail" };
    match v {
        Value::List(l) => {
            let x = if head { l.first() } else { l.last() };
            x.cloned().ok_or_else(|| {
                RillError::new("RILL-R002", format!("Cannot get {which} of empty list"))
            })
        }
        Value::Str(s) => {
            let u: Vec<u16> = s.encode_utf16().collect();
            if u.is_empty() {
                return Err(RillError::new(
                    "RILL-R002",
                    format!("Cannot get {which} of empty string"),
                ));
            }
            let i = if head { 0 } else { u.len() - 1 };
            Ok(Value::string(String::from_utf16_lossy(&u[i..i + 1])))
        }
        other => Err(r003(format!(
            "{which} requires list or string, got {}",
            type_for_msg(other)
        ))),
    }
}

/// The `.head` method.
pub fn head(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    ht(v, true)
}

/// The `.tail` method.
pub fn tail(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    ht(v, false)
}

/// The `.at` method.
pub fn at(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let i = match args.first() {
        Some(Value::Num(n)) => *n,
        _ => return Err(r001("at requires a number index")),
    };
    let len = match v {
        Value::List(l) => l.len(),
        Value::Str(s) => s.encode_utf16().count(),
        other => {
            return Err(r003(format!(
                "at requires list or string, got {}",
                type_for_msg(other)
            )));
        }
    };
    if i < 0.0 || i.fract() != 0.0 || i as usize >= len {
        return Err(RillError::new(
            "RILL-R002",
            format!("Index {} out of bounds for length {len}", fmt_num(i)),
        ));
    }
    let i = i as usize;
    Ok(match v {
        Value::List(l) => l[i].clone(),
        Value::Str(s) => {
            let u: Vec<u16> = s.encode_utf16().collect();
            Value::string(String::from_utf16_lossy(&u[i..i + 1]))
        }
        _ => Value::Null,
    })
}

/// The `.first` method.
pub fn first(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    match v {
        Value::Dict(_) if v.is_iterator() => Ok(v.clone()),
        Value::List(l) => Ok(list_iterator(l.clone(), 0)),
        Value::Str(s) => Ok(list_iterator(
            Rc::new(s.chars().map(|c| Value::string(c.to_string())).collect()),
            0,
        )),
        Value::Dict(d) => Ok(list_iterator(Rc::new(dict_entries(d)), 0)),
        other => Err(r003(format!(
            "first requires list, string, dict, or iterator, got {}",
            type_for_msg(other)
        ))),
    }
}

/// The `.join` method.
pub fn join(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let sep = args
        .first()
        .map(|s| s.display())
        .unwrap_or_else(|| ",".into());
    match v {
        Value::List(l) => Ok(Value::string(
            l.iter().map(|x| x.display()).collect::<Vec<_>>().join(&sep),
        )),
        other => Ok(Value::string(other.display())),
    }
}

/// The `.empty` method.
pub fn empty(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::Bool(!v.truthy()))
}

/// The `.eq` method.
pub fn eq(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    Ok(Value::Bool(deep_eq(
        v,
        args.first().unwrap_or(&Value::Null),
    )))
}

/// The `.ne` method.
pub fn ne(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    Ok(Value::Bool(!deep_eq(
        v,
        args.first().unwrap_or(&Value::Null),
    )))
}

fn cmp(v: &Value, args: &[Value]) -> Option<std::cmp::Ordering> {
    let o = args.first().unwrap_or(&Value::Null);
    match (v, o) {
        (Value::Num(a), Value::Num(b)) => a.partial_cmp(b),
        _ => Some(v.display().encode_utf16().cmp(o.display().encode_utf16())),
    }
}

/// The `.lt` method.
pub fn lt(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    Ok(Value::Bool(cmp(v, args) == Some(std::cmp::Ordering::Less)))
}

/// The `.gt` method.
pub fn gt(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    Ok(Value::Bool(
        cmp(v, args) == Some(std::cmp::Ordering::Greater),
    ))
}

/// The `.le` method.
pub fn le(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    Ok(Value::Bool(matches!(
        cmp(v, args),
        Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
    )))
}

/// The `.ge` method.
pub fn ge(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    Ok(Value::Bool(matches!(
        cmp(v, args),
        Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
    )))
}

/// The `.keys` method.
pub fn keys(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::list(match v {
        Value::Dict(d) => js_order(d)
            .into_iter()
            .map(|(k, _)| Value::str(k))
            .collect(),
        _ => vec![],
    }))
}

/// The `.values` method.
pub fn values(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::list(match v {
        Value::Dict(d) => js_order(d).into_iter().map(|(_, x)| x.clone()).collect(),
        _ => vec![],
    }))
}

/// The `.entries` method.
pub fn entries(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::list(match v {
        Value::Dict(d) => js_order(d)
            .into_iter()
            .map(|(k, x)| Value::list(vec![Value::str(k), x.clone()]))
            .collect(),
        _ => vec![],
    }))
}

fn list_recv<'a>(v: &'a Value, m: &str) -> Result<&'a Rc<Vec<Value>>, RillError> {
    match v {
        Value::List(l) => Ok(l),
        other => Err(r003(format!(
            "{m} requires list receiver, got {}",
            type_for_msg(other)
        ))),
    }
}

/// The `.has` method.
pub fn has(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let l = list_recv(v, "has")?;
    if args.len() != 1 {
        return Err(r001(format!("has expects 1 argument, got {}", args.len())));
    }
    Ok(Value::Bool(l.iter().any(|x| deep_eq(x, &args[0]))))
}

fn has_many(v: &Value, args: &[Value], m: &str, all: bool) -> Res {
    let l = list_recv(v, m)?;
    if args.len() != 1 {
        return Err(r001(format!("{m} expects 1 argument, got {}", args.len())));
    }
    let Value::List(cands) = &args[0] else {
        return Err(r001(format!(
            "{m} expects list argument, got {}",
            args[0].type_name()
        )));
    };
    let test = |c: &Value| l.iter().any(|x| deep_eq(x, c));
    Ok(Value::Bool(if all {
        cands.iter().all(test)
    } else {
        cands.iter().any(test)
    }))
}

/// The `.has_any` method.
pub fn has_any(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    has_many(v, args, "has_any", false)
}

/// The `.has_all` method.
pub fn has_all(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    has_many(v, args, "has_all", true)
}

/// The `.params` method.
pub fn params(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    match v {
        Value::Closure(c) => Ok(super::params_of(c)),
        other => Err(r003(format!(
            "Cannot access .params on {}",
            type_for_msg(other)
        ))),
    }
}

fn vec_recv<'a>(v: &'a Value, m: &str) -> Result<&'a Rc<Vector>, RillError> {
    match v {
        Value::Vector(x) => Ok(x),
        other => Err(r003(format!(
            "{m} requires vector receiver, got {}",
            type_for_msg(other)
        ))),
    }
}

fn vec_pair<'a>(
    v: &'a Value,
    args: &'a [Value],
    m: &str,
) -> Result<(&'a Rc<Vector>, &'a Rc<Vector>), RillError> {
    let a = vec_recv(v, m)?;
    let b = match args.first() {
        Some(Value::Vector(b)) => b,
        Some(other) => {
            return Err(r003(format!(
                "{m} requires vector argument, got {}",
                other.type_name()
            )));
        }
        None => return Err(r001(format!("{m} requires a vector argument"))),
    };
    if a.data.len() != b.data.len() {
        return Err(r003(format!(
            "Vector dimension mismatch: {} vs {}",
            a.data.len(),
            b.data.len()
        )));
    }
    Ok((a, b))
}

/// The `.dimensions` method.
pub fn dimensions(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::Num(vec_recv(v, "dimensions")?.data.len() as f64))
}

/// The `.model` method.
pub fn model(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::str(&vec_recv(v, "model")?.model))
}

fn norm_of(x: &Vector) -> f64 {
    x.data
        .iter()
        .map(|f| f64::from(*f) * f64::from(*f))
        .sum::<f64>()
        .sqrt()
}

/// The `.norm` method.
pub fn norm(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    Ok(Value::Num(norm_of(vec_recv(v, "norm")?)))
}

/// The `.normalize` method.
pub fn normalize(_: &mut Interp, v: &Value, _: &[Value]) -> Res {
    let x = vec_recv(v, "normalize")?;
    let n = norm_of(x);
    if n == 0.0 {
        return Ok(v.clone());
    }
    Ok(Value::Vector(Rc::new(Vector {
        model: x.model.clone(),
        data: x.data.iter().map(|f| (f64::from(*f) / n) as f32).collect(),
    })))
}

fn dot_of(a: &Vector, b: &Vector) -> f64 {
    a.data
        .iter()
        .zip(&b.data)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

/// The `.similarity` method.
pub fn similarity(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let (a, b) = vec_pair(v, args, "similarity")?;
    let d = norm_of(a) * norm_of(b);
    Ok(Value::Num(if d == 0.0 { 0.0 } else { dot_of(a, b) / d }))
}

/// The `.dot` method.
pub fn dot(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let (a, b) = vec_pair(v, args, "dot")?;
    Ok(Value::Num(dot_of(a, b)))
}

/// The `.distance` method.
pub fn distance(_: &mut Interp, v: &Value, args: &[Value]) -> Res {
    let (a, b) = vec_pair(v, args, "distance")?;
    Ok(Value::Num(
        a.data
            .iter()
            .zip(&b.data)
            .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
            .sum::<f64>()
            .sqrt(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rill::eval::{Interp, Options};
    use crate::rill::host::HostRegistry;

    fn vecv(d: &[f32]) -> Value {
        Value::Vector(Rc::new(Vector {
            model: "m".into(),
            data: d.to_vec(),
        }))
    }

    #[test]
    fn vector_methods() {
        let mut it = Interp::new(
            &crate::rill::builtins::V0_8,
            HostRegistry::default(),
            Options::default(),
        );
        let a = vecv(&[3.0, 4.0]);
        let b = vecv(&[3.0, 4.0]);
        let num = |r: Res| match r {
            Ok(Value::Num(n)) => n,
            other => panic!("not a number: {other:?}"),
        };
        assert_eq!(num(dimensions(&mut it, &a, &[])), 2.0);
        assert_eq!(num(norm(&mut it, &a, &[])), 5.0);
        assert_eq!(num(dot(&mut it, &a, std::slice::from_ref(&b))), 25.0);
        assert!((num(similarity(&mut it, &a, std::slice::from_ref(&b))) - 1.0).abs() < 1e-9);
        assert_eq!(num(distance(&mut it, &a, std::slice::from_ref(&b))), 0.0);
        assert!(matches!(model(&mut it, &a, &[]), Ok(Value::Str(s)) if &*s == "m"));
        match normalize(&mut it, &a, &[]) {
            Ok(Value::Vector(v)) => assert!((v.data[0] - 0.6).abs() < 1e-6),
            other => panic!("normalize gave {other:?}"),
        }
        let short = vecv(&[1.0]);
        assert!(
            dot(&mut it, &a, &[short])
                .err()
                .is_some_and(|e| e.is("RILL-R003"))
        );
    }
}
