//! Planning at listing speed (issue 9, finding 7): a plan or copy between fs mounts reads the
//! destination a listing page at a time, never a HEAD or a download per file, counted on the
//! requests the in-process S3 server (s3s-fs, signatures checked) serves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::sync::Arc;

use rillmount::migrate::copy::{CopyOptions, OnConflict, copy};
use rillmount::migrate::plan::{MigrationPlan, plan};
use rillmount::migrate::{Change, Endpoint, Filter, FsMount};
use rillmount::store::FsMountStore;
use support::s3::{
    self as s3s, CountingProxy, CountsRequests, MotoServer, Requests, S3TestServer, S3sServer,
};
use support::stores;
use tokio_util::sync::CancellationToken;

const FILES: usize = 2_500;

fn write_tree(dir: &Path, n: usize) {
    for i in 0..n {
        // Names whose byte order differs from a folder-by-folder order: `d.1` < `d/…`.
        let rel = match i % 3 {
            0 => format!("d/{i:05}.txt"),
            1 => format!("d.{i:05}"),
            _ => format!("d-x/{i:05}/f"),
        };
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, format!("content of file {i:05}")).unwrap();
    }
}

async fn s3_mount(server: &dyn S3TestServer, prefix: &str) -> FsMount {
    let mut config = s3s::s3_mount_config(&server.endpoint(), "bkt", prefix, "read-write");
    config.max_file_size = u64::MAX;
    let store: Arc<dyn FsMountStore> = Arc::new(s3s::connect(&config).await);
    FsMount { config, store }
}

async fn planned(src: &FsMount, dst: &FsMount) -> MigrationPlan {
    plan(
        &Endpoint::Fs(src.clone()),
        &Endpoint::Fs(dst.clone()),
        &Filter::default(),
        None,
    )
    .await
    .expect("plan")
}

fn count(p: &MigrationPlan, change: Change) -> usize {
    p.items.iter().filter(|i| i.change == change).count()
}

/// Listing pages a walk of `n` objects takes (pages of 1000), plus the empty end.
fn pages(n: usize) -> u64 {
    n.div_ceil(1000) as u64 + 1
}

async fn copy_all(src: &FsMount, dst: &FsMount, on_conflict: OnConflict) -> u64 {
    let opts = CopyOptions {
        on_conflict,
        ..CopyOptions::default()
    };
    let r = copy(
        &Endpoint::Fs(src.clone()),
        &Endpoint::Fs(dst.clone()),
        &opts,
        None,
        CancellationToken::new(),
    )
    .await
    .expect("copy");
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    r.copied
}

fn no_per_file_requests(r: Requests, what: &str) {
    assert_eq!(r.head, 0, "{what}: HEAD requests {r:?}");
    assert_eq!(r.get, 0, "{what}: downloads {r:?}");
}

/// moto (which lists ETags, as S3 does) behind a counting proxy, with bucket `bkt`.
async fn moto() -> (MotoServer, CountingProxy) {
    let moto = MotoServer::start().await;
    moto.create_bucket("bkt").await;
    let proxy = CountingProxy::start(&moto.endpoint()).await;
    (moto, proxy)
}

async fn s3s() -> S3sServer {
    let server = S3sServer::start().await;
    server.create_bucket("bkt").await;
    server
}

/// Local → S3: plan into an empty prefix, copy, plan into the full prefix, change a file
/// (same size), remove one, and copy again. `etags_listed`: the server lists ETags (S3, moto);
/// s3s-fs does not, so there each equal-size file costs a HEAD, still never a download.
async fn local_to_s3(server: &dyn CountsRequests, etags_listed: bool) {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), FILES);
    let src = stores::local_mount(dir.path());
    let dst = s3_mount(server, "data/").await;

    // Into an empty prefix: one listing, nothing else.
    server.reset_requests();
    let p = planned(&src, &dst).await;
    assert_eq!(count(&p, Change::New), FILES);
    let r = server.requests();
    no_per_file_requests(r, "plan into an empty prefix");
    assert!(r.list <= 2, "{r:?}");

    assert_eq!(copy_all(&src, &dst, OnConflict::Skip).await as usize, FILES);

    // Into a full prefix: every file is the same, decided by ETag against local MD5.
    server.reset_requests();
    let p = planned(&src, &dst).await;
    assert_eq!(count(&p, Change::Same), FILES, "{:?}", p.totals);
    let r = server.requests();
    assert_eq!(r.get, 0, "plan into a full prefix: downloads {r:?}");
    assert!(r.list <= pages(FILES), "{r:?}");
    if etags_listed {
        assert_eq!(r.head, 0, "{r:?}");
    } else {
        assert!(r.head <= FILES as u64, "{r:?}");
    }

    // One file changed with its size kept, one removed at the source: found without a
    // download.
    std::fs::write(dir.path().join("d/00000.txt"), "CONTENT OF FILE 00000").unwrap();
    std::fs::remove_file(dir.path().join("d.00001")).unwrap();
    server.reset_requests();
    let p = planned(&src, &dst).await;
    let named = |c: Change| -> Vec<String> {
        p.items
            .iter()
            .filter(|i| i.change == c)
            .map(|i| i.name.clone())
            .collect()
    };
    assert_eq!(named(Change::Changed), ["d/00000.txt"]);
    assert_eq!(named(Change::OnlyInDestination), ["d.00001"]);
    assert_eq!(count(&p, Change::Same), FILES - 2);
    assert_eq!(server.requests().get, 0);

    // A copy into the full prefix compares the same way and writes only the changed file.
    server.reset_requests();
    assert_eq!(copy_all(&src, &dst, OnConflict::Overwrite).await, 1);
    let r = server.requests();
    assert_eq!(r.get, 0, "copy into a full prefix: downloads {r:?}");
    assert_eq!(r.write, 1, "{r:?}");
    if etags_listed {
        assert_eq!(r.head, 0, "{r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_to_s3_plans_and_copies_at_listing_speed_on_s3s_fs() {
    local_to_s3(&s3s().await, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_to_s3_plans_and_copies_at_listing_speed_on_moto() {
    let (_moto, proxy) = moto().await;
    local_to_s3(&proxy, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_to_s3_and_s3_to_local_plan_without_downloads() {
    let (_moto, server) = moto().await;
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), 1_200);
    let local = stores::local_mount(dir.path());
    let a = s3_mount(&server, "a/").await;
    let b = s3_mount(&server, "b/").await;
    copy_all(&local, &a, OnConflict::Skip).await;
    copy_all(&a, &b, OnConflict::Skip).await;

    server.reset_requests();
    let p = planned(&a, &b).await;
    assert_eq!(count(&p, Change::Same), 1_200);
    no_per_file_requests(server.requests(), "S3 → S3");

    // The other way round: the local side is read, never the objects.
    server.reset_requests();
    let p = planned(&a, &local).await;
    assert_eq!(count(&p, Change::Same), 1_200);
    no_per_file_requests(server.requests(), "S3 → local");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multipart_object_compares_with_its_local_file_without_a_download() {
    let (_moto, server) = moto().await;
    let dir = tempfile::tempdir().unwrap();
    // 20 MiB: uploaded in three parts of 8 MiB.
    let big: Vec<u8> = (0..20u32 << 20).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.path().join("big.bin"), &big).unwrap();
    let src = stores::local_mount(dir.path());
    let mut dst = s3_mount(&server, "data/").await;
    s3s::s3_options(&mut dst.config).upload_cutoff = 0;
    dst.store = Arc::new(s3s::connect(&dst.config).await);
    copy_all(&src, &dst, OnConflict::Skip).await;

    server.reset_requests();
    let p = planned(&src, &dst).await;
    assert_eq!(count(&p, Change::Same), 1);
    no_per_file_requests(server.requests(), "multipart object");

    // The same size, one byte changed: a multipart ETag does not decide a difference, so
    // both sides are hashed, and the change is found.
    let mut changed = big.clone();
    changed[12 << 20] ^= 1;
    std::fs::write(dir.path().join("big.bin"), &changed).unwrap();
    let p = planned(&src, &dst).await;
    assert_eq!(count(&p, Change::Changed), 1);
}
