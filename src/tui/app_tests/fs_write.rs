//! File deletes in the browser, the editor's discard question and the bounded preview scroll.

use super::*;

fn meta(path: &str, kind: EntryKind) -> FileMeta {
    FileMeta {
        path: path.into(),
        kind,
        size: 5,
        modified: None,
        created: None,
        etag: None,
        content_type: None,
    }
}

/// An app on one fs mount of `p` with `a.txt` and a folder listed, focus on the files.
fn fs_app(p: Profile) -> App {
    let (mut app, commands) = new_app(vec![p]);
    let commands = open_all(&mut app, commands);
    let [Command::ListFiles { id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    let page = FilePage {
        entries: vec![
            meta("a.txt", EntryKind::File),
            meta("docs", EntryKind::Directory),
        ],
        next: None,
        scanned: 0,
    };
    app.update(Action::TaskDone(*id, TaskOutput::Files(page)));
    app.update(Action::NextPane);
    app
}

#[test]
fn a_file_is_deleted_after_a_confirmation_naming_it() {
    let mut app = fs_app(profile("dev", vec![], vec![fs("files")]));
    app.update(Action::Delete);
    assert!(
        app.ctx.status.clone().unwrap().text.contains("is a folder"),
        "folders are not deleted"
    );
    app.update(Action::Down);
    assert!(app.update(Action::Delete).is_empty());
    let Some(Screen::Confirm(c)) = app.stack.last() else {
        panic!("no confirmation")
    };
    assert_eq!(c.message, "delete file `a.txt` from dev:files?");
    let commands = app.update(Action::Confirm);
    let [Command::DeleteFile { id, path, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    assert_eq!(path, "a.txt");
    app.update(Action::TaskDone(*id, TaskOutput::Deleted(true)));
    assert_eq!(list_names(&app), ["docs"]);
    assert!(
        app.ctx
            .status
            .clone()
            .unwrap()
            .text
            .contains("deleted `a.txt`")
    );
}

#[test]
fn protected_file_delete_is_typed_and_read_mounts_refuse() {
    let mut p = profile("prod", vec![], vec![fs("files")]);
    p.protect = true;
    let mut app = fs_app(p);
    app.update(Action::Down);
    app.update(Action::Delete);
    assert_eq!(app.key_context(), KeyContext::Prompt);

    let mut read = fs("files");
    read.mode = Mode::new("read");
    let mut app = fs_app(profile("dev", vec![], vec![read]));
    app.update(Action::Down);
    assert!(app.update(Action::Delete).is_empty());
    assert_eq!(app.stack.len(), 1);
    assert!(app.ctx.status.clone().unwrap().text.contains("mode: read"));

    let mut p = profile("arch", vec![], vec![fs("files")]);
    p.read_only = true;
    let mut app = fs_app(p);
    app.update(Action::Down);
    app.update(Action::Delete);
    assert_eq!(app.stack.len(), 1);
    // Editing files is not offered; deleting them is, where writable.
    let mut app = fs_app(profile("dev", vec![], vec![fs("files")]));
    app.update(Action::Down);
    app.update(Action::Edit);
    assert_eq!(app.stack.len(), 1);
}

#[test]
fn esc_in_the_editor_asks_before_discarding_changes() {
    let (mut app, after) =
        app_with_keys(profile("dev", vec![kv("a", "read-write")], vec![]), &["k"]);
    let [Command::GetValue { id, .. }] = &after[..] else {
        panic!("{after:?}")
    };
    let value = StoredValue {
        text: "1".into(),
        ttl: None,
    };
    app.update(Action::TaskDone(*id, TaskOutput::Value(Some(value))));
    app.update(Action::Edit);
    app.update(Action::Cancel);
    assert_eq!(app.stack.len(), 1, "unchanged text closes at once");
    app.update(Action::Edit);
    app.update(text_key('2'));
    app.update(Action::Cancel);
    let Some(Screen::Confirm(c)) = app.stack.last() else {
        panic!("no question")
    };
    assert!(
        c.message.contains("discard your changes to `k`"),
        "{}",
        c.message
    );
    app.update(Action::Cancel);
    assert!(matches!(app.stack.last(), Some(Screen::Editor(_))), "kept");
    app.update(Action::Cancel);
    let commands = app.update(Action::Confirm);
    assert!(commands.is_empty());
    assert_eq!(app.stack.len(), 1, "discarded");
}

#[test]
fn preview_scroll_stops_at_the_content() {
    let (mut app, after) =
        app_with_keys(profile("dev", vec![kv("a", "read-write")], vec![]), &["k"]);
    let [Command::GetValue { id, .. }] = &after[..] else {
        panic!("{after:?}")
    };
    let value = StoredValue {
        text: r#"{"a":1,"b":2}"#.into(),
        ttl: None,
    };
    app.update(Action::TaskDone(*id, TaskOutput::Value(Some(value))));
    app.update(Action::NextPane);
    for _ in 0..3 {
        app.update(Action::PageDown);
    }
    let p = app.browser().unwrap().preview.as_ref().unwrap();
    // `{`, two members, `}`: the last line is the furthest one can scroll to.
    assert_eq!(p.scroll, 3);
    app.update(Action::PageUp);
    assert_eq!(app.browser().unwrap().preview.as_ref().unwrap().scroll, 0);
}
