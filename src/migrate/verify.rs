//! Verify: re-read both sides and compare every source item with the destination.
//!
//! Same comparison as the plan (JSON equality for values, size + SHA-256 for files); anything
//! that is not equal is a mismatch with its reason. Items only in the destination are not
//! mismatches (a copy deletes only in mirror mode), but they are counted.

use serde::Serialize;

use super::plan::{self, PlanItem};
use super::progress::Progress;
use super::{Change, Endpoint, Filter, MigrateError};

/// One item that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mismatch {
    pub name: String,
    /// `missing` (not at the destination) or `different`.
    pub problem: &'static str,
}

/// The outcome of a verify.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VerifyReport {
    /// Source items compared.
    pub checked: u64,
    pub matching: u64,
    pub mismatches: Vec<Mismatch>,
    /// Items only in the destination (informational).
    pub only_in_destination: u64,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Compares every source item with the destination. Only mismatches are kept, so memory does
/// not grow with the number of items.
pub async fn verify(
    src: &Endpoint,
    dst: &Endpoint,
    filter: &Filter,
    progress: Option<tokio::sync::watch::Sender<Progress>>,
) -> Result<VerifyReport, MigrateError> {
    let mut r = VerifyReport::default();
    plan::plan_into(src, dst, filter, progress, &mut |i| add(&mut r, i)).await?;
    Ok(r)
}

fn add(r: &mut VerifyReport, i: PlanItem) {
    let problem = match i.change {
        Change::Same => {
            r.checked += 1;
            r.matching += 1;
            return;
        }
        Change::OnlyInDestination => {
            r.only_in_destination += 1;
            return;
        }
        Change::New => "missing",
        Change::Changed => "different",
    };
    r.checked += 1;
    r.mismatches.push(Mismatch {
        name: i.name,
        problem,
    });
}
