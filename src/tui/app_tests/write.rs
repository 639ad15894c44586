//! Writes: read-only refusals, confirmations (typed on protected profiles), the editor.

use super::*;

#[test]
fn read_only_profile_and_read_mode_offer_no_writes() {
    let mut p = profile("archive", vec![kv("a", "read-write")], vec![]);
    p.read_only = true;
    let (mut app, _) = app_with_keys(p, &["k"]);
    for a in [Action::Delete, Action::Edit, Action::NewKey, Action::SetTtl] {
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
fn set_ttl_only_where_the_backend_has_expiry() {
    let (mut app, _) = app_with_keys(profile("dev", vec![kv("a", "read-write")], vec![]), &["k"]);
    assert!(app.update(Action::SetTtl).is_empty());
    assert_eq!(app.stack.len(), 1, "no prompt on a store without TTLs");
    let status = app.ctx.status.clone().unwrap();
    assert!(
        status.error && status.text.contains("only Redis keys have a TTL"),
        "{status:?}"
    );
    let mut p = profile("archive", vec![kv("a", "read-write")], vec![]);
    p.read_only = true;
    let (mut app, _) = app_with_keys(p, &["k"]);
    assert!(app.update(Action::SetTtl).is_empty());
    assert!(app.ctx.status.clone().unwrap().text.contains("read-only"));
}
