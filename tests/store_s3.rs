//! The S3 fs backend against real servers: s3s-fs in-process (signatures checked) for the
//! common path, moto for layouts s3s-fs cannot store (`dir` next to `dir/x`, marker objects,
//! keys with `//` or a leading `/`). Raw `FileStore` contract first, then rill's fs-s3 quirks
//! (spec/backends.md §6), then errors (wrong secret, unreachable endpoint).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use rillmount::config::FsBackendConfig;
use rillmount::store::s3::{RILL_CONTENT_TYPE, S3Store};
use rillmount::store::{ByteStream, EntryKind, ErrorKind, FileStore, Json, RillFs, StoreError};
use sha2::{Digest, Sha256};
use support::s3::*;

const BUCKET: &str = "rill-bucket";

fn raw(s: &S3Store) -> &dyn FileStore {
    s
}

fn rill(s: &S3Store) -> &dyn RillFs {
    s
}

/// Deterministic pseudo-random bytes (xorshift), every byte value included.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn stream_of(data: Vec<u8>, chunk: usize) -> ByteStream {
    let chunks: Vec<Result<Bytes, StoreError>> = data
        .chunks(chunk)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    Box::pin(futures::stream::iter(chunks))
}

async fn read_all(s: &S3Store, path: &str) -> Vec<u8> {
    let mut st = raw(s).read(path).await.unwrap();
    let mut out = Vec::new();
    while let Some(c) = st.next().await {
        out.extend_from_slice(&c.unwrap());
    }
    out
}

async fn put(s: &S3Store, path: &str, data: &[u8]) {
    raw(s)
        .write(
            path,
            stream_of(data.to_vec(), 4096),
            Some(data.len() as u64),
        )
        .await
        .unwrap();
}

/// Every page of `list(dir)` with `limit` per page.
async fn list_all(s: &S3Store, dir: &str, limit: usize) -> Vec<(String, EntryKind)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = raw(s).list(dir, cursor.as_deref(), limit).await.unwrap();
        assert!(page.entries.len() <= limit);
        out.extend(page.entries.into_iter().map(|e| (e.path, e.kind)));
        cursor = page.next;
        if cursor.is_none() {
            return out;
        }
    }
}

async fn walk_all(s: &S3Store, limit: usize) -> Vec<(String, EntryKind)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = raw(s).walk(cursor.as_deref(), limit).await.unwrap();
        out.extend(page.entries.into_iter().map(|e| (e.path, e.kind)));
        cursor = page.next;
        if cursor.is_none() {
            return out;
        }
    }
}

fn sort_entries(v: &mut [(String, EntryKind)]) {
    v.sort_by_key(|e| (e.0.clone(), format!("{:?}", e.1)));
}

/// Compact rendering of a rill value for assertions (numbers as JavaScript prints integers).
fn show(j: &Json) -> String {
    match j {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => format!("{s:?}"),
        Json::Array(a) => format!("[{}]", a.iter().map(show).collect::<Vec<_>>().join(",")),
        Json::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{k:?}:{}", show(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

fn err_text<T: std::fmt::Debug>(r: Result<T, rillmount::store::RillCallError>) -> String {
    r.unwrap_err().message
}

async fn head_content_type(server: &dyn S3TestServer, key: &str) -> Option<String> {
    raw_client(&server.endpoint(), SECRET_KEY)
        .head_object()
        .bucket(BUCKET)
        .key(key)
        .send()
        .await
        .unwrap()
        .content_type()
        .map(str::to_string)
}

/// Runs one case against a fresh s3s-fs and a fresh moto server.
macro_rules! both_servers {
    ($name:ident) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn s3s_fs() {
                let server = S3sServer::start().await;
                server.create_bucket(BUCKET).await;
                super::$name(&server).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn moto() {
                let server = MotoServer::start().await;
                server.create_bucket(BUCKET).await;
                super::$name(&server).await;
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Raw contract
// ---------------------------------------------------------------------------------------------

async fn binary_round_trip(server: &dyn S3TestServer) {
    let s = s3_store(server, BUCKET, "data/", "read-write").await;
    let mut data: Vec<u8> = (0..=255u8).collect();
    data.extend_from_slice(&[0xff, 0xfe, 0x00, 0xc3, 0x28]); // invalid UTF-8 on purpose
    let meta = raw(&s)
        .write("bin/blob.dat", stream_of(data.clone(), 7), None)
        .await
        .unwrap();
    assert_eq!(meta.size, data.len() as u64);
    assert_eq!(read_all(&s, "bin/blob.dat").await, data);
    let st = raw(&s).stat("bin/blob.dat").await.unwrap().unwrap();
    assert_eq!((st.kind, st.size), (EntryKind::File, data.len() as u64));
    assert!(st.modified.is_some());
    assert_eq!(
        raw(&s).hash("bin/blob.dat").await.unwrap(),
        hex::encode(Sha256::digest(&data))
    );
    // Written under the prefix, with rill's content type.
    assert_eq!(
        head_content_type(server, "data/bin/blob.dat")
            .await
            .as_deref(),
        Some(RILL_CONTENT_TYPE)
    );
    // Empty content is a real (empty) object.
    put(&s, "empty.txt", b"").await;
    assert_eq!(raw(&s).stat("empty.txt").await.unwrap().unwrap().size, 0);
    assert!(read_all(&s, "empty.txt").await.is_empty());
}
both_servers!(binary_round_trip);

async fn stat_delete_mkdir(server: &dyn S3TestServer) {
    let s = s3_store(server, BUCKET, "p/", "read-write").await;
    assert!(raw(&s).stat("nope.txt").await.unwrap().is_none());
    put(&s, "dir/x.txt", b"x").await;
    // s3s-fs answers HeadObject on a path that is a directory on its disk with a 500; S3 (and
    // moto) say 404, and the store then finds the prefix.
    if server.kind() != "s3s-fs" {
        let d = raw(&s).stat("dir").await.unwrap().unwrap();
        assert_eq!(d.kind, EntryKind::Directory);
    }
    assert_eq!(
        raw(&s).stat("").await.unwrap().unwrap().kind,
        EntryKind::Directory
    );
    assert!(!raw(&s).mkdir("newdir").await.unwrap());
    assert!(raw(&s).stat("newdir").await.unwrap().is_none());
    assert!(raw(&s).delete("dir/x.txt").await.unwrap());
    assert!(!raw(&s).delete("dir/x.txt").await.unwrap());
    if server.kind() != "s3s-fs" {
        assert!(raw(&s).stat("dir").await.unwrap().is_none());
    }
    let e = raw(&s).read("gone.txt").await.err().unwrap();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(e.to_string().contains("gone.txt"), "{e}");
}
both_servers!(stat_delete_mkdir);

async fn unusual_keys(server: &dyn S3TestServer) {
    let s = s3_store(server, BUCKET, "k/", "read-write").await;
    let names = [
        "sp ace/ü n+i=c&o.txt",
        "a+b=c&d;e,f.txt",
        "日本語/ファイル %20.txt",
        "quote'bang!(x)*.md",
    ];
    for (i, n) in names.iter().enumerate() {
        put(&s, n, format!("content {i}").as_bytes()).await;
    }
    for (i, n) in names.iter().enumerate() {
        assert_eq!(
            read_all(&s, n).await,
            format!("content {i}").as_bytes(),
            "{n}"
        );
    }
    let mut walked: Vec<String> = walk_all(&s, 1000).await.into_iter().map(|e| e.0).collect();
    walked.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(walked, expected);
    let inner = list_all(&s, "sp ace", 10).await;
    assert_eq!(
        inner,
        vec![("sp ace/ü n+i=c&o.txt".to_string(), EntryKind::File)]
    );
    // rill's copy with such keys (CopySource is encoded by us).
    assert_eq!(
        rill(&s)
            .copy("sp ace/ü n+i=c&o.txt", "copy of+é.txt")
            .await
            .unwrap(),
        Json::Bool(true)
    );
    assert_eq!(read_all(&s, "copy of+é.txt").await, b"content 0");
    for n in names {
        assert!(raw(&s).delete(n).await.unwrap());
    }
}
both_servers!(unusual_keys);

async fn read_range(server: &dyn S3TestServer) {
    let s = s3_store(server, BUCKET, "r/", "read-write").await;
    let data: Vec<u8> = (0..100u8).collect();
    put(&s, "hundred.bin", &data).await;
    let r = |o, l| {
        let s = s.clone();
        async move {
            raw(&s)
                .read_range("hundred.bin", o, l)
                .await
                .unwrap()
                .to_vec()
        }
    };
    assert_eq!(r(10, 5).await, data[10..15]);
    assert_eq!(r(0, 100).await, data);
    assert_eq!(r(95, 10).await, data[95..]);
    assert!(r(200, 5).await.is_empty());
    assert!(r(5, 0).await.is_empty());
    let e = raw(&s).read_range("missing.bin", 0, 4).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}
both_servers!(read_range);

async fn multipart_upload(server: &dyn S3TestServer) {
    let s = s3_store(server, BUCKET, "mp/", "read-write").await;
    let data = pattern(20 * 1024 * 1024 + 12_345, 7);
    let want = hex::encode(Sha256::digest(&data));
    // Unknown size: the store must notice on its own that this is past the threshold.
    let meta = raw(&s)
        .write("big/twenty.bin", stream_of(data.clone(), 64 * 1024), None)
        .await
        .unwrap();
    assert_eq!(meta.size, data.len() as u64);
    let st = raw(&s).stat("big/twenty.bin").await.unwrap().unwrap();
    assert_eq!(st.size, data.len() as u64);
    assert_eq!(raw(&s).hash("big/twenty.bin").await.unwrap(), want);
    assert_eq!(
        head_content_type(server, "mp/big/twenty.bin")
            .await
            .as_deref(),
        Some(RILL_CONTENT_TYPE)
    );
    // Known size, exactly at the threshold.
    let exact = pattern(8 * 1024 * 1024, 3);
    put(&s, "big/eight.bin", &exact).await;
    assert_eq!(
        raw(&s).hash("big/eight.bin").await.unwrap(),
        hex::encode(Sha256::digest(&exact))
    );
    assert_no_pending_uploads(server).await;
}
both_servers!(multipart_upload);

/// Known sizes above 8 MiB and up to `uploadCutoff` go as one streamed PutObject whose ETag
/// must be the MD5 of what was streamed; above the cutoff they go in parts.
async fn streamed_put_and_cutoff(server: &dyn S3TestServer) {
    let s = s3_store(server, BUCKET, "sp/", "read-write").await;
    let data = pattern(12 * 1024 * 1024 + 7, 5);
    let meta = raw(&s)
        .write(
            "streamed.bin",
            stream_of(data.clone(), 64 * 1024),
            Some(data.len() as u64),
        )
        .await
        .unwrap();
    assert_eq!(meta.size, data.len() as u64);
    assert_eq!(
        meta.etag
            .as_deref()
            .map(|e| e.trim_matches('"').to_string()),
        Some(hex::encode(md5::Md5::digest(&data))),
        "one PutObject: the ETag is the content's MD5"
    );
    assert_eq!(
        raw(&s).hash("streamed.bin").await.unwrap(),
        hex::encode(Sha256::digest(&data))
    );
    // With a cutoff of 10 MiB the same content goes in parts (the ETag says `-2`).
    let mut cfg = s3_mount_config(&server.endpoint(), BUCKET, "sp/", "read-write");
    s3_options(&mut cfg).upload_cutoff = 10 * 1024 * 1024;
    let opts = s3_options(&mut cfg).clone();
    let parts = S3Store::connect(&cfg, &opts).await.unwrap();
    let meta = raw(&parts)
        .write(
            "parts.bin",
            stream_of(data.clone(), 64 * 1024),
            Some(data.len() as u64),
        )
        .await
        .unwrap();
    assert!(
        meta.etag
            .as_deref()
            .is_some_and(|e| e.trim_matches('"').ends_with("-2")),
        "{:?}",
        meta.etag
    );
    assert_eq!(
        raw(&s).hash("parts.bin").await.unwrap(),
        hex::encode(Sha256::digest(&data))
    );
    assert_no_pending_uploads(server).await;
}
both_servers!(streamed_put_and_cutoff);

/// Content that is not the size announced (a file growing or shrinking while it is copied)
/// fails the write and leaves no object, on the streamed, buffered and multipart paths.
async fn wrong_size_fails_and_leaves_nothing(server: &dyn S3TestServer) {
    let s = s3_store(server, BUCKET, "ws/", "read-write").await;
    const MIB: u64 = 1024 * 1024;
    // (name, bytes sent, sizes announced): streamed PutObject (8 MiB < size ≤ cutoff),
    // buffered PutObject (small), multipart (announced above the 128 MiB cutoff).
    let cases: [(&str, u64, [u64; 2]); 3] = [
        ("streamed.bin", 12 * MIB, [12 * MIB + 1, 12 * MIB - 1]),
        ("small.bin", 100_000, [100_001, 99_999]),
        ("parts.bin", 9 * MIB, [200 * MIB, 130 * MIB]),
    ];
    for (name, sent, announced) in cases {
        let data = pattern(sent as usize, 9);
        for size in announced {
            let r = raw(&s)
                .write(name, stream_of(data.clone(), 64 * 1024), Some(size))
                .await;
            assert!(r.is_err(), "{name}: announced {size}, sent {sent}");
            assert_eq!(
                raw(&s).stat(name).await.unwrap(),
                None,
                "{name} left behind (announced {size}, sent {sent})"
            );
        }
    }
    assert_no_pending_uploads(server).await;
}
both_servers!(wrong_size_fails_and_leaves_nothing);

async fn assert_no_pending_uploads(server: &dyn S3TestServer) {
    let out = raw_client(&server.endpoint(), SECRET_KEY)
        .list_multipart_uploads()
        .bucket(BUCKET)
        .send()
        .await;
    // s3s-fs does not implement ListMultipartUploads; its part files are checked separately.
    if let Ok(out) = out {
        assert!(
            out.uploads().is_empty(),
            "pending uploads: {:?}",
            out.uploads()
        );
    }
}

/// A source that fails after `good` bytes, or (with `hang`) never ends.
fn failing_stream(good: usize, hang: bool) -> ByteStream {
    let head = futures::stream::iter(
        pattern(good, 5)
            .chunks(256 * 1024)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    if hang {
        Box::pin(head.chain(futures::stream::pending()))
    } else {
        let fail = futures::stream::once(async {
            Err(StoreError::new(
                ErrorKind::Connection,
                "source",
                "source went away",
            ))
        });
        Box::pin(head.chain(fail))
    }
}

async fn failed_upload_leaves_nothing(server: &dyn S3TestServer, pending: impl Fn() -> usize) {
    let s = s3_store(server, BUCKET, "ab/", "read-write").await;
    // Error from the source after two parts were sent.
    let e = raw(&s)
        .write("broken.bin", failing_stream(17 * 1024 * 1024, false), None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("source went away"), "{e}");
    assert!(raw(&s).stat("broken.bin").await.unwrap().is_none());
    assert_eq!(pending(), 0);
    assert_no_pending_uploads(server).await;
    // The write future dropped while parts are in flight (cancelled migration).
    let w = raw(&s).write("dropped.bin", failing_stream(12 * 1024 * 1024, true), None);
    assert!(
        tokio::time::timeout(Duration::from_secs(2), w)
            .await
            .is_err()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while pending() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(pending(), 0);
    assert!(raw(&s).stat("dropped.bin").await.unwrap().is_none());
    // Size announced but the content is shorter: refused, nothing visible.
    let e = raw(&s)
        .write("short.bin", stream_of(vec![1; 10], 3), Some(11))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("expected 11 bytes, got 10"), "{e}");
    assert!(raw(&s).stat("short.bin").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_upload_leaves_nothing_s3s_fs() {
    let server = S3sServer::start().await;
    server.create_bucket(BUCKET).await;
    failed_upload_leaves_nothing(&server, || server.pending_upload_files().len()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_upload_leaves_nothing_moto() {
    let server = MotoServer::start().await;
    server.create_bucket(BUCKET).await;
    let ep = server.endpoint();
    // moto keeps uploads in memory; count them through the API from a helper thread.
    let pending = move || {
        let ep = ep.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                raw_client(&ep, SECRET_KEY)
                    .list_multipart_uploads()
                    .bucket(BUCKET)
                    .send()
                    .await
                    .unwrap()
                    .uploads()
                    .len()
            })
        })
        .join()
        .unwrap()
    };
    failed_upload_leaves_nothing(&server, pending).await;
}

#[tokio::test]
async fn listing_pages_past_1000_without_loss() {
    let server = S3sServer::start().await;
    server.create_bucket(BUCKET).await;
    for i in 0..1500 {
        server.put_direct(BUCKET, &format!("p/many/f{i:05}.txt"), b"x");
    }
    for d in 0..30 {
        server.put_direct(BUCKET, &format!("p/many/d{d:02}/inner.txt"), b"y");
    }
    let s = s3_store(&server, BUCKET, "p/", "read-write").await;
    for limit in [1000, 333] {
        let entries = list_all(&s, "many", limit).await;
        assert_eq!(entries.len(), 1530, "limit {limit}");
        let mut paths: Vec<&String> = entries.iter().map(|e| &e.0).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), 1530);
        let dirs = entries
            .iter()
            .filter(|e| e.1 == EntryKind::Directory)
            .count();
        assert_eq!(dirs, 30);
        assert!(entries.iter().any(|e| e.0 == "many/f01499.txt"));
        assert!(
            entries
                .iter()
                .any(|e| e.0 == "many/d29" && e.1 == EntryKind::Directory)
        );
    }
    let walked = walk_all(&s, 1000).await;
    assert_eq!(walked.len(), 1530);
    assert!(walked.iter().all(|e| e.1 == EntryKind::File));
    // rill's list stops at one page of 1000; rill's find pages through everything.
    let Json::Array(listed) = rill(&s).list("many").await.unwrap() else {
        panic!("list returns a list")
    };
    assert_eq!(listed.len(), 1000);
    let Json::Array(found) = rill(&s).find("*.txt").await.unwrap() else {
        panic!("find returns a list")
    };
    assert_eq!(found.len(), 1530);
}

/// Layouts only moto can store: an object `dir` next to `dir/x`, marker objects.
#[tokio::test]
async fn markers_and_file_dir_clash_moto() {
    let server = MotoServer::start().await;
    server.create_bucket(BUCKET).await;
    let c = raw_client(&server.endpoint(), SECRET_KEY);
    for (key, body) in [
        ("m/dir", "file named dir"),
        ("m/dir/x", "x"),
        ("m/folder/", ""),
        ("m/full/", ""),
        ("m/full/y", "y"),
        ("m/", ""),
        ("m/zz/", ""),
    ] {
        c.put_object()
            .bucket(BUCKET)
            .key(key)
            .body(Bytes::from(body).into())
            .send()
            .await
            .unwrap();
    }
    let s = s3_store(&server, BUCKET, "m/", "read-write").await;
    let mut root = list_all(&s, "", 1000).await;
    sort_entries(&mut root);
    assert_eq!(
        root,
        vec![
            ("dir".to_string(), EntryKind::Directory),
            ("dir".to_string(), EntryKind::File),
            ("folder".to_string(), EntryKind::Directory),
            ("full".to_string(), EntryKind::Directory),
            ("zz".to_string(), EntryKind::Directory),
        ]
    );
    // The marker of the listed directory is not an entry of it.
    assert_eq!(
        list_all(&s, "full", 10).await,
        vec![("full/y".into(), EntryKind::File)]
    );
    assert!(list_all(&s, "folder", 10).await.is_empty());
    // walk: files, plus markers of empty directories; never an empty name. Page size 1 puts a
    // marker at the end of every page.
    for limit in [1000, 1, 2] {
        let mut w = walk_all(&s, limit).await;
        sort_entries(&mut w);
        assert_eq!(
            w,
            vec![
                ("dir".to_string(), EntryKind::File),
                ("dir/x".to_string(), EntryKind::File),
                ("folder".to_string(), EntryKind::Directory),
                ("full/y".to_string(), EntryKind::File),
                ("zz".to_string(), EntryKind::Directory),
            ],
            "limit {limit}"
        );
    }
    // rill: find reports markers with their trailing slash (empty basename matches `*`).
    let found = show(&rill(&s).find("*").await.unwrap());
    assert_eq!(
        found,
        r#"["","dir","dir/x","folder/","full/","full/y","zz/"]"#
    );
    assert_eq!(
        show(&rill(&s).list("").await.unwrap()),
        r#"[{"name":"dir","type":"file","size":14},{"name":"dir","type":"directory","size":0},{"name":"folder","type":"directory","size":0},{"name":"full","type":"directory","size":0},{"name":"zz","type":"directory","size":0}]"#
    );
    assert_eq!(rill(&s).exists("folder").await.unwrap(), Json::Bool(false));
    assert_eq!(rill(&s).exists("folder/").await.unwrap(), Json::Bool(true));
}

// ---------------------------------------------------------------------------------------------
// rill fs-s3 behaviour
// ---------------------------------------------------------------------------------------------

async fn rill_read_write_append(server: &dyn S3TestServer) {
    let s = s3_store(server, BUCKET, "rw/", "read-write").await;
    assert_eq!(
        rill(&s).write("notes/a.txt", "héllo").await.unwrap(),
        Json::String("6".into())
    );
    assert_eq!(
        rill(&s).read("notes/a.txt").await.unwrap(),
        Json::String("héllo".into())
    );
    // Parents are never needed; append returns the appended byte count only.
    assert_eq!(
        rill(&s).append("a/b/c/d/log.txt", "one").await.unwrap(),
        Json::String("3".into())
    );
    assert_eq!(
        rill(&s).append("a/b/c/d/log.txt", "+twö").await.unwrap(),
        Json::String("5".into())
    );
    assert_eq!(
        rill(&s).read("a/b/c/d/log.txt").await.unwrap(),
        Json::String("one+twö".into())
    );
    assert_eq!(
        head_content_type(server, "rw/a/b/c/d/log.txt")
            .await
            .as_deref(),
        Some(RILL_CONTENT_TYPE)
    );
    // Invalid UTF-8 is replaced on read.
    put(&s, "bad.txt", &[b'o', b'k', 0xff]).await;
    assert_eq!(
        rill(&s).read("bad.txt").await.unwrap(),
        Json::String("ok\u{fffd}".into())
    );
    // A missing file fails at HeadObject: the raw SDK error, not "file not found".
    assert_eq!(err_text(rill(&s).read("missing.txt").await), "NotFound");
    // mkdir creates nothing, whatever the mode.
    assert_eq!(rill(&s).mkdir("newdir").await.unwrap(), Json::Bool(true));
    assert_eq!(show(&rill(&s).list("newdir").await.unwrap()), "[]");
}
both_servers!(rill_read_write_append);

async fn rill_key_mapping(server: &dyn S3TestServer) {
    let s = s3_store(server, BUCKET, "km/", "read-write").await;
    rill(&s).write("/lead.txt", "1").await.unwrap();
    assert!(raw(&s).stat("lead.txt").await.unwrap().is_some());
    assert_eq!(
        rill(&s).read("lead.txt").await.unwrap(),
        Json::String("1".into())
    );
    // A prefix without trailing slash glues onto the name, and list looks under `data/`.
    let glued = s3_store(server, BUCKET, "data", "read-write").await;
    rill(&glued).write("file.txt", "g").await.unwrap();
    assert_eq!(
        head_content_type(server, "datafile.txt").await.as_deref(),
        Some(RILL_CONTENT_TYPE)
    );
    assert_eq!(show(&rill(&glued).list("").await.unwrap()), "[]");
    assert_eq!(
        show(&rill(&glued).find("*").await.unwrap()),
        r#"["file.txt"]"#
    );
    assert_eq!(
        show(&rill(&s).mount_entry()),
        r#"{"name":"s3","mode":"read-write","glob":"","bucket":"rill-bucket","prefix":"km/"}"#
    );
}
both_servers!(rill_key_mapping);

/// Keys s3s-fs cannot hold (it maps keys onto paths): only one leading `/` is stripped.
#[tokio::test]
async fn rill_key_mapping_keeps_slashes_moto() {
    let server = MotoServer::start().await;
    server.create_bucket(BUCKET).await;
    let s = s3_store(&server, BUCKET, "km/", "read-write").await;
    rill(&s).write("//two.txt", "2").await.unwrap();
    rill(&s).write("x/../y.txt", "3").await.unwrap();
    let found = show(&rill(&s).find("*.txt").await.unwrap());
    assert_eq!(found, r#"["/two.txt","x/../y.txt"]"#);
    assert_eq!(
        head_content_type(&server, "km//two.txt").await.as_deref(),
        Some(RILL_CONTENT_TYPE)
    );
}

/// With prefix `''`, listing the root asks for prefix `/`, which holds nothing (§6.2 pitfall).
/// s3s-fs strips a leading `/` from list prefixes, so only moto shows rill's behaviour.
#[tokio::test]
async fn rill_root_with_empty_prefix_lists_nothing_moto() {
    let server = MotoServer::start().await;
    server.create_bucket(BUCKET).await;
    let s = s3_store(&server, BUCKET, "", "read-write").await;
    rill(&s).write("top.txt", "t").await.unwrap();
    rill(&s).write("sub/inner.txt", "i").await.unwrap();
    assert_eq!(show(&rill(&s).list("").await.unwrap()), "[]");
    assert_eq!(show(&rill(&s).list("/").await.unwrap()), "[]");
    assert_eq!(
        show(&rill(&s).list("sub").await.unwrap()),
        r#"[{"name":"inner.txt","type":"file","size":1}]"#
    );
    // Our raw listing of the same mount works.
    let mut root = list_all(&s, "", 100).await;
    sort_entries(&mut root);
    assert_eq!(
        root,
        vec![
            ("sub".into(), EntryKind::Directory),
            ("top.txt".into(), EntryKind::File)
        ]
    );
}

async fn rill_list_find_glob(server: &dyn S3TestServer) {
    let s = s3_store(server, BUCKET, "lf/", "read-write").await;
    for (p, c) in [
        ("b.txt", "bb"),
        ("a.md", "a"),
        ("sub/c.txt", "ccc"),
        ("sub/deep/d.md", "d"),
        ("zdir/e.json", "{}"),
    ] {
        rill(&s).write(p, c).await.unwrap();
    }
    assert_eq!(
        show(&rill(&s).list("").await.unwrap()),
        r#"[{"name":"a.md","type":"file","size":1},{"name":"b.txt","type":"file","size":2},{"name":"sub","type":"directory","size":0},{"name":"zdir","type":"directory","size":0}]"#
    );
    assert_eq!(
        show(&rill(&s).list("/sub/").await.unwrap()),
        r#"[{"name":"c.txt","type":"file","size":3},{"name":"deep","type":"directory","size":0}]"#
    );
    assert_eq!(
        show(&rill(&s).find("*.txt").await.unwrap()),
        r#"["b.txt","sub/c.txt"]"#
    );
    assert_eq!(
        show(&rill(&s).find("**/*.{md,json}").await.unwrap()),
        r#"["a.md","sub/deep/d.md","zdir/e.json"]"#
    );
    assert_eq!(show(&rill(&s).find("").await.unwrap()), "[]");
    assert_eq!(show(&rill(&s).find("b*").await.unwrap()), "[]");
    // The mount glob filters list files (not directories) and find; other functions ignore it.
    let mut cfg = s3_mount_config(&server.endpoint(), BUCKET, "lf/", "read-write");
    cfg.glob = Some("*.txt".into());
    let g = connect(&cfg).await;
    assert_eq!(
        show(&rill(&g).list("").await.unwrap()),
        r#"[{"name":"b.txt","type":"file","size":2},{"name":"sub","type":"directory","size":0},{"name":"zdir","type":"directory","size":0}]"#
    );
    assert_eq!(
        show(&rill(&g).find("*").await.unwrap()),
        r#"["b.txt","sub/c.txt"]"#
    );
    assert_eq!(
        rill(&g).read("a.md").await.unwrap(),
        Json::String("a".into())
    );
    assert_eq!(
        show(&rill(&g).mount_entry()),
        r#"{"name":"s3","mode":"read-write","glob":"*.txt","bucket":"rill-bucket","prefix":"lf/"}"#
    );
    // Directories are prefixes, not objects.
    assert_eq!(rill(&s).exists("sub").await.unwrap(), Json::Bool(false));
    assert_eq!(
        rill(&s).exists("sub/c.txt").await.unwrap(),
        Json::Bool(true)
    );
}
both_servers!(rill_list_find_glob);

async fn rill_stat_copy_move_remove(server: &dyn S3TestServer) {
    let s = s3_store(server, BUCKET, "st/", "read-write").await;
    rill(&s).write("dir/file.txt", "12345").await.unwrap();
    let Json::Object(st) = rill(&s).stat("dir/file.txt").await.unwrap() else {
        panic!("stat returns a dict")
    };
    assert_eq!(
        st.keys().map(String::as_str).collect::<Vec<_>>(),
        ["name", "type", "size", "modified"]
    );
    assert_eq!(st["name"], Json::String("file.txt".into()));
    assert_eq!(st["type"], Json::String("file".into()));
    assert_eq!(st["size"], Json::Number(5.0));
    let Json::String(m) = &st["modified"] else {
        panic!("modified is a string")
    };
    // toISOString shape, and close to now.
    assert_eq!(m.len(), 24, "{m}");
    assert!(
        m.ends_with('Z') && m.as_bytes()[10] == b'T' && m.as_bytes()[19] == b'.',
        "{m}"
    );
    let year: i32 = m[..4].parse().unwrap();
    assert!(year >= 2024, "{m}");
    assert_eq!(
        err_text(rill(&s).stat("nope.txt").await),
        "file not found: nope.txt"
    );

    assert_eq!(
        rill(&s).copy("dir/file.txt", "copy.txt").await.unwrap(),
        Json::Bool(true)
    );
    assert_eq!(
        rill(&s).read("copy.txt").await.unwrap(),
        Json::String("12345".into())
    );
    assert_eq!(
        head_content_type(server, "st/copy.txt").await.as_deref(),
        Some(RILL_CONTENT_TYPE)
    );
    assert_eq!(
        rill(&s).move_("copy.txt", "moved/here.txt").await.unwrap(),
        Json::Bool(true)
    );
    assert_eq!(
        rill(&s).exists("copy.txt").await.unwrap(),
        Json::Bool(false)
    );
    assert_eq!(
        rill(&s).read("moved/here.txt").await.unwrap(),
        Json::String("12345".into())
    );
    // A missing copy source is the raw SDK error.
    assert_eq!(
        err_text(rill(&s).copy("ghost.txt", "x.txt").await),
        "NotFound"
    );
    assert_eq!(
        rill(&s).remove("moved/here.txt").await.unwrap(),
        Json::Bool(true)
    );
    assert_eq!(
        rill(&s).remove("moved/here.txt").await.unwrap(),
        Json::Bool(false)
    );
}
both_servers!(rill_stat_copy_move_remove);

#[tokio::test]
async fn rill_modes() {
    let server = S3sServer::start().await;
    server.create_bucket(BUCKET).await;
    let rw = s3_store(&server, BUCKET, "md/", "read-write").await;
    rill(&rw).write("f.txt", "f").await.unwrap();
    let write_err = |m: &str| format!("mount does not permit write operations (mode: {m})");
    let read_err = |m: &str| format!("mount does not permit read operations (mode: {m})");

    let r = s3_store(&server, BUCKET, "md/", "read").await;
    assert_eq!(
        rill(&r).read("f.txt").await.unwrap(),
        Json::String("f".into())
    );
    assert_eq!(rill(&r).exists("f.txt").await.unwrap(), Json::Bool(true));
    assert_eq!(
        err_text(rill(&r).write("g.txt", "g").await),
        write_err("read")
    );
    assert_eq!(
        err_text(rill(&r).append("f.txt", "g").await),
        write_err("read")
    );
    assert_eq!(err_text(rill(&r).remove("f.txt").await), write_err("read"));
    assert_eq!(
        err_text(rill(&r).copy("f.txt", "g.txt").await),
        write_err("read")
    );
    assert_eq!(
        err_text(rill(&r).move_("f.txt", "g.txt").await),
        write_err("read")
    );
    assert_eq!(rill(&r).mkdir("x").await.unwrap(), Json::Bool(true));

    let w = s3_store(&server, BUCKET, "md/", "write").await;
    assert_eq!(
        rill(&w).write("g.txt", "g").await.unwrap(),
        Json::String("1".into())
    );
    assert_eq!(
        rill(&w).append("g.txt", "h").await.unwrap(),
        Json::String("1".into())
    );
    assert_eq!(err_text(rill(&w).read("f.txt").await), read_err("write"));
    assert_eq!(err_text(rill(&w).list("").await), read_err("write"));
    assert_eq!(err_text(rill(&w).find("*").await), read_err("write"));
    assert_eq!(err_text(rill(&w).stat("f.txt").await), read_err("write"));
    // exists throws instead of answering false; remove needs read too (through exists).
    assert_eq!(err_text(rill(&w).exists("f.txt").await), read_err("write"));
    assert_eq!(err_text(rill(&w).remove("f.txt").await), read_err("write"));
    assert_eq!(
        err_text(rill(&w).copy("f.txt", "h.txt").await),
        read_err("write")
    );
    assert_eq!(
        rill(&rw).read("g.txt").await.unwrap(),
        Json::String("gh".into())
    );

    // `read-only` (the docs' spelling) and a missing mode allow nothing.
    let ro = s3_store(&server, BUCKET, "md/", "read-only").await;
    assert_eq!(
        err_text(rill(&ro).read("f.txt").await),
        read_err("read-only")
    );
    let mut cfg = s3_mount_config(&server.endpoint(), BUCKET, "md/", "read");
    cfg.mode = rillmount::config::Mode(None);
    let none = connect(&cfg).await;
    assert_eq!(
        err_text(rill(&none).write("f.txt", "x").await),
        write_err("undefined")
    );
    assert_eq!(rill(&none).mkdir("x").await.unwrap(), Json::Bool(true));
    assert_eq!(
        show(&rill(&none).mount_entry()),
        r#"{"name":"s3","mode":null,"glob":"","bucket":"rill-bucket","prefix":"md/"}"#
    );
}

#[tokio::test]
async fn rill_size_limits() {
    let server = S3sServer::start().await;
    server.create_bucket(BUCKET).await;
    let mut cfg = s3_mount_config(&server.endpoint(), BUCKET, "sz/", "read-write");
    cfg.max_file_size = 10;
    let s = connect(&cfg).await;
    assert_eq!(
        rill(&s).write("ten.txt", "0123456789").await.unwrap(),
        Json::String("10".into())
    );
    assert_eq!(
        err_text(rill(&s).write("big.txt", "0123456789a").await),
        "file exceeds size limit (11 > 10 bytes): sz/big.txt"
    );
    assert!(raw(&s).stat("big.txt").await.unwrap().is_none());
    // UTF-8 bytes count: 6 × 2 bytes.
    assert_eq!(
        err_text(rill(&s).write("u.txt", "éééééé").await),
        "file exceeds size limit (12 > 10 bytes): sz/u.txt"
    );
    // append checks the combined size.
    rill(&s).write("a.txt", "12345678").await.unwrap();
    assert_eq!(
        err_text(rill(&s).append("a.txt", "abc").await),
        "file exceeds size limit (11 > 10 bytes): sz/a.txt"
    );
    // read checks the stored size; copy names the destination key; move is not checked
    // separately (it copies).
    put(&s, "huge.txt", &[b'h'; 11]).await;
    assert_eq!(
        err_text(rill(&s).read("huge.txt").await),
        "file exceeds size limit (11 > 10 bytes): sz/huge.txt"
    );
    assert_eq!(
        err_text(rill(&s).copy("/huge.txt", "dest.txt").await),
        "file exceeds size limit (11 > 10 bytes): sz/dest.txt"
    );
    // exists/stat/list ignore the limit.
    assert_eq!(rill(&s).exists("huge.txt").await.unwrap(), Json::Bool(true));
}

// ---------------------------------------------------------------------------------------------
// Errors, credentials, timeouts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn wrong_secret_is_permission_denied_without_the_secret() {
    let server = S3sServer::start().await;
    server.create_bucket(BUCKET).await;
    let wrong = "wrong-secret-Zq93";
    let mut cfg = s3_mount_config(&server.endpoint(), BUCKET, "p/", "read-write");
    s3_options(&mut cfg)
        .credentials
        .as_mut()
        .unwrap()
        .secret_access_key = rillmount::config::Secret::new(wrong);
    let s = connect(&cfg).await;
    let dbg = format!("{s:?} {cfg:?}");
    assert!(!dbg.contains(wrong), "{dbg}");

    let e = raw(&s).list("", None, 10).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::PermissionDenied, "{e}");
    let text = e.to_string();
    assert!(text.contains("access denied"), "{text}");
    assert!(text.contains("secret access key"), "{text}");
    assert!(
        !text.contains(wrong) && !format!("{e:?}").contains(wrong),
        "{text}"
    );
    // HEAD answers have no body: still a permission error.
    let e = raw(&s).stat("x.txt").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::PermissionDenied, "{e}");
    let e = raw(&s)
        .write("x.txt", stream_of(b"x".to_vec(), 1), Some(1))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::PermissionDenied, "{e}");
    let r = err_text(rill(&s).read("x.txt").await);
    assert!(!r.contains(wrong), "{r}");
    // exists swallows every S3 error.
    assert_eq!(rill(&s).exists("x.txt").await.unwrap(), Json::Bool(false));
}

#[tokio::test]
async fn missing_bucket_is_not_found() {
    let server = S3sServer::start().await;
    let s = s3_store(&server, "no-such-bucket", "", "read-write").await;
    let e = raw(&s).list("", None, 10).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert!(
        e.to_string()
            .contains("bucket `no-such-bucket` does not exist"),
        "{e}"
    );
}

#[tokio::test]
async fn refused_connection_fails_fast() {
    let port = free_port();
    let s = connect(&s3_mount_config(
        &format!("http://127.0.0.1:{port}"),
        BUCKET,
        "",
        "read",
    ))
    .await;
    let t = Instant::now();
    let e = raw(&s).list("", None, 10).await.unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert_eq!(e.kind, ErrorKind::Connection, "{e}");
    assert!(e.to_string().contains("connection refused"), "{e}");
    assert!(e.is_retryable());
}

/// A server that accepts connections and never answers: the request times out (6 × connect
/// timeout) instead of hanging.
#[tokio::test]
async fn silent_server_times_out() {
    let (addr, hold) = support::s3::silent_endpoint().await;
    let mut cfg = s3_mount_config(&format!("http://{addr}"), BUCKET, "", "read");
    s3_options(&mut cfg).connect_timeout = Duration::from_millis(300);
    let s = connect(&cfg).await;
    let t = Instant::now();
    let e = raw(&s).stat("x").await.unwrap_err();
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    hold.abort();
}

/// An endpoint whose TCP handshake never completes (a listener with a full accept queue drops
/// further SYNs; a non-routable address cannot be used here: this sandbox answers for it). The
/// connect must fail within the connect timeout, with no retries.
#[tokio::test]
async fn unreachable_endpoint_fails_within_connect_timeout() {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = sock.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    while let Ok(Ok(c)) = tokio::time::timeout(
        Duration::from_millis(200),
        tokio::net::TcpStream::connect(addr),
    )
    .await
    {
        fillers.push(c);
        assert!(fillers.len() < 64, "the accept queue never filled");
    }
    let mut cfg = s3_mount_config(&format!("http://{addr}"), BUCKET, "", "read");
    s3_options(&mut cfg).connect_timeout = Duration::from_millis(500);
    let s = connect(&cfg).await;
    let t = Instant::now();
    let e = raw(&s).list("", None, 10).await.unwrap_err();
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("timed out"), "{e}");
    drop(fillers);
}

#[tokio::test]
async fn config_is_checked_with_rill_texts() {
    let mut cfg = s3_mount_config("http://127.0.0.1:1", BUCKET, "", "read");
    s3_options(&mut cfg).region = " ".into();
    let FsBackendConfig::S3(opts) = &cfg.backend else {
        unreachable!()
    };
    let e = S3Store::connect(&cfg, opts).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config);
    assert!(
        e.to_string()
            .contains("S3 configuration requires non-empty region"),
        "{e}"
    );
    let mut cfg = s3_mount_config("::nope", BUCKET, "", "read");
    let opts = s3_options(&mut cfg).clone();
    let e = S3Store::connect(&cfg, &opts).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("S3 endpoint must be a valid URL: ::nope"),
        "{e}"
    );
}

/// The fault-test server: stopping cuts connections, restarting serves the same data on the
/// same port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3s_server_stops_and_restarts_on_the_same_port() {
    let mut server = S3sServer::start().await;
    server.create_bucket(BUCKET).await;
    let s = s3_store(&server, BUCKET, "p/", "read-write").await;
    put(&s, "keep.txt", b"kept").await;
    let addr = server.addr();
    server.stop().await;
    let e = raw(&s).stat("keep.txt").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Connection, "{e}");
    server.restart().await;
    assert_eq!(server.addr(), addr);
    assert_eq!(read_all(&s, "keep.txt").await, b"kept");
}

/// Stopping the server while a multipart upload runs fails the write; after a restart nothing
/// partial is visible and the write can be redone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_interrupted_by_server_stop() {
    let mut server = S3sServer::start().await;
    server.create_bucket(BUCKET).await;
    let s = s3_store(&server, BUCKET, "p/", "read-write").await;
    let data = pattern(24 * 1024 * 1024, 11);
    // Slow source: 1 MiB every 20 ms, so the stop lands mid-upload.
    let chunks: Vec<Bytes> = data
        .chunks(1024 * 1024)
        .map(Bytes::copy_from_slice)
        .collect();
    let slow: ByteStream = Box::pin(futures::stream::iter(chunks).then(|c| async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(c)
    }));
    let store = s.clone();
    let w = tokio::spawn(async move { raw(&store).write("big.bin", slow, None).await });
    tokio::time::sleep(Duration::from_millis(250)).await;
    server.stop().await;
    let r = w.await.unwrap();
    assert!(r.is_err(), "write should fail when the server goes away");
    server.restart().await;
    assert!(raw(&s).stat("big.bin").await.unwrap().is_none());
    put(&s, "big.bin", &data).await;
    assert_eq!(
        raw(&s).hash("big.bin").await.unwrap(),
        hex::encode(Sha256::digest(&data))
    );
}

/// The AWS default provider chain (no credentials in the profile). Runs in a child process of
/// this test binary so that the AWS environment variables can be set without racing other
/// tests; `RILLMOUNT_S3_CHILD` says which side to run.
#[tokio::test]
async fn default_provider_chain() {
    match std::env::var("RILLMOUNT_S3_CHILD").as_deref() {
        Ok("env") => default_chain_child(true).await,
        Ok("none") => default_chain_child(false).await,
        _ => {
            for (mode, with_keys) in [("env", true), ("none", false)] {
                let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
                cmd.args(["--exact", "default_provider_chain", "--nocapture"])
                    .env("RILLMOUNT_S3_CHILD", mode)
                    .env("AWS_EC2_METADATA_DISABLED", "true")
                    .env("AWS_CONFIG_FILE", "/nonexistent/rillmount/config")
                    .env(
                        "AWS_SHARED_CREDENTIALS_FILE",
                        "/nonexistent/rillmount/credentials",
                    );
                for v in [
                    "AWS_ACCESS_KEY_ID",
                    "AWS_SECRET_ACCESS_KEY",
                    "AWS_SESSION_TOKEN",
                    "AWS_PROFILE",
                    "AWS_WEB_IDENTITY_TOKEN_FILE",
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                ] {
                    cmd.env_remove(v);
                }
                if with_keys {
                    cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
                        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
                }
                let out = cmd.output().unwrap();
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert!(
                    stdout.contains("1 passed"),
                    "child {mode} ran no test:\n{stdout}"
                );
                assert!(
                    out.status.success(),
                    "child {mode} failed:\n{}\n{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

async fn default_chain_child(with_keys: bool) {
    let server = S3sServer::start().await;
    server.create_bucket(BUCKET).await;
    server.put_direct(BUCKET, "a.txt", b"a");
    let mut cfg = s3_mount_config(&server.endpoint(), BUCKET, "", "read");
    s3_options(&mut cfg).credentials = None;
    let s = connect(&cfg).await;
    let r = raw(&s).list("", None, 10).await;
    if with_keys {
        assert_eq!(r.unwrap().entries.len(), 1);
    } else {
        let e = r.unwrap_err();
        assert_eq!(e.kind, ErrorKind::PermissionDenied, "{e}");
        assert!(e.to_string().contains("no usable credentials"), "{e}");
    }
}

/// A session token travels with the static keys (signed as `x-amz-security-token`).
#[tokio::test]
async fn session_token_is_sent_and_signed() {
    let server = S3sServer::start().await;
    server.create_bucket(BUCKET).await;
    let mut cfg = s3_mount_config(&server.endpoint(), BUCKET, "t/", "read-write");
    s3_options(&mut cfg)
        .credentials
        .as_mut()
        .unwrap()
        .session_token = Some(rillmount::config::Secret::new("session-token-Xy7"));
    let s = connect(&cfg).await;
    assert!(!format!("{s:?} {cfg:?}").contains("session-token-Xy7"));
    put(&s, "a.txt", b"a").await;
    assert_eq!(read_all(&s, "a.txt").await, b"a");
}
