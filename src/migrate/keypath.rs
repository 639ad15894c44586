//! How kv keys become file names (kv → fs export) and back (fs → kv import), and how file
//! content becomes a kv value.
//!
//! A key becomes one flat file `<encoded>.json` at the root of the fs mount. The encoding is
//! reversible and safe on every filesystem and in S3: `%`, `/`, `\`, control characters,
//! `: * ? " < > |` and a leading `.` are written as `%XX` (UTF-8 bytes, upper-case hex); the
//! empty key is `%.json` (a lone `%` is never produced otherwise). Other characters, non-ASCII
//! included, are kept, so `user:7` → `user%3A7.json` and `ünï` → `ünï.json`.
//!
//! Limits: names longer than [`MAX_NAME_BYTES`] are refused (most filesystems stop at 255
//! bytes); on a case-insensitive filesystem `A` and `a` would share a file, which the export
//! reports as a conflict rather than losing one silently (the second compares as changed).

use crate::store::js_json::{self, Json};

/// Longest file name the export writes, in bytes.
pub const MAX_NAME_BYTES: usize = 250;

const SUFFIX: &str = ".json";

fn needs_escape(i: usize, c: char) -> bool {
    c == '%'
        || c == '/'
        || c == '\\'
        || c.is_control()
        || ":*?\"<>|".contains(c)
        || (i == 0 && c == '.')
}

/// The file name of `key` (`user:7` → `user%3A7.json`).
pub fn key_to_file(key: &str) -> String {
    if key.is_empty() {
        return format!("%{SUFFIX}");
    }
    let mut out = String::with_capacity(key.len() + SUFFIX.len());
    for (i, c) in key.chars().enumerate() {
        if needs_escape(i, c) {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out.push_str(SUFFIX);
    out
}

/// The key whose file name is exactly `name`, if `name` is what [`key_to_file`] writes.
pub fn file_to_key(name: &str) -> Option<String> {
    let stem = name.strip_suffix(SUFFIX)?;
    if stem == "%" {
        return Some(String::new());
    }
    let raw = stem.as_bytes();
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            let hex = stem.get(i + 1..i + 3)?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    let key = String::from_utf8(bytes).ok()?;
    // Only the canonical spelling decodes (so two files never map to one key).
    (key_to_file(&key) == name).then_some(key)
}

/// The kv key a file at `path` is imported as: the decoded key for a name the export wrote,
/// else the path itself (`notes/a.txt` stays `notes/a.txt`).
pub fn import_key(path: &str) -> String {
    if path.contains('/') {
        return path.to_string();
    }
    file_to_key(path).unwrap_or_else(|| path.to_string())
}

/// A file's content as a kv value: JSON content as its value (compact), any other text as a
/// JSON string. Binary content (invalid UTF-8) cannot be a kv value: `Err` with the reason.
/// The `bool` says a lone surrogate escape was replaced by U+FFFD.
pub fn file_value(content: &[u8]) -> Result<(String, bool), String> {
    let text = std::str::from_utf8(content).map_err(|e| {
        format!(
            "binary content (invalid UTF-8 at byte {}) cannot be a kv value",
            e.valid_up_to()
        )
    })?;
    match js_json::parse(text) {
        Ok(p) => Ok((p.value.to_compact(), p.lossy)),
        Err(_) => Ok((Json::str(text).to_compact(), false)),
    }
}

/// The file content a stored kv text is exported as: pretty JSON (2 spaces). `Err` when the
/// stored text is not JSON; the `bool` says a lone surrogate escape became U+FFFD.
pub fn value_file(text: &str) -> Result<(String, bool), String> {
    js_json::parse(text)
        .map(|p| (p.value.to_pretty(), p.lossy))
        .map_err(|e| format!("source value is not valid JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_file_names() {
        for key in [
            "",
            "user:7",
            "a/b",
            "..",
            ".",
            ".hidden",
            "a..b",
            "x\ny",
            "tab\t",
            "100%",
            "ünï code",
            "%41",
            "%",
            "C:\\x",
            "q?*<>|\"",
            "\u{7f}",
            "0",
            "42",
            "end.json",
        ] {
            let name = key_to_file(key);
            assert!(!name.contains('/') && !name.contains('\\'), "{name}");
            assert!(!name.starts_with('.'), "{name}");
            assert!(name.chars().all(|c| !c.is_control()), "{name:?}");
            assert_eq!(file_to_key(&name).as_deref(), Some(key), "{name}");
            assert_eq!(import_key(&name), key);
        }
        assert_eq!(key_to_file("user:7"), "user%3A7.json");
        assert_eq!(key_to_file(""), "%.json");
        assert_eq!(key_to_file("ünï"), "ünï.json");
    }

    #[test]
    fn other_names_import_as_their_path() {
        assert_eq!(file_to_key("user%3a7.json"), None, "not canonical");
        assert_eq!(file_to_key("a%2.json"), None);
        assert_eq!(file_to_key("notes.txt"), None);
        assert_eq!(import_key("notes.txt"), "notes.txt");
        assert_eq!(import_key("dir/a.json"), "dir/a.json");
        assert_eq!(import_key("a.json"), "a");
    }

    #[test]
    fn file_content_becomes_a_value() {
        assert_eq!(
            file_value(b"{ \"a\" : 1 }").unwrap(),
            (r#"{"a":1}"#.into(), false)
        );
        assert_eq!(file_value(b"hello\n").unwrap().0, r#""hello\n""#);
        assert_eq!(file_value(b"42").unwrap().0, "42");
        assert_eq!(
            file_value(br#""\ud800""#).unwrap(),
            ("\"\u{fffd}\"".into(), true)
        );
        assert!(
            file_value(&[0x66, 0xff, 0x00])
                .unwrap_err()
                .contains("binary")
        );
        assert_eq!(
            value_file(r#"{"a":[1]}"#).unwrap().0,
            "{\n  \"a\": [\n    1\n  ]\n}"
        );
        assert!(value_file("{nope").is_err());
    }
}
