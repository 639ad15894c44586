//! Each source file's counterpart at the destination, found by walking both mounts in step.
//!
//! Both walks come in path order (`FileStore::walk`), so the destination entries that can
//! match a page of source files are exactly those up to the page's last path: a plan or a copy
//! reads the destination one listing page per thousand files, never a request per file. A
//! listing that breaks the order is an error, never a wrong plan: a file taken for absent
//! would be overwritten.

use std::collections::{HashMap, VecDeque};

use super::PAGE;
use crate::migrate::MigrateError;
use crate::store::{EntryKind, FileMeta, FileStore, FsMountStore, walk_key};

/// The destination's walk, handed out a source page at a time.
pub(crate) struct Counterparts<'a> {
    store: &'a dyn FsMountStore,
    cursor: Option<String>,
    /// Read from the destination, not yet handed out.
    pending: VecDeque<FileMeta>,
    done: bool,
    /// Walk key of the last entry read, to check the order.
    last_read: Option<String>,
}

/// The destination entries that can match one page of source files.
#[derive(Debug, Default)]
pub(crate) struct Window {
    by_key: HashMap<String, FileMeta>,
}

impl Window {
    /// The destination entry at `path`, taken out of the window.
    pub fn take(&mut self, path: &str) -> Option<FileMeta> {
        self.by_key.remove(path)
    }

    /// The files no source file took, in path order: only in the destination.
    pub fn unmatched_files(self) -> Vec<FileMeta> {
        let mut rest: Vec<FileMeta> = self
            .by_key
            .into_values()
            .filter(|m| m.kind == EntryKind::File)
            .collect();
        rest.sort_by(|a, b| a.path.cmp(&b.path));
        rest
    }
}

impl<'a> Counterparts<'a> {
    pub fn new(store: &'a dyn FsMountStore) -> Counterparts<'a> {
        Counterparts {
            store,
            cursor: None,
            pending: VecDeque::new(),
            done: false,
            last_read: None,
        }
    }

    /// Every destination entry up to the walk key `last`, or all that are left when `last`
    /// is `None` (the source is done).
    pub async fn up_to(&mut self, last: Option<&str>) -> Result<Window, MigrateError> {
        while !self.done && last.is_none_or(|l| self.last_read.as_deref().is_none_or(|r| r <= l)) {
            let page = self.store.walk(self.cursor.as_deref(), PAGE).await?;
            for e in page.entries {
                let key = walk_key(&e).into_owned();
                check_order(self.store, self.last_read.as_deref(), &key)?;
                self.last_read = Some(key);
                self.pending.push_back(e);
            }
            self.cursor = page.next;
            self.done = self.cursor.is_none();
        }
        let mut window = Window::default();
        while let Some(e) = self.pending.front() {
            if last.is_some_and(|l| walk_key(e).as_ref() > l) {
                break;
            }
            if let Some(e) = self.pending.pop_front() {
                window.by_key.insert(walk_key(&e).into_owned(), e);
            }
        }
        Ok(window)
    }
}

/// Fails when `key` does not come after `previous` in a walk of `store`.
pub(crate) fn check_order(
    store: &dyn FsMountStore,
    previous: Option<&str>,
    key: &str,
) -> Result<(), MigrateError> {
    match previous {
        Some(p) if p >= key => Err(MigrateError::Unsupported {
            src: "a listing out of order",
            dst: "a plan",
            reason: format!(
                "{} listed `{key}` after `{p}`: its listing is not in path order, so files \
                 cannot be matched with their counterparts",
                FileStore::info(store).location
            ),
        }),
        _ => Ok(()),
    }
}

/// The source side's order check: the walk key of the last file seen.
#[derive(Debug, Default)]
pub(crate) struct InOrder {
    last: Option<String>,
}

impl InOrder {
    /// Checks a page of `store`'s walk and returns its last walk key (the window's end).
    pub fn page(
        &mut self,
        store: &dyn FsMountStore,
        entries: &[FileMeta],
    ) -> Result<Option<String>, MigrateError> {
        for e in entries {
            let key = walk_key(e);
            check_order(store, self.last.as_deref(), &key)?;
            self.last = Some(key.into_owned());
        }
        Ok(self.last.clone())
    }
}
