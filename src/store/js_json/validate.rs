//! A validating pass over JSON text that builds nothing: decides exactly what [`super::parse`]
//! (`JSON.parse`) accepts, and the rill kind of the top-level value, without allocating.
//!
//! Non-recursive: the open containers are a bit stack (object or array per level), bounded by
//! [`MAX_DEPTH`] as `parse` is, so no input can exhaust the call stack. Up to 64 levels the
//! stack is one register; deeper text is scanned again with a fixed array of [`MAX_DEPTH`]
//! bits. Short strings are skipped a byte at a time through a lookup table, longer ones sixteen
//! bytes at a time (a word-at-a-time scan for `"`, `\` and control bytes); bytes >= 0x80 need no
//! check, since the input is `&str` and so already valid UTF-8.
//!
//! Speed comes from few instructions per token: the end of the text reads as a NUL byte (see
//! [`at`]), and whitespace, fractions and exponents, long strings and escapes are off the hot
//! path (`cold_path`), which is laid out for compact `JSON.stringify` output.

use std::hint::cold_path;

use super::MAX_DEPTH;

/// The rill kind name of `text`'s top-level value (`dict`, `list`, `string`, `bool`, `object`
/// for `null`, `number`) when `JSON.parse` accepts it, `None` when it refuses it.
pub(super) fn kind(text: &str) -> Option<&'static str> {
    let b = text.as_bytes();
    let mut shallow = Shallow {
        depth: 0,
        bits: 0,
        overflowed: false,
    };
    match scan(b, &mut shallow) {
        None if shallow.overflowed => scan(b, &mut Deep::new()),
        kind => kind,
    }
}

/// The open containers, innermost on top.
trait Open {
    /// Opens a container; `None` refuses (too deep).
    fn push(&mut self, object: bool) -> Option<()>;
    /// Closes the innermost container: whether the one around it is an object (`false` at the
    /// top level).
    fn pop(&mut self) -> bool;
    fn depth(&self) -> usize;
}

/// Nesting as deep as [`SHALLOW_DEPTH`] in one word (bit 0 is the innermost level). Opening a
/// level more sets `overflowed`: [`kind`] then scans again with [`Deep`].
struct Shallow {
    depth: usize,
    bits: u64,
    overflowed: bool,
}

const SHALLOW_DEPTH: usize = if MAX_DEPTH < 64 { MAX_DEPTH } else { 64 };

impl Open for Shallow {
    #[inline(always)]
    fn push(&mut self, object: bool) -> Option<()> {
        if self.depth == SHALLOW_DEPTH {
            cold_path();
            self.overflowed = true;
            return None;
        }
        self.depth += 1;
        self.bits = self.bits << 1 | u64::from(object);
        Some(())
    }

    #[inline(always)]
    fn pop(&mut self) -> bool {
        self.depth -= 1;
        self.bits >>= 1;
        self.bits & 1 == 1
    }

    #[inline(always)]
    fn depth(&self) -> usize {
        self.depth
    }
}

/// Nesting as deep as [`MAX_DEPTH`]; opening a level more is refused, as `parse` refuses it.
/// Bit `d` is set when level `d` (0-based from the outside) is an object.
struct Deep {
    depth: usize,
    bits: [u64; MAX_DEPTH.div_ceil(64)],
}

impl Deep {
    fn new() -> Self {
        Deep {
            depth: 0,
            bits: [0; MAX_DEPTH.div_ceil(64)],
        }
    }
}

impl Open for Deep {
    #[inline(always)]
    fn push(&mut self, object: bool) -> Option<()> {
        let d = self.depth;
        if d >= MAX_DEPTH {
            return None;
        }
        let word = self.bits.get_mut(d / 64)?;
        let bit = 1u64 << (d % 64);
        if object {
            *word |= bit;
        } else {
            *word &= !bit;
        }
        self.depth = d + 1;
        Some(())
    }

    #[inline(always)]
    fn pop(&mut self) -> bool {
        self.depth -= 1;
        match self.depth.checked_sub(1) {
            Some(d) => self
                .bits
                .get(d / 64)
                .is_some_and(|w| w >> (d % 64) & 1 == 1),
            None => false,
        }
    }

    #[inline(always)]
    fn depth(&self) -> usize {
        self.depth
    }
}

/// `b[i]`, or NUL past the end. A NUL byte is invalid everywhere in JSON text (outside strings
/// it is no token, inside one it is a raw control character), so reading past the end refuses
/// wherever a real NUL would, and the end needs no test of its own; only the end of the
/// top-level value checks the length.
#[inline(always)]
fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// JSON's whitespace, all of it (not U+00A0, U+FEFF nor the other JavaScript `\s`).
#[inline(always)]
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

#[inline(always)]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while is_ws(at(b, i)) {
        i += 1;
    }
    i
}

/// The whole text: one value between optional whitespace. The containers are unrolled into
/// `open`: every `continue 'value` leaves `i` at the first byte of a value (whitespace before it
/// skipped), and after each complete value the inner loop reads separators and closing
/// brackets.
#[inline(always)]
fn scan<O: Open>(b: &[u8], open: &mut O) -> Option<&'static str> {
    let mut i = skip_ws(b, 0);
    let first = at(b, i);
    // Whether the innermost open container is an object (false at the top level).
    let mut in_object = false;
    'value: loop {
        match at(b, i) {
            b'"' => i = string_end(b, i + 1)?,
            b'0'..=b'9' => i = number_end(b, i)?,
            b'-' => i = number_end(b, i + 1)?,
            b'{' => {
                open.push(true)?;
                i = skip_ws(b, i + 1);
                if at(b, i) == b'}' {
                    in_object = open.pop();
                    i += 1;
                } else {
                    in_object = true;
                    i = member_value(b, i)?;
                    continue 'value;
                }
            }
            b'[' => {
                open.push(false)?;
                i = skip_ws(b, i + 1);
                if at(b, i) == b']' {
                    in_object = open.pop();
                    i += 1;
                } else {
                    in_object = false;
                    continue 'value;
                }
            }
            b't' => i = literal(b, i, b"true")?,
            b'f' => i = literal(b, i, b"false")?,
            b'n' => i = literal(b, i, b"null")?,
            _ => return None,
        }
        // After a complete value: a separator, the closing bracket of its container, or (at the
        // top level) the end of the text.
        loop {
            let mut c = at(b, i);
            if is_ws(c) {
                cold_path();
                i = skip_ws(b, i + 1);
                c = at(b, i);
            }
            if open.depth() == 0 {
                return (i == b.len()).then(|| kind_name(first));
            }
            match c {
                b',' => {
                    i += 1;
                    if is_ws(at(b, i)) {
                        cold_path();
                        i = skip_ws(b, i + 1);
                    }
                    if in_object {
                        i = member_value(b, i)?;
                    }
                    continue 'value;
                }
                b'}' if in_object => {
                    in_object = open.pop();
                    i += 1;
                }
                b']' if !in_object => {
                    in_object = open.pop();
                    i += 1;
                }
                _ => return None,
            }
        }
    }
}

/// The rill kind of a valid value that starts with the byte `first`.
#[inline(never)]
fn kind_name(first: u8) -> &'static str {
    match first {
        b'{' => "dict",
        b'[' => "list",
        b'"' => "string",
        b't' | b'f' => "bool",
        b'n' => "object",
        _ => "number",
    }
}

/// `i` at an object member's key (whitespace before it skipped): checks `"key"`, `:` and the
/// whitespace around the colon, and returns the index of the member's value.
#[inline(always)]
fn member_value(b: &[u8], i: usize) -> Option<usize> {
    if at(b, i) != b'"' {
        return None;
    }
    let mut i = string_end(b, i + 1)?;
    if at(b, i) != b':' {
        cold_path();
        i = skip_ws(b, i);
        if at(b, i) != b':' {
            return None;
        }
    }
    i += 1;
    if is_ws(at(b, i)) {
        cold_path();
        i = skip_ws(b, i + 1);
    }
    Some(i)
}

#[inline(always)]
fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    let end = i + word.len();
    (b.get(i..end)? == word).then_some(end)
}

#[inline(always)]
fn digits(b: &[u8], mut i: usize) -> usize {
    while at(b, i).is_ascii_digit() {
        i += 1;
    }
    i
}

/// `(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` from `i` (past the `-` of a negative number);
/// the index past it. Any magnitude: `JSON.parse` rounds what an f64 cannot hold (to ±Infinity
/// or ±0). The `-` is matched by the caller, as a branch: a test here would become branch-free
/// arithmetic on `i` that waits for the load.
#[inline(always)]
fn number_end(b: &[u8], i: usize) -> Option<usize> {
    let i = match at(b, i) {
        b'0' => i + 1,
        b'1'..=b'9' => digits(b, i + 1),
        _ => return None,
    };
    match at(b, i) {
        b'.' | b'e' | b'E' => {
            cold_path();
            number_tail(b, i)
        }
        _ => Some(i),
    }
}

/// The fraction and exponent of a number, from `i` at the `.`, `e` or `E`.
#[inline(never)]
fn number_tail(b: &[u8], mut i: usize) -> Option<usize> {
    if at(b, i) == b'.' {
        let start = i + 1;
        i = digits(b, start);
        if i == start {
            return None;
        }
    }
    if let b'e' | b'E' = at(b, i) {
        i += 1;
        if let b'+' | b'-' = at(b, i) {
            i += 1;
        }
        let start = i;
        i = digits(b, start);
        if i == start {
            return None;
        }
    }
    Some(i)
}

/// Bytes that a string holds as they are: not `"`, `\` nor a control character.
static PLAIN: [bool; 256] = {
    let mut t = [true; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = false;
        c += 1;
    }
    t[b'"' as usize] = false;
    t[b'\\' as usize] = false;
    t
};

/// Bytes of a string looked at one at a time before [`string_end_long`] takes over. Short
/// strings (most keys, many values) end sooner this way than by a word scan: where the word
/// scan ends is arithmetic the CPU must wait for, where the byte loop ends is a branch it
/// predicts and runs ahead of.
const BYTEWISE: usize = 16;

/// `i` just past a string's opening quote: the index just past its closing quote, when the
/// string is well formed (no raw control character, only JSON's escapes; `\uXXXX` may be a lone
/// surrogate).
#[inline(always)]
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    let stop = i + BYTEWISE;
    loop {
        let c = at(b, i);
        if !PLAIN[usize::from(c)] {
            if c == b'"' {
                return Some(i + 1);
            }
            cold_path();
            break;
        }
        i += 1;
        if i == stop {
            cold_path();
            break;
        }
    }
    string_end_long(b, i)
}

/// [`string_end`] from `i` inside the string: long strings, escapes, and refusals.
#[inline(never)]
fn string_end_long(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i = next_special(b, i);
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match *b.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' => {
                    let hex = b.get(i + 2..i + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    i += 6;
                }
                _ => return None,
            },
            _ => return None, // a raw control character
        }
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of the first byte of `w` (little-endian) that is `"`, `\` or below 0x20 is set,
/// and no bit below it. (Bits above the first such byte may be set spuriously, by borrows.)
#[inline(always)]
fn special_bytes(w: u64) -> u64 {
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    zero_bytes(w ^ (ONES * u64::from(b'"'))) | zero_bytes(w ^ (ONES * u64::from(b'\\'))) | control
}

/// The index of the first `"`, `\` or control byte at or after `i`, or some index at or past
/// the end of `b` when there is none. Sixteen bytes (two words) at a time, then eight; the last
/// few are copied into a word padded with `"`.
#[inline(always)]
fn next_special(b: &[u8], mut i: usize) -> usize {
    while let Some(pair) = b.get(i..).and_then(<[u8]>::first_chunk::<16>) {
        let pair = u128::from_le_bytes(*pair);
        let lo = special_bytes(pair as u64);
        let hi = special_bytes((pair >> 64) as u64);
        if lo | hi != 0 {
            return if lo != 0 {
                i + (lo.trailing_zeros() / 8) as usize
            } else {
                i + 8 + (hi.trailing_zeros() / 8) as usize
            };
        }
        i += 16;
    }
    loop {
        let w = match b.get(i..).and_then(<[u8]>::first_chunk::<8>) {
            Some(chunk) => u64::from_le_bytes(*chunk),
            None => {
                let rest = b.get(i..).unwrap_or_default();
                let mut pad = [b'"'; 8];
                if let Some(head) = pad.get_mut(..rest.len()) {
                    head.copy_from_slice(rest);
                }
                u64::from_le_bytes(pad)
            }
        };
        let special = special_bytes(w);
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::{kind_of, parse};
    use super::*;

    /// `parse`'s verdict (the reference, checked against JavaScript): the kind, or refused.
    fn reference(text: &str) -> Option<&'static str> {
        parse(text).ok().map(|p| p.value.type_name_rill())
    }

    /// The validator and `kind_of` agree with `parse` on `text`; `kind_of`'s error is `parse`'s.
    fn check(text: &str) -> Option<&'static str> {
        let want = reference(text);
        assert_eq!(kind(text), want, "validator on {text:?}");
        let full = parse(text)
            .map(|p| p.value.type_name_rill())
            .map_err(|e| e.to_string());
        assert_eq!(kind_of(text), full, "kind_of on {text:?}");
        want
    }

    #[test]
    fn validator_agrees_with_parse_on_tricky_cases() {
        let accepted: &[(&str, &str)] = &[
            ("{}", "dict"),
            ("  {} ", "dict"),
            (" \t\r\n[]\n", "list"),
            ("[ ]", "list"),
            ("{ }", "dict"),
            ("{\"a\" :[ true , false,null ]}", "dict"),
            (
                "{\"id\":12,\"name\":\"user 12\",\"tags\":[\"a\",\"b\"],\"score\":12.5}",
                "dict",
            ),
            ("{\"a\":{\"b\":{}},\"c\":[[],[{}]]}", "dict"),
            ("{\"\":0}", "dict"),
            ("{\"a\":1,\"a\":2}", "dict"),
            ("[1,[2,[3,{\"x\":[4]}]],5]", "list"),
            ("true", "bool"),
            ("false", "bool"),
            ("null", "object"),
            ("0", "number"),
            ("-0", "number"),
            ("12", "number"),
            ("-12.5e+3", "number"),
            ("1E5", "number"),
            ("1e-5", "number"),
            ("0.5", "number"),
            ("1e999", "number"),
            ("-1e999", "number"),
            ("1e-999", "number"),
            ("1e99999999999999999999999999", "number"),
            ("123456789012345678901234567890", "number"),
            (" 7 ", "number"),
            ("\"\"", "string"),
            ("\"s\"", "string"),
            ("\"\\ud800\"", "string"),
            ("\"\\udc00\\ud800\"", "string"),
            ("\"\\ud83d\\ude00\"", "string"),
            ("\"\\ud800\\u0041\"", "string"),
            ("\"\\u00e9\\u00E9\\uABCD\\u0000\"", "string"),
            ("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "string"),
            ("\"é ü 日本 😀\"", "string"),
            ("{\"日本\":\"😀\"}", "dict"),
            ("\"\u{7f}\"", "string"),
            ("\"a/b\"", "string"),
            (
                "\"a string longer than sixteen bytes, with \\n escapes \\u0041 and é\"",
                "string",
            ),
            (
                "[\"0123456789abcdef\",\"0123456789abcdefg\",\"0123456789abcde\"]",
                "list",
            ),
        ];
        for &(text, want) in accepted {
            assert_eq!(check(text), Some(want), "{text:?}");
        }
        let refused: &[&str] = &[
            "",
            " ",
            "\t\n",
            "01",
            "-01",
            "00",
            "1.",
            ".5",
            "-",
            "-a",
            "1e",
            "1e+",
            "1.e5",
            "1.5.5",
            "1e5.5",
            "+1",
            "0x10",
            "NaN",
            "Infinity",
            "-Infinity",
            "[1,]",
            "[,1]",
            "[1 2]",
            "[",
            "]",
            "[1",
            "[1}",
            "{\"a\":1]",
            "{\"a\":1,}",
            "{,}",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\" 1}",
            "{a:1}",
            "{1:1}",
            "{'a':1}",
            "{\"a\":1",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "\"\\u\"",
            "\"\\x\"",
            "\"\\'\"",
            "\"\\",
            "\"a\tb\"",
            "\"a\nb\"",
            "\"a\u{0}b\"",
            "\"a\u{1f}\"",
            "\"abc",
            "\"",
            "'a'",
            "tru",
            "True",
            "nul",
            "nulll",
            "truee",
            "falsey",
            "{} {}",
            "{} x",
            "1 2",
            "[] ,",
            "\u{feff}{}",
            "\u{a0}1",
            "// c\n1",
            "\u{0}",
            "[\u{0}]",
            "1\u{0}",
            "\"a string longer than sixteen bytes with a raw\ttab\"",
            "\"a string longer than sixteen bytes, unterminated",
            "\"a string longer than sixteen bytes, bad escape \\q\"",
        ];
        for &text in refused {
            assert_eq!(check(text), None, "{text:?}");
        }
    }

    /// Nesting `depth` deep, alternating arrays and objects from the outside in, around `1`.
    fn nested(depth: usize, start_with_object: bool) -> String {
        let mut open = String::new();
        let mut close = String::new();
        for level in 0..depth {
            if (level % 2 == 0) == start_with_object {
                open.push_str("{\"k\":");
                close.insert(0, '}');
            } else {
                open.push('[');
                close.insert(0, ']');
            }
        }
        open + "1" + &close
    }

    #[test]
    fn validator_agrees_with_parse_on_deep_nesting() {
        for depth in [
            1,
            2,
            63,
            64,
            65,
            66,
            128,
            129,
            999,
            MAX_DEPTH,
            MAX_DEPTH + 1,
            5000,
        ] {
            for object in [false, true] {
                let text = nested(depth, object);
                let want = (depth <= MAX_DEPTH).then_some(if object { "dict" } else { "list" });
                assert_eq!(check(&text), want, "depth {depth}, object first {object}");
                // A wrong closing bracket at the innermost level, and the outermost one missing.
                let swapped = text.replacen("1]", "1}", 1).replacen("1}", "1]", 1);
                if swapped != text {
                    assert_eq!(check(&swapped), None, "depth {depth}");
                }
                assert_eq!(check(&text[..text.len() - 1]), None, "depth {depth}");
            }
        }
        for depth in [64, 65, MAX_DEPTH, MAX_DEPTH + 1, 100_000] {
            let arrays = "[".repeat(depth) + &"]".repeat(depth);
            let want = (depth <= MAX_DEPTH).then_some("list");
            assert_eq!(check(&arrays), want, "{depth} empty arrays");
            // An empty container is a level too.
            let inner = "[".repeat(depth - 1) + "{}" + &"]".repeat(depth - 1);
            assert_eq!(check(&inner), want, "{depth} levels ending in {{}}");
        }
        // Deeper than the one-word stack, then back out and on at a shallow level.
        let back_out = format!("[{},{{\"a\":[1,{{}}]}}]", nested(200, true));
        assert_eq!(check(&back_out), Some("list"));
        assert_eq!(check(&format!("{back_out} ")), Some("list"));
        assert_eq!(check(&format!("{back_out},")), None);
    }

    /// xorshift64*: deterministic, and good enough to spread test inputs.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<T: Copy>(&mut self, items: &[T]) -> T {
            items[self.below(items.len())]
        }
    }

    /// A random valid JSON text (by construction, so not checked here).
    fn random_value(rng: &mut Rng, depth: usize, out: &mut String) {
        let scalar = depth == 0 || rng.below(3) == 0;
        let ws = |rng: &mut Rng, out: &mut String| {
            if rng.below(4) == 0 {
                out.push_str(rng.pick(&[" ", "\n", "\t", "\r\n  "]));
            }
        };
        if scalar {
            out.push_str(rng.pick(&[
                "0",
                "-0",
                "7",
                "-12",
                "3.25",
                "1e5",
                "-2.5E-7",
                "1e999",
                "123456789012345678901",
                "true",
                "false",
                "null",
                "\"\"",
                "\"a\"",
                "\"user 12\"",
                "\"é😀\"",
                "\"\\ud800\"",
                "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
                "\"\\u00e9x\\uDBFF\\uDFFF\"",
                "\"a longer string, more than sixteen bytes\"",
            ]));
            return;
        }
        let n = rng.below(4);
        if rng.below(2) == 0 {
            out.push('[');
            for k in 0..n {
                if k > 0 {
                    out.push(',');
                }
                ws(rng, out);
                random_value(rng, depth - 1, out);
                ws(rng, out);
            }
            out.push(']');
        } else {
            out.push('{');
            for k in 0..n {
                if k > 0 {
                    out.push(',');
                }
                ws(rng, out);
                out.push_str(rng.pick(&["\"a\"", "\"id\"", "\"\"", "\"ключ\"", "\"\\u0041\""]));
                ws(rng, out);
                out.push(':');
                ws(rng, out);
                random_value(rng, depth - 1, out);
                ws(rng, out);
            }
            out.push('}');
        }
    }

    #[test]
    fn validator_agrees_with_parse_on_random_text() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut accepted = [0usize; 3];
        let mut count = |family: usize, text: &str| {
            if check(text).is_some() {
                accepted[family] += 1;
            }
        };

        // 1. Random short strings over a JSON-ish alphabet.
        let alphabet: Vec<char> = "{}[]\":,.-+eE0123456789tfrunlasbcdAF/\\u \t\n\r\u{0}\u{1}é😀"
            .chars()
            .collect();
        let mut text = String::new();
        for _ in 0..200_000 {
            text.clear();
            for _ in 0..rng.below(13) {
                text.push(rng.pick(&alphabet));
            }
            count(0, &text);
        }

        // 2. Random token sequences: mostly near-misses of valid JSON.
        let tokens = [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\"a\"",
            "\"\\ud800\"",
            "\"\\u12\"",
            "1",
            "-0.5e+3",
            "01",
            "1.",
            "true",
            "null",
            "fals",
            "\"x\ty\"",
        ];
        for _ in 0..100_000 {
            text.clear();
            for _ in 0..rng.below(10) {
                text.push_str(rng.pick(&tokens));
            }
            count(1, &text);
        }

        // 3. Valid documents, then each with one byte dropped, inserted or swapped.
        let inserts = b"{}[]\":,.-+eE019tfnu\\ \t\x00\x7f";
        for _ in 0..50_000 {
            text.clear();
            random_value(&mut rng, 4, &mut text);
            assert!(check(&text).is_some(), "generated {text:?}");
            let mut bytes = text.clone().into_bytes();
            let at = rng.below(bytes.len() + 1);
            match rng.below(3) {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 if at + 1 < bytes.len() => bytes.swap(at, at + 1),
                _ => bytes.insert(at, rng.pick(inserts)),
            }
            if let Ok(mutated) = String::from_utf8(bytes) {
                count(2, &mutated);
            }
        }
        // Each family must exercise acceptance as well as refusal.
        assert!(
            accepted.iter().all(|&n| n > 2_000),
            "accepted per family: {accepted:?}"
        );
    }
}
