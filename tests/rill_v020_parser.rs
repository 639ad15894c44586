//! The v0.20 parser against the reference's verdicts: every script of the v0.20 corpus the
//! reference ran (phase `execute`, whatever its outcome) must parse, and every script it
//! refused while parsing (phase `parse`) must be refused with the same error code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rillmount::rill::dialect::Dialect;
use rillmount::rill::syntax::parser::parse;
use serde_json::Value as J;
use std::path::Path;

fn cases() -> Vec<J> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/v0_20");
    let mut out = vec![];
    for f in ["cases.jsonl", "docs_cases.jsonl"] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        out.extend(text.lines().map(|l| serde_json::from_str::<J>(l).unwrap()));
    }
    out
}

#[test]
fn v020_parser_agrees_with_the_reference_on_every_corpus_script() {
    let all = cases();
    assert!(all.len() > 4000, "the v0.20 corpus should be present");
    let (mut ok, mut bad) = (0, vec![]);
    for c in &all {
        let script = c["script"].as_str().unwrap();
        let id = c["id"].as_str().unwrap_or("?");
        let got = parse(script, Dialect::V0_20);
        let verdict = if c["phase"] == "parse" {
            let want = c["expect"]["error"]["code"].as_str().unwrap_or("");
            match &got {
                Err(e) if e.code.as_deref() == Some(want) => None,
                Err(e) => Some(format!("wants {want}, got {:?}: {}", e.code, e.message)),
                Ok(_) => Some(format!("wants {want}, parsed")),
            }
        } else {
            got.err()
                .map(|e| format!("should parse, got {:?}: {}", e.code, e.message))
        };
        match verdict {
            None => ok += 1,
            Some(why) => bad.push(format!(
                "{id}: {why}\n    {}",
                script.replace('\n', "\n    ")
            )),
        }
    }
    assert!(
        bad.is_empty(),
        "{ok} of {} agree; {} differ:\n{}",
        all.len(),
        bad.len(),
        bad.iter().take(60).cloned().collect::<Vec<_>>().join("\n")
    );
}
