//! Both grammars: literals, strings, lists and dicts, closures and params, spread, destructuring, slices.

use super::*;

impl Parser {
    // ---------------------------------------------------------------- literals

    pub(crate) fn literal(&mut self) -> PResult<Node> {
        let sp = self.sp();
        match self.tok().clone() {
            Tok::Str { .. } => self.string(),
            Tok::Num(n) => {
                self.advance();
                Ok(Node::new(Kind::Num(n), sp))
            }
            Tok::K(K::True) => {
                self.advance();
                Ok(Node::new(Kind::Bool(true), sp))
            }
            Tok::K(K::False) => {
                self.advance();
                Ok(Node::new(Kind::Bool(false), sp))
            }
            Tok::P(P::LBracket) => self.list_or_dict(),
            t => {
                let hint = match t {
                    Tok::P(P::Assign) => ". Hint: Use '->' for assignment, not '='",
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

    pub(crate) fn string(&mut self) -> PResult<Node> {
        let t = self.advance();
        let Tok::Str { raw, multiline } = t.tok else {
            return Err(p001("Expected string", t.span));
        };
        let parts = string_parts(&raw, t.span, multiline, self)?;
        Ok(Node::new(Kind::Str(parts), t.span))
    }

    pub(crate) fn is_dict_start(&self) -> bool {
        let kv = matches!(
            self.tok(),
            Tok::Ident(_) | Tok::Str { .. } | Tok::Num(_) | Tok::K(K::True) | Tok::K(K::False)
        ) && matches!(self.peek(1), Tok::P(P::Colon));
        if kv {
            return true;
        }
        if self.check(&Tok::P(P::Minus))
            && matches!(self.peek(1), Tok::Num(_))
            && matches!(self.peek(2), Tok::P(P::Colon))
        {
            return true;
        }
        if self.check(&Tok::P(P::LBracket)) {
            let mut depth = 0;
            let mut k = 0;
            loop {
                match self.peek(k) {
                    Tok::P(P::LBracket) => depth += 1,
                    Tok::P(P::RBracket) => {
                        depth -= 1;
                        if depth == 0 {
                            return matches!(self.peek(k + 1), Tok::P(P::Colon));
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

    pub(crate) fn list_or_dict(&mut self) -> PResult<Node> {
        self.enter()?;
        let r = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.list_or_dict_inner());
        self.depth -= 1;
        r
    }

    pub(crate) fn list_or_dict_inner(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::P(P::LBracket), "Expected [")?;
        self.skip_newlines();
        if self.check(&Tok::P(P::RBracket)) {
            self.advance();
            return Ok(Node::new(
                Kind::List {
                    elems: vec![],
                    default: None,
                },
                sp,
            ));
        }
        if self.check(&Tok::P(P::Colon)) && matches!(self.peek(1), Tok::P(P::RBracket)) {
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
            || !self.v20()
                && matches!(self.tok(), Tok::Dollar)
                && matches!(self.peek(2), Tok::P(P::Colon))
        {
            let mut entries = vec![self.dict_entry()?];
            self.skip_newlines();
            while self.check(&Tok::P(P::Comma)) {
                self.advance();
                self.skip_newlines();
                if self.check(&Tok::P(P::RBracket)) {
                    break;
                }
                entries.push(self.dict_entry()?);
                self.skip_newlines();
            }
            self.expect_code(Tok::P(P::RBracket), "Expected ]", "RILL-P005")?;
            return Ok(Node::new(
                Kind::Dict {
                    entries,
                    default: None,
                },
                sp,
            ));
        }
        if self.check(&Tok::P(P::LParen)) && !self.v20() {
            // computed key `[(expr): v]`?
            let mut depth = 0;
            let mut k = 0;
            loop {
                match self.peek(k) {
                    Tok::P(P::LParen) => depth += 1,
                    Tok::P(P::RParen) => {
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
            if matches!(self.peek(k + 1), Tok::P(P::Colon)) {
                let mut entries = vec![self.dict_entry()?];
                self.skip_newlines();
                while self.check(&Tok::P(P::Comma)) {
                    self.advance();
                    self.skip_newlines();
                    if self.check(&Tok::P(P::RBracket)) {
                        break;
                    }
                    entries.push(self.dict_entry()?);
                    self.skip_newlines();
                }
                self.expect_code(Tok::P(P::RBracket), "Expected ]", "RILL-P005")?;
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
        while self.check(&Tok::P(P::Comma)) {
            self.advance();
            self.skip_newlines();
            if self.check(&Tok::P(P::RBracket)) {
                break;
            }
            elems.push(self.list_elem()?);
            self.skip_newlines();
        }
        self.expect_code(Tok::P(P::RBracket), "Expected ]", "RILL-P005")?;
        Ok(Node::new(
            Kind::List {
                elems,
                default: None,
            },
            sp,
        ))
    }

    pub(crate) fn list_elem(&mut self) -> PResult<ListElem> {
        if self.check(&Tok::Ellipsis) {
            self.advance();
            if matches!(
                self.tok(),
                Tok::P(P::Comma) | Tok::P(P::RBracket) | Tok::Eof
            ) {
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

    pub(crate) fn dict_entry(&mut self) -> PResult<(DictKey, Node)> {
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
            Tok::P(P::LParen) => {
                self.advance();
                let e = self.pipe_chain()?;
                if !self.check(&Tok::P(P::RParen)) {
                    return Err(RillError::at(
                        "RILL-P005",
                        "Expected ) after computed key expression",
                        self.sp(),
                    ));
                }
                self.advance();
                DictKey::Computed(e)
            }
            Tok::Opener(Opener::List) => {
                DictKey::Multi(self.collection_literal(Opener::List, true)?)
            }
            Tok::P(P::LBracket) if self.v20() => {
                DictKey::Multi(self.collection_literal(Opener::List, false)?)
            }
            Tok::Opener(Opener::Dict) => {
                return Err(RillError::at(
                    "RILL-P004",
                    "Dict entry key must be identifier or list, not dict",
                    sp,
                ));
            }
            Tok::P(P::LBracket) => {
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
            Tok::P(P::Minus) if matches!(self.peek(1), Tok::Num(_)) => {
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
            Tok::K(K::True) => {
                self.advance();
                DictKey::Bool(true)
            }
            Tok::K(K::False) => {
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
        self.expect(Tok::P(P::Colon), "Expected :")?;
        let v = self.pipe_chain()?;
        Ok((key, v))
    }

    pub(crate) fn closure(&mut self) -> PResult<Node> {
        self.binds += 1;
        let sp = self.sp();
        let v20 = self.v20();
        let params = if self.check(&Tok::P(P::Or)) {
            self.advance();
            vec![]
        } else {
            self.expect(Tok::P(P::Bar), "Expected |")?;
            if v20 {
                self.skip_newlines();
            }
            let mut params = Vec::new();
            if v20 && self.anonymous_typed() {
                params = self.anonymous_params()?;
            } else if !self.check(&Tok::P(P::Bar)) {
                params.push(self.param()?);
                while self.check(&Tok::P(P::Comma)) {
                    self.advance();
                    if v20 {
                        self.skip_newlines();
                    }
                    params.push(self.param()?);
                }
            }
            self.expect_code(Tok::P(P::Bar), "Expected |", "RILL-P005")?;
            params
        };
        if !v20 {
            let body = self.body()?;
            return Ok(Node::new(
                Kind::Closure(Rc::new(ClosureDef {
                    params,
                    body,
                    is_block: false,
                    ret: None,
                })),
                sp,
            ));
        }
        self.skip_newlines();
        let (saved_yields, saved_depth) = (self.yields, self.closure_depth);
        self.yields = 0;
        self.closure_depth += 1;
        let body = if self.check(&Tok::P(P::LBrace)) {
            self.block_allowing(true)
        } else {
            self.body()
        };
        self.closure_depth = saved_depth;
        let yielded = std::mem::replace(&mut self.yields, saved_yields) > 0;
        let body = body?;
        let ret = self.closure_return_type()?;
        if yielded && !matches!(&ret, Some(TypeRef::Args(n, _)) if n == "stream") {
            return Err(RillError::at(
                "RILL-P006",
                "'yield' is only valid inside a stream closure",
                sp,
            ));
        }
        Ok(Node::new(
            Kind::Closure(Rc::new(ClosureDef {
                params,
                body,
                is_block: false,
                ret,
            })),
            sp,
        ))
    }

    pub(crate) fn param(&mut self) -> PResult<Param> {
        if self.v20() {
            return self.param_v20();
        }
        let name = self.ident("Expected parameter name")?;
        let mut ty = None;
        let mut annotations = None;
        let mut default = None;
        if self.check(&Tok::P(P::Colon)) {
            self.advance();
            ty = Some(TypeRef::Name(self.type_name(PARAM_TYPES)?));
        }
        if self.check(&Tok::P(P::Caret)) {
            self.advance();
            self.expect(Tok::P(P::LParen), "Expected ( after ^")?;
            annotations = Some(self.annotation_args()?);
            self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
        }
        if self.check(&Tok::P(P::Assign)) {
            self.advance();
            default = Some(self.param_default()?);
        }
        Ok(Param {
            name,
            ty,
            default,
            annotations,
        })
    }

    /// A parameter's `= literal` (a negative number too).
    pub(crate) fn param_default(&mut self) -> PResult<Node> {
        if self.check(&Tok::P(P::Minus))
            && let Tok::Num(n) = *self.peek(1)
        {
            let sp = self.sp();
            self.advance();
            self.advance();
            return Ok(Node::new(Kind::Num(-n), sp));
        }
        self.literal()
    }

    // ---------------------------------------------------------------- spread / destructure / slice

    /// `*<…>` (v0.8.6) or `destruct<…>` (v0.20), whose opening token is `open`.
    pub(crate) fn destructure(&mut self, open: Tok) -> PResult<Node> {
        self.binds += 1;
        let sp = self.sp();
        let pats = self.destruct_list(&open)?;
        Ok(Node::new(Kind::Destructure(pats), sp))
    }

    pub(crate) fn destruct_list(&mut self, open: &Tok) -> PResult<Vec<DPat>> {
        self.enter()?;
        self.expect(open.clone(), &format!("Expected {}", open.text()))?;
        let mut pats = Vec::new();
        if !self.check(&Tok::P(P::Gt)) {
            pats.push(self.destruct_pat(open)?);
            while self.check(&Tok::P(P::Comma)) {
                self.advance();
                if self.check(&Tok::P(P::Gt)) {
                    break;
                }
                pats.push(self.destruct_pat(open)?);
            }
        }
        self.expect_code(Tok::P(P::Gt), "Expected >", "RILL-P005")?;
        self.depth -= 1;
        Ok(pats)
    }

    pub(crate) fn destruct_pat(&mut self, open: &Tok) -> PResult<DPat> {
        if self.check(open) {
            return Ok(DPat::Nested(self.destruct_list(open)?));
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
                Tok::Num(n) => crate::rill::base::num::fmt_num(n),
                t => t.text(),
            };
            self.advance();
            self.expect(Tok::Dollar, "Expected $")?;
            let name = self.ident("Expected variable name")?;
            let mut ty = None;
            if self.check(&Tok::P(P::Colon)) {
                self.advance();
                ty = Some(self.type_of_dialect()?);
            }
            return Ok(DPat::Key(key, name, ty));
        }
        self.expect(Tok::Dollar, "Expected $, identifier:, or _")?;
        let name = self.ident("Expected variable name")?;
        let mut ty = None;
        if self.check(&Tok::P(P::Colon)) {
            self.advance();
            ty = Some(self.type_of_dialect()?);
        }
        Ok(DPat::Var(name, ty))
    }

    /// `/<a:b:c>` (v0.8.6) or `slice<a:b:c>` (v0.20), whose opening token is `open`.
    pub(crate) fn slice(&mut self, open: Tok) -> PResult<Node> {
        let sp = self.sp();
        self.expect(open.clone(), &format!("Expected {}", open.text()))?;
        let v20 = self.v20();
        let needs_colon = || p001("slice requires at least one ':' separator", sp);
        if v20 && self.check(&Tok::P(P::Gt)) {
            return Err(needs_colon());
        }
        let (mut start, mut stop, mut step) = (None, None, None);
        if self.check(&Tok::P(P::DColon)) {
            self.advance();
            if !self.check(&Tok::P(P::Gt)) {
                step = Some(self.slice_bound()?);
            }
        } else {
            if !self.check(&Tok::P(P::Colon)) {
                start = Some(self.slice_bound()?);
            }
            if v20 && !self.check(&Tok::P(P::Colon)) {
                return Err(needs_colon());
            }
            self.expect(Tok::P(P::Colon), "Expected :")?;
            if !v20 && self.check(&Tok::P(P::Capture)) {
                return Err(RillError::at(
                    "RILL-P006",
                    "Capture arrow cannot appear in slice context",
                    self.sp(),
                ));
            }
            if !self.check(&Tok::P(P::Colon)) && !self.check(&Tok::P(P::Gt)) {
                stop = Some(self.slice_bound()?);
            }
            if self.check(&Tok::P(P::Colon)) {
                self.advance();
                if !self.check(&Tok::P(P::Gt)) {
                    step = Some(self.slice_bound()?);
                }
            }
        }
        self.expect_code(Tok::P(P::Gt), "Expected >", "RILL-P005")?;
        Ok(Node::new(Kind::Slice { start, stop, step }, sp))
    }

    pub(crate) fn slice_bound(&mut self) -> PResult<Node> {
        let sp = self.sp();
        match self.tok().clone() {
            Tok::P(P::Minus) => {
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
            Tok::P(P::LParen) => return self.grouped(),
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
