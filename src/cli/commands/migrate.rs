//! `diff`, `copy` and `verify` between two mounts (PRODUCT.md "Migration semantics").
//!
//! - `diff` and `verify` open both sides read-only (no SQLite WAL switch, no files created).
//! - `copy --dry-run` opens the destination read-only too: a dry run has no write path.
//! - `copy` checks the destination's safety rules (read-only profile, mount mode, protected
//!   profile without `--yes`) before anything is opened, shows progress with rate and ETA on
//!   stderr when it is a terminal, stops within a second on Ctrl-C (in-flight uploads
//!   aborted, the journal keeps its place, the report says how far it got), exits at once with
//!   130 on a second Ctrl-C, and exits 1 when items were rejected, cancelled or failed
//!   verification.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::migrate::apply::backup::{BackupTarget, restore};
use crate::migrate::apply::journal;
use crate::migrate::copy::{CopyOptions, CopyReport, LimitExceeded, OnConflict, copy};
use crate::migrate::plan::saved_plan::SavedPlan;
use crate::migrate::plan::{MigrationPlan, plan};
use crate::migrate::preflight::preflight;
use crate::migrate::progress::Progress;
use crate::migrate::verify::{VerifyReport, verify};
use crate::migrate::{Change, Endpoint, Filter, FsMount};
use crate::store::open::{open_fs, open_kv, open_kv_read_only};

use super::super::args::{
    self, CopyArgs, DiffArgs, MigrateFilterArgs, ProfileOpt, RestoreArgs, VerifyArgs,
};
use super::super::output::{Failure, Out};
use super::{Ctx, Target, target};

/// How a side is opened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

impl Access {
    /// Read for a dry run, write otherwise.
    fn unless(dry_run: bool) -> Access {
        if dry_run { Access::Read } else { Access::Write }
    }
}

async fn endpoint(t: &Target, access: Access, document: Option<&str>) -> Result<Endpoint, Failure> {
    if !t.addr.path.is_empty() {
        return Err(Failure::usage(format!(
            "{}: diff, copy and verify work on whole mounts; leave out the path",
            t.label()
        )));
    }
    let label = t.label();
    let timeout = Duration::from_secs(60);
    let fail = |e| super::open_error(&label, e);
    let timed_out = || {
        super::cannot_open(
            &label,
            "no answer within 60s",
            crate::store::ErrorKind::Timeout,
        )
    };
    if let Some(cfg) = t.profile.kv.get(&t.addr.mount) {
        let fut = async {
            match access {
                Access::Read => open_kv_read_only(cfg).await,
                Access::Write => open_kv(cfg).await,
            }
        };
        let m = tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| timed_out())?
            .map_err(fail)?;
        return Ok(Endpoint::Kv(super::loaded(&label, m).await?));
    }
    let cfg = t.fs()?;
    let store = tokio::time::timeout(timeout, open_fs(cfg))
        .await
        .map_err(|_| timed_out())?
        .map_err(fail)?;
    let mount = FsMount {
        config: cfg.clone(),
        store,
    };
    Ok(match document {
        Some(name) => Endpoint::Document(mount, name.trim_start_matches('/').to_string()),
        None => Endpoint::Fs(mount),
    })
}

fn filter(a: &MigrateFilterArgs) -> Result<Filter, Failure> {
    Filter::new(&a.include, &a.exclude)
        .map(|f| f.with_shard(a.shard))
        .map_err(Failure::usage)
}

/// Prints progress on stderr while `work` runs, when stderr is a terminal.
async fn with_progress<T>(
    work: impl std::future::Future<Output = T>,
    rx: tokio::sync::watch::Receiver<Progress>,
) -> T {
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    let mut rx = rx;
    let printer = tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let line = rx.borrow().line();
            eprint!("\r\x1b[2K{line}");
        }
    });
    let out = work.await;
    printer.abort();
    eprint!("\r\x1b[2K");
    out
}

fn plan_lines(out: &mut Out, p: &MigrationPlan, show_same: bool) -> Result<(), Failure> {
    for i in &p.items {
        let (mark, note) = match i.change {
            Change::New => ("+", String::new()),
            Change::Changed => ("~", String::new()),
            Change::Same if !show_same => continue,
            Change::Same => ("=", String::new()),
            Change::OnlyInDestination => ("-", "  (only in destination, kept)".to_string()),
        };
        let size = if i.change == Change::OnlyInDestination {
            i.dst_bytes
        } else {
            i.src_bytes
        };
        out.line(&format!("{mark} {}  {}{note}", i.name, human(size)))?;
    }
    let t = &p.totals;
    out.line(&format!(
        "new {} ({}), changed {} ({}), same {} ({}), only in destination {} ({})",
        t.new.count,
        human(t.new.bytes),
        t.changed.count,
        human(t.changed.bytes),
        t.same.count,
        human(t.same.bytes),
        t.only_in_destination.count,
        human(t.only_in_destination.bytes)
    ))
}

fn human(n: u64) -> String {
    humansize::format_size(n, humansize::DECIMAL)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, Failure> {
    serde_json::to_string_pretty(v).map_err(|e| Failure::op(format!("cannot print report: {e}")))
}

/// Both sides of `diff` / `verify`, opened read-only, and the filter.
async fn open_read_only(
    ctx: &Ctx,
    src: &str,
    dst: &str,
    profile: &ProfileOpt,
    fa: &MigrateFilterArgs,
) -> Result<(Target, Target, Filter, Endpoint, Endpoint), Failure> {
    let (s, d) = (target(ctx, src, profile)?, target(ctx, dst, profile)?);
    let f = filter(fa)?;
    let doc = fa.as_document.as_deref();
    let (a, b) = (
        endpoint(&s, Access::Read, doc).await?,
        endpoint(&d, Access::Read, doc).await?,
    );
    Ok((s, d, f, a, b))
}

/// `rillmount diff SRC DST`.
pub async fn diff(ctx: &Ctx, a: &DiffArgs) -> Result<(), Failure> {
    let (s, d, f, src, dst) = open_read_only(ctx, &a.src, &a.dst, &a.profile, &a.filter).await?;
    let (tx, rx) =
        tokio::sync::watch::channel(Progress::new(crate::migrate::progress::Phase::Planning));
    let p = with_progress(plan(&src, &dst, &f, Some(tx)), rx)
        .await
        .map_err(Failure::op)?;
    let on_conflict = conflict_policy(a.on_conflict);
    // --save: the plan with its fingerprints, written whole or not at all
    let saved = match &a.save {
        Some(file) => {
            let sp = SavedPlan::of(
                (&src, &s.label()),
                (&dst, &d.label()),
                &p,
                on_conflict,
                a.preserve_ttl,
            )
            .await
            .map_err(Failure::op)?;
            write_report(file, &to_json(&sp)?)?;
            Some(Arc::new(sp))
        }
        None => None,
    };
    // the verdict of a copy with these options (of applying the saved plan, with --save):
    // what the destination would refuse
    let opts = CopyOptions {
        filter: f.clone(),
        on_conflict: if saved.is_some() {
            on_conflict
        } else {
            OnConflict::Skip
        },
        preserve_ttl: a.preserve_ttl,
        plan: saved.clone(),
        ..CopyOptions::default()
    };
    let (tx, rx) =
        tokio::sync::watch::channel(Progress::new(crate::migrate::progress::Phase::Checking));
    let pre = with_progress(
        preflight(&src, &dst, &opts, Some(tx), CancellationToken::new()),
        rx,
    )
    .await
    .map_err(Failure::op)?;
    let mut out = Out::new();
    if a.json {
        // the plan's own fields, and the verdict beside them
        #[derive(serde::Serialize)]
        struct DiffJson<'a> {
            #[serde(flatten)]
            plan: &'a MigrationPlan,
            preflight: Verdict<'a>,
        }
        let v = DiffJson {
            plan: &p,
            preflight: Verdict::of(&pre, &d),
        };
        out.line(&to_json(&v)?)?;
    } else {
        out.line(&format!("diff {} -> {}", s.label(), d.label()))?;
        plan_lines(&mut out, &p, a.verbose)?;
        verdict_lines(&mut out, &pre, &d, None)?;
        if let (Some(sp), Some(file)) = (&saved, &a.save) {
            let c = &sp.counts;
            out.line(&format!(
                "plan {} saved to {}: create {}, overwrite {}, keep {}, same {}, only in \
                 destination {}; apply it with `rillmount copy --plan {}`",
                sp.id,
                file.display(),
                c.create,
                c.overwrite,
                c.keep,
                c.same,
                c.only_in_destination,
                file.display()
            ))?;
        }
    }
    out.flush()
}

/// What the destination would refuse, as `diff --json` and `copy --json` carry it: every
/// rejected item, and each mount-wide limit with the sentence that says what to change.
#[derive(serde::Serialize)]
struct Verdict<'a> {
    accepted: bool,
    rejected: &'a [crate::migrate::copy::Rejection],
    limits: Vec<LimitView<'a>>,
}

/// A limit passed, with its sentence.
#[derive(serde::Serialize)]
struct LimitView<'a> {
    #[serde(flatten)]
    limit: &'a LimitExceeded,
    message: String,
}

impl<'a> Verdict<'a> {
    fn of(r: &'a CopyReport, dst: &Target) -> Verdict<'a> {
        let limits = r
            .limits
            .iter()
            .map(|l| LimitView {
                limit: l,
                message: limit_message(l, dst),
            })
            .collect();
        Verdict {
            accepted: r.accepted(),
            rejected: &r.rejected,
            limits,
        }
    }
}

/// [`LimitExceeded::message`] for the destination `dst`, its profile file relative to the
/// working folder when it is under it.
fn limit_message(l: &LimitExceeded, dst: &Target) -> String {
    let path = &dst.profile.path;
    let here = std::env::current_dir().ok();
    let file = here
        .as_deref()
        .and_then(|h| path.strip_prefix(h).ok())
        .unwrap_or(path)
        .display()
        .to_string();
    l.message(&dst.label(), &dst.addr.mount, &file)
}

/// Rejected items listed at most this many to a screen; the rest are counted (the report
/// file and `--json` hold them all).
const REJECTIONS_SHOWN: usize = 20;

/// The rejected items (the first [`REJECTIONS_SHOWN`], then a count) and the limits passed.
fn rejection_lines(
    out: &mut Out,
    r: &CopyReport,
    dst: &Target,
    report_file: Option<&std::path::Path>,
) -> Result<(), Failure> {
    for rej in r.rejected.iter().take(REJECTIONS_SHOWN) {
        out.line(&format!("! {}  not written: {}", rej.name, rej.reason))?;
    }
    if r.rejected.len() > REJECTIONS_SHOWN {
        more_line(out, r.rejected.len(), report_file)?;
    }
    for l in &r.limits {
        out.line(&format!("! {}", limit_message(l, dst)))?;
    }
    Ok(())
}

/// "… and 1,980 more (all in report.json)": what is left of `listed` items after the first
/// [`REJECTIONS_SHOWN`].
fn more_line(
    out: &mut Out,
    listed: usize,
    report_file: Option<&std::path::Path>,
) -> Result<(), Failure> {
    let see = match report_file {
        Some(f) => format!("all in {}", f.display()),
        None => "see --report".to_string(),
    };
    let more = listed.saturating_sub(REJECTIONS_SHOWN) as u64;
    out.line(&format!("… and {} more ({see})", thousands(more)))
}

/// The engine's conflict policy for the command line's.
fn conflict_policy(a: args::OnConflict) -> OnConflict {
    match a {
        args::OnConflict::Skip => OnConflict::Skip,
        args::OnConflict::Overwrite => OnConflict::Overwrite,
        args::OnConflict::Fail => OnConflict::Fail,
    }
}

/// `copy --plan`: the planned items that changed since the plan, at most 20 of them.
fn drift_lines(
    out: &mut Out,
    r: &CopyReport,
    report_file: Option<&std::path::Path>,
) -> Result<(), Failure> {
    if r.drifted.is_empty() {
        return Ok(());
    }
    out.line(&format!(
        "changed since the plan: {} item(s), {}",
        thousands(r.drifted.len() as u64),
        if r.dry_run {
            "would not be written"
        } else {
            "not written"
        }
    ))?;
    for d in r.drifted.iter().take(REJECTIONS_SHOWN) {
        out.line(&format!("~ {}  {}", d.name, d.reason))?;
    }
    if r.drifted.len() > REJECTIONS_SHOWN {
        more_line(out, r.drifted.len(), report_file)?;
    }
    Ok(())
}

/// `diff`'s last lines: whether a copy would be accepted, and if not, why.
fn verdict_lines(
    out: &mut Out,
    r: &CopyReport,
    dst: &Target,
    report_file: Option<&std::path::Path>,
) -> Result<(), Failure> {
    if r.accepted() {
        return out.line(&format!("preflight: {} accepts every item", dst.label()));
    }
    out.line(&format!(
        "preflight: a copy would write nothing ({}); --partial would write what fits:",
        refusal_summary(r)
    ))?;
    rejection_lines(out, r, dst, report_file)
}

/// "3 item(s) refused, maxEntries passed".
fn refusal_summary(r: &CopyReport) -> String {
    let mut parts = Vec::new();
    if !r.rejected.is_empty() {
        parts.push(format!(
            "{} item(s) refused",
            thousands(r.rejected.len() as u64)
        ));
    }
    for l in &r.limits {
        parts.push(format!("{} passed", l.option));
    }
    parts.join(", ")
}

/// 189980 → "189,980".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn report_lines(
    out: &mut Out,
    r: &CopyReport,
    dst: &Target,
    report_file: Option<&std::path::Path>,
) -> Result<(), Failure> {
    if r.refused {
        out.line(&format!(
            "refused before writing anything ({}):",
            refusal_summary(r)
        ))?;
        rejection_lines(out, r, dst, report_file)?;
        return out.line(
            "nothing was written: change the destination's profile, filter the items out, \
             or copy with --partial to write what fits",
        );
    }
    if r.dry_run {
        verdict_lines(out, r, dst, report_file)?;
    } else {
        rejection_lines(out, r, dst, report_file)?;
    }
    drift_lines(out, r, report_file)?;
    for w in &r.warnings {
        out.line(&format!("warning: {w}"))?;
    }
    let verb = match (r.dry_run, r.accepted()) {
        (false, _) => "copied",
        (true, true) => "would copy",
        (true, false) => "with those fixed it would copy",
    };
    let mut line = format!(
        "{verb} {} ({}), same {}, kept (conflict) {}, rejected {}",
        r.copied,
        human(r.bytes),
        r.skipped_same,
        r.skipped_conflict,
        r.rejected.len()
    );
    if !r.dry_run {
        line.push_str(&format!(
            " in {:.1}s",
            Duration::from_millis(r.elapsed_ms).as_secs_f64()
        ));
    }
    if r.resumed {
        line.push_str(" (resumed from the journal)");
    }
    out.line(&line)?;
    if r.extra > 0 && r.accepted() {
        out.line(&format!(
            "{} {} destination-only item(s) (--delete-extra)",
            if r.dry_run { "would delete" } else { "deleted" },
            thousands(if r.dry_run { r.extra } else { r.deleted })
        ))?;
    }
    if let Some(b) = &r.backup {
        out.line(&format!(
            "backup in {}: {} previous value(s) saved, {} created item(s) recorded; undo with \
             `rillmount restore {} {}`",
            b.location,
            b.saved,
            b.created,
            b.location,
            dst.label()
        ))?;
    }
    if r.cancelled {
        out.line(&format!(
            "cancelled after {} item(s): run the same command again to resume",
            r.done()
        ))?;
    } else if r.copied == 0 && r.rejected.is_empty() && r.extra == 0 {
        out.line("nothing to do: the destination is up to date")?;
    }
    Ok(())
}

/// Ctrl-C during a copy: the first cancels it (the copy stops at once, says how far it got
/// and keeps the journal), a second one, or one after the copy ended, exits at once with 130.
/// Listened to on a thread of its own, so that it is answered even while the copy keeps the
/// command's runtime busy.
struct Interrupts {
    copying: Arc<AtomicBool>,
}

impl Interrupts {
    fn install(cancel: CancellationToken) -> Interrupts {
        let copying = Arc::new(AtomicBool::new(true));
        let flag = copying.clone();
        // Registered before the copy starts; without it, Ctrl-C keeps its default action.
        let listener = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()
            .and_then(|rt| {
                let signal = {
                    let _in_rt = rt.enter();
                    interrupt_signal().ok()?
                };
                Some((rt, signal))
            });
        if let Some((rt, mut signal)) = listener {
            std::thread::spawn(move || {
                rt.block_on(async move {
                    while signal.recv().await.is_some() {
                        if flag.load(Ordering::SeqCst) && !cancel.is_cancelled() {
                            eprintln!("\ninterrupted: stopping the copy (Ctrl-C again to exit at once)");
                            cancel.cancel();
                        } else {
                            eprintln!(
                                "\ninterrupted again: exiting now; the journal keeps its last saved place"
                            );
                            std::process::exit(130);
                        }
                    }
                })
            });
        }
        Interrupts { copying }
    }

    /// The copy returned: a Ctrl-C from now on exits at once.
    fn copy_ended(&self) {
        self.copying.store(false, Ordering::SeqCst);
    }
}

/// SIGINT (Ctrl-C) as a stream of signals, registered now.
#[cfg(unix)]
fn interrupt_signal() -> std::io::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
}

/// Ctrl-C as a stream of signals, registered now.
#[cfg(windows)]
fn interrupt_signal() -> std::io::Result<tokio::signal::windows::CtrlC> {
    tokio::signal::windows::ctrl_c()
}

/// `rillmount copy SRC DST`.
pub async fn run_copy(ctx: &Ctx, a: &CopyArgs) -> Result<(), Failure> {
    let saved = match &a.plan {
        Some(file) => Some(Arc::new(SavedPlan::load(file).map_err(Failure::usage)?)),
        None => None,
    };
    let side = |given: &Option<String>, planned: Option<&str>, what: &str| {
        given
            .clone()
            .or_else(|| planned.map(str::to_string))
            .ok_or_else(|| Failure::usage(format!("copy needs a {what} (or --plan FILE)")))
    };
    let (s, d) = (
        target(
            ctx,
            &side(
                &a.src,
                saved.as_ref().map(|p| p.source.name.as_str()),
                "source",
            )?,
            &a.profile,
        )?,
        target(
            ctx,
            &side(
                &a.dst,
                saved.as_ref().map(|p| p.destination.name.as_str()),
                "destination",
            )?,
            &a.profile,
        )?,
    );
    if let Some(p) = &saved {
        if s.label() != p.source.name || d.label() != p.destination.name {
            return Err(Failure::usage(format!(
                "the plan is from {} to {}, not from {} to {}",
                p.source.name,
                p.destination.name,
                s.label(),
                d.label()
            )));
        }
        if a.on_conflict != args::OnConflict::Skip || a.preserve_ttl {
            return Err(Failure::usage(
                "--plan applies the plan's own --on-conflict and --preserve-ttl (given to \
                 diff --save); leave them out",
            ));
        }
    }
    if !a.dry_run {
        // Refuse before opening anything.
        check_dst_write(&d, a.yes)?;
    }
    if a.delete_extra && !a.dry_run && !a.yes {
        return Err(Failure::usage(format!(
            "--delete-extra deletes what {} holds and {} does not: see it first with \
             `copy --dry-run --delete-extra`, then pass --yes",
            d.label(),
            s.label()
        )));
    }
    let f = filter(&a.filter)?;
    let src = endpoint(&s, Access::Read, a.filter.as_document.as_deref()).await?;
    let dst = endpoint(
        &d,
        Access::unless(a.dry_run),
        a.filter.as_document.as_deref(),
    )
    .await?;
    let opts = CopyOptions {
        on_conflict: conflict_policy(a.on_conflict),
        dry_run: a.dry_run,
        preserve_ttl: saved.as_ref().map_or(a.preserve_ttl, |p| p.preserve_ttl),
        filter: f.clone(),
        concurrency: a.concurrency.max(1),
        journal_dir: (!a.no_journal)
            .then(|| a.journal.clone().unwrap_or_else(journal::default_dir)),
        partial: a.partial,
        backup: match &a.backup_dir {
            Some(spec) => Some(backup_target(ctx, spec, &a.profile).await?),
            None => None,
        },
        plan: saved.clone(),
        delete_extra: a.delete_extra,
        max_delete: a.max_delete,
    };
    let cancel = CancellationToken::new();
    let interrupts = Interrupts::install(cancel.clone());
    let (tx, rx) =
        tokio::sync::watch::channel(Progress::new(crate::migrate::progress::Phase::Copying));
    let result = with_progress(copy(&src, &dst, &opts, Some(tx), cancel), rx).await;
    interrupts.copy_ended();
    let report = result.map_err(Failure::op)?;
    let verified = if a.verify && !a.dry_run && !report.cancelled {
        Some(verify(&src, &dst, &f, None).await.map_err(Failure::op)?)
    } else {
        None
    };
    let whole = serde_json::json!({
        "copy": report,
        "preflight": Verdict::of(&report, &d),
        "verify": verified,
    });
    if let Some(file) = &a.report {
        write_report(file, &to_json(&whole)?)?;
    }
    let mut out = Out::new();
    if a.json {
        out.line(&to_json(&whole)?)?;
    } else {
        out.line(&format!(
            "{} {} -> {}",
            if a.dry_run { "plan" } else { "copy" },
            s.label(),
            d.label()
        ))?;
        report_lines(&mut out, &report, &d, a.report.as_deref())?;
        if let Some(v) = &verified {
            verify_lines(&mut out, v)?;
        }
    }
    out.flush()?;
    if report.cancelled {
        return Err(Failure::op("copy interrupted; the journal keeps its place"));
    }
    if report.refused {
        return Err(Failure::op(format!(
            "the copy was refused: {}",
            refusal_summary(&report)
        )));
    }
    if report.dry_run && !report.accepted() {
        return Err(Failure::op(format!(
            "a copy would write nothing: {}",
            refusal_summary(&report)
        )));
    }
    if !report.rejected.is_empty() {
        return Err(Failure::op(format!(
            "{} item(s) were not written (see above)",
            report.rejected.len()
        )));
    }
    if !report.drifted.is_empty() {
        return Err(Failure::op(format!(
            "{} planned item(s) changed since the plan and were not written: review them with \
             a new diff --save",
            report.drifted.len()
        )));
    }
    if verified.as_ref().is_some_and(|v| !v.ok()) {
        return Err(Failure::op("verification found mismatches"));
    }
    Ok(())
}

/// Writes the report file whole or not at all (a temporary file beside it, then a rename).
fn write_report(file: &std::path::Path, text: &str) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::op(format!("cannot write {}: {e}", file.display()));
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(fail)?;
    tmp.persist(file).map_err(|e| fail(e.error))?;
    Ok(())
}

fn verify_lines(out: &mut Out, v: &VerifyReport) -> Result<(), Failure> {
    for m in &v.mismatches {
        out.line(&format!("x {}  {}", m.name, m.problem))?;
    }
    out.line(&format!(
        "verified {} item(s): {} matching, {} mismatching ({} only in destination)",
        v.checked,
        v.matching,
        v.mismatches.len(),
        v.only_in_destination
    ))
}

/// `rillmount verify SRC DST`.
pub async fn run_verify(ctx: &Ctx, a: &VerifyArgs) -> Result<(), Failure> {
    let (s, d, f, src, dst) = open_read_only(ctx, &a.src, &a.dst, &a.profile, &a.filter).await?;
    let (tx, rx) =
        tokio::sync::watch::channel(Progress::new(crate::migrate::progress::Phase::Verifying));
    let v = with_progress(verify(&src, &dst, &f, Some(tx)), rx)
        .await
        .map_err(Failure::op)?;
    let mut out = Out::new();
    if a.json {
        out.line(&to_json(&v)?)?;
    } else {
        verify_lines(&mut out, &v)?;
    }
    out.flush()?;
    if v.ok() {
        Ok(())
    } else {
        Err(Failure::op(format!(
            "{} item(s) differ between {} and {}",
            v.mismatches.len(),
            s.label(),
            d.label()
        )))
    }
}

/// `--backup-dir DIR|ADDR`: `PROFILE:MOUNT[/PATH]` names a folder of an fs mount (the profile
/// part is required, so that a plain folder name is never taken for a mount); anything else
/// is a local folder, created when missing.
async fn backup_target(
    ctx: &Ctx,
    spec: &str,
    profile: &ProfileOpt,
) -> Result<BackupTarget, Failure> {
    let is_address = spec
        .split_once(':')
        .is_some_and(|(p, _)| !p.is_empty() && !p.contains('/') && !p.contains('\\'));
    if !is_address {
        return BackupTarget::local(std::path::Path::new(spec)).map_err(Failure::op);
    }
    let t = target(ctx, spec, profile)?;
    let cfg = t.fs()?;
    if !cfg.mode.fs_allows_write() {
        return Err(Failure::usage(format!(
            "{}: a backup needs a writable fs mount; its mode is {}",
            t.label(),
            cfg.mode.as_str().unwrap_or("(none)")
        )));
    }
    let store = super::open_fs_mount(&t).await?;
    Ok(BackupTarget {
        store,
        prefix: t.addr.path.trim_matches('/').to_string(),
        label: t.label(),
    })
}

/// The destination's safety rules (read-only profile, mount mode, protected profile without
/// `--yes`), checked before anything is opened.
fn check_dst_write(d: &Target, yes: bool) -> Result<(), Failure> {
    if let Some(cfg) = d.profile.kv.get(&d.addr.mount) {
        d.check_write(cfg.mode.kv_allows_write(), cfg.mode.as_str(), yes)
    } else {
        let cfg = d.fs()?;
        d.check_write(cfg.mode.fs_allows_write(), cfg.mode.as_str(), yes)
    }
}

/// `rillmount restore BACKUP DST`.
pub async fn run_restore(ctx: &Ctx, a: &RestoreArgs) -> Result<(), Failure> {
    let d = target(ctx, &a.dst, &a.profile)?;
    if !a.dry_run {
        check_dst_write(&d, a.yes)?;
    }
    let backup = backup_target(ctx, &a.backup, &a.profile).await?;
    let dst = endpoint(&d, Access::unless(a.dry_run), None).await?;
    let r = restore(&backup, &dst, a.dry_run, a.force)
        .await
        .map_err(Failure::op)?;
    let mut out = Out::new();
    if a.json {
        out.line(&to_json(&r)?)?;
    } else {
        for w in &r.warnings {
            out.line(&format!("warning: {w}"))?;
        }
        let (put, removed) = if r.dry_run {
            ("would put back", "would remove")
        } else {
            ("put back", "removed")
        };
        out.line(&format!(
            "restore {} -> {}: {put} {} item(s), {removed} {} the copy created ({} already \
             gone) in {:.1}s",
            backup.label,
            d.label(),
            r.restored,
            r.removed,
            r.already_gone,
            Duration::from_millis(r.elapsed_ms).as_secs_f64()
        ))?;
    }
    out.flush()
}
