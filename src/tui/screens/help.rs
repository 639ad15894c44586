//! The help overlay (`?`): every binding of the screen below and the global ones, drawn from
//! the keymap table itself, so user overrides show up here.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::super::action::Action;
use super::super::context::Context;
use super::super::keymap::KeyContext;
use super::super::widgets::popup;
use super::Effects;

/// Help for one key context.
#[derive(Debug, Clone)]
pub struct HelpScreen {
    /// The context of the screen below.
    pub context: KeyContext,
    /// Whether write actions are available there.
    pub writable: bool,
    pub scroll: u16,
}

impl HelpScreen {
    pub fn update(&mut self, action: &Action) -> Effects {
        match action {
            Action::Cancel | Action::ToggleHelp => Effects::pop(),
            Action::Down => {
                self.scroll = self.scroll.saturating_add(1);
                Effects::default()
            }
            Action::Up => {
                self.scroll = self.scroll.saturating_sub(1);
                Effects::default()
            }
            _ => Effects::default(),
        }
    }

    pub fn render(&self, ctx: &Context, area: Rect, buf: &mut Buffer) {
        let t = &ctx.theme;
        let rect = popup::centered(area, 56, area.height.saturating_sub(2));
        let inner = popup::frame(rect, buf, "help — j/k scroll, esc closes", t.border(true));
        let mut lines = Vec::new();
        let own: Vec<_> = ctx.keymap.for_context(self.context).cloned().collect();
        let sections = [
            (self.context, own),
            (KeyContext::Global, ctx.keymap.global_in(self.context)),
        ];
        for (c, bindings) in sections {
            if bindings.is_empty() {
                continue;
            }
            lines.push(Line::styled(
                c.name().to_string(),
                Style::new().fg(t.accent).add_modifier(Modifier::BOLD),
            ));
            for b in &bindings {
                let keys: Vec<String> = b.keys.iter().map(|k| k.label()).collect();
                let mut spans = vec![
                    Span::styled(format!("  {:<18}", keys.join(" ")), t.text()),
                    Span::styled(b.help, t.text()),
                ];
                if b.writes && !self.writable {
                    spans.push(Span::styled(
                        "  (no writes here)",
                        Style::new().fg(t.read_only),
                    ));
                }
                lines.push(Line::from(spans));
            }
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(
            "mouse: click to select, wheel to scroll",
            t.dim(),
        ));
        Paragraph::new(lines)
            .scroll((self.scroll, 0))
            .render(inner, buf);
    }
}
