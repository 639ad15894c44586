//! Both grammars: postfix chains, primary expressions, host and closure calls, blocks, conditionals, loops, assert/error.

use super::*;

impl Parser {
    // ---------------------------------------------------------------- postfix / primary

    pub(crate) fn postfix(&mut self) -> PResult<Node> {
        let start = self.sp();
        let e = self.postfix_base()?;
        if self.skip_nl_if_followed(&Tok::P(P::Question)) {
            return self.conditional_with(Some(e), start);
        }
        Ok(e)
    }

    pub(crate) fn is_method_call(&self) -> bool {
        self.check(&Tok::P(P::Dot)) && matches!(self.peek(1), Tok::Ident(_) | Tok::MethodName(_))
    }

    pub(crate) fn postfix_base(&mut self) -> PResult<Node> {
        self.enter()?;
        let r = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.postfix_base_inner());
        self.depth -= 1;
        r
    }

    pub(crate) fn postfix_base_inner(&mut self) -> PResult<Node> {
        let start = self.sp();
        let mut primary = self.primary()?;
        if self.v20() {
            if self.skip_nl_if_followed(&Tok::P(P::Colon)) {
                primary = self.postfix_type_op(primary, start)?;
            }
        } else if self.check(&Tok::P(P::Colon)) {
            if matches!(self.peek(1), Tok::P(P::Gt)) {
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
        let v20 = self.v20();
        loop {
            let annotation =
                v20 && self.check(&Tok::P(P::Dot)) && matches!(self.peek(1), Tok::P(P::Caret));
            let probe = v20 && self.check(&Tok::P(P::DotBang));
            if stop
                || !(annotation || probe || self.is_method_call() || self.check(&Tok::P(P::LParen)))
            {
                break;
            }
            let sp = self.sp();
            if annotation {
                self.advance();
                self.advance();
                let key = self.ident("Expected annotation key after .^")?;
                ops.push(PostOp::Annotation { key, span: sp });
            } else if probe {
                self.advance();
                let field = match self.tok().clone() {
                    Tok::Ident(f) | Tok::MethodName(f) => {
                        self.advance();
                        Some(f)
                    }
                    _ => None,
                };
                ops.push(PostOp::Probe { field, span: sp });
            } else if self.is_method_call() {
                let (name, args) = self.method_call()?;
                ops.push(PostOp::Method {
                    name,
                    args,
                    span: sp,
                });
            } else {
                self.advance();
                let args = self.arg_list()?;
                self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
                ops.push(PostOp::Invoke { args, span: sp });
            }
        }
        let mut default = None;
        if !v20 && self.check(&Tok::P(P::Coalesce)) {
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

    pub(crate) fn postfix_type_op(&mut self, operand: Node, start: Span) -> PResult<Node> {
        self.type_op(Some(operand), start)
    }

    /// `:type` / `:?type` at the `:`: assert or check `operand`'s type (`$`'s when none).
    pub(crate) fn type_op(&mut self, operand: Option<Node>, start: Span) -> PResult<Node> {
        self.expect(Tok::P(P::Colon), "Expected :")?;
        let check = self.check(&Tok::P(P::Question));
        if check {
            self.advance();
        }
        let ty = self.type_of_dialect()?;
        Ok(Node::new(Kind::TypeOp { operand, ty, check }, start))
    }

    pub(crate) fn method_call(&mut self) -> PResult<(String, Vec<Node>)> {
        self.expect(Tok::P(P::Dot), "Expected .")?;
        let name = match self.tok().clone() {
            Tok::MethodName(n) => {
                self.advance();
                n
            }
            _ => self.ident("Expected method name")?,
        };
        let mut args = Vec::new();
        if self.check(&Tok::P(P::LParen)) {
            self.advance();
            args = self.args(false)?;
            self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
        }
        Ok((name, args))
    }

    pub(crate) fn arg_list(&mut self) -> PResult<Vec<Node>> {
        self.args(true)
    }

    /// Arguments up to `)`. v0.20: newlines are free inside, and one `...expr` (or a bare
    /// `...`, spreading `$`) may stand where `spread` allows it.
    pub(crate) fn args(&mut self, spread: bool) -> PResult<Vec<Node>> {
        let v20 = self.v20();
        let mut args = Vec::new();
        if v20 {
            self.skip_newlines();
        }
        let mut spread_seen = false;
        if !self.check(&Tok::P(P::RParen)) {
            loop {
                if v20 && self.check(&Tok::Ellipsis) {
                    let sp = self.sp();
                    if !spread {
                        return Err(RillError::at(
                            "RILL-P006",
                            "Spread not supported in method call argument lists",
                            sp,
                        ));
                    }
                    if spread_seen {
                        return Err(RillError::at(
                            "RILL-P007",
                            "Only one spread argument (...) is allowed per argument list",
                            sp,
                        ));
                    }
                    spread_seen = true;
                    self.advance();
                    let e = if matches!(self.tok(), Tok::P(P::RParen) | Tok::P(P::Comma)) {
                        Self::chain_of(Self::pipe_var_node(sp))
                    } else {
                        self.pipe_chain()?
                    };
                    args.push(Node::new(Kind::SpreadArg(e), sp));
                } else {
                    args.push(self.pipe_chain()?);
                }
                if !self.check(&Tok::P(P::Comma)) {
                    break;
                }
                self.advance();
                if v20 {
                    self.skip_newlines();
                }
            }
        }
        if v20 {
            self.skip_newlines();
        }
        Ok(args)
    }

    /// A name that can be a host function's: an identifier or (v0.8.6: any; v0.20: a value or
    /// statement) keyword.
    pub(crate) fn is_ident_or_kw(&self, t: &Tok) -> Option<String> {
        match t {
            Tok::Ident(s) => Some(s.clone()),
            Tok::K(K::Guard | K::Retry | K::While | K::Do) if self.v20() => None,
            other => other.ident_or_keyword().map(str::to_string),
        }
    }

    pub(crate) fn is_host_call(&self) -> bool {
        if self.is_ident_or_kw(self.tok()).is_none() {
            return false;
        }
        let mut k = 1;
        if self.v20() {
            while matches!(self.peek(k), Tok::Newline) {
                k += 1;
            }
        }
        if matches!(self.peek(k), Tok::P(P::LParen)) {
            return true;
        }
        let mut k = 1;
        while matches!(self.peek(k), Tok::P(P::DColon)) {
            k += 1;
            if self.is_ident_or_kw(self.peek(k)).is_none() {
                return false;
            }
            k += 1;
        }
        if k > 1 && self.v20() {
            while matches!(self.peek(k), Tok::Newline) {
                k += 1;
            }
        }
        k > 1 && matches!(self.peek(k), Tok::P(P::LParen))
    }

    pub(crate) fn qualified_name(&mut self) -> PResult<String> {
        let mut name = self.is_ident_or_kw(self.tok()).unwrap_or_default();
        self.advance();
        while self.check(&Tok::P(P::DColon)) {
            self.advance();
            match self.is_ident_or_kw(self.tok()) {
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

    pub(crate) fn host_call(&mut self) -> PResult<Node> {
        let sp = self.sp();
        let name = self.qualified_name()?;
        if self.v20() && (name == "app" || name.starts_with("app::")) {
            return Err(RillError::at(
                "RILL-P012",
                "Syntax removed: app:: direct-call syntax removed; use use<host:...>",
                sp,
            ));
        }
        if self.v20() {
            self.skip_newlines();
        }
        self.expect(Tok::P(P::LParen), "Expected (")?;
        let args = self.arg_list()?;
        self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
        Ok(Node::new(
            Kind::HostCall {
                name,
                args,
                bare: false,
            },
            sp,
        ))
    }

    pub(crate) fn bare_host_call(&mut self) -> PResult<Node> {
        let sp = self.sp();
        let name = self.qualified_name()?;
        if self.v20() && name.contains("::") {
            return Ok(Node::new(Kind::HostRef(name), sp));
        }
        Ok(Node::new(
            Kind::HostCall {
                name,
                args: vec![],
                bare: true,
            },
            sp,
        ))
    }

    pub(crate) fn is_closure_call(&self) -> bool {
        if !(self.check(&Tok::Dollar) && matches!(self.peek(1), Tok::Ident(_))) {
            return false;
        }
        let mut k = 2;
        while self.v20() && matches!(self.peek(k), Tok::Newline) {
            k += 1;
        }
        matches!(self.peek(k), Tok::P(P::LParen))
    }

    pub(crate) fn is_closure_call_with_access(&self) -> bool {
        if !(self.check(&Tok::Dollar) && matches!(self.peek(1), Tok::Ident(_))) {
            return false;
        }
        let mut k = 2;
        while matches!(self.peek(k), Tok::P(P::Dot)) {
            k += 1;
            if !matches!(self.peek(k), Tok::Ident(_) | Tok::MethodName(_)) {
                return false;
            }
            k += 1;
        }
        while self.v20() && matches!(self.peek(k), Tok::Newline) {
            k += 1;
        }
        matches!(self.peek(k), Tok::P(P::LParen))
    }

    pub(crate) fn closure_call(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::Dollar, "Expected $")?;
        let name = self.ident("Expected variable name")?;
        let mut access = Vec::new();
        while self.check(&Tok::P(P::Dot))
            && matches!(self.peek(1), Tok::Ident(_) | Tok::MethodName(_))
        {
            self.advance();
            if let Tok::Ident(n) | Tok::MethodName(n) = self.advance().tok {
                access.push(n);
            }
        }
        if self.v20() {
            self.skip_newlines();
        }
        self.expect(Tok::P(P::LParen), "Expected (")?;
        let args = self.arg_list()?;
        self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
        Ok(Node::new(Kind::ClosureCall { name, access, args }, sp))
    }

    pub(crate) fn is_literal_start(&self) -> bool {
        matches!(
            self.tok(),
            Tok::Str { .. }
                | Tok::Num(_)
                | Tok::K(K::True)
                | Tok::K(K::False)
                | Tok::P(P::LBracket)
        )
    }

    pub(crate) fn is_closure_start(&self) -> bool {
        matches!(self.tok(), Tok::P(P::Bar) | Tok::P(P::Or))
    }

    pub(crate) fn primary(&mut self) -> PResult<Node> {
        if self.v20() {
            return self.primary_v20();
        }
        let sp = self.sp();
        if self.check(&Tok::K(K::Pass)) {
            self.advance();
            return Ok(Node::new(Kind::Pass, sp));
        }
        if self.check(&Tok::P(P::Star)) {
            return self.spread();
        }
        if self.check(&Tok::P(P::Minus))
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

    pub(crate) fn common_construct(&mut self) -> PResult<Option<Node>> {
        let start = self.sp();
        if self.check(&Tok::P(P::Bang)) {
            self.advance();
            if matches!(self.tok(), Tok::Eof | Tok::Newline | Tok::P(P::RParen)) {
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
            if self.check(&Tok::P(P::Question)) {
                self.advance();
                return Ok(Some(self.conditional_rest(Some(cond), start)?));
            }
            // `!expr` as a unit: the negated boolean
            return Ok(Some(cond));
        }
        if self.check(&Tok::P(P::Question)) {
            self.advance();
            return Ok(Some(self.conditional_rest(None, start)?));
        }
        if self.v20() {
            if let Some(n) = self.loop_v20()? {
                return Ok(Some(n));
            }
        } else if self.check(&Tok::P(P::At)) {
            return Ok(Some(self.loop_(None)?));
        }
        if self.check(&Tok::P(P::LBrace)) {
            let b = self.block()?;
            let (b, done) = self.after_body_v20(b, "RILL-R080")?;
            if done {
                return Ok(Some(b));
            }
            if self.check(&Tok::P(P::At)) {
                return Ok(Some(self.loop_(Some(b))?));
            }
            if self.check(&Tok::P(P::Question)) {
                return Ok(Some(self.conditional_with(Some(b), start)?));
            }
            return Ok(Some(b));
        }
        if self.check(&Tok::P(P::LParen)) {
            let g = self.grouped()?;
            let (g, done) = self.after_body_v20(g, "RILL-R079")?;
            if done {
                return Ok(Some(g));
            }
            if self.check(&Tok::P(P::At)) {
                return Ok(Some(self.loop_(Some(g))?));
            }
            if self.check(&Tok::P(P::Question)) {
                return Ok(Some(self.conditional_with(Some(g), start)?));
            }
            return Ok(Some(g));
        }
        Ok(None)
    }

    pub(crate) fn grouped(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::P(P::LParen), "Expected (")?;
        let before = self.binds;
        let e = self.pipe_chain()?;
        self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
        Ok(Node::new(Kind::Group(e, self.binds != before), sp))
    }

    pub(crate) fn block(&mut self) -> PResult<Node> {
        self.block_allowing(false)
    }

    /// A block; `allow_empty`: v0.20 closure bodies and `pass { }` may be empty.
    pub(crate) fn block_allowing(&mut self, allow_empty: bool) -> PResult<Node> {
        self.enter()?;
        let r = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.block_inner(allow_empty));
        self.depth -= 1;
        r
    }

    pub(crate) fn block_inner(&mut self, allow_empty: bool) -> PResult<Node> {
        let before = self.binds;
        let sp = self.sp();
        self.expect(Tok::P(P::LBrace), "Expected {")?;
        self.skip_newlines();
        let mut stmts = Vec::new();
        while !self.check(&Tok::P(P::RBrace)) && !self.at_end() {
            stmts.push(self.statement()?);
            self.skip_newlines();
        }
        if stmts.is_empty() && !allow_empty {
            return Err(RillError::at(
                "RILL-P004",
                "Empty blocks are not allowed",
                sp,
            ));
        }
        self.expect(Tok::P(P::RBrace), "Expected }")?;
        let def = ClosureDef {
            params: vec![Param {
                name: "$".into(),
                ty: None,
                default: None,
                annotations: None,
            }],
            body: Node::new(Kind::Stmts(stmts, self.binds != before), sp),
            is_block: true,
            ret: None,
        };
        self.binds += 1;
        Ok(Node::new(Kind::Block(Rc::new(def)), sp))
    }

    pub(crate) fn conditional_with(&mut self, cond: Option<Node>, start: Span) -> PResult<Node> {
        self.expect(Tok::P(P::Question), "Expected ?")?;
        self.conditional_rest(cond, start)
    }

    pub(crate) fn conditional_rest(&mut self, cond: Option<Node>, start: Span) -> PResult<Node> {
        let before = self.binds;
        let then = self.body()?;
        let mut els = None;
        if self.v20() {
            self.skip_newlines();
        }
        if self.skip_nl_if_followed(&Tok::P(P::Bang)) {
            self.advance();
            let sp = self.sp();
            let e = self.body()?;
            if self.skip_nl_if_followed(&Tok::P(P::Question)) {
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

    pub(crate) fn body(&mut self) -> PResult<Node> {
        if self.check(&Tok::P(P::LBrace)) {
            let b = self.block()?;
            return Ok(b);
        }
        if self.check(&Tok::P(P::LParen)) {
            return self.grouped();
        }
        if matches!(self.tok(), Tok::K(K::Break | K::Return | K::Yield)) {
            return self.pipe_chain();
        }
        self.postfix()
    }

    pub(crate) fn assert(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::K(K::Assert), "Expected assert")?;
        let cond = if self.check(&Tok::P(P::LParen)) || self.check(&Tok::P(P::LBrace)) {
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

    pub(crate) fn error_node(&mut self, require: bool) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::K(K::Error), "Expected error")?;
        let mut msg = None;
        if matches!(self.tok(), Tok::Str { .. }) {
            msg = Some(self.string()?);
        } else {
            let boundary = matches!(
                self.tok(),
                Tok::Eof | Tok::Newline | Tok::P(P::RBrace) | Tok::P(P::RParen)
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
}
