//! A profile file as an ordered tree of located values, the common input of the TOML and the
//! `rill-config.json` readers.
//!
//! Every node remembers where it came from (a line of the file, or an environment variable that
//! overrode it), so validation errors can point at it. Tables keep the file's key order: schema
//! declaration order is the key order of a JSON store file, so it must not be lost. This module
//! never formats a value into an error message (values may be secrets).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::ConfigError;

/// Where a value was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Loc {
    /// 1-based line in the file.
    Line(usize),
    /// Overridden by this environment variable.
    Env(String),
    /// Not known (JSON files, values added by defaults).
    Unknown,
}

/// One value of the tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    Array(Vec<Node>),
    Table(IndexMap<String, Node>),
    /// A value of a kind profiles never use (TOML dates).
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: NodeValue,
    pub loc: Loc,
}

impl Node {
    pub fn new(value: NodeValue, loc: Loc) -> Self {
        Node { value, loc }
    }

    pub fn table(&self) -> Option<&IndexMap<String, Node>> {
        match &self.value {
            NodeValue::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The kind of value as a profile author would name it ("a string", "a table").
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            NodeValue::Str(_) => "a string",
            NodeValue::Int(_) => "an integer",
            NodeValue::Float(_) => "a float",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Null => "null",
            NodeValue::Array(_) => "an array",
            NodeValue::Table(_) => "a table",
            NodeValue::Other => "a date",
        }
    }
}

/// Builds errors that name the file and the line (or the environment variable) of a node.
#[derive(Debug, Clone)]
pub(crate) struct ErrorSite {
    pub path: PathBuf,
}

impl ErrorSite {
    pub fn new(path: &Path) -> Self {
        ErrorSite {
            path: path.to_path_buf(),
        }
    }

    pub fn at(&self, loc: &Loc, message: impl Into<String>) -> ConfigError {
        let mut message = message.into();
        let line = match loc {
            Loc::Line(n) => Some(*n),
            Loc::Env(var) => {
                message.push_str(&format!(" (set by environment variable {var})"));
                None
            }
            Loc::Unknown => None,
        };
        ConfigError {
            path: self.path.clone(),
            line,
            message,
        }
    }
}

/// 1-based line of a byte offset in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

// ---------------------------------------------------------------------------------------------
// TOML: figment merges the file with environment overrides; toml_edit gives order and lines.
// ---------------------------------------------------------------------------------------------

/// Converts the merged figment value into a located tree. `doc` is the same level of the file
/// as parsed by toml_edit (absent for values that only come from the environment);
/// `env_var` names the override variable of a path, if one is set.
pub(crate) fn from_figment(
    value: &figment::value::Value,
    doc: Option<DocItem<'_>>,
    loc: Loc,
    text: &str,
    path: &mut Vec<String>,
    env_var: &dyn Fn(&[String]) -> Option<String>,
) -> Node {
    use figment::value::Value as V;
    let v = match value {
        V::String(_, s) => NodeValue::Str(s.clone()),
        V::Char(_, c) => NodeValue::Str(c.to_string()),
        V::Bool(_, b) => NodeValue::Bool(*b),
        V::Num(_, n) => num_value(*n),
        V::Empty(_, _) => NodeValue::Null,
        V::Array(_, items) => NodeValue::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let sub = doc.and_then(|d| d.index(i));
                    let l = sub
                        .and_then(|s| s.line(text))
                        .map_or(loc.clone(), Loc::Line);
                    path.push(i.to_string());
                    let n = from_figment(item, sub, l, text, path, env_var);
                    path.pop();
                    n
                })
                .collect(),
        ),
        V::Dict(_, dict) => {
            if dict.contains_key("$__toml_private_datetime") {
                NodeValue::Other
            } else {
                // File order first, then keys that only the environment supplies.
                let mut keys: Vec<&String> = Vec::with_capacity(dict.len());
                if let Some(d) = doc {
                    for k in d.keys() {
                        if let Some((key, _)) = dict.get_key_value(k.as_str()) {
                            keys.push(key);
                        }
                    }
                }
                for k in dict.keys() {
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
                let mut out = IndexMap::new();
                for k in keys {
                    let Some(item) = dict.get(k) else { continue };
                    path.push(k.clone());
                    let sub = doc.and_then(|d| d.get(k));
                    let l = match env_var(path) {
                        Some(var) => Loc::Env(var),
                        None => doc
                            .and_then(|d| d.key_line(k, text))
                            .map_or(loc.clone(), Loc::Line),
                    };
                    let n = from_figment(item, sub.map(|(_, i)| i), l, text, path, env_var);
                    path.pop();
                    out.insert(k.clone(), n);
                }
                NodeValue::Table(out)
            }
        }
    };
    Node::new(v, loc)
}

fn num_value(n: figment::value::Num) -> NodeValue {
    use figment::value::Num;
    match n {
        Num::F32(f) => NodeValue::Float(f as f64),
        Num::F64(f) => NodeValue::Float(f),
        other => match other
            .to_i128()
            .or_else(|| other.to_u128().and_then(|u| i128::try_from(u).ok()))
            .and_then(|i| i64::try_from(i).ok())
        {
            Some(i) => NodeValue::Int(i),
            // Integers beyond i64: only their size matters for the error message.
            None => NodeValue::Float(f64::MAX),
        },
    }
}

/// A position in the toml_edit document.
#[derive(Clone, Copy)]
pub(crate) enum DocItem<'a> {
    Table(&'a toml_edit::Table),
    Value(&'a toml_edit::Value),
    Tables(&'a toml_edit::ArrayOfTables),
    None,
}

impl<'a> DocItem<'a> {
    pub fn of(item: &'a toml_edit::Item) -> Self {
        match item {
            toml_edit::Item::Table(t) => DocItem::Table(t),
            toml_edit::Item::Value(v) => DocItem::Value(v),
            toml_edit::Item::ArrayOfTables(a) => DocItem::Tables(a),
            toml_edit::Item::None => DocItem::None,
        }
    }

    fn keys(self) -> Vec<String> {
        match self {
            DocItem::Table(t) => t.iter().map(|(k, _)| k.to_string()).collect(),
            DocItem::Value(toml_edit::Value::InlineTable(t)) => {
                t.iter().map(|(k, _)| k.to_string()).collect()
            }
            _ => Vec::new(),
        }
    }

    fn get(self, key: &str) -> Option<(Option<std::ops::Range<usize>>, DocItem<'a>)> {
        let (k, item) = match self {
            DocItem::Table(t) => t.get_key_value(key)?,
            DocItem::Value(toml_edit::Value::InlineTable(t)) => t.get_key_value(key)?,
            _ => return None,
        };
        Some((k.span(), DocItem::of(item)))
    }

    fn key_line(self, key: &str, text: &str) -> Option<usize> {
        let (span, item) = self.get(key)?;
        span.map(|s| line_of(text, s.start))
            .or_else(|| item.line(text))
    }

    fn index(self, i: usize) -> Option<DocItem<'a>> {
        match self {
            DocItem::Value(toml_edit::Value::Array(a)) => a.get(i).map(DocItem::Value),
            DocItem::Tables(a) => a.get(i).map(DocItem::Table),
            _ => None,
        }
    }

    fn line(self, text: &str) -> Option<usize> {
        let span = match self {
            DocItem::Table(t) => t.span(),
            DocItem::Value(v) => v.span(),
            DocItem::Tables(a) => a.span(),
            DocItem::None => None,
        };
        span.map(|s| line_of(text, s.start))
    }
}

// ---------------------------------------------------------------------------------------------
// JSON (rill-config.json): no positions, order kept by serde_json's preserve_order.
// ---------------------------------------------------------------------------------------------

pub(crate) fn from_json(value: &serde_json::Value) -> Node {
    use serde_json::Value as J;
    let v = match value {
        J::Null => NodeValue::Null,
        J::Bool(b) => NodeValue::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => NodeValue::Int(i),
            None => NodeValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => NodeValue::Str(s.clone()),
        J::Array(a) => NodeValue::Array(a.iter().map(from_json).collect()),
        J::Object(o) => {
            NodeValue::Table(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    };
    Node::new(v, Loc::Unknown)
}
