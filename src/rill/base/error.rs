//! `RillError`: an error id (`RILL-L…` lexer, `RILL-P…` parser, `RILL-R…` runtime), a message
//! and an optional source position, rendered with the source line and a caret.

use crate::rill::base::span::Span;
use std::fmt;

/// Every failure of lexing, parsing or running a script.
#[derive(Debug, Clone, PartialEq)]
pub struct RillError {
    /// `RILL-L001` … `RILL-R016`; `None` for a code-less host error (a plain JS `Error`).
    pub code: Option<String>,
    pub message: String,
    pub span: Option<Span>,
}

impl RillError {
    /// An error with a code and no position yet.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        RillError {
            code: Some(code.to_string()),
            message: message.into(),
            span: None,
        }
    }

    /// An error with a code at a position.
    pub fn at(code: &str, message: impl Into<String>, span: Span) -> Self {
        RillError {
            code: Some(code.to_string()),
            message: message.into(),
            span: Some(span),
        }
    }

    /// Attach a position if the error has none yet.
    pub fn or_at(mut self, span: Span) -> Self {
        if self.span.is_none() {
            self.span = Some(span);
        }
        self
    }

    /// True when the error id equals `code`.
    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// Multi-line human form: `error[CODE]: message`, `--> line:col`, the source line, a caret.
    pub fn render(&self, source: &str) -> String {
        let code = self.code.as_deref().unwrap_or("error");
        let mut out = format!("error[{code}]: {}", self.message);
        if let Some(sp) = self.span {
            out.push_str(&format!("\n  --> {}:{}", sp.line, sp.col));
            if let Some(line) = source.lines().nth(sp.line.saturating_sub(1) as usize) {
                let num = sp.line.to_string();
                let pad = " ".repeat(num.len());
                out.push_str(&format!("\n{pad} |\n{num} | {line}\n{pad} | "));
                let caret_col = (sp.col.max(1) - 1) as usize;
                let prefix: String = line
                    .chars()
                    .take(caret_col)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                out.push_str(&prefix);
                out.push('^');
            }
        }
        out
    }
}

impl fmt::Display for RillError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, self.span) {
            (Some(c), Some(s)) => write!(f, "{c}: {} at {}:{}", self.message, s.line, s.col),
            (Some(c), None) => write!(f, "{c}: {}", self.message),
            (None, _) => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for RillError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_shows_line_and_caret() {
        let e = RillError::at(
            "RILL-R005",
            "Undefined variable: $x",
            Span {
                line: 2,
                col: 3,
                offset: 0,
            },
        );
        let r = e.render("1\n1 $x\n");
        assert!(r.contains("error[RILL-R005]: Undefined variable: $x"));
        assert!(r.contains("--> 2:3"));
        assert!(r.contains("2 | 1 $x"));
        assert!(r.ends_with("|   ^"));
    }
}
