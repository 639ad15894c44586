//! Every storage backend against one contract (STYLE.md "Conformance suite").
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conformance;
mod support;

use support::stores;

kv_suite!(memory, stores::memory());
kv_suite!(json, stores::json_tmp());
kv_suite!(
    json_immediate,
    stores::json_tmp_with(rillmount::config::WritePolicy::Immediate)
);
kv_suite!(sqlite, stores::sqlite_tmp());
kv_suite!(redis, stores::redis_spawned());
