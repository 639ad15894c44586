//! The item list of the browser's middle pane: keys or directory entries of one mount (and
//! one folder), loaded page by page, filtered and sorted on what is loaded.

use super::super::action::{Command, Handle, RequestId};
use super::super::context::Context;
use crate::store::key_pattern::{KeyPattern, PatternError};
use crate::store::{EntryKind, FileMeta};

/// Keys or files asked for per page.
pub const PAGE: usize = 200;
/// Load the next page when the selection is this close to the end of what is loaded.
pub const PREFETCH: usize = 20;

/// Order of the item list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// As the store lists them (JSON insertion order, SQLite byte order, SCAN order).
    Stored,
    NameAsc,
    NameDesc,
    /// Largest first (files only).
    Size,
}

impl Sort {
    pub fn label(self) -> &'static str {
        match self {
            Sort::Stored => "stored order",
            Sort::NameAsc => "name ↑",
            Sort::NameDesc => "name ↓",
            Sort::Size => "size",
        }
    }
}

/// One key or directory entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Full key, or path relative to the mount root.
    pub name: String,
    /// Files only.
    pub meta: Option<FileMeta>,
}

impl Item {
    pub fn is_dir(&self) -> bool {
        self.meta
            .as_ref()
            .is_some_and(|m| m.kind == EntryKind::Directory)
    }
    /// What the list shows: the key, or the last path segment (`/` after folders).
    pub fn label(&self) -> String {
        match &self.meta {
            Some(m) if m.kind == EntryKind::Directory => format!("{}/", m.name()),
            Some(m) => m.name().to_string(),
            None => self.name.clone(),
        }
    }
}

/// The item list of one mount (and, for fs, one folder).
#[derive(Debug, Clone)]
pub struct ItemList {
    pub slot: usize,
    /// Folder shown (fs), `""` = root.
    pub dir: String,
    pub items: Vec<Item>,
    /// Cursor of the next page; `None` with `complete`.
    pub next: Option<String>,
    pub complete: bool,
    /// About how many stored keys the server looked at so far (Redis SCAN over a database
    /// where the mount's prefix is rare looks at many more keys than it lists).
    pub scanned: u64,
    pub loading: Option<RequestId>,
    pub error: Option<String>,
    /// Index into [`ItemList::visible`].
    pub selected: usize,
    pub filter: String,
    pub sort: Sort,
    /// The search of the whole mount for the filter (when the list is not all loaded).
    pub search: Option<Search>,
    /// How many entries the kv mount holds (exact, or a Redis scan's count, "≈").
    pub total: Option<u64>,
    pub counting: Option<RequestId>,
}

/// Matches at most kept by one search (the line then asks for a narrower pattern).
pub const SEARCH_CAP: usize = 10_000;

/// A search of the whole mount on the server (`scan_match` / `walk_match`), page after page
/// until done, cancelled, or replaced by the search for a newer filter (whose results are
/// the only ones taken: a page of an older search arrives with an id nobody waits for).
#[derive(Debug, Clone)]
pub struct Search {
    /// The filter text it searches for.
    pub text: String,
    pub pattern: KeyPattern,
    pub results: Vec<Item>,
    pub next: Option<String>,
    /// Keys the server looked at so far (kv; Redis: the sum of SCAN's COUNT hints).
    pub scanned: u64,
    pub done: bool,
    pub loading: Option<RequestId>,
    pub error: Option<String>,
}

impl Search {
    /// Whether it stopped at [`SEARCH_CAP`] matches.
    pub fn capped(&self) -> bool {
        self.results.len() >= SEARCH_CAP
    }
}

/// The pattern the filter `text` searches with: the text as a glob when it has a wildcard
/// (`*`, `?`, `[`), else any name that contains it; on an fs list, below the folder `dir`.
pub fn search_pattern(text: &str, dir: Option<&str>) -> Result<KeyPattern, PatternError> {
    let glob = if is_glob(text) {
        text.to_string()
    } else {
        format!("*{}*", KeyPattern::escape(text))
    };
    let under = match dir {
        Some(d) if !d.is_empty() => KeyPattern::escape(&format!("{d}/")),
        _ => String::new(),
    };
    KeyPattern::parse(&format!("{under}{glob}"))
}

/// Whether the filter text is a glob (else a case-insensitive substring).
pub fn is_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

impl ItemList {
    pub fn new(slot: usize, dir: String) -> ItemList {
        ItemList {
            slot,
            dir,
            items: Vec::new(),
            next: None,
            complete: false,
            scanned: 0,
            loading: None,
            error: None,
            selected: 0,
            filter: String::new(),
            sort: Sort::Stored,
            search: None,
            total: None,
            counting: None,
        }
    }

    /// The items the list shows: a search's results while there is one, else what is loaded.
    pub fn shown(&self) -> &[Item] {
        match &self.search {
            Some(s) => &s.results,
            None => &self.items,
        }
    }

    /// Indices of loaded items that pass the filter, in display order (folders first).
    pub fn visible(&self) -> Vec<usize> {
        let items = self.shown();
        let needle = self.filter.to_lowercase();
        // a glob matches the key, or the entry's name in its folder
        let glob = is_glob(&self.filter)
            .then(|| KeyPattern::parse(&self.filter).ok())
            .flatten();
        let keep = |item: &Item| {
            if self.search.is_some() || needle.is_empty() {
                return true;
            }
            match &glob {
                Some(g) => g.matches(item.meta.as_ref().map_or(&item.name, |m| m.name())),
                None => item.label().to_lowercase().contains(&needle),
            }
        };
        let mut v: Vec<usize> = (0..items.len()).filter(|&i| keep(&items[i])).collect();
        match self.sort {
            Sort::Stored => {}
            Sort::NameAsc => v.sort_by(|&a, &b| items[a].name.cmp(&items[b].name)),
            Sort::NameDesc => v.sort_by(|&a, &b| items[b].name.cmp(&items[a].name)),
            Sort::Size => {
                v.sort_by_key(|&i| std::cmp::Reverse(items[i].meta.as_ref().map_or(0, |m| m.size)))
            }
        }
        v.sort_by_key(|&i| !items[i].is_dir());
        v
    }

    /// Selects the row showing `name`, if one does.
    pub fn select(&mut self, name: &str) {
        let shown = self.shown();
        if let Some(pos) = self.visible().iter().position(|&i| shown[i].name == name) {
            self.selected = pos;
        }
    }

    pub fn selected_item(&self) -> Option<&Item> {
        self.visible()
            .get(self.selected)
            .and_then(|&i| self.shown().get(i))
    }
}

impl ItemList {
    /// Whether the list should ask for the next page without waiting for the user: it does
    /// not fill a page yet and the store has more (a sparse Redis prefix returns empty pages
    /// with a cursor that goes on; each page is bounded in time, so the UI stays live).
    pub fn wants_more(&self) -> bool {
        !self.complete && self.error.is_none() && self.items.len() < PAGE
    }

    /// Whether the server is looking at many more keys than it lists (a sparse prefix).
    pub fn is_sparse_scan(&self) -> bool {
        self.scanned > self.items.len() as u64 + PAGE as u64
    }
}

/// Keeps the first of each name (a Redis SCAN may return a key twice).
pub fn dedup(items: &mut Vec<Item>) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.name.clone()));
}

/// Asks for the next page of `list` unless it is complete or already loading.
pub fn load_page(ctx: &mut Context, list: &mut ItemList) -> Vec<Command> {
    if list.complete || list.loading.is_some() || list.error.is_some() {
        return Vec::new();
    }
    let Some(handle) = ctx.handle(list.slot).cloned() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // a kv list's first page: the mount's count too, for the title (a scan on Redis, in
    // the background)
    if let Handle::Kv(mount) = &handle
        && list.next.is_none()
        && list.total.is_none()
        && list.counting.is_none()
    {
        let id = ctx.next_id();
        list.counting = Some(id);
        out.push(Command::CountKeys {
            id,
            mount: mount.clone(),
        });
    }
    let id = ctx.next_id();
    list.loading = Some(id);
    out.push(match handle {
        Handle::Kv(mount) => Command::ScanKeys {
            id,
            mount,
            cursor: list.next.clone(),
            count: PAGE,
        },
        Handle::Fs(fs) => Command::ListFiles {
            id,
            fs,
            dir: list.dir.clone(),
            cursor: list.next.clone(),
            limit: PAGE,
        },
    });
    out
}
