//! Migration between mounts (PRODUCT.md "Migration semantics", spec/backends.md §12), as a
//! pipeline of phases, each a folder or file that imports only the phases before it:
//!
//! 1. `plan/` compares a source and a destination item by item: kv values as JSON (so
//!    `{"a":1,"b":2}` equals `{"b":2,"a":1}`), files by size then content: ETag/MD5 where they
//!    decide, SHA-256 otherwise (`same_file.rs`). Files meet their counterparts by merging the
//!    two walks in path order (`counterparts.rs`); `export.rs` / `import.rs` plan the moves
//!    between kv and fs, `document.rs` reads one JSON document in rill's JSON-store format on
//!    either side, `saved_plan.rs` keeps every item's action with fingerprints of both sides
//!    (`diff --save`).
//! 2. `apply/` writes: kv chunks (`kv_write.rs`: SQLite transactions, Redis pipelines, several
//!    under way) or files `concurrency` at a time, each checked against the destination's
//!    schema and limits and recorded as it is durable (`batch.rs`) in a `journal.rs` so that an
//!    interrupted copy resumes where it stopped; `with_plan.rs` (`copy --plan`: exactly a saved
//!    plan's writes, each refused if it drifted), `backup.rs` (`--backup-dir`: what each write
//!    replaces, saved before it; `restore`), `mirror.rs` (`--delete-extra`). A dry pass makes
//!    the same decisions and writes nothing.
//! 3. `preflight.rs`: the verdict before any write, from a glance at the source when that
//!    settles every rule, else from the dry pass (so it decides exactly as the writes would).
//! 4. `copy.rs`: what `rillmount copy` and the TUI run: setup checks, the preflight, the writes.
//! 5. `verify.rs` re-reads both sides and reports every mismatch.
//!
//! Shared by all: `shard.rs` (`--shard I/N`), `names.rs` (fs names a destination must refuse),
//! `keypath.rs` (kv key ↔ file name), `progress.rs`. The engine reports through a `watch`
//! channel of [`progress::Progress`] (items counted as they finish) and stops at once when its
//! `CancellationToken` fires (in-flight transfers dropped, multipart uploads aborted); it
//! deletes at the destination only in mirror mode (`apply/mirror.rs`, `--delete-extra`).

// The phases, each importing only the ones above it (and the shared pieces below):
// plan (items, fingerprints) → apply (the writers; a dry pass decides without writing) →
// preflight (the verdict: the dry pass, or a glance at the source) → copy (preflight, then
// apply) → verify.
pub mod apply;
pub mod copy;
pub mod plan;
pub mod preflight;
pub mod verify;

// Shared by the phases.
pub mod keypath;
pub mod names;
pub mod progress;
pub mod shard;

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

/// What to do with an item that exists at the destination with a different value.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// Keep the destination's value.
    #[default]
    Skip,
    /// Replace it with the source's.
    Overwrite,
    /// Refuse the whole copy (checked before anything is written).
    Fail,
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
