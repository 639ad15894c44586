//! The rill v0.20 lexer: source text → tokens. Strings keep their `{...}` interpolations as
//! raw text (the parser re-lexes them with `tokenize_at`).
//!
//! Where it differs from v0.8.6's: `#` followed by an uppercase letter starts an atom, any
//! other `#` a comment; a keyword glued to its bracket is one opener token (`list[`, `use<`,
//! `guard{`), except right after `$`, `.` or `.?` (`$list[0]`, `$x.list`); an identifier or
//! keyword right after `.` / `.?` is a member name; `.!` is one token.

use crate::rill::base::error::RillError;
use crate::rill::base::span::Span;
use crate::rill::syntax::scan::{Rules, Scanner, ident_start, keyword, tokenize_with, unexpected};
use crate::rill::syntax::v0_20::token::{KEYWORDS, Opener, P, Tok, Token, has_punct};

/// v0.20's rules (see the module comment).
struct V020;

impl Rules for V020 {
    type Tok = Tok;
    const EOF: Tok = Tok::Eof;

    fn comment(sc: &Scanner) -> bool {
        !sc.peek(1).is_ascii_uppercase()
    }

    fn own(sc: &mut Scanner, prev: Option<&Tok>) -> Result<Tok, RillError> {
        let start = sc.loc();
        let c = sc.peek(0);
        Ok(if ident_start(c) {
            let glued = !matches!(prev, Some(Tok::Dollar | Tok::P(P::Dot) | Tok::P(P::DotQ)));
            match Opener::ALL
                .iter()
                .find(|(_, w, b)| glued && sc.starts(w) && sc.peek(w.chars().count()) == *b)
            {
                Some((o, w, _)) => {
                    sc.skip(w.chars().count() + 1);
                    Tok::Opener(*o)
                }
                None => {
                    let v = sc.word();
                    keyword(&KEYWORDS, &v).map_or(Tok::Ident(v), Tok::K)
                }
            }
        } else if c == '#' {
            sc.bump();
            Tok::Atom(sc.word())
        } else if let Some(p) = sc.punct(has_punct) {
            Tok::P(p)
        } else {
            return Err(unexpected(c, start));
        })
    }
}

/// Tokenize a whole script (ends with an `Eof` token).
pub fn tokenize(src: &str) -> Result<Vec<Token>, RillError> {
    tokenize_at(src, Span::START)
}

/// Tokenize a fragment whose first character sits at `base` (string interpolations).
pub fn tokenize_at(src: &str, base: Span) -> Result<Vec<Token>, RillError> {
    let mut toks = tokenize_with::<V020>(src, base)?;
    // an identifier or keyword right after `.` / `.?` is a member name
    for i in 1..toks.len() {
        if matches!(toks[i - 1].tok, Tok::P(P::Dot) | Tok::P(P::DotQ)) {
            let name = match &toks[i].tok {
                Tok::Ident(s) => Some(s.clone()),
                Tok::K(k) => Some(k.text().to_string()),
                _ => None,
            };
            if let Some(n) = name {
                toks[i].tok = Tok::MethodName(n);
            }
        }
    }
    Ok(toks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rill::syntax::v0_20::token::K;

    fn toks(src: &str) -> Vec<Tok> {
        tokenize(src)
            .expect("lexes")
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    fn err(src: &str) -> (String, u32, u32) {
        let e = tokenize(src).expect_err("fails");
        let sp = e.span.expect("positioned");
        (e.code.unwrap_or_default(), sp.line, sp.col)
    }

    #[test]
    fn openers_glue_only_when_the_bracket_follows_at_once() {
        assert_eq!(
            toks("list[1]"),
            vec![
                Tok::Opener(Opener::List),
                Tok::Num(1.0),
                Tok::P(P::RBracket),
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("list [1]")[..2],
            [Tok::Ident("list".into()), Tok::P(P::LBracket)]
        );
        assert_eq!(toks("guard{")[0], Tok::Opener(Opener::Guard));
        assert_eq!(toks("retry<limit: 3>")[0], Tok::Opener(Opener::Retry));
        assert_eq!(toks("timeout<")[0], Tok::Opener(Opener::Timeout));
        // not after `$`, `.` or `.?`
        assert_eq!(
            toks("$list[0]")[..3],
            [Tok::Dollar, Tok::Ident("list".into()), Tok::P(P::LBracket)]
        );
        assert_eq!(
            toks("$x.dict[0]")[..4],
            [
                Tok::Dollar,
                Tok::Ident("x".into()),
                Tok::P(P::Dot),
                Tok::MethodName("dict".into())
            ]
        );
    }

    #[test]
    fn atoms_comments_and_member_names() {
        assert_eq!(
            toks("#TIMEOUT # a comment\n#lower"),
            vec![Tok::Atom("TIMEOUT".into()), Tok::Newline, Tok::Eof]
        );
        assert_eq!(toks("#R001x_2")[0], Tok::Atom("R001x_2".into()));
        assert_eq!(
            toks("$x.!code")[..4],
            [
                Tok::Dollar,
                Tok::Ident("x".into()),
                Tok::P(P::DotBang),
                Tok::Ident("code".into())
            ]
        );
        assert_eq!(
            toks("$d.?while")[3],
            Tok::MethodName("while".into()),
            "a keyword after .? is a member name"
        );
        assert_eq!(toks("each")[0], Tok::Ident("each".into()));
        assert_eq!(toks("yield")[0], Tok::K(K::Yield));
        assert_eq!(toks("a::b")[1], Tok::P(P::DColon));
    }

    #[test]
    fn strings_numbers_and_errors() {
        assert_eq!(
            toks(r#""a\tb{$x}""#)[0],
            Tok::Str {
                raw: "a\tb{$x}".into(),
                multiline: false
            }
        );
        assert_eq!(
            toks("\"\"\"\nhi {{x}}\"\"\"")[0],
            Tok::Str {
                raw: "hi {{x}}".into(),
                multiline: true
            }
        );
        assert_eq!(toks("3.25")[0], Tok::Num(3.25));
        assert_eq!(toks("1.x")[..2], [Tok::Num(1.0), Tok::P(P::Dot)]);
        assert_eq!(err("\"abc\n\""), ("RILL-L001".into(), 1, 1));
        assert_eq!(err("1 ~ 2"), ("RILL-L002".into(), 1, 3));
        assert_eq!(err("\"\"\"open"), ("RILL-L004".into(), 1, 1));
        assert_eq!(err(r#""bad \q""#).0, "RILL-L005");
        assert_eq!(err("x\n  é").1, 2);
    }

    #[test]
    fn frontmatter_lines_are_read_whole() {
        assert_eq!(
            toks("---\nargs: a: string\n---\n1"),
            vec![
                Tok::Frontmatter,
                Tok::Newline,
                Tok::Ident("args: a: string".into()),
                Tok::Newline,
                Tok::Frontmatter,
                Tok::Newline,
                Tok::Num(1.0),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn interpolation_fragments_keep_their_position() {
        let t = tokenize_at(
            "$x",
            Span {
                line: 3,
                col: 7,
                offset: 40,
            },
        )
        .expect("lexes");
        assert_eq!(
            (t[0].span.line, t[0].span.col, t[0].span.offset),
            (3, 7, 40)
        );
        assert_eq!(t[1].span.col, 8);
    }
}
