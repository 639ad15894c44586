//! Byte-level layout and backend-specific semantics of kv-sqlite (spec/backends.md §3.2, §3.3,
//! §7.1, §11.1): the exact DDL in `sqlite_master`, WAL, compact JSON cells, virtual defaults,
//! merge rules, table-wide counting; plus the mount-entry and unknown-mount texts.

use std::path::Path;

use rillmount::config::{
    DEFAULT_MAX_ENTRIES, DEFAULT_MAX_VALUE_SIZE, KvBackendConfig, KvMountConfig, Mode,
    SqliteKvConfig, WritePolicy,
};
use rillmount::store::kv_mount::{KvMount, unknown_mount, unknown_mount_core, unknown_mount_ext};
use rillmount::store::open::open_kv;
use rillmount::store::{Backend, Json, RillCallError};

use super::kv_bytes::{json_cfg, r004};
use super::kv_rill::{j, obj, schema};
use crate::support::stores::open;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_merges_from_two_connections_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");
    let a = open(&sqlite_cfg(&db, "kv")).await;
    let b = open(&sqlite_cfg(&db, "kv")).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let m = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            m.merge("d", obj(&format!(r#"{{"f{i}":{i}}}"#)))
                .await
                .unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let d = a.get("d").await.unwrap();
    assert_eq!(d.as_object().unwrap().len(), 40, "every merge kept: {d:?}");
}
