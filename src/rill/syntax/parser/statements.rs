//! Both grammars: script and statements, annotations, pipe chains and captures, the arithmetic/logical head.

use super::*;

impl Parser {
    // ---------------------------------------------------------------- script / statements

    pub(crate) fn script(&mut self) -> PResult<Script> {
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

    pub(crate) fn statement(&mut self) -> PResult<Stmt> {
        let span = self.sp();
        if self.check(&Tok::P(P::Caret)) {
            self.advance();
            self.expect(Tok::P(P::LParen), "Expected (")?;
            let anns = self.annotation_args()?;
            self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
            if self.v20() {
                self.skip_newlines();
            }
            let inner = self.statement()?;
            if inner.annotations.is_some() && self.v20() {
                return Ok(inner);
            }
            return Ok(Stmt {
                annotations: Some(anns),
                expr: inner.expr,
                span,
            });
        }
        if self.check(&Tok::K(K::Assert)) {
            let a = self.assert()?;
            return Ok(Stmt {
                annotations: None,
                expr: a,
                span,
            });
        }
        if self.check(&Tok::K(K::Error)) {
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

    pub(crate) fn annotation_args(&mut self) -> PResult<Vec<AnnArg>> {
        let mut out = Vec::new();
        if self.check(&Tok::P(P::RParen)) {
            return Ok(out);
        }
        out.push(self.annotation_arg()?);
        while self.check(&Tok::P(P::Comma)) {
            self.advance();
            if self.check(&Tok::P(P::RParen)) {
                break;
            }
            out.push(self.annotation_arg()?);
        }
        Ok(out)
    }

    pub(crate) fn annotation_arg(&mut self) -> PResult<AnnArg> {
        let spread = if self.v20() {
            Tok::Ellipsis
        } else {
            Tok::P(P::Star)
        };
        if self.check(&spread) {
            self.advance();
            return Ok(AnnArg::Spread(self.pipe_chain()?));
        }
        if self.v20() && matches!(self.tok(), Tok::Str { .. }) {
            return Ok(AnnArg::Named("description".into(), self.pipe_chain()?));
        }
        let sp = self.sp();
        let name = self.ident("Expected annotation name")?;
        if self.v20() && ["type", "input", "output"].contains(&name.as_str()) {
            return Err(p001(format!("Annotation key \"{name}\" is reserved"), sp));
        }
        self.expect(Tok::P(P::Colon), "Expected :")?;
        Ok(AnnArg::Named(name, self.pipe_chain()?))
    }

    // ---------------------------------------------------------------- pipe chains

    pub(crate) fn pipe_var_node(sp: Span) -> Node {
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

    pub(crate) fn chain_of(head: Node) -> Node {
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

    pub(crate) fn pipe_chain(&mut self) -> PResult<Node> {
        self.enter()?;
        let r = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.pipe_chain_inner());
        self.depth -= 1;
        r
    }

    pub(crate) fn pipe_chain_inner(&mut self) -> PResult<Node> {
        let start = self.sp();
        if let Some(term) = self.terminator()? {
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
        if self.v20() {
            head = self.head_tail_v20(head, start)?;
        } else if self.check(&Tok::P(P::At)) {
            let lp = self.loop_(Some(Self::chain_of(head)))?;
            head = lp;
        }
        if self.skip_nl_if_followed(&Tok::P(P::Question)) {
            head = self.conditional_with(Some(Self::chain_of(head)), start)?;
        }
        let mut pipes = Vec::new();
        let mut term = None;
        loop {
            if !self.v20() && self.check(&Tok::P(P::Colon)) && matches!(self.peek(1), Tok::P(P::Gt))
            {
                return Err(RillError::at(
                    "RILL-P006",
                    "The capture arrow syntax changed from :> to =>",
                    self.sp(),
                ));
            }
            let cont = if self.check(&Tok::P(P::Arrow)) || self.check(&Tok::P(P::Capture)) {
                true
            } else if self.check(&Tok::Newline) {
                let mut k = 1;
                while matches!(self.peek(k), Tok::Newline) {
                    k += 1;
                }
                if !self.v20()
                    && matches!(self.peek(k), Tok::P(P::Colon))
                    && matches!(self.peek(k + 1), Tok::P(P::Gt))
                {
                    self.skip_newlines();
                    return Err(RillError::at(
                        "RILL-P006",
                        "The capture arrow syntax changed from :> to =>",
                        self.sp(),
                    ));
                }
                if matches!(self.peek(k), Tok::P(P::Arrow) | Tok::P(P::Capture)) {
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
            let is_capture = self.check(&Tok::P(P::Capture));
            self.advance();
            if is_capture {
                pipes.push(self.capture()?);
                continue;
            }
            if let Some(t) = self.terminator()? {
                term = Some(t);
                break;
            }
            if self.v20() && matches!(self.tok(), Tok::Ident(s) if s == "export") {
                return Err(RillError::at(
                    "RILL-P012",
                    "Syntax removed: -> export syntax removed; use last-expression result instead",
                    self.sp(),
                ));
            }
            pipes.push(self.pipe_target()?);
        }
        if !pipes.is_empty()
            && (term.is_none() || self.v20())
            && self.skip_nl_if_followed(&Tok::P(P::Question))
        {
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

    /// `break`, `return`, or (v0.20, inside a closure) `yield`, consumed.
    pub(crate) fn terminator(&mut self) -> PResult<Option<Term>> {
        let t = match self.tok() {
            Tok::K(K::Break) => Term::Break,
            Tok::K(K::Return) => Term::Return,
            Tok::K(K::Yield) => {
                if self.closure_depth == 0 {
                    return Err(RillError::at(
                        "RILL-P006",
                        "'yield' is only valid inside a stream closure",
                        self.sp(),
                    ));
                }
                self.yields += 1;
                Term::Yield
            }
            _ => return Ok(None),
        };
        self.advance();
        Ok(Some(t))
    }

    pub(crate) fn capture(&mut self) -> PResult<Node> {
        self.binds += 1;
        let sp = self.sp();
        self.expect(Tok::Dollar, "Expected $")?;
        let name = self.ident("Expected variable name")?;
        let mut ty = None;
        if self.check(&Tok::P(P::Colon)) {
            self.advance();
            ty = Some(self.type_of_dialect()?);
        }
        Ok(Node::new(Kind::Capture { name, ty }, sp))
    }

    /// A type after `:` — a bare v0.8.6 type name, or a v0.20 type reference.
    pub(crate) fn type_of_dialect(&mut self) -> PResult<TypeRef> {
        if self.v20() {
            self.type_ref(false)
        } else {
            Ok(TypeRef::Name(self.type_name(TYPE_NAMES)?))
        }
    }

    pub(crate) fn type_name(&mut self, valid: &[&str]) -> PResult<String> {
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
    pub(crate) fn left_assoc(
        &mut self,
        next: fn(&mut Self) -> PResult<Node>,
        op_of: fn(&Tok) -> Option<BinOp>,
    ) -> PResult<Node> {
        let sp = self.sp();
        let mut l = next(self)?;
        while let Some(op) = op_of(self.tok()) {
            self.advance();
            if self.v20() {
                self.skip_newlines();
            }
            let r = next(self)?;
            l = Node::new(Kind::Binary { op, l, r }, sp);
        }
        Ok(l)
    }
    pub(crate) fn logical_or(&mut self) -> PResult<Node> {
        self.left_assoc(Self::logical_and, |t| {
            matches!(t, Tok::P(P::Or)).then_some(BinOp::Or)
        })
    }
    pub(crate) fn logical_and(&mut self) -> PResult<Node> {
        self.left_assoc(Self::comparison, |t| {
            matches!(t, Tok::P(P::And)).then_some(BinOp::And)
        })
    }
    pub(crate) fn comparison(&mut self) -> PResult<Node> {
        let sp = self.sp();
        let l = self.additive()?;
        let op = match self.tok() {
            Tok::P(P::Eq) => BinOp::Eq,
            Tok::P(P::Ne) => BinOp::Ne,
            Tok::P(P::Lt) => BinOp::Lt,
            Tok::P(P::Gt) => BinOp::Gt,
            Tok::P(P::Le) => BinOp::Le,
            Tok::P(P::Ge) => BinOp::Ge,
            _ => return Ok(l),
        };
        self.advance();
        if self.v20() {
            self.skip_newlines();
        }
        let r = self.additive()?;
        Ok(Node::new(Kind::Binary { op, l, r }, sp))
    }
    pub(crate) fn additive(&mut self) -> PResult<Node> {
        self.left_assoc(Self::multiplicative, |t| match t {
            Tok::P(P::Plus) => Some(BinOp::Add),
            Tok::P(P::Minus) => Some(BinOp::Sub),
            _ => None,
        })
    }
    pub(crate) fn multiplicative(&mut self) -> PResult<Node> {
        self.left_assoc(Self::unary, |t| match t {
            Tok::P(P::Star) => Some(BinOp::Mul),
            Tok::P(P::Slash) => Some(BinOp::Div),
            Tok::P(P::Percent) => Some(BinOp::Mod),
            _ => None,
        })
    }
    pub(crate) fn unary(&mut self) -> PResult<Node> {
        self.enter()?;
        let sp = self.sp();
        let r = if self.check(&Tok::P(P::Minus)) {
            self.advance();
            let o = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.unary())?;
            Ok(Node::new(Kind::Neg(o), sp))
        } else if self.check(&Tok::P(P::Bang)) {
            self.advance();
            let o = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.unary())?;
            Ok(Node::new(Kind::Not(o), sp))
        } else {
            self.postfix()
        };
        self.depth -= 1;
        r
    }
}
