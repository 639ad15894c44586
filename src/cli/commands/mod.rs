//! Subcommand implementations.

pub mod eval;
