//! Migration engine over real stores: plan, copy (policies, schema and limits, journal and
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! resume, dry run) and verify for every kv pair of the backends built here.

mod support;

use rillmount::config::{Schema, SchemaEntry};
use rillmount::migrate::copy::{CopyOptions, OnConflict, copy};
use rillmount::migrate::plan::plan;
use rillmount::migrate::verify::verify;
use rillmount::migrate::{Change, Endpoint, Filter};
use rillmount::store::kv_mount::KvMount;
use rillmount::store::{Expiry, Json};
use support::stores::{self, KvFactory};
use tokio_util::sync::CancellationToken;

async fn fill(m: &KvMount, n: usize) {
    let items: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                format!("user:{i:05}"),
                format!(r#"{{"id":{i},"name":"n{i}"}}"#),
            )
        })
        .collect();
    m.store()
        .put_many(&items, Expiry::MountDefault)
        .await
        .unwrap();
    m.store().flush().await.unwrap();
}

fn factories() -> Vec<KvFactory> {
    vec![
        stores::memory(),
        stores::json_tmp(),
        stores::sqlite_tmp(),
        stores::redis_spawned(),
    ]
}

async fn run_copy(
    src: &KvMount,
    dst: &KvMount,
    opts: &CopyOptions,
) -> rillmount::migrate::copy::CopyReport {
    copy(
        &Endpoint::Kv(src.clone()),
        &Endpoint::Kv(dst.clone()),
        opts,
        None,
        CancellationToken::new(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn every_kv_pair_round_trips_and_verifies() {
    for sf in factories() {
        for df in factories() {
            let (src, dst) = (sf.mount().await, df.mount().await);
            fill(&src, 50).await;
            src.store()
                .put("ünï code", r#"[1e21,0.000001,"x"]"#, Expiry::MountDefault)
                .await
                .unwrap();
            src.store().flush().await.unwrap();
            let report = run_copy(&src, &dst, &CopyOptions::default()).await;
            assert_eq!(report.copied, 51, "{} -> {}", sf.name, df.name);
            let v = verify(
                &Endpoint::Kv(src.clone()),
                &Endpoint::Kv(dst.clone()),
                &Filter::default(),
                None,
            )
            .await
            .unwrap();
            assert!(v.ok(), "{} -> {}: {:?}", sf.name, df.name, v.mismatches);
            assert_eq!(v.checked, 51);
            assert_eq!(
                dst.get("ünï code").await.unwrap(),
                src.get("ünï code").await.unwrap()
            );
        }
    }
}

#[tokio::test]
async fn plan_counts_new_changed_same_and_destination_only() {
    let (src, dst) = (
        stores::sqlite_tmp().mount().await,
        stores::json_tmp().mount().await,
    );
    for (k, v) in [("a", "1"), ("b", r#"{"x":1,"y":2}"#), ("c", r#""s""#)] {
        src.store().put(k, v, Expiry::MountDefault).await.unwrap();
    }
    for (k, v) in [("b", r#"{"y":2,"x":1}"#), ("c", r#""t""#), ("z", "true")] {
        dst.store().put(k, v, Expiry::MountDefault).await.unwrap();
    }
    let p = plan(
        &Endpoint::Kv(src),
        &Endpoint::Kv(dst),
        &Filter::default(),
        None,
    )
    .await
    .unwrap();
    let change = |n: &str| p.items.iter().find(|i| i.name == n).unwrap().change;
    assert_eq!(change("a"), Change::New);
    assert_eq!(change("b"), Change::Same, "key order does not matter");
    assert_eq!(change("c"), Change::Changed);
    assert_eq!(change("z"), Change::OnlyInDestination);
    assert_eq!((p.totals.new.count, p.totals.new.bytes), (1, 1));
    assert_eq!(p.totals.only_in_destination.count, 1);
}

#[tokio::test]
async fn conflict_policies() {
    let f = stores::sqlite_tmp();
    let (src, dst) = (f.mount().await, f.mount().await);
    src.store()
        .put("k", "1", Expiry::MountDefault)
        .await
        .unwrap();
    src.store()
        .put("n", "2", Expiry::MountDefault)
        .await
        .unwrap();
    dst.store()
        .put("k", "9", Expiry::MountDefault)
        .await
        .unwrap();

    let fail = CopyOptions {
        on_conflict: OnConflict::Fail,
        ..CopyOptions::default()
    };
    let e = copy(
        &Endpoint::Kv(src.clone()),
        &Endpoint::Kv(dst.clone()),
        &fail,
        None,
        CancellationToken::new(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("1 item(s) differ") && e.contains('k'), "{e}");
    assert_eq!(
        dst.store().get("n").await.unwrap(),
        None,
        "fail writes nothing"
    );

    let skip = run_copy(&src, &dst, &CopyOptions::default()).await;
    assert_eq!((skip.copied, skip.skipped_conflict), (1, 1));
    assert_eq!(dst.store().get("k").await.unwrap().unwrap().text, "9");

    let over = CopyOptions {
        on_conflict: OnConflict::Overwrite,
        ..CopyOptions::default()
    };
    let r = run_copy(&src, &dst, &over).await;
    assert_eq!((r.copied, r.skipped_same), (1, 1));
    assert_eq!(dst.store().get("k").await.unwrap().unwrap().text, "1");
}

#[tokio::test]
async fn schema_and_limit_violations_are_reported_not_written() {
    let src = stores::memory().mount().await;
    for (k, v) in [
        ("count", r#""seven""#),
        ("name", r#""ok""#),
        ("extra", "1"),
        ("big", &format!("\"{}\"", "x".repeat(200))),
    ] {
        src.store().put(k, v, Expiry::MountDefault).await.unwrap();
    }
    src.store()
        .put("broken", "{not json", Expiry::MountDefault)
        .await
        .unwrap();
    let mut schema = Schema::new();
    for (k, t, d) in [
        ("count", "number", Json::Number(0.0)),
        ("name", "string", Json::str("")),
        ("big", "string", Json::str("")),
    ] {
        schema.insert(
            k.into(),
            SchemaEntry {
                kind: t.into(),
                default: d,
                description: None,
            },
        );
    }
    let dst = stores::sqlite_tmp()
        .mount_with(|c| {
            c.schema = Some(schema);
            c.max_value_size = 100;
        })
        .await;
    let r = run_copy(&src, &dst, &CopyOptions::default()).await;
    // The preflight finds all four before the first write: nothing is written.
    assert!(r.refused && !r.dry_run, "{r:?}");
    assert_eq!(r.copied, 1, "the one item that fits would be copied");
    assert_eq!(dst.store().count().await.unwrap(), 0);
    let reason = |n: &str| {
        r.rejected
            .iter()
            .find(|x| x.name == n)
            .map(|x| x.reason.clone())
            .unwrap()
    };
    assert!(reason("count").contains("expects number, got string"));
    assert!(reason("extra").contains("not declared"));
    assert!(reason("big").contains("maxValueSize"));
    assert!(reason("broken").contains("not valid JSON"));
    assert_eq!(dst.store().get("count").await.unwrap(), None);
}

#[tokio::test]
async fn dry_run_writes_nothing_and_reports_what_it_would_do() {
    let f = stores::json_tmp();
    let (src, dst) = (f.mount().await, f.mount().await);
    fill(&src, 20).await;
    let opts = CopyOptions {
        dry_run: true,
        ..CopyOptions::default()
    };
    let r = run_copy(&src, &dst, &opts).await;
    assert!(r.dry_run);
    assert_eq!(r.copied, 20);
    assert_eq!(dst.store().count().await.unwrap(), 0);
}

#[tokio::test]
async fn cancelled_copy_resumes_from_its_journal() {
    let journal = tempfile::tempdir().unwrap();
    let f = stores::sqlite_tmp();
    let (src, dst) = (f.mount().await, f.mount().await);
    fill(&src, 9_000).await;
    let opts = CopyOptions {
        journal_dir: Some(journal.path().to_path_buf()),
        ..CopyOptions::default()
    };
    let cancel = CancellationToken::new();
    cancel.cancel();
    // `--on-conflict fail` plans first: a cancel stops the plan, nothing to resume.
    let planned = copy(
        &Endpoint::Kv(src.clone()),
        &Endpoint::Kv(dst.clone()),
        &CopyOptions {
            on_conflict: OnConflict::Fail,
            ..opts.clone()
        },
        None,
        cancel.clone(),
    )
    .await
    .unwrap();
    assert!(planned.cancelled && planned.copied == 0, "{planned:?}");
    assert_eq!(
        std::fs::read_dir(journal.path()).map_or(0, |d| d.count()),
        0
    );
    // A copy's preflight stopped by a cancel: nothing written, nothing to resume.
    let checked = copy(
        &Endpoint::Kv(src.clone()),
        &Endpoint::Kv(dst.clone()),
        &opts,
        None,
        cancel.clone(),
    )
    .await
    .unwrap();
    assert!(checked.cancelled && checked.copied == 0, "{checked:?}");
    assert_eq!(
        std::fs::read_dir(journal.path()).map_or(0, |d| d.count()),
        0
    );
    // `partial` writes without a preflight: the journal is opened at once.
    let first = copy(
        &Endpoint::Kv(src.clone()),
        &Endpoint::Kv(dst.clone()),
        &CopyOptions {
            partial: true,
            ..opts.clone()
        },
        None,
        cancel,
    )
    .await
    .unwrap();
    assert!(first.cancelled);
    // A cancel before the start stops at once: nothing written, the journal kept.
    assert_eq!(first.copied, 0, "stops before the first chunk");
    assert_eq!(dst.store().count().await.unwrap(), 0);
    assert_eq!(std::fs::read_dir(journal.path()).unwrap().count(), 1);

    let second = run_copy(&src, &dst, &opts).await;
    assert!(second.resumed && !second.cancelled);
    assert_eq!(second.copied, 9_000, "counts carry over from the journal");
    assert_eq!(second.skipped_same, 0, "resumed pages are not re-read");
    assert_eq!(
        std::fs::read_dir(journal.path()).unwrap().count(),
        0,
        "journal removed"
    );
    let v = verify(
        &Endpoint::Kv(src),
        &Endpoint::Kv(dst),
        &Filter::default(),
        None,
    )
    .await
    .unwrap();
    assert!(v.ok() && v.checked == 9_000);
}

#[tokio::test]
async fn read_only_destination_refuses_before_anything_starts() {
    let src = stores::memory().mount().await;
    fill(&src, 3).await;
    let dst = stores::sqlite_tmp()
        .mount_with(|c| c.mode = rillmount::config::Mode::new("read"))
        .await;
    let e = copy(
        &Endpoint::Kv(src),
        &Endpoint::Kv(dst.clone()),
        &CopyOptions::default(),
        None,
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("mode read"), "{e}");
    assert_eq!(dst.store().count().await.unwrap(), 0);
}

#[tokio::test]
async fn include_exclude_filters() {
    let (src, dst) = (
        stores::memory().mount().await,
        stores::memory().mount().await,
    );
    fill(&src, 30).await;
    src.store()
        .put("session:1", "1", Expiry::MountDefault)
        .await
        .unwrap();
    let opts = CopyOptions {
        filter: Filter::new(&["user:*".into()], &["user:0001*".into()]).unwrap(),
        ..CopyOptions::default()
    };
    let r = run_copy(&src, &dst, &opts).await;
    assert_eq!(r.copied, 20);
    assert_eq!(dst.store().get("session:1").await.unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// Edge data, fs pairs, export / import / document
// ---------------------------------------------------------------------------------------------

use std::any::Any;
use std::sync::Arc;

use rillmount::config::{FsBackendConfig, LocalFsConfig};
use rillmount::migrate::FsMount;
use rillmount::store::{EntryKind, FileStore, FsMountStore};
use support::s3::{self as s3s, S3TestServer};

/// Edge values of spec §12 (numbers, key characters, nesting, a lone surrogate).
const EDGE: &[(&str, &str)] = &[
    ("big", "1e21"),
    ("small", "0.000001"),
    ("negzero", "-0"),
    ("0", r#""zero""#),
    ("42", r#"{"n":42}"#),
    ("", r#""empty key""#),
    ("line\nbreak", "true"),
    ("ünï code/é", r#"[1e21,0.000001,"x"]"#),
    ("../up", "null"),
    ("nested", r#"{"a":{"b":{"c":[1,{"d":"e"}]}},"10":1,"2":2}"#),
    ("quoted", r#""\"42\"""#),
    ("surrogate", r#""a\ud800b""#),
];

#[tokio::test]
async fn edge_data_round_trips_between_json_sqlite_and_redis() {
    let fs = [
        stores::json_tmp(),
        stores::sqlite_tmp(),
        stores::redis_spawned(),
    ];
    for sf in &fs {
        for df in &fs {
            let (src, dst) = (sf.mount().await, df.mount().await);
            for (k, v) in EDGE {
                src.store().put(k, v, Expiry::MountDefault).await.unwrap();
            }
            src.store().flush().await.unwrap();
            let r = run_copy(&src, &dst, &CopyOptions::default()).await;
            let pair = format!("{} -> {}", sf.name, df.name);
            assert_eq!(r.copied, EDGE.len() as u64, "{pair}: {:?}", r.rejected);
            // A JSON-file source already replaced the surrogate when it loaded.
            let warned = r.warnings.iter().any(|w| w.contains("surrogate"));
            assert_eq!(
                warned,
                df.name == "json" && sf.name != "json",
                "{pair}: {:?}",
                r.warnings
            );
            let v = verify(
                &Endpoint::Kv(src.clone()),
                &Endpoint::Kv(dst.clone()),
                &Filter::default(),
                None,
            )
            .await
            .unwrap();
            assert!(
                v.ok() && v.checked == EDGE.len() as u64,
                "{pair}: {:?}",
                v.mismatches
            );
            for k in [
                "big",
                "small",
                "negzero",
                "",
                "line\nbreak",
                "nested",
                "quoted",
            ] {
                assert_eq!(
                    dst.get(k).await.unwrap(),
                    src.get(k).await.unwrap(),
                    "{pair} {k:?}"
                );
            }
            // Raw JSON text is kept between text backends; the JSON file writes JS numbers.
            let big = dst.store().get("big").await.unwrap().unwrap().text;
            let src_big = src.store().get("big").await.unwrap().unwrap().text;
            let want = if df.name == "json" {
                "1e+21"
            } else {
                src_big.as_str()
            };
            assert_eq!(big, want, "{pair}: number text");
            let quoted = dst.store().get("quoted").await.unwrap().unwrap().text;
            assert_eq!(quoted, r#""\"42\"""#, "{pair}: strings are not unwrapped");
        }
    }
}

/// An fs mount under test with what keeps it alive.
struct Side {
    name: &'static str,
    mount: FsMount,
    /// `(endpoint, bucket)` of an S3 side, to put marker objects behind the store's back.
    s3: Option<(String, String)>,
    _keep: Box<dyn Any + Send + Sync>,
}

fn local_side() -> Side {
    let dir = tempfile::tempdir().unwrap();
    let l = LocalFsConfig {
        path: dir.path().to_path_buf(),
        encoding: rillmount::config::Encoding::Utf8,
    };
    let config = stores::fs_mount_config("local", FsBackendConfig::Local(l));
    let store: Arc<dyn FsMountStore> = Arc::new(stores::local_at(dir.path()));
    Side {
        name: "local",
        mount: FsMount { config, store },
        s3: None,
        _keep: Box::new(dir),
    }
}

async fn s3_side(server: Box<dyn S3TestServerAny>, name: &'static str) -> Side {
    let endpoint = server.endpoint();
    let config = s3s::s3_mount_config(&endpoint, "bkt", "data/", "read-write");
    let store: Arc<dyn FsMountStore> = Arc::new(s3s::connect(&config).await);
    Side {
        name,
        mount: FsMount { config, store },
        s3: Some((endpoint, "bkt".into())),
        _keep: Box::new(server),
    }
}

trait S3TestServerAny: S3TestServer + Send + Sync {}
impl<T: S3TestServer + Send + Sync> S3TestServerAny for T {}

async fn s3s_side() -> Side {
    let server = s3s::S3sServer::start().await;
    server.create_bucket("bkt").await;
    s3_side(Box::new(server), "s3s-fs").await
}

async fn moto_side() -> Side {
    let server = s3s::MotoServer::start().await;
    server.create_bucket("bkt").await;
    s3_side(Box::new(server), "moto").await
}

async fn write(store: &dyn FsMountStore, path: &str, content: &[u8]) {
    let body: rillmount::store::ByteStream = Box::pin(futures::stream::once({
        let c = bytes::Bytes::copy_from_slice(content);
        async move { Ok(c) }
    }));
    FileStore::write(store, path, body, Some(content.len() as u64))
        .await
        .unwrap();
}

async fn read(store: &dyn FsMountStore, path: &str) -> Vec<u8> {
    use futures::StreamExt;
    let mut s = FileStore::read(store, path).await.unwrap();
    let mut out = Vec::new();
    while let Some(c) = s.next().await {
        out.extend_from_slice(&c.unwrap());
    }
    out
}

fn binary() -> Vec<u8> {
    let mut b: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    b.extend_from_slice(&[0xff, 0xfe, 0x00, 0xc3]);
    b
}

const FILES: &[&str] = &[
    "a.txt",
    "bin/blob.bin",
    "ünï/名前 space.txt",
    "deep/x/y/z.json",
];

/// Fills a side with text, binary and unicode-named files and an empty folder (a local
/// directory, or an S3 marker object `empty/`).
async fn fill_fs(side: &Side) {
    let s = side.mount.store.as_ref();
    write(s, "a.txt", b"hello\n").await;
    write(s, "bin/blob.bin", &binary()).await;
    write(s, "ünï/名前 space.txt", "ünï ✓".as_bytes()).await;
    write(s, "deep/x/y/z.json", br#"{"z":1}"#).await;
    match &side.s3 {
        None => {
            FileStore::mkdir(s, "empty").await.unwrap();
        }
        Some((endpoint, bucket)) => {
            s3s::raw_client(endpoint, s3s::SECRET_KEY)
                .put_object()
                .bucket(bucket)
                .key("data/empty/")
                .body(Vec::new().into())
                .send()
                .await
                .unwrap();
        }
    }
}

async fn copy_sides(
    src: &Endpoint,
    dst: &Endpoint,
    opts: &CopyOptions,
) -> rillmount::migrate::copy::CopyReport {
    copy(src, dst, opts, None, CancellationToken::new())
        .await
        .unwrap()
}

async fn verify_ok(src: &Endpoint, dst: &Endpoint, what: &str) -> u64 {
    let v = verify(src, dst, &Filter::default(), None).await.unwrap();
    assert!(v.ok(), "{what}: {:?}", v.mismatches);
    v.checked
}

#[tokio::test]
async fn fs_pairs_round_trip_local_and_s3_both_ways() {
    for (fwd, kind) in [
        (true, "s3s"),
        (false, "s3s"),
        (true, "moto"),
        (false, "moto"),
    ] {
        let s3 = if kind == "s3s" {
            s3s_side().await
        } else {
            moto_side().await
        };
        let local = local_side();
        let (src, dst) = if fwd { (&local, &s3) } else { (&s3, &local) };
        // s3s-fs cannot store marker objects: only moto gets one.
        if src.s3.is_none() || kind == "moto" {
            fill_fs(src).await;
        } else {
            for (p, c) in [("a.txt", b"hello\n".to_vec()), ("bin/blob.bin", binary())] {
                write(src.mount.store.as_ref(), p, &c).await;
            }
            write(
                src.mount.store.as_ref(),
                "ünï/名前 space.txt",
                "ünï ✓".as_bytes(),
            )
            .await;
            write(src.mount.store.as_ref(), "deep/x/y/z.json", br#"{"z":1}"#).await;
        }
        let what = format!("{} -> {}", src.name, dst.name);
        let (s, d) = (
            Endpoint::Fs(src.mount.clone()),
            Endpoint::Fs(dst.mount.clone()),
        );
        let r = copy_sides(&s, &d, &CopyOptions::default()).await;
        assert_eq!(r.copied, FILES.len() as u64, "{what}: {r:?}");
        assert_eq!(verify_ok(&s, &d, &what).await, FILES.len() as u64);
        let dstore = dst.mount.store.as_ref();
        assert_eq!(
            read(dstore, "bin/blob.bin").await,
            binary(),
            "{what}: binary kept"
        );
        assert_eq!(read(dstore, "ünï/名前 space.txt").await, "ünï ✓".as_bytes());
        if fwd {
            assert!(
                r.warnings
                    .iter()
                    .any(|w| w.contains("empty folder `empty` is not kept")),
                "{what}: {:?}",
                r.warnings
            );
        } else if kind == "moto" {
            let m = FileStore::stat(dstore, "empty").await.unwrap().unwrap();
            assert_eq!(
                m.kind,
                EntryKind::Directory,
                "{what}: marker becomes a folder"
            );
        }
        // A second run finds everything the same.
        let again = copy_sides(&s, &d, &CopyOptions::default()).await;
        assert_eq!(
            (again.copied, again.skipped_same),
            (0, FILES.len() as u64),
            "{what}"
        );
    }
}

async fn fill_edge(m: &KvMount) {
    for (k, v) in EDGE {
        m.store().put(k, v, Expiry::MountDefault).await.unwrap();
    }
}

#[tokio::test]
async fn kv_exports_to_files_and_imports_back() {
    for side in [local_side(), s3s_side().await] {
        let src = stores::sqlite_tmp().mount().await;
        fill_edge(&src).await;
        let (k, f) = (Endpoint::Kv(src.clone()), Endpoint::Fs(side.mount.clone()));
        let r = copy_sides(&k, &f, &CopyOptions::default()).await;
        assert_eq!(
            r.copied,
            EDGE.len() as u64,
            "{}: {:?}",
            side.name,
            r.rejected
        );
        assert!(
            r.warnings.iter().any(|w| w.contains("surrogate")),
            "{:?}",
            r.warnings
        );
        verify_ok(&k, &f, "export").await;
        let fstore = side.mount.store.as_ref();
        for name in [
            "big.json",
            "%.json",
            "0.json",
            "line%0Abreak.json",
            "%2E.%2Fup.json",
        ] {
            assert!(
                FileStore::stat(fstore, name).await.unwrap().is_some(),
                "{name}"
            );
        }
        assert_eq!(
            read(fstore, "nested.json").await,
            br#"{
  "2": 2,
  "10": 1,
  "a": {
    "b": {
      "c": [
        1,
        {
          "d": "e"
        }
      ]
    }
  }
}"#
        );
        // Import into a fresh kv of another backend: the same keys and values come back.
        let back = stores::redis_spawned();
        let dst = back.mount().await;
        let kd = Endpoint::Kv(dst.clone());
        let r = copy_sides(&f, &kd, &CopyOptions::default()).await;
        assert_eq!(r.copied, EDGE.len() as u64, "{:?}", r.rejected);
        verify_ok(&f, &kd, "import").await;
        verify_ok(&k, &kd, "export then import").await;
    }
}

#[tokio::test]
async fn import_takes_json_as_values_text_as_strings_and_rejects_binary() {
    let side = local_side();
    let s = side.mount.store.as_ref();
    write(s, "notes.txt", b"hello\n").await;
    write(s, "conf.json", b"{ \"a\": [1, 2] }").await;
    write(s, "dir/n.json", b"7").await;
    write(s, "blob.bin", &binary()).await;
    write(s, "twin", b"1").await;
    write(s, "twin.json", b"2").await;
    let dst = stores::sqlite_tmp().mount().await;
    let (f, k) = (Endpoint::Fs(side.mount.clone()), Endpoint::Kv(dst.clone()));
    // Two files cannot be values: the copy is refused before anything is written.
    let refused = copy(
        &f,
        &k,
        &CopyOptions::default(),
        None,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(refused.refused && refused.copied == 4, "{refused:?}");
    assert_eq!(refused.rejected.len(), 2);
    assert_eq!(dst.store().count().await.unwrap(), 0, "nothing written");
    let r = copy(
        &f,
        &k,
        &CopyOptions {
            partial: true,
            ..CopyOptions::default()
        },
        None,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let mut texts = Vec::new();
    for key in ["notes.txt", "conf", "dir/n.json", "twin"] {
        texts.push(dst.store().get(key).await.unwrap().map(|v| v.text));
    }
    let want = [r#""hello\n""#, r#"{"a":[1,2]}"#, "7", "2"];
    assert_eq!(texts, want.map(|t| Some(t.to_string())));
    let names: Vec<&str> = r.rejected.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{:?}", r.rejected);
    let reason = |n: &str| {
        r.rejected
            .iter()
            .find(|x| x.name == n)
            .unwrap()
            .reason
            .clone()
    };
    assert!(reason("blob.bin").contains("binary content"));
    assert!(reason("twin").contains("twin.json"));
    assert_eq!(r.copied, 4);
}

#[tokio::test]
async fn kv_exports_to_one_document_in_json_store_format() {
    let side = local_side();
    let src = stores::sqlite_tmp().mount().await;
    fill_edge(&src).await;
    src.store()
        .put("__proto__", "1", Expiry::MountDefault)
        .await
        .unwrap();
    let k = Endpoint::Kv(src.clone());
    let doc = Endpoint::Document(side.mount.clone(), "state/store.json".into());
    let r = copy_sides(&k, &doc, &CopyOptions::default()).await;
    assert!(
        r.warnings.iter().any(|w| w.contains("__proto__")),
        "{:?}",
        r.warnings
    );
    // The document is what rill's JSON store would write: open it as a JSON kv mount.
    let root = match &side.mount.config.backend {
        FsBackendConfig::Local(l) => l.path.clone(),
        _ => unreachable!(),
    };
    let cfg = rillmount::config::KvMountConfig {
        backend: rillmount::config::KvBackendConfig::Json(rillmount::config::JsonKvConfig {
            store: root.join("state/store.json"),
            max_store_size: rillmount::config::DEFAULT_MAX_STORE_SIZE,
            write_policy: rillmount::config::WritePolicy::Dispose,
        }),
        ..stores::json_tmp().config()
    };
    let json = stores::open(&cfg).await;
    let j = Endpoint::Kv(json.clone());
    src.store().delete("__proto__").await.unwrap();
    verify_ok(&k, &j, "document as a JSON store").await;
    verify_ok(&k, &doc, "document side").await;
    let bytes = std::fs::read(root.join("state/store.json")).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.starts_with("{\n  \"0\": \"zero\",\n  \"42\": {"),
        "{text}"
    );
    assert_eq!(
        text,
        rillmount::store::js_json::parse(&text)
            .unwrap()
            .value
            .to_pretty()
    );
    // And back: the document as a source.
    let redis = stores::redis_spawned();
    let kd = Endpoint::Kv(redis.mount().await);
    let r = copy_sides(&doc, &kd, &CopyOptions::default()).await;
    assert_eq!(r.copied, EDGE.len() as u64);
    verify_ok(&k, &kd, "document imported").await;
}

/// Redis → Redis TTLs: `preserve_ttl` keeps each key's remaining time (written pipelined);
/// without it, keys take the destination mount's `ttl` (or none), as a rill host would set them.
#[tokio::test]
async fn redis_ttls_are_kept_with_preserve_ttl_or_taken_from_the_destination() {
    use rillmount::config::KvBackendConfig;
    use std::time::Duration;
    let f = stores::redis_spawned();
    let src = f.mount().await;
    let timed: Vec<(String, String, Expiry)> = (0..2500)
        .map(|i| {
            (
                format!("t{i:04}"),
                i.to_string(),
                Expiry::After(Duration::from_secs(3600 + i)),
            )
        })
        .collect();
    src.store().put_many_expiring(&timed).await.unwrap();
    src.store()
        .put("forever", "1", Expiry::Never)
        .await
        .unwrap();
    let ttl_of =
        |m: KvMount, k: &'static str| async move { m.store().get(k).await.unwrap().expect(k).ttl };

    let kept = f.mount().await;
    let opts = CopyOptions {
        preserve_ttl: true,
        ..CopyOptions::default()
    };
    assert_eq!(run_copy(&src, &kept, &opts).await.copied, 2501);
    for (k, want) in [("t0000", 3600), ("t2499", 3600 + 2499)] {
        let ttl = ttl_of(kept.clone(), k).await.expect("TTL kept");
        assert!(
            ttl <= Duration::from_secs(want) && ttl > Duration::from_secs(want - 60),
            "{k}: {ttl:?}"
        );
    }
    assert_eq!(ttl_of(kept.clone(), "forever").await, None);

    let plain = f.mount().await;
    run_copy(&src, &plain, &CopyOptions::default()).await;
    assert_eq!(
        ttl_of(plain.clone(), "t0000").await,
        None,
        "no mount ttl: none"
    );

    let short = f
        .mount_with(|c| {
            if let KvBackendConfig::Redis(r) = &mut c.backend {
                r.ttl = Some(60);
            }
        })
        .await;
    run_copy(&src, &short, &CopyOptions::default()).await;
    for k in ["t0000", "forever"] {
        let ttl = ttl_of(short.clone(), k).await.expect("mount ttl");
        assert!(
            ttl <= Duration::from_secs(60) && ttl > Duration::from_secs(50),
            "{k}: {ttl:?}"
        );
    }
}
