//! The local-folder fs backend, raw side: [`LocalDirStore`] as a [`FileStore`] for browsing and
//! migration (spec/backends.md §5.3, §12 items 17–25).
//!
//! The rill-facing side (rill's nine-step sandbox, error codes R004/R017–R021, quirks) lives in
//! `local_sandbox.rs`; both share the realpath'd root opened here.
//!
//! Raw-side rules, stricter than rill's sandbox because a migration writes blindly:
//! - paths are relative and `/`-separated; a leading `/` is refused, `.`/`..` are collapsed and a
//!   path that climbs above the root is refused;
//! - every existing path is realpath'd and must stay under the root; a symlink leading outside
//!   is never followed (walk and list report it as [`EntryKind::Symlink`]);
//! - writes go to a temp file in the destination directory, are fsynced and renamed, so no
//!   reader ever sees a half-written file; parents are created one by one, refusing symlinks
//!   that lead outside.
//!
//! Limits: file names that are not valid UTF-8 are shown lossily (U+FFFD) and cannot be read
//! back under that name; sockets, fifos and devices are left out of listings.

use std::cmp::Ordering;
use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::{
    Backend, ByteStream, Capability, EntryKind, ErrorKind, FileMeta, FilePage, FileStore,
    RillCallError, StoreError, StoreInfo, walk_key,
};
use crate::config::{Encoding, FsMountConfig, LocalFsConfig};

/// Read chunk size of [`FileStore::read`] streams.
const READ_CHUNK: usize = 64 * 1024;

/// A local folder opened as an fs mount: raw [`FileStore`] here, rill's fs functions
/// ([`super::RillFs`]) in `local_sandbox.rs`.
#[derive(Debug, Clone)]
pub struct LocalDirStore {
    /// realpath of the configured root, taken at open.
    pub(super) root: PathBuf,
    /// Mount options (name, mode, glob, effective maxFileSize).
    pub(super) cfg: FsMountConfig,
    pub(super) encoding: Encoding,
    /// Location label for errors (the root path).
    label: String,
}

impl LocalDirStore {
    /// Opens the folder `l.path`, taking its realpath as rill does when a mount is created.
    ///
    /// A missing root is a `NotFound` error whose message is rill's R017 text
    /// (`mount path does not exist: <path>`); EACCES/EPERM gives rill's R021 text. Use
    /// [`rill_open_error`] to turn either into the coded error rill raises on first use.
    /// A root that exists but is not a directory is a `Config` error.
    pub fn open(cfg: &FsMountConfig, l: &LocalFsConfig) -> Result<LocalDirStore, StoreError> {
        let shown = l.path.display().to_string();
        let label = format!("fs mount \"{}\"", cfg.name);
        let root = std::fs::canonicalize(&l.path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::new(
                ErrorKind::NotFound,
                label.clone(),
                format!("mount path does not exist: {shown}"),
            ),
            io::ErrorKind::PermissionDenied => StoreError::new(
                ErrorKind::PermissionDenied,
                label.clone(),
                format!("permission denied: {shown}"),
            ),
            _ => StoreError::new(ErrorKind::Other, label.clone(), io_message(&e))
                .during("open", shown.clone()),
        })?;
        if !root.is_dir() {
            return Err(StoreError::new(
                ErrorKind::Config,
                label,
                format!("mount path is not a directory: {shown}"),
            ));
        }
        Ok(LocalDirStore {
            label: root.display().to_string(),
            root,
            cfg: cfg.clone(),
            encoding: l.encoding,
        })
    }

    /// The realpath of the mount root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The mount options this store was opened with.
    pub fn config(&self) -> &FsMountConfig {
        &self.cfg
    }

    /// The one mapping of I/O errors into [`StoreError`] for this backend.
    fn map_err(&self, e: io::Error, op: &'static str, target: &str) -> StoreError {
        let kind = match e.kind() {
            io::ErrorKind::NotFound => ErrorKind::NotFound,
            io::ErrorKind::AlreadyExists => ErrorKind::AlreadyExists,
            io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
            io::ErrorKind::TimedOut => ErrorKind::Timeout,
            io::ErrorKind::Unsupported => ErrorKind::Unsupported,
            io::ErrorKind::InvalidData => ErrorKind::Corrupt,
            _ => ErrorKind::Other,
        };
        StoreError::new(kind, self.label.clone(), io_message(&e)).during(op, target)
    }

    fn refuse(&self, op: &'static str, target: &str, message: &str) -> StoreError {
        StoreError::new(ErrorKind::Refused, self.label.clone(), message).during(op, target)
    }

    /// `rel` as segments below the root: `.` and empty segments dropped, `..` collapsed.
    /// Refuses absolute paths and paths climbing above the root.
    fn segments<'a>(&self, rel: &'a str, op: &'static str) -> Result<Vec<&'a str>, StoreError> {
        if rel.starts_with('/') {
            return Err(self.refuse(op, rel, "absolute paths are not allowed"));
        }
        let mut out: Vec<&str> = Vec::new();
        for seg in rel.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    if out.pop().is_none() {
                        return Err(self.refuse(op, rel, "path escapes the mount root"));
                    }
                }
                s => out.push(s),
            }
        }
        Ok(out)
    }

    /// realpath of an existing `rel`, which must stay under the root.
    async fn existing(&self, rel: &str, op: &'static str) -> Result<PathBuf, StoreError> {
        let segs = self.segments(rel, op)?;
        let lexical = join_segments(&self.root, &segs);
        let real = tokio::fs::canonicalize(&lexical)
            .await
            .map_err(|e| self.map_err(e, op, rel))?;
        if !inside(&self.root, &real) {
            return Err(self.refuse(
                op,
                rel,
                "path leads outside the mount root through a symlink",
            ));
        }
        Ok(real)
    }

    /// The realpath of `rel`'s parent and `rel`'s last segment; `None` when the parent does not
    /// exist. Refuses the root itself (no last segment) and parents leading outside.
    async fn parent_and_name(
        &self,
        rel: &str,
        op: &'static str,
    ) -> Result<Option<(PathBuf, String)>, StoreError> {
        let segs = self.segments(rel, op)?;
        let Some((name, parent)) = segs.split_last() else {
            return Err(self.refuse(op, rel, "the mount root itself is not a file"));
        };
        let lexical = join_segments(&self.root, parent);
        let real = match tokio::fs::canonicalize(&lexical).await {
            Ok(p) => p,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.map_err(e, op, rel)),
        };
        if !inside(&self.root, &real) {
            return Err(self.refuse(
                op,
                rel,
                "path leads outside the mount root through a symlink",
            ));
        }
        Ok(Some((real, (*name).to_string())))
    }

    /// Creates the directories of `segs` one by one below the root, following only symlinks
    /// that stay inside it. Returns the realpath of the last one and whether it was created.
    async fn ensure_dirs(
        &self,
        segs: &[&str],
        op: &'static str,
        rel: &str,
    ) -> Result<(PathBuf, bool), StoreError> {
        let mut cur = self.root.clone();
        let mut created = false;
        for seg in segs {
            let next = cur.join(seg);
            created = false;
            match tokio::fs::symlink_metadata(&next).await {
                Ok(md) if md.is_dir() => cur = next,
                Ok(md) if md.file_type().is_symlink() => {
                    let real = tokio::fs::canonicalize(&next)
                        .await
                        .map_err(|e| self.map_err(e, op, rel))?;
                    if !inside(&self.root, &real) {
                        return Err(self.refuse(
                            op,
                            rel,
                            "path leads outside the mount root through a symlink",
                        ));
                    }
                    if !real.is_dir() {
                        return Err(self.refuse(op, rel, "a parent is not a directory"));
                    }
                    cur = real;
                }
                Ok(_) => return Err(self.refuse(op, rel, "a file is in the way")),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    match tokio::fs::create_dir(&next).await {
                        Ok(()) => created = true,
                        // Created concurrently: fine if it is a directory now.
                        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && next.is_dir() => {}
                        Err(e) => return Err(self.map_err(e, op, rel)),
                    }
                    cur = next;
                }
                Err(e) => return Err(self.map_err(e, op, rel)),
            }
        }
        Ok((cur, created))
    }

    /// Runs blocking directory work off the async runtime.
    async fn blocking<T: Send + 'static>(
        &self,
        op: &'static str,
        target: &str,
        f: impl FnOnce() -> io::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        match tokio::task::spawn_blocking(f).await {
            Ok(r) => r.map_err(|e| self.map_err(e, op, target)),
            Err(e) => Err(StoreError::new(
                ErrorKind::Other,
                self.label.clone(),
                format!("background task failed: {e}"),
            )
            .during(op, target)),
        }
    }
}

/// The coded error rill raises when a mount could not be opened (spec §5.1): R017
/// `mount path does not exist: <path>` for a missing root, R021 `permission denied: <path>`,
/// anything else as a plain error.
pub fn rill_open_error(e: &StoreError) -> RillCallError {
    match e.kind {
        ErrorKind::NotFound => RillCallError::coded("RILL-R017", e.message.clone()),
        ErrorKind::PermissionDenied => RillCallError::coded("RILL-R021", e.message.clone()),
        _ => RillCallError::plain(e.to_string()),
    }
}

/// Lower-case message of an I/O error without the `(os error N)` suffix.
pub(super) fn io_message(e: &io::Error) -> String {
    let fixed = match e.kind() {
        io::ErrorKind::NotFound => "not found",
        io::ErrorKind::PermissionDenied => "permission denied",
        io::ErrorKind::AlreadyExists => "already exists",
        io::ErrorKind::IsADirectory => "is a directory",
        io::ErrorKind::NotADirectory => "not a directory",
        io::ErrorKind::DirectoryNotEmpty => "directory not empty",
        io::ErrorKind::StorageFull => "no space left on device",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => "unknown error".to_string(),
    }
}

/// Whether `p` is `base` or below it (component-wise, like rill's `base + '/'` prefix test).
pub(super) fn inside(base: &Path, p: &Path) -> bool {
    p == base || (base != Path::new("/") && p.starts_with(base))
}

fn join_segments(root: &Path, segs: &[&str]) -> PathBuf {
    let mut p = root.to_path_buf();
    for s in segs {
        p.push(s);
    }
    p
}

fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Names in `dir`, sorted by bytes (stable paging; also Node's readdir order on Unix).
pub(super) fn sorted_names(dir: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Metadata of the entry at `abs` (named `rel`), `None` for sockets, fifos and devices.
///
/// A symlink whose target is a regular file under `root` is reported as that file; any other
/// symlink (to a directory, broken, or leading outside) is [`EntryKind::Symlink`], never
/// followed.
fn entry_meta(root: &Path, abs: &Path, rel: String) -> io::Result<Option<FileMeta>> {
    let md = std::fs::symlink_metadata(abs)?;
    let ft = md.file_type();
    let (kind, shown) = if ft.is_symlink() {
        let target = std::fs::canonicalize(abs)
            .ok()
            .filter(|real| inside(root, real))
            .and_then(|real| std::fs::metadata(real).ok())
            .filter(|t| t.is_file());
        match target {
            Some(t) => (EntryKind::File, t),
            None => (EntryKind::Symlink, md),
        }
    } else if ft.is_dir() {
        (EntryKind::Directory, md)
    } else if ft.is_file() {
        (EntryKind::File, md)
    } else {
        return Ok(None);
    };
    Ok(Some(FileMeta {
        path: rel,
        kind,
        size: if kind == EntryKind::File {
            shown.len()
        } else {
            0
        },
        modified: shown.modified().ok(),
        created: shown.created().ok(),
        etag: None,
        content_type: None,
    }))
}

/// Like [`entry_meta`], with a vanished entry reported as `None`.
fn entry_meta_opt(root: &Path, abs: &Path, rel: String) -> io::Result<Option<FileMeta>> {
    match entry_meta(root, abs, rel) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        r => r,
    }
}

/// A child of a walked folder, ordered as its paths are: a folder `d` sorts as `d/`, so that
/// the walk yields paths in byte order of the whole path (as S3 lists keys), and two walks,
/// of any backends, can be merged.
struct WalkChild {
    name: String,
    dir: bool,
}

impl WalkChild {
    fn key(&self) -> std::borrow::Cow<'_, str> {
        if self.dir {
            format!("{}/", self.name).into()
        } else {
            self.name.as_str().into()
        }
    }
}

/// The children of `dir` in walk order (see [`WalkChild`]).
fn walk_children(dir: &Path) -> io::Result<Vec<WalkChild>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // `file_type` does not follow symlinks: a link to a folder is walked as a link.
        let dir = entry.file_type().is_ok_and(|t| t.is_dir());
        out.push(WalkChild {
            name: entry.file_name().to_string_lossy().into_owned(),
            dir,
        });
    }
    out.sort_by(|a, b| a.key().cmp(&b.key()));
    Ok(out)
}

/// Where a walk resumes: the segments of the last path it returned, the last one marked as a
/// folder when the cursor ends in `/` (an empty folder). A cursor without the mark (a file,
/// or a cursor of an older version) is resumed after the entry of that name.
struct WalkCursor<'a> {
    segs: Vec<&'a str>,
    last_is_dir: bool,
}

impl<'a> WalkCursor<'a> {
    fn parse(c: &'a str) -> WalkCursor<'a> {
        let (path, last_is_dir) = match c.strip_suffix('/') {
            Some(p) => (p, true),
            None => (c, false),
        };
        WalkCursor {
            segs: path.split('/').collect(),
            last_is_dir,
        }
    }
}

/// Depth-first walk in byte order of whole paths ([`WalkChild`]), resuming after `after`
/// (the cursor's segments from this folder down). Emits files and symlinks, and directories
/// only when empty. Stops once `out` holds `want`.
fn walk_dir(
    root: &Path,
    abs: &Path,
    rel: &str,
    after: Option<(&[&str], bool)>,
    out: &mut Vec<FileMeta>,
    want: usize,
) -> io::Result<()> {
    let children = match walk_children(abs) {
        Ok(n) => n,
        // Removed while walking.
        Err(e) if e.kind() == io::ErrorKind::NotFound && !rel.is_empty() => return Ok(()),
        Err(e) => return Err(e),
    };
    if children.is_empty() {
        if !rel.is_empty() && after.is_none() {
            out.push(FileMeta {
                path: rel.to_string(),
                kind: EntryKind::Directory,
                size: 0,
                modified: None,
                created: None,
                etag: None,
                content_type: None,
            });
        }
        return Ok(());
    }
    for child in children {
        if out.len() >= want {
            return Ok(());
        }
        let mut child_after = None;
        if let Some((segs, last_is_dir)) = after {
            let seg = segs[0];
            let order = if child.name == seg {
                Ordering::Equal
            } else if segs.len() > 1 || last_is_dir {
                child.key().as_ref().cmp(format!("{seg}/").as_str())
            } else {
                child.key().as_ref().cmp(seg)
            };
            match order {
                Ordering::Less => continue,
                Ordering::Equal if segs.len() == 1 => continue,
                Ordering::Equal => child_after = Some((&segs[1..], last_is_dir)),
                Ordering::Greater => {}
            }
        }
        let child_abs = abs.join(&child.name);
        let child_rel = join_rel(rel, &child.name);
        let md = match std::fs::symlink_metadata(&child_abs) {
            Ok(md) => md,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        if md.is_dir() {
            walk_dir(root, &child_abs, &child_rel, child_after, out, want)?;
            if let Some(last) = out.last_mut()
                && last.path == child_rel
                && last.kind == EntryKind::Directory
            {
                last.modified = md.modified().ok();
                last.created = md.created().ok();
            }
        } else if child_after.is_none()
            && let Some(meta) = entry_meta_opt(root, &child_abs, child_rel)?
        {
            out.push(meta);
        }
    }
    Ok(())
}

fn page(mut entries: Vec<FileMeta>, limit: usize) -> FilePage {
    let next = if entries.len() > limit {
        entries.truncate(limit);
        entries.last().map(|m| m.path.clone())
    } else {
        None
    };
    FilePage {
        entries,
        next,
        scanned: 0,
    }
}

#[async_trait]
impl FileStore for LocalDirStore {
    fn info(&self) -> StoreInfo {
        StoreInfo {
            backend: Backend::Local,
            location: self.root.display().to_string(),
            capability: Capability {
                ttl: false,
                ranged_read: true,
                atomic_rename: true,
                directories: true,
            },
        }
    }

    async fn list(
        &self,
        dir: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<FilePage, StoreError> {
        let abs = self.existing(dir, "list").await?;
        let rel_dir = self.segments(dir, "list")?.join("/");
        let root = self.root.clone();
        let cursor = cursor.map(str::to_string);
        let limit = limit.max(1);
        self.blocking("list", dir, move || {
            let mut out = Vec::new();
            for name in sorted_names(&abs)? {
                if cursor.as_deref().is_some_and(|c| name.as_str() <= c) {
                    continue;
                }
                if out.len() > limit {
                    break;
                }
                if let Some(meta) =
                    entry_meta_opt(&root, &abs.join(&name), join_rel(&rel_dir, &name))?
                {
                    out.push(meta);
                }
            }
            let mut p = page(out, limit);
            // The cursor is a name within `dir`, not a path.
            p.next = p
                .next
                .map(|n| n.rsplit('/').next().unwrap_or(&n).to_string());
            Ok(p)
        })
        .await
    }

    async fn walk(&self, cursor: Option<&str>, limit: usize) -> Result<FilePage, StoreError> {
        let root = self.root.clone();
        let cursor = cursor.map(str::to_string);
        let limit = limit.max(1);
        self.blocking("walk", "", move || {
            let at = cursor.as_deref().map(WalkCursor::parse);
            let mut out = Vec::new();
            let after = at.as_ref().map(|c| (c.segs.as_slice(), c.last_is_dir));
            walk_dir(&root, &root, "", after, &mut out, limit + 1)?;
            let mut p = page(out, limit);
            p.next = p
                .entries
                .last()
                .filter(|_| p.next.is_some())
                .map(|m| walk_key(m).into_owned());
            Ok(p)
        })
        .await
    }

    async fn stat(&self, path: &str) -> Result<Option<FileMeta>, StoreError> {
        let segs = self.segments(path, "stat")?;
        if segs.is_empty() {
            let md = tokio::fs::metadata(&self.root)
                .await
                .map_err(|e| self.map_err(e, "stat", path))?;
            return Ok(Some(FileMeta {
                path: String::new(),
                kind: EntryKind::Directory,
                size: 0,
                modified: md.modified().ok(),
                created: md.created().ok(),
                etag: None,
                content_type: None,
            }));
        }
        let rel = segs.join("/");
        let Some((parent, name)) = self.parent_and_name(path, "stat").await? else {
            return Ok(None);
        };
        let root = self.root.clone();
        self.blocking("stat", path, move || {
            entry_meta_opt(&root, &parent.join(name), rel)
        })
        .await
    }

    async fn read(&self, path: &str) -> Result<ByteStream, StoreError> {
        let (file, _) = self.open_regular(path, "read").await?;
        let this = self.clone();
        let target = path.to_string();
        let stream = tokio_util::io::ReaderStream::with_capacity(file, READ_CHUNK)
            .map_err(move |e| this.map_err(e, "read", &target));
        Ok(Box::pin(stream))
    }

    async fn read_range(&self, path: &str, offset: u64, len: u64) -> Result<Bytes, StoreError> {
        let (mut file, size) = self.open_regular(path, "read").await?;
        let want = len.min(size.saturating_sub(offset));
        file.seek(io::SeekFrom::Start(offset))
            .await
            .map_err(|e| self.map_err(e, "read", path))?;
        let mut buf = Vec::with_capacity(usize::try_from(want).unwrap_or(0));
        file.take(len)
            .read_to_end(&mut buf)
            .await
            .map_err(|e| self.map_err(e, "read", path))?;
        Ok(Bytes::from(buf))
    }

    async fn write(
        &self,
        path: &str,
        mut body: ByteStream,
        _size: Option<u64>,
    ) -> Result<FileMeta, StoreError> {
        const OP: &str = "write";
        let segs = self.segments(path, OP)?;
        let Some((name, parents)) = segs.split_last() else {
            return Err(self.refuse(OP, path, "the mount root itself is not a file"));
        };
        let (dir, _) = self.ensure_dirs(parents, OP, path).await?;
        let target = dir.join(name);
        let mut perms = None;
        match tokio::fs::symlink_metadata(&target).await {
            Ok(md) if md.is_dir() => {
                return Err(self.refuse(OP, path, "a directory has this name"));
            }
            Ok(md) if md.file_type().is_symlink() => {
                let real = tokio::fs::canonicalize(&target).await.ok();
                if !real.is_some_and(|r| inside(&self.root, &r)) {
                    return Err(self.refuse(
                        OP,
                        path,
                        "a symlink leading outside the mount root has this name",
                    ));
                }
            }
            Ok(md) => perms = Some(md.permissions()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(self.map_err(e, OP, path)),
        }

        let tmp_dir = dir.clone();
        let named = self
            .blocking(OP, path, move || {
                let mut b = tempfile::Builder::new();
                // No file name in the temp name: a long name would exceed NAME_MAX.
                b.prefix(".rillmount-").suffix(".tmp");
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    // open(2) applies the umask, as for files rill creates (0666 & ~umask).
                    b.permissions(perms.unwrap_or_else(|| std::fs::Permissions::from_mode(0o666)));
                }
                #[cfg(not(unix))]
                let _ = perms;
                b.tempfile_in(&tmp_dir)
            })
            .await?;
        // Dropping `tmp_path` before the rename deletes the temp file.
        let (std_file, tmp_path) = named.into_parts();
        let mut file = tokio::fs::File::from_std(std_file);
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            file.write_all(&chunk)
                .await
                .map_err(|e| self.map_err(e, OP, path))?;
        }
        file.flush().await.map_err(|e| self.map_err(e, OP, path))?;
        file.sync_all()
            .await
            .map_err(|e| self.map_err(e, OP, path))?;
        drop(file);
        let dest = target.clone();
        let sync_dir = dir.clone();
        self.blocking(OP, path, move || {
            tmp_path.persist(&dest).map_err(|e| e.error)?;
            // Make the rename itself durable.
            #[cfg(unix)]
            std::fs::File::open(&sync_dir)?.sync_all()?;
            #[cfg(not(unix))]
            let _ = sync_dir;
            Ok(())
        })
        .await?;
        let rel = segs.join("/");
        let root = self.root.clone();
        let meta = self
            .blocking("stat", path, move || entry_meta(&root, &target, rel))
            .await?;
        meta.ok_or_else(|| self.refuse(OP, path, "the written file is not a regular file"))
    }

    async fn delete(&self, path: &str) -> Result<bool, StoreError> {
        let Some((parent, name)) = self.parent_and_name(path, "delete").await? else {
            return Ok(false);
        };
        let abs = parent.join(name);
        let md = match tokio::fs::symlink_metadata(&abs).await {
            Ok(md) => md,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(self.map_err(e, "delete", path)),
        };
        // A symlink is removed itself, never its target.
        let r = if md.is_dir() {
            tokio::fs::remove_dir(&abs).await
        } else {
            tokio::fs::remove_file(&abs).await
        };
        match r {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(self.map_err(e, "delete", path)),
        }
    }

    async fn mkdir(&self, path: &str) -> Result<bool, StoreError> {
        let segs = self.segments(path, "mkdir")?;
        let (_, created) = self.ensure_dirs(&segs, "mkdir", path).await?;
        Ok(created)
    }
}

impl LocalDirStore {
    /// Opens `rel` for reading after checking it is a regular file under the root.
    async fn open_regular(
        &self,
        rel: &str,
        op: &'static str,
    ) -> Result<(tokio::fs::File, u64), StoreError> {
        let real = self.existing(rel, op).await?;
        let file = tokio::fs::File::open(&real)
            .await
            .map_err(|e| self.map_err(e, op, rel))?;
        let md = file
            .metadata()
            .await
            .map_err(|e| self.map_err(e, op, rel))?;
        if md.is_dir() {
            return Err(self.refuse(op, rel, "is a directory"));
        }
        if !md.is_file() {
            return Err(StoreError::new(
                ErrorKind::Unsupported,
                self.label.clone(),
                "not a regular file",
            )
            .during(op, rel));
        }
        Ok((file, md.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_is_component_wise() {
        assert!(inside(Path::new("/a/b"), Path::new("/a/b")));
        assert!(inside(Path::new("/a/b"), Path::new("/a/b/c")));
        assert!(!inside(Path::new("/a/b"), Path::new("/a/bc")));
        assert!(!inside(Path::new("/a/b"), Path::new("/a")));
        // rill: '/' + '/' is never a prefix, so a root mount only contains itself.
        assert!(inside(Path::new("/"), Path::new("/")));
        assert!(!inside(Path::new("/"), Path::new("/etc")));
    }

    #[test]
    fn io_messages_are_lower_case_without_os_error() {
        let e = io::Error::from_raw_os_error(28);
        assert_eq!(io_message(&e), "no space left on device");
        let e = io::Error::other("Boom happened");
        assert_eq!(io_message(&e), "boom happened");
    }
}
