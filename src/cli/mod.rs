//! The headless command line (PRODUCT.md "Command line").
//!
//! `args.rs` is the grammar, `commands/` one file per command family, `output.rs` printing.
//! Exit codes: 0 success, 1 a failed operation (`error: …` on stderr), 2 bad usage (clap's own
//! errors, malformed addresses, unknown profiles or mounts, an invalid JSON argument).
//! `rillmount` without a subcommand opens the TUI.

pub mod args;
pub mod commands;
pub mod output;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use commands::Ctx;
use output::Failure;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    run(cli)
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let ctx = Ctx::from_process();
    let command = match cli.command {
        None => return finish(commands::tui::run(&ctx, &cli.profile)),
        Some(Command::Tui(a)) => return finish(commands::tui::run(&ctx, &a.profile)),
        Some(c) => c,
    };
    if let Command::Eval(a) = &command {
        return commands::eval::run(&ctx, a);
    }
    let result = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(dispatch(&ctx, command)),
        Err(e) => Err(Failure::op(format!("cannot start the async runtime: {e}"))),
    };
    finish(result)
}

/// The exit code of a command's result, its message on stderr.
fn finish(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) | Err(Failure::Closed) => ExitCode::SUCCESS,
        Err(Failure::Op(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
    }
}

async fn dispatch(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    match command {
        Command::Profiles(a) => commands::profiles::run(ctx, &a),
        Command::Mounts(a) => commands::mounts::run(ctx, &a),
        Command::Kv(c) => commands::kv::run(ctx, &c).await,
        Command::Fs(c) => commands::fs::run(ctx, &c).await,
        // Handled before the runtime starts: the TUI runs its own.
        Command::Tui(_) => Ok(()),
        Command::Diff(a) => commands::migrate::diff(ctx, &a).await,
        Command::Copy(a) => commands::migrate::run_copy(ctx, &a).await,
        Command::Verify(a) => commands::migrate::run_verify(ctx, &a).await,
        // Runs before the runtime starts (it has its own); see `run`.
        Command::Eval(_) => Ok(()),
    }
}
