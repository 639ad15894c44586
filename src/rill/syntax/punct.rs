//! Operators, separators, brackets (`Tok::P`) and keywords (`Tok::K`): one set for both
//! dialects' tokens. Each lexer produces only its own: `*<`, `/<` and the `each`/`map`/`fold`/
//! `filter` keywords are v0.8.6's; `.!`, `yield`, `guard`, `retry`, `while` and `do` are v0.20's.

/// A punctuation token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum P {
    Arrow,
    Capture,
    StarLt,
    SlashLt,
    And,
    Or,
    Eq,
    Ne,
    Le,
    Ge,
    Coalesce,
    DotQ,
    DotBang,
    DColon,
    Dot,
    Question,
    At,
    Colon,
    Comma,
    Bang,
    Assign,
    Lt,
    Gt,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Bar,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Amp,
    Caret,
}

impl P {
    /// The token's source text.
    pub fn text(self) -> &'static str {
        match self {
            P::Arrow => "->",
            P::Capture => "=>",
            P::StarLt => "*<",
            P::SlashLt => "/<",
            P::And => "&&",
            P::Or => "||",
            P::Eq => "==",
            P::Ne => "!=",
            P::Le => "<=",
            P::Ge => ">=",
            P::Coalesce => "??",
            P::DotQ => ".?",
            P::DotBang => ".!",
            P::DColon => "::",
            P::Dot => ".",
            P::Question => "?",
            P::At => "@",
            P::Colon => ":",
            P::Comma => ",",
            P::Bang => "!",
            P::Assign => "=",
            P::Lt => "<",
            P::Gt => ">",
            P::LParen => "(",
            P::RParen => ")",
            P::LBrace => "{",
            P::RBrace => "}",
            P::LBracket => "[",
            P::RBracket => "]",
            P::Bar => "|",
            P::Plus => "+",
            P::Minus => "-",
            P::Star => "*",
            P::Slash => "/",
            P::Percent => "%",
            P::Amp => "&",
            P::Caret => "^",
        }
    }
}

/// A keyword token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum K {
    True,
    False,
    Break,
    Return,
    Yield,
    Pass,
    Assert,
    Error,
    Each,
    Map,
    Fold,
    Filter,
    Guard,
    Retry,
    While,
    Do,
}

impl K {
    /// The keyword as written.
    pub fn text(self) -> &'static str {
        match self {
            K::True => "true",
            K::False => "false",
            K::Break => "break",
            K::Return => "return",
            K::Yield => "yield",
            K::Pass => "pass",
            K::Assert => "assert",
            K::Error => "error",
            K::Each => "each",
            K::Map => "map",
            K::Fold => "fold",
            K::Filter => "filter",
            K::Guard => "guard",
            K::Retry => "retry",
            K::While => "while",
            K::Do => "do",
        }
    }
}
