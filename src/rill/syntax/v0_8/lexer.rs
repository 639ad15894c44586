//! The lexer: source text → tokens (rill v0.8.6, spec/language.md §2). Strings keep their
//! `{...}` interpolations as raw text; the parser re-lexes them with `tokenize_at`.

use crate::rill::base::error::RillError;
use crate::rill::base::span::Span;
use crate::rill::syntax::v0_8::token::{Tok, Token};

struct Lexer<'a> {
    src: &'a [char],
    pos: usize,
    line: u32,
    col: u32,
    base_offset: u32,
    in_frontmatter: bool,
}

impl Lexer<'_> {
    fn loc(&self) -> Span {
        Span {
            line: self.line,
            col: self.col,
            offset: self.pos as u32 + self.base_offset,
        }
    }
    fn peek(&self, k: usize) -> char {
        self.src.get(self.pos + k).copied().unwrap_or('\0')
    }
    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }
    fn starts(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.src.get(self.pos + i) == Some(&c))
    }
    fn bump(&mut self) -> char {
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

    fn string(&mut self) -> Result<Tok, RillError> {
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
                            if c == '{' {
                                depth += 1;
                            } else if c == '}' {
                                depth -= 1;
                            }
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
        Ok(Tok::Str {
            raw: v,
            multiline: false,
        })
    }

    fn triple(&mut self) -> Result<Tok, RillError> {
        let start = self.loc();
        self.bump();
        self.bump();
        self.bump();
        if self.peek(0) == '\n' {
            self.bump();
        }
        let mut v = String::new();
        while !self.at_end() {
            if self.starts("\"\"\"") {
                self.bump();
                self.bump();
                self.bump();
                return Ok(Tok::Str {
                    raw: v,
                    multiline: true,
                });
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
                    if c == '{' {
                        depth += 1;
                    } else if c == '}' {
                        depth -= 1;
                    }
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

    fn next(&mut self) -> Result<Option<Token>, RillError> {
        loop {
            while matches!(self.peek(0), ' ' | '\t' | '\r') && !self.at_end() {
                self.bump();
            }
            if self.peek(0) == '#' && !self.at_end() {
                while !self.at_end() && self.peek(0) != '\n' {
                    self.bump();
                }
                continue;
            }
            break;
        }
        let start = self.loc();
        if self.at_end() {
            return Ok(Some(Token {
                tok: Tok::Eof,
                span: start,
                end: start,
            }));
        }
        let c = self.peek(0);
        let tok = if self.in_frontmatter {
            if c == '\n' {
                self.bump();
                if self.starts("---") {
                    self.in_frontmatter = false;
                }
                Tok::Newline
            } else {
                let mut v = String::new();
                while !self.at_end() && self.peek(0) != '\n' {
                    v.push(self.bump());
                }
                Tok::Ident(v)
            }
        } else if c == '\n' {
            self.bump();
            Tok::Newline
        } else if c == '"' {
            if self.starts("\"\"\"") {
                self.triple()?
            } else {
                self.string()?
            }
        } else if c.is_ascii_digit() {
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
            Tok::Num(v.parse::<f64>().unwrap_or(0.0))
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut v = String::new();
            while (self.peek(0).is_ascii_alphanumeric() || self.peek(0) == '_') && !self.at_end() {
                v.push(self.bump());
            }
            match v.as_str() {
                "true" => Tok::True,
                "false" => Tok::False,
                "break" => Tok::Break,
                "return" => Tok::Return,
                "pass" => Tok::Pass,
                "assert" => Tok::Assert,
                "error" => Tok::Error,
                "each" => Tok::Each,
                "map" => Tok::Map,
                "fold" => Tok::Fold,
                "filter" => Tok::Filter,
                _ => Tok::Ident(v),
            }
        } else if c == '$' {
            self.bump();
            if self.peek(0) == '@' {
                self.bump();
                Tok::DollarAt
            } else if self.peek(0).is_ascii_alphabetic() || self.peek(0) == '_' {
                Tok::Dollar
            } else {
                Tok::PipeVar
            }
        } else if self.starts("...") {
            self.bump();
            self.bump();
            self.bump();
            Tok::Ellipsis
        } else if self.starts("---") {
            self.bump();
            self.bump();
            self.bump();
            if self.pos == 3 && self.base_offset == 0 {
                self.in_frontmatter = true;
            }
            Tok::Frontmatter
        } else {
            let two: String = [self.peek(0), self.peek(1)].iter().collect();
            let t2 = match two.as_str() {
                "->" => Some(Tok::Arrow),
                "=>" => Some(Tok::Capture),
                "*<" => Some(Tok::StarLt),
                "/<" => Some(Tok::SlashLt),
                "&&" => Some(Tok::And),
                "||" => Some(Tok::Or),
                "==" => Some(Tok::Eq),
                "!=" => Some(Tok::Ne),
                "<=" => Some(Tok::Le),
                ">=" => Some(Tok::Ge),
                "??" => Some(Tok::Coalesce),
                ".?" => Some(Tok::DotQ),
                "::" => Some(Tok::DColon),
                _ => None,
            };
            if let Some(t) = t2 {
                self.bump();
                self.bump();
                t
            } else {
                let t = match c {
                    '.' => Tok::Dot,
                    '?' => Tok::Question,
                    '@' => Tok::At,
                    ':' => Tok::Colon,
                    ',' => Tok::Comma,
                    '!' => Tok::Bang,
                    '=' => Tok::Assign,
                    '<' => Tok::Lt,
                    '>' => Tok::Gt,
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    '{' => Tok::LBrace,
                    '}' => Tok::RBrace,
                    '[' => Tok::LBracket,
                    ']' => Tok::RBracket,
                    '|' => Tok::Bar,
                    '+' => Tok::Plus,
                    '-' => Tok::Minus,
                    '*' => Tok::Star,
                    '/' => Tok::Slash,
                    '%' => Tok::Percent,
                    '&' => Tok::Amp,
                    '^' => Tok::Caret,
                    _ => {
                        return Err(RillError::at(
                            "RILL-L002",
                            format!("Unexpected character: {c}"),
                            start,
                        ));
                    }
                };
                self.bump();
                t
            }
        };
        Ok(Some(Token {
            tok,
            span: start,
            end: self.loc(),
        }))
    }
}

/// Tokenize a whole script (ends with an `Eof` token).
pub fn tokenize(src: &str) -> Result<Vec<Token>, RillError> {
    tokenize_at(
        src,
        Span {
            line: 1,
            col: 1,
            offset: 0,
        },
    )
}

/// Tokenize a fragment whose first character sits at `base` (string interpolations).
pub fn tokenize_at(src: &str, base: Span) -> Result<Vec<Token>, RillError> {
    let chars: Vec<char> = src.chars().collect();
    let mut lx = Lexer {
        src: &chars,
        pos: 0,
        line: base.line,
        col: base.col,
        base_offset: base.offset,
        in_frontmatter: false,
    };
    let mut out = Vec::new();
    while let Some(t) = lx.next()? {
        let eof = t.tok == Tok::Eof;
        out.push(t);
        if eof {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s)
            .map(|v| v.into_iter().map(|t| t.tok).collect())
            .unwrap_or_default()
    }

    #[test]
    fn operators_longest_match() {
        assert_eq!(
            toks("-> => .? ?? ..."),
            vec![
                Tok::Arrow,
                Tok::Capture,
                Tok::DotQ,
                Tok::Coalesce,
                Tok::Ellipsis,
                Tok::Eof
            ]
        );
    }

    #[test]
    fn variables_and_pipe_var() {
        assert_eq!(
            toks("$x $ $@"),
            vec![
                Tok::Dollar,
                Tok::Ident("x".into()),
                Tok::PipeVar,
                Tok::DollarAt,
                Tok::Eof
            ]
        );
    }

    #[test]
    fn numbers_have_no_exponent() {
        assert_eq!(
            toks("1e21"),
            vec![Tok::Num(1.0), Tok::Ident("e21".into()), Tok::Eof]
        );
        assert_eq!(toks("2.5"), vec![Tok::Num(2.5), Tok::Eof]);
    }

    #[test]
    fn string_errors() {
        assert_eq!(
            tokenize("\"a\nb\"").err().and_then(|e| e.code),
            Some("RILL-L001".into())
        );
        assert_eq!(
            tokenize("\"\\q\"").err().and_then(|e| e.code),
            Some("RILL-L005".into())
        );
        assert_eq!(
            tokenize("\"\"\"abc").err().and_then(|e| e.code),
            Some("RILL-L004".into())
        );
        assert_eq!(
            tokenize("`").err().and_then(|e| e.code),
            Some("RILL-L002".into())
        );
    }

    #[test]
    fn triple_quote_drops_first_newline() {
        assert_eq!(
            toks("\"\"\"\nab\n\"\"\""),
            vec![
                Tok::Str {
                    raw: "ab\n".into(),
                    multiline: true
                },
                Tok::Eof
            ]
        );
    }

    #[test]
    fn positions_are_line_col() {
        let t = tokenize("1\n  x").unwrap_or_default();
        assert_eq!((t[2].span.line, t[2].span.col), (2, 3));
    }
}
