//! The rill interpreter on `shared/bench/*.rill` (rill v0.8.6) and their v0.20 translations in
//! `benches/rill_v0_20/` (`each` → `seq`, `map` → `fan`, `fold(0) { }` → `fold(0, { })`,
//! `[…]` → `list[…]`/`dict[…]`; same values): parse + run in-process (median of N runs,
//! `RILL_BENCH_RUNS`, default 7), time per element operation, the ratio against the reference
//! TypeScript interpreter's v0.8.6 figures (shared/bench/README.md: other process, other run —
//! indicative only) and, measured here in the same run, v0.20's time against v0.8's (goal: v0.20
//! at least as fast, ratio ≥ 1.0). Then `rillmount eval -e '1'` process start-up in both
//! dialects: median of 20 runs of target/release/rillmount if present, else
//! target/debug/rillmount (the output says which).
//!
//! `cargo bench --bench rill_interp`; `RILL_BENCH_DIR` points at another script folder.
//! Figures (2026-11-26, busy 2-core machine): src/rill/README.md "Performance".
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rillmount::rill::eval::{Interp, Library, Options, run_with_big_stack};
use rillmount::rill::host::HostRegistry;

/// (script, element operations, reference median in ms).
const SCRIPTS: &[(&str, u64, f64)] = &[
    ("b1_each.rill", 90_000, 178.0),
    ("b2_fold.rill", 90_000, 178.0),
    ("b3_strings.rill", 90_000, 1574.0),
    ("b4_filter.rill", 90_000, 2181.0),
    // fib(20): 21,891 calls.
    ("b5_fib.rill", 21_891, 139.0),
    ("b6_dicts.rill", 90_000, 1867.0),
];

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn run_once(lib: &'static dyn Library, src: String) -> (Duration, String) {
    run_with_big_stack(move || {
        let t = Instant::now();
        let mut it = Interp::new(lib, HostRegistry::default(), Options::default());
        let v = it
            .run(&src)
            .map(|v| it.text(&v))
            .unwrap_or_else(|e| format!("error: {e}"));
        (t.elapsed(), v)
    })
    .expect("interpreter thread")
}

/// Median time and the value of `runs` runs (after one warm-up).
fn measure(lib: &'static dyn Library, src: &str, runs: usize) -> (Duration, String) {
    let _ = run_once(lib, src.to_string());
    let mut times = Vec::with_capacity(runs);
    let mut value = String::new();
    for _ in 0..runs {
        let (t, v) = run_once(lib, src.to_string());
        times.push(t);
        value = v;
    }
    (median(times), value)
}

fn read(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

fn main() {
    let dir = std::env::var("RILL_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/work/shared/bench"));
    let runs: usize = std::env::var("RILL_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    let v20_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/rill_v0_20");
    println!("in-process parse + run, median of {runs}:");
    println!(
        "{:<16} {:>10} {:>12} {:>10} {:>8} {:>10} {:>10}  value",
        "script", "v0.8", "per op", "reference", "ratio", "v0.20", "0.8/0.20"
    );
    for (name, ops, reference_ms) in SCRIPTS {
        let src = read(&dir.join(name));
        let src20 = read(&v20_dir.join(name));
        let (m, value) = measure(&rillmount::rill::builtins::V0_8, &src, runs);
        let (m20, value20) = measure(&rillmount::rill::builtins::V0_20, &src20, runs);
        assert_eq!(value, value20, "{name}: the two dialects disagree");
        let ms = m.as_secs_f64() * 1000.0;
        let ms20 = m20.as_secs_f64() * 1000.0;
        let per_op_ns = m.as_secs_f64() * 1e9 / *ops as f64;
        println!(
            "{name:<16} {ms:>8.2}ms {per_op_ns:>9.0} ns {reference_ms:>8.0}ms {:>7.1}x {ms20:>8.2}ms {:>9.2}x  {value}",
            reference_ms / ms,
            ms / ms20
        );
    }
    startup();
}

fn startup() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let (bin, kind) = match root.join("release/rillmount") {
        p if p.exists() => (p, "release"),
        _ => (root.join("debug/rillmount"), "debug"),
    };
    if !bin.exists() {
        println!("start-up: no rillmount binary built (cargo build --release --bin rillmount)");
        return;
    }
    for rill in ["0.20", "0.8"] {
        let mut times = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let out = Command::new(&bin)
                .args(["eval", "--rill", rill, "-e", "1"])
                .output()
                .unwrap();
            times.push(t.elapsed());
            assert!(out.status.success(), "rillmount eval failed: {out:?}");
        }
        let m = median(times);
        println!(
            "start-up `rillmount eval --rill {rill} -e '1'` ({kind} binary): median of 20 = {:.2} ms",
            m.as_secs_f64() * 1000.0
        );
    }
}
