//! Crate-wide error alias. Each layer has its own `thiserror` enum
//! (`store::StoreError`, `config::ConfigError`, `rill::RillError`, `migrate::MigrateError`);
//! this module only joins them for callers that do not care which layer failed.

use thiserror::Error;

/// Any error of any layer, with its message already worded for a person.
#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
