//! ECMAScript regexes for `.replace`, `.replace_all`, `.match`, `.is_match` and
//! `autoExceptions`, with a guard against catastrophic backtracking.
//!
//! Patterns are validated and, in the common case, run by `regress` (a backtracking engine with
//! JavaScript semantics, like the reference's `RegExp`). A backtracking engine takes exponential
//! time on a pattern such as `(\w\w+)+d` against a long non-matching input, and `regress` cannot
//! be interrupted, so neither the step limit, the time limit nor Ctrl-C would stop the script.
//! [`risky`] spots the shapes that blow up (a repeated group that holds a quantifier or an
//! alternation; three or more unbounded quantifiers) and such a pattern is translated to the
//! syntax of `fancy-regex` ([`to_bounded_syntax`]), which runs plain patterns on the linear-time
//! `regex` engine and patterns with look-around or back-references on a backtracker with a
//! limit; when that limit is reached the method raises `RILL-R011` instead of hanging.
//! A risky pattern the translation cannot express (a lone surrogate, a legacy octal escape)
//! stays on `regress`.

use crate::rill::base::error::RillError;
use std::ops::Range;

/// Backtracking steps allowed to one bounded match attempt (`fancy-regex` counts them).
const BACKTRACK_LIMIT: usize = 1_000_000;

/// One match: the whole range and each capture group's range (byte offsets).
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub range: Range<usize>,
    /// Groups 1…n (`None` when a group did not take part).
    pub groups: Vec<Option<Range<usize>>>,
    /// Named groups: name and 1-based group number.
    pub names: Vec<(String, usize)>,
}

impl Found {
    pub fn start(&self) -> usize {
        self.range.start
    }
    pub fn end(&self) -> usize {
        self.range.end
    }
    /// Group `i` (0 is the whole match).
    pub fn group(&self, i: usize) -> Option<Range<usize>> {
        if i == 0 {
            Some(self.range.clone())
        } else {
            self.groups.get(i - 1).cloned().flatten()
        }
    }
    /// The range of the named group, when the pattern has it and it took part.
    pub fn named_group(&self, name: &str) -> Option<Range<usize>> {
        let (_, i) = self.names.iter().find(|(n, _)| n == name)?;
        self.group(*i)
    }
}

/// A compiled ECMAScript pattern.
#[derive(Debug)]
pub enum JsRegex {
    /// Run by `regress`: exact JavaScript semantics.
    Ecma {
        re: regress::Regex,
        names: Vec<(String, usize)>,
    },
    /// A risky pattern run by `fancy-regex` with a backtracking limit.
    Bounded {
        re: fancy_regex::Regex,
        names: Vec<(String, usize)>,
    },
}

fn too_complex(pattern: &str) -> RillError {
    RillError::new(
        "RILL-R011",
        format!(
            "Regex '{pattern}' exceeded the backtracking limit ({BACKTRACK_LIMIT} steps); \
             simplify nested quantifiers"
        ),
    )
}

impl JsRegex {
    /// Compile `pattern` (no flags, as the built-ins use it). `None` when it is not a valid
    /// ECMAScript pattern (the reference then leaves the input alone).
    pub fn new(pattern: &str) -> Option<JsRegex> {
        let ecma = Self::ecma(pattern)?;
        if risky(pattern)
            && let Some(b) = Self::bounded(pattern)
        {
            return Some(b);
        }
        Some(ecma)
    }

    /// Compile with `regress` regardless of shape.
    pub fn ecma(pattern: &str) -> Option<JsRegex> {
        Some(JsRegex::Ecma {
            re: regress::Regex::new(pattern).ok()?,
            names: group_names(pattern),
        })
    }

    /// Compile with the bounded engine regardless of shape (`None` when it cannot express it).
    pub fn bounded(pattern: &str) -> Option<JsRegex> {
        let syntax = to_bounded_syntax(pattern)?;
        let re = fancy_regex::RegexBuilder::new(&syntax)
            .backtrack_limit(BACKTRACK_LIMIT)
            .build()
            .ok()?;
        Some(JsRegex::Bounded {
            re,
            names: group_names(pattern),
        })
    }

    /// Is this pattern on the bounded engine?
    pub fn is_bounded(&self) -> bool {
        matches!(self, JsRegex::Bounded { .. })
    }

    /// The first match in `text`.
    pub fn find(&self, pattern: &str, text: &str) -> Result<Option<Found>, RillError> {
        match self {
            JsRegex::Ecma { re, names } => Ok(re.find(text).map(|m| from_regress(&m, names))),
            JsRegex::Bounded { re, names } => match re.captures(text) {
                Ok(c) => Ok(c.map(|c| from_fancy(&c, names))),
                Err(_) => Err(too_complex(pattern)),
            },
        }
    }

    /// Every non-overlapping match in `text`, left to right (JavaScript's global matching).
    pub fn find_all(&self, pattern: &str, text: &str) -> Result<Vec<Found>, RillError> {
        match self {
            JsRegex::Ecma { re, names } => Ok(re
                .find_iter(text)
                .map(|m| from_regress(&m, names))
                .collect()),
            JsRegex::Bounded { re, names } => {
                let mut out = vec![];
                for c in re.captures_iter(text) {
                    match c {
                        Ok(c) => out.push(from_fancy(&c, names)),
                        Err(_) => return Err(too_complex(pattern)),
                    }
                }
                Ok(out)
            }
        }
    }
}

fn from_regress(m: &regress::Match, names: &[(String, usize)]) -> Found {
    Found {
        range: m.range(),
        groups: m.captures.clone(),
        names: names.to_vec(),
    }
}

fn from_fancy(c: &fancy_regex::Captures, names: &[(String, usize)]) -> Found {
    let whole = c.get(0).map(|m| m.start()..m.end()).unwrap_or(0..0);
    Found {
        range: whole,
        groups: (1..c.len())
            .map(|i| c.get(i).map(|m| m.start()..m.end()))
            .collect(),
        names: names.to_vec(),
    }
}

/// Does `pattern` have a shape that can make a backtracking engine take exponential or
/// high-polynomial time: a group repeated more than once that contains a quantifier or an
/// alternation (`(a+)+`, `(\w\w+)+d`, `(a|aa)*`), or three or more unbounded quantifiers?
pub fn risky(pattern: &str) -> bool {
    let c: Vec<char> = pattern.chars().collect();
    // Per open group: does its body contain a quantifier or `|`?
    let mut frames: Vec<bool> = vec![false];
    let mut unbounded = 0;
    // What the next quantifier would apply to: Some(group body was ambiguous) for a group.
    let mut last_group: Option<bool> = None;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let mut atom_group = None;
        match ch {
            '\\' => i += 2,
            '[' => i = class_end(&c, i),
            '(' => {
                frames.push(false);
                i += 1;
                if c.get(i) == Some(&'?') {
                    // Skip the group prefix: `?:`, `?=`, `?!`, `?<=`, `?<!`, `?<name>`.
                    i += 1;
                    if c.get(i) == Some(&'<') && !matches!(c.get(i + 1), Some('=') | Some('!')) {
                        while i < c.len() && c[i] != '>' {
                            i += 1;
                        }
                    }
                    i += 1;
                }
                last_group = None;
                continue;
            }
            ')' => {
                let inner = frames.pop().unwrap_or(false);
                if frames.is_empty() {
                    frames.push(false);
                }
                atom_group = Some(inner);
                i += 1;
            }
            '|' => {
                if let Some(top) = frames.last_mut() {
                    *top = true;
                }
                i += 1;
            }
            '*' | '+' | '?' | '{' => {
                let (max, next) = match ch {
                    '*' | '+' => (None, i + 1),
                    '?' => (Some(1), i + 1),
                    _ => match brace_quantifier(&c, i) {
                        Some((max, next)) => (max, next),
                        None => {
                            i += 1;
                            last_group = None;
                            continue;
                        }
                    },
                };
                if max.is_none() {
                    unbounded += 1;
                }
                let repeats = max.is_none_or(|m| m > 1);
                if repeats && last_group == Some(true) {
                    return true;
                }
                if let Some(top) = frames.last_mut() {
                    *top = true;
                }
                i = next;
                if c.get(i) == Some(&'?') {
                    i += 1;
                }
                last_group = None;
                continue;
            }
            _ => i += 1,
        }
        last_group = atom_group;
    }
    unbounded >= 3
}

/// Index just past the class that opens at `c[start] == '['` (JavaScript: `]` closes at once,
/// even first).
fn class_end(c: &[char], start: usize) -> usize {
    let mut i = start + 1;
    while i < c.len() {
        match c[i] {
            '\\' => i += 2,
            ']' => return i + 1,
            _ => i += 1,
        }
    }
    c.len()
}

/// Parse `{n}`, `{n,}` or `{n,m}` at `c[i] == '{'`: the maximum (None = unbounded) and the
/// index after it; `None` when the brace is a literal (Annex B).
fn brace_quantifier(c: &[char], i: usize) -> Option<(Option<u64>, usize)> {
    let mut j = i + 1;
    let digits = |j: &mut usize| {
        let s = *j;
        while *j < c.len() && c[*j].is_ascii_digit() {
            *j += 1;
        }
        let t: String = c[s..*j].iter().collect();
        (*j > s).then(|| t.parse::<u64>().unwrap_or(u64::MAX))
    };
    let min = digits(&mut j)?;
    let max = if c.get(j) == Some(&',') {
        j += 1;
        digits(&mut j)
    } else {
        Some(min)
    };
    (c.get(j) == Some(&'}')).then_some((max, j + 1))
}

const WORD: &str = r"0-9A-Za-z_";
const SPACE: &str = r"\t\n\x{0B}\x{0C}\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";
const DIGIT: &str = r"0-9";

/// Escape one literal character for `fancy-regex`/`regex` syntax (inside or outside a class).
fn lit(ch: char) -> String {
    if ch.is_ascii_alphanumeric() || ch == '_' || (!ch.is_ascii() && !ch.is_whitespace()) {
        ch.to_string()
    } else {
        format!(r"\x{{{:X}}}", ch as u32)
    }
}

/// Parse the escape at `c[i] == '\\'` that denotes one character (shared by class and
/// top-level code): the character and the index after it. `None` for escapes that are not a
/// single character (`\d`, `\b` outside a class, back-references) or that cannot be expressed.
fn char_escape(c: &[char], i: usize, in_class: bool) -> Option<Option<(char, usize)>> {
    let e = *c.get(i + 1)?;
    let hex = |from: usize, n: usize| -> Option<u32> {
        let s: String = c.get(from..from + n)?.iter().collect();
        if s.chars().all(|x| x.is_ascii_hexdigit()) {
            u32::from_str_radix(&s, 16).ok()
        } else {
            None
        }
    };
    let one = |ch: char, next: usize| Some(Some((ch, next)));
    match e {
        't' => one('\t', i + 2),
        'n' => one('\n', i + 2),
        'v' => one('\x0B', i + 2),
        'f' => one('\x0C', i + 2),
        'r' => one('\r', i + 2),
        'b' if in_class => one('\x08', i + 2),
        '0' if !c.get(i + 2).is_some_and(|d| d.is_ascii_digit()) => one('\0', i + 2),
        '0'..='9' if in_class => None, // legacy octal: not expressed
        'c' => match c.get(i + 2) {
            Some(l) if l.is_ascii_alphabetic() => one(char::from((*l as u8) % 32), i + 3),
            _ => one('\\', i + 1), // `\c` alone is a backslash then `c`
        },
        'x' => match hex(i + 2, 2) {
            Some(v) => one(char::from_u32(v)?, i + 4),
            None => one('x', i + 2),
        },
        'u' => match hex(i + 2, 4) {
            Some(hi) if (0xD800..0xDC00).contains(&hi) => {
                // A surrogate pair written as two escapes.
                if c.get(i + 6) == Some(&'\\') && c.get(i + 7) == Some(&'u') {
                    let lo = hex(i + 8, 4)?;
                    if (0xDC00..0xE000).contains(&lo) {
                        let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        return one(char::from_u32(cp)?, i + 12);
                    }
                }
                None
            }
            Some(v) => one(char::from_u32(v)?, i + 6),
            None => one('u', i + 2),
        },
        'd' | 'D' | 'w' | 'W' | 's' | 'S' => Some(None),
        'b' | 'B' | 'k' | '1'..='9' => Some(None),
        other => one(other, i + 2),
    }
}

/// Class body for `\d \w \s` (and their negations) as regex-syntax text.
fn class_escape(e: char) -> Option<(bool, &'static str)> {
    match e {
        'd' => Some((false, DIGIT)),
        'D' => Some((true, DIGIT)),
        'w' => Some((false, WORD)),
        'W' => Some((true, WORD)),
        's' => Some((false, SPACE)),
        'S' => Some((true, SPACE)),
        _ => None,
    }
}

/// Translate an ECMAScript pattern (no flags, Annex B syntax) into `fancy-regex` syntax with
/// the same meaning: ASCII `\d \w \b`, JavaScript's `\s` and `.`, literal braces and brackets
/// where JavaScript reads them as literals. `None` when a construct has no equivalent.
pub fn to_bounded_syntax(pattern: &str) -> Option<String> {
    let c: Vec<char> = pattern.chars().collect();
    let (groups, names) = groups_of(&c);
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '\\' => {
                let e = *c.get(i + 1)?;
                if let Some((neg, body)) = class_escape(e) {
                    out.push_str(&format!("[{}{body}]", if neg { "^" } else { "" }));
                    i += 2;
                } else if e == 'b' || e == 'B' {
                    // ASCII word boundary (the `regex` crate's `\b` is Unicode-aware).
                    out.push_str(if e == 'b' {
                        r"(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))"
                    } else {
                        r"(?:(?<=[0-9A-Za-z_])(?=[0-9A-Za-z_])|(?<![0-9A-Za-z_])(?![0-9A-Za-z_]))"
                    });
                    i += 2;
                } else if e.is_ascii_digit() && e != '0' {
                    let mut j = i + 1;
                    while j < c.len() && c[j].is_ascii_digit() {
                        j += 1;
                    }
                    let n: String = c[i + 1..j].iter().collect();
                    let n: usize = n.parse().ok()?;
                    if n > groups {
                        return None; // legacy octal / identity escape
                    }
                    out.push_str(&format!(r"\{n}"));
                    i = j;
                } else if e == 'k' {
                    if !names.is_empty() && c.get(i + 2) == Some(&'<') {
                        let close = c[i + 3..].iter().position(|x| *x == '>')?;
                        let name: String = c[i + 3..i + 3 + close].iter().collect();
                        out.push_str(&format!(r"\k<{name}>"));
                        i += 4 + close;
                    } else {
                        out.push('k');
                        i += 2;
                    }
                } else {
                    let (ch, next) = char_escape(&c, i, false)??;
                    out.push_str(&lit(ch));
                    i = next;
                }
            }
            '.' => {
                out.push_str(r"[^\n\r\x{2028}\x{2029}]");
                i += 1;
            }
            '[' => i = translate_class(&c, i, &mut out)?,
            '(' => {
                out.push('(');
                i += 1;
                if c.get(i) == Some(&'?') {
                    // Copy the prefix through `:`, `=`, `!`, `<=`, `<!` or `<name>`.
                    let start = i;
                    i += 1;
                    match c.get(i) {
                        Some(':') | Some('=') | Some('!') => i += 1,
                        Some('<') => {
                            if matches!(c.get(i + 1), Some('=') | Some('!')) {
                                i += 2;
                            } else {
                                let close = c[i..].iter().position(|x| *x == '>')?;
                                i += close + 1;
                            }
                        }
                        _ => return None,
                    }
                    out.extend(&c[start..i]);
                }
            }
            ')' | '|' | '^' | '$' | '*' | '+' | '?' => {
                out.push(c[i]);
                i += 1;
            }
            '{' => match brace_quantifier(&c, i) {
                Some((_, next)) => {
                    out.extend(&c[i..next]);
                    i = next;
                }
                None => {
                    out.push_str(r"\{");
                    i += 1;
                }
            },
            ch => {
                out.push_str(&lit(ch));
                i += 1;
            }
        }
    }
    Some(out)
}

/// Capturing groups in order: `(` not followed by `?`, or `(?<name>`. Returns how many there
/// are and, for the named ones, the name and 1-based number.
fn groups_of(c: &[char]) -> (usize, Vec<(String, usize)>) {
    let mut n = 0;
    let mut names = vec![];
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '\\' => i += 2,
            '[' => i = class_end(c, i),
            '(' => {
                let named = c.get(i + 1) == Some(&'?')
                    && c.get(i + 2) == Some(&'<')
                    && !matches!(c.get(i + 3), Some('=') | Some('!'));
                if c.get(i + 1) != Some(&'?') || named {
                    n += 1;
                }
                if named {
                    let name: String = c[i + 3..].iter().take_while(|x| **x != '>').collect();
                    names.push((name, n));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    (n, names)
}

/// The named groups of `pattern`: name and 1-based group number.
pub fn group_names(pattern: &str) -> Vec<(String, usize)> {
    groups_of(&pattern.chars().collect::<Vec<_>>()).1
}

/// Translate the class at `c[start] == '['`, append it to `out`, return the index after it.
fn translate_class(c: &[char], start: usize, out: &mut String) -> Option<usize> {
    let mut i = start + 1;
    let neg = c.get(i) == Some(&'^');
    if neg {
        i += 1;
    }
    // Items: a single character (may start a range) or a class escape.
    enum Item {
        Char(char),
        Set(bool, &'static str),
    }
    let mut items: Vec<Item> = vec![];
    loop {
        let ch = *c.get(i)?;
        if ch == ']' {
            i += 1;
            break;
        }
        if ch == '\\' {
            let e = *c.get(i + 1)?;
            if let Some((n, body)) = class_escape(e) {
                items.push(Item::Set(n, body));
                i += 2;
                continue;
            }
            let (x, next) = char_escape(c, i, true)??;
            items.push(Item::Char(x));
            i = next;
        } else {
            items.push(Item::Char(ch));
            i += 1;
        }
    }
    if items.is_empty() {
        out.push_str(if neg { r"(?s:.)" } else { r"(?!)" });
        return Some(i);
    }
    let mut body = String::new();
    let mut k = 0;
    while k < items.len() {
        match &items[k] {
            Item::Set(false, s) => body.push_str(s),
            Item::Set(true, s) => body.push_str(&format!("[^{s}]")),
            Item::Char(a) => {
                // `a-b` is a range when both ends are characters.
                if let (Some(Item::Char('-')), Some(Item::Char(b))) =
                    (items.get(k + 1), items.get(k + 2))
                {
                    if a > b {
                        return None;
                    }
                    body.push_str(&format!("{}-{}", lit(*a), lit(*b)));
                    k += 3;
                    continue;
                }
                body.push_str(&lit(*a));
            }
        }
        k += 1;
    }
    out.push_str(&format!("[{}{body}]", if neg { "^" } else { "" }));
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(re: &JsRegex, text: &str) -> Option<Found> {
        re.find("p", text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn risky_shapes() {
        for p in [
            r"(\w\w+)+d",
            r"(a+)+$",
            r"(a|aa)*b",
            r"^(\w+\s?)*$",
            r"(?:x*y?)+z",
            r"\w*\w*\w*x",
            r"(\d{1,3}\.){2,}",
        ] {
            assert!(risky(p), "{p} should be risky");
        }
        for p in [
            r"(\d)(\d)",
            r"\w+@\w+",
            r"^a+$",
            r"(ab)+",
            r"(a|b)",
            r"[(+*]+",
            r"\(a+\)+",
            r"a{2}(b{1,2})?",
            r"x{",
        ] {
            assert!(!risky(p), "{p} should not be risky");
        }
    }

    #[test]
    fn catastrophic_pattern_finishes() {
        let p = r"(\w\w+)+d";
        let re = JsRegex::new(p).unwrap_or_else(|| panic!("compiles"));
        assert!(re.is_bounded());
        let text = "A".repeat(5000);
        assert_eq!(re.find(p, &text).unwrap_or_else(|e| panic!("{e}")), None);
        let hit = run(&re, "xxAAd").unwrap_or_else(|| panic!("match"));
        assert_eq!(hit.range, 0..5);
    }

    #[test]
    fn backreference_blowup_is_an_error_not_a_hang() {
        let p = r"^(a|a?)+\1$";
        let re = JsRegex::new(p).unwrap_or_else(|| panic!("compiles"));
        assert!(re.is_bounded());
        let text = format!("{}b", "a".repeat(60));
        let err = re
            .find(p, &text)
            .err()
            .unwrap_or_else(|| panic!("no error"));
        assert_eq!(err.code.as_deref(), Some("RILL-R011"));
    }

    /// The bounded engine agrees with `regress` (the JavaScript semantics) on a matrix of
    /// patterns and inputs.
    #[test]
    fn bounded_engine_agrees_with_regress() {
        let patterns = [
            r"\d+",
            r"(\w+)@(\w+)\.com",
            r"^\s*(\S+)\s*$",
            r"a.c",
            r"\bfoo\b",
            r"\Bo",
            r"[a-c\d]+",
            r"[^\w\s]",
            r"[\D]+",
            r"x{2,3}",
            r"x{",
            r"a}",
            r"]",
            r"[]a]",
            r"[^]",
            r"\u0041\x42",
            r"\t|\n",
            r"(?<year>\d{4})-(?<m>\d\d)",
            r"(a)\1",
            r"(?<q>['])\w+\k<q>",
            r"(?=a)a",
            r"(?<!x)y",
            r"\$\.\*\+\?\(\)\[\]\{\}\|\^\/",
            r"[.*+?$^]",
            r"a|ab|abc",
            r"(a*?)b",
            r"[-a]",
            r"[a-]",
            r"é+",
            r"\cJ",
            r"#\s&~",
            r"(\w\w+)+d",
        ];
        let inputs = [
            "",
            "abc 123 foo x@y.com",
            "  padded  ",
            "a\nc abc a\rc",
            "foobar foo barfoo",
            "xxx{}} a}]",
            "ABC\tq\n",
            "2024-11-26",
            "aa 'hi' \"x\"",
            "xy zy",
            "$.*+?()[]{}|^/",
            "abcd",
            "-a-",
            "café éé",
            "aAAAd AAd",
            "#  &~",
        ];
        for p in patterns {
            let ecma = JsRegex::ecma(p).unwrap_or_else(|| panic!("{p} invalid"));
            let bounded = JsRegex::bounded(p)
                .unwrap_or_else(|| panic!("{p} not translated: {:?}", to_bounded_syntax(p)));
            for t in inputs {
                let a = ecma.find_all(p, t).unwrap_or_else(|e| panic!("{e}"));
                let b = bounded.find_all(p, t).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(a, b, "pattern {p:?} ({:?}) on {t:?}", to_bounded_syntax(p));
            }
        }
    }
}
