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
    assert_eq!(r.copied, 1);
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
    fill(&src, 2500).await;
    let opts = CopyOptions {
        journal_dir: Some(journal.path().to_path_buf()),
        on_conflict: OnConflict::Fail,
        ..CopyOptions::default()
    };
    let cancel = CancellationToken::new();
    cancel.cancel();
    let first = copy(
        &Endpoint::Kv(src.clone()),
        &Endpoint::Kv(dst.clone()),
        &opts,
        None,
        cancel,
    )
    .await
    .unwrap();
    assert!(first.cancelled);
    assert_eq!(first.copied, 1000, "stops after the first batch");
    assert_eq!(std::fs::read_dir(journal.path()).unwrap().count(), 1);

    let second = run_copy(&src, &dst, &opts).await;
    assert!(second.resumed && !second.cancelled);
    assert_eq!(second.copied, 2500, "counts carry over from the journal");
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
    assert!(v.ok() && v.checked == 2500);
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
