//! Test servers and temp stores. Real servers only: `redis.rs` starts its own redis-server on a
//! free loopback port; `s3.rs` serves s3s-fs in-process and starts moto as a process. A missing
//! server binary fails the test with a message saying how to install it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod cli;
pub mod redis;
pub mod s3;
pub mod stores;
