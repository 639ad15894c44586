//! The host-call shape of rill v0.8.6: `kv::`/`fs::` functions with positional arguments.

pub mod fs;
pub mod kv;
