//! rill's kv functions ([`KvMount`]) where every backend agrees (spec/backends.md §2.4, §3.3,
//! §4.3, §11): each case opens its own isolated mount(s) from the backend's factory. Error
//! codes differ by package (core: RILL-R004, sqlite/redis: none), see [`code`].

use indexmap::IndexMap;
use rillmount::config::{Mode, SchemaEntry};
use rillmount::store::kv_mount::KvMount;
use rillmount::store::{Backend, Json, JsonObject, RillCallError};

use crate::support::stores::KvFactory;

/// The error code the mount's package raises.
pub fn code(m: &KvMount) -> Option<&'static str> {
    match m.store().info().backend {
        Backend::Json | Backend::Memory => Some("RILL-R004"),
        _ => None,
    }
}

pub fn err(m: &KvMount, message: &str) -> RillCallError {
    RillCallError {
        code: code(m),
        message: message.to_string(),
    }
}

pub fn j(text: &str) -> Json {
    rillmount::store::js_json::parse(text).unwrap().value
}

pub fn obj(text: &str) -> JsonObject {
    match j(text) {
        Json::Object(o) => o,
        other => panic!("not an object: {other:?}"),
    }
}

/// `{count: number = 0, name: string = "anon", tags: list = []}`.
pub fn schema() -> IndexMap<String, SchemaEntry> {
    let mut s = IndexMap::new();
    for (k, kind, default, d) in [
        ("count", "number", "0", Some("how many")),
        ("name", "string", "\"anon\"", None),
        ("tags", "list", "[]", None),
    ] {
        s.insert(
            k.to_string(),
            SchemaEntry {
                kind: kind.to_string(),
                default: j(default),
                description: d.map(str::to_string),
            },
        );
    }
    s
}

async fn sorted_keys(m: &KvMount) -> Vec<String> {
    let mut k = m.keys().await.unwrap();
    k.sort();
    k
}

pub async fn get_missing_is_empty_string(f: &KvFactory) {
    let m = f.mount().await;
    assert_eq!(m.get("nope").await.unwrap(), Json::str(""));
}

pub async fn set_get_round_trips_every_type(f: &KvFactory) {
    let m = f.mount().await;
    for (i, t) in [
        r#""Alice""#,
        "42.5",
        "1e+21",
        "false",
        "null",
        r#"[1,"x",[]]"#,
        r#"{"b":1,"2":{"z":[0.000001]}}"#,
    ]
    .iter()
    .enumerate()
    {
        let k = format!("k{i}");
        m.set(&k, j(t)).await.unwrap();
        assert_eq!(m.get(&k).await.unwrap(), j(t), "{t}");
        let raw = m.store().get(&k).await.unwrap().unwrap().text;
        assert_eq!(raw, j(t).to_compact(), "stored as compact JSON");
    }
}

pub async fn get_or_returns_value_or_fallback(f: &KvFactory) {
    let m = f.mount().await;
    m.set("a", j("[1]")).await.unwrap();
    assert_eq!(m.get_or("a", j("{}")).await.unwrap(), j("[1]"));
    assert_eq!(
        m.get_or("b", j(r#"{"d":1}"#)).await.unwrap(),
        j(r#"{"d":1}"#)
    );
}

pub async fn delete_and_has(f: &KvFactory) {
    let m = f.mount().await;
    assert!(!m.has("k").await.unwrap());
    assert!(!m.delete("k").await.unwrap());
    m.set("k", Json::str("v")).await.unwrap();
    assert!(m.has("k").await.unwrap());
    assert!(m.delete("k").await.unwrap());
    assert!(!m.has("k").await.unwrap());
    assert_eq!(m.get("k").await.unwrap(), Json::str(""));
}

pub async fn keys_and_get_all(f: &KvFactory) {
    let m = f.mount().await;
    assert!(m.keys().await.unwrap().is_empty());
    assert!(m.get_all().await.unwrap().is_empty());
    for (k, v) in [("b", "1"), ("2", "2"), ("1", "3"), ("a", "4")] {
        m.set(k, j(v)).await.unwrap();
    }
    assert_eq!(sorted_keys(&m).await, ["1", "2", "a", "b"]);
    let all = m.get_all().await.unwrap();
    let order: Vec<&str> = all.keys().map(String::as_str).collect();
    assert_eq!(&order[..2], ["1", "2"], "array-index keys first");
    assert_eq!(Json::Object(all), j(r#"{"1":3,"2":2,"a":4,"b":1}"#));
}

pub async fn clear_empties_open_mount(f: &KvFactory) {
    let m = f.mount().await;
    m.set("a", j("1")).await.unwrap();
    m.set("b", j("2")).await.unwrap();
    m.clear().await.unwrap();
    assert!(m.keys().await.unwrap().is_empty());
    assert_eq!(m.get("a").await.unwrap(), Json::str(""));
}

pub async fn declared_rejects_undeclared_keys(f: &KvFactory) {
    let m = f.mount_with(|c| c.schema = Some(schema())).await;
    let e = err(&m, r#"key "other" not declared in schema"#);
    assert_eq!(m.get("other").await.unwrap_err(), e);
    assert_eq!(m.set("other", j("1")).await.unwrap_err(), e);
    // get_or never checks the schema.
    assert_eq!(m.get_or("other", j("5")).await.unwrap(), j("5"));
    let empty = f.mount_with(|c| c.schema = Some(IndexMap::new())).await;
    assert_eq!(
        empty.set("x", j("1")).await.unwrap_err(),
        err(&empty, r#"key "x" not declared in schema"#)
    );
}

pub async fn declared_checks_types(f: &KvFactory) {
    let m = f.mount_with(|c| c.schema = Some(schema())).await;
    for (k, v, t) in [
        ("count", r#""3""#, "string"),
        ("name", "3", "number"),
        ("tags", "{}", "dict"),
        ("count", "true", "bool"),
        ("name", "null", "object"),
        ("count", "[]", "list"),
    ] {
        let want = schema()[k].kind.clone();
        assert_eq!(
            m.set(k, j(v)).await.unwrap_err(),
            err(&m, &format!("key \"{k}\" expects {want}, got {t}"))
        );
    }
    m.set("count", j("7")).await.unwrap();
    m.set("tags", j(r#"["a"]"#)).await.unwrap();
    assert_eq!(m.get("count").await.unwrap(), j("7"));
}

pub async fn declared_get_gives_default_before_write(f: &KvFactory) {
    let m = f.mount_with(|c| c.schema = Some(schema())).await;
    assert_eq!(m.get("count").await.unwrap(), j("0"));
    assert_eq!(m.get("name").await.unwrap(), j("\"anon\""));
    assert_eq!(m.get("tags").await.unwrap(), j("[]"));
}

pub async fn clear_restores_defaults(f: &KvFactory) {
    let m = f.mount_with(|c| c.schema = Some(schema())).await;
    m.set("count", j("9")).await.unwrap();
    m.clear().await.unwrap();
    assert_eq!(m.get("count").await.unwrap(), j("0"));
    assert_eq!(sorted_keys(&m).await, ["count", "name", "tags"]);
    assert!(m.has("name").await.unwrap());
    assert_eq!(
        Json::Object(m.get_all().await.unwrap()),
        j(r#"{"count":0,"name":"anon","tags":[]}"#)
    );
}

pub async fn read_only_rejects_writes(f: &KvFactory) {
    let cfg_name = std::cell::RefCell::new(String::new());
    let m = f
        .mount_with(|c| {
            c.mode = Mode::new("read");
            *cfg_name.borrow_mut() = c.name.clone();
        })
        .await;
    let e = err(
        &m,
        &format!("Mount '{}' is read-only (mode: read)", cfg_name.borrow()),
    );
    assert_eq!(m.set("k", j("1")).await.unwrap_err(), e);
    assert_eq!(m.merge("k", obj(r#"{"a":1}"#)).await.unwrap_err(), e);
    assert_eq!(m.delete("k").await.unwrap_err(), e);
    assert_eq!(m.clear().await.unwrap_err(), e);
    assert_eq!(m.get("k").await.unwrap(), Json::str(""));
    assert!(m.keys().await.unwrap().is_empty());
    assert!(!m.has("k").await.unwrap());
}

pub async fn other_modes_allow_everything(f: &KvFactory) {
    for mode in [Some("write"), Some("read-only"), None] {
        let m = f
            .mount_with(|c| c.mode = Mode(mode.map(str::to_string)))
            .await;
        m.set("k", j("1")).await.unwrap();
        assert_eq!(m.get("k").await.unwrap(), j("1"), "mode {mode:?} reads");
        m.merge("d", obj(r#"{"a":1}"#)).await.unwrap();
        assert!(m.delete("k").await.unwrap());
        m.clear().await.unwrap();
    }
}

pub async fn value_size_boundary(f: &KvFactory) {
    let m = f.mount_with(|c| c.max_value_size = 100).await;
    m.set("k", Json::str("x".repeat(98))).await.unwrap();
    let e = m.set("k", Json::str("x".repeat(99))).await.unwrap_err();
    assert!(
        e.message.starts_with(r#"value for "k" exceeds size limit"#),
        "{e}"
    );
    assert_eq!(e.code, code(&m));
    // Multi-byte characters count in UTF-8 bytes: 49 × "é" = 98 bytes + 2 quotes.
    m.set("u", Json::str("é".repeat(49))).await.unwrap();
    assert!(m.set("u", Json::str("é".repeat(50))).await.is_err());
    assert_eq!(m.get("k").await.unwrap(), Json::str("x".repeat(98)));
}

pub async fn entry_limit(f: &KvFactory) {
    let m = f.mount_with(|c| c.max_entries = 2).await;
    m.set("a", j("1")).await.unwrap();
    m.set("b", j("2")).await.unwrap();
    assert_eq!(
        m.set("c", j("3")).await.unwrap_err(),
        err(&m, "store exceeds entry limit (3 > 2)")
    );
    m.set("a", j("10")).await.unwrap();
    assert_eq!(m.get("a").await.unwrap(), j("10"));
    assert!(!m.has("c").await.unwrap());
}

pub async fn merge_into_existing_dict(f: &KvFactory) {
    let m = f.mount().await;
    m.set("u", j(r#"{"name":"a","age":1}"#)).await.unwrap();
    m.merge("u", obj(r#"{"age":2,"city":"x"}"#)).await.unwrap();
    let got = m.get("u").await.unwrap();
    assert_eq!(got, j(r#"{"name":"a","age":2,"city":"x"}"#));
    let order: Vec<&String> = got.as_object().unwrap().keys().collect();
    assert_eq!(
        order,
        ["name", "age", "city"],
        "current keys, then new ones"
    );
    // Idempotent, and an empty partial changes nothing.
    m.merge("u", obj(r#"{"age":2,"city":"x"}"#)).await.unwrap();
    m.merge("u", JsonObject::new()).await.unwrap();
    assert_eq!(m.get("u").await.unwrap(), got);
}

pub async fn merge_creates_missing_dict(f: &KvFactory) {
    let m = f.mount().await;
    m.merge("new", obj(r#"{"a":1}"#)).await.unwrap();
    assert_eq!(m.get("new").await.unwrap(), j(r#"{"a":1}"#));
    m.merge("empty", JsonObject::new()).await.unwrap();
    assert_eq!(m.get("empty").await.unwrap(), j("{}"));
}

pub async fn merge_into_non_dict_fails(f: &KvFactory) {
    let m = f.mount().await;
    for (k, v) in [("s", r#""str""#), ("n", "42"), ("l", "[1]"), ("z", "null")] {
        m.set(k, j(v)).await.unwrap();
        assert_eq!(
            m.merge(k, obj(r#"{"a":1}"#)).await.unwrap_err(),
            err(
                &m,
                &format!("Cannot merge into non-dict value at key \"{k}\"")
            )
        );
        assert_eq!(
            m.get(k).await.unwrap(),
            j(v),
            "failed merge leaves the value"
        );
    }
}

pub async fn schema_and_mount_entry(f: &KvFactory) {
    let open = f.mount().await;
    assert_eq!(open.schema(), j("[]"));
    let m = f
        .mount_with(|c| {
            c.schema = Some(schema());
            c.max_entries = 5;
        })
        .await;
    assert_eq!(
        m.schema(),
        j(
            r#"[{"key":"count","type":"number","description":"how many"},
              {"key":"name","type":"string","description":""},
              {"key":"tags","type":"list","description":""}]"#
        )
    );
    let entry = m.mount_entry();
    let e = entry.as_object().unwrap();
    assert_eq!(e["name"], Json::str(m.config().name.clone()));
    assert_eq!(e["mode"], Json::str("read-write"));
    assert_eq!(e["schema"], Json::str("declared"));
    assert_eq!(e["maxEntries"], j("5"));
    assert_eq!(e["maxValueSize"], j("102400"));
    assert_eq!(
        open.mount_entry().as_object().unwrap()["schema"],
        Json::str("open")
    );
}
