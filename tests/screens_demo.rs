//! Snapshots over the bundled demo profile (profiles/demo.toml: JSON kv with a schema, JSON
//! kv open, SQLite kv, local folders; `protect = true`), on a temp COPY so the committed
//! demo is never written. Commands run for real through `tui::tasks::execute`, except the
//! scratchpad's run, whose result is a synthetic `RunReport` (what the interpreter returns
//! is its own tests' business; here: how the screen shows it) — except in the live-log test,
//! which runs a real endless script and cancels it. 100×30 `TestBackend`.
//!
//! Deterministic: modification times are not shown in these panes, elapsed times are fixed
//! in the synthetic reports, and paths are shown relative to the profile's folder.

#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rillmount::config::load::{EnvVars, load_profile};
use rillmount::rill::mounts::change::WriteChange;
use rillmount::rill::mounts::session::{RunReport, ScriptError};
use rillmount::tui::action::{Action, Command, TaskOutput};
use rillmount::tui::app::App;
use rillmount::tui::keymap::Keymap;
use rillmount::tui::tasks::execute;
use rillmount::tui::theme::Theme;

const W: u16 = 100;
const H: u16 = 30;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The demo profile, loaded from a temp copy of profiles/demo.toml and assets/demo.
fn demo_copy(dir: &Path) -> rillmount::config::Profile {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.join("profiles")).unwrap();
    std::fs::copy(
        root.join("profiles/demo.toml"),
        dir.join("profiles/demo.toml"),
    )
    .unwrap();
    copy_dir(&root.join("assets/demo"), &dir.join("assets/demo"));
    load_profile(
        &dir.join("profiles/demo.toml"),
        None,
        &EnvVars::from_pairs(Vec::<(String, String)>::new()),
    )
    .unwrap()
}

/// Runs commands (and those their results cause); a scratchpad run is answered with
/// `script` instead of being run.
async fn drive(app: &mut App, commands: Vec<Command>, script: Option<&RunReport>) {
    let mut queue: VecDeque<Command> = commands.into();
    while let Some(c) = queue.pop_front() {
        let (id, out) = match (&c, script) {
            (Command::RunScript { id, .. }, Some(r)) => {
                (*id, TaskOutput::Script(Box::new(r.clone())))
            }
            (Command::SaveHistory { id, .. }, _) => (*id, TaskOutput::Written),
            _ => execute(c, |_, _| {}).await,
        };
        queue.extend(app.update(Action::TaskDone(id, out)));
    }
}

async fn press(app: &mut App, code: KeyCode, mods: KeyModifiers, script: Option<&RunReport>) {
    let commands = app.handle_key(KeyEvent::new(code, mods));
    drive(app, commands, script).await;
}

async fn key(app: &mut App, code: KeyCode) {
    press(app, code, KeyModifiers::NONE, None).await;
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

async fn start(dir: &Path) -> App {
    let (mut app, commands) =
        App::new(vec![demo_copy(dir)], None, Theme::dark(), Keymap::default());
    app.update(Action::Resize {
        width: W,
        height: H,
    });
    drive(&mut app, commands, None).await;
    app
}

#[tokio::test]
async fn demo_browser_schema_preview_and_sqlite_cache() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path()).await;
    insta::assert_snapshot!("demo_browser_start", draw(&app));
    key(&mut app, KeyCode::Enter).await;
    keys(&mut app, "jjj").await;
    insta::assert_snapshot!("demo_user_notifications", draw(&app));
    // The SQLite cache: two mounts down.
    key(&mut app, KeyCode::Tab).await;
    key(&mut app, KeyCode::Tab).await;
    keys(&mut app, "jj").await;
    key(&mut app, KeyCode::Enter).await;
    insta::assert_snapshot!("demo_sqlite_cache", draw(&app));
}

#[tokio::test]
async fn demo_files_delete_names_the_file_and_read_mount_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path()).await;
    keys(&mut app, "jjj").await;
    key(&mut app, KeyCode::Enter).await;
    // Folders first: config, data, images, notes, reports, then README.md.
    keys(&mut app, "jjjjj").await;
    insta::assert_snapshot!("demo_file_preview", draw(&app));
    key(&mut app, KeyCode::Char('d')).await;
    insta::assert_snapshot!("demo_file_delete_protected", draw(&app));
    keys(&mut app, "demo").await;
    key(&mut app, KeyCode::Enter).await;
    assert!(!dir.path().join("assets/demo/files/README.md").exists());
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/demo/files/README.md")
            .exists(),
        "the committed demo is untouched"
    );
    // The `reports` mount is mode `read`: no delete offered, none done.
    key(&mut app, KeyCode::Char('h')).await;
    key(&mut app, KeyCode::Char('j')).await;
    key(&mut app, KeyCode::Enter).await;
    key(&mut app, KeyCode::Char('d')).await;
    let screen = draw(&app);
    insta::assert_snapshot!("demo_read_mount_no_delete", screen);
    assert_eq!(app.stack.len(), 1);
}

fn dry_report() -> RunReport {
    RunReport {
        value: Some("dark".into()),
        value_json: Some(serde_json::json!("dark")),
        logs: vec!["old theme: light".into()],
        error: None,
        changes: vec![
            WriteChange {
                store: "kv",
                mount: "user".into(),
                target: "theme".into(),
                before: Some("\"light\"".into()),
                after: Some("\"dark\"".into()),
            },
            WriteChange {
                store: "kv",
                mount: "flags".into(),
                target: "rollout.darkMode".into(),
                before: Some("{\n  \"enabled\": true,\n  \"percent\": 25\n}".into()),
                after: Some("{\n  \"enabled\": true,\n  \"percent\": 50\n}".into()),
            },
        ],
        elapsed: Duration::from_millis(4),
    }
}

#[tokio::test]
async fn demo_scratchpad_highlight_dry_run_diff_apply_and_error_caret() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path()).await;
    key(&mut app, KeyCode::Char(':')).await;
    app.update(Action::Paste(
        "# flip the theme\n\"light\" => $old\nkv.set(\"user\", \"theme\", \"dark\")\n\"was {$old}\" -> log\nlist[1, 2.5] -> seq({ $ * 2 })".into(),
    ));
    insta::assert_snapshot!("demo_scratchpad_editor", draw(&app));
    let report = dry_report();
    press(&mut app, KeyCode::F(5), KeyModifiers::NONE, Some(&report)).await;
    insta::assert_snapshot!("demo_scratchpad_dry_run", draw(&app));
    // Apply on the protected demo asks for its name.
    press(&mut app, KeyCode::F(6), KeyModifiers::NONE, Some(&report)).await;
    insta::assert_snapshot!("demo_scratchpad_apply_protected", draw(&app));
    key(&mut app, KeyCode::Esc).await;

    let failed = RunReport {
        error: Some(ScriptError {
            code: "RILL-R007".into(),
            message: "Unknown method: sett on type dict".into(),
            line: 2,
            col: 3,
            source_line: "kv.sett(\"user\", \"theme\")".into(),
        }),
        elapsed: Duration::from_millis(1),
        ..RunReport::default()
    };
    key(&mut app, KeyCode::Char(' ')).await;
    press(&mut app, KeyCode::F(5), KeyModifiers::NONE, Some(&failed)).await;
    insta::assert_snapshot!("demo_scratchpad_error", draw(&app));
    // Help from the same keymap table.
    key(&mut app, KeyCode::F(1)).await;
    insta::assert_snapshot!("demo_scratchpad_help", draw(&app));
}

#[tokio::test]
async fn demo_editor_help_and_migration_plan() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path()).await;
    // The `theme` key of the declared `user` mount, in the editor.
    key(&mut app, KeyCode::Enter).await;
    key(&mut app, KeyCode::Char('j')).await;
    key(&mut app, KeyCode::Char('e')).await;
    insta::assert_snapshot!("demo_editor_theme", draw(&app));
    key(&mut app, KeyCode::Esc).await;
    key(&mut app, KeyCode::Char('?')).await;
    insta::assert_snapshot!("demo_help", draw(&app));
    key(&mut app, KeyCode::Esc).await;
    // Plan `flags` -> `cache` inside the demo profile (plan only, nothing applied).
    key(&mut app, KeyCode::Char('m')).await;
    key(&mut app, KeyCode::Char('j')).await;
    key(&mut app, KeyCode::Enter).await;
    key(&mut app, KeyCode::Char('j')).await;
    key(&mut app, KeyCode::Char('j')).await;
    key(&mut app, KeyCode::Enter).await;
    let plan = draw(&app);
    insta::assert_snapshot!("demo_migration_plan", plan);
}

/// A real run's `log` lines show while it runs (here: before an endless loop), and esc
/// cancels it; the report keeps the lines and says the run was aborted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratchpad_shows_logs_while_the_script_runs_and_esc_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path()).await;
    key(&mut app, KeyCode::Char(':')).await;
    app.update(Action::Paste(
        "log(\"before the loop\")\n0 -> while ($ >= 0) do<limit: 1000000000> { $ + 1 }".into(),
    ));
    let commands = app.handle_key(KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE));
    let mut run = None;
    for c in commands {
        match c {
            Command::RunScript { .. } => run = Some(tokio::spawn(execute(c, |_, _| {}))),
            other => drive(&mut app, vec![other], None).await,
        }
    }
    let run = run.expect("F5 starts a run");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let screen = loop {
        let s = draw(&app);
        if s.contains("before the loop") {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no live log line:\n{s}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        screen.contains("dry run…"),
        "not shown as running:\n{screen}"
    );
    assert!(!run.is_finished(), "the loop ended on its own");
    key(&mut app, KeyCode::Esc).await;
    let (id, out) = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("esc stops the run")
        .unwrap();
    app.update(Action::TaskDone(id, out));
    let screen = draw(&app);
    assert!(screen.contains("RILL-R013"), "{screen}");
    assert!(screen.contains("before the loop"), "{screen}");
}

/// A huge value and a flood of logs are cut for display (every frame would otherwise lay out
/// megabytes), with a note of what was left out.
#[tokio::test]
async fn scratchpad_bounds_huge_values_and_logs() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path()).await;
    key(&mut app, KeyCode::Char(':')).await;
    app.update(Action::Paste("range(0, 9000) -> each { \"é{$}\" }".into()));
    let value = format!("[{}]", "\"éééééééé\",".repeat(20_000));
    let report = RunReport {
        value: Some(value.clone()),
        logs: (0..1500).map(|i| format!("line {i}")).collect(),
        elapsed: Duration::from_millis(3),
        ..RunReport::default()
    };
    press(&mut app, KeyCode::F(5), KeyModifiers::NONE, Some(&report)).await;
    let screen = draw(&app);
    assert!(screen.contains("more bytes not shown"), "{screen}");
    assert!(
        screen.contains(&format!("{} in all", value.len())),
        "{screen}"
    );
    assert!(screen.contains("500 earlier line(s) not shown"), "{screen}");
    assert!(
        screen.contains("line 500") && !screen.contains("line 499 "),
        "{screen}"
    );
}

/// A snippet of the other rill generation fails with a hint that names the key to switch;
/// F2 switches, and the same text then runs as rill 0.8 (for real: `each` is 0.8's).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scratchpad_hints_a_script_of_the_other_rill_and_f2_switches() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = start(dir.path()).await;
    key(&mut app, KeyCode::Char(':')).await;
    app.update(Action::Paste("[1, 2] -> each { $ * 2 }".into()));
    assert!(draw(&app).contains("scratchpad — demo · rill 0.20 "));
    let (report, screen) = run_for_real(&mut app).await;
    assert_eq!(
        report.error.as_ref().map(|e| e.code.as_str()),
        Some("RILL-R006")
    );
    assert!(
        screen.contains("hint: line 1 uses `-> each`, which is rill 0.8 syntax, not 0.20")
            && screen.contains("      F2 runs the scratchpad as rill 0.8"),
        "{screen}"
    );
    key(&mut app, KeyCode::F(2)).await;
    let screen = draw(&app);
    assert!(
        screen.contains("scratchpad — demo · rill 0.8 (switched; the profile runs 0.20)"),
        "{screen}"
    );
    let (report, _) = run_for_real(&mut app).await;
    assert_eq!(report.error, None);
    assert_eq!(report.value.as_deref(), Some("[2,4]"));
}

/// F5 on the scratchpad, run against the demo's real mounts: the report and the screen.
async fn run_for_real(app: &mut App) -> (RunReport, String) {
    let commands = app.handle_key(KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE));
    let mut report = None;
    for c in commands {
        match c {
            Command::RunScript { .. } => {
                let (id, out) = execute(c, |_, _| {}).await;
                if let TaskOutput::Script(r) = &out {
                    report = Some(r.as_ref().clone());
                }
                app.update(Action::TaskDone(id, out));
            }
            other => drive(app, vec![other], None).await,
        }
    }
    let Some(report) = report else {
        panic!("F5 did not run the snippet")
    };
    (report, draw(app))
}
