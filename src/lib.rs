//! rillmount: inspect and migrate rill mounts across storage backends.
//!
//! One folder per layer: `store` (the five rill backends behind one contract),
//! `config` (profiles), `rill` (the interpreter), `migrate` (diff/copy/verify),
//! `cli` (the headless command line) and `tui` (the terminal UI).

pub mod cli;
pub mod config;
pub mod error;
pub mod migrate;
pub mod rill;
pub mod store;
pub mod tui;
