//! Scratchpad history, one list per profile and rill dialect (a 0.8 snippet recalled into a
//! 0.20 scratchpad would only fail), kept across runs in the user's state folder
//! (`~/.local/state/rillmount/history/<profile>.rill-0.20.json` on Linux; the local data
//! folder elsewhere). A file is a JSON array of snippets, oldest first, at most [`MAX`]
//! entries. The single `<profile>.json` of earlier versions is read as the history of the
//! profile's own dialect until that one is first saved.
//!
//! [`History`] is pure (recall and push); [`load_all`] runs once at start-up, before the UI
//! loop, and saving is a command run by `tasks.rs`, so `App::update` does no I/O.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::rill::dialect::Dialect;

/// Snippets kept per profile.
pub const MAX: usize = 200;

/// The history folder, if the platform has one.
pub fn default_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "rillmount")?;
    let base = dirs
        .state_dir()
        .unwrap_or_else(|| dirs.data_local_dir())
        .to_path_buf();
    Some(base.join("history"))
}

/// The key of one list in [`load_all`]'s map (and `Context::histories`).
pub fn key(profile: &str, dialect: Dialect) -> String {
    format!("{profile}\u{0}rill {dialect}")
}

/// The file of `profile`'s `dialect` snippets in `dir` (the name made safe for a file name).
pub fn file_for(dir: &Path, profile: &str, dialect: Dialect) -> PathBuf {
    dir.join(format!("{}.rill-{dialect}.json", safe_name(profile)))
}

/// The one file per profile of rillmount before dialects.
fn legacy_file(dir: &Path, profile: &str) -> PathBuf {
    dir.join(format!("{}.json", safe_name(profile)))
}

fn safe_name(profile: &str) -> String {
    profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Reads the histories of each profile (named with the dialect it runs), one list per
/// dialect under [`key`]; a missing or unreadable file is an empty list (history is a
/// convenience, never a reason not to start).
pub fn load_all<'a>(
    dir: &Path,
    profiles: impl IntoIterator<Item = (&'a str, Dialect)>,
) -> HashMap<String, Vec<String>> {
    let read = |path: PathBuf| {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok())
    };
    let mut out = HashMap::new();
    for (p, own) in profiles {
        for d in Dialect::ALL {
            let mut entries = read(file_for(dir, p, d));
            if entries.is_none() && d == own {
                entries = read(legacy_file(dir, p));
            }
            out.insert(key(p, d), entries.unwrap_or_default());
        }
    }
    out
}

/// Writes `entries` to `path` (creating the folder), through a temp file and a rename.
pub fn save(path: &Path, entries: &[String]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(entries).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// The snippets of one profile and where recall is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Oldest first.
    pub entries: Vec<String>,
    /// Index being shown by recall; `None` = the user's own text.
    pub pos: Option<usize>,
    /// The user's own text, kept while recalling.
    pub draft: String,
}

impl History {
    pub fn new(entries: Vec<String>) -> History {
        History {
            entries,
            ..History::default()
        }
    }

    /// Adds a run snippet (not twice in a row, not blank) and resets recall.
    pub fn push(&mut self, snippet: &str) {
        self.pos = None;
        if snippet.trim().is_empty() || self.entries.last().is_some_and(|l| l == snippet) {
            return;
        }
        self.entries.push(snippet.to_string());
        if self.entries.len() > MAX {
            let extra = self.entries.len() - MAX;
            self.entries.drain(..extra);
        }
    }

    /// One older snippet; `current` is the editor text (kept as the draft on the first step).
    pub fn older(&mut self, current: &str) -> Option<&str> {
        let next = match self.pos {
            None if self.entries.is_empty() => return None,
            None => {
                self.draft = current.to_string();
                self.entries.len() - 1
            }
            Some(0) => return None,
            Some(i) => i - 1,
        };
        self.pos = Some(next);
        self.entries.get(next).map(String::as_str)
    }

    /// One newer snippet, then back to the draft.
    pub fn newer(&mut self) -> Option<&str> {
        let i = self.pos?;
        if i + 1 < self.entries.len() {
            self.pos = Some(i + 1);
            self.entries.get(i + 1).map(String::as_str)
        } else {
            self.pos = None;
            Some(self.draft.as_str())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_walks_back_and_returns_to_the_draft() {
        let mut h = History::new(vec!["a".into(), "b".into()]);
        assert_eq!(h.older("draft"), Some("b"));
        assert_eq!(h.older("b"), Some("a"));
        assert_eq!(h.older("a"), None);
        assert_eq!(h.newer(), Some("b"));
        assert_eq!(h.newer(), Some("draft"));
        assert_eq!(h.newer(), None);
    }

    #[test]
    fn push_skips_repeats_and_blanks_and_caps() {
        let mut h = History::default();
        h.push("x");
        h.push("x");
        h.push("  ");
        assert_eq!(h.entries, vec!["x"]);
        for i in 0..MAX + 5 {
            h.push(&i.to_string());
        }
        assert_eq!(h.entries.len(), MAX);
        assert_eq!(h.entries.last().map(String::as_str), Some("204"));
    }

    #[test]
    fn saved_history_loads_back_per_profile_and_dialect() {
        let dir = tempfile::tempdir().unwrap();
        let path = file_for(dir.path(), "my/prof", Dialect::V0_20);
        assert!(path.ends_with("my_prof.rill-0.20.json"));
        save(&path, &["1 + 1".into(), "\"x\"".into()]).unwrap();
        // An earlier version's single file: the history of the profile's own dialect.
        save(
            &dir.path().join("other.json"),
            &["kv::get(\"a\", \"b\")".into()],
        )
        .unwrap();
        let all = load_all(
            dir.path(),
            [("my/prof", Dialect::V0_20), ("other", Dialect::V0_8)],
        );
        assert_eq!(all[&key("my/prof", Dialect::V0_20)], vec!["1 + 1", "\"x\""]);
        assert!(all[&key("my/prof", Dialect::V0_8)].is_empty());
        assert_eq!(
            all[&key("other", Dialect::V0_8)],
            vec!["kv::get(\"a\", \"b\")"]
        );
        assert!(all[&key("other", Dialect::V0_20)].is_empty());
    }
}
