//! Verify: re-read both sides and compare every source item with the destination.
//!
//! Same comparison as the plan (JSON equality for values, size + SHA-256 for files); anything
//! that is not equal is a mismatch with its reason. Items only in the destination are not
//! mismatches (a copy never deletes), but they are counted.

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

/// Compares every source item with the destination.
pub async fn verify(
    src: &Endpoint,
    dst: &Endpoint,
    filter: &Filter,
    progress: Option<tokio::sync::watch::Sender<Progress>>,
) -> Result<VerifyReport, MigrateError> {
    let p = plan::plan(src, dst, filter, progress).await?;
    Ok(from_items(&p.items))
}

fn from_items(items: &[PlanItem]) -> VerifyReport {
    let mut r = VerifyReport::default();
    for i in items {
        match i.change {
            Change::Same => {
                r.checked += 1;
                r.matching += 1;
            }
            Change::New => {
                r.checked += 1;
                r.mismatches.push(Mismatch {
                    name: i.name.clone(),
                    problem: "missing",
                });
            }
            Change::Changed => {
                r.checked += 1;
                r.mismatches.push(Mismatch {
                    name: i.name.clone(),
                    problem: "different",
                });
            }
            Change::OnlyInDestination => r.only_in_destination += 1,
        }
    }
    r
}
