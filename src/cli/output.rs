//! Printing: a buffered stdout that stops quietly when the reader goes away (`| head`), JSON text
//! helpers for streamed output, and human formats for times and sizes.
//!
//! Streamed JSON (`kv keys --json`, `kv dump`, `fs ls --json`) is written piece by piece so
//! memory stays bounded whatever the number of entries; the result is still one valid JSON
//! document. Nothing here ever prints a secret: callers pass only redacted locations.

use std::fmt::Write as _;
use std::io::{self, BufWriter, StdoutLock, Write};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::ConfigError;
use crate::store::Json;

/// A failed command: bad usage (exit 2), a failed operation (exit 1), or a command that could
/// not start (`Setup`, exit 2 or 1 as its `usage` says). `Closed` means stdout was closed by
/// the reader: stop quietly with success.
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Op(String),
    Setup(Box<SetupError>),
    Closed,
}

/// What a command could not set up before doing anything: its address, its profile, the mount
/// there, or the store behind it.
///
/// A `--json` command prints it on stdout as `{"ok":false,"phase":"setup","error":{…}}`, the
/// error with the `code` and `message` of `eval --json`'s errors; stderr gets the same message.
/// Messages are the redacted ones of the config and store layers: never a secret.
#[derive(Debug, serde::Serialize)]
pub struct SetupError {
    pub code: SetupCode,
    pub message: String,
    /// The store's error kind when opening it failed (`connection`, `corrupt`, `timeout`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// The profile file the error is in, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The line of `file`, when the format tells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Bad usage (exit 2) rather than a failed operation (exit 1).
    #[serde(skip)]
    pub usage: bool,
}

/// What a setup failed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SetupCode {
    /// A malformed `PROFILE:MOUNT[/PATH]`, or one that names no profile.
    Address,
    /// The profile cannot be found, read or parsed.
    Profile,
    /// The profile has no such mount, or cannot configure it.
    Mount,
    /// The mount's store cannot be opened: unreachable, corrupt, missing.
    Store,
}

impl SetupError {
    /// Bad usage (exit 2): a name or address that does not resolve.
    pub fn usage(code: SetupCode, msg: impl std::fmt::Display) -> Self {
        SetupError {
            code,
            message: msg.to_string(),
            kind: None,
            file: None,
            line: None,
            usage: true,
        }
    }

    /// A failed operation (exit 1): what was named exists but cannot be used.
    pub fn op(code: SetupCode, msg: impl std::fmt::Display) -> Self {
        SetupError {
            usage: false,
            ..SetupError::usage(code, msg)
        }
    }

    /// With the file and line of a profile error.
    pub fn in_file(self, e: &ConfigError) -> Self {
        SetupError {
            file: Some(e.path.display().to_string()),
            line: e.line,
            ..self
        }
    }

    /// With the kind of store error that made opening fail.
    pub fn with_kind(self, kind: &'static str) -> Self {
        SetupError {
            kind: Some(kind),
            ..self
        }
    }
}

impl From<SetupError> for Failure {
    fn from(e: SetupError) -> Self {
        Failure::Setup(Box::new(e))
    }
}

impl Failure {
    pub fn op(msg: impl std::fmt::Display) -> Self {
        Failure::Op(msg.to_string())
    }
    pub fn usage(msg: impl std::fmt::Display) -> Self {
        Failure::Usage(msg.to_string())
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::Closed
        } else {
            Failure::Op(format!("cannot write output: {e}"))
        }
    }
}

/// The exit code of a command's result, its message on stderr. A setup failure of a `--json`
/// command also goes to stdout as one JSON line, so that a script reading stdout always gets
/// an object.
pub fn finish(result: Result<(), Failure>, json: bool) -> ExitCode {
    let (code, message) = match result {
        Ok(()) | Err(Failure::Closed) => return ExitCode::SUCCESS,
        Err(Failure::Op(m)) => (1, m),
        Err(Failure::Usage(m)) => (2, m),
        Err(Failure::Setup(e)) => {
            if json {
                print_setup_json(&e);
            }
            (if e.usage { 2 } else { 1 }, e.message)
        }
    };
    eprintln!("error: {message}");
    ExitCode::from(code)
}

/// `{"ok":false,"phase":"setup","error":{…}}` on stdout; a closed stdout is ignored (the exit
/// code and stderr still tell).
fn print_setup_json(e: &SetupError) {
    #[derive(serde::Serialize)]
    struct SetupJson<'a> {
        ok: bool,
        phase: &'static str,
        error: &'a SetupError,
    }
    let v = SetupJson {
        ok: false,
        phase: "setup",
        error: e,
    };
    if let Ok(text) = serde_json::to_string(&v) {
        let mut out = io::stdout().lock();
        let _ = writeln!(out, "{text}").and_then(|()| out.flush());
    }
}

/// Buffered standard output.
pub struct Out {
    w: BufWriter<StdoutLock<'static>>,
}

impl Out {
    pub fn new() -> Self {
        Out {
            w: BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
        }
    }

    pub fn line(&mut self, s: &str) -> Result<(), Failure> {
        self.w.write_all(s.as_bytes())?;
        self.w.write_all(b"\n")?;
        Ok(())
    }

    pub fn raw(&mut self, b: &[u8]) -> Result<(), Failure> {
        self.w.write_all(b)?;
        Ok(())
    }

    pub fn flush(&mut self) -> Result<(), Failure> {
        self.w.flush()?;
        Ok(())
    }

    /// Pretty JSON document followed by a newline.
    pub fn json(&mut self, v: &serde_json::Value) -> Result<(), Failure> {
        let text = serde_json::to_string_pretty(v).map_err(Failure::op)?;
        self.line(&text)
    }
}

impl Default for Out {
    fn default() -> Self {
        Self::new()
    }
}

/// A string as a JSON string literal.
pub fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Compact `JSON.stringify` text of a value: JavaScript number formatting and array-index keys
/// first, as rill would store it.
pub fn json_text(v: &Json) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Json, out: &mut String) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) if n.is_finite() => out.push_str(ryu_js::Buffer::new().format(*n)),
        Json::Number(_) => out.push_str("null"),
        Json::String(s) => out.push_str(&json_string(s)),
        Json::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(x, out);
            }
            out.push(']');
        }
        Json::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            let mut index_keys: Vec<(u32, &String)> = keys
                .iter()
                .filter_map(|k| array_index(k).map(|i| (i, *k)))
                .collect();
            index_keys.sort();
            keys.retain(|k| array_index(k).is_none());
            out.push('{');
            let ordered = index_keys.into_iter().map(|(_, k)| k).chain(keys);
            for (i, k) in ordered.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&json_string(k));
                out.push(':');
                write_json(&o[k.as_str()], out);
            }
            out.push('}');
        }
    }
}

/// JavaScript array-index keys (`"0"` … `"4294967294"`, canonical form) enumerate first.
fn array_index(k: &str) -> Option<u32> {
    let n: u32 = k.parse().ok()?;
    (n != u32::MAX && n.to_string() == k).then_some(n)
}

/// A value for `--json` output (integers without `.0`).
pub fn to_serde(v: &Json) -> serde_json::Value {
    use serde_json::Value as S;
    match v {
        Json::Null => S::Null,
        Json::Bool(b) => S::Bool(*b),
        Json::Number(n) => {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                S::from(*n as i64)
            } else {
                serde_json::Number::from_f64(*n).map_or(S::Null, S::Number)
            }
        }
        Json::String(s) => S::String(s.clone()),
        Json::Array(a) => S::Array(a.iter().map(to_serde).collect()),
        Json::Object(o) => S::Object(o.iter().map(|(k, v)| (k.clone(), to_serde(v))).collect()),
    }
}

/// A parsed JSON argument as a rill value (numbers become doubles, as in JavaScript).
pub fn from_serde(v: serde_json::Value) -> Json {
    use serde_json::Value as S;
    match v {
        S::Null => Json::Null,
        S::Bool(b) => Json::Bool(b),
        S::Number(n) => Json::Number(n.as_f64().unwrap_or(0.0)),
        S::String(s) => Json::String(s),
        S::Array(a) => Json::Array(a.into_iter().map(from_serde).collect()),
        S::Object(o) => Json::Object(o.into_iter().map(|(k, v)| (k, from_serde(v))).collect()),
    }
}

/// `2026-11-25T22:04:05Z` (UTC, seconds).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = crate::store::js_date::civil_from_days(days);
    let mut s = String::new();
    let _ = write!(
        s,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    s
}

/// `1.5 KiB`.
pub fn human_size(n: u64) -> String {
    humansize::format_size(n, humansize::BINARY)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn json_text_matches_json_stringify() {
        let v = from_serde(
            serde_json::from_str(r#"{"b":1,"2":[1.5,1e21,0.000001,-0],"a":"x\"y","1":null}"#)
                .unwrap(),
        );
        assert_eq!(
            json_text(&v),
            r#"{"1":null,"2":[1.5,1e+21,0.000001,0],"b":1,"a":"x\"y"}"#
        );
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_764_108_245);
        assert_eq!(rfc3339(t), "2025-11-25T22:04:05Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn serde_integers_have_no_fraction() {
        assert_eq!(to_serde(&Json::Number(3.0)).to_string(), "3");
        assert_eq!(to_serde(&Json::Number(0.5)).to_string(), "0.5");
    }
}
