//! Profiles: the configured mount sets (PRODUCT.md "Profiles").
//!
//! `profiles.rs` holds the resolved structs backends open from; `load.rs` reads TOML profiles
//! (figment) and rill hosts' `rill-config.json`; `discovery.rs` finds them on disk. Each mount is
//! read on its own: one that cannot be configured is kept as a [`BrokenMount`] with its error
//! and the profile's other mounts load.

mod discovery;
pub mod load;
mod options;
pub mod profiles;
pub mod rill_config;
mod tree;

pub use profiles::*;

use std::path::PathBuf;
use thiserror::Error;

/// A profile (or one mount of it) that cannot be used. The message names the file, the mount
/// and the option, and the line where the format allows; never an option's value.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}
