//! Runs [`Command`]s in tokio tasks and sends each result back as
//! `Action::TaskDone(id, output)` (and copy progress as `Action::TaskProgress`).
//!
//! No state here: commands carry the mount handles they need. Whether a result is still
//! wanted is the app's call (stale ids are dropped in `App::update`). Errors are turned into
//! messages with the store's own wording, which never holds a secret.

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use tokio::sync::{mpsc, watch};

use super::action::{Action, Command, Handle, MountConfig, RequestId, TaskOutput};
use super::event::Event;
use super::history;
use crate::config::Profile;
use crate::migrate::plan::saved_plan::SavedPlan;
use crate::migrate::progress::{Phase, Progress};
use crate::migrate::{FsMount, copy, plan, verify};
use crate::rill::mounts::session::{self, ScriptMounts};
use crate::store::Expiry;
use crate::store::kv_mount::{Edit, EditError};
use crate::store::{Backend, FileStore, open};

/// Largest file the preview reads in full ("load all").
pub const FULL_READ_LIMIT: u64 = 64 * 1024 * 1024;

/// Spawns commands; results go to the event channel.
#[derive(Debug, Clone)]
pub struct Tasks {
    tx: mpsc::UnboundedSender<Event>,
}

impl Tasks {
    pub fn new(tx: mpsc::UnboundedSender<Event>) -> Tasks {
        Tasks { tx }
    }

    /// Runs `cmd` in the background.
    pub fn spawn(&self, cmd: Command) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let progress = tx.clone();
            let (id, out) = execute(cmd, move |id, p| {
                let _ = progress.send(Event::Action(Action::TaskProgress(id, p)));
            })
            .await;
            // The receiver is gone only when the UI quits.
            let _ = tx.send(Event::Action(Action::TaskDone(id, out)));
        });
    }
}

/// Runs one command to its end. `on_progress` receives copy and plan progress.
pub async fn execute(
    cmd: Command,
    on_progress: impl Fn(RequestId, Progress) + Send + Sync + 'static,
) -> (RequestId, TaskOutput) {
    let id = cmd.id();
    let out = match cmd {
        Command::Open { config, .. } => match config {
            MountConfig::Kv(c) => match open::open_kv(&c).await {
                // A JSON file loads lazily: counting loads it now, so a corrupt file shows as a
                // failed mount rather than on first use. (Elsewhere counting may be a full
                // scan, and opening has already connected.)
                Ok(m) if m.store().info().backend == Backend::Json => {
                    match m.store().count().await {
                        Ok(_) => TaskOutput::Opened(Box::new(Handle::Kv(m))),
                        Err(e) => TaskOutput::Failed(e.to_string()),
                    }
                }
                Ok(m) => TaskOutput::Opened(Box::new(Handle::Kv(m))),
                Err(e) => TaskOutput::Failed(e.to_string()),
            },
            MountConfig::Fs(c) => match open::open_fs(&c).await {
                // Building an S3 client contacts nobody: one listing of at most one entry
                // tells whether the endpoint, the credentials and the bucket work, so the
                // mount's state is true from the start (and fails within the connect timeout).
                Ok(store) if FileStore::info(store.as_ref()).backend == Backend::S3 => {
                    match FileStore::list(store.as_ref(), "", None, 1).await {
                        Ok(_) => {
                            TaskOutput::Opened(Box::new(Handle::Fs(FsMount { config: c, store })))
                        }
                        Err(e) => TaskOutput::Failed(e.to_string()),
                    }
                }
                Ok(store) => TaskOutput::Opened(Box::new(Handle::Fs(FsMount { config: c, store }))),
                Err(e) => TaskOutput::Failed(e.to_string()),
            },
        },
        Command::ScanKeys {
            mount,
            cursor,
            count,
            ..
        } => {
            // A list from the start (open, `r`) shows the store as it is now: the JSON file
            // store forgets its loaded copy, which another process may have outdated.
            let reloaded = match cursor {
                None => mount.store().reload().await,
                Some(_) => Ok(()),
            };
            let page = match reloaded {
                Ok(()) => mount.store().scan(cursor.as_deref(), count).await,
                Err(e) => Err(e),
            };
            match page {
                Ok(page) => TaskOutput::Keys(page),
                Err(e) => TaskOutput::Failed(e.to_string()),
            }
        }
        Command::ListFiles {
            fs,
            dir,
            cursor,
            limit,
            ..
        } => match FileStore::list(fs.store.as_ref(), &dir, cursor.as_deref(), limit).await {
            Ok(page) => TaskOutput::Files(page),
            Err(e) => TaskOutput::Failed(e.to_string()),
        },
        Command::SearchKeys {
            mount,
            pattern,
            cursor,
            count,
            ..
        } => match mount
            .store()
            .scan_match(&pattern, cursor.as_deref(), count)
            .await
        {
            Ok(page) => TaskOutput::Keys(page),
            Err(e) => TaskOutput::Failed(e.to_string()),
        },
        Command::SearchFiles {
            fs,
            pattern,
            cursor,
            limit,
            ..
        } => match fs
            .store
            .walk_match(&pattern, cursor.as_deref(), limit)
            .await
        {
            Ok(page) => TaskOutput::Files(page),
            Err(e) => TaskOutput::Failed(e.to_string()),
        },
        Command::CountKeys { mount, .. } => match mount.store().count().await {
            Ok(n) => TaskOutput::Count(n),
            Err(e) => TaskOutput::Failed(e.to_string()),
        },
        Command::StatFile { fs, path, .. } => {
            match FileStore::stat(fs.store.as_ref(), &path).await {
                Ok(meta) => TaskOutput::Stat(meta),
                Err(e) => TaskOutput::Failed(e.to_string()),
            }
        }
        Command::GetValue { mount, key, .. } => match mount.store().get(&key).await {
            Ok(v) => TaskOutput::Value(v),
            Err(e) => TaskOutput::Failed(e.to_string()),
        },
        Command::ReadFile {
            fs, path, limit, ..
        } => read_file(&fs, &path, limit).await,
        Command::SetValue {
            mount,
            key,
            value,
            seen,
            expiry,
            ..
        } => edited(
            mount.edit(&key, Edit::Set(value, expiry), &seen).await,
            |_| TaskOutput::Written,
        ),
        Command::SetTtl {
            mount,
            key,
            ttl,
            seen,
            ..
        } => {
            let expiry = ttl.map_or(Expiry::Never, Expiry::After);
            edited(mount.edit(&key, Edit::Expire(expiry), &seen).await, |_| {
                TaskOutput::Written
            })
        }
        Command::DeleteKey {
            mount, key, seen, ..
        } => edited(
            mount.edit(&key, Edit::Delete, &seen).await,
            TaskOutput::Deleted,
        ),
        Command::Plan { src, dst, .. } => {
            // both phases report through the one `on_progress`
            let on_progress = std::sync::Arc::new(on_progress);
            let (tx, rx) = watch::channel(Progress::new(Phase::Planning));
            let on = on_progress.clone();
            let fwd = forward(id, rx, move |i, p| on(i, p));
            let planned = plan::plan(&src, &dst, &Default::default(), Some(tx)).await;
            fwd.abort();
            match planned {
                Ok(p) => {
                    // what the destination would refuse, found before anything is written
                    let (tx, rx) = watch::channel(Progress::new(Phase::Checking));
                    let fwd = forward(id, rx, move |i, p| on_progress(i, p));
                    let options = copy::CopyOptions::default();
                    let checked = crate::migrate::preflight::preflight(
                        &src,
                        &dst,
                        &options,
                        Some(tx),
                        Default::default(),
                    )
                    .await;
                    fwd.abort();
                    match checked {
                        Ok(verdict) => {
                            // fingerprints of both sides, so that the copy writes what was
                            // reviewed and refuses what changed since (kv → kv, fs → fs)
                            let saved = SavedPlan::of(
                                (&src, &src.location()),
                                (&dst, &dst.location()),
                                &p,
                                copy::OnConflict::Overwrite,
                                false,
                            )
                            .await
                            .ok()
                            .map(std::sync::Arc::new);
                            TaskOutput::Planned(p, Box::new(verdict), saved)
                        }
                        Err(e) => TaskOutput::Failed(e.to_string()),
                    }
                }
                Err(e) => TaskOutput::Failed(e.to_string()),
            }
        }
        Command::Copy {
            src,
            dst,
            options,
            cancel,
            ..
        } => {
            let (tx, rx) = watch::channel(Progress::new(Phase::Copying));
            let fwd = forward(id, rx, on_progress);
            let r = copy::copy(&src, &dst, &options, Some(tx), cancel).await;
            fwd.abort();
            match r {
                Ok(report) => TaskOutput::Copied(report),
                Err(e) => TaskOutput::Failed(e.to_string()),
            }
        }
        Command::Preflight {
            src, dst, options, ..
        } => {
            let checked = crate::migrate::preflight::preflight(
                &src,
                &dst,
                &options,
                None,
                Default::default(),
            )
            .await;
            match checked {
                Ok(verdict) => TaskOutput::Checked(Box::new(verdict)),
                Err(e) => TaskOutput::Failed(e.to_string()),
            }
        }
        Command::Verify { src, dst, .. } => {
            let (tx, rx) = watch::channel(Progress::new(Phase::Verifying));
            let fwd = forward(id, rx, on_progress);
            let r = verify::verify(&src, &dst, &Default::default(), Some(tx)).await;
            fwd.abort();
            match r {
                Ok(report) => TaskOutput::Verified(report),
                Err(e) => TaskOutput::Failed(e.to_string()),
            }
        }
        Command::DeleteFile { fs, path, .. } => {
            match FileStore::delete(fs.store.as_ref(), &path).await {
                Ok(existed) => TaskOutput::Deleted(existed),
                Err(e) => TaskOutput::Failed(e.to_string()),
            }
        }
        // The screen chose the dialect (the profile's, or its F2 switch).
        Command::RunScript {
            profile,
            ready,
            source,
            options,
            ..
        } => {
            let mounts = script_mounts(&profile, ready);
            let report = session::run_script(&mounts, &source, &options).await;
            TaskOutput::Script(Box::new(report))
        }
        Command::SaveHistory { path, entries, .. } => {
            let r = tokio::task::spawn_blocking(move || history::save(&path, &entries)).await;
            match r {
                Ok(Ok(())) => TaskOutput::Written,
                Ok(Err(e)) => {
                    TaskOutput::Failed(format!("cannot save the scratchpad history: {e}"))
                }
                Err(e) => TaskOutput::Failed(format!("cannot save the scratchpad history: {e}")),
            }
        }
    };
    (id, out)
}

/// The mounts a script sees: the UI's open handles where there are some (one shared JSON
/// file state, one Redis connection); the rest open on the script's first call to them, so a
/// slow server the script does not use never holds the run, and esc cancels a connect.
fn script_mounts(profile: &Profile, ready: ScriptMounts) -> ScriptMounts {
    let mut mounts = ScriptMounts::lazy(profile);
    for (name, m) in ready.kv {
        mounts.unopened_kv.shift_remove(&name);
        mounts.kv.insert(name, m);
    }
    for (name, m) in ready.fs {
        mounts.unopened_fs.shift_remove(&name);
        mounts.fs.insert(name, m);
    }
    mounts
}

/// Forwards every progress change until the sender is dropped.
fn forward(
    id: RequestId,
    mut rx: watch::Receiver<Progress>,
    on_progress: impl Fn(RequestId, Progress) + Send + Sync + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let p = rx.borrow_and_update().clone();
            on_progress(id, p);
        }
    })
}

async fn read_file(fs: &FsMount, path: &str, limit: Option<u64>) -> TaskOutput {
    let meta = match FileStore::stat(fs.store.as_ref(), path).await {
        Ok(m) => m,
        Err(e) => return TaskOutput::Failed(e.to_string()),
    };
    let size = meta.as_ref().map_or(0, |m| m.size);
    let result = match limit {
        Some(n) => fs
            .store
            .read_range(path, 0, n)
            .await
            .map(|b| (b.clone(), b.len() as u64 >= size)),
        None => read_whole(fs, path).await.map(|b| (b, true)),
    };
    match result {
        Ok((bytes, complete)) => TaskOutput::File {
            meta,
            bytes,
            complete,
        },
        Err(e) => TaskOutput::Failed(e.to_string()),
    }
}

async fn read_whole(fs: &FsMount, path: &str) -> Result<Bytes, crate::store::StoreError> {
    let mut stream = FileStore::read(fs.store.as_ref(), path).await?;
    let mut buf = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk: Bytes = chunk?;
        buf.extend_from_slice(&chunk);
        if buf.len() as u64 >= FULL_READ_LIMIT {
            break;
        }
    }
    Ok(buf.freeze())
}

/// The output of a `KvMount::edit`.
fn edited(r: Result<bool, EditError>, ok: impl FnOnce(bool) -> TaskOutput) -> TaskOutput {
    match r {
        Ok(wrote) => ok(wrote),
        Err(EditError::Drifted { now }) => TaskOutput::Drifted { now },
        Err(EditError::Refused(e)) => TaskOutput::Failed(e.message),
    }
}
