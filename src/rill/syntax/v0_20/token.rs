//! What of the shared token set (`syntax::token`) rill v0.20 has: its keywords and punctuation.

pub use crate::rill::syntax::token::{K, Opener, P, Tok, Token};

/// v0.20's keywords (`each`, `map`, `fold` and `filter` are plain identifiers here).
pub const KEYWORDS: [K; 12] = [
    K::True,
    K::False,
    K::Break,
    K::Return,
    K::Yield,
    K::Pass,
    K::Assert,
    K::Error,
    K::Guard,
    K::Retry,
    K::While,
    K::Do,
];

/// Is `p` a v0.20 token? (`*<` and `/<` are v0.8.6's.)
pub fn has_punct(p: P) -> bool {
    !matches!(p, P::StarLt | P::SlashLt)
}
