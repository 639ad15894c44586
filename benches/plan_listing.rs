//! Planning a local → S3 copy, against the listing floor, in one run (issue 9, finding 7).
//!
//! `PLAN_BENCH_FILES` local files (default 3 000, in nested folders) are planned against an S3
//! prefix that is empty, then full (after a copy): with moto (which lists ETags, as S3 does)
//! behind a request-counting proxy, and with the in-process s3s-fs (which lists none: equal
//! files cost a HEAD there). Each row gives items/s, the requests the server saw, and ratios
//! against, in the same run:
//! - the floor: a bare ListObjectsV2 walk of the same prefix with the SDK (what any plan must
//!   read);
//! - the old way: a HEAD per file (and a list where it is absent), at the plan's concurrency
//!   of 16, as plans did before; plus a download of both sides per equal file for `diff`.
//!
//! Run: `cargo bench --bench plan_listing` (needs moto: `.ci/run` installs it into
//! `.venv-moto`, or set `MOTO_SERVER`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/s3.rs"]
#[allow(dead_code)]
mod s3support;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use rillmount::config::{Encoding, FsBackendConfig, LocalFsConfig, Mode};
use rillmount::migrate::copy::{CopyOptions, copy};
use rillmount::migrate::plan::plan;
use rillmount::migrate::{Change, Endpoint, Filter, FsMount};
use rillmount::store::local_dir::LocalDirStore;
use rillmount::store::{FileStore, FsMountStore};
use s3support::{
    CountingProxy, CountsRequests, MotoServer, Requests, S3TestServer, S3sServer, SECRET_KEY,
};
use tokio_util::sync::CancellationToken;

fn files() -> usize {
    std::env::var("PLAN_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000)
}

fn write_tree(dir: &Path, n: usize) {
    for i in 0..n {
        let p = dir.join(format!("site/{:02}/{i:05}.json", i % 50));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(
            p,
            format!("{{\"id\": {i}, \"body\": \"{}\"}}", "x".repeat(200)),
        )
        .unwrap();
    }
}

fn local_mount(dir: &Path) -> FsMount {
    let l = LocalFsConfig {
        path: dir.to_path_buf(),
        encoding: Encoding::Utf8,
    };
    let config = rillmount::config::FsMountConfig {
        name: "local".into(),
        mode: Mode::new("read-write"),
        glob: None,
        max_file_size: u64::MAX,
        backend: FsBackendConfig::Local(l.clone()),
    };
    let store = LocalDirStore::open(&config, &l).unwrap();
    FsMount {
        config,
        store: Arc::new(store),
    }
}

async fn s3_mount(server: &dyn S3TestServer, prefix: &str) -> FsMount {
    let mut config = s3support::s3_mount_config(&server.endpoint(), "bkt", prefix, "read-write");
    config.max_file_size = u64::MAX;
    let store: Arc<dyn FsMountStore> = Arc::new(s3support::connect(&config).await);
    FsMount { config, store }
}

fn row(what: &str, n: usize, secs: f64, r: Requests, versus: &[(&str, f64)]) {
    let mut line = format!(
        "| {what} | {n} | {secs:.3} s | {:.0} items/s | {} HEAD, {} LIST, {} GET |",
        n as f64 / secs,
        r.head,
        r.list,
        r.get
    );
    for (name, t) in versus {
        line.push_str(&format!(" {:.3}× {name} ({t:.3} s) |", secs / t));
    }
    println!("{line}");
}

/// A bare ListObjectsV2 walk of `prefix` with the SDK; returns seconds and objects.
async fn bare_listing(server: &dyn S3TestServer, prefix: &str) -> (f64, usize) {
    let client = s3support::raw_client(&server.endpoint(), SECRET_KEY);
    let t = Instant::now();
    let mut n = 0;
    let mut token: Option<String> = None;
    loop {
        let out = client
            .list_objects_v2()
            .bucket("bkt")
            .prefix(prefix)
            .set_continuation_token(token.clone())
            .send()
            .await
            .unwrap();
        n += out.contents().len();
        token = out.next_continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    (t.elapsed().as_secs_f64(), n)
}

/// What plans did before: a HEAD per file (plus a listing where it is absent, to tell a
/// folder) and, for `hash`, a download of both sides of every equal-size file.
async fn old_plan(src: &FsMount, dst: &FsMount, hash: bool) -> f64 {
    let t = Instant::now();
    let mut cursor: Option<String> = None;
    let (s, d) = (src.store.as_ref(), dst.store.as_ref());
    loop {
        let page = s.walk(cursor.as_deref(), 1000).await.unwrap();
        futures::stream::iter(page.entries)
            .map(|e| async move {
                if let Some(m) = FileStore::stat(d, &e.path).await.unwrap()
                    && hash
                    && m.size == e.size
                {
                    let _ = tokio::try_join!(s.hash(&e.path), d.hash(&e.path)).unwrap();
                }
            })
            .buffered(16)
            .collect::<Vec<()>>()
            .await;
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    t.elapsed().as_secs_f64()
}

async fn timed_plan(src: &FsMount, dst: &FsMount, want: Change, n: usize) -> f64 {
    let t = Instant::now();
    let p = plan(
        &Endpoint::Fs(src.clone()),
        &Endpoint::Fs(dst.clone()),
        &Filter::default(),
        None,
    )
    .await
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let matching = p.items.iter().filter(|i| i.change == want).count();
    assert_eq!(matching, n, "{:?}", p.totals);
    secs
}

async fn bench(label: &str, server: &dyn CountsRequests, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), n);
    let src = local_mount(dir.path());
    let dst = s3_mount(server, "data/").await;

    server.reset_requests();
    let empty = timed_plan(&src, &dst, Change::New, n).await;
    let r = server.requests();
    let old_empty = old_plan(&src, &dst, false).await;
    row(
        &format!("{label}: plan into an empty prefix"),
        n,
        empty,
        r,
        &[("old way", old_empty)],
    );

    copy(
        &Endpoint::Fs(src.clone()),
        &Endpoint::Fs(dst.clone()),
        &CopyOptions::default(),
        None,
        CancellationToken::new(),
    )
    .await
    .unwrap();

    let (floor, listed) = bare_listing(server, "data/").await;
    assert_eq!(listed, n);
    server.reset_requests();
    let full = timed_plan(&src, &dst, Change::Same, n).await;
    let r = server.requests();
    let old_full = old_plan(&src, &dst, true).await;
    row(
        &format!("{label}: plan into a full prefix (diff)"),
        n,
        full,
        r,
        &[("bare ListObjectsV2", floor), ("old way", old_full)],
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let n = files();
        println!("| what | files | time | rate | requests | vs | vs |");
        println!("|---|---|---|---|---|---|---|");
        let moto = MotoServer::start().await;
        moto.create_bucket("bkt").await;
        let proxy = CountingProxy::start(&moto.endpoint()).await;
        bench("moto", &proxy, n).await;
        let s3s = S3sServer::start().await;
        s3s.create_bucket("bkt").await;
        bench("s3s-fs", &s3s, n).await;
    });
}
