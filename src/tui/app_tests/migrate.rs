//! The migration view: plan, apply, progress, cancel, quit, verify, refusals.

use super::*;

/// A `dev` profile with kv mounts `a` and `b`, the migration view open on `a` → `b` and its
/// (empty) plan received: ready to apply.
fn planned_migration() -> App {
    planned_with(CopyReport::default())
}

/// [`planned_migration`] with a preflight `verdict`.
fn planned_with(verdict: CopyReport) -> App {
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
        TaskOutput::Planned(MigrationPlan::default(), Box::new(verdict), None),
    ));
    app
}

#[test]
fn migration_plans_applies_shows_progress_and_cancels() {
    let mut app = planned_migration();
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
    let mut app = planned_migration();
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

/// `dev` with kv mount `a` and `prod`, the migration view from `dev:a` to `prod`'s first
/// mount, both connected: the plan's request id.
fn migrating_into(prod: Profile) -> (App, RequestId) {
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
    let id = *id;
    (app, id)
}

#[test]
fn migration_refuses_a_read_only_destination() {
    let mut prod = profile("prod", vec![kv("a", "read-write")], vec![]);
    prod.read_only = true;
    let (mut app, id) = migrating_into(prod);
    app.update(Action::TaskDone(
        id,
        TaskOutput::Planned(MigrationPlan::default(), Box::default(), None),
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
fn verify_after_a_copy() {
    let mut app = planned_migration();
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

/// Answers every `Open` of an fs mount with a real local-folder store; returns the other
/// commands (and those the answers caused).
fn open_local(app: &mut App, commands: Vec<Command>) -> Vec<Command> {
    let mut rest = Vec::new();
    let mut queue = commands;
    while let Some(c) = queue.pop() {
        match c {
            Command::Open {
                id,
                config: MountConfig::Fs(c),
            } => {
                let FsBackendConfig::Local(l) = &c.backend else {
                    panic!("a local mount: {c:?}")
                };
                let store = crate::store::local_dir::LocalDirStore::open(&c, l).unwrap();
                let handle = Handle::Fs(FsMount {
                    config: c,
                    store: Arc::new(store),
                });
                queue
                    .extend(app.update(Action::TaskDone(id, TaskOutput::Opened(Box::new(handle)))));
            }
            other => rest.push(other),
        }
    }
    rest
}

/// A real copy between two local folders (3,000 files, each write synced to disk): the bar
/// counts files as they finish, against the plan's total, and esc stops the copy at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esc_stops_a_running_copy_and_the_bar_counts_files_as_they_finish() {
    use crate::tui::tasks::execute;
    const FILES: u64 = 3_000;
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for i in 0..FILES {
        std::fs::write(a.path().join(format!("f{i:04}.txt")), format!("file {i}\n")).unwrap();
    }
    let local = |name: &str, dir: &std::path::Path| FsMountConfig {
        backend: FsBackendConfig::Local(LocalFsConfig {
            path: dir.to_path_buf(),
            encoding: Encoding::Utf8,
        }),
        ..fs(name)
    };
    let p = profile(
        "dev",
        vec![],
        vec![local("a", a.path()), local("b", b.path())],
    );
    let (mut app, commands) = new_app(vec![p]);
    open_local(&mut app, commands);
    app.update(Action::OpenMigration);
    app.update(Action::Open);
    let commands = app.update(Action::Open);
    let commands = open_local(&mut app, commands);
    let [plan @ Command::Plan { .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    let (id, out) = execute(plan.clone(), |_, _| {}).await;
    app.update(Action::TaskDone(id, out));
    let commands = app.update(Action::Apply);
    let [copy @ Command::Copy { id: copy_id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    let copy_id = *copy_id;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(execute(copy.clone(), move |id, p| {
        let _ = tx.send((id, p));
    }));
    let shown = loop {
        let (id, p) = tokio::time::timeout(std::time::Duration::from_secs(60), rx.recv())
            .await
            .expect("progress within 60 s")
            .expect("the copy reports progress");
        app.update(Action::TaskProgress(id, p));
        let Some(Screen::Migrate(m)) = app.stack.last() else {
            panic!()
        };
        if let Some(p) = m.progress.as_ref().filter(|p| p.items > 0) {
            break p.clone();
        }
    };
    assert_eq!(shown.total, Some(FILES), "measured against the plan");
    assert!(shown.items < FILES, "partial count: {}", shown.line());
    assert!(
        shown.line().contains(&format!("/{FILES} items")),
        "{}",
        shown.line()
    );

    let pressed = std::time::Instant::now();
    app.handle_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    let (id, out) = tokio::time::timeout(std::time::Duration::from_secs(30), task)
        .await
        .expect("the copy stops")
        .unwrap();
    let took = pressed.elapsed();
    assert_eq!(id, copy_id);
    assert!(
        took < std::time::Duration::from_millis(1500),
        "stopped {took:?} after esc"
    );
    app.update(Action::TaskDone(id, out));
    let Some(Screen::Migrate(m)) = app.stack.last() else {
        panic!()
    };
    assert_eq!(m.step, Step::Report);
    let report = m.report.clone().unwrap();
    assert!(report.cancelled && report.copied < FILES, "{report:?}");
    let status = app.ctx.status.clone().unwrap().text;
    assert!(status.contains("cancelled after"), "{status}");
    let written = std::fs::read_dir(b.path()).unwrap().count() as u64;
    assert!(
        written >= report.copied && written < FILES,
        "{written} files"
    );
}

/// The plan with a preflight that refuses: the verdict, the limit's sentence and the first
/// rejections are on screen; `p` makes apply write what fits; a refused copy's report says
/// nothing was written.
#[test]
fn migration_shows_the_preflight_verdict_and_partial_writes_what_fits() {
    use crate::migrate::copy::{LimitExceeded, Rejection};
    let verdict = CopyReport {
        dry_run: true,
        rejected: (0..25)
            .map(|i| Rejection {
                name: format!("k{i}"),
                reason: "destination schema expects number, got string".into(),
            })
            .collect(),
        limits: vec![LimitExceeded {
            option: "maxEntries",
            allowed: 10_000,
            holds: 0,
            after: 200_000,
        }],
        ..CopyReport::default()
    };
    let mut app = planned_with(verdict.clone());
    let screen = draw(&app, 120, 40);
    assert!(
        screen.contains("preflight: a copy would write nothing; p: write what fits instead"),
        "{screen}"
    );
    assert!(
        screen.contains("`dev:b` allows 10000 entries (maxEntries, 10000 is rill's default)"),
        "{screen}"
    );
    assert!(
        screen.contains("k0: destination schema expects number"),
        "{screen}"
    );
    assert!(screen.contains("… and 20 more"), "{screen}");
    assert!(
        !screen.contains("k5:"),
        "only the first five on the plan: {screen}"
    );

    app.update(Action::TogglePartial);
    assert!(draw(&app, 120, 40).contains("p is on: apply writes what fits"));
    let commands = app.update(Action::Apply);
    let [Command::Copy { id, options, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert!(options.partial);
    // a refused copy (without p) reports that nothing was written
    let refused = CopyReport {
        dry_run: false,
        refused: true,
        ..verdict
    };
    app.update(Action::TaskDone(*id, TaskOutput::Copied(refused)));
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("refused: nothing was written"), "{screen}");
    assert!(screen.contains("k19: destination schema"), "{screen}");
    assert!(screen.contains("… and 5 more"), "{screen}");
    assert!(screen.contains("esc back to the plan"), "{screen}");
    // esc goes back to the plan (p is still on), not out of the migration
    app.update(Action::Back);
    let screen = draw(&app, 120, 40);
    assert!(
        screen.contains("p is on: apply writes what fits"),
        "{screen}"
    );
}

/// A protected `prod` profile with kv mount `b`, `dev` with `a`; the migration view on
/// `dev:a` → `prod:b` with a plan in which `prod:b` holds `extra` items of its own.
fn planned_into_protected(extra: u64) -> App {
    let mut prod = profile("prod", vec![kv("b", "read-write")], vec![]);
    prod.protect = true;
    let (mut app, id) = migrating_into(prod);
    let mut plan = MigrationPlan::default();
    plan.totals.only_in_destination.count = extra;
    app.update(Action::TaskDone(
        id,
        TaskOutput::Planned(plan, Box::default(), None),
    ));
    app
}

#[test]
fn mirror_deletions_on_a_protected_profile_ask_for_the_count() {
    let mut app = planned_into_protected(37);
    let backups = tempfile::tempdir().unwrap();
    app.ctx.backup_root = Some(backups.path().to_path_buf());
    app.update(Action::ToggleMirror);
    app.update(Action::ToggleBackup);
    let screen = draw(&app, 140, 30);
    assert!(
        screen.contains("mirror: on: deletes the 37 destination-only item(s)"),
        "{screen}"
    );
    assert!(screen.contains("backup: on"), "{screen}");
    assert!(app.update(Action::Apply).is_empty(), "waits for the count");
    let Some(Screen::Confirm(c)) = app.stack.last() else {
        panic!("a confirmation")
    };
    assert_eq!(c.typed.as_deref(), Some("37"));
    let popup = draw(&app, 140, 30);
    assert!(
        popup.contains("profile `prod` is protected and this deletes 37 item(s).")
            && popup.contains("type `37` and press enter"),
        "{popup}"
    );
    assert!(
        c.message
            .contains("delete the 37 item(s) only prod:b holds (backed up first)")
    );
    // the profile name is not the answer here: the count is
    for ch in "prod".chars() {
        app.update(text_key(ch));
    }
    assert!(app.update(Action::Confirm).is_empty());
    for _ in 0..4 {
        app.update(Action::Input(KeyEvent::new(
            KeyCode::Backspace,
            KeyModifiers::NONE,
        )));
    }
    for ch in "37".chars() {
        app.update(text_key(ch));
    }
    let commands = app.update(Action::Confirm);
    let [Command::Copy { id, options, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert!(options.delete_extra);
    let dir = match &options.backup {
        Some(b) => std::path::PathBuf::from(&b.label),
        None => panic!("a backup"),
    };
    assert!(dir.starts_with(backups.path()) && dir.is_dir(), "{dir:?}");
    // the report: drift, deletions and the backup with how to undo it
    let report = CopyReport {
        copied: 5,
        extra: 37,
        deleted: 37,
        drifted: vec![crate::migrate::copy::Rejection {
            name: "user:9".into(),
            reason: "changed since the plan: the destination has it now".into(),
        }],
        backup: Some(crate::migrate::apply::backup::BackupSummary {
            location: dir.display().to_string(),
            saved: 2,
            created: 3,
        }),
        ..CopyReport::default()
    };
    app.update(Action::TaskDone(*id, TaskOutput::Copied(report)));
    let screen = draw(&app, 160, 40);
    for want in [
        "changed since the plan: 1 item(s), not written",
        "~ user:9: changed since the plan: the destination has it now",
        "deleted (mirror)    37 of 37",
        "2 saved, 3 created",
        "undo: rillmount restore",
    ] {
        assert!(screen.contains(want), "{want}\n{screen}");
    }
}

#[test]
fn without_a_mirror_a_protected_copy_asks_for_the_profile_name() {
    let mut app = planned_into_protected(4);
    assert!(app.update(Action::Apply).is_empty());
    let Some(Screen::Confirm(c)) = app.stack.last() else {
        panic!("a confirmation")
    };
    assert_eq!(c.typed.as_deref(), Some("prod"));
    let screen = draw(&app, 140, 30);
    assert!(!screen.contains("delete"), "{screen}");
}

#[test]
fn changing_the_policy_or_mirror_checks_again_and_drops_an_older_verdict() {
    let mut app = planned_migration();
    let commands = app.update(Action::CycleConflict);
    let [
        Command::Preflight {
            id: first, options, ..
        },
    ] = &commands[..]
    else {
        panic!("{commands:?}")
    };
    assert_eq!(
        options.on_conflict,
        crate::migrate::copy::OnConflict::Overwrite
    );
    assert!(!options.delete_extra);
    let commands = app.update(Action::ToggleMirror);
    let [
        Command::Preflight {
            id: second,
            options,
            ..
        },
    ] = &commands[..]
    else {
        panic!("{commands:?}")
    };
    assert!(options.delete_extra && first != second);
    let screen = draw(&app, 100, 30);
    assert!(
        screen.contains("checking again with the options chosen"),
        "{screen}"
    );
    // the verdict for the second choice comes first; the older one, late, is dropped
    let refused = CopyReport {
        rejected: vec![crate::migrate::copy::Rejection {
            name: "k".into(),
            reason: "value is 200 bytes, over the destination's maxValueSize of 100".into(),
        }],
        ..CopyReport::default()
    };
    app.update(Action::TaskDone(
        *second,
        TaskOutput::Checked(Box::new(refused)),
    ));
    app.update(Action::TaskDone(
        *first,
        TaskOutput::Checked(Box::default()),
    ));
    let Some(Screen::Migrate(m)) = app.stack.last() else {
        panic!()
    };
    assert_eq!(m.verdict.as_ref().map(|v| v.rejected.len()), Some(1));
    assert!(m.checking.is_none());
    let screen = draw(&app, 100, 30);
    assert!(screen.contains("maxValueSize of 100"), "{screen}");
}
