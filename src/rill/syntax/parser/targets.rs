//! Both grammars: pipe targets (methods, closures, literals, host calls, …), variables and access
//! chains.

use super::*;

impl Parser {
    // ---------------------------------------------------------------- pipe targets

    pub(crate) fn pipe_target(&mut self) -> PResult<Node> {
        if self.v20() {
            return self.pipe_target_v20();
        }
        if let Some(n) = self.iteration_target()? {
            return Ok(n);
        }
        let sp = self.sp();
        match self.tok() {
            Tok::K(K::Assert) => return self.assert(),
            Tok::K(K::Error) => return self.error_node(false),
            Tok::P(P::Colon) => return self.type_op_target(),
            Tok::P(P::Star) => {
                self.advance();
                return Ok(Node::new(Kind::Spread(None), sp));
            }
            Tok::P(P::StarLt) => return self.destructure(Tok::P(P::StarLt)),
            Tok::P(P::SlashLt) => return self.slice(Tok::P(P::SlashLt)),
            _ => {}
        }
        if self.is_closure_start() {
            return self.closure();
        }
        if self.check(&Tok::P(P::Dot)) {
            return self.dot_target();
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
        self.pipe_target_tail(sp)
    }

    /// The last pipe targets both dialects try: host calls (with or without parentheses),
    /// then blocks, groups, conditionals and loops.
    pub(crate) fn pipe_target_tail(&mut self, sp: Span) -> PResult<Node> {
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

    // ---------------------------------------------------------------- variables

    /// `-> :type` / `-> :?type`: assert or check the type of `$`.
    pub(crate) fn type_op_target(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.type_op(None, sp)
    }

    /// `-> .a.b(x)`: methods on `$`, possibly the condition of `?`.
    pub(crate) fn dot_target(&mut self) -> PResult<Node> {
        let sp = self.sp();
        // methods and (v0.20) `.^key` annotation reads, in source order
        let mut ops = Vec::new();
        while self.check(&Tok::P(P::Dot)) {
            let msp = self.sp();
            if self.v20() && matches!(self.peek(1), Tok::P(P::Caret)) {
                self.advance();
                self.advance();
                let key = self.ident("Expected annotation key after .^")?;
                ops.push(PostOp::Annotation { key, span: msp });
            } else {
                let (name, args) = self.method_call()?;
                ops.push(PostOp::Method {
                    name,
                    args,
                    span: msp,
                });
            }
        }
        let node = if ops.iter().all(|o| matches!(o, PostOp::Method { .. })) {
            let methods = ops
                .into_iter()
                .filter_map(|o| match o {
                    PostOp::Method { name, args, span } => Some((name, args, span)),
                    _ => None,
                })
                .collect();
            Node::new(Kind::Methods(methods), sp)
        } else {
            Node::new(
                Kind::Postfix {
                    primary: Self::pipe_var_node(sp),
                    ops,
                    default: None,
                },
                sp,
            )
        };
        if self.check(&Tok::P(P::Question)) {
            return self.conditional_with(Some(node), sp);
        }
        Ok(node)
    }

    pub(crate) fn variable(&mut self) -> PResult<Node> {
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
                if self.v20() && matches!(self.tok(), Tok::P(P::LBracket | P::Dot | P::DotQ)) {
                    None
                } else {
                    Some(self.ident("Expected variable name")?)
                }
            }
        };
        let (access, exist) = self.access_chain()?;
        let mut default = None;
        if self.check(&Tok::P(P::Coalesce)) {
            if exist.is_some() && !self.v20() {
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

    pub(crate) fn default_value(&mut self) -> PResult<Node> {
        if self.check(&Tok::P(P::LBrace)) {
            return self.block();
        }
        self.pipe_chain()
    }

    #[allow(clippy::type_complexity)]
    pub(crate) fn access_chain(
        &mut self,
    ) -> PResult<(Vec<Access>, Option<(Access, Option<TypeRef>)>)> {
        let mut chain = Vec::new();
        let mut exist = None;
        let v20 = self.v20();
        let skip_nl = |p: &mut Self| {
            if v20 {
                let _ = p.skip_nl_if_followed(&Tok::P(P::Dot))
                    || p.skip_nl_if_followed(&Tok::P(P::DotQ))
                    || p.skip_nl_if_followed(&Tok::P(P::LBracket));
            }
        };
        skip_nl(self);
        while matches!(
            self.tok(),
            Tok::P(P::Dot) | Tok::P(P::DotQ) | Tok::P(P::LBracket)
        ) {
            if self.check(&Tok::P(P::Dot))
                && matches!(self.peek(1), Tok::Ident(_) | Tok::MethodName(_))
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
                skip_nl(self);
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
                    ty = Some(self.type_of_dialect()?);
                }
                exist = Some((fin, ty));
                break;
            }
            self.advance();
            let Some(a) = self.field_access(false)? else {
                break;
            };
            chain.push(a);
            skip_nl(self);
        }
        Ok((chain, exist))
    }

    pub(crate) fn field_access(&mut self, existence: bool) -> PResult<Option<Access>> {
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
            Tok::Ident(s) | Tok::MethodName(s) => {
                self.advance();
                Ok(Some(Access::Field(s)))
            }
            _ => Ok(None),
        }
    }

    pub(crate) fn try_alternatives(&mut self) -> Option<Vec<String>> {
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
