//! Local-folder specifics of the raw [`FileStore`] side: the root is a sandbox for migrations
//! (no escape through `..`, absolute paths or symlinks), symlink reporting, open errors.

use std::os::unix::fs::symlink;
use std::path::Path;

use rillmount::config::{Encoding, FsBackendConfig, LocalFsConfig};
use rillmount::store::local_dir::{LocalDirStore, rill_open_error};
use rillmount::store::{EntryKind, ErrorKind, FileStore};

use super::{body, get, list_all, put, walk_under};
use crate::support::stores::{fs_mount_config, local_at};

fn write_file(p: &Path, content: &[u8]) {
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("create parent");
    }
    std::fs::write(p, content).expect("write fixture");
}

#[tokio::test]
async fn open_missing_root_names_the_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("not-here");
    let l = LocalFsConfig {
        path: missing.clone(),
        encoding: Encoding::Utf8,
    };
    let cfg = fs_mount_config("docs", FsBackendConfig::Local(l.clone()));
    let err = LocalDirStore::open(&cfg, &l).expect_err("missing root must fail");
    assert_eq!(err.kind, ErrorKind::NotFound);
    let text = format!("mount path does not exist: {}", missing.display());
    assert_eq!(err.message, text);
    assert!(err.to_string().contains(&text), "{err}");
    let rill = rill_open_error(&err);
    assert_eq!(rill.code, Some("RILL-R017"));
    assert_eq!(rill.message, text);
}

#[tokio::test]
async fn open_takes_the_realpath_of_the_root() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("real")).expect("mkdir");
    symlink(dir.path().join("real"), dir.path().join("alias")).expect("symlink");
    let s = local_at(&dir.path().join("alias"));
    let real = std::fs::canonicalize(dir.path().join("real")).expect("canonicalize");
    assert_eq!(s.root(), real.as_path());
    assert_eq!(s.info().location, real.display().to_string());
}

#[tokio::test]
async fn paths_escaping_the_root_are_refused() {
    let outer = tempfile::tempdir().expect("temp dir");
    let root = outer.path().join("root");
    std::fs::create_dir(&root).expect("mkdir root");
    write_file(&outer.path().join("secret.txt"), b"secret");
    let s = local_at(&root);

    for bad in ["../secret.txt", "a/../../secret.txt", "/etc/passwd"] {
        let e = s
            .write(bad, body(vec![b"x".to_vec()]), Some(1))
            .await
            .expect_err(bad);
        assert_eq!(e.kind, ErrorKind::Refused, "{bad}: {e}");
        let e = s.read(bad).await.err().expect(bad);
        assert_eq!(e.kind, ErrorKind::Refused, "{bad}: {e}");
        assert_eq!(s.stat(bad).await.expect_err(bad).kind, ErrorKind::Refused);
        assert_eq!(s.delete(bad).await.expect_err(bad).kind, ErrorKind::Refused);
        assert_eq!(s.mkdir(bad).await.expect_err(bad).kind, ErrorKind::Refused);
    }
    assert_eq!(
        std::fs::read(outer.path().join("secret.txt")).expect("read"),
        b"secret"
    );
    // `..` that stays inside is fine.
    put(&s, "a/../inside.txt", b"ok").await;
    assert_eq!(std::fs::read(root.join("inside.txt")).expect("read"), b"ok");
}

#[tokio::test]
async fn symlinks_leading_outside_are_never_followed() {
    let outer = tempfile::tempdir().expect("temp dir");
    let root = outer.path().join("root");
    let away = outer.path().join("away");
    std::fs::create_dir(&root).expect("mkdir root");
    write_file(&away.join("secret.txt"), b"secret");
    symlink(away.join("secret.txt"), root.join("file-link")).expect("symlink");
    symlink(&away, root.join("dir-link")).expect("symlink");
    write_file(&root.join("real.txt"), b"real");
    symlink(root.join("real.txt"), root.join("inside-link")).expect("symlink");
    let s = local_at(&root);

    // Listing and walking report outside links as symlinks; an inside file link is a file.
    let listed = list_all(&s, "", 10).await;
    let kind = |n: &str| listed.iter().find(|m| m.name() == n).map(|m| m.kind);
    assert_eq!(kind("file-link"), Some(EntryKind::Symlink));
    assert_eq!(kind("dir-link"), Some(EntryKind::Symlink));
    assert_eq!(kind("inside-link"), Some(EntryKind::File));
    assert_eq!(kind("real.txt"), Some(EntryKind::File));
    let mut page = s.walk(None, 100).await.expect("walk");
    assert_eq!(page.next, None);
    page.entries.sort_by(|a, b| a.path.cmp(&b.path));
    let walked: Vec<(&str, EntryKind)> = page
        .entries
        .iter()
        .map(|m| (m.path.as_str(), m.kind))
        .collect();
    assert_eq!(
        walked,
        vec![
            ("dir-link", EntryKind::Symlink),
            ("file-link", EntryKind::Symlink),
            ("inside-link", EntryKind::File),
            ("real.txt", EntryKind::File),
        ]
    );

    // Reading, writing and creating through them is refused.
    assert_eq!(
        s.read("file-link").await.err().expect("refused").kind,
        ErrorKind::Refused
    );
    assert_eq!(
        s.read("dir-link/secret.txt")
            .await
            .err()
            .expect("refused")
            .kind,
        ErrorKind::Refused
    );
    let e = s
        .write("dir-link/new.txt", body(vec![b"x".to_vec()]), Some(1))
        .await
        .expect_err("write through dir link");
    assert_eq!(e.kind, ErrorKind::Refused);
    let e = s
        .write("file-link", body(vec![b"x".to_vec()]), Some(1))
        .await
        .expect_err("write onto outside link");
    assert_eq!(e.kind, ErrorKind::Refused);
    assert_eq!(
        s.mkdir("dir-link/sub").await.expect_err("mkdir").kind,
        ErrorKind::Refused
    );
    assert!(!away.join("new.txt").exists() && !away.join("sub").exists());
    assert_eq!(
        std::fs::read(away.join("secret.txt")).expect("read"),
        b"secret"
    );

    // The inside link reads its target; deleting a link removes the link only.
    assert_eq!(get(&s, "inside-link").await, b"real");
    assert!(s.delete("file-link").await.expect("delete link"));
    assert!(away.join("secret.txt").exists());
}

#[tokio::test]
async fn write_never_leaves_temp_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let s = local_at(dir.path());
    put(&s, "d/f.txt", b"one").await;
    // A failing body: the half-written temp file must vanish and the old file stay.
    let failing = Box::pin(futures::stream::iter(vec![
        Ok(bytes::Bytes::from_static(b"partial")),
        Err(rillmount::store::StoreError::new(
            ErrorKind::Connection,
            "source",
            "connection reset",
        )),
    ]));
    let e = s
        .write("d/f.txt", failing, None)
        .await
        .expect_err("failing body");
    assert_eq!(e.kind, ErrorKind::Connection);
    assert_eq!(get(&s, "d/f.txt").await, b"one");
    let left: Vec<String> = std::fs::read_dir(dir.path().join("d"))
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["f.txt".to_string()]);
}

#[tokio::test]
async fn walk_resumes_after_removed_cursor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let s = local_at(dir.path());
    for f in ["p/a.txt", "p/b/c.txt", "p/b/d.txt", "p/e.txt"] {
        put(&s, f, b"x").await;
    }
    let first = s.walk(None, 2).await.expect("walk");
    assert_eq!(
        first
            .entries
            .iter()
            .map(|m| m.path.as_str())
            .collect::<Vec<_>>(),
        vec!["p/a.txt", "p/b/c.txt"]
    );
    // The cursor's own file disappears between pages: the walk goes on after it.
    assert!(s.delete("p/b/c.txt").await.expect("delete"));
    let rest = s.walk(first.next.as_deref(), 10).await.expect("walk");
    assert_eq!(
        rest.entries
            .iter()
            .map(|m| m.path.as_str())
            .collect::<Vec<_>>(),
        vec!["p/b/d.txt", "p/e.txt"]
    );
    assert_eq!(rest.next, None);
    assert_eq!(walk_under(&s, "p", 1).await.len(), 3);
}

#[tokio::test]
async fn delete_of_a_directory_needs_it_empty() {
    let dir = tempfile::tempdir().expect("temp dir");
    let s = local_at(dir.path());
    put(&s, "full/x.txt", b"x").await;
    assert!(s.mkdir("hollow").await.expect("mkdir"));
    assert!(s.delete("hollow").await.expect("delete empty dir"));
    assert!(!dir.path().join("hollow").exists());
    assert!(s.delete("full").await.is_err(), "non-empty dir deleted");
    assert!(dir.path().join("full/x.txt").exists());
}
