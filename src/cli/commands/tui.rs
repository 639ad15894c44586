//! `rillmount` / `rillmount tui [-p PROFILE]`: loads every discovered profile and opens the
//! terminal UI on the chosen one (or the first). A profile that does not load is reported on
//! stderr and left out; the others still open.

use crate::config::load::{discover, load_profile};

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
            Err(e) => eprintln!("warning: profile `{}` left out: {e}", f.name),
        }
    }
    if profiles.is_empty() {
        return Err(Failure::usage(
            "no profiles found: add one to ./profiles/ or ~/.config/rillmount/profiles/, \
             or pass -p PATH",
        ));
    }
    crate::tui::run(profiles, start).map_err(|e| Failure::op(format!("{e:#}")))
}
