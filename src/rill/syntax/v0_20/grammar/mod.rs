//! What only rill v0.20's grammar has (docs/ref-grammar.ebnf at v0.20.0): its primary and
//! pipe-target dispatch, keyword collection literals (`list[`, `dict[`, `tuple[`, `ordered[`),
//! atoms, type values and conversions, `while`/`do` loops, `guard`/`retry`/`timeout`/`pass<>`
//! blocks, closure signatures and `use<>`. Types and closure parameters are in `types.rs`. The
//! rest of its grammar is the shared parser's (`syntax::parser`).

use crate::rill::base::error::RillError;
use crate::rill::base::span::Span;
use crate::rill::syntax::ast::*;
use crate::rill::syntax::parser::{PResult, Parser, p001};
use crate::rill::syntax::token::{K, Opener, P, Tok};

mod blocks;
mod types;

/// v0.20's type names: a type as a value, in assertions, parameters and conversions.
pub const TYPE_NAMES: [&str; 16] = [
    "string", "number", "bool", "closure", "list", "dict", "tuple", "ordered", "vector",
    "iterator", "stream", "datetime", "duration", "atom", "any", "type",
];

/// Names that build a structured type when `(` follows: `list(number)`.
const CONSTRUCTORS: [&str; 5] = ["list", "dict", "tuple", "ordered", "stream"];

fn p004(msg: impl Into<String>, sp: Span) -> RillError {
    RillError::at("RILL-P004", msg, sp)
}

impl Parser {
    fn is_type_name(t: &Tok) -> bool {
        matches!(t, Tok::Ident(n) if TYPE_NAMES.contains(&n.as_str()))
    }

    /// A type constructor (`list(`…) or a bare type name used as a value.
    fn type_value(&mut self) -> PResult<Option<Node>> {
        let sp = self.sp();
        let Tok::Ident(name) = self.tok().clone() else {
            return Ok(None);
        };
        let call = matches!(self.peek(1), Tok::P(P::LParen));
        if call && CONSTRUCTORS.contains(&name.as_str()) {
            let ty = self.single_type()?;
            return Ok(Some(Node::new(Kind::TypeValue(ty), sp)));
        }
        if !call && TYPE_NAMES.contains(&name.as_str()) {
            self.advance();
            return Ok(Some(Node::new(Kind::TypeValue(TypeRef::Name(name)), sp)));
        }
        Ok(None)
    }

    /// After a pipe chain's head: `head ?? default`, the removed `@` loop, `head while (…)`.
    pub(crate) fn head_tail_v20(&mut self, mut head: Node, start: Span) -> PResult<Node> {
        if self.check(&Tok::P(P::Coalesce)) {
            self.advance();
            let d = self.default_value()?;
            head = match *head.kind {
                Kind::Postfix {
                    primary,
                    ops,
                    default: None,
                } => Node::new(
                    Kind::Postfix {
                        primary,
                        ops,
                        default: Some(d),
                    },
                    start,
                ),
                k => Node::new(
                    Kind::Postfix {
                        primary: Node::new(k, head.span),
                        ops: vec![],
                        default: Some(d),
                    },
                    start,
                ),
            };
        }
        if self.check(&Tok::P(P::At)) {
            return Err(RillError::at(
                "RILL-R080",
                "Migration error: use `do { body } while (cond)`",
                self.sp(),
            ));
        }
        if matches!(
            self.tok(),
            Tok::K(K::While | K::Do) | Tok::Opener(Opener::Do)
        ) {
            return self.loop_with_input(Self::chain_of(head));
        }
        Ok(head)
    }

    /// After a block or a group at the start of an expression: a loop seeded by it, or the
    /// removed `@` syntax. `done`: the node is complete.
    pub(crate) fn after_body_v20(&mut self, body: Node, at_code: &str) -> PResult<(Node, bool)> {
        if !self.v20() {
            return Ok((body, false));
        }
        if self.check(&Tok::P(P::At)) {
            let msg = if at_code == "RILL-R079" {
                "Migration error: use `while (cond) do { body }`"
            } else {
                "Migration error: use `do { body } while (cond)`"
            };
            return Err(RillError::at(at_code, msg, self.sp()));
        }
        if matches!(
            self.tok(),
            Tok::K(K::While | K::Do) | Tok::Opener(Opener::Do)
        ) {
            return Ok((self.loop_with_input(body)?, true));
        }
        Ok((body, false))
    }

    /// `while (c) do { … }` or `do { … } while (c)` where an expression may start; the `@`
    /// forms of v0.8.6 end in a migration hint.
    pub(crate) fn loop_v20(&mut self) -> PResult<Option<Node>> {
        match self.tok() {
            Tok::K(K::While) => Ok(Some(self.while_loop()?)),
            Tok::K(K::Do) | Tok::Opener(Opener::Do) => Ok(Some(self.do_loop()?)),
            Tok::P(P::At) => {
                let sp = self.sp();
                if matches!(self.peek(1), Tok::P(P::LBracket) | Tok::Dollar) {
                    return Err(RillError::at(
                        "RILL-P010",
                        "'@...' is not a valid expression; use chain(...) to chain collections",
                        sp,
                    ));
                }
                let msg = if matches!(self.peek(1), Tok::P(P::Caret)) {
                    "Migration error: use `do<limit: N> { body } while (cond)`"
                } else {
                    "Migration error: use `do { body } while (cond)`"
                };
                Err(RillError::at("RILL-R080", msg, sp))
            }
            _ => Ok(None),
        }
    }

    /// `<limit: N>` after `do<` (the opener is consumed).
    fn loop_limit(&mut self) -> PResult<usize> {
        self.skip_newlines();
        let sp = self.sp();
        match self.tok().clone() {
            Tok::Ident(n) if n == "limit" => {
                self.advance();
            }
            t => {
                return Err(p004(
                    format!(
                        "Parse error: unknown option `{}` for `do` construct (only `limit` accepted)",
                        t.text()
                    ),
                    sp,
                ));
            }
        }
        self.expect(Tok::P(P::Colon), "Expected ':' after option name")?;
        self.skip_newlines();
        let n = self.positive_int("Validation error: `limit` must be a positive integer")?;
        self.skip_newlines();
        self.expect_code(
            Tok::P(P::Gt),
            "Parse error: expected `>` to close `do` construct options",
            "RILL-P005",
        )?;
        Ok(n)
    }

    /// A positive integer literal, or `RILL-P004` with `msg`.
    pub(crate) fn positive_int(&mut self, msg: &str) -> PResult<usize> {
        let sp = self.sp();
        match *self.tok() {
            Tok::Num(n) if n >= 1.0 && n.fract() == 0.0 => {
                self.advance();
                Ok(n as usize)
            }
            _ => Err(p004(msg, sp)),
        }
    }

    fn do_keyword(&mut self) -> PResult<Option<usize>> {
        if self.check(&Tok::Opener(Opener::Do)) {
            self.advance();
            return Ok(Some(self.loop_limit()?));
        }
        self.expect(Tok::K(K::Do), "Expected `do`")?;
        Ok(None)
    }

    fn while_condition(&mut self) -> PResult<Node> {
        if !self.check(&Tok::P(P::LParen)) {
            return Err(p004(
                "Parse error: `while` requires `(condition)` before `do`",
                self.sp(),
            ));
        }
        self.advance();
        let c = self.pipe_chain()?;
        self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
        Ok(c)
    }

    fn while_loop(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.advance();
        let cond = self.while_condition()?;
        self.skip_newlines();
        if !matches!(self.tok(), Tok::K(K::Do) | Tok::Opener(Opener::Do)) {
            return Err(p004(
                "Parse error: expected `do` after `while (cond)`",
                self.sp(),
            ));
        }
        let limit = self.do_keyword()?;
        let body = self.block()?;
        Ok(Node::new(Kind::While { cond, body, limit }, sp))
    }

    fn do_loop(&mut self) -> PResult<Node> {
        let sp = self.sp();
        let limit = self.do_keyword()?;
        let body = self.block()?;
        self.skip_newlines();
        if !self.check(&Tok::K(K::While)) {
            return Err(p004(
                "Parse error: `do { body }` requires trailing `while (cond)` in post-loop form",
                self.sp(),
            ));
        }
        self.advance();
        let cond = self.while_condition()?;
        Ok(Node::new(Kind::DoWhile { body, cond, limit }, sp))
    }

    /// `seed while (c) do { … }`: the seed is piped into the condition each time;
    /// `seed do { … } while (c)`: the seed is the first `$`.
    fn loop_with_input(&mut self, seed: Node) -> PResult<Node> {
        let sp = seed.span;
        if self.check(&Tok::K(K::While)) {
            let lp = self.while_loop()?;
            let Kind::While { cond, body, limit } = *lp.kind else {
                return Err(p001("Expected while loop", sp));
            };
            let group = Node::new(Kind::Group(cond, true), sp);
            let cond = match *seed.kind {
                Kind::Chain {
                    head,
                    mut pipes,
                    term: None,
                } => {
                    pipes.push(group);
                    Node::new(
                        Kind::Chain {
                            head,
                            pipes,
                            term: None,
                        },
                        sp,
                    )
                }
                k => Node::new(
                    Kind::Chain {
                        head: Node::new(k, sp),
                        pipes: vec![group],
                        term: None,
                    },
                    sp,
                ),
            };
            return Ok(Node::new(Kind::While { cond, body, limit }, sp));
        }
        let dw = self.do_loop()?;
        Ok(Node::new(
            Kind::Chain {
                head: seed,
                pipes: vec![dw],
                term: None,
            },
            sp,
        ))
    }

    /// v0.20's primary expressions.
    pub(crate) fn primary_v20(&mut self) -> PResult<Node> {
        let sp = self.sp();
        let tok = self.tok().clone();
        if tok == Tok::P(P::Caret) && matches!(self.peek(1), Tok::P(P::LParen)) {
            if matches!(self.peek(2), Tok::Ident(n) if n == "limit") {
                return Err(RillError::at(
                    "RILL-R081",
                    "Migration error: use `do<limit: N> { body }`",
                    sp,
                ));
            }
            self.advance();
            self.advance();
            let anns = self.annotation_args()?;
            self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
            let expr = self.primary()?;
            return Ok(Node::new(Kind::Annotated { anns, expr }, sp));
        }
        match &tok {
            Tok::Opener(Opener::Pass) => return self.pass_block(),
            Tok::Opener(Opener::Timeout) => return self.timeout_block(),
            Tok::K(K::Pass) => {
                self.advance();
                if self.check(&Tok::P(P::LBrace)) {
                    return self.plain_pass_block(sp);
                }
                return Ok(Node::new(Kind::Pass, sp));
            }
            Tok::P(P::Minus) => {
                if let Tok::Num(n) = *self.peek(1) {
                    self.advance();
                    self.advance();
                    return Ok(Node::new(Kind::Num(-n), sp));
                }
            }
            _ => {}
        }
        if self.closure_sig_start() {
            return self.closure_sig();
        }
        if self.is_closure_start() {
            return self.closure();
        }
        if let Tok::Ident(w) = &tok {
            let next = self.peek(1);
            let glued = |b: &str| {
                format!("keyword and bracket must be adjacent; found whitespace before '{b}'")
            };
            if ["list", "dict", "tuple", "ordered"].contains(&w.as_str())
                && matches!(next, Tok::P(P::LBracket))
            {
                return Err(RillError::at("RILL-P007", glued("["), sp));
            }
            if ["destruct", "slice", "use"].contains(&w.as_str()) && matches!(next, Tok::P(P::Lt)) {
                return Err(RillError::at("RILL-P007", glued("<"), sp));
            }
        }
        match (&tok, self.peek(1)) {
            (Tok::P(P::Star), Tok::P(P::LBracket)) => {
                return Err(RillError::at(
                    "RILL-P009",
                    "Sigil syntax *[ was removed; use tuple[...] or ordered[...]",
                    sp,
                ));
            }
            (Tok::P(P::Star), Tok::P(P::Lt)) => {
                return Err(RillError::at(
                    "RILL-P009",
                    "Sigil syntax *< was removed; use destruct<...>",
                    sp,
                ));
            }
            (Tok::P(P::Slash), Tok::P(P::Lt)) => {
                return Err(RillError::at(
                    "RILL-P009",
                    "Sigil syntax /< was removed; use slice<...>",
                    sp,
                ));
            }
            _ => {}
        }
        match &tok {
            Tok::Opener(Opener::Guard) | Tok::K(K::Guard) => return self.guard_block(),
            Tok::Opener(Opener::Retry) | Tok::K(K::Retry) => return self.retry_block(),
            Tok::Atom(name) => {
                self.advance();
                return Ok(Node::new(Kind::Atom(name.clone()), sp));
            }
            Tok::Opener(o @ (Opener::List | Opener::Dict | Opener::Tuple | Opener::Ordered)) => {
                return self.collection_literal(*o, true);
            }
            Tok::P(P::LBracket) => return self.list_or_dict(),
            Tok::Str { .. } | Tok::Num(_) | Tok::K(K::True | K::False) => return self.literal(),
            _ => {}
        }
        if self.is_closure_call() {
            return self.closure_call();
        }
        if matches!(tok, Tok::Dollar | Tok::PipeVar | Tok::DollarAt) {
            return self.variable();
        }
        if self.is_method_call() {
            let (name, args) = self.method_call()?;
            return Ok(Node::new(Kind::Method { name, args }, sp));
        }
        if let Some(t) = self.type_value()? {
            return Ok(t);
        }
        if self.is_host_call() {
            return self.host_call();
        }
        if matches!(tok, Tok::Ident(_)) {
            return self.bare_host_call();
        }
        if tok == Tok::Opener(Opener::Use) {
            return self.use_expr();
        }
        if let Some(c) = self.common_construct()? {
            return Ok(c);
        }
        if tok == Tok::K(K::Yield) {
            return Err(p001("Unexpected keyword 'yield'", sp));
        }
        if tok == Tok::P(P::Lt) && matches!(self.peek(1), Tok::P(P::Lt)) {
            return Err(p001(
                "Unexpected token: <. Hint: Heredoc syntax (<<EOF) was removed, use triple-quote strings (\"\"\") instead",
                sp,
            ));
        }
        Err(p001(format!("Unexpected token: {}", tok.text()), sp))
    }

    /// v0.20's pipe targets.
    pub(crate) fn pipe_target_v20(&mut self) -> PResult<Node> {
        let sp = self.sp();
        let tok = self.tok().clone();
        if tok == Tok::P(P::Colon) && matches!(self.peek(1), Tok::P(P::Gt)) {
            return Err(RillError::at(
                "RILL-R078",
                "Legacy ':>' conversion syntax removed; use '-> type' instead",
                sp,
            ));
        }
        if self.is_closure_start() {
            return self.closure();
        }
        if self.is_closure_call_with_access() {
            return self.closure_call();
        }
        if tok == Tok::PipeVar && matches!(self.peek(1), Tok::P(P::LParen)) {
            self.advance();
            self.advance();
            let args = self.arg_list()?;
            self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
            return Ok(Node::new(Kind::PipeInvoke { args }, sp));
        }
        if matches!(tok, Tok::Dollar | Tok::PipeVar | Tok::DollarAt) {
            return self.variable();
        }
        match &tok {
            Tok::K(K::Assert) => return self.assert(),
            Tok::K(K::Error) => return self.error_node(false),
            Tok::P(P::Colon) => return self.type_op_target(),
            Tok::Opener(Opener::Destruct) => {
                return self.destructure(Tok::Opener(Opener::Destruct));
            }
            Tok::Opener(Opener::Slice) => return self.slice(Tok::Opener(Opener::Slice)),
            Tok::Opener(Opener::Use) => return self.use_expr(),
            Tok::Opener(Opener::Pass) => return self.pass_block(),
            Tok::Opener(Opener::Timeout) => return self.timeout_block(),
            Tok::K(K::Pass) => {
                self.advance();
                if self.check(&Tok::P(P::LBrace)) {
                    return self.plain_pass_block(sp);
                }
                return Err(p004(
                    "'pass' as a pipe target requires a body block; use 'pass { body }' or 'pass<on_error: #IGNORE> { body }'",
                    sp,
                ));
            }
            Tok::P(P::Dot) => return self.dot_target(),
            Tok::Str { .. } => return self.string(),
            Tok::P(P::LBracket) | Tok::Opener(Opener::List | Opener::Dict) => {
                let mut lit = match tok {
                    Tok::P(P::LBracket) => self.list_or_dict()?,
                    Tok::Opener(o) => self.collection_literal(o, true)?,
                    _ => return Err(p001("Expected literal", sp)),
                };
                if self.check(&Tok::P(P::Coalesce)) {
                    self.advance();
                    let d = self.default_value()?;
                    if let Kind::List { default, .. } | Kind::Dict { default, .. } = &mut *lit.kind
                    {
                        *default = Some(d);
                    }
                }
                return Ok(lit);
            }
            _ => {}
        }
        if let Some(t) = self.type_value()? {
            return Ok(t);
        }
        self.pipe_target_tail(sp)
    }

    /// `list[…]`, `dict[…]`, `tuple[…]`, `ordered[…]` (the opener not yet consumed).
    /// `strict`: a `key:` in a list or tuple is refused (a multi-key `[a, b]: v` is not).
    pub(crate) fn collection_literal(&mut self, kind: Opener, strict: bool) -> PResult<Node> {
        let sp = self.sp();
        if kind == Opener::Dict {
            return self.dict_opener();
        }
        self.advance();
        self.skip_newlines();
        let name = Opener::ALL
            .iter()
            .find(|(o, _, _)| *o == kind)
            .map_or("list", |(_, w, _)| *w);
        let close = format!("expected ']' to close {name} literal");
        let values_only = matches!(kind, Opener::List | Opener::Tuple);
        let mut elems = Vec::new();
        let mut entries = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        while !self.check(&Tok::P(P::RBracket)) {
            if self.at_end() {
                return Err(RillError::at("RILL-P005", close, self.sp()));
            }
            if self.check(&Tok::Ellipsis) {
                self.advance();
                self.skip_newlines();
                if matches!(self.tok(), Tok::P(P::Comma | P::RBracket) | Tok::Eof) {
                    return Err(p004("Expected expression after '...'", self.sp()));
                }
                let e = self.pipe_chain()?;
                if values_only {
                    elems.push(ListElem::Spread(e));
                } else {
                    entries.push((DictKey::Spread, e));
                }
            } else if values_only {
                if strict
                    && matches!(self.tok(), Tok::Ident(_) | Tok::Str { .. } | Tok::Num(_))
                    && matches!(self.peek(1), Tok::P(P::Colon))
                {
                    return Err(p004(
                        format!("unexpected key-value pair in {name} literal"),
                        self.sp(),
                    ));
                }
                elems.push(ListElem::Item(self.pipe_chain()?));
            } else {
                let esp = self.sp();
                let keyed = matches!(self.peek(1), Tok::P(P::Colon))
                    || matches!(
                        self.tok(),
                        Tok::Dollar
                            | Tok::P(P::LParen | P::LBracket)
                            | Tok::Opener(Opener::List | Opener::Dict)
                    );
                if !keyed {
                    return Err(p004(
                        format!("expected 'key: value' pair in {name} literal"),
                        esp,
                    ));
                }
                let (k, v) = self.dict_entry()?;
                let shown = match &k {
                    DictKey::Lit(s) => s.clone(),
                    DictKey::Num(n) => crate::rill::base::num::fmt_num(*n),
                    DictKey::Bool(b) => b.to_string(),
                    DictKey::Var(v) => format!("${v}"),
                    _ => String::new(),
                };
                if !shown.is_empty() {
                    if seen.contains(&shown) {
                        return Err(p004(
                            format!("duplicate key '{shown}' in {name} literal"),
                            esp,
                        ));
                    }
                    seen.push(shown);
                }
                entries.push((k, v));
            }
            self.skip_newlines();
            if !self.check(&Tok::P(P::Comma)) {
                break;
            }
            self.advance();
            self.skip_newlines();
        }
        self.expect_code(Tok::P(P::RBracket), &close, "RILL-P005")?;
        let kind = match kind {
            Opener::List => Kind::List {
                elems,
                default: None,
            },
            Opener::Tuple => Kind::Tuple(elems),
            _ => Kind::Ordered(entries),
        };
        Ok(Node::new(kind, sp))
    }

    /// `dict[…]`: entries as in `[k: v]` (later keys win), `...$d` spreads, `dict[]` empty.
    fn dict_opener(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.advance();
        self.skip_newlines();
        let mut entries = vec![];
        while !self.check(&Tok::P(P::RBracket)) {
            if self.check(&Tok::Ellipsis) {
                self.advance();
                self.skip_newlines();
                if matches!(self.tok(), Tok::P(P::Comma | P::RBracket) | Tok::Eof) {
                    return Err(p004("Expected expression after '...'", self.sp()));
                }
                entries.push((DictKey::Spread, self.pipe_chain()?));
            } else {
                entries.push(self.dict_entry()?);
            }
            self.skip_newlines();
            if !self.check(&Tok::P(P::Comma)) {
                break;
            }
            self.advance();
            self.skip_newlines();
        }
        self.expect_code(Tok::P(P::RBracket), "Expected ]", "RILL-P005")?;
        Ok(Node::new(
            Kind::Dict {
                entries,
                default: None,
            },
            sp,
        ))
    }
}
