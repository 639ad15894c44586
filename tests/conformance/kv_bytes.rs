//! Byte-level layout and backend-specific semantics of the core JSON kv file (spec/backends.md
//! §2.2, §2.3, §7.1, §11.1): fixtures written from the spec read to the expected values and
//! write back to the same bytes; defaults materialised, corrupt files untouched, write policies.

use std::path::{Path, PathBuf};

use rillmount::config::{
    DEFAULT_MAX_ENTRIES, DEFAULT_MAX_STORE_SIZE, DEFAULT_MAX_VALUE_SIZE, JsonKvConfig,
    KvBackendConfig, KvMountConfig, Mode, WritePolicy,
};
use rillmount::store::{ErrorKind, Json, RillCallError};

use super::kv_rill::{j, obj, schema};
use crate::support::stores::open;

const CORRUPT: &str = "state file corrupt — reset or delete to recover";

pub fn r004(message: &str) -> RillCallError {
    RillCallError::coded("RILL-R004", message)
}

pub fn json_cfg(path: &Path, policy: WritePolicy) -> KvMountConfig {
    KvMountConfig {
        name: "state".to_string(),
        mode: Mode::new("read-write"),
        schema: None,
        max_entries: DEFAULT_MAX_ENTRIES,
        max_value_size: DEFAULT_MAX_VALUE_SIZE,
        backend: KvBackendConfig::Json(JsonKvConfig {
            store: path.to_path_buf(),
            max_store_size: DEFAULT_MAX_STORE_SIZE,
            write_policy: policy,
        }),
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn tmp_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".tmp");
    PathBuf::from(s)
}

/// A store file as rill writes it: pretty, integer-like keys first, JS numbers, raw U+2028.
const FIXTURE: &str = "{\n  \"1\": \"one\",\n  \"2\": {\n    \"0\": true,\n    \"z\": null,\n    \"a\": {}\n  },\n  \"10\": [\n    1e+21,\n    0.000001,\n    1e-7,\n    123456789012345680000,\n    5e-324,\n    -1.5,\n    0\n  ],\n  \"b\": \"é😀\u{2028} \\\"q\\\" \\\\ \\n\\t\\u0001 /\",\n  \"a\": [],\n  \"\": \"\"\n}";

#[tokio::test]
async fn json_fixture_reads_and_writes_back_identical() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(&path, FIXTURE).unwrap();
    let m = open(&json_cfg(&path, WritePolicy::Dispose)).await;
    assert_eq!(m.keys().await.unwrap(), ["1", "2", "10", "b", "a", ""]);
    let nums = m.get("10").await.unwrap();
    let want = [
        1e21,
        0.000001,
        1e-7,
        123456789012345680000.0,
        5e-324,
        -1.5,
        0.0,
    ];
    assert_eq!(
        nums,
        Json::Array(want.iter().map(|n| Json::Number(*n)).collect())
    );
    assert_eq!(
        m.get("b").await.unwrap(),
        Json::str("é😀\u{2028} \"q\" \\ \n\t\u{1} /")
    );
    let nested = m.get("2").await.unwrap();
    let order: Vec<&String> = nested.as_object().unwrap().keys().collect();
    assert_eq!(order, ["0", "z", "a"]);
    m.flush().await.unwrap();
    assert_eq!(read(&path), FIXTURE);
    assert!(!tmp_of(&path).exists(), "temp file gone after flush");
    // Raw values are compact JSON.stringify text.
    let raw = m.store().get("2").await.unwrap().unwrap().text;
    assert_eq!(raw, r#"{"0":true,"z":null,"a":{}}"#);
}

#[tokio::test]
async fn json_read_only_mount_rewrites_compact_file_on_flush() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    std::fs::write(&path, r#"{"b":1,"2":-0,"1":[1E2,"x"],"__proto__":{"a":1}}"#).unwrap();
    let mut cfg = json_cfg(&path, WritePolicy::Dispose);
    cfg.mode = Mode::new("read");
    let m = open(&cfg).await;
    // Never touched: flush writes nothing.
    m.flush().await.unwrap();
    assert!(read(&path).starts_with("{\"b\""));
    assert_eq!(m.keys().await.unwrap(), ["1", "2", "b", "__proto__"]);
    assert!(!m.get_all().await.unwrap().contains_key("__proto__"));
    m.flush().await.unwrap();
    assert_eq!(
        read(&path),
        "{\n  \"1\": [\n    100,\n    \"x\"\n  ],\n  \"2\": 0,\n  \"b\": 1\n}"
    );
}

#[tokio::test]
async fn json_lone_surrogate_reads_as_replacement() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    std::fs::write(&path, r#"{"s":"\ud800x","t":"\udc00"}"#).unwrap();
    let m = open(&json_cfg(&path, WritePolicy::Dispose)).await;
    assert_eq!(m.get("s").await.unwrap(), Json::str("\u{FFFD}x"));
    assert_eq!(m.get("t").await.unwrap(), Json::str("\u{FFFD}"));
}

#[tokio::test]
async fn json_empty_store_is_two_bytes_and_parent_dirs_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b").join("s.json");
    let m = open(&json_cfg(&path, WritePolicy::Dispose)).await;
    assert!(m.keys().await.unwrap().is_empty());
    assert!(path.parent().unwrap().is_dir(), "mkdir -p at first use");
    assert!(
        !path.exists(),
        "dispose policy: nothing written before flush"
    );
    m.flush().await.unwrap();
    assert_eq!(read(&path), "{}");
}

#[tokio::test]
async fn json_declared_mode_materialises_defaults_and_drops_undeclared() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    std::fs::write(&path, r#"{"extra":1,"name":"bob"}"#).unwrap();
    let mut cfg = json_cfg(&path, WritePolicy::Dispose);
    cfg.schema = Some(schema());
    let m = open(&cfg).await;
    assert_eq!(
        m.keys().await.unwrap(),
        ["count", "name", "tags"],
        "schema order"
    );
    assert_eq!(m.get("name").await.unwrap(), Json::str("bob"));
    assert!(m.has("count").await.unwrap(), "default is a real entry");
    m.flush().await.unwrap();
    assert_eq!(
        read(&path),
        "{\n  \"count\": 0,\n  \"name\": \"bob\",\n  \"tags\": []\n}"
    );
    // A deleted declared key reads as '' (not the default) until reload.
    assert!(m.delete("count").await.unwrap());
    assert_eq!(m.get("count").await.unwrap(), Json::str(""));
    assert!(!m.has("count").await.unwrap());
    let again = open(&cfg).await;
    assert_eq!(
        again.get("count").await.unwrap(),
        j("0"),
        "present again after reload"
    );
}

#[tokio::test]
async fn json_declared_type_mismatch_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let text = r#"{"count":"7"}"#;
    std::fs::write(&path, text).unwrap();
    let mut cfg = json_cfg(&path, WritePolicy::Dispose);
    cfg.schema = Some(schema());
    let m = open(&cfg).await;
    assert_eq!(
        m.get("count").await.unwrap_err(),
        r004(r#"key "count" expects number, got string"#)
    );
    m.flush().await.unwrap();
    assert_eq!(read(&path), text, "file untouched");
}

#[tokio::test]
async fn json_corrupt_file_is_an_error_and_never_touched() {
    for text in ["{oops", "[1,2]", "null", "", "\u{feff}{}", "{} {}"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        std::fs::write(&path, text).unwrap();
        let m = open(&json_cfg(&path, WritePolicy::Immediate)).await;
        assert_eq!(m.get("a").await.unwrap_err(), r004(CORRUPT), "{text:?}");
        assert_eq!(m.set("a", j("1")).await.unwrap_err(), r004(CORRUPT));
        let raw = m.store().get("a").await.unwrap_err();
        assert_eq!(raw.kind, ErrorKind::Corrupt);
        let shown = raw.to_string();
        assert!(
            shown.contains(path.to_str().unwrap()) && shown.contains(CORRUPT),
            "{shown}"
        );
        m.flush().await.unwrap();
        assert_eq!(read(&path), text, "file untouched");
        assert!(!tmp_of(&path).exists());
    }
}

#[tokio::test]
async fn json_load_errors_come_before_other_checks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    std::fs::write(&path, "{oops").unwrap();
    let mut cfg = json_cfg(&path, WritePolicy::Dispose);
    cfg.mode = Mode::new("read");
    cfg.schema = Some(schema());
    let m = open(&cfg).await;
    assert_eq!(m.delete("count").await.unwrap_err(), r004(CORRUPT));
    assert_eq!(m.clear().await.unwrap_err(), r004(CORRUPT));
    assert_eq!(m.get("undeclared").await.unwrap_err(), r004(CORRUPT));
    assert_eq!(
        m.merge("undeclared", obj("{}")).await.unwrap_err(),
        r004(CORRUPT)
    );
    // Fixed on disk: the next call loads it (the failure is not cached).
    std::fs::write(&path, r#"{"count":2}"#).unwrap();
    assert_eq!(m.get("count").await.unwrap(), j("2"));
}

#[tokio::test]
async fn json_write_policies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("imm.json");
    let m = open(&json_cfg(&path, WritePolicy::Immediate)).await;
    m.set("a", j("1")).await.unwrap();
    assert_eq!(read(&path), "{\n  \"a\": 1\n}", "immediate: flushed by set");
    m.merge("d", obj(r#"{"x":1}"#)).await.unwrap();
    assert!(read(&path).contains("\"d\""), "merge flushes too");
    assert!(m.delete("a").await.unwrap());
    m.clear().await.unwrap();
    assert!(
        read(&path).contains("\"a\""),
        "delete/clear never flush by themselves"
    );
    m.flush().await.unwrap();
    assert_eq!(read(&path), "{}");

    let path = dir.path().join("disp.json");
    let m = open(&json_cfg(&path, WritePolicy::Dispose)).await;
    m.set("a", j("1")).await.unwrap();
    assert!(!path.exists(), "dispose: nothing before flush");
    m.flush().await.unwrap();
    assert_eq!(read(&path), "{\n  \"a\": 1\n}");
    let again = open(&json_cfg(&path, WritePolicy::Dispose)).await;
    assert_eq!(
        again.get("a").await.unwrap(),
        j("1"),
        "persisted across opens"
    );
}

#[tokio::test]
async fn json_in_memory_order_and_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    std::fs::write(&path, r#"{"b":1,"a":2}"#).unwrap();
    let m = open(&json_cfg(&path, WritePolicy::Dispose)).await;
    m.set("c", j("3")).await.unwrap();
    m.delete("b").await.unwrap();
    m.set("b", j("4")).await.unwrap();
    m.set("7", j("5")).await.unwrap();
    assert_eq!(
        m.keys().await.unwrap(),
        ["a", "c", "b", "7"],
        "insertion order"
    );
    m.flush().await.unwrap();
    assert_eq!(
        read(&path),
        "{\n  \"7\": 5,\n  \"a\": 2,\n  \"c\": 3,\n  \"b\": 4\n}"
    );
}

#[tokio::test]
async fn json_store_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let mut cfg = json_cfg(&path, WritePolicy::Dispose);
    if let KvBackendConfig::Json(jc) = &mut cfg.backend {
        jc.max_store_size = 30;
    }
    let m = open(&cfg).await;
    m.set("a", Json::str("xxxxx")).await.unwrap();
    // {"a":"xxxxx","b":"yyyyyyyyyyyyyyyyyyyy"} is 40 bytes.
    assert_eq!(
        m.set("b", Json::str("y".repeat(20))).await.unwrap_err(),
        r004("store exceeds size limit (40 > 30)")
    );
    assert!(!m.has("b").await.unwrap(), "rolled back");
    assert_eq!(m.keys().await.unwrap(), ["a"]);
}

#[tokio::test]
async fn json_merge_is_a_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = json_cfg(&dir.path().join("s.json"), WritePolicy::Dispose);
    cfg.schema = Some(schema());
    let m = open(&cfg).await;
    // Undeclared key: core merge reads through get, which throws.
    assert_eq!(
        m.merge("other", obj(r#"{"a":1}"#)).await.unwrap_err(),
        r004(r#"key "other" not declared in schema"#)
    );
    // Type check through set: a declared list key cannot become a dict.
    assert!(m.delete("tags").await.unwrap());
    assert_eq!(
        m.merge("tags", obj(r#"{"a":1}"#)).await.unwrap_err(),
        r004(r#"key "tags" expects list, got dict"#)
    );
    // Entry limit and size text are set's.
    let mut cfg = json_cfg(&dir.path().join("t.json"), WritePolicy::Dispose);
    cfg.max_entries = 1;
    cfg.max_value_size = 10;
    let m = open(&cfg).await;
    m.set("a", j("1")).await.unwrap();
    assert_eq!(
        m.merge("b", obj("{}")).await.unwrap_err(),
        r004("store exceeds entry limit (2 > 1)")
    );
    assert_eq!(
        m.merge("a2", obj(r#"{"long":"xxxxxxxx"}"#))
            .await
            .unwrap_err(),
        r004(r#"value for "a2" exceeds size limit"#)
    );
}
