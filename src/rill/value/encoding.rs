//! Values written out: the runner encoding (spec/language.md §17 "Value encoding": what
//! `eval --json` prints and what `--host` files hold), v0.20's display form (`show`) and
//! values as rill source (`encode_literal`, in a type's `repr`).

use super::*;

fn enc_num(n: f64) -> serde_json::Value {
    if n.is_nan() {
        return serde_json::json!({"__rill": "number", "repr": "NaN"});
    }
    if n.is_infinite() {
        return serde_json::json!({"__rill": "number", "repr": if n > 0.0 { "Infinity" } else { "-Infinity" }});
    }
    if n == n.trunc() && n.abs() < 9.0e15 {
        return serde_json::Value::from(n as i64);
    }
    serde_json::Number::from_f64(n)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

/// Encode a value for the runner contract (spec §17 "Value encoding").
pub fn encode(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Num(n) => enc_num(*n),
        Value::Str(s) => J::String(s.to_string()),
        Value::List(l) => J::Array(l.iter().map(encode).collect()),
        Value::Dict(d) => J::Object(
            js_order(d)
                .into_iter()
                .map(|(k, v)| (k.clone(), encode(v)))
                .collect(),
        ),
        Value::Tuple(t) => {
            let entries: Vec<J> = t
                .entries
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        TKey::Pos(p) => J::from(*p as u64),
                        TKey::Name(n) => J::String(n.clone()),
                    };
                    J::Array(vec![key, encode(v)])
                })
                .collect();
            serde_json::json!({"__rill": "tuple", "entries": entries})
        }
        Value::Closure(c) => match &**c {
            Callable::Script { .. } => {
                serde_json::json!({"__rill": "closure", "kind": "script", "params": c.param_names()})
            }
            Callable::Native { .. } | Callable::Iterate { .. } => {
                serde_json::json!({"__rill": "closure", "kind": "runtime"})
            }
            Callable::Host { property, .. } => {
                let mut m = serde_json::json!({"__rill": "closure", "kind": "application"});
                if *property {
                    m["property"] = J::Bool(true);
                }
                m
            }
        },
        Value::Vector(vec) => {
            serde_json::json!({"__rill": "vector", "model": vec.model, "data": vec.data.iter().map(|x| f64::from(*x)).collect::<Vec<_>>()})
        }
        Value::Atom(a) => serde_json::json!({"__rill": "atom", "name": &**a}),
        Value::Stream(_) => serde_json::json!({"__rill": "stream"}),
        Value::Datetime(unix) => serde_json::json!({"__rill": "datetime", "unix": enc_num(*unix)}),
        Value::Duration(d) => {
            serde_json::json!({"__rill": "duration", "months": enc_num(d.months), "ms": enc_num(d.ms)})
        }
        Value::Invalid(i) => serde_json::json!({
            "__rill": "invalid",
            "code": format!("#{}", i.code),
            "message": i.message,
            "value": encode(&i.value),
        }),
        Value::Type(t) => {
            serde_json::json!({"__rill": "type", "name": t.name(), "repr": t.to_string()})
        }
        Value::Ordered(o) => {
            let entries: Vec<J> = o
                .iter()
                .map(|(k, v)| J::Array(vec![J::String(k.clone()), encode(v)]))
                .collect();
            serde_json::json!({"__rill": "ordered", "entries": entries})
        }
    }
}

/// Decode a runner-encoded value (host variables, recorded results).
pub fn decode(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => Value::Num(n.as_f64().unwrap_or(0.0)),
        J::String(s) => Value::str(s),
        J::Array(a) => Value::list(a.iter().map(decode).collect()),
        J::Object(o) => match o.get("__rill").and_then(|t| t.as_str()) {
            Some("number") => Value::Num(match o.get("repr").and_then(|r| r.as_str()) {
                Some("Infinity") => f64::INFINITY,
                Some("-Infinity") => f64::NEG_INFINITY,
                _ => f64::NAN,
            }),
            Some("tuple") => {
                let mut entries = Vec::new();
                for e in o
                    .get("entries")
                    .and_then(|e| e.as_array())
                    .into_iter()
                    .flatten()
                {
                    let Some(pair) = e.as_array() else { continue };
                    let (Some(k), Some(v)) = (pair.first(), pair.get(1)) else {
                        continue;
                    };
                    let key = match k {
                        J::Number(n) => TKey::Pos(n.as_u64().unwrap_or(0) as usize),
                        other => TKey::Name(other.as_str().unwrap_or_default().to_string()),
                    };
                    entries.push((key, decode(v)));
                }
                Value::Tuple(Rc::new(Tuple { entries }))
            }
            Some("vector") => Value::Vector(Rc::new(Vector {
                model: o
                    .get("model")
                    .and_then(|m| m.as_str())
                    .unwrap_or_default()
                    .to_string(),
                data: o
                    .get("data")
                    .and_then(|d| d.as_array())
                    .into_iter()
                    .flatten()
                    .map(|x| x.as_f64().unwrap_or(0.0) as f32)
                    .collect(),
            })),
            Some("closure") => Value::Closure(Rc::new(Callable::Host {
                name: "<host>".into(),
                params: None,
                property: o.get("property").and_then(|p| p.as_bool()).unwrap_or(false),
            })),
            _ => Value::dict(o.iter().map(|(k, v)| (k.clone(), decode(v))).collect()),
        },
    }
}

impl Value {
    /// rill v0.20's display form (`formatValue`): `list[1, "a"]`, `dict[a: 1]`,
    /// `tuple[…]`, `ordered[…]`, `#ATOM`, a type's signature; strings inside containers quoted.
    pub fn show(&self) -> String {
        match self {
            Value::Null => "type(null)".into(),
            Value::Dict(_) if self.is_iterator() => "type(iterator)".into(),
            Value::List(l) => {
                let parts: Vec<String> = l.iter().map(Value::show_nested).collect();
                format!("list[{}]", parts.join(", "))
            }
            Value::Dict(d) => {
                let parts: Vec<String> = js_order(d)
                    .into_iter()
                    .map(|(k, v)| format!("{k}: {}", v.show_nested()))
                    .collect();
                format!("dict[{}]", parts.join(", "))
            }
            Value::Tuple(t) => {
                let parts: Vec<String> = t.entries.iter().map(|(_, v)| v.show_nested()).collect();
                format!("tuple[{}]", parts.join(", "))
            }
            Value::Ordered(o) => {
                let parts: Vec<String> = o
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", v.show_nested()))
                    .collect();
                format!("ordered[{}]", parts.join(", "))
            }
            Value::Closure(_) => "type(closure)".into(),
            Value::Invalid(i) => format!("invalid(#{}: {})", i.code, i.message),
            other => other.display(),
        }
    }

    /// An element inside a container: strings quoted (`quoteRillString`).
    fn show_nested(&self) -> String {
        match self {
            Value::Str(s) => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
            other => other.show(),
        }
    }
}

/// A value written as rill source (`formatRillLiteral`): `"a"`, `[1, 2]`, `[a: 1]`,
/// `tuple[1, 2]`, `ordered[a: 1]` (type defaults in a type's `repr`).
pub fn encode_literal(v: &Value) -> String {
    match v {
        Value::Str(s) => {
            let mut out = String::new();
            json_quote(&mut out, s);
            out
        }
        Value::Null => "null".into(),
        Value::List(l) if l.is_empty() => "[]".into(),
        Value::List(l) => {
            let parts: Vec<String> = l.iter().map(encode_literal).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Tuple(t) => {
            let parts: Vec<String> = t.entries.iter().map(|(_, x)| encode_literal(x)).collect();
            format!("tuple[{}]", parts.join(", "))
        }
        Value::Ordered(o) => {
            let parts: Vec<String> = o
                .iter()
                .map(|(k, x)| format!("{k}: {}", encode_literal(x)))
                .collect();
            format!("ordered[{}]", parts.join(", "))
        }
        Value::Dict(d) if !v.is_iterator() => {
            if d.is_empty() {
                return "[:]".into();
            }
            let parts: Vec<String> = js_order(d)
                .into_iter()
                .map(|(k, x)| format!("{k}: {}", encode_literal(x)))
                .collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.display(),
    }
}
