//! The TUI's `/` search against a real redis-server of 200k keys: the commands run
//! concurrently as in the real loop. A replaced search's late pages are dropped; `esc` in
//! the middle of a whole-mount search stops it (no further request, late pages ignored); the
//! search that runs to its end finds exactly what a server-side scan finds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::process::Command as Proc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rillmount::tui::action::{Action, Command, RequestId, TaskOutput};
use rillmount::tui::app::App;
use rillmount::tui::keymap::Keymap;
use rillmount::tui::tasks::execute;
use rillmount::tui::theme::Theme;
use support::redis::{RedisServer, redis_mount_config};

const KEYS: usize = 200_000;

fn load(server: &RedisServer) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("load.resp");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..KEYS {
        let (k, v) = (format!("app:item:{i:06}"), format!("{{\"n\":{i}}}"));
        write!(
            f,
            "*3\r\n$3\r\nSET\r\n${}\r\n{k}\r\n${}\r\n{v}\r\n",
            k.len(),
            v.len()
        )
        .unwrap();
    }
    drop(f);
    let out = Proc::new("redis-cli")
        .args(["-p", &server.port().to_string(), "--pipe"])
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .expect("redis-cli is needed: apt-get install -y redis-server");
    assert!(String::from_utf8_lossy(&out.stdout).contains("errors: 0"));
}

fn app(server: &RedisServer) -> (App, Vec<Command>) {
    let (cfg, _) = redis_mount_config(&server.url(), "app:", None);
    let profile = support::stores::kv_profile("big", vec![cfg]);
    let (mut app, commands) = App::new(vec![profile], None, Theme::dark(), Keymap::default());
    app.update(Action::Resize {
        width: 120,
        height: 30,
    });
    (app, commands)
}

fn is_search(c: &Command) -> bool {
    matches!(c, Command::SearchKeys { .. })
}

/// Runs `commands` and what their results cause, all at once per round, until nothing is
/// left or `stop` says so after a round; returns the results of searches (id, keys).
async fn drive(
    app: &mut App,
    commands: Vec<Command>,
    mut stop: impl FnMut(&App) -> bool,
) -> Vec<(RequestId, Vec<String>)> {
    let mut pages = Vec::new();
    let mut queue = commands;
    while !queue.is_empty() {
        let batch = std::mem::take(&mut queue);
        let runs = batch.into_iter().map(|c| async move {
            let search = is_search(&c);
            (search, execute(c, |_, _| {}).await)
        });
        for (search, (id, out)) in futures::future::join_all(runs).await {
            if let (true, TaskOutput::Keys(p)) = (search, &out) {
                pages.push((id, p.keys.clone()));
            }
            queue.extend(app.update(Action::TaskDone(id, out)));
        }
        if stop(app) {
            break;
        }
    }
    pages
}

fn type_text(app: &mut App, text: &str) -> Vec<Command> {
    text.chars()
        .flat_map(|c| {
            app.update(Action::Input(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )))
        })
        .collect()
}

fn results(app: &App) -> Vec<String> {
    let list = app.browser().unwrap().list.as_ref().unwrap();
    let mut v: Vec<String> = list
        .visible()
        .iter()
        .map(|&i| list.shown()[i].name.clone())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_a_real_mount_replace_it_and_stop_it() {
    let server = RedisServer::start();
    load(&server);
    let (mut app, commands) = app(&server);
    // open, first page (and the count), nothing more: 200 of ≈200k loaded
    drive(&mut app, commands, |a| {
        a.browser()
            .and_then(|b| b.list.as_ref())
            .is_some_and(|l| !l.items.is_empty())
    })
    .await;
    app.update(Action::NextPane);
    app.update(Action::StartFilter);
    // each keystroke a new search; only the last one's pages are taken
    let typed = type_text(&mut app, "item:1234");
    let searches: Vec<RequestId> = typed
        .iter()
        .filter(|c| is_search(c))
        .map(|c| c.id())
        .collect();
    assert_eq!(searches.len(), "item:1234".len());
    let last = *searches.last().unwrap();
    let pages = drive(&mut app, typed, |_| false).await;
    assert!(
        pages.iter().any(|(id, _)| *id != last),
        "older searches ran too"
    );
    let want: Vec<String> = (0..KEYS)
        .map(|i| format!("item:{i:06}"))
        .filter(|k| k.contains("item:1234"))
        .collect();
    assert_eq!(
        results(&app),
        want,
        "exactly the last pattern's matches, each once"
    );
    let list = app.browser().unwrap().list.as_ref().unwrap();
    assert!(list.search.as_ref().unwrap().done);

    // a search of the whole mount stopped after its first page: nothing more is asked for,
    // and the page in flight when esc came is dropped
    app.update(Action::Cancel);
    app.update(Action::StartFilter);
    let typed = type_text(&mut app, "*7");
    let first = typed.into_iter().filter(is_search).last().unwrap();
    let (id, out) = execute(first, |_, _| {}).await;
    let next = app.update(Action::TaskDone(id, out));
    let next: Vec<Command> = next.into_iter().filter(is_search).collect();
    assert_eq!(next.len(), 1, "the search goes on page by page");
    app.update(Action::Cancel);
    let list = app.browser().unwrap().list.as_ref().unwrap();
    assert!(list.search.is_none() && list.filter.is_empty());
    let late = next.into_iter().next().unwrap();
    let (id, out) = execute(late, |_, _| {}).await;
    let after = app.update(Action::TaskDone(id, out));
    assert!(
        !after.iter().any(is_search),
        "a stopped search asks for nothing: {after:?}"
    );
    assert_eq!(
        app.browser()
            .unwrap()
            .list
            .as_ref()
            .unwrap()
            .visible()
            .len(),
        200,
        "the list shows what is loaded again"
    );
}
