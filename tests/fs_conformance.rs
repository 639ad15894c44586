//! The fs conformance suite: the raw [`FileStore`] contract run against every fs backend, plus
//! the local folder's rill-facing behaviour (`fs_suite/local_rill.rs`).
//!
//! [`FileStore`]: rillmount::store::FileStore

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;
#[macro_use]
mod fs_suite;

use support::stores;

fs_suite!(local, stores::local_tmp());
fs_suite!(s3s_fs, stores::s3s_fs());
fs_suite!(moto, stores::moto_fs());
