//! The copy a person runs: setup checks, then the [`preflight`] (unless `partial`, a dry run or
//! a resume), then the writes ([`super::apply`]). Nothing is written when the preflight finds
//! anything the destination would refuse.

use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::apply::backup::{Backup, manifest_for};
use super::apply::journal::Journal;
use super::apply::mirror;
use super::apply::{check_writable, copy_pass, journal_dst};
use super::preflight::preflight;
use super::progress::Progress;
use super::{Endpoint, MigrateError};

pub use super::OnConflict;
pub use super::apply::report::{CopyReport, LimitExceeded, Rejection};
pub use super::apply::{CopyOptions, KV_CHUNK, KV_COPY_PAGE};

/// Copies `src` into `dst`. Unless `opts.partial` (or a dry run, or a resume), a
/// [`preflight`] comes first: when the destination would refuse anything, nothing is
/// written and the report (`refused`) says what and why.
pub async fn copy(
    src: &Endpoint,
    dst: &Endpoint,
    opts: &CopyOptions,
    progress: Option<tokio::sync::watch::Sender<Progress>>,
    cancel: CancellationToken,
) -> Result<CopyReport, MigrateError> {
    let started = Instant::now();
    if opts.delete_extra {
        mirror::check(src, dst)?;
    }
    let resumed = !opts.dry_run && resumes(src, dst, opts);
    if !opts.dry_run {
        check_writable(dst)?;
        if let Some(target) = &opts.backup {
            Backup::check(target, &manifest_for(src, dst)?, resumed).await?;
        }
    }
    if !opts.dry_run && !opts.partial && !resumed {
        let mut pre = preflight(src, dst, opts, progress.clone(), cancel.clone()).await?;
        if pre.cancelled {
            return Ok(CopyReport::stopped_before_writing(false, started));
        }
        if !pre.accepted() {
            pre.dry_run = false;
            pre.refused = true;
            pre.elapsed_ms = started.elapsed().as_millis() as u64;
            return Ok(pre);
        }
    }
    copy_pass(src, dst, opts, progress, cancel).await
}

/// The copy continues an interrupted one (its journal is there): that one passed its
/// preflight when it started, so the rest is not checked again before writing.
fn resumes(src: &Endpoint, dst: &Endpoint, opts: &CopyOptions) -> bool {
    opts.journal_dir.as_ref().is_some_and(|dir| {
        Journal::open(dir, &src.location(), &journal_dst(dst, opts)).is_ok_and(|j| j.resumed)
    })
}
