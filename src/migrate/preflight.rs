//! Preflight: everything the destination would refuse, found before the first write.
//!
//! - At a glance, when the source can sum its values up without reading them out (SQLite:
//!   one aggregate query) and the sum settles every rule: no schema at the destination, no
//!   store-size limit, every value JSON and within `maxValueSize`, and room for every source
//!   entry beside what the destination holds (as if none were there already). Those facts
//!   cover every item a filter or a shard keeps, so such a copy is accepted without a pass.
//! - Otherwise item by item: a dry run of the copy (the same decisions) that sums the
//!   mount-wide limits up instead of refusing the items past them.
//!
//! `copy --dry-run` and `diff` print the verdict; a copy without `partial` refuses to start
//! unless it is [`CopyReport::accepted`].

use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::apply::report::CopyReport;
use super::apply::{CopyOptions, copy_pass};
use super::progress::Progress;
use super::{Endpoint, MigrateError};
use crate::config::KvBackendConfig;

/// The verdict on copying `src` into `dst` with `opts` (see the module notes).
pub async fn preflight(
    src: &Endpoint,
    dst: &Endpoint,
    opts: &CopyOptions,
    progress: Option<tokio::sync::watch::Sender<Progress>>,
    cancel: CancellationToken,
) -> Result<CopyReport, MigrateError> {
    let started = Instant::now();
    let glance = tokio::select! {
        biased;
        _ = cancel.cancelled() => None,
        accepted = at_a_glance(src, dst, opts) => Some(accepted?),
    };
    if glance != Some(false) {
        return Ok(CopyReport {
            dry_run: true,
            cancelled: glance.is_none(),
            elapsed_ms: started.elapsed().as_millis() as u64,
            ..CopyReport::default()
        });
    }
    let dry = CopyOptions {
        dry_run: true,
        journal_dir: None,
        backup: None,
        ..opts.clone()
    };
    copy_pass(src, dst, &dry, progress, cancel).await
}

/// Whether the destination takes every item, as the source's summary of its values shows
/// without a pass (`false`: it cannot tell, not that anything is refused).
async fn at_a_glance(
    src: &Endpoint,
    dst: &Endpoint,
    opts: &CopyOptions,
) -> Result<bool, MigrateError> {
    let (Endpoint::Kv(s), Endpoint::Kv(d)) = (src, dst) else {
        return Ok(false);
    };
    let cfg = d.config();
    // A saved plan checks its own items; a mirror counts its deletions; a schema and a JSON
    // store's size depend on each value.
    if opts.plan.is_some()
        || opts.delete_extra
        || cfg.schema.is_some()
        || matches!(cfg.backend, KvBackendConfig::Json(_))
    {
        return Ok(false);
    }
    let Some(sum) = s.store().value_summary().await? else {
        return Ok(false);
    };
    if !sum.all_json || sum.max_len > cfg.max_value_size {
        return Ok(false);
    }
    let holds = d.store().count().await?;
    Ok(holds.saturating_add(sum.entries) <= cfg.max_entries)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::config::{KvMountConfig, Mode, SqliteKvConfig};
    use crate::store::Expiry;
    use crate::store::kv_mount::KvMount;
    use crate::store::open::open_kv;

    fn config(name: &str, backend: KvBackendConfig) -> KvMountConfig {
        KvMountConfig {
            name: name.into(),
            mode: Mode::new("read-write"),
            schema: None,
            max_entries: 10,
            max_value_size: 100,
            backend,
        }
    }

    async fn sqlite(dir: &std::path::Path, items: &[(&str, &str)]) -> KvMount {
        let cfg = config(
            "src",
            KvBackendConfig::Sqlite(SqliteKvConfig {
                database: dir.join("src.db"),
                table: "kv".into(),
            }),
        );
        let m = open_kv(&cfg).await.unwrap();
        let items: Vec<(String, String)> = items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        m.store()
            .put_many(&items, Expiry::MountDefault)
            .await
            .unwrap();
        m
    }

    #[tokio::test]
    async fn a_sqlite_source_is_accepted_at_a_glance_only_when_every_rule_is_settled() {
        let dir = tempfile::tempdir().unwrap();
        let src = Endpoint::Kv(sqlite(dir.path(), &[("a", "1"), ("b", "\"two\"")]).await);
        let memory = |f: &dyn Fn(&mut KvMountConfig)| {
            let mut c = config("dst", KvBackendConfig::Memory);
            f(&mut c);
            async move { Endpoint::Kv(open_kv(&c).await.unwrap()) }
        };
        let opts = CopyOptions::default();
        assert!(
            at_a_glance(&src, &memory(&|_| {}).await, &opts)
                .await
                .unwrap()
        );
        // too small for 2 entries, or for the 5 bytes of `"two"`: the item-by-item pass decides
        let few = memory(&|c| c.max_entries = 1).await;
        assert!(!at_a_glance(&src, &few, &opts).await.unwrap());
        let small = memory(&|c| c.max_value_size = 4).await;
        assert!(!at_a_glance(&src, &small, &opts).await.unwrap());
        let mirror = CopyOptions {
            delete_extra: true,
            ..CopyOptions::default()
        };
        assert!(
            !at_a_glance(&src, &memory(&|_| {}).await, &mirror)
                .await
                .unwrap()
        );
        // and then the preflight finds what is refused
        let pre = preflight(&src, &small, &opts, None, CancellationToken::new())
            .await
            .unwrap();
        assert_eq!(pre.rejected.len(), 1, "{pre:?}");
        let pre = preflight(&src, &few, &opts, None, CancellationToken::new())
            .await
            .unwrap();
        assert_eq!(pre.limits.len(), 1, "{pre:?}");
    }

    /// The summary's JSON check is the copy's: what `kind_of` accepts, and only that.
    #[tokio::test]
    async fn the_summary_counts_a_value_json_parse_refuses() {
        for (text, ok) in [
            ("{\"a\":1}", true),
            ("\"\\ud800\"", true),
            ("1e400", true),
            ("{a:1}", false),
            ("01", false),
            ("\"a\tb\"", false),
            ("", false),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let m = sqlite(dir.path(), &[("k", text), ("other", "1")]).await;
            let sum = m.store().value_summary().await.unwrap().unwrap();
            assert_eq!((sum.all_json, sum.entries), (ok, 2), "{text:?}");
        }
    }

    /// A large table is summed up in rowid ranges on several connections: every row counted
    /// once, a bad value anywhere found.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_large_table_summed_in_parts_counts_every_row_once() {
        let dir = tempfile::tempdir().unwrap();
        let rows: Vec<(String, String)> = (0..60_001)
            .map(|i| {
                (
                    format!("k{i:06}"),
                    format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(i % 50)),
                )
            })
            .collect();
        let refs: Vec<(&str, &str)> = rows.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let m = sqlite(dir.path(), &refs).await;
        let sum = m.store().value_summary().await.unwrap().unwrap();
        let longest = rows.iter().map(|(_, v)| v.len() as u64).max().unwrap();
        assert_eq!(
            (sum.entries, sum.max_len, sum.all_json),
            (60_001, longest, true)
        );
        m.store()
            .put_many(
                &[("k030000".into(), "not json".into())],
                Expiry::MountDefault,
            )
            .await
            .unwrap();
        let sum = m.store().value_summary().await.unwrap().unwrap();
        assert_eq!((sum.entries, sum.all_json), (60_001, false));
    }
}
