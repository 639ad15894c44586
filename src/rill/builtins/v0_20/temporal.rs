//! rill v0.20's `datetime(…)`, `duration(…)`, `now()` and the datetime and duration methods
//! (the reference's `temporal/construct.ts` and `temporal/methods.ts`). Local-time methods use
//! UTC: rillmount has no host timezone option.

use super::halt;
use crate::rill::base::error::RillError;
use crate::rill::base::num::fmt_num;
use crate::rill::base::span::Span;
use crate::rill::eval::{Interp, Method, R};
use crate::rill::value::temporal::*;
use crate::rill::value::{HostParam, Value};

/// The named parameters of the constructors (`datetime(...dict[year: 2026, …])`).
pub(super) fn params(name: &str) -> Option<Vec<HostParam>> {
    let names: &[&str] = match name {
        "datetime" => &[
            "input", "year", "month", "day", "hour", "minute", "second", "ms", "unix",
        ],
        "duration" => &[
            "years", "months", "days", "hours", "minutes", "seconds", "ms",
        ],
        _ => return None,
    };
    Some(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let zero = name == "duration" || (4..8).contains(&i);
                HostParam::new(n, "any").with_default(if zero {
                    Value::Num(0.0)
                } else {
                    Value::Null
                })
            })
            .collect(),
    )
}

fn component(args: &[Value], i: usize, name: &str, sp: Span) -> R<Option<i64>> {
    match args.get(i) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Num(n)) if n.is_finite() && n.fract() == 0.0 => Ok(Some(*n as i64)),
        Some(v) => Err(halt(
            "INVALID_INPUT",
            format!("Invalid datetime component {name}: {}", v.show()),
            sp,
        )),
    }
}

/// `datetime("2026-03-13T08:00:00Z")`, `datetime(...dict[year:, month:, day:, …])`,
/// `datetime(...dict[unix: ms])`.
pub(super) fn datetime(args: &[Value], sp: Span) -> R<Value> {
    if args.iter().all(|v| matches!(v, Value::Null)) || args.is_empty() {
        return Err(halt("INVALID_INPUT", "datetime() requires arguments", sp));
    }
    match args.first() {
        Some(Value::Str(s)) => {
            return parse_iso(s)
                .map(Value::Datetime)
                .ok_or_else(|| halt("INVALID_INPUT", format!("Invalid ISO 8601 string: {s}"), sp));
        }
        Some(Value::Null) | None => {}
        Some(v) => {
            return Err(halt(
                "INVALID_INPUT",
                format!("Invalid ISO 8601 string: {}", v.show()),
                sp,
            ));
        }
    }
    match args.get(8) {
        Some(Value::Num(n)) if n.is_finite() => return Ok(Value::Datetime(n.trunc())),
        Some(Value::Null) | None => {}
        Some(v) => {
            return Err(halt(
                "INVALID_INPUT",
                format!("Invalid datetime component unix: {}", v.show()),
                sp,
            ));
        }
    }
    let y = component(args, 1, "year", sp)?;
    let mo = component(args, 2, "month", sp)?;
    let d = component(args, 3, "day", sp)?;
    let (Some(y), Some(mo), Some(d)) = (y, mo, d) else {
        let missing = if y.is_none() {
            "year"
        } else if mo.is_none() {
            "month"
        } else {
            "day"
        };
        return Err(halt(
            "INVALID_INPUT",
            format!("Invalid datetime component {missing}: null"),
            sp,
        ));
    };
    if !(1..=12).contains(&mo) {
        return Err(halt(
            "INVALID_INPUT",
            format!("Invalid datetime component month: {mo}"),
            sp,
        ));
    }
    if d < 1 || d > days_in_month(y, mo) {
        return Err(halt(
            "INVALID_INPUT",
            format!("Invalid datetime component day: {d}"),
            sp,
        ));
    }
    let mut time = [0i64; 4];
    for (k, name) in ["hour", "minute", "second", "ms"].iter().enumerate() {
        time[k] = component(args, 4 + k, name, sp)?.unwrap_or(0);
    }
    Ok(Value::Datetime(from_parts(Parts {
        y,
        mo,
        d,
        h: time[0],
        mi: time[1],
        s: time[2],
        ms: time[3],
    })))
}

/// `duration(years, months, days, hours, minutes, seconds, ms)`.
pub(super) fn duration(args: &[Value], sp: Span) -> R<Value> {
    let names = [
        "years", "months", "days", "hours", "minutes", "seconds", "ms",
    ];
    let mut n = [0.0f64; 7];
    for (i, name) in names.iter().enumerate() {
        let v = match args.get(i) {
            None | Some(Value::Null) => 0.0,
            Some(Value::Num(x)) if x.is_finite() => *x,
            Some(other) => {
                return Err(halt(
                    "INVALID_INPUT",
                    format!("duration {name} must be a finite number: {}", other.show()),
                    sp,
                ));
            }
        };
        if v < 0.0 {
            return Err(halt(
                "INVALID_INPUT",
                format!("duration {name} must be non-negative: {}", fmt_num(v)),
                sp,
            ));
        }
        n[i] = v;
    }
    Ok(Value::duration(
        n[0] * 12.0 + n[1],
        n[2] * DAY_MS + n[3] * 3_600_000.0 + n[4] * 60_000.0 + n[5] * 1000.0 + n[6],
    ))
}

fn r003(m: &str) -> RillError {
    RillError::new("RILL-R003", m)
}

fn offset(args: &[Value]) -> f64 {
    match args.first() {
        Some(Value::Num(h)) => *h,
        _ => 0.0,
    }
}

/// A datetime method.
pub(super) fn datetime_method(name: &str) -> Option<Method> {
    Some(match name {
        "year" => |_, r, _| Ok(num(r, |p| p.y)),
        "month" => |_, r, _| Ok(num(r, |p| p.mo)),
        "day" => |_, r, _| Ok(num(r, |p| p.d)),
        "hour" => |_, r, _| Ok(num(r, |p| p.h)),
        "minute" => |_, r, _| Ok(num(r, |p| p.mi)),
        "second" => |_, r, _| Ok(num(r, |p| p.s)),
        "ms" => |_, r, _| Ok(num(r, |p| p.ms)),
        "unix" => |_, r, _| Ok(Value::Num(unix(r))),
        "weekday" => |_, r, _| Ok(Value::Num(weekday(unix(r)) as f64)),
        "empty" => |_, _, _| Ok(Value::Datetime(0.0)),
        "iso" | "local_iso" => |_, r, a| Ok(Value::string(iso_at(unix(r), offset(a)))),
        "date" | "local_date" => {
            |_, r, a| Ok(Value::string(iso_at(unix(r), offset(a))[..10].to_string()))
        }
        "time" | "local_time" => |_, r, a| {
            let s = iso_at(unix(r), offset(a));
            Ok(Value::string(s[11..19].to_string()))
        },
        "local_offset" => |_, _, _| Ok(Value::Num(0.0)),
        "add" => |_, r, a| match a.first() {
            Some(Value::Duration(d)) => Ok(Value::Datetime(add(unix(r), d.months, d.ms))),
            _ => Err(r003("datetime.add() requires a duration argument")),
        },
        "diff" => |_, r, a| match a.first() {
            Some(Value::Datetime(o)) => Ok(Value::duration(0.0, (unix(r) - o).abs())),
            _ => Err(r003("datetime.diff() requires a datetime argument")),
        },
        "eq" => |_, r, a| Ok(cmp(r, a, |x, y| x == y, false)),
        "ne" => |_, r, a| Ok(cmp(r, a, |x, y| x != y, true)),
        "lt" => |_, r, a| Ok(cmp(r, a, |x, y| x < y, false)),
        "gt" => |_, r, a| Ok(cmp(r, a, |x, y| x > y, false)),
        "le" => |_, r, a| Ok(cmp(r, a, |x, y| x <= y, false)),
        "ge" => |_, r, a| Ok(cmp(r, a, |x, y| x >= y, false)),
        _ => return None,
    })
}

fn unix(r: &Value) -> f64 {
    match r {
        Value::Datetime(u) => *u,
        _ => 0.0,
    }
}

fn num(r: &Value, f: fn(Parts) -> i64) -> Value {
    Value::Num(f(parts(unix(r))) as f64)
}

fn cmp(r: &Value, a: &[Value], f: fn(f64, f64) -> bool, otherwise: bool) -> Value {
    match a.first() {
        Some(Value::Datetime(o)) => Value::Bool(f(unix(r), *o)),
        _ => Value::Bool(otherwise),
    }
}

fn dur(r: &Value) -> (f64, f64) {
    match r {
        Value::Duration(d) => (d.months, d.ms),
        _ => (0.0, 0.0),
    }
}

/// A duration method.
pub(super) fn duration_method(name: &str) -> Option<Method> {
    Some(match name {
        "months" => |_, r, _| Ok(Value::Num(dur(r).0)),
        "days" => |_, r, _| Ok(Value::Num((dur(r).1 / DAY_MS).floor())),
        "hours" => |_, r, _| Ok(Value::Num((dur(r).1 % DAY_MS / 3_600_000.0).floor())),
        "minutes" => |_, r, _| Ok(Value::Num((dur(r).1 % 3_600_000.0 / 60_000.0).floor())),
        "seconds" => |_, r, _| Ok(Value::Num((dur(r).1 % 60_000.0 / 1000.0).floor())),
        "ms" => |_, r, _| Ok(Value::Num(dur(r).1 % 1000.0)),
        "total_ms" => |_, r, _| match dur(r) {
            (m, _) if m > 0.0 => Err(r003("total_ms is not defined for calendar durations")),
            (_, ms) => Ok(Value::Num(ms)),
        },
        "display" => |_, r, _| {
            let (m, ms) = dur(r);
            Ok(Value::string(duration_display(m, ms)))
        },
        "empty" => |_, _, _| Ok(Value::duration(0.0, 0.0)),
        "add" => |_, r, a| match a.first() {
            Some(o @ Value::Duration(_)) => {
                let ((m1, x), (m2, y)) = (dur(r), dur(o));
                Ok(Value::duration(m1 + m2, x + y))
            }
            _ => Err(r003("duration.add() requires a duration argument")),
        },
        "subtract" => |_, r, a| match a.first() {
            Some(o @ Value::Duration(_)) => {
                let ((m1, x), (m2, y)) = (dur(r), dur(o));
                if m1 < m2 || x < y {
                    return Err(r003("duration.subtract() would produce negative result"));
                }
                Ok(Value::duration(m1 - m2, x - y))
            }
            _ => Err(r003("duration.subtract() requires a duration argument")),
        },
        "multiply" => |_, r, a| match a.first() {
            Some(Value::Num(n)) if *n >= 0.0 => {
                let (m, ms) = dur(r);
                Ok(Value::duration(m * n, ms * n))
            }
            Some(Value::Num(_)) => Err(r003("duration.multiply() requires non-negative number")),
            _ => Err(r003("duration.multiply() requires a number argument")),
        },
        _ => return None,
    })
}

/// `now()`: the current instant.
pub(super) fn now(_: &mut Interp) -> Value {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as f64)
        .unwrap_or(0.0);
    Value::Datetime(ms)
}
