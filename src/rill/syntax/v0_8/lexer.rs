//! The lexer: source text → tokens (rill v0.8.6, spec/language.md §2). Strings keep their
//! `{...}` interpolations as raw text; the parser re-lexes them with `tokenize_at`.

use crate::rill::base::error::RillError;
use crate::rill::base::span::Span;
use crate::rill::syntax::scan::{Rules, Scanner, ident_start, keyword, tokenize_with, unexpected};
use crate::rill::syntax::v0_8::token::{KEYWORDS, Tok, Token, has_punct};

/// v0.8.6's rules: every `#` starts a comment; `each`/`map`/`fold`/`filter` are keywords.
struct V08;

impl Rules for V08 {
    type Tok = Tok;
    const EOF: Tok = Tok::Eof;

    fn comment(_: &Scanner) -> bool {
        true
    }

    fn own(sc: &mut Scanner, _prev: Option<&Tok>) -> Result<Tok, RillError> {
        let start = sc.loc();
        let c = sc.peek(0);
        Ok(if ident_start(c) {
            let v = sc.word();
            keyword(&KEYWORDS, &v).map_or(Tok::Ident(v), Tok::K)
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
    tokenize_with::<V08>(src, base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rill::syntax::v0_8::token::P;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s)
            .map(|v| v.into_iter().map(|t| t.tok).collect())
            .unwrap_or_default()
    }

    #[test]
    fn operators_longest_match() {
        assert_eq!(
            toks("-> => .? ?? ..."),
            vec![
                Tok::P(P::Arrow),
                Tok::P(P::Capture),
                Tok::P(P::DotQ),
                Tok::P(P::Coalesce),
                Tok::Ellipsis,
                Tok::Eof
            ]
        );
    }

    #[test]
    fn variables_and_pipe_var() {
        assert_eq!(
            toks("$x $ $@"),
            vec![
                Tok::Dollar,
                Tok::Ident("x".into()),
                Tok::PipeVar,
                Tok::DollarAt,
                Tok::Eof
            ]
        );
    }

    #[test]
    fn numbers_have_no_exponent() {
        assert_eq!(
            toks("1e21"),
            vec![Tok::Num(1.0), Tok::Ident("e21".into()), Tok::Eof]
        );
        assert_eq!(toks("2.5"), vec![Tok::Num(2.5), Tok::Eof]);
    }

    #[test]
    fn string_errors() {
        assert_eq!(
            tokenize("\"a\nb\"").err().and_then(|e| e.code),
            Some("RILL-L001".into())
        );
        assert_eq!(
            tokenize("\"\\q\"").err().and_then(|e| e.code),
            Some("RILL-L005".into())
        );
        assert_eq!(
            tokenize("\"\"\"abc").err().and_then(|e| e.code),
            Some("RILL-L004".into())
        );
        assert_eq!(
            tokenize("`").err().and_then(|e| e.code),
            Some("RILL-L002".into())
        );
    }

    #[test]
    fn triple_quote_drops_first_newline() {
        assert_eq!(
            toks("\"\"\"\nab\n\"\"\""),
            vec![
                Tok::Str {
                    raw: "ab\n".into(),
                    multiline: true
                },
                Tok::Eof
            ]
        );
    }

    #[test]
    fn positions_are_line_col() {
        let t = tokenize("1\n  x").unwrap_or_default();
        assert_eq!((t[2].span.line, t[2].span.col), (2, 3));
    }
}
