//! A small JSON highlighter over [`crate::store::js_json`]: lays a value out exactly as
//! `JSON.stringify(v, null, 2)` does (JavaScript key order, number spelling, string escapes)
//! and colours keys, strings, numbers, literals and punctuation.
//!
//! Limit: at most `max_lines` lines are produced; the caller says what was left out.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::store::Json;
use crate::store::js_json::{format_number, js_key_order, write_string};
use crate::tui::theme::Theme;

/// Highlighted lines of `value`, pretty-printed with two-space indentation, and whether the
/// output was cut at `max_lines`.
pub fn json_lines(value: &Json, theme: &Theme, max_lines: usize) -> (Vec<Line<'static>>, bool) {
    let mut w = Writer {
        theme,
        lines: Vec::new(),
        current: Vec::new(),
        max_lines,
        cut: false,
    };
    w.value(value, 0);
    w.end_line();
    (w.lines, w.cut)
}

struct Writer<'t> {
    theme: &'t Theme,
    lines: Vec<Line<'static>>,
    current: Vec<Span<'static>>,
    max_lines: usize,
    cut: bool,
}

impl Writer<'_> {
    fn push(&mut self, text: String, style: Style) {
        self.current.push(Span::styled(text, style));
    }

    fn punct(&mut self, s: &str) {
        let st = Style::new().fg(self.theme.json_punct);
        self.push(s.to_string(), st);
    }

    fn end_line(&mut self) {
        if self.current.is_empty() {
            return;
        }
        if self.lines.len() >= self.max_lines {
            self.cut = true;
            self.current.clear();
            return;
        }
        self.lines
            .push(Line::from(std::mem::take(&mut self.current)));
    }

    fn newline(&mut self, indent: usize) {
        self.end_line();
        if indent > 0 {
            self.current.push(Span::raw(" ".repeat(indent * 2)));
        }
    }

    fn value(&mut self, v: &Json, indent: usize) {
        if self.cut {
            return;
        }
        let t = self.theme;
        match v {
            Json::Null => self.push("null".into(), Style::new().fg(t.json_literal)),
            Json::Bool(b) => self.push(b.to_string(), Style::new().fg(t.json_literal)),
            Json::Number(n) => self.push(format_number(*n), Style::new().fg(t.json_number)),
            Json::String(s) => {
                let mut out = String::new();
                write_string(&mut out, s);
                self.push(out, Style::new().fg(t.json_string));
            }
            Json::Array(items) if items.is_empty() => self.punct("[]"),
            Json::Array(items) => {
                self.punct("[");
                for (i, item) in items.iter().enumerate() {
                    self.newline(indent + 1);
                    self.value(item, indent + 1);
                    if i + 1 < items.len() {
                        self.punct(",");
                    }
                    if self.cut {
                        return;
                    }
                }
                self.newline(indent);
                self.punct("]");
            }
            Json::Object(o) if o.is_empty() => self.punct("{}"),
            Json::Object(o) => {
                self.punct("{");
                let entries = js_key_order(o);
                let n = entries.len();
                for (i, (k, item)) in entries.into_iter().enumerate() {
                    self.newline(indent + 1);
                    let mut key = String::new();
                    write_string(&mut key, k);
                    self.push(key, Style::new().fg(t.json_key));
                    self.punct(": ");
                    self.value(item, indent + 1);
                    if i + 1 < n {
                        self.punct(",");
                    }
                    if self.cut {
                        return;
                    }
                }
                self.newline(indent);
                self.punct("}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::js_json;

    fn plain(lines: &[Line]) -> String {
        lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn layout_matches_json_stringify_pretty() {
        let text = r#"{"b":[1,2.5,"x\n"],"2":true,"a":{"n":null,"e":{},"l":[]},"1":1e21}"#;
        let v = js_json::parse(text).unwrap().value;
        let (lines, cut) = json_lines(&v, &Theme::dark(), 100);
        assert!(!cut);
        assert_eq!(plain(&lines), js_json::to_pretty(&v));
    }

    #[test]
    fn colours_keys_and_values_and_cuts() {
        let v = js_json::parse(r#"{"k":"v","n":[1,2,3,4]}"#).unwrap().value;
        let t = Theme::dark();
        let (lines, cut) = json_lines(&v, &t, 3);
        assert!(cut);
        assert_eq!(lines.len(), 3);
        let key = &lines[1].spans[1];
        assert_eq!(key.content, "\"k\"");
        assert_eq!(key.style.fg, Some(t.json_key));
        assert_eq!(lines[1].spans[3].style.fg, Some(t.json_string));
    }
}
