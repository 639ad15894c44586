//! `App::update` driven with actions and hand-made task results: no I/O, no terminal.
//! Handles are real memory-backed kv mounts; the fs handle is a stub whose methods are never
//! called (the app only passes handles on to commands).

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use indexmap::IndexMap;
use ratatui_textarea::TextArea;

use super::App;
use crate::config::{
    DEFAULT_MAX_ENTRIES, DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_VALUE_SIZE, Encoding, FsBackendConfig,
    FsMountConfig, KvBackendConfig, KvMountConfig, LocalFsConfig, Mode, Profile,
};
use crate::migrate::FsMount;
use crate::migrate::copy::CopyReport;
use crate::migrate::plan::MigrationPlan;
use crate::migrate::progress::{Phase, Progress};
use crate::store::kv_mount::KvMount;
use crate::store::memory::MemoryStore;
use crate::store::{
    ByteStream, EntryKind, ErrorKind, FileMeta, FilePage, FileStore, Json, KeyPage, RillCallError,
    RillFs, StoreError, StoreInfo, StoredValue,
};
use crate::tui::action::{Action, Command, Handle, MountConfig, RequestId, TaskOutput};
use crate::tui::context::Conn;
use crate::tui::keymap::{KeyContext, Keymap};
use crate::tui::screens::Screen;
use crate::tui::screens::browser::{BrowserLayout, Pane};
use crate::tui::screens::migrate::Step;
use crate::tui::theme::Theme;

fn kv(name: &str, mode: &str) -> KvMountConfig {
    KvMountConfig {
        name: name.into(),
        mode: Mode::new(mode),
        schema: None,
        max_entries: DEFAULT_MAX_ENTRIES,
        max_value_size: DEFAULT_MAX_VALUE_SIZE,
        backend: KvBackendConfig::Memory,
    }
}

fn fs(name: &str) -> FsMountConfig {
    FsMountConfig {
        name: name.into(),
        mode: Mode::new("read-write"),
        glob: None,
        max_file_size: DEFAULT_MAX_FILE_SIZE,
        backend: FsBackendConfig::Local(LocalFsConfig {
            path: PathBuf::from("/srv/files"),
            encoding: Encoding::Utf8,
        }),
    }
}

fn profile(name: &str, kv_mounts: Vec<KvMountConfig>, fs_mounts: Vec<FsMountConfig>) -> Profile {
    Profile {
        name: name.into(),
        path: PathBuf::from(format!("/profiles/{name}.toml")),
        description: String::new(),
        read_only: false,
        protect: false,
        warnings: Vec::new(),
        broken: Vec::new(),
        rill: Default::default(),
        kv: kv_mounts.into_iter().map(|m| (m.name.clone(), m)).collect(),
        fs: fs_mounts
            .into_iter()
            .map(|m| (m.name.clone(), m))
            .collect::<IndexMap<_, _>>(),
    }
}

fn new_app(profiles: Vec<Profile>) -> (App, Vec<Command>) {
    App::new(profiles, None, Theme::dark(), Keymap::default())
}

/// Answers every `Open` with a ready handle; returns the other commands (and those the
/// answers caused).
fn open_all(app: &mut App, commands: Vec<Command>) -> Vec<Command> {
    let mut rest = Vec::new();
    let mut queue = commands;
    while let Some(c) = queue.pop() {
        match c {
            Command::Open { id, config } => {
                let handle = match config {
                    MountConfig::Kv(c) => Handle::Kv(KvMount::new(c, Arc::new(MemoryStore::new()))),
                    MountConfig::Fs(c) => Handle::Fs(FsMount {
                        config: c,
                        store: Arc::new(NoFs),
                    }),
                };
                queue
                    .extend(app.update(Action::TaskDone(id, TaskOutput::Opened(Box::new(handle)))));
            }
            other => rest.push(other),
        }
    }
    rest
}

fn scans(commands: &[Command]) -> Vec<(RequestId, Option<String>)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::ScanKeys { id, cursor, .. } => Some((*id, cursor.clone())),
            _ => None,
        })
        .collect()
}

fn keys_page(keys: &[&str], next: Option<&str>) -> TaskOutput {
    TaskOutput::Keys(KeyPage::new(
        keys.iter().map(|k| k.to_string()).collect(),
        next.map(str::to_string),
    ))
}

fn list_names(app: &App) -> Vec<String> {
    let b = app.browser().unwrap();
    b.list
        .as_ref()
        .unwrap()
        .items
        .iter()
        .map(|i| i.name.clone())
        .collect()
}

fn text_key(c: char) -> Action {
    Action::Input(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// One kv mount `dev:a` with `keys` loaded, focus on the keys.
fn app_with_keys(p: Profile, keys: &[&str]) -> (App, Vec<Command>) {
    let (mut app, commands) = new_app(vec![p]);
    let commands = open_all(&mut app, commands);
    let (id, _) = scans(&commands)[0].clone();
    let after = app.update(Action::TaskDone(id, keys_page(keys, None)));
    app.update(Action::NextPane);
    (app, after)
}

mod browse;
mod fs_write;
mod migrate;
mod scratchpad;
mod search;
mod write;

/// An fs store whose methods are never called in these tests.
#[derive(Debug)]
struct NoFs;

/// The app drawn on a `width`×`height` test terminal, as text.
fn draw(app: &App, width: u16, height: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t.backend().to_string()
}

fn unused() -> StoreError {
    StoreError::new(ErrorKind::Unsupported, "stub", "not used by these tests")
}

#[async_trait]
impl FileStore for NoFs {
    fn info(&self) -> StoreInfo {
        StoreInfo {
            backend: crate::store::Backend::Local,
            location: "/srv/files".into(),
            capability: Default::default(),
        }
    }
    async fn list(&self, _: &str, _: Option<&str>, _: usize) -> Result<FilePage, StoreError> {
        Err(unused())
    }
    async fn walk(&self, _: Option<&str>, _: usize) -> Result<FilePage, StoreError> {
        Err(unused())
    }
    async fn stat(&self, _: &str) -> Result<Option<FileMeta>, StoreError> {
        Err(unused())
    }
    async fn read(&self, _: &str) -> Result<ByteStream, StoreError> {
        Err(unused())
    }
    async fn read_range(&self, _: &str, _: u64, _: u64) -> Result<bytes::Bytes, StoreError> {
        Err(unused())
    }
    async fn write(&self, _: &str, _: ByteStream, _: Option<u64>) -> Result<FileMeta, StoreError> {
        Err(unused())
    }
    async fn delete(&self, _: &str) -> Result<bool, StoreError> {
        Err(unused())
    }
    async fn mkdir(&self, _: &str) -> Result<bool, StoreError> {
        Err(unused())
    }
}

#[async_trait]
impl RillFs for NoFs {
    async fn read(&self, _: &str) -> Result<Json, RillCallError> {
        Err(unused().into())
    }
    async fn write(&self, _: &str, _: &str) -> Result<Json, RillCallError> {
        Err(unused().into())
    }
    async fn append(&self, _: &str, _: &str) -> Result<Json, RillCallError> {
        Err(unused().into())
    }
    async fn list(&self, _: &str) -> Result<Json, RillCallError> {
        Err(unused().into())
    }
    async fn find(&self, _: &str) -> Result<Json, RillCallError> {
        Err(unused().into())
    }
    async fn exists(&self, _: &str) -> Result<Json, RillCallError> {
        Err(unused().into())
    }
    async fn remove(&self, _: &str) -> Result<Json, RillCallError> {
        Err(unused().into())
    }
    async fn stat(&self, _: &str) -> Result<Json, RillCallError> {
        Err(unused().into())
    }
    async fn mkdir(&self, _: &str) -> Result<Json, RillCallError> {
        Err(unused().into())
    }
    async fn copy(&self, _: &str, _: &str) -> Result<Json, RillCallError> {
        Err(unused().into())
    }
    async fn move_(&self, _: &str, _: &str) -> Result<Json, RillCallError> {
        Err(unused().into())
    }
    fn mount_entry(&self) -> Json {
        Json::Null
    }
}
