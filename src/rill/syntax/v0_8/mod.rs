//! rill v0.8.6 tokens, lexer and parser.

pub mod grammar;
pub mod lexer;
pub mod token;
