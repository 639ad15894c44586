//! `rillmount fs ls|cat|put|rm|stat` over the raw file tree ([`FileStore`]).
//!
//! Reads are not limited by the mount's mode (this is an inspection tool; rill's own mode
//! checks apply to scripts), writes are (see `Target::check_write`). `cat` and `put` stream:
//! file content is never held in memory whole. `ls` pages through the listing.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde_json::json;

use super::{Ctx, Target, open_fs_mount, target, within};
use crate::cli::args::{FsCommand, ProfileOpt};
use crate::cli::output::{Failure, Out, SetupCode, SetupError, human_size, json_string, rfc3339};
use crate::config::FsBackendConfig;
use crate::store::key_pattern::KeyPattern;
use crate::store::{
    ByteStream, EntryKind, ErrorKind, FileMeta, FileStore, FsMountStore, StoreError,
};

/// Entries asked for per listing page.
const PAGE: usize = 1000;

pub async fn run(ctx: &Ctx, cmd: &FsCommand) -> Result<(), Failure> {
    match cmd {
        FsCommand::Ls {
            addr,
            pattern,
            recursive,
            json,
            profile,
        } => {
            let how = LsHow {
                pattern: super::kv::parse_pattern(pattern.as_deref())?,
                recursive: *recursive,
                json: *json,
            };
            ls(ctx, addr, profile, how).await
        }
        FsCommand::Cat { addr, profile } => cat(ctx, addr, profile).await,
        FsCommand::Put {
            addr,
            file,
            yes,
            profile,
        } => put(ctx, addr, file, *yes, profile).await,
        FsCommand::Rm { addr, yes, profile } => rm(ctx, addr, *yes, profile).await,
        FsCommand::Stat {
            addr,
            json,
            profile,
        } => stat(ctx, addr, profile, *json).await,
    }
}

fn fs_target(ctx: &Ctx, addr: &str, opt: &ProfileOpt, need_path: bool) -> Result<Target, Failure> {
    let t = target(ctx, addr, opt)?;
    t.fs()?;
    if need_path && t.addr.path.is_empty() {
        let msg = format!("address `{addr}` names no file: write PROFILE:MOUNT/PATH");
        return Err(SetupError::usage(SetupCode::Address, msg).into());
    }
    Ok(t)
}

fn call_limit(t: &Target) -> Option<Duration> {
    match t.fs().ok().map(|c| &c.backend) {
        Some(FsBackendConfig::S3(s)) => Some(s.connect_timeout + Duration::from_secs(30)),
        _ => None,
    }
}

fn kind_name(k: EntryKind) -> &'static str {
    match k {
        EntryKind::File => "file",
        EntryKind::Directory => "directory",
        EntryKind::Symlink => "symlink",
    }
}

fn entry_json(m: &FileMeta) -> serde_json::Value {
    json!({
        "name": m.name(),
        "path": m.path,
        "type": kind_name(m.kind),
        "size": m.size,
        "modified": m.modified.map(rfc3339),
    })
}

/// What `fs ls` lists: the folder's entries or (`--recursive`) every file below it, maybe
/// only the ones a `--match` pattern matches (names, or paths relative to the folder).
struct LsHow {
    pattern: Option<KeyPattern>,
    recursive: bool,
    json: bool,
}

fn entry_line(m: &FileMeta) -> String {
    entry_line_as(m, m.name())
}

/// The line of `m` showing it as `shown` (its name, or its path below the listed folder).
fn entry_line_as(m: &FileMeta, shown: &str) -> String {
    let modified = m.modified.map(rfc3339).unwrap_or_else(|| "-".repeat(20));
    match m.kind {
        EntryKind::Directory => format!("{:>10}  {modified}  {shown}/", "-"),
        EntryKind::Symlink => format!("{:>10}  {modified}  {shown}@", m.size),
        EntryKind::File => format!("{:>10}  {modified}  {shown}", m.size),
    }
}

async fn ls(ctx: &Ctx, addr: &str, opt: &ProfileOpt, how: LsHow) -> Result<(), Failure> {
    let json = how.json;
    let t = fs_target(ctx, addr, opt, false)?;
    let store = open_fs_mount(&t).await?;
    let limit = call_limit(&t);
    let what = format!("cannot list {}", t.label());
    let dir = t.addr.path.trim_end_matches('/').to_string();
    let mut out = Out::new();
    if !dir.is_empty() {
        let meta = within(limit, &what, FileStore::stat(&*store, &dir)).await?;
        match meta {
            None => return Err(Failure::op(format!("{what}: no such file or directory"))),
            Some(m) if m.kind != EntryKind::Directory => {
                if json {
                    out.json(&json!([entry_json(&m)]))?;
                } else {
                    out.line(&entry_line(&m))?;
                }
                return out.flush();
            }
            Some(_) => {}
        }
    }
    if json {
        out.raw(b"[")?;
    }
    // --recursive: the walk of the mount below the folder (`walk_match` narrows it to the
    // folder: S3 lists only its keys), paths shown relative to the folder
    let under = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let walk_pattern = how.recursive.then(|| {
        let rest = how.pattern.as_ref().map_or("*", |p| p.as_str());
        KeyPattern::parse(&format!("{}{rest}", KeyPattern::escape(&under)))
    });
    let walk_pattern = walk_pattern.transpose().map_err(Failure::usage)?;
    let mut first = true;
    let mut cursor: Option<String> = None;
    loop {
        let page = match &walk_pattern {
            Some(p) => within(limit, &what, store.walk_match(p, cursor.as_deref(), PAGE)).await?,
            None => {
                let listing = FileStore::list(&*store, &dir, cursor.as_deref(), PAGE);
                within(limit, &what, listing).await?
            }
        };
        for m in &page.entries {
            let shown = match &walk_pattern {
                Some(_) => m.path.strip_prefix(&under).unwrap_or(&m.path),
                None if how.pattern.as_ref().is_some_and(|p| !p.matches(m.name())) => continue,
                None => m.name(),
            };
            if json {
                out.raw(if first { b"\n  " } else { b",\n  " })?;
                out.raw(entry_json(m).to_string().as_bytes())?;
            } else {
                out.line(&entry_line_as(m, shown))?;
            }
            first = false;
        }
        out.flush()?;
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    if json {
        out.raw(if first { b"]\n" } else { b"\n]\n" })?;
    }
    out.flush()
}

async fn cat(ctx: &Ctx, addr: &str, opt: &ProfileOpt) -> Result<(), Failure> {
    let t = fs_target(ctx, addr, opt, true)?;
    let store = open_fs_mount(&t).await?;
    let what = format!("cannot read {}", t.label());
    let mut stream = within(
        call_limit(&t),
        &what,
        FileStore::read(&*store, &t.addr.path),
    )
    .await?;
    let mut out = Out::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Failure::op(format!("{what}: {e}")))?;
        out.raw(&chunk)?;
    }
    out.flush()
}

fn local_error(source: &str, e: std::io::Error) -> StoreError {
    StoreError::new(
        ErrorKind::Other,
        source.to_string(),
        e.to_string().to_lowercase(),
    )
}

async fn put(
    ctx: &Ctx,
    addr: &str,
    file: &str,
    yes: bool,
    opt: &ProfileOpt,
) -> Result<(), Failure> {
    let t = fs_target(ctx, addr, opt, true)?;
    let cfg = t.fs()?;
    t.check_write(cfg.mode.fs_allows_write(), cfg.mode.as_str(), yes)?;
    let (body, size): (ByteStream, Option<u64>) = if file == "-" {
        let stream = tokio_util::io::ReaderStream::new(tokio::io::stdin())
            .map(|r| r.map_err(|e| local_error("stdin", e)));
        (Box::pin(stream), None)
    } else {
        let path = ctx.cwd.join(file);
        let f = tokio::fs::File::open(&path).await.map_err(|e| {
            Failure::op(format!(
                "cannot read {file}: {}",
                crate::config::load::io_reason(&e)
            ))
        })?;
        let meta = f
            .metadata()
            .await
            .map_err(|e| Failure::op(format!("cannot read {file}: {e}")))?;
        if !meta.is_file() {
            return Err(Failure::op(format!("cannot read {file}: not a file")));
        }
        let name = file.to_string();
        let stream =
            tokio_util::io::ReaderStream::new(f).map(move |r| r.map_err(|e| local_error(&name, e)));
        (Box::pin(stream), Some(meta.len()))
    };
    let store: Arc<dyn FsMountStore> = open_fs_mount(&t).await?;
    let what = format!("cannot write {}", t.label());
    // No per-call bound here: an upload may legitimately take long.
    FileStore::write(&*store, &t.addr.path, body, size)
        .await
        .map_err(|e| Failure::op(format!("{what}: {e}")))?;
    Ok(())
}

async fn rm(ctx: &Ctx, addr: &str, yes: bool, opt: &ProfileOpt) -> Result<(), Failure> {
    let t = fs_target(ctx, addr, opt, true)?;
    let cfg = t.fs()?;
    t.check_write(cfg.mode.fs_allows_write(), cfg.mode.as_str(), yes)?;
    let store = open_fs_mount(&t).await?;
    let what = format!("cannot remove {}", t.label());
    let existed = within(
        call_limit(&t),
        &what,
        FileStore::delete(&*store, &t.addr.path),
    )
    .await?;
    if !existed {
        return Err(Failure::op(format!("{what}: no such file")));
    }
    Ok(())
}

async fn stat(ctx: &Ctx, addr: &str, opt: &ProfileOpt, json: bool) -> Result<(), Failure> {
    let t = fs_target(ctx, addr, opt, true)?;
    let store = open_fs_mount(&t).await?;
    let what = format!("cannot stat {}", t.label());
    let meta = within(
        call_limit(&t),
        &what,
        FileStore::stat(&*store, &t.addr.path),
    )
    .await?
    .ok_or_else(|| Failure::op(format!("{what}: no such file or directory")))?;
    let mut out = Out::new();
    if json {
        let mut v = entry_json(&meta);
        v["created"] = json!(meta.created.map(rfc3339));
        v["etag"] = json!(meta.etag);
        v["contentType"] = json!(meta.content_type);
        out.json(&v)?;
        return out.flush();
    }
    out.line(&format!("path:     {}", json_string(&meta.path)))?;
    out.line(&format!("type:     {}", kind_name(meta.kind)))?;
    out.line(&format!(
        "size:     {} ({})",
        meta.size,
        human_size(meta.size)
    ))?;
    if let Some(m) = meta.modified {
        out.line(&format!("modified: {}", rfc3339(m)))?;
    }
    if let Some(c) = meta.created {
        out.line(&format!("created:  {}", rfc3339(c)))?;
    }
    if let Some(e) = &meta.etag {
        out.line(&format!("etag:     {e}"))?;
    }
    if let Some(c) = &meta.content_type {
        out.line(&format!("content type: {c}"))?;
    }
    out.flush()
}
