//! Saved plans (`diff SRC DST --save plan.json`, `copy --plan plan.json`), as terraform's:
//! every item with the action decided for it and a fingerprint of the source and destination
//! state it was decided on, so that applying the plan later writes exactly what was reviewed
//! and refuses, item by item, what changed on either side since (`apply/with_plan.rs`).
//!
//! Fingerprints ([`kv_fingerprint`], [`fs_fingerprint`]) are computed the same way when the
//! plan is saved and when it is applied:
//! - a kv value: SHA-256 of its stored text (and, with `--preserve-ttl`, whether it has a TTL);
//! - an S3 object: its ETag and size;
//! - a local file: size, modification time and SHA-256 of the content.
//!
//! A plan names its two sides by `profile:mount` and by location (never a URL with a
//! password): applying it to another place than it was made against is refused.

use std::path::Path;
use std::time::UNIX_EPOCH;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{COMPARE_CONCURRENCY, MigrationPlan, same_value};
use crate::migrate::{Change, Endpoint, MigrateError, OnConflict};
use crate::store::{EntryKind, FileMeta, FileStore, FsMountStore, StoredValue};

/// The plan file's `format`.
pub const FORMAT: &str = "rillmount-plan/1";

/// Items fingerprinted per read (a `get_many` of each side).
const CHUNK: usize = 1000;

/// What applying the plan does with one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Only in the source: written.
    Create,
    /// Different at the destination, and the plan overwrites it.
    Overwrite,
    /// Different at the destination, and the plan keeps the destination's.
    Keep,
    /// Equal on both sides: nothing to do.
    Same,
    /// Only in the destination: left alone.
    OnlyInDestination,
}

impl Action {
    /// Whether applying the plan writes the item.
    pub fn writes(self) -> bool {
        matches!(self, Action::Create | Action::Overwrite)
    }
}

/// One planned item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedItem {
    pub name: String,
    pub action: Action,
    /// The source's state when planned (`None`: absent).
    pub src: Option<String>,
    /// The destination's state when planned (`None`: absent).
    pub dst: Option<String>,
}

/// Counts per action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionCounts {
    pub create: u64,
    pub overwrite: u64,
    pub keep: u64,
    pub same: u64,
    pub only_in_destination: u64,
}

/// Which side a saved plan was made for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSide {
    /// `profile:mount`, as typed on the command line.
    pub name: String,
    /// Where it was (a path, a bucket, a Redis address without password).
    pub location: String,
}

/// A saved plan (the file `diff --save` writes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format: String,
    /// Names this plan's journal (a plan applied twice resumes, two plans never mix).
    pub id: String,
    pub created_ms: u64,
    pub source: PlanSide,
    pub destination: PlanSide,
    pub on_conflict: OnConflict,
    pub preserve_ttl: bool,
    pub counts: ActionCounts,
    pub items: Vec<PlannedItem>,
}

/// The fingerprint of a kv value.
pub fn kv_fingerprint(v: &StoredValue, preserve_ttl: bool) -> String {
    let h = Sha256::digest(v.text.as_bytes());
    let ttl = if preserve_ttl && v.ttl.is_some() {
        ";ttl"
    } else {
        ""
    };
    format!("sha256:{}{ttl}", hex::encode(h))
}

/// The fingerprint of the file at `path` (`None`: no file there).
pub async fn fs_fingerprint(
    store: &dyn FsMountStore,
    path: &str,
) -> Result<Option<String>, MigrateError> {
    Ok(fs_state(store, path).await?.map(|(_, f)| f))
}

/// What is at `path` and its fingerprint, from one stat (`None`: nothing there).
pub async fn fs_state(
    store: &dyn FsMountStore,
    path: &str,
) -> Result<Option<(FileMeta, String)>, MigrateError> {
    let Some(meta) = FileStore::stat(store, path).await? else {
        return Ok(None);
    };
    if meta.kind != EntryKind::File {
        let kind = format!("{:?}", meta.kind).to_lowercase();
        return Ok(Some((meta, kind)));
    }
    if let Some(etag) = &meta.etag {
        let f = format!("etag:{etag};size:{}", meta.size);
        return Ok(Some((meta, f)));
    }
    let mtime = meta
        .modified
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let hash = FileStore::hash(store, path).await?;
    let f = format!("size:{};mtime:{mtime};sha256:{hash}", meta.size);
    Ok(Some((meta, f)))
}

/// The error of a saved plan between other kinds of mount than kv → kv and fs → fs.
pub(crate) fn unsupported() -> MigrateError {
    MigrateError::Unsupported {
        src: "this source",
        dst: "this destination",
        reason: "a saved plan covers kv → kv and fs → fs copies; copy between a kv and an fs \
                 mount (or a document) without --save / --plan"
            .into(),
    }
}

impl SavedPlan {
    /// The saved form of `plan` (items compared by [`super::plan::plan`]): each item
    /// fingerprinted on both sides. A kv item is decided again from the values fingerprinted,
    /// so that an action never disagrees with its fingerprints.
    pub async fn of(
        src: (&Endpoint, &str),
        dst: (&Endpoint, &str),
        plan: &MigrationPlan,
        on_conflict: OnConflict,
        preserve_ttl: bool,
    ) -> Result<SavedPlan, MigrateError> {
        let decide = |change: Change| match change {
            Change::New => Ok(Action::Create),
            Change::Changed => match on_conflict {
                OnConflict::Overwrite => Ok(Action::Overwrite),
                OnConflict::Skip => Ok(Action::Keep),
                OnConflict::Fail => Err(()),
            },
            Change::Same => Ok(Action::Same),
            Change::OnlyInDestination => Ok(Action::OnlyInDestination),
        };
        let mut items = Vec::with_capacity(plan.items.len());
        match (src.0, dst.0) {
            (Endpoint::Kv(s), Endpoint::Kv(d)) => {
                for chunk in plan.items.chunks(CHUNK) {
                    let names: Vec<String> = chunk.iter().map(|i| i.name.clone()).collect();
                    let sv = s.store().get_many(&names).await?;
                    let dv = d.store().get_many(&names).await?;
                    for ((name, a), b) in names.into_iter().zip(sv).zip(dv) {
                        let change = match (&a, &b) {
                            (None, None) => continue,
                            (Some(_), None) => Change::New,
                            (None, Some(_)) => Change::OnlyInDestination,
                            (Some(a), Some(b)) if same_value(&a.text, &b.text) => Change::Same,
                            (Some(_), Some(_)) => Change::Changed,
                        };
                        items.push((name, change, a, b));
                    }
                }
                let mut out = Vec::with_capacity(items.len());
                for (name, change, a, b) in items {
                    let Ok(action) = decide(change) else {
                        return Err(plan.conflicts());
                    };
                    out.push(PlannedItem {
                        name,
                        action,
                        src: a.map(|v| kv_fingerprint(&v, preserve_ttl)),
                        dst: b.map(|v| kv_fingerprint(&v, preserve_ttl)),
                    });
                }
                Ok(SavedPlan::new(src, dst, on_conflict, preserve_ttl, out))
            }
            (Endpoint::Fs(s), Endpoint::Fs(d)) => {
                let (s, d) = (s.store.as_ref(), d.store.as_ref());
                let mut decided = Vec::with_capacity(plan.items.len());
                for i in &plan.items {
                    let action = decide(i.change).map_err(|()| plan.conflicts())?;
                    decided.push((i.name.clone(), action));
                }
                let fingerprinted: Vec<Result<PlannedItem, MigrateError>> =
                    futures::stream::iter(decided)
                        .map(|(name, action)| async move {
                            let src = match action {
                                Action::OnlyInDestination => None,
                                _ => fs_fingerprint(s, &name).await?,
                            };
                            let dst = fs_fingerprint(d, &name).await?;
                            Ok(PlannedItem {
                                name,
                                action,
                                src,
                                dst,
                            })
                        })
                        .buffered(COMPARE_CONCURRENCY)
                        .collect()
                        .await;
                let items = fingerprinted.into_iter().collect::<Result<Vec<_>, _>>()?;
                Ok(SavedPlan::new(src, dst, on_conflict, preserve_ttl, items))
            }
            _ => Err(unsupported()),
        }
    }

    fn new(
        (src, src_name): (&Endpoint, &str),
        (dst, dst_name): (&Endpoint, &str),
        on_conflict: OnConflict,
        preserve_ttl: bool,
        items: Vec<PlannedItem>,
    ) -> SavedPlan {
        let mut counts = ActionCounts::default();
        let mut h = Sha256::new();
        for i in &items {
            *match i.action {
                Action::Create => &mut counts.create,
                Action::Overwrite => &mut counts.overwrite,
                Action::Keep => &mut counts.keep,
                Action::Same => &mut counts.same,
                Action::OnlyInDestination => &mut counts.only_in_destination,
            } += 1;
            h.update(i.name.as_bytes());
            h.update([0]);
            h.update(i.src.as_deref().unwrap_or("").as_bytes());
            h.update([0]);
            h.update(i.dst.as_deref().unwrap_or("").as_bytes());
            h.update([0]);
        }
        let created_ms = crate::migrate::unix_ms();
        h.update(created_ms.to_le_bytes());
        SavedPlan {
            format: FORMAT.into(),
            id: hex::encode(&h.finalize()[..6]),
            created_ms,
            source: PlanSide {
                name: src_name.into(),
                location: src.location(),
            },
            destination: PlanSide {
                name: dst_name.into(),
                location: dst.location(),
            },
            on_conflict,
            preserve_ttl,
            counts,
            items,
        }
    }

    /// Reads a plan file.
    pub fn load(path: &Path) -> Result<SavedPlan, MigrateError> {
        let err = |message: String| MigrateError::Plan {
            path: path.display().to_string(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let format = serde_json::from_slice::<serde_json::Value>(&bytes)
            .map_err(|e| err(format!("not JSON: {e}")))?
            .get("format")
            .and_then(|f| f.as_str().map(str::to_string));
        if format.as_deref() != Some(FORMAT) {
            return Err(err(format!(
                "not a rillmount plan (its format is {}, this rillmount reads {FORMAT}); \
                 write one with `diff SRC DST --save FILE`",
                format.as_deref().unwrap_or("missing")
            )));
        }
        serde_json::from_slice(&bytes).map_err(|e| err(e.to_string()))
    }

    /// Checks that `src` and `dst` are the places the plan was made against.
    pub fn check_sides(&self, src: &Endpoint, dst: &Endpoint) -> Result<(), MigrateError> {
        for (side, planned, now) in [
            ("source", &self.source, src.location()),
            ("destination", &self.destination, dst.location()),
        ] {
            if planned.location != now {
                return Err(MigrateError::Plan {
                    path: format!("plan {}", self.id),
                    message: format!(
                        "it was made against {} at {}, but {} is now {now}: make a new plan",
                        side, planned.location, planned.name
                    ),
                });
            }
        }
        Ok(())
    }
}
