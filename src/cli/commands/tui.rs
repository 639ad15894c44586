//! `rillmount` / `rillmount tui [-p PROFILE]`: loads every discovered profile and opens the
//! terminal UI on the chosen one (or the first). A profile that does not load is left out and
//! shown on screen with its reason (mount pane, status line); the others still open. A mount
//! a profile could not configure shows there as failed with its error.

use crate::config::load::{discover, load_profile};
use crate::tui::context::LeftOut;

use super::super::args::ProfileOpt;
use super::super::output::Failure;
use super::Ctx;

/// Opens the TUI. Runs outside any async runtime (the TUI starts its own).
pub fn run(ctx: &Ctx, opt: &ProfileOpt) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "the terminal UI needs a terminal; `rillmount --help` lists the commands",
        ));
    }
    let mut profiles = Vec::new();
    let mut left_out = Vec::new();
    let start = match &opt.profile {
        Some(spec) => {
            let p = ctx.profile(spec)?;
            let name = p.name.clone();
            profiles.push(p);
            Some(name)
        }
        None => None,
    };
    for f in discover(&ctx.cwd) {
        if f.shadowed || start.as_deref() == Some(f.name.as_str()) {
            continue;
        }
        match load_profile(&f.path, Some(&f.name), &ctx.env) {
            Ok(p) => profiles.push(p),
            Err(error) => left_out.push(LeftOut {
                name: f.name.clone(),
                error,
            }),
        }
    }
    if profiles.is_empty() {
        if !left_out.is_empty() {
            let reasons: Vec<String> = left_out
                .iter()
                .map(|l| format!("profile `{}`: {}", l.name, l.error))
                .collect();
            return Err(Failure::op(format!(
                "no profile could be loaded:\n  {}",
                reasons.join("\n  ")
            )));
        }
        return Err(Failure::usage(
            "no profiles found: add one to ./profiles/ or ~/.config/rillmount/profiles/, \
             or pass -p PATH",
        ));
    }
    crate::tui::run(profiles, left_out, start).map_err(|e| Failure::op(format!("{e:#}")))
}
