//! Backups and undo (issue "promotion you can review and undo", item 4) with real stores: a
//! promotion with `--backup-dir` followed by `restore` leaves the destination as it was,
//! value for value (with TTLs) and byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rillmount::config::{FsBackendConfig, LocalFsConfig};
use rillmount::migrate::apply::backup::{BackupTarget, restore};
use rillmount::migrate::copy::{CopyOptions, OnConflict, copy};
use rillmount::migrate::{Endpoint, FsMount};
use rillmount::store::kv_mount::KvMount;
use rillmount::store::{Expiry, FileStore, FsMountStore};
use support::s3::{self as s3s, S3TestServer};
use support::stores;
use tokio_util::sync::CancellationToken;

/// Every key of `m` with its text and its TTL rounded to the minute.
async fn kv_state(m: &KvMount) -> BTreeMap<String, (String, Option<u64>)> {
    stores::kv_entries(m)
        .await
        .into_iter()
        .map(|(k, v)| (k, (v.text, v.ttl.map(|t| (t.as_secs() + 30) / 60))))
        .collect()
}

/// Every file of `s` with its bytes.
async fn fs_state(s: &dyn FsMountStore) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = s.walk(cursor.as_deref(), 1000).await.unwrap();
        for e in page.entries {
            if e.kind != rillmount::store::EntryKind::File {
                continue;
            }
            let mut body = FileStore::read(s, &e.path).await.unwrap();
            let mut bytes = Vec::new();
            while let Some(c) = body.next().await {
                bytes.extend_from_slice(&c.unwrap());
            }
            out.insert(e.path, bytes);
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    out
}

fn body_of(b: Vec<u8>) -> rillmount::store::ByteStream {
    Box::pin(futures::stream::once(async move {
        Ok::<_, rillmount::store::StoreError>(bytes::Bytes::from(b))
    }))
}

async fn promote(
    s: &Endpoint,
    t: &Endpoint,
    backup: &std::path::Path,
) -> Result<rillmount::migrate::copy::CopyReport, rillmount::migrate::MigrateError> {
    copy(
        s,
        t,
        &overwrite_with_backup(backup),
        None,
        CancellationToken::new(),
    )
    .await
}

fn overwrite_with_backup(dir: &std::path::Path) -> CopyOptions {
    CopyOptions {
        on_conflict: OnConflict::Overwrite,
        backup: Some(BackupTarget::local(dir).unwrap()),
        ..CopyOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_into_redis_promotion_is_undone_to_the_same_values_and_ttls() {
    let src = stores::sqlite_tmp().mount().await;
    let rows: Vec<(String, String)> = (0..2_500)
        .map(|i| (format!("user:{i}"), format!(r#"{{"id":{i},"v":"new"}}"#)))
        .collect();
    src.store()
        .put_many(&rows, Expiry::MountDefault)
        .await
        .unwrap();
    let redis = stores::redis_spawned();
    let dst = redis.mount_with(|c| c.max_entries = 100_000).await;
    let d = dst.store();
    // before the promotion: some of the keys with other values (with and without a TTL) and
    // keys of its own
    d.put(
        "user:1",
        r#"{"id":1,"v":"old"}"#,
        Expiry::After(Duration::from_secs(3600)),
    )
    .await
    .unwrap();
    d.put("user:2", r#""old text""#, Expiry::Never)
        .await
        .unwrap();
    d.put("user:3", r#"{"v":"same"}"#, Expiry::Never)
        .await
        .unwrap();
    d.put("theirs", "[1,2]", Expiry::After(Duration::from_secs(7200)))
        .await
        .unwrap();
    let before = kv_state(&dst).await;

    let backup = tempfile::tempdir().unwrap();
    let (s, t) = (Endpoint::Kv(src.clone()), Endpoint::Kv(dst.clone()));
    let r = promote(&s, &t, backup.path()).await.unwrap();
    assert_eq!(r.copied, 2_500, "{r:?}");
    let b = r.backup.as_ref().unwrap();
    assert_eq!((b.saved, b.created), (3, 2_497));
    assert_eq!(d.get("user:1").await.unwrap().unwrap().text, rows[1].1);
    assert_eq!(d.count().await.unwrap(), 2_501);

    // a second promotion into the same backup folder is refused
    let again = promote(&s, &t, backup.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(again.contains("already holds the backup"), "{again}");

    let target = BackupTarget::local(backup.path()).unwrap();
    let dry = restore(&target, &t, true, false).await.unwrap();
    assert_eq!((dry.restored, dry.removed), (3, 2_497));
    assert_eq!(d.count().await.unwrap(), 2_501, "a dry run writes nothing");
    let done = restore(&target, &t, false, false).await.unwrap();
    assert_eq!(
        (done.restored, done.removed, done.already_gone),
        (3, 2_497, 0)
    );
    assert_eq!(kv_state(&dst).await, before);
    // user:2 has no TTL again (not the mount's, not the copy's)
    assert_eq!(d.get("user:2").await.unwrap().unwrap().ttl, None);

    // the backup is of `t`: restoring it elsewhere needs --force
    let other = Endpoint::Kv(redis.mount().await);
    let e = restore(&target, &other, false, false).await.unwrap_err();
    assert!(e.to_string().contains("pass --force"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_into_s3_promotion_is_undone_to_identical_bytes() {
    let server = s3s::S3sServer::start().await;
    server.create_bucket("bkt").await;
    let config = s3s::s3_mount_config(&server.endpoint(), "bkt", "site/", "read-write");
    let store: Arc<dyn FsMountStore> = Arc::new(s3s::connect(&config).await);
    let dst = FsMount { config, store };
    let d = dst.store.as_ref();
    for (path, body) in [
        ("index.html", &b"<h1>old</h1>"[..]),
        ("css/site.css", b"body{}"),
        ("only-here.txt", b"theirs"),
    ] {
        FileStore::write(d, path, body_of(body.to_vec()), Some(body.len() as u64))
            .await
            .unwrap();
    }
    let before = fs_state(d).await;

    let src_dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(src_dir.path().join("css")).unwrap();
    std::fs::create_dir_all(src_dir.path().join("img")).unwrap();
    std::fs::write(src_dir.path().join("index.html"), "<h1>new</h1>").unwrap();
    std::fs::write(src_dir.path().join("css/site.css"), "body{}").unwrap();
    std::fs::write(src_dir.path().join("img/logo.svg"), vec![7u8; 70_000]).unwrap();
    let l = LocalFsConfig {
        path: src_dir.path().to_path_buf(),
        encoding: rillmount::config::Encoding::Utf8,
    };
    let src = FsMount {
        config: stores::fs_mount_config("local", FsBackendConfig::Local(l)),
        store: Arc::new(stores::local_at(src_dir.path())),
    };
    let backup = tempfile::tempdir().unwrap();
    let (s, t) = (Endpoint::Fs(src), Endpoint::Fs(dst.clone()));
    let r = promote(&s, &t, backup.path()).await.unwrap();
    assert_eq!((r.copied, r.skipped_same), (2, 1), "{r:?}");
    let b = r.backup.as_ref().unwrap();
    assert_eq!((b.saved, b.created), (1, 1));
    assert_eq!(
        std::fs::read(backup.path().join("files/index.html")).unwrap(),
        b"<h1>old</h1>"
    );
    assert_ne!(fs_state(d).await, before);

    let target = BackupTarget::local(backup.path()).unwrap();
    let done = restore(&target, &t, false, false).await.unwrap();
    assert_eq!((done.restored, done.removed), (1, 1));
    assert_eq!(fs_state(d).await, before);
}

#[test]
fn cli_promotion_into_a_backup_mount_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("data/backups")).unwrap();
    support::cli::project(
        p,
        &[
            (
                "profiles/dev.toml",
                "[kv.items]\nbackend = \"json\"\nstore = \"../data/dev.json\"\n",
            ),
            (
                "profiles/prod.toml",
                "[kv.items]\nbackend = \"sqlite\"\ndatabase = \"../data/prod.db\"\n\
                 table = \"kv\"\n[fs.backups]\nbackend = \"local\"\npath = \"../data/backups\"\n",
            ),
            ("data/dev.json", r#"{"a":1,"b":{"x":[1,2]},"c":"new"}"#),
        ],
    );
    let run = |args: &[&str]| support::cli::run(p, args);
    let (code, _, err) = run(&["kv", "set", "prod:items", "c", r#""old""#]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["kv", "set", "prod:items", "d", "4"]);
    assert_eq!(code, 0, "{err}");
    let dump = || {
        let (code, out, err) = run(&["kv", "get", "prod:items", "c"]);
        assert_eq!(code, 0, "{err}");
        out
    };
    assert_eq!(dump().trim(), r#""old""#);

    let (code, out, err) = run(&[
        "copy",
        "dev:items",
        "prod:items",
        "--on-conflict",
        "overwrite",
        "--backup-dir",
        "prod:backups/run-1",
        "--no-journal",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("backup in prod:backups/run-1: 1 previous value(s) saved, 2 created"),
        "{out}"
    );
    assert!(
        out.contains("rillmount restore prod:backups/run-1 prod:items"),
        "{out}"
    );
    assert!(p.join("data/backups/run-1/manifest.json").is_file());
    assert_eq!(dump().trim(), r#""new""#);

    let (code, out, err) = run(&["restore", "prod:backups/run-1", "prod:items", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["restored"].as_u64(), v["removed"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(dump().trim(), r#""old""#);
    let (code, _, err) = run(&["kv", "get", "prod:items", "a"]);
    assert_ne!(code, 0, "a was created by the copy: {err}");

    // a mirror deletes only with --yes; its dry run counts what it would delete
    let (code, _, err) = run(&["copy", "dev:items", "prod:items", "--delete-extra"]);
    assert_eq!(code, 2);
    assert!(err.contains("then pass --yes"), "{err}");
    let (code, out, err) = run(&[
        "copy",
        "dev:items",
        "prod:items",
        "--delete-extra",
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("would delete 1 destination-only item(s)"),
        "{out}"
    );

    // a folder that is not a backup
    let (code, _, err) = run(&["restore", "data", "prod:items"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("not a backup written by `copy --backup-dir`"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mirror_deletes_destination_only_items_within_max_delete_and_restore_brings_them_back() {
    let src_dir = tempfile::tempdir().unwrap();
    let dst_dir = tempfile::tempdir().unwrap();
    for i in 0..30 {
        std::fs::write(src_dir.path().join(format!("f{i:02}.txt")), format!("{i}")).unwrap();
    }
    std::fs::create_dir_all(dst_dir.path().join("old")).unwrap();
    for i in 0..12 {
        std::fs::write(
            dst_dir.path().join(format!("old/x{i}.bin")),
            vec![i as u8; 100],
        )
        .unwrap();
    }
    std::fs::write(dst_dir.path().join("f00.txt"), "0").unwrap();
    let mount = |dir: &std::path::Path| {
        let l = LocalFsConfig {
            path: dir.to_path_buf(),
            encoding: rillmount::config::Encoding::Utf8,
        };
        FsMount {
            config: stores::fs_mount_config("local", FsBackendConfig::Local(l)),
            store: Arc::new(stores::local_at(dir)),
        }
    };
    let (s, t) = (
        Endpoint::Fs(mount(src_dir.path())),
        Endpoint::Fs(mount(dst_dir.path())),
    );
    let d = match &t {
        Endpoint::Fs(m) => m.store.clone(),
        _ => unreachable!(),
    };
    let before = fs_state(d.as_ref()).await;
    let backup = tempfile::tempdir().unwrap();
    let mirror = |max_delete: u64| CopyOptions {
        delete_extra: true,
        max_delete,
        backup: Some(BackupTarget::local(backup.path()).unwrap()),
        ..CopyOptions::default()
    };
    // over --max-delete: refused by the preflight, nothing written, nothing deleted
    let r = copy(&s, &t, &mirror(10), None, CancellationToken::new())
        .await
        .unwrap();
    assert!(r.refused, "{r:?}");
    assert_eq!(r.limits[0].option, "maxDelete");
    assert_eq!((r.limits[0].after, r.deleted), (12, 0));
    assert_eq!(fs_state(d.as_ref()).await, before);
    assert!(!backup.path().join("manifest.json").exists());

    let r = copy(&s, &t, &mirror(12), None, CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(
        (r.copied, r.skipped_same, r.extra, r.deleted),
        (29, 1, 12, 12),
        "{r:?}"
    );
    let now = fs_state(d.as_ref()).await;
    assert_eq!(now.len(), 30);
    assert!(now.keys().all(|k| k.starts_with('f')));
    assert_eq!(
        r.backup.as_ref().map(|b| (b.saved, b.created)),
        Some((12, 29))
    );

    let done = restore(
        &BackupTarget::local(backup.path()).unwrap(),
        &t,
        false,
        false,
    )
    .await
    .unwrap();
    assert_eq!((done.restored, done.removed), (12, 29));
    assert_eq!(fs_state(d.as_ref()).await, before);
}
