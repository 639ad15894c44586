//! A centred popup frame: clears what is below and draws a titled border.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, BorderType, Clear, Widget};

/// The rectangle of a `width`×`height` popup centred in `area` (clamped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Clears `area`, draws the frame and returns the inner area.
pub fn frame(area: Rect, buf: &mut Buffer, title: &str, border: Style) -> Rect {
    Clear.render(area, buf);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(format!(" {title} "));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}
