//! JSON exactly as JavaScript's `JSON.parse` / `JSON.stringify` handle it (spec/backends.md §1.2).
//!
//! rill hosts store every kv value as `JSON.stringify` text, so byte compatibility needs:
//! ECMAScript number formatting (`100`, `1e+21`, `0.000001`), array-index keys first at every
//! object level, `JSON.stringify` string escaping, and a lenient reader that accepts lone
//! surrogate escapes (`\ud800`), which strict readers reject. Lone surrogates are replaced by
//! U+FFFD and the parse result says so (`Parsed::lossy`).
//!
//! Limits: Rust strings cannot hold lone surrogates, so a value read with one does not write back
//! to the same bytes (it is flagged lossy instead). Nesting deeper than [`MAX_DEPTH`] is refused.

mod parse;
mod validate;
mod write;

use indexmap::IndexMap;

pub use parse::{JsonError, MAX_DEPTH, Parsed, parse};
pub use write::{format_number, is_array_index, js_key_order, to_compact, to_pretty, write_string};

/// The rill type name of a JSON text (`dict`, `list`, `string`, `bool`, `object` for `null`,
/// `number`), when `JSON.parse` accepts it, else the error [`parse`] gives. A hand-written
/// validating pass decides (it builds nothing and does not allocate, nests without recursion and
/// accepts exactly what [`parse`] does: lone surrogate escapes, numbers out of f64 range, nesting
/// to [`MAX_DEPTH`]); only refused text goes through the full parser, for its error message.
pub fn kind_of(text: &str) -> Result<&'static str, String> {
    if let Some(kind) = validate::kind(text) {
        return Ok(kind);
    }
    parse(text)
        .map(|p| p.value.type_name_rill())
        .map_err(|e| e.to_string())
}

/// A JSON value with JavaScript semantics: every number is an `f64`, objects keep insertion order
/// (serialisation moves array-index keys to the front, as JavaScript does).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(JsonObject),
}

/// Insertion-ordered object. Duplicate keys on parse: last value wins at the first key's position.
pub type JsonObject = IndexMap<String, Json>;

impl Json {
    /// The type name rill's `validateType` gives this value: `string`, `number`, `bool`, `list`,
    /// `dict`, and `object` for `null` (JavaScript's `typeof null`).
    pub fn type_name_rill(&self) -> &'static str {
        match self {
            Json::Null => "object",
            Json::Bool(_) => "bool",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "list",
            Json::Object(_) => "dict",
        }
    }

    /// Shorthand for a string value.
    pub fn str(s: impl Into<String>) -> Json {
        Json::String(s.into())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&JsonObject> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }

    /// `JSON.stringify(v)`.
    pub fn to_compact(&self) -> String {
        to_compact(self)
    }

    /// `JSON.stringify(v, null, 2)`.
    pub fn to_pretty(&self) -> String {
        to_pretty(self)
    }
}

impl From<&serde_json::Value> for Json {
    fn from(v: &serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Json::Null,
            serde_json::Value::Bool(b) => Json::Bool(*b),
            serde_json::Value::Number(n) => Json::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Json::String(s.clone()),
            serde_json::Value::Array(a) => Json::Array(a.iter().map(Json::from).collect()),
            serde_json::Value::Object(o) => {
                Json::Object(o.iter().map(|(k, v)| (k.clone(), Json::from(v))).collect())
            }
        }
    }
}

impl From<serde_json::Value> for Json {
    fn from(v: serde_json::Value) -> Self {
        Json::from(&v)
    }
}

/// Integral doubles that fit exactly become integers (so serde_json prints `100`, not `100.0`);
/// NaN and infinities become `null`, as `JSON.stringify` writes them.
impl From<&Json> for serde_json::Value {
    fn from(v: &Json) -> Self {
        match v {
            Json::Null => serde_json::Value::Null,
            Json::Bool(b) => serde_json::Value::Bool(*b),
            Json::Number(n) => number_to_serde(*n),
            Json::String(s) => serde_json::Value::String(s.clone()),
            Json::Array(a) => serde_json::Value::Array(a.iter().map(Into::into).collect()),
            Json::Object(o) => serde_json::Value::Object(
                js_key_order(o)
                    .into_iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::from(v)))
                    .collect(),
            ),
        }
    }
}

impl From<Json> for serde_json::Value {
    fn from(v: Json) -> Self {
        serde_json::Value::from(&v)
    }
}

fn number_to_serde(n: f64) -> serde_json::Value {
    const SAFE: f64 = 9_007_199_254_740_992.0; // 2^53
    if !n.is_finite() {
        serde_json::Value::Null
    } else if n.fract() == 0.0 && n.abs() <= SAFE {
        // Exact: |n| <= 2^53 and integral, so the cast loses nothing (and -0 becomes 0).
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn type_names_follow_validate_type() {
        assert_eq!(Json::Null.type_name_rill(), "object");
        assert_eq!(Json::Bool(true).type_name_rill(), "bool");
        assert_eq!(Json::Number(1.0).type_name_rill(), "number");
        assert_eq!(Json::str("x").type_name_rill(), "string");
        assert_eq!(Json::Array(vec![]).type_name_rill(), "list");
        assert_eq!(Json::Object(JsonObject::new()).type_name_rill(), "dict");
    }

    #[test]
    fn serde_round_trip_keeps_integers_integral() {
        let v = parse(r#"{"b":1,"2":[-0,1.5,1e300,null,true,"s"]}"#)
            .unwrap()
            .value;
        let s: serde_json::Value = (&v).into();
        assert_eq!(s.to_string(), r#"{"2":[0,1.5,1e+300,null,true,"s"],"b":1}"#);
        assert_eq!(Json::from(&s), v_without_negative_zero(&v));
    }

    fn v_without_negative_zero(v: &Json) -> Json {
        match v {
            Json::Number(n) if *n == 0.0 => Json::Number(0.0),
            Json::Array(a) => Json::Array(a.iter().map(v_without_negative_zero).collect()),
            Json::Object(o) => Json::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), v_without_negative_zero(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    #[test]
    fn serde_nan_becomes_null() {
        let s: serde_json::Value = (&Json::Number(f64::NAN)).into();
        assert_eq!(s, serde_json::Value::Null);
    }

    #[test]
    fn kind_of_matches_javascript_json_parse() {
        for (text, kind) in [
            ("{\"a\":1}", "dict"),
            (" [1,2]", "list"),
            ("\"s\"", "string"),
            ("true", "bool"),
            ("false", "bool"),
            ("null", "object"),
            ("-1.5e3", "number"),
            // Strict readers (serde_json) refuse these, JSON.parse accepts them.
            ("\"\\ud800\"", "string"),
            ("1e400", "number"),
            (&format!("{}1{}", "[".repeat(300), "]".repeat(300)), "list"),
        ] {
            assert_eq!(kind_of(text).as_deref(), Ok(kind), "{text}");
        }
        for bad in ["", "{", "'x'", "01", "[1,]", "NaN", "{\"a\":1} x"] {
            assert!(kind_of(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
