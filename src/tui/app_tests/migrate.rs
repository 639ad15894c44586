//! The migration view: plan, apply, progress, cancel, quit, verify, refusals.

use super::*;

/// A `dev` profile with kv mounts `a` and `b`, the migration view open on `a` → `b` and its
/// (empty) plan received: ready to apply.
fn planned_migration() -> App {
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
