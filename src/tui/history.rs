//! Scratchpad history, one list per profile, kept across runs in the user's state folder
//! (`~/.local/state/rillmount/history/<profile>.json` on Linux; the local data folder
//! elsewhere). A file is a JSON array of snippets, oldest first, at most [`MAX`] entries.
//!
//! [`History`] is pure (recall and push); [`load_all`] runs once at start-up, before the UI
//! loop, and saving is a command run by `tasks.rs`, so `App::update` does no I/O.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

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

/// The file of `profile` in `dir` (the name made safe for a file name).
pub fn file_for(dir: &Path, profile: &str) -> PathBuf {
    let safe: String = profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{safe}.json"))
}

/// Reads the history of each named profile; a missing or unreadable file is an empty list
/// (history is a convenience, never a reason not to start).
pub fn load_all<'a>(
    dir: &Path,
    profiles: impl IntoIterator<Item = &'a str>,
) -> HashMap<String, Vec<String>> {
    profiles
        .into_iter()
        .map(|p| {
            let entries = std::fs::read_to_string(file_for(dir, p))
                .ok()
                .and_then(|t| serde_json::from_str::<Vec<String>>(&t).ok())
                .unwrap_or_default();
            (p.to_string(), entries)
        })
        .collect()
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
    fn saved_history_loads_back_per_profile() {
        let dir = tempfile::tempdir().unwrap();
        let path = file_for(dir.path(), "my/prof");
        assert!(path.ends_with("my_prof.json"));
        save(&path, &["1 + 1".into(), "\"x\"".into()]).unwrap();
        let all = load_all(dir.path(), ["my/prof", "other"]);
        assert_eq!(all["my/prof"], vec!["1 + 1", "\"x\""]);
        assert!(all["other"].is_empty());
    }
}
