//! Store factories for the conformance suites: each returns a fresh, empty store plus whatever
//! must outlive it (temp dirs, server handles). One factory per backend; a new backend adds a
//! function here and one line in the suite's instantiation (`fs_suite!(name, factory())`).
#![allow(clippy::expect_used)]

use std::any::Any;
use std::path::Path;
use std::sync::Arc;

use rillmount::config::{
    DEFAULT_MAX_FILE_SIZE, Encoding, FsBackendConfig, FsMountConfig, LocalFsConfig, Mode,
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

/// A local-folder store over a fresh temp dir, removed when the fixture drops.
pub async fn local_tmp() -> FsFixture {
    let dir = tempfile::tempdir().expect("create temp dir");
    let store = local_at(dir.path());
    FsFixture::new(Arc::new(store)).keep(dir)
}
