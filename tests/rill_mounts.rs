//! rill scripts against real mounts through `rill::mounts::session::run_script`: every kv backend
//! (JSON file, SQLite, a real redis-server) and fs backend (local folder, s3s-fs S3 server).
//!
//! - the same script gives the same results on each kv backend where rill's packages agree,
//!   and the documented differences (spec/backends.md §7.1, §7.2) where they do not;
//! - dry runs leave every store byte-identical and report the changes;
//! - argument type errors carry the reference's RILL-R001 texts and positions;
//! - profile guards (readOnly, protect), cancel, timeout, step limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use rillmount::config::{
    DEFAULT_MAX_ENTRIES, DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_STORE_SIZE, DEFAULT_MAX_VALUE_SIZE,
    Encoding, FsBackendConfig, FsMountConfig, JsonKvConfig, KvBackendConfig, KvMountConfig,
    LocalFsConfig, Mode, Profile, SchemaEntry, SqliteKvConfig, WritePolicy,
};
use rillmount::rill::mounts::session::{RunOptions, RunReport, ScriptMounts, run_script};
use rillmount::store::Json;
use support::redis::{RedisServer, redis_mount_config};
use support::s3::{S3sServer, s3_mount_config};

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// The kv backends under test, each with what keeps it alive and where its bytes live.
struct KvEnv {
    kind: &'static str,
    dir: tempfile::TempDir,
    redis: Option<RedisServer>,
}

impl KvEnv {
    fn new(kind: &'static str) -> KvEnv {
        KvEnv {
            kind,
            dir: tempfile::tempdir().unwrap(),
            redis: (kind == "redis").then(RedisServer::start),
        }
    }

    fn backend(&self, name: &str) -> KvBackendConfig {
        match self.kind {
            "json" => KvBackendConfig::Json(JsonKvConfig {
                store: self.dir.path().join(format!("{name}.json")),
                max_store_size: DEFAULT_MAX_STORE_SIZE,
                write_policy: WritePolicy::Dispose,
            }),
            "sqlite" => KvBackendConfig::Sqlite(SqliteKvConfig {
                database: self.dir.path().join("kv.db"),
                table: format!("t_{name}"),
            }),
            _ => {
                let server = self.redis.as_ref().unwrap();
                redis_mount_config(&server.url(), &format!("{name}:"), None)
                    .0
                    .backend
            }
        }
    }

    fn mount(&self, name: &str, schema: Option<&[(&str, &str, Json)]>) -> KvMountConfig {
        KvMountConfig {
            name: name.to_string(),
            mode: Mode::new("read-write"),
            schema: schema.map(|s| {
                s.iter()
                    .map(|(k, t, d)| {
                        (
                            k.to_string(),
                            SchemaEntry {
                                kind: t.to_string(),
                                default: d.clone(),
                                description: None,
                            },
                        )
                    })
                    .collect()
            }),
            max_entries: DEFAULT_MAX_ENTRIES,
            max_value_size: DEFAULT_MAX_VALUE_SIZE,
            backend: self.backend(name),
        }
    }

    /// Every stored byte: the temp dir's files, and the Redis keyspace.
    fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = dir_snapshot(self.dir.path());
        if let Some(r) = &self.redis {
            let keys = String::from_utf8(r.cli(&["--scan"])).unwrap();
            for k in keys.lines().filter(|k| !k.is_empty()) {
                out.insert(format!("redis:{k}"), r.cli(&["GET", k]));
            }
        }
        out
    }
}

const KV_KINDS: [&str; 3] = ["json", "sqlite", "redis"];

/// Readable form of a snapshot for assertion messages: name, size, FNV hash.
fn summary(s: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    s.iter()
        .map(|(k, v)| {
            let h = v.iter().fold(0xcbf29ce484222325u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
            });
            format!("{k} {} {h:016x}", v.len())
        })
        .collect()
}

fn dir_snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            if p.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                stack.push(p);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

fn profile(name: &str, kv: Vec<KvMountConfig>, fs: Vec<FsMountConfig>) -> Profile {
    Profile {
        name: name.to_string(),
        path: PathBuf::from(format!("/tmp/{name}.toml")),
        description: String::new(),
        read_only: false,
        protect: false,
        kv: kv.into_iter().map(|m| (m.name.clone(), m)).collect(),
        fs: fs.into_iter().map(|m| (m.name.clone(), m)).collect(),
        warnings: vec![],
        broken: vec![],
        rill: Default::default(),
    }
}

fn local_fs(name: &str, root: &Path, mode: &str) -> FsMountConfig {
    FsMountConfig {
        name: name.to_string(),
        mode: Mode::new(mode),
        glob: None,
        max_file_size: DEFAULT_MAX_FILE_SIZE,
        backend: FsBackendConfig::Local(LocalFsConfig {
            path: root.to_path_buf(),
            encoding: Encoding::Utf8,
        }),
    }
}

/// The options of a v0.8.6 run (most scripts here are written in it).
fn v08() -> RunOptions {
    RunOptions {
        dialect: rillmount::rill::dialect::Dialect::V0_8,
        ..RunOptions::default()
    }
}

/// Runs as `eval -p` does: mounts open on the script's first call to them.
async fn run(p: &Profile, src: &str, opts: &RunOptions) -> RunReport {
    let mounts = if opts.dry_run {
        ScriptMounts::lazy_read_only(p)
    } else {
        ScriptMounts::lazy(p)
    };
    run_script(&mounts, src, opts).await
}

async fn run_ok(p: &Profile, src: &str) -> RunReport {
    let r = run(p, src, &v08()).await;
    assert!(r.error.is_none(), "script failed: {:?}\n{src}", r.error);
    r
}

/// `(code, message)` of a failed run.
async fn run_err(p: &Profile, src: &str) -> (String, String) {
    let r = run(p, src, &v08()).await;
    let e = r
        .error
        .unwrap_or_else(|| panic!("expected an error, got {:?}", r.value));
    (e.code, e.message)
}

// ---------------------------------------------------------------------------------------------
// kv: same results where the backends agree
// ---------------------------------------------------------------------------------------------

const KV_SCRIPT: &str = r#"
kv::set("app", "name", "Ada") -> log
kv::get("app", "name") -> log
kv::get("app", "missing") -> log
kv::get_or("app", "missing", [d: 1]) -> log
kv::get_or("app", "name", [d: 1]) -> log
kv::merge("app", "cfg", [a: 1]) -> log
kv::merge("app", "cfg", [b: "x"]) -> log
kv::get("app", "cfg") -> log
kv::has("app", "name") -> log
kv::has("app", "nope") -> log
kv::delete("app", "name") -> log
kv::delete("app", "name") -> log
kv::keys("app") -> log
kv::getAll("app") -> log
kv::schema("app") -> log
kv::clear("app") -> log
kv::keys("app") -> .len
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_script_gives_the_same_results_on_every_backend() {
    let mut results = Vec::new();
    for kind in KV_KINDS {
        let env = KvEnv::new(kind);
        let p = profile("p", vec![env.mount("app", None)], vec![]);
        let r = run_ok(&p, KV_SCRIPT).await;
        results.push((kind, r.logs, r.value));
    }
    let expected_logs = [
        "true",
        "Ada",
        "",
        "{\"d\":1}",
        "Ada",
        "true",
        "true",
        "{\"a\":1,\"b\":\"x\"}",
        "true",
        "false",
        "true",
        "false",
        "[\"cfg\"]",
        "{\"cfg\":{\"a\":1,\"b\":\"x\"}}",
        "[]",
        "true",
    ];
    for (kind, logs, value) in &results {
        let logs: Vec<&str> = logs.iter().map(String::as_str).collect();
        assert_eq!(logs, expected_logs, "{kind}");
        assert_eq!(value.as_deref(), Some("0"), "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_declared_mode_shows_the_documented_differences() {
    let schema = [
        ("count", "number", Json::Number(0.0)),
        ("title", "string", Json::str("t")),
    ];
    let script = r#"
kv::has("app", "count") -> log
kv::keys("app") -> log
kv::delete("app", "count")
kv::get("app", "count") -> log
kv::get_or("app", "title", "fb")
"#;
    for kind in KV_KINDS {
        let env = KvEnv::new(kind);
        let p = profile("p", vec![env.mount("app", Some(&schema))], vec![]);
        let r = run(&p, script, &v08()).await;
        let core = kind == "json";
        // has of a never-written declared key; keys; get after delete (§7.1).
        let expected: Vec<&str> = if core {
            vec!["true", "[\"count\",\"title\"]", ""]
        } else {
            vec!["false", "[]", "0"]
        };
        assert_eq!(r.logs, expected, "{kind}");
        // get_or.fallback is `any` in core kv v0.8.6, `dict` in kv-sqlite/kv-redis (§1.5).
        if core {
            assert_eq!(r.value.as_deref(), Some("t"), "{kind}");
        } else {
            let e = r.error.expect("fallback type error");
            assert_eq!(e.code, "RILL-R001");
            assert_eq!(
                e.message,
                "Type mismatch in kv::get_or: parameter 'fallback' expects dict, got string"
            );
            assert_eq!((e.line, e.col), (6, 1), "{kind}");
        }
        // merge of an undeclared key: core refuses, sqlite/redis accept.
        let merged = run(&p, r#"kv::merge("app", "extra", [a: 1])"#, &v08()).await;
        match (core, merged.error) {
            (true, Some(e)) => {
                assert_eq!(e.code, "RILL-R004");
                assert_eq!(e.message, "key \"extra\" not declared in schema");
            }
            (false, None) => {}
            (_, other) => panic!("{kind}: merge of undeclared key gave {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_errors_are_worded_per_backend() {
    for kind in KV_KINDS {
        let env = KvEnv::new(kind);
        let p = profile(
            "p",
            vec![env.mount("app", None), env.mount("b", None)],
            vec![],
        );
        let (code, msg) = run_err(&p, r#"kv::get("nope", "k")"#).await;
        if kind == "json" {
            assert_eq!(
                (code.as_str(), msg.as_str()),
                ("RILL-R004", "Mount 'nope' not found")
            );
        } else {
            assert_eq!(code, "", "{kind}");
            assert_eq!(
                msg, "Mount 'nope' not found. Available mounts: app, b",
                "{kind}"
            );
        }
        // Reads through the dict merge path: a non-dict current value.
        let (code, msg) = run_err(
            &p,
            "kv::set(\"app\", \"s\", \"x\")\nkv::merge(\"app\", \"s\", [a: 1])",
        )
        .await;
        assert_eq!(
            msg, "Cannot merge into non-dict value at key \"s\"",
            "{kind}"
        );
        assert_eq!(
            code,
            if kind == "json" { "RILL-R004" } else { "" },
            "{kind}"
        );
        // mounts(): core fields plus the backend's own.
        let r = run_ok(&p, "kv::mounts() -> $[0] -> .keys").await;
        let extra = match kind {
            "json" => "",
            "sqlite" => ",\"database\",\"table\"",
            _ => ",\"prefix\",\"ttl\"",
        };
        assert_eq!(
            r.value.unwrap(),
            format!("[\"name\",\"mode\",\"schema\",\"maxEntries\",\"maxValueSize\"{extra}]"),
            "{kind}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn argument_type_errors_match_the_reference_with_positions() {
    let env = KvEnv::new("sqlite");
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        "p",
        vec![env.mount("app", None)],
        vec![local_fs("files", dir.path(), "read-write")],
    );
    let cases: [(&str, &str, (usize, usize)); 6] = [
        (
            "1\n  kv::set(\"app\", \"k\", 5)",
            "Type mismatch in kv::set: parameter 'value' expects string, got number",
            (2, 3),
        ),
        (
            "kv::merge(\"app\", \"k\", \"x\")",
            "Type mismatch in kv::merge: parameter 'partial' expects dict, got string",
            (1, 1),
        ),
        (
            "kv::get(\"app\")",
            "Missing required argument 'key' for function 'kv::get'",
            (1, 1),
        ),
        (
            "kv::keys(\"app\", 1)",
            "Function 'kv::keys' expects 1 arguments, got 2",
            (1, 1),
        ),
        (
            "fs::write(\"files\", \"a.txt\", [1])",
            "Type mismatch in fs::write: parameter 'content' expects string, got list",
            (1, 1),
        ),
        (
            "\"x\" => $a\nfs::list(1)",
            "Type mismatch in fs::list: parameter 'mount' expects string, got number",
            (2, 1),
        ),
    ];
    for (src, msg, pos) in cases {
        let r = run(&p, src, &v08()).await;
        let e = r.error.unwrap_or_else(|| panic!("no error for {src}"));
        assert_eq!(e.code, "RILL-R001", "{src}");
        assert_eq!(e.message, msg, "{src}");
        assert_eq!((e.line, e.col), pos, "{src}");
        let line = src.lines().nth(pos.0 - 1).unwrap();
        assert_eq!(e.source_line, line);
        assert!(e.render().contains(&format!("--> {}:{}", pos.0, pos.1)));
    }
}

// ---------------------------------------------------------------------------------------------
// JSON writePolicy dispose, dry runs
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_mount_is_flushed_when_the_run_ends() {
    let env = KvEnv::new("json");
    let p = profile("p", vec![env.mount("app", None)], vec![]);
    let file = env.dir.path().join("app.json");
    assert!(!file.exists());
    run_ok(&p, r#"kv::set("app", "k", "v")"#).await;
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{\n  \"k\": \"v\"\n}"
    );
    // A real run reports what it wrote.
    let r = run_ok(&p, r#"kv::set("app", "k", "w")"#).await;
    assert_eq!(r.changes.len(), 1);
    assert_eq!(r.changes[0].before.as_deref(), Some("\"v\""));
    assert_eq!(r.changes[0].after.as_deref(), Some("\"w\""));
}

/// Logs reach the caller's sink while the script runs: here before the end-of-run flush of the
/// JSON mount, so the sink sees the file not yet written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_stream_to_the_sink_during_the_run() {
    use rillmount::rill::eval::LogSink;
    use std::sync::{Arc, Mutex};
    let env = KvEnv::new("json");
    let p = profile("p", vec![env.mount("app", None)], vec![]);
    let file = env.dir.path().join("app.json");
    let seen: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let sink = {
        let (seen, file) = (seen.clone(), file.clone());
        LogSink(Arc::new(move |l: &str| {
            seen.lock().unwrap().push((l.to_string(), file.exists()));
        }))
    };
    let opts = RunOptions {
        on_log: Some(sink),
        ..v08()
    };
    let r = run(
        &p,
        "kv::set(\"app\", \"k\", \"v\")\nlog(\"after set\")\n[1, 2] -> each { log($) }",
        &opts,
    )
    .await;
    assert!(r.error.is_none(), "{:?}", r.error);
    assert!(file.exists(), "the mount was not flushed at the end");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            ("after set".to_string(), false),
            ("1".to_string(), false),
            ("2".to_string(), false)
        ]
    );
    assert_eq!(r.logs, vec!["after set", "1", "2"]);
}

const WRITE_SCRIPT: &str = r#"
kv::set("app", "a", "new")
kv::merge("app", "cfg", [x: 1])
kv::delete("app", "old")
kv::get("app", "a") -> log
kv::keys("app") -> .len
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_dry_run_leaves_every_backend_byte_identical() {
    for kind in KV_KINDS {
        let env = KvEnv::new(kind);
        let p = profile("p", vec![env.mount("app", None)], vec![]);
        run_ok(
            &p,
            r#"kv::set("app", "old", "1") -> kv::set("app", "a", "before")"#,
        )
        .await;
        let before = env.snapshot();
        assert!(!before.is_empty(), "{kind}: nothing stored");
        let opts = RunOptions {
            dry_run: true,
            ..v08()
        };
        let r = run(&p, WRITE_SCRIPT, &opts).await;
        assert!(r.error.is_none(), "{kind}: {:?}", r.error);
        assert_eq!(r.logs, ["new"], "{kind}: reads see pending writes");
        assert_eq!(r.value.as_deref(), Some("2"), "{kind}");
        // A read-only open of a WAL database leaves SQLite's sidecar files (an empty -wal and
        // the -shm index); the database file itself must not change.
        let mut after = env.snapshot();
        if kind == "sqlite" {
            assert_eq!(after.remove("kv.db-wal").map(|w| w.len()).unwrap_or(0), 0);
            after.remove("kv.db-shm");
        }
        assert_eq!(
            summary(&after),
            summary(&before),
            "{kind}: dry run changed the store"
        );
        let diff: Vec<String> = r.changes.iter().map(|c| c.diff_line()).collect();
        assert_eq!(
            diff,
            [
                "~ kv app/a: \"before\" → \"new\"",
                "+ kv app/cfg: (none) → {\"x\":1}",
                "- kv app/old: \"1\" → (none)",
            ],
            "{kind}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_dry_run_clear_keeps_schema_defaults() {
    let env = KvEnv::new("json");
    let schema = [("n", "number", Json::Number(3.0))];
    let p = profile("p", vec![env.mount("app", Some(&schema))], vec![]);
    let opts = RunOptions {
        dry_run: true,
        ..v08()
    };
    let r = run(&p, "kv::set(\"app\", \"n\", \"x\")", &opts).await;
    assert!(r.error.is_some(), "type check applies in a dry run");
    let r = run(&p, "kv::clear(\"app\")\nkv::get(\"app\", \"n\")", &opts).await;
    assert_eq!(r.value.as_deref(), Some("3"));
    assert!(!env.dir.path().join("app.json").exists());
}

// ---------------------------------------------------------------------------------------------
// fs: local and S3
// ---------------------------------------------------------------------------------------------

const FS_SCRIPT: &str = r#"
fs::write("f", "a.txt", "hello") -> log
fs::append("f", "a.txt", " world") -> log
fs::read("f", "a.txt") -> log
fs::exists("f", "a.txt") -> log
fs::exists("f", "none.txt") -> log
fs::copy("f", "a.txt", "b.txt") -> log
fs::move("f", "b.txt", "c.md") -> log
fs::exists("f", "b.txt") -> log
fs::find("f", "*.md") -> log
fs::stat("f", "c.md") -> .size -> log
fs::remove("f", "c.md") -> log
fs::remove("f", "c.md") -> log
fs::list("f") -> map { $.name } -> log
fs::mounts() -> $[0] -> $.name
"#;

struct FsEnv {
    dir: tempfile::TempDir,
    s3: Option<S3sServer>,
}

impl FsEnv {
    async fn new(kind: &'static str) -> FsEnv {
        let dir = tempfile::tempdir().unwrap();
        let s3 = if kind == "s3" {
            let s = S3sServer::start().await;
            s.create_bucket("bkt").await;
            Some(s)
        } else {
            None
        };
        FsEnv { dir, s3 }
    }

    fn mount(&self, name: &str, mode: &str) -> FsMountConfig {
        match &self.s3 {
            Some(s) => {
                let endpoint = format!("http://{}", s.addr());
                let mut c = s3_mount_config(&endpoint, "bkt", "data/", mode);
                c.name = name.to_string();
                c
            }
            None => local_fs(name, self.dir.path(), mode),
        }
    }

    fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        match &self.s3 {
            Some(s) => dir_snapshot(s.root()),
            None => dir_snapshot(self.dir.path()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fs_script_gives_the_same_results_on_local_and_s3() {
    for kind in ["local", "s3"] {
        let env = FsEnv::new(kind).await;
        let p = profile("p", vec![], vec![env.mount("f", "read-write")]);
        // S3 lists under `prefix + path + '/'`; give both a sub-folder to list.
        run_ok(
            &p,
            r#"fs::mkdir("f", "sub") -> fs::write("f", "sub/x.txt", "x")"#,
        )
        .await;
        let r = run_ok(&p, FS_SCRIPT).await;
        let logs: Vec<&str> = r.logs.iter().map(String::as_str).collect();
        let listed = if kind == "local" {
            // readdir order is the file system's: compare as a set.
            let mut names: Vec<String> = serde_json::from_str(logs[12]).unwrap();
            names.sort();
            assert_eq!(names, ["a.txt", "sub"], "{kind}");
            logs[12]
        } else {
            "[\"a.txt\",\"sub\"]"
        };
        assert_eq!(
            logs,
            [
                "5",
                "6",
                "hello world",
                "true",
                "false",
                "true",
                "true",
                "false",
                "[\"c.md\"]",
                "11",
                "true",
                "false",
                listed,
            ],
            "{kind}"
        );
        assert_eq!(r.value.as_deref(), Some("f"), "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fs_shows_the_documented_differences() {
    for kind in ["local", "s3"] {
        let env = FsEnv::new(kind).await;
        let p = profile("p", vec![], vec![env.mount("f", "read-write")]);
        let local = kind == "local";
        // Local write needs the parent directory; S3 has none to need.
        let r = run(&p, r#"fs::write("f", "new/x.txt", "x")"#, &v08()).await;
        assert_eq!(r.error.is_some(), local, "{kind}: {:?}", r.error);
        run_ok(
            &p,
            r#"fs::mkdir("f", "d") -> fs::write("f", "d/x.txt", "x")"#,
        )
        .await;
        // exists on a directory: local true, S3 false (prefixes are not objects).
        let r = run_ok(&p, r#"fs::exists("f", "d")"#).await;
        assert_eq!(
            r.value.as_deref(),
            Some(if local { "true" } else { "false" })
        );
        // stat has `created` only locally.
        let r = run_ok(&p, r#"fs::stat("f", "d/x.txt") -> .keys"#).await;
        let expected = if local {
            "[\"name\",\"type\",\"size\",\"created\",\"modified\"]"
        } else {
            "[\"name\",\"type\",\"size\",\"modified\"]"
        };
        assert_eq!(r.value.as_deref(), Some(expected), "{kind}");
        // Unknown mount.
        let (code, msg) = run_err(&p, r#"fs::write("nope", "a", "b")"#).await;
        assert_eq!(msg, "mount \"nope\" not configured", "{kind}");
        assert_eq!(code, if local { "RILL-R017" } else { "" }, "{kind}");
        let r = run(&p, r#"fs::exists("nope", "a")"#, &v08()).await;
        if local {
            assert_eq!(r.value.as_deref(), Some("false"));
        } else {
            assert!(r.error.is_some());
        }
        // Mode: a read mount refuses writes with each package's text.
        let ro = profile("p", vec![], vec![env.mount("f", "read")]);
        let (code, msg) = run_err(&ro, r#"fs::write("f", "d/y.txt", "x")"#).await;
        if local {
            assert_eq!(
                (code.as_str(), msg.as_str()),
                ("RILL-R020", "mount \"f\" does not permit write")
            );
        } else {
            assert_eq!(msg, "mount does not permit write operations (mode: read)");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fs_dry_run_leaves_local_and_s3_byte_identical() {
    for kind in ["local", "s3"] {
        let env = FsEnv::new(kind).await;
        let p = profile("p", vec![], vec![env.mount("f", "read-write")]);
        run_ok(
            &p,
            r#"fs::mkdir("f", "d") -> fs::write("f", "d/keep.txt", "k") -> fs::write("f", "old.txt", "o")"#,
        )
        .await;
        let before = env.snapshot();
        let script = r#"
fs::write("f", "d/new.txt", "fresh") -> log
fs::append("f", "old.txt", "+more") -> log
fs::read("f", "old.txt") -> log
fs::remove("f", "d/keep.txt") -> log
fs::exists("f", "d/keep.txt") -> log
fs::move("f", "old.txt", "moved.txt") -> log
fs::find("f") -> log
fs::list("f", "d") -> map { $.name } -> log
"#;
        let opts = RunOptions {
            dry_run: true,
            ..v08()
        };
        let r = run(&p, script, &opts).await;
        assert!(r.error.is_none(), "{kind}: {:?}", r.error);
        assert_eq!(
            &r.logs[..6],
            ["5", "5", "o+more", "true", "false", "true"],
            "{kind}"
        );
        let mut found: Vec<String> = serde_json::from_str(&r.logs[6]).unwrap();
        found.sort();
        assert_eq!(found, ["d/new.txt", "moved.txt"], "{kind}");
        assert_eq!(r.logs[7], "[\"new.txt\"]", "{kind}");
        assert_eq!(
            summary(&env.snapshot()),
            summary(&before),
            "{kind}: dry run changed the store"
        );
        let diff: Vec<String> = r.changes.iter().map(|c| c.diff_line()).collect();
        assert_eq!(
            diff,
            [
                "+ fs f/d/new.txt: (none) → 5 bytes: \"fresh\"",
                "- fs f/d/keep.txt: 1 bytes → (none)",
                "+ fs f/moved.txt: (none) → 6 bytes: \"o+more\"",
                "- fs f/old.txt: 1 bytes → (none)",
            ],
            "{kind}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Guards and limits
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_and_protected_profiles_refuse_writes() {
    let env = KvEnv::new("json");
    let dir = tempfile::tempdir().unwrap();
    let mut p = profile(
        "prod",
        vec![env.mount("app", None)],
        vec![local_fs("f", dir.path(), "read-write")],
    );
    p.read_only = true;
    for src in [r#"kv::set("app", "k", "v")"#, r#"fs::write("f", "a", "b")"#] {
        let (_, msg) = run_err(&p, src).await;
        assert!(msg.starts_with("profile `prod` is read-only"), "{msg}");
    }
    // Reads still work, and nothing is flushed.
    run_ok(&p, r#"kv::get("app", "k")"#).await;
    assert!(!env.dir.path().join("app.json").exists());

    p.read_only = false;
    p.protect = true;
    let (_, msg) = run_err(&p, r#"kv::set("app", "k", "v")"#).await;
    assert!(
        msg.contains("is protected") && msg.contains("--yes"),
        "{msg}"
    );
    let dry = RunOptions {
        dry_run: true,
        ..v08()
    };
    assert!(
        run(&p, r#"kv::set("app", "k", "v")"#, &dry)
            .await
            .error
            .is_none()
    );
    let yes = RunOptions {
        confirmed: true,
        ..v08()
    };
    let r = run(&p, r#"kv::set("app", "k", "v")"#, &yes).await;
    assert!(r.error.is_none(), "{:?}", r.error);
    assert!(env.dir.path().join("app.json").exists());
}

/// A stand-in Redis that answers the connection check and every command with `+PONG` /
/// `+OK`, except `GET`, which it never answers: a server that hangs mid-script.
fn stalling_redis() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut w = conn.try_clone().unwrap();
                let mut r = BufReader::new(conn);
                let mut line = String::new();
                // RESP arrays: `*N`, then `$len` / bulk pairs; the first bulk is the command.
                while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                    let Some(n) = line
                        .trim()
                        .strip_prefix('*')
                        .and_then(|n| n.parse::<usize>().ok())
                    else {
                        line.clear();
                        continue;
                    };
                    let mut parts = vec![];
                    for _ in 0..n {
                        let mut len = String::new();
                        let mut bulk = String::new();
                        r.read_line(&mut len).unwrap_or(0);
                        r.read_line(&mut bulk).unwrap_or(0);
                        parts.push(bulk.trim().to_uppercase());
                    }
                    line.clear();
                    let reply: &[u8] = match parts.first().map(String::as_str) {
                        Some("GET") => continue,
                        Some("PING") => b"+PONG\r\n",
                        _ => b"+OK\r\n",
                    };
                    if w.write_all(reply).is_err() {
                        break;
                    }
                }
            });
        }
    });
    format!("redis://127.0.0.1:{port}")
}

/// A store call that hangs gives up on the per-call limit (`RILL-R012`, worded as the reference
/// words host timeouts), on the run's time limit and on cancel (`RILL-R013`), long before the
/// backend's own 30 s command timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_store_call_stops_on_call_timeout_time_limit_and_cancel() {
    let url = stalling_redis();
    let (mut cfg, _) = redis_mount_config(&url, "app:", None);
    cfg.name = "app".into();
    let p = profile("p", vec![cfg], vec![]);
    let script = r#"kv::get("app", "k")"#;

    let started = std::time::Instant::now();
    let opts = RunOptions {
        call_timeout: Some(Duration::from_millis(300)),
        ..v08()
    };
    let e = run(&p, script, &opts).await.error.expect("call timeout");
    assert_eq!(e.code, "RILL-R012");
    assert_eq!(e.message, "Function 'kv::get' timed out after 300ms");
    assert_eq!((e.line, e.col), (1, 1));

    let opts = RunOptions {
        timeout: Some(Duration::from_millis(300)),
        ..v08()
    };
    let e = run(&p, script, &opts).await.error.expect("time limit");
    assert_eq!(e.code, "RILL-R013");
    assert!(e.message.contains("time limit"), "{}", e.message);

    let opts = v08();
    let cancel = opts.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.store(true, Ordering::Relaxed);
    });
    let e = run(&p, script, &opts).await.error.expect("cancelled");
    assert_eq!(e.code, "RILL-R013");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

/// Issue 9, finding 4: connecting is a wait like any other. A real redis-server stopped with
/// SIGSTOP (the handshake succeeds, no reply comes) and an S3 endpoint that accepts and never
/// answers: the first call on either gives up on `--call-timeout` (RILL-R012, within about the
/// limit, not after the 5 s connect timeout), on the run's time limit and on cancel (RILL-R013);
/// a run that never calls the frozen mounts does not wait for them at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_to_a_frozen_server_is_bounded_by_call_timeout_time_limit_and_cancel() {
    let server = RedisServer::start();
    let (mut kv, _) = redis_mount_config(&server.url(), "app:", None);
    kv.name = "state".into();
    let (addr, hold) = support::s3::silent_endpoint().await;
    let mut s3 = s3_mount_config(&format!("http://{addr}"), "bucket", "", "read");
    s3.name = "docs".into();
    let p = profile("p", vec![kv], vec![s3]);
    server.pause();

    let limit = Duration::from_millis(700);
    for (script, func) in [
        (r#"kv::get("state", "k")"#, "kv::get"),
        (r#"fs::read("docs", "a.txt")"#, "fs::read"),
    ] {
        let t = std::time::Instant::now();
        let opts = RunOptions {
            call_timeout: Some(limit),
            ..v08()
        };
        let e = run(&p, script, &opts).await.error.expect("call timeout");
        let took = t.elapsed();
        assert_eq!(e.code, "RILL-R012", "{script}: {e:?}");
        assert_eq!(
            e.message,
            format!("Function '{func}' timed out after 700ms")
        );
        assert!(took < Duration::from_millis(2500), "{script} took {took:?}");

        let t = std::time::Instant::now();
        let opts = RunOptions {
            timeout: Some(limit),
            ..v08()
        };
        let e = run(&p, script, &opts).await.error.expect("time limit");
        assert_eq!(e.code, "RILL-R013", "{script}: {e:?}");
        assert!(e.message.contains("time limit"), "{}", e.message);
        assert!(
            t.elapsed() < Duration::from_millis(2500),
            "{:?}",
            t.elapsed()
        );

        let t = std::time::Instant::now();
        let opts = v08();
        let cancel = opts.cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            cancel.store(true, Ordering::Relaxed);
        });
        let e = run(&p, script, &opts).await.error.expect("cancelled");
        assert_eq!(e.code, "RILL-R013", "{script}: {e:?}");
        assert!(
            t.elapsed() < Duration::from_millis(2500),
            "{:?}",
            t.elapsed()
        );
    }

    // Nothing touches the frozen mounts: no wait, and `mounts()` still lists them.
    let t = std::time::Instant::now();
    let r = run_ok(&p, r#"[kv::mounts() -> .len, fs::mounts() -> .len]"#).await;
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(r.value.as_deref(), Some("[1,1]"));

    server.resume();
    let r = run_ok(
        &p,
        "kv::set(\"state\", \"k\", \"v\")\nkv::get(\"state\", \"k\")",
    )
    .await;
    assert_eq!(r.value.as_deref(), Some("v"));
    hold.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_stop_on_cancel_timeout_and_step_limit() {
    let p = profile("p", vec![], vec![]);
    let endless = "^(limit: 1000000000) 0 -> ($ >= 0) @ { $ + 1 }";
    let opts = RunOptions {
        timeout: Some(Duration::from_millis(200)),
        ..v08()
    };
    let r = run(&p, endless, &opts).await;
    let e = r.error.expect("timeout");
    assert_eq!(e.code, "RILL-R013");
    assert!(e.message.contains("time limit"), "{}", e.message);

    let opts = v08();
    let cancel = opts.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        cancel.store(true, Ordering::Relaxed);
    });
    let r = run(&p, endless, &opts).await;
    assert_eq!(r.error.expect("cancelled").code, "RILL-R013");

    let opts = RunOptions {
        max_steps: Some(1000),
        ..v08()
    };
    let r = run(&p, endless, &opts).await;
    assert_eq!(r.error.expect("step limit").code, "RILL-R010");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mount_that_cannot_open_fails_only_when_used() {
    let missing = local_fs(
        "gone",
        Path::new("/nonexistent/rillmount-test"),
        "read-write",
    );
    let p = profile("p", vec![], vec![missing]);
    let mounts = ScriptMounts::open(&p).await;
    assert!(mounts.fs["gone"].is_err());
    let r = run_script(&mounts, "1 + 1", &v08()).await;
    assert_eq!(r.value.as_deref(), Some("2"));
    let r = run_script(&mounts, r#"fs::read("gone", "a")"#, &v08()).await;
    let e = r.error.expect("open error");
    assert_eq!(e.code, "RILL-R017");
}

/// Issue 9: a mount the profile could not configure is known to scripts: a call on it (and
/// `mounts()`, which cannot describe it) fails with its configuration error, the rest works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_mount_fails_only_calls_that_need_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prod.toml");
    std::fs::write(
        &path,
        "[fs.files]\nbackend = \"local\"\npath = \"files\"\n\n\
         [kv.cache]\nbackend = \"redis\"\nurl = \"${env:RM_SCRIPT_REDIS_URL}\"\nprefix = \"c:\"\n\n\
         [fs.media]\nbackend = \"local\"\npath = \"media\"\nmaxFileSize = -1\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("files")).unwrap();
    let env = rillmount::config::load::EnvVars::default();
    let p = rillmount::config::load::load_profile(&path, None, &env).unwrap();
    assert_eq!(p.broken.len(), 2);
    let r = run_ok(
        &p,
        r#"fs::write("files", "a.txt", "x") -> fs::read("files", "a.txt")"#,
    )
    .await;
    assert_eq!(r.value.as_deref(), Some("x"));
    let cache = "prod.toml:7: kv mount `cache`: option `url`: environment variable \
                 RM_SCRIPT_REDIS_URL is not set";
    let media = "prod.toml:13: fs mount `media`: option `maxFileSize` must not be negative";
    for (src, want) in [
        (r#"kv::get("cache", "k")"#, cache),
        ("kv::mounts()", cache),
        (r#"kv::schema("cache")"#, cache),
        (r#"fs::read("media", "a")"#, media),
        ("fs::mounts()", media),
    ] {
        let (_, message) = run_err(&p, src).await;
        assert!(message.ends_with(want), "{src}: {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_mixing_kv_backends_behaves_per_mount() {
    let json = KvEnv::new("json");
    let sqlite = KvEnv::new("sqlite");
    let p = profile(
        "mixed",
        vec![json.mount("j", None), sqlite.mount("s", None)],
        vec![],
    );
    let r = run_ok(&p, r#"kv::get_or("j", "k", "fallback")"#).await;
    assert_eq!(r.value.as_deref(), Some("fallback"));
    let r = run(&p, r#"kv::get_or("s", "k", "fallback")"#, &v08()).await;
    assert_eq!(r.error.expect("dict fallback").code, "RILL-R001");
    // Errors of each mount keep their package's wording.
    let (code, _) = run_err(
        &p,
        "kv::set(\"j\", \"x\", \"1\")\nkv::merge(\"j\", \"x\", [a: 1])",
    )
    .await;
    assert_eq!(code, "RILL-R004");
    let (code, _) = run_err(
        &p,
        "kv::set(\"s\", \"x\", \"1\")\nkv::merge(\"s\", \"x\", [a: 1])",
    )
    .await;
    assert_eq!(code, "");
    let r = run_ok(&p, "kv::mounts() -> map { $.name }").await;
    assert_eq!(r.value.as_deref(), Some("[\"j\",\"s\"]"));
}

// ---------------------------------------------------------------------------------------------
// v0.20: the same mounts as `kv` / `fs` dicts of callables, mount-prefixed fs paths
// ---------------------------------------------------------------------------------------------

fn v020() -> RunOptions {
    RunOptions {
        dialect: rillmount::rill::dialect::Dialect::V0_20,
        ..RunOptions::default()
    }
}

const KV_SCRIPT_V020: &str = r#"
kv.set("app", "name", "Ada") -> log
$kv.get("app", "name") -> log
kv.get("app", "missing") -> log
kv.get_or("app", "missing", dict[d: 1]) -> log
kv.merge("app", "cfg", dict[a: 1]) -> log
kv.merge("app", "cfg", dict[b: "x"]) -> log
kv.get("app", "cfg") -> log
kv.set("app", "nums", list[1, 2, 3]) -> log
kv.get("app", "nums") -> fold(0, { $@ + $ }) -> log
kv.has("app", "nope") -> log
kv.delete("app", "name") -> log
kv.keys("app") -> sort -> log
$kv.getAll => $all
$all(...dict[mount: "app"]) -> .keys -> .len -> log
kv.clear("app")
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v020_kv_dict_gives_the_same_results_on_every_backend() {
    for kind in KV_KINDS {
        let env = KvEnv::new(kind);
        let p = profile("p", vec![env.mount("app", None)], vec![]);
        let r = run(&p, KV_SCRIPT_V020, &v020()).await;
        assert!(r.error.is_none(), "{kind}: {:?}", r.error);
        let logs: Vec<&str> = r.logs.iter().map(String::as_str).collect();
        assert_eq!(
            logs,
            [
                "true",
                "Ada",
                "",
                "dict[d: 1]",
                "true",
                "true",
                "dict[a: 1, b: \"x\"]",
                "true",
                "6",
                "false",
                "true",
                "list[\"cfg\", \"nums\"]",
                "2",
            ],
            "{kind}"
        );
        assert_eq!(r.value.as_deref(), Some("true"), "{kind}");
    }
}

/// What a v0.20 script writes, a v0.8 script reads back the same (one layout for both).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v020_writes_are_the_bytes_v08_reads() {
    for kind in KV_KINDS {
        let env = KvEnv::new(kind);
        let p = profile("p", vec![env.mount("app", None)], vec![]);
        let w = run(
            &p,
            r#"kv.set("app", "u", dict[n: 1, tags: list["a"]])"#,
            &v020(),
        )
        .await;
        assert!(w.error.is_none(), "{kind}: {:?}", w.error);
        let r = run_ok(&p, r#"kv::get("app", "u") -> json"#).await;
        assert_eq!(
            r.value.as_deref(),
            Some(r#"{"n":1,"tags":["a"]}"#),
            "{kind}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v020_fs_takes_mount_prefixed_paths_on_local_and_s3() {
    for kind in ["local", "s3"] {
        let env = FsEnv::new(kind).await;
        let p = profile("p", vec![], vec![env.mount("f", "read-write")]);
        let r = run(
            &p,
            r#"
fs.mkdir("/f/sub") -> log
fs.write("/f/sub/x.txt", "x") -> log
fs.write("f/a.txt", "hello") -> log
fs.append("/f/a.txt", " world") -> log
fs.read("/f/a.txt") -> log
fs.exists("/f/none.txt") -> log
fs.copy("/f/a.txt", "/f/b.md") -> log
fs.find("/f", "*.md") -> log
fs.find("/f/sub") -> log
fs.stat("/f/b.md") -> $.size -> log
fs.list("/f") -> seq({ $.name }) -> sort -> log
fs.remove("/f/b.md")
"#,
            &v020(),
        )
        .await;
        assert!(r.error.is_none(), "{kind}: {:?}", r.error);
        let logs: Vec<&str> = r.logs.iter().map(String::as_str).collect();
        assert_eq!(
            logs[1..],
            [
                "1",
                "5",
                "6",
                "hello world",
                "false",
                "true",
                "list[\"b.md\"]",
                "list[\"sub/x.txt\"]",
                "11",
                "list[\"a.txt\", \"b.md\", \"sub\"]",
            ],
            "{kind}"
        );
        assert_eq!(r.value.as_deref(), Some("true"), "{kind}");
        let (code, message) = {
            let r = run(&p, r#"fs.read("/nope/a.txt")"#, &v020()).await;
            let e = r.error.expect("a path on no mount fails");
            (e.code, e.message)
        };
        assert_eq!(code, "RILL-R017", "{kind}");
        assert_eq!(message, "no mount matches path \"/nope/a.txt\"", "{kind}");
    }
}

/// One script per dialect that reads and writes every backend at once (JSON, SQLite and
/// Redis kv; local and S3 fs, real servers): the v0.20 form leaves exactly the stored state
/// the v0.8.6 form leaves — the JSON file's bytes, the SQLite rows, the Redis strings, the
/// local files and the S3 objects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v020_and_v08_scripts_leave_the_same_bytes_on_every_backend() {
    const V08: &str = r#"
[name: "Ada", n: 1.5, tags: ["a", "b"]] => $u
kv::merge("doc", "user", $u)
kv::merge("db", "user", $u)
kv::get("doc", "user") => $back
kv::merge("cache", "user", $back)
kv::merge("db", "user", [plan: "pro"])
fs::write("files", "a.txt", "hello")
fs::append("files", "a.txt", " world")
fs::read("files", "a.txt") => $text
fs::write("bucket", "copy/a.txt", $text)
kv::get("cache", "user") -> json => $j
fs::write("bucket", "user.json", $j)
kv::set("db", "text", fs::read("bucket", "copy/a.txt"))
kv::keys("db") -> .len
"#;
    const V020: &str = r#"
dict[name: "Ada", n: 1.5, tags: list["a", "b"]] => $u
kv.merge("doc", "user", $u)
kv.merge("db", "user", $u)
kv.get("doc", "user") => $back
kv.merge("cache", "user", $back)
kv.merge("db", "user", dict[plan: "pro"])
fs.write("/files/a.txt", "hello")
fs.append("/files/a.txt", " world")
fs.read("/files/a.txt") => $text
fs.write("/bucket/copy/a.txt", $text)
kv.get("cache", "user") -> json => $j
fs.write("/bucket/user.json", $j)
kv.set("db", "text", fs.read("/bucket/copy/a.txt"))
kv.keys("db") -> .len
"#;
    let mut states = Vec::new();
    for (src, opts) in [(V08, v08()), (V020, v020())] {
        let (json, sqlite, redis) = (
            KvEnv::new("json"),
            KvEnv::new("sqlite"),
            KvEnv::new("redis"),
        );
        let (local, s3) = (FsEnv::new("local").await, FsEnv::new("s3").await);
        let p = profile(
            "all",
            vec![
                json.mount("doc", None),
                sqlite.mount("db", None),
                redis.mount("cache", None),
            ],
            vec![
                local.mount("files", "read-write"),
                s3.mount("bucket", "read-write"),
            ],
        );
        let r = run(&p, src, &opts).await;
        assert!(r.error.is_none(), "rill {}: {:?}", opts.dialect, r.error);
        assert_eq!(r.value.as_deref(), Some("2"), "rill {}", opts.dialect);
        let rows: Vec<(String, String)> = {
            let db = rusqlite::Connection::open(sqlite.dir.path().join("kv.db")).unwrap();
            let mut st = db
                .prepare("SELECT key, value FROM t_db ORDER BY key")
                .unwrap();
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        states.push((
            json.snapshot(),
            rows,
            redis.snapshot(),
            local.snapshot(),
            s3.snapshot(),
        ));
    }
    let (v08_state, v020_state) = (&states[0], &states[1]);
    assert_eq!(
        String::from_utf8_lossy(&v08_state.0["doc.json"]),
        "{\n  \"user\": {\n    \"name\": \"Ada\",\n    \"n\": 1.5,\n    \"tags\": [\n      \"a\",\n      \"b\"\n    ]\n  }\n}"
    );
    assert_eq!(v08_state.0, v020_state.0, "the JSON file");
    assert_eq!(v08_state.1.len(), 2, "{:?}", v08_state.1);
    assert_eq!(v08_state.1, v020_state.1, "the SQLite rows");
    assert_eq!(
        summary(&v08_state.2),
        summary(&v020_state.2),
        "the Redis keys"
    );
    assert_eq!(
        summary(&v08_state.3),
        summary(&v020_state.3),
        "the local files"
    );
    assert_eq!(
        summary(&v08_state.4),
        summary(&v020_state.4),
        "the S3 objects"
    );
    assert!(
        v020_state.4.keys().any(|k| k.ends_with("copy/a.txt")),
        "{:?}",
        summary(&v020_state.4)
    );
}
