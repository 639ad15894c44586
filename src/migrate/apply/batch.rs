//! A copy's bookkeeping, item by item: each item is counted (report, progress) as it
//! finishes and named in the journal once its write is durable, and a cancel stops at once.
//!
//! - The journal holds the cursor of the page being copied, the names of that page's items
//!   already done and the counters of everything done. It is saved at most every
//!   [`SAVE_EVERY`] while a page runs, at the end of each page and when the copy stops (cancel
//!   or error); whatever a hard exit interrupts, the last saved journal names only durable
//!   items. A re-run skips the recorded items of the page it resumes in.
//! - [`CopyRun::or_cancel`] races a wait (a listing, a read, a write) with the cancel token;
//!   on a cancel the wait's future is dropped, in-flight uploads with it (S3 then aborts their
//!   multipart uploads: see `FileStore::settle`).
//! - [`run_files`] runs one page's file transfers `concurrency` at a time and records each as
//!   it finishes; on a cancel or an error the transfers still running are dropped.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::backup::{Backup, Record};
use super::journal::Journal;
use super::report::{CopyReport, Rejection};
use crate::migrate::progress::Ticker;
use crate::migrate::{Change, MigrateError, OnConflict};

/// Longest time between two journal saves while a page is being copied.
pub const SAVE_EVERY: Duration = Duration::from_millis(250);

/// How long a kv chunk write already under way may still finish after a cancel. Dropping it
/// would not undo it (the SQLite transaction, the Redis pipeline run on), so it is given the
/// time to end and is then counted and journalled exactly; past this it is dropped, and a
/// re-run compares its keys again.
pub const WRITE_GRACE: Duration = Duration::from_millis(500);

/// One item's outcome.
pub(crate) enum FileOutcome {
    /// Written, this many bytes.
    Copied(u64),
    Same,
    Conflict,
    Rejected(Rejection),
    /// Not written: it changed on either side since the saved plan was made.
    Drifted(Rejection),
}

impl FileOutcome {
    /// What an item that compared as `change` comes to without a write: `Same`, or
    /// `Conflict` when the policy keeps the destination's value; `None` when it is written.
    pub fn unwritten(change: Change, on_conflict: OnConflict) -> Option<FileOutcome> {
        match change {
            Change::Same => Some(FileOutcome::Same),
            Change::Changed if on_conflict != OnConflict::Overwrite => Some(FileOutcome::Conflict),
            _ => None,
        }
    }
}

/// What some done items add to the journal's counters.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    pub copied: u64,
    pub skipped: u64,
    pub rejected: u64,
    pub bytes: u64,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.copied += other.copied;
        self.skipped += other.skipped;
        self.rejected += other.rejected;
        self.bytes += other.bytes;
    }
}

/// The state of one running copy: report, journal, progress and cancel token.
pub(crate) struct CopyRun {
    pub report: CopyReport,
    pub journal: Option<Journal>,
    pub ticker: Ticker,
    /// `--backup-dir`: records and files written before the writes they cover.
    pub backup: Option<Arc<Backup>>,
    cancel: CancellationToken,
    /// Items of the page this run resumes in that the interrupted run recorded: skipped.
    resumed_done: HashSet<String>,
    saved: Instant,
}

impl CopyRun {
    pub fn new(
        report: CopyReport,
        journal: Option<Journal>,
        ticker: Ticker,
        cancel: CancellationToken,
    ) -> CopyRun {
        let resumed_done = journal
            .as_ref()
            .map(|j| j.state.done.iter().cloned().collect())
            .unwrap_or_default();
        CopyRun {
            report,
            journal,
            ticker,
            backup: None,
            cancel,
            resumed_done,
            saved: Instant::now(),
        }
    }

    /// The source cursor to start from (the journal's, on a resume).
    pub fn start_cursor(&self) -> Option<String> {
        self.journal.as_ref().and_then(|j| j.state.cursor.clone())
    }

    /// `fut`'s output, or `None` (and the report says cancelled) when the cancel comes first;
    /// `fut` is then dropped.
    pub async fn or_cancel<F: Future>(&mut self, fut: F) -> Option<F::Output> {
        let cancel = self.cancel.clone();
        tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                self.report.cancelled = true;
                None
            }
            out = fut => Some(out),
        }
    }

    /// `--backup-dir`: writes `records` (durably) before the writes they cover. Returns `false`
    /// when a cancel came first; does nothing without a backup (a dry run never has one).
    pub async fn back_up(&mut self, records: &[Record]) -> Result<bool, MigrateError> {
        let Some(backup) = self.backup.clone() else {
            return Ok(true);
        };
        match self.or_cancel(backup.write(records)).await {
            Some(r) => r.map(|()| true),
            None => Ok(false),
        }
    }

    /// Whether the interrupted run this one resumes already did `name` (in the page it
    /// stopped in).
    pub fn already_done(&self, name: &str) -> bool {
        self.resumed_done.contains(name)
    }

    /// Adds one finished item to the report and the progress; returns what it adds to the
    /// journal once recorded.
    pub fn count(&mut self, outcome: FileOutcome) -> Counts {
        let c = self.tally(outcome);
        self.ticker.advance(1, c.bytes);
        c
    }

    /// Counts a chunk's outcomes in the report, the progress moved once for all of them.
    pub fn count_all(&mut self, outcomes: Vec<FileOutcome>) -> Counts {
        let mut counts = Counts::default();
        let n = outcomes.len() as u64;
        for outcome in outcomes {
            counts.add(self.tally(outcome));
        }
        self.ticker.advance(n, counts.bytes);
        counts
    }

    /// Counts one outcome in the report (the progress is the caller's).
    fn tally(&mut self, outcome: FileOutcome) -> Counts {
        let mut c = Counts::default();
        match outcome {
            FileOutcome::Copied(n) => {
                self.report.copied += 1;
                self.report.bytes += n;
                (c.copied, c.bytes) = (1, n);
            }
            FileOutcome::Same => {
                self.report.skipped_same += 1;
                c.skipped = 1;
            }
            FileOutcome::Conflict => {
                self.report.skipped_conflict += 1;
                c.skipped = 1;
            }
            FileOutcome::Rejected(r) => {
                self.report.rejected.push(r);
                c.rejected = 1;
            }
            FileOutcome::Drifted(r) => {
                self.report.drifted.push(r);
                c.rejected = 1;
            }
        }
        c
    }

    /// Names items whose writes are durable in the journal (saved if [`SAVE_EVERY`] has
    /// passed since the last save).
    pub fn record(
        &mut self,
        names: impl IntoIterator<Item = String>,
        counts: Counts,
    ) -> Result<(), MigrateError> {
        let Some(j) = self.journal.as_mut() else {
            return Ok(());
        };
        j.state.done.extend(names);
        j.state.copied += counts.copied;
        j.state.skipped += counts.skipped;
        j.state.rejected += counts.rejected;
        j.state.bytes += counts.bytes;
        if self.saved.elapsed() >= SAVE_EVERY {
            self.save()?;
        }
        Ok(())
    }

    /// Saves the journal now.
    pub fn save(&mut self) -> Result<(), MigrateError> {
        if let Some(j) = &self.journal {
            j.save()?;
        }
        self.saved = Instant::now();
        Ok(())
    }

    /// Every item before `next` is done and durable: the journal moves on. Returns whether
    /// the copy stops here (the source is exhausted, or a cancel came).
    pub fn page_done(&mut self, next: &Option<String>) -> Result<bool, MigrateError> {
        self.resumed_done.clear();
        if let Some(j) = self.journal.as_mut() {
            j.state.cursor = next.clone();
            j.state.done.clear();
        }
        self.save()?;
        if next.is_none() {
            return Ok(true);
        }
        if self.cancel.is_cancelled() {
            self.report.cancelled = true;
            return Ok(true);
        }
        Ok(false)
    }
}

/// What one file transfer of [`run_files`] ends with: its outcome and a warning.
pub(crate) type Finished = Result<(FileOutcome, Option<String>), MigrateError>;

/// Runs `transfers` (futures answering their item's source name and outcome, in source
/// order) `concurrency` at a time, counting and recording each as it finishes. Returns
/// `false` when a cancel stopped them; on an error the transfers still running are dropped
/// and the error returned (the journal already names every transfer that finished).
pub(crate) async fn run_files<F>(
    run: &mut CopyRun,
    transfers: impl Iterator<Item = F> + Send,
    concurrency: usize,
) -> Result<bool, MigrateError>
where
    F: Future<Output = (String, Finished)> + Send,
{
    let mut running = futures::stream::iter(transfers).buffer_unordered(concurrency.max(1));
    loop {
        match run.or_cancel(running.next()).await {
            None => return Ok(false),
            Some(None) => return Ok(true),
            Some(Some((name, finished))) => {
                let (outcome, warning) = finished?;
                run.report.warnings.extend(warning);
                let counts = run.count(outcome);
                run.record([name], counts)?;
            }
        }
    }
}
