//! The character scanner both dialects' lexers stand on: position tracking (1-based line and
//! column, char offsets), escapes, the two string forms, numbers and words. What a dialect
//! makes of the characters (its tokens, keywords, comments) is in its own `lexer.rs`.

use crate::rill::base::error::RillError;
use crate::rill::base::span::Span;
use crate::rill::syntax::punct::{K, P};

/// What both dialects read the same way from the same characters.
#[derive(Debug, Clone, PartialEq)]
pub enum Lexeme {
    Eof,
    Newline,
    /// A whole line inside `---` frontmatter.
    FrontmatterLine(String),
    Str {
        raw: String,
        multiline: bool,
    },
    Num(f64),
    /// `$` before a name.
    Dollar,
    /// `$@`.
    DollarAt,
    /// A bare `$`.
    PipeVar,
    Ellipsis,
    /// `---`.
    Frontmatter,
}

/// `impl From<Lexeme> for Tok` for a dialect's token type whose variants carry the shared
/// lexemes' names (`Num`, `Str`, `Ident` for a frontmatter line, `Dollar`, …).
macro_rules! tok_from_lexeme {
    ($tok:ident) => {
        impl From<$crate::rill::syntax::scan::Lexeme> for $tok {
            fn from(l: $crate::rill::syntax::scan::Lexeme) -> Self {
                use $crate::rill::syntax::scan::Lexeme;
                match l {
                    Lexeme::Eof => $tok::Eof,
                    Lexeme::Newline => $tok::Newline,
                    Lexeme::FrontmatterLine(s) => $tok::Ident(s),
                    Lexeme::Str { raw, multiline } => $tok::Str { raw, multiline },
                    Lexeme::Num(n) => $tok::Num(n),
                    Lexeme::Dollar => $tok::Dollar,
                    Lexeme::DollarAt => $tok::DollarAt,
                    Lexeme::PipeVar => $tok::PipeVar,
                    Lexeme::Ellipsis => $tok::Ellipsis,
                    Lexeme::Frontmatter => $tok::Frontmatter,
                }
            }
        }
    };
}
pub(crate) use tok_from_lexeme;

/// A cursor over a source fragment whose first character sits at `base`.
pub struct Scanner {
    src: Vec<char>,
    pos: usize,
    line: u32,
    col: u32,
    base_offset: u32,
    /// Inside `---` frontmatter: lines are read whole.
    in_frontmatter: bool,
}

impl Scanner {
    pub fn new(src: &str, base: Span) -> Self {
        Scanner {
            src: src.chars().collect(),
            pos: 0,
            line: base.line,
            col: base.col,
            base_offset: base.offset,
            in_frontmatter: false,
        }
    }
    pub fn loc(&self) -> Span {
        Span {
            line: self.line,
            col: self.col,
            offset: self.pos as u32 + self.base_offset,
        }
    }
    pub fn peek(&self, k: usize) -> char {
        self.src.get(self.pos + k).copied().unwrap_or('\0')
    }
    pub fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }
    pub fn starts(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.src.get(self.pos + i) == Some(&c))
    }
    pub fn bump(&mut self) -> char {
        let c = self.peek(0);
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        c
    }

    fn escape(&mut self) -> Result<char, RillError> {
        let c = self.bump();
        Ok(match c {
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            '\\' => '\\',
            '"' => '"',
            _ => {
                return Err(RillError::at(
                    "RILL-L005",
                    format!("Invalid escape sequence: \\{c}"),
                    self.loc(),
                ));
            }
        })
    }

    fn string(&mut self) -> Result<String, RillError> {
        let start = self.loc();
        self.bump();
        let mut v = String::new();
        while !self.at_end() && self.peek(0) != '"' {
            match self.peek(0) {
                '\\' => {
                    self.bump();
                    v.push(self.escape()?);
                }
                '{' => {
                    v.push(self.bump());
                    let mut depth = 1;
                    while !self.at_end() && depth > 0 {
                        if self.peek(0) == '\\' {
                            self.bump();
                            v.push(self.escape()?);
                        } else {
                            let c = self.bump();
                            v.push(c);
                            depth += brace_step(c);
                        }
                    }
                }
                '\n' => {
                    return Err(RillError::at(
                        "RILL-L001",
                        "Unterminated string literal",
                        start,
                    ));
                }
                _ => v.push(self.bump()),
            }
        }
        if self.peek(0) == '"' {
            self.bump();
        }
        Ok(v)
    }

    fn triple(&mut self) -> Result<String, RillError> {
        let start = self.loc();
        self.skip(3);
        if self.peek(0) == '\n' {
            self.bump();
        }
        let mut v = String::new();
        while !self.at_end() {
            if self.starts("\"\"\"") {
                self.skip(3);
                return Ok(v);
            }
            if self.peek(0) == '{' {
                if self.peek(1) == '{' {
                    v.push(self.bump());
                    v.push(self.bump());
                    continue;
                }
                v.push(self.bump());
                let mut depth = 1;
                while !self.at_end() && depth > 0 {
                    if self.starts("\"\"\"") {
                        return Err(RillError::at(
                            "RILL-L005",
                            "Triple-quotes not allowed in interpolation",
                            self.loc(),
                        ));
                    }
                    if self.starts("{{") || self.starts("}}") {
                        v.push(self.bump());
                        v.push(self.bump());
                        continue;
                    }
                    let c = self.bump();
                    v.push(c);
                    depth += brace_step(c);
                }
            } else if self.starts("}}") {
                v.push(self.bump());
                v.push(self.bump());
            } else {
                v.push(self.bump());
            }
        }
        Err(RillError::at("RILL-L004", "Unterminated string", start))
    }

    /// Spaces, tabs and carriage returns.
    fn skip_blanks(&mut self) {
        while matches!(self.peek(0), ' ' | '\t' | '\r') && !self.at_end() {
            self.bump();
        }
    }

    /// The rest of the line (a comment, a frontmatter line).
    fn rest_of_line(&mut self) -> String {
        let mut v = String::new();
        while !self.at_end() && self.peek(0) != '\n' {
            v.push(self.bump());
        }
        v
    }

    /// Digits with an optional `.digits` fraction (no sign, no exponent).
    fn number(&mut self) -> f64 {
        let mut v = String::new();
        while self.peek(0).is_ascii_digit() && !self.at_end() {
            v.push(self.bump());
        }
        if self.peek(0) == '.' && self.peek(1).is_ascii_digit() {
            v.push(self.bump());
            while self.peek(0).is_ascii_digit() && !self.at_end() {
                v.push(self.bump());
            }
        }
        v.parse::<f64>().unwrap_or(0.0)
    }

    /// An identifier: ASCII letters, digits and `_`.
    pub fn word(&mut self) -> String {
        let mut v = String::new();
        while (self.peek(0).is_ascii_alphanumeric() || self.peek(0) == '_') && !self.at_end() {
            v.push(self.bump());
        }
        v
    }

    /// Skip blanks and comments; `comment` tells whether the `#` under the cursor starts one.
    pub fn skip_space(&mut self, comment: fn(&Scanner) -> bool) {
        loop {
            self.skip_blanks();
            if self.peek(0) == '#' && !self.at_end() && comment(self) {
                self.rest_of_line();
                continue;
            }
            return;
        }
    }

    /// The next lexeme when it is one both dialects share, else `None` (nothing consumed).
    pub fn shared(&mut self) -> Result<Option<Lexeme>, RillError> {
        if self.at_end() {
            return Ok(Some(Lexeme::Eof));
        }
        let c = self.peek(0);
        Ok(Some(if self.in_frontmatter {
            if c == '\n' {
                self.bump();
                if self.starts("---") {
                    self.in_frontmatter = false;
                }
                Lexeme::Newline
            } else {
                Lexeme::FrontmatterLine(self.rest_of_line())
            }
        } else if c == '\n' {
            self.bump();
            Lexeme::Newline
        } else if c == '"' {
            let multiline = self.starts("\"\"\"");
            let raw = if multiline {
                self.triple()?
            } else {
                self.string()?
            };
            Lexeme::Str { raw, multiline }
        } else if c.is_ascii_digit() {
            Lexeme::Num(self.number())
        } else if c == '$' {
            self.bump();
            if self.peek(0) == '@' {
                self.bump();
                Lexeme::DollarAt
            } else if ident_start(self.peek(0)) {
                Lexeme::Dollar
            } else {
                Lexeme::PipeVar
            }
        } else if self.starts("...") {
            self.skip(3);
            Lexeme::Ellipsis
        } else if self.starts("---") {
            self.skip(3);
            if self.pos == 3 && self.base_offset == 0 {
                self.in_frontmatter = true;
            }
            Lexeme::Frontmatter
        } else {
            return Ok(None);
        }))
    }

    /// The punctuation token at the cursor (two characters before one), consumed; `has` tells
    /// which tokens the dialect has.
    pub fn punct(&mut self, has: fn(P) -> bool) -> Option<P> {
        for len in [2, 1] {
            if let Some(p) = P::ALL
                .into_iter()
                .find(|p| has(*p) && p.text().len() == len && self.starts(p.text()))
            {
                self.skip(len);
                return Some(p);
            }
        }
        None
    }

    /// Consume `n` characters.
    pub fn skip(&mut self, n: usize) {
        for _ in 0..n {
            self.bump();
        }
    }
}

/// How `c` changes the `{…}` nesting depth inside a string.
fn brace_step(c: char) -> i32 {
    match c {
        '{' => 1,
        '}' => -1,
        _ => 0,
    }
}

/// Is `c` the first character of an identifier?
pub fn ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// A token and where it starts (`T` is a dialect's token kind).
#[derive(Debug, Clone)]
pub struct Token<T> {
    pub tok: T,
    pub span: Span,
    /// Position just after the token.
    pub end: Span,
}

/// A dialect's lexing rules on top of the shared lexemes.
pub trait Rules {
    type Tok: From<Lexeme> + PartialEq + Clone;
    /// The end-of-input token.
    const EOF: Self::Tok;
    /// Does the `#` under the cursor start a comment?
    fn comment(sc: &Scanner) -> bool;
    /// Read the dialect's own token at the cursor (`prev`: the token before it); the
    /// shared lexemes have been tried already.
    fn own(sc: &mut Scanner, prev: Option<&Self::Tok>) -> Result<Self::Tok, RillError>;
}

/// Tokenize a fragment whose first character sits at `base`; the last token is `R::EOF`.
pub fn tokenize_with<R: Rules>(src: &str, base: Span) -> Result<Vec<Token<R::Tok>>, RillError> {
    let mut sc = Scanner::new(src, base);
    let mut out: Vec<Token<R::Tok>> = Vec::new();
    loop {
        sc.skip_space(R::comment);
        let span = sc.loc();
        let tok = match sc.shared()? {
            Some(l) => l.into(),
            None => R::own(&mut sc, out.last().map(|t| &t.tok))?,
        };
        let eof = tok == R::EOF;
        out.push(Token {
            tok,
            span,
            end: sc.loc(),
        });
        if eof {
            return Ok(out);
        }
    }
}

/// `RILL-L002` for a character no token starts with.
pub fn unexpected(c: char, at: Span) -> RillError {
    RillError::at("RILL-L002", format!("Unexpected character: {c}"), at)
}

/// The keyword `word` is in a dialect whose keywords are `keywords`.
pub fn keyword(keywords: &[K], word: &str) -> Option<K> {
    keywords.iter().copied().find(|k| k.text() == word)
}
