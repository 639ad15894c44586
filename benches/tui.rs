//! TUI speed: time to first frame on the demo profile, and time to the first page of keys of
//! a large Redis mount.
//!
//! `cargo bench --bench tui`. Measures, each as the median of `RILLMOUNT_BENCH_RUNS` (default
//! 5) runs:
//! 1. in process, demo profile (temp copy): `App::new` + first draw to a 100×30
//!    `TestBackend` (goal < 100 ms), and on to the first page of keys drawn (the demo's
//!    mounts opened and scanned for real);
//! 2. the real binary under tmux: from spawn to the first `capture-pane` that shows the key
//!    list (`N loaded`); needs `tmux` and `target/debug/rillmount` (built by `cargo build`);
//! 3. a Redis mount with `RILLMOUNT_BENCH_KEYS` keys (default 1,000,000, loaded with
//!    `put_many` into a redis-server started here): from the mount's `Open` command to the
//!    first page in the key list and drawn (goal < 200 ms).
//!
//! 4. on that mount, key press (`j`/`k`) to redrawn frame while `/` searches all of it
//!    (goal p99 < 16 ms).
//!
//! Measured 2026-11-25, dev profile (`cargo bench --profile dev --bench tui`; an optimised
//! build is only faster), shared 2-core machine, redis 7: first frame 1.3 ms, first key page
//! of the demo drawn 12.4 ms; real binary in tmux, spawn to key list 64.5 ms (tmux + shell
//! alone 16.0 ms); 1M-key Redis mount, open to first page drawn 3.2 ms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../tests/support/redis.rs"]
mod redis_support;

use std::collections::VecDeque;
use std::path::Path;
use std::process::Command as Proc;
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rillmount::config::load::{EnvVars, load_profile};
use rillmount::config::{KvMountConfig, Profile};
use rillmount::store::{Expiry, KvStore};
use rillmount::tui::action::{Action, Command};
use rillmount::tui::app::App;
use rillmount::tui::keymap::Keymap;
use rillmount::tui::tasks::execute;
use rillmount::tui::theme::Theme;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A temp copy of the demo; returns the profile path.
fn demo_copy(dir: &Path) -> std::path::PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.join("profiles")).unwrap();
    let path = dir.join("profiles/demo.toml");
    std::fs::copy(root.join("profiles/demo.toml"), &path).unwrap();
    copy_dir(&root.join("assets/demo"), &dir.join("assets/demo"));
    path
}

fn draw(app: &App, term: &mut Terminal<TestBackend>) {
    term.draw(|f| f.render_widget(app, f.area())).unwrap();
}

fn new_app(profile: Profile) -> (App, Vec<Command>) {
    let (mut app, commands) = App::new(vec![profile], None, Theme::dark(), Keymap::default());
    app.update(Action::Resize {
        width: 100,
        height: 30,
    });
    (app, commands)
}

/// Runs commands until the browser's list has a page; returns when it does. The mount's
/// count (a whole-database SCAN on Redis, which the UI runs beside the first page) waits
/// behind every other command here, since these run one at a time.
async fn until_keys(app: &mut App, commands: Vec<Command>) {
    let mut queue: VecDeque<Command> = commands.into();
    let mut counts = Vec::new();
    while let Some(c) = queue.pop_front().or_else(|| counts.pop()) {
        if matches!(c, Command::CountKeys { .. }) && !queue.is_empty() {
            counts.push(c);
            continue;
        }
        let (id, out) = execute(c, |_, _| {}).await;
        queue.extend(app.update(Action::TaskDone(id, out)));
        if app
            .browser()
            .and_then(|b| b.list.as_ref())
            .is_some_and(|l| !l.items.is_empty())
        {
            return;
        }
    }
    panic!("no key page arrived");
}

fn bench_first_frame(rt: &tokio::runtime::Runtime, runs: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = demo_copy(dir.path());
    let env = EnvVars::from_pairs(Vec::<(String, String)>::new());
    let (mut frame, mut keys) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let profile = load_profile(&path, None, &env).unwrap();
        let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
        let t = Instant::now();
        let (mut app, commands) = new_app(profile);
        draw(&app, &mut term);
        frame.push(t.elapsed());
        rt.block_on(until_keys(&mut app, commands));
        draw(&app, &mut term);
        keys.push(t.elapsed());
    }
    println!(
        "demo, in process: first frame {} (goal < 100 ms); first key page drawn {}",
        ms(median(frame)),
        ms(median(keys))
    );
}

fn bench_binary_in_tmux(runs: usize) {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/debug/rillmount");
    if Proc::new("tmux").arg("-V").output().is_err() {
        panic!("tmux is needed for the binary benchmark: apt-get install tmux");
    }
    assert!(
        bin.exists(),
        "build the binary first: cargo build --bin rillmount"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = demo_copy(dir.path());
    let cmd = format!(
        "XDG_STATE_HOME='{d}' XDG_CONFIG_HOME='{d}' '{}' tui -p '{}'",
        bin.display(),
        path.display(),
        d = dir.path().display()
    );
    // One idle session keeps the tmux server up between runs (a server exiting after the
    // last session would race with the next `new-session`).
    let keep = format!("rillmount-bench-{}-keep", std::process::id());
    let _ = Proc::new("tmux")
        .args(["new-session", "-d", "-s", &keep, "sleep 600"])
        .status();
    // Baseline: tmux itself, with a command that prints the awaited text at once.
    let baseline = (0..runs)
        .map(|i| spawn_until_shown(&format!("base-{i}"), "echo ' loaded'; sleep 10"))
        .collect();
    let times = (0..runs)
        .map(|i| spawn_until_shown(&format!("tui-{i}"), &cmd))
        .collect();
    let _ = Proc::new("tmux")
        .args(["kill-session", "-t", &keep])
        .status();
    println!(
        "demo, real binary in tmux: spawn to key list shown {} (tmux + shell alone: {})",
        ms(median(times)),
        ms(median(baseline))
    );
}

/// Starts `cmd` in a new tmux session and polls until the pane shows ` loaded`.
fn spawn_until_shown(tag: &str, cmd: &str) -> Duration {
    let session = format!("rillmount-bench-{}-{tag}", std::process::id());
    let t = Instant::now();
    let ok = Proc::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "100",
            "-y",
            "30",
            cmd,
        ])
        .status()
        .unwrap()
        .success();
    assert!(ok, "tmux new-session failed");
    let mut shown = None;
    while t.elapsed() < Duration::from_secs(10) {
        let out = Proc::new("tmux")
            .args(["capture-pane", "-p", "-t", &session])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&out.stdout).contains(" loaded") {
            shown = Some(t.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = Proc::new("tmux")
        .args(["kill-session", "-t", &session])
        .status();
    shown.expect("the key list never showed")
}

/// A profile `big` of the one kv mount `cfg`.
fn big_profile(cfg: &KvMountConfig) -> Profile {
    let mut kv = IndexMap::new();
    kv.insert(cfg.name.clone(), cfg.clone());
    Profile {
        name: "big".into(),
        path: "/tmp/big.toml".into(),
        description: String::new(),
        read_only: false,
        protect: false,
        warnings: Vec::new(),
        broken: Vec::new(),
        rill: Default::default(),
        kv,
        fs: IndexMap::new(),
    }
}

fn bench_redis(rt: &tokio::runtime::Runtime, n: usize, runs: usize) {
    let server = redis_support::RedisServer::start();
    let (cfg, _) = redis_support::redis_mount_config(&server.url(), "bench:", None);
    rt.block_on(async {
        let store = redis_support::redis_store(&server, "bench:", None).await;
        let t = Instant::now();
        let mut i = 0;
        while i < n {
            let end = (i + 50_000).min(n);
            let items: Vec<(String, String)> = (i..end)
                .map(|j| (format!("user:{j:07}"), format!("{{\"id\":{j}}}")))
                .collect();
            store.put_many(&items, Expiry::MountDefault).await.unwrap();
            i = end;
        }
        println!("redis: loaded {n} keys in {}", ms(t.elapsed()));
    });
    let mut times = Vec::new();
    for _ in 0..runs {
        let profile = big_profile(&cfg);
        let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
        let (mut app, commands) = new_app(profile);
        let t = Instant::now();
        rt.block_on(until_keys(&mut app, commands));
        draw(&app, &mut term);
        times.push(t.elapsed());
        let shown = app.browser().and_then(|b| b.list.as_ref()).unwrap();
        assert!(!shown.complete, "a first page, not the whole mount");
    }
    println!(
        "redis, {n} keys: mount open to first key page drawn {} (goal < 200 ms)",
        ms(median(times))
    );
    bench_keys_while_searching(rt, &cfg, n);
}

/// Key press to redrawn frame while `/` searches the whole mount: the search's commands run
/// on the runtime's threads (as in the real UI) and their pages are taken between key
/// presses; each sample is one `j`/`k` handled and the frame drawn (100×30).
fn bench_keys_while_searching(rt: &tokio::runtime::Runtime, cfg: &KvMountConfig, n: usize) {
    let profile = big_profile(cfg);
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let (mut app, commands) = new_app(profile);
    rt.block_on(until_keys(&mut app, commands));
    app.update(Action::NextPane);
    let (tx, mut results) = tokio::sync::mpsc::unbounded_channel();
    let run = |c: Command| {
        let tx = tx.clone();
        rt.spawn(async move {
            let _ = tx.send(execute(c, |_, _| {}).await);
        });
    };
    app.update(Action::StartFilter);
    for c in "0999".chars() {
        let key = crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        );
        for cmd in app.update(Action::Input(key)) {
            run(cmd);
        }
    }
    app.update(Action::Confirm);
    let started = Instant::now();
    let mut samples = Vec::new();
    let searching = |app: &App| {
        app.browser()
            .and_then(|b| b.list.as_ref())
            .and_then(|l| l.search.as_ref())
            .is_some_and(|s| !s.done && !s.capped() && s.error.is_none())
    };
    while searching(&app) && started.elapsed() < Duration::from_secs(60) {
        while let Ok((id, out)) = results.try_recv() {
            for cmd in app.update(Action::TaskDone(id, out)) {
                run(cmd);
            }
        }
        let t = Instant::now();
        let step = if samples.len() % 2 == 0 {
            Action::Down
        } else {
            Action::Up
        };
        for cmd in app.update(step) {
            run(cmd);
        }
        draw(&app, &mut term);
        samples.push(t.elapsed());
        std::thread::sleep(Duration::from_millis(5));
    }
    let found = app
        .browser()
        .and_then(|b| b.list.as_ref())
        .and_then(|l| l.search.as_ref())
        .map_or(0, |s| s.results.len());
    if samples.is_empty() {
        println!("redis, {n} keys: the search ended before the first key press");
        return;
    }
    samples.sort();
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "redis, {n} keys: key press to frame while `/0999` searches the mount ({found} found in \
         {}): p50 {}, p99 {}, max {} over {} presses (goal p99 < 16 ms)",
        ms(started.elapsed()),
        ms(pick(0.5)),
        ms(pick(0.99)),
        ms(pick(1.0)),
        samples.len()
    );
}

fn main() {
    let runs = env_num("RILLMOUNT_BENCH_RUNS", 5).max(1);
    let n = env_num("RILLMOUNT_BENCH_KEYS", 1_000_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    bench_first_frame(&rt, runs);
    bench_binary_in_tmux(runs);
    bench_redis(&rt, n, runs);
}
