//! cargo-fuzz target: any bytes (UTF-8 lossy) run as a rill v0.20 script by the interpreter
//! (its library, types, atoms, guard/retry/timeout blocks, streams). No host functions or
//! mounts; bounded by a 20,000-step limit and a 2 s watchdog (`RILL-R013`). Contract: never a
//! panic, an abort or a hang; a value or a rill error, and what the run allocated is freed.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common/run.rs"]
mod common;

fuzz_target!(|data: &[u8]| common::run(&rillmount::rill::builtins::V0_20, data));
