//! Cases of the raw [`FileStore`] contract, one `pub async fn case(s: &dyn FileStore)` each.
//!
//! Every case works below a fresh random folder and removes it at the end, so cases share a
//! store (bucket, prefix) without depending on each other. Cases needing a capability
//! (`directories`, `atomic_rename`, `ranged_read`) return early when the store lacks it.
//! `fs_suite!(name, factory)` makes one `#[tokio::test]` per case for a backend; the factory is
//! an async fn of `support::stores` returning an `FsFixture`.

#![allow(dead_code)]

pub mod local_raw;
pub mod local_rill;

use std::collections::BTreeSet;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use bytes::Bytes;
use futures::StreamExt;
use rillmount::store::{ByteStream, EntryKind, FileMeta, FileStore};
use sha2::{Digest, Sha256};

/// One `#[tokio::test]` per case for the store made by `$factory`.
macro_rules! fs_suite {
    ($backend:ident, $factory:expr) => {
        mod $backend {
            #[allow(unused_imports)]
            use super::*;
            fs_suite!(@cases $factory;
                binary_round_trip,
                large_file_is_streamed,
                list_pages_without_loss,
                list_shows_files_and_directories,
                walk_finds_every_file,
                walk_is_in_path_order,
                stat_reports_kind_and_size,
                delete_removes_file,
                mkdir_creates_directory,
                unicode_and_space_names,
                overwrite_replaces_content,
                write_creates_parents,
                hash_is_sha256_of_content,
                read_range_returns_slice,
                empty_file_round_trip,
                replace_keeps_open_readers_whole,
                walk_match_agrees_with_a_filtered_walk,
            );
        }
    };
    (@cases $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let fixture = $factory.await;
                crate::fs_suite::$case(fixture.store.as_ref()).await;
            }
        )*
    };
}

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/// More pages than any case needs: a listing that goes on is a bug, not a slow store.
const MAX_PAGES: usize = 10_000;

/// A folder name no other case or run uses.
pub fn fresh_prefix() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let h = RandomState::new().hash_one((
        SystemTime::now(),
        N.fetch_add(1, Ordering::Relaxed),
        std::process::id(),
    ));
    format!("conf-{h:016x}")
}

/// A stream of the given chunks.
pub fn body(chunks: Vec<Vec<u8>>) -> ByteStream {
    Box::pin(futures::stream::iter(
        chunks.into_iter().map(|c| Ok(Bytes::from(c))),
    ))
}

pub async fn put(s: &dyn FileStore, path: &str, content: &[u8]) -> FileMeta {
    s.write(
        path,
        body(vec![content.to_vec()]),
        Some(content.len() as u64),
    )
    .await
    .unwrap_or_else(|e| panic!("write {path}: {e}"))
}

pub async fn get(s: &dyn FileStore, path: &str) -> Vec<u8> {
    let mut stream = s
        .read(path)
        .await
        .unwrap_or_else(|e| panic!("read {path}: {e}"));
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.unwrap_or_else(|e| panic!("read {path}: {e}")));
    }
    out
}

/// Every entry of a full paged listing of `dir`.
pub async fn list_all(s: &dyn FileStore, dir: &str, limit: usize) -> Vec<FileMeta> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = s
            .list(dir, cursor.as_deref(), limit)
            .await
            .unwrap_or_else(|e| panic!("list {dir}: {e}"));
        assert!(page.entries.len() <= limit, "page larger than the limit");
        out.extend(page.entries);
        match page.next {
            Some(n) => {
                assert_ne!(cursor.as_ref(), Some(&n), "the cursor did not move");
                cursor = Some(n);
            }
            None => return out,
        }
    }
    panic!("listing did not end after {MAX_PAGES} pages");
}

/// Every entry of a full paged walk that lies under `prefix/`.
pub async fn walk_under(s: &dyn FileStore, prefix: &str, limit: usize) -> Vec<FileMeta> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = s
            .walk(cursor.as_deref(), limit)
            .await
            .unwrap_or_else(|e| panic!("walk: {e}"));
        assert!(page.entries.len() <= limit, "page larger than the limit");
        out.extend(
            page.entries
                .into_iter()
                .filter(|m| m.path.starts_with(&format!("{prefix}/"))),
        );
        match page.next {
            Some(n) => {
                assert_ne!(cursor.as_ref(), Some(&n), "the cursor did not move");
                cursor = Some(n);
            }
            None => return out,
        }
    }
    panic!("listing did not end after {MAX_PAGES} pages");
}

/// Deletes everything below `prefix` (leaves first, then the directories they left empty).
pub async fn cleanup(s: &dyn FileStore, prefix: &str) {
    for _ in 0..16 {
        let left = walk_under(s, prefix, 1000).await;
        if left.is_empty() {
            break;
        }
        for m in left {
            s.delete(&m.path)
                .await
                .unwrap_or_else(|e| panic!("cleanup {}: {e}", m.path));
        }
    }
    // The prefix folder itself, where directories exist.
    let _ = s.delete(prefix).await;
    assert!(
        walk_under(s, prefix, 1000).await.is_empty(),
        "cleanup left entries under {prefix}"
    );
}

fn names(entries: &[FileMeta]) -> Vec<String> {
    entries.iter().map(|m| m.name().to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// cases
// ---------------------------------------------------------------------------------------------

pub async fn binary_round_trip(s: &dyn FileStore) {
    let p = fresh_prefix();
    let content: Vec<u8> = (0..4).flat_map(|_| 0..=255u8).collect();
    let path = format!("{p}/all-bytes.bin");
    let meta = put(s, &path, &content).await;
    assert_eq!(meta.size, 1024);
    assert_eq!(meta.kind, EntryKind::File);
    assert_eq!(get(s, &path).await, content);
    cleanup(s, &p).await;
}

/// 20 MiB written from a chunked stream and read back as several chunks.
pub async fn large_file_is_streamed(s: &dyn FileStore) {
    const CHUNK: usize = 256 * 1024;
    const CHUNKS: usize = 80;
    let byte_at = |i: usize| ((i * 31) ^ (i >> 16)) as u8;
    let p = fresh_prefix();
    let path = format!("{p}/big.bin");
    let chunks: Vec<Vec<u8>> = (0..CHUNKS)
        .map(|c| (c * CHUNK..(c + 1) * CHUNK).map(byte_at).collect())
        .collect();
    let total = (CHUNK * CHUNKS) as u64;
    let meta = s
        .write(&path, body(chunks), Some(total))
        .await
        .expect("write large file");
    assert_eq!(meta.size, total);

    let mut stream = s.read(&path).await.expect("read large file");
    let (mut offset, mut pieces, mut largest) = (0usize, 0usize, 0usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("read chunk");
        for (k, b) in chunk.iter().enumerate() {
            assert_eq!(*b, byte_at(offset + k), "byte {} differs", offset + k);
        }
        offset += chunk.len();
        pieces += 1;
        largest = largest.max(chunk.len());
    }
    assert_eq!(offset as u64, total);
    assert!(pieces > 1, "the file came back in one piece");
    assert!(
        largest < total as usize / 2,
        "a chunk held half of the file"
    );
    cleanup(s, &p).await;
}

/// 2,500 entries listed 97 at a time: each exactly once.
pub async fn list_pages_without_loss(s: &dyn FileStore) {
    const N: usize = 2500;
    let p = fresh_prefix();
    let dir = format!("{p}/many");
    let expected: BTreeSet<String> = (0..N).map(|i| format!("f{i:05}.txt")).collect();
    futures::stream::iter(expected.iter())
        .for_each_concurrent(16, |name| {
            let dir = &dir;
            async move {
                put(s, &format!("{dir}/{name}"), name.as_bytes()).await;
            }
        })
        .await;

    let listed = list_all(s, &dir, 97).await;
    let got = names(&listed);
    let unique: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(got.len(), N, "entries lost or repeated across pages");
    assert_eq!(unique, expected);
    let meta = listed
        .iter()
        .find(|m| m.name() == "f01234.txt")
        .expect("listed entry");
    assert_eq!(meta.path, format!("{dir}/f01234.txt"));
    assert_eq!(meta.size, 10);
    cleanup(s, &p).await;
}

pub async fn list_shows_files_and_directories(s: &dyn FileStore) {
    let p = fresh_prefix();
    put(s, &format!("{p}/top.txt"), b"top").await;
    put(s, &format!("{p}/sub/inner.txt"), b"inner").await;
    let listed = list_all(s, &p, 10).await;
    let mut seen: Vec<(String, EntryKind)> = listed
        .iter()
        .map(|m| (m.name().to_string(), m.kind))
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        seen,
        vec![
            ("sub".to_string(), EntryKind::Directory),
            ("top.txt".to_string(), EntryKind::File),
        ]
    );
    let top = listed.iter().find(|m| m.name() == "top.txt").expect("top");
    assert_eq!(top.path, format!("{p}/top.txt"));
    assert_eq!(top.size, 3);
    cleanup(s, &p).await;
}

pub async fn walk_finds_every_file(s: &dyn FileStore) {
    let p = fresh_prefix();
    let files = [
        "a.txt",
        "b/c.txt",
        "b/d/e.txt",
        "b/d/f.txt",
        "b/z.txt",
        "g/h/i/j.txt",
        "k.txt",
    ];
    for f in files {
        put(s, &format!("{p}/{f}"), f.as_bytes()).await;
    }
    let has_dirs = s.info().capability.directories;
    if has_dirs {
        assert!(s.mkdir(&format!("{p}/empty/deeper")).await.expect("mkdir"));
    }
    // A small page size so that pages end inside nested folders.
    let walked = walk_under(s, &p, 2).await;
    let file_paths: Vec<String> = walked
        .iter()
        .filter(|m| m.kind == EntryKind::File)
        .map(|m| m.path.clone())
        .collect();
    let unique: BTreeSet<&String> = file_paths.iter().collect();
    assert_eq!(unique.len(), file_paths.len(), "walk repeated a file");
    let expected: BTreeSet<String> = files.iter().map(|f| format!("{p}/{f}")).collect();
    assert_eq!(
        file_paths.iter().cloned().collect::<BTreeSet<_>>(),
        expected
    );
    let sized = walked
        .iter()
        .find(|m| m.path == format!("{p}/b/d/e.txt"))
        .expect("walked file");
    assert_eq!(sized.size, "b/d/e.txt".len() as u64);
    let dirs: Vec<&str> = walked
        .iter()
        .filter(|m| m.kind == EntryKind::Directory)
        .map(|m| m.path.as_str())
        .collect();
    if has_dirs {
        // Only empty directories are reported.
        assert_eq!(dirs, vec![format!("{p}/empty/deeper").as_str()]);
    } else {
        assert!(dirs.is_empty());
    }
    cleanup(s, &p).await;
}

/// A walk lists paths in byte order of the whole path (a folder `a` sorts as `a/`, after
/// `a.txt` and `a-b`), page after page: the order plans merge two walks by.
pub async fn walk_is_in_path_order(s: &dyn FileStore) {
    let p = fresh_prefix();
    let files = [
        "a/b.txt",
        "a.txt",
        "a-c/d.txt",
        "a b.txt",
        "ab",
        "a/c/d",
        "a/c.txt",
        "a0",
        "é.txt",
        "Z.txt",
        "a/c-d",
    ];
    for f in files {
        put(s, &format!("{p}/{f}"), b"x").await;
    }
    for limit in [1, 2, 3, 1000] {
        let walked: Vec<String> = walk_under(s, &p, limit)
            .await
            .into_iter()
            .map(|m| m.path)
            .collect();
        let mut sorted = walked.clone();
        sorted.sort();
        assert_eq!(walked, sorted, "walk order with pages of {limit}");
        assert_eq!(walked.len(), files.len(), "walk with pages of {limit}");
    }
    cleanup(s, &p).await;
}

pub async fn stat_reports_kind_and_size(s: &dyn FileStore) {
    let p = fresh_prefix();
    let path = format!("{p}/dir/file.txt");
    put(s, &path, b"twelve bytes").await;
    let meta = s.stat(&path).await.expect("stat").expect("file exists");
    assert_eq!(meta.kind, EntryKind::File);
    assert_eq!(meta.size, 12);
    assert_eq!(meta.path, path);
    assert_eq!(meta.name(), "file.txt");
    assert!(meta.modified.is_some(), "no modification time");
    assert_eq!(
        s.stat(&format!("{p}/dir/missing.txt")).await.expect("stat"),
        None
    );
    assert_eq!(
        s.stat(&format!("{p}/nowhere/x.txt")).await.expect("stat"),
        None
    );
    if s.info().capability.directories {
        let dir = s
            .stat(&format!("{p}/dir"))
            .await
            .expect("stat dir")
            .expect("dir exists");
        assert_eq!(dir.kind, EntryKind::Directory);
    }
    cleanup(s, &p).await;
}

pub async fn delete_removes_file(s: &dyn FileStore) {
    let p = fresh_prefix();
    let path = format!("{p}/gone.txt");
    put(s, &path, b"bye").await;
    put(s, &format!("{p}/kept.txt"), b"stay").await;
    assert!(s.delete(&path).await.expect("delete"));
    assert_eq!(s.stat(&path).await.expect("stat"), None);
    assert!(!s.delete(&path).await.expect("delete again"));
    assert_eq!(get(s, &format!("{p}/kept.txt")).await, b"stay");
    cleanup(s, &p).await;
}

pub async fn mkdir_creates_directory(s: &dyn FileStore) {
    if !s.info().capability.directories {
        return;
    }
    let p = fresh_prefix();
    let dir = format!("{p}/a/b/c");
    assert!(s.mkdir(&dir).await.expect("mkdir"));
    assert!(!s.mkdir(&dir).await.expect("mkdir again"));
    let meta = s.stat(&dir).await.expect("stat").expect("dir exists");
    assert_eq!(meta.kind, EntryKind::Directory);
    let listed = list_all(s, &format!("{p}/a/b"), 10).await;
    assert_eq!(names(&listed), vec!["c".to_string()]);
    assert!(list_all(s, &dir, 10).await.is_empty());
    cleanup(s, &p).await;
}

pub async fn unicode_and_space_names(s: &dyn FileStore) {
    let p = fresh_prefix();
    let names_in = [
        "héllo wörld.txt",
        "文件 名.md",
        "emoji 🦀.txt",
        "a  b (1).txt",
    ];
    for (i, n) in names_in.iter().enumerate() {
        put(
            s,
            &format!("{p}/dïr ü/{n}"),
            format!("content {i}").as_bytes(),
        )
        .await;
    }
    for (i, n) in names_in.iter().enumerate() {
        assert_eq!(
            get(s, &format!("{p}/dïr ü/{n}")).await,
            format!("content {i}").as_bytes()
        );
    }
    let listed: BTreeSet<String> = names(&list_all(s, &format!("{p}/dïr ü"), 2).await)
        .into_iter()
        .collect();
    assert_eq!(
        listed,
        names_in
            .iter()
            .map(|n| n.to_string())
            .collect::<BTreeSet<_>>()
    );
    cleanup(s, &p).await;
}

pub async fn overwrite_replaces_content(s: &dyn FileStore) {
    let p = fresh_prefix();
    let path = format!("{p}/same.txt");
    put(s, &path, &[b'x'; 5000]).await;
    let meta = put(s, &path, b"short").await;
    assert_eq!(meta.size, 5);
    assert_eq!(get(s, &path).await, b"short");
    assert_eq!(
        names(&list_all(s, &p, 10).await),
        vec!["same.txt".to_string()]
    );
    cleanup(s, &p).await;
}

pub async fn write_creates_parents(s: &dyn FileStore) {
    let p = fresh_prefix();
    let path = format!("{p}/x/y/z/deep.txt");
    put(s, &path, b"deep").await;
    assert_eq!(get(s, &path).await, b"deep");
    cleanup(s, &p).await;
}

pub async fn hash_is_sha256_of_content(s: &dyn FileStore) {
    let p = fresh_prefix();
    let path = format!("{p}/hashed.bin");
    let content: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    put(s, &path, &content).await;
    let expected = hex::encode(Sha256::digest(&content));
    assert_eq!(s.hash(&path).await.expect("hash"), expected);
    assert_eq!(
        s.hash(&path).await.expect("hash").len(),
        64,
        "not a hex sha-256"
    );
    cleanup(s, &p).await;
}

pub async fn read_range_returns_slice(s: &dyn FileStore) {
    if !s.info().capability.ranged_read {
        return;
    }
    let p = fresh_prefix();
    let path = format!("{p}/ranged.bin");
    let content: Vec<u8> = (0..1000u32).map(|i| (i % 256) as u8).collect();
    put(s, &path, &content).await;
    let r = |o: u64, l: u64| {
        let path = path.clone();
        async move { s.read_range(&path, o, l).await.expect("read_range") }
    };
    assert_eq!(r(0, 10).await.as_ref(), &content[..10]);
    assert_eq!(r(500, 3).await.as_ref(), &content[500..503]);
    assert_eq!(
        r(990, 100).await.as_ref(),
        &content[990..],
        "range past the end"
    );
    assert!(r(2000, 5).await.is_empty(), "range after the end");
    cleanup(s, &p).await;
}

pub async fn empty_file_round_trip(s: &dyn FileStore) {
    let p = fresh_prefix();
    let path = format!("{p}/empty.txt");
    let meta = put(s, &path, b"").await;
    assert_eq!(meta.size, 0);
    assert!(get(s, &path).await.is_empty());
    let st = s.stat(&path).await.expect("stat").expect("exists");
    assert_eq!((st.kind, st.size), (EntryKind::File, 0));
    cleanup(s, &p).await;
}

/// With an atomic rename, a reader that opened the old file reads it whole even when the file
/// is replaced meanwhile, and no temp file is left behind.
pub async fn replace_keeps_open_readers_whole(s: &dyn FileStore) {
    if !s.info().capability.atomic_rename {
        return;
    }
    const SIZE: usize = 1 << 20;
    let p = fresh_prefix();
    let path = format!("{p}/swap.bin");
    put(s, &path, &vec![b'A'; SIZE]).await;
    let mut old = s.read(&path).await.expect("open old");
    let first = old.next().await.expect("a first chunk").expect("read");
    assert!(first.len() < SIZE, "first chunk held the whole file");
    put(s, &path, &vec![b'B'; SIZE]).await;
    let mut rest = first.to_vec();
    while let Some(chunk) = old.next().await {
        rest.extend_from_slice(&chunk.expect("read old"));
    }
    assert_eq!(rest.len(), SIZE);
    assert!(rest.iter().all(|b| *b == b'A'), "old reader saw new bytes");
    assert!(get(s, &path).await.iter().all(|b| *b == b'B'));
    assert_eq!(
        names(&list_all(s, &p, 10).await),
        vec!["swap.bin".to_string()]
    );
    cleanup(s, &p).await;
}

/// Every path `walk_match` finds for `pattern`, by pages of `limit`.
pub async fn walk_matched(s: &dyn FileStore, pattern: &str, limit: usize) -> Vec<String> {
    let pattern = rillmount::store::key_pattern::KeyPattern::parse(pattern).unwrap();
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = s
            .walk_match(&pattern, cursor.as_deref(), limit)
            .await
            .unwrap();
        out.extend(page.entries.into_iter().map(|m| m.path));
        match page.next {
            Some(n) => cursor = Some(n),
            None => return out,
        }
    }
    panic!("walk_match of `{pattern}` never ended");
}

/// `walk_match` finds exactly the walked paths the pattern matches: a literal folder, `*`
/// across `/`, sets, escapes, unicode, nothing.
pub async fn walk_match_agrees_with_a_filtered_walk(s: &dyn FileStore) {
    let p = fresh_prefix();
    let files = [
        "docs/2024/a.md",
        "docs/2024/b.txt",
        "docs/2025/c.md",
        "docs/20245.md",
        "docs/x*y.md",
        "notes/ключ.md",
        "top.md",
    ];
    for f in files {
        put(s, &format!("{p}/{f}"), f.as_bytes()).await;
    }
    for (pattern, want) in [
        ("docs/2024/*", vec!["docs/2024/a.md", "docs/2024/b.txt"]),
        (
            "docs/2024*",
            vec!["docs/2024/a.md", "docs/2024/b.txt", "docs/20245.md"],
        ),
        (
            "*.md",
            vec![
                "docs/2024/a.md",
                "docs/2025/c.md",
                "docs/20245.md",
                "docs/x*y.md",
                "notes/ключ.md",
                "top.md",
            ],
        ),
        (
            "docs/202[45]/?.md",
            vec!["docs/2024/a.md", "docs/2025/c.md"],
        ),
        ("docs/x\\*y.md", vec!["docs/x*y.md"]),
        ("notes/ключ*", vec!["notes/ключ.md"]),
        ("nothing/*", vec![]),
    ] {
        let mut got = walk_matched(s, &format!("{p}/{pattern}"), 2).await;
        got.sort();
        let mut want: Vec<String> = want.iter().map(|w| format!("{p}/{w}")).collect();
        want.sort();
        assert_eq!(got, want, "pattern {pattern}");
    }
    cleanup(s, &p).await;
}
