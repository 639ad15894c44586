//! The command line as users script it (PRODUCT.md "Command line"), run as a real process
//! against temp-dir profiles over JSON files, SQLite databases and local folders.
//!
//! Every test gets its own working directory (with `profiles/`), its own `XDG_CONFIG_HOME`
//! and no `RILLMOUNT_PROFILE`, so discovery only sees what the test wrote.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

struct Fixture {
    dir: TempDir,
}

const LOCAL: &str = r#"
[profile]
description = "temp profile"

[kv.user]
backend = "json"
store = "../data/user.json"
schema.name = { type = "string", default = "" }
schema.count = { type = "number", default = 0 }

[kv.open]
backend = "json"
store = "../data/open.json"

[kv.cache]
backend = "sqlite"
database = "../data/cache.db"
table = "cache_entries"

[kv.frozen]
backend = "json"
store = "../data/frozen.json"
mode = "read"

[fs.files]
backend = "local"
path = "../data/files"

[fs.archive]
backend = "local"
path = "../data/files"
mode = "read"
"#;

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("profiles")).unwrap();
        std::fs::create_dir_all(dir.path().join("data/files")).unwrap();
        std::fs::create_dir_all(dir.path().join("xdg")).unwrap();
        let f = Fixture { dir };
        f.profile("local", LOCAL);
        f
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn profile(&self, name: &str, text: &str) {
        std::fs::write(self.path(&format!("profiles/{name}.toml")), text).unwrap();
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("rillmount").unwrap();
        c.current_dir(self.dir.path())
            .env_remove("RILLMOUNT_PROFILE")
            .env("XDG_CONFIG_HOME", self.path("xdg"))
            .env("HOME", self.path("home"))
            .timeout(Duration::from_secs(60));
        c
    }

    /// Runs and returns (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let o = self.cmd().args(args).output().unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    /// Runs and expects success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?} failed: {err}");
        out
    }

    /// Runs and expects `code`; returns stderr.
    fn fails(&self, args: &[&str], code: i32) -> String {
        self.fails_with_output(args, code).1
    }

    /// Runs a `--json` command whose setup fails: expects `code`, stdout one JSON object
    /// `{"ok":false,"phase":"setup","error":{…}}` and stderr `error: ` with the same message;
    /// returns the error object.
    fn setup_error(&self, args: &[&str], code: i32) -> serde_json::Value {
        let (out, err) = self.fails_with_output(args, code);
        let v: serde_json::Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON ({e}): {out:?}"));
        assert_eq!(out.lines().count(), 1, "one line: {out}");
        assert_eq!(v["ok"], false, "{v}");
        assert_eq!(v["phase"], "setup", "{v}");
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{v}");
        assert_eq!(err.trim_end(), format!("error: {message}"), "{args:?}");
        v["error"].clone()
    }

    /// [`Self::fails`], with what was printed on stdout before the error.
    fn fails_with_output(&self, args: &[&str], code: i32) -> (String, String) {
        let (c, out, err) = self.run(args);
        assert_eq!(c, code, "{args:?}: stdout {out} stderr {err}");
        assert!(err.starts_with("error: ") || code == 2, "{err}");
        (out, err)
    }
}

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

// ---------------------------------------------------------------------------------------------
// Usage and exit codes
// ---------------------------------------------------------------------------------------------

#[test]
fn no_subcommand_opens_the_tui_or_points_to_help() {
    let fx = Fixture::new();
    let e = fx.fails(&[], 2);
    assert!(e.contains("rillmount --help"), "{e}");
    let out = fx.ok(&["--help"]);
    assert!(out.contains("Usage: rillmount"), "{out}");
    assert!(out.contains("kv") && out.contains("fs") && out.contains("mounts"));
}

#[test]
fn usage_errors_exit_2() {
    let fx = Fixture::new();
    fx.cmd()
        .arg("frobnicate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unrecognized subcommand"));
    fx.fails(&["kv", "get", "local:user"], 2);
    fx.fails(&["copy", "a:b", "c:d", "--on-conflict", "maybe"], 2);
    let e = fx.fails(&["kv", "keys", "user"], 2);
    assert!(e.contains("-p PROFILE"), "{e}");
    let e = fx.fails(&["kv", "keys", ":user"], 2);
    assert!(e.contains("empty profile"), "{e}");
    let e = fx.fails(&["kv", "keys", "nosuch:user"], 2);
    assert!(
        e.contains("no such profile") && e.contains("found: local"),
        "{e}"
    );
    let e = fx.fails(&["kv", "keys", "local:nosuch"], 2);
    assert!(
        e.contains("no kv mount `nosuch`") && e.contains("user, open, cache, frozen"),
        "{e}"
    );
    let e = fx.fails(&["kv", "keys", "local:files"], 2);
    assert!(e.contains("is an fs mount"), "{e}");
    let e = fx.fails(&["fs", "cat", "local:files"], 2);
    assert!(e.contains("names no file"), "{e}");
}

#[test]
fn invalid_json_value_is_bad_usage_with_position() {
    let fx = Fixture::new();
    let e = fx.fails(&["kv", "set", "local:open", "k", "{\"a\": tru}"], 2);
    assert!(e.contains("invalid JSON value at line 1 column"), "{e}");
    let e = fx.fails(&["kv", "set", "local:open", "k", "Alice"], 2);
    assert!(e.contains("strings need quotes"), "{e}");
    assert!(!fx.path("data/open.json").exists(), "nothing written");
}

#[test]
fn tui_without_a_terminal_is_bad_usage() {
    let fx = Fixture::new();
    let e = fx.fails(&["tui", "-p", "local"], 2);
    assert!(e.contains("needs a terminal"), "{e}");
}

const MIGRATE: &str = r#"
[kv.src]
backend = "json"
store = "../mig/src.json"

[kv.dst]
backend = "sqlite"
database = "../mig/dst.db"
table = "kv"

[kv.typed]
backend = "sqlite"
database = "../mig/typed.db"
table = "kv"
schema.count = { type = "number", default = 0 }

[kv.frozen]
backend = "sqlite"
database = "../mig/frozen.db"
table = "kv"
mode = "read"

[fs.a]
backend = "local"
path = "../mig/a"

[fs.b]
backend = "local"
path = "../mig/b"
"#;

fn migrate_fixture() -> Fixture {
    let fx = Fixture::new();
    std::fs::create_dir_all(fx.path("mig/a/sub")).unwrap();
    std::fs::create_dir_all(fx.path("mig/b")).unwrap();
    fx.profile("mig", MIGRATE);
    std::fs::write(
        fx.path("mig/src.json"),
        "{\n  \"count\": 3,\n  \"name\": \"Ada\",\n  \"tags\": [\n    1,\n    2\n  ]\n}",
    )
    .unwrap();
    fx
}

#[test]
fn diff_and_dry_run_open_no_write_path() {
    let fx = migrate_fixture();
    let out = fx.ok(&["diff", "-p", "mig", "src", "dst"]);
    assert!(out.contains("+ count"), "{out}");
    assert!(out.contains("new 3"), "{out}");
    let out = fx.ok(&["copy", "-p", "mig", "src", "dst", "--dry-run", "--yes"]);
    assert!(out.contains("would copy 3"), "{out}");
    assert!(
        !fx.path("mig/dst.db").exists(),
        "a dry run creates no database"
    );
    // An existing database is not touched either: same bytes, no WAL files.
    fx.ok(&["kv", "set", "mig:dst", "other", "1"]);
    let db = fx.path("mig/dst.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("PRAGMA journal_mode=DELETE").unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();
    let plan: serde_json::Value =
        serde_json::from_str(&fx.ok(&["diff", "mig:src", "mig:dst", "--json"])).unwrap();
    assert_eq!(plan["totals"]["new"]["count"], 3);
    assert_eq!(plan["totals"]["only_in_destination"]["count"], 1);
    fx.ok(&["copy", "mig:src", "mig:dst", "--dry-run"]);
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert!(!fx.path("mig/dst.db-wal").exists());
}

#[test]
fn copy_then_verify_kv_and_fs() {
    let fx = migrate_fixture();
    let journal = fx.path("journal");
    let j = journal.to_str().unwrap();
    let out = fx.ok(&[
        "copy",
        "-p",
        "mig",
        "src",
        "dst",
        "--verify",
        "--journal",
        j,
    ]);
    assert!(out.contains("copied 3"), "{out}");
    assert!(out.contains("verified 3 item(s): 3 matching"), "{out}");
    assert_eq!(fx.ok(&["kv", "get", "mig:dst", "tags"]), "[1,2]\n");
    let again = fx.ok(&["copy", "-p", "mig", "src", "dst", "--journal", j]);
    assert!(again.contains("nothing to do"), "{again}");
    fx.ok(&["verify", "-p", "mig", "src", "dst"]);
    fx.ok(&["kv", "set", "mig:dst", "name", "\"Bob\""]);
    let e = fx.fails(&["verify", "-p", "mig", "src", "dst"], 1);
    assert!(e.contains("1 item(s) differ"), "{e}");
    let report: serde_json::Value = serde_json::from_str(&fx.ok(&[
        "copy",
        "-p",
        "mig",
        "src",
        "dst",
        "--on-conflict",
        "overwrite",
        "--json",
        "--journal",
        j,
    ]))
    .unwrap();
    assert_eq!(report["copy"]["copied"], 1);

    std::fs::write(fx.path("mig/a/one.txt"), "one").unwrap();
    std::fs::write(fx.path("mig/a/sub/bin.dat"), [0u8, 159, 255]).unwrap();
    let out = fx.ok(&["copy", "-p", "mig", "a", "b", "--verify", "--journal", j]);
    assert!(out.contains("copied 2"), "{out}");
    assert_eq!(
        std::fs::read(fx.path("mig/b/sub/bin.dat")).unwrap(),
        [0u8, 159, 255]
    );
}

#[test]
fn copy_refusals_and_rejections() {
    let fx = migrate_fixture();
    let e = fx.fails(&["copy", "-p", "mig", "src", "frozen"], 1);
    assert!(e.contains("does not allow writes"), "{e}");
    assert!(!fx.path("mig/frozen.db").exists(), "refused before opening");
    // The schema refuses 2 items: the preflight refuses the copy, nothing is written.
    let before = fx.ok(&["kv", "dump", "mig:typed"]);
    let (out, e) = fx.fails_with_output(&["copy", "-p", "mig", "src", "typed", "--no-journal"], 1);
    assert!(e.contains("the copy was refused: 2 item(s) refused"), "{e}");
    assert!(out.contains("refused before writing anything"), "{out}");
    assert!(out.contains("nothing was written"), "{out}");
    assert_eq!(
        fx.ok(&["kv", "dump", "mig:typed"]),
        before,
        "nothing written"
    );
    // `--dry-run` and `diff` give the same verdict.
    let (out, _) = fx.fails_with_output(&["copy", "-p", "mig", "src", "typed", "--dry-run"], 1);
    assert!(
        out.contains("preflight: a copy would write nothing (2 item(s) refused)"),
        "{out}"
    );
    let diff = fx.ok(&["diff", "-p", "mig", "src", "typed"]);
    assert!(
        diff.contains("preflight: a copy would write nothing (2 item(s) refused)"),
        "{diff}"
    );
    // `--partial` writes what fits.
    let e = fx.fails(
        &[
            "copy",
            "-p",
            "mig",
            "src",
            "typed",
            "--no-journal",
            "--partial",
        ],
        1,
    );
    assert!(e.contains("2 item(s) were not written"), "{e}");
    assert_eq!(fx.ok(&["kv", "get", "mig:typed", "count"]), "3\n");
    // kv -> read-only fs (a document too) is refused before anything starts.
    let e = fx.fails(
        &[
            "copy",
            "mig:src",
            "local:archive",
            "--as-document",
            "x.json",
        ],
        1,
    );
    assert!(e.contains("does not allow writes"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Profiles and mounts
// ---------------------------------------------------------------------------------------------

#[test]
fn profile_errors_name_file_and_line() {
    let fx = Fixture::new();
    fx.profile(
        "broken",
        "[kv.a]\nbackend = \"json\"\nstore = \"a.json\"\nmaxEntries = \"ten\"\n",
    );
    let e = fx.fails(&["kv", "keys", "broken:a"], 1);
    assert!(
        e.contains("broken.toml:4: kv mount `a`: option `maxEntries`"),
        "{e}"
    );
    fx.profile(
        "env",
        "[kv.s]\nbackend = \"redis\"\nurl = \"${env:RM_TEST_NOPE}\"\nprefix = \"s:\"\n",
    );
    let e = fx.fails(&["kv", "keys", "env:s"], 1);
    assert!(
        e.contains(
            "env.toml:3: kv mount `s`: option `url`: environment variable RM_TEST_NOPE is not set"
        ),
        "{e}"
    );
}

#[test]
fn profiles_lists_project_user_and_rill_config() {
    let fx = Fixture::new();
    fx.profile("broken", "[kv.a]\nbackend = \"mongo\"\n");
    std::fs::create_dir_all(fx.path("xdg/rillmount/profiles")).unwrap();
    std::fs::write(
        fx.path("xdg/rillmount/profiles/mine.toml"),
        "[profile]\ndescription = \"from the user folder\"\nreadOnly = true\n",
    )
    .unwrap();
    std::fs::write(
        fx.path("rill-config.json"),
        r#"{"extensions":{"mounts":{"kv":"@rcrsr/rill/ext/kv"},
            "config":{"kv":{"mounts":{"state":{"mode":"read-write","store":"./data/state.json"}}}}}}"#,
    )
    .unwrap();
    let out = fx.ok(&["profiles"]);
    assert!(
        out.contains("local") && out.contains("temp profile"),
        "{out}"
    );
    assert!(out.contains("mine") && out.contains("read-only"), "{out}");
    let broken = out.lines().find(|l| l.starts_with("broken")).unwrap();
    assert!(broken.contains("1 mount, 1 broken"), "{out}");
    assert!(out.contains("rill-config"), "{out}");

    let v: serde_json::Value = serde_json::from_str(&fx.ok(&["profiles", "--json"])).unwrap();
    let list = v.as_array().unwrap();
    let find = |n: &str| list.iter().find(|p| p["name"] == n).unwrap().clone();
    assert_eq!(find("local")["origin"], "project");
    assert_eq!(
        find("local")["kv"],
        serde_json::json!(["user", "open", "cache", "frozen"])
    );
    assert_eq!(find("mine")["origin"], "user");
    assert_eq!(find("mine")["readOnly"], true);
    assert_eq!(find("broken")["error"], serde_json::Value::Null);
    assert!(
        find("broken")["broken"][0]["text"]
            .as_str()
            .unwrap()
            .contains("broken.toml:2: kv mount `a`: option `backend`")
    );
    assert_eq!(find("rill-config")["kv"], serde_json::json!(["state"]));
    assert_eq!(find("local")["default"], false);
    let o = fx
        .cmd()
        .args(["profiles"])
        .env("RILLMOUNT_PROFILE", "mine")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let mine = out.lines().find(|l| l.starts_with("mine")).unwrap();
    assert!(mine.contains("default,read-only"), "{out}");
}

#[test]
fn mounts_shows_backends_without_secrets() {
    let fx = Fixture::new();
    fx.profile(
        "prod",
        r#"
[profile]
protect = true

[kv.session]
backend = "redis"
url = "${env:RM_REDIS_URL}"
prefix = "app:session:"
ttl = 3600

[fs.docs]
backend = "s3"
bucket = "my-app-data"
prefix = "documents/"
region = "us-east-1"
endpoint = "http://minio.internal:9000"
credentials = { accessKeyId = "AKIDEXAMPLE", secretAccessKey = "${env:RM_S3_SECRET}" }
"#,
    );
    let secrets = ["hunter2-pw", "wJalrXUtnFEMI-K7MDENG"];
    let run = |args: &[&str]| {
        let o = fx
            .cmd()
            .args(args)
            .env(
                "RM_REDIS_URL",
                format!("redis://admin:{}@db.internal:6380/2", secrets[0]),
            )
            .env("RM_S3_SECRET", secrets[1])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        for s in secrets {
            assert!(!all.contains(s), "secret shown: {all}");
        }
        assert!(!all.contains("admin"), "redis user shown: {all}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let human = run(&["mounts", "-p", "prod"]);
    assert!(
        human.contains("redis://db.internal:6380/2 prefix app:session:"),
        "{human}"
    );
    assert!(human.contains("s3://my-app-data/documents/"), "{human}");
    assert!(human.contains("protected"), "{human}");
    let v: serde_json::Value =
        serde_json::from_str(&run(&["mounts", "-p", "prod", "--json"])).unwrap();
    assert_eq!(v["profile"]["protect"], true);
    let m = &v["mounts"];
    assert_eq!(m[0]["backend"], "redis");
    assert_eq!(m[0]["mode"], "read-write");
    assert_eq!(m[0]["options"]["ttl"], 3600);
    assert_eq!(m[0]["options"]["url"], "redis://db.internal:6380/2");
    assert_eq!(m[1]["backend"], "s3");
    assert_eq!(m[1]["options"]["credentials"], "static");
    assert_eq!(m[1]["options"]["region"], "us-east-1");
}

#[test]
fn mounts_json_has_schema_and_paths() {
    let fx = Fixture::new();
    let v: serde_json::Value =
        serde_json::from_str(&fx.ok(&["mounts", "-p", "local", "--json"])).unwrap();
    let user = &v["mounts"][0];
    assert_eq!(user["name"], "user");
    assert_eq!(
        user["schema"][0],
        serde_json::json!({"key":"name","type":"string","default":"","description":null})
    );
    assert_eq!(user["schema"][1]["default"], 0);
    let store = user["options"]["store"].as_str().unwrap();
    assert_eq!(Path::new(store), fx.path("data/user.json"));
    assert_eq!(v["mounts"][1]["schema"], serde_json::Value::Null);
    assert_eq!(v["mounts"][5]["mode"], "read");
}

#[test]
fn profile_given_by_path_env_and_flag() {
    let fx = Fixture::new();
    let path = fx.path("profiles/local.toml");
    let out = fx.ok(&["mounts", "-p", path.to_str().unwrap()]);
    assert!(out.contains("profile local"), "{out}");
    let out = fx.ok(&["mounts", "--profile", "profiles/local.toml"]);
    assert!(out.contains("cache"), "{out}");
    let o = fx
        .cmd()
        .args(["mounts"])
        .env("RILLMOUNT_PROFILE", "local")
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("profile local"));
    fx.fails(&["mounts"], 2);
}

#[test]
fn demo_profile_loads() {
    let fx = Fixture::new();
    let demo = repo_path("profiles/demo.toml");
    let v: serde_json::Value =
        serde_json::from_str(&fx.ok(&["mounts", "-p", demo.to_str().unwrap(), "--json"])).unwrap();
    let names: Vec<_> = v["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["user", "flags", "cache", "files", "reports"]);
    assert_eq!(v["warnings"], serde_json::json!([]));
    let user_json = std::fs::read_to_string(repo_path("assets/demo/user.json")).unwrap();
    let keys: Vec<String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&user_json)
            .unwrap()
            .keys()
            .cloned()
            .collect();
    let schema: Vec<String> = v["mounts"][0]["schema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        keys, schema,
        "user.json holds the declared keys in declaration order"
    );
    assert!(
        !user_json.ends_with('\n'),
        "rill writes no trailing newline"
    );
}

/// A profile whose S3 mount reads its secret from an unset variable (line 12) beside a
/// working JSON mount, as issue 9 found it.
const PROD_WITH_UNSET_S3_KEY: &str = r#"[profile]
description = "prod with one broken mount"

[kv.state]
backend = "json"
store = "../data/state.json"

[fs.media]
backend = "s3"
bucket = "media"
region = "us-east-1"
credentials = { accessKeyId = "AKIDEXAMPLE", secretAccessKey = "${env:RM_TEST_UNSET_S3_KEY}" }
"#;

#[test]
fn unset_env_var_in_one_mount_leaves_the_others_usable() {
    let fx = Fixture::new();
    fx.profile("prod", PROD_WITH_UNSET_S3_KEY);
    fx.ok(&["kv", "set", "prod:state", "hello", "\"world\""]);
    assert_eq!(fx.ok(&["kv", "keys", "prod:state"]), "hello\n");
    assert_eq!(fx.ok(&["kv", "get", "prod:state", "hello"]), "\"world\"\n");
    let out = fx.ok(&[
        "eval",
        "--rill",
        "0.8",
        "-p",
        "prod",
        "-e",
        "kv::get(\"state\", \"hello\")",
    ]);
    assert_eq!(out, "world\n");
    // The broken mount itself fails with its configuration error: file, line, mount, option.
    let expected = "prod.toml:12: fs mount `media`: option `credentials.secretAccessKey`: \
                    environment variable RM_TEST_UNSET_S3_KEY is not set";
    let e = fx.fails(&["fs", "ls", "prod:media"], 1);
    assert!(e.contains(expected), "{e}");
    let e = fx.fails(&["copy", "prod:media", "local:files"], 1);
    assert!(e.contains(expected), "{e}");
    let e = fx.fails(&["diff", "local:files", "prod:media"], 1);
    assert!(e.contains(expected), "{e}");
    let e = fx.fails(&["kv", "keys", "prod:media"], 1);
    assert!(e.contains(expected), "{e}");
    // In a script only the call on the broken mount fails.
    let (code, _, err) = fx.run(&[
        "eval",
        "--rill",
        "0.8",
        "-p",
        "prod",
        "-e",
        "kv::get(\"state\", \"hello\") -> log\nfs::list(\"media\", \"\")",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("world"), "the first call ran: {err}");
    assert!(err.contains(expected), "{err}");
}

#[test]
fn mounts_and_profiles_show_broken_mounts_and_failed_profiles() {
    let fx = Fixture::new();
    fx.profile("prod", PROD_WITH_UNSET_S3_KEY);
    fx.profile("garbled", "[kv.a]\nbackend = \"json\"\nstore = \n");
    let out = fx.ok(&["mounts", "-p", "prod"]);
    let media = out.lines().find(|l| l.contains("media")).unwrap();
    assert!(media.contains("s3") && media.contains("broken"), "{out}");
    assert!(
        media.contains("prod.toml:12: fs mount `media`: option `credentials.secretAccessKey`"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("kv") && l.contains("state") && l.contains("json")),
        "{out}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&fx.ok(&["mounts", "-p", "prod", "--json"])).unwrap();
    let m = v["mounts"].as_array().unwrap();
    assert_eq!(m.len(), 2, "{v}");
    assert_eq!(m[0]["name"], "state");
    assert_eq!(m[0]["error"], serde_json::Value::Null);
    assert_eq!(m[1]["name"], "media");
    assert_eq!(m[1]["kind"], "fs");
    assert_eq!(m[1]["backend"], "s3");
    assert_eq!(m[1]["error"]["line"], 12);
    assert!(
        m[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("RM_TEST_UNSET_S3_KEY is not set"),
        "{v}"
    );

    let out = fx.ok(&["profiles"]);
    let prod = out.lines().find(|l| l.starts_with("prod")).unwrap();
    assert!(prod.contains("2 mounts, 1 broken"), "{out}");
    let garbled = out.lines().find(|l| l.starts_with("garbled")).unwrap();
    assert!(
        garbled.contains("error") && garbled.contains("garbled.toml:3: invalid TOML"),
        "{out}"
    );
    let v: serde_json::Value = serde_json::from_str(&fx.ok(&["profiles", "--json"])).unwrap();
    let list = v.as_array().unwrap();
    let find = |n: &str| list.iter().find(|p| p["name"] == n).unwrap().clone();
    assert_eq!(find("prod")["kv"], serde_json::json!(["state"]));
    assert_eq!(find("prod")["broken"][0]["name"], "media");
    assert_eq!(find("prod")["broken"][0]["line"], 12);
    assert!(
        find("garbled")["error"]
            .as_str()
            .unwrap()
            .contains("garbled.toml:3")
    );
}

#[test]
fn broken_mount_error_never_shows_a_secret_of_the_mount() {
    let fx = Fixture::new();
    fx.profile(
        "s",
        "[kv.cache]\nbackend = \"redis\"\nurl = \"${env:RM_TEST_URL}\"\nprefix = \"c:\"\n\
         ttl = \"long\"\n\n[kv.ok]\nbackend = \"json\"\nstore = \"../data/ok.json\"\n",
    );
    for args in [
        &["kv", "keys", "s:cache"][..],
        &["mounts", "-p", "s"],
        &["mounts", "-p", "s", "--json"],
        &["profiles", "--json"],
    ] {
        let o = fx
            .cmd()
            .args(args)
            .env("RM_TEST_URL", "redis://admin:hunter2-pw@db:6379")
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(all.contains("option `ttl`"), "{args:?}: {all}");
        assert!(!all.contains("hunter2") && !all.contains("admin"), "{all}");
    }
    fx.ok(&["kv", "keys", "s:ok"]);
}

// ---------------------------------------------------------------------------------------------
// Safety: refused before any I/O
// ---------------------------------------------------------------------------------------------

#[test]
fn read_only_profile_refuses_writes() {
    let fx = Fixture::new();
    fx.profile(
        "ro",
        &LOCAL.replace("description = \"temp profile\"", "readOnly = true"),
    );
    for args in [
        &["kv", "set", "ro:open", "k", "1"][..],
        &["kv", "del", "ro:open", "k", "--yes"],
        &["kv", "set", "ro:cache", "k", "1"],
        &["fs", "rm", "ro:files/a.txt"],
    ] {
        let e = fx.fails(args, 1);
        assert!(e.contains("profile `ro` is read-only"), "{e}");
    }
    std::fs::write(fx.path("src.txt"), "x").unwrap();
    fx.fails(&["fs", "put", "ro:files/a.txt", "src.txt"], 1);
    assert!(!fx.path("data/open.json").exists());
    assert!(!fx.path("data/cache.db").exists(), "no database opened");
    assert!(!fx.path("data/files/a.txt").exists());
}

#[test]
fn read_mode_mount_refuses_writes() {
    let fx = Fixture::new();
    let e = fx.fails(&["kv", "set", "local:frozen", "k", "1"], 1);
    assert!(e.contains("mode: read"), "{e}");
    std::fs::write(fx.path("src.txt"), "x").unwrap();
    let e = fx.fails(&["fs", "put", "local:archive/a.txt", "src.txt"], 1);
    assert!(e.contains("does not allow writes"), "{e}");
    assert!(!fx.path("data/frozen.json").exists());
    assert!(!fx.path("data/files/a.txt").exists());
}

#[test]
fn protected_profile_needs_yes() {
    let fx = Fixture::new();
    fx.profile(
        "prot",
        &LOCAL.replace("description = \"temp profile\"", "protect = true"),
    );
    let e = fx.fails(&["kv", "set", "prot:open", "k", "1"], 1);
    assert!(e.contains("protected") && e.contains("--yes"), "{e}");
    let e = fx.fails(&["fs", "rm", "prot:files/x"], 1);
    assert!(e.contains("--yes"), "{e}");
    assert!(!fx.path("data/open.json").exists());
}

#[test]
fn unreachable_redis_fails_within_the_connect_timeout_without_secrets() {
    let fx = Fixture::new();
    fx.profile(
        "net",
        "[kv.s]\nbackend = \"redis\"\nurl = \"redis://:pw-hunter2@127.0.0.1:1/0\"\nprefix = \"s:\"\nconnectTimeout = 2\n",
    );
    let start = Instant::now();
    let e = fx.fails(&["kv", "keys", "net:s"], 1);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    assert!(!e.contains("hunter2"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Setup errors under --json (issue 11, item 9)
// ---------------------------------------------------------------------------------------------

#[test]
fn json_commands_report_address_profile_and_mount_errors_as_json() {
    let fx = migrate_fixture();
    let e = fx.setup_error(&["diff", "mig:src", "mig:nosuch", "--json"], 2);
    assert_eq!(e["code"], "mount", "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("profile `mig` has no fs mount `nosuch`"),
        "{e}"
    );
    assert!(e.get("file").is_none(), "{e}");

    let e = fx.setup_error(&["copy", "nosuch:src", "mig:dst", "--json"], 2);
    assert_eq!(e["code"], "profile", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("no such profile"),
        "{e}"
    );
    let e = fx.setup_error(&["verify", ":src", "mig:dst", "--json"], 2);
    assert_eq!(e["code"], "address", "{e}");
    let e = fx.setup_error(&["kv", "keys", "src", "--json"], 2);
    assert_eq!(e["code"], "address", "{e}");
    assert!(e["message"].as_str().unwrap().contains("-p PROFILE"), "{e}");
    let e = fx.setup_error(&["fs", "ls", "mig:src", "--json"], 2);
    assert_eq!(e["code"], "mount", "{e}");
    fx.setup_error(&["mounts", "--json"], 2);

    // A profile file that does not parse, and a mount it cannot configure: file and line.
    fx.profile(
        "torn",
        "[kv.a]\nbackend = \"json\"\nstore = \"a.json\"\n[kv.b\n",
    );
    let e = fx.setup_error(&["diff", "torn:a", "mig:dst", "--json"], 1);
    assert_eq!(e["code"], "profile", "{e}");
    assert!(e["file"].as_str().unwrap().ends_with("torn.toml"), "{e}");
    assert_eq!(e["line"], 4, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("invalid TOML"),
        "{e}"
    );
    fx.profile(
        "broken",
        "[kv.a]\nbackend = \"json\"\nstore = \"a.json\"\nmaxEntries = \"ten\"\n",
    );
    let e = fx.setup_error(&["kv", "keys", "broken:a", "--json"], 1);
    assert_eq!(e["code"], "mount", "{e}");
    assert!(e["file"].as_str().unwrap().ends_with("broken.toml"), "{e}");
    assert_eq!(e["line"], 4, "{e}");
    let e = fx.setup_error(&["mounts", "-p", "torn", "--json"], 1);
    assert_eq!(e["line"], 4, "{e}");

    // Without --json stdout stays empty: the text on stderr is the whole answer.
    let (out, err) = fx.fails_with_output(&["diff", "mig:src", "mig:nosuch"], 2);
    assert_eq!(out, "");
    assert!(err.contains("has no fs mount `nosuch`"), "{err}");
}

#[test]
fn json_commands_report_a_store_that_cannot_be_opened_as_json() {
    let fx = migrate_fixture();
    // A corrupt JSON file fails opening the mount, not only the first read.
    std::fs::write(fx.path("mig/src.json"), "{\"a\": 1,").unwrap();
    for args in [
        &["diff", "mig:src", "mig:dst", "--json"][..],
        &["copy", "mig:src", "mig:dst", "--json"],
        &["verify", "mig:dst", "mig:src", "--json"],
        &["kv", "keys", "mig:src", "--json"],
    ] {
        let e = fx.setup_error(args, 1);
        assert_eq!(e["code"], "store", "{e}");
        assert_eq!(e["kind"], "corrupt", "{e}");
        let m = e["message"].as_str().unwrap();
        assert!(m.starts_with("cannot open mig:src: "), "{m}");
        assert!(m.contains("src.json") && m.contains("corrupt"), "{m}");
    }
    assert_eq!(
        std::fs::read_to_string(fx.path("mig/src.json")).unwrap(),
        "{\"a\": 1,",
        "left alone"
    );
    assert!(!fx.path("mig/dst.db").exists(), "nothing written");

    // A SQLite file that is not a database.
    std::fs::write(fx.path("mig/typed.db"), "not a database, just text\n").unwrap();
    let e = fx.setup_error(&["diff", "mig:dst", "mig:typed", "--json"], 1);
    assert_eq!(e["code"], "store", "{e}");
    assert_eq!(e["kind"], "corrupt", "{e}");
    assert!(e["message"].as_str().unwrap().contains("typed.db"), "{e}");

    // A SQLite database in a folder that cannot be made (a file is in its way).
    fx.profile(
        "blocked",
        "[kv.c]\nbackend = \"sqlite\"\ndatabase = \"../mig/src.json/c.db\"\ntable = \"kv\"\n",
    );
    let e = fx.setup_error(&["kv", "keys", "blocked:c", "--json"], 1);
    assert_eq!(e["code"], "store", "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot open blocked:c: "),
        "{e}"
    );

    // An unreachable server: the connection error, and never the password of its URL.
    fx.profile(
        "net",
        "[kv.s]\nbackend = \"redis\"\nurl = \"redis://:pw-hunter2@127.0.0.1:1/0\"\n\
         prefix = \"s:\"\nconnectTimeout = 2\n",
    );
    for args in [
        &["kv", "keys", "net:s", "--json"][..],
        &["copy", "mig:dst", "net:s", "--json", "--dry-run"],
    ] {
        let e = fx.setup_error(args, 1);
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert_eq!(e["code"], "store", "{e}");
        assert_eq!(e["kind"], "connection", "{e}");
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .starts_with("cannot open net:s: "),
            "{e}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// kv against real stores (needs the json/sqlite backends)
// ---------------------------------------------------------------------------------------------

#[test]
fn kv_set_get_keys_dump_del_on_json_file() {
    let fx = Fixture::new();
    fx.ok(&["kv", "set", "local:open", "name", "\"Alice\""]);
    fx.ok(&[
        "kv",
        "set",
        "-p",
        "local",
        "open",
        "prefs",
        r#"{"b":1,"a":[true,null,2.5]}"#,
    ]);
    fx.ok(&["kv", "set", "local:open", "n", "-5"]);
    assert_eq!(fx.ok(&["kv", "get", "local:open", "name"]), "\"Alice\"\n");
    assert_eq!(
        fx.ok(&["kv", "get", "local:open", "prefs"]),
        "{\"b\":1,\"a\":[true,null,2.5]}\n"
    );
    assert_eq!(fx.ok(&["kv", "get", "local:open", "n"]), "-5\n");
    // The file is what rill writes: pretty, 2 spaces, insertion order, no trailing newline.
    let text = std::fs::read_to_string(fx.path("data/open.json")).unwrap();
    assert_eq!(
        text,
        "{\n  \"name\": \"Alice\",\n  \"prefs\": {\n    \"b\": 1,\n    \"a\": [\n      true,\n      null,\n      2.5\n    ]\n  },\n  \"n\": -5\n}"
    );
    assert_eq!(fx.ok(&["kv", "keys", "local:open"]), "name\nprefs\nn\n");
    let keys: Vec<String> =
        serde_json::from_str(&fx.ok(&["kv", "keys", "local:open", "--json"])).unwrap();
    assert_eq!(keys, ["name", "prefs", "n"]);
    let dump: serde_json::Value =
        serde_json::from_str(&fx.ok(&["kv", "dump", "local:open"])).unwrap();
    assert_eq!(
        dump,
        serde_json::json!({"name":"Alice","prefs":{"b":1,"a":[true,null,2.5]},"n":-5})
    );
    fx.ok(&["kv", "del", "local:open", "name"]);
    let e = fx.fails(&["kv", "del", "local:open", "name"], 1);
    assert!(e.contains("not found"), "{e}");
    let e = fx.fails(&["kv", "get", "local:open", "name"], 1);
    assert!(e.contains("key `name` not found in local:open"), "{e}");
}

#[test]
fn kv_schema_is_enforced_and_defaults_shown() {
    let fx = Fixture::new();
    let e = fx.fails(&["kv", "set", "local:user", "count", "\"many\""], 1);
    assert!(e.contains("expects number"), "{e}");
    let e = fx.fails(&["kv", "set", "local:user", "other", "1"], 1);
    assert!(e.contains("other"), "{e}");
    fx.ok(&["kv", "set", "local:user", "count", "3"]);
    assert_eq!(fx.ok(&["kv", "get", "local:user", "count"]), "3\n");
    assert_eq!(fx.ok(&["kv", "get", "local:user", "name"]), "\"\"\n");
}

#[test]
fn kv_on_sqlite_stores_compact_text_in_rills_table() {
    let fx = Fixture::new();
    fx.ok(&[
        "kv",
        "set",
        "local:cache",
        "user:7",
        r#"{ "name" : "Ada", "tags" : [1, 2] }"#,
    ]);
    fx.ok(&["kv", "set", "local:cache", "", "\"empty key\""]);
    let db = rusqlite::Connection::open(fx.path("data/cache.db")).unwrap();
    let v: String = db
        .query_row(
            "SELECT value FROM cache_entries WHERE key = 'user:7'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(v, r#"{"name":"Ada","tags":[1,2]}"#);
    let mode: String = db
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(fx.ok(&["kv", "get", "local:cache", ""]), "\"empty key\"\n");
    let mut keys: Vec<String> =
        serde_json::from_str(&fx.ok(&["kv", "keys", "local:cache", "--json"])).unwrap();
    keys.sort();
    assert_eq!(keys, ["", "user:7"]);
}

#[test]
fn kv_keys_and_dump_stream_many_entries() {
    let fx = Fixture::new();
    let db = rusqlite::Connection::open(fx.path("data/cache.db")).unwrap();
    db.execute_batch(
        "PRAGMA journal_mode = WAL;\nCREATE TABLE IF NOT EXISTS cache_entries (\n          key TEXT PRIMARY KEY,\n          value TEXT NOT NULL\n        );",
    )
    .unwrap();
    let tx = db.unchecked_transaction().unwrap();
    for i in 0..5000 {
        tx.execute(
            "INSERT INTO cache_entries VALUES (?1, ?2)",
            (format!("k{i:05}"), format!("{{\"i\":{i}}}")),
        )
        .unwrap();
    }
    tx.commit().unwrap();
    drop(db);
    let keys = fx.ok(&["kv", "keys", "local:cache"]);
    assert_eq!(keys.lines().count(), 5000);
    let dump: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&fx.ok(&["kv", "dump", "local:cache"])).unwrap();
    assert_eq!(dump.len(), 5000);
    assert_eq!(dump["k04321"], serde_json::json!({"i": 4321}));
    // A reader that stops early (`| head -1`) ends the command quietly with success.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("rillmount"))
        .args(["kv", "dump", "local:cache"])
        .current_dir(fx.dir.path())
        .env_remove("RILLMOUNT_PROFILE")
        .env("XDG_CONFIG_HOME", fx.path("xdg"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn kv_empty_store_outputs_are_valid_json() {
    let fx = Fixture::new();
    std::fs::write(fx.path("data/open.json"), "{}").unwrap();
    assert_eq!(fx.ok(&["kv", "keys", "local:open", "--json"]), "[]\n");
    assert_eq!(fx.ok(&["kv", "dump", "local:open"]), "{}\n");
    assert_eq!(fx.ok(&["kv", "keys", "local:open"]), "");
}

#[test]
fn kv_corrupt_json_store_is_an_error_and_left_alone() {
    let fx = Fixture::new();
    std::fs::write(fx.path("data/open.json"), "{\"a\": 1,").unwrap();
    fx.fails(&["kv", "keys", "local:open"], 1);
    fx.fails(&["kv", "set", "local:open", "b", "2"], 1);
    assert_eq!(
        std::fs::read_to_string(fx.path("data/open.json")).unwrap(),
        "{\"a\": 1,"
    );
}

#[test]
fn protected_write_with_yes_goes_through() {
    let fx = Fixture::new();
    fx.profile(
        "prot",
        &LOCAL.replace("description = \"temp profile\"", "protect = true"),
    );
    fx.ok(&["kv", "set", "prot:open", "k", "1", "--yes"]);
    assert_eq!(fx.ok(&["kv", "get", "prot:open", "k"]), "1\n");
}

// ---------------------------------------------------------------------------------------------
// fs against a local folder (needs the local backend)
// ---------------------------------------------------------------------------------------------

#[test]
fn fs_put_cat_ls_stat_rm() {
    let fx = Fixture::new();
    let binary: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    std::fs::write(fx.path("blob.bin"), &binary).unwrap();
    fx.ok(&["fs", "put", "local:files/bin/blob.bin", "blob.bin"]);
    let o = fx
        .cmd()
        .args(["fs", "cat", "local:files/bin/blob.bin"])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_eq!(o.stdout, binary, "raw bytes round trip");
    assert_eq!(
        std::fs::read(fx.path("data/files/bin/blob.bin")).unwrap(),
        binary
    );

    fx.cmd()
        .args(["fs", "put", "-p", "local", "files/notes.txt", "-"])
        .write_stdin("hello\nworld\n")
        .assert()
        .success();
    assert_eq!(
        std::fs::read_to_string(fx.path("data/files/notes.txt")).unwrap(),
        "hello\nworld\n"
    );

    let ls = fx.ok(&["fs", "ls", "local:files"]);
    assert!(ls.contains("bin/") && ls.contains("notes.txt"), "{ls}");
    let v: serde_json::Value =
        serde_json::from_str(&fx.ok(&["fs", "ls", "local:files/bin", "--json"])).unwrap();
    assert_eq!(v[0]["name"], "blob.bin");
    assert_eq!(v[0]["type"], "file");
    assert_eq!(v[0]["size"], 300_000);

    let st: serde_json::Value =
        serde_json::from_str(&fx.ok(&["fs", "stat", "local:files/notes.txt", "--json"])).unwrap();
    assert_eq!(st["size"], 12);
    assert_eq!(st["type"], "file");
    let human = fx.ok(&["fs", "stat", "local:files/notes.txt"]);
    assert!(human.contains("size:     12"), "{human}");

    fx.ok(&["fs", "rm", "local:files/notes.txt"]);
    assert!(!fx.path("data/files/notes.txt").exists());
    let e = fx.fails(&["fs", "rm", "local:files/notes.txt"], 1);
    assert!(e.contains("no such file"), "{e}");
    fx.fails(&["fs", "cat", "local:files/notes.txt"], 1);
    fx.fails(&["fs", "stat", "local:files/notes.txt"], 1);
}

#[test]
fn fs_reads_work_on_read_mounts_and_missing_source_fails() {
    let fx = Fixture::new();
    std::fs::write(fx.path("data/files/a.txt"), "A").unwrap();
    assert_eq!(fx.ok(&["fs", "cat", "local:archive/a.txt"]), "A");
    let e = fx.fails(&["fs", "put", "local:files/b.txt", "nope.txt"], 1);
    assert!(e.contains("cannot read nope.txt"), "{e}");
}

#[test]
fn demo_data_reads_through_every_backend() {
    let fx = Fixture::new();
    let demo = repo_path("profiles/demo.toml");
    let p = demo.to_str().unwrap();
    assert_eq!(
        fx.ok(&["kv", "get", "-p", p, "user", "theme"]),
        "\"dark\"\n"
    );
    assert_eq!(
        fx.ok(&["kv", "keys", "-p", p, "cache"]).lines().count(),
        200
    );
    let dump: serde_json::Value =
        serde_json::from_str(&fx.ok(&["kv", "dump", "-p", p, "flags"])).unwrap();
    assert_eq!(dump["counter.signups"], 1284);
    let o = fx
        .cmd()
        .args(["fs", "cat", "-p", p, "files/images/logo.png"])
        .output()
        .unwrap();
    assert_eq!(
        o.stdout,
        std::fs::read(repo_path("assets/demo/files/images/logo.png")).unwrap()
    );
    let e = fx.fails(&["kv", "set", "-p", p, "flags", "x", "1"], 1);
    assert!(e.contains("--yes"), "demo is protected: {e}");
}

// ---------------------------------------------------------------------------------------------
// kv against a real redis-server started by the test (needs the redis backend)
// ---------------------------------------------------------------------------------------------

/// A password-protected redis-server on a free loopback port, killed on drop.
struct Redis {
    child: std::process::Child,
    port: u16,
    _dir: TempDir,
}

impl Redis {
    fn start(password: &str) -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--requirepass", password])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("redis-server not found ({e}): install it with `apt-get install -y redis-server`")
            });
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Redis {
            child,
            port,
            _dir: dir,
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn kv_on_redis_round_trip_and_no_password_in_errors() {
    let password = "pw-Zq81-hunter2";
    let redis = Redis::start(password);
    let fx = Fixture::new();
    fx.profile(
        "r",
        &format!(
            "[kv.s]\nbackend = \"redis\"\nurl = \"${{env:RM_URL}}\"\nprefix = \"app:s:\"\nttl = 600\n\n\
             [kv.bad]\nbackend = \"redis\"\nurl = \"redis://:wrong-{password}@127.0.0.1:{}/0\"\nprefix = \"app:b:\"\n",
            redis.port
        ),
    );
    let url = format!("redis://:{password}@127.0.0.1:{}/0", redis.port);
    let run = |args: &[&str]| {
        let o = fx.cmd().args(args).env("RM_URL", &url).output().unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(
            !stdout.contains(password) && !stderr.contains(password),
            "{stdout}{stderr}"
        );
        (o.status.code(), stdout, stderr)
    };
    assert_eq!(run(&["kv", "set", "r:s", "name", "\"Alice\""]).0, Some(0));
    assert_eq!(run(&["kv", "set", "r:s", "n", "{\"a\":[1,2]}"]).0, Some(0));
    assert_eq!(run(&["kv", "get", "r:s", "n"]).1, "{\"a\":[1,2]}\n");
    let mut keys: Vec<String> =
        serde_json::from_str(&run(&["kv", "keys", "r:s", "--json"]).1).unwrap();
    keys.sort();
    assert_eq!(keys, ["n", "name"]);
    let dump: serde_json::Value = serde_json::from_str(&run(&["kv", "dump", "r:s"]).1).unwrap();
    assert_eq!(
        dump,
        serde_json::json!({"name": "Alice", "n": {"a": [1, 2]}})
    );
    assert_eq!(run(&["kv", "del", "r:s", "name"]).0, Some(0));
    let (code, _, err) = run(&["kv", "keys", "r:bad"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("127.0.0.1"), "{err}");
    let (_, out, _) = run(&["mounts", "-p", "r", "--json"]);
    assert!(
        out.contains(&format!("redis://127.0.0.1:{}/0", redis.port)),
        "{out}"
    );
}

#[test]
fn copy_exports_kv_to_files_and_a_document_and_imports_back() {
    let fx = migrate_fixture();
    let out = fx.ok(&["copy", "-p", "mig", "src", "a", "--verify", "--no-journal"]);
    assert!(out.contains("copied 3"), "{out}");
    assert!(out.contains("verified 3 item(s): 3 matching"), "{out}");
    assert_eq!(
        std::fs::read_to_string(fx.path("mig/a/tags.json")).unwrap(),
        "[\n  1,\n  2\n]"
    );
    // One document in rill's JSON-store format: the same bytes as the source store.
    let out = fx.ok(&[
        "copy",
        "-p",
        "mig",
        "src",
        "b",
        "--as-document",
        "state.json",
        "--no-journal",
    ]);
    assert!(out.contains("copied 3"), "{out}");
    assert_eq!(
        std::fs::read(fx.path("mig/b/state.json")).unwrap(),
        std::fs::read(fx.path("mig/src.json")).unwrap()
    );
    fx.ok(&[
        "verify",
        "-p",
        "mig",
        "src",
        "b",
        "--as-document",
        "state.json",
    ]);
    // Import: a key per file.
    let out = fx.ok(&["copy", "-p", "mig", "a", "dst", "--verify", "--no-journal"]);
    assert!(out.contains("copied 3"), "{out}");
    assert_eq!(fx.ok(&["kv", "get", "mig:dst", "tags"]), "[1,2]\n");
    fx.ok(&["verify", "-p", "mig", "src", "dst"]);
}

#[test]
fn keys_dump_and_ls_take_a_match_pattern_and_keys_counts() {
    let fx = Fixture::new();
    for (k, v) in [
        ("user:1", "1"),
        ("user:2", "2"),
        ("user:10", "10"),
        ("users:x", "0"),
        ("a*b", "\"star\""),
        ("ключ:1", "true"),
    ] {
        fx.ok(&["kv", "set", "local:cache", k, v]);
        fx.ok(&["kv", "set", "local:open", k, v]);
    }
    for mount in ["local:cache", "local:open"] {
        let lines = |args: &[&str]| -> Vec<String> {
            let mut all = vec!["kv", "keys", mount];
            all.extend_from_slice(args);
            let mut v: Vec<String> = fx.ok(&all).lines().map(str::to_string).collect();
            v.sort();
            v
        };
        assert_eq!(
            lines(&["--match", "user:*"]),
            ["user:1", "user:10", "user:2"]
        );
        assert_eq!(lines(&["--match", "user:?"]), ["user:1", "user:2"]);
        assert_eq!(lines(&["--match", "a\\*b"]), ["a*b"]);
        assert_eq!(lines(&["--match", "ключ*"]), ["ключ:1"]);
        assert!(lines(&["--match", "nothing*"]).is_empty());
        assert_eq!(lines(&["--count"]), ["6"]);
        assert_eq!(lines(&["--match", "user*", "--count"]), ["4"]);
        let v: serde_json::Value =
            serde_json::from_str(&fx.ok(&["kv", "keys", mount, "--match", "u*", "--json"]))
                .unwrap();
        assert_eq!(v.as_array().unwrap().len(), 4);
        let dump: serde_json::Value =
            serde_json::from_str(&fx.ok(&["kv", "dump", mount, "--match", "user:1*"])).unwrap();
        assert_eq!(dump, serde_json::json!({"user:1": 1, "user:10": 10}));
    }
    let e = fx.fails(&["kv", "keys", "local:cache", "--match", "user:[12"], 2);
    assert!(e.contains("without its `]` at column 6"), "{e}");
    for f in ["docs/2024/a.md", "docs/2024/b.txt", "docs/old.md", "top.md"] {
        let p = fx.path(&format!("data/files/{f}"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, f).unwrap();
    }
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["fs", "ls"];
        all.extend_from_slice(args);
        let out = fx.ok(&all);
        let mut v: Vec<String> = out
            .lines()
            .map(|l| l.rsplit("  ").next().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        names(&["local:files", "--recursive", "--match", "*.md"]),
        ["docs/2024/a.md", "docs/old.md", "top.md"]
    );
    assert_eq!(
        names(&["local:files/docs", "-r"]),
        ["2024/a.md", "2024/b.txt", "old.md"]
    );
    assert_eq!(
        names(&["local:files/docs", "-r", "--match", "2024/*"]),
        ["2024/a.md", "2024/b.txt"]
    );
    assert_eq!(names(&["local:files", "--match", "t*"]), ["top.md"]);
    assert_eq!(names(&["local:files", "--match", "d*"]), ["docs/"]);
}

#[test]
fn grep_finds_keys_by_a_substring_or_a_value_at_a_json_path() {
    let fx = Fixture::new();
    for (k, v) in [
        ("u:1", r#"{"user":{"plan":"pro"},"n":1}"#),
        ("u:2", r#"{"user":{"plan":"free"},"n":2}"#),
        ("u:3", r#"{"user":{"plan":"pro"},"tags":["a","b"]}"#),
        ("other", r#""pro""#),
    ] {
        fx.ok(&["kv", "set", "local:cache", k, v]);
    }
    let keys = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["kv", "grep", "local:cache"];
        all.extend_from_slice(args);
        let mut v: Vec<String> = fx.ok(&all).lines().map(str::to_string).collect();
        v.sort();
        v
    };
    assert_eq!(keys(&["pro"]), ["other", "u:1", "u:3"]);
    assert_eq!(keys(&["\"pro\"", "--path", ".user.plan"]), ["u:1", "u:3"]);
    assert_eq!(
        keys(&["pro", "--path", ".user.plan", "--match", "u:1*"]),
        ["u:1"]
    );
    assert_eq!(keys(&["b", "--path", ".tags[1]"]), ["u:3"]);
    assert_eq!(keys(&["2", "--path", ".n"]), ["u:2"]);
    assert!(keys(&["nothing"]).is_empty());
    let (code, out, err) = fx.run(&["kv", "grep", "local:cache", "pro", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert!(err.contains("3 of 4 values match"), "{err}");
    let e = fx.fails(&["kv", "grep", "local:cache", "1", "--path", "user"], 2);
    assert!(e.contains("starts with `.`"), "{e}");
}
