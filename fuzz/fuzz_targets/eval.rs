//! cargo-fuzz target: any bytes (UTF-8 lossy) run as a rill v0.8.6 script by the interpreter.
//! No host functions or mounts are registered; the run is bounded by a 20,000-step limit and a
//! 2 s watchdog that sets the interpreter's cancel flag (`RILL-R013`). Contract: the
//! interpreter never panics, aborts or hangs; it returns a value or a rill error, and frees
//! what the run allocated (leak detection stays on).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common/run.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::run(&rillmount::rill::builtins::V0_8, data));
