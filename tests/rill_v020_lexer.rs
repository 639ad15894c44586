//! The v0.20 lexer against the reference's: every script of the v0.20 corpus, lexed by rill
//! v0.20.0's own `tokenize` (tests/conformance/v0_20/tokens.jsonl, recorded by
//! `recorder/tokens.mts`), must give the same token kinds, values and line:column — or the
//! same lexer error code at the same position. The reference counts columns in UTF-16 units,
//! rillmount in characters (so a caret lands under the right character): the reference's
//! columns are converted before comparing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rillmount::rill::syntax::v0_20::lexer::tokenize;
use rillmount::rill::syntax::v0_20::token::{K, Opener, P, Tok};
use serde_json::Value as J;
use std::collections::HashMap;
use std::path::Path;

/// The reference's token type name and value for one of our tokens.
fn reference_form(t: &Tok) -> (String, String) {
    let name = match t {
        Tok::Num(_) => "NUMBER",
        Tok::Str { .. } => "STRING",
        Tok::Ident(_) => "IDENTIFIER",
        Tok::MethodName(_) => "METHOD_NAME",
        Tok::Atom(_) => "ATOM",
        Tok::Dollar | Tok::DollarAt => "DOLLAR",
        Tok::PipeVar => "PIPE_VAR",
        Tok::Opener(o) => match o {
            Opener::List => "LIST_LBRACKET",
            Opener::Dict => "DICT_LBRACKET",
            Opener::Tuple => "TUPLE_LBRACKET",
            Opener::Ordered => "ORDERED_LBRACKET",
            Opener::Destruct => "DESTRUCT_LANGLE",
            Opener::Slice => "SLICE_LANGLE",
            Opener::Use => "USE_LANGLE",
            Opener::Retry => "RETRY_LANGLE",
            Opener::Do => "DO_LANGLE",
            Opener::Pass => "PASS_LANGLE",
            Opener::Timeout => "TIMEOUT_LANGLE",
            Opener::Guard => "GUARD_LBRACE",
        },
        Tok::K(K::True) => "TRUE",
        Tok::K(K::False) => "FALSE",
        Tok::K(K::Break) => "BREAK",
        Tok::K(K::Return) => "RETURN",
        Tok::K(K::Yield) => "YIELD",
        Tok::K(K::Pass) => "PASS",
        Tok::K(K::Assert) => "ASSERT",
        Tok::K(K::Error) => "ERROR",
        Tok::K(K::Guard) => "GUARD",
        Tok::K(K::Retry) => "RETRY",
        Tok::K(K::While) => "WHILE",
        Tok::K(K::Do) => "DO",
        Tok::Ellipsis => "ELLIPSIS",
        Tok::Frontmatter => "FRONTMATTER_DELIM",
        Tok::P(P::Arrow) => "ARROW",
        Tok::P(P::Capture) => "CAPTURE_ARROW",
        Tok::P(P::And) => "AND",
        Tok::P(P::Or) => "OR",
        Tok::P(P::Eq) => "EQ",
        Tok::P(P::Ne) => "NE",
        Tok::P(P::Le) => "LE",
        Tok::P(P::Ge) => "GE",
        Tok::P(P::Coalesce) => "NULLISH_COALESCE",
        Tok::P(P::DotQ) => "DOT_QUESTION",
        Tok::P(P::DotBang) => "DOT_BANG",
        Tok::P(P::DColon) => "DOUBLE_COLON",
        Tok::P(P::Dot) => "DOT",
        Tok::P(P::Question) => "QUESTION",
        Tok::P(P::At) => "AT",
        Tok::P(P::Colon) => "COLON",
        Tok::P(P::Comma) => "COMMA",
        Tok::P(P::Bang) => "BANG",
        Tok::P(P::Assign) => "ASSIGN",
        Tok::P(P::Lt) => "LT",
        Tok::P(P::Gt) => "GT",
        Tok::P(P::LParen) => "LPAREN",
        Tok::P(P::RParen) => "RPAREN",
        Tok::P(P::LBrace) => "LBRACE",
        Tok::P(P::RBrace) => "RBRACE",
        Tok::P(P::LBracket) => "LBRACKET",
        Tok::P(P::RBracket) => "RBRACKET",
        Tok::P(P::Bar) => "PIPE_BAR",
        Tok::P(P::Plus) => "PLUS",
        Tok::P(P::Minus) => "MINUS",
        Tok::P(P::Star) => "STAR",
        Tok::P(P::Slash) => "SLASH",
        Tok::P(P::Percent) => "PERCENT",
        Tok::P(P::Amp) => "AMPERSAND",
        Tok::P(P::Caret) => "CARET",
        Tok::P(P::StarLt | P::SlashLt) | Tok::K(K::Each | K::Map | K::Fold | K::Filter) => {
            "not a v0.20 token"
        }
        Tok::Newline => "NEWLINE",
        Tok::Eof => "EOF",
    };
    let value = match t {
        Tok::Str { raw, .. } => raw.clone(),
        Tok::Ident(s) | Tok::MethodName(s) | Tok::Atom(s) => s.clone(),
        Tok::Num(_) => String::new(), // compared as numbers
        Tok::Newline => "\n".into(),
        Tok::Eof => String::new(),
        other => other.text(),
    };
    (name.to_string(), value)
}

/// A 1-based UTF-16 column of `line` in `script` as a 1-based character column.
fn char_col(script: &str, line: u64, col: u64) -> u64 {
    let Some(text) = script.split('\n').nth(line.saturating_sub(1) as usize) else {
        return col;
    };
    let mut units = 0u64;
    let mut chars = 0u64;
    for c in text.chars() {
        if units + 1 >= col {
            break;
        }
        units += c.len_utf16() as u64;
        chars += 1;
    }
    if units + 1 < col {
        chars += col - 1 - units; // past the end of the line (EOF after a final newline)
    }
    chars + 1
}

fn jsonl(path: &Path) -> Vec<J> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn utf16_columns_convert_to_characters() {
    assert_eq!(char_col("a🚀b", 1, 4), 3);
    assert_eq!(char_col("x\n🚀🚀", 2, 5), 3);
    assert_eq!(char_col("ab", 1, 2), 2);
}

#[test]
fn v020_lexer_matches_the_reference_on_every_corpus_script() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/v0_20");
    let mut scripts = HashMap::new();
    for f in ["cases.jsonl", "docs_cases.jsonl"] {
        for c in jsonl(&dir.join(f)) {
            scripts.insert(
                c["id"].as_str().unwrap().to_string(),
                c["script"].as_str().unwrap().to_string(),
            );
        }
    }
    let expected = jsonl(&dir.join("tokens.jsonl"));
    assert!(
        expected.len() > 4000,
        "the token recording covers the corpus"
    );
    let mut failures = vec![];
    for rec in &expected {
        let id = rec["id"].as_str().unwrap();
        let script = &scripts[id];
        let got = tokenize(script);
        let diff = match (&rec.get("error"), got) {
            (Some(err), Err(e)) => {
                let sp = e.span.unwrap_or_default();
                let want = (
                    err["code"].as_str().unwrap_or("").to_string(),
                    err["line"].as_u64().unwrap_or(0),
                    char_col(
                        script,
                        err["line"].as_u64().unwrap_or(0),
                        err["column"].as_u64().unwrap_or(0),
                    ),
                );
                let have = (
                    e.code.clone().unwrap_or_default(),
                    sp.line as u64,
                    sp.col as u64,
                );
                (want != have).then(|| format!("error {want:?}, got {have:?}"))
            }
            (Some(err), Ok(_)) => Some(format!("expected error {err}, got tokens")),
            (None, Err(e)) => Some(format!("expected tokens, got {:?} {}", e.code, e.message)),
            (None, Ok(toks)) => {
                let want = rec["tokens"].as_array().unwrap();
                let mut d = None;
                if want.len() != toks.len() {
                    d = Some(format!("{} tokens, got {}", want.len(), toks.len()));
                }
                for (i, (w, t)) in want.iter().zip(&toks).enumerate() {
                    let (name, value) = reference_form(&t.tok);
                    let wname = w[0].as_str().unwrap();
                    let wvalue = w[1].as_str().unwrap();
                    let same_value = match &t.tok {
                        Tok::Num(n) => wvalue.parse::<f64>().ok() == Some(*n),
                        _ => value == wvalue,
                    };
                    let line = w[2].as_u64().unwrap();
                    let pos = (line, char_col(script, line, w[3].as_u64().unwrap()));
                    if name != wname
                        || !same_value
                        || pos != (t.span.line as u64, t.span.col as u64)
                    {
                        d = Some(format!(
                            "token {i}: expected {wname} {wvalue:?} at {pos:?}, got {name} {value:?} at {}:{}",
                            t.span.line, t.span.col
                        ));
                        break;
                    }
                }
                d
            }
        };
        if let Some(d) = diff {
            failures.push(format!("{id}: {d}\n    {script:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scripts lex differently:\n{}",
        failures.len(),
        expected.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
