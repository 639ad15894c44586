//! Item names a destination must not be given: an fs path that would land somewhere other
//! than its name says. An S3 key may be any string (`docs/../../x.txt`, `a//b`), but a local
//! folder resolves `..`, `.` and empty segments, so such a name would escape the destination
//! folder or overwrite another file; rill's fs functions refuse `..` on every backend. Each
//! such item is refused on its own (a rejection), before the destination is asked anything
//! about it: the rest of the copy goes on.

/// Why the fs destination must not get a file at `path`, if it must not. `folders`: the
/// destination has real folders (a local mount), where `.` and empty segments alias other
/// paths too.
pub fn unsafe_name(path: &str, folders: bool) -> Option<String> {
    if path.starts_with('/') {
        return Some("the name is an absolute path".into());
    }
    if path.contains('\0') {
        return Some("the name holds a NUL character".into());
    }
    let segments: Vec<&str> = path.split('/').collect();
    if segments.contains(&"..") {
        return Some("the name has a `..` segment: it would lead outside the destination".into());
    }
    if folders && segments.iter().any(|s| s.is_empty() || *s == ".") {
        return Some(format!(
            "the name has an empty or `.` segment: a folder would store it as `{}`",
            segments
                .iter()
                .filter(|s| !s.is_empty() && **s != ".")
                .copied()
                .collect::<Vec<_>>()
                .join("/")
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::unsafe_name;

    #[test]
    fn names_that_escape_or_alias_are_refused() {
        assert!(unsafe_name("docs/../../x.txt", false).is_some());
        assert!(unsafe_name("../x", true).is_some());
        assert!(unsafe_name("/etc/passwd", false).is_some());
        assert!(unsafe_name("a\0b", false).is_some());
        let alias = unsafe_name("a//b.txt", true).unwrap();
        assert!(alias.contains("`a/b.txt`"), "{alias}");
        assert!(unsafe_name("a/./b", true).is_some());
        // S3 keeps these as they are
        assert_eq!(unsafe_name("a//b.txt", false), None);
        for ok in [
            "a.txt",
            "docs/readme.md",
            "x/y/z..txt",
            "..hidden",
            "dir./f",
        ] {
            assert_eq!(unsafe_name(ok, true), None, "{ok}");
        }
    }
}
