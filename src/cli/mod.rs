//! The headless command line (PRODUCT.md "Command line").
//!
//! `args.rs` is the grammar, `commands/` one file per command family, `output.rs` printing.
//! Exit codes: 0 success, 1 a failed operation (`error: …` on stderr), 2 bad usage (clap's own
//! errors, malformed addresses, unknown profiles or mounts, an invalid JSON argument).
//! A command run with `--json` whose setup fails (address, profile, mount, opening the store)
//! also prints `{"ok":false,"phase":"setup","error":{…}}` on stdout ([`output::finish`]).
//! `rillmount` without a subcommand opens the TUI.

pub mod args;
pub mod commands;
pub mod output;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, FsCommand, KvCommand};
use commands::Ctx;
use output::{Failure, finish};

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
        None => return finish(commands::tui::run(&ctx, &cli.profile), false),
        Some(Command::Tui(a)) => return finish(commands::tui::run(&ctx, &a.profile), false),
        Some(c) => c,
    };
    if let Command::Eval(a) = &command {
        return commands::eval::run(&ctx, a);
    }
    let json = prints_json(&command);
    let result = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(dispatch(&ctx, command)),
        Err(e) => Err(Failure::op(format!("cannot start the async runtime: {e}"))),
    };
    finish(result, json)
}

/// Whether the command was asked for `--json` output: its setup failures are JSON then too.
/// No catch-all arm, so that a new command has to answer.
fn prints_json(command: &Command) -> bool {
    match command {
        Command::Profiles(a) => a.json,
        Command::Mounts(a) => a.json,
        Command::Kv(KvCommand::Keys { json, .. } | KvCommand::Grep { json, .. }) => *json,
        Command::Kv(
            KvCommand::Get { .. }
            | KvCommand::Set { .. }
            | KvCommand::Del { .. }
            | KvCommand::Dump { .. },
        ) => false,
        Command::Fs(FsCommand::Ls { json, .. } | FsCommand::Stat { json, .. }) => *json,
        Command::Fs(FsCommand::Cat { .. } | FsCommand::Put { .. } | FsCommand::Rm { .. }) => false,
        Command::Eval(a) => a.json,
        Command::Diff(a) => a.json,
        Command::Copy(a) => a.json,
        Command::Verify(a) => a.json,
        Command::Restore(a) => a.json,
        Command::Tui(_) => false,
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
        Command::Restore(a) => commands::migrate::run_restore(ctx, &a).await,
        // Runs before the runtime starts (it has its own); see `run`.
        Command::Eval(_) => Ok(()),
    }
}
