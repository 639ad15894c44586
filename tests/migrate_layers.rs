//! The migration engine is a pipeline of phases that import only the phases before them
//! (src/migrate/mod.rs): plan → apply → preflight → copy → verify, with the shared pieces
//! (`mod.rs`, `names.rs`, `keypath.rs`, `progress.rs`, `shard.rs`) importing no phase at all.
//!
//! Imports are read from the source text: every `crate::migrate::…` and `super::…` path
//! outside comments and `#[cfg(test)]` items (tests may use the whole engine).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/source_tree.rs"]
mod source_tree;

use std::path::{Path, PathBuf};

use source_tree::{rust_files, without_comments, without_tests};

const PHASES: &[&str] = &["plan", "apply", "preflight", "copy", "verify"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/migrate")
}

fn module_of(file: &Path) -> Vec<String> {
    source_tree::module_of(&root(), file)
}

/// The top-level modules of src/migrate a file refers to (`crate::migrate::apply::…` →
/// "apply"; `super::plan` from `copy.rs` → "plan"; `super::x` from `apply/kv_write.rs` stays
/// within `apply`). Grouped imports (`super::{a, b::c}`) are read name by name.
fn references(file: &Path, src: &str) -> Vec<String> {
    let module = module_of(file);
    let mut out = Vec::new();
    let text = without_comments(&without_tests(src));
    let text = text.as_str();
    for (i, _) in text.match_indices("crate::migrate::") {
        let rest = &text[i + "crate::migrate::".len()..];
        out.extend(first_names(rest));
    }
    for (i, _) in text.match_indices("super::") {
        // only the first `super::` of a path (a `super::super::` chain is read once)
        if text[..i].ends_with("super::") {
            continue;
        }
        let mut rest = &text[i..];
        let mut up = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            up += 1;
            rest = r;
        }
        // `super` is the module path less one name per `super::` (`apply/kv_write.rs` is
        // apply::kv_write, `apply/mod.rs` is apply); above src/migrate it leaves the engine
        match module.len().checked_sub(up) {
            Some(0) => out.extend(first_names(rest)),
            Some(_) => out.push(module[0].clone()),
            None => {}
        }
    }
    out
}

/// `apply::x` → ["apply"]; `{Change, plan::PAGE, apply}` → ["Change", "plan", "apply"].
fn first_names(rest: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    match rest.strip_prefix('{') {
        Some(group) => {
            let end = group.find('}').unwrap_or(group.len());
            group[..end]
                .split(',')
                .map(|p| ident(p.trim()))
                .filter(|n| !n.is_empty())
                .collect()
        }
        None => vec![ident(rest)],
    }
}

#[test]
fn each_phase_imports_only_the_phases_before_it() {
    let all = rust_files(&root());
    assert!(all.len() > 20, "the engine's files are found");
    let mut wrong = Vec::new();
    for file in &all {
        let module = module_of(file);
        let mine = module
            .first()
            .and_then(|m| PHASES.iter().position(|p| p == m));
        let src = std::fs::read_to_string(file).unwrap();
        for r in references(file, &src) {
            let Some(theirs) = PHASES.iter().position(|p| *p == r) else {
                continue;
            };
            // a shared piece imports no phase (mod.rs only declares them)
            let allowed = mine.is_some_and(|m| theirs <= m);
            if !allowed {
                let rel = file.strip_prefix(root()).unwrap().display().to_string();
                wrong.push(format!("{rel} imports `{r}`"));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports against the pipeline:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_reader_finds_each_phase_by_its_name() {
    for phase in PHASES {
        let folder = root().join(phase).join("mod.rs");
        let file = root().join(format!("{phase}.rs"));
        assert!(
            folder.is_file() || file.is_file(),
            "{phase}: a folder or a file"
        );
    }
}
