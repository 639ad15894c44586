//! What only rill v0.8.6's grammar has: `@` loops, the `each`/`map`/`fold`/`filter` pipe
//! targets with their bodies and `(init)` accumulators, and `*expr` spreads. The rest of its
//! grammar is the shared parser's (`syntax::parser`).

use crate::rill::base::error::RillError;
use crate::rill::syntax::ast::*;
use crate::rill::syntax::parser::{PResult, Parser, p001};
use crate::rill::syntax::token::{K, P, Tok};

impl Parser {
    /// The v0.8.6-only pipe targets: `each`, `map`, `fold`, `filter`.
    pub(crate) fn iteration_target(&mut self) -> PResult<Option<Node>> {
        let sp = self.sp();
        match self.tok() {
            Tok::K(K::Each) | Tok::K(K::Fold) => {
                let is_each = self.check(&Tok::K(K::Each));
                self.advance();
                let acc = if self.has_acc_prefix() {
                    let g = self.grouped()?;
                    match *g.kind {
                        Kind::Group(e, _) => Some(e),
                        _ => None,
                    }
                } else {
                    None
                };
                let body = self.iter_body()?;
                Ok(Some(Node::new(
                    if is_each {
                        Kind::Each { acc, body }
                    } else {
                        Kind::Fold { acc, body }
                    },
                    sp,
                )))
            }
            Tok::K(K::Map) => {
                self.advance();
                let body = self.iter_body()?;
                Ok(Some(Node::new(Kind::Map { body }, sp)))
            }
            Tok::K(K::Filter) => {
                self.advance();
                let body = self.iter_body()?;
                Ok(Some(Node::new(Kind::Filter { body }, sp)))
            }
            _ => Ok(None),
        }
    }

    pub(crate) fn has_acc_prefix(&self) -> bool {
        if !self.check(&Tok::P(P::LParen)) {
            return false;
        }
        let mut depth = 1;
        let mut i = 1;
        while depth > 0 {
            match self.peek(i) {
                Tok::P(P::LParen) => depth += 1,
                Tok::P(P::RParen) => depth -= 1,
                Tok::Eof => return false,
                _ => {}
            }
            i += 1;
        }
        matches!(
            self.peek(i),
            Tok::P(P::LBrace) | Tok::P(P::Bar) | Tok::P(P::Or) | Tok::P(P::LParen)
        )
    }

    pub(crate) fn iter_body(&mut self) -> PResult<Node> {
        let sp = self.sp();
        if self.is_closure_start() {
            return self.closure();
        }
        match self.tok() {
            Tok::P(P::LBrace) => self.block(),
            Tok::P(P::LParen) => self.grouped(),
            Tok::Dollar | Tok::PipeVar | Tok::DollarAt => self.variable(),
            Tok::P(P::Star) => self.spread(),
            Tok::P(P::Dot) => self.postfix(),
            Tok::Ident(_) => self.bare_host_call(),
            _ => Err(p001(
                format!(
                    "Expected collection body (closure, block, grouped, variable, spread, method, or function), got: {}",
                    self.tok().text()
                ),
                sp,
            )),
        }
    }

    pub(crate) fn loop_(&mut self, cond: Option<Node>) -> PResult<Node> {
        let start = cond.as_ref().map(|c| c.span).unwrap_or_else(|| self.sp());
        self.expect(Tok::P(P::At), "Expected @")?;
        let body = self.body()?;
        if self.check(&Tok::P(P::Question)) {
            self.advance();
            let c = self.body()?;
            let dw = Node::new(
                Kind::DoWhile {
                    body,
                    cond: c,
                    limit: None,
                },
                start,
            );
            return Ok(match cond {
                // `input @ body ? cond`: the input becomes `$` for the first iteration
                Some(input) => Node::new(
                    Kind::Chain {
                        head: input,
                        pipes: vec![dw],
                        term: None,
                    },
                    start,
                ),
                None => dw,
            });
        }
        match cond {
            Some(c) => Ok(Node::new(
                Kind::While {
                    cond: c,
                    body,
                    limit: None,
                },
                start,
            )),
            None => Err(RillError::at(
                "RILL-P004",
                "Bare '@' requires trailing condition: @ body ? cond (do-while)",
                start,
            )),
        }
    }

    pub(crate) fn can_start_expression(&self) -> bool {
        self.is_literal_start()
            || self.is_closure_start()
            || matches!(
                self.tok(),
                Tok::Dollar
                    | Tok::PipeVar
                    | Tok::DollarAt
                    | Tok::Ident(_)
                    | Tok::P(P::Dot)
                    | Tok::P(P::LParen)
                    | Tok::P(P::LBrace)
                    | Tok::P(P::At)
                    | Tok::P(P::Question)
                    | Tok::P(P::Bang)
                    | Tok::P(P::Star)
                    | Tok::P(P::Minus)
            )
    }

    pub(crate) fn spread(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::P(P::Star), "Expected *")?;
        if !self.can_start_expression() {
            return Ok(Node::new(Kind::Spread(None), sp));
        }
        let e = self.postfix()?;
        Ok(Node::new(Kind::Spread(Some(Self::chain_of(e))), sp))
    }
}
