//! Hex dump lines for binary previews: `00000010  de ad be ef …  |....|`, 16, 8 or 4 bytes a
//! line, whichever fits the width.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::tui::theme::Theme;

/// Bytes per line that fit in `columns`: each byte takes three columns in hex and one as
/// text, plus the offset, the gaps and the bars.
pub fn bytes_per_line(columns: u16) -> usize {
    [16, 8, 4]
        .into_iter()
        .find(|&n| 10 + n * 4 + 1 + 2 <= columns as usize)
        .unwrap_or(4)
}

/// The dump of `bytes` for a pane `columns` wide, at most `max_lines` lines.
pub fn hex_lines(
    bytes: &[u8],
    theme: &Theme,
    max_lines: usize,
    columns: u16,
) -> Vec<Line<'static>> {
    let per_line = bytes_per_line(columns);
    bytes
        .chunks(per_line)
        .take(max_lines)
        .enumerate()
        .map(|(i, chunk)| {
            let mut hex = String::with_capacity(per_line * 3 + 1);
            for (j, b) in chunk.iter().enumerate() {
                if per_line == 16 && j == 8 {
                    hex.push(' ');
                }
                hex.push_str(&format!("{b:02x} "));
            }
            let width = per_line * 3 + usize::from(per_line == 16);
            let ascii: String = chunk
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            Line::from(vec![
                Span::styled(format!("{:08x}  ", i * per_line), theme.dim()),
                Span::styled(format!("{hex:<width$}"), Style::new().fg(theme.json_number)),
                Span::styled(format!("|{ascii}|"), theme.text()),
            ])
        })
        .collect()
}

/// Whether bytes should be shown as text: valid UTF-8 without control characters other than
/// tab, newline and carriage return. A multi-byte character cut at the end of a capped preview
/// still counts as text.
pub fn looks_like_text(bytes: &[u8]) -> bool {
    let valid = match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !valid
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_has_offset_hex_and_ascii() {
        let bytes: Vec<u8> = (0u8..20).chain(*b"AB").collect();
        let lines = hex_lines(&bytes, &Theme::dark(), 10, 80);
        assert_eq!(lines.len(), 2);
        let second: String = lines[1].spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(
            second.starts_with("00000010  10 11 12 13 41 42 "),
            "{second}"
        );
        assert!(second.ends_with("|....AB|"), "{second}");
    }

    #[test]
    fn narrow_panes_get_fewer_bytes_a_line() {
        assert_eq!(bytes_per_line(80), 16);
        assert_eq!(bytes_per_line(38), 4);
        assert_eq!(bytes_per_line(50), 8);
        let lines = hex_lines(&[1, 2, 3, 4, 5], &Theme::dark(), 10, 38);
        assert_eq!(lines.len(), 2);
        let width: usize = lines[0]
            .spans
            .iter()
            .map(|s| s.content.chars().count())
            .sum();
        assert!(width <= 38, "{width}");
    }

    #[test]
    fn text_detection() {
        assert!(looks_like_text(b"hello\nworld\t!"));
        assert!(!looks_like_text(&[0, 1, 2]));
        assert!(looks_like_text("é".as_bytes().split_at(1).0));
        assert!(!looks_like_text(&[0xff, 0xfe, b'a']));
    }
}
