//! No input may panic or overflow the stack: mutated versions of the corpus scripts (a fixed
//! pseudo-random sequence, so failures reproduce) and hostile nesting must end in a value or a
//! `RillError`.

use rillmount::rill::eval::{Interp, Options, run_with_big_stack};
use rillmount::rill::host::HostRegistry;
use std::path::Path;

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
    "fold(0)",
    ".len",
    "*<$a>",
    "/<1:>",
    "\"s{$}\"",
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
    ":number",
    "$@",
    ".^x",
    ".(a || b)",
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

fn mutate(src: &str, rng: &mut Lcg) -> String {
    let mut chars: Vec<char> = src.chars().collect();
    for _ in 0..=rng.next(3) {
        let at = rng.next(chars.len() + 1);
        if rng.next(3) == 0 && at < chars.len() {
            let n = 1 + rng.next(4);
            chars.drain(at..(at + n).min(chars.len()));
        } else {
            let piece: Vec<char> = PIECES[rng.next(PIECES.len())].chars().collect();
            chars.splice(at..at, piece);
        }
    }
    chars.into_iter().collect()
}

fn run_all(scripts: Vec<String>) -> usize {
    run_with_big_stack(move || {
        let mut panics = 0;
        for s in scripts {
            let r = std::panic::catch_unwind(|| {
                let opts = Options {
                    max_steps: 200_000,
                    ..Options::default()
                };
                let mut it = Interp::new(HostRegistry::default(), opts);
                let _ = it.run(&s);
            });
            if r.is_err() {
                eprintln!("panic on script: {s:?}");
                panics += 1;
            }
        }
        panics
    })
    .unwrap_or(usize::MAX)
}

#[test]
fn mutated_corpus_scripts_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rill");
    let mut sources = Vec::new();
    for topic in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(topic.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if f.path().extension().is_some_and(|e| e == "rill") {
                sources.push(std::fs::read_to_string(f.path()).unwrap_or_default());
            }
        }
    }
    assert!(
        sources.len() >= 50,
        "corpus not found under {}",
        root.display()
    );
    let mut rng = Lcg(42);
    let mut scripts = Vec::new();
    for s in &sources {
        for _ in 0..30 {
            scripts.push(mutate(s, &mut rng));
        }
    }
    assert_eq!(run_all(scripts), 0);
}

#[test]
fn hostile_nesting_ends_in_errors() {
    let scripts = vec![
        format!("{}1{}", "(".repeat(50_000), ")".repeat(50_000)),
        format!("{}1{}", "[".repeat(50_000), "]".repeat(50_000)),
        format!("{}1", "- ".repeat(50_000)),
        format!("{}1{}", "{ ".repeat(50_000), " }".repeat(50_000)),
        "|n| { ($n < 1) ? 0 ! $f($n - 1) } => $f\n$f(100000)".to_string(),
    ];
    assert_eq!(run_all(scripts), 0);
}
