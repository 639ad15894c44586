//! The interpreter's folders are layers that import only downward (src/rill/README.md):
//! dialect → base → syntax → value → host → eval → builtins → mounts. Files of one dialect
//! (`v0_8/`, `v0_20/`) never import the other's, no file of src/rill passes the size limit,
//! and within a folder files do not import one another in a circle (the evaluator's folder
//! excepted: `Interp`'s methods are split over its files by topic).
//!
//! Imports are read from the source text: every `crate::rill::…` and `super::…` path outside
//! `#[cfg(test)]` modules (tests may use the whole stack).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/source_tree.rs"]
mod source_tree;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use source_tree::{rust_files, without_comments, without_tests};

const LAYERS: &[&str] = &[
    "dialect", "base", "syntax", "value", "host", "eval", "builtins", "mounts",
];
const MAX_LINES: usize = 800;
/// Folders whose files may import one another both ways (one type's impl split by topic).
const CYCLES_ALLOWED: &[&str] = &["eval"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rill")
}

fn module_of(file: &Path) -> Vec<String> {
    source_tree::module_of(&root(), file)
}

/// Every module path a file names: `crate::rill::a::b…` as [a, b, …]; `super::x` resolved.
fn imports(file: &Path, src: &str) -> Vec<Vec<String>> {
    let me = module_of(file);
    let mut found = vec![];
    let code = without_comments(src);
    let ident = |s: &str| -> Vec<String> {
        let mut parts = vec![];
        let mut cur = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_alphanumeric() || c == '_' {
                cur.push(c);
            } else if c == ':' && chars.peek() == Some(&':') {
                chars.next();
                parts.push(std::mem::take(&mut cur));
            } else {
                break;
            }
        }
        if !cur.is_empty() {
            parts.push(cur);
        }
        parts
    };
    for (i, _) in code.match_indices("crate::rill::") {
        found.push(ident(&code[i + "crate::rill::".len()..]));
    }
    for (i, _) in code.match_indices("super::") {
        if i > 0 && code.as_bytes()[i - 1] == b':' {
            continue;
        }
        let mut base = me.clone();
        let mut rest = &code[i..];
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        let mut path = base;
        path.extend(ident(rest));
        found.push(path);
    }
    found
}

/// The file a module path lands in (longest prefix that is a file or folder of src/rill).
fn file_of(path: &[String]) -> Option<PathBuf> {
    for n in (1..=path.len()).rev() {
        let mut p = root();
        for seg in &path[..n] {
            p.push(seg);
        }
        let as_file = p.with_extension("rs");
        if as_file.is_file() {
            return Some(as_file);
        }
        if p.join("mod.rs").is_file() {
            return Some(p.join("mod.rs"));
        }
    }
    None
}

fn layer(module: &[String]) -> Option<usize> {
    let top = module.first()?;
    LAYERS.iter().position(|l| l == top)
}

fn dialect_folder(module: &[String]) -> Option<&str> {
    module
        .iter()
        .find(|s| s.as_str() == "v0_8" || s.as_str() == "v0_20")
        .map(|s| s.as_str())
}

#[test]
fn rill_folders_import_only_downward_and_files_stay_small() {
    let all = rust_files(&root());
    assert!(all.len() > 20, "src/rill should hold the interpreter");
    let mut problems = vec![];
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for f in &all {
        let src = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(root()).unwrap().display().to_string();
        let lines = src.lines().count();
        if lines > MAX_LINES {
            problems.push(format!("{rel}: {lines} lines (limit {MAX_LINES})"));
        }
        let me = module_of(f);
        let Some(my_layer) = layer(&me) else {
            continue; // src/rill/mod.rs declares the layers
        };
        for path in imports(f, &without_tests(&src)) {
            let Some(target) = file_of(&path) else {
                continue;
            };
            let their = module_of(&target);
            if let Some(l) = layer(&their)
                && l > my_layer
            {
                problems.push(format!(
                    "{rel} (layer {}) imports {} (layer {})",
                    LAYERS[my_layer],
                    path.join("::"),
                    LAYERS[l]
                ));
            }
            if let (Some(a), Some(b)) = (dialect_folder(&me), dialect_folder(&their))
                && a != b
            {
                problems.push(format!(
                    "{rel} ({a}) imports {} of the other dialect ({b})",
                    path.join("::")
                ));
            }
            if target != *f && their.first() == me.first() {
                edges.entry(f.clone()).or_default().insert(target);
            }
        }
    }
    // circles inside a folder
    for f in edges.keys() {
        let folder = module_of(f).first().cloned().unwrap_or_default();
        if CYCLES_ALLOWED.contains(&folder.as_str()) {
            continue;
        }
        let mut stack = vec![(f.clone(), vec![f.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, trail)) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                if next == f {
                    let names: Vec<String> = trail
                        .iter()
                        .chain(std::iter::once(f))
                        .map(|p| p.strip_prefix(root()).unwrap().display().to_string())
                        .collect();
                    problems.push(format!("import circle: {}", names.join(" → ")));
                } else if seen.insert(next.clone()) {
                    let mut t = trail.clone();
                    t.push(next.clone());
                    stack.push((next.clone(), t));
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "src/rill layering:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn the_checker_sees_an_upward_import_and_skips_tests() {
    let f = root().join("base/num.rs");
    let src =
        "use crate::rill::eval::Interp;\n#[cfg(test)]\nmod tests { use crate::rill::mounts::x; }\n";
    let found = imports(&f, &without_tests(src));
    assert_eq!(found, vec![vec!["eval".to_string(), "Interp".to_string()]]);
    let target = file_of(&found[0]).unwrap();
    assert!(layer(&module_of(&target)).unwrap() > layer(&module_of(&f)).unwrap());
    let sup = imports(&root().join("eval/calls.rs"), "use super::collections::x;");
    assert_eq!(
        sup,
        vec![vec![
            "eval".to_string(),
            "collections".to_string(),
            "x".to_string()
        ]]
    );
}
