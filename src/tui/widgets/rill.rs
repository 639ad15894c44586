//! Syntax highlighting of rill source for the scratchpad: keywords, strings (with `{…}`
//! interpolation inside them), numbers, `$vars`, comments and the `->` / `=>` arrows — per
//! dialect: v0.8.6's keywords (`each`, `map`, `fold`, `filter`, …), or v0.20's (`yield`,
//! `guard`, `retry`, `while`, `do`, …), its collection and control openers (`list[`, `dict[`,
//! `use<`, `timeout<`, `guard{`, …; the word is coloured) and its atoms (`#TIMEOUT`).
//!
//! A small lexer of its own, not the interpreter's: it must never fail (half-typed code is
//! the normal case), works line by line and carries one bit between lines (inside a
//! `"""` string). Interpolated expressions are coloured as code, nested strings included.
//! The keyword and opener lists are the dialects' own tables.

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::super::theme::Theme;
use crate::rill::dialect::Dialect;
use crate::rill::syntax::scan::keyword;
use crate::rill::syntax::v0_20::token::Opener;
use crate::rill::syntax::{v0_8, v0_20};

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
    /// A v0.20 atom, `#TIMEOUT`.
    Atom,
}

/// Lexer state carried from one line to the next.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Carry {
    /// Inside a `"""` string that started on an earlier line.
    pub in_triple: bool,
}

/// Splits one line of `dialect` source into `(kind, text)` runs; returns the state for the
/// next line.
pub fn lex_line(line: &str, carry: Carry, dialect: Dialect) -> (Vec<(Tok, String)>, Carry) {
    let v020 = dialect == Dialect::V0_20;
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
        match string_body(&chars, 0, true, dialect, &mut push) {
            Some(end) => i = end,
            None => {
                return (out, Carry { in_triple: true });
            }
        }
    }
    while i < chars.len() {
        let c = chars[i];
        let rest = &chars[i..];
        if c == '#' && v020 && rest.get(1).is_some_and(char::is_ascii_uppercase) {
            let len = 1 + rest[1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count();
            push(Tok::Atom, &rest[..len]);
            i += len;
            continue;
        }
        if c == '#' {
            push(Tok::Comment, rest);
            break;
        }
        if rest.starts_with(&['"', '"', '"']) {
            push(Tok::Str, &rest[..3]);
            match string_body(&chars, i + 3, true, dialect, &mut push) {
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
            i = string_body(&chars, i + 1, false, dialect, &mut push).unwrap_or(chars.len());
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
            let after_dollar = i > 0 && chars[i - 1] == '$';
            let is_keyword = if v020 {
                keyword(&v0_20::token::KEYWORDS, &word).is_some()
            } else {
                keyword(&v0_8::token::KEYWORDS, &word).is_some()
            };
            let opener = v020
                && !after_dollar
                && Opener::ALL
                    .iter()
                    .any(|(_, w, b)| *w == word && rest.get(len) == Some(b));
            let kind = if (is_keyword || opener) && !after_dot {
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
    dialect: Dialect,
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
            let (toks, _) = lex_line(&inner, Carry::default(), dialect);
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
        Tok::Atom => Style::new().fg(t.json_literal),
    }
}

/// Highlighted lines of a whole source in `dialect`.
pub fn highlight(t: &Theme, lines: &[String], dialect: Dialect) -> Vec<Line<'static>> {
    let mut carry = Carry::default();
    lines
        .iter()
        .map(|l| {
            let (toks, next) = lex_line(l, carry, dialect);
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
        lex_line(line, Carry::default(), Dialect::V0_8).0
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
        let (_, c1) = lex_line("\"\"\"first", Carry::default(), Dialect::V0_8);
        assert!(c1.in_triple);
        let (toks, c2) = lex_line("still {1} text", c1, Dialect::V0_8);
        assert!(c2.in_triple);
        assert_eq!(toks[1], (Tok::Interp, "{".to_string()));
        let (toks, c3) = lex_line("end\"\"\" -> $x", c2, Dialect::V0_8);
        assert!(!c3.in_triple);
        assert_eq!(toks[0], (Tok::Str, "end\"\"\"".to_string()));
        assert!(toks.contains(&(Tok::Arrow, "->".to_string())));
    }

    #[test]
    fn unterminated_input_never_panics() {
        for s in ["\"abc", "\"{", "\"{\"", "$", "1.", "\"\\", "\"\"\"{"] {
            let _ = lex_line(s, Carry::default(), Dialect::V0_8);
            let _ = lex_line(s, Carry::default(), Dialect::V0_20);
        }
    }

    #[test]
    fn v020_keywords_openers_and_atoms() {
        let k = |line: &str| lex_line(line, Carry::default(), Dialect::V0_20).0;
        assert_eq!(
            k("list[1] -> seq({ $ }) # c"),
            owned(vec![
                (Tok::Keyword, "list"),
                (Tok::Plain, "["),
                (Tok::Number, "1"),
                (Tok::Plain, "] "),
                (Tok::Arrow, "->"),
                (Tok::Plain, " seq({ "),
                (Tok::Var, "$"),
                (Tok::Plain, " }) "),
                (Tok::Comment, "# c"),
            ])
        );
        assert_eq!(k("#TIMEOUT")[0], (Tok::Atom, "#TIMEOUT".to_string()));
        assert_eq!(k("guard{")[0], (Tok::Keyword, "guard".to_string()));
        assert_eq!(k("yield")[0], (Tok::Keyword, "yield".to_string()));
        // `each` is an identifier in v0.20, a keyword in v0.8
        assert_eq!(k("each")[0], (Tok::Plain, "each".to_string()));
        assert_eq!(kinds("each")[0], (Tok::Keyword, "each".to_string()));
        // `list` without its bracket, or as a variable or member name, is not an opener
        assert_eq!(k("list [")[0], (Tok::Plain, "list [".to_string()));
        assert_eq!(k("$list[0]")[0], (Tok::Var, "$list".to_string()));
        assert_eq!(k("$x.dict[0]")[1], (Tok::Plain, ".dict[".to_string()));
        // in v0.8 a `#` always starts a comment
        assert_eq!(kinds("#TIMEOUT")[0], (Tok::Comment, "#TIMEOUT".to_string()));
    }
}
