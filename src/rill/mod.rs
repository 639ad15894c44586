//! The rill v0.8.6 interpreter. Issue #3; see `README.md` in this folder for the phase map.

pub mod ast;
pub mod builtins;
pub mod dialect;
pub mod error;
pub mod eval;
pub mod host;
pub mod lexer;
pub mod parser;
pub mod session;
pub mod token;
pub mod value;
