//! Backups of what a copy changes at its destination (`copy --backup-dir DIR|ADDR`, as
//! rclone's `--backup-dir`), and the restore that undoes the copy (`rillmount restore`).
//!
//! A backup is a folder (a local one, or a prefix of an fs mount) holding:
//! - `manifest.json`: which copy it belongs to (source, destination, kv or fs);
//! - `parts/NNNNNNNN.jsonl`: records, one JSON object per line, each written (durably) *before*
//!   the writes it covers: `{"op":"created","name":…}` for an item the destination did not
//!   have, `{"op":"saved","name":…,"value":…,"ttl_ms":…}` for a kv value about to be
//!   overwritten or deleted (its text exactly as stored, its remaining TTL), and
//!   `{"op":"saved","name":…}` for a file, whose previous content is in `files/<name>`.
//!
//! The first record of a name decides: an item saved once is never saved again (a resumed
//! copy that overwrites it a second time would otherwise save the copy's own value), and an
//! item the copy created stays created. [`restore`] deletes what was created and puts back
//! what was saved, with its TTL, so the destination holds the bytes it held before the copy.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::config::{Encoding, FsBackendConfig, FsMountConfig, LocalFsConfig, Mode};
use crate::migrate::plan::document::{body, read_all};
use crate::migrate::{Endpoint, MigrateError};
use crate::store::local_dir::LocalDirStore;
use crate::store::{EntryKind, Expiry, FileStore, FsMountStore, StoredValue};

/// Where the TUI keeps backups: `backups/` in rillmount's state folder, beside the journals.
pub fn default_root() -> std::path::PathBuf {
    super::journal::default_dir().with_file_name("backups")
}

/// A new backup folder under `root` for a copy into `dst` (named by the time and the
/// destination, so that folders sort by age).
pub fn new_folder(root: &Path, dst: &str) -> std::path::PathBuf {
    let stamp = crate::migrate::unix_ms() / 1000;
    let name: String = dst
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    root.join(format!("{stamp}-{name}"))
}

/// The manifest's `format`.
pub const FORMAT: &str = "rillmount-backup/1";

const MANIFEST: &str = "manifest.json";
const PARTS: &str = "parts";
const FILES: &str = "files";

/// Where a backup goes: a folder of an fs store (the root of a local folder, or a prefix of
/// a mount).
#[derive(Debug, Clone)]
pub struct BackupTarget {
    pub store: Arc<dyn FsMountStore>,
    /// Folder inside the store, `""` for its root.
    pub prefix: String,
    /// What to call it in messages (a path, or `profile:mount/prefix`).
    pub label: String,
}

impl BackupTarget {
    /// A local folder (created when missing).
    pub fn local(dir: &Path) -> Result<BackupTarget, MigrateError> {
        let label = dir.display().to_string();
        std::fs::create_dir_all(dir).map_err(|e| MigrateError::Backup {
            location: label.clone(),
            message: format!("cannot create the folder: {e}"),
        })?;
        let l = LocalFsConfig {
            path: dir.to_path_buf(),
            encoding: Encoding::Utf8,
        };
        let cfg = FsMountConfig {
            name: "backup".into(),
            mode: Mode::new("read-write"),
            glob: None,
            max_file_size: u64::MAX,
            backend: FsBackendConfig::Local(l.clone()),
        };
        let store = LocalDirStore::open(&cfg, &l)?;
        Ok(BackupTarget {
            store: Arc::new(store),
            prefix: String::new(),
            label,
        })
    }

    fn path(&self, rel: &str) -> String {
        if self.prefix.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.prefix.trim_end_matches('/'))
        }
    }

    async fn read_manifest(&self) -> Result<Option<Manifest>, MigrateError> {
        let Some(bytes) = read_all(self.store.as_ref(), &self.path(MANIFEST)).await? else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            self.error(format!(
                "{MANIFEST} is not a rillmount backup manifest: {e}"
            ))
        })
    }

    /// Names of the record parts, in order.
    async fn parts(&self) -> Result<Vec<String>, MigrateError> {
        let dir = self.path(PARTS);
        let s = self.store.as_ref();
        let mut names = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = match FileStore::list(s, &dir, cursor.as_deref(), 1000).await {
                Ok(p) => p,
                Err(e) if e.kind == crate::store::ErrorKind::NotFound => break,
                Err(e) => return Err(e.into()),
            };
            for e in &page.entries {
                if e.kind == EntryKind::File && e.name().ends_with(".jsonl") {
                    names.push(format!("{dir}/{}", e.name()));
                }
            }
            cursor = page.next;
            if cursor.is_none() {
                break;
            }
        }
        names.sort();
        Ok(names)
    }

    fn error(&self, message: String) -> MigrateError {
        MigrateError::Backup {
            location: self.label.clone(),
            message,
        }
    }
}

/// Whether a backup holds kv entries or files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupKind {
    Kv,
    Fs,
}

impl BackupKind {
    fn label(self) -> &'static str {
        match self {
            BackupKind::Kv => "kv",
            BackupKind::Fs => "fs",
        }
    }

    pub fn of(dst: &Endpoint) -> Result<BackupKind, MigrateError> {
        match dst {
            Endpoint::Kv(_) => Ok(BackupKind::Kv),
            Endpoint::Fs(_) => Ok(BackupKind::Fs),
            Endpoint::Document(..) => Err(MigrateError::Unsupported {
                src: "a mount",
                dst: "a document",
                reason: "--backup-dir covers kv and fs mounts, not a JSON document (copy the \
                         document file itself first)"
                    .into(),
            }),
        }
    }
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// The copy's source and destination, as locations (never with a password).
    pub source: String,
    pub destination: String,
    pub kind: BackupKind,
    /// When the copy started, in milliseconds since 1970.
    pub started_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// The destination did not have the item: restoring removes it.
    Created,
    /// The destination's previous value (or file) is kept: restoring puts it back.
    Saved,
}

/// One line of a part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub op: Op,
    pub name: String,
    /// A kv value's text exactly as stored (files are in `files/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Its remaining time to live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_ms: Option<u64>,
}

impl Record {
    pub fn created(name: &str) -> Record {
        Record {
            op: Op::Created,
            name: name.to_string(),
            value: None,
            ttl_ms: None,
        }
    }

    /// A kv value about to be overwritten or deleted.
    pub fn saved(name: &str, v: &StoredValue) -> Record {
        Record {
            op: Op::Saved,
            name: name.to_string(),
            value: Some(v.text.clone()),
            ttl_ms: v.ttl.map(|t| t.as_millis().max(1) as u64),
        }
    }

    fn saved_file(name: &str) -> Record {
        Record {
            op: Op::Saved,
            name: name.to_string(),
            value: None,
            ttl_ms: None,
        }
    }
}

/// What a backup holds, in a copy's report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BackupSummary {
    pub location: String,
    /// Items whose previous value or file was saved.
    pub saved: u64,
    /// Items the copy created (a restore removes them).
    pub created: u64,
}

/// An open backup that a copy writes records into.
#[derive(Debug)]
pub(crate) struct Backup {
    target: BackupTarget,
    next_part: AtomicU64,
    saved: AtomicU64,
    created: AtomicU64,
}

impl Backup {
    /// Checks that `target` can take the backup of this copy: empty, or (for a copy that
    /// resumes) holding the backup of the same source and destination.
    pub(crate) async fn check(
        target: &BackupTarget,
        manifest: &Manifest,
        resumed: bool,
    ) -> Result<Option<usize>, MigrateError> {
        match target.read_manifest().await? {
            None => Ok(None),
            Some(m)
                if resumed
                    && m.source == manifest.source
                    && m.destination == manifest.destination
                    && m.kind == manifest.kind =>
            {
                Ok(Some(target.parts().await?.len()))
            }
            Some(m) => Err(target.error(format!(
                "it already holds the backup of a copy from {} to {}; restore it with \
                 `rillmount restore`, or choose an empty folder",
                m.source, m.destination
            ))),
        }
    }

    /// Opens the backup of a copy (writing its manifest, unless it resumes one).
    pub(crate) async fn open(
        target: BackupTarget,
        manifest: Manifest,
        resumed: bool,
    ) -> Result<Backup, MigrateError> {
        let parts = match Backup::check(&target, &manifest, resumed).await? {
            Some(n) => n,
            None => {
                let text = serde_json::to_vec_pretty(&manifest)
                    .map_err(|e| target.error(e.to_string()))?;
                let len = text.len() as u64;
                FileStore::write(
                    target.store.as_ref(),
                    &target.path(MANIFEST),
                    body(text),
                    Some(len),
                )
                .await?;
                0
            }
        };
        Ok(Backup {
            target,
            next_part: AtomicU64::new(parts as u64 + 1),
            saved: AtomicU64::new(0),
            created: AtomicU64::new(0),
        })
    }

    /// Writes `records` as one part (durable when this returns); nothing for none.
    pub(crate) async fn write(&self, records: &[Record]) -> Result<(), MigrateError> {
        if records.is_empty() {
            return Ok(());
        }
        let mut text = Vec::new();
        for r in records {
            serde_json::to_writer(&mut text, r).map_err(|e| self.target.error(e.to_string()))?;
            text.push(b'\n');
        }
        let n = self.next_part.fetch_add(1, Ordering::Relaxed);
        let path = self.target.path(&format!("{PARTS}/{n:08}.jsonl"));
        let len = text.len() as u64;
        FileStore::write(self.target.store.as_ref(), &path, body(text), Some(len)).await?;
        for r in records {
            let counter = match r.op {
                Op::Created => &self.created,
                Op::Saved => &self.saved,
            };
            counter.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Saves the destination's file `path` before it is overwritten or deleted (unless an
    /// earlier run saved it already), then records it. A folder there is not saved.
    pub(crate) async fn save_file(
        &self,
        dst: &dyn FsMountStore,
        path: &str,
    ) -> Result<(), MigrateError> {
        let Some(meta) = FileStore::stat(dst, path).await? else {
            return self.write(&[Record::created(path)]).await;
        };
        if meta.kind != EntryKind::File {
            return Ok(());
        }
        let kept = self.target.path(&format!("{FILES}/{path}"));
        let b = self.target.store.as_ref();
        if FileStore::stat(b, &kept).await?.is_none() {
            let content = FileStore::read(dst, path).await?;
            FileStore::write(b, &kept, content, Some(meta.size)).await?;
        }
        self.write(&[Record::saved_file(path)]).await
    }

    pub(crate) fn summary(&self) -> BackupSummary {
        BackupSummary {
            location: self.target.label.clone(),
            saved: self.saved.load(Ordering::Relaxed),
            created: self.created.load(Ordering::Relaxed),
        }
    }
}

/// The manifest of the copy from `src` to `dst`.
pub(crate) fn manifest_for(src: &Endpoint, dst: &Endpoint) -> Result<Manifest, MigrateError> {
    Ok(Manifest {
        format: FORMAT.into(),
        source: src.location(),
        destination: dst.location(),
        kind: BackupKind::of(dst)?,
        started_ms: crate::migrate::unix_ms(),
    })
}

/// What a restore did (or would do, in a dry run).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RestoreReport {
    pub dry_run: bool,
    /// The copy the backup belongs to.
    pub source: String,
    pub destination: String,
    /// Items put back as they were.
    pub restored: u64,
    /// Items the copy had created, removed.
    pub removed: u64,
    /// Created items that were already gone.
    pub already_gone: u64,
    /// Things worth knowing (another destination than the backup's, a missing file).
    pub warnings: Vec<String>,
    pub elapsed_ms: u64,
}

/// Puts the backup at `target` back into `dst`: removes what the copy created, writes back
/// what it overwrote or deleted (kv values with their TTL). `force` restores into another
/// destination than the one the backup was taken of.
pub async fn restore(
    target: &BackupTarget,
    dst: &Endpoint,
    dry_run: bool,
    force: bool,
) -> Result<RestoreReport, MigrateError> {
    let started = Instant::now();
    let Some(m) = target.read_manifest().await? else {
        return Err(target.error(format!(
            "no {MANIFEST} here: it is not a backup written by `copy --backup-dir`"
        )));
    };
    if m.format != FORMAT {
        return Err(target.error(format!(
            "its format is {}, this rillmount reads {FORMAT}",
            m.format
        )));
    }
    let kind = BackupKind::of(dst)?;
    if kind != m.kind {
        return Err(target.error(format!(
            "it holds {} items and the destination is a {} mount",
            m.kind.label(),
            kind.label()
        )));
    }
    let mut report = RestoreReport {
        dry_run,
        source: m.source.clone(),
        destination: m.destination.clone(),
        ..RestoreReport::default()
    };
    if dst.location() != m.destination {
        if !force {
            return Err(target.error(format!(
                "it is the backup of {}, not of {}: pass --force to restore it there anyway",
                m.destination,
                dst.location()
            )));
        }
        report.warnings.push(format!(
            "restoring the backup of {} into {}",
            m.destination,
            dst.location()
        ));
    }
    let mut seen: HashSet<String> = HashSet::new();
    for part in target.parts().await? {
        let Some(bytes) = read_all(target.store.as_ref(), &part).await? else {
            continue;
        };
        let mut records = Vec::new();
        for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let r: Record = serde_json::from_slice(line)
                .map_err(|e| target.error(format!("{part} line {}: {e}", i + 1)))?;
            if seen.insert(r.name.clone()) {
                records.push(r);
            }
        }
        match dst {
            Endpoint::Kv(d) => restore_kv(d, records, dry_run, &mut report).await?,
            Endpoint::Fs(d) => {
                restore_fs(target, d.store.as_ref(), records, dry_run, &mut report).await?
            }
            Endpoint::Document(..) => {}
        }
    }
    if let Endpoint::Kv(d) = dst
        && !dry_run
    {
        d.store().flush().await?;
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

async fn restore_kv(
    d: &crate::store::kv_mount::KvMount,
    records: Vec<Record>,
    dry_run: bool,
    report: &mut RestoreReport,
) -> Result<(), MigrateError> {
    let s = d.store();
    let mut plain = Vec::new();
    let mut timed = Vec::new();
    for r in records {
        match (r.op, r.value) {
            (Op::Created, _) => {
                if dry_run {
                    match s.get(&r.name).await? {
                        Some(_) => report.removed += 1,
                        None => report.already_gone += 1,
                    }
                } else if s.delete(&r.name).await? {
                    report.removed += 1;
                } else {
                    report.already_gone += 1;
                }
            }
            (Op::Saved, Some(text)) => {
                report.restored += 1;
                match r.ttl_ms {
                    Some(ms) => {
                        timed.push((r.name, text, Expiry::After(Duration::from_millis(ms))))
                    }
                    None => plain.push((r.name, text)),
                }
            }
            (Op::Saved, None) => report
                .warnings
                .push(format!("`{}`: its record holds no value", r.name)),
        }
    }
    if !dry_run {
        s.put_many(&plain, Expiry::Never).await?;
        s.put_many_expiring(&timed).await?;
    }
    Ok(())
}

async fn restore_fs(
    target: &BackupTarget,
    d: &dyn FsMountStore,
    records: Vec<Record>,
    dry_run: bool,
    report: &mut RestoreReport,
) -> Result<(), MigrateError> {
    let b = target.store.as_ref();
    for r in records {
        match r.op {
            Op::Created => {
                let there = FileStore::stat(d, &r.name)
                    .await?
                    .is_some_and(|m| m.kind == EntryKind::File);
                if !there {
                    report.already_gone += 1;
                } else {
                    if !dry_run {
                        FileStore::delete(d, &r.name).await?;
                    }
                    report.removed += 1;
                }
            }
            Op::Saved => {
                let kept = target.path(&format!("{FILES}/{}", r.name));
                let Some(meta) = FileStore::stat(b, &kept).await? else {
                    report
                        .warnings
                        .push(format!("`{}`: its saved file {kept} is missing", r.name));
                    continue;
                };
                if !dry_run {
                    let content = FileStore::read(b, &kept).await?;
                    FileStore::write(d, &r.name, content, Some(meta.size)).await?;
                }
                report.restored += 1;
            }
        }
    }
    Ok(())
}
