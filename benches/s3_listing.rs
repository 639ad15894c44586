//! Listing throughput of the S3 backend: N objects (default 10 000, `S3_BENCH_OBJECTS` to
//! change) in one directory of an in-process s3s-fs server; our fully paged `list` and `walk`
//! and rill's paginated `find`, in items per second, with the peak RSS of the process
//! (`VmHWM`, server included) after each step.
//!
//! `S3_BENCH_PAGE` sets our page size (default 1000). A bare-SDK pass gives the server's share:
//! s3s-fs reads the whole directory for every page, so its time grows with N² / page.
//!
//! Run: `cargo bench --bench s3_listing` (or `--profile dev` for a quick check).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/s3.rs"]
#[allow(dead_code)]
mod s3support;

use std::time::Instant;

use rillmount::store::{FileStore, Json, RillFs};
use s3support::{S3TestServer, S3sServer, s3_store};

const BUCKET: &str = "bench";

/// Peak resident set size of this process in KiB.
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn report(what: &str, items: usize, secs: f64) {
    println!(
        "{what:<28} {items:>7} items  {secs:>8.3} s  {:>10.0} items/s  VmHWM {:>7} KiB",
        items as f64 / secs,
        vm_hwm_kib()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("S3_BENCH_OBJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let server = S3sServer::start().await;
    server.create_bucket(BUCKET).await;
    let t = Instant::now();
    for i in 0..n {
        server.put_direct(
            BUCKET,
            &format!("bench/flat/object-{i:07}.txt"),
            b"0123456789",
        );
    }
    println!(
        "setup: {n} objects written to s3s-fs in {:.2} s, VmHWM {} KiB",
        t.elapsed().as_secs_f64(),
        vm_hwm_kib()
    );
    let store = s3_store(&server, BUCKET, "bench/", "read-write").await;
    let fs: &dyn FileStore = &store;

    // Baseline: the same pages through the bare SDK client, so that the server's share (s3s-fs
    // reads the whole directory for every page) can be told from ours.
    let client = s3support::raw_client(&server.endpoint(), s3support::SECRET_KEY);
    let t = Instant::now();
    let mut count = 0;
    let mut token: Option<String> = None;
    loop {
        let out = client
            .list_objects_v2()
            .bucket(BUCKET)
            .prefix("bench/flat/")
            .delimiter("/")
            .set_continuation_token(token.take())
            .send()
            .await
            .unwrap();
        count += out.contents().len();
        token = out.next_continuation_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(count, n);
    report("bare SDK ListObjectsV2", count, t.elapsed().as_secs_f64());

    let page: usize = std::env::var("S3_BENCH_PAGE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    {
        let t = Instant::now();
        let mut count = 0;
        let mut cursor: Option<String> = None;
        loop {
            let p = fs.list("flat", cursor.as_deref(), page).await.unwrap();
            count += p.entries.len();
            cursor = p.next;
            if cursor.is_none() {
                break;
            }
        }
        assert_eq!(count, n);
        report(
            &format!("list (pages of {page})"),
            count,
            t.elapsed().as_secs_f64(),
        );
    }

    let t = Instant::now();
    let mut count = 0;
    let mut cursor: Option<String> = None;
    loop {
        let p = fs.walk(cursor.as_deref(), page).await.unwrap();
        count += p.entries.len();
        cursor = p.next;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(count, n);
    report(
        &format!("walk (pages of {page})"),
        count,
        t.elapsed().as_secs_f64(),
    );

    let t = Instant::now();
    let Json::Array(found) = RillFs::find(&store, "*.txt").await.unwrap() else {
        panic!("find returns a list")
    };
    assert_eq!(found.len(), n);
    report(
        "rill find (all pages)",
        found.len(),
        t.elapsed().as_secs_f64(),
    );
}
