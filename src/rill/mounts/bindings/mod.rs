//! The `kv::` and `fs::` host functions over a profile's mounts (spec/backends.md §1.5, §2.4,
//! §3.3, §4.3, §5.4, §6.3).
//!
//! Parameter declarations are the reference's, so argument errors (RILL-R001) match: core kv
//! v0.8.6 declares `set.value: string`, `get_or.fallback: any`; kv-sqlite/kv-redis declare
//! `get_or.fallback: dict`. A profile may mix backends under `kv`, so `get_or` is registered
//! with `any` and applies the `dict` check itself when the mount it resolves to is SQLite or
//! Redis (same R001 text). Unknown-mount errors are worded as the profile's packages word them:
//! core kv/local fs when the profile has such a mount (or none), else the sqlite/redis or S3
//! text. Every async store call is bridged with `Handle::block_on`; the interpreter thread is
//! never a runtime worker.
//!
//! Writes first pass the profile's guard (read-only profile; protected profile without
//! confirmation), then the mount's own rules. In a real run each write is logged with the
//! stored text before and after ([`ChangeLog`]); dry runs take their changes from the
//! overlays instead.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indexmap::{IndexMap, IndexSet};
use tokio::runtime::Handle;

use crate::config::{FsBackendConfig, FsMountConfig, KvBackendConfig, KvMountConfig, Profile};
use crate::rill::base::error::RillError;
use crate::rill::dialect::Dialect;
use crate::rill::host::HostRegistry;
use crate::rill::mounts::change::WriteChange;
use crate::rill::value::{HostParam, Value, from_store_json, to_store_json};
use crate::store::fs_overlay::content_summary;
use crate::store::kv_mount::{KvMount, unknown_mount};
use crate::store::local_dir::rill_open_error;
use crate::store::memory::MemoryStore;
mod fs;
mod kv;
pub mod v0_20;

use crate::store::{
    Backend, EntryKind, FileStore, FsMountStore, Json, JsonObject, KvStore, RillCallError, RillFs,
    StoreError, mount_not_configured,
};

/// One fs mount as scripts reach it.
#[derive(Clone)]
pub struct FsMount {
    pub cfg: FsMountConfig,
    /// rill's functions: the store itself, or its dry-run overlay.
    pub rill: Arc<dyn RillFs>,
    /// The real store (stat before/after for the change log).
    pub raw: Arc<dyn FsMountStore>,
}

/// Writes the script made, in order (real runs only).
pub type ChangeLog = Rc<RefCell<Vec<WriteChange>>>;

/// Who may write: the profile's `readOnly` and `protect` flags.
#[derive(Debug, Clone, Default)]
pub struct WriteGuard {
    pub profile: String,
    pub read_only: bool,
    /// `protect` is set and the user did not confirm writes.
    pub unconfirmed: bool,
}

impl WriteGuard {
    fn check(&self, func: &str) -> Result<(), RillError> {
        let message = if self.read_only {
            format!("profile `{}` is read-only: {func} refused", self.profile)
        } else if self.unconfirmed {
            format!(
                "profile `{}` is protected: {func} needs confirmation (pass --yes, or use --dry-run)",
                self.profile
            )
        } else {
            return Ok(());
        };
        Err(RillError {
            code: None,
            message,
            span: None,
        })
    }
}

/// A mount as a run holds it. An unopened mount is opened by the first call to it, inside that
/// call: connecting counts against `--call-timeout`, the run's time limit and cancel, and a run
/// that never touches a slow server never waits for it.
#[derive(Clone)]
pub enum Slot<M, C> {
    Open(M),
    /// Opening failed; every call gets this error.
    Failed(Arc<StoreError>),
    Unopened(C),
}

pub type KvSlot = Slot<KvMount, KvMountConfig>;
pub type FsSlot = Slot<FsMount, FsMountConfig>;

/// Opens a run's unopened mounts (real stores, or dry-run overlays over them).
pub trait MountOpener {
    fn open_kv<'a>(
        &'a self,
        name: &'a str,
        cfg: &'a KvMountConfig,
    ) -> futures::future::BoxFuture<'a, Result<KvMount, StoreError>>;
    fn open_fs<'a>(
        &'a self,
        name: &'a str,
        cfg: &'a FsMountConfig,
    ) -> futures::future::BoxFuture<'a, Result<FsMount, StoreError>>;
}

/// Everything the host functions need.
pub struct Binding {
    pub profile: Option<Arc<Profile>>,
    pub kv: RefCell<IndexMap<String, KvSlot>>,
    pub fs: RefCell<IndexMap<String, FsSlot>>,
    pub opener: Arc<dyn MountOpener>,
    pub rt: Handle,
    pub guard: WriteGuard,
    /// `Some` in real runs.
    pub log: Option<ChangeLog>,
    /// kv mounts a data function was called on (JSON mounts are flushed at the end).
    pub touched: RefCell<IndexSet<String>>,
    /// Set when the run must stop (Ctrl-C, time limit): a pending store call gives up.
    pub stop: Arc<AtomicBool>,
    /// Longest one store call may take (`RILL-R012`); `None` for no limit.
    pub call_timeout: Option<Duration>,
    /// The host function being called (for the timeout message).
    pub calling: Cell<&'static str>,
}

fn call_err(e: RillCallError) -> RillError {
    RillError {
        code: e.code.map(str::to_string),
        message: e.message,
        span: None,
    }
}

fn plain(message: String) -> RillError {
    RillError {
        code: None,
        message,
        span: None,
    }
}

fn arg(args: &[Value], i: usize) -> String {
    args.get(i)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn p(name: &str, ty: &str) -> HostParam {
    HostParam::new(name, ty)
}

fn is_core(b: &KvBackendConfig) -> bool {
    matches!(b, KvBackendConfig::Json(_) | KvBackendConfig::Memory)
}

impl Binding {
    fn kv_config(&self, name: &str) -> Option<&KvMountConfig> {
        self.profile.as_ref().and_then(|p| p.kv.get(name))
    }

    /// Whether unknown kv mounts get core kv's wording.
    fn kv_core_profile(&self) -> bool {
        match &self.profile {
            Some(p) => p.kv.is_empty() || p.kv.values().any(|m| is_core(&m.backend)),
            None => true,
        }
    }

    /// Whether unknown fs mounts get the local fs wording.
    fn fs_local_profile(&self) -> bool {
        match &self.profile {
            Some(p) => {
                p.fs.is_empty()
                    || p.fs
                        .values()
                        .any(|m| matches!(m.backend, FsBackendConfig::Local(_)))
            }
            None => true,
        }
    }

    fn kv_mount(&self, name: &str) -> Result<KvMount, RillError> {
        let slot = self.kv.borrow().get(name).cloned();
        let m = match slot {
            Some(Slot::Open(m)) => m,
            Some(Slot::Failed(e)) => return Err(plain(e.to_string())),
            Some(Slot::Unopened(cfg)) => {
                let opened = self.block(self.opener.open_kv(name, &cfg))?;
                let slot = opened.map_err(Arc::new);
                let (slot, out) = match slot {
                    Ok(m) => (Slot::Open(m.clone()), Ok(m)),
                    Err(e) => (Slot::Failed(e.clone()), Err(plain(e.to_string()))),
                };
                self.kv.borrow_mut().insert(name.to_string(), slot);
                out?
            }
            None => {
                let names: Vec<String> = self.kv.borrow().keys().cloned().collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                let backend = if self.kv_core_profile() {
                    Backend::Json
                } else {
                    Backend::Sqlite
                };
                return Err(call_err(unknown_mount(backend, name, &names)));
            }
        };
        self.touched.borrow_mut().insert(name.to_string());
        Ok(m)
    }

    /// The fs mount, or the error rill gives for `func` on it (`Ok(None)`: the function
    /// answers `false` for an unknown mount, as local `exists`/`remove` do).
    fn fs_mount(&self, name: &str, func: &str, path: &str) -> Result<Option<FsMount>, RillError> {
        let slot = self.fs.borrow().get(name).cloned();
        match slot {
            Some(Slot::Open(m)) => Ok(Some(m)),
            Some(Slot::Failed(e)) => Err(call_err(rill_open_error(&e))),
            Some(Slot::Unopened(cfg)) => {
                let opened = self.block(self.opener.open_fs(name, &cfg))?;
                let (slot, out) = match opened.map_err(Arc::new) {
                    Ok(m) => (Slot::Open(m.clone()), Ok(Some(m))),
                    Err(e) => (Slot::Failed(e.clone()), Err(call_err(rill_open_error(&e)))),
                };
                self.fs.borrow_mut().insert(name.to_string(), slot);
                out
            }
            None if !self.fs_local_profile() => Err(call_err(mount_not_configured(name))),
            None => {
                let text = format!("mount \"{name}\" not configured");
                match func {
                    "read" | "stat" => Err(RillError::new(
                        "RILL-R004",
                        format!("file not found: {path}"),
                    )),
                    "find" | "mkdir" => Err(RillError::new("RILL-R004", text)),
                    "exists" | "remove" => Ok(None),
                    _ => Err(RillError::new("RILL-R017", text)),
                }
            }
        }
    }

    /// Run a store call to completion on the runtime, unless the run is stopped first
    /// (Ctrl-C or the run's time limit: `RILL-R013`) or the call outlives the per-call limit
    /// (`RILL-R012`, "Function 'kv::get' timed out after 500ms", as the reference words it). A
    /// store that hangs (an unreachable server) therefore never holds the script.
    fn block<T>(&self, f: impl Future<Output = T>) -> Result<T, RillError> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(RillError::new("RILL-R013", "Execution aborted"));
        }
        let stop = self.stop.clone();
        let limit = self.call_timeout;
        let name = self.calling.get();
        self.rt.block_on(async move {
            let stopped = async {
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            };
            let timed_out = async {
                match limit {
                    Some(d) => tokio::time::sleep(d).await,
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                biased;
                v = f => Ok(v),
                _ = stopped => Err(RillError::new("RILL-R013", "Execution aborted")),
                _ = timed_out => Err(RillError::new(
                    "RILL-R012",
                    format!(
                        "Function '{name}' timed out after {}ms",
                        limit.map(|d| d.as_millis()).unwrap_or(0)
                    ),
                )),
            }
        })
    }

    fn record(
        &self,
        store: &'static str,
        mount: &str,
        target: &str,
        before: Option<String>,
        after: Option<String>,
    ) {
        if let Some(log) = &self.log
            && before != after
        {
            log.borrow_mut().push(WriteChange {
                store,
                mount: mount.to_string(),
                target: target.to_string(),
                before,
                after,
            });
        }
    }

    /// A kv write with the key's stored text logged before and after (real runs).
    fn kv_write<T>(
        &self,
        mount: &str,
        m: &KvMount,
        key: &str,
        op: impl Future<Output = Result<T, RillCallError>>,
    ) -> Result<T, RillError> {
        let logging = self.log.is_some();
        let before = if logging {
            self.block(raw_text(m.store(), key))?
        } else {
            None
        };
        let out = self.block(op)?.map_err(call_err)?;
        if logging {
            let after = self.block(raw_text(m.store(), key))?;
            self.record("kv", mount, key, before, after);
        }
        Ok(out)
    }

    fn fs_summary(&self, m: &FsMount, path: &str) -> Option<String> {
        let key = path.trim_start_matches('/');
        match self.block(FileStore::stat(m.raw.as_ref(), key)).ok()? {
            Ok(Some(meta)) if meta.kind == EntryKind::Directory => Some("directory".into()),
            Ok(Some(meta)) => Some(format!("{} bytes", meta.size)),
            _ => None,
        }
    }

    /// An fs write with the target summarised before and after (real runs).
    fn fs_write(
        &self,
        m: &FsMount,
        targets: &[&str],
        op: impl Future<Output = Result<Json, RillCallError>>,
        after_content: Option<&str>,
    ) -> Result<Json, RillError> {
        let logging = self.log.is_some();
        let before: Vec<Option<String>> = if logging {
            targets.iter().map(|t| self.fs_summary(m, t)).collect()
        } else {
            Vec::new()
        };
        let out = self.block(op)?.map_err(call_err)?;
        if logging {
            for (i, t) in targets.iter().enumerate() {
                let after = match after_content {
                    Some(c) if i == 0 => Some(content_summary(c)),
                    _ => self.fs_summary(m, t),
                };
                let b = before.get(i).cloned().flatten();
                self.record("fs", &m.cfg.name, t.trim_start_matches('/'), b, after);
            }
        }
        Ok(out)
    }
}

/// The stored text of `key`, if any (errors count as absent: the log is best effort).
async fn raw_text(store: &Arc<dyn KvStore>, key: &str) -> Option<String> {
    store.get(key).await.ok().flatten().map(|v| v.text)
}

/// Every stored entry (for logging `clear`).
async fn raw_all(store: &Arc<dyn KvStore>) -> IndexMap<String, String> {
    let mut out = IndexMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let Ok(page) = store.scan(cursor.as_deref(), 1000).await else {
            return out;
        };
        let Ok(values) = store.get_many(&page.keys).await else {
            return out;
        };
        for (k, v) in page.keys.into_iter().zip(values) {
            if let Some(v) = v {
                out.insert(k, v.text);
            }
        }
        match page.next {
            Some(n) => cursor = Some(n),
            None => return out,
        }
    }
}

fn json_value(j: &Json) -> Value {
    from_store_json(j)
}

/// The `kv::mounts()` entry of a mount that could not be opened (from its config).
fn kv_entry_from_config(cfg: &KvMountConfig) -> Json {
    KvMount::new(cfg.clone(), Arc::new(MemoryStore::new())).mount_entry()
}

fn fs_entry_from_config(cfg: &FsMountConfig) -> Json {
    let mut o = JsonObject::new();
    o.insert("name".into(), Json::str(cfg.name.clone()));
    o.insert(
        "mode".into(),
        cfg.mode.as_str().map_or(Json::Null, Json::str),
    );
    o.insert(
        "glob".into(),
        Json::str(cfg.glob.clone().unwrap_or_default()),
    );
    if let FsBackendConfig::S3(s) = &cfg.backend {
        o.insert("bucket".into(), Json::str(s.bucket.clone()));
        o.insert("prefix".into(), Json::str(s.prefix.clone()));
    }
    Json::Object(o)
}

/// Registers host function `name`. `f` gets the binding, which first notes `name` as the
/// function being called (for the `RILL-R012` timeout message), and the arguments.
fn host_fn(
    reg: &mut HostRegistry,
    b: &Rc<Binding>,
    name: &'static str,
    params: Option<Vec<HostParam>>,
    mut f: impl FnMut(&Binding, Vec<Value>) -> Result<Value, RillError> + 'static,
) {
    let x = b.clone();
    reg.register(
        name,
        params,
        Box::new(move |a| {
            x.calling.set(name);
            f(&x, a)
        }),
    );
}

/// Registers the dialect's `kv` and `fs` functions on `reg` (v0.8: `kv::get`, …; v0.20:
/// `kv.get`, …, which `v0_20::namespace_values` turns into the `kv` and `fs` dicts).
pub fn register(reg: &mut HostRegistry, b: &Rc<Binding>, dialect: Dialect) {
    kv::register_kv(reg, b, dialect);
    fs::register_fs(reg, b, dialect);
}

/// A function's name in the dialect: `kv::get` (v0.8) or `kv.get` (v0.20).
fn nm(d: Dialect, v0_8: &'static str, v0_20: &'static str) -> &'static str {
    match d {
        Dialect::V0_8 => v0_8,
        Dialect::V0_20 => v0_20,
    }
}

impl Binding {
    /// An fs call's arguments in v0.8's shape (`mount, path, …`): v0.20's mount-prefixed paths
    /// are split (copy and move must stay in one mount). `None`: an fs call on no mount.
    fn mount_args(
        &self,
        d: Dialect,
        a: Vec<Value>,
        func: &str,
    ) -> Result<Option<Vec<Value>>, RillError> {
        if d == Dialect::V0_8 {
            return Ok(Some(a));
        }
        let mounts: Vec<String> = self.fs.borrow().keys().cloned().collect();
        let (mount, rel) = v0_20::parse_mount_path(&arg(&a, 0), mounts.iter())?;
        let mut out = vec![Value::string(mount.clone()), Value::string(rel)];
        if matches!(func, "copy" | "move") {
            let (dest_mount, dest) = v0_20::parse_mount_path(&arg(&a, 1), mounts.iter())?;
            if dest_mount != mount {
                return Err(RillError::new(
                    "RILL-R004",
                    format!("{func} requires same mount for src and dest"),
                ));
            }
            out.push(Value::string(dest));
        } else {
            out.extend(a.into_iter().skip(1));
        }
        Ok(Some(out))
    }
}
