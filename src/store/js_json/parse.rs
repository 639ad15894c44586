//! `JSON.parse`: strict RFC 8259 with JavaScript's results (f64 numbers, JS key order, duplicate
//! keys keep the first position with the last value), plus lone-surrogate escapes read as U+FFFD.

use std::fmt;

use super::write::is_array_index;
use super::{Json, JsonObject};

/// Deepest nesting accepted (arrays and objects); deeper input is refused rather than risking
/// the stack.
pub const MAX_DEPTH: usize = 1000;

/// A parsed value. `lossy` is true when a lone surrogate escape was replaced by U+FFFD, so
/// writing the value back would not give the same text.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub value: Json,
    pub lossy: bool,
}

/// Why text is not JSON, with the 1-based line and column (in characters) where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct JsonError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.line, self.column
        )
    }
}

/// `JSON.parse(text)`. Objects come back in JavaScript own-property order (array-index keys
/// ascending first), as the JS object `JSON.parse` builds would enumerate.
pub fn parse(text: &str) -> Result<Parsed, JsonError> {
    let mut p = Parser {
        src: text,
        b: text.as_bytes(),
        pos: 0,
        lossy: false,
    };
    p.ws();
    let value = p.value(0)?;
    p.ws();
    if p.pos < p.b.len() {
        return Err(p.err_here("unexpected text after the value"));
    }
    Ok(Parsed {
        value,
        lossy: p.lossy,
    })
}

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    lossy: bool,
}

impl Parser<'_> {
    fn err_at(&self, pos: usize, message: impl Into<String>) -> JsonError {
        let before = &self.src[..floor_char_boundary(self.src, pos)];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        JsonError {
            line,
            column,
            message: message.into(),
        }
    }

    fn err_here(&self, message: &str) -> JsonError {
        self.err_at(self.pos, message)
    }

    fn unexpected(&self) -> JsonError {
        match self.src[floor_char_boundary(self.src, self.pos)..]
            .chars()
            .next()
        {
            None => self.err_here("unexpected end of input"),
            Some(c) => self.err_here(&format!("unexpected character `{}`", c.escape_debug())),
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), JsonError> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b't') => self.word("true", Json::Bool(true)),
            Some(b'f') => self.word("false", Json::Bool(false)),
            Some(b'n') => self.word("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.unexpected()),
        }
    }

    fn word(&mut self, w: &str, v: Json) -> Result<Json, JsonError> {
        for &c in w.as_bytes() {
            if self.peek() != Some(c) {
                return Err(self.unexpected());
            }
            self.pos += 1;
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.unexpected()),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.unexpected());
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.unexpected());
            }
        }
        // The grammar above is a subset of what Rust's float parser accepts, and Rust rounds
        // correctly (overflow gives ±inf, as in JavaScript).
        self.src[start..self.pos]
            .parse::<f64>()
            .map(Json::Number)
            .map_err(|_| self.err_at(start, "invalid number"))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.err_here("invalid unicode escape")),
            };
            v = v * 16 + u32::from(d);
            self.pos += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        let open = self.pos;
        self.pos += 1; // opening quote
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            match self.peek() {
                None => return Err(self.err_at(open, "unterminated string")),
                Some(b'"') => {
                    out.push_str(&self.src[run..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                Some(c) if c < 0x20 => {
                    return Err(self.err_here("control character in string"));
                }
                Some(b'\\') => {
                    out.push_str(&self.src[run..self.pos]);
                    self.pos += 1;
                    self.escape(&mut out)?;
                    run = self.pos;
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let unit = self.hex4()?;
                out.push(self.code_unit(unit)?);
                return Ok(());
            }
            _ => return Err(self.err_here("invalid escape")),
        };
        self.pos += 1;
        out.push(c);
        Ok(())
    }

    /// The character of a `\uXXXX` escape (already read), pairing a high surrogate with a
    /// following `\uDC00`–`\uDFFF` escape; an unpaired surrogate becomes U+FFFD.
    fn code_unit(&mut self, unit: u32) -> Result<char, JsonError> {
        if (0xD800..0xDC00).contains(&unit)
            && self.b.get(self.pos) == Some(&b'\\')
            && self.b.get(self.pos + 1) == Some(&b'u')
        {
            let save = self.pos;
            self.pos += 2;
            let low = self.hex4()?;
            if (0xDC00..0xE000).contains(&low) {
                let cp = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                return Ok(char::from_u32(cp).unwrap_or('\u{FFFD}'));
            }
            // Not a pair: the second escape is read again on its own.
            self.pos = save;
        }
        match char::from_u32(unit) {
            Some(c) => Ok(c),
            None => {
                self.lossy = true;
                Ok('\u{FFFD}')
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err_here("nesting too deep"));
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err_here("nesting too deep"));
        }
        self.pos += 1;
        let mut o = JsonObject::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(o));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected());
            }
            let key = self.string()?;
            self.ws();
            self.expect(b':')?;
            self.ws();
            let v = self.value(depth)?;
            // IndexMap::insert keeps the first position and takes the last value, as JS does.
            o.insert(key, v);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(into_js_order(o)));
                }
                _ => return Err(self.unexpected()),
            }
        }
    }
}

/// Reorders an object to JavaScript own-property order (array-index keys ascending first).
fn into_js_order(o: JsonObject) -> JsonObject {
    if !o.keys().any(|k| is_array_index(k)) {
        return o;
    }
    let mut index: Vec<(u64, String, Json)> = Vec::new();
    let mut rest = JsonObject::with_capacity(o.len());
    for (k, v) in o {
        if is_array_index(&k) {
            index.push((k.parse().unwrap_or(0), k, v));
        } else {
            rest.insert(k, v);
        }
    }
    index.sort_by_key(|(n, _, _)| *n);
    let mut out: JsonObject = index.into_iter().map(|(_, k, v)| (k, v)).collect();
    out.extend(rest);
    out
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn p(s: &str) -> Json {
        parse(s).unwrap().value
    }

    #[test]
    fn scalars_and_whitespace() {
        assert_eq!(p(" \t\r\n true \n"), Json::Bool(true));
        assert_eq!(p("null"), Json::Null);
        assert_eq!(p("-0"), Json::Number(-0.0));
        assert_eq!(p("1e21"), Json::Number(1e21));
        assert_eq!(p("0.000001"), Json::Number(0.000001));
        assert_eq!(
            p("123456789012345678901"),
            Json::Number(123456789012345680000.0)
        );
        assert_eq!(p("5e-324"), Json::Number(5e-324));
        assert_eq!(p("1E+2"), Json::Number(100.0));
        assert_eq!(p("1e400"), Json::Number(f64::INFINITY));
        assert_eq!(p(r#""a\/b\u00e9\ud83d\ude00""#), Json::str("a/bé😀"));
    }

    #[test]
    fn duplicate_keys_last_value_first_position() {
        let v = p(r#"{"a":1,"b":2,"a":3}"#);
        let o = v.as_object().unwrap();
        assert_eq!(o.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(o["a"], Json::Number(3.0));
    }

    #[test]
    fn objects_come_back_in_js_order() {
        let v = p(r#"{"b":1,"2":2,"1":3,"x":{"z":0,"0":1}}"#);
        let o = v.as_object().unwrap();
        assert_eq!(o.keys().collect::<Vec<_>>(), ["1", "2", "b", "x"]);
        let x = o["x"].as_object().unwrap();
        assert_eq!(x.keys().collect::<Vec<_>>(), ["0", "z"]);
    }

    #[test]
    fn lone_surrogates_are_lossy() {
        for text in [
            r#""\ud800""#,
            r#""a\udc00b""#,
            r#""\ud800\u0041""#,
            r#""\ud800\ud800""#,
        ] {
            let r = parse(text).unwrap();
            assert!(r.lossy, "{text}");
            assert!(r.value.as_str().unwrap().contains('\u{FFFD}'), "{text}");
        }
        let r = parse(r#""\ud800\u0041""#).unwrap();
        assert_eq!(r.value, Json::str("\u{FFFD}A"));
        let r = parse(r#""\ud83d\ude00""#).unwrap();
        assert!(!r.lossy);
    }

    #[test]
    fn strictness() {
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "+1",
            "-",
            "1e",
            "NaN",
            "Infinity",
            "'a'",
            "\"a",
            "[1 2]",
            "{a:1}",
            "// c\n1",
            "\u{feff}{}",
            "{} x",
            "\"\t\"",
            "\"\\x\"",
            "\"\\u12g4\"",
            "tru",
            "nul",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn errors_carry_line_and_column() {
        let e = parse("{\n  \"a\": 1,\n  }").unwrap_err();
        assert_eq!((e.line, e.column), (3, 3));
        assert_eq!(e.to_string(), "unexpected character `}` at line 3 column 3");
        let e = parse("[1,").unwrap_err();
        assert_eq!(e.message, "unexpected end of input");
        assert_eq!((e.line, e.column), (1, 4));
        let e = parse("\"é\u{1}\"").unwrap_err();
        assert_eq!((e.line, e.column), (1, 3));
    }

    #[test]
    fn depth_limit() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().message.contains("too deep"));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
    }
}
