//! Syntax highlighting of rill source for the scratchpad: keywords, strings (with `{…}`
//! interpolation inside them), numbers, `$vars`, comments and the `->` / `=>` arrows.
//!
//! A small lexer of its own, not the interpreter's: it must never fail (half-typed code is
//! the normal case), works line by line and carries one bit between lines (inside a
//! `"""` string). Interpolated expressions are coloured as code, nested strings included.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::super::theme::Theme;

/// What a run of characters is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Plain,
    Keyword,
    Str,
    /// `{` / `}` around an interpolation inside a string.
    Interp,
    Number,
    Var,
    Comment,
    Arrow,
}

const KEYWORDS: &[&str] = &[
    "true", "false", "break", "return", "pass", "assert", "error", "each", "map", "fold", "filter",
];

/// Lexer state carried from one line to the next.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Carry {
    /// Inside a `"""` string that started on an earlier line.
    pub in_triple: bool,
}

/// Splits one line into `(kind, text)` runs; returns the state for the next line.
pub fn lex_line(line: &str, carry: Carry) -> (Vec<(Tok, String)>, Carry) {
    let chars: Vec<char> = line.chars().collect();
    let mut out: Vec<(Tok, String)> = Vec::new();
    let mut push = |t: Tok, s: &[char]| {
        if s.is_empty() {
            return;
        }
        match out.last_mut() {
            Some((k, text)) if *k == t => text.extend(s),
            _ => out.push((t, s.iter().collect())),
        }
    };
    let mut i = 0;
    let mut next = Carry::default();
    if carry.in_triple {
        match string_body(&chars, 0, true, &mut push) {
            Some(end) => i = end,
            None => {
                return (out, Carry { in_triple: true });
            }
        }
    }
    while i < chars.len() {
        let c = chars[i];
        let rest = &chars[i..];
        if c == '#' {
            push(Tok::Comment, rest);
            break;
        }
        if rest.starts_with(&['"', '"', '"']) {
            push(Tok::Str, &rest[..3]);
            match string_body(&chars, i + 3, true, &mut push) {
                Some(end) => i = end,
                None => {
                    next.in_triple = true;
                    break;
                }
            }
            continue;
        }
        if c == '"' {
            push(Tok::Str, &rest[..1]);
            i = string_body(&chars, i + 1, false, &mut push).unwrap_or(chars.len());
            continue;
        }
        if rest.starts_with(&['-', '>']) || rest.starts_with(&['=', '>']) {
            push(Tok::Arrow, &rest[..2]);
            i += 2;
            continue;
        }
        if c == '$' {
            let len = 1 + rest[1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_' || **c == '@')
                .count();
            push(Tok::Var, &rest[..len]);
            i += len;
            continue;
        }
        if c.is_ascii_digit() {
            let mut len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            if rest.get(len) == Some(&'.') && rest.get(len + 1).is_some_and(char::is_ascii_digit) {
                len += 1 + rest[len + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
            }
            push(Tok::Number, &rest[..len]);
            i += len;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let len = rest
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count();
            let word: String = rest[..len].iter().collect();
            // `.map` / `.filter` after a dot are method names, not keywords.
            let after_dot = i > 0 && chars[i - 1] == '.';
            let kind = if KEYWORDS.contains(&word.as_str()) && !after_dot {
                Tok::Keyword
            } else {
                Tok::Plain
            };
            push(kind, &rest[..len]);
            i += len;
            continue;
        }
        push(Tok::Plain, &rest[..1]);
        i += 1;
    }
    (out, next)
}

/// Lexes a string body from `start` (after the opening quote) to its closing quote
/// (included); returns the index after it, or `None` when the line ends first. `{…}` inside is
/// lexed as code (brace depth tracked), `{{`/`}}` are literal.
fn string_body(
    chars: &[char],
    start: usize,
    triple: bool,
    push: &mut impl FnMut(Tok, &[char]),
) -> Option<usize> {
    let mut i = start;
    while i < chars.len() {
        let rest = &chars[i..];
        if triple && rest.starts_with(&['"', '"', '"']) {
            push(Tok::Str, &rest[..3]);
            return Some(i + 3);
        }
        if !triple && rest[0] == '"' {
            push(Tok::Str, &rest[..1]);
            return Some(i + 1);
        }
        if !triple && rest[0] == '\\' && rest.len() > 1 {
            push(Tok::Str, &rest[..2]);
            i += 2;
            continue;
        }
        if rest.starts_with(&['{', '{']) || rest.starts_with(&['}', '}']) {
            push(Tok::Str, &rest[..2]);
            i += 2;
            continue;
        }
        if rest[0] == '{' {
            push(Tok::Interp, &rest[..1]);
            // The interpolated expression: up to the matching `}` on this line.
            let mut depth = 1;
            let mut j = i + 1;
            let mut in_str = false;
            while j < chars.len() {
                match (chars[j], in_str) {
                    ('"', _) => in_str = !in_str,
                    ('\\', true) => j += 1,
                    ('{', false) => depth += 1,
                    ('}', false) => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            let inner: String = chars[i + 1..j.min(chars.len())].iter().collect();
            let (toks, _) = lex_line(&inner, Carry::default());
            for (t, s) in toks {
                let cs: Vec<char> = s.chars().collect();
                push(t, &cs);
            }
            if j < chars.len() {
                push(Tok::Interp, &chars[j..j + 1]);
                i = j + 1;
            } else {
                return None;
            }
            continue;
        }
        push(Tok::Str, &rest[..1]);
        i += 1;
    }
    None
}

/// The style of a token kind in `theme`.
pub fn style(t: &Theme, tok: Tok) -> Style {
    match tok {
        Tok::Plain => t.text(),
        Tok::Keyword => Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
        Tok::Str => Style::new().fg(t.json_string),
        Tok::Interp => Style::new().fg(t.warn),
        Tok::Number => Style::new().fg(t.json_number),
        Tok::Var => Style::new().fg(t.json_key),
        Tok::Comment => t.dim().add_modifier(Modifier::ITALIC),
        Tok::Arrow => Style::new().fg(t.json_literal).add_modifier(Modifier::BOLD),
    }
}

/// Highlighted lines of a whole source.
pub fn highlight(t: &Theme, lines: &[String]) -> Vec<Line<'static>> {
    let mut carry = Carry::default();
    lines
        .iter()
        .map(|l| {
            let (toks, next) = lex_line(l, carry);
            carry = next;
            Line::from(
                toks.into_iter()
                    .map(|(k, s)| Span::styled(s, style(t, k)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<(Tok, String)> {
        lex_line(line, Carry::default()).0
    }

    fn owned(v: Vec<(Tok, &str)>) -> Vec<(Tok, String)> {
        v.into_iter().map(|(k, s)| (k, s.to_string())).collect()
    }

    #[test]
    fn pipes_vars_keywords_numbers() {
        assert_eq!(
            kinds("kv::get(\"u\") -> .upper => $x # note"),
            owned(vec![
                (Tok::Plain, "kv::get("),
                (Tok::Str, "\"u\""),
                (Tok::Plain, ") "),
                (Tok::Arrow, "->"),
                (Tok::Plain, " .upper "),
                (Tok::Arrow, "=>"),
                (Tok::Plain, " "),
                (Tok::Var, "$x"),
                (Tok::Plain, " "),
                (Tok::Comment, "# note"),
            ])
        );
        assert_eq!(
            kinds("[1, 2.5] -> each { $ } true"),
            owned(vec![
                (Tok::Plain, "["),
                (Tok::Number, "1"),
                (Tok::Plain, ", "),
                (Tok::Number, "2.5"),
                (Tok::Plain, "] "),
                (Tok::Arrow, "->"),
                (Tok::Plain, " "),
                (Tok::Keyword, "each"),
                (Tok::Plain, " { "),
                (Tok::Var, "$"),
                (Tok::Plain, " } "),
                (Tok::Keyword, "true"),
            ])
        );
        // A method named like a keyword is not one.
        assert_eq!(kinds("$l.map")[1], (Tok::Plain, ".map".to_string()));
    }

    #[test]
    fn interpolation_is_code_inside_the_string() {
        assert_eq!(
            kinds("\"hi {$name.upper} {{x}}\""),
            owned(vec![
                (Tok::Str, "\"hi "),
                (Tok::Interp, "{"),
                (Tok::Var, "$name"),
                (Tok::Plain, ".upper"),
                (Tok::Interp, "}"),
                (Tok::Str, " {{x}}\""),
            ])
        );
        // A `#` inside a string is not a comment.
        assert_eq!(kinds("\"#1\""), owned(vec![(Tok::Str, "\"#1\"")]));
    }

    #[test]
    fn triple_quoted_strings_span_lines() {
        let (_, c1) = lex_line("\"\"\"first", Carry::default());
        assert!(c1.in_triple);
        let (toks, c2) = lex_line("still {1} text", c1);
        assert!(c2.in_triple);
        assert_eq!(toks[1], (Tok::Interp, "{".to_string()));
        let (toks, c3) = lex_line("end\"\"\" -> $x", c2);
        assert!(!c3.in_triple);
        assert_eq!(toks[0], (Tok::Str, "end\"\"\"".to_string()));
        assert!(toks.contains(&(Tok::Arrow, "->".to_string())));
    }

    #[test]
    fn unterminated_input_never_panics() {
        for s in ["\"abc", "\"{", "\"{\"", "$", "1.", "\"\\", "\"\"\"{"] {
            let _ = lex_line(s, Carry::default());
        }
    }
}
