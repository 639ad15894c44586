//! `rillmount eval`: PLACEHOLDER. The interpreter branch replaces this file at merge; only the
//! shape (`EvalArgs`, `run`) is the contract the dispatcher uses.

use std::process::ExitCode;

/// `eval [-p PROFILE] (-e SNIPPET | FILE | -) [--json] [--jsonl] [--host HOST.json] [--dry-run]`
#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// Profile name or path of a profile file
    #[arg(
        short = 'p',
        long = "profile",
        env = "RILLMOUNT_PROFILE",
        value_name = "PROFILE"
    )]
    pub profile: Option<String>,
    /// The snippet to run
    #[arg(short = 'e', value_name = "SNIPPET", conflicts_with = "file")]
    pub snippet: Option<String>,
    /// A script file, or - for stdin
    #[arg(value_name = "FILE")]
    pub file: Option<String>,
    /// Print the runner contract as one JSON object
    #[arg(long)]
    pub json: bool,
    /// Print logs and the result as JSON lines
    #[arg(long)]
    pub jsonl: bool,
    /// A host description (HOST.json)
    #[arg(long, value_name = "HOST.json")]
    pub host: Option<String>,
    /// Run against copies; write nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs the command; the exit code follows the CLI contract (0, 1, 2).
pub fn run(_args: &EvalArgs) -> ExitCode {
    eprintln!("error: eval is not built yet");
    ExitCode::from(1)
}
