//! Tokens of rill v0.8.6 produced by its lexer, each with the 1-based line:column where it starts.

pub use crate::rill::syntax::punct::{K, P};

/// Token kinds. `Str` holds the escape-processed text with `{...}` interpolations still raw.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Num(f64),
    Str {
        raw: String,
        multiline: bool,
    },
    Ident(String),
    /// `$name` start: the lexer emits `Dollar` followed by the identifier.
    Dollar,
    /// `$@` accumulator.
    DollarAt,
    /// Bare `$`.
    PipeVar,
    /// Keywords (`true`, `each`, …).
    K(K),
    Ellipsis,
    Frontmatter,
    /// Operators and brackets.
    P(P),
    Newline,
    Eof,
}

/// v0.8.6's keywords.
pub const KEYWORDS: [K; 11] = [
    K::True,
    K::False,
    K::Break,
    K::Return,
    K::Pass,
    K::Assert,
    K::Error,
    K::Each,
    K::Map,
    K::Fold,
    K::Filter,
];

/// Is `p` a v0.8.6 token? (`.!` is v0.20's.)
pub fn has_punct(p: P) -> bool {
    p != P::DotBang
}

impl Tok {
    /// Source-like text of the token, used in "Unexpected token" messages.
    pub fn text(&self) -> String {
        use Tok::*;
        let s = match self {
            Num(n) => return crate::rill::base::num::fmt_num(*n),
            Str { raw, .. } => return raw.clone(),
            Ident(s) => return s.clone(),
            Dollar | PipeVar => "$",
            DollarAt => "$@",
            K(k) => k.text(),
            Ellipsis => "...",
            Frontmatter => "---",
            P(p) => p.text(),
            Newline => "\\n",
            Eof => "end of input",
        };
        s.to_string()
    }

    /// Identifier-like tokens accepted after `::` and as method names in some places.
    pub fn ident_or_keyword(&self) -> Option<&'static str> {
        use Tok::*;
        Some(match self {
            K(k) => k.text(),
            _ => return None,
        })
    }
}

crate::rill::syntax::scan::tok_from_lexeme!(Tok);

/// A token and where it starts.
pub type Token = crate::rill::syntax::scan::Token<Tok>;
