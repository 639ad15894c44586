//! The glob grammar rill's fs backends understand (`matchesGlob`, spec/backends.md §5.2).
//!
//! Only four shapes match anything: `*`, `*.ext`, `*.{a,b}` and `**/<one of those>`
//! (applied to the basename). Everything else, including `?`, `[...]`, `data*` and `""`,
//! matches nothing. Case-sensitive, basenames only. Both the local fs and S3 backends use it
//! for the `glob` mount option and for `find` patterns.

/// Whether `name` (a basename) matches `pattern` under rill's rules.
pub fn matches_glob(name: &str, pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(rest) = pattern.strip_prefix("**/") {
        return matches_glob(name, rest);
    }
    let Some(ext) = pattern.strip_prefix("*.") else {
        return false;
    };
    if let Some(list) = ext.strip_prefix('{').and_then(|e| e.strip_suffix('}')) {
        return list
            .split(',')
            .map(str::trim)
            .any(|e| name.ends_with(&format!(".{e}")));
    }
    if ext.contains('{') {
        return false;
    }
    name.ends_with(&format!(".{ext}"))
}

#[cfg(test)]
mod tests {
    use super::matches_glob;

    #[test]
    fn shapes_that_match() {
        assert!(matches_glob("a.txt", "*"));
        assert!(matches_glob("a.txt", "*.txt"));
        assert!(matches_glob("a.json", "*.{json, yaml}"));
        assert!(matches_glob("deep.md", "**/*.md"));
        assert!(matches_glob("", "*"));
    }

    #[test]
    fn shapes_that_match_nothing() {
        assert!(!matches_glob("config.yml", "*.{json,yaml}"));
        assert!(!matches_glob("file.txt", "complex[pattern]"));
        assert!(!matches_glob("ab.txt", "??.txt"));
        assert!(!matches_glob("data1", "data*"));
        assert!(!matches_glob("a.txt", ""));
        assert!(!matches_glob("a.TXT", "*.txt"));
    }
}
