//! Deterministic mutation fuzzer for the rill parser and evaluator (the coverage-guided
//! cargo-fuzz targets are in `fuzz/`; see src/rill/README.md "Fuzzing"), plus the regression
//! inputs both found.
//!
//! - `fuzz_parser` / `fuzz_evaluator` (rill v0.8.6) and `fuzz_parser_v020` /
//!   `fuzz_evaluator_v020`: mutate seed scripts (v0.8: the `tests/rill` corpus; v0.20: the
//!   recorded corpus `tests/conformance/v0_20/` and `fuzz/seeds_v0_20/`; both: the regression
//!   inputs) with byte edits, token insertions of the dialect's pieces and cross-overs; inputs
//!   that parse join the pool (crude feedback). Each runs `RILL_FUZZ_SECS` seconds (default 3) from seed
//!   `RILL_FUZZ_SEED` (default 1) and prints its exec count. A panic saves the input under
//!   `target/rill-fuzz-crashes/` and fails the test; the input being run is always in
//!   `target/rill-fuzz-current-<target>.rill`, so an abort (stack overflow) leaves it behind.
//! - `fuzz_regressions_stay_fixed`: every file in `tests/rill_fuzz_regressions/` parses and
//!   runs (step limited) in both dialects without panicking.
//! - `mutated_corpus_scripts_never_panic` (and `_v020`): a fixed, machine-independent set (30
//!   mutants of every v0.8 seed, 3 of every v0.20 one; seed 42) through the evaluator, so a
//!   regression fails the same way on every run.
//! - `hostile_nesting_ends_in_errors`: 50,000-deep nesting and 100,000-deep recursion end in
//!   RILL errors, never a stack overflow or a panic.
//!
//! Long run: `RILL_FUZZ_SECS=600 nice -n 19 cargo test --test rill_fuzz -- --nocapture fuzz_parser`.

use rillmount::rill::dialect::Dialect;
use rillmount::rill::eval::{Interp, Library, Options, run_with_big_stack};
use rillmount::rill::host::HostRegistry;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Tokens of rill v0.20 the mutator inserts beside the shared ones.
const PIECES_V020: &[&str] = &[
    "list[",
    "dict[",
    "tuple[",
    "ordered[",
    "seq(",
    "fan(",
    "fold(0, ",
    "acc(0, ",
    "filter(",
    "{ $@ + $ }",
    "#TIMEOUT",
    "#INVALID_INPUT",
    ":atom",
    "guard { ",
    "retry<limit: 2> { ",
    "timeout<total: duration(0, 0, 0, 1)> { ",
    "pass<on_error: #IGNORE> { ",
    "while ($ < 3) do<limit: 5> { $ + 1 }",
    "|x: number = 1|",
    "|x: dict(a: string = \"z\")|",
    ":number",
    ":?string",
    "-> number",
    "-> string",
    "-> list(number)",
    ".^type",
    ".^input",
    ".!",
    ".!code",
    "...",
    "yield",
    ":stream(number)",
    "datetime(\"2026-01-01T00:00:00Z\")",
    "duration(0, 0, 1)",
    "use<",
    "---\nuse: x\n---\n",
    "a: 1, ",
];

const PIECES: &[&str] = &[
    "->",
    "=>",
    "$",
    "$x",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "|x|",
    "||",
    "?",
    "!",
    "@",
    "each",
    "map",
    "filter",
    "fold(0)",
    ".len",
    "*<$a>",
    "/<1:>",
    "/<-1:0:-1>",
    "\"s{$}\"",
    "\"\"\"",
    "1",
    "-",
    "...",
    "::",
    ".?x",
    "??",
    "^(limit: 2)",
    "break",
    "return",
    "\n",
    "#",
    "*",
    "%",
    ":number",
    ":string",
    ":list",
    "$@",
    ".^x",
    ".(a || b)",
    "[a: 1]",
    "[:]",
    "[]",
    "'",
    "\\",
    "{{",
    "}}",
    "0.5e308",
    "-0",
    "1e999",
    "---\n",
    "\n---\n",
    "&&",
    "==",
    "<=",
    ">",
    ".keys",
    ".split(\",\")",
    ".replace_all(\"a\", \"b\")",
    ".match(\"(\")",
    "range(0, 5)",
    "repeat(1, 3)",
    "json",
    "log",
    "type",
    "tool",
    "enumerate",
    "|a, b|",
    "|...r|",
    ":>",
    ".?",
    "@[",
    "^",
    "$.x",
    "$[0]",
    "$.$k",
    "<",
    "(1 -> $)",
    "@ ($ < 3) { $ + 1 }",
    "\u{1F600}",
    "\t",
    "\r\n",
];

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One mutated script from `pool`, inserting `dialect`'s pieces.
fn mutate(pool: &[String], dialect: Dialect, rng: &mut Lcg) -> String {
    let mut s = pool[rng.next(pool.len())].clone();
    for _ in 0..=rng.next(4) {
        let at = char_boundary(&s, rng.next(s.len() + 1));
        match rng.next(6) {
            0 => {
                let end = char_boundary(&s, at + 1 + rng.next(8));
                s.replace_range(at..end, "");
            }
            1 => {
                // duplicate a slice
                let end = char_boundary(&s, at + rng.next(16));
                let piece = s[at..end].to_string();
                s.insert_str(at, &piece);
            }
            2 => {
                // cross-over with another pool entry
                let other = &pool[rng.next(pool.len())];
                let from = char_boundary(other, rng.next(other.len() + 1));
                let to = char_boundary(other, from + rng.next(40));
                s.insert_str(at, &other[from..to]);
            }
            3 => {
                // one random ASCII byte
                let c = (32 + rng.next(95)) as u8 as char;
                s.insert(at, c);
            }
            4 if dialect == Dialect::V0_20 => {
                s.insert_str(at, PIECES_V020[rng.next(PIECES_V020.len())])
            }
            _ => s.insert_str(at, PIECES[rng.next(PIECES.len())]),
        }
    }
    if s.len() > 4096 {
        s.truncate(char_boundary(&s, 4096));
    }
    s
}

/// The scripts mutation starts from, per dialect.
fn seeds(dialect: Dialect) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    match dialect {
        Dialect::V0_8 => dirs.extend(
            std::fs::read_dir(root.join("tests/rill"))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path()),
        ),
        Dialect::V0_20 => {
            dirs.push(root.join("fuzz/seeds_v0_20"));
            for f in ["cases.jsonl", "docs_cases.jsonl"] {
                let text = std::fs::read_to_string(root.join("tests/conformance/v0_20").join(f))
                    .unwrap_or_default();
                for line in text.lines() {
                    if let Ok(c) = serde_json::from_str::<serde_json::Value>(line)
                        && let Some(script) = c["script"].as_str()
                    {
                        out.push(script.to_string());
                    }
                }
            }
        }
    }
    dirs.push(root.join("tests/rill_fuzz_regressions"));
    dirs.sort();
    for d in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "rill"))
            .collect();
        files.sort();
        for f in files {
            out.push(std::fs::read_to_string(f).unwrap_or_default());
        }
    }
    out
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn library(dialect: Dialect) -> &'static dyn Library {
    match dialect {
        Dialect::V0_8 => &rillmount::rill::builtins::V0_8,
        Dialect::V0_20 => &rillmount::rill::builtins::V0_20,
    }
}

fn run_one(target: &str, dialect: Dialect, src: &str) {
    if target == "parser" {
        let _ = rillmount::rill::syntax::parser::parse(src, dialect);
    } else {
        let opts = Options {
            max_steps: 20_000,
            ..Options::default()
        };
        let mut it = Interp::new(library(dialect), HostRegistry::default(), opts);
        let _ = it.run(src);
    }
}

/// Runs the fuzzer for `target` ("parser" or "evaluator") in `dialect`; returns (execs,
/// crashes).
fn fuzz(target: &'static str, dialect: Dialect) -> (u64, Vec<String>) {
    let secs = env_u64("RILL_FUZZ_SECS", 3);
    let seed = env_u64("RILL_FUZZ_SEED", 1);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let name = format!("{target}-{}", dialect.as_str());
    let current = dir.join(format!("rill-fuzz-current-{name}.rill"));
    let crash_dir = dir.join("rill-fuzz-crashes");
    run_with_big_stack(move || {
        let mut pool = seeds(dialect);
        assert!(pool.len() >= 50, "seed corpus not found");
        let seed_count = pool.len();
        let mut rng = Lcg(seed);
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut execs = 0u64;
        let mut crashes = Vec::new();
        std::panic::set_hook(Box::new(|_| {}));
        while Instant::now() < deadline {
            let src = mutate(&pool, dialect, &mut rng);
            let _ = std::fs::write(&current, &src);
            let r = std::panic::catch_unwind(|| run_one(target, dialect, &src));
            execs += 1;
            if r.is_err() {
                let _ = std::fs::create_dir_all(&crash_dir);
                let _ = std::fs::write(crash_dir.join(format!("{name}-{execs}.rill")), &src);
                crashes.push(src);
                continue;
            }
            // Keep inputs that still parse: they reach deeper into the evaluator.
            if pool.len() < seed_count + 5000
                && rng.next(8) == 0
                && rillmount::rill::syntax::parser::parse(&src, dialect).is_ok()
            {
                pool.push(src);
            }
        }
        let _ = std::panic::take_hook();
        (execs, crashes)
    })
    .unwrap_or((0, vec!["fuzzer thread died".into()]))
}

fn fuzz_test(target: &'static str, dialect: Dialect) {
    let (execs, crashes) = fuzz(target, dialect);
    eprintln!(
        "fuzz {target} (rill {dialect}): {execs} execs, {} crashes",
        crashes.len()
    );
    assert!(execs > 0);
    assert!(crashes.is_empty(), "{target} panicked on: {crashes:?}");
}

#[test]
fn fuzz_parser() {
    fuzz_test("parser", Dialect::V0_8);
}

#[test]
fn fuzz_evaluator() {
    fuzz_test("evaluator", Dialect::V0_8);
}

#[test]
fn fuzz_parser_v020() {
    fuzz_test("parser", Dialect::V0_20);
}

#[test]
fn fuzz_evaluator_v020() {
    fuzz_test("evaluator", Dialect::V0_20);
}

#[test]
fn fuzz_regressions_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rill_fuzz_regressions");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rill"))
        .collect();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    let failed = run_with_big_stack(move || {
        let mut failed = Vec::new();
        for f in files {
            let src = std::fs::read_to_string(&f).unwrap_or_default();
            let ok = std::panic::catch_unwind(|| {
                for d in Dialect::ALL {
                    run_one("parser", d, &src);
                    run_one("evaluator", d, &src);
                }
            })
            .is_ok();
            if !ok {
                failed.push(f.display().to_string());
            }
        }
        failed
    })
    .unwrap_or_else(|| vec!["regression thread died".into()]);
    assert!(failed.is_empty(), "regressions panic again: {failed:?}");
}

/// Runs every script through the evaluator (`max_steps` 200,000, enough for the recursion
/// depth limit to be what stops deep recursion); returns the scripts that panicked.
fn panicking(scripts: Vec<String>, dialect: Dialect) -> Vec<String> {
    run_with_big_stack(move || {
        scripts
            .into_iter()
            .filter(|s| {
                std::panic::catch_unwind(|| {
                    let opts = Options {
                        max_steps: 200_000,
                        ..Options::default()
                    };
                    let _ = Interp::new(library(dialect), HostRegistry::default(), opts).run(s);
                })
                .is_err()
            })
            .collect()
    })
    .unwrap_or_else(|| vec!["interpreter thread died".into()])
}

fn mutated_never_panic(dialect: Dialect, per_seed: usize) {
    let pool = seeds(dialect);
    assert!(pool.len() >= 50, "seed corpus not found");
    let mut rng = Lcg(42);
    let scripts = (0..pool.len() * per_seed)
        .map(|_| mutate(&pool, dialect, &mut rng))
        .collect();
    let failed = panicking(scripts, dialect);
    assert!(failed.is_empty(), "panicked on: {failed:?}");
}

#[test]
fn mutated_corpus_scripts_never_panic() {
    mutated_never_panic(Dialect::V0_8, 30);
}

#[test]
fn mutated_corpus_scripts_never_panic_v020() {
    mutated_never_panic(Dialect::V0_20, 3);
}

#[test]
fn hostile_nesting_ends_in_errors() {
    let scripts = vec![
        format!("{}1{}", "(".repeat(50_000), ")".repeat(50_000)),
        format!("{}1{}", "[".repeat(50_000), "]".repeat(50_000)),
        format!("{}1", "- ".repeat(50_000)),
        format!("{}1{}", "{ ".repeat(50_000), " }".repeat(50_000)),
        format!("{}1{}", "list[".repeat(50_000), "]".repeat(50_000)),
        format!("{}1{}", "dict[a: ".repeat(50_000), "]".repeat(50_000)),
        format!("{}1{}", "guard { ".repeat(20_000), " }".repeat(20_000)),
        "|n| { ($n < 1) ? 0 ! $f($n - 1) } => $f\n$f(100000)".to_string(),
    ];
    for d in Dialect::ALL {
        let failed = panicking(scripts.clone(), d);
        assert!(failed.is_empty(), "rill {d} panicked on: {failed:?}");
    }
}
