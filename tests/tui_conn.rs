//! Connection state per mount in the TUI against real redis-servers: one up (with a
//! password), one refusing connections, one frozen (SIGSTOP: the TCP handshake succeeds, no
//! reply ever comes). Each mount shows connecting → ok / error; errors arrive within the
//! connect timeout; no password reaches the state, the status line or the screen; retry
//! (enter on the mount, or `r`) reconnects once the server is back. S3 mounts are probed
//! at open (a one-entry listing) against s3s-fs: up, unreachable, missing bucket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rillmount::config::{KvBackendConfig, KvMountConfig, Profile};
use rillmount::tui::action::{Action, Command};
use rillmount::tui::app::App;
use rillmount::tui::context::Conn;
use rillmount::tui::keymap::Keymap;
use rillmount::tui::tasks::execute;
use rillmount::tui::theme::Theme;
use support::redis::{RedisServer, redis_mount_config};

const PASSWORD: &str = "s3cret-pw-123";
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

fn mount(name: &str, url: &str) -> KvMountConfig {
    let (mut cfg, _) = redis_mount_config(url, "app:", None);
    cfg.name = name.into();
    if let KvBackendConfig::Redis(r) = &mut cfg.backend {
        r.connect_timeout = CONNECT_TIMEOUT;
    }
    cfg
}

fn profile(mounts: Vec<KvMountConfig>) -> Profile {
    support::stores::kv_profile("cache", mounts)
}

/// Runs the commands (and those their results cause) concurrently, as the real loop does;
/// returns how long each `Open` took, by mount name.
async fn drive(app: &mut App, commands: Vec<Command>) -> Vec<(String, Duration)> {
    let mut times = Vec::new();
    let mut queue: VecDeque<Command> = commands.into();
    while !queue.is_empty() {
        let batch: Vec<Command> = queue.drain(..).collect();
        let runs = batch.into_iter().map(|c| async move {
            use rillmount::tui::action::MountConfig;
            let name = match &c {
                Command::Open {
                    config: MountConfig::Kv(k),
                    ..
                } => Some(k.name.clone()),
                Command::Open {
                    config: MountConfig::Fs(f),
                    ..
                } => Some(f.name.clone()),
                _ => None,
            };
            let t = Instant::now();
            let (id, out) = execute(c, |_, _| {}).await;
            (name.map(|n| (n, t.elapsed())), id, out)
        });
        for (timed, id, out) in futures::future::join_all(runs).await {
            times.extend(timed);
            queue.extend(app.update(Action::TaskDone(id, out)));
        }
    }
    times
}

fn draw(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t.backend().to_string()
}

fn state(app: &App, slot: usize) -> &Conn {
    &app.ctx.mounts[slot].conn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mounts_show_ok_and_errors_within_the_timeout_without_secrets_and_retry() {
    let live = RedisServer::start_with_password(PASSWORD);
    let frozen = RedisServer::start_with_password(PASSWORD);
    frozen.pause();
    // Down now (connections refused), back later on the same port.
    let mut down = RedisServer::start_with_password(PASSWORD);
    down.stop();
    let p = profile(vec![
        mount("live", &live.url()),
        mount("refused", &down.url()),
        mount("frozen", &frozen.url()),
    ]);
    let (mut app, commands) = App::new(vec![p], None, Theme::dark(), Keymap::default());
    app.update(Action::Resize {
        width: 100,
        height: 30,
    });
    let opens = commands
        .iter()
        .filter(|c| matches!(c, Command::Open { .. }))
        .count();
    assert_eq!(opens, 3, "every mount of the profile connects at start");
    for slot in 0..3 {
        assert!(matches!(state(&app, slot), Conn::Connecting(_)));
    }
    let connecting = draw(&app);
    assert!(connecting.contains("connecting…"), "{connecting}");

    let times = drive(&mut app, commands).await;
    assert!(
        matches!(state(&app, 0), Conn::Ready(_)),
        "{:?}",
        state(&app, 0)
    );
    for (slot, name) in [(1, "refused"), (2, "frozen")] {
        let Conn::Failed(e) = state(&app, slot) else {
            panic!("{name}: {:?}", state(&app, slot))
        };
        assert!(!e.contains(PASSWORD), "{name}: secret in {e}");
        let took = times.iter().find(|(n, _)| n == name).unwrap().1;
        assert!(
            took < CONNECT_TIMEOUT + Duration::from_millis(1500),
            "{name} failed after {took:?} (connect timeout {CONNECT_TIMEOUT:?})"
        );
    }
    let status = app.ctx.status.clone().unwrap();
    assert!(
        status.error && !status.text.contains(PASSWORD),
        "{status:?}"
    );
    let screen = draw(&app);
    assert!(!screen.contains(PASSWORD), "{screen}");
    assert!(screen.contains("● kv live redis"), "{screen}");
    assert!(screen.contains("✗ kv refused redis"), "{screen}");
    assert!(screen.contains("✗ kv frozen redis"), "{screen}");

    // Retry: select the refused mount and press enter: connecting again, failing again
    // while the server is down.
    let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
    app.handle_key(key(KeyCode::Char('j')));
    let retry = app.handle_key(key(KeyCode::Enter));
    assert!(
        matches!(&retry[..], [Command::Open { .. }]),
        "enter retries a failed mount: {retry:?}"
    );
    assert!(matches!(state(&app, 1), Conn::Connecting(_)));
    drive(&mut app, retry).await;
    assert!(matches!(state(&app, 1), Conn::Failed(_)));

    // The server is back: `r` retries and the mount's keys load.
    down.restart();
    app.handle_key(key(KeyCode::Char('h')));
    let reload = app.handle_key(key(KeyCode::Char('r')));
    assert!(matches!(&reload[..], [Command::Open { .. }]), "{reload:?}");
    drive(&mut app, reload).await;
    assert!(
        matches!(state(&app, 1), Conn::Ready(_)),
        "{:?}",
        state(&app, 1)
    );
    let screen = draw(&app);
    assert!(screen.contains("● kv refused redis"), "{screen}");
    assert!(
        screen.contains("0 loaded") || screen.contains("keys (0"),
        "{screen}"
    );
    frozen.resume();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_mounts_probe_the_endpoint_at_open() {
    use rillmount::config::FsMountConfig;
    use support::s3::{S3TestServer, S3sServer, free_port, s3_mount_config, s3_options};

    let server = S3sServer::start().await;
    server.create_bucket("media").await;
    let fs_mount = |name: &str, endpoint: &str| -> FsMountConfig {
        let mut cfg = s3_mount_config(endpoint, "media", "app/", "read-write");
        cfg.name = name.into();
        s3_options(&mut cfg).connect_timeout = CONNECT_TIMEOUT;
        cfg
    };
    let up = fs_mount("up", &server.endpoint());
    let secret = s3_options(&mut up.clone())
        .credentials
        .as_ref()
        .unwrap()
        .secret_access_key
        .expose()
        .to_string();
    let mut p = profile(vec![]);
    p.fs.insert("up".into(), up);
    p.fs.insert(
        "unreachable".into(),
        fs_mount("unreachable", &format!("http://127.0.0.1:{}", free_port())),
    );
    p.fs.insert("nobucket".into(), {
        let mut c = fs_mount("nobucket", &server.endpoint());
        s3_options(&mut c).bucket = "missing".into();
        c
    });
    let (mut app, commands) = App::new(vec![p], None, Theme::dark(), Keymap::default());
    let times = drive(&mut app, commands).await;
    assert!(
        matches!(state(&app, 0), Conn::Ready(_)),
        "{:?}",
        state(&app, 0)
    );
    for slot in [1, 2] {
        let Conn::Failed(e) = state(&app, slot) else {
            panic!("slot {slot}: {:?}", state(&app, slot))
        };
        assert!(!e.contains(&secret), "secret in {e}");
    }
    let took = times.iter().find(|(n, _)| n == "unreachable").unwrap().1;
    assert!(
        took < CONNECT_TIMEOUT + Duration::from_millis(1500),
        "unreachable endpoint failed after {took:?}"
    );
    let screen = draw(&app);
    assert!(!screen.contains(&secret), "{screen}");
    assert!(screen.contains("● fs up s3"), "{screen}");
    assert!(screen.contains("✗ fs unreachable s3"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_ttl_on_a_redis_key_then_remove_it() {
    let server = RedisServer::start_with_password(PASSWORD);
    server.cli(&["SET", "app:session", "\"s1\""]);
    let p = profile(vec![mount("live", &server.url())]);
    let (mut app, commands) = App::new(vec![p], None, Theme::dark(), Keymap::default());
    app.update(Action::Resize {
        width: 100,
        height: 30,
    });
    drive(&mut app, commands).await;
    assert!(
        matches!(state(&app, 0), Conn::Ready(_)),
        "{:?}",
        state(&app, 0)
    );
    let pttl = |s: &RedisServer| {
        String::from_utf8(s.cli(&["PTTL", "app:session"]))
            .unwrap()
            .trim()
            .parse::<i64>()
            .unwrap()
    };
    assert_eq!(pttl(&server), -1);
    let key = |c: char| Action::Input(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    assert!(app.update(Action::SetTtl).is_empty(), "opens the prompt");
    for c in "120".chars() {
        app.update(key(c));
    }
    let commands = app.update(Action::Confirm);
    assert!(
        matches!(&commands[..], [Command::SetTtl { .. }]),
        "{commands:?}"
    );
    drive(&mut app, commands).await;
    let ms = pttl(&server);
    assert!(ms > 100_000 && ms <= 120_000, "PTTL {ms}");
    assert_eq!(
        server.cli(&["GET", "app:session"]),
        b"\"s1\"\n",
        "value kept"
    );

    assert!(app.update(Action::SetTtl).is_empty());
    let commands = app.update(Action::Confirm);
    drive(&mut app, commands).await;
    assert_eq!(pttl(&server), -1, "empty input removes the expiry");
}

/// Issue 9, finding 3: 10 keys under `app:` among 200k other keys. SCAN pages mostly hold none
/// of the mount's keys but have a cursor that goes on; the list used to stop at
/// `keys (0 loaded, more…)` / `empty` with no key able to move it. Now it keeps scanning by
/// itself (each request bounded in time, so the screen stays live) until the keys show.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sparse_redis_prefix_lists_its_keys_without_a_key_press() {
    let server = RedisServer::start();
    let mut raw = server.raw().await;
    for chunk in 0..200 {
        let mut pipe = redis::pipe();
        let mut mset = redis::cmd("MSET");
        for i in 0..1000 {
            mset.arg(format!("other:{chunk}:{i}")).arg("1");
        }
        pipe.add_command(mset).ignore();
        pipe.query_async::<()>(&mut raw).await.unwrap();
    }
    for i in 0..10 {
        redis::cmd("SET")
            .arg(format!("app:k{i}"))
            .arg(format!("{i}"))
            .query_async::<()>(&mut raw)
            .await
            .unwrap();
    }
    let p = profile(vec![mount("sparse", &server.url())]);
    let (mut app, commands) = App::new(vec![p], None, Theme::dark(), Keymap::default());
    app.update(Action::Resize {
        width: 100,
        height: 30,
    });
    let mut queue: VecDeque<Command> = commands.into();
    let (mut scans, mut slowest) = (0, Duration::ZERO);
    while let Some(c) = queue.pop_front() {
        let is_scan = matches!(c, Command::ScanKeys { .. });
        let t = Instant::now();
        let (id, out) = execute(c, |_, _| {}).await;
        if is_scan {
            scans += 1;
            slowest = slowest.max(t.elapsed());
        }
        queue.extend(app.update(Action::TaskDone(id, out)));
    }
    let list = app.browser().unwrap().list.as_ref().unwrap();
    let mut names: Vec<&str> = list.items.iter().map(|i| i.name.as_str()).collect();
    names.sort();
    let want: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
    assert_eq!(names, want.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(list.complete, "the scan went to the end");
    assert!(
        list.scanned >= 190_000,
        "looked at about the whole database: {}",
        list.scanned
    );
    assert!(
        slowest < Duration::from_millis(1500),
        "one scan request took {slowest:?}: the UI would not stay live"
    );
    assert!(scans >= 1);
    let screen = draw(&app);
    assert!(screen.contains("10 loaded"), "{screen}");
    assert!(!screen.contains("empty"), "{screen}");
}
