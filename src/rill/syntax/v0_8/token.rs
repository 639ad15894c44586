//! What of the shared token set (`syntax::token`) rill v0.8.6 has: its keywords and punctuation.

pub use crate::rill::syntax::token::{K, P, Tok, Token};

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
