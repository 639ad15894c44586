//! The screens of the stack. The browser is always at the bottom; popups (help, confirm,
//! prompt, editor) and the migration view are pushed over it and popped when done.
//!
//! Each screen keeps its own state and an `update` that returns [`Effects`]; views read state
//! only. The rill scratchpad (snippets run against a profile's mounts) is a full screen
//! pushed from the browser like the migration view.

pub mod browser;
pub mod browser_view;
pub mod browser_write;
pub mod confirm;
pub mod editor;
pub mod help;
pub mod item_list;
pub mod migrate;
pub mod preview;
pub mod scratchpad;
pub mod scratchpad_view;

use super::action::Command;
use super::keymap::KeyContext;

/// One entry of the screen stack.
#[derive(Debug)]
pub enum Screen {
    Browser(Box<browser::BrowserScreen>),
    Help(help::HelpScreen),
    Confirm(Box<confirm::ConfirmScreen>),
    Prompt(Box<confirm::PromptScreen>),
    Editor(Box<editor::EditorScreen>),
    Migrate(Box<migrate::MigrateScreen>),
    Scratchpad(Box<scratchpad::ScratchpadScreen>),
}

impl Screen {
    /// The keymap context of this screen.
    pub fn key_context(&self) -> KeyContext {
        match self {
            Screen::Browser(b) if b.filtering || b.goto.is_some() => KeyContext::Filter,
            Screen::Browser(_) => KeyContext::Browser,
            Screen::Help(_) => KeyContext::Help,
            Screen::Confirm(_) => KeyContext::Confirm,
            Screen::Prompt(_) => KeyContext::Prompt,
            Screen::Editor(_) => KeyContext::Editor,
            Screen::Migrate(_) => KeyContext::Migrate,
            Screen::Scratchpad(_) => KeyContext::Scratchpad,
        }
    }

    /// Popups are drawn over the screen below them.
    pub fn is_popup(&self) -> bool {
        matches!(
            self,
            Screen::Help(_) | Screen::Confirm(_) | Screen::Prompt(_) | Screen::Editor(_)
        )
    }
}

/// What a screen's update asks the app to do.
#[derive(Debug, Default)]
pub struct Effects {
    pub commands: Vec<Command>,
    pub push: Option<Screen>,
    /// Remove this screen from the stack.
    pub pop: bool,
}

impl Effects {
    pub fn commands(commands: Vec<Command>) -> Effects {
        Effects {
            commands,
            ..Effects::default()
        }
    }
    pub fn push(screen: Screen) -> Effects {
        Effects {
            push: Some(screen),
            ..Effects::default()
        }
    }
    pub fn pop() -> Effects {
        Effects {
            pop: true,
            ..Effects::default()
        }
    }
}
