//! Snapshots of every TUI screen: the app is driven with actions over real JSON-file and
//! SQLite stores in a temp dir (commands run for real through `tui::tasks::execute`), drawn to
//! a 100×30 `TestBackend` and compared with `tests/snapshots/*.snap`.
//!
//! Paths are shown relative to the profile's folder, so the temp dir never reaches a snapshot.

// Test helpers fail the test loudly on any setup error.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use indexmap::IndexMap;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rillmount::config::{
    DEFAULT_MAX_ENTRIES, DEFAULT_MAX_STORE_SIZE, DEFAULT_MAX_VALUE_SIZE, JsonKvConfig,
    KvBackendConfig, KvMountConfig, Mode, Profile, SchemaEntry, SqliteKvConfig, WritePolicy,
};
use rillmount::store::Json;
use rillmount::store::js_json;
use rillmount::store::open::open_kv;
use rillmount::tui::action::{Action, Command};
use rillmount::tui::app::App;
use rillmount::tui::keymap::Keymap;
use rillmount::tui::tasks::execute;
use rillmount::tui::theme::Theme;

const W: u16 = 100;
const H: u16 = 30;

fn json(text: &str) -> Json {
    js_json::parse(text).unwrap().value
}

fn kv_config(name: &str, backend: KvBackendConfig) -> KvMountConfig {
    KvMountConfig {
        name: name.into(),
        mode: Mode::new("read-write"),
        schema: None,
        max_entries: DEFAULT_MAX_ENTRIES,
        max_value_size: DEFAULT_MAX_VALUE_SIZE,
        backend,
    }
}

fn json_backend(path: &Path) -> KvBackendConfig {
    KvBackendConfig::Json(JsonKvConfig {
        store: path.to_path_buf(),
        max_store_size: DEFAULT_MAX_STORE_SIZE,
        write_policy: WritePolicy::Dispose,
    })
}

fn sqlite_backend(path: &Path, table: &str) -> KvBackendConfig {
    KvBackendConfig::Sqlite(SqliteKvConfig {
        database: path.to_path_buf(),
        table: table.into(),
    })
}

fn profile(dir: &Path, name: &str, mounts: Vec<KvMountConfig>) -> Profile {
    Profile {
        name: name.into(),
        path: dir.join(format!("{name}.toml")),
        description: String::new(),
        read_only: false,
        protect: false,
        warnings: Vec::new(),
        broken: Vec::new(),
        rill: Default::default(),
        kv: mounts.into_iter().map(|m| (m.name.clone(), m)).collect(),
        fs: IndexMap::new(),
    }
}

async fn fill(cfg: &KvMountConfig, entries: &[(&str, &str)]) {
    let m = open_kv(cfg).await.unwrap();
    for (k, v) in entries {
        m.set(k, json(v)).await.unwrap();
    }
    m.flush().await.unwrap();
}

/// Three profiles over temp data: `dev` (a JSON file with a schema, a SQLite table), `prod`
/// (protected, SQLite), `archive` (read-only, JSON file).
async fn profiles(dir: &Path) -> Vec<Profile> {
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let mut user = kv_config("user", json_backend(&dir.join("data/user.json")));
    let mut schema = IndexMap::new();
    for (k, kind, default, desc) in [
        ("name", "string", "\"\"", Some("display name")),
        ("prefs", "dict", "{}", None),
        ("visits", "number", "0", None),
    ] {
        schema.insert(
            k.to_string(),
            SchemaEntry {
                kind: kind.into(),
                default: json(default),
                description: desc.map(str::to_string),
            },
        );
    }
    user.schema = Some(schema);
    fill(
        &user,
        &[
            ("name", r#""Ada Lovelace""#),
            (
                "prefs",
                r#"{"theme":"dark","langs":["en","fr"],"beta":true,"zoom":1.25}"#,
            ),
            ("visits", "42"),
        ],
    )
    .await;
    let cache = kv_config(
        "cache",
        sqlite_backend(&dir.join("data/cache.db"), "cache_entries"),
    );
    let sessions: Vec<(String, String)> = (1..=30)
        .map(|i| {
            (
                format!("session:{i:02}"),
                format!(r#"{{"user":{i},"ok":{},"tags":["a","b"]}}"#, i % 2 == 0),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = sessions
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fill(&cache, &refs).await;
    let prod_cache = kv_config(
        "cache",
        sqlite_backend(&dir.join("data/prod.db"), "cache_entries"),
    );
    fill(
        &prod_cache,
        &[
            ("session:01", r#"{"user":1,"ok":false,"tags":["a","b"]}"#),
            ("session:02", r#"{"user":2,"ok":false}"#),
            ("old", r#""keep me""#),
        ],
    )
    .await;
    let archive = kv_config("archive", json_backend(&dir.join("data/archive.json")));
    fill(&archive, &[("2019", "[1,2,3]")]).await;

    let dev = profile(dir, "dev", vec![user, cache]);
    let mut prod = profile(dir, "prod", vec![prod_cache]);
    prod.protect = true;
    let mut arch = profile(dir, "archive", vec![archive]);
    arch.read_only = true;
    vec![dev, prod, arch]
}

/// Runs commands (and the commands their results cause) until nothing is left.
async fn drive(app: &mut App, commands: Vec<Command>) {
    let mut queue: VecDeque<Command> = commands.into();
    while let Some(c) = queue.pop_front() {
        let (id, out) = execute(c, |_, _| {}).await;
        queue.extend(app.update(Action::TaskDone(id, out)));
    }
}

async fn key(app: &mut App, code: KeyCode) {
    let commands = app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
    drive(app, commands).await;
}

async fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c)).await;
    }
}

fn draw(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(W, H)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t.backend().to_string()
}

async fn start(dir: &Path, profile: Option<&str>) -> App {
    let (mut app, commands) = App::new(
        profiles(dir).await,
        profile,
        Theme::dark(),
        Keymap::default(),
    );
    app.update(Action::Resize {
        width: W,
        height: H,
    });
    drive(&mut app, commands).await;
    app
}

#[tokio::test]
async fn browser_json_mount_with_schema() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path(), None).await;
    insta::assert_snapshot!("browser_start", draw(&app));
    // Into the keys, down to the dict: highlighted JSON and its schema entry.
    key(&mut app, KeyCode::Enter).await;
    key(&mut app, KeyCode::Char('j')).await;
    insta::assert_snapshot!("browser_json_preview", draw(&app));
}

#[tokio::test]
async fn browser_sqlite_keys_filter_sort_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path(), Some("dev")).await;
    key(&mut app, KeyCode::Char('j')).await;
    key(&mut app, KeyCode::Enter).await;
    key(&mut app, KeyCode::Char('G')).await;
    insta::assert_snapshot!("browser_sqlite_keys", draw(&app));
    key(&mut app, KeyCode::Char('/')).await;
    keys(&mut app, "1").await;
    insta::assert_snapshot!("browser_filter", draw(&app));
    key(&mut app, KeyCode::Enter).await;
    key(&mut app, KeyCode::Char('s')).await;
    key(&mut app, KeyCode::Char('s')).await;
    insta::assert_snapshot!("browser_filter_sorted_desc", draw(&app));
    key(&mut app, KeyCode::Char('?')).await;
    insta::assert_snapshot!("help_overlay", draw(&app));
}

#[tokio::test]
async fn editor_json_error_schema_refusal_and_save() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path(), None).await;
    key(&mut app, KeyCode::Enter).await;
    key(&mut app, KeyCode::Char('j')).await;
    key(&mut app, KeyCode::Char('e')).await;
    insta::assert_snapshot!("editor_open", draw(&app));
    // Break the JSON: the error names the line and column.
    key(&mut app, KeyCode::Down).await;
    key(&mut app, KeyCode::End).await;
    key(&mut app, KeyCode::Backspace).await;
    app.handle_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    insta::assert_snapshot!("editor_json_error", draw(&app));
    // Esc with changes asks first; `y` discards them.
    key(&mut app, KeyCode::Esc).await;
    insta::assert_snapshot!("editor_discard_question", draw(&app));
    key(&mut app, KeyCode::Char('y')).await;
    // The schema says `visits` is a number: KvMount::set refuses a string.
    key(&mut app, KeyCode::Char('j')).await;
    key(&mut app, KeyCode::Char('e')).await;
    key(&mut app, KeyCode::End).await;
    key(&mut app, KeyCode::Backspace).await;
    key(&mut app, KeyCode::Backspace).await;
    keys(&mut app, "\"many\"").await;
    let commands = app.handle_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    drive(&mut app, commands).await;
    insta::assert_snapshot!("editor_schema_refused", draw(&app));
    // A number is accepted: the editor closes and the preview shows the new value.
    key(&mut app, KeyCode::Backspace).await;
    for _ in 0..6 {
        key(&mut app, KeyCode::Backspace).await;
    }
    keys(&mut app, "43").await;
    let commands = app.handle_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    drive(&mut app, commands).await;
    insta::assert_snapshot!("editor_saved", draw(&app));
    let text = std::fs::read_to_string(dir.path().join("data/user.json")).unwrap();
    assert!(text.contains("\"visits\": 43"), "{text}");
}

#[tokio::test]
async fn delete_confirms_and_protected_profile_asks_for_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path(), Some("dev")).await;
    key(&mut app, KeyCode::Char('j')).await;
    key(&mut app, KeyCode::Enter).await;
    key(&mut app, KeyCode::Char('d')).await;
    insta::assert_snapshot!("delete_confirm", draw(&app));
    key(&mut app, KeyCode::Char('y')).await;
    insta::assert_snapshot!("delete_done", draw(&app));

    let mut app = start(dir.path(), Some("prod")).await;
    key(&mut app, KeyCode::Enter).await;
    key(&mut app, KeyCode::Char('d')).await;
    keys(&mut app, "dev").await;
    key(&mut app, KeyCode::Enter).await;
    insta::assert_snapshot!("delete_protected_wrong_name", draw(&app));
    for _ in 0..3 {
        key(&mut app, KeyCode::Backspace).await;
    }
    keys(&mut app, "prod").await;
    key(&mut app, KeyCode::Enter).await;
    assert!(
        app.ctx
            .status
            .as_ref()
            .is_some_and(|s| s.text.starts_with("deleted `old`")),
        "{:?}",
        app.ctx.status
    );
}

#[tokio::test]
async fn read_only_profile_offers_no_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path(), Some("archive")).await;
    key(&mut app, KeyCode::Enter).await;
    key(&mut app, KeyCode::Char('d')).await;
    let screen = draw(&app);
    insta::assert_snapshot!("read_only_profile", screen);
    assert_eq!(app.stack.len(), 1, "no confirmation opened");
    let help_bar = screen.lines().last().unwrap();
    assert!(
        !help_bar.contains("edit") && !help_bar.contains("delete"),
        "{help_bar}"
    );
}

#[tokio::test]
async fn migration_pick_plan_apply_report() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path(), Some("dev")).await;
    key(&mut app, KeyCode::Char('j')).await;
    key(&mut app, KeyCode::Char('m')).await;
    insta::assert_snapshot!("migrate_pick_source", draw(&app));
    key(&mut app, KeyCode::Enter).await;
    insta::assert_snapshot!("migrate_pick_destination", draw(&app));
    key(&mut app, KeyCode::Enter).await;
    insta::assert_snapshot!("migrate_plan", draw(&app));
    key(&mut app, KeyCode::Char('c')).await;
    key(&mut app, KeyCode::Char('a')).await;
    insta::assert_snapshot!("migrate_apply_protected", draw(&app));
    keys(&mut app, "prod").await;
    key(&mut app, KeyCode::Enter).await;
    insta::assert_snapshot!("migrate_report", draw(&app));
    key(&mut app, KeyCode::Char('v')).await;
    insta::assert_snapshot!("migrate_verified", draw(&app));
}

/// A TUI copy keeps the same journal as `rillmount copy` (so a copy stopped in one resumes
/// in the other); a finished copy leaves no journal behind.
#[tokio::test]
async fn migration_copy_keeps_a_journal_and_clears_it_when_done() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let mut app = start(dir.path(), Some("dev")).await;
    app.ctx.journal_dir = Some(journal.clone());
    key(&mut app, KeyCode::Char('j')).await;
    key(&mut app, KeyCode::Char('m')).await;
    key(&mut app, KeyCode::Enter).await;
    key(&mut app, KeyCode::Enter).await;
    key(&mut app, KeyCode::Char('c')).await;
    key(&mut app, KeyCode::Char('a')).await;
    keys(&mut app, "prod").await;
    key(&mut app, KeyCode::Enter).await;
    assert!(
        draw(&app).contains("copied"),
        "no copy report:\n{}",
        draw(&app)
    );
    assert!(journal.is_dir(), "the copy wrote no journal");
    let left: Vec<_> = std::fs::read_dir(&journal).unwrap().flatten().collect();
    assert!(
        left.is_empty(),
        "journal left after a finished copy: {left:?}"
    );
}

/// In a terminal too short for every mount, the mount pane scrolls to the selected one; a
/// click picks the mount drawn under the pointer, not the one that would be there unscrolled.
#[tokio::test]
async fn click_in_a_scrolled_mount_pane_picks_the_mount_under_the_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path(), Some("archive")).await;
    // The first terminal height at which the mount pane shows `prod` but has scrolled past
    // `user` (the layout gives the pane a share of the height).
    let screen = (8..H)
        .map(|h| {
            app.update(Action::Resize {
                width: W,
                height: h,
            });
            let mut t = Terminal::new(TestBackend::new(W, h)).unwrap();
            t.draw(|f| f.render_widget(&app, f.area())).unwrap();
            t.backend().to_string()
        })
        .find(|s| s.contains("prod") && !s.contains("user"))
        .unwrap_or_else(|| panic!("no height scrolls the mount pane"));
    let lines: Vec<&str> = screen.lines().collect();
    let prod = lines
        .iter()
        .position(|l| l.contains("prod"))
        .unwrap_or_else(|| panic!("no `prod` row:\n{screen}"));
    // The row under `prod` is prod's `cache` mount (slot 2).
    let commands = app.update(Action::Click {
        column: 3,
        row: prod as u16 + 1,
    });
    drive(&mut app, commands).await;
    assert_eq!(app.browser().map(|b| b.mount), Some(2), "{screen}");
}

#[tokio::test]
async fn corrupt_store_file_shows_as_a_failed_mount() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let file = dir.path().join("data/broken.json");
    std::fs::write(&file, "{not json").unwrap();
    let p = profile(
        dir.path(),
        "dev",
        vec![kv_config("broken", json_backend(&file))],
    );
    let (mut app, commands) = App::new(vec![p], None, Theme::dark(), Keymap::default());
    drive(&mut app, commands).await;
    let status = app.ctx.status.clone().unwrap();
    assert!(status.error, "{status:?}");
    assert!(
        matches!(&app.ctx.mounts[0].conn, rillmount::tui::context::Conn::Failed(e) if *e == status.text)
    );
    let screen = draw(&app);
    assert!(screen.contains("✗ kv broken"), "{screen}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{not json",
        "nothing rewritten"
    );
}

/// Issue 9: a profile whose S3 mount reads an unset variable keeps its other mounts, the broken
/// mount shows failed with its error (file:line, mount, option), and a profile that does not
/// load at all is listed on screen with its reason instead of only on stderr.
#[tokio::test]
async fn broken_mount_and_left_out_profile_show_on_screen() {
    use rillmount::config::load::{EnvVars, load_profile};
    use rillmount::tui::context::{Conn, LeftOut};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let prod = dir.path().join("prod.toml");
    std::fs::write(
        &prod,
        "[kv.state]\nbackend = \"json\"\nstore = \"data/state.json\"\n\n\
         [fs.media]\nbackend = \"s3\"\nbucket = \"media\"\nregion = \"us-east-1\"\n\
         credentials = { accessKeyId = \"AK\", secretAccessKey = \"${env:RM_SCREEN_S3_KEY}\" }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("data/state.json"), r#"{"hello":"world"}"#).unwrap();
    let garbled = dir.path().join("garbled.toml");
    std::fs::write(&garbled, "[kv.a]\nbackend = \"json\"\nstore = \n").unwrap();
    let env = EnvVars::default();
    let prod = load_profile(&prod, None, &env).unwrap();
    let error = load_profile(&garbled, None, &env).unwrap_err();
    let (mut app, commands) = App::new(vec![prod], None, Theme::dark(), Keymap::default());
    app.ctx.set_left_out(vec![LeftOut {
        name: "garbled".into(),
        error,
    }]);
    app.update(Action::Resize {
        width: W,
        height: H,
    });
    drive(&mut app, commands).await;
    let screen = draw(&app);
    assert!(
        screen.contains("hello"),
        "the good mount lists its keys: {screen}"
    );
    assert!(
        screen.contains("profile `garbled` left out: garbled.toml:3: invalid TOML"),
        "{screen}"
    );
    // Down to the broken mount: failed from the start, and `r` does not try to open it.
    key(&mut app, KeyCode::Char('j')).await;
    key(&mut app, KeyCode::Char('r')).await;
    let slot = app.browser().unwrap().mount;
    let expected = "prod.toml:9: fs mount `media`: option `credentials.secretAccessKey`: \
                    environment variable RM_SCREEN_S3_KEY is not set";
    assert!(
        matches!(&app.ctx.mounts[slot].conn, Conn::Failed(e) if e == expected),
        "{:?}",
        app.ctx.mounts[slot].conn
    );
    assert_eq!(
        app.ctx.status.as_ref().map(|s| s.text.as_str()),
        Some(expected)
    );
    insta::assert_snapshot!("broken_mount_and_left_out_profile", draw(&app));
}
