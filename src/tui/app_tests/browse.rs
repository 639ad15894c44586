//! Browsing: paging, stale results, connections, folders, mouse, filter, marks, previews.

use super::*;

#[test]
fn first_page_then_the_next_one_near_the_end() {
    use crate::tui::screens::browser::{PAGE, PREFETCH};
    let (mut app, commands) = new_app(vec![profile("dev", vec![kv("a", "read-write")], vec![])]);
    let commands = open_all(&mut app, commands);
    let s = scans(&commands);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].1, None);
    let names: Vec<String> = (0..PAGE).map(|i| format!("k{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let after = app.update(Action::TaskDone(s[0].0, keys_page(&refs, Some("c1"))));
    assert!(
        matches!(&after[..], [Command::GetValue { key, .. }] if key == "k000"),
        "the first key is previewed, a full page asks for no more: {after:?}"
    );
    app.update(Action::NextPane);
    let mut next_pages = Vec::new();
    for _ in 0..PAGE - PREFETCH - 2 {
        next_pages.extend(scans(&app.update(Action::Down)));
    }
    assert!(next_pages.is_empty(), "far from the end: {next_pages:?}");
    for _ in 0..15 {
        next_pages.extend(scans(&app.update(Action::Down)));
    }
    assert_eq!(next_pages.len(), 1, "one request while the page loads");
    assert_eq!(next_pages[0].1.as_deref(), Some("c1"));
    app.update(Action::TaskDone(
        next_pages[0].0,
        keys_page(&["k200", "k000"], None),
    ));
    let list = app.browser().unwrap().list.as_ref().unwrap();
    assert_eq!(
        list.items.len(),
        PAGE + 1,
        "a repeated SCAN key is kept once"
    );
    assert!(list.complete);
}

/// Issue 9, finding 3: a Redis mount whose prefix is rare in a big database gets SCAN pages
/// with no key and a cursor that goes on. The list keeps asking (no key press needed), shows
/// how far the server has looked, and lists the keys when they come; j on an empty list asks
/// for more instead of doing nothing.
#[test]
fn sparse_scan_keeps_loading_and_shows_how_far_it_looked() {
    let (mut app, commands) = new_app(vec![profile("dev", vec![kv("a", "read-write")], vec![])]);
    app.update(Action::Resize {
        width: 100,
        height: 24,
    });
    let commands = open_all(&mut app, commands);
    let mut id = scans(&commands)[0].0;
    let empty = |next: &str, scanned: u64| {
        TaskOutput::Keys(KeyPage {
            keys: vec![],
            next: Some(next.into()),
            scanned,
        })
    };
    for (i, cursor) in ["17", "4242", "99"].into_iter().enumerate() {
        let more = app.update(Action::TaskDone(id, empty(cursor, 40_000)));
        let next = scans(&more);
        assert_eq!(
            next.len(),
            1,
            "page {i}: an empty page asks for the next: {more:?}"
        );
        assert_eq!(next[0].1.as_deref(), Some(cursor));
        id = next[0].0;
    }
    let screen = draw(&app, 100, 24);
    assert!(
        screen.contains("0 loaded, scanning…") && screen.contains("120k keys looked at"),
        "{screen}"
    );
    assert!(screen.contains("no key of this mount"), "{screen}");
    let more = app.update(Action::TaskDone(
        id,
        TaskOutput::Keys(KeyPage {
            keys: vec!["user:1".into(), "user:2".into()],
            next: Some("7".into()),
            scanned: 40_000,
        }),
    ));
    assert_eq!(
        scans(&more).len(),
        1,
        "fewer than a page loaded: keeps going"
    );
    let id = scans(&more)[0].0;
    app.update(Action::TaskDone(id, keys_page(&["user:3"], None)));
    assert_eq!(list_names(&app), ["user:1", "user:2", "user:3"]);
    let screen = draw(&app, 100, 24);
    assert!(screen.contains("3 loaded"), "{screen}");
    assert!(!screen.contains("scanning"), "{screen}");
}

/// A filter that hides every loaded key leaves nothing to move over: j (or G, PgDn) then asks
/// for the next page instead of doing nothing.
#[test]
fn moving_over_an_empty_view_of_an_incomplete_list_asks_for_more() {
    use crate::tui::screens::browser::PAGE;
    let (mut app, commands) = new_app(vec![profile("dev", vec![kv("a", "read-write")], vec![])]);
    let commands = open_all(&mut app, commands);
    let id = scans(&commands)[0].0;
    let names: Vec<String> = (0..PAGE).map(|i| format!("k{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    app.update(Action::TaskDone(id, keys_page(&refs, Some("c1"))));
    app.update(Action::NextPane);
    app.update(Action::StartFilter);
    for c in "zzz".chars() {
        app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(
        app.browser()
            .unwrap()
            .list
            .as_ref()
            .unwrap()
            .visible()
            .is_empty()
    );
    let asked = scans(&app.update(Action::Down));
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].1.as_deref(), Some("c1"));
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
        scanned: 0,
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
fn mouse_click_selects_the_row_under_the_pointer() {
    let names: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (mut app, _) = app_with_keys(profile("dev", vec![kv("a", "read-write")], vec![]), &refs);
    app.update(Action::Resize {
        width: 100,
        height: 30,
    });
    let l = BrowserLayout::new(crate::tui::app::body_area(app.ctx.area));
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
    let l = BrowserLayout::new(crate::tui::app::body_area(app.ctx.area));
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
        scanned: 0,
    };
    let more = app.update(Action::TaskDone(*id, TaskOutput::Files(page)));
    // Less than a page loaded and more to come: the next page is asked for at once.
    assert!(
        matches!(&more[..], [Command::ListFiles { cursor, .. }, ..] if cursor.as_deref() == Some("more")),
        "{more:?}"
    );
    app.update(Action::NextPane);
    let commands = app.update(Action::Down);
    let [
        Command::ReadFile {
            id, path, limit, ..
        },
    ] = &commands[..]
    else {
        panic!("{commands:?}")
    };
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

#[test]
fn preview_shows_type_size_and_ttl() {
    let (mut app, after) =
        app_with_keys(profile("dev", vec![kv("a", "read-write")], vec![]), &["s"]);
    let [Command::GetValue { id, .. }] = &after[..] else {
        panic!("{after:?}")
    };
    let value = StoredValue {
        text: r#"{"n":[1,2]}"#.into(),
        ttl: Some(std::time::Duration::from_secs(3599)),
    };
    app.update(Action::TaskDone(*id, TaskOutput::Value(Some(value))));
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    t.draw(|f| f.render_widget(&app, f.area())).unwrap();
    let screen = t.backend().to_string();
    assert!(screen.contains("type   dict  11 B  TTL 3599s"), "{screen}");
    assert!(screen.contains(r#""n": ["#), "{screen}");
}
