//! `JSON.stringify` output: compact and 2-space pretty, ECMAScript numbers, JS key order.

use super::{Json, JsonObject};

/// `Number::toString(10)` as `JSON.stringify` uses it: integral values below 1e21 without
/// fraction or exponent, otherwise the shortest round-trip digits; `-0` → `0`; NaN and the
/// infinities → `null`.
pub fn format_number(n: f64) -> String {
    if !n.is_finite() {
        return "null".to_string();
    }
    if n == 0.0 {
        return "0".to_string();
    }
    ryu_js::Buffer::new().format_finite(n).to_string()
}

/// A canonical array index: `"0"` or a decimal without leading zero, at most 2³²−2.
pub fn is_array_index(key: &str) -> bool {
    let b = key.as_bytes();
    if b.is_empty() || b.len() > 10 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if b.len() > 1 && b[0] == b'0' {
        return false;
    }
    key.parse::<u64>().is_ok_and(|n| n <= 4_294_967_294)
}

/// The members of `o` in ECMAScript own-property order: array-index keys ascending, then the
/// other keys in insertion order.
pub fn js_key_order(o: &JsonObject) -> Vec<(&String, &Json)> {
    let mut index: Vec<(u64, (&String, &Json))> = Vec::new();
    let mut rest = Vec::with_capacity(o.len());
    for (k, v) in o {
        if is_array_index(k) {
            // is_array_index guarantees the parse succeeds.
            index.push((k.parse().unwrap_or(0), (k, v)));
        } else {
            rest.push((k, v));
        }
    }
    if index.is_empty() {
        return rest;
    }
    index.sort_by_key(|(n, _)| *n);
    index.into_iter().map(|(_, kv)| kv).chain(rest).collect()
}

/// `JSON.stringify(v)`.
pub fn to_compact(v: &Json) -> String {
    let mut out = String::new();
    write_value(&mut out, v, None, 0);
    out
}

/// `JSON.stringify(v, null, 2)`: one member per line, `": "`, `{}`/`[]` when empty, no trailing
/// newline.
pub fn to_pretty(v: &Json) -> String {
    let mut out = String::new();
    write_value(&mut out, v, Some(2), 0);
    out
}

fn newline(out: &mut String, indent: Option<usize>, level: usize) {
    if let Some(width) = indent {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', width * level));
    }
}

fn write_value(out: &mut String, v: &Json, indent: Option<usize>, level: usize) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(true) => out.push_str("true"),
        Json::Bool(false) => out.push_str("false"),
        Json::Number(n) => out.push_str(&format_number(*n)),
        Json::String(s) => write_string(out, s),
        Json::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_value(out, item, indent, level + 1);
            }
            newline(out, indent, level);
            out.push(']');
        }
        Json::Object(o) => {
            if o.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, item)) in js_key_order(o).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_string(out, k);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_value(out, item, indent, level + 1);
            }
            newline(out, indent, level);
            out.push('}');
        }
    }
}

/// Appends `s` quoted with `JSON.stringify` string escaping (ES2019 well-formed; Rust strings have no lone surrogates).
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\u{8}' => Some("\\b"),
            '\t' => Some("\\t"),
            '\n' => Some("\\n"),
            '\u{c}' => Some("\\f"),
            '\r' => Some("\\r"),
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => out.push_str(&format!("\\u{:04x}", c as u32)),
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::store::js_json::parse;

    fn n(x: f64) -> String {
        format_number(x)
    }

    #[test]
    fn numbers_follow_ecmascript() {
        assert_eq!(n(100.0), "100");
        assert_eq!(n(1.5), "1.5");
        assert_eq!(n(-0.0), "0");
        assert_eq!(n(f64::NAN), "null");
        assert_eq!(n(f64::INFINITY), "null");
        assert_eq!(n(f64::NEG_INFINITY), "null");
        assert_eq!(n(1e21), "1e+21");
        assert_eq!(n(1e20), "100000000000000000000");
        assert_eq!(n(123456789012345680000.0), "123456789012345680000");
        assert_eq!(n(0.000001), "0.000001");
        assert_eq!(n(1e-7), "1e-7");
        assert_eq!(n(1.5e300), "1.5e+300");
        assert_eq!(n(5e-324), "5e-324");
        assert_eq!(n(-42.25), "-42.25");
        assert_eq!(n(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(n(9007199254740993.0), "9007199254740992");
    }

    #[test]
    fn array_index_keys() {
        for k in ["0", "1", "42", "4294967294"] {
            assert!(is_array_index(k), "{k}");
        }
        for k in [
            "",
            "01",
            "-1",
            "4294967295",
            "1.0",
            " 1",
            "1e3",
            "99999999999",
        ] {
            assert!(!is_array_index(k), "{k}");
        }
    }

    #[test]
    fn index_keys_first_at_every_level() {
        let mut inner = JsonObject::new();
        inner.insert("z".into(), Json::Number(1.0));
        inner.insert("10".into(), Json::Number(2.0));
        inner.insert("9".into(), Json::Number(3.0));
        let mut o = JsonObject::new();
        o.insert("b".into(), Json::Number(1.0));
        o.insert("2".into(), Json::Number(2.0));
        o.insert("1".into(), Json::Object(inner));
        o.insert("01".into(), Json::Null);
        assert_eq!(
            to_compact(&Json::Object(o)),
            r#"{"1":{"9":3,"10":2,"z":1},"2":2,"b":1,"01":null}"#
        );
    }

    #[test]
    fn parse_then_write_key_order() {
        let v = parse(r#"{"b":1,"2":2,"1":3}"#).unwrap().value;
        assert_eq!(to_compact(&v), r#"{"1":3,"2":2,"b":1}"#);
    }

    #[test]
    fn string_escapes() {
        let s = Json::str("q\"b\\/\u{8}\u{c}\n\r\t\u{0}\u{1f}\u{7f}\u{2028}\u{2029}é😀");
        assert_eq!(
            to_compact(&s),
            "\"q\\\"b\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\u{7f}\u{2028}\u{2029}é😀\""
        );
    }

    #[test]
    fn pretty_matches_stringify_indent_2() {
        let v = parse(r#"{"a":1,"b":[1,{"c":[]}],"d":{},"e":"x"}"#)
            .unwrap()
            .value;
        let want = "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    {\n      \"c\": []\n    }\n  ],\n  \"d\": {},\n  \"e\": \"x\"\n}";
        assert_eq!(to_pretty(&v), want);
        assert_eq!(to_pretty(&Json::Object(JsonObject::new())), "{}");
        assert_eq!(to_pretty(&Json::Array(vec![])), "[]");
        assert_eq!(to_pretty(&Json::str("s")), "\"s\"");
    }

    #[test]
    fn compact_has_no_whitespace() {
        let v = parse(" { \"a\" : [ 1 , 2 ] , \"b\" : { } } ")
            .unwrap()
            .value;
        assert_eq!(to_compact(&v), r#"{"a":[1,2],"b":{}}"#);
    }
}
