//! Tokens of rill v0.20 produced by its lexer, each with the 1-based line:column where it starts.
//!
//! Beside v0.8.6's set: atoms (`#TIMEOUT`), `.!`, `yield`/`guard`/`retry`/`while`/`do`
//! keywords, and compound openers that are one token when the bracket follows the word at
//! once (`list[`, `dict[`, `tuple[`, `ordered[`, `destruct<`, `slice<`, `use<`, `retry<`,
//! `do<`, `pass<`, `timeout<`, `guard{`). `each`/`map`/`fold`/`filter` are plain identifiers.

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

/// The keywords and their tokens.
pub const KEYWORDS: [(&str, Tok); 12] = [
    ("true", Tok::K(K::True)),
    ("false", Tok::K(K::False)),
    ("break", Tok::K(K::Break)),
    ("return", Tok::K(K::Return)),
    ("yield", Tok::K(K::Yield)),
    ("pass", Tok::K(K::Pass)),
    ("assert", Tok::K(K::Assert)),
    ("error", Tok::K(K::Error)),
    ("guard", Tok::K(K::Guard)),
    ("retry", Tok::K(K::Retry)),
    ("while", Tok::K(K::While)),
    ("do", Tok::K(K::Do)),
];

/// Two-character operators.
pub const TWO_CHAR: [(&str, Tok); 12] = [
    ("->", Tok::P(P::Arrow)),
    ("=>", Tok::P(P::Capture)),
    ("&&", Tok::P(P::And)),
    ("||", Tok::P(P::Or)),
    ("==", Tok::P(P::Eq)),
    ("!=", Tok::P(P::Ne)),
    ("<=", Tok::P(P::Le)),
    (">=", Tok::P(P::Ge)),
    ("??", Tok::P(P::Coalesce)),
    (".?", Tok::P(P::DotQ)),
    (".!", Tok::P(P::DotBang)),
    ("::", Tok::P(P::DColon)),
];

/// One-character operators and brackets.
pub const ONE_CHAR: [(char, Tok); 23] = [
    ('.', Tok::P(P::Dot)),
    ('?', Tok::P(P::Question)),
    ('@', Tok::P(P::At)),
    (':', Tok::P(P::Colon)),
    (',', Tok::P(P::Comma)),
    ('!', Tok::P(P::Bang)),
    ('=', Tok::P(P::Assign)),
    ('<', Tok::P(P::Lt)),
    ('>', Tok::P(P::Gt)),
    ('(', Tok::P(P::LParen)),
    (')', Tok::P(P::RParen)),
    ('{', Tok::P(P::LBrace)),
    ('}', Tok::P(P::RBrace)),
    ('[', Tok::P(P::LBracket)),
    (']', Tok::P(P::RBracket)),
    ('|', Tok::P(P::Bar)),
    ('+', Tok::P(P::Plus)),
    ('-', Tok::P(P::Minus)),
    ('*', Tok::P(P::Star)),
    ('/', Tok::P(P::Slash)),
    ('%', Tok::P(P::Percent)),
    ('&', Tok::P(P::Amp)),
    ('^', Tok::P(P::Caret)),
];

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

    /// The keyword a token stands for, if it is one.
    pub fn keyword(&self) -> Option<&'static str> {
        KEYWORDS.iter().find(|(_, t)| t == self).map(|(k, _)| *k)
    }
}

crate::rill::syntax::scan::tok_from_lexeme!(Tok);

/// A token and where it starts.
pub type Token = crate::rill::syntax::scan::Token<Tok>;
