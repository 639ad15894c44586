//! Running a rill script against a profile's mounts: the one entry point the CLI (`eval -p`)
//! and the TUI scratchpad share.
//!
//! [`ScriptMounts::lazy`] names a profile's mounts without opening them: a script's first call
//! to a mount opens it inside that call, so connecting is bounded like any call (the per-call
//! limit, the run's time limit, cancel) and a mount the script never uses costs nothing. A mount
//! that fails to open, or that the profile could not configure, keeps its error, which every
//! later call on it gets (only calls on it fail). [`run_script`] runs
//! one script on its own big-stack thread, with the `kv::`/`fs::` host functions of
//! `builtins::store` bridged to the async stores through the caller's tokio runtime. A dry run
//! wraps every kv store in a [`KvOverlay`] and every fs mount in an [`FsOverlay`] (mounts opened
//! during the run too), so nothing reaches the stores, and reports the pending changes. A real
//! run logs each write (stored text or file summary before/after) and, at the end, flushes
//! every JSON kv mount the script touched (rill's writePolicy `dispose`).
//!
//! Limits: a pending store call gives up on cancel, the time limit and the per-call limit; the
//! interpreter itself stops at the next statement, loop iteration or call.

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indexmap::IndexMap;

use futures::future::BoxFuture;

use crate::config::{FsMountConfig, KvBackendConfig, KvMountConfig, MountSection, Profile};
use crate::rill::base::error::RillError;
use crate::rill::eval::{Interp, LogSink, Options, run_with_big_stack};
use crate::rill::host::HostRegistry;
use crate::rill::mounts::bindings::{
    Binding, ChangeLog, FsMount, FsSlot, KvSlot, MountOpener, Slot, WriteGuard, register,
};
use crate::rill::mounts::change::WriteChange;
use crate::rill::value::encode;
use crate::store::fs_overlay::FsOverlay;
use crate::store::kv_mount::KvMount;
use crate::store::open::{open_fs, open_kv, open_kv_read_only};
use crate::store::overlay::KvOverlay;
use crate::store::{Backend, ErrorKind, FsMountStore, KvStore, RillFs, StoreError, js_json};

/// An opened fs mount: its config and the store (raw and rill sides).
pub type OpenedFs = (FsMountConfig, Arc<dyn FsMountStore>);

/// The storage a script sees: the kv and fs mounts of one profile. A mount that could not be
/// opened is kept with its error, which a script gets when it calls that mount. A mount in
/// `unopened_*` is opened by the script's first call to it (see [`Slot`]).
#[derive(Debug, Clone, Default)]
pub struct ScriptMounts {
    pub kv: IndexMap<String, Result<KvMount, Arc<StoreError>>>,
    pub fs: IndexMap<String, Result<OpenedFs, Arc<StoreError>>>,
    pub unopened_kv: IndexMap<String, KvMountConfig>,
    pub unopened_fs: IndexMap<String, FsMountConfig>,
    /// Unopened mounts open without creating or changing anything on disk (dry runs).
    pub read_only: bool,
    /// The profile the mounts came from (name, `readOnly`, `protect`, mount configs).
    pub profile: Option<Arc<Profile>>,
}

impl ScriptMounts {
    /// Every mount of `profile`, each opened when a script first calls it.
    pub fn lazy(profile: &Profile) -> ScriptMounts {
        let mut out = ScriptMounts {
            unopened_kv: profile.kv.clone(),
            unopened_fs: profile.fs.clone(),
            profile: Some(Arc::new(profile.clone())),
            ..ScriptMounts::default()
        };
        out.add_broken(profile);
        out
    }

    /// [`ScriptMounts::lazy`] for dry runs: mounts open without creating or changing anything
    /// on disk (no SQLite WAL switch or table, no JSON folder); missing stores open empty.
    pub fn lazy_read_only(profile: &Profile) -> ScriptMounts {
        ScriptMounts {
            read_only: true,
            ..Self::lazy(profile)
        }
    }

    /// Opens every mount of `profile` now (each within its connect timeout).
    pub async fn open(profile: &Profile) -> ScriptMounts {
        Self::open_with(profile, false).await
    }

    /// [`ScriptMounts::open`] read-only (see [`ScriptMounts::lazy_read_only`]).
    pub async fn open_read_only(profile: &Profile) -> ScriptMounts {
        Self::open_with(profile, true).await
    }

    async fn open_with(profile: &Profile, read_only: bool) -> ScriptMounts {
        let mut out = ScriptMounts {
            profile: Some(Arc::new(profile.clone())),
            read_only,
            ..ScriptMounts::default()
        };
        for (name, cfg) in &profile.kv {
            out.kv.insert(
                name.clone(),
                open_kv_for(cfg, read_only).await.map_err(Arc::new),
            );
        }
        for (name, cfg) in &profile.fs {
            let opened = open_fs(cfg).await.map(|s| (cfg.clone(), s));
            out.fs.insert(name.clone(), opened.map_err(Arc::new));
        }
        out.add_broken(profile);
        out
    }

    /// Adds the profile's broken mounts (those it could not configure), each failing with its
    /// configuration error, so that a script calling one gets that error rather than
    /// "unknown mount". Mounts already present are kept.
    pub fn add_broken(&mut self, profile: &Profile) {
        for b in &profile.broken {
            // Display of a store error without an operation is `{store}: {message}`: exactly
            // the configuration error (file:line: mount: option: reason).
            let store = match b.error.line {
                Some(l) => format!("{}:{l}", b.error.path.display()),
                None => b.error.path.display().to_string(),
            };
            let e = Arc::new(StoreError::new(
                ErrorKind::Config,
                store,
                b.error.message.clone(),
            ));
            match b.section {
                MountSection::Kv => {
                    self.kv.entry(b.name.clone()).or_insert(Err(e));
                }
                MountSection::Fs => {
                    self.fs.entry(b.name.clone()).or_insert(Err(e));
                }
            }
        }
    }
}

async fn open_kv_for(cfg: &KvMountConfig, read_only: bool) -> Result<KvMount, StoreError> {
    if read_only {
        open_kv_read_only(cfg).await
    } else {
        open_kv(cfg).await
    }
}

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Writes go to a copy-on-write overlay; the report lists them, the stores are untouched.
    pub dry_run: bool,
    /// Set to stop the script (RILL-R013).
    pub cancel: Arc<AtomicBool>,
    pub max_steps: Option<u64>,
    pub timeout: Option<Duration>,
    /// The user confirmed writes to a `protect` profile (CLI `--yes`). Without it, every
    /// write of a real run on such a profile fails with an error saying so.
    pub confirmed: bool,
    /// Receives each `log` line while the script runs (the report still lists them all).
    pub on_log: Option<LogSink>,
    /// Longest one `kv::`/`fs::` call may take before it fails with `RILL-R012`.
    pub call_timeout: Option<Duration>,
    /// The changes of the dry run this real run applies (the TUI scratchpad's F6). Before
    /// anything runs, every kv key they change must still hold its `before` text; a key
    /// another process wrote since refuses the whole run, and nothing is written.
    pub expect: Vec<WriteChange>,
    /// The rill the script is written in.
    pub dialect: crate::rill::dialect::Dialect,
}

/// A script error with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptError {
    /// `RILL-Lxxx` / `RILL-Pxxx` / `RILL-Rxxx`, or empty for a plain host error.
    pub code: String,
    pub message: String,
    /// 1-based; 0 when the error has no position.
    pub line: usize,
    pub col: usize,
    /// The source line the error points at.
    pub source_line: String,
}

impl ScriptError {
    fn from_rill(e: &RillError, source: &str) -> Self {
        let (line, col) = e.span.map_or((0, 0), |s| (s.line as usize, s.col as usize));
        ScriptError {
            code: e.code.clone().unwrap_or_default(),
            message: e.message.clone(),
            line,
            col,
            source_line: source
                .lines()
                .nth(line.saturating_sub(1))
                .filter(|_| line > 0)
                .unwrap_or_default()
                .to_string(),
        }
    }

    fn plain(message: impl Into<String>) -> Self {
        ScriptError {
            code: String::new(),
            message: message.into(),
            line: 0,
            col: 0,
            source_line: String::new(),
        }
    }

    /// Multi-line human form: `error[CODE]: message`, `--> line:col`, source line, caret.
    pub fn render(&self) -> String {
        let mut out = if self.code.is_empty() {
            format!("error: {}", self.message)
        } else {
            format!("error[{}]: {}", self.code, self.message)
        };
        if self.line > 0 {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            let caret: String = self
                .source_line
                .chars()
                .take(self.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "\n  --> {}:{}\n{pad} |\n{num} | {}\n{pad} | {caret}^",
                self.line, self.col, self.source_line
            ));
        }
        out
    }
}

/// Everything a run produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    /// The result in rill's display form; `None` on error.
    pub value: Option<String>,
    /// The result as JSON (runner-contract encoding); `None` on error.
    pub value_json: Option<serde_json::Value>,
    pub logs: Vec<String>,
    pub error: Option<ScriptError>,
    /// Writes in the order made (dry run: what would have been written).
    pub changes: Vec<WriteChange>,
    pub elapsed: Duration,
}

/// The stores of one run: the real ones, or overlays over them, in the profile's order.
struct RunStores {
    kv: IndexMap<String, KvSlot>,
    fs: IndexMap<String, FsSlot>,
    opener: Arc<RunOpener>,
}

/// Opens mounts for one run and, in a dry run, wraps each in an overlay it keeps for the
/// report (mounts opened during the run included).
#[derive(Default)]
struct RunOpener {
    dry_run: bool,
    read_only: bool,
    kv_overlays: std::sync::Mutex<Vec<(String, Arc<KvOverlay>)>>,
    fs_overlays: std::sync::Mutex<Vec<(String, Arc<FsOverlay>)>>,
}

impl RunOpener {
    fn wrap_kv(&self, name: &str, m: &KvMount) -> KvMount {
        if !self.dry_run {
            return m.clone();
        }
        let cfg = m.config().clone();
        let overlay = if m.store().info().backend == Backend::Json {
            let defaults = cfg
                .schema
                .iter()
                .flatten()
                .map(|(k, e)| (k.clone(), js_json::to_compact(&e.default)))
                .collect();
            KvOverlay::with_clear_defaults(m.store().clone(), defaults)
        } else {
            KvOverlay::new(m.store().clone())
        };
        let overlay = Arc::new(overlay);
        if let Ok(mut o) = self.kv_overlays.lock() {
            o.push((name.to_string(), overlay.clone()));
        }
        let store: Arc<dyn KvStore> = overlay;
        KvMount::new(cfg, store)
    }

    fn wrap_fs(&self, name: &str, (cfg, raw): &OpenedFs) -> FsMount {
        let rill: Arc<dyn RillFs> = if self.dry_run {
            let o = Arc::new(FsOverlay::new(raw.clone(), cfg.clone()));
            if let Ok(mut all) = self.fs_overlays.lock() {
                all.push((name.to_string(), o.clone()));
            }
            o
        } else {
            raw.clone()
        };
        FsMount {
            cfg: cfg.clone(),
            rill,
            raw: raw.clone(),
        }
    }

    fn kv_overlays(&self) -> Vec<(String, Arc<KvOverlay>)> {
        self.kv_overlays
            .lock()
            .map(|o| o.clone())
            .unwrap_or_default()
    }

    fn fs_overlays(&self) -> Vec<(String, Arc<FsOverlay>)> {
        self.fs_overlays
            .lock()
            .map(|o| o.clone())
            .unwrap_or_default()
    }
}

impl MountOpener for RunOpener {
    fn open_kv<'a>(
        &'a self,
        name: &'a str,
        cfg: &'a KvMountConfig,
    ) -> BoxFuture<'a, Result<KvMount, StoreError>> {
        Box::pin(async move {
            let m = open_kv_for(cfg, self.read_only || self.dry_run).await?;
            Ok(self.wrap_kv(name, &m))
        })
    }

    fn open_fs<'a>(
        &'a self,
        name: &'a str,
        cfg: &'a FsMountConfig,
    ) -> BoxFuture<'a, Result<FsMount, StoreError>> {
        Box::pin(async move {
            let raw = open_fs(cfg).await?;
            Ok(self.wrap_fs(name, &(cfg.clone(), raw)))
        })
    }
}

/// Refuses a run whose dry run is outdated: a kv key it changes no longer holds what the dry run
/// saw. Mounts it opens for the check stay open for the run.
async fn check_expected(mounts: &mut ScriptMounts, expect: &[WriteChange]) -> Result<(), String> {
    let mut drifted = Vec::new();
    for c in expect.iter().filter(|c| c.store == "kv") {
        if let Some(cfg) = mounts.unopened_kv.shift_remove(&c.mount) {
            let opened = open_kv_for(&cfg, mounts.read_only).await.map_err(Arc::new);
            mounts.kv.insert(c.mount.clone(), opened);
        }
        let now = match mounts.kv.get(&c.mount) {
            Some(Ok(m)) => m
                .store()
                .get(&c.target)
                .await
                .map_err(|e| e.to_string())?
                .map(|v| v.text),
            Some(Err(e)) => return Err(e.to_string()),
            None => continue,
        };
        if now != c.before {
            drifted.push(format!("`{}` in {}", c.target, c.mount));
        }
    }
    if drifted.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} changed since the dry run (another process wrote it): nothing was written; run the \
         dry run again (F5) to see what the snippet would do now",
        drifted.join(", ")
    ))
}

/// Where `name` comes in the profile (mounts it does not declare come last).
fn profile_rank(profile: Option<&Profile>, fs: bool, name: &str) -> usize {
    profile
        .and_then(|p| {
            if fs {
                p.fs.get_index_of(name)
            } else {
                p.kv.get_index_of(name)
            }
        })
        .unwrap_or(usize::MAX)
}

/// The slots of one kind of mount: the opened ones (wrapped for the run), the failed ones, then
/// the unopened ones, in the profile's order.
fn slots<O, M, C: Clone>(
    ready: &IndexMap<String, Result<O, Arc<StoreError>>>,
    unopened: &IndexMap<String, C>,
    wrap: impl Fn(&str, &O) -> M,
    rank: impl Fn(&str) -> usize,
) -> IndexMap<String, Slot<M, C>> {
    let mut out: IndexMap<String, Slot<M, C>> = ready
        .iter()
        .map(|(name, m)| {
            let slot = match m {
                Ok(m) => Slot::Open(wrap(name, m)),
                Err(e) => Slot::Failed(e.clone()),
            };
            (name.clone(), slot)
        })
        .collect();
    for (name, cfg) in unopened {
        out.entry(name.clone())
            .or_insert_with(|| Slot::Unopened(cfg.clone()));
    }
    out.sort_by_cached_key(|name, _| rank(name));
    out
}

fn run_stores(mounts: &ScriptMounts, dry_run: bool) -> RunStores {
    let opener = Arc::new(RunOpener {
        dry_run,
        read_only: mounts.read_only,
        ..RunOpener::default()
    });
    let profile = mounts.profile.as_deref();
    let kv = slots(
        &mounts.kv,
        &mounts.unopened_kv,
        |name, m| opener.wrap_kv(name, m),
        |name| profile_rank(profile, false, name),
    );
    let fs = slots(
        &mounts.fs,
        &mounts.unopened_fs,
        |name, m| opener.wrap_fs(name, m),
        |name| profile_rank(profile, true, name),
    );
    RunStores { kv, fs, opener }
}

/// Runs `source` against `mounts`. Never panics; every failure is in `RunReport::error`.
///
/// Must be called inside a tokio runtime: the interpreter thread reaches the stores through
/// this runtime's handle while this future waits for it.
pub async fn run_script(mounts: &ScriptMounts, source: &str, opts: &RunOptions) -> RunReport {
    let started = Instant::now();
    let rt = match tokio::runtime::Handle::try_current() {
        Ok(h) => h,
        Err(_) => {
            return RunReport {
                error: Some(ScriptError::plain("run_script needs a tokio runtime")),
                ..RunReport::default()
            };
        }
    };
    // What a run sees is the stores as they are now, as a rill host loads them at its start:
    // a JSON file store shared with the UI forgets its loaded copy.
    let mut mounts = mounts.clone();
    for m in mounts.kv.values().flatten() {
        if let Err(e) = m.store().reload().await {
            return RunReport {
                error: Some(ScriptError::plain(e.to_string())),
                ..RunReport::default()
            };
        }
    }
    if let Err(e) = check_expected(&mut mounts, &opts.expect).await {
        return RunReport {
            error: Some(ScriptError::plain(e)),
            elapsed: started.elapsed(),
            ..RunReport::default()
        };
    }
    let mounts = &mounts;
    let stores = run_stores(mounts, opts.dry_run);
    let opener = stores.opener.clone();
    let profile = mounts.profile.clone();
    let guard = WriteGuard {
        profile: profile.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        read_only: profile.as_ref().is_some_and(|p| p.read_only),
        unconfirmed: !opts.dry_run
            && !opts.confirmed
            && profile.as_ref().is_some_and(|p| p.protect),
    };

    // The interpreter sees one flag: the caller's cancel or the timeout.
    let stop = Arc::new(AtomicBool::new(false));
    let timed_out = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (stop, timed_out, done, cancel) = (
            stop.clone(),
            timed_out.clone(),
            done.clone(),
            opts.cancel.clone(),
        );
        let deadline = opts.timeout.map(|t| started + t);
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if cancel.load(Ordering::Relaxed) {
                    stop.store(true, Ordering::Relaxed);
                }
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    timed_out.store(true, Ordering::Relaxed);
                    stop.store(true, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };

    let src = source.to_string();
    let interp_stop = stop.clone();
    let interp_opts = opts.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let thread_rt = rt.clone();
    std::thread::spawn(move || {
        let out = run_with_big_stack(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                interpret(
                    src,
                    stores,
                    profile,
                    guard,
                    thread_rt,
                    interp_opts,
                    interp_stop,
                )
            }))
            .ok()
        })
        .flatten();
        let _ = tx.send(out);
    });
    let out = rx.await.ok().flatten();
    done.store(true, Ordering::Relaxed);
    let _ = watcher.join();

    let Some(mut report) = out else {
        return RunReport {
            error: Some(ScriptError::plain("internal interpreter error")),
            elapsed: started.elapsed(),
            ..RunReport::default()
        };
    };
    if let Some(e) = &mut report.error
        && e.code == "RILL-R013"
        && timed_out.load(Ordering::Relaxed)
    {
        let secs = opts.timeout.map_or(0.0, |t| t.as_secs_f64());
        e.message = format!("Execution aborted: time limit of {secs}s exceeded");
    }
    if opts.dry_run {
        for (mount, o) in &opener.kv_overlays() {
            match o.changes().await {
                Ok(ch) => report.changes.extend(ch.into_iter().map(|c| WriteChange {
                    store: "kv",
                    mount: mount.clone(),
                    target: c.key,
                    before: c.before,
                    after: c.after,
                })),
                Err(e) => report
                    .logs
                    .push(format!("cannot list the changes of kv mount {mount}: {e}")),
            }
        }
        for (mount, o) in &opener.fs_overlays() {
            match o.changes().await {
                Ok(ch) => report.changes.extend(ch.into_iter().map(|c| WriteChange {
                    store: "fs",
                    mount: mount.clone(),
                    target: c.path,
                    before: c.before,
                    after: c.after,
                })),
                Err(e) => report
                    .logs
                    .push(format!("cannot list the changes of fs mount {mount}: {e}")),
            }
        }
    }
    report.elapsed = started.elapsed();
    report
}

/// The interpreter thread's part of a run: register, run, flush touched JSON mounts. `stop`
/// is the flag the interpreter and store calls see (the caller's cancel or the time limit).
fn interpret(
    src: String,
    stores: RunStores,
    profile: Option<Arc<Profile>>,
    guard: WriteGuard,
    rt: tokio::runtime::Handle,
    opts: RunOptions,
    stop: Arc<AtomicBool>,
) -> RunReport {
    let dry_run = opts.dry_run;
    let log: Option<ChangeLog> = (!dry_run).then(ChangeLog::default);
    let flush_allowed = !guard.read_only && !guard.unconfirmed;
    let binding = Rc::new(Binding {
        profile,
        kv: std::cell::RefCell::new(stores.kv),
        fs: std::cell::RefCell::new(stores.fs),
        opener: stores.opener,
        rt: rt.clone(),
        guard,
        log: log.clone(),
        touched: Default::default(),
        stop: stop.clone(),
        call_timeout: opts.call_timeout,
        calling: std::cell::Cell::new(""),
    });
    let mut registry = HostRegistry::default();
    register(&mut registry, &binding, opts.dialect);
    let interp_opts = Options {
        max_steps: opts.max_steps.unwrap_or(0),
        cancel: stop,
        ..Options::default()
    };
    let namespaces = match opts.dialect {
        crate::rill::dialect::Dialect::V0_20 => {
            crate::rill::mounts::bindings::v0_20::namespace_values(&registry)
        }
        crate::rill::dialect::Dialect::V0_8 => vec![],
    };
    let mut it = Interp::new(
        crate::rill::builtins::library(opts.dialect),
        registry,
        interp_opts,
    );
    for (name, v) in namespaces {
        it.set_var(&name, v);
    }
    it.on_log = opts.on_log;
    let outcome = it.run_outcome(&src);
    let mut report = RunReport {
        logs: outcome.logs,
        ..RunReport::default()
    };
    match outcome.result {
        Ok(v) => {
            report.value = Some(it.text(&v));
            report.value_json = Some(encode(&v));
        }
        Err(e) => report.error = Some(ScriptError::from_rill(&e, &src)),
    }
    // writePolicy dispose: every JSON mount the run used is written now (not in dry runs,
    // not where writes are refused).
    if !dry_run && flush_allowed {
        let touched: Vec<String> = binding.touched.borrow().iter().cloned().collect();
        for name in touched {
            let slot = binding.kv.borrow().get(&name).cloned();
            if let Some(Slot::Open(m)) = slot
                && matches!(m.config().backend, KvBackendConfig::Json(_))
                && let Err(e) = rt.block_on(m.flush())
            {
                report
                    .logs
                    .push(format!("warning: cannot flush kv mount {name}: {e}"));
            }
        }
    }
    if let Some(log) = log {
        report.changes = log.borrow().clone();
    }
    drop(it);
    report
}
