//! The terminal UI (PRODUCT.md "TUI", STYLE.md "TUI flow").
//!
//! ```text
//! crossterm/tick ─┐
//! task results ───┴─> Event ─keymap─> Action ─App::update─> State ─view─> Frame
//!                                         └─> Command ─tasks.rs─> spawn ─> Event
//! ```
//!
//! - `event.rs` merges terminal input, a tick and task results into one channel;
//! - `keymap.rs` maps keys to actions per screen (defaults + `keymap.toml`);
//! - `app.rs` holds the screen stack and `update` (sync, no I/O);
//! - `tasks.rs` runs commands in tokio tasks;
//! - `history.rs` keeps the scratchpad's snippets per profile (state folder);
//! - `screens/` and `widgets/` draw; views never do I/O.
//!
//! Settings: `RILLMOUNT_THEME=light|dark` picks the palette (`T` toggles it), and
//! `keymap.toml` in the config folder (`~/.config/rillmount/` on Linux) rebinds keys (see
//! `keymap.rs`). Mouse and bracketed paste are enabled while the UI runs.

pub mod action;
pub mod app;
pub mod context;
pub mod event;
pub mod history;
pub mod keymap;
pub mod screens;
pub mod tasks;
pub mod theme;
pub mod widgets;

use std::io::{self, Stdout};
use std::time::Duration;

use anyhow::Context as _;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use crate::config::Profile;
use crate::rill::dialect::Dialect;
use app::App;
use context::LeftOut;
use event::{Event, Events};
use keymap::Keymap;
use tasks::Tasks;
use theme::Theme;

/// How often the loop wakes without input (spinner frames while something loads).
const TICK: Duration = Duration::from_millis(150);

/// Runs the TUI over already-loaded profiles until the user quits. `start` names the profile
/// shown first; `left_out` are profiles that did not load, shown with their reasons.
///
/// Sets up the terminal (raw mode, alternate screen, mouse, bracketed paste) and restores it
/// on every exit, a panic included. Starts its own tokio runtime, so call it from plain
/// synchronous code (not from inside another runtime).
pub fn run(
    profiles: Vec<Profile>,
    left_out: Vec<LeftOut>,
    start: Option<String>,
) -> anyhow::Result<()> {
    let (keymap, keymap_error) = load_keymap();
    let theme = Theme::from_name(std::env::var("RILLMOUNT_THEME").ok().as_deref());
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    install_panic_hook();
    let mut terminal = setup().context("cannot set up the terminal")?;
    let result = rt.block_on(run_loop(
        &mut terminal,
        profiles,
        left_out,
        start,
        theme,
        keymap,
        keymap_error,
    ));
    let restored = restore();
    drop(terminal);
    // Background reads (a slow server, the terminal reader) must not keep the process alive.
    rt.shutdown_timeout(Duration::from_millis(500));
    result?;
    restored.context("cannot restore the terminal")
}

async fn run_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    profiles: Vec<Profile>,
    left_out: Vec<LeftOut>,
    start: Option<String>,
    theme: Theme,
    keymap: Keymap,
    keymap_error: Option<String>,
) -> anyhow::Result<()> {
    let mut events = Events::start(TICK);
    let tasks = Tasks::new(events.sender());
    let (mut app, commands) = App::new(profiles, start.as_deref(), theme, keymap);
    app.ctx.set_left_out(left_out);
    if let Some(e) = keymap_error {
        app.ctx.error(e);
    }
    // Scratchpad history: a few small files, read once before the loop.
    if let Some(dir) = history::default_dir() {
        let named: Vec<(String, Dialect)> = app
            .ctx
            .profiles
            .iter()
            .map(|p| (p.name.clone(), p.rill.resolve(None).unwrap_or_default()))
            .collect();
        app.ctx.histories = history::load_all(&dir, named.iter().map(|(n, d)| (n.as_str(), *d)));
        app.ctx.history_dir = Some(dir);
    }
    app.ctx.journal_dir = Some(crate::migrate::apply::journal::default_dir());
    app.ctx.backup_root = Some(crate::migrate::apply::backup::default_root());
    let size = terminal.size()?;
    app.update(action::Action::Resize {
        width: size.width,
        height: size.height,
    });
    for c in commands {
        tasks.spawn(c);
    }
    while !app.quit {
        if app.dirty {
            terminal.draw(|f| f.render_widget(&app, f.area()))?;
            app.dirty = false;
        }
        let Some(ev) = events.next().await else { break };
        let commands = match ev {
            Event::Key(k) => app.handle_key(k),
            Event::Mouse(m) => app.handle_mouse(m),
            Event::Resize(w, h) => app.update(action::Action::Resize {
                width: w,
                height: h,
            }),
            Event::Paste(s) => app.update(action::Action::Paste(s)),
            Event::Tick => app.update(action::Action::Tick),
            Event::Action(a) => app.update(a),
            Event::Error(e) => anyhow::bail!(e),
        };
        for c in commands {
            tasks.spawn(c);
        }
    }
    Ok(())
}

/// The keymap with the user's `keymap.toml` (config folder) applied; an error in that file
/// leaves the defaults and is shown on the status line.
fn load_keymap() -> (Keymap, Option<String>) {
    let Some(dirs) = directories::ProjectDirs::from("", "", "rillmount") else {
        return (Keymap::default(), None);
    };
    let path = dirs.config_dir().join("keymap.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => match Keymap::with_overrides(&text) {
            Ok(k) => (k, None),
            Err(e) => (Keymap::default(), Some(format!("{}: {e}", path.display()))),
        },
        Err(_) => (Keymap::default(), None),
    }
}

fn setup() -> io::Result<Terminal<CrosstermBackend<Stdout>>> {
    enable_raw_mode()?;
    let mut out = io::stdout();
    execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )?;
    Terminal::new(CrosstermBackend::new(out))
}

fn restore() -> io::Result<()> {
    disable_raw_mode()?;
    execute!(
        io::stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    )
}

/// Restores the terminal before the default hook prints the panic, so the message is readable.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = restore();
        previous(info);
    }));
}
