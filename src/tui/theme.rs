//! Colours: one dark and one light palette. Every view takes its colours from [`Theme`], never
//! from literals, so a palette switch (`T`, or `RILLMOUNT_THEME=light`) recolours everything.

use ratatui::style::{Color, Modifier, Style};

/// A palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub dark: bool,
    pub text: Color,
    pub dim: Color,
    pub accent: Color,
    pub border: Color,
    pub border_focus: Color,
    pub selection_bg: Color,
    pub error: Color,
    pub warn: Color,
    pub ok: Color,
    /// `protect` profiles.
    pub protect: Color,
    /// `readOnly` profiles and `read` mounts.
    pub read_only: Color,
    pub json_key: Color,
    pub json_string: Color,
    pub json_number: Color,
    pub json_literal: Color,
    pub json_punct: Color,
}

impl Theme {
    pub fn dark() -> Theme {
        Theme {
            dark: true,
            text: Color::Gray,
            dim: Color::DarkGray,
            accent: Color::Cyan,
            border: Color::DarkGray,
            border_focus: Color::Cyan,
            selection_bg: Color::Indexed(237),
            error: Color::LightRed,
            warn: Color::Yellow,
            ok: Color::LightGreen,
            protect: Color::LightRed,
            read_only: Color::Yellow,
            json_key: Color::LightBlue,
            json_string: Color::LightGreen,
            json_number: Color::LightMagenta,
            json_literal: Color::LightYellow,
            json_punct: Color::DarkGray,
        }
    }

    pub fn light() -> Theme {
        Theme {
            dark: false,
            text: Color::Black,
            dim: Color::Gray,
            accent: Color::Blue,
            border: Color::Gray,
            border_focus: Color::Blue,
            selection_bg: Color::Indexed(253),
            error: Color::Red,
            warn: Color::Indexed(130),
            ok: Color::Green,
            protect: Color::Red,
            read_only: Color::Indexed(130),
            json_key: Color::Blue,
            json_string: Color::Green,
            json_number: Color::Magenta,
            json_literal: Color::Indexed(130),
            json_punct: Color::Gray,
        }
    }

    /// The palette named by `RILLMOUNT_THEME` (`light` or `dark`, default dark).
    pub fn from_name(name: Option<&str>) -> Theme {
        match name {
            Some("light") => Theme::light(),
            _ => Theme::dark(),
        }
    }

    pub fn toggled(&self) -> Theme {
        if self.dark {
            Theme::light()
        } else {
            Theme::dark()
        }
    }

    pub fn text(&self) -> Style {
        Style::new().fg(self.text)
    }
    pub fn dim(&self) -> Style {
        Style::new().fg(self.dim)
    }
    pub fn selected(&self, focused: bool) -> Style {
        let s = Style::new().bg(self.selection_bg);
        if focused {
            s.add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            s.add_modifier(Modifier::BOLD)
        }
    }
    pub fn border(&self, focused: bool) -> Style {
        Style::new().fg(if focused {
            self.border_focus
        } else {
            self.border
        })
    }
}
