//! `rillmount eval`: run a rill script (FILE, `-` for stdin, or `-e SNIPPET`).
//!
//! Output modes: plain (display form on stdout, logs on stderr, errors with line:col, source
//! line and caret on stderr, exit 1); `--json` (one JSON line, the conformance runner
//! contract of spec/language.md §17); `--jsonl` (one request per stdin line, one response per
//! line). `--host HOST.json` installs a replay host (recorded host calls, variables,
//! autoExceptions). `--dry-run` is accepted; the storage overlay is wired later.

use crate::rill::eval::{Interp, Options, run_with_big_stack};
use crate::rill::host::{HostRegistry, replay_host};
use crate::rill::value::encode;
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `rillmount eval`.
#[derive(clap::Args, Debug, Clone)]
pub struct EvalArgs {
    /// Profile whose mounts are exposed to the script as kv::/fs:: functions.
    #[arg(short = 'p', long = "profile")]
    pub profile: Option<String>,
    /// Script text to run instead of FILE.
    #[arg(short = 'e', value_name = "SNIPPET")]
    pub snippet: Option<String>,
    /// Script file, or `-` for stdin.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print one JSON line `{"ok", "value"|"error", "logs"}`.
    #[arg(long)]
    pub json: bool,
    /// Batch mode: one JSON request per stdin line (`{"id","script","host"}`).
    #[arg(long)]
    pub jsonl: bool,
    /// Replay host description (conformance case `host` object).
    #[arg(long, value_name = "HOST.json")]
    pub host: Option<PathBuf>,
    /// Do not write to storage (accepted; the overlay comes with the storage binding).
    #[arg(long)]
    pub dry_run: bool,
}

/// Result of one run, ready to print (computed on the interpreter thread).
struct RunOut {
    json: serde_json::Value,
    display: Result<String, String>,
    logs: Vec<String>,
}

fn run_source(src: String, host: Option<serde_json::Value>, echo_logs: bool) -> RunOut {
    let mut registry = HostRegistry::default();
    let mut vars = Vec::new();
    let mut opts = Options::default();
    if let Some(h) = host.as_ref().filter(|h| !h.is_null()) {
        let r = replay_host(h);
        registry = r.registry;
        vars = r.variables;
        opts.auto_exceptions = r.auto_exceptions;
    }
    let mut it = Interp::new(registry, opts);
    it.echo_logs = echo_logs;
    for (k, v) in vars {
        it.set_var(&k, v);
    }
    let crate::rill::eval::Outcome { result, logs } = it.run_outcome(&src);
    match result {
        Ok(v) => RunOut {
            json: serde_json::json!({"ok": true, "value": encode(&v), "logs": logs}),
            display: Ok(v.display()),
            logs,
        },
        Err(e) => RunOut {
            json: serde_json::json!({"ok": false, "error": {"code": e.code, "message": e.message}, "logs": logs}),
            display: Err(e.render(&src)),
            logs,
        },
    }
}

/// Run on a big-stack thread; a panic becomes a code-less error instead of a crash.
fn run_isolated(
    src: String,
    host: Option<serde_json::Value>,
    echo_logs: bool,
) -> (String, Result<String, String>, Vec<String>) {
    let out = run_with_big_stack(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_source(src, host, echo_logs)
        }));
        match r {
            Ok(o) => (o.json.to_string(), o.display, o.logs),
            Err(_) => {
                let j = serde_json::json!({"ok": false, "error": {"code": null, "message": "internal interpreter error"}});
                (
                    j.to_string(),
                    Err("internal interpreter error".into()),
                    vec![],
                )
            }
        }
    });
    out.unwrap_or_else(|| {
        let j = serde_json::json!({"ok": false, "error": {"code": null, "message": "internal interpreter error"}});
        (j.to_string(), Err("internal interpreter error".into()), vec![])
    })
}

fn read_source(args: &EvalArgs) -> Result<String, String> {
    if let Some(s) = &args.snippet {
        return Ok(s.clone());
    }
    match &args.file {
        Some(p) if p.as_os_str() == "-" => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            Ok(s)
        }
        Some(p) => {
            std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
        }
        None => Err("no script given: pass FILE, - or -e SNIPPET".into()),
    }
}

/// Run `rillmount eval` with parsed arguments.
pub fn run(args: &EvalArgs) -> ExitCode {
    if args.jsonl {
        return run_jsonl();
    }
    let src = match read_source(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let host = match &args.host {
        Some(p) => match std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(h) => Some(h),
            Err(e) => {
                eprintln!("error: cannot load host file {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let (json, display, _logs) = run_isolated(src, host, !args.json);
    if args.json {
        println!("{json}");
        return ExitCode::SUCCESS;
    }
    match display {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

fn run_jsonl() -> ExitCode {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let resp = match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(req) => {
                let script = req.get("script").and_then(|s| s.as_str()).unwrap_or_default().to_string();
                let host = req.get("host").cloned().filter(|h| !h.is_null());
                let (json, _, _) = run_isolated(script, host, false);
                json
            }
            Err(e) => serde_json::json!({"ok": false, "error": {"code": null, "message": format!("bad request: {e}")}}).to_string(),
        };
        if writeln!(out, "{resp}").is_err() {
            return ExitCode::from(1);
        }
        let _ = out.flush();
    }
    ExitCode::SUCCESS
}
