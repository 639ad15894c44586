//! The headless command line (PRODUCT.md "Command line"). Exit codes: 0 success, 1 a failed
//! operation, 2 bad usage.
//!
//! On the `rill` branch only `eval` is wired (minimal clap parser); the lead's CLI replaces this
//! file at merge and calls `commands::eval::run`.

pub mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "rillmount")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run a rill script.
    Eval(commands::eval::EvalArgs),
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.cmd {
        Cmd::Eval(a) => commands::eval::run(&a),
    }
}
