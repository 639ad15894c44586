//! rill v0.8.6 grammar: literals, strings, lists and dicts, closures and params, spread, destructuring, slices.

use super::*;

impl Parser {
    // ---------------------------------------------------------------- literals

    pub(super) fn literal(&mut self) -> PResult<Node> {
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

    pub(super) fn string(&mut self) -> PResult<Node> {
        let t = self.advance();
        let Tok::Str { raw, multiline } = t.tok else {
            return Err(p001("Expected string", t.span));
        };
        let parts = string_parts(&raw, t.span, multiline, self.depth + 1, &mut self.binds)?;
        Ok(Node::new(Kind::Str(parts), t.span))
    }

    pub(super) fn is_dict_start(&self) -> bool {
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

    pub(super) fn list_or_dict(&mut self) -> PResult<Node> {
        self.enter()?;
        let r = stacker::maybe_grow(RED_ZONE, STACK_CHUNK, || self.list_or_dict_inner());
        self.depth -= 1;
        r
    }

    pub(super) fn list_or_dict_inner(&mut self) -> PResult<Node> {
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
            || matches!(self.tok(), Tok::Dollar) && matches!(self.peek(2), Tok::P(P::Colon))
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
        if self.check(&Tok::P(P::LParen)) {
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

    pub(super) fn list_elem(&mut self) -> PResult<ListElem> {
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

    pub(super) fn dict_entry(&mut self) -> PResult<(DictKey, Node)> {
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

    pub(super) fn closure(&mut self) -> PResult<Node> {
        self.binds += 1;
        let sp = self.sp();
        if self.check(&Tok::P(P::Or)) {
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
        self.expect(Tok::P(P::Bar), "Expected |")?;
        let mut params = Vec::new();
        if !self.check(&Tok::P(P::Bar)) {
            params.push(self.param()?);
            while self.check(&Tok::P(P::Comma)) {
                self.advance();
                params.push(self.param()?);
            }
        }
        self.expect_code(Tok::P(P::Bar), "Expected |", "RILL-P005")?;
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

    pub(super) fn param(&mut self) -> PResult<Param> {
        let name = self.ident("Expected parameter name")?;
        let mut ty = None;
        let mut annotations = None;
        let mut default = None;
        if self.check(&Tok::P(P::Colon)) {
            self.advance();
            ty = Some(self.type_name(PARAM_TYPES)?);
        }
        if self.check(&Tok::P(P::Caret)) {
            self.advance();
            self.expect(Tok::P(P::LParen), "Expected ( after ^")?;
            annotations = Some(self.annotation_args()?);
            self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
        }
        if self.check(&Tok::P(P::Assign)) {
            self.advance();
            if self.check(&Tok::P(P::Minus))
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

    pub(super) fn can_start_expression(&self) -> bool {
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

    pub(super) fn spread(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::P(P::Star), "Expected *")?;
        if !self.can_start_expression() {
            return Ok(Node::new(Kind::Spread(None), sp));
        }
        let e = self.postfix()?;
        Ok(Node::new(Kind::Spread(Some(Self::chain_of(e))), sp))
    }

    pub(super) fn destructure(&mut self) -> PResult<Node> {
        self.binds += 1;
        let sp = self.sp();
        let pats = self.destruct_list()?;
        Ok(Node::new(Kind::Destructure(pats), sp))
    }

    pub(super) fn destruct_list(&mut self) -> PResult<Vec<DPat>> {
        self.enter()?;
        self.expect(Tok::P(P::StarLt), "Expected *<")?;
        let mut pats = Vec::new();
        if !self.check(&Tok::P(P::Gt)) {
            pats.push(self.destruct_pat()?);
            while self.check(&Tok::P(P::Comma)) {
                self.advance();
                if self.check(&Tok::P(P::Gt)) {
                    break;
                }
                pats.push(self.destruct_pat()?);
            }
        }
        self.expect_code(Tok::P(P::Gt), "Expected >", "RILL-P005")?;
        self.depth -= 1;
        Ok(pats)
    }

    pub(super) fn destruct_pat(&mut self) -> PResult<DPat> {
        if self.check(&Tok::P(P::StarLt)) {
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
                Tok::Num(n) => crate::rill::base::num::fmt_num(n),
                t => t.text(),
            };
            self.advance();
            self.expect(Tok::Dollar, "Expected $")?;
            let name = self.ident("Expected variable name")?;
            let mut ty = None;
            if self.check(&Tok::P(P::Colon)) {
                self.advance();
                ty = Some(self.type_name(TYPE_NAMES)?);
            }
            return Ok(DPat::Key(key, name, ty));
        }
        self.expect(Tok::Dollar, "Expected $, identifier:, or _")?;
        let name = self.ident("Expected variable name")?;
        let mut ty = None;
        if self.check(&Tok::P(P::Colon)) {
            self.advance();
            ty = Some(self.type_name(TYPE_NAMES)?);
        }
        Ok(DPat::Var(name, ty))
    }

    pub(super) fn slice(&mut self) -> PResult<Node> {
        let sp = self.sp();
        self.expect(Tok::P(P::SlashLt), "Expected /<")?;
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
            self.expect(Tok::P(P::Colon), "Expected :")?;
            if self.check(&Tok::P(P::Capture)) {
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

    pub(super) fn slice_bound(&mut self) -> PResult<Node> {
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
