//! Migration between mounts: plan (diff), copy (apply) and verify (PRODUCT.md "Migration
//! semantics", spec/backends.md §12).
//!
//! - `plan.rs` compares a source and a destination item by item: kv values as JSON (so
//!   `{"a":1,"b":2}` equals `{"b":2,"a":1}`), files by size then content: ETag/MD5 where
//!   they decide, SHA-256 otherwise (`same_file.rs`). Files meet their counterparts by
//!   merging the two walks in path order (`counterparts.rs`), a listing page at a time.
//! - `copy.rs` applies a plan with a conflict policy, checks every value against the
//!   destination's schema and limits (a violation is reported with its key, the rest goes on),
//!   writes kv chunks (`kv_write.rs`: SQLite transactions, Redis pipelines) or files
//!   `concurrency` at a time, and records each item as it is durable (`batch.rs`) in a
//!   `journal.rs` so that an interrupted copy resumes where it stopped.
//! - `verify.rs` re-reads both sides and reports every mismatch.
//! - `saved_plan.rs` (`diff --save`: every item's action with fingerprints of both sides) and
//!   `apply_plan.rs` (`copy --plan`: exactly those writes, each refused if it drifted);
//!   `backup.rs` (`--backup-dir`: what each write replaces, saved before it; `restore`);
//!   `mirror.rs` (`--delete-extra`: destination-only items deleted after the copy);
//!   `shard.rs` (`--shard I/N`) and `names.rs` (fs names a destination must refuse).
//! - `export.rs` (kv → fs: a JSON file per key, named by `keypath.rs`), `import.rs` (fs → kv:
//!   a key per file) and `document.rs` (one JSON document in rill's JSON-store format on
//!   either side) cover the moves between the two kinds of mount.
//!
//! The engine reports through a `watch` channel of [`progress::Progress`] (items counted as
//! they finish) and stops at once when its `CancellationToken` fires (in-flight transfers
//! dropped, multipart uploads aborted); it deletes at the destination only in mirror mode
//! (`mirror.rs`, `--delete-extra`).

mod apply_plan;
pub mod backup;
mod batch;
pub mod copy;
mod counterparts;
pub mod document;
pub mod export;
pub mod import;
pub mod journal;
pub mod keypath;
mod kv_write;
pub mod mirror;
pub mod names;
pub mod plan;
pub mod preflight;
pub mod progress;
mod same_file;
pub mod saved_plan;
pub mod shard;
pub mod verify;

use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use thiserror::Error;

use crate::config::FsMountConfig;
use crate::store::kv_mount::KvMount;
use crate::store::{FsMountStore, StoreError};

/// Now, in milliseconds since 1970 (what manifests and plans record).
pub(crate) fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// An opened fs mount with its configuration (mode, `maxFileSize`).
#[derive(Debug, Clone)]
pub struct FsMount {
    pub config: FsMountConfig,
    pub store: Arc<dyn FsMountStore>,
}

/// One side of a migration: a kv mount, an fs mount, or one JSON document (a file of an fs
/// mount in rill's JSON-store format: `copy --as-document NAME`).
#[derive(Debug, Clone)]
pub enum Endpoint {
    Kv(KvMount),
    Fs(FsMount),
    /// The file at the given path of the fs mount, read and written as one JSON object.
    Document(FsMount, String),
}

impl Endpoint {
    /// Location label, safe to show.
    pub fn location(&self) -> String {
        match self {
            Endpoint::Kv(m) => m.store().info().location,
            Endpoint::Fs(f) => f.store.info().location,
            Endpoint::Document(f, path) => format!("{} document {path}", f.store.info().location),
        }
    }
}

/// Why a migration stopped.
#[derive(Debug, Error)]
pub enum MigrateError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot migrate from {src} to {dst}: {reason}")]
    Unsupported {
        src: &'static str,
        dst: &'static str,
        reason: String,
    },
    #[error("{count} item(s) differ at the destination and --on-conflict is fail: {sample}")]
    Conflicts { count: usize, sample: String },
    #[error("the destination refuses writes: {0}")]
    ReadOnly(String),
    #[error("invalid pattern `{pattern}`: {message}")]
    Pattern { pattern: String, message: String },
    #[error("journal {path}: {message}")]
    Journal { path: String, message: String },
    #[error("{path}: {message}")]
    Plan { path: String, message: String },
    #[error("backup {location}: {message}")]
    Backup { location: String, message: String },
}

/// What happened to one key or file, compared with the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Only in the source: will be created.
    New,
    /// In both, different: overwritten or skipped by the conflict policy.
    Changed,
    /// In both, equal: nothing to do.
    Same,
    /// Only in the destination: never deleted by a copy.
    OnlyInDestination,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Changed => "changed",
            Change::Same => "same",
            Change::OnlyInDestination => "only in destination",
        }
    }
}

/// `--include` / `--exclude` globs over keys or paths (`*` crosses `/`; excludes win).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    /// `--shard I/N`: only this shard's share of the items.
    shard: Option<shard::Shard>,
}

impl Filter {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filter, MigrateError> {
        Ok(Filter {
            include: build_set(include)?,
            exclude: build_set(exclude)?,
            shard: None,
        })
    }

    /// Only the items of `shard`.
    pub fn with_shard(mut self, shard: Option<shard::Shard>) -> Filter {
        self.shard = shard;
        self
    }

    pub fn shard(&self) -> Option<shard::Shard> {
        self.shard
    }

    /// Whether `name` takes part in the migration.
    pub fn accepts(&self, name: &str) -> bool {
        if self.exclude.as_ref().is_some_and(|s| s.is_match(name)) {
            return false;
        }
        self.include.as_ref().is_none_or(|s| s.is_match(name))
            && self.shard.is_none_or(|s| s.contains(name))
    }
}

fn build_set(patterns: &[String]) -> Result<Option<GlobSet>, MigrateError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = Glob::new(p).map_err(|e| MigrateError::Pattern {
            pattern: p.clone(),
            message: e.kind().to_string(),
        })?;
        b.add(g);
    }
    b.build().map(Some).map_err(|e| MigrateError::Pattern {
        pattern: patterns.join(", "),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_includes_and_excludes() {
        let f = Filter::new(&["user:*".into()], &["user:tmp*".into()]).unwrap();
        assert!(f.accepts("user:7"));
        assert!(!f.accepts("user:tmp1"));
        assert!(!f.accepts("session:1"));
        assert!(Filter::default().accepts("anything"));
        assert!(Filter::new(&["[".into()], &[]).is_err());
    }
}
