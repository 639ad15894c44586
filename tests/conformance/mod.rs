//! The conformance suite: cases written once, run against every backend by [`kv_suite!`].
//!
//! - `kv.rs`: the raw `KvStore` contract (`pub async fn case(s: &dyn KvStore)`).
//! - `kv_rill.rs`: rill's kv functions where all backends agree (`pub async fn case(f: &KvFactory)`).
//! - `kv_bytes.rs`, `kv_bytes_sqlite.rs`: byte-level layouts and backend-specific semantics.

pub mod kv;
pub mod kv_bytes;
pub mod kv_bytes_sqlite;
pub mod kv_rill;

/// One `#[tokio::test]` per kv case for one backend: `kv_suite!(sqlite, stores::sqlite_tmp());`.
/// The factory expression is evaluated in every test, so each test owns its stores.
#[macro_export]
macro_rules! kv_suite {
    ($backend:ident, $factory:expr) => {
        mod $backend {
            #[allow(unused_imports)]
            use super::*;
            $crate::kv_suite!(@raw $factory;
                get_missing_is_none, put_then_get, put_overwrites, delete_reports_existence,
                odd_keys_round_trip, values_keep_their_text, get_many_keeps_order,
                put_many_writes_all, scan_pages_cover_every_key, count_counts_entries,
                clear_removes_everything, update_creates_modifies_and_skips,
                update_error_leaves_value, scan_match_agrees_with_a_filtered_scan,
                scan_match_pages_cover_each_match_once);
            $crate::kv_suite!(@rill $factory;
                get_missing_is_empty_string, set_get_round_trips_every_type,
                get_or_returns_value_or_fallback, delete_and_has, keys_and_get_all,
                clear_empties_open_mount, declared_rejects_undeclared_keys,
                declared_checks_types, declared_get_gives_default_before_write,
                clear_restores_defaults, read_only_rejects_writes, other_modes_allow_everything,
                value_size_boundary, entry_limit, merge_into_existing_dict,
                merge_creates_missing_dict, merge_into_non_dict_fails, schema_and_mount_entry);
        }
    };
    (@raw $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let factory = $factory;
                let store = factory.store().await;
                $crate::conformance::kv::$case(&*store).await;
            }
        )*
    };
    (@rill $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let factory = $factory;
                $crate::conformance::kv_rill::$case(&factory).await;
            }
        )*
    };
}
