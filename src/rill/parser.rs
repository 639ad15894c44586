//! Recursive-descent parser for rill v0.8.6 (spec/language.md §2–§13). Produces `ast::Script`;
//! nesting is bounded (`MAX_DEPTH`) so hostile input ends in `RILL-P001`, not a stack overflow.

use crate::rill::ast::*;
use crate::rill::error::RillError;
use crate::rill::lexer::{tokenize, tokenize_at};
use crate::rill::token::{Span, Tok, Token};
use std::rc::Rc;

const MAX_DEPTH: usize = 1000;
/// Stack headroom below which the recursion continues on a fresh heap-allocated segment.
const RED_ZONE: usize = 128 * 1024;
const STACK_CHUNK: usize = 4 * 1024 * 1024;
const TYPE_NAMES: &[&str] = &[
    "string", "number", "bool", "closure", "list", "dict", "tuple",
];
const PARAM_TYPES: &[&str] = &["string", "number", "bool"];

type PResult<T> = Result<T, RillError>;

/// Parse a whole script.
pub fn parse(src: &str) -> PResult<Script> {
    let tokens = tokenize(src)?;
    let mut p = Parser {
        toks: tokens,
        pos: 0,
        depth: 0,
        binds: 0,
    };
    p.script()
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Count of nodes that bind variables or create closures (captures, destructures,
    /// closures, blocks): a construct whose span saw none needs no scope of its own.
    binds: usize,
}

fn p001(msg: impl Into<String>, sp: Span) -> RillError {
    RillError::at("RILL-P001", msg, sp)
}

impl Parser {
    fn cur(&self) -> &Token {
        let i = self.pos.min(self.toks.len() - 1);
        &self.toks[i]
    }
    fn tok(&self) -> &Tok {
        &self.cur().tok
    }
    fn peek(&self, k: usize) -> &Tok {
        let i = (self.pos + k).min(self.toks.len() - 1);
        &self.toks[i].tok
    }
    fn sp(&self) -> Span {
        self.cur().span
    }
    fn check(&self, t: &Tok) -> bool {
        std::mem::discriminant(self.tok()) == std::mem::discriminant(t)
    }
    fn at_end(&self) -> bool {
        matches!(self.tok(), Tok::Eof)
    }
    fn advance(&mut self) -> Token {
        let t = self.cur().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }
    fn expect(&mut self, t: Tok, msg: &str) -> PResult<Token> {
        self.expect_code(t, msg, "RILL-P001")
    }
    fn expect_code(&mut self, t: Tok, msg: &str, code: &str) -> PResult<Token> {
        if self.check(&t) {
            return Ok(self.advance());
        }
        if self.at_end() {
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
    fn ident(&mut self, msg: &str) -> PResult<String> {
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
    fn skip_newlines(&mut self) {
        while self.check(&Tok::Newline) {
            self.advance();
        }
    }
    /// Skip newlines only when the first token after them is `t`.
    fn skip_nl_if_followed(&mut self, t: &Tok) -> bool {
        if !self.check(&Tok::Newline) {
            return self.check(t);
        }
        let mut k = 1;
        while matches!(self.peek(k), Tok::Newline) {
            k += 1;
        }
        if std::mem::discriminant(self.peek(k)) == std::mem::discriminant(t) {
            self.skip_newlines();
            return true;
        }
        false
    }
    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(p001("Expression nesting too deep", self.sp()));
        }
        Ok(())
    }

    // ---------------------------------------------------------------- script / statements

    fn script(&mut self) -> PResult<Script> {
        self.skip_newlines();
        if self.check(&Tok::Frontmatter) {
            self.advance();
            while !self.check(&Tok::Frontmatter) && !self.at_end() {
                self.advance();
            }
            self.expect_code(Tok::Frontmatter, "Expected closing ---", "RILL-P005")?;
        }
        self.skip_newlines();
        let mut statements = Vec::new();
        while !self.at_end() {
            self.skip_newlines();
            if self.at_end() {
                break;
            }
            statements.push(self.statement()?);
            self.skip_newlines();
        }
        Ok(Script { statements })
    }

    fn statement(&mut self) -> PResult<Stmt> {
        let span = self.sp();
        if self.check(&Tok::Caret) {
            self.advance();
            self.expect(Tok::LParen, "Expected (")?;
            let anns = self.annotation_args()?;
            self.expect_code(Tok::RParen, "Expected )", "RILL-P005")?;
            let inner = self.statement()?;
            return Ok(Stmt {
                annotations: Some(anns),
                expr: inner.expr,
                span,
            });
        }
        if self.check(&Tok::Assert) {
            let a = self.assert()?;
            return Ok(Stmt {
                annotations: None,
                expr: a,
                span,
            });
        }
        if self.check(&Tok::Error) {
            let e = self.error_node(true)?;
            return Ok(Stmt {
                annotations: None,
                expr: e,
                span,
            });
        }
        let expr = self.pipe_chain()?;
        Ok(Stmt {
            annotations: None,
            expr,
            span,
        })
    }

    fn annotation_args(&mut self) -> PResult<Vec<AnnArg>> {
        let mut out = Vec::new();
        if self.check(&Tok::RParen) {
            return Ok(out);
        }
        out.push(self.annotation_arg()?);
        while self.check(&Tok::Comma) {
            self.advance();
            if self.check(&Tok::RParen) {
                break;
            }
            out.push(self.annotation_arg()?);
        }
        Ok(out)
    }

    fn annotation_arg(&mut self) -> PResult<AnnArg> {
        if self.check(&Tok::Star) {
            self.advance();
            return Ok(AnnArg::Spread(self.pipe_chain()?));
        }
        let name = self.ident("Expected annotation name")?;
        self.expect(Tok::Colon, "Expected :")?;
        Ok(AnnArg::Named(name, self.pipe_chain()?))
    }

    // ---------------------------------------------------------------- pipe chains

    fn pipe_var_node(sp: Span) -> Node {
        Node::new(
            Kind::Var {
                name: None,
                access: vec![],
                exist: None,
                default: None,
            },
            sp,
        )
    }

    fn chain_of(head: Node) -> Node {
        let sp = head.span;
        Node::new(
            Kind::Chain {
                head,
                pipes: vec![],
                term: None,
            },
            sp,
        )
    }

    fn pipe_chain(&mut self) -> PResult<Node> {
        self.enter()?;
        let r = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.pipe_chain_inner());
        self.depth -= 1;
        r
    }

    fn pipe_chain_inner(&mut self) -> PResult<Node> {
        let start = self.sp();
        if self.check(&Tok::Break) || self.check(&Tok::Return) {
            let t = self.advance();
            let term = if t.tok == Tok::Break {
                Term::Break
            } else {
                Term::Return
            };
            return Ok(Node::new(
                Kind::Chain {
                    head: Self::pipe_var_node(start),
                    pipes: vec![],
                    term: Some(term),
                },
                start,
            ));
        }
        let mut head = self.logical_or()?;
        if self.check(&Tok::At) {
            let lp = self.loop_(Some(Self::chain_of(head)))?;
            head = lp;
        }
        if self.skip_nl_if_followed(&Tok::Question) {
            head = self.conditional_with(Some(Self::chain_of(head)), start)?;
        }
        let mut pipes = Vec::new();
        let mut term = None;
        loop {
            if self.check(&Tok::Colon) && matches!(self.peek(1), Tok::Gt) {
                return Err(RillError::at(
                    "RILL-P006",
                    "The capture arrow syntax changed from :> to =>",
                    self.sp(),
                ));
            }
            let cont = if self.check(&Tok::Arrow) || self.check(&Tok::Capture) {
                true
            } else if self.check(&Tok::Newline) {
                let mut k = 1;
                while matches!(self.peek(k), Tok::Newline) {
                    k += 1;
                }
                if matches!(self.peek(k), Tok::Colon) && matches!(self.peek(k + 1), Tok::Gt) {
                    self.skip_newlines();
                    return Err(RillError::at(
                        "RILL-P006",
                        "The capture arrow syntax changed from :> to =>",
                        self.sp(),
                    ));
                }
                if matches!(self.peek(k), Tok::Arrow | Tok::Capture) {
                    self.skip_newlines();
                    true
                } else {
                    false
                }
            } else {
                false
            };
            if !cont {
                break;
            }
            let is_capture = self.check(&Tok::Capture);
            self.advance();
            if is_capture {
                pipes.push(self.capture()?);
                continue;
            }
            if self.check(&Tok::Break) {
                self.advance();
                term = Some(Term::Break);
                break;
            }
            if self.check(&Tok::Return) {
                self.advance();
                term = Some(Term::Return);
                break;
            }
            pipes.push(self.pipe_target()?);
        }
        if !pipes.is_empty() && term.is_none() && self.skip_nl_if_followed(&Tok::Question) {
            let cond = Node::new(
                Kind::Chain {
                    head,
                    pipes,
                    term: None,
                },
                start,
            );
            let c = self.conditional_with(Some(cond), start)?;
            return Ok(Self::chain_of(c));
        }
        Ok(Node::new(Kind::Chain { head, pipes, term }, start))
    }

    fn capture(&mut self) -> PResult<Node> {
        self.binds += 1;
        let sp = self.sp();
        self.expect(Tok::Dollar, "Expected $")?;
        let name = self.ident("Expected variable name")?;
        let mut ty = None;
        if self.check(&Tok::Colon) {
            self.advance();
            ty = Some(self.type_name(TYPE_NAMES)?);
        }
        Ok(Node::new(Kind::Capture { name, ty }, sp))
    }

    fn type_name(&mut self, valid: &[&str]) -> PResult<String> {
        let sp = self.sp();
        let t = self.ident("Expected type name")?;
        if !valid.contains(&t.as_str()) {
            return Err(RillError::at(
                "RILL-P003",
                format!("Invalid type: {t} (expected: {})", valid.join(", ")),
                sp,
            ));
        }
        Ok(t)
    }

    // ---------------------------------------------------------------- arithmetic head

    /// One left-associative level: `next (op next)*`, where `op_of` names this level's
    /// operators.
    fn left_assoc(
        &mut self,
        next: fn(&mut Self) -> PResult<Node>,
        op_of: fn(&Tok) -> Option<BinOp>,
    ) -> PResult<Node> {
        let sp = self.sp();
        let mut l = next(self)?;
        while let Some(op) = op_of(self.tok()) {
            self.advance();
            let r = next(self)?;
            l = Node::new(Kind::Binary { op, l, r }, sp);
        }
        Ok(l)
    }
    fn logical_or(&mut self) -> PResult<Node> {
        self.left_assoc(Self::logical_and, |t| {
            matches!(t, Tok::Or).then_some(BinOp::Or)
        })
    }
    fn logical_and(&mut self) -> PResult<Node> {
        self.left_assoc(Self::comparison, |t| {
            matches!(t, Tok::And).then_some(BinOp::And)
        })
    }
    fn comparison(&mut self) -> PResult<Node> {
        let sp = self.sp();
        let l = self.additive()?;
        let op = match self.tok() {
            Tok::Eq => BinOp::Eq,
            Tok::Ne => BinOp::Ne,
            Tok::Lt => BinOp::Lt,
            Tok::Gt => BinOp::Gt,
            Tok::Le => BinOp::Le,
            Tok::Ge => BinOp::Ge,
            _ => return Ok(l),
        };
        self.advance();
        let r = self.additive()?;
        Ok(Node::new(Kind::Binary { op, l, r }, sp))
    }
    fn additive(&mut self) -> PResult<Node> {
        self.left_assoc(Self::multiplicative, |t| match t {
            Tok::Plus => Some(BinOp::Add),
            Tok::Minus => Some(BinOp::Sub),
            _ => None,
        })
    }
    fn multiplicative(&mut self) -> PResult<Node> {
        self.left_assoc(Self::unary, |t| match t {
            Tok::Star => Some(BinOp::Mul),
            Tok::Slash => Some(BinOp::Div),
            Tok::Percent => Some(BinOp::Mod),
            _ => None,
        })
    }
    fn unary(&mut self) -> PResult<Node> {
        self.enter()?;
        let sp = self.sp();
        let r = if self.check(&Tok::Minus) {
            self.advance();
            let o = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.unary())?;
            Ok(Node::new(Kind::Neg(o), sp))
        } else if self.check(&Tok::Bang) {
            self.advance();
            let o = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.unary())?;
            Ok(Node::new(Kind::Not(o), sp))
        } else {
            self.postfix()
        };
        self.depth -= 1;
        r
    }

    // ---------------------------------------------------------------- postfix / primary

    fn postfix(&mut self) -> PResult<Node> {
        let start = self.sp();
        let e = self.postfix_base()?;
        if self.skip_nl_if_followed(&Tok::Question) {
            return self.conditional_with(Some(e), start);
        }
        Ok(e)
    }

    fn is_method_call(&self) -> bool {
        self.check(&Tok::Dot) && matches!(self.peek(1), Tok::Ident(_))
    }

    fn postfix_base(&mut self) -> PResult<Node> {
        self.enter()?;
        let r = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.postfix_base_inner());
        self.depth -= 1;
        r
    }

    fn postfix_base_inner(&mut self) -> PResult<Node> {
        let start = self.sp();
        let mut primary = self.primary()?;
        if self.check(&Tok::Colon) {
            if matches!(self.peek(1), Tok::Gt) {
                return Err(RillError::at(
                    "RILL-P006",
                    "The capture arrow syntax changed from :> to =>",
                    self.sp(),
                ));
            }
            primary = self.postfix_type_op(primary, start)?;
        }
        let stop = match &*primary.kind {
            Kind::Conditional { then, .. } => match &*then.kind {
                Kind::Block(_) => true,
                Kind::Chain { term, .. } => term.is_some(),
                _ => false,
            },
            _ => false,
        };
        let mut ops = Vec::new();
        while !stop && (self.is_method_call() || self.check(&Tok::LParen)) {
            let sp = self.sp();
            if self.is_method_call() {
                let (name, args) = self.method_call()?;
                ops.push(PostOp::Method {
                    name,
                    args,
                    span: sp,
                });
            } else {
                self.advance();
                let args = self.arg_list()?;
                self.expect_code(Tok::RParen, "Expected )", "RILL-P005")?;
                ops.push(PostOp::Invoke { args, span: sp });
            }
        }
        let mut default = None;
        if self.check(&Tok::Coalesce) {
            self.advance();
            default = Some(self.default_value()?);
        }
        if ops.is_empty() && default.is_none() {
            return Ok(primary);
        }
        Ok(Node::new(
            Kind::Postfix {
                primary,
                ops,
                default,
            },
            start,
        ))
    }

    fn postfix_type_op(&mut self, operand: Node, start: Span) -> PResult<Node> {
        self.expect(Tok::Colon, "Expected :")?;
        let check = self.check(&Tok::Question);
        if check {
            self.advance();
        }
        let ty = self.type_name(TYPE_NAMES)?;
        Ok(Node::new(
            Kind::TypeOp {
                operand: Some(operand),
                ty,
                check,
            },
            start,
        ))
    }

    fn method_call(&mut self) -> PResult<(String, Vec<Node>)> {
        self.expect(Tok::Dot, "Expected .")?;
        let name = self.ident("Expected method name")?;
        let mut args = Vec::new();
        if self.check(&Tok::LParen) {
            self.advance();
            args = self.arg_list()?;
            self.expect_code(Tok::RParen, "Expected )", "RILL-P005")?;
        }
        Ok((name, args))
    }

    fn arg_list(&mut self) -> PResult<Vec<Node>> {
        let mut args = Vec::new();
        if !self.check(&Tok::RParen) {
            args.push(self.pipe_chain()?);
            while self.check(&Tok::Comma) {
                self.advance();
                args.push(self.pipe_chain()?);
            }
        }
        Ok(args)
    }

    fn is_ident_or_kw(t: &Tok) -> Option<String> {
        match t {
            Tok::Ident(s) => Some(s.clone()),
            other => other.ident_or_keyword().map(str::to_string),
        }
    }

    fn is_host_call(&self) -> bool {
        if Self::is_ident_or_kw(self.tok()).is_none() {
            return false;
        }
        if matches!(self.peek(1), Tok::LParen) {
            return true;
        }
        let mut k = 1;
        while matches!(self.peek(k), Tok::DColon) {
            k += 1;
            if Self::is_ident_or_kw(self.peek(k)).is_none() {
                return false;
            }
            k += 1;
        }
        k > 1 && matches!(self.peek(k), Tok::LParen)
    }

    fn qualified_name(&mut self) -> PResult<String> {
        let mut name = Self::is_ident_or_kw(self.tok()).unwrap_or_default();
        self.advance();
        while self.check(&Tok::DColon) {
            self.advance();
            match Self::is_ident_or_kw(self.tok()) {
                Some(n) => {
                    name.push_str("::");
                    name.push_str(&n);
                    self.advance();
                }
                None => return Err(p001("Expected identifier or keyword after ::", self.sp())),
            }
        }
        Ok(name)
    }

    fn host_call(&mut self) -> PResult<Node> {
        let sp = self.sp();
        let name = self.qualified_name()?;
        self.expect(Tok::LParen, "Expected (")?;
        let args = self.arg_list()?;
        self.expect_code(Tok::RParen, "Expected )", "RILL-P005")?;
        Ok(Node::new(
            Kind::HostCall {
                name,
                args,
                bare: false,
            },
            sp,
        ))
    }

    fn bare_host_call(&mut self) -> PResult<Node> {
        let sp = self.sp();
        let name = self.qualified_name()?;
        Ok(Node::new(
            Kind::HostCall {
                name,
                args: vec![],
                bare: true,
            },
            sp,
        ))
    }

    fn is_closure_call(&self) -> bool {
        self.check(&Tok::Dollar)
            && matches!(self.peek(1), Tok::Ident(_))
            && matches!(self.peek(2), Tok::LParen)
    }

    fn is_closure_call_with_access(&self) -> bool {
        if !(self.check(&Tok::Dollar) && matches!(self.peek(1), Tok::Ident(_))) {
            return false;
        }
        let mut k = 2;
        while matches!(self.peek(k), Tok::Dot) {
            k += 1;
            if !matches!(self.peek(k), Tok::Ident(_)) {
                return false;
            }
            k += 1;
        }
        matches!(self.peek(k), Tok::LParen)
    }

    fn closure_call(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::Dollar, "Expected $")?;
        let name = self.ident("Expected variable name")?;
        let mut access = Vec::new();
        while self.check(&Tok::Dot) && matches!(self.peek(1), Tok::Ident(_)) {
            self.advance();
            access.push(self.ident("Expected field name")?);
        }
        self.expect(Tok::LParen, "Expected (")?;
        let args = self.arg_list()?;
        self.expect_code(Tok::RParen, "Expected )", "RILL-P005")?;
        Ok(Node::new(Kind::ClosureCall { name, access, args }, sp))
    }

    fn is_literal_start(&self) -> bool {
        matches!(
            self.tok(),
            Tok::Str { .. } | Tok::Num(_) | Tok::True | Tok::False | Tok::LBracket
        )
    }

    fn is_closure_start(&self) -> bool {
        matches!(self.tok(), Tok::Bar | Tok::Or)
    }

    fn primary(&mut self) -> PResult<Node> {
        let sp = self.sp();
        if self.check(&Tok::Pass) {
            self.advance();
            return Ok(Node::new(Kind::Pass, sp));
        }
        if self.check(&Tok::Star) {
            return self.spread();
        }
        if self.check(&Tok::Minus)
            && let Tok::Num(n) = *self.peek(1)
        {
            self.advance();
            self.advance();
            return Ok(Node::new(Kind::Num(-n), sp));
        }
        if self.is_closure_start() {
            return self.closure();
        }
        if self.is_literal_start() {
            return self.literal();
        }
        if self.is_closure_call() {
            return self.closure_call();
        }
        if matches!(self.tok(), Tok::Dollar | Tok::PipeVar | Tok::DollarAt) {
            return self.variable();
        }
        if self.is_method_call() {
            let (name, args) = self.method_call()?;
            return Ok(Node::new(Kind::Method { name, args }, sp));
        }
        if self.is_host_call() {
            return self.host_call();
        }
        if matches!(self.tok(), Tok::Ident(_)) {
            return self.bare_host_call();
        }
        if let Some(c) = self.common_construct()? {
            return Ok(c);
        }
        Err(p001(format!("Unexpected token: {}", self.tok().text()), sp))
    }

    fn common_construct(&mut self) -> PResult<Option<Node>> {
        let start = self.sp();
        if self.check(&Tok::Bang) {
            self.advance();
            if matches!(self.tok(), Tok::Eof | Tok::Newline | Tok::RParen) {
                return Err(RillError::at(
                    "RILL-P004",
                    "Negation operator requires an operand. Use prefix syntax: !expr or (!expr)",
                    start,
                ));
            }
            let before = self.binds;
            let operand = self.postfix_base()?;
            let neg = Node::new(Kind::Not(operand), start);
            let cond = Node::new(
                Kind::Group(Self::chain_of(neg), self.binds != before),
                start,
            );
            if self.check(&Tok::Question) {
                self.advance();
                return Ok(Some(self.conditional_rest(Some(cond), start)?));
            }
            // `!expr` as a unit: the negated boolean
            return Ok(Some(cond));
        }
        if self.check(&Tok::Question) {
            self.advance();
            return Ok(Some(self.conditional_rest(None, start)?));
        }
        if self.check(&Tok::At) {
            return Ok(Some(self.loop_(None)?));
        }
        if self.check(&Tok::LBrace) {
            let b = self.block()?;
            if self.check(&Tok::At) {
                return Ok(Some(self.loop_(Some(b))?));
            }
            if self.check(&Tok::Question) {
                return Ok(Some(self.conditional_with(Some(b), start)?));
            }
            return Ok(Some(b));
        }
        if self.check(&Tok::LParen) {
            let g = self.grouped()?;
            if self.check(&Tok::At) {
                return Ok(Some(self.loop_(Some(g))?));
            }
            if self.check(&Tok::Question) {
                return Ok(Some(self.conditional_with(Some(g), start)?));
            }
            return Ok(Some(g));
        }
        Ok(None)
    }

    fn grouped(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::LParen, "Expected (")?;
        let before = self.binds;
        let e = self.pipe_chain()?;
        self.expect_code(Tok::RParen, "Expected )", "RILL-P005")?;
        Ok(Node::new(Kind::Group(e, self.binds != before), sp))
    }

    fn block(&mut self) -> PResult<Node> {
        self.enter()?;
        let r = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.block_inner());
        self.depth -= 1;
        r
    }

    fn block_inner(&mut self) -> PResult<Node> {
        let before = self.binds;
        let sp = self.sp();
        self.expect(Tok::LBrace, "Expected {")?;
        self.skip_newlines();
        let mut stmts = Vec::new();
        while !self.check(&Tok::RBrace) && !self.at_end() {
            stmts.push(self.statement()?);
            self.skip_newlines();
        }
        if stmts.is_empty() {
            return Err(RillError::at(
                "RILL-P004",
                "Empty blocks are not allowed",
                sp,
            ));
        }
        self.expect(Tok::RBrace, "Expected }")?;
        let def = ClosureDef {
            params: vec![Param {
                name: "$".into(),
                ty: None,
                default: None,
                annotations: None,
            }],
            body: Node::new(Kind::Stmts(stmts, self.binds != before), sp),
            is_block: true,
        };
        self.binds += 1;
        Ok(Node::new(Kind::Block(Rc::new(def)), sp))
    }

    fn conditional_with(&mut self, cond: Option<Node>, start: Span) -> PResult<Node> {
        self.expect(Tok::Question, "Expected ?")?;
        self.conditional_rest(cond, start)
    }

    fn conditional_rest(&mut self, cond: Option<Node>, start: Span) -> PResult<Node> {
        let before = self.binds;
        let then = self.body()?;
        let mut els = None;
        if self.skip_nl_if_followed(&Tok::Bang) {
            self.advance();
            let sp = self.sp();
            let e = self.body()?;
            if self.skip_nl_if_followed(&Tok::Question) {
                els = Some(self.conditional_with(Some(e), sp)?);
            } else {
                els = Some(e);
            }
        }
        let scoped = self.binds != before;
        Ok(Node::new(
            Kind::Conditional {
                cond,
                then,
                els,
                scoped,
            },
            start,
        ))
    }

    fn loop_(&mut self, cond: Option<Node>) -> PResult<Node> {
        let start = cond.as_ref().map(|c| c.span).unwrap_or_else(|| self.sp());
        self.expect(Tok::At, "Expected @")?;
        let body = self.body()?;
        if self.check(&Tok::Question) {
            self.advance();
            let c = self.body()?;
            let dw = Node::new(Kind::DoWhile { body, cond: c }, start);
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
            Some(c) => Ok(Node::new(Kind::While { cond: c, body }, start)),
            None => Err(RillError::at(
                "RILL-P004",
                "Bare '@' requires trailing condition: @ body ? cond (do-while)",
                start,
            )),
        }
    }

    fn body(&mut self) -> PResult<Node> {
        if self.check(&Tok::LBrace) {
            let b = self.block()?;
            return Ok(b);
        }
        if self.check(&Tok::LParen) {
            return self.grouped();
        }
        if self.check(&Tok::Break) || self.check(&Tok::Return) {
            return self.pipe_chain();
        }
        self.postfix()
    }

    fn assert(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::Assert, "Expected assert")?;
        let cond = if self.check(&Tok::LParen) || self.check(&Tok::LBrace) {
            self.body()?
        } else {
            self.pipe_chain()?
        };
        let mut msg = None;
        if matches!(self.tok(), Tok::Str { .. }) {
            msg = Some(self.string()?);
        }
        Ok(Node::new(Kind::Assert { cond, msg }, sp))
    }

    fn error_node(&mut self, require: bool) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::Error, "Expected error")?;
        let mut msg = None;
        if matches!(self.tok(), Tok::Str { .. }) {
            msg = Some(self.string()?);
        } else {
            let boundary = matches!(
                self.tok(),
                Tok::Eof | Tok::Newline | Tok::RBrace | Tok::RParen
            );
            if !boundary {
                return Err(RillError::at(
                    "RILL-P004",
                    "error statement requires string message",
                    self.sp(),
                ));
            } else if require {
                return Err(RillError::at(
                    "RILL-P002",
                    "Unexpected end of input, expected string",
                    sp,
                ));
            }
        }
        Ok(Node::new(Kind::Error { msg }, sp))
    }

    // ---------------------------------------------------------------- pipe targets

    fn pipe_target(&mut self) -> PResult<Node> {
        let sp = self.sp();
        match self.tok() {
            Tok::Assert => return self.assert(),
            Tok::Error => return self.error_node(false),
            Tok::Colon => {
                self.advance();
                let check = self.check(&Tok::Question);
                if check {
                    self.advance();
                }
                let ty = self.type_name(TYPE_NAMES)?;
                return Ok(Node::new(
                    Kind::TypeOp {
                        operand: None,
                        ty,
                        check,
                    },
                    sp,
                ));
            }
            Tok::Star => {
                self.advance();
                return Ok(Node::new(Kind::Spread(None), sp));
            }
            Tok::StarLt => return self.destructure(),
            Tok::SlashLt => return self.slice(),
            Tok::Each | Tok::Fold => {
                let is_each = self.check(&Tok::Each);
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
                return Ok(Node::new(
                    if is_each {
                        Kind::Each { acc, body }
                    } else {
                        Kind::Fold { acc, body }
                    },
                    sp,
                ));
            }
            Tok::Map => {
                self.advance();
                let body = self.iter_body()?;
                return Ok(Node::new(Kind::Map { body }, sp));
            }
            Tok::Filter => {
                self.advance();
                let body = self.iter_body()?;
                return Ok(Node::new(Kind::Filter { body }, sp));
            }
            _ => {}
        }
        if self.is_closure_start() {
            return self.closure();
        }
        if self.check(&Tok::Dot) {
            let mut methods = Vec::new();
            while self.check(&Tok::Dot) {
                let msp = self.sp();
                let (n, a) = self.method_call()?;
                methods.push((n, a, msp));
            }
            let node = Node::new(Kind::Methods(methods), sp);
            if self.check(&Tok::Question) {
                return self.conditional_with(Some(node), sp);
            }
            return Ok(node);
        }
        if self.is_closure_call_with_access() {
            return self.closure_call();
        }
        if self.check(&Tok::At) && matches!(self.peek(1), Tok::Dollar | Tok::LBracket) {
            self.advance();
            let e = self.postfix()?;
            return Ok(Node::new(Kind::ClosureChain(Self::chain_of(e)), sp));
        }
        if self.check(&Tok::PipeVar) && matches!(self.peek(1), Tok::LParen) {
            self.advance();
            self.advance();
            let args = self.arg_list()?;
            self.expect_code(Tok::RParen, "Expected )", "RILL-P005")?;
            return Ok(Node::new(Kind::PipeInvoke { args }, sp));
        }
        if matches!(self.tok(), Tok::Dollar | Tok::PipeVar | Tok::DollarAt) {
            return self.variable();
        }
        if matches!(self.tok(), Tok::Str { .. }) {
            return self.string();
        }
        if self.check(&Tok::LBracket) {
            let mut lit = self.list_or_dict()?;
            if self.check(&Tok::Coalesce) {
                self.advance();
                let d = self.default_value()?;
                match &mut *lit.kind {
                    Kind::List { default, .. } | Kind::Dict { default, .. } => *default = Some(d),
                    _ => {}
                }
            }
            return Ok(lit);
        }
        if self.is_host_call() {
            return self.host_call();
        }
        if matches!(self.tok(), Tok::Ident(_)) {
            return self.bare_host_call();
        }
        if let Some(c) = self.common_construct()? {
            if self.check(&Tok::Colon) {
                return self.postfix_type_op(c, sp);
            }
            return Ok(c);
        }
        Err(p001(
            format!("Expected pipe target, got: {}", self.tok().text()),
            sp,
        ))
    }

    fn has_acc_prefix(&self) -> bool {
        if !self.check(&Tok::LParen) {
            return false;
        }
        let mut depth = 1;
        let mut i = 1;
        while depth > 0 {
            match self.peek(i) {
                Tok::LParen => depth += 1,
                Tok::RParen => depth -= 1,
                Tok::Eof => return false,
                _ => {}
            }
            i += 1;
        }
        matches!(self.peek(i), Tok::LBrace | Tok::Bar | Tok::Or | Tok::LParen)
    }

    fn iter_body(&mut self) -> PResult<Node> {
        let sp = self.sp();
        if self.is_closure_start() {
            return self.closure();
        }
        match self.tok() {
            Tok::LBrace => self.block(),
            Tok::LParen => self.grouped(),
            Tok::Dollar | Tok::PipeVar | Tok::DollarAt => self.variable(),
            Tok::Star => self.spread(),
            Tok::Dot => self.postfix(),
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

    // ---------------------------------------------------------------- variables

    fn variable(&mut self) -> PResult<Node> {
        let sp = self.sp();
        let name = match self.tok() {
            Tok::PipeVar => {
                self.advance();
                None
            }
            Tok::DollarAt => {
                self.advance();
                Some("@".to_string())
            }
            _ => {
                self.expect(Tok::Dollar, "Expected $")?;
                Some(self.ident("Expected variable name")?)
            }
        };
        let (access, exist) = self.access_chain()?;
        let mut default = None;
        if self.check(&Tok::Coalesce) {
            if exist.is_some() {
                return Err(RillError::at(
                    "RILL-P003",
                    "Cannot combine existence check (.?field) with default value operator (??). Use one or the other.",
                    self.sp(),
                ));
            }
            self.advance();
            default = Some(self.default_value()?);
        }
        Ok(Node::new(
            Kind::Var {
                name,
                access,
                exist,
                default,
            },
            sp,
        ))
    }

    fn default_value(&mut self) -> PResult<Node> {
        if self.check(&Tok::LBrace) {
            return self.block();
        }
        self.pipe_chain()
    }

    #[allow(clippy::type_complexity)]
    fn access_chain(&mut self) -> PResult<(Vec<Access>, Option<(Access, Option<String>)>)> {
        let mut chain = Vec::new();
        let mut exist = None;
        while matches!(self.tok(), Tok::Dot | Tok::DotQ | Tok::LBracket) {
            if self.check(&Tok::Dot)
                && matches!(self.peek(1), Tok::Ident(_))
                && matches!(self.peek(2), Tok::LParen)
            {
                break;
            }
            if self.check(&Tok::LBracket) {
                self.advance();
                let e = self.pipe_chain()?;
                self.expect_code(
                    Tok::RBracket,
                    "Expected ] after index expression",
                    "RILL-P005",
                )?;
                chain.push(Access::Index(e));
                continue;
            }
            if self.check(&Tok::DotQ) {
                self.advance();
                let Some(fin) = self.field_access(true)? else {
                    break;
                };
                let mut ty = None;
                if self.check(&Tok::Amp) {
                    self.advance();
                    ty = Some(self.type_name(TYPE_NAMES)?);
                }
                exist = Some((fin, ty));
                break;
            }
            self.advance();
            let Some(a) = self.field_access(false)? else {
                break;
            };
            chain.push(a);
        }
        Ok((chain, exist))
    }

    fn field_access(&mut self, existence: bool) -> PResult<Option<Access>> {
        match self.tok().clone() {
            Tok::Dollar => {
                self.advance();
                let msg = if existence {
                    "Expected variable name after .?$"
                } else {
                    "Expected variable name after .$"
                };
                Ok(Some(Access::VarKey(Some(self.ident(msg)?))))
            }
            Tok::PipeVar => {
                self.advance();
                Ok(Some(Access::VarKey(None)))
            }
            Tok::Caret => {
                self.advance();
                Ok(Some(Access::Annotation(
                    self.ident("Expected annotation key after .^")?,
                )))
            }
            Tok::LParen => {
                self.advance();
                if !existence && let Some(alts) = self.try_alternatives() {
                    self.expect_code(Tok::RParen, "Expected ) after alternatives", "RILL-P005")?;
                    return Ok(Some(Access::Alternatives(alts)));
                }
                let e = self.pipe_chain()?;
                self.expect_code(Tok::RParen, "Expected ) after expression", "RILL-P005")?;
                Ok(Some(Access::Computed(e)))
            }
            Tok::LBrace => Ok(Some(Access::Block(self.block()?))),
            Tok::Ident(s) => {
                self.advance();
                Ok(Some(Access::Field(s)))
            }
            _ => Ok(None),
        }
    }

    fn try_alternatives(&mut self) -> Option<Vec<String>> {
        let saved = self.pos;
        let mut alts = Vec::new();
        let Tok::Ident(first) = self.tok().clone() else {
            return None;
        };
        self.advance();
        alts.push(first);
        if !self.check(&Tok::Or) {
            self.pos = saved;
            return None;
        }
        while self.check(&Tok::Or) {
            self.advance();
            let Tok::Ident(n) = self.tok().clone() else {
                self.pos = saved;
                return None;
            };
            self.advance();
            alts.push(n);
        }
        if !self.check(&Tok::RParen) {
            self.pos = saved;
            return None;
        }
        Some(alts)
    }

    // ---------------------------------------------------------------- literals

    fn literal(&mut self) -> PResult<Node> {
        let sp = self.sp();
        match self.tok().clone() {
            Tok::Str { .. } => self.string(),
            Tok::Num(n) => {
                self.advance();
                Ok(Node::new(Kind::Num(n), sp))
            }
            Tok::True => {
                self.advance();
                Ok(Node::new(Kind::Bool(true), sp))
            }
            Tok::False => {
                self.advance();
                Ok(Node::new(Kind::Bool(false), sp))
            }
            Tok::LBracket => self.list_or_dict(),
            t => {
                let hint = match t {
                    Tok::Assign => ". Hint: Use '->' for assignment, not '='",
                    Tok::Eof => ". Hint: Unexpected end of input",
                    _ => "",
                };
                Err(p001(
                    format!("Expected literal, got: {}{hint}", t.text()),
                    sp,
                ))
            }
        }
    }

    fn string(&mut self) -> PResult<Node> {
        let t = self.advance();
        let Tok::Str { raw, multiline } = t.tok else {
            return Err(p001("Expected string", t.span));
        };
        let parts = string_parts(&raw, t.span, multiline, self.depth + 1, &mut self.binds)?;
        Ok(Node::new(Kind::Str(parts), t.span))
    }

    fn is_dict_start(&self) -> bool {
        let kv = matches!(
            self.tok(),
            Tok::Ident(_) | Tok::Str { .. } | Tok::Num(_) | Tok::True | Tok::False
        ) && matches!(self.peek(1), Tok::Colon);
        if kv {
            return true;
        }
        if self.check(&Tok::Minus)
            && matches!(self.peek(1), Tok::Num(_))
            && matches!(self.peek(2), Tok::Colon)
        {
            return true;
        }
        if self.check(&Tok::LBracket) {
            let mut depth = 0;
            let mut k = 0;
            loop {
                match self.peek(k) {
                    Tok::LBracket => depth += 1,
                    Tok::RBracket => {
                        depth -= 1;
                        if depth == 0 {
                            return matches!(self.peek(k + 1), Tok::Colon);
                        }
                    }
                    Tok::Eof => return false,
                    _ => {}
                }
                k += 1;
            }
        }
        false
    }

    fn list_or_dict(&mut self) -> PResult<Node> {
        self.enter()?;
        let r = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.list_or_dict_inner());
        self.depth -= 1;
        r
    }

    fn list_or_dict_inner(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::LBracket, "Expected [")?;
        self.skip_newlines();
        if self.check(&Tok::RBracket) {
            self.advance();
            return Ok(Node::new(
                Kind::List {
                    elems: vec![],
                    default: None,
                },
                sp,
            ));
        }
        if self.check(&Tok::Colon) && matches!(self.peek(1), Tok::RBracket) {
            self.advance();
            self.advance();
            return Ok(Node::new(
                Kind::Dict {
                    entries: vec![],
                    default: None,
                },
                sp,
            ));
        }
        if self.is_dict_start()
            || matches!(self.tok(), Tok::Dollar) && matches!(self.peek(2), Tok::Colon)
        {
            let mut entries = vec![self.dict_entry()?];
            self.skip_newlines();
            while self.check(&Tok::Comma) {
                self.advance();
                self.skip_newlines();
                if self.check(&Tok::RBracket) {
                    break;
                }
                entries.push(self.dict_entry()?);
                self.skip_newlines();
            }
            self.expect_code(Tok::RBracket, "Expected ]", "RILL-P005")?;
            return Ok(Node::new(
                Kind::Dict {
                    entries,
                    default: None,
                },
                sp,
            ));
        }
        if self.check(&Tok::LParen) {
            // computed key `[(expr): v]`?
            let mut depth = 0;
            let mut k = 0;
            loop {
                match self.peek(k) {
                    Tok::LParen => depth += 1,
                    Tok::RParen => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::Eof => break,
                    _ => {}
                }
                k += 1;
            }
            if matches!(self.peek(k + 1), Tok::Colon) {
                let mut entries = vec![self.dict_entry()?];
                self.skip_newlines();
                while self.check(&Tok::Comma) {
                    self.advance();
                    self.skip_newlines();
                    if self.check(&Tok::RBracket) {
                        break;
                    }
                    entries.push(self.dict_entry()?);
                    self.skip_newlines();
                }
                self.expect_code(Tok::RBracket, "Expected ]", "RILL-P005")?;
                return Ok(Node::new(
                    Kind::Dict {
                        entries,
                        default: None,
                    },
                    sp,
                ));
            }
        }
        let mut elems = vec![self.list_elem()?];
        self.skip_newlines();
        while self.check(&Tok::Comma) {
            self.advance();
            self.skip_newlines();
            if self.check(&Tok::RBracket) {
                break;
            }
            elems.push(self.list_elem()?);
            self.skip_newlines();
        }
        self.expect_code(Tok::RBracket, "Expected ]", "RILL-P005")?;
        Ok(Node::new(
            Kind::List {
                elems,
                default: None,
            },
            sp,
        ))
    }

    fn list_elem(&mut self) -> PResult<ListElem> {
        if self.check(&Tok::Ellipsis) {
            self.advance();
            if matches!(self.tok(), Tok::Comma | Tok::RBracket | Tok::Eof) {
                return Err(RillError::at(
                    "RILL-P004",
                    "Expected expression after '...'",
                    self.sp(),
                ));
            }
            return Ok(ListElem::Spread(self.pipe_chain()?));
        }
        Ok(ListElem::Item(self.pipe_chain()?))
    }

    fn dict_entry(&mut self) -> PResult<(DictKey, Node)> {
        let sp = self.sp();
        let key = match self.tok().clone() {
            Tok::Dollar => {
                self.advance();
                match self.tok().clone() {
                    Tok::Ident(n) => {
                        self.advance();
                        DictKey::Var(n)
                    }
                    _ => return Err(p001("Expected variable name after $", self.sp())),
                }
            }
            Tok::PipeVar => return Err(p001("Expected variable name after $", sp)),
            Tok::LParen => {
                self.advance();
                let e = self.pipe_chain()?;
                if !self.check(&Tok::RParen) {
                    return Err(RillError::at(
                        "RILL-P005",
                        "Expected ) after computed key expression",
                        self.sp(),
                    ));
                }
                self.advance();
                DictKey::Computed(e)
            }
            Tok::LBracket => {
                let lit = self.list_or_dict()?;
                if matches!(*lit.kind, Kind::Dict { .. }) {
                    return Err(RillError::at(
                        "RILL-P004",
                        "Dict entry key must be identifier or list, not dict",
                        sp,
                    ));
                }
                DictKey::Multi(lit)
            }
            Tok::Str { raw, .. } => {
                self.advance();
                DictKey::Lit(raw)
            }
            Tok::Minus if matches!(self.peek(1), Tok::Num(_)) => {
                self.advance();
                let Tok::Num(n) = self.advance().tok else {
                    return Err(p001("Expected number", sp));
                };
                DictKey::Num(-n)
            }
            Tok::Num(n) => {
                self.advance();
                DictKey::Num(n)
            }
            Tok::True => {
                self.advance();
                DictKey::Bool(true)
            }
            Tok::False => {
                self.advance();
                DictKey::Bool(false)
            }
            Tok::Ident(n) => {
                self.advance();
                DictKey::Lit(n)
            }
            _ => {
                return Err(p001(
                    "Dict key must be identifier, string, number, boolean, variable, or expression",
                    sp,
                ));
            }
        };
        self.expect(Tok::Colon, "Expected :")?;
        let v = self.pipe_chain()?;
        Ok((key, v))
    }

    fn closure(&mut self) -> PResult<Node> {
        self.binds += 1;
        let sp = self.sp();
        if self.check(&Tok::Or) {
            self.advance();
            let body = self.body()?;
            return Ok(Node::new(
                Kind::Closure(Rc::new(ClosureDef {
                    params: vec![],
                    body,
                    is_block: false,
                })),
                sp,
            ));
        }
        self.expect(Tok::Bar, "Expected |")?;
        let mut params = Vec::new();
        if !self.check(&Tok::Bar) {
            params.push(self.param()?);
            while self.check(&Tok::Comma) {
                self.advance();
                params.push(self.param()?);
            }
        }
        self.expect_code(Tok::Bar, "Expected |", "RILL-P005")?;
        let body = self.body()?;
        Ok(Node::new(
            Kind::Closure(Rc::new(ClosureDef {
                params,
                body,
                is_block: false,
            })),
            sp,
        ))
    }

    fn param(&mut self) -> PResult<Param> {
        let name = self.ident("Expected parameter name")?;
        let mut ty = None;
        let mut annotations = None;
        let mut default = None;
        if self.check(&Tok::Colon) {
            self.advance();
            ty = Some(self.type_name(PARAM_TYPES)?);
        }
        if self.check(&Tok::Caret) {
            self.advance();
            self.expect(Tok::LParen, "Expected ( after ^")?;
            annotations = Some(self.annotation_args()?);
            self.expect_code(Tok::RParen, "Expected )", "RILL-P005")?;
        }
        if self.check(&Tok::Assign) {
            self.advance();
            if self.check(&Tok::Minus)
                && let Tok::Num(n) = *self.peek(1)
            {
                let sp = self.sp();
                self.advance();
                self.advance();
                default = Some(Node::new(Kind::Num(-n), sp));
            }
            if default.is_none() {
                default = Some(self.literal()?);
            }
        }
        Ok(Param {
            name,
            ty,
            default,
            annotations,
        })
    }

    // ---------------------------------------------------------------- spread / destructure / slice

    fn can_start_expression(&self) -> bool {
        self.is_literal_start()
            || self.is_closure_start()
            || matches!(
                self.tok(),
                Tok::Dollar
                    | Tok::PipeVar
                    | Tok::DollarAt
                    | Tok::Ident(_)
                    | Tok::Dot
                    | Tok::LParen
                    | Tok::LBrace
                    | Tok::At
                    | Tok::Question
                    | Tok::Bang
                    | Tok::Star
                    | Tok::Minus
            )
    }

    fn spread(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::Star, "Expected *")?;
        if !self.can_start_expression() {
            return Ok(Node::new(Kind::Spread(None), sp));
        }
        let e = self.postfix()?;
        Ok(Node::new(Kind::Spread(Some(Self::chain_of(e))), sp))
    }

    fn destructure(&mut self) -> PResult<Node> {
        self.binds += 1;
        let sp = self.sp();
        let pats = self.destruct_list()?;
        Ok(Node::new(Kind::Destructure(pats), sp))
    }

    fn destruct_list(&mut self) -> PResult<Vec<DPat>> {
        self.enter()?;
        self.expect(Tok::StarLt, "Expected *<")?;
        let mut pats = Vec::new();
        if !self.check(&Tok::Gt) {
            pats.push(self.destruct_pat()?);
            while self.check(&Tok::Comma) {
                self.advance();
                if self.check(&Tok::Gt) {
                    break;
                }
                pats.push(self.destruct_pat()?);
            }
        }
        self.expect_code(Tok::Gt, "Expected >", "RILL-P005")?;
        self.depth -= 1;
        Ok(pats)
    }

    fn destruct_pat(&mut self) -> PResult<DPat> {
        if self.check(&Tok::StarLt) {
            return Ok(DPat::Nested(self.destruct_list()?));
        }
        if let Tok::Ident(n) = self.tok()
            && n == "_"
        {
            self.advance();
            return Ok(DPat::Skip);
        }
        if self.is_dict_start() {
            let key = self.advance().tok;
            let key = match key {
                Tok::Ident(s) | Tok::Str { raw: s, .. } => s,
                Tok::Num(n) => crate::rill::value::fmt_num(n),
                t => t.text(),
            };
            self.advance();
            self.expect(Tok::Dollar, "Expected $")?;
            let name = self.ident("Expected variable name")?;
            let mut ty = None;
            if self.check(&Tok::Colon) {
                self.advance();
                ty = Some(self.type_name(TYPE_NAMES)?);
            }
            return Ok(DPat::Key(key, name, ty));
        }
        self.expect(Tok::Dollar, "Expected $, identifier:, or _")?;
        let name = self.ident("Expected variable name")?;
        let mut ty = None;
        if self.check(&Tok::Colon) {
            self.advance();
            ty = Some(self.type_name(TYPE_NAMES)?);
        }
        Ok(DPat::Var(name, ty))
    }

    fn slice(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::SlashLt, "Expected /<")?;
        let (mut start, mut stop, mut step) = (None, None, None);
        if self.check(&Tok::DColon) {
            self.advance();
            if !self.check(&Tok::Gt) {
                step = Some(self.slice_bound()?);
            }
        } else {
            if !self.check(&Tok::Colon) {
                start = Some(self.slice_bound()?);
            }
            self.expect(Tok::Colon, "Expected :")?;
            if self.check(&Tok::Capture) {
                return Err(RillError::at(
                    "RILL-P006",
                    "Capture arrow cannot appear in slice context",
                    self.sp(),
                ));
            }
            if !self.check(&Tok::Colon) && !self.check(&Tok::Gt) {
                stop = Some(self.slice_bound()?);
            }
            if self.check(&Tok::Colon) {
                self.advance();
                if !self.check(&Tok::Gt) {
                    step = Some(self.slice_bound()?);
                }
            }
        }
        self.expect_code(Tok::Gt, "Expected >", "RILL-P005")?;
        Ok(Node::new(Kind::Slice { start, stop, step }, sp))
    }

    fn slice_bound(&mut self) -> PResult<Node> {
        let sp = self.sp();
        match self.tok().clone() {
            Tok::Minus => {
                if let Tok::Num(n) = *self.peek(1) {
                    self.advance();
                    self.advance();
                    return Ok(Node::new(Kind::Num(-n), sp));
                }
            }
            Tok::Num(n) => {
                self.advance();
                return Ok(Node::new(Kind::Num(n), sp));
            }
            Tok::Dollar | Tok::PipeVar | Tok::DollarAt => return self.variable(),
            Tok::LParen => return self.grouped(),
            _ => {}
        }
        Err(p001(
            format!(
                "Expected slice bound (number, variable, or grouped expression), got: {}",
                self.tok().text()
            ),
            sp,
        ))
    }
}

/// Split a string token's raw text into literal parts and parsed interpolations.
fn string_parts(
    raw: &str,
    base: Span,
    multiline: bool,
    nest: usize,
    binds: &mut usize,
) -> PResult<Vec<StrPart>> {
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
            let toks: Vec<Token> = tokenize_at(&src, loc)?
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
            let mut sub = Parser {
                toks,
                pos: 0,
                depth: nest,
                binds: 0,
            };
            let e = sub.pipe_chain()?;
            *binds += sub.binds;
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
        parse(src).err().and_then(|e| e.code)
    }

    #[test]
    fn parses_pipes_and_captures() {
        let s = parse("\"hi\" => $x -> .len").unwrap_or(Script { statements: vec![] });
        assert_eq!(s.statements.len(), 1);
    }

    #[test]
    fn statements_split_without_newline() {
        let s = parse("[1,2,3][5]").unwrap_or(Script { statements: vec![] });
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
        assert!(parse(&src).is_ok());
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
        let e = parse("\"ab {$x ->}\"").err();
        assert!(e.is_some());
    }
}
