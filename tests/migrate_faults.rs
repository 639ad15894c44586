//! Migration under faults, against real servers: redis-server killed in the middle of a
//! 100k-key copy, s3s-fs stopped and restarted during multipart uploads, SIGINT to the CLI
//! mid-copy, and corrupt source values. Each interrupted copy is re-run and verified.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rillmount::config::{FsBackendConfig, LocalFsConfig};
use rillmount::migrate::apply::journal::JournalState;
use rillmount::migrate::copy::{CopyOptions, CopyReport, copy};
use rillmount::migrate::verify::verify;
use rillmount::migrate::{Endpoint, Filter, FsMount, MigrateError};
use rillmount::store::kv_mount::KvMount;
use rillmount::store::{Expiry, FileStore, FsMountStore};
use support::redis::{RedisServer, redis_mount_config};
use support::s3::{self as s3s, S3TestServer};
use support::stores;
use tokio_util::sync::CancellationToken;

async fn fill(m: &KvMount, n: usize) {
    for start in (0..n).step_by(10_000) {
        let items: Vec<(String, String)> = (start..(start + 10_000).min(n))
            .map(|i| (format!("k:{i:06}"), format!(r#"{{"i":{i},"s":"v{i}"}}"#)))
            .collect();
        m.store()
            .put_many(&items, Expiry::MountDefault)
            .await
            .unwrap();
    }
    m.store().flush().await.unwrap();
}

async fn run(
    src: &Endpoint,
    dst: &Endpoint,
    opts: &CopyOptions,
) -> Result<CopyReport, MigrateError> {
    copy(src, dst, opts, None, CancellationToken::new()).await
}

async fn assert_verified(src: &Endpoint, dst: &Endpoint, n: u64) {
    let v = verify(src, dst, &Filter::default(), None).await.unwrap();
    assert!(
        v.ok(),
        "mismatches: {:?}",
        &v.mismatches[..v.mismatches.len().min(5)]
    );
    assert_eq!(v.checked, n);
}

fn journal_state(dir: &Path) -> Option<JournalState> {
    let entry = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "json"))?;
    serde_json::from_str(&std::fs::read_to_string(entry.path()).ok()?).ok()
}

fn dbsize(server: &RedisServer) -> u64 {
    String::from_utf8_lossy(&server.cli(&["DBSIZE"]))
        .trim()
        .parse()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_copy_then_rerun_completes_and_verifies() {
    const N: usize = 100_000;
    // The destination server keeps acknowledged writes across a restart (AOF, fsync always):
    // what the journal recorded as written is still there after the crash.
    let server = RedisServer::start_with(&["--appendonly", "yes", "--appendfsync", "always"]);
    let url = server.url();
    let server = Arc::new(std::sync::Mutex::new(server));
    let src = stores::sqlite_tmp().mount().await;
    fill(&src, N).await;
    let (mut cfg, _) = redis_mount_config(&url, "mig:", None);
    cfg.max_entries = u64::MAX;
    let dst = stores::open(&cfg).await;
    let journal = tempfile::tempdir().unwrap();
    let opts = CopyOptions {
        journal_dir: Some(journal.path().to_path_buf()),
        ..CopyOptions::default()
    };
    // A separate thread kills the server once 30k keys are in.
    let killer = {
        let server = server.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                let mut s = server.lock().unwrap();
                let n = dbsize(&s);
                if n >= 30_000 {
                    s.stop();
                    return n;
                }
                assert!(Instant::now() < deadline, "copy never reached 30k keys");
                drop(s);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let (s, d) = (Endpoint::Kv(src.clone()), Endpoint::Kv(dst));
    let first = tokio::time::timeout(Duration::from_secs(180), run(&s, &d, &opts))
        .await
        .expect("the copy notices the dead server");
    let killed_at = killer.join().unwrap();
    let e = first
        .expect_err("the copy fails when redis dies")
        .to_string();
    assert!(e.contains("redis://127.0.0.1") && e.contains("mig:"), "{e}");
    assert!(
        !e.contains("RedisError"),
        "error names no library type: {e}"
    );
    let state = journal_state(journal.path()).expect("a journal is left behind");
    assert!(state.cursor.is_some() && state.copied > 0, "{state:?}");
    assert!(
        state.copied <= killed_at + 10_000,
        "{state:?} vs {killed_at}"
    );

    server.lock().unwrap().restart();
    assert!(
        dbsize(&server.lock().unwrap()) >= state.copied,
        "AOF kept the writes"
    );
    let dst = stores::open(&cfg).await;
    let d = Endpoint::Kv(dst.clone());
    let second = run(&s, &d, &opts).await.unwrap();
    assert!(second.resumed, "{second:?}");
    assert!(journal_state(journal.path()).is_none(), "journal removed");
    assert_eq!(dst.store().count().await.unwrap(), N as u64);
    assert_verified(&s, &d, N as u64).await;
}

fn local_mount(dir: &Path) -> FsMount {
    let l = LocalFsConfig {
        path: dir.to_path_buf(),
        encoding: rillmount::config::Encoding::Utf8,
    };
    let config = stores::fs_mount_config("local", FsBackendConfig::Local(l));
    let store: Arc<dyn FsMountStore> = Arc::new(stores::local_at(dir));
    FsMount { config, store }
}

fn big(i: usize, len: usize) -> Vec<u8> {
    let mut x = (i as u32).wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Multipart uploads (`uploadCutoff` 0 sends every file above 8 MiB in parts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_restarted_mid_multipart_upload_then_rerun_leaves_no_partial_objects() {
    s3_restarted_mid_upload(0).await;
}

/// Streamed single PutObjects (20 MiB files under the default `uploadCutoff`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_restarted_mid_streamed_put_then_rerun_leaves_no_partial_objects() {
    s3_restarted_mid_upload(rillmount::config::DEFAULT_UPLOAD_CUTOFF).await;
}

async fn s3_restarted_mid_upload(upload_cutoff: u64) {
    const FILES: usize = 6;
    const SIZE: usize = 20 * 1024 * 1024; // above the 8 MiB multipart threshold
    let dir = tempfile::tempdir().unwrap();
    for i in 0..FILES {
        std::fs::write(dir.path().join(format!("big{i}.bin")), big(i, SIZE)).unwrap();
    }
    let src = local_mount(dir.path());
    let server = s3s::S3sServer::start().await;
    server.create_bucket("bkt").await;
    let mut config = s3s::s3_mount_config(&server.endpoint(), "bkt", "data/", "read-write");
    config.max_file_size = u64::MAX;
    s3s::s3_options(&mut config).upload_cutoff = upload_cutoff;
    let store: Arc<dyn FsMountStore> = Arc::new(s3s::connect(&config).await);
    let dst = FsMount { config, store };
    let server = Arc::new(tokio::sync::Mutex::new(server));
    let restarter = {
        let server = server.clone();
        tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                let pending = server.lock().await.pending_upload_files().len();
                if pending > 0 {
                    break;
                }
                assert!(Instant::now() < deadline, "no upload started");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let mut s = server.lock().await;
            s.stop().await;
            tokio::time::sleep(Duration::from_millis(1500)).await;
            s.restart().await;
        })
    };
    let journal = tempfile::tempdir().unwrap();
    let opts = CopyOptions {
        journal_dir: Some(journal.path().to_path_buf()),
        concurrency: 3,
        ..CopyOptions::default()
    };
    let (s, d) = (Endpoint::Fs(src), Endpoint::Fs(dst.clone()));
    let first = run(&s, &d, &opts).await;
    restarter.await.unwrap();
    if let Err(e) = &first {
        let e = e.to_string();
        assert!(e.contains("s3://bkt/data/"), "{e}");
        assert!(!e.contains(s3s::SECRET_KEY), "{e}");
    }
    // Whatever the first run left: every visible object is complete.
    let mut cursor = None;
    loop {
        let page = dst.store.walk(cursor.as_deref(), 1000).await.unwrap();
        for e in &page.entries {
            assert_eq!(e.size, SIZE as u64, "partial object {}", e.path);
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    let second = run(&s, &d, &opts).await.unwrap();
    assert_eq!(second.rejected, vec![]);
    assert_verified(&s, &d, FILES as u64).await;
    for i in 0..FILES {
        let m = FileStore::stat(dst.store.as_ref(), &format!("big{i}.bin"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(m.size, SIZE as u64);
    }
}

const PROFILE: &str = r#"
[kv.src]
backend = "sqlite"
database = "../data/src.db"
table = "kv"

[kv.dst]
backend = "sqlite"
database = "../data/dst.db"
table = "kv"
maxEntries = 1000000
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_mid_copy_keeps_a_consistent_journal_and_the_rerun_finishes() {
    const N: usize = 150_000;
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("profiles")).unwrap();
    std::fs::create_dir_all(root.path().join("data")).unwrap();
    std::fs::write(root.path().join("profiles/f.toml"), PROFILE).unwrap();
    let src_cfg = rillmount::config::KvMountConfig {
        backend: rillmount::config::KvBackendConfig::Sqlite(rillmount::config::SqliteKvConfig {
            database: root.path().join("data/src.db"),
            table: "kv".into(),
        }),
        ..stores::memory().config()
    };
    let src = stores::open(&src_cfg).await;
    fill(&src, N).await;
    drop(src);
    let journal = root.path().join("journal");
    let cli = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rillmount"));
        c.current_dir(root.path())
            .env_remove("RILLMOUNT_PROFILE")
            .env("XDG_CONFIG_HOME", root.path().join("xdg"))
            .env("HOME", root.path().join("home"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    };
    let j = journal.to_str().unwrap();
    let child = cli(&["copy", "-p", "f", "src", "dst", "--journal", j])
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while journal_state(&journal).is_none_or(|s| s.copied < 5_000) {
        assert!(
            Instant::now() < deadline,
            "the copy never journalled a page"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -INT failed");
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout} {stderr}");
    assert!(stdout.contains("cancelled"), "{stdout}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let state = journal_state(&journal).expect("journal kept");
    assert!(
        state.copied < N as u64,
        "interrupted before the end: {state:?}"
    );
    // Consistent: every key the journal counts as copied is at the destination.
    let dst_cfg = rillmount::config::KvMountConfig {
        backend: rillmount::config::KvBackendConfig::Sqlite(rillmount::config::SqliteKvConfig {
            database: root.path().join("data/dst.db"),
            table: "kv".into(),
        }),
        ..stores::memory().config()
    };
    let dst = stores::open(&dst_cfg).await;
    assert_eq!(
        dst.store().count().await.unwrap(),
        state.copied,
        "{state:?}"
    );
    drop(dst);

    let out = cli(&["copy", "-p", "f", "src", "dst", "--journal", j, "--verify"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("resumed from the journal"), "{stdout}");
    assert!(stdout.contains(&format!("copied {N}")), "{stdout}");
    assert!(
        stdout.contains(&format!("verified {N} item(s): {N} matching")),
        "{stdout}"
    );
    assert!(journal_state(&journal).is_none());
}

#[tokio::test]
async fn corrupt_source_values_are_reported_with_their_key_and_skipped() {
    let redis = stores::redis_spawned();
    for f in [stores::sqlite_tmp(), redis] {
        let src = f.mount().await;
        for (k, v) in [
            ("a", "1"),
            ("bad", "{\"x\":"),
            ("b", r#""two""#),
            ("worse", "nope"),
        ] {
            src.store().put(k, v, Expiry::MountDefault).await.unwrap();
        }
        let json = stores::json_tmp();
        let dst = json.mount().await;
        let (s, d) = (Endpoint::Kv(src), Endpoint::Kv(dst.clone()));
        let r = run(
            &s,
            &d,
            &CopyOptions {
                partial: true,
                ..CopyOptions::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(r.copied, 2, "{}", f.name);
        let mut names: Vec<&str> = r.rejected.iter().map(|x| x.name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["bad", "worse"], "{}", f.name);
        assert!(
            r.rejected
                .iter()
                .all(|x| x.reason.contains("not valid JSON"))
        );
        assert_eq!(
            dst.store().get("b").await.unwrap().unwrap().text,
            r#""two""#
        );
        assert_eq!(dst.store().get("bad").await.unwrap(), None);
    }
}
