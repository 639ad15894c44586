//! JSON exactly as JavaScript's `JSON.parse` / `JSON.stringify` handle it (spec/backends.md §1.2).
//!
//! rill hosts store every kv value as `JSON.stringify` text, so byte compatibility needs:
//! ECMAScript number formatting (`100`, `1e+21`, `0.000001`), array-index keys first at every
//! object level, `JSON.stringify` string escaping, and a lenient reader that accepts lone
//! surrogate escapes (`\ud800`), which strict readers reject. Lone surrogates are replaced by
//! U+FFFD and the parse result says so (`Parsed::lossy`).

use indexmap::IndexMap;

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
