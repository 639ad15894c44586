//! TUI writes beside another process writing the same store (issue 9, findings 1 and 2), on a
//! real JSON file, a real SQLite database and a real redis-server. The other process is the
//! `rillmount` binary itself (`kv set`, `kv dump`), run on the same profile file while the UI
//! holds its handles open.
//!
//! - an edit keeps every key the other process wrote (the JSON file used to be rewritten from
//!   the UI's stale copy: `external` vanished);
//! - a key the other process changed since it was shown is refused, named, and kept; a second
//!   save overwrites on purpose;
//! - a delete of a changed key is refused;
//! - `r` shows what the other process wrote;
//! - a scratchpad apply keeps the other process's keys and refuses keys changed since its dry run;
//! - a Redis edit keeps the key's TTL, or sets the mount's `ttl` when it has one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use ratatui_textarea::TextArea;
use rillmount::config::load::{EnvVars, load_profile};
use rillmount::tui::action::{Action, Command};
use rillmount::tui::app::App;
use rillmount::tui::keymap::Keymap;
use rillmount::tui::screens::Screen;
use rillmount::tui::tasks::execute;
use rillmount::tui::theme::Theme;
use serde_json::{Value, json};
use support::redis::RedisServer;

/// One backend's profile on disk (and the server that keeps it alive).
struct Env {
    dir: tempfile::TempDir,
    redis: Option<RedisServer>,
}

impl Env {
    fn new(kind: &str, mount_ttl: Option<u64>) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let (mount, redis) = match kind {
            "json" => ("backend = \"json\"\nstore = \"m.json\"\n".to_string(), None),
            "sqlite" => (
                "backend = \"sqlite\"\ndatabase = \"m.db\"\ntable = \"kv\"\n".to_string(),
                None,
            ),
            _ => {
                let server = RedisServer::start();
                let ttl = mount_ttl.map_or(String::new(), |t| format!("ttl = {t}\n"));
                (
                    format!(
                        "backend = \"redis\"\nurl = \"{}\"\nprefix = \"app:\"\n{ttl}",
                        server.url()
                    ),
                    Some(server),
                )
            }
        };
        std::fs::write(dir.path().join("p.toml"), format!("[kv.m]\n{mount}")).unwrap();
        Env { dir, redis }
    }

    fn profile_path(&self) -> PathBuf {
        self.dir.path().join("p.toml")
    }

    /// `rillmount kv set` in another process.
    fn external_set(&self, key: &str, json: &str) {
        let out = rillmount(&self.profile_path(), &["kv", "set", "m", key, json]);
        assert!(out.status.success(), "kv set: {out:?}");
    }

    /// Every key and value, read by another process.
    fn dump(&self) -> Value {
        let out = rillmount(&self.profile_path(), &["kv", "dump", "m"]);
        assert!(out.status.success(), "kv dump: {out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn redis_cli(&self, args: &[&str]) -> String {
        let out = self.redis.as_ref().expect("a redis env").cli(args);
        String::from_utf8_lossy(&out).trim().to_string()
    }
}

fn rillmount(profile: &Path, args: &[&str]) -> std::process::Output {
    let exe = assert_cmd::cargo::cargo_bin("rillmount");
    let mut cmd = std::process::Command::new(exe);
    cmd.args(&args[..2])
        .arg("-p")
        .arg(profile)
        .args(&args[2..])
        .output()
        .unwrap()
}

/// Runs the commands, and those their results cause, one at a time as the real loop would.
async fn drive(app: &mut App, commands: Vec<Command>) {
    let mut queue: VecDeque<Command> = commands.into();
    while let Some(c) = queue.pop_front() {
        let (id, out) = execute(c, |_, _| {}).await;
        queue.extend(app.update(Action::TaskDone(id, out)));
    }
}

async fn open(env: &Env) -> App {
    let p = load_profile(&env.profile_path(), None, &EnvVars::process()).unwrap();
    let (mut app, commands) = App::new(vec![p], None, Theme::dark(), Keymap::default());
    app.update(Action::Resize {
        width: 120,
        height: 30,
    });
    drive(&mut app, commands).await;
    let c = app.update(Action::NextPane);
    drive(&mut app, c).await;
    app
}

/// Selects `key` in the list and waits for its preview.
async fn select(app: &mut App, key: &str) {
    let c = app.update(Action::Top);
    drive(app, c).await;
    for _ in 0..50 {
        let list = app.browser().unwrap().list.as_ref().unwrap();
        if list.selected_item().is_some_and(|i| i.name == key) {
            break;
        }
        let c = app.update(Action::Down);
        drive(app, c).await;
    }
    let p = app.browser().unwrap().preview.as_ref().unwrap();
    assert_eq!(p.name, key, "{key} is not listed");
}

/// `e`, the editor's text replaced by `text`, ctrl-s.
async fn edit_and_save(app: &mut App, text: &str) {
    let c = app.update(Action::Edit);
    drive(app, c).await;
    let Some(Screen::Editor(ed)) = app.stack.last_mut() else {
        panic!("no editor: {:?}", app.ctx.status)
    };
    ed.textarea = TextArea::new(vec![text.to_string()]);
    save(app).await;
}

async fn save(app: &mut App) {
    let c = app.update(Action::Save);
    drive(app, c).await;
}

fn editor_error(app: &App) -> Option<String> {
    match app.stack.last() {
        Some(Screen::Editor(ed)) => ed.error.clone(),
        _ => None,
    }
}

fn status(app: &App) -> String {
    app.ctx
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

async fn edit_beside_another_writer(kind: &str) {
    let env = Env::new(kind, None);
    env.external_set("a", "1");
    env.external_set("c", "3");
    let mut app = open(&env).await;
    select(&mut app, "a").await;

    // Another process writes a key the UI has not seen; the UI edits `a`.
    env.external_set("external", r#""written by another process""#);
    edit_and_save(&mut app, "10").await;
    assert!(
        status(&app).starts_with("saved `a`"),
        "{kind}: {}",
        status(&app)
    );
    assert_eq!(
        env.dump(),
        json!({"a": 10, "c": 3, "external": "written by another process"}),
        "{kind}: the edit kept the other process's key"
    );

    // The other process changes `a` after the UI showed it: the save is refused and names it.
    select(&mut app, "a").await;
    env.external_set("a", "99");
    edit_and_save(&mut app, "11").await;
    let e = editor_error(&app).unwrap_or_else(|| panic!("{kind}: no refusal"));
    assert!(
        e.contains("`a` changed on disk since you opened it") && e.contains("99"),
        "{kind}: {e}"
    );
    assert_eq!(env.dump()["a"], json!(99), "{kind}: the other write stays");
    // ctrl-s again overwrites, on purpose; the other keys stay.
    save(&mut app).await;
    assert!(
        editor_error(&app).is_none(),
        "{kind}: {:?}",
        editor_error(&app)
    );
    assert_eq!(
        env.dump(),
        json!({"a": 11, "c": 3, "external": "written by another process"}),
        "{kind}"
    );

    // A delete of a key changed since it was shown is refused too.
    select(&mut app, "c").await;
    env.external_set("c", "4");
    let c = app.update(Action::Delete);
    drive(&mut app, c).await;
    let c = app.update(Action::Confirm);
    drive(&mut app, c).await;
    assert!(
        status(&app).contains("`c` changed") && status(&app).contains("nothing was written"),
        "{kind}: {}",
        status(&app)
    );
    assert_eq!(env.dump()["c"], json!(4), "{kind}");

    // `r` re-reads the mount: a key written meanwhile shows, with its value.
    env.external_set("late", "true");
    let c = app.update(Action::Reload);
    drive(&mut app, c).await;
    select(&mut app, "late").await;
    let p = app.browser().unwrap().preview.as_ref().unwrap();
    assert_eq!(
        p.seen("late"),
        rillmount::store::kv_mount::Seen::Text(Some("true".into()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_json_edit_keeps_keys_written_by_another_process() {
    edit_beside_another_writer("json").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_sqlite_edit_keeps_keys_written_by_another_process() {
    edit_beside_another_writer("sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_redis_edit_keeps_keys_written_by_another_process() {
    edit_beside_another_writer("redis").await;
}

/// A scratchpad apply on a JSON store keeps what another process wrote after the dry run, and
/// is refused (writing nothing) when a key it changes was written since the dry run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_scratchpad_apply_keeps_and_respects_another_process_writes() {
    let env = Env::new("json", None);
    env.external_set("a", "1");
    let mut app = open(&env).await;
    let c = app.update(Action::OpenScratchpad);
    drive(&mut app, c).await;
    let run = |app: &mut App, snippet: &str| {
        let Some(Screen::Scratchpad(pad)) = app.stack.last_mut() else {
            panic!("no scratchpad")
        };
        pad.textarea = TextArea::new(vec![snippet.to_string()]);
        app.update(Action::Run)
    };

    let c = run(&mut app, r#"kv.set("m", "a", "5")"#);
    drive(&mut app, c).await;
    env.external_set("external", r#""x""#);
    let c = app.update(Action::Apply);
    drive(&mut app, c).await;
    assert!(
        status(&app).starts_with("applied 1 write"),
        "{}",
        status(&app)
    );
    assert_eq!(env.dump(), json!({"a": "5", "external": "x"}));

    let c = run(&mut app, r#"kv.set("m", "a", "6")"#);
    drive(&mut app, c).await;
    env.external_set("a", r#""from elsewhere""#);
    let c = app.update(Action::Apply);
    drive(&mut app, c).await;
    assert!(
        status(&app).contains("`a` in m changed since the dry run"),
        "{}",
        status(&app)
    );
    assert_eq!(env.dump(), json!({"a": "from elsewhere", "external": "x"}));
}

/// Editing a Redis value keeps its TTL (it used to become -1); on a mount with a `ttl`, the
/// edit sets that ttl, as a rill host's `set` would. The editor says which.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_redis_edit_keeps_ttl() {
    let env = Env::new("redis", None);
    env.external_set("a", "1");
    env.redis_cli(&["EXPIRE", "app:a", "900"]);
    let mut app = open(&env).await;
    select(&mut app, "a").await;
    let c = app.update(Action::Edit);
    drive(&mut app, c).await;
    let Some(Screen::Editor(ed)) = app.stack.last_mut() else {
        panic!("no editor")
    };
    let note = ed.ttl_note.clone().unwrap();
    assert!(note.starts_with("TTL kept (14m"), "{note}");
    ed.textarea = TextArea::new(vec!["2".into()]);
    save(&mut app).await;
    assert_eq!(env.redis_cli(&["GET", "app:a"]), "2");
    let ttl: i64 = env.redis_cli(&["TTL", "app:a"]).parse().unwrap();
    assert!((880..=900).contains(&ttl), "TTL after the edit: {ttl}");

    let env = Env::new("redis", Some(3600));
    env.external_set("a", "1");
    env.redis_cli(&["EXPIRE", "app:a", "900"]);
    let mut app = open(&env).await;
    select(&mut app, "a").await;
    let c = app.update(Action::Edit);
    drive(&mut app, c).await;
    let Some(Screen::Editor(ed)) = app.stack.last_mut() else {
        panic!("no editor")
    };
    assert_eq!(
        ed.ttl_note.as_deref(),
        Some("TTL set to the mount's ttl (3600 s), as rill sets it")
    );
    ed.textarea = TextArea::new(vec!["3".into()]);
    save(&mut app).await;
    let ttl: i64 = env.redis_cli(&["TTL", "app:a"]).parse().unwrap();
    assert!((3580..=3600).contains(&ttl), "TTL after the edit: {ttl}");
}
