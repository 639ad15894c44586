//! Source positions shared by every phase and dialect.

/// A source position: 1-based line and column (columns count characters), plus char offset.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    pub line: u32,
    pub col: u32,
    pub offset: u32,
}

impl Span {
    /// The first character of a source: line 1, column 1.
    pub const START: Span = Span {
        line: 1,
        col: 1,
        offset: 0,
    };
}

/// Spans never take part in AST equality (closure equality compares bodies ignoring positions).
impl PartialEq for Span {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}
