//! `rillmount eval` end to end: plain output, `--json`, `--jsonl`, `--host` replay, stdin.

use assert_cmd::Command;
use predicates::prelude::*;

fn bin() -> Command {
    Command::cargo_bin("rillmount").unwrap_or_else(|e| panic!("binary not built: {e}"))
}

#[test]
fn plain_mode_prints_display_form_and_logs_to_stderr() {
    bin()
        .args(["eval", "-e", "\"hi\" -> log -> .upper"])
        .assert()
        .success()
        .stdout("HI\n")
        .stderr(predicate::str::contains("hi"));
}

#[test]
fn plain_mode_error_has_position_source_line_and_caret() {
    bin()
        .args(["eval", "-e", "1 -> $x"])
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
        .args(["eval", "--json"])
        .arg(&f)
        .assert()
        .success()
        .stdout("{\"ok\":true,\"value\":[2,4],\"logs\":[\"[2,4]\"]}\n");
    bin()
        .args(["eval", "--json", "-"])
        .write_stdin("nope()")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"code\":\"RILL-R006\""));
}

#[test]
fn jsonl_batch_answers_in_order() {
    let input = "{\"id\":1,\"script\":\"1 + 1\",\"host\":null}\n{\"id\":2,\"script\":\"$\",\"host\":null}\n";
    bin()
        .args(["eval", "--json", "--jsonl"])
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
        .args(["eval", "--json", "--host"])
        .arg(&host)
        .arg(&script)
        .assert()
        .stdout(predicate::str::contains("\"value\":\"A-me\""));
    std::fs::write(&script, "kv::get(1)").unwrap_or_else(|e| panic!("write: {e}"));
    bin()
        .args(["eval", "--json", "--host"])
        .arg(&host)
        .arg(&script)
        .assert()
        .stdout(predicate::str::contains("RILL-R001"));
}
