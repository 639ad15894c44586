//! Progress of a running plan, copy or verify, sent through a `tokio::sync::watch` channel so
//! that the CLI (a status line on stderr) and the TUI (a progress bar) read the latest state
//! without slowing the engine down.

use std::time::{Duration, Instant};

/// What the engine is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Planning,
    /// The preflight: a dry run of the copy, before anything is written.
    Checking,
    Copying,
    /// `--delete-extra`: finding and deleting the destination-only items.
    Deleting,
    Verifying,
    Done,
}

/// A snapshot of progress.
#[derive(Debug, Clone)]
pub struct Progress {
    pub phase: Phase,
    /// Items looked at so far.
    pub items: u64,
    /// Total items when known (JSON/SQLite count; unknown for a Redis SCAN).
    pub total: Option<u64>,
    /// Bytes written (copy) or compared (plan/verify).
    pub bytes: u64,
    pub started: Instant,
}

impl Progress {
    pub fn new(phase: Phase) -> Self {
        Progress {
            phase,
            items: 0,
            total: None,
            bytes: 0,
            started: Instant::now(),
        }
    }

    /// Items per second since the start.
    pub fn rate(&self) -> f64 {
        let secs = self.started.elapsed().as_secs_f64();
        if secs <= 0.0 {
            0.0
        } else {
            self.items as f64 / secs
        }
    }

    /// Estimated time left, when the total is known and something has been done.
    pub fn eta(&self) -> Option<Duration> {
        let total = self.total?;
        let rate = self.rate();
        if rate <= 0.0 || self.items >= total {
            return None;
        }
        Some(Duration::from_secs_f64((total - self.items) as f64 / rate))
    }

    /// One status line: `copying 1200/5000 items  3.4 MB  2100 items/s  ETA 2s`.
    pub fn line(&self) -> String {
        let phase = match self.phase {
            Phase::Planning => "planning",
            Phase::Checking => "checking",
            Phase::Deleting => "deleting",
            Phase::Copying => "copying",
            Phase::Verifying => "verifying",
            Phase::Done => "done",
        };
        let count = match self.total {
            Some(t) => format!("{}/{t}", self.items),
            None => self.items.to_string(),
        };
        let mut s = format!(
            "{phase} {count} items  {}  {:.0} items/s",
            humansize::format_size(self.bytes, humansize::DECIMAL),
            self.rate()
        );
        if let Some(eta) = self.eta() {
            s.push_str(&format!("  ETA {}s", eta.as_secs()));
        }
        s
    }
}

/// Sends progress at most every 100 ms (and always on the last call) so a fast copy does not
/// spend its time waking readers.
#[derive(Debug)]
pub struct Ticker {
    tx: Option<tokio::sync::watch::Sender<Progress>>,
    last: Instant,
    pub state: Progress,
}

impl Ticker {
    pub fn new(tx: Option<tokio::sync::watch::Sender<Progress>>, phase: Phase) -> Self {
        Ticker {
            tx,
            last: Instant::now(),
            state: Progress::new(phase),
        }
    }

    pub fn phase(&mut self, phase: Phase) {
        self.state.phase = phase;
        self.force();
    }

    /// Adds done items and bytes; publishes if 100 ms have passed.
    pub fn advance(&mut self, items: u64, bytes: u64) {
        self.state.items += items;
        self.state.bytes += bytes;
        if self.last.elapsed() >= Duration::from_millis(100) {
            self.force();
        }
    }

    pub fn force(&mut self) {
        self.last = Instant::now();
        if let Some(tx) = &self.tx {
            tx.send_replace(self.state.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_has_counts_and_no_eta_without_total() {
        let mut p = Progress::new(Phase::Copying);
        p.items = 10;
        p.bytes = 2000;
        let l = p.line();
        assert!(l.starts_with("copying 10 items  2 kB"), "{l}");
        assert!(!l.contains("ETA"));
        p.total = Some(1_000_000);
        p.started = Instant::now() - Duration::from_secs(1);
        assert!(p.line().contains("ETA"), "{}", p.line());
    }
}
