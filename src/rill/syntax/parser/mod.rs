//! The recursive-descent parser both dialects share (v0.8.6: spec/language.md §2–§13; v0.20:
//! the reference's docs/ref-grammar.ebnf). What their grammars have in common (statements, pipe
//! chains, the arithmetic head, postfix chains, variables and access, strings, closures, dict
//! and list literals) is here; what only one dialect has is in its own `grammar` files
//! (`v0_8::grammar`: `@` loops, `each`/`map`/`fold`/`filter`, `*` spreads; `v0_20::grammar`:
//! types, openers, guard/retry/timeout, `while`/`do`, atoms, `use<>`). Produces `ast::Script`;
//! nesting is bounded (`MAX_DEPTH`) so hostile input ends in `RILL-P001`, not a stack overflow.

use crate::rill::base::error::RillError;
use crate::rill::base::span::Span;
use crate::rill::dialect::Dialect;
use crate::rill::syntax::ast::*;
use crate::rill::syntax::token::{K, Opener, P, Tok, Token};
use crate::rill::syntax::{v0_8, v0_20};
use std::rc::Rc;

mod literals;
mod primary;
mod statements;
mod targets;

pub(crate) const MAX_DEPTH: usize = 1000;
/// Stack headroom below which the recursion continues on a fresh heap-allocated segment.
pub(crate) const RED_ZONE: usize = 128 * 1024;
pub(crate) const STACK_CHUNK: usize = 4 * 1024 * 1024;

pub(crate) type PResult<T> = Result<T, RillError>;

/// Parse a whole script written in `dialect`.
pub fn parse(src: &str, dialect: Dialect) -> PResult<Script> {
    let toks = lex(src, Span::START, dialect)?;
    Parser::new(toks, dialect, 0).script()
}

fn lex(src: &str, at: Span, dialect: Dialect) -> PResult<Vec<Token>> {
    match dialect {
        Dialect::V0_8 => v0_8::lexer::tokenize_at(src, at),
        Dialect::V0_20 => v0_20::lexer::tokenize_at(src, at),
    }
}

pub(crate) struct Parser {
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Count of nodes that bind variables or create closures (captures, destructures,
    /// closures, blocks): a construct whose span saw none needs no scope of its own.
    pub(crate) binds: usize,
    pub(crate) dialect: Dialect,
    /// v0.20: how many closures enclose the current point (`yield` needs one).
    pub(crate) closure_depth: usize,
    /// v0.20: `yield`s seen in the closure being parsed (it must then declare a stream).
    pub(crate) yields: usize,
}

/// v0.8.6's type names (assertions, captures, destructuring).
pub(crate) const TYPE_NAMES: &[&str] = &[
    "string", "number", "bool", "closure", "list", "dict", "tuple",
];
/// v0.8.6's parameter types.
pub(crate) const PARAM_TYPES: &[&str] = &["string", "number", "bool"];

pub(crate) fn p001(msg: impl Into<String>, sp: Span) -> RillError {
    RillError::at("RILL-P001", msg, sp)
}

/// Same token kind (payloads of literals and names ignored; punctuation and keywords compared
/// exactly).
pub(crate) fn same_kind(a: &Tok, b: &Tok) -> bool {
    match (a, b) {
        (Tok::P(x), Tok::P(y)) => x == y,
        (Tok::K(x), Tok::K(y)) => x == y,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

impl Parser {
    fn new(toks: Vec<Token>, dialect: Dialect, depth: usize) -> Self {
        Parser {
            toks,
            pos: 0,
            depth,
            binds: 0,
            dialect,
            closure_depth: 0,
            yields: 0,
        }
    }
    /// Parsing v0.20?
    pub(crate) fn v20(&self) -> bool {
        self.dialect == Dialect::V0_20
    }
    /// Read the current token as `t` (v0.20's `guard{` opener is a `guard` and a `{`).
    pub(crate) fn replace_cur(&mut self, t: Tok) {
        if let Some(cur) = self.toks.get_mut(self.pos) {
            cur.tok = t;
        }
    }
    pub(crate) fn cur(&self) -> &Token {
        let i = self.pos.min(self.toks.len() - 1);
        &self.toks[i]
    }
    pub(crate) fn tok(&self) -> &Tok {
        &self.cur().tok
    }
    pub(crate) fn peek(&self, k: usize) -> &Tok {
        let i = (self.pos + k).min(self.toks.len() - 1);
        &self.toks[i].tok
    }
    pub(crate) fn sp(&self) -> Span {
        self.cur().span
    }
    pub(crate) fn check(&self, t: &Tok) -> bool {
        same_kind(self.tok(), t)
    }
    pub(crate) fn at_end(&self) -> bool {
        matches!(self.tok(), Tok::Eof)
    }
    pub(crate) fn advance(&mut self) -> Token {
        let t = self.cur().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }
    pub(crate) fn expect(&mut self, t: Tok, msg: &str) -> PResult<Token> {
        self.expect_code(t, msg, "RILL-P001")
    }
    pub(crate) fn expect_code(&mut self, t: Tok, msg: &str, code: &str) -> PResult<Token> {
        if self.check(&t) {
            return Ok(self.advance());
        }
        if self.at_end() && !self.v20() {
            return Err(RillError::at(
                "RILL-P002",
                format!("Unexpected end of input, {}", msg.to_lowercase()),
                self.sp(),
            ));
        }
        Err(RillError::at(
            code,
            format!("{msg}, got: {}", self.tok().text()),
            self.sp(),
        ))
    }
    pub(crate) fn ident(&mut self, msg: &str) -> PResult<String> {
        match self.tok().clone() {
            Tok::Ident(s) => {
                self.advance();
                Ok(s)
            }
            _ => {
                self.expect(Tok::Ident(String::new()), msg)?;
                Ok(String::new())
            }
        }
    }
    pub(crate) fn skip_newlines(&mut self) {
        while self.check(&Tok::Newline) {
            self.advance();
        }
    }
    /// Skip newlines only when the first token after them is `t`.
    pub(crate) fn skip_nl_if_followed(&mut self, t: &Tok) -> bool {
        if !self.check(&Tok::Newline) {
            return self.check(t);
        }
        let mut k = 1;
        while matches!(self.peek(k), Tok::Newline) {
            k += 1;
        }
        if same_kind(self.peek(k), t) {
            self.skip_newlines();
            return true;
        }
        false
    }
    pub(crate) fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(p001("Expression nesting too deep", self.sp()));
        }
        Ok(())
    }
}

/// Split a string token's raw text into literal parts and parsed interpolations.
fn string_parts(
    raw: &str,
    base: Span,
    multiline: bool,
    outer: &mut Parser,
) -> PResult<Vec<StrPart>> {
    let nest = outer.depth + 1;
    if nest > MAX_DEPTH {
        return Err(p001("Expression nesting too deep", base));
    }
    let chars: Vec<char> = raw.chars().collect();
    let mut parts = Vec::new();
    let mut i = 0;
    let mut lit_start = 0;
    let unescape = |s: &[char]| -> String {
        s.iter()
            .collect::<String>()
            .replace("{{", "{")
            .replace("}}", "}")
    };
    while i < chars.len() {
        if chars[i] == '{' {
            if chars.get(i + 1) == Some(&'{') {
                i += 2;
                continue;
            }
            if i > lit_start {
                let l = unescape(&chars[lit_start..i]);
                if !l.is_empty() {
                    parts.push(StrPart::Lit(l));
                }
            }
            let expr_start = i + 1;
            let mut depth = 1;
            i += 1;
            while i < chars.len() && depth > 0 {
                if (chars[i] == '{' && chars.get(i + 1) == Some(&'{'))
                    || (chars[i] == '}' && chars.get(i + 1) == Some(&'}'))
                {
                    i += 2;
                    continue;
                }
                if chars[i] == '{' {
                    depth += 1;
                } else if chars[i] == '}' {
                    depth -= 1;
                }
                i += 1;
            }
            if depth != 0 {
                return Err(RillError::at(
                    "RILL-P005",
                    "Unterminated string interpolation",
                    base,
                ));
            }
            let src: String = chars[expr_start..i - 1].iter().collect();
            if src.trim().is_empty() {
                return Err(RillError::at(
                    "RILL-P004",
                    "Empty string interpolation",
                    base,
                ));
            }
            let before = &chars[..expr_start];
            let newlines = before.iter().filter(|c| **c == '\n').count() as u32;
            let loc = if newlines > 0 {
                let last_nl = before.iter().rposition(|c| *c == '\n').unwrap_or(0);
                Span {
                    line: base.line + u32::from(multiline) + newlines,
                    col: (before.len() - last_nl) as u32,
                    offset: base.offset + expr_start as u32,
                }
            } else if multiline {
                Span {
                    line: base.line + 1,
                    col: 1 + expr_start as u32,
                    offset: base.offset + expr_start as u32,
                }
            } else {
                Span {
                    line: base.line,
                    col: base.col + 1 + expr_start as u32,
                    offset: base.offset + 1 + expr_start as u32,
                }
            };
            let toks: Vec<Token> = lex(&src, loc, outer.dialect)?
                .into_iter()
                .filter(|t| t.tok != Tok::Newline)
                .collect();
            if toks.is_empty() || toks[0].tok == Tok::Eof {
                return Err(RillError::at(
                    "RILL-P004",
                    "Empty string interpolation",
                    base,
                ));
            }
            let mut sub = Parser::new(toks, outer.dialect, nest);
            sub.closure_depth = outer.closure_depth;
            let e = sub.pipe_chain()?;
            outer.binds += sub.binds;
            if !sub.at_end() {
                return Err(p001(
                    format!("Unexpected token in interpolation: {}", sub.tok().text()),
                    loc,
                ));
            }
            parts.push(StrPart::Interp(e));
            lit_start = i;
        } else if chars[i] == '}' && chars.get(i + 1) == Some(&'}') {
            i += 2;
        } else {
            i += 1;
        }
    }
    if lit_start < chars.len() {
        let l = unescape(&chars[lit_start..]);
        if !l.is_empty() {
            parts.push(StrPart::Lit(l));
        }
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(src: &str) -> Option<String> {
        parse(src, Dialect::V0_8).err().and_then(|e| e.code)
    }
    fn parse8(src: &str) -> PResult<Script> {
        parse(src, Dialect::V0_8)
    }

    #[test]
    fn parses_pipes_and_captures() {
        let s = parse8("\"hi\" => $x -> .len").unwrap_or(Script { statements: vec![] });
        assert_eq!(s.statements.len(), 1);
    }

    #[test]
    fn statements_split_without_newline() {
        let s = parse8("[1,2,3][5]").unwrap_or(Script { statements: vec![] });
        assert_eq!(s.statements.len(), 2);
    }

    #[test]
    fn parse_error_codes() {
        assert_eq!(code("\"hello\" ->\n.len"), Some("RILL-P001".into()));
        assert_eq!(code("5 :> $x"), Some("RILL-P006".into()));
        assert_eq!(code("{ }"), Some("RILL-P004".into()));
        assert_eq!(code("\"a{}\""), Some("RILL-P004".into()));
        assert_eq!(code("5 -> :vector"), Some("RILL-P003".into()));
        assert_eq!(code("error 123"), Some("RILL-P004".into()));
        assert_eq!(code("$d.?x ?? 1"), Some("RILL-P003".into()));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(code(&src), Some("RILL-P001".into()));
    }

    #[test]
    fn deep_but_allowed_nesting_parses_on_a_small_stack() {
        let src = format!("{}1{}", "(".repeat(300), ")".repeat(300));
        assert!(parse8(&src).is_ok());
        let neg = format!("{}1", "- ".repeat(100_000));
        assert_eq!(code(&neg), Some("RILL-P001".into()));
    }

    #[test]
    fn nested_interpolations_are_bounded() {
        let mut s = String::from("1");
        for _ in 0..1500 {
            s = format!("\"{{{s}}}\"");
        }
        assert_eq!(code(&s), Some("RILL-P001".into()));
    }

    #[test]
    fn interpolation_positions() {
        let e = parse8("\"ab {$x ->}\"").err();
        assert!(e.is_some());
    }
}
