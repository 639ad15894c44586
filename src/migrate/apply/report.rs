//! What a copy (or its preflight) reports: counts, rejected items, mount-wide limits passed.

use std::time::Instant;

use serde::Serialize;

use super::backup::BackupSummary;

/// An item that was not written, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejection {
    pub name: String,
    pub reason: String,
}

/// A mount-wide limit of the destination that the copy would pass (`maxEntries`, or
/// `maxStoreSize` of a JSON store).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitExceeded {
    /// The option: `maxEntries` or `maxStoreSize`.
    pub option: &'static str,
    /// Its value.
    pub allowed: u64,
    /// What the destination holds before the copy (entries, or bytes of compact JSON).
    pub holds: u64,
    /// What it would hold after.
    pub after: u64,
}

impl LimitExceeded {
    /// What to tell a person: "`prod:cache` allows 10000 entries (maxEntries, 10000 is
    /// rill's default); it holds 0 and the copy adds 200000: raise maxEntries of mount
    /// `cache` in profiles/prod.toml". `label`: the destination as `profile:mount`; `file`:
    /// its profile file as the user would type it.
    pub fn message(&self, label: &str, mount: &str, file: &str) -> String {
        match self.option {
            "maxEntries" => {
                let default = if self.allowed == crate::config::DEFAULT_MAX_ENTRIES {
                    format!(", {} is rill's default", self.allowed)
                } else {
                    String::new()
                };
                format!(
                    "`{label}` allows {} entries (maxEntries{default}); it holds {} and the copy \
                     adds {}: raise maxEntries of mount `{mount}` in {file}",
                    self.allowed,
                    self.holds,
                    self.after.saturating_sub(self.holds),
                )
            }
            "maxDelete" => format!(
                "the copy would delete {} destination-only item(s) of `{label}`, over \
                 --max-delete {}: check them with diff, then raise --max-delete or narrow \
                 the copy with --include / --exclude",
                self.after, self.allowed
            ),
            option => format!(
                "`{label}` allows a store of {} bytes ({option}); it holds {} and would hold {} \
                 after the copy: raise {option} of mount `{mount}` in {file}",
                self.allowed, self.holds, self.after
            ),
        }
    }
}

/// The outcome of a copy (printed by the CLI, as JSON with `--json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CopyReport {
    pub dry_run: bool,
    /// Items written (or that would be, in a dry run).
    pub copied: u64,
    /// Equal at both sides.
    pub skipped_same: u64,
    /// Different at the destination and kept by `--on-conflict skip`.
    pub skipped_conflict: u64,
    pub rejected: Vec<Rejection>,
    /// Mount-wide limits the copy would pass (found by the preflight; see [`copy`]).
    pub limits: Vec<LimitExceeded>,
    /// The preflight found items or limits the destination would refuse, so nothing was
    /// written (a copy without `partial`).
    pub refused: bool,
    /// Bytes written.
    pub bytes: u64,
    /// This run continued an interrupted one.
    pub resumed: bool,
    /// Stopped by a cancel; the journal holds where to resume.
    pub cancelled: bool,
    /// Things worth knowing that did not stop the copy (lossy values, empty folders).
    pub warnings: Vec<String>,
    /// Planned items not written because they changed on either side since the saved plan
    /// was made (`--plan`).
    pub drifted: Vec<Rejection>,
    /// `--delete-extra`: destination-only items found, and deleted (in a dry run: that would
    /// be).
    pub extra: u64,
    pub deleted: u64,
    /// What `--backup-dir` saved.
    pub backup: Option<BackupSummary>,
    pub elapsed_ms: u64,
}

impl CopyReport {
    /// Items done so far (copied, same, kept, rejected): how far a cancelled copy got.
    pub fn done(&self) -> u64 {
        self.copied + self.skipped_same + self.skipped_conflict + self.rejected.len() as u64
    }

    /// A cancel came before anything was written: nothing done, nothing to resume.
    pub(crate) fn stopped_before_writing(dry_run: bool, started: Instant) -> CopyReport {
        CopyReport {
            dry_run,
            cancelled: true,
            elapsed_ms: started.elapsed().as_millis() as u64,
            ..CopyReport::default()
        }
    }

    /// The destination would take everything: no item refused, no limit passed.
    pub fn accepted(&self) -> bool {
        self.rejected.is_empty() && self.limits.is_empty()
    }
}
