//! Byte-level layouts and backend-specific semantics (spec/backends.md §2.2, §2.3, §3.2, §7.1,
//! §11.1): fixtures written from the spec read to the expected values and write back to the
//! same bytes; the JSON file and SQLite differ where rill's packages differ.

use std::path::{Path, PathBuf};

use rillmount::config::{
    DEFAULT_MAX_ENTRIES, DEFAULT_MAX_STORE_SIZE, DEFAULT_MAX_VALUE_SIZE, JsonKvConfig,
    KvBackendConfig, KvMountConfig, Mode, SqliteKvConfig, WritePolicy,
};
use rillmount::store::kv_mount::{KvMount, unknown_mount, unknown_mount_core, unknown_mount_ext};
use rillmount::store::open::open_kv;
use rillmount::store::{Backend, ErrorKind, Json, RillCallError};

use super::kv_rill::{j, obj, schema};
use crate::support::stores::open;

const CORRUPT: &str = "state file corrupt — reset or delete to recover";

fn r004(message: &str) -> RillCallError {
    RillCallError::coded("RILL-R004", message)
}

fn json_cfg(path: &Path, policy: WritePolicy) -> KvMountConfig {
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

// ---------------------------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------------------------

fn sqlite_cfg(db: &Path, table: &str) -> KvMountConfig {
    KvMountConfig {
        name: table.to_string(),
        mode: Mode::new("read-write"),
        schema: None,
        max_entries: DEFAULT_MAX_ENTRIES,
        max_value_size: DEFAULT_MAX_VALUE_SIZE,
        backend: KvBackendConfig::Sqlite(SqliteKvConfig {
            database: db.to_path_buf(),
            table: table.to_string(),
        }),
    }
}

fn rows(db: &Path, table: &str) -> Vec<(String, String)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut st = c
        .prepare(&format!("SELECT key, value FROM {table} ORDER BY key"))
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

const DDL_STORED: &str =
    "CREATE TABLE kv (\n          key TEXT PRIMARY KEY,\n          value TEXT NOT NULL\n        )";

#[tokio::test]
async fn sqlite_layout_is_rills() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sub").join("x.db");
    let m = open(&sqlite_cfg(&db, "kv")).await;
    m.set("name", Json::str("Alice")).await.unwrap();
    m.set("d", j(r#"{"b":1,"2":[1e21,0.000001,-0]}"#))
        .await
        .unwrap();
    let c = rusqlite::Connection::open(&db).unwrap();
    let sql: String = c
        .query_row("SELECT sql FROM sqlite_master WHERE name = 'kv'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(sql, DDL_STORED);
    let index: String = c
        .query_row(
            "SELECT name FROM sqlite_master WHERE type = 'index'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(index, "sqlite_autoindex_kv_1");
    let objects: i64 = c
        .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    assert_eq!(objects, 2, "one table and its autoindex, nothing else");
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(
        rows(&db, "kv"),
        [
            (
                "d".to_string(),
                r#"{"2":[1e+21,0.000001,0],"b":1}"#.to_string()
            ),
            ("name".to_string(), r#""Alice""#.to_string()),
        ]
    );
}

#[tokio::test]
async fn sqlite_existing_table_and_rows_are_reused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(&rillmount::store::sqlite::create_table_sql("kv"))
            .unwrap();
        c.execute_batch("CREATE TABLE other (x INTEGER)").unwrap();
        for (k, v) in [
            ("existing_key", r#""existing_value""#),
            ("n", "1e+21"),
            ("d", r#"{"b":1,"2":[0.000001]}"#),
            ("s", r#""\ud800""#),
        ] {
            c.execute("INSERT INTO kv (key, value) VALUES (?1, ?2)", [k, v])
                .unwrap();
        }
    }
    let before = rows(&db, "kv");
    let m = open(&sqlite_cfg(&db, "kv")).await;
    assert_eq!(
        m.get("existing_key").await.unwrap(),
        Json::str("existing_value")
    );
    assert_eq!(m.get("n").await.unwrap(), Json::Number(1e21));
    assert_eq!(m.get("d").await.unwrap(), j(r#"{"2":[0.000001],"b":1}"#));
    assert_eq!(m.get("s").await.unwrap(), Json::str("\u{FFFD}"));
    assert_eq!(
        m.keys().await.unwrap(),
        ["d", "existing_key", "n", "s"],
        "byte order"
    );
    assert_eq!(rows(&db, "kv"), before, "reads change nothing");
    let c = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'other'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1, "unrelated tables untouched");
}

#[tokio::test]
async fn sqlite_table_name_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let e = open_kv(&sqlite_cfg(&db, "bad-name")).await.unwrap_err();
    assert_eq!(
        e.message,
        "Invalid table name \"bad-name\": must match pattern /^[a-zA-Z_][a-zA-Z0-9_]*$/"
    );
    // A keyword passes the pattern but not SQLite.
    assert!(open_kv(&sqlite_cfg(&db, "select")).await.is_err());
}

#[tokio::test]
async fn sqlite_defaults_are_virtual_until_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut cfg = sqlite_cfg(&db, "kv");
    cfg.schema = Some(schema());
    let m = open(&cfg).await;
    assert_eq!(m.get("name").await.unwrap(), Json::str("anon"));
    assert!(!m.has("name").await.unwrap(), "never-written declared key");
    assert!(m.keys().await.unwrap().is_empty());
    assert!(rows(&db, "kv").is_empty());
    m.set("count", j("3")).await.unwrap();
    assert!(m.delete("count").await.unwrap());
    assert_eq!(
        m.get("count").await.unwrap(),
        j("0"),
        "default again after delete"
    );
    m.clear().await.unwrap();
    assert_eq!(
        rows(&db, "kv"),
        [
            ("count".to_string(), "0".to_string()),
            ("name".to_string(), r#""anon""#.to_string()),
            ("tags".to_string(), "[]".to_string()),
        ]
    );
}

#[tokio::test]
async fn sqlite_merge_rules() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let mut cfg = sqlite_cfg(&db, "kv");
    cfg.schema = Some(schema());
    cfg.max_entries = 1;
    cfg.max_value_size = 20;
    let m = open(&cfg).await;
    m.set("count", j("1")).await.unwrap();
    // Undeclared key accepted, and no entry limit.
    m.merge("other", obj(r#"{"a":1}"#)).await.unwrap();
    assert_eq!(m.keys().await.unwrap(), ["count", "other"]);
    assert_eq!(m.get_or("other", j("{}")).await.unwrap(), j(r#"{"a":1}"#));
    assert_eq!(
        m.merge("tags", obj(r#"{"a":1}"#)).await.unwrap_err(),
        RillCallError::plain(r#"key "tags" expects list, got dict"#)
    );
    assert_eq!(
        m.merge("other", obj(r#"{"long":"xxxxxxxxxx"}"#))
            .await
            .unwrap_err(),
        RillCallError::plain(r#"merged value for "other" exceeds size limit (27 > 20)"#)
    );
    assert_eq!(m.get_or("other", j("{}")).await.unwrap(), j(r#"{"a":1}"#));
    assert_eq!(
        m.set("name", Json::str("x".repeat(30))).await.unwrap_err(),
        RillCallError::plain(r#"value for "name" exceeds size limit (32 > 20)"#)
    );
}

#[tokio::test]
async fn sqlite_mounts_share_a_file_and_count_the_whole_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let a = open(&sqlite_cfg(&db, "kv")).await;
    let mut bcfg = sqlite_cfg(&db, "kv");
    bcfg.name = "b".into();
    bcfg.max_entries = 2;
    let b = open(&bcfg).await;
    let other = open(&sqlite_cfg(&db, "other")).await;
    a.set("x", j("1")).await.unwrap();
    a.set("y", j("2")).await.unwrap();
    other.set("z", j("3")).await.unwrap();
    assert_eq!(b.get("x").await.unwrap(), j("1"), "same table, same rows");
    assert_eq!(
        b.set("new", j("1")).await.unwrap_err(),
        RillCallError::plain("store exceeds entry limit (3 > 2)")
    );
    assert_eq!(other.keys().await.unwrap(), ["z"]);
    b.clear().await.unwrap();
    assert!(
        a.keys().await.unwrap().is_empty(),
        "clear wipes the shared table"
    );
    assert_eq!(other.keys().await.unwrap(), ["z"]);
    let mem = open(&sqlite_cfg(Path::new(":memory:"), "kv")).await;
    mem.set("m", j("1")).await.unwrap();
    let mem2 = open(&sqlite_cfg(Path::new(":memory:"), "kv")).await;
    assert!(
        mem2.keys().await.unwrap().is_empty(),
        "each :memory: mount is private"
    );
}

#[tokio::test]
async fn sqlite_put_many_is_one_fast_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let m = open(&sqlite_cfg(&db, "kv")).await;
    let items: Vec<(String, String)> = (0..20_000)
        .map(|i| (format!("k{i:05}"), i.to_string()))
        .collect();
    let t = std::time::Instant::now();
    m.store()
        .put_many(&items, Default::default())
        .await
        .unwrap();
    assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
    assert_eq!(m.store().count().await.unwrap(), 20_000);
    assert_eq!(m.keys().await.unwrap().len(), 20_000);
}

#[tokio::test]
async fn mount_entries_and_unknown_mount_texts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let m: KvMount = open(&sqlite_cfg(&db, "kv")).await;
    let e = m.mount_entry();
    let e = e.as_object().unwrap();
    assert_eq!(e["database"], Json::str(db.display().to_string()));
    assert_eq!(e["table"], Json::str("kv"));
    assert_eq!(e.len(), 7);
    let jm = open(&json_cfg(&dir.path().join("s.json"), WritePolicy::Dispose)).await;
    assert_eq!(jm.mount_entry().as_object().unwrap().len(), 5);
    assert_eq!(unknown_mount_core("x"), r004("Mount 'x' not found"));
    assert_eq!(
        unknown_mount_ext("x", &["a", "b"]),
        RillCallError::plain("Mount 'x' not found. Available mounts: a, b")
    );
    assert_eq!(
        unknown_mount(Backend::Json, "x", &["a"]),
        r004("Mount 'x' not found")
    );
    assert_eq!(unknown_mount(Backend::Redis, "x", &["a"]).code, None);
}
