//! The rill interpreter: one evaluator, two dialects (v0.8.6 and v0.20). The folders are
//! layers that import only the ones before them (`tests/rill_layers.rs` checks it); see
//! `README.md` in this folder for the map.

pub mod dialect;

pub mod base;

pub mod syntax;

pub mod value;

pub mod host;

pub mod eval;

pub mod builtins;

pub mod mounts;
