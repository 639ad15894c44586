//! Copy-on-write overlay of an fs mount's rill functions, for `eval --dry-run` and previews.
//!
//! `write`, `append`, `remove`, `copy`, `move` and `mkdir` are recorded in memory; `read`,
//! `exists`, `stat`, `list` and `find` see the base mount plus the pending changes. Nothing
//! reaches the base store. [`FsOverlay::changes`] lists what a run would have done, per path,
//! with a summary of the content before and after.
//!
//! Fidelity: the main checks of the base's package are repeated here (mode, size, glob, the
//! local mount's missing parent and escape rules, S3's mode rules) with the same texts; rarer
//! cases fall back to the base (a path the overlay never touched is always answered by the
//! base). Limits: a pending file's `created`/`modified` are the time it was written; paths are
//! normalised lexically (`.`/`..` collapsed for local mounts), so a symlink inside a local
//! mount is not followed for pending entries.

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use indexmap::IndexMap;
use tokio::sync::Mutex;

use super::js_date::iso8601;
use super::rill_glob::matches_glob;
use super::{
    Backend, EntryKind, FileStore, FsMountStore, Json, JsonObject, RillCallError, RillFs,
    StoreError,
};
use crate::config::{FsBackendConfig, FsMountConfig};

const R004: &str = "RILL-R004";
const R018: &str = "RILL-R018";
const R019: &str = "RILL-R019";
const R020: &str = "RILL-R020";
const R021: &str = "RILL-R021";

/// One path a script changed in the overlay.
#[derive(Debug, Clone, PartialEq)]
pub struct FsChange {
    /// Path relative to the mount root.
    pub path: String,
    /// Summary of the base's entry (`12 bytes`, `directory`); `None` = did not exist.
    pub before: Option<String>,
    /// Summary of the new content; `None` = removed.
    pub after: Option<String>,
}

#[derive(Debug, Clone)]
enum Pending {
    File(String, SystemTime),
    Dir,
    Removed,
}

/// An fs mount whose writes stay in memory.
#[derive(Debug)]
pub struct FsOverlay {
    base: Arc<dyn FsMountStore>,
    cfg: FsMountConfig,
    pending: Mutex<IndexMap<String, Pending>>,
}

/// `12 bytes: "first characters…"` — how the diff shows a content.
pub fn content_summary(content: &str) -> String {
    const PREVIEW: usize = 40;
    let mut preview: String = content.chars().take(PREVIEW).collect();
    if content.chars().count() > PREVIEW {
        preview.push('…');
    }
    format!(
        "{} bytes: {}",
        content.len(),
        serde_json::Value::String(preview)
    )
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

fn parent(p: &str) -> &str {
    p.rsplit_once('/').map_or("", |(d, _)| d)
}

impl FsOverlay {
    pub fn new(base: Arc<dyn FsMountStore>, cfg: FsMountConfig) -> Self {
        FsOverlay {
            base,
            cfg,
            pending: Mutex::new(IndexMap::new()),
        }
    }

    fn is_local(&self) -> bool {
        self.base.info().backend != Backend::S3
    }

    /// The mount root as rill prints absolute paths (local only).
    fn abs(&self, rel: &str) -> String {
        let root = match &self.cfg.backend {
            FsBackendConfig::Local(l) => {
                std::fs::canonicalize(&l.path).unwrap_or_else(|_| l.path.clone())
            }
            FsBackendConfig::S3(_) => return rel.to_string(),
        };
        if rel.is_empty() {
            root.display().to_string()
        } else {
            root.join(rel).display().to_string()
        }
    }

    /// The overlay key of a script path: local paths collapse `.`/`..` (escaping → R018),
    /// S3 keys lose one leading `/`.
    fn norm(&self, path: &str) -> Result<String, RillCallError> {
        if !self.is_local() {
            return Ok(path.strip_prefix('/').unwrap_or(path).to_string());
        }
        let mut segs: Vec<&str> = Vec::new();
        for s in path.split('/') {
            match s {
                "" | "." => {}
                ".." => {
                    if segs.pop().is_none() {
                        return Err(RillCallError::coded(R018, "path escapes mount boundary"));
                    }
                }
                s => segs.push(s),
            }
        }
        Ok(segs.join("/"))
    }

    fn mode_error(&self, write: bool) -> RillCallError {
        let op = if write { "write" } else { "read" };
        if self.is_local() {
            RillCallError::coded(
                R020,
                format!("mount \"{}\" does not permit {op}", self.cfg.name),
            )
        } else {
            RillCallError::plain(format!(
                "mount does not permit {op} operations (mode: {})",
                self.cfg.mode.as_str().unwrap_or("undefined")
            ))
        }
    }

    fn check_mode(&self, write: bool) -> Result<(), RillCallError> {
        let ok = if write {
            self.cfg.mode.fs_allows_write()
        } else {
            self.cfg.mode.fs_allows_read()
        };
        if ok {
            Ok(())
        } else {
            Err(self.mode_error(write))
        }
    }

    fn check_size(&self, size: u64, key: &str) -> Result<(), RillCallError> {
        let max = self.cfg.max_file_size;
        if size <= max {
            return Ok(());
        }
        Err(if self.is_local() {
            RillCallError::coded(R004, format!("file exceeds size limit ({size} > {max})"))
        } else {
            RillCallError::plain(format!(
                "file exceeds size limit ({size} > {max} bytes): {key}"
            ))
        })
    }

    /// Local mounts check the mount glob on the target's basename.
    fn check_glob(&self, key: &str) -> Result<(), RillCallError> {
        if !self.is_local() {
            return Ok(());
        }
        match self.cfg.glob.as_deref().filter(|g| !g.is_empty()) {
            Some(g) if !matches_glob(basename(key), g) => Err(RillCallError::coded(
                R019,
                format!("file type not permitted in mount \"{}\"", self.cfg.name),
            )),
            _ => Ok(()),
        }
    }

    fn missing(&self, path: &str) -> RillCallError {
        if self.is_local() {
            RillCallError::coded(R004, format!("file not found: {path}"))
        } else {
            // What the SDK's HeadObject reports for a missing object.
            RillCallError::plain("NotFound")
        }
    }

    /// Whether `key` is a directory, pending or in the base (local only).
    async fn is_dir(&self, key: &str) -> bool {
        if key.is_empty() {
            return true;
        }
        match self.pending.lock().await.get(key) {
            Some(Pending::Dir) => return true,
            Some(_) => return false,
            None => {}
        }
        matches!(FileStore::stat(self.base.as_ref(), key).await, Ok(Some(m)) if m.kind == EntryKind::Directory)
    }

    /// The current content of `key` (pending or base), `Ok(None)` when it does not exist.
    async fn current(&self, path: &str, key: &str) -> Result<Option<String>, RillCallError> {
        match self.pending.lock().await.get(key) {
            Some(Pending::File(c, _)) => return Ok(Some(c.clone())),
            Some(Pending::Removed) => return Ok(None),
            Some(Pending::Dir) => {
                return Err(RillCallError::plain(
                    "EISDIR: illegal operation on a directory, read",
                ));
            }
            None => {}
        }
        match self.base.exists(path).await {
            Ok(Json::Bool(true)) => match RillFs::read(self.base.as_ref(), path).await? {
                Json::String(s) => Ok(Some(s)),
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// Checks of a create-mode target (write, append, copy/move destination).
    async fn check_create(&self, key: &str) -> Result<(), RillCallError> {
        if self.is_local() {
            let dir = parent(key);
            if !self.is_dir(dir).await {
                return Err(RillCallError::coded(
                    R021,
                    format!("parent directory does not exist: {}", self.abs(dir)),
                ));
            }
            self.check_glob(key)?;
        }
        self.check_mode(true)
    }

    async fn record(&self, key: String, p: Pending) {
        let mut map = self.pending.lock().await;
        map.shift_remove(&key);
        map.insert(key, p);
    }

    /// The pending changes with the base's state before, in the order last touched.
    pub async fn changes(&self) -> Result<Vec<FsChange>, StoreError> {
        let pending = self.pending.lock().await.clone();
        let mut out = Vec::new();
        for (path, p) in pending {
            let before = match FileStore::stat(self.base.as_ref(), &path).await? {
                Some(m) if m.kind == EntryKind::Directory => Some("directory".to_string()),
                Some(m) => Some(format!("{} bytes", m.size)),
                None => None,
            };
            let after = match p {
                Pending::File(c, _) => Some(content_summary(&c)),
                Pending::Dir => Some("directory".to_string()),
                Pending::Removed => None,
            };
            if before.is_none() && after.is_none() {
                continue;
            }
            if before.as_deref() == Some("directory") && after.as_deref() == Some("directory") {
                continue;
            }
            out.push(FsChange {
                path,
                before,
                after,
            });
        }
        Ok(out)
    }

    fn entry(&self, name: &str, kind: &str, size: usize) -> Json {
        let mut o = JsonObject::new();
        o.insert("name".into(), Json::str(name.to_string()));
        o.insert("type".into(), Json::str(kind.to_string()));
        o.insert("size".into(), Json::Number(size as f64));
        Json::Object(o)
    }
}

#[async_trait]
impl RillFs for FsOverlay {
    async fn read(&self, path: &str) -> Result<Json, RillCallError> {
        let key = self.norm(path).map_err(|_| self.missing(path))?;
        let pending = self.pending.lock().await.get(&key).cloned();
        match pending {
            None => RillFs::read(self.base.as_ref(), path).await,
            Some(Pending::Removed) => Err(self.missing(path)),
            Some(Pending::Dir) => {
                if self.is_local() {
                    Err(RillCallError::plain(
                        "EISDIR: illegal operation on a directory, read",
                    ))
                } else {
                    Err(self.missing(path))
                }
            }
            Some(Pending::File(c, _)) => {
                if self.is_local() {
                    // Local read reports every sandbox refusal as "file not found".
                    if self.check_glob(&key).is_err() || self.check_mode(false).is_err() {
                        return Err(self.missing(path));
                    }
                } else {
                    self.check_mode(false)?;
                }
                self.check_size(c.len() as u64, &key)?;
                Ok(Json::String(c))
            }
        }
    }

    async fn write(&self, path: &str, content: &str) -> Result<Json, RillCallError> {
        let key = self.norm(path)?;
        if !self.is_local() {
            self.check_mode(true)?;
            self.check_size(content.len() as u64, &key)?;
        } else {
            self.check_create(&key).await?;
            if self.is_dir(&key).await {
                return Err(RillCallError::plain(format!(
                    "EISDIR: illegal operation on a directory, open '{}'",
                    self.abs(&key)
                )));
            }
            self.check_size(content.len() as u64, &key)?;
        }
        self.record(key, Pending::File(content.to_string(), SystemTime::now()))
            .await;
        Ok(Json::String(content.len().to_string()))
    }

    async fn append(&self, path: &str, content: &str) -> Result<Json, RillCallError> {
        let key = self.norm(path)?;
        if self.is_local() {
            self.check_create(&key).await?;
        } else {
            self.check_mode(true)?;
        }
        let current = self.current(path, &key).await?.unwrap_or_default();
        let combined = format!("{current}{content}");
        self.check_size(combined.len() as u64, &key)?;
        self.record(key, Pending::File(combined, SystemTime::now()))
            .await;
        Ok(Json::String(content.len().to_string()))
    }

    async fn list(&self, path: &str) -> Result<Json, RillCallError> {
        let key = self.norm(path)?;
        let pending = self.pending.lock().await.clone();
        let mut entries: Vec<Json> = match pending.get(&key) {
            Some(Pending::Dir) => {
                self.check_mode(false)?;
                Vec::new()
            }
            _ => match RillFs::list(self.base.as_ref(), path).await? {
                Json::Array(a) => a,
                other => return Ok(other),
            },
        };
        let prefix = if key.is_empty() {
            String::new()
        } else {
            format!("{key}/")
        };
        let child = |p: &str| -> Option<String> {
            let rest = p.strip_prefix(&prefix)?;
            (!rest.is_empty() && !rest.contains('/')).then(|| rest.to_string())
        };
        let name_of = |e: &Json| match e {
            Json::Object(o) => match o.get("name") {
                Some(Json::String(n)) => n.clone(),
                _ => String::new(),
            },
            _ => String::new(),
        };
        for (p, state) in &pending {
            let Some(name) = child(p) else { continue };
            entries.retain(|e| name_of(e) != name);
            match state {
                Pending::File(c, _) => {
                    let shown = self.is_local()
                        || self
                            .cfg
                            .glob
                            .as_deref()
                            .filter(|g| !g.is_empty())
                            .is_none_or(|g| matches_glob(&name, g));
                    if shown {
                        entries.push(self.entry(&name, "file", c.len()));
                    }
                }
                Pending::Dir => entries.push(self.entry(&name, "directory", 0)),
                Pending::Removed => {}
            }
        }
        Ok(Json::Array(entries))
    }

    async fn find(&self, pattern: &str) -> Result<Json, RillCallError> {
        let mut found: Vec<Json> = match self.base.find(pattern).await? {
            Json::Array(a) => a,
            other => return Ok(other),
        };
        let pending = self.pending.lock().await.clone();
        let mount_glob = self.cfg.glob.as_deref().filter(|g| !g.is_empty());
        for (p, state) in &pending {
            found.retain(|f| !matches!(f, Json::String(s) if s == p));
            if let Pending::File(..) = state {
                let name = basename(p);
                let glob_ok = self.is_local() || mount_glob.is_none_or(|g| matches_glob(name, g));
                if matches_glob(name, pattern) && glob_ok {
                    found.push(Json::String(p.clone()));
                }
            }
        }
        Ok(Json::Array(found))
    }

    async fn exists(&self, path: &str) -> Result<Json, RillCallError> {
        let Ok(key) = self.norm(path) else {
            return Ok(Json::Bool(false));
        };
        let pending = self.pending.lock().await.get(&key).cloned();
        match pending {
            None => self.base.exists(path).await,
            Some(Pending::Removed) => {
                if !self.is_local() {
                    self.check_mode(false)?;
                }
                Ok(Json::Bool(false))
            }
            Some(Pending::Dir) => Ok(Json::Bool(
                self.is_local() && self.cfg.mode.fs_allows_read() && self.check_glob(&key).is_ok(),
            )),
            Some(Pending::File(..)) => {
                if self.is_local() {
                    Ok(Json::Bool(
                        self.cfg.mode.fs_allows_read() && self.check_glob(&key).is_ok(),
                    ))
                } else {
                    self.check_mode(false)?;
                    Ok(Json::Bool(true))
                }
            }
        }
    }

    async fn remove(&self, path: &str) -> Result<Json, RillCallError> {
        let key = match self.norm(path) {
            Ok(k) => k,
            Err(_) if self.is_local() => return Ok(Json::Bool(false)),
            Err(e) => return Err(e),
        };
        if self.is_local() {
            if !self.cfg.mode.fs_allows_write() || self.check_glob(&key).is_err() {
                return Ok(Json::Bool(false));
            }
        } else {
            self.check_mode(true)?;
            self.check_mode(false)?;
        }
        let pending = self.pending.lock().await.get(&key).cloned();
        let existed = match pending {
            Some(Pending::File(..)) => true,
            Some(Pending::Removed) => false,
            Some(Pending::Dir) => {
                return Err(RillCallError::plain(format!(
                    "Path is a directory: rm returned EISDIR (is a directory) {}",
                    self.abs(&key)
                )));
            }
            None => {
                if self.is_local() && self.is_dir(&key).await {
                    // rill's non-recursive rm throws on a directory.
                    return Err(RillCallError::plain(format!(
                        "Path is a directory: rm returned EISDIR (is a directory) {}",
                        self.abs(&key)
                    )));
                }
                matches!(self.base.exists(path).await, Ok(Json::Bool(true)))
            }
        };
        if existed {
            self.record(key, Pending::Removed).await;
        }
        Ok(Json::Bool(existed))
    }

    async fn stat(&self, path: &str) -> Result<Json, RillCallError> {
        let key = self.norm(path).map_err(|_| self.missing(path))?;
        let pending = self.pending.lock().await.get(&key).cloned();
        let local = self.is_local();
        match pending {
            None => RillFs::stat(self.base.as_ref(), path).await,
            Some(Pending::Removed) => Err(if local {
                self.missing(path)
            } else {
                RillCallError::plain(format!("file not found: {path}"))
            }),
            Some(p) => {
                if local {
                    if self.check_glob(&key).is_err() || self.check_mode(false).is_err() {
                        return Err(self.missing(path));
                    }
                } else {
                    self.check_mode(false)?;
                }
                let (kind, size, at) = match p {
                    Pending::File(c, at) => ("file", c.len(), at),
                    _ if !local => {
                        return Err(RillCallError::plain(format!("file not found: {path}")));
                    }
                    _ => ("directory", 4096, SystemTime::now()),
                };
                let mut o = JsonObject::new();
                o.insert("name".into(), Json::str(basename(&key).to_string()));
                o.insert("type".into(), Json::str(kind));
                o.insert("size".into(), Json::Number(size as f64));
                if local {
                    o.insert("created".into(), Json::str(iso8601(at)));
                }
                o.insert("modified".into(), Json::str(iso8601(at)));
                Ok(Json::Object(o))
            }
        }
    }

    async fn mkdir(&self, path: &str) -> Result<Json, RillCallError> {
        if !self.is_local() {
            return Ok(Json::Bool(true));
        }
        let key = self.norm(path)?;
        let pending = self.pending.lock().await.get(&key).cloned();
        let exists = match pending {
            Some(Pending::Removed) => false,
            Some(_) => true,
            None => matches!(FileStore::stat(self.base.as_ref(), &key).await, Ok(Some(_))),
        };
        if exists || key.is_empty() {
            return Ok(Json::Bool(false));
        }
        // mkdir -p: every missing ancestor becomes a pending directory too.
        let segs: Vec<&str> = key.split('/').collect();
        for i in 1..=segs.len() {
            let p = segs[..i].join("/");
            if !self.is_dir(&p).await {
                self.record(p, Pending::Dir).await;
            }
        }
        Ok(Json::Bool(true))
    }

    async fn copy(&self, src: &str, dest: &str) -> Result<Json, RillCallError> {
        let content = self.copy_source(src).await?;
        let dkey = self.norm(dest)?;
        if self.is_local() {
            self.check_create(&dkey).await?;
        }
        self.record(dkey, Pending::File(content, SystemTime::now()))
            .await;
        Ok(Json::Bool(true))
    }

    async fn move_(&self, src: &str, dest: &str) -> Result<Json, RillCallError> {
        let content = self.copy_source(src).await?;
        let skey = self.norm(src)?;
        let dkey = self.norm(dest)?;
        if self.is_local() {
            self.check_create(&dkey).await?;
        }
        self.record(dkey, Pending::File(content, SystemTime::now()))
            .await;
        self.record(skey, Pending::Removed).await;
        Ok(Json::Bool(true))
    }

    fn mount_entry(&self) -> Json {
        self.base.mount_entry()
    }
}

impl FsOverlay {
    /// The source of copy/move with the base package's checks (S3: read and write mode).
    async fn copy_source(&self, src: &str) -> Result<String, RillCallError> {
        let key = self.norm(src)?;
        if self.is_local() {
            match self.current(src, &key).await? {
                Some(c) => {
                    self.check_glob(&key)?;
                    self.check_mode(false)?;
                    Ok(c)
                }
                None => Err(RillCallError::coded(
                    R021,
                    format!("file not found: {}", self.abs(&key)),
                )),
            }
        } else {
            self.check_mode(false)?;
            self.check_mode(true)?;
            match self.current(src, &key).await? {
                Some(c) => {
                    self.check_size(c.len() as u64, &key)?;
                    Ok(c)
                }
                None => Err(self.missing(src)),
            }
        }
    }
}
