//! The local folder through rill's fs functions ([`RillFs`]): rill v0.8.6 core fs and its
//! sandbox tests (spec/backends.md §5, §11 "core fs" and "core fs sandbox").

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use rillmount::config::{
    DEFAULT_MAX_FILE_SIZE, Encoding, FsBackendConfig, FsMountConfig, LocalFsConfig, Mode,
};
use rillmount::store::local_dir::LocalDirStore;
use rillmount::store::{Json, RillCallError, RillFs};

struct Mount {
    mode: Option<&'static str>,
    glob: Option<&'static str>,
    max: u64,
    encoding: Encoding,
}

impl Default for Mount {
    fn default() -> Self {
        Mount {
            mode: Some("read-write"),
            glob: None,
            max: DEFAULT_MAX_FILE_SIZE,
            encoding: Encoding::Utf8,
        }
    }
}

impl Mount {
    fn open(self, dir: &Path) -> LocalDirStore {
        let l = LocalFsConfig {
            path: dir.to_path_buf(),
            encoding: self.encoding,
        };
        let cfg = FsMountConfig {
            name: "docs".to_string(),
            mode: Mode(self.mode.map(str::to_string)),
            glob: self.glob.map(str::to_string),
            max_file_size: self.max,
            backend: FsBackendConfig::Local(l.clone()),
        };
        LocalDirStore::open(&cfg, &l).expect("open mount")
    }
}

/// A temp dir (kept alive), its realpath, and a read-write mount on it.
fn setup() -> (tempfile::TempDir, PathBuf, LocalDirStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::fs::canonicalize(dir.path()).expect("canonicalize");
    let s = Mount::default().open(&root);
    (dir, root, s)
}

fn s(v: &str) -> Json {
    Json::String(v.to_string())
}

fn coded(e: &RillCallError) -> (Option<&'static str>, &str) {
    (e.code, e.message.as_str())
}

fn field<'a>(v: &'a Json, key: &str) -> &'a Json {
    match v {
        Json::Object(o) => o.get(key).unwrap_or_else(|| panic!("no `{key}` in {v:?}")),
        _ => panic!("not a dict: {v:?}"),
    }
}

fn keys(v: &Json) -> Vec<String> {
    match v {
        Json::Object(o) => o.keys().cloned().collect(),
        _ => panic!("not a dict: {v:?}"),
    }
}

fn items(v: Json) -> Vec<Json> {
    match v {
        Json::Array(a) => a,
        _ => panic!("not a list: {v:?}"),
    }
}

/// `YYYY-MM-DDTHH:mm:ss.sssZ`.
fn is_iso(v: &Json) -> bool {
    let Json::String(t) = v else { return false };
    let b = t.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            23 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

// ---------------------------------------------------------------------------------------------
// sandbox (sandbox.test.ts)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn dotdot_inside_the_mount_resolves() {
    let (_d, root, m) = setup();
    std::fs::write(root.join("test.txt"), "hello").expect("write");
    assert_eq!(m.read("subdir/../test.txt").await, Ok(s("hello")));
    assert_eq!(m.read("./a/b/../../test.txt").await, Ok(s("hello")));
}

#[tokio::test]
async fn traversal_is_r018() {
    let (_d, _root, m) = setup();
    let e = m.write("../../etc/passwd", "x").await.expect_err("escape");
    assert_eq!(
        coded(&e),
        (Some("RILL-R018"), "path escapes mount boundary")
    );
    let e = m.list("..").await.expect_err("escape");
    assert_eq!(
        coded(&e),
        (Some("RILL-R018"), "path escapes mount boundary")
    );
    // read/stat hide the sandbox error behind R004; exists/remove say false.
    let e = m.read("../../etc/passwd").await.expect_err("escape");
    assert_eq!(
        coded(&e),
        (Some("RILL-R004"), "file not found: ../../etc/passwd")
    );
    let e = m.stat("../../etc/passwd").await.expect_err("escape");
    assert_eq!(
        coded(&e),
        (Some("RILL-R004"), "file not found: ../../etc/passwd")
    );
    assert_eq!(m.exists("../../etc/passwd").await, Ok(Json::Bool(false)));
    assert_eq!(m.remove("../../etc/passwd").await, Ok(Json::Bool(false)));
    // mkdir has its own check and code.
    let e = m.mkdir("../outside").await.expect_err("escape");
    assert_eq!(
        coded(&e),
        (Some("RILL-R004"), "path escapes mount boundary")
    );
}

#[tokio::test]
async fn leading_slash_maps_inside() {
    let (_d, root, m) = setup();
    assert_eq!(m.mkdir("/etc").await, Ok(Json::Bool(true)));
    assert_eq!(m.write("/etc/x.txt", "inside").await, Ok(s("6")));
    assert_eq!(
        std::fs::read_to_string(root.join("etc/x.txt")).expect("read"),
        "inside"
    );
    assert_eq!(m.read("etc/x.txt").await, Ok(s("inside")));
}

#[tokio::test]
async fn symlink_to_outside_is_r018() {
    let outer = tempfile::tempdir().expect("temp dir");
    let outer_real = std::fs::canonicalize(outer.path()).expect("canonicalize");
    let root = outer_real.join("root");
    std::fs::create_dir(&root).expect("mkdir");
    std::fs::write(outer_real.join("secret.txt"), "secret").expect("write");
    symlink(outer_real.join("secret.txt"), root.join("link.txt")).expect("symlink");
    let m = Mount::default().open(&root);

    let e = m.copy("link.txt", "copy.txt").await.expect_err("escape");
    assert_eq!(
        coded(&e),
        (Some("RILL-R018"), "path escapes mount boundary")
    );
    let e = m.read("link.txt").await.expect_err("escape");
    assert_eq!(coded(&e), (Some("RILL-R004"), "file not found: link.txt"));
    assert_eq!(m.exists("link.txt").await, Ok(Json::Bool(false)));
    assert!(!root.join("copy.txt").exists());
}

#[tokio::test]
async fn symlink_inside_resolves_to_the_target() {
    let (_d, root, m) = setup();
    std::fs::write(root.join("target.txt"), "target content").expect("write");
    symlink(root.join("target.txt"), root.join("link.txt")).expect("symlink");
    assert_eq!(m.read("link.txt").await, Ok(s("target content")));
    let st = m.stat("link.txt").await.expect("stat");
    assert_eq!(field(&st, "name"), &s("target.txt"));
    // remove through a symlink deletes the target (rill quirk).
    assert_eq!(m.remove("link.txt").await, Ok(Json::Bool(true)));
    assert!(!root.join("target.txt").exists());
    assert!(root.join("link.txt").symlink_metadata().is_ok());
}

#[tokio::test]
async fn missing_files_and_parents_are_r021() {
    let (_d, root, m) = setup();
    let e = m.write("nope/x.txt", "x").await.expect_err("no parent");
    assert_eq!(
        coded(&e),
        (
            Some("RILL-R021"),
            format!(
                "parent directory does not exist: {}",
                root.join("nope").display()
            )
            .as_str()
        )
    );
    let e = m.copy("missing.txt", "b.txt").await.expect_err("no source");
    assert_eq!(
        coded(&e),
        (
            Some("RILL-R021"),
            format!("file not found: {}", root.join("missing.txt").display()).as_str()
        )
    );
    let e = m
        .move_("missing.txt", "b.txt")
        .await
        .expect_err("no source");
    assert_eq!(e.code, Some("RILL-R021"));
    let e = m.list("no-such-dir").await.expect_err("no dir");
    assert_eq!(e.code, Some("RILL-R021"));
    let e = m.read("missing.txt").await.expect_err("missing");
    assert_eq!(
        coded(&e),
        (Some("RILL-R004"), "file not found: missing.txt")
    );
}

// ---------------------------------------------------------------------------------------------
// glob and modes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn glob_restricts_every_sandboxed_op() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = std::fs::canonicalize(dir.path()).expect("canonicalize");
    std::fs::write(root.join("a.txt"), "text").expect("write");
    std::fs::write(root.join("b.json"), "{}").expect("write");
    std::fs::create_dir(root.join("sub")).expect("mkdir");
    std::fs::write(root.join("sub/c.json"), "[]").expect("write");
    let m = Mount {
        glob: Some("*.txt"),
        ..Mount::default()
    }
    .open(&root);
    let r019 = (
        Some("RILL-R019"),
        "file type not permitted in mount \"docs\"",
    );

    assert_eq!(m.read("a.txt").await, Ok(s("text")));
    assert_eq!(m.write("new.txt", "ok").await, Ok(s("2")));
    assert_eq!(
        coded(&m.write("new.json", "x").await.expect_err("glob")),
        r019
    );
    assert!(!root.join("new.json").exists());
    assert_eq!(
        coded(&m.append("b.json", "x").await.expect_err("glob")),
        r019
    );
    // The directory's own name is tested, so the root of a glob mount cannot be listed.
    assert_eq!(coded(&m.list("").await.expect_err("glob")), r019);
    assert_eq!(coded(&m.list("sub").await.expect_err("glob")), r019);
    assert_eq!(m.exists("b.json").await, Ok(Json::Bool(false)));
    assert_eq!(m.exists("sub").await, Ok(Json::Bool(false)));
    assert_eq!(m.remove("b.json").await, Ok(Json::Bool(false)));
    assert!(root.join("b.json").exists());
    assert_eq!(
        coded(&m.read("b.json").await.expect_err("glob")),
        (Some("RILL-R004"), "file not found: b.json")
    );
    assert_eq!(
        coded(&m.copy("a.txt", "c.json").await.expect_err("glob")),
        r019
    );
    // find and mkdir ignore the mount glob.
    let found = items(m.find("*").await.expect("find"));
    assert_eq!(
        found,
        vec![s("a.txt"), s("b.json"), s("new.txt"), s("sub/c.json")]
    );
    assert_eq!(m.mkdir("made").await, Ok(Json::Bool(true)));
}

#[tokio::test]
async fn glob_with_alternatives() {
    let (_d, root, _) = setup();
    std::fs::write(root.join("x.yaml"), "a: 1").expect("write");
    std::fs::write(root.join("config.yml"), "a: 1").expect("write");
    let m = Mount {
        glob: Some("*.{json, yaml}"),
        ..Mount::default()
    }
    .open(&root);
    assert_eq!(m.exists("x.yaml").await, Ok(Json::Bool(true)));
    assert_eq!(m.exists("config.yml").await, Ok(Json::Bool(false)));
    assert_eq!(m.write("y.json", "{}").await, Ok(s("2")));
    // An empty glob is "no glob".
    let m = Mount {
        glob: Some(""),
        ..Mount::default()
    }
    .open(&root);
    assert_eq!(m.exists("config.yml").await, Ok(Json::Bool(true)));
    assert_eq!(field(&m.mount_entry(), "glob"), &s(""));
}

#[tokio::test]
async fn read_mode_blocks_writes() {
    let (_d, root, _) = setup();
    std::fs::write(root.join("f.txt"), "data").expect("write");
    let m = Mount {
        mode: Some("read"),
        ..Mount::default()
    }
    .open(&root);
    assert_eq!(m.read("f.txt").await, Ok(s("data")));
    let e = m.write("f.txt", "x").await.expect_err("read mode");
    assert_eq!(
        coded(&e),
        (Some("RILL-R020"), "mount \"docs\" does not permit write")
    );
    let e = m.append("f.txt", "x").await.expect_err("read mode");
    assert_eq!(e.code, Some("RILL-R020"));
    assert_eq!(m.remove("f.txt").await, Ok(Json::Bool(false)));
    assert!(root.join("f.txt").exists());
    let e = m.copy("f.txt", "g.txt").await.expect_err("read mode");
    assert_eq!(e.code, Some("RILL-R020"));
    // mkdir is not mode-checked.
    assert_eq!(m.mkdir("d").await, Ok(Json::Bool(true)));
    assert_eq!(
        std::fs::read_to_string(root.join("f.txt")).expect("read"),
        "data"
    );
}

#[tokio::test]
async fn write_mode_blocks_reads() {
    let (_d, root, _) = setup();
    std::fs::write(root.join("f.txt"), "data").expect("write");
    let m = Mount {
        mode: Some("write"),
        ..Mount::default()
    }
    .open(&root);
    assert_eq!(m.write("g.txt", "new").await, Ok(s("3")));
    let e = m.read("f.txt").await.expect_err("write mode");
    assert_eq!(coded(&e), (Some("RILL-R004"), "file not found: f.txt"));
    let e = m.list("").await.expect_err("write mode");
    assert_eq!(
        coded(&e),
        (Some("RILL-R020"), "mount \"docs\" does not permit read")
    );
    assert_eq!(m.exists("f.txt").await, Ok(Json::Bool(false)));
    // Existence is checked before the mode: a missing parent is reported as such.
    let e = m.write("missing/x.txt", "x").await.expect_err("no parent");
    assert_eq!(e.code, Some("RILL-R021"));
    // find has no mode check.
    assert_eq!(
        items(m.find("*.txt").await.expect("find")),
        vec![s("f.txt"), s("g.txt")]
    );
    assert_eq!(m.remove("g.txt").await, Ok(Json::Bool(true)));
}

#[tokio::test]
async fn unknown_or_missing_mode_allows_nothing() {
    let (_d, root, _) = setup();
    std::fs::write(root.join("f.txt"), "data").expect("write");
    for mode in [None, Some("read-only"), Some("rw")] {
        let m = Mount {
            mode,
            ..Mount::default()
        }
        .open(&root);
        assert_eq!(
            coded(&m.read("f.txt").await.expect_err("no mode")),
            (Some("RILL-R004"), "file not found: f.txt")
        );
        assert_eq!(
            m.write("f.txt", "x").await.expect_err("no mode").code,
            Some("RILL-R020")
        );
        assert_eq!(m.exists("f.txt").await, Ok(Json::Bool(false)));
        let entry = m.mount_entry();
        assert_eq!(
            field(&entry, "mode"),
            &mode.map_or(Json::Null, s),
            "mounts() shows the mode as configured"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// limits, encodings, return values (fs.test.ts)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn size_limits() {
    let (_d, root, _) = setup();
    let m = Mount {
        max: 10,
        ..Mount::default()
    }
    .open(&root);
    assert_eq!(m.write("ten.txt", "0123456789").await, Ok(s("10")));
    let e = m
        .write("big.txt", "0123456789a")
        .await
        .expect_err("too big");
    assert_eq!(
        coded(&e),
        (Some("RILL-R004"), "file exceeds size limit (11 > 10)")
    );
    assert!(!root.join("big.txt").exists());
    // UTF-8 bytes count, not characters: 4 × 3 bytes.
    let e = m.write("cjk.txt", "世界世界").await.expect_err("too big");
    assert_eq!(e.message, "file exceeds size limit (12 > 10)");

    assert_eq!(m.write("log.txt", "12345678").await, Ok(s("8")));
    let e = m.append("log.txt", "abc").await.expect_err("total too big");
    assert_eq!(e.message, "file exceeds size limit (11 > 10)");
    assert_eq!(m.append("log.txt", "ab").await, Ok(s("2")));
    let e = m
        .append("fresh.txt", "0123456789ab")
        .await
        .expect_err("too big");
    assert_eq!(e.message, "file exceeds size limit (12 > 10)");

    std::fs::write(root.join("huge.txt"), "x".repeat(11)).expect("write");
    let e = m.read("huge.txt").await.expect_err("too big");
    assert_eq!(
        coded(&e),
        (Some("RILL-R004"), "file exceeds size limit (11 > 10)")
    );
    let e = m.copy("huge.txt", "copy.txt").await.expect_err("too big");
    assert_eq!(e.message, "file exceeds size limit (11 > 10)");
    // move has no size check.
    assert_eq!(m.move_("huge.txt", "moved.txt").await, Ok(Json::Bool(true)));
}

#[tokio::test]
async fn write_and_append_return_byte_counts() {
    let (_d, root, m) = setup();
    assert_eq!(m.write("hello.txt", "Hello 世界").await, Ok(s("12")));
    assert_eq!(m.append("log.txt", "first\n").await, Ok(s("6")));
    assert_eq!(m.append("log.txt", "new entry").await, Ok(s("9")));
    assert_eq!(
        std::fs::read_to_string(root.join("log.txt")).expect("read"),
        "first\nnew entry"
    );
    assert_eq!(m.write("hello.txt", "replaced").await, Ok(s("8")));
    assert_eq!(m.read("hello.txt").await, Ok(s("replaced")));
    assert_eq!(m.read("log.txt").await, Ok(s("first\nnew entry")));
}

#[tokio::test]
async fn invalid_utf8_reads_as_replacement_characters() {
    let (_d, root, m) = setup();
    std::fs::write(root.join("bin.txt"), b"ok \xff\xfe end \xe2\x82").expect("write");
    assert_eq!(
        m.read("bin.txt").await,
        Ok(s("ok \u{fffd}\u{fffd} end \u{fffd}"))
    );
}

#[tokio::test]
async fn ascii_encoding_has_node_semantics() {
    let (_d, root, _) = setup();
    let m = Mount {
        encoding: Encoding::Ascii,
        ..Mount::default()
    }
    .open(&root);
    // One byte per UTF-16 unit, the low byte of each.
    assert_eq!(m.write("a.txt", "héllo世").await, Ok(s("6")));
    assert_eq!(
        std::fs::read(root.join("a.txt")).expect("read"),
        b"h\xe9llo\x16"
    );
    // Reading clears the high bit.
    assert_eq!(m.read("a.txt").await, Ok(s("hillo\u{16}")));
    // An emoji is two UTF-16 units.
    assert_eq!(m.append("a.txt", "🦀").await, Ok(s("2")));
}

// ---------------------------------------------------------------------------------------------
// list, find, exists, remove, stat, mkdir, copy, move, mounts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_returns_name_type_size_dicts() {
    let (_d, root, m) = setup();
    std::fs::write(root.join("b.txt"), "12345").expect("write");
    std::fs::write(root.join(".hidden"), "").expect("write");
    std::fs::create_dir(root.join("a-dir")).expect("mkdir");
    std::fs::write(root.join("a-dir/inner.txt"), "in").expect("write");
    symlink(root.join("a-dir"), root.join("c-link")).expect("symlink");

    let listed = items(m.list("").await.expect("list"));
    let names: Vec<&Json> = listed.iter().map(|e| field(e, "name")).collect();
    assert_eq!(
        names,
        vec![&s(".hidden"), &s("a-dir"), &s("b.txt"), &s("c-link")]
    );
    assert_eq!(keys(&listed[2]), vec!["name", "type", "size"]);
    assert_eq!(field(&listed[2], "type"), &s("file"));
    assert_eq!(field(&listed[2], "size"), &Json::Number(5.0));
    assert_eq!(field(&listed[1], "type"), &s("directory"));
    // A symlink, even to a directory, is a "file" (dirent type).
    assert_eq!(field(&listed[3], "type"), &s("file"));

    let inner = items(m.list("a-dir").await.expect("list sub"));
    assert_eq!(inner.len(), 1);
    assert_eq!(field(&inner[0], "name"), &s("inner.txt"));
    assert_eq!(field(&inner[0], "size"), &Json::Number(2.0));
}

#[tokio::test]
async fn list_with_a_broken_symlink_fails_raw() {
    let (_d, root, m) = setup();
    symlink(root.join("gone"), root.join("broken")).expect("symlink");
    let e = m.list("").await.expect_err("broken link");
    assert_eq!(e.code, None);
    assert!(
        e.message
            .starts_with("ENOENT: no such file or directory, stat"),
        "{e}"
    );
}

#[tokio::test]
async fn find_walks_depth_first_with_relative_paths() {
    let (_d, root, m) = setup();
    std::fs::create_dir_all(root.join("dir1/dir2")).expect("mkdir");
    std::fs::write(root.join("top.md"), "").expect("write");
    std::fs::write(root.join("dir1/mid.txt"), "").expect("write");
    std::fs::write(root.join("dir1/dir2/deep.txt"), "").expect("write");
    std::fs::write(root.join("dir1/dir2/deep.md"), "").expect("write");
    std::fs::create_dir(root.join("empty")).expect("mkdir");
    assert_eq!(
        items(m.find("*").await.expect("find")),
        vec![
            s("dir1/dir2/deep.md"),
            s("dir1/dir2/deep.txt"),
            s("dir1/mid.txt"),
            s("top.md")
        ]
    );
    assert_eq!(
        items(m.find("**/*.md").await.expect("find")),
        vec![s("dir1/dir2/deep.md"), s("top.md")]
    );
    assert_eq!(
        items(m.find("*.txt").await.expect("find")),
        vec![s("dir1/dir2/deep.txt"), s("dir1/mid.txt")]
    );
    assert!(items(m.find("deep*").await.expect("find")).is_empty());
    assert!(items(m.find("").await.expect("find")).is_empty());
}

#[tokio::test]
async fn exists_remove_and_directories() {
    let (_d, root, m) = setup();
    std::fs::create_dir(root.join("d")).expect("mkdir");
    std::fs::write(root.join("f.txt"), "x").expect("write");
    assert_eq!(m.exists("d").await, Ok(Json::Bool(true)));
    assert_eq!(m.exists("f.txt").await, Ok(Json::Bool(true)));
    assert_eq!(m.exists("nope.txt").await, Ok(Json::Bool(false)));
    assert_eq!(m.exists("").await, Ok(Json::Bool(true)));
    assert_eq!(m.remove("nope.txt").await, Ok(Json::Bool(false)));
    assert_eq!(m.remove("f.txt").await, Ok(Json::Bool(true)));
    assert!(!root.join("f.txt").exists());
    let e = m.remove("d").await.expect_err("directory");
    assert_eq!(e.code, None);
    assert!(e.message.contains("EISDIR"), "{e}");
    assert!(root.join("d").is_dir());
}

#[tokio::test]
async fn stat_has_iso_timestamps() {
    let (_d, root, m) = setup();
    std::fs::write(root.join("f.txt"), "hello").expect("write");
    std::fs::create_dir(root.join("d")).expect("mkdir");
    let st = m.stat("f.txt").await.expect("stat");
    assert_eq!(
        keys(&st),
        vec!["name", "type", "size", "created", "modified"]
    );
    assert_eq!(field(&st, "name"), &s("f.txt"));
    assert_eq!(field(&st, "type"), &s("file"));
    assert_eq!(field(&st, "size"), &Json::Number(5.0));
    assert!(is_iso(field(&st, "created")), "{st:?}");
    assert!(is_iso(field(&st, "modified")), "{st:?}");
    let Json::String(modified) = field(&st, "modified") else {
        panic!("modified is not a string")
    };
    let mtime = std::fs::metadata(root.join("f.txt"))
        .expect("metadata")
        .modified()
        .expect("mtime");
    assert_eq!(modified, &rillmount::store::js_date::iso8601(mtime));
    let year: i32 = modified[..4].parse().expect("year");
    assert!(year >= 2024, "{modified}");

    let dir = m.stat("d").await.expect("stat dir");
    assert_eq!(field(&dir, "type"), &s("directory"));
    let e = m.stat("missing.txt").await.expect_err("missing");
    assert_eq!(
        coded(&e),
        (Some("RILL-R004"), "file not found: missing.txt")
    );
}

#[tokio::test]
async fn mkdir_quirks() {
    let (_d, root, m) = setup();
    assert_eq!(m.mkdir("a/b/c").await, Ok(Json::Bool(true)));
    assert!(root.join("a/b/c").is_dir());
    assert_eq!(m.mkdir("a/b/c").await, Ok(Json::Bool(false)));
    assert_eq!(m.mkdir("a").await, Ok(Json::Bool(false)));
    std::fs::write(root.join("file.txt"), "x").expect("write");
    // An existing file: EEXIST → false.
    assert_eq!(m.mkdir("file.txt").await, Ok(Json::Bool(false)));
    // A file in the parent chain: raw ENOTDIR.
    let e = m.mkdir("file.txt/sub").await.expect_err("enotdir");
    assert_eq!(e.code, None);
    assert!(e.message.starts_with("ENOTDIR"), "{e}");
}

#[tokio::test]
async fn copy_and_move() {
    let (_d, root, m) = setup();
    std::fs::write(root.join("src.txt"), "payload").expect("write");
    std::fs::write(root.join("dest.txt"), "old").expect("write");
    assert_eq!(m.copy("src.txt", "dest.txt").await, Ok(Json::Bool(true)));
    assert_eq!(
        std::fs::read_to_string(root.join("dest.txt")).expect("read"),
        "payload"
    );
    assert!(root.join("src.txt").exists());
    std::fs::create_dir(root.join("d")).expect("mkdir");
    assert_eq!(
        m.move_("src.txt", "d/moved.txt").await,
        Ok(Json::Bool(true))
    );
    assert!(!root.join("src.txt").exists());
    assert_eq!(m.read("d/moved.txt").await, Ok(s("payload")));
    // move works for directories too.
    assert_eq!(m.move_("d", "e").await, Ok(Json::Bool(true)));
    assert!(root.join("e/moved.txt").exists());
}

#[tokio::test]
async fn mount_entry_shape() {
    let (_d, _root, m) = setup();
    let entry = m.mount_entry();
    assert_eq!(keys(&entry), vec!["name", "mode", "glob"]);
    assert_eq!(field(&entry, "name"), &s("docs"));
    assert_eq!(field(&entry, "mode"), &s("read-write"));
    assert_eq!(field(&entry, "glob"), &s(""));
}

#[tokio::test]
async fn open_fs_opens_local_mounts() {
    let (_d, root, _) = setup();
    let l = LocalFsConfig {
        path: root.clone(),
        encoding: Encoding::Utf8,
    };
    let cfg = FsMountConfig {
        name: "docs".to_string(),
        mode: Mode::new("read-write"),
        glob: Some("*.txt".to_string()),
        max_file_size: 100,
        backend: FsBackendConfig::Local(l),
    };
    let store = rillmount::store::open::open_fs(&cfg)
        .await
        .expect("open_fs");
    assert_eq!(
        RillFs::write(store.as_ref(), "via-open.txt", "abc").await,
        Ok(s("3"))
    );
    assert_eq!(field(&store.mount_entry(), "glob"), &s("*.txt"));
    assert_eq!(
        rillmount::store::FileStore::info(store.as_ref()).location,
        root.display().to_string()
    );
}
