//! rill v0.8.6 grammar: pipe targets (each/map/filter/fold, methods, closures, …), variables and access chains.

use super::*;

impl Parser {
    // ---------------------------------------------------------------- pipe targets

    pub(super) fn pipe_target(&mut self) -> PResult<Node> {
        let sp = self.sp();
        match self.tok() {
            Tok::K(K::Assert) => return self.assert(),
            Tok::K(K::Error) => return self.error_node(false),
            Tok::P(P::Colon) => {
                self.advance();
                let check = self.check(&Tok::P(P::Question));
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
            Tok::P(P::Star) => {
                self.advance();
                return Ok(Node::new(Kind::Spread(None), sp));
            }
            Tok::P(P::StarLt) => return self.destructure(),
            Tok::P(P::SlashLt) => return self.slice(),
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
                return Ok(Node::new(
                    if is_each {
                        Kind::Each { acc, body }
                    } else {
                        Kind::Fold { acc, body }
                    },
                    sp,
                ));
            }
            Tok::K(K::Map) => {
                self.advance();
                let body = self.iter_body()?;
                return Ok(Node::new(Kind::Map { body }, sp));
            }
            Tok::K(K::Filter) => {
                self.advance();
                let body = self.iter_body()?;
                return Ok(Node::new(Kind::Filter { body }, sp));
            }
            _ => {}
        }
        if self.is_closure_start() {
            return self.closure();
        }
        if self.check(&Tok::P(P::Dot)) {
            let mut methods = Vec::new();
            while self.check(&Tok::P(P::Dot)) {
                let msp = self.sp();
                let (n, a) = self.method_call()?;
                methods.push((n, a, msp));
            }
            let node = Node::new(Kind::Methods(methods), sp);
            if self.check(&Tok::P(P::Question)) {
                return self.conditional_with(Some(node), sp);
            }
            return Ok(node);
        }
        if self.is_closure_call_with_access() {
            return self.closure_call();
        }
        if self.check(&Tok::P(P::At)) && matches!(self.peek(1), Tok::Dollar | Tok::P(P::LBracket)) {
            self.advance();
            let e = self.postfix()?;
            return Ok(Node::new(Kind::ClosureChain(Self::chain_of(e)), sp));
        }
        if self.check(&Tok::PipeVar) && matches!(self.peek(1), Tok::P(P::LParen)) {
            self.advance();
            self.advance();
            let args = self.arg_list()?;
            self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
            return Ok(Node::new(Kind::PipeInvoke { args }, sp));
        }
        if matches!(self.tok(), Tok::Dollar | Tok::PipeVar | Tok::DollarAt) {
            return self.variable();
        }
        if matches!(self.tok(), Tok::Str { .. }) {
            return self.string();
        }
        if self.check(&Tok::P(P::LBracket)) {
            let mut lit = self.list_or_dict()?;
            if self.check(&Tok::P(P::Coalesce)) {
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
            if self.check(&Tok::P(P::Colon)) {
                return self.postfix_type_op(c, sp);
            }
            return Ok(c);
        }
        Err(p001(
            format!("Expected pipe target, got: {}", self.tok().text()),
            sp,
        ))
    }

    pub(super) fn has_acc_prefix(&self) -> bool {
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

    pub(super) fn iter_body(&mut self) -> PResult<Node> {
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

    // ---------------------------------------------------------------- variables

    pub(super) fn variable(&mut self) -> PResult<Node> {
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
        if self.check(&Tok::P(P::Coalesce)) {
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

    pub(super) fn default_value(&mut self) -> PResult<Node> {
        if self.check(&Tok::P(P::LBrace)) {
            return self.block();
        }
        self.pipe_chain()
    }

    #[allow(clippy::type_complexity)]
    pub(super) fn access_chain(
        &mut self,
    ) -> PResult<(Vec<Access>, Option<(Access, Option<String>)>)> {
        let mut chain = Vec::new();
        let mut exist = None;
        while matches!(
            self.tok(),
            Tok::P(P::Dot) | Tok::P(P::DotQ) | Tok::P(P::LBracket)
        ) {
            if self.check(&Tok::P(P::Dot))
                && matches!(self.peek(1), Tok::Ident(_))
                && matches!(self.peek(2), Tok::P(P::LParen))
            {
                break;
            }
            if self.check(&Tok::P(P::LBracket)) {
                self.advance();
                let e = self.pipe_chain()?;
                self.expect_code(
                    Tok::P(P::RBracket),
                    "Expected ] after index expression",
                    "RILL-P005",
                )?;
                chain.push(Access::Index(e));
                continue;
            }
            if self.check(&Tok::P(P::DotQ)) {
                self.advance();
                let Some(fin) = self.field_access(true)? else {
                    break;
                };
                let mut ty = None;
                if self.check(&Tok::P(P::Amp)) {
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

    pub(super) fn field_access(&mut self, existence: bool) -> PResult<Option<Access>> {
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
            Tok::P(P::Caret) => {
                self.advance();
                Ok(Some(Access::Annotation(
                    self.ident("Expected annotation key after .^")?,
                )))
            }
            Tok::P(P::LParen) => {
                self.advance();
                if !existence && let Some(alts) = self.try_alternatives() {
                    self.expect_code(
                        Tok::P(P::RParen),
                        "Expected ) after alternatives",
                        "RILL-P005",
                    )?;
                    return Ok(Some(Access::Alternatives(alts)));
                }
                let e = self.pipe_chain()?;
                self.expect_code(
                    Tok::P(P::RParen),
                    "Expected ) after expression",
                    "RILL-P005",
                )?;
                Ok(Some(Access::Computed(e)))
            }
            Tok::P(P::LBrace) => Ok(Some(Access::Block(self.block()?))),
            Tok::Ident(s) => {
                self.advance();
                Ok(Some(Access::Field(s)))
            }
            _ => Ok(None),
        }
    }

    pub(super) fn try_alternatives(&mut self) -> Option<Vec<String>> {
        let saved = self.pos;
        let mut alts = Vec::new();
        let Tok::Ident(first) = self.tok().clone() else {
            return None;
        };
        self.advance();
        alts.push(first);
        if !self.check(&Tok::P(P::Or)) {
            self.pos = saved;
            return None;
        }
        while self.check(&Tok::P(P::Or)) {
            self.advance();
            let Tok::Ident(n) = self.tok().clone() else {
                self.pos = saved;
                return None;
            };
            self.advance();
            alts.push(n);
        }
        if !self.check(&Tok::P(P::RParen)) {
            self.pos = saved;
            return None;
        }
        Some(alts)
    }
}
