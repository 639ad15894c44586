//! Kv store factories for the conformance suite: each hands out fresh, isolated mounts of one
//! backend (a new file, table or key prefix per call) and keeps its temp dir or server alive.
//!
//! Adding a backend = one function returning a [`KvFactory`] whose closure builds the
//! backend part of a mount config from a unique id (e.g. redis: `prefix: format!("t{id}:")`).

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rillmount::config::{
    DEFAULT_MAX_ENTRIES, DEFAULT_MAX_STORE_SIZE, DEFAULT_MAX_VALUE_SIZE, JsonKvConfig,
    KvBackendConfig, KvMountConfig, Mode, SqliteKvConfig, WritePolicy,
};
use rillmount::store::KvStore;
use rillmount::store::kv_mount::KvMount;
use rillmount::store::open::open_kv;

/// A short id unique within this test process run (and very likely across runs).
pub fn unique_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}{n}", std::process::id(), t)
}

type BackendFn = dyn Fn(&str) -> KvBackendConfig + Send + Sync;

/// Makes fresh mounts of one backend.
pub struct KvFactory {
    pub name: &'static str,
    backend: Box<BackendFn>,
    _keep: Arc<dyn Any + Send + Sync>,
}

impl KvFactory {
    /// `keep` is held as long as the factory (temp dir, server guard); `backend` builds the
    /// backend config of an isolated store from a unique id.
    pub fn new(
        name: &'static str,
        keep: impl Any + Send + Sync,
        backend: impl Fn(&str) -> KvBackendConfig + Send + Sync + 'static,
    ) -> Self {
        KvFactory {
            name,
            backend: Box::new(backend),
            _keep: Arc::new(keep),
        }
    }

    /// A config for a new isolated store: open mode, read-write, default limits.
    pub fn config(&self) -> KvMountConfig {
        let id = unique_id();
        KvMountConfig {
            name: format!("m{id}"),
            mode: Mode::new("read-write"),
            schema: None,
            max_entries: DEFAULT_MAX_ENTRIES,
            max_value_size: DEFAULT_MAX_VALUE_SIZE,
            backend: (self.backend)(&id),
        }
    }

    /// Opens a mount on a new isolated store after `edit` adjusted its config.
    pub async fn mount_with(&self, edit: impl FnOnce(&mut KvMountConfig)) -> KvMount {
        let mut cfg = self.config();
        edit(&mut cfg);
        open(&cfg).await
    }

    /// Opens a mount on a new isolated store, open mode.
    pub async fn mount(&self) -> KvMount {
        self.mount_with(|_| {}).await
    }

    /// A new isolated raw store.
    pub async fn store(&self) -> Arc<dyn KvStore> {
        self.mount().await.store().clone()
    }
}

/// Opens `cfg`, panicking with the error on failure.
pub async fn open(cfg: &KvMountConfig) -> KvMount {
    match open_kv(cfg).await {
        Ok(m) => m,
        Err(e) => panic!("cannot open kv mount {}: {e}", cfg.name),
    }
}

/// The in-memory reference backend.
pub fn memory() -> KvFactory {
    KvFactory::new("memory", (), |_| KvBackendConfig::Memory)
}

/// JSON files in a temp dir, one file per store.
pub fn json_tmp() -> KvFactory {
    json_tmp_with(WritePolicy::Dispose)
}

pub fn json_tmp_with(policy: WritePolicy) -> KvFactory {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().to_path_buf();
    KvFactory::new("json", dir, move |id| {
        KvBackendConfig::Json(JsonKvConfig {
            store: root.join(format!("s{id}")).join("store.json"),
            max_store_size: DEFAULT_MAX_STORE_SIZE,
            write_policy: policy,
        })
    })
}

/// One SQLite file in a temp dir, one table per store.
pub fn sqlite_tmp() -> KvFactory {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("db").join("kv.sqlite");
    KvFactory::new("sqlite", dir, move |id| {
        KvBackendConfig::Sqlite(SqliteKvConfig {
            database: db.clone(),
            table: format!("t_{id}"),
        })
    })
}

/// A redis-server of its own (free loopback port), one key prefix per store.
pub fn redis_spawned() -> KvFactory {
    let server = super::redis::RedisServer::start();
    let url = server.url();
    KvFactory::new("redis", server, move |id| {
        KvBackendConfig::Redis(rillmount::config::RedisKvConfig {
            url: rillmount::config::Secret::new(url.clone()),
            prefix: format!("t{id}:"),
            ttl: None,
            connect_timeout: rillmount::config::DEFAULT_CONNECT_TIMEOUT,
            tls_ca_file: None,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// fs stores
// ---------------------------------------------------------------------------------------------

use std::path::Path;

use rillmount::config::{
    DEFAULT_MAX_FILE_SIZE, Encoding, FsBackendConfig, FsMountConfig, LocalFsConfig,
};
use rillmount::store::FileStore;
use rillmount::store::local_dir::LocalDirStore;

/// A store under test and the guards that keep its backing alive until the test ends.
pub struct FsFixture {
    pub store: Arc<dyn FileStore>,
    keep: Vec<Box<dyn Any + Send + Sync>>,
}

impl FsFixture {
    pub fn new(store: Arc<dyn FileStore>) -> Self {
        FsFixture {
            store,
            keep: Vec::new(),
        }
    }

    /// Keeps `guard` (a `TempDir`, a server process handle…) alive as long as the fixture.
    pub fn keep(mut self, guard: impl Any + Send + Sync) -> Self {
        self.keep.push(Box::new(guard));
        self
    }
}

/// A read-write fs mount config named `name` over `backend`, rill defaults otherwise.
pub fn fs_mount_config(name: &str, backend: FsBackendConfig) -> FsMountConfig {
    FsMountConfig {
        name: name.to_string(),
        mode: Mode::new("read-write"),
        glob: None,
        max_file_size: DEFAULT_MAX_FILE_SIZE,
        backend,
    }
}

/// A local-folder store (read-write, UTF-8) rooted at `dir`.
pub fn local_at(dir: &Path) -> LocalDirStore {
    let l = LocalFsConfig {
        path: dir.to_path_buf(),
        encoding: Encoding::Utf8,
    };
    let cfg = fs_mount_config("local", FsBackendConfig::Local(l.clone()));
    LocalDirStore::open(&cfg, &l).expect("open local store in a temp dir")
}

/// A read-write local-folder fs mount rooted at `dir`, as a migration side.
pub fn local_mount(dir: &Path) -> rillmount::migrate::FsMount {
    let l = LocalFsConfig {
        path: dir.to_path_buf(),
        encoding: Encoding::Utf8,
    };
    let config = fs_mount_config("local", FsBackendConfig::Local(l));
    let store: Arc<dyn rillmount::store::FsMountStore> = Arc::new(local_at(dir));
    rillmount::migrate::FsMount { config, store }
}

/// A local-folder store over a fresh temp dir, removed when the fixture drops.
pub async fn local_tmp() -> FsFixture {
    let dir = tempfile::tempdir().expect("create temp dir");
    let store = local_at(dir.path());
    FsFixture::new(Arc::new(store)).keep(dir)
}

/// An S3 store on its own in-process s3s-fs server (signatures checked), prefix `data/`.
pub async fn s3s_fs() -> FsFixture {
    let (server, store) = super::s3::s3s_store_tmp("conformance", "data/").await;
    FsFixture::new(Arc::new(store)).keep(server)
}

/// An S3 store on its own moto server process, prefix `data/`.
pub async fn moto_fs() -> FsFixture {
    let (server, store) = super::s3::moto_store_tmp("conformance", "data/").await;
    FsFixture::new(Arc::new(store)).keep(server)
}

/// A project folder for command-line migration tests: `profiles/dev.toml` with kv mount
/// `items` on the SQLite file `dev.db` holding `rows` rows `item:00000`… (`{"n":i,"s":"vi"}`),
/// written as a rill host writes them. Returns the mount too.
pub async fn sqlite_dev_project(dir: &Path, rows: usize) -> KvMount {
    std::fs::create_dir_all(dir.join("profiles")).unwrap();
    std::fs::write(
        dir.join("profiles/dev.toml"),
        "[kv.items]\nbackend = \"sqlite\"\ndatabase = \"../dev.db\"\ntable = \"items\"\n",
    )
    .unwrap();
    let cfg = KvMountConfig {
        name: "items".into(),
        mode: Mode::default(),
        schema: None,
        max_entries: u64::MAX,
        max_value_size: DEFAULT_MAX_VALUE_SIZE,
        backend: KvBackendConfig::Sqlite(rillmount::config::SqliteKvConfig {
            database: dir.join("dev.db"),
            table: "items".into(),
        }),
    };
    let m = open(&cfg).await;
    let items: Vec<(String, String)> = (0..rows)
        .map(|i| (format!("item:{i:05}"), format!(r#"{{"n":{i},"s":"v{i}"}}"#)))
        .collect();
    m.store()
        .put_many(&items, rillmount::store::Expiry::MountDefault)
        .await
        .unwrap();
    m
}

/// Every entry of `m`, by key (a scan, then the values a page at a time).
pub async fn kv_entries(
    m: &KvMount,
) -> std::collections::BTreeMap<String, rillmount::store::StoredValue> {
    let s = m.store();
    let mut out = std::collections::BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = s.scan(cursor.as_deref(), 1000).await.unwrap();
        let values = s.get_many(&page.keys).await.unwrap();
        for (k, v) in page.keys.into_iter().zip(values) {
            out.insert(k, v.unwrap());
        }
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    out
}

/// A profile `name` (at `/profiles/NAME.toml`, not protected, not read-only) holding the kv
/// mounts `mounts` and no fs mount: what the TUI tests open.
pub fn kv_profile(name: &str, mounts: Vec<KvMountConfig>) -> rillmount::config::Profile {
    rillmount::config::Profile {
        name: name.into(),
        path: format!("/profiles/{name}.toml").into(),
        description: String::new(),
        read_only: false,
        protect: false,
        warnings: Vec::new(),
        broken: Vec::new(),
        rill: Default::default(),
        kv: mounts.into_iter().map(|m| (m.name.clone(), m)).collect(),
        fs: indexmap::IndexMap::new(),
    }
}
