//! rill v0.20 tokens and lexer (the grammar follows).

pub mod grammar;
pub mod lexer;
pub mod token;
