//! Layer 1: what every phase and dialect shares — errors, source spans, number text, regexes.

pub mod error;
pub mod num;
pub mod regex;
pub mod span;
