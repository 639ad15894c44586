//! `rillmount eval`: run a rill script (FILE, `-` for stdin, or `-e SNIPPET`).
//!
//! Output modes: plain (display form on stdout, logs on stderr, errors with line:col, source
//! line and caret on stderr, exit 1); `--json` (one JSON line, the conformance runner
//! contract of spec/language.md §17); `--jsonl` (one request per stdin line, one response per
//! line). `--host HOST.json` installs a replay host (recorded host calls, variables,
//! autoExceptions); `--jsonl` and `--host` runs never touch storage.
//!
//! Every other run goes through `rill::mounts::session::run_script`: with `-p PROFILE` the script
//! reaches the profile's mounts as `kv::`/`fs::` functions; `--dry-run` sends writes to
//! copy-on-write overlays and prints the diff (`+`/`~`/`-`, before → after) on stderr, or under
//! `"changes"` with `--json`. Ctrl-C cancels the run (RILL-R013, exit 1); `--max-steps` and
//! `--timeout` bound it. A `protect` profile refuses writes without `--yes`; a `readOnly`
//! profile refuses them always (both as script errors). A profile that cannot be loaded is a
//! setup error: with `--json`, `{"ok":false,"phase":"setup","error":{…}}` (mounts open on first
//! use, so a store that cannot be opened is a script error instead).

use super::Ctx;
use crate::cli::output::{SetupCode, SetupError, finish};
use crate::rill::dialect::{Dialect, DialectChoice, hint_applies, wrong_dialect_hint};
use crate::rill::eval::{Interp, LogSink, Options, run_with_big_stack};
use crate::rill::host::{HostRegistry, replay_host};
use crate::rill::mounts::session::{RunOptions, RunReport, ScriptMounts, run_script};
use crate::rill::value::encode;
use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `rillmount eval`.
#[derive(clap::Args, Debug, Clone)]
pub struct EvalArgs {
    /// Profile whose mounts are exposed to the script as `kv`/`fs` (v0.20: `kv.get(…)`; v0.8: `kv::get(…)`).
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
    /// Send writes to a copy-on-write overlay and print what would change.
    #[arg(long)]
    pub dry_run: bool,
    /// Confirm writes to a protected profile.
    #[arg(long)]
    pub yes: bool,
    /// Stop after N statements, loop iterations and calls (RILL-R010).
    #[arg(long, value_name = "N")]
    pub max_steps: Option<u64>,
    /// Stop after SECS seconds (RILL-R013).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Fail a kv/fs call that takes longer than SECS seconds (RILL-R012), e.g. against an
    /// unreachable server.
    #[arg(long, value_name = "SECS")]
    pub call_timeout: Option<f64>,
    /// The rill the script is written in: 0.8 (v0.8.6) or 0.20 (v0.20.0). Default: the
    /// profile's `[profile] rill`, else what its rill-config.json packages tell, else 0.20 (the newest).
    #[arg(long = "rill", value_name = "VERSION")]
    pub rill: Option<Dialect>,
}

/// Result of one run, ready to print (computed on the interpreter thread).
struct RunOut {
    json: serde_json::Value,
    display: Result<String, String>,
    logs: Vec<String>,
}

fn run_source(
    src: String,
    host: Option<serde_json::Value>,
    echo_logs: bool,
    dialect: Dialect,
) -> RunOut {
    let mut registry = HostRegistry::default();
    let mut vars = Vec::new();
    let mut opts = Options::default();
    if let Some(h) = host.as_ref().filter(|h| !h.is_null()) {
        let r = replay_host(h);
        registry = r.registry;
        vars = r.variables;
        opts.auto_exceptions = r.auto_exceptions;
    }
    let mut it = Interp::new(crate::rill::builtins::library(dialect), registry, opts);
    if echo_logs {
        it.on_log = Some(LogSink::stderr());
    }
    for (k, v) in vars {
        it.set_var(&k, v);
    }
    let crate::rill::eval::Outcome { result, logs } = it.run_outcome(&src);
    match result {
        Ok(v) => RunOut {
            json: serde_json::json!({"ok": true, "value": encode(&v), "logs": logs}),
            display: Ok(it.text(&v)),
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
    dialect: Dialect,
) -> (String, Result<String, String>, Vec<String>) {
    let out = run_with_big_stack(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_source(src, host, echo_logs, dialect)
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
pub fn run(ctx: &Ctx, args: &EvalArgs) -> ExitCode {
    let dialect = args.rill.unwrap_or(Dialect::DEFAULT);
    if args.jsonl {
        return run_jsonl(dialect);
    }
    if args.host.is_none() {
        return run_session(ctx, args);
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
    let (json, display, _logs) = run_isolated(src, host, !args.json, dialect);
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

fn run_jsonl(dialect: Dialect) -> ExitCode {
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
                let (json, _, _) = run_isolated(script, host, false, dialect);
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

/// A run through `run_script` (with or without a profile).
fn run_session(ctx: &Ctx, args: &EvalArgs) -> ExitCode {
    let src = match read_source(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let timeout = match args.timeout {
        Some(t) if !(t.is_finite() && t > 0.0) => {
            eprintln!("error: --timeout must be a positive number of seconds");
            return ExitCode::from(2);
        }
        t => t.map(std::time::Duration::from_secs_f64),
    };
    let call_timeout = match args.call_timeout {
        Some(t) if !(t.is_finite() && t > 0.0) => {
            eprintln!("error: --call-timeout must be a positive number of seconds");
            return ExitCode::from(2);
        }
        t => t.map(std::time::Duration::from_secs_f64),
    };
    let profile = match &args.profile {
        Some(spec) => match ctx.profile(spec) {
            Ok(p) => Some(p),
            Err(f) => return finish(Err(f), args.json),
        },
        None => None,
    };
    let choice = profile
        .as_ref()
        .map_or(DialectChoice::Default, |p| p.rill.clone());
    let dialect = match choice.resolve(args.rill) {
        Ok(d) => d,
        Err(why) => {
            let mut e = SetupError::usage(
                SetupCode::Profile,
                format!("which rill does this profile run? {why}"),
            );
            e.file = profile.as_ref().map(|p| p.path.display().to_string());
            return finish(Err(e.into()), args.json);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let opts = RunOptions {
        dry_run: args.dry_run,
        max_steps: args.max_steps,
        timeout,
        call_timeout,
        confirmed: args.yes,
        // Plain mode prints logs as they happen; --json keeps them for the report.
        on_log: (!args.json).then(LogSink::stderr),
        dialect,
        ..RunOptions::default()
    };
    let report = rt.block_on(async {
        let mounts = match &profile {
            // Opened on first use, so connecting is bounded like any call (--call-timeout,
            // --timeout, Ctrl-C) and an unused mount costs nothing.
            Some(p) if args.dry_run => ScriptMounts::lazy_read_only(p),
            Some(p) => ScriptMounts::lazy(p),
            None => ScriptMounts::default(),
        };
        let cancel = opts.cancel.clone();
        let ctrl_c = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        });
        let report = run_script(&mounts, &src, &opts).await;
        ctrl_c.abort();
        report
    });
    let hint = report
        .error
        .as_ref()
        .filter(|e| hint_applies(&e.code))
        .and_then(|_| wrong_dialect_hint(dialect, &src));
    print_report(&report, args, hint)
}

fn print_report(report: &RunReport, args: &EvalArgs, hint: Option<String>) -> ExitCode {
    if args.json {
        let mut out = match (&report.error, &report.value_json) {
            (Some(e), _) => serde_json::json!({
                "ok": false,
                "error": {"code": (!e.code.is_empty()).then_some(e.code.as_str()), "message": e.message},
                "logs": report.logs,
            }),
            (None, v) => serde_json::json!({"ok": true, "value": v, "logs": report.logs}),
        };
        if args.dry_run
            && let Some(o) = out.as_object_mut()
        {
            let changes: Vec<_> = report.changes.iter().map(|c| c.to_json()).collect();
            o.insert("changes".into(), serde_json::Value::Array(changes));
        }
        println!("{out}");
        return ExitCode::SUCCESS;
    }
    if args.dry_run {
        if report.changes.is_empty() {
            eprintln!("dry run: no changes");
        } else {
            eprintln!("dry run: would write {} change(s):", report.changes.len());
            for c in &report.changes {
                eprintln!("{}", c.diff_line());
            }
        }
    }
    match (&report.error, &report.value) {
        (Some(e), _) => {
            eprintln!("{}", e.render());
            if let Some(h) = hint {
                eprintln!("hint: {h}");
            }
            ExitCode::from(1)
        }
        (None, v) => {
            println!("{}", v.as_deref().unwrap_or_default());
            ExitCode::SUCCESS
        }
    }
}
