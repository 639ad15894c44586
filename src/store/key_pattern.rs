//! The one glob syntax of searches over rill key names and file paths (`kv keys --match`,
//! `fs ls --match`, the TUI's `/`): `*` any run of characters (`/` included), `?` one
//! character, `[abc]` / `[a-z]` one of a set, `[!a]` or `[^a]` one character not in it, and `\`
//! before any character for that character itself. Case-sensitive, over whole names.
//!
//! Each backend narrows its work with what the pattern says for certain: the literal prefix
//! (everything before the first wildcard) as an index range (SQLite), a listing prefix (S3), a
//! start folder (local folders), or a server-side `MATCH` (Redis). What a backend's own
//! matcher cannot say exactly (Redis matches bytes, not characters) is widened there and the
//! candidates are checked here with [`KeyPattern::matches`], so every backend answers alike.

use std::fmt;

/// A parsed search pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPattern {
    source: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Lit(char),
    /// `?`
    One,
    /// `*` (runs of `*` are one)
    Star,
    Class(Class),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Class {
    negated: bool,
    /// Inclusive ranges; a single character is `(c, c)`.
    ranges: Vec<(char, char)>,
}

impl Class {
    fn contains(&self, c: char) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != self.negated
    }
}

/// Why a pattern does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub pattern: String,
    /// 1-based character column of the problem.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad pattern `{}`: {} at column {} (write \\ before a character to match it \
             literally)",
            self.pattern, self.message, self.column
        )
    }
}

impl std::error::Error for PatternError {}

impl KeyPattern {
    pub fn parse(pattern: &str) -> Result<KeyPattern, PatternError> {
        let err = |column: usize, message: &str| PatternError {
            pattern: pattern.to_string(),
            column,
            message: message.to_string(),
        };
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '\\' => {
                    let Some(&next) = chars.get(i + 1) else {
                        return Err(err(i + 1, "a lone `\\` at the end"));
                    };
                    tokens.push(Token::Lit(next));
                    i += 2;
                }
                '*' => {
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                    i += 1;
                }
                '?' => {
                    tokens.push(Token::One);
                    i += 1;
                }
                '[' => {
                    let (class, end) = parse_class(&chars, i).map_err(|(col, m)| err(col, m))?;
                    tokens.push(Token::Class(class));
                    i = end;
                }
                _ => {
                    tokens.push(Token::Lit(c));
                    i += 1;
                }
            }
        }
        Ok(KeyPattern {
            source: pattern.to_string(),
            tokens,
        })
    }

    /// The pattern that matches exactly `text` (its wildcard characters escaped).
    pub fn escape(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if matches!(c, '*' | '?' | '[' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the pattern matches every name (`*`, or `""` read as no pattern is not this:
    /// an empty pattern matches only the empty name).
    pub fn matches_all(&self) -> bool {
        self.tokens == [Token::Star]
    }

    /// The name itself when the pattern has no wildcard (an exact key or path).
    pub fn exact(&self) -> Option<String> {
        self.tokens
            .iter()
            .map(|t| match t {
                Token::Lit(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// What every matching name starts with: the characters before the first wildcard.
    pub fn literal_prefix(&self) -> String {
        self.tokens
            .iter()
            .map_while(|t| match t {
                Token::Lit(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// The folder every matching path lies in (the literal prefix up to its last `/`, without
    /// it; `""` for the root).
    pub fn literal_folder(&self) -> String {
        let prefix = self.literal_prefix();
        match prefix.rfind('/') {
            Some(i) => prefix[..i].to_string(),
            None => String::new(),
        }
    }

    /// Whether `name` matches, character by character.
    pub fn matches(&self, name: &str) -> bool {
        let t = &self.tokens;
        let at = |i: usize| name[i..].chars().next();
        // The classic two-pointer match (`ni` a byte index): on a mismatch go back to the
        // last `*` and let it take one more character.
        let (mut ti, mut ni) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        loop {
            if ti < t.len() {
                if t[ti] == Token::Star {
                    star = Some((ti, ni));
                    ti += 1;
                    continue;
                }
                if let Some(c) = at(ni)
                    && token_takes(&t[ti], c)
                {
                    ti += 1;
                    ni += c.len_utf8();
                    continue;
                }
            } else if ni == name.len() {
                return true;
            }
            match star {
                Some((st, sn)) if let Some(c) = at(sn) => {
                    let next = sn + c.len_utf8();
                    star = Some((st, next));
                    ti = st + 1;
                    ni = next;
                }
                _ => return false,
            }
        }
    }

    /// A Redis `MATCH` pattern that matches (at least) every key of a mount with the glob-escaped
    /// `escaped_prefix` whose name matches: Redis compares bytes, so `?`, a negated set and a
    /// set with non-ASCII characters become "one byte or more" (`?*`); candidates are checked
    /// with [`matches`](Self::matches).
    pub fn redis_match(&self, escaped_prefix: &str) -> String {
        let mut out = String::from(escaped_prefix);
        for t in &self.tokens {
            match t {
                Token::Lit(c) => push_redis_literal(&mut out, *c),
                Token::Star => out.push('*'),
                Token::One => out.push_str("?*"),
                Token::Class(class) if !class.negated && class_is_ascii(class) => {
                    out.push('[');
                    for &(lo, hi) in &class.ranges {
                        push_redis_literal(&mut out, lo);
                        if hi != lo {
                            out.push('-');
                            push_redis_literal(&mut out, hi);
                        }
                    }
                    out.push(']');
                }
                Token::Class(_) => out.push_str("?*"),
            }
        }
        out
    }

    /// A SQLite `GLOB` pattern that matches (at least) every matching name: sets become `?`
    /// (SQLite's own set syntax has no escapes); candidates are checked with
    /// [`matches`](Self::matches).
    pub fn sqlite_glob(&self) -> String {
        let mut out = String::new();
        for t in &self.tokens {
            match t {
                Token::Lit(c @ ('*' | '?' | '[')) => {
                    out.push('[');
                    out.push(*c);
                    out.push(']');
                }
                Token::Lit(c) => out.push(*c),
                Token::Star => out.push('*'),
                Token::One | Token::Class(_) => out.push('?'),
            }
        }
        out
    }
}

impl fmt::Display for KeyPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn token_takes(t: &Token, c: char) -> bool {
    match t {
        Token::Lit(l) => *l == c,
        Token::One => true,
        Token::Class(class) => class.contains(c),
        Token::Star => false,
    }
}

fn class_is_ascii(class: &Class) -> bool {
    class
        .ranges
        .iter()
        .all(|&(lo, hi)| lo.is_ascii() && hi.is_ascii())
}

fn push_redis_literal(out: &mut String, c: char) {
    if matches!(c, '*' | '?' | '[' | ']' | '\\' | '^' | '-') {
        out.push('\\');
    }
    out.push(c);
}

/// The set opening at `chars[open]` (`[`): the set and the index after its `]`.
fn parse_class(chars: &[char], open: usize) -> Result<(Class, usize), (usize, &'static str)> {
    let mut i = open + 1;
    let negated = matches!(chars.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err((open + 1, "a `[` without its `]`"));
        };
        if c == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        let (lo, after) = class_char(chars, i).ok_or((i + 1, "a lone `\\` at the end"))?;
        i = after;
        // `a-z`: a range, unless the `-` is the last thing before `]`
        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&n| n != ']') {
            let (hi, after) = class_char(chars, i + 1).ok_or((i + 2, "a lone `\\` at the end"))?;
            if hi < lo {
                return Err((i + 1, "a range whose end comes before its start"));
            }
            ranges.push((lo, hi));
            i = after;
        } else {
            ranges.push((lo, lo));
        }
    }
    Ok((Class { negated, ranges }, i))
}

/// One (maybe `\`-escaped) character of a set at `chars[i]`, and the index after it.
fn class_char(chars: &[char], i: usize) -> Option<(char, usize)> {
    match chars.get(i)? {
        '\\' => chars.get(i + 1).map(|&c| (c, i + 2)),
        &c => Some((c, i + 1)),
    }
}

/// The smallest string greater than every string that starts with `prefix` (in byte order,
/// which for UTF-8 is code point order), or `None` when there is none (`""`, or only
/// `char::MAX`es).
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(c as u32 + 1),
        };
        if let Some(n) = next {
            chars.push(n);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, name: &str) -> bool {
        KeyPattern::parse(p).unwrap().matches(name)
    }

    #[test]
    fn wildcards_sets_and_escapes() {
        assert!(m("*", ""));
        assert!(m("*", "a/b:c"));
        assert!(m("user:*", "user:1"));
        assert!(!m("user:*", "users:1"));
        assert!(m("user:?", "user:é"));
        assert!(!m("user:?", "user:12"));
        assert!(m("*:0500*", "item:050000"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxbyy"));
        assert!(m("[abc]x", "bx"));
        assert!(!m("[abc]x", "dx"));
        assert!(m("[a-c]", "b"));
        assert!(m("[!a-c]", "d"));
        assert!(m("[^a-c]", "é"));
        assert!(!m("[^a-c]", "a"));
        assert!(m("[]a]", "]"));
        assert!(m("[a-]", "-"));
        assert!(m(r"\*", "*"));
        assert!(!m(r"\*", "x"));
        assert!(m(r"a\?b", "a?b"));
        assert!(m(r"[\]]", "]"));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("日本*", "日本語"));
    }

    #[test]
    fn errors_name_the_column() {
        let e = KeyPattern::parse("ab[cd").unwrap_err();
        assert_eq!(e.column, 3);
        assert!(e.to_string().contains("without its `]`"), "{e}");
        assert_eq!(KeyPattern::parse(r"ab\").unwrap_err().column, 3);
        assert!(KeyPattern::parse("[z-a]").is_err());
    }

    #[test]
    fn literal_parts() {
        let p = KeyPattern::parse(r"app\*:us*er").unwrap();
        assert_eq!(p.literal_prefix(), "app*:us");
        assert_eq!(p.exact(), None);
        assert_eq!(
            KeyPattern::parse(r"a\[1\]").unwrap().exact().as_deref(),
            Some("a[1]")
        );
        assert_eq!(
            KeyPattern::parse("docs/2024/*.md")
                .unwrap()
                .literal_folder(),
            "docs/2024"
        );
        assert_eq!(KeyPattern::parse("*.md").unwrap().literal_folder(), "");
        assert!(KeyPattern::parse("**").unwrap().matches_all());
        let odd = r"a*b?[c]\d";
        let p = KeyPattern::parse(&KeyPattern::escape(odd)).unwrap();
        assert_eq!(p.exact().as_deref(), Some(odd));
    }

    #[test]
    fn redis_and_sqlite_forms_widen_only_what_they_cannot_say() {
        let p = KeyPattern::parse(r"u?[ab][^c][é]\*x*").unwrap();
        assert_eq!(p.redis_match(r"app\[eu\]:"), r"app\[eu\]:u?*[ab]?*?*\*x*");
        assert_eq!(p.sqlite_glob(), "u????[*]x*");
        assert_eq!(KeyPattern::parse("a?").unwrap().redis_match(""), "a?*");
    }

    #[test]
    fn upper_bounds() {
        assert_eq!(prefix_upper_bound("app:").as_deref(), Some("app;"));
        assert_eq!(prefix_upper_bound(""), None);
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
    }
}
