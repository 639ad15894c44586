//! The preflight of a copy (issue "promotion you can review and undo", item 1–2) with real
//! stores: a copy the destination would not take whole writes nothing, says what to change,
//! and lists its rejected items at most 20 at a time; `--partial` writes what fits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use rillmount::config::{FsBackendConfig, KvBackendConfig, LocalFsConfig};
use rillmount::migrate::copy::{CopyOptions, CopyReport, OnConflict, copy};
use rillmount::migrate::plan::plan;
use rillmount::migrate::preflight::preflight;
use rillmount::migrate::{Change, Endpoint, Filter, FsMount};
use rillmount::store::kv_mount::KvMount;
use rillmount::store::{Expiry, FileStore, FsMountStore};
use support::redis::RedisServer;
use support::s3::{self as s3s, S3TestServer};
use support::stores;
use tokio_util::sync::CancellationToken;

async fn run(src: &Endpoint, dst: &Endpoint, opts: &CopyOptions) -> CopyReport {
    copy(src, dst, opts, None, CancellationToken::new())
        .await
        .unwrap()
}

fn partial() -> CopyOptions {
    CopyOptions {
        partial: true,
        ..CopyOptions::default()
    }
}

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        support::cli::run(self.dir.path(), args)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_into_redis_past_max_entries_is_refused_before_the_first_write() {
    let redis = RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    stores::sqlite_dev_project(dir.path(), 12_000).await;
    // no maxEntries: rill's default of 10000 applies
    std::fs::write(
        dir.path().join("profiles/prod.toml"),
        format!(
            "[kv.cache]\nbackend = \"redis\"\nurl = \"{}\"\nprefix = \"app:[eu]:\"\n",
            redis.url()
        ),
    )
    .unwrap();
    let cli = Cli { dir };
    let keys = || {
        let out = redis.cli(&["--scan", "--pattern", "app:\\[eu\\]:*"]);
        String::from_utf8_lossy(&out).lines().count()
    };
    let verdict = "`prod:cache` allows 10000 entries (maxEntries, 10000 is rill's default); \
                   it holds 0 and the copy adds 12000: raise maxEntries of mount `cache` in \
                   profiles/prod.toml";

    // The dry run says so up front, in a few lines instead of 2,000.
    let (code, out, err) = cli.run(&["copy", "dev:items", "prod:cache", "--dry-run"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(verdict), "{out}");
    assert!(out.lines().count() < 6, "{out}");
    assert!(
        err.contains("a copy would write nothing: maxEntries passed"),
        "{err}"
    );
    // diff gives the same verdict (and exits 0: it only compares).
    let (code, out, _) = cli.run(&["diff", "dev:items", "prod:cache"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(verdict),
        "{}",
        &out[out.len().saturating_sub(600)..]
    );
    let (_, json, _) = cli.run(&["diff", "dev:items", "prod:cache", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["preflight"]["accepted"], false);
    assert_eq!(v["preflight"]["limits"][0]["option"], "maxEntries");
    assert_eq!(v["preflight"]["limits"][0]["after"], 12_000);
    assert_eq!(v["preflight"]["limits"][0]["message"], verdict);

    // The copy is refused: not one key written.
    let (code, out, err) = cli.run(&["copy", "dev:items", "prod:cache", "--no-journal"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("refused before writing anything (maxEntries passed)"),
        "{out}"
    );
    assert!(out.contains(verdict), "{out}");
    assert!(err.contains("the copy was refused"), "{err}");
    assert_eq!(keys(), 0, "nothing written");

    // --partial writes what fits; the screen shows 20 rejections and a count, the report
    // file holds all of them.
    let (code, out, err) = cli.run(&[
        "copy",
        "dev:items",
        "prod:cache",
        "--no-journal",
        "--partial",
        "--report",
        "report.json",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(keys(), 10_000);
    let listed = out.lines().filter(|l| l.starts_with("! item:")).count();
    assert_eq!(listed, 20, "{out}");
    assert!(
        out.contains("… and 1,980 more (all in report.json)"),
        "{out}"
    );
    assert!(err.contains("2000 item(s) were not written"), "{err}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cli.dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["copy"]["rejected"].as_array().unwrap().len(), 2_000);
    assert_eq!(report["copy"]["copied"], 10_000);
}

#[tokio::test]
async fn max_store_size_of_a_json_destination_is_projected_to_the_byte() {
    let src = stores::sqlite_tmp().mount().await;
    let rows: Vec<(String, String)> = (0..50)
        .map(|i| {
            (
                format!("k\"{i}é"),
                format!(r#"{{ "n": {i}, "s": "x\u00e9" }}"#),
            )
        })
        .collect();
    src.store()
        .put_many(&rows, Expiry::MountDefault)
        .await
        .unwrap();
    let json = stores::json_tmp();
    // a destination that holds one of the keys already (changed) and one of its own
    let seed = |m: KvMount| async move {
        m.store()
            .put("k\"0é", r#"{"old":true}"#, Expiry::MountDefault)
            .await
            .unwrap();
        m.store()
            .put("mine", "[1,2,3]", Expiry::MountDefault)
            .await
            .unwrap();
        m.store().flush().await.unwrap();
        m
    };
    let overwrite = CopyOptions {
        on_conflict: OnConflict::Overwrite,
        ..CopyOptions::default()
    };
    // The size the copy really leads to, measured on a store without the limit.
    let free = seed(json.mount_with(|c| set_max_store(c, u64::MAX)).await).await;
    let s = Endpoint::Kv(src.clone());
    let r = run(&s, &Endpoint::Kv(free.clone()), &overwrite).await;
    assert_eq!(r.copied, 50);
    let exact = free.store().compact_size().await.unwrap().unwrap();

    // One byte less and the copy is refused with that exact projection.
    let tight = seed(json.mount_with(|c| set_max_store(c, exact - 1)).await).await;
    let before = tight.store().compact_size().await.unwrap().unwrap();
    let r = run(&s, &Endpoint::Kv(tight.clone()), &overwrite).await;
    assert!(r.refused, "{r:?}");
    assert_eq!(r.limits.len(), 1);
    let l = &r.limits[0];
    assert_eq!(
        (l.option, l.allowed, l.holds, l.after),
        ("maxStoreSize", exact - 1, before, exact)
    );
    assert_eq!(tight.store().count().await.unwrap(), 2, "nothing written");
    // At the exact size it fits.
    let fits = seed(json.mount_with(|c| set_max_store(c, exact)).await).await;
    let r = run(&s, &Endpoint::Kv(fits.clone()), &overwrite).await;
    assert!(!r.refused && r.copied == 50, "{r:?}");
    assert_eq!(fits.store().compact_size().await.unwrap(), Some(exact));
}

fn set_max_store(c: &mut rillmount::config::KvMountConfig, max: u64) {
    if let KvBackendConfig::Json(j) = &mut c.backend {
        j.max_store_size = max;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_key_that_escapes_a_local_destination_is_one_rejection_not_the_end() {
    // moto stores any key; s3s-fs keeps objects as files and cannot hold `..` in a key.
    let server = s3s::MotoServer::start().await;
    server.create_bucket("bkt").await;
    let endpoint = server.endpoint();
    let raw = s3s::raw_client(&endpoint, s3s::SECRET_KEY);
    for (key, body) in [
        ("data/a.txt", "a"),
        ("data/docs/../../x.txt", "escape"),
        ("data/docs/readme.md", "readme"),
        ("data/z//twice.txt", "alias"),
        ("data/zz.txt", "last"),
    ] {
        raw.put_object()
            .bucket("bkt")
            .key(key)
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap();
    }
    let config = s3s::s3_mount_config(&endpoint, "bkt", "data/", "read-write");
    let store: Arc<dyn FsMountStore> = Arc::new(s3s::connect(&config).await);
    let src = Endpoint::Fs(FsMount { config, store });
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("dst");
    std::fs::create_dir_all(&root).unwrap();
    let local = LocalFsConfig {
        path: root.clone(),
        encoding: rillmount::config::Encoding::Utf8,
    };
    let dst_mount = FsMount {
        config: stores::fs_mount_config("local", FsBackendConfig::Local(local)),
        store: Arc::new(stores::local_at(&root)),
    };
    let dst = Endpoint::Fs(dst_mount.clone());

    // diff runs to the end: the unsafe names are new there, the preflight refuses them.
    let p = plan(&src, &dst, &Filter::default(), None).await.unwrap();
    assert_eq!(p.items.len(), 5);
    assert!(p.items.iter().all(|i| i.change == Change::New));
    let pre = preflight(
        &src,
        &dst,
        &CopyOptions::default(),
        None,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let mut refused: Vec<(&str, &str)> = pre
        .rejected
        .iter()
        .map(|r| (r.name.as_str(), r.reason.as_str()))
        .collect();
    refused.sort();
    assert_eq!(refused.len(), 2, "{refused:?}");
    assert_eq!(refused[0].0, "docs/../../x.txt");
    assert!(refused[0].1.contains("`..` segment"), "{}", refused[0].1);
    assert_eq!(refused[1].0, "z//twice.txt");
    assert!(refused[1].1.contains("`z/twice.txt`"), "{}", refused[1].1);

    // The copy is refused whole; with --partial the three valid files arrive, in order
    // around the refused ones, and nothing is written outside the destination.
    let r = run(&src, &dst, &CopyOptions::default()).await;
    assert!(r.refused && r.rejected.len() == 2, "{r:?}");
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0);
    let r = run(&src, &dst, &partial()).await;
    assert_eq!((r.copied, r.rejected.len()), (3, 2), "{r:?}");
    for (path, body) in [
        ("a.txt", "a"),
        ("docs/readme.md", "readme"),
        ("zz.txt", "last"),
    ] {
        assert_eq!(std::fs::read_to_string(root.join(path)).unwrap(), body);
    }
    assert!(!outer.path().join("x.txt").exists());
    assert!(!root.join("z").exists());
    let mut names = Vec::new();
    let page = FileStore::walk(dst_mount.store.as_ref(), None, 100)
        .await
        .unwrap();
    names.extend(page.entries.into_iter().map(|e| e.path));
    assert!(!names.iter().any(|n| n.contains("x.txt")), "{names:?}");
}
