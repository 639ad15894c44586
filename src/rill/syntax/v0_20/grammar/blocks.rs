//! v0.20's scoped blocks (`guard`, `retry<>`, `timeout<>`, `pass { }` / `pass<>`), closure
//! signature literals and `use<>`.

use super::p004;
use crate::rill::base::error::RillError;
use crate::rill::base::span::Span;
use crate::rill::syntax::ast::*;
use crate::rill::syntax::parser::{PResult, Parser, p001};
use crate::rill::syntax::token::{K, Opener, P, Tok};

/// `[A-Z][A-Z0-9_]*`.
fn atom_shaped(name: &str) -> bool {
    let mut cs = name.chars();
    cs.next().is_some_and(|c| c.is_ascii_uppercase())
        && cs.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

impl Parser {
    /// `on: list[#A, #B]>` inside `guard<` / `retry<…,`.
    fn on_codes(&mut self, start: Span) -> PResult<Vec<String>> {
        self.skip_newlines();
        if !matches!(self.tok(), Tok::Ident(n) if n == "on") {
            return Err(p004(
                "Expected 'on:' inside guard/retry option list",
                self.sp(),
            ));
        }
        self.advance();
        self.expect(Tok::P(P::Colon), "Expected ':' after 'on'")?;
        self.skip_newlines();
        if !self.check(&Tok::Opener(Opener::List)) {
            return Err(p004("Expected 'list[' in on: option list", self.sp()));
        }
        self.advance();
        self.skip_newlines();
        let mut codes = Vec::new();
        let mut invalid = None;
        while !self.check(&Tok::P(P::RBracket)) {
            if self.at_end() {
                return Err(RillError::at(
                    "RILL-P005",
                    "Expected ']' to close on: option list",
                    self.sp(),
                ));
            }
            let Tok::Atom(name) = self.tok().clone() else {
                return Err(p004(
                    "on: option list entries must be atom literals (e.g. #NAME)",
                    self.sp(),
                ));
            };
            self.advance();
            if atom_shaped(&name) {
                codes.push(name);
            } else {
                invalid = Some(format!("Invalid atom name '#{name}' in on: option list"));
            }
            self.skip_newlines();
            if !self.check(&Tok::P(P::Comma)) {
                break;
            }
            self.advance();
            self.skip_newlines();
        }
        self.expect_code(
            Tok::P(P::RBracket),
            "Expected ']' to close on: option list",
            "RILL-P005",
        )?;
        self.skip_newlines();
        self.expect_code(
            Tok::P(P::Gt),
            "Expected '>' to close option list",
            "RILL-P005",
        )?;
        match invalid {
            Some(msg) => Err(p004(msg, start)),
            None => Ok(codes),
        }
    }

    fn guarded_body(&mut self) -> PResult<Node> {
        if !self.check(&Tok::P(P::LBrace)) {
            return Err(p004("Expected { to start guard/retry body", self.sp()));
        }
        self.block()
    }

    /// `guard { … }`, `guard{ … }`, `guard<on: list[#X]> { … }`.
    pub(crate) fn guard_block(&mut self) -> PResult<Node> {
        let sp = self.sp();
        if self.check(&Tok::Opener(Opener::Guard)) {
            // the opener holds the `{`: parse the block from the brace on
            self.replace_cur(Tok::P(P::LBrace));
            let body = self.guarded_body()?;
            return Ok(Node::new(Kind::Guard { on: vec![], body }, sp));
        }
        self.expect(Tok::K(K::Guard), "Expected 'guard'")?;
        if self.check(&Tok::P(P::LBrace)) {
            let body = self.guarded_body()?;
            return Ok(Node::new(Kind::Guard { on: vec![], body }, sp));
        }
        if !self.check(&Tok::P(P::Lt)) {
            return Err(p004(
                "Expected '<on: list[#X, ...]> { body }' or 'guard { body }'",
                self.sp(),
            ));
        }
        self.advance();
        let on = self.on_codes(sp)?;
        let body = self.guarded_body()?;
        Ok(Node::new(Kind::Guard { on, body }, sp))
    }

    /// `retry<limit: N> { … }`, `retry<limit: N, on: list[#X]> { … }`.
    pub(crate) fn retry_block(&mut self) -> PResult<Node> {
        let sp = self.sp();
        if self.check(&Tok::Opener(Opener::Retry)) {
            self.advance();
        } else {
            self.expect(Tok::K(K::Retry), "Expected 'retry'")?;
            if !self.check(&Tok::P(P::Lt)) {
                return Err(p004(
                    "Expected 'retry<limit: N> { body }' or 'retry<limit: N, on: list[#X]> { body }'",
                    self.sp(),
                ));
            }
            self.advance();
        }
        self.skip_newlines();
        if !matches!(self.tok(), Tok::Ident(n) if n == "limit") {
            return Err(p004("Expected 'limit:' inside 'retry<...>'", self.sp()));
        }
        self.advance();
        self.expect_code(Tok::P(P::Colon), "Expected ':' after 'limit'", "RILL-P004")?;
        self.skip_newlines();
        let limit =
            self.positive_int("retry<limit: N> attempt count must be a positive integer")?;
        self.skip_newlines();
        let mut on = vec![];
        if self.check(&Tok::P(P::Comma)) {
            self.advance();
            on = self.on_codes(sp)?;
        } else {
            self.expect_code(
                Tok::P(P::Gt),
                "Expected '>' to close retry attempt list",
                "RILL-P005",
            )?;
        }
        self.skip_newlines();
        let body = self.guarded_body()?;
        Ok(Node::new(Kind::Retry { limit, on, body }, sp))
    }

    /// `timeout<total: d> { … }` / `timeout<idle: d> { … }`.
    pub(crate) fn timeout_block(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.advance();
        self.skip_newlines();
        let idle = match self.tok() {
            Tok::Ident(n) if n == "total" => false,
            Tok::Ident(n) if n == "idle" => true,
            _ => {
                return Err(p004(
                    "Expected 'total:' or 'idle:' inside 'timeout<...>'",
                    self.sp(),
                ));
            }
        };
        self.advance();
        self.expect_code(
            Tok::P(P::Colon),
            "Expected ':' inside 'timeout<...>'",
            "RILL-P004",
        )?;
        self.skip_newlines();
        let duration = Self::chain_of(self.primary()?);
        self.skip_newlines();
        if self.check(&Tok::P(P::Comma)) {
            self.advance();
            self.skip_newlines();
            return Err(p004(
                "timeout<> accepts exactly one option ('total' or 'idle')",
                self.sp(),
            ));
        }
        self.expect_code(
            Tok::P(P::Gt),
            "Expected '>' to close 'timeout<...>'",
            "RILL-P005",
        )?;
        self.skip_newlines();
        if !self.check(&Tok::P(P::LBrace)) {
            return Err(p004("Expected '{ body }' after 'timeout<...>'", self.sp()));
        }
        let body = self.block()?;
        Ok(Node::new(
            Kind::Timeout {
                idle,
                duration,
                body,
            },
            sp,
        ))
    }

    /// `pass { … }` after `pass` was consumed.
    pub(crate) fn plain_pass_block(&mut self, sp: Span) -> PResult<Node> {
        let body = self.block_allowing(true)?;
        Ok(Node::new(
            Kind::PassBlock {
                ignore_errors: false,
                is_async: false,
                body,
            },
            sp,
        ))
    }

    /// `pass<on_error: #IGNORE, async: true> { … }`.
    pub(crate) fn pass_block(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.advance();
        self.skip_newlines();
        let opts = self.sp();
        let (mut ignore_errors, mut is_async, mut any) = (false, false, false);
        while !self.check(&Tok::P(P::Gt)) && !self.at_end() {
            let Tok::Ident(key) = self.tok().clone() else {
                return Err(p004(
                    "Expected option key (identifier) inside 'pass<...>'",
                    self.sp(),
                ));
            };
            if key != "on_error" && key != "async" {
                return Err(p004(
                    format!(
                        "Unknown option '{key}' inside 'pass<...>'; recognized options are 'on_error' and 'async'"
                    ),
                    self.sp(),
                ));
            }
            self.advance();
            self.expect_code(
                Tok::P(P::Colon),
                "Expected ':' after option key inside 'pass<...>'",
                "RILL-P004",
            )?;
            self.skip_newlines();
            let vsp = self.sp();
            let v = self.primary()?;
            match (key.as_str(), &*v.kind) {
                ("on_error", Kind::Atom(a)) if a == "IGNORE" => ignore_errors = true,
                ("on_error", _) => {
                    return Err(p004("'on_error' option requires value '#IGNORE'", vsp));
                }
                (_, Kind::Bool(b)) => is_async = *b,
                _ => {
                    return Err(p004(
                        "'async' option requires a boolean literal ('true' or 'false')",
                        vsp,
                    ));
                }
            }
            any = true;
            self.skip_newlines();
            if self.check(&Tok::P(P::Comma)) {
                self.advance();
                self.skip_newlines();
            }
        }
        if !any {
            return Err(p004(
                "'pass<>' requires at least one option (use 'pass { body }' for the no-options form)",
                opts,
            ));
        }
        self.expect_code(
            Tok::P(P::Gt),
            "Expected '>' to close 'pass<...>'",
            "RILL-P005",
        )?;
        self.skip_newlines();
        if !self.check(&Tok::P(P::LBrace)) {
            return Err(p004("Expected '{ body }' after 'pass<...>'", self.sp()));
        }
        let body = self.block_allowing(true)?;
        Ok(Node::new(
            Kind::PassBlock {
                ignore_errors,
                is_async,
                body,
            },
            sp,
        ))
    }

    /// `|name: …| :` ahead: a closure signature literal, not a closure.
    pub(crate) fn closure_sig_start(&self) -> bool {
        if !(self.check(&Tok::P(P::Bar))
            && matches!(self.peek(1), Tok::Ident(_))
            && matches!(self.peek(2), Tok::P(P::Colon)))
        {
            return false;
        }
        let mut k = 1;
        loop {
            match self.peek(k) {
                Tok::P(P::Bar) => return matches!(self.peek(k + 1), Tok::P(P::Colon)),
                Tok::Eof => return false,
                _ => k += 1,
            }
        }
    }

    /// `|a: T, b: U| :R`.
    pub(crate) fn closure_sig(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.advance();
        self.skip_newlines();
        let mut params = Vec::new();
        while !self.check(&Tok::P(P::Bar)) {
            if self.at_end() {
                return Err(RillError::at("RILL-P005", "Expected |", self.sp()));
            }
            let name = self.ident("Expected parameter name")?;
            self.expect(Tok::P(P::Colon), "Expected : after parameter name")?;
            self.skip_newlines();
            let t = self.pipe_chain()?;
            params.push((name, t));
            self.skip_newlines();
            if self.check(&Tok::P(P::Comma)) {
                self.advance();
                self.skip_newlines();
            }
        }
        self.expect_code(Tok::P(P::Bar), "Expected |", "RILL-P005")?;
        self.expect(
            Tok::P(P::Colon),
            "Expected : before return type in closure sig literal",
        )?;
        self.skip_newlines();
        let ret = self.postfix()?;
        Ok(Node::new(Kind::ClosureSig { params, ret }, sp))
    }

    /// `use<scheme:a.b>`, `use<$v>`, `use<(expr)>`, then an optional `:type` or `:|p: T|`.
    pub(crate) fn use_expr(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.advance();
        let id = match self.tok().clone() {
            Tok::Dollar => {
                self.advance();
                UseId::Var(self.ident("Expected variable name after $")?)
            }
            Tok::P(P::LParen) => {
                self.advance();
                let e = self.pipe_chain()?;
                self.expect(Tok::P(P::RParen), "Expected ) to close computed use<>")?;
                UseId::Computed(e)
            }
            _ => {
                let scheme = self.ident("Expected identifier in use<>")?;
                if !self.check(&Tok::P(P::Colon)) {
                    return Err(RillError::at(
                        "RILL-P020",
                        "Expected ':' after scheme in use<>",
                        self.sp(),
                    ));
                }
                self.advance();
                let Tok::Ident(first) = self.tok().clone() else {
                    return Err(RillError::at(
                        "RILL-P021",
                        "Expected resource identifier after ':' in use<>",
                        self.sp(),
                    ));
                };
                self.advance();
                let mut path = vec![first];
                while self.check(&Tok::P(P::Dot)) {
                    self.advance();
                    match self.tok().clone() {
                        Tok::Ident(s) | Tok::MethodName(s) => {
                            self.advance();
                            path.push(s);
                        }
                        _ => return Err(p001("Expected identifier after . in use<>", self.sp())),
                    }
                }
                UseId::Static { scheme, path }
            }
        };
        self.expect_code(Tok::P(P::Gt), "Expected '>' to close use<>", "RILL-P022")?;
        let mut ty = None;
        if self.check(&Tok::P(P::Colon)) {
            if matches!(self.peek(1), Tok::P(P::Or | P::Bar)) {
                self.advance();
                ty = Some(self.closure_annotation()?);
            } else {
                self.advance();
                ty = Some(self.type_ref(false)?);
            }
        }
        Ok(Node::new(Kind::Use { id, ty }, sp))
    }

    /// `||`, `||:T` or `|a: T, b: U = d|` after `use<…>:` — a closure type.
    fn closure_annotation(&mut self) -> PResult<TypeRef> {
        if self.check(&Tok::P(P::Or)) {
            self.advance();
            let ret = if self.check(&Tok::P(P::Colon)) {
                self.advance();
                Some(Box::new(self.type_ref(false)?))
            } else {
                None
            };
            return Ok(TypeRef::Closure(ret));
        }
        self.advance();
        while !self.check(&Tok::P(P::Bar)) {
            if self.at_end() {
                return Err(RillError::at("RILL-P005", "Expected |", self.sp()));
            }
            self.ident("Expected parameter name in closure annotation")?;
            self.expect(
                Tok::P(P::Colon),
                "Expected : after parameter name in closure annotation",
            )?;
            self.type_ref(true)?;
            if self.check(&Tok::P(P::Assign)) {
                self.advance();
                self.literal()?;
            }
            if self.check(&Tok::P(P::Comma)) {
                self.advance();
            } else if !self.check(&Tok::P(P::Bar)) {
                return Err(p001("Expected , or | in closure annotation", self.sp()));
            }
        }
        self.advance();
        Ok(TypeRef::Closure(None))
    }
}
