//! `copy --plan plan.json`: applies a saved plan (`plan/saved_plan.rs`) exactly. Only the items
//! the plan writes (create, overwrite) are considered, in the plan's order, a page at a time;
//! each is fingerprinted again on both sides first, and one that changed since the plan was
//! made is not written but reported as drifted (with the side that changed). Nothing the plan
//! does not name is written. The rest goes through the same writers, checks, journal and
//! backups as any copy (the journal's cursor is the index of the next planned item).

use super::backup::Record;
use super::batch::{CopyRun, FileOutcome, run_files};
use super::kv_write::{KV_COPY_PAGE, KvItem, KvWriter};
use super::report::Rejection;
use super::{CopyOptions, copy_file};
use crate::migrate::plan::PAGE;
use crate::migrate::plan::saved_plan::{
    Action, PlannedItem, SavedPlan, fs_fingerprint, fs_state, kv_fingerprint,
};
use crate::migrate::{Change, FsMount, MigrateError, OnConflict};
use crate::store::EntryKind;
use crate::store::kv_mount::KvMount;

/// The planned writes this run takes part in (the filter and `--shard` apply to the plan's
/// names), and where to start. The items the plan leaves alone are counted in the report as
/// same or kept (once, when the run starts at the beginning).
fn planned<'a>(
    plan: &'a SavedPlan,
    opts: &CopyOptions,
    run: &mut CopyRun,
) -> (Vec<&'a PlannedItem>, usize) {
    if run.start_cursor().is_none() {
        for i in plan.items.iter().filter(|i| opts.filter.accepts(&i.name)) {
            match i.action {
                Action::Same => run.report.skipped_same += 1,
                Action::Keep => run.report.skipped_conflict += 1,
                _ => {}
            }
        }
    }
    let items: Vec<&PlannedItem> = plan
        .items
        .iter()
        .filter(|i| i.action.writes() && opts.filter.accepts(&i.name))
        .collect();
    let start = run
        .start_cursor()
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(0)
        .min(items.len());
    (items, start)
}

/// Why a planned item is not written: it changed since the plan.
fn drift(item: &PlannedItem, src_now: Option<&str>, dst_now: Option<&str>) -> Option<Rejection> {
    let reason = if src_now != item.src.as_deref() {
        match src_now {
            None => "changed since the plan: gone from the source",
            Some(_) => "changed since the plan: the source's value is not the planned one",
        }
    } else if dst_now != item.dst.as_deref() {
        match (item.dst.is_some(), dst_now.is_some()) {
            (false, true) => "changed since the plan: the destination has it now",
            (true, false) => "changed since the plan: gone from the destination",
            _ => "changed since the plan: the destination's value is not the planned one",
        }
    } else {
        return None;
    };
    Some(Rejection {
        name: item.name.clone(),
        reason: reason.into(),
    })
}

fn next_cursor(end: usize, len: usize) -> Option<String> {
    (end < len).then(|| end.to_string())
}

pub(crate) async fn apply_kv(
    src: &KvMount,
    dst: &KvMount,
    plan: &SavedPlan,
    opts: &CopyOptions,
    run: &mut CopyRun,
) -> Result<(), MigrateError> {
    let (items, start) = planned(plan, opts, run);
    run.ticker.state.total = Some(items.len() as u64);
    // what the plan writes, it writes: the conflict policy was decided when it was made
    let write_opts = CopyOptions {
        on_conflict: OnConflict::Overwrite,
        preserve_ttl: plan.preserve_ttl,
        ..opts.clone()
    };
    let mut writer = KvWriter::new(dst, false, run.report.resumed).await?;
    let mut at = start;
    while at < items.len() {
        let end = (at + KV_COPY_PAGE).min(items.len());
        let page: Vec<&PlannedItem> = items[at..end]
            .iter()
            .copied()
            .filter(|i| !run.already_done(&i.name))
            .collect();
        let names: Vec<String> = page.iter().map(|i| i.name.clone()).collect();
        let read = async {
            let sv = src.store().get_many(&names).await?;
            let dv = dst.store().get_many(&names).await?;
            Ok::<_, MigrateError>((sv, dv))
        };
        let Some(read) = run.or_cancel(read).await else {
            return Ok(());
        };
        let (sv, dv) = read?;
        let mut writes = Vec::with_capacity(page.len());
        let mut drifted = Vec::new();
        for ((item, a), b) in page.into_iter().zip(sv).zip(dv) {
            let fa = a.as_ref().map(|v| kv_fingerprint(v, plan.preserve_ttl));
            let fb = b.as_ref().map(|v| kv_fingerprint(v, plan.preserve_ttl));
            match (drift(item, fa.as_deref(), fb.as_deref()), a) {
                (Some(r), _) => drifted.push(r),
                (None, Some(value)) => writes.push(KvItem {
                    name: item.name.clone(),
                    key: item.name.clone(),
                    value: Ok(value),
                }),
                (None, None) => {}
            }
        }
        for r in drifted {
            let counts = run.count(FileOutcome::Drifted(r.clone()));
            run.record([r.name], counts)?;
        }
        if !writer.write(dst, writes, &write_opts, run).await? {
            return Ok(());
        }
        let next = next_cursor(end, items.len());
        if next.is_none() {
            writer.finish(run);
        }
        if run.page_done(&next)? {
            return Ok(());
        }
        at = end;
    }
    writer.finish(run);
    run.page_done(&None)?;
    Ok(())
}

pub(crate) async fn apply_fs(
    src: &FsMount,
    dst: &FsMount,
    plan: &SavedPlan,
    opts: &CopyOptions,
    run: &mut CopyRun,
) -> Result<(), MigrateError> {
    let (s, d) = (src.store.as_ref(), dst.store.as_ref());
    let (items, start) = planned(plan, opts, run);
    run.ticker.state.total = Some(items.len() as u64);
    let write_opts = CopyOptions {
        on_conflict: OnConflict::Overwrite,
        ..opts.clone()
    };
    let write_opts = &write_opts;
    let max_size = dst.config.max_file_size;
    let mut at = start;
    while at < items.len() {
        let end = (at + PAGE).min(items.len());
        let page: Vec<PlannedItem> = items[at..end]
            .iter()
            .filter(|i| !run.already_done(&i.name))
            .map(|i| (*i).clone())
            .collect();
        let backup = run.backup.clone();
        if backup.is_some() {
            // created before any is written (see `backup.rs`)
            let created: Vec<Record> = page
                .iter()
                .filter(|i| i.dst.is_none())
                .map(|i| Record::created(&i.name))
                .collect();
            if !run.back_up(&created).await? {
                return Ok(());
            }
        }
        let backup = backup.as_deref();
        let transfers = page.into_iter().map(|item| async move {
            let one = async {
                let now = fs_state(s, &item.name).await?;
                let fa = now.as_ref().map(|(_, f)| f.as_str());
                let fb = fs_fingerprint(d, &item.name).await?;
                if let Some(r) = drift(&item, fa, fb.as_deref()) {
                    return Ok((FileOutcome::Drifted(r), None));
                }
                let Some((meta, _)) = now.filter(|(m, _)| m.kind == EntryKind::File) else {
                    return Ok((FileOutcome::Same, None));
                };
                let change = if item.dst.is_some() {
                    Change::Changed
                } else {
                    Change::New
                };
                copy_file(
                    (s, d),
                    backup,
                    write_opts,
                    Some(change),
                    max_size,
                    (meta, None),
                )
                .await
            };
            (item.name.clone(), one.await)
        });
        if !run_files(run, transfers, opts.concurrency).await? {
            return Ok(());
        }
        let next = next_cursor(end, items.len());
        if run.page_done(&next)? {
            return Ok(());
        }
        at = end;
    }
    run.page_done(&None)?;
    Ok(())
}
