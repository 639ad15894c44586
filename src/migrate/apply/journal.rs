//! The copy journal: where an interrupted copy stopped, so that a re-run resumes there.
//!
//! The journal holds the source cursor of the page being copied, the names of that page's
//! items already done (written and verified at the destination, or decided: same, kept,
//! rejected) and the counters of everything done. The copy saves it as items finish (at most
//! every 250 ms, `batch.rs`), at the end of every page (the cursor moves on, the names are
//! cleared) and when it stops; always with temp file + rename, so the journal itself is never
//! half-written, and only ever naming items whose writes are durable. A re-run of the same
//! source → destination pair finds the journal, continues from the cursor and skips the named
//! items; pages before the cursor are not read again. An item that was written but not yet
//! journalled is compared again and counted as same (writes are whole-item overwrites): no
//! duplicates, no loss. The journal is removed when the copy completes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::migrate::MigrateError;

/// The saved state of one copy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JournalState {
    /// Source and destination labels (locations without secrets) the journal belongs to.
    pub src: String,
    pub dst: String,
    /// Source cursor of the next page to copy; `None` before the first page.
    pub cursor: Option<String>,
    pub copied: u64,
    pub skipped: u64,
    pub rejected: u64,
    pub bytes: u64,
    /// Items of the page at `cursor` already done (source names: keys, or file paths).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub done: Vec<String>,
}

/// A journal file for one source → destination pair.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    pub state: JournalState,
    /// Whether the state came from an earlier, interrupted run.
    pub resumed: bool,
}

/// Default folder of journals: the user's state folder (`~/.local/state/rillmount/journal`).
pub fn default_dir() -> PathBuf {
    directories::ProjectDirs::from("dev", "rillmount", "rillmount")
        .map(|d| {
            d.state_dir()
                .unwrap_or_else(|| d.data_local_dir())
                .join("journal")
        })
        .unwrap_or_else(|| std::env::temp_dir().join("rillmount-journal"))
}

impl Journal {
    /// Opens (or starts) the journal of `src` → `dst` in `dir`.
    pub fn open(dir: &Path, src: &str, dst: &str) -> Result<Journal, MigrateError> {
        let id = hex::encode(&Sha256::digest(format!("{src}\n{dst}").as_bytes())[..8]);
        let path = dir.join(format!("copy-{id}.json"));
        let err = |message: String| MigrateError::Journal {
            path: path.display().to_string(),
            message,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let state: JournalState = serde_json::from_str(&text)
                    .map_err(|e| err(format!("unreadable ({e}); delete it to start over")))?;
                if state.src != src || state.dst != dst {
                    return Err(err(
                        "belongs to another copy; delete it to start over".into()
                    ));
                }
                Ok(Journal {
                    path,
                    state,
                    resumed: true,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Journal {
                path,
                state: JournalState {
                    src: src.to_string(),
                    dst: dst.to_string(),
                    ..JournalState::default()
                },
                resumed: false,
            }),
            Err(e) => Err(err(e.to_string())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Saves the state atomically.
    pub fn save(&self) -> Result<(), MigrateError> {
        let err = |message: String| MigrateError::Journal {
            path: self.path.display().to_string(),
            message,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(&self.state).map_err(|e| err(e.to_string()))?;
        std::fs::write(&tmp, text).map_err(|e| err(e.to_string()))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| err(e.to_string()))
    }

    /// The copy completed: the journal is no longer needed.
    pub fn finish(&self) -> Result<(), MigrateError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(MigrateError::Journal {
                path: self.path.display().to_string(),
                message: e.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_resume_then_finish() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path(), "a", "b").unwrap();
        assert!(!j.resumed);
        j.state.cursor = Some("42".into());
        j.state.copied = 7;
        j.save().unwrap();
        let again = Journal::open(dir.path(), "a", "b").unwrap();
        assert!(again.resumed);
        assert_eq!(again.state.cursor.as_deref(), Some("42"));
        assert_eq!(again.state.copied, 7);
        again.finish().unwrap();
        assert!(!Journal::open(dir.path(), "a", "b").unwrap().resumed);
    }

    #[test]
    fn corrupt_journal_is_an_error_with_advice() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path(), "a", "b").unwrap();
        std::fs::write(j.path(), "{nope").unwrap();
        let e = Journal::open(dir.path(), "a", "b").unwrap_err().to_string();
        assert!(e.contains("delete it to start over"), "{e}");
    }
}
