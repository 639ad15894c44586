//! The local-folder fs backend, rill side: [`RillFs`] for [`LocalDirStore`] with the exact
//! behaviour of rill v0.8.6's core fs extension (spec/backends.md §5.2, §5.4, §7.2).
//!
//! Everything goes through rill's nine-step resolver ([`LocalDirStore::resolve`]): lexical
//! join + normalise, prefix check, realpath (parent only in create mode), post-check, mount
//! glob, mode. Sandbox errors carry rill's codes (R017–R021); `read`/`stat` turn them into R004
//! `file not found: <path>`, `exists`/`remove` into `false`. Errors rill does not catch are
//! reported as Node words them (`ENOENT: no such file or directory, stat '<path>'`), uncoded.
//!
//! rill's quirks are reproduced on purpose, including the unsafe ones a migration must know
//! about: `write`/`append`/`copy` follow a pre-existing symlink at the destination, `mkdir`
//! does no realpath (and no mode or glob check), `find` has no mode check, `remove` through a
//! symlink deletes its target. Unknown mount names are the caller's business (this is one
//! mount). Not atomic, no locking — as in rill.

use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;

use super::js_date::iso8601;
use super::local_dir::LocalDirStore;
use super::rill_glob::matches_glob;
use super::{Json, JsonObject, RillCallError, RillFs};
use crate::config::Encoding;

/// The operation a resolution is checked for (rill's `checkMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write,
}

impl Access {
    fn word(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
        }
    }
}

const R004: &str = "RILL-R004";
const R018: &str = "RILL-R018";
const R019: &str = "RILL-R019";
const R020: &str = "RILL-R020";
const R021: &str = "RILL-R021";

/// Node's `path.resolve(path.join(base, rel))`: `rel` is appended even when it starts with `/`;
/// `.`, empty segments and trailing slashes vanish; `..` climbs (never above `/`).
pub(crate) fn node_join(base: &Path, rel: &str) -> PathBuf {
    let mut p = base.to_path_buf();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                p.pop();
            }
            s => p.push(s),
        }
    }
    p
}

fn shown(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn basename(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// An uncaught filesystem error worded as Node does: `<CODE>: <text>, <syscall> '<path>'`.
fn node_error(e: &io::Error, syscall: &str, path: Option<&Path>) -> RillCallError {
    let (code, text) = match e.kind() {
        io::ErrorKind::NotFound => ("ENOENT", "no such file or directory"),
        io::ErrorKind::PermissionDenied if e.raw_os_error() == Some(1) => {
            ("EPERM", "operation not permitted")
        }
        io::ErrorKind::PermissionDenied => ("EACCES", "permission denied"),
        io::ErrorKind::AlreadyExists => ("EEXIST", "file already exists"),
        io::ErrorKind::IsADirectory => ("EISDIR", "illegal operation on a directory"),
        io::ErrorKind::NotADirectory => ("ENOTDIR", "not a directory"),
        io::ErrorKind::DirectoryNotEmpty => ("ENOTEMPTY", "directory not empty"),
        _ if cfg!(target_os = "linux") && e.raw_os_error() == Some(40) => {
            ("ELOOP", "too many symbolic links encountered")
        }
        io::ErrorKind::StorageFull => ("ENOSPC", "no space left on device"),
        io::ErrorKind::InvalidFilename => ("ENAMETOOLONG", "name too long"),
        _ => ("EIO", "i/o error"),
    };
    let text = if code == "EIO" {
        super::local_dir::io_message(e)
    } else {
        text.to_string()
    };
    match path {
        Some(p) => RillCallError::plain(format!("{code}: {text}, {syscall} '{}'", shown(p))),
        None => RillCallError::plain(format!("{code}: {text}, {syscall}")),
    }
}

/// Turns sandbox (coded) errors into R004 `file not found: <path as given>`; others pass.
fn as_not_found(e: RillCallError, path: &str) -> RillCallError {
    if e.code.is_some() {
        RillCallError::coded(R004, format!("file not found: {path}"))
    } else {
        e
    }
}

fn size_error(size: u64, max: u64) -> RillCallError {
    RillCallError::coded(R004, format!("file exceeds size limit ({size} > {max})"))
}

fn dict(pairs: Vec<(&str, Json)>) -> Json {
    Json::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<JsonObject>(),
    )
}

impl LocalDirStore {
    fn max_file_size(&self) -> u64 {
        self.cfg.max_file_size
    }

    /// rill's `resolvePath` (spec §5.2), steps 2–8, for this mount.
    pub(crate) async fn resolve(
        &self,
        rel: &str,
        access: Access,
        create: bool,
    ) -> Result<PathBuf, RillCallError> {
        let base = &self.root;
        let escapes = || RillCallError::coded(R018, "path escapes mount boundary");
        let normalized = node_join(base, rel);
        if !super::local_dir::inside(base, &normalized) {
            return Err(escapes());
        }
        let resolved = if create {
            let parent = normalized.parent().unwrap_or(Path::new("/"));
            match tokio::fs::canonicalize(parent).await {
                Ok(real) => match normalized.file_name() {
                    Some(name) => real.join(name),
                    None => real,
                },
                Err(e) => return Err(self.realpath_error(&e, &normalized, parent, true)),
            }
        } else {
            match tokio::fs::canonicalize(&normalized).await {
                Ok(real) => real,
                Err(e) => return Err(self.realpath_error(&e, &normalized, &normalized, false)),
            }
        };
        if !super::local_dir::inside(base, &resolved) {
            return Err(escapes());
        }
        if let Some(glob) = self.cfg.glob.as_deref().filter(|g| !g.is_empty())
            && !matches_glob(&basename(&resolved), glob)
        {
            return Err(RillCallError::coded(
                R019,
                format!("file type not permitted in mount \"{}\"", self.cfg.name),
            ));
        }
        let allowed = match access {
            Access::Read => self.cfg.mode.fs_allows_read(),
            Access::Write => self.cfg.mode.fs_allows_write(),
        };
        if !allowed {
            return Err(RillCallError::coded(
                R020,
                format!(
                    "mount \"{}\" does not permit {}",
                    self.cfg.name,
                    access.word()
                ),
            ));
        }
        Ok(resolved)
    }

    fn realpath_error(
        &self,
        e: &io::Error,
        normalized: &Path,
        tried: &Path,
        create: bool,
    ) -> RillCallError {
        match e.kind() {
            io::ErrorKind::PermissionDenied => {
                RillCallError::coded(R021, format!("permission denied: {}", shown(normalized)))
            }
            io::ErrorKind::NotFound if create => RillCallError::coded(
                R021,
                format!("parent directory does not exist: {}", shown(tried)),
            ),
            io::ErrorKind::NotFound => {
                RillCallError::coded(R021, format!("file not found: {}", shown(normalized)))
            }
            _ => node_error(e, "realpath", Some(tried)),
        }
    }

    /// `Buffer.from(content, encoding)`: UTF-8, or the low byte of each UTF-16 code unit.
    fn encode(&self, content: &str) -> Vec<u8> {
        match self.encoding {
            Encoding::Utf8 => content.as_bytes().to_vec(),
            Encoding::Ascii => content.encode_utf16().map(|u| u as u8).collect(),
        }
    }

    /// `buffer.toString(encoding)`: UTF-8 with U+FFFD for invalid sequences, or ASCII with the
    /// high bit of every byte cleared.
    fn decode(&self, bytes: Vec<u8>) -> String {
        match self.encoding {
            Encoding::Utf8 => match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            },
            Encoding::Ascii => bytes.into_iter().map(|b| char::from(b & 0x7f)).collect(),
        }
    }
}

#[async_trait]
impl RillFs for LocalDirStore {
    async fn read(&self, path: &str) -> Result<Json, RillCallError> {
        let p = self
            .resolve(path, Access::Read, false)
            .await
            .map_err(|e| as_not_found(e, path))?;
        let md = tokio::fs::metadata(&p)
            .await
            .map_err(|e| node_error(&e, "stat", Some(&p)))?;
        if md.len() > self.max_file_size() {
            return Err(size_error(md.len(), self.max_file_size()));
        }
        let bytes = tokio::fs::read(&p).await.map_err(|e| match e.kind() {
            io::ErrorKind::IsADirectory => node_error(&e, "read", None),
            _ => node_error(&e, "open", Some(&p)),
        })?;
        Ok(Json::String(self.decode(bytes)))
    }

    async fn write(&self, path: &str, content: &str) -> Result<Json, RillCallError> {
        let p = self.resolve(path, Access::Write, true).await?;
        let bytes = self.encode(content);
        let size = bytes.len() as u64;
        if size > self.max_file_size() {
            return Err(size_error(size, self.max_file_size()));
        }
        // fs.writeFile: truncate and rewrite in place (follows an existing symlink).
        tokio::fs::write(&p, &bytes)
            .await
            .map_err(|e| node_error(&e, "open", Some(&p)))?;
        Ok(Json::String(size.to_string()))
    }

    async fn append(&self, path: &str, content: &str) -> Result<Json, RillCallError> {
        let p = self.resolve(path, Access::Write, true).await?;
        let bytes = self.encode(content);
        let size = bytes.len() as u64;
        let max = self.max_file_size();
        match tokio::fs::metadata(&p).await {
            Ok(md) if md.len() + size > max => return Err(size_error(md.len() + size, max)),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if size > max {
                    return Err(size_error(size, max));
                }
            }
            Err(e) => return Err(node_error(&e, "stat", Some(&p))),
        }
        let mut f = tokio::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&p)
            .await
            .map_err(|e| node_error(&e, "open", Some(&p)))?;
        f.write_all(&bytes)
            .await
            .map_err(|e| node_error(&e, "write", None))?;
        f.flush().await.map_err(|e| node_error(&e, "write", None))?;
        Ok(Json::String(size.to_string()))
    }

    async fn list(&self, path: &str) -> Result<Json, RillCallError> {
        let dir = self.resolve(path, Access::Read, false).await?;
        let task = tokio::task::spawn_blocking(move || -> Result<Vec<Json>, RillCallError> {
            let entries =
                std::fs::read_dir(&dir).map_err(|e| node_error(&e, "scandir", Some(&dir)))?;
            let mut named = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| node_error(&e, "scandir", Some(&dir)))?;
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                named.push((entry.file_name(), is_dir));
            }
            // libuv's scandir sorts names bytewise (strcmp); Node returns that order.
            named.sort();
            let mut out = Vec::with_capacity(named.len());
            for (name, is_dir) in named {
                let full = dir.join(&name);
                let md =
                    std::fs::metadata(&full).map_err(|e| node_error(&e, "stat", Some(&full)))?;
                out.push(dict(vec![
                    ("name", Json::String(name.to_string_lossy().into_owned())),
                    (
                        "type",
                        Json::String(if is_dir { "directory" } else { "file" }.to_string()),
                    ),
                    ("size", Json::Number(md.len() as f64)),
                ]));
            }
            Ok(out)
        });
        Ok(Json::Array(join_task(task).await??))
    }

    async fn find(&self, pattern: &str) -> Result<Json, RillCallError> {
        let base = self.root.clone();
        let pattern = pattern.to_string();
        let task = tokio::task::spawn_blocking(move || -> Result<Vec<Json>, RillCallError> {
            let mut out = Vec::new();
            find_in(&base, "", &pattern, &mut out)?;
            Ok(out)
        });
        Ok(Json::Array(join_task(task).await??))
    }

    async fn exists(&self, path: &str) -> Result<Json, RillCallError> {
        match self.resolve(path, Access::Read, false).await {
            Ok(_) => Ok(Json::Bool(true)),
            Err(e) if e.code.is_some() => Ok(Json::Bool(false)),
            Err(e) => Err(e),
        }
    }

    async fn remove(&self, path: &str) -> Result<Json, RillCallError> {
        let p = match self.resolve(path, Access::Write, false).await {
            Ok(p) => p,
            Err(e) if e.code.is_some() => return Ok(Json::Bool(false)),
            Err(e) => return Err(e),
        };
        // fs.rm without `recursive`: a directory is an error, never removed.
        match tokio::fs::symlink_metadata(&p).await {
            Ok(md) if md.is_dir() => {
                return Err(RillCallError::plain(format!(
                    "Path is a directory: rm returned EISDIR (is a directory) {}",
                    shown(&p)
                )));
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Json::Bool(false)),
            Err(e) => return Err(node_error(&e, "lstat", Some(&p))),
        }
        match tokio::fs::remove_file(&p).await {
            Ok(()) => Ok(Json::Bool(true)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Json::Bool(false)),
            Err(e) => Err(node_error(&e, "rm", Some(&p))),
        }
    }

    async fn stat(&self, path: &str) -> Result<Json, RillCallError> {
        let p = self
            .resolve(path, Access::Read, false)
            .await
            .map_err(|e| as_not_found(e, path))?;
        let md = tokio::fs::metadata(&p)
            .await
            .map_err(|e| node_error(&e, "stat", Some(&p)))?;
        // Node reports birthtime 0 where the filesystem has none.
        let created = md.created().unwrap_or(std::time::UNIX_EPOCH);
        let modified = md.modified().unwrap_or(std::time::UNIX_EPOCH);
        let kind = if md.is_dir() { "directory" } else { "file" };
        Ok(dict(vec![
            ("name", Json::String(basename(&p))),
            ("type", Json::String(kind.to_string())),
            ("size", Json::Number(md.len() as f64)),
            ("created", Json::String(iso8601(created))),
            ("modified", Json::String(iso8601(modified))),
        ]))
    }

    async fn mkdir(&self, path: &str) -> Result<Json, RillCallError> {
        // rill builds this path itself: no realpath, no glob, no mode check.
        let normalized = node_join(&self.root, path);
        if !super::local_dir::inside(&self.root, &normalized) {
            return Err(RillCallError::coded(R004, "path escapes mount boundary"));
        }
        match tokio::fs::metadata(&normalized).await {
            Ok(md) if md.is_dir() => return Ok(Json::Bool(false)),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(node_error(&e, "stat", Some(&normalized))),
        }
        match tokio::fs::create_dir_all(&normalized).await {
            Ok(()) => Ok(Json::Bool(true)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(Json::Bool(false)),
            Err(e) => Err(node_error(&e, "mkdir", Some(&normalized))),
        }
    }

    async fn copy(&self, src: &str, dest: &str) -> Result<Json, RillCallError> {
        let from = self.resolve(src, Access::Read, false).await?;
        let to = self.resolve(dest, Access::Write, true).await?;
        let md = tokio::fs::metadata(&from)
            .await
            .map_err(|e| node_error(&e, "stat", Some(&from)))?;
        if md.len() > self.max_file_size() {
            return Err(size_error(md.len(), self.max_file_size()));
        }
        match tokio::fs::copy(&from, &to).await {
            Ok(_) => Ok(Json::Bool(true)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(RillCallError::coded(R004, format!("file not found: {src}")))
            }
            Err(e) => Err(node_error(&e, "copyfile", Some(&from))),
        }
    }

    async fn move_(&self, src: &str, dest: &str) -> Result<Json, RillCallError> {
        let from = self.resolve(src, Access::Read, false).await?;
        let to = self.resolve(dest, Access::Write, true).await?;
        match tokio::fs::rename(&from, &to).await {
            Ok(()) => Ok(Json::Bool(true)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(RillCallError::coded(R004, format!("file not found: {src}")))
            }
            Err(e) => Err(node_error(&e, "rename", Some(&from))),
        }
    }

    fn mount_entry(&self) -> Json {
        dict(vec![
            ("name", Json::String(self.cfg.name.clone())),
            (
                "mode",
                self.cfg
                    .mode
                    .as_str()
                    .map_or(Json::Null, |m| Json::String(m.to_string())),
            ),
            (
                "glob",
                Json::String(self.cfg.glob.clone().unwrap_or_default()),
            ),
        ])
    }
}

async fn join_task<T>(task: tokio::task::JoinHandle<T>) -> Result<T, RillCallError> {
    task.await
        .map_err(|e| RillCallError::plain(format!("background task failed: {e}")))
}

/// rill's `find` traversal: depth-first, dirents (a symlinked directory is not descended and
/// counts as a file), basename matched against `pattern`, `/`-joined relative paths.
fn find_in(dir: &Path, rel: &str, pattern: &str, out: &mut Vec<Json>) -> Result<(), RillCallError> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| node_error(&e, "scandir", Some(dir)))? {
        let entry = entry.map_err(|e| node_error(&e, "scandir", Some(dir)))?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        entries.push((entry.file_name().to_string_lossy().into_owned(), is_dir));
    }
    entries.sort();
    for (name, is_dir) in entries {
        let child_rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if is_dir {
            find_in(&dir.join(&name), &child_rel, pattern, out)?;
        } else if matches_glob(&name, pattern) {
            out.push(Json::String(child_rel));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_join_keeps_leading_slash_inside_and_collapses_dots() {
        let base = Path::new("/m/root");
        assert_eq!(node_join(base, "/etc/x"), PathBuf::from("/m/root/etc/x"));
        assert_eq!(node_join(base, "a/./b//c/"), PathBuf::from("/m/root/a/b/c"));
        assert_eq!(node_join(base, "sub/../x"), PathBuf::from("/m/root/x"));
        assert_eq!(node_join(base, "../../../../etc"), PathBuf::from("/etc"));
        assert_eq!(node_join(base, ""), PathBuf::from("/m/root"));
    }
}
