//! `--shard I/N`: N copies running at once cover a mount exactly once and leave the
//! destination one copy leaves; a shard stopped midway resumes from its own journal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use rillmount::migrate::copy::{CopyOptions, copy};
use rillmount::migrate::progress::{Phase, Progress};
use rillmount::migrate::shard::Shard;
use rillmount::migrate::verify::verify;
use rillmount::migrate::{Endpoint, Filter};
use rillmount::store::kv_mount::KvMount;
use support::redis::RedisServer;
use support::stores;
use tokio_util::sync::CancellationToken;

const ROWS: usize = 80_000;

/// The kv mount of `prefix` on `redis`.
async fn redis_mount(redis: &RedisServer, prefix: &str) -> KvMount {
    let (mut cfg, _) = support::redis::redis_mount_config(&redis.url(), prefix, None);
    cfg.max_entries = u64::MAX;
    stores::open(&cfg).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_shard_processes_at_once_give_the_destination_one_copy_gives() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    stores::sqlite_dev_project(dir.path(), ROWS).await;
    std::fs::write(
        dir.path().join("profiles/prod.toml"),
        format!(
            "[kv.one]\nbackend = \"redis\"\nurl = \"{url}\"\nprefix = \"one:\"\nmaxEntries = 100000\n\
             [kv.sharded]\nbackend = \"redis\"\nurl = \"{url}\"\nprefix = \"sh:\"\nmaxEntries = 100000\n",
            url = redis.url()
        ),
    )
    .unwrap();
    let bin = assert_cmd::cargo::cargo_bin("rillmount");
    let cmd = |args: &[&str]| {
        let mut c = std::process::Command::new(&bin);
        c.current_dir(dir.path())
            .env_remove("RILLMOUNT_PROFILE")
            .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
            .env("HOME", dir.path().join("home"))
            .args(args);
        c
    };
    let one = cmd(&["copy", "dev:items", "prod:one", "--journal", "journal"])
        .output()
        .unwrap();
    assert!(one.status.success(), "{one:?}");

    // four processes at once, each its own share
    let children: Vec<_> = (0..4)
        .map(|i| {
            let shard = format!("{i}/4");
            cmd(&[
                "copy",
                "dev:items",
                "prod:sharded",
                "--shard",
                &shard,
                "--journal",
                "journal",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut copied = 0u64;
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let n: u64 = text
            .split("copied ")
            .nth(1)
            .and_then(|t| t.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{text}"));
        assert!(
            n > 0 && n < ROWS as u64 / 2,
            "a shard copies its share: {n}"
        );
        copied += n;
    }
    assert_eq!(
        copied, ROWS as u64,
        "the shards cover the mount exactly once"
    );
    // the sharded destination equals the one-copy destination, key for key, byte for byte
    let (one, sharded) = (
        redis_mount(&redis, "one:").await,
        redis_mount(&redis, "sh:").await,
    );
    let same = verify(
        &Endpoint::Kv(one),
        &Endpoint::Kv(sharded.clone()),
        &Filter::default(),
        None,
    )
    .await
    .unwrap();
    assert!(
        same.ok() && same.checked == ROWS as u64,
        "{:?}",
        same.mismatches
    );
    assert_eq!(same.only_in_destination, 0);
    assert_eq!(sharded.store().count().await.unwrap(), ROWS as u64);
    // each shard verifies its own share; the journals are gone
    for i in 0..4 {
        let shard = format!("{i}/4");
        let v = cmd(&["verify", "dev:items", "prod:sharded", "--shard", &shard])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&v.stdout);
        assert!(
            v.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&v.stderr)
        );
        assert!(!text.contains(&format!("verified {ROWS} ")), "{text}");
    }
    let left = std::fs::read_dir(dir.path().join("journal")).map_or(0, |d| d.count());
    assert_eq!(left, 0, "finished shards leave no journal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_stopped_midway_resumes_from_its_own_journal() {
    let dir = tempfile::tempdir().unwrap();
    let src = stores::sqlite_dev_project(dir.path(), ROWS).await;
    let redis = stores::redis_spawned();
    let dst = redis.mount_with(|c| c.max_entries = u64::MAX).await;
    let (s, d) = (Endpoint::Kv(src), Endpoint::Kv(dst.clone()));
    let journal = tempfile::tempdir().unwrap();
    let opts_of = |i| CopyOptions {
        filter: Filter::default().with_shard(Some(Shard { index: i, count: 4 })),
        journal_dir: Some(journal.path().to_path_buf()),
        ..CopyOptions::default()
    };
    // shard 0 runs to the end; shard 1 is stopped after its first progress
    let whole = copy(&s, &d, &opts_of(0), None, CancellationToken::new())
        .await
        .unwrap();
    assert!(!whole.cancelled && whole.copied > 0);
    let (tx, mut rx) = tokio::sync::watch::channel(Progress::new(Phase::Copying));
    let cancel = CancellationToken::new();
    let (s2, d2, o2, c2) = (s.clone(), d.clone(), opts_of(1), cancel.clone());
    let task = tokio::spawn(async move { copy(&s2, &d2, &o2, Some(tx), c2).await });
    loop {
        tokio::time::timeout(Duration::from_secs(60), rx.changed())
            .await
            .expect("progress")
            .expect("running");
        // the copy itself has started (its preflight is done): stop it there
        if rx.borrow_and_update().phase == Phase::Copying {
            break;
        }
    }
    cancel.cancel();
    let stopped = task.await.unwrap().unwrap();
    assert!(stopped.cancelled, "{stopped:?}");
    assert_eq!(
        std::fs::read_dir(journal.path()).unwrap().count(),
        1,
        "shard 1's journal kept (shard 0's removed when it finished)"
    );
    let resumed = copy(&s, &d, &opts_of(1), None, CancellationToken::new())
        .await
        .unwrap();
    assert!(resumed.resumed && !resumed.cancelled, "{resumed:?}");
    for i in 2..4 {
        copy(&s, &d, &opts_of(i), None, CancellationToken::new())
            .await
            .unwrap();
    }
    let v = verify(&s, &d, &Filter::default(), None).await.unwrap();
    assert!(v.ok() && v.checked == ROWS as u64, "{:?}", v.mismatches);
    assert_eq!(dst.store().count().await.unwrap(), ROWS as u64);
}
