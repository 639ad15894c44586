//! Layer 7: scripts against a profile's mounts — kv/fs bindings and the run session.

pub mod bindings;
pub mod change;
pub mod session;
