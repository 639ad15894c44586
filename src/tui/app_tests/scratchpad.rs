//! The scratchpad through `App::update`: dry run first, apply (typed on protect, never on
//! readOnly), cancel, history recall and saving, errors with positions. Run results are
//! synthetic `RunReport`s.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::*;
use crate::rill::dialect::Dialect;
use crate::rill::mounts::change::WriteChange;
use crate::rill::mounts::session::{RunReport, ScriptError};
use crate::tui::history;

fn pad_app(p: Profile) -> App {
    let (mut app, _) = app_with_keys(p, &["k"]);
    app.update(Action::OpenScratchpad);
    assert_eq!(app.key_context(), KeyContext::Scratchpad);
    app
}

fn type_text(app: &mut App, s: &str) {
    app.update(Action::Paste(s.to_string()));
}

/// The one `RunScript` among `commands`: (id, source, dry_run, cancel flag).
fn run_of(
    commands: &[Command],
) -> (
    RequestId,
    String,
    bool,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    let runs: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::RunScript {
                id,
                source,
                options,
                profile,
                ..
            } => {
                assert_eq!(profile.name, "dev");
                Some((*id, source.clone(), options.dry_run, options.cancel.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(runs.len(), 1, "{commands:?}");
    runs.into_iter().next().unwrap()
}

fn writes_report() -> TaskOutput {
    TaskOutput::Script(Box::new(RunReport {
        value: Some("dark".into()),
        value_json: Some(serde_json::json!("dark")),
        logs: vec!["setting theme".into()],
        error: None,
        changes: vec![WriteChange {
            store: "kv",
            mount: "a".into(),
            target: "theme".into(),
            before: Some("\"light\"".into()),
            after: Some("\"dark\"".into()),
        }],
        elapsed: Duration::from_millis(3),
    }))
}

fn pad(app: &App) -> &crate::tui::screens::scratchpad::ScratchpadScreen {
    match app.stack.last() {
        Some(Screen::Scratchpad(p)) => p,
        other => panic!("not the scratchpad: {other:?}"),
    }
}

const SNIPPET: &str = "kv.set(\"a\", \"theme\", \"dark\")";

#[test]
fn run_is_a_dry_run_then_apply_reruns_for_real() {
    let mut app = pad_app(profile("dev", vec![kv("a", "read-write")], vec![]));
    assert!(
        app.update(Action::Apply).is_empty(),
        "nothing to apply before a dry run"
    );
    type_text(&mut app, SNIPPET);
    let (id, source, dry, _) = run_of(&app.update(Action::Run));
    assert_eq!((source.as_str(), dry), (SNIPPET, true));
    assert!(app.update(Action::Run).is_empty(), "one run at a time");
    app.update(Action::TaskDone(id, writes_report()));
    let p = pad(&app);
    assert_eq!(p.dry_source.as_deref(), Some(SNIPPET));
    assert!(p.offers(&app.ctx, "apply"));
    let (id2, source, dry, _) = run_of(&app.update(Action::Apply));
    assert_eq!((source.as_str(), dry), (SNIPPET, false));
    // The real run wrote: the browser reloads its list.
    let after = app.update(Action::TaskDone(id2, writes_report()));
    assert_eq!(scans(&after).len(), 1, "{after:?}");
    let status = app.ctx.status.clone().unwrap();
    assert!(
        status.text.contains("applied 1 write(s) to profile `dev`"),
        "{status:?}"
    );
    assert!(!pad(&app).offers(&app.ctx, "apply"), "applied once");
}

#[test]
fn editing_after_the_dry_run_requires_a_new_one() {
    let mut app = pad_app(profile("dev", vec![kv("a", "read-write")], vec![]));
    type_text(&mut app, SNIPPET);
    let (id, ..) = run_of(&app.update(Action::Run));
    app.update(Action::TaskDone(id, writes_report()));
    app.update(text_key(' '));
    assert!(app.update(Action::Apply).is_empty());
    let status = app.ctx.status.clone().unwrap();
    assert!(status.error && status.text.contains("changed since its dry run"));
}

#[test]
fn protected_apply_asks_for_the_profile_name_and_cancel_sends_nothing() {
    let mut p = profile("dev", vec![kv("a", "read-write")], vec![]);
    p.protect = true;
    let mut app = pad_app(p);
    type_text(&mut app, SNIPPET);
    let (id, ..) = run_of(&app.update(Action::Run));
    app.update(Action::TaskDone(id, writes_report()));
    assert!(app.update(Action::Apply).is_empty(), "waits for the name");
    assert_eq!(app.key_context(), KeyContext::Prompt);
    app.update(Action::Cancel);
    assert_eq!(app.key_context(), KeyContext::Scratchpad);
    assert!(pad(&app).running.is_none());
    assert!(app.update(Action::Apply).is_empty());
    for c in "dev".chars() {
        app.update(text_key(c));
    }
    let (id2, _, dry, _) = run_of(&app.update(Action::Confirm));
    assert!(!dry);
    let running = pad(&app).running.clone().unwrap();
    assert_eq!((running.id, running.confirming), (id2, false));
}

#[test]
fn read_only_profile_runs_dry_and_never_offers_apply() {
    let mut p = profile("dev", vec![kv("a", "read-write")], vec![]);
    p.read_only = true;
    let mut app = pad_app(p);
    type_text(&mut app, SNIPPET);
    let (id, _, dry, _) = run_of(&app.update(Action::Run));
    assert!(dry);
    app.update(Action::TaskDone(id, writes_report()));
    assert!(!pad(&app).offers(&app.ctx, "apply"));
    assert!(app.update(Action::Apply).is_empty());
    assert!(app.ctx.status.clone().unwrap().text.contains("read-only"));
}

#[test]
fn esc_cancels_a_running_snippet_then_closes() {
    let mut app = pad_app(profile("dev", vec![kv("a", "read-write")], vec![]));
    type_text(&mut app, "range(1, 1000000) -> each { $ }");
    let (id, _, _, cancel) = run_of(&app.update(Action::Run));
    app.update(Action::Cancel);
    assert!(cancel.load(Ordering::SeqCst), "esc sets the cancel flag");
    assert_eq!(app.stack.len(), 2, "still open while the run stops");
    let stopped = RunReport {
        error: Some(ScriptError {
            code: "RILL-R013".into(),
            message: "Execution aborted".into(),
            line: 1,
            col: 20,
            source_line: "range(1, 1000000) -> each { $ }".into(),
        }),
        ..RunReport::default()
    };
    app.update(Action::TaskDone(id, TaskOutput::Script(Box::new(stopped))));
    assert!(pad(&app).running.is_none());
    // A stale result of an older run is dropped.
    app.update(Action::TaskDone(id, writes_report()));
    assert!(pad(&app).report.as_ref().unwrap().0.error.is_some());
    app.update(Action::Cancel);
    assert_eq!(app.stack.len(), 1);
    // The text is kept for the next visit.
    app.update(Action::OpenScratchpad);
    assert_eq!(pad(&app).text(), "range(1, 1000000) -> each { $ }");
}

#[test]
fn history_recalls_with_ctrl_p_and_up_on_the_first_line_and_is_saved() {
    let mut app = pad_app(profile("dev", vec![kv("a", "read-write")], vec![]));
    app.ctx.history_dir = Some(PathBuf::from("/state/history"));
    for s in ["1 + 1", "\"two\""] {
        app.update(Action::Paste(s.into()));
        let commands = app.update(Action::Run);
        let saved: Vec<_> = commands
            .iter()
            .filter_map(|c| match c {
                Command::SaveHistory { path, entries, .. } => Some((path.clone(), entries.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(saved.len(), 1);
        assert_eq!(
            saved[0].0,
            PathBuf::from("/state/history/dev.rill-0.20.json")
        );
        assert_eq!(saved[0].1.last().map(String::as_str), Some(s));
        let (id, ..) = run_of(&commands);
        app.update(Action::TaskDone(id, TaskOutput::Script(Box::default())));
        // Clear the editor for the next snippet.
        let mut p = match app.stack.pop() {
            Some(Screen::Scratchpad(p)) => p,
            _ => unreachable!(),
        };
        p.textarea = TextArea::default();
        app.stack.push(Screen::Scratchpad(p));
    }
    app.update(Action::Paste("draft".into()));
    app.update(Action::HistoryPrev);
    assert_eq!(pad(&app).text(), "\"two\"");
    app.update(Action::Input(KeyEvent::new(
        KeyCode::Up,
        KeyModifiers::NONE,
    )));
    assert_eq!(pad(&app).text(), "1 + 1");
    app.update(Action::Input(KeyEvent::new(
        KeyCode::Down,
        KeyModifiers::NONE,
    )));
    app.update(Action::HistoryNext);
    assert_eq!(pad(&app).text(), "draft");
    assert_eq!(
        app.ctx.histories[&history::key("dev", Dialect::V0_20)],
        vec!["1 + 1", "\"two\""]
    );
    // A failed save is shown, not swallowed.
    let commands = app.update(Action::Run);
    let save = commands
        .iter()
        .find_map(|c| match c {
            Command::SaveHistory { id, .. } => Some(*id),
            _ => None,
        })
        .unwrap();
    app.update(Action::TaskDone(
        save,
        TaskOutput::Failed("cannot save the scratchpad history: read-only file system".into()),
    ));
    let status = app.ctx.status.clone().unwrap();
    assert!(status.error && status.text.contains("read-only file system"));
}

#[test]
fn keys_reach_the_scratchpad_through_the_keymap() {
    let mut app = pad_app(profile("dev", vec![kv("a", "read-write")], vec![]));
    for c in "1+1".chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    assert_eq!(pad(&app).text(), "1+1");
    let q = app.handle_key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
    assert!(q.is_empty() && !app.quit, "q is text here");
    for key in [
        KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL),
        KeyEvent::new(KeyCode::Enter, KeyModifiers::CONTROL),
    ] {
        let mut app2 = pad_app(profile("dev", vec![kv("a", "read-write")], vec![]));
        app2.update(Action::Paste("1".into()));
        let (_, source, dry, _) = run_of(&app2.handle_key(key));
        assert_eq!((source.as_str(), dry), ("1", true));
    }
}

#[test]
fn result_pane_scrolls_within_its_lines() {
    let mut app = pad_app(profile("dev", vec![kv("a", "read-write")], vec![]));
    type_text(&mut app, SNIPPET);
    let (id, ..) = run_of(&app.update(Action::Run));
    app.update(Action::TaskDone(id, writes_report()));
    for _ in 0..5 {
        app.update(Action::PageDown);
    }
    // dry run line, value, log, header, apply hint, one change: six lines.
    assert_eq!(pad(&app).result_scroll, 5);
    app.update(Action::Scroll {
        column: 10,
        row: 20,
        down: false,
    });
    assert_eq!(pad(&app).result_scroll, 4, "the wheel scrolls the result");
    app.update(Action::PageUp);
    assert_eq!(pad(&app).result_scroll, 0);
}

/// The dialect of every `RunScript` among `commands`.
fn dialects_of(commands: &[Command]) -> Vec<Dialect> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::RunScript { options, .. } => Some(options.dialect),
            _ => None,
        })
        .collect()
}

#[test]
fn f2_switches_the_dialect_with_its_own_history_and_a_new_dry_run() {
    let mut app = pad_app(profile("dev", vec![kv("a", "read-write")], vec![]));
    app.ctx.history_dir = Some(PathBuf::from("/state/history"));
    app.ctx.histories.insert(
        history::key("dev", Dialect::V0_8),
        vec!["kv::get(\"a\", \"theme\")".into()],
    );
    // The profile says nothing: the newest rill.
    assert_eq!(pad(&app).dialect, Some(Dialect::V0_20));
    type_text(&mut app, SNIPPET);
    let commands = app.update(Action::Run);
    assert_eq!(dialects_of(&commands), vec![Dialect::V0_20]);
    let (id, ..) = run_of(&commands);
    app.update(Action::TaskDone(id, writes_report()));
    assert!(pad(&app).offers(&app.ctx, "apply"));

    // F2: rill 0.8, its own history, and the 0.20 dry run no longer counts for apply.
    let key = KeyEvent::new(KeyCode::F(2), KeyModifiers::NONE);
    app.handle_key(key);
    assert_eq!(pad(&app).dialect, Some(Dialect::V0_8));
    let status = app.ctx.status.clone().unwrap();
    assert!(
        status
            .text
            .contains("snippets now run as rill 0.8 (v0.8.6; the profile runs 0.20)"),
        "{status:?}"
    );
    assert!(!pad(&app).offers(&app.ctx, "apply"));
    app.update(Action::HistoryPrev);
    assert_eq!(pad(&app).text(), "kv::get(\"a\", \"theme\")");
    let commands = app.update(Action::Run);
    assert_eq!(dialects_of(&commands), vec![Dialect::V0_8]);
    let saved: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::SaveHistory { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        saved,
        vec![PathBuf::from("/state/history/dev.rill-0.8.json")]
    );
    let (id, ..) = run_of(&commands);
    app.update(Action::TaskDone(id, TaskOutput::Script(Box::default())));

    // Back to 0.20: its history is the 0.20 one.
    app.handle_key(key);
    assert_eq!(pad(&app).dialect, Some(Dialect::V0_20));
    app.update(Action::HistoryPrev);
    assert_eq!(pad(&app).text(), SNIPPET);
    assert_eq!(
        app.ctx.histories[&history::key("dev", Dialect::V0_8)],
        vec!["kv::get(\"a\", \"theme\")"]
    );
}

#[test]
fn a_profile_that_cannot_tell_its_rill_runs_after_f2_chooses() {
    let mut p = profile("dev", vec![kv("a", "read-write")], vec![]);
    p.rill = crate::rill::dialect::DialectChoice::Unknown(
        "rill-config.json names no known rill extension: set rill = \"0.20\" or \"0.8\"".into(),
    );
    let mut app = pad_app(p);
    assert_eq!(pad(&app).dialect, None);
    type_text(&mut app, "1 + 1");
    assert!(
        app.update(Action::Run).is_empty(),
        "no run in a guessed rill"
    );
    let status = app.ctx.status.clone().unwrap();
    assert!(
        status.error
            && status.text.contains("which rill does profile `dev` run?")
            && status.text.contains("F2 chooses one"),
        "{status:?}"
    );
    app.update(Action::SwitchDialect);
    assert_eq!(pad(&app).dialect, Some(Dialect::DEFAULT));
    assert_eq!(
        dialects_of(&app.update(Action::Run)),
        vec![Dialect::DEFAULT]
    );
}
