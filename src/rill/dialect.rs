//! Which rill a script is written in: the v0.8.6 language (`kv::get("user", "name")`) or
//! today's v0.20.0 (`kv.get("user", "name")`, `list[…]`). Chosen per run: `eval --rill`, a
//! profile's `[profile] rill = "0.20"`, the extension packages a `rill-config.json` names, or
//! [`Dialect::DEFAULT`]. A leaf of the crate: configuration reads it, the interpreter obeys it.

use std::fmt;
use std::str::FromStr;

/// A rill language generation rillmount speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Dialect {
    /// rill v0.8.6: `::` host calls, `[…]` literals, `each`/`map`.
    #[serde(rename = "0.8")]
    V0_8,
    /// rill v0.20.0: member host calls, `list[…]`/`dict[…]`, `seq`/`fan`/`acc`, atoms.
    #[serde(rename = "0.20")]
    V0_20,
}

impl Dialect {
    /// Used when nothing chooses: the newest rill, as hosts run it today.
    pub const DEFAULT: Dialect = Dialect::V0_20;

    /// Every dialect, oldest first.
    pub const ALL: [Dialect; 2] = [Dialect::V0_8, Dialect::V0_20];

    /// The other generation (what a switch in the scratchpad goes to).
    pub fn other(self) -> Dialect {
        match self {
            Dialect::V0_8 => Dialect::V0_20,
            Dialect::V0_20 => Dialect::V0_8,
        }
    }

    /// `0.8` or `0.20`, as `--rill` and profiles spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::V0_8 => "0.8",
            Dialect::V0_20 => "0.20",
        }
    }

    /// The reference release whose behaviour the dialect follows.
    pub fn reference(self) -> &'static str {
        match self {
            Dialect::V0_8 => "v0.8.6",
            Dialect::V0_20 => "v0.20.0",
        }
    }
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect::DEFAULT
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Accepts `0.8`, `0.8.6`, `v0.8.6`, `0.20`, `0.20.0`, `v0.20`.
impl FromStr for Dialect {
    type Err = String;

    fn from_str(s: &str) -> Result<Dialect, String> {
        let t = s.trim().trim_start_matches('v');
        match t {
            "0.8" | "0.8.6" => Ok(Dialect::V0_8),
            "0.20" | "0.20.0" => Ok(Dialect::V0_20),
            _ => Err(format!(
                "unknown rill version `{s}`: rillmount speaks 0.8 (v0.8.6) and 0.20 (v0.20.0)"
            )),
        }
    }
}

/// What a profile says about its dialect.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DialectChoice {
    /// Chosen, with what chose it (`[profile] rill at dev.toml:3`, `@rcrsr/rill-ext-kv`).
    Set { dialect: Dialect, by: String },
    /// Nothing says: [`Dialect::DEFAULT`].
    #[default]
    Default,
    /// The profile cannot be told apart (a `rill-config.json` whose packages name no
    /// version, or names of both generations): the reason, asking for a choice.
    Unknown(String),
}

impl DialectChoice {
    /// The dialect of a run: `flag` (`--rill`) wins, then the profile's choice.
    pub fn resolve(&self, flag: Option<Dialect>) -> Result<Dialect, String> {
        match (flag, self) {
            (Some(d), _) => Ok(d),
            (None, DialectChoice::Set { dialect, .. }) => Ok(*dialect),
            (None, DialectChoice::Default) => Ok(Dialect::DEFAULT),
            (None, DialectChoice::Unknown(why)) => Err(why.clone()),
        }
    }

    /// The dialect a run gets without `--rill`, if one is told: `0.8`, `0.20` or `?`.
    pub fn short(&self) -> &'static str {
        match self {
            DialectChoice::Set { dialect, .. } => dialect.as_str(),
            DialectChoice::Default => Dialect::DEFAULT.as_str(),
            DialectChoice::Unknown(_) => "?",
        }
    }

    /// `{"dialect": "0.20"|null, "by": …, "unknown": …}` for `--json` outputs.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            DialectChoice::Set { dialect, by } => {
                serde_json::json!({"dialect": dialect.as_str(), "by": by})
            }
            DialectChoice::Default => {
                serde_json::json!({"dialect": Dialect::DEFAULT.as_str(), "by": "default"})
            }
            DialectChoice::Unknown(why) => serde_json::json!({"dialect": null, "unknown": why}),
        }
    }

    /// One line for `mounts` and `profiles`: `rill 0.20 (…)`.
    pub fn describe(&self) -> String {
        match self {
            DialectChoice::Set { dialect, by } => format!("rill {dialect} (set by {by})"),
            DialectChoice::Default => format!("rill {} (the default)", Dialect::DEFAULT),
            DialectChoice::Unknown(why) => format!("rill: unknown ({why})"),
        }
    }
}

/// Errors a script of the other generation ends in: lexer and parser errors, and an unknown
/// function (`list[1]`, `kv.get(…)` and `seq(…)` parse in 0.8 as calls of `list`, `kv`, `seq`).
pub fn hint_applies(code: &str) -> bool {
    code.starts_with("RILL-P") || code.starts_with("RILL-L") || code == "RILL-R006"
}

/// Where a script that failed to parse in `dialect` shows the other dialect's syntax: a hint
/// naming the first such construct, its line, and how to switch. `None` when nothing points
/// to the other generation.
pub fn wrong_dialect_hint(dialect: Dialect, source: &str) -> Option<String> {
    let (what, other) = other_dialect_syntax(dialect, source)?;
    Some(format!(
        "{what}: run it with --rill {} or set [profile] rill = \"{}\"",
        other.as_str(),
        other.as_str()
    ))
}

/// The first construct of the other generation in `source` ("line 1 uses `-> each`, which
/// is rill 0.8 syntax, not 0.20") and that generation, for a caller that tells its own way
/// to switch (the scratchpad names its key).
pub fn other_dialect_syntax(dialect: Dialect, source: &str) -> Option<(String, Dialect)> {
    let code = code_only(source);
    let (found, other) = match dialect {
        Dialect::V0_8 => (first_of(&code, NEWER_MARKS)?, Dialect::V0_20),
        Dialect::V0_20 => (
            first_of(&code, OLDER_MARKS).or_else(|| bare_list_literal(&code))?,
            Dialect::V0_8,
        ),
    };
    let (line, what) = found;
    let what = format!(
        "line {line} uses `{what}`, which is rill {} syntax, not {}",
        other.as_str(),
        dialect.as_str()
    );
    Some((what, other))
}

/// Constructs of rill 0.20 that 0.8 does not have (matched on code, strings and comments
/// blanked out).
const NEWER_MARKS: &[&str] = &[
    "list[",
    "dict[",
    "tuple[",
    "ordered[",
    "seq(",
    "fan(",
    "acc(",
    "kv.get(",
    "kv.set(",
    "kv.delete(",
    "kv.keys(",
    "kv.has(",
    "kv.merge(",
    "kv.get_or(",
    "kv.getAll(",
    "kv.clear(",
    "fs.read(",
    "fs.write(",
    "fs.list(",
    "fs.find(",
    "fs.exists(",
    "fs.stat(",
    "fs.remove(",
    "fs.append(",
    "fs.mkdir(",
    "fs.copy(",
    "fs.move(",
    "retry<",
    "guard {",
    "guard<",
    "use<",
    "timeout<",
];

/// Constructs of rill 0.8 that 0.20 no longer has.
const OLDER_MARKS: &[&str] = &[
    "kv::", "fs::", "-> each", "-> map", "=> each", "each {", "map {", "each(", ":>",
];

/// The line and text of the first mark found in `code` (earliest position wins).
fn first_of(code: &str, marks: &[&'static str]) -> Option<(usize, &'static str)> {
    let (at, mark) = marks
        .iter()
        .filter_map(|m| find_word(code, m).map(|i| (i, *m)))
        .min_by_key(|(i, _)| *i)?;
    Some((line_at(code, at), mark))
}

/// `mark` in `code` where it does not continue an identifier (`myseq(` is not `seq(`).
fn find_word(code: &str, mark: &str) -> Option<usize> {
    let starts_word = mark.starts_with(|c: char| c.is_alphanumeric() || c == '_');
    code.match_indices(mark).map(|(i, _)| i).find(|&i| {
        !starts_word
            || !code[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.')
    })
}

/// A `[` that opens a list literal (0.8's `[1, 2]`): after the start of a line, `(`, `,`,
/// `->`, `=>`, `?`, `!` or `:`, where 0.20 wants `list[`.
fn bare_list_literal(code: &str) -> Option<(usize, &'static str)> {
    let bytes = code.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'[' {
            continue;
        }
        let before = code[..i].trim_end_matches([' ', '\t']);
        let opens = before.is_empty()
            || before.ends_with(['\n', '(', ',', '?', '!', ':'])
            || before.ends_with("->")
            || before.ends_with("=>");
        if opens && !before.ends_with("::") {
            return Some((line_at(code, i), "[…] list literal"));
        }
    }
    None
}

fn line_at(code: &str, at: usize) -> usize {
    code[..at].matches('\n').count() + 1
}

/// `source` with the contents of strings and comments replaced by spaces (lines kept), so
/// that marks are looked for in code only.
fn code_only(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                out.push(' ');
                while let Some(&n) = chars.peek() {
                    if n == '\n' {
                        break;
                    }
                    out.push(' ');
                    chars.next();
                }
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for n in chars.by_ref() {
                    if !escaped && n == '"' {
                        out.push('"');
                        break;
                    }
                    escaped = !escaped && n == '\\';
                    out.push(blank(n));
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_in_every_spelling() {
        for s in ["0.8", "0.8.6", "v0.8.6"] {
            assert_eq!(s.parse::<Dialect>(), Ok(Dialect::V0_8));
        }
        for s in ["0.20", "0.20.0", "v0.20"] {
            assert_eq!(s.parse::<Dialect>(), Ok(Dialect::V0_20));
        }
        let e = "0.18".parse::<Dialect>().unwrap_err();
        assert!(e.contains("0.8 (v0.8.6) and 0.20"), "{e}");
    }

    #[test]
    fn the_flag_wins_then_the_profile() {
        let set = DialectChoice::Set {
            dialect: Dialect::V0_20,
            by: "x".into(),
        };
        assert_eq!(set.resolve(None), Ok(Dialect::V0_20));
        assert_eq!(set.resolve(Some(Dialect::V0_8)), Ok(Dialect::V0_8));
        assert_eq!(DialectChoice::Default.resolve(None), Ok(Dialect::DEFAULT));
        let unknown = DialectChoice::Unknown("say which".into());
        assert_eq!(unknown.resolve(None), Err("say which".into()));
        assert_eq!(unknown.resolve(Some(Dialect::V0_8)), Ok(Dialect::V0_8));
    }

    #[test]
    fn a_script_in_the_other_dialect_gets_a_hint() {
        let h = wrong_dialect_hint(Dialect::V0_8, "1 => $x\nlist[1, 2] -> seq({ $ * 2 })").unwrap();
        assert!(h.starts_with("line 2 uses `list[`"), "{h}");
        assert!(
            h.contains("rill 0.20 syntax, not 0.8: run it with --rill 0.20"),
            "{h}"
        );
        let h = wrong_dialect_hint(Dialect::V0_8, "kv.get(\"user\", \"name\")").unwrap();
        assert!(h.contains("`kv.get(`"), "{h}");

        let h = wrong_dialect_hint(Dialect::V0_20, "[1, 2] -> each { $ * 2 }").unwrap();
        assert!(h.starts_with("line 1 uses `-> each`"), "{h}");
        assert!(h.contains("--rill 0.8"), "{h}");
        let h = wrong_dialect_hint(Dialect::V0_20, "\"x\" -> log\n[1, 2]").unwrap();
        assert!(h.starts_with("line 2 uses `[…] list literal`"), "{h}");
        let h = wrong_dialect_hint(Dialect::V0_20, "kv::get(\"a\", \"b\")").unwrap();
        assert!(h.contains("`kv::`"), "{h}");

        // Strings, comments and longer names are not code of the other dialect.
        assert_eq!(
            wrong_dialect_hint(Dialect::V0_8, "\"list[1]\" # seq(\n1 +"),
            None
        );
        assert_eq!(wrong_dialect_hint(Dialect::V0_8, "$myseq(1)"), None);
        assert_eq!(
            wrong_dialect_hint(Dialect::V0_20, "list[1, 2] -> $xs[0]"),
            None
        );
    }
}
