//! What a value search looks for inside stored values (`rillmount kv grep`): a substring of
//! the stored text, or `PATH = VALUE` on a JSON path (`.user.plan = "pro"`, `.tags[0] = "a"`,
//! `["odd key"].n = 3`), compared as JavaScript values (every number an f64).

use std::fmt;

use super::js_json::{self, Json};

/// A parsed value search.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueQuery {
    /// The stored text (compact JSON) contains this.
    Text(String),
    /// The value at `path` equals `value`.
    At { path: Vec<Step>, value: Json },
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Key(k) if is_plain(k) => write!(f, ".{k}"),
            Step::Key(k) => write!(f, "[{}]", js_json::to_compact(&Json::String(k.clone()))),
            Step::Index(i) => write!(f, "[{i}]"),
        }
    }
}

fn is_plain(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

impl ValueQuery {
    /// `path` (`.a.b[0]`, `["x y"]`) with the JSON `value` it must equal (text that is not JSON
    /// is taken as a string: `pro` = `"pro"`); without a path, `text` is a substring.
    pub fn parse(text: &str, path: Option<&str>) -> Result<ValueQuery, String> {
        let Some(path) = path else {
            if text.is_empty() {
                return Err("an empty search text matches everything".into());
            }
            return Ok(ValueQuery::Text(text.to_string()));
        };
        let value = match js_json::parse(text) {
            Ok(p) => p.value,
            Err(_) => Json::String(text.to_string()),
        };
        Ok(ValueQuery::At {
            path: parse_path(path)?,
            value,
        })
    }

    /// Whether the stored `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        match self {
            ValueQuery::Text(needle) => text.contains(needle.as_str()),
            ValueQuery::At { path, value } => {
                let Ok(parsed) = js_json::parse(text) else {
                    return false;
                };
                let mut at = &parsed.value;
                for step in path {
                    let next = match (step, at) {
                        (Step::Key(k), Json::Object(o)) => o.get(k),
                        (Step::Index(i), Json::Array(a)) => a.get(*i),
                        _ => None,
                    };
                    match next {
                        Some(n) => at = n,
                        None => return false,
                    }
                }
                at == value
            }
        }
    }
}

impl fmt::Display for ValueQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueQuery::Text(t) => write!(f, "values containing {t:?}"),
            ValueQuery::At { path, value } => {
                let path: String = path.iter().map(Step::to_string).collect();
                write!(f, "values where {path} = {}", js_json::to_compact(value))
            }
        }
    }
}

/// `.a.b[0]["x y"]` → its steps (`.` alone is the whole value).
pub fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let err =
        |at: usize, what: &str| format!("bad JSON path `{path}` at column {}: {what}", at + 1);
    let chars: Vec<char> = path.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    if chars.first() != Some(&'.') && chars.first() != Some(&'[') {
        return Err(err(0, "a path starts with `.` or `[` (`.user.plan`)"));
    }
    if path == "." {
        return Ok(steps);
    }
    while i < chars.len() {
        match chars[i] {
            '.' => {
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && chars[j] != '.' && chars[j] != '[' {
                    j += 1;
                }
                if j == start {
                    return Err(err(i, "a name is missing after `.`"));
                }
                steps.push(Step::Key(chars[start..j].iter().collect()));
                i = j;
            }
            '[' => {
                let close = chars[i..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|p| p + i)
                    .ok_or_else(|| err(i, "a `[` without its `]`"))?;
                let inner: String = chars[i + 1..close].iter().collect();
                if let Ok(n) = inner.parse::<usize>() {
                    steps.push(Step::Index(n));
                } else {
                    match js_json::parse(&inner).map(|p| p.value) {
                        Ok(Json::String(k)) => steps.push(Step::Key(k)),
                        _ => return Err(err(i, "`[…]` holds an index or a quoted key")),
                    }
                }
                i = close + 1;
            }
            _ => return Err(err(i, "expected `.` or `[`")),
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_values() {
        let q = ValueQuery::parse("\"pro\"", Some(".user.plan")).unwrap();
        assert!(q.matches(r#"{"user":{"plan":"pro"}}"#));
        assert!(!q.matches(r#"{"user":{"plan":"free"}}"#));
        assert!(!q.matches(r#"{"user":"pro"}"#));
        assert!(!q.matches("not json"));
        let bare = ValueQuery::parse("pro", Some(".user.plan")).unwrap();
        assert_eq!(bare, q, "text that is not JSON is a string");
        let n = ValueQuery::parse("3", Some(r#".tags[1]["odd key"]"#)).unwrap();
        assert!(n.matches(r#"{"tags":[0,{"odd key":3.0}]}"#), "3 = 3.0");
        assert!(ValueQuery::parse("1", Some(".")).unwrap().matches("1"));
        assert!(ValueQuery::parse("1", Some("user")).is_err());
        assert!(ValueQuery::parse("1", Some(".a[")).is_err());
        assert!(ValueQuery::parse("1", Some(".a..b")).is_err());
        assert_eq!(n.to_string(), r#"values where .tags[1]["odd key"] = 3"#);
    }

    #[test]
    fn substrings() {
        let q = ValueQuery::parse("pro", None).unwrap();
        assert!(q.matches(r#"{"plan":"pro"}"#));
        assert!(!q.matches(r#"{"plan":"Pro"}"#));
        assert!(ValueQuery::parse("", None).is_err());
    }
}
