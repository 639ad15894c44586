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
    TaskOutput::Keys(KeyPage {
        keys: keys.iter().map(|k| k.to_string()).collect(),
        next: next.map(str::to_string),
    })
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

#[test]
fn first_page_then_the_next_one_near_the_end() {
    let (mut app, commands) = new_app(vec![profile("dev", vec![kv("a", "read-write")], vec![])]);
    let commands = open_all(&mut app, commands);
    let s = scans(&commands);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].1, None);
    let names: Vec<String> = (0..30).map(|i| format!("k{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let after = app.update(Action::TaskDone(s[0].0, keys_page(&refs, Some("c1"))));
    assert!(
        matches!(&after[..], [Command::GetValue { key, .. }] if key == "k00"),
        "the first key is previewed: {after:?}"
    );
    app.update(Action::NextPane);
    let mut next_pages = Vec::new();
    for _ in 0..15 {
        next_pages.extend(scans(&app.update(Action::Down)));
    }
    assert_eq!(next_pages.len(), 1, "one request while the page loads");
    assert_eq!(next_pages[0].1.as_deref(), Some("c1"));
    app.update(Action::TaskDone(
        next_pages[0].0,
        keys_page(&["k30", "k00"], None),
    ));
    let list = app.browser().unwrap().list.as_ref().unwrap();
    assert_eq!(list.items.len(), 31, "a repeated SCAN key is kept once");
    assert!(list.complete);
}

#[test]
fn stale_results_are_dropped() {
    let p = profile(
        "dev",
        vec![kv("a", "read-write"), kv("b", "read-write")],
        vec![],
    );
    let (mut app, commands) = new_app(vec![p]);
    let commands = open_all(&mut app, commands);
    let (id_a, _) = scans(&commands)[0].clone();
    let commands = app.update(Action::Down);
    let (id_b, _) = scans(&commands)[0].clone();
    assert_ne!(id_a, id_b);
    assert!(
        app.update(Action::TaskDone(id_a, keys_page(&["from-a"], None)))
            .is_empty()
    );
    assert!(list_names(&app).is_empty());
    app.update(Action::TaskDone(id_b, keys_page(&["from-b"], None)));
    assert_eq!(list_names(&app), ["from-b"]);
}

#[test]
fn failed_open_shows_the_error_and_enter_retries() {
    let (mut app, commands) = new_app(vec![profile("dev", vec![kv("a", "read-write")], vec![])]);
    let Command::Open { id, .. } = &commands[0] else {
        panic!("{commands:?}")
    };
    let msg = "cannot open redis://cache:6379 prefix app:: connection refused";
    app.update(Action::TaskDone(*id, TaskOutput::Failed(msg.into())));
    assert!(matches!(&app.ctx.mounts[0].conn, Conn::Failed(e) if e == msg));
    assert!(
        app.ctx
            .status
            .as_ref()
            .is_some_and(|s| s.error && s.text == msg)
    );
    let again = app.update(Action::Open);
    assert!(matches!(&again[..], [Command::Open { .. }]), "{again:?}");
}

#[test]
fn read_only_profile_and_read_mode_offer_no_writes() {
    let mut p = profile("archive", vec![kv("a", "read-write")], vec![]);
    p.read_only = true;
    let (mut app, _) = app_with_keys(p, &["k"]);
    for a in [Action::Delete, Action::Edit, Action::NewKey] {
        assert!(app.update(a).is_empty());
        assert_eq!(app.stack.len(), 1);
        let status = app.ctx.status.clone().unwrap();
        assert!(
            status.error && status.text.contains("read-only"),
            "{status:?}"
        );
    }
    let (mut app, _) = app_with_keys(profile("dev", vec![kv("a", "read")], vec![]), &["k"]);
    assert!(app.update(Action::Delete).is_empty());
    assert!(app.ctx.status.clone().unwrap().text.contains("mode: read"));
}

#[test]
fn protected_delete_needs_the_profile_name() {
    let mut p = profile("prod", vec![kv("a", "read-write")], vec![]);
    p.protect = true;
    let (mut app, _) = app_with_keys(p, &["k", "other"]);
    assert!(app.update(Action::Delete).is_empty());
    assert_eq!(app.key_context(), KeyContext::Prompt, "typed confirmation");
    for c in "pro".chars() {
        app.update(text_key(c));
    }
    assert!(
        app.update(Action::Confirm).is_empty(),
        "wrong name writes nothing"
    );
    app.update(text_key('d'));
    let commands = app.update(Action::Confirm);
    let [Command::DeleteKey { id, key, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!(key, "k");
    assert_eq!(app.stack.len(), 1);
    app.update(Action::TaskDone(*id, TaskOutput::Deleted(true)));
    assert_eq!(list_names(&app), ["other"]);
    assert!(
        app.ctx
            .status
            .clone()
            .unwrap()
            .text
            .starts_with("deleted `k` from prod:a")
    );
}

#[test]
fn plain_delete_confirms_with_y_and_cancel_writes_nothing() {
    let (mut app, _) = app_with_keys(profile("dev", vec![kv("a", "read-write")], vec![]), &["k"]);
    app.update(Action::Delete);
    assert_eq!(app.key_context(), KeyContext::Confirm);
    assert!(app.update(Action::Cancel).is_empty());
    assert_eq!(app.stack.len(), 1);
    app.update(Action::Delete);
    let y = app.handle_key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE));
    assert!(matches!(&y[..], [Command::DeleteKey { .. }]));
}

#[test]
fn editor_points_at_json_errors_and_keeps_text_on_refusal() {
    let (mut app, after) =
        app_with_keys(profile("dev", vec![kv("a", "read-write")], vec![]), &["k"]);
    let [Command::GetValue { id, .. }] = &after[..] else {
        panic!("{after:?}")
    };
    let value = StoredValue {
        text: r#"{"a":1}"#.into(),
        ttl: None,
    };
    app.update(Action::TaskDone(*id, TaskOutput::Value(Some(value))));
    app.update(Action::Edit);
    assert_eq!(app.key_context(), KeyContext::Editor);
    let set_text = |app: &mut App, text: &str| {
        if let Some(Screen::Editor(e)) = app.stack.last_mut() {
            e.textarea = TextArea::new(vec![text.to_string()]);
        }
    };
    set_text(&mut app, r#"{"a": }"#);
    assert!(app.update(Action::Save).is_empty());
    let Some(Screen::Editor(e)) = app.stack.last() else {
        panic!("editor closed")
    };
    let err = e.error.clone().unwrap();
    assert!(err.contains("line 1 column 7"), "{err}");
    let cursor = e.textarea.cursor();
    assert_eq!((cursor.0, cursor.1), (0, 6));

    set_text(&mut app, r#"{"a": 2}"#);
    let commands = app.update(Action::Save);
    let [Command::SetValue { id, value, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!(value.to_compact(), r#"{"a":2}"#);
    app.update(Action::TaskDone(
        *id,
        TaskOutput::Failed("store exceeds entry limit".into()),
    ));
    let Some(Screen::Editor(e)) = app.stack.last() else {
        panic!("editor closed on a refusal")
    };
    assert_eq!(e.error.as_deref(), Some("store exceeds entry limit"));
    assert_eq!(e.text(), r#"{"a": 2}"#);

    let commands = app.update(Action::Save);
    let [Command::SetValue { id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    let after = app.update(Action::TaskDone(*id, TaskOutput::Written));
    assert_eq!(app.stack.len(), 1, "the editor closes after the write");
    assert!(matches!(&after[..], [Command::GetValue { key, .. }] if key == "k"));
}

#[test]
fn fs_folders_open_and_go_back() {
    let (mut app, commands) = new_app(vec![profile("dev", vec![], vec![fs("files")])]);
    let commands = open_all(&mut app, commands);
    let [Command::ListFiles { id, dir, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!(dir, "");
    let meta = |path: &str, kind| FileMeta {
        path: path.into(),
        kind,
        size: 5,
        modified: None,
        created: None,
        etag: None,
        content_type: None,
    };
    let page = FilePage {
        entries: vec![
            meta("a.txt", EntryKind::File),
            meta("docs", EntryKind::Directory),
        ],
        next: None,
    };
    let after = app.update(Action::TaskDone(*id, TaskOutput::Files(page)));
    assert!(after.is_empty(), "a folder has no preview: {after:?}");
    let b = app.browser().unwrap();
    let list = b.list.as_ref().unwrap();
    assert_eq!(
        list.selected_item().unwrap().label(),
        "docs/",
        "folders first"
    );
    app.update(Action::NextPane);
    let commands = app.update(Action::Open);
    assert!(matches!(&commands[..], [Command::ListFiles { dir, .. }] if dir == "docs"));
    let commands = app.update(Action::Back);
    assert!(matches!(&commands[..], [Command::ListFiles { dir, .. }] if dir.is_empty()));
    assert_eq!(app.browser().unwrap().focus, Pane::Items);
}

#[test]
fn migration_plans_applies_shows_progress_and_cancels() {
    let p = profile(
        "dev",
        vec![kv("a", "read-write"), kv("b", "read-write")],
        vec![],
    );
    let (mut app, commands) = new_app(vec![p]);
    open_all(&mut app, commands);
    app.update(Action::OpenMigration);
    app.update(Action::Open);
    let commands = app.update(Action::Open);
    let [Command::Plan { id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    app.update(Action::TaskDone(
        *id,
        TaskOutput::Planned(MigrationPlan::default()),
    ));
    app.update(Action::CycleConflict);
    let commands = app.update(Action::Apply);
    let [
        Command::Copy {
            id,
            cancel,
            options,
            ..
        },
    ] = &commands[..]
    else {
        panic!("{commands:?}")
    };
    assert_eq!(
        options.on_conflict,
        crate::migrate::copy::OnConflict::Overwrite
    );
    let mut p = Progress::new(Phase::Copying);
    p.items = 5;
    p.total = Some(10);
    app.update(Action::TaskProgress(*id, p));
    app.update(Action::TaskProgress(
        RequestId(9999),
        Progress::new(Phase::Copying),
    ));
    let Some(Screen::Migrate(m)) = app.stack.last() else {
        panic!()
    };
    assert_eq!(
        m.progress.as_ref().map(|p| p.items),
        Some(5),
        "stale progress ignored"
    );
    app.update(Action::Cancel);
    assert!(cancel.is_cancelled());
    let report = CopyReport {
        cancelled: true,
        ..CopyReport::default()
    };
    app.update(Action::TaskDone(*id, TaskOutput::Copied(report)));
    let Some(Screen::Migrate(m)) = app.stack.last() else {
        panic!()
    };
    assert_eq!(m.step, Step::Report);
    // Closing the report reloads the browser's list.
    let commands = app.update(Action::Back);
    assert_eq!(app.stack.len(), 1);
    assert_eq!(scans(&commands).len(), 1, "{commands:?}");
}

#[test]
fn quit_during_a_copy_stops_it_first() {
    let p = profile(
        "dev",
        vec![kv("a", "read-write"), kv("b", "read-write")],
        vec![],
    );
    let (mut app, commands) = new_app(vec![p]);
    open_all(&mut app, commands);
    app.update(Action::OpenMigration);
    app.update(Action::Open);
    let commands = app.update(Action::Open);
    let [Command::Plan { id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    app.update(Action::TaskDone(
        *id,
        TaskOutput::Planned(MigrationPlan::default()),
    ));
    let commands = app.update(Action::Apply);
    let [Command::Copy { id, cancel, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    app.update(Action::Quit);
    assert!(cancel.is_cancelled());
    assert!(!app.quit, "waits for the copy to stop");
    let report = CopyReport {
        cancelled: true,
        ..CopyReport::default()
    };
    app.update(Action::TaskDone(*id, TaskOutput::Copied(report)));
    assert!(app.quit);
}

#[test]
fn migration_refuses_a_read_only_destination() {
    let mut prod = profile("prod", vec![kv("a", "read-write")], vec![]);
    prod.read_only = true;
    let (mut app, commands) = new_app(vec![
        profile("dev", vec![kv("a", "read-write")], vec![]),
        prod,
    ]);
    open_all(&mut app, commands);
    app.update(Action::OpenMigration);
    app.update(Action::Open);
    let opens = app.update(Action::Open);
    let commands = open_all(&mut app, opens);
    let [Command::Plan { id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    app.update(Action::TaskDone(
        *id,
        TaskOutput::Planned(MigrationPlan::default()),
    ));
    assert!(app.update(Action::Apply).is_empty());
    let Some(Screen::Migrate(m)) = app.stack.last() else {
        panic!()
    };
    assert!(
        m.error.as_deref().unwrap_or("").contains("read-only"),
        "{:?}",
        m.error
    );
}

#[test]
fn mouse_click_selects_the_row_under_the_pointer() {
    let names: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (mut app, _) = app_with_keys(profile("dev", vec![kv("a", "read-write")], vec![]), &refs);
    app.update(Action::Resize {
        width: 100,
        height: 30,
    });
    let l = BrowserLayout::new(super::body_area(app.ctx.area));
    let commands = app.update(Action::Click {
        column: l.items.x + 2,
        row: l.items.y + 1 + 3,
    });
    assert!(matches!(&commands[..], [Command::GetValue { key, .. }] if key == "k3"));
    app.update(Action::Scroll {
        column: l.items.x + 2,
        row: l.items.y + 2,
        down: true,
    });
    let list = app.browser().unwrap().list.as_ref().unwrap();
    assert_eq!(list.selected, 4);
}

#[test]
fn long_lists_draw_a_window_and_clicks_land_in_it() {
    let names: Vec<String> = (0..100).map(|i| format!("key{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (mut app, _) = app_with_keys(profile("dev", vec![kv("a", "read-write")], vec![]), &refs);
    app.update(Action::Resize {
        width: 100,
        height: 30,
    });
    for _ in 0..5 {
        app.update(Action::PageDown);
    }
    assert_eq!(app.browser().unwrap().list.as_ref().unwrap().selected, 50);
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    t.draw(|f| f.render_widget(&app, f.area())).unwrap();
    let screen = t.backend().to_string();
    let l = BrowserLayout::new(super::body_area(app.ctx.area));
    let rows = (l.items.height - 2) as usize;
    let first = 50 + 1 - rows;
    let top_row: String = screen.lines().nth(1).unwrap().to_string();
    assert!(top_row.contains(&format!("key{first:03}")), "{top_row}");
    assert!(!screen.contains(&format!("key{:03}", first - 1)));
    let commands = app.update(Action::Click {
        column: l.items.x + 2,
        row: l.items.y + 1,
    });
    assert!(
        matches!(&commands[..], [Command::GetValue { key, .. }] if *key == format!("key{first:03}")),
        "{commands:?}"
    );
}

#[test]
fn filter_takes_text_and_esc_clears_it() {
    let (mut app, _) = app_with_keys(
        profile("dev", vec![kv("a", "read-write")], vec![]),
        &["user:1", "session:1", "user:2"],
    );
    app.update(Action::StartFilter);
    assert_eq!(app.key_context(), KeyContext::Filter);
    for c in "user".chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    let list = app.browser().unwrap().list.as_ref().unwrap();
    assert_eq!(list.visible().len(), 2);
    app.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    let list = app.browser().unwrap().list.as_ref().unwrap();
    assert_eq!(list.visible().len(), 3);
    assert_eq!(app.key_context(), KeyContext::Browser);
}

#[test]
fn protected_and_read_only_profiles_are_marked_in_their_colours() {
    let mut prod = profile("prod", vec![kv("a", "read-write")], vec![]);
    prod.protect = true;
    let mut arch = profile("archive", vec![kv("b", "read-write")], vec![]);
    arch.read_only = true;
    for theme in [Theme::dark(), Theme::light()] {
        let (mut app, _) = App::new(
            vec![prod.clone(), arch.clone()],
            None,
            theme,
            Keymap::default(),
        );
        app.update(Action::Resize {
            width: 100,
            height: 30,
        });
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
        t.draw(|f| f.render_widget(&app, f.area())).unwrap();
        let buf = t.backend().buffer();
        let find = |text: &str| {
            (0..buf.area.height).find_map(|y| {
                let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
                line.find(text)
                    .map(|i| (line[..i].chars().count() as u16 + 1, y))
            })
        };
        let (x, y) = find("[protected]").unwrap();
        assert_eq!(buf[(x, y)].fg, theme.protect);
        let (x, y) = find("[read-only]").unwrap();
        assert_eq!(buf[(x, y)].fg, theme.read_only);
    }
}

#[test]
fn help_toggles_and_quit_quits() {
    let (mut app, _) = new_app(vec![profile("dev", vec![kv("a", "read-write")], vec![])]);
    app.update(Action::ToggleHelp);
    assert!(matches!(app.stack.last(), Some(Screen::Help(_))));
    app.update(Action::ToggleHelp);
    assert_eq!(app.stack.len(), 1);
    app.handle_key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
    assert!(app.quit);
}

#[test]
fn protected_save_asks_for_the_profile_name_first() {
    let mut p = profile("prod", vec![kv("a", "read-write")], vec![]);
    p.protect = true;
    let (mut app, after) = app_with_keys(p, &["k"]);
    let [Command::GetValue { id, .. }] = &after[..] else {
        panic!("{after:?}")
    };
    let value = StoredValue {
        text: "1".into(),
        ttl: None,
    };
    app.update(Action::TaskDone(*id, TaskOutput::Value(Some(value))));
    app.update(Action::Edit);
    assert!(
        app.update(Action::Save).is_empty(),
        "nothing written before the name"
    );
    assert_eq!(app.key_context(), KeyContext::Prompt);
    for c in "prod".chars() {
        app.update(text_key(c));
    }
    let commands = app.update(Action::Confirm);
    let [Command::SetValue { id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert!(
        matches!(app.stack.last(), Some(Screen::Editor(_))),
        "editor waits for the write"
    );
    app.update(Action::TaskDone(*id, TaskOutput::Written));
    assert_eq!(app.stack.len(), 1);
}

#[test]
fn big_values_are_capped_until_load_all() {
    use crate::tui::screens::preview::{CAP, Content};
    let (mut app, after) = app_with_keys(
        profile("dev", vec![kv("a", "read-write")], vec![]),
        &["big"],
    );
    let [Command::GetValue { id, .. }] = &after[..] else {
        panic!("{after:?}")
    };
    let text = format!("\"{}\"", "x".repeat(CAP + 10));
    let value = StoredValue { text, ttl: None };
    app.update(Action::TaskDone(*id, TaskOutput::Value(Some(value))));
    let parsed = |app: &App| match &app.browser().unwrap().preview.as_ref().unwrap().content {
        Some(Content::Kv { parsed, .. }) => parsed.is_some(),
        other => panic!("{other:?}"),
    };
    assert!(!parsed(&app), "not parsed while capped");
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    t.draw(|f| f.render_widget(&app, f.area())).unwrap();
    let screen = t.backend().to_string();
    assert!(screen.contains("showing 65.54 kB of 65.55 kB"), "{screen}");
    assert!(app.update(Action::LoadAll).is_empty());
    assert!(parsed(&app));
}

#[test]
fn verify_after_a_copy() {
    let p = profile(
        "dev",
        vec![kv("a", "read-write"), kv("b", "read-write")],
        vec![],
    );
    let (mut app, commands) = new_app(vec![p]);
    open_all(&mut app, commands);
    app.update(Action::OpenMigration);
    app.update(Action::Open);
    let commands = app.update(Action::Open);
    let [Command::Plan { id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    app.update(Action::TaskDone(
        *id,
        TaskOutput::Planned(MigrationPlan::default()),
    ));
    let commands = app.update(Action::Apply);
    let [Command::Copy { id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    app.update(Action::TaskDone(
        *id,
        TaskOutput::Copied(CopyReport::default()),
    ));
    let commands = app.handle_key(KeyEvent::new(KeyCode::Char('v'), KeyModifiers::NONE));
    let [Command::Verify { id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    let report = crate::migrate::verify::VerifyReport {
        checked: 2,
        matching: 1,
        mismatches: vec![crate::migrate::verify::Mismatch {
            name: "k".into(),
            problem: "different",
        }],
        only_in_destination: 0,
    };
    app.update(Action::TaskDone(*id, TaskOutput::Verified(report)));
    let Some(Screen::Migrate(m)) = app.stack.last() else {
        panic!()
    };
    assert!(m.verify.as_ref().is_some_and(|v| !v.ok()));
    assert!(app.ctx.status.clone().unwrap().text.contains("1 mismatch"));
}

#[test]
fn fs_binary_file_preview_snapshot() {
    let (mut app, commands) = new_app(vec![profile("dev", vec![], vec![fs("files")])]);
    app.update(Action::Resize {
        width: 100,
        height: 30,
    });
    let commands = open_all(&mut app, commands);
    let [Command::ListFiles { id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    let meta = |path: &str, kind, size| FileMeta {
        path: path.into(),
        kind,
        size,
        modified: None,
        created: None,
        etag: None,
        content_type: Some("application/octet-stream".into()),
    };
    let page = FilePage {
        entries: vec![
            meta("reports", EntryKind::Directory, 0),
            meta("blob.bin", EntryKind::File, 40),
            meta("notes.txt", EntryKind::File, 12),
        ],
        next: Some("more".into()),
    };
    app.update(Action::TaskDone(*id, TaskOutput::Files(page)));
    app.update(Action::NextPane);
    let commands = app.update(Action::Down);
    // Near the end of what is loaded: the next page is asked for too.
    let [
        Command::ListFiles { cursor, .. },
        Command::ReadFile {
            id, path, limit, ..
        },
    ] = &commands[..]
    else {
        panic!("{commands:?}")
    };
    assert_eq!(cursor.as_deref(), Some("more"));
    assert_eq!(path, "blob.bin");
    assert_eq!(*limit, Some(crate::tui::screens::preview::CAP as u64));
    let bytes: Vec<u8> = (0u8..40).map(|b| b.wrapping_mul(37)).collect();
    app.update(Action::TaskDone(
        *id,
        TaskOutput::File {
            meta: Some(meta("blob.bin", EntryKind::File, 40)),
            bytes: bytes.into(),
            complete: true,
        },
    ));
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    t.draw(|f| f.render_widget(&app, f.area())).unwrap();
    insta::assert_snapshot!(t.backend());
}

/// An fs store whose methods are never called in these tests.
#[derive(Debug)]
struct NoFs;

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
