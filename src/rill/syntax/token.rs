//! Tokens, each with the 1-based line:column where it starts: one set for both dialects. Each
//! lexer produces only its own (v0.8.6 has no atoms, openers or member names; see the dialects'
//! `token.rs` for their keywords and punctuation).

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
    /// An identifier or keyword right after `.` or `.?`: a member name.
    MethodName(String),
    /// `#NAME` (the name without `#`).
    Atom(String),
    /// `$name` start: `Dollar` followed by the identifier.
    Dollar,
    /// `$@` accumulator.
    DollarAt,
    /// Bare `$`.
    PipeVar,
    /// Keywords (`true`, `yield`, `guard`, …).
    K(K),
    /// `list[`, `dict[`, `tuple[`, `ordered[`, `destruct<`, `slice<`, `use<`, `retry<`, `do<`,
    /// `pass<`, `timeout<`, `guard{`: the word, the bracket follows in the same token.
    Opener(Opener),
    Ellipsis,
    Frontmatter,
    /// Operators and brackets.
    P(P),
    Newline,
    Eof,
}

/// The compound openers, each a keyword glued to its bracket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opener {
    List,
    Dict,
    Tuple,
    Ordered,
    Destruct,
    Slice,
    Use,
    Retry,
    Do,
    Pass,
    Timeout,
    Guard,
}

impl Opener {
    /// Every opener with its keyword and bracket, in the order they are tried.
    pub const ALL: [(Opener, &'static str, char); 12] = [
        (Opener::List, "list", '['),
        (Opener::Dict, "dict", '['),
        (Opener::Tuple, "tuple", '['),
        (Opener::Ordered, "ordered", '['),
        (Opener::Destruct, "destruct", '<'),
        (Opener::Slice, "slice", '<'),
        (Opener::Use, "use", '<'),
        (Opener::Retry, "retry", '<'),
        (Opener::Do, "do", '<'),
        (Opener::Pass, "pass", '<'),
        (Opener::Timeout, "timeout", '<'),
        (Opener::Guard, "guard", '{'),
    ];

    /// `list[`, `use<`, `guard{`, …
    pub fn text(self) -> String {
        Opener::ALL
            .iter()
            .find(|(o, _, _)| *o == self)
            .map(|(_, w, b)| format!("{w}{b}"))
            .unwrap_or_default()
    }
}

impl Tok {
    /// Source-like text of the token, used in "Unexpected token" messages.
    pub fn text(&self) -> String {
        use Tok::*;
        match self {
            Num(n) => crate::rill::base::num::fmt_num(*n),
            Str { raw, .. } => raw.clone(),
            Ident(s) | MethodName(s) => s.clone(),
            Atom(s) => format!("#{s}"),
            Dollar | PipeVar => "$".into(),
            DollarAt => "$@".into(),
            Opener(o) => o.text(),
            Ellipsis => "...".into(),
            Frontmatter => "---".into(),
            Newline => "\\n".into(),
            Eof => "end of input".into(),
            P(p) => p.text().into(),
            K(k) => k.text().into(),
        }
    }

    /// Keywords accepted where a name is (after `::`, as method names in v0.8.6).
    pub fn ident_or_keyword(&self) -> Option<&'static str> {
        match self {
            Tok::K(k) => Some(k.text()),
            _ => None,
        }
    }
}

crate::rill::syntax::scan::tok_from_lexeme!(Tok);

/// A token and where it starts.
pub type Token = crate::rill::syntax::scan::Token<Tok>;
