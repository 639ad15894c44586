//! The `/` search of the whole mount and `g` (go to key): searches on the server when the
//! list is not all loaded, streams pages, drops the pages of a replaced search, stops on esc.

use super::*;

/// The search commands among `commands`: (id, pattern, cursor).
fn searches(commands: &[Command]) -> Vec<(RequestId, String, Option<String>)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::SearchKeys {
                id,
                pattern,
                cursor,
                ..
            } => Some((*id, pattern.as_str().to_string(), cursor.clone())),
            _ => None,
        })
        .collect()
}

fn typed(app: &mut App, text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(app.update(text_key(c)));
    }
    out
}

/// A list of 200 loaded keys with more on the server, focus on the keys.
fn partly_loaded() -> App {
    let (mut app, commands) = new_app(vec![profile("dev", vec![kv("a", "read-write")], vec![])]);
    app.update(Action::Resize {
        width: 120,
        height: 30,
    });
    let commands = open_all(&mut app, commands);
    let (id, _) = scans(&commands)[0].clone();
    let names: Vec<String> = (0..200).map(|i| format!("item:{i:06}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    app.update(Action::TaskDone(id, keys_page(&refs, Some("c1"))));
    app.update(Action::NextPane);
    app
}

fn page(keys: &[&str], next: Option<&str>, scanned: u64) -> TaskOutput {
    TaskOutput::Keys(KeyPage {
        keys: keys.iter().map(|k| k.to_string()).collect(),
        next: next.map(str::to_string),
        scanned,
    })
}

#[test]
fn search_goes_to_the_server_streams_pages_and_drops_a_replaced_one() {
    let mut app = partly_loaded();
    app.update(Action::StartFilter);
    let out = typed(&mut app, "item:0500");
    let s = searches(&out);
    assert_eq!(s.len(), "item:0500".len(), "each keystroke a new search");
    assert_eq!(s.last().unwrap().1, "*item:0500*");
    let (old, _, _) = s[s.len() - 2].clone();
    let (id, _, _) = s.last().unwrap().clone();
    // the replaced search's page arrives late: dropped
    let late = app.update(Action::TaskDone(
        old,
        page(&["item:999999"], Some("9"), 1000),
    ));
    assert!(searches(&late).is_empty(), "{late:?}");
    // the current one streams: each page asks for the next with its cursor
    let more = app.update(Action::TaskDone(
        id,
        page(&["item:050001"], Some("77"), 1000),
    ));
    let next = searches(&more);
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].2.as_deref(), Some("77"));
    let screen = draw(&app, 120, 30);
    assert!(
        screen.contains("scanned 1k · 1 match · searching…"),
        "{screen}"
    );
    assert!(
        screen.contains("item:050001") && !screen.contains("item:999999"),
        "{screen}"
    );
    let done = app.update(Action::TaskDone(
        next[0].0,
        page(&["item:050002", "item:050001"], None, 1000),
    ));
    assert!(searches(&done).is_empty());
    let list = app.browser().unwrap().list.as_ref().unwrap();
    let found: Vec<&str> = list
        .visible()
        .iter()
        .map(|&i| list.shown()[i].name.as_str())
        .collect();
    assert_eq!(found, ["item:050001", "item:050002"], "a repeated key once");
    let screen = draw(&app, 120, 30);
    assert!(screen.contains("2 matches · done"), "{screen}");
}

#[test]
fn esc_stops_the_search_and_a_glob_is_taken_as_typed() {
    let mut app = partly_loaded();
    app.update(Action::StartFilter);
    let out = typed(&mut app, "item:05*");
    assert_eq!(searches(&out).last().unwrap().1, "item:05*");
    let (id, _, _) = searches(&out).last().unwrap().clone();
    app.update(Action::Cancel);
    let list = app.browser().unwrap().list.as_ref().unwrap();
    assert!(list.search.is_none() && list.filter.is_empty());
    assert_eq!(list.visible().len(), 200, "back to what is loaded");
    let late = app.update(Action::TaskDone(id, page(&["item:050000"], Some("5"), 10)));
    assert!(
        searches(&late).is_empty(),
        "a stopped search asks for nothing: {late:?}"
    );
    assert_eq!(
        app.browser()
            .unwrap()
            .list
            .as_ref()
            .unwrap()
            .visible()
            .len(),
        200
    );
}

#[test]
fn a_fully_loaded_list_filters_in_place() {
    let (mut app, _) = app_with_keys(
        profile("dev", vec![kv("a", "read-write")], vec![]),
        &["user:1", "session:1", "user:22"],
    );
    app.update(Action::StartFilter);
    let out = typed(&mut app, "user:?");
    assert!(searches(&out).is_empty(), "everything is loaded: {out:?}");
    let list = app.browser().unwrap().list.as_ref().unwrap();
    let shown: Vec<&str> = list
        .visible()
        .iter()
        .map(|&i| list.shown()[i].name.as_str())
        .collect();
    assert_eq!(shown, ["user:1"], "a glob over the loaded keys");
}

#[test]
fn go_to_opens_an_unlisted_key_with_one_read_or_says_it_is_absent() {
    let mut app = partly_loaded();
    app.update(Action::GoTo);
    assert_eq!(app.key_context(), KeyContext::Filter);
    typed(&mut app, "item:777777");
    let screen = draw(&app, 120, 30);
    assert!(screen.contains("go to item:777777"), "{screen}");
    let out = app.update(Action::Confirm);
    let [Command::GetValue { id, key, .. }] = &out[..] else {
        panic!("one read: {out:?}");
    };
    assert_eq!(key, "item:777777");
    let value = StoredValue {
        text: "1".into(),
        ttl: None,
    };
    let shown = app.update(Action::TaskDone(*id, TaskOutput::Value(Some(value))));
    let b = app.browser().unwrap();
    let list = b.list.as_ref().unwrap();
    assert_eq!(list.selected_item().unwrap().name, "item:777777");
    assert!(
        shown
            .iter()
            .any(|c| matches!(c, Command::GetValue { key, .. } if key == "item:777777")),
        "previewed: {shown:?}"
    );
    app.update(Action::GoTo);
    typed(&mut app, "nope");
    let out = app.update(Action::Confirm);
    let [Command::GetValue { id, .. }] = &out[..] else {
        panic!("{out:?}");
    };
    app.update(Action::TaskDone(*id, TaskOutput::Value(None)));
    let screen = draw(&app, 120, 30);
    assert!(screen.contains("no such key `nope` in dev:a"), "{screen}");
}

#[test]
fn search_snapshot_while_it_runs() {
    let mut app = partly_loaded();
    app.update(Action::StartFilter);
    let out = typed(&mut app, "item:0500");
    let (id, _, _) = searches(&out).last().unwrap().clone();
    app.update(Action::TaskDone(
        id,
        page(&["item:050000", "item:050017"], Some("3"), 412_000),
    ));
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 12)).unwrap();
    t.draw(|f| f.render_widget(&app, f.area())).unwrap();
    insta::assert_snapshot!(t.backend());
}

#[test]
fn go_to_a_file_opens_its_folder_with_it_selected_and_listed_once() {
    let (mut app, commands) = new_app(vec![profile("dev", vec![], vec![fs("files")])]);
    let commands = open_all(&mut app, commands);
    let [Command::ListFiles { id, .. }] = &commands[..] else {
        panic!("{commands:?}")
    };
    app.update(Action::TaskDone(
        *id,
        TaskOutput::Files(FilePage::default()),
    ));
    app.update(Action::NextPane);
    app.update(Action::GoTo);
    typed(&mut app, "notes/ideas.md");
    let out = app.update(Action::Confirm);
    let [Command::StatFile { id, path, .. }] = &out[..] else {
        panic!("one stat: {out:?}");
    };
    assert_eq!(path, "notes/ideas.md");
    let meta = |p: &str| FileMeta {
        path: p.into(),
        kind: EntryKind::File,
        size: 5,
        modified: None,
        created: None,
        etag: None,
        content_type: None,
    };
    let out = app.update(Action::TaskDone(
        *id,
        TaskOutput::Stat(Some(meta("notes/ideas.md"))),
    ));
    let list_id = out
        .iter()
        .find_map(|c| match c {
            Command::ListFiles { id, dir, .. } if dir == "notes" => Some(*id),
            _ => None,
        })
        .expect("the file's folder is listed");
    let page = FilePage {
        entries: vec![meta("notes/a.md"), meta("notes/ideas.md")],
        next: None,
        scanned: 0,
    };
    app.update(Action::TaskDone(list_id, TaskOutput::Files(page)));
    let list = app.browser().unwrap().list.as_ref().unwrap();
    assert_eq!(list.dir, "notes");
    let names: Vec<&str> = list.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["notes/ideas.md", "notes/a.md"], "listed once");
    assert_eq!(list.selected_item().unwrap().name, "notes/ideas.md");
}
