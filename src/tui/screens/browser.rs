//! The browser: mounts (left), keys or files of the selected mount (middle, paged, filtered,
//! sorted), preview of the selected item (right). State and update here; drawing in
//! `browser_view.rs`, the preview in `preview.rs`.
//!
//! Pages load lazily: the first when a mount is selected, the next when the selection comes
//! within [`PREFETCH`] rows of the end. Filter and sort apply to what is loaded.

use ratatui::layout::{Constraint, Layout, Rect};

use super::super::action::{Action, Command, Handle, RequestId, TaskOutput};
use super::super::context::{Context, MountKind, short_error};
pub use super::item_list::{
    Item, ItemList, PAGE, PREFETCH, SEARCH_CAP, Search, Sort, dedup, load_page, search_pattern,
};
use super::preview::Preview;
use super::{Effects, Screen};
use crate::store::{Backend, EntryKind};

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Mounts,
    Items,
    Preview,
}

/// The browser screen.
#[derive(Debug, Clone)]
pub struct BrowserScreen {
    pub focus: Pane,
    /// Selected mount (index into `Context::mounts`).
    pub mount: usize,
    pub list: Option<ItemList>,
    pub preview: Option<Preview>,
    /// Typing into the filter.
    pub filtering: bool,
    /// Typing the exact key (or path) to go to (`g`).
    pub goto: Option<String>,
    /// The read of the key (or path) gone to, and its name.
    pub goto_pending: Option<(RequestId, String)>,
}

/// Where the browser's parts are on screen (shared by drawing and mouse hit-testing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrowserLayout {
    pub mounts: Rect,
    pub info: Rect,
    pub items: Rect,
    pub preview: Rect,
}

impl BrowserLayout {
    pub fn new(area: Rect) -> BrowserLayout {
        let [left, items, preview] = Layout::horizontal([
            Constraint::Percentage(28),
            Constraint::Percentage(32),
            Constraint::Percentage(40),
        ])
        .areas(area);
        let [mounts, info] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(8)]).areas(left);
        BrowserLayout {
            mounts,
            info,
            items,
            preview,
        }
    }
}

/// A row of the mount pane: a profile heading or a mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountRow {
    Profile(usize),
    Mount(usize),
}

/// The rows of the mount pane, in order.
pub fn mount_rows(ctx: &Context) -> Vec<MountRow> {
    let mut rows = Vec::new();
    for p in 0..ctx.profiles.len() {
        rows.push(MountRow::Profile(p));
        for (i, m) in ctx.mounts.iter().enumerate() {
            if m.profile == p {
                rows.push(MountRow::Mount(i));
            }
        }
    }
    rows
}

impl BrowserScreen {
    /// A browser on the first mount of `start` (a profile name), else of the first profile.
    pub fn new(ctx: &mut Context, start: Option<&str>) -> (BrowserScreen, Vec<Command>) {
        let profile = start
            .and_then(|s| ctx.profiles.iter().position(|p| p.name == s))
            .unwrap_or(0);
        let mount = ctx
            .mounts
            .iter()
            .position(|m| m.profile == profile)
            .unwrap_or(0);
        let mut b = BrowserScreen {
            focus: Pane::Mounts,
            mount,
            list: None,
            preview: None,
            filtering: false,
            goto: None,
            goto_pending: None,
        };
        let slots: Vec<usize> = (0..ctx.mounts.len())
            .filter(|&i| ctx.mounts[i].profile == profile)
            .collect();
        let mut commands: Vec<Command> = slots.into_iter().filter_map(|i| ctx.connect(i)).collect();
        commands.extend(b.select_mount(ctx, mount));
        (b, commands)
    }

    /// Shows `slot`: connects it if needed, loads its first page when connected.
    pub fn select_mount(&mut self, ctx: &mut Context, slot: usize) -> Vec<Command> {
        if slot >= ctx.mounts.len() {
            return Vec::new();
        }
        let same = self.list.as_ref().is_some_and(|l| l.slot == slot);
        self.mount = slot;
        if !same {
            self.list = None;
            self.preview = None;
        }
        // A mount the profile could not configure never connects: its error is the status.
        if let Some(e) = ctx.broken(slot).map(|b| short_error(&b.error)) {
            ctx.error(e);
        }
        let mut out: Vec<Command> = ctx.connect(slot).into_iter().collect();
        if self.list.is_none() && ctx.handle(slot).is_some() {
            let mut list = ItemList::new(slot, String::new());
            out.extend(load_page(ctx, &mut list));
            self.list = Some(list);
        }
        out
    }

    /// A mount finished opening.
    pub fn on_opened(&mut self, ctx: &mut Context, slot: usize) -> Vec<Command> {
        if slot == self.mount && self.list.is_none() {
            return self.select_mount(ctx, slot);
        }
        Vec::new()
    }

    pub fn update(&mut self, ctx: &mut Context, action: &Action) -> Effects {
        if self.goto.is_some() {
            return self.update_goto(ctx, action);
        }
        if self.filtering {
            return self.update_filter(ctx, action);
        }
        let mut fx = Effects::default();
        match action {
            Action::NextPane => self.focus = next_pane(self.focus, true),
            Action::PrevPane => self.focus = next_pane(self.focus, false),
            Action::Up => fx.commands = self.move_by(ctx, -1),
            Action::Down => fx.commands = self.move_by(ctx, 1),
            Action::PageUp => fx.commands = self.move_by(ctx, -10),
            Action::PageDown => fx.commands = self.move_by(ctx, 10),
            Action::Top => fx.commands = self.move_by(ctx, i64::MIN / 2),
            Action::Bottom => fx.commands = self.move_by(ctx, i64::MAX / 2),
            Action::Open => fx.commands = self.open(ctx),
            Action::Back => fx.commands = self.back(ctx),
            Action::StartFilter if self.list.is_some() => {
                self.filtering = true;
                self.focus = Pane::Items;
            }
            Action::ClearFilter => {
                if let Some(l) = &mut self.list {
                    l.filter.clear();
                    l.search = None;
                    l.selected = 0;
                }
                fx.commands = self.preview_selected(ctx);
            }
            Action::GoTo if ctx.handle(self.mount).is_some() => {
                self.goto = Some(String::new());
                self.focus = Pane::Items;
            }
            Action::CycleSort => {
                if let Some(l) = &mut self.list {
                    let fs = ctx
                        .mounts
                        .get(l.slot)
                        .is_some_and(|m| m.kind == MountKind::Fs);
                    l.sort = match (l.sort, fs) {
                        (Sort::Stored, _) => Sort::NameAsc,
                        (Sort::NameAsc, _) => Sort::NameDesc,
                        (Sort::NameDesc, true) => Sort::Size,
                        _ => Sort::Stored,
                    };
                    l.selected = 0;
                    // Redis lists in hash order: only what is loaded can be sorted; the other
                    // backends list in name order already, page after page
                    let redis = ctx
                        .kv(l.slot)
                        .is_some_and(|m| m.store().info().backend == Backend::Redis);
                    let scope = if redis && !l.complete && l.sort != Sort::Stored {
                        " (sorted: loaded keys only; Redis keeps no order)"
                    } else {
                        ""
                    };
                    ctx.info(format!("sorted by {}{scope}", l.sort.label()));
                }
                fx.commands = self.preview_selected(ctx);
            }
            Action::Reload => fx.commands = self.reload(ctx),
            Action::LoadAll => {
                if let Some(p) = &mut self.preview {
                    fx.commands = p.load_all(ctx);
                }
            }
            Action::Edit => fx = self.edit(ctx),
            Action::NewKey => fx = self.new_key(ctx),
            Action::Delete => fx = self.delete(ctx),
            Action::SetTtl => fx = self.set_ttl(ctx),
            Action::OpenScratchpad => {
                let profile = ctx.mounts.get(self.mount).map_or(0, |m| m.profile);
                let pad = super::scratchpad::ScratchpadScreen::new(ctx, profile);
                fx.push = Some(Screen::Scratchpad(Box::new(pad)));
            }
            Action::OpenMigration => {
                fx.push = Some(Screen::Migrate(Box::new(
                    super::migrate::MigrateScreen::new(Some(self.mount)),
                )));
            }
            _ => {}
        }
        fx
    }

    fn update_filter(&mut self, ctx: &mut Context, action: &Action) -> Effects {
        let Some(list) = &mut self.list else {
            self.filtering = false;
            return Effects::default();
        };
        match action {
            Action::Confirm => {
                self.filtering = false;
                return Effects::default();
            }
            Action::ClearFilter | Action::Cancel => {
                list.filter.clear();
                self.filtering = false;
            }
            Action::Input(k) => {
                use crossterm::event::KeyCode;
                match k.code {
                    KeyCode::Char(c) => list.filter.push(c),
                    KeyCode::Backspace => {
                        list.filter.pop();
                    }
                    _ => return Effects::default(),
                }
            }
            Action::Paste(s) => list.filter.push_str(s.lines().next().unwrap_or_default()),
            _ => return Effects::default(),
        }
        list.selected = 0;
        let mut out = self.refresh_search(ctx);
        out.extend(self.preview_selected(ctx));
        Effects::commands(out)
    }

    /// The filter changed: when the mount holds more than is loaded, search all of it for
    /// the new filter (the search for the old one is dropped: its pages are no longer
    /// waited for); with everything loaded, or no filter, the loaded items are filtered.
    fn refresh_search(&mut self, ctx: &mut Context) -> Vec<Command> {
        let fs = ctx
            .mounts
            .get(self.mount)
            .is_some_and(|m| m.kind == MountKind::Fs);
        let Some(list) = &mut self.list else {
            return Vec::new();
        };
        let text = list.filter.clone();
        if text.is_empty() || (list.complete && list.search.is_none()) {
            list.search = None;
            return Vec::new();
        }
        if list.search.as_ref().is_some_and(|s| s.text == text) {
            return Vec::new();
        }
        match search_pattern(&text, fs.then_some(list.dir.as_str())) {
            Ok(pattern) => {
                list.search = Some(Search {
                    text,
                    pattern,
                    results: Vec::new(),
                    next: None,
                    scanned: 0,
                    done: false,
                    loading: None,
                    error: None,
                });
                search_page(ctx, list)
            }
            // still being typed (`a[`): the loaded items are filtered meanwhile
            Err(e) => {
                list.search = None;
                ctx.error(e.to_string());
                Vec::new()
            }
        }
    }

    /// Typing the key to go to: enter reads it (one read), esc gives up.
    fn update_goto(&mut self, ctx: &mut Context, action: &Action) -> Effects {
        let Some(input) = &mut self.goto else {
            return Effects::default();
        };
        match action {
            Action::Confirm => {
                let name = std::mem::take(input);
                self.goto = None;
                if name.is_empty() {
                    return Effects::default();
                }
                let id = ctx.next_id();
                let command = match ctx.handle(self.mount).cloned() {
                    Some(Handle::Kv(mount)) => Command::GetValue {
                        id,
                        mount,
                        key: name.clone(),
                    },
                    Some(Handle::Fs(fs)) => Command::StatFile {
                        id,
                        fs,
                        path: name.trim_matches('/').to_string(),
                    },
                    None => return Effects::default(),
                };
                self.goto_pending = Some((id, name));
                Effects::commands(vec![command])
            }
            Action::ClearFilter | Action::Cancel => {
                self.goto = None;
                Effects::default()
            }
            Action::Input(k) => {
                super::confirm::edit_line(input, k);
                Effects::default()
            }
            Action::Paste(s) => {
                input.push_str(s.lines().next().unwrap_or_default());
                Effects::default()
            }
            _ => Effects::default(),
        }
    }

    /// The key (or path) gone to was read: select it (added to the list when it was not
    /// loaded), open its folder, or say it is not there.
    fn on_goto(&mut self, ctx: &mut Context, name: String, out: &TaskOutput) -> Vec<Command> {
        let meta = match out {
            TaskOutput::Value(Some(_)) => None,
            TaskOutput::Stat(Some(m)) => Some(m.clone()),
            TaskOutput::Value(None) | TaskOutput::Stat(None) => {
                let what = if matches!(out, TaskOutput::Stat(_)) {
                    "path"
                } else {
                    "key"
                };
                ctx.error(format!(
                    "no such {what} `{name}` in {}",
                    ctx.address(self.mount)
                ));
                return Vec::new();
            }
            TaskOutput::Failed(e) => {
                ctx.error(e.clone());
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        let Some(list) = &mut self.list else {
            return Vec::new();
        };
        if let Some(m) = meta.as_ref().filter(|m| m.kind == EntryKind::Directory) {
            let mut l = ItemList::new(list.slot, m.path.clone());
            l.sort = list.sort;
            let out = load_page(ctx, &mut l);
            self.list = Some(l);
            self.preview = None;
            self.focus = Pane::Items;
            return out;
        }
        // in the folder's listing, or (fs) the listing of the file's folder
        if let Some(m) = &meta {
            let parent = m.path.rsplit_once('/').map_or("", |(p, _)| p);
            if parent != list.dir {
                let mut l = ItemList::new(list.slot, parent.to_string());
                l.sort = list.sort;
                let out = load_page(ctx, &mut l);
                l.items.push(Item {
                    name: m.path.clone(),
                    meta: Some(m.clone()),
                });
                self.list = Some(l);
                self.preview = None;
                self.focus = Pane::Items;
                let mut out = out;
                out.extend(self.preview_selected(ctx));
                return out;
            }
        }
        let key = meta.as_ref().map_or(name, |m| m.path.clone());
        list.filter.clear();
        list.search = None;
        if !list.items.iter().any(|i| i.name == key) {
            list.items.insert(
                0,
                Item {
                    name: key.clone(),
                    meta: meta.clone(),
                },
            );
        }
        list.select(&key);
        self.focus = Pane::Items;
        self.preview_selected(ctx)
    }

    fn move_by(&mut self, ctx: &mut Context, delta: i64) -> Vec<Command> {
        match self.focus {
            Pane::Mounts => {
                let n = ctx.mounts.len() as i64;
                if n == 0 {
                    return Vec::new();
                }
                let to = (self.mount as i64 + delta).clamp(0, n - 1) as usize;
                if to == self.mount {
                    return Vec::new();
                }
                self.select_mount(ctx, to)
            }
            Pane::Items => {
                let Some(list) = &mut self.list else {
                    return Vec::new();
                };
                let n = list.visible().len() as i64;
                if n == 0 {
                    // Nothing loaded (or nothing matching) yet: moving asks for more.
                    return load_page(ctx, list);
                }
                list.selected = (list.selected as i64 + delta).clamp(0, n - 1) as usize;
                let mut out = Vec::new();
                if list.selected + PREFETCH >= n as usize {
                    out.extend(load_page(ctx, list));
                }
                out.extend(self.preview_selected(ctx));
                out
            }
            Pane::Preview => {
                if let Some(p) = &mut self.preview {
                    p.scroll_by(delta);
                }
                Vec::new()
            }
        }
    }

    /// Selects row `index` of the focused pane (mouse click).
    pub fn click_row(&mut self, ctx: &mut Context, pane: Pane, index: usize) -> Vec<Command> {
        self.focus = pane;
        match pane {
            Pane::Mounts => match mount_rows(ctx).get(index) {
                Some(MountRow::Mount(slot)) => self.select_mount(ctx, *slot),
                Some(MountRow::Profile(p)) => {
                    match ctx.mounts.iter().position(|m| m.profile == *p) {
                        Some(slot) => self.select_mount(ctx, slot),
                        None => Vec::new(),
                    }
                }
                None => Vec::new(),
            },
            Pane::Items => {
                let Some(list) = &mut self.list else {
                    return Vec::new();
                };
                if index >= list.visible().len() {
                    return Vec::new();
                }
                list.selected = index;
                self.preview_selected(ctx)
            }
            Pane::Preview => Vec::new(),
        }
    }

    fn open(&mut self, ctx: &mut Context) -> Vec<Command> {
        match self.focus {
            Pane::Mounts => {
                ctx.reset(self.mount);
                self.focus = Pane::Items;
                let mut out = self.select_mount(ctx, self.mount);
                out.extend(self.preview_selected(ctx));
                out
            }
            Pane::Items => {
                let Some(list) = &mut self.list else {
                    return Vec::new();
                };
                match list.selected_item() {
                    Some(item) if item.is_dir() => {
                        let mut l = ItemList::new(list.slot, item.name.clone());
                        l.sort = list.sort;
                        let out = load_page(ctx, &mut l);
                        self.list = Some(l);
                        self.preview = None;
                        out
                    }
                    Some(_) => {
                        self.focus = Pane::Preview;
                        Vec::new()
                    }
                    None => Vec::new(),
                }
            }
            Pane::Preview => Vec::new(),
        }
    }

    fn back(&mut self, ctx: &mut Context) -> Vec<Command> {
        match self.focus {
            Pane::Preview => {
                self.focus = Pane::Items;
                Vec::new()
            }
            Pane::Items => {
                let Some(list) = &mut self.list else {
                    self.focus = Pane::Mounts;
                    return Vec::new();
                };
                if list.dir.is_empty() {
                    self.focus = Pane::Mounts;
                    return Vec::new();
                }
                let parent = match list.dir.rsplit_once('/') {
                    Some((p, _)) => p.to_string(),
                    None => String::new(),
                };
                let mut l = ItemList::new(list.slot, parent);
                l.sort = list.sort;
                let out = load_page(ctx, &mut l);
                self.list = Some(l);
                self.preview = None;
                out
            }
            Pane::Mounts => Vec::new(),
        }
    }

    fn reload(&mut self, ctx: &mut Context) -> Vec<Command> {
        ctx.reset(self.mount);
        let Some(old) = self.list.take() else {
            return self.select_mount(ctx, self.mount);
        };
        let mut l = ItemList::new(old.slot, old.dir);
        l.sort = old.sort;
        l.filter = old.filter;
        let out = load_page(ctx, &mut l);
        self.list = Some(l);
        self.preview = None;
        out
    }

    /// Starts loading the preview of the selected item (if it changed).
    pub fn preview_selected(&mut self, ctx: &mut Context) -> Vec<Command> {
        let Some(list) = &self.list else {
            return Vec::new();
        };
        let Some(item) = list.selected_item().cloned() else {
            self.preview = None;
            return Vec::new();
        };
        if item.is_dir() {
            self.preview = None;
            return Vec::new();
        }
        if self
            .preview
            .as_ref()
            .is_some_and(|p| p.slot == list.slot && p.name == item.name)
        {
            return Vec::new();
        }
        let (preview, cmd) = Preview::start(ctx, list.slot, &item);
        self.preview = Some(preview);
        cmd.into_iter().collect()
    }

    /// Takes a task result if this screen waits for it (`None`: not ours).
    pub fn on_task(
        &mut self,
        ctx: &mut Context,
        id: RequestId,
        out: &TaskOutput,
    ) -> Option<Vec<Command>> {
        if let Some(p) = &mut self.preview
            && p.loading == Some(id)
        {
            p.on_result(out);
            return Some(Vec::new());
        }
        if let Some((pending, name)) = self.goto_pending.take() {
            if pending == id {
                return Some(self.on_goto(ctx, name, out));
            }
            self.goto_pending = Some((pending, name));
        }
        let list = self.list.as_mut()?;
        if list.counting == Some(id) {
            list.counting = None;
            if let TaskOutput::Count(n) = out {
                list.total = Some(*n);
            }
            return Some(Vec::new());
        }
        if list.search.as_ref().is_some_and(|s| s.loading == Some(id)) {
            on_search_page(list, out);
            let mut more = Vec::new();
            if self.preview.is_none() {
                more.extend(self.preview_selected(ctx));
            }
            more.extend(
                self.list
                    .as_mut()
                    .map(|l| search_page(ctx, l))
                    .unwrap_or_default(),
            );
            return Some(more);
        }
        if list.loading != Some(id) {
            return None;
        }
        list.loading = None;
        match out {
            TaskOutput::Keys(page) => {
                list.items.extend(page.keys.iter().map(|k| Item {
                    name: k.clone(),
                    meta: None,
                }));
                // A Redis SCAN may return a key twice: keep the first.
                dedup(&mut list.items);
                list.next = page.next.clone();
                list.complete = page.next.is_none();
                list.scanned += page.scanned.max(page.keys.len() as u64);
            }
            TaskOutput::Files(page) => {
                list.items.extend(page.entries.iter().map(|m| Item {
                    name: m.path.clone(),
                    meta: Some(m.clone()),
                }));
                // a file gone to (`g`) is listed before its folder's pages come
                dedup(&mut list.items);
                list.next = page.next.clone();
                list.complete = page.next.is_none();
            }
            TaskOutput::Failed(e) => {
                list.error = Some(e.clone());
                ctx.error(e.clone());
            }
            _ => {}
        }
        let mut out = Vec::new();
        if list.wants_more() {
            out.extend(load_page(ctx, list));
        }
        // After the first page: show the first item.
        if self.preview.is_none() {
            out.extend(self.preview_selected(ctx));
        }
        Some(out)
    }

    /// A write finished: update the list and the preview.
    pub fn after_write(
        &mut self,
        ctx: &mut Context,
        slot: usize,
        key: &str,
        deleted: bool,
    ) -> Vec<Command> {
        let Some(list) = &mut self.list else {
            return Vec::new();
        };
        if list.slot != slot {
            return Vec::new();
        }
        if deleted {
            list.items.retain(|i| i.name != key);
            let n = list.visible().len();
            list.selected = list.selected.min(n.saturating_sub(1));
        } else if !list.items.iter().any(|i| i.name == key) {
            list.items.push(Item {
                name: key.to_string(),
                meta: None,
            });
            list.select(key);
        }
        self.preview = None;
        self.preview_selected(ctx)
    }
}

/// Asks for the next page of the list's search unless it is done, capped, or waiting.
pub fn search_page(ctx: &mut Context, list: &mut ItemList) -> Vec<Command> {
    let Some(search) = &mut list.search else {
        return Vec::new();
    };
    if search.done || search.capped() || search.loading.is_some() || search.error.is_some() {
        return Vec::new();
    }
    let Some(handle) = ctx.handle(list.slot).cloned() else {
        return Vec::new();
    };
    let id = ctx.next_id();
    search.loading = Some(id);
    let (pattern, cursor) = (search.pattern.clone(), search.next.clone());
    vec![match handle {
        Handle::Kv(mount) => Command::SearchKeys {
            id,
            mount,
            pattern,
            cursor,
            count: SEARCH_PAGE,
        },
        Handle::Fs(fs) => Command::SearchFiles {
            id,
            fs,
            pattern,
            cursor,
            limit: SEARCH_PAGE,
        },
    }]
}

/// Keys (or files) asked for per search page: a Redis SCAN `COUNT`, a listing page.
pub const SEARCH_PAGE: usize = 1000;

/// Takes one page of the list's search.
fn on_search_page(list: &mut ItemList, out: &TaskOutput) {
    let Some(search) = &mut list.search else {
        return;
    };
    search.loading = None;
    match out {
        TaskOutput::Keys(page) => {
            search.results.extend(page.keys.iter().map(|k| Item {
                name: k.clone(),
                meta: None,
            }));
            dedup(&mut search.results);
            search.scanned += page.scanned.max(page.keys.len() as u64);
            search.next = page.next.clone();
            search.done = page.next.is_none();
        }
        TaskOutput::Files(page) => {
            search.results.extend(page.entries.iter().map(|m| Item {
                name: m.path.clone(),
                meta: Some(m.clone()),
            }));
            search.scanned += page.scanned.max(page.entries.len() as u64);
            search.next = page.next.clone();
            search.done = page.next.is_none();
        }
        TaskOutput::Failed(e) => search.error = Some(e.clone()),
        _ => {}
    }
    search.results.truncate(SEARCH_CAP);
}

fn next_pane(p: Pane, forward: bool) -> Pane {
    match (p, forward) {
        (Pane::Mounts, true) | (Pane::Preview, false) => Pane::Items,
        (Pane::Items, true) | (Pane::Mounts, false) => Pane::Preview,
        (Pane::Preview, true) | (Pane::Items, false) => Pane::Mounts,
    }
}
