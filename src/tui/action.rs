//! What flows through the UI loop: [`Action`]s in (keys, mouse, task results), [`Command`]s out
//! (I/O for `tasks.rs` to run), and the [`TaskOutput`] a finished command reports.
//!
//! Actions are imperative for intents (`Edit`, `Delete`) and facts come back as one
//! `TaskDone(RequestId, TaskOutput)`. Commands carry the opened mount handles they need, so
//! `tasks.rs` keeps no state of its own.

use bytes::Bytes;
use crossterm::event::KeyEvent;
use tokio_util::sync::CancellationToken;

use crate::config::{FsMountConfig, KvMountConfig, Profile};
use crate::migrate::copy::{CopyOptions, CopyReport};
use crate::migrate::plan::MigrationPlan;
use crate::migrate::progress::Progress;
use crate::migrate::verify::VerifyReport;
use crate::migrate::{Endpoint, FsMount};
use crate::rill::mounts::session::{RunOptions, RunReport, ScriptMounts};
use crate::store::Expiry;
use crate::store::key_pattern::KeyPattern;
use crate::store::kv_mount::KvMount;
use crate::store::kv_mount::Seen;
use crate::store::{FileMeta, FilePage, Json, KeyPage, StoredValue};

/// Identifies one command; a result whose id the app no longer waits for is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// Everything the app reacts to.
#[derive(Debug, Clone)]
pub enum Action {
    // --- intents bound to keys (names in `keymap.rs`)
    Quit,
    ToggleHelp,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Enter: open the folder, pick the mount, confirm.
    Open,
    /// Leave the folder / go back one step.
    Back,
    NextPane,
    PrevPane,
    StartFilter,
    ClearFilter,
    /// Ask for an exact key (or path) and open it, listed or not.
    GoTo,
    CycleSort,
    /// Load a capped preview in full.
    LoadAll,
    Reload,
    Edit,
    NewKey,
    Delete,
    /// Set or remove the expiry of the selected key (Redis).
    SetTtl,
    Save,
    Confirm,
    Cancel,
    OpenMigration,
    CycleConflict,
    /// Migration: write what the destination accepts even when it would refuse some items.
    TogglePartial,
    /// Migration: save what the copy replaces (`--backup-dir`) before it writes.
    ToggleBackup,
    /// Migration: delete the destination-only items after the copy (`--delete-extra`).
    ToggleMirror,
    Apply,
    /// Re-read both sides of a finished copy and compare.
    Verify,
    ToggleTheme,
    /// Open the rill scratchpad on the selected mount's profile.
    OpenScratchpad,
    /// Run the scratchpad snippet (a dry run first).
    Run,
    /// Recall an older / newer snippet from the history.
    HistoryPrev,
    HistoryNext,
    /// Run the scratchpad's snippets as the other rill generation (0.8 ⇄ 0.20).
    SwitchDialect,
    // --- raw input
    /// A key for a text field (filter, editor, typed confirmation).
    Input(KeyEvent),
    Paste(String),
    Click {
        column: u16,
        row: u16,
    },
    Scroll {
        column: u16,
        row: u16,
        down: bool,
    },
    Resize {
        width: u16,
        height: u16,
    },
    Tick,
    // --- facts
    TaskDone(RequestId, TaskOutput),
    TaskProgress(RequestId, Progress),
}

/// An opened mount.
#[derive(Debug, Clone)]
pub enum Handle {
    Kv(KvMount),
    Fs(FsMount),
}

/// A mount configuration to open.
#[derive(Debug, Clone)]
pub enum MountConfig {
    Kv(KvMountConfig),
    Fs(FsMountConfig),
}

/// I/O the app asks for; run by `tasks.rs` in background tasks.
#[derive(Debug, Clone)]
pub enum Command {
    Open {
        id: RequestId,
        config: MountConfig,
    },
    ScanKeys {
        id: RequestId,
        mount: KvMount,
        cursor: Option<String>,
        count: usize,
    },
    ListFiles {
        id: RequestId,
        fs: FsMount,
        dir: String,
        cursor: Option<String>,
        limit: usize,
    },
    /// One page of the keys of the whole mount that match `pattern` (the `/` search).
    SearchKeys {
        id: RequestId,
        mount: KvMount,
        pattern: KeyPattern,
        cursor: Option<String>,
        count: usize,
    },
    /// One page of the files of the whole mount whose paths match `pattern`.
    SearchFiles {
        id: RequestId,
        fs: FsMount,
        pattern: KeyPattern,
        cursor: Option<String>,
        limit: usize,
    },
    /// How many entries the kv mount holds (the list's title).
    CountKeys {
        id: RequestId,
        mount: KvMount,
    },
    GetValue {
        id: RequestId,
        mount: KvMount,
        key: String,
    },
    /// Metadata of one path (go to a path).
    StatFile {
        id: RequestId,
        fs: FsMount,
        path: String,
    },
    /// `limit`: at most this many bytes (a capped preview); `None` reads everything.
    ReadFile {
        id: RequestId,
        fs: FsMount,
        path: String,
        limit: Option<u64>,
    },
    /// Writes `value` at `key` if the key still holds `seen` (see `KvMount::edit`).
    SetValue {
        id: RequestId,
        mount: KvMount,
        key: String,
        value: Json,
        seen: Seen,
        expiry: Expiry,
    },
    DeleteKey {
        id: RequestId,
        mount: KvMount,
        key: String,
        seen: Seen,
    },
    /// Rewrites `key` with the same value and this expiry (`None`: no expiry).
    SetTtl {
        id: RequestId,
        mount: KvMount,
        key: String,
        ttl: Option<std::time::Duration>,
        seen: Seen,
    },
    Plan {
        id: RequestId,
        src: Endpoint,
        dst: Endpoint,
    },
    Copy {
        id: RequestId,
        src: Endpoint,
        dst: Endpoint,
        options: Box<CopyOptions>,
        cancel: CancellationToken,
    },
    Verify {
        id: RequestId,
        src: Endpoint,
        dst: Endpoint,
    },
    /// The preflight again, with the options chosen on the plan view since the plan came.
    Preflight {
        id: RequestId,
        src: Endpoint,
        dst: Endpoint,
        options: Box<CopyOptions>,
    },
    DeleteFile {
        id: RequestId,
        fs: FsMount,
        path: String,
    },
    /// Runs a snippet against `profile`'s mounts: those in `ready` (already open in the UI,
    /// so the browser and the script share one handle) are used as they are, the others are
    /// opened for the run.
    RunScript {
        id: RequestId,
        profile: Box<Profile>,
        ready: ScriptMounts,
        source: String,
        options: RunOptions,
    },
    SaveHistory {
        id: RequestId,
        path: std::path::PathBuf,
        entries: Vec<String>,
    },
}

impl Command {
    pub fn id(&self) -> RequestId {
        match self {
            Command::Open { id, .. }
            | Command::ScanKeys { id, .. }
            | Command::ListFiles { id, .. }
            | Command::SearchKeys { id, .. }
            | Command::SearchFiles { id, .. }
            | Command::CountKeys { id, .. }
            | Command::StatFile { id, .. }
            | Command::GetValue { id, .. }
            | Command::ReadFile { id, .. }
            | Command::SetValue { id, .. }
            | Command::DeleteKey { id, .. }
            | Command::SetTtl { id, .. }
            | Command::Plan { id, .. }
            | Command::Copy { id, .. }
            | Command::Verify { id, .. }
            | Command::Preflight { id, .. }
            | Command::DeleteFile { id, .. }
            | Command::RunScript { id, .. }
            | Command::SaveHistory { id, .. } => *id,
        }
    }
}

/// The result of one command.
#[derive(Debug, Clone)]
pub enum TaskOutput {
    Opened(Box<Handle>),
    Keys(KeyPage),
    Files(FilePage),
    Value(Option<StoredValue>),
    /// A [`Command::CountKeys`]'s count.
    Count(u64),
    /// A [`Command::StatFile`]'s metadata (`None`: no such path).
    Stat(Option<FileMeta>),
    File {
        meta: Option<FileMeta>,
        bytes: Bytes,
        /// The whole file was read.
        complete: bool,
    },
    Written,
    Deleted(bool),
    /// A write was refused: the key no longer holds what the user was shown (`now`: what it
    /// holds, `None`: gone).
    Drifted {
        now: Option<String>,
    },
    /// The plan, and the preflight of a copy with the default options (what the
    /// destination would refuse).
    /// A plan, its preflight verdict, and the plan with fingerprints that applying it uses
    /// (so that what changed since the plan was shown is not written).
    Planned(
        MigrationPlan,
        Box<CopyReport>,
        Option<std::sync::Arc<crate::migrate::plan::saved_plan::SavedPlan>>,
    ),
    Copied(CopyReport),
    /// A [`Command::Preflight`]'s verdict.
    Checked(Box<CopyReport>),
    Verified(VerifyReport),
    Script(Box<RunReport>),
    /// The command failed; the message is worded for a person and holds no secret.
    Failed(String),
}
