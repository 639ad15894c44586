//! rill v0.8.6 tokens, lexer and parser.

pub mod lexer;
pub mod parser;
pub mod token;
