//! Saved plans (issue "promotion you can review and undo", item 3) with real stores:
//! `diff --save` writes every item's action with fingerprints of both sides, `copy --plan`
//! applies exactly that, refuses per item what changed since, writes nothing unplanned, and
//! its shards agree with one whole apply.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rillmount::config::{FsBackendConfig, LocalFsConfig};
use rillmount::migrate::copy::{CopyOptions, CopyReport, OnConflict, copy};
use rillmount::migrate::plan::plan;
use rillmount::migrate::plan::saved_plan::{Action, SavedPlan};
use rillmount::migrate::shard::Shard;
use rillmount::migrate::{Endpoint, Filter, FsMount};
use rillmount::store::kv_mount::KvMount;
use rillmount::store::{Expiry, FileStore, FsMountStore};
use support::redis::RedisServer;
use support::s3::{self as s3s, S3TestServer};
use support::stores;
use tokio_util::sync::CancellationToken;

async fn kv_state(m: &KvMount) -> BTreeMap<String, String> {
    stores::kv_entries(m)
        .await
        .into_iter()
        .map(|(k, v)| (k, v.text))
        .collect()
}

async fn save(src: &Endpoint, dst: &Endpoint, on_conflict: OnConflict) -> Arc<SavedPlan> {
    let p = plan(src, dst, &Filter::default(), None).await.unwrap();
    Arc::new(
        SavedPlan::of((src, "dev:src"), (dst, "prod:dst"), &p, on_conflict, false)
            .await
            .unwrap(),
    )
}

async fn apply(
    src: &Endpoint,
    dst: &Endpoint,
    plan: &Arc<SavedPlan>,
    shard: Option<Shard>,
) -> CopyReport {
    let opts = CopyOptions {
        plan: Some(plan.clone()),
        filter: Filter::default().with_shard(shard),
        ..CopyOptions::default()
    };
    copy(src, dst, &opts, None, CancellationToken::new())
        .await
        .unwrap()
}

fn put(m: &KvMount, rows: &[(&str, &str)]) -> impl std::future::Future<Output = ()> {
    let rows: Vec<(String, String)> = rows
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let s = m.store().clone();
    async move { s.put_many(&rows, Expiry::MountDefault).await.unwrap() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kv_plan_applies_exactly_and_refuses_what_drifted() {
    let src = stores::sqlite_tmp().mount().await;
    let rows: Vec<(String, String)> = (0..3_000)
        .map(|i| (format!("k{i:04}"), format!("{{\"v\":{i}}}")))
        .collect();
    src.store()
        .put_many(&rows, Expiry::MountDefault)
        .await
        .unwrap();
    let redis = stores::redis_spawned();
    let dst = redis.mount_with(|c| c.max_entries = 100_000).await;
    put(
        &dst,
        &[
            ("k0001", "\"theirs\""),
            ("k0002", "\"theirs\""),
            ("own", "1"),
        ],
    )
    .await;
    let (s, d) = (Endpoint::Kv(src.clone()), Endpoint::Kv(dst.clone()));
    let p = save(&s, &d, OnConflict::Overwrite).await;
    assert_eq!(
        (
            p.counts.create,
            p.counts.overwrite,
            p.counts.only_in_destination
        ),
        (2_998, 2, 1)
    );
    let keep = save(&s, &d, OnConflict::Skip).await;
    assert_eq!((keep.counts.keep, keep.counts.overwrite), (2, 0));

    // since the plan: a source value changed, a destination value changed, a key the plan
    // creates appeared at the destination, a key vanished from the source, and a new source
    // key the plan does not know of
    put(&src, &[("k0010", "\"edited\""), ("unplanned", "true")]).await;
    src.store().delete("k0011").await.unwrap();
    put(
        &dst,
        &[("k0001", "\"edited there\""), ("k0020", "\"arrived\"")],
    )
    .await;

    let r = apply(&s, &d, &p, None).await;
    let mut drifted: Vec<(&str, &str)> = r
        .drifted
        .iter()
        .map(|d| (d.name.as_str(), d.reason.as_str()))
        .collect();
    drifted.sort();
    assert_eq!(
        drifted,
        [
            (
                "k0001",
                "changed since the plan: the destination's value is not the planned one"
            ),
            (
                "k0010",
                "changed since the plan: the source's value is not the planned one"
            ),
            ("k0011", "changed since the plan: gone from the source"),
            (
                "k0020",
                "changed since the plan: the destination has it now"
            ),
        ]
    );
    assert_eq!(r.copied, 3_000 - 4, "{r:?}");
    let after = kv_state(&dst).await;
    assert_eq!(after["k0001"], "\"edited there\"");
    assert_eq!(after["k0002"], "{\"v\":2}", "the planned overwrite");
    assert!(
        !after.contains_key("k0010"),
        "a drifted create is not written"
    );
    assert!(
        !after.contains_key("unplanned"),
        "nothing unplanned is written"
    );
    assert!(!after.contains_key("k0011"));
    assert_eq!(after["k0020"], "\"arrived\"");
    assert_eq!(after["own"], "1");
    // own, k0001, k0002, k0020 and the 2,995 creates that did not drift
    assert_eq!(after.len(), 2_999);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_of_a_plan_agree_with_one_apply() {
    let src = stores::sqlite_tmp().mount().await;
    let rows: Vec<(String, String)> = (0..8_000)
        .map(|i| (format!("item:{i}"), format!("[{i}]")))
        .collect();
    src.store()
        .put_many(&rows, Expiry::MountDefault)
        .await
        .unwrap();
    let sqlite = stores::sqlite_tmp();
    let whole = sqlite.mount_with(|c| c.max_entries = u64::MAX).await;
    let sharded = sqlite.mount_with(|c| c.max_entries = u64::MAX).await;
    for m in [&whole, &sharded] {
        put(m, &[("item:5", "\"old\""), ("mine", "0")]).await;
    }
    let s = Endpoint::Kv(src.clone());
    let p = save(&s, &Endpoint::Kv(whole.clone()), OnConflict::Overwrite).await;
    let one = apply(&s, &Endpoint::Kv(whole.clone()), &p, None).await;
    assert_eq!(one.copied, 8_000);

    // the same plan (made against `whole`: the locations differ, so re-made for `sharded`
    // from the same state) applied by 4 shards at once
    let p2 = save(&s, &Endpoint::Kv(sharded.clone()), OnConflict::Overwrite).await;
    assert_eq!(p2.counts, p.counts);
    let d = Endpoint::Kv(sharded.clone());
    let runs = (0..4).map(|i| {
        let (s, d, p2) = (s.clone(), d.clone(), p2.clone());
        tokio::spawn(async move {
            apply(&s, &d, &p2, Some(Shard::parse(&format!("{i}/4")).unwrap())).await
        })
    });
    let mut copied = 0;
    for r in futures::future::join_all(runs).await {
        let r = r.unwrap();
        assert!(r.drifted.is_empty() && r.rejected.is_empty(), "{r:?}");
        copied += r.copied;
    }
    assert_eq!(copied, 8_000);
    assert_eq!(kv_state(&sharded).await, kv_state(&whole).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_fs_plan_sees_a_touched_local_file_and_a_replaced_s3_object() {
    let src_dir = tempfile::tempdir().unwrap();
    for (name, body) in [
        ("a.txt", "aaaa"),
        ("b.txt", "bbbb"),
        ("c.txt", "cccc"),
        ("d.txt", "dddd"),
    ] {
        std::fs::write(src_dir.path().join(name), body).unwrap();
    }
    let l = LocalFsConfig {
        path: src_dir.path().to_path_buf(),
        encoding: rillmount::config::Encoding::Utf8,
    };
    let src = FsMount {
        config: stores::fs_mount_config("local", FsBackendConfig::Local(l)),
        store: Arc::new(stores::local_at(src_dir.path())),
    };
    let server = s3s::S3sServer::start().await;
    server.create_bucket("bkt").await;
    let config = s3s::s3_mount_config(&server.endpoint(), "bkt", "p/", "read-write");
    let store: Arc<dyn FsMountStore> = Arc::new(s3s::connect(&config).await);
    let dst = FsMount { config, store };
    let body = |b: &'static [u8]| -> rillmount::store::ByteStream {
        Box::pin(futures::stream::once(async move {
            Ok::<_, rillmount::store::StoreError>(bytes::Bytes::from_static(b))
        }))
    };
    FileStore::write(dst.store.as_ref(), "c.txt", body(b"old!"), Some(4))
        .await
        .unwrap();
    let (s, d) = (Endpoint::Fs(src.clone()), Endpoint::Fs(dst.clone()));
    let p = save(&s, &d, OnConflict::Overwrite).await;
    let action = |n: &str| p.items.iter().find(|i| i.name == n).unwrap().action;
    assert_eq!(
        (action("a.txt"), action("c.txt")),
        (Action::Create, Action::Overwrite)
    );

    // same size, new content (and mtime) at the source; the S3 object replaced
    tokio::time::sleep(Duration::from_millis(20)).await;
    std::fs::write(src_dir.path().join("a.txt"), "AAAA").unwrap();
    FileStore::write(dst.store.as_ref(), "c.txt", body(b"new!"), Some(4))
        .await
        .unwrap();
    let r = apply(&s, &d, &p, None).await;
    let mut drifted: Vec<&str> = r.drifted.iter().map(|d| d.name.as_str()).collect();
    drifted.sort();
    assert_eq!(drifted, ["a.txt", "c.txt"], "{r:?}");
    assert_eq!(r.copied, 2);
    let read = |p: &'static str| {
        let st = dst.store.clone();
        async move {
            use futures::StreamExt;
            let mut b = FileStore::read(st.as_ref(), p).await.unwrap();
            let mut v = Vec::new();
            while let Some(c) = b.next().await {
                v.extend_from_slice(&c.unwrap());
            }
            String::from_utf8(v).unwrap()
        }
    };
    assert_eq!(read("c.txt").await, "new!");
    assert_eq!(read("b.txt").await, "bbbb");
    assert!(
        FileStore::stat(dst.store.as_ref(), "a.txt")
            .await
            .unwrap()
            .is_none()
    );
}

#[test]
fn cli_saves_a_plan_without_secrets_and_applies_it() {
    let redis = RedisServer::start_with_password("s3cr3t-pw");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let prod = format!(
        "[kv.cache]\nbackend = \"redis\"\nurl = \"{}\"\nprefix = \"c:\"\n",
        redis.url()
    );
    support::cli::project(
        p,
        &[
            (
                "profiles/dev.toml",
                "[kv.items]\nbackend = \"json\"\nstore = \"../dev.json\"\n",
            ),
            ("profiles/prod.toml", &prod),
            ("dev.json", r#"{"a":1,"b":2,"c":3}"#),
        ],
    );
    let run = |args: &[&str]| support::cli::run(p, args);
    let (code, out, err) = run(&["diff", "dev:items", "prod:cache", "--save", "plan.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("saved to plan.json: create 3"), "{out}");
    let text = std::fs::read_to_string(p.join("plan.json")).unwrap();
    assert!(!text.contains("s3cr3t"), "a plan holds no secret: {text}");
    assert!(text.contains("\"name\": \"prod:cache\""), "{text}");

    // the source changes after the review
    std::fs::write(p.join("dev.json"), r#"{"a":1,"b":20,"c":3,"d":4}"#).unwrap();
    let (code, out, err) = run(&["copy", "--plan", "plan.json", "--no-journal"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("changed since the plan: 1 item(s), not written"),
        "{out}"
    );
    assert!(
        out.contains("~ b  changed since the plan: the source's value"),
        "{out}"
    );
    assert!(out.contains("copied 2"), "{out}");
    assert!(
        err.contains("1 planned item(s) changed since the plan"),
        "{err}"
    );
    let keys = String::from_utf8(redis.cli(&["--scan", "--pattern", "c:*"])).unwrap();
    let mut keys: Vec<&str> = keys.lines().collect();
    keys.sort();
    assert_eq!(keys, ["c:a", "c:c"], "b drifted, d was never planned");

    // a plan is applied to the sides it names
    let (code, _, err) = run(&["copy", "prod:cache", "dev:items", "--plan", "plan.json"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("the plan is from dev:items to prod:cache"),
        "{err}"
    );
    std::fs::write(p.join("bad.json"), "{\"format\":\"x\"}").unwrap();
    let (code, _, err) = run(&["copy", "--plan", "bad.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a rillmount plan"), "{err}");
}
