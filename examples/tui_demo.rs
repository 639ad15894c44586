//! Opens the TUI on throw-away data (a JSON file with a schema and a SQLite table in a temp
//! folder, plus a protected copy) until `config::load` and `rillmount tui` are wired up.
//!
//! `cargo run --example tui_demo`

use indexmap::IndexMap;
use rillmount::config::{
    DEFAULT_MAX_ENTRIES, DEFAULT_MAX_STORE_SIZE, DEFAULT_MAX_VALUE_SIZE, JsonKvConfig,
    KvBackendConfig, KvMountConfig, Mode, Profile, SchemaEntry, SqliteKvConfig, WritePolicy,
};
use rillmount::store::js_json;
use rillmount::store::open::open_kv;

fn mount(name: &str, backend: KvBackendConfig) -> KvMountConfig {
    KvMountConfig {
        name: name.into(),
        mode: Mode::new("read-write"),
        schema: None,
        max_entries: DEFAULT_MAX_ENTRIES,
        max_value_size: DEFAULT_MAX_VALUE_SIZE,
        backend,
    }
}

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data)?;
    let mut user = mount(
        "user",
        KvBackendConfig::Json(JsonKvConfig {
            store: data.join("user.json"),
            max_store_size: DEFAULT_MAX_STORE_SIZE,
            write_policy: WritePolicy::Dispose,
        }),
    );
    let mut schema = IndexMap::new();
    schema.insert(
        "name".to_string(),
        SchemaEntry {
            kind: "string".into(),
            default: js_json::Json::str(""),
            description: Some("display name".into()),
        },
    );
    schema.insert(
        "prefs".to_string(),
        SchemaEntry {
            kind: "dict".into(),
            default: js_json::Json::Object(Default::default()),
            description: None,
        },
    );
    user.schema = Some(schema);
    let sqlite = |file: &str| {
        KvBackendConfig::Sqlite(SqliteKvConfig {
            database: data.join(file),
            table: "cache_entries".into(),
        })
    };
    let cache = mount("cache", sqlite("cache.db"));
    let prod_cache = mount("cache", sqlite("prod.db"));
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let m = open_kv(&user).await?;
        m.set("name", js_json::Json::str("Ada")).await?;
        m.set(
            "prefs",
            js_json::parse(r#"{"theme":"dark","langs":["en","fr"]}"#)?.value,
        )
        .await?;
        m.flush().await?;
        let c = open_kv(&cache).await?;
        for i in 0..500 {
            let v = js_json::parse(&format!(r#"{{"user":{i},"tags":["a","b"]}}"#))?.value;
            c.set(&format!("session:{i:04}"), v).await?;
        }
        anyhow::Ok(())
    })?;
    drop(rt);
    let profile = |name: &str, mounts: Vec<KvMountConfig>| Profile {
        name: name.into(),
        path: dir.path().join(format!("{name}.toml")),
        description: String::new(),
        read_only: false,
        protect: false,
        warnings: Vec::new(),
        broken: Vec::new(),
        rill: Default::default(),
        kv: mounts.into_iter().map(|m| (m.name.clone(), m)).collect(),
        fs: IndexMap::new(),
    };
    let mut prod = profile("prod", vec![prod_cache]);
    prod.protect = true;
    rillmount::tui::run(
        vec![profile("dev", vec![user, cache]), prod],
        Vec::new(),
        None,
    )
}
