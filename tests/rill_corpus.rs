//! The project's own rill corpus: every `tests/rill/<topic>/<case>.rill` runs through the
//! interpreter. Expected results: `<case>.out` (logs as `log: …` lines, then the value's display
//! form), or a first line `// error: <CODE> <message start>` (that line is blanked before running,
//! so positions stay the same). `UPDATE_EXPECT=1` rewrites the `.out` files.

use rillmount::rill::eval::{Interp, Options, run_with_big_stack};
use rillmount::rill::host::HostRegistry;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "rill") {
            out.push(p);
        }
    }
}

/// Run a script; Ok(display output) or Err("CODE message").
fn run(src: String) -> Result<String, String> {
    run_with_big_stack(move || {
        let mut it = Interp::new(
            &rillmount::rill::builtins::V0_8,
            HostRegistry::default(),
            Options::default(),
        );
        let r = it.run(&src);
        let mut out = String::new();
        for l in &it.logs {
            out.push_str(&format!("log: {l}\n"));
        }
        match r {
            Ok(v) => {
                out.push_str(&v.display());
                out.push('\n');
                Ok(out)
            }
            Err(e) => Err(format!("{} {}", e.code.unwrap_or_default(), e.message)),
        }
    })
    .unwrap_or_else(|| Err("interpreter thread panicked".into()))
}

#[test]
fn rill_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rill");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    assert!(
        files.len() >= 50,
        "corpus missing: found {} files under {}",
        files.len(),
        root.display()
    );
    let update = std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let name = f.strip_prefix(&root).unwrap_or(f).display().to_string();
        if let Some(first) = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// error: "))
        {
            let expected = first.trim().to_string();
            let body = format!("\n{}", text.split_once('\n').map(|x| x.1).unwrap_or(""));
            match run(body) {
                Err(got) if got.starts_with(&expected) => {}
                other => failures.push(format!(
                    "{name}: expected error `{expected}`, got {other:?}"
                )),
            }
            continue;
        }
        let out_path = f.with_extension("out");
        let got = match run(text) {
            Ok(s) => s,
            Err(e) => format!("error: {e}\n"),
        };
        if update {
            let _ = std::fs::write(&out_path, &got);
            continue;
        }
        match std::fs::read_to_string(&out_path) {
            Ok(want) if want == got => {}
            Ok(want) => failures.push(format!("{name}: expected\n{want}got\n{got}")),
            Err(_) => failures.push(format!(
                "{name}: missing {} (run with UPDATE_EXPECT=1)",
                out_path.display()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
