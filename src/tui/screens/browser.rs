//! The browser: mounts (left), keys or files of the selected mount (middle, paged, filtered,
//! sorted), preview of the selected item (right). State and update here; drawing in
//! `browser_view.rs`, the preview in `preview.rs`.
//!
//! Pages load lazily: the first when a mount is selected, the next when the selection comes
//! within [`PREFETCH`] rows of the end. Filter and sort apply to what is loaded.

use ratatui::layout::{Constraint, Layout, Rect};

use super::super::action::{Action, Command, RequestId, TaskOutput};
use super::super::context::{Context, MountKind, short_error};
pub use super::item_list::{Item, ItemList, PAGE, PREFETCH, Sort, dedup, load_page};
use super::preview::Preview;
use super::{Effects, Screen};

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
                    l.selected = 0;
                }
                fx.commands = self.preview_selected(ctx);
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
                    ctx.info(format!("sorted by {}", l.sort.label()));
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
            Action::Confirm => self.filtering = false,
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
        Effects::commands(self.preview_selected(ctx))
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
        let list = self.list.as_mut()?;
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
            if let Some(pos) = list
                .visible()
                .iter()
                .position(|&i| list.items[i].name == key)
            {
                list.selected = pos;
            }
        }
        self.preview = None;
        self.preview_selected(ctx)
    }
}

fn next_pane(p: Pane, forward: bool) -> Pane {
    match (p, forward) {
        (Pane::Mounts, true) | (Pane::Preview, false) => Pane::Items,
        (Pane::Items, true) | (Pane::Mounts, false) => Pane::Preview,
        (Pane::Preview, true) | (Pane::Items, false) => Pane::Mounts,
    }
}
