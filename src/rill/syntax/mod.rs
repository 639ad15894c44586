//! Layer 2: source text to AST. The AST is shared; tokens, lexer and grammar are per dialect.

pub mod ast;
pub mod parser;
pub mod punct;
pub mod scan;
pub mod token;
pub mod v0_20;
pub mod v0_8;
