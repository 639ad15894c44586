//! Running a rill script against a profile's mounts: the one entry point the CLI (`eval -p`)
//! and the TUI scratchpad share.
//!
//! PLACEHOLDER (being written on branch `bind`): the types and signatures below are the
//! contract; `run_script` does not run anything yet.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use indexmap::IndexMap;

use crate::config::{FsMountConfig, Profile};
use crate::store::kv_mount::KvMount;
use crate::store::{FsMountStore, StoreError};

/// The storage a script sees: the kv and fs mounts of one profile. A mount that could not be
/// opened is kept with its error, which a script gets when it calls that mount.
#[derive(Debug, Clone, Default)]
pub struct ScriptMounts {
    pub kv: IndexMap<String, Result<KvMount, Arc<StoreError>>>,
    #[allow(clippy::type_complexity)]
    pub fs: IndexMap<String, Result<(FsMountConfig, Arc<dyn FsMountStore>), Arc<StoreError>>>,
}

impl ScriptMounts {
    /// Opens every mount of `profile` (each within its connect timeout).
    pub async fn open(profile: &Profile) -> ScriptMounts {
        let _ = profile;
        ScriptMounts::default()
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

/// One write a script made (or would make, in a dry run).
#[derive(Debug, Clone, PartialEq)]
pub struct WriteChange {
    /// `kv` or `fs`.
    pub store: &'static str,
    pub mount: String,
    /// Key or path.
    pub target: String,
    /// Stored JSON text (kv) or a content summary (fs) before; `None` = did not exist.
    pub before: Option<String>,
    /// After; `None` = deleted.
    pub after: Option<String>,
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

/// Runs `source` against `mounts`. Never panics; every failure is in `RunReport::error`.
pub async fn run_script(mounts: &ScriptMounts, source: &str, opts: &RunOptions) -> RunReport {
    let _ = (mounts, source, opts);
    RunReport {
        error: Some(ScriptError {
            code: String::new(),
            message: "running scripts against mounts is not built yet".into(),
            line: 0,
            col: 0,
            source_line: String::new(),
        }),
        ..RunReport::default()
    }
}
