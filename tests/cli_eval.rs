//! `rillmount eval` end to end: plain output, `--json`, `--jsonl`, `--host` replay, stdin.

mod support;

use assert_cmd::Command;
use predicates::prelude::*;

fn bin() -> Command {
    Command::cargo_bin("rillmount").unwrap_or_else(|e| panic!("binary not built: {e}"))
}

#[test]
fn plain_mode_prints_display_form_and_logs_to_stderr() {
    bin()
        .args(["eval", "--rill", "0.8", "-e", "\"hi\" -> log -> .upper"])
        .assert()
        .success()
        .stdout("HI\n")
        .stderr(predicate::str::contains("hi"));
}

#[test]
fn plain_mode_error_has_position_source_line_and_caret() {
    bin()
        .args(["eval", "--rill", "0.8", "-e", "1 -> $x"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("RILL-R005"))
        .stderr(predicate::str::contains("1:6"))
        .stderr(predicate::str::contains("1 | 1 -> $x"))
        .stderr(predicate::str::contains("     ^"));
}

#[test]
fn json_mode_follows_the_runner_contract() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let f = dir.path().join("s.rill");
    std::fs::write(&f, "[1, 2] -> map { $ * 2 } -> log\n").unwrap_or_else(|e| panic!("write: {e}"));
    bin()
        .args(["eval", "--rill", "0.8", "--json"])
        .arg(&f)
        .assert()
        .success()
        .stdout("{\"ok\":true,\"value\":[2,4],\"logs\":[\"[2,4]\"]}\n");
    bin()
        .args(["eval", "--rill", "0.8", "--json", "-"])
        .write_stdin("nope()")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"code\":\"RILL-R006\""));
}

#[test]
fn jsonl_batch_answers_in_order() {
    let input = "{\"id\":1,\"script\":\"1 + 1\",\"host\":null}\n{\"id\":2,\"script\":\"$\",\"host\":null}\n";
    bin()
        .args(["eval", "--rill", "0.8", "--json", "--jsonl"])
        .write_stdin(input)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("{\"ok\":true,\"value\":2,"))
        .stdout(predicate::str::contains("RILL-R005"));
}

#[test]
fn host_replay_returns_recorded_results_and_validates_types() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let host = dir.path().join("host.json");
    std::fs::write(
        &host,
        r#"{"functions":{"kv::get":{"params":[{"name":"key","type":"string"}],"returnType":null}},
            "calls":[{"name":"kv::get","args":["a"],"result":"A"}],
            "variables":{"who":"me"}}"#,
    )
    .unwrap_or_else(|e| panic!("write: {e}"));
    let script = dir.path().join("s.rill");
    std::fs::write(&script, "\"a\" -> kv::get -> \"{$}-{$who}\"")
        .unwrap_or_else(|e| panic!("write: {e}"));
    bin()
        .args(["eval", "--rill", "0.8", "--json", "--host"])
        .arg(&host)
        .arg(&script)
        .assert()
        .stdout(predicate::str::contains("\"value\":\"A-me\""));
    std::fs::write(&script, "kv::get(1)").unwrap_or_else(|e| panic!("write: {e}"));
    bin()
        .args(["eval", "--rill", "0.8", "--json", "--host"])
        .arg(&host)
        .arg(&script)
        .assert()
        .stdout(predicate::str::contains("RILL-R001"));
}

/// A profile with one JSON kv mount and one local fs mount in a temp dir.
fn profile_dir(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    std::fs::create_dir(dir.path().join("files")).unwrap_or_else(|e| panic!("mkdir: {e}"));
    std::fs::write(dir.path().join("app.json"), "{\n  \"a\": \"1\"\n}")
        .unwrap_or_else(|e| panic!("write: {e}"));
    let toml = format!(
        "[profile]\n{extra}\n[kv.app]\nbackend = \"json\"\nstore = \"app.json\"\nmode = \"read-write\"\n\n\
         [fs.files]\nbackend = \"local\"\npath = \"files\"\nmode = \"read-write\"\n"
    );
    std::fs::write(dir.path().join("p.toml"), toml).unwrap_or_else(|e| panic!("write: {e}"));
    dir
}

#[test]
fn profile_dry_run_prints_the_diff_and_writes_nothing() {
    let dir = profile_dir("");
    let p = dir.path().join("p.toml");
    let script = "kv::set(\"app\", \"a\", \"2\")\nkv::set(\"app\", \"b\", \"x\")\nfs::write(\"files\", \"n.txt\", \"hi\")\nkv::get(\"app\", \"a\")";
    bin()
        .args(["eval", "--rill", "0.8", "--dry-run", "-p"])
        .arg(&p)
        .args(["-e", script])
        .assert()
        .success()
        .stdout("2\n")
        .stderr(predicate::str::contains("~ kv app/a: \"1\" → \"2\""))
        .stderr(predicate::str::contains("+ kv app/b: (none) → \"x\""))
        .stderr(predicate::str::contains(
            "+ fs files/n.txt: (none) → 2 bytes: \"hi\"",
        ));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.json")).unwrap_or_default(),
        "{\n  \"a\": \"1\"\n}"
    );
    assert!(!dir.path().join("files/n.txt").exists());
    bin()
        .args(["eval", "--rill", "0.8", "--json", "--dry-run", "-p"])
        .arg(&p)
        .args(["-e", "kv::delete(\"app\", \"a\")"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "\"changes\":[{\"store\":\"kv\",\"mount\":\"app\",\"target\":\"a\",\"before\":\"\\\"1\\\"\",\"after\":null}]",
        ));
}

#[test]
fn profile_run_writes_and_flushes_json() {
    let dir = profile_dir("");
    let p = dir.path().join("p.toml");
    bin()
        .args(["eval", "--rill", "0.8", "-p"])
        .arg(&p)
        .args(["-e", "kv::set(\"app\", \"b\", \"x\")"])
        .assert()
        .success()
        .stdout("true\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.json")).unwrap_or_default(),
        "{\n  \"a\": \"1\",\n  \"b\": \"x\"\n}"
    );
}

#[test]
fn protected_profile_needs_yes_and_errors_show_the_position() {
    let dir = profile_dir("protect = true");
    let p = dir.path().join("p.toml");
    bin()
        .args(["eval", "--rill", "0.8", "-p"])
        .arg(&p)
        .args(["-e", "1\nkv::set(\"app\", \"b\", \"x\")"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is protected"))
        .stderr(predicate::str::contains("--yes"))
        .stderr(predicate::str::contains("--> 2:1"))
        .stderr(predicate::str::contains("2 | kv::set"));
    bin()
        .args(["eval", "--rill", "0.8", "--yes", "-p"])
        .arg(&p)
        .args(["-e", "kv::set(\"app\", \"b\", \"x\")"])
        .assert()
        .success();
}

#[test]
fn step_limit_and_timeout_stop_a_run() {
    let endless = "^(limit: 1000000000) 0 -> ($ >= 0) @ { $ + 1 }";
    bin()
        .args(["eval", "--rill", "0.8", "--max-steps", "100", "-e", endless])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("RILL-R010"));
    bin()
        .args(["eval", "--rill", "0.8", "--timeout", "0.2", "-e", endless])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("RILL-R013"))
        .stderr(predicate::str::contains("time limit"));
}

#[test]
fn ctrl_c_cancels_a_run() {
    let exe = assert_cmd::cargo::cargo_bin("rillmount");
    let child = std::process::Command::new(exe)
        .args([
            "eval",
            "--rill",
            "0.8",
            "-e",
            "^(limit: 1000000000) 0 -> ($ >= 0) @ { $ + 1 }",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    std::thread::sleep(std::time::Duration::from_millis(500));
    let ok = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill -INT failed");
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RILL-R013"));
}

/// Issue 9, finding 4: `eval --call-timeout 1` against a Redis mount whose server is stopped
/// (SIGSTOP) used to wait for the 5 s connect timeout (15 s with three such mounts) and end with
/// "no answer within 5s". Connecting now counts as part of the call: RILL-R012 after the limit.
/// A snippet that never calls the frozen mount returns at once.
#[test]
fn eval_call_timeout_bounds_connecting_to_a_stopped_redis() {
    let server = support::redis::RedisServer::start();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut toml = String::new();
    for name in ["state", "cache", "queue"] {
        toml.push_str(&format!(
            "[kv.{name}]\nbackend = \"redis\"\nurl = \"{}\"\nprefix = \"{name}:\"\n\n",
            server.url()
        ));
    }
    std::fs::write(dir.path().join("p.toml"), toml).unwrap_or_else(|e| panic!("write: {e}"));
    let profile = dir.path().join("p.toml");
    let profile = profile.to_str().unwrap_or_default();
    server.pause();

    let t = std::time::Instant::now();
    bin()
        .args([
            "eval",
            "--rill",
            "0.8",
            "-p",
            profile,
            "--call-timeout",
            "1",
        ])
        .args(["-e", r#"kv::get("state", "hello")"#])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("RILL-R012"))
        .stderr(predicate::str::contains(
            "Function 'kv::get' timed out after 1000ms",
        ));
    let took = t.elapsed();
    assert!(took < std::time::Duration::from_secs(3), "took {took:?}");

    let t = std::time::Instant::now();
    bin()
        .args(["eval", "--rill", "0.8", "-p", profile, "-e", "1 + 1"])
        .assert()
        .success()
        .stdout("2\n");
    let took = t.elapsed();
    assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
    server.resume();
}

#[test]
fn the_dialect_comes_from_the_flag_then_the_profile() {
    // A profile that says 0.20 runs 0.20 (a 0.8 script there gets the hint to switch);
    // `--rill 0.8` overrides the profile.
    let dir = profile_dir("rill = \"0.20\"");
    let p = dir.path().join("p.toml");
    bin()
        .args(["eval", "-p"])
        .arg(&p)
        .args(["-e", "list[1, 2] -> .len"])
        .assert()
        .success()
        .stdout("2\n");
    bin()
        .args(["eval", "-p"])
        .arg(&p)
        .args(["-e", "kv::get(\"app\", \"a\")"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--rill 0.8"));
    bin()
        .args(["eval", "--rill", "0.8", "-p"])
        .arg(&p)
        .args(["-e", "kv::get(\"app\", \"a\")"])
        .assert()
        .success()
        .stdout("1\n");
    bin()
        .args(["mounts", "-p"])
        .arg(&p)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "scripts: rill 0.20 (set by [profile] rill at ",
        ))
        .stdout(predicate::str::contains("p.toml:2)"));
    bin()
        .args(["eval", "--rill", "0.19", "-e", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "rillmount speaks 0.8 (v0.8.6) and 0.20",
        ));
}

#[test]
fn a_rill_config_that_cannot_tell_asks_which_rill() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let cfg = dir.path().join("rill-config.json");
    let text = r#"{"extensions":{"mounts":{"kv":"@rcrsr/rill-ext-kv-sqlite"},
        "config":{"kv":{"mounts":{"app":{"mode":"read-write","database":"./a.db","table":"t"}}}}}}"#;
    std::fs::write(&cfg, text).unwrap_or_else(|e| panic!("write: {e}"));
    bin()
        .args(["eval", "-p"])
        .arg(&cfg)
        .args(["-e", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "which rill does this profile run?",
        ))
        .stderr(predicate::str::contains("\"rill\": \"0.20\""));
    bin()
        .args(["eval", "--rill", "0.8", "-p"])
        .arg(&cfg)
        .args(["-e", "1"])
        .assert()
        .success()
        .stdout("1\n");
    let pinned = text.replacen('{', r#"{"rill":"0.8","#, 1);
    std::fs::write(&cfg, pinned).unwrap_or_else(|e| panic!("write: {e}"));
    bin()
        .args(["eval", "-p"])
        .arg(&cfg)
        .args(["-e", "1"])
        .assert()
        .success()
        .stdout("1\n");
}

#[test]
fn a_script_of_the_other_rill_gets_a_hint() {
    bin()
        .args(["eval", "--rill", "0.8", "-e", "1 => $x\nlist[1, 2] -> seq({ $ * 2 })"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("RILL-R006"))
        .stderr(predicate::str::contains(
            "hint: line 2 uses `list[`, which is rill 0.20 syntax, not 0.8: run it with --rill 0.20",
        ));
    // An error of a 0.8 script has none.
    bin()
        .args(["eval", "--rill", "0.8", "-e", "[1, 2] -> each { nope() }"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("hint").not());
}

/// `eval --json` in an empty temp dir (no profiles found there or in the user config folder):
/// (exit code, stdout parsed as JSON, stderr).
fn eval_json_in(dir: &std::path::Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let o = bin()
        .current_dir(dir)
        .env_remove("RILLMOUNT_PROFILE")
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env("HOME", dir.join("home"))
        .args(["eval", "--json"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let v = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON ({e}): {out:?}"));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    (o.status.code().unwrap_or(-1), v, err)
}

/// The setup error of the runner contract, with the message stderr ends with too (after any
/// warnings of the profile).
fn assert_setup_error(v: &serde_json::Value, err: &str, code: &str) {
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["phase"], "setup", "{v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{v}");
    assert_eq!(
        err.lines().last(),
        Some(format!("error: {message}").as_str())
    );
}

#[test]
fn json_mode_reports_a_missing_profile_as_a_setup_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let (code, v, err) = eval_json_in(dir.path(), &["-e", "1", "--profile", "nonexist"]);
    assert_eq!(code, 2, "{v} {err}");
    assert_setup_error(&v, &err, "profile");
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("profile `nonexist`: no such profile"),
        "{message}"
    );
    let (code, v, err) = eval_json_in(dir.path(), &["-e", "1", "-p", "./none.toml"]);
    assert_eq!(code, 2, "{v} {err}");
    assert_setup_error(&v, &err, "profile");
    // Without --json the text on stderr is all.
    bin()
        .current_dir(dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .args(["eval", "-e", "1", "-p", "nonexist"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("error: profile `nonexist`"));
}

#[test]
fn json_mode_reports_a_broken_profile_with_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let toml = "[profile]\nrill = \"0.20\"\n\n[kv.app]\nbackend = \"json\"\nstore = = \"a.json\"\n";
    std::fs::write(dir.path().join("p.toml"), toml).unwrap_or_else(|e| panic!("write: {e}"));
    let (code, v, err) = eval_json_in(dir.path(), &["-e", "1", "-p", "p.toml"]);
    assert_eq!(code, 1, "{v} {err}");
    assert_setup_error(&v, &err, "profile");
    let file = v["error"]["file"].as_str().unwrap_or_default();
    assert!(file.ends_with("p.toml"), "{v}");
    assert_eq!(v["error"]["line"], 6, "{v}");
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("p.toml:6: invalid TOML"), "{message}");

    // A rill-config.json that cannot tell which rill it runs: the file, no line.
    let cfg = dir.path().join("rill-config.json");
    let text = r#"{"extensions":{"mounts":{"kv":"@rcrsr/rill-ext-kv-sqlite"},
        "config":{"kv":{"mounts":{"app":{"mode":"read-write","database":"./a.db","table":"t"}}}}}}"#;
    std::fs::write(&cfg, text).unwrap_or_else(|e| panic!("write: {e}"));
    let (code, v, err) = eval_json_in(dir.path(), &["-e", "1", "-p", "rill-config.json"]);
    assert_eq!(code, 2, "{v} {err}");
    assert_setup_error(&v, &err, "profile");
    let message = v["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("which rill does this profile run?"), "{v}");
    let file = v["error"]["file"].as_str().unwrap_or_default();
    assert!(file.ends_with("rill-config.json"), "{v}");
}
