//! v0.20's type references (`string | number`, `dict(a: number = 1)`, `$t`, `||:T`,
//! `stream(T):R`), closure return types and parameters, and anonymous typed closures
//! (`|string| body`, `|number, number| body`).

use super::{Parser, TYPE_NAMES, p004};
use crate::rill::base::error::RillError;
use crate::rill::syntax::ast::*;
use crate::rill::syntax::parser::PResult;
use crate::rill::syntax::token::{P, Tok};

impl Parser {
    /// A type reference; `trailing_bar`: a `|` not followed by a type ends it (closure
    /// parameters, where `|` closes the list).
    pub(crate) fn type_ref(&mut self, trailing_bar: bool) -> PResult<TypeRef> {
        let first = self.single_type()?;
        if !self.check(&Tok::P(P::Bar)) {
            return Ok(first);
        }
        let mut members = vec![];
        let push = |t: TypeRef, m: &mut Vec<TypeRef>| match t {
            TypeRef::Union(v) => m.extend(v),
            t => m.push(t),
        };
        push(first, &mut members);
        while self.check(&Tok::P(P::Bar)) {
            let after = self.peek(1).clone();
            let typed = Self::is_type_name(&after);
            if matches!(after, Tok::Ident(_)) && !typed {
                self.advance();
                return Err(RillError::at(
                    "RILL-P011",
                    "Expected type name after '|'",
                    self.sp(),
                ));
            }
            if after != Tok::Dollar && !typed {
                if trailing_bar {
                    break;
                }
                self.advance();
                return Err(RillError::at(
                    "RILL-P011",
                    "Expected type name after '|'",
                    self.sp(),
                ));
            }
            self.advance();
            let t = self.single_type()?;
            push(t, &mut members);
        }
        Ok(if members.len() == 1 {
            members.remove(0)
        } else {
            TypeRef::Union(members)
        })
    }

    pub(crate) fn single_type(&mut self) -> PResult<TypeRef> {
        if self.check(&Tok::P(P::Or)) {
            self.advance();
            if self.check(&Tok::P(P::Colon)) {
                self.advance();
                return Ok(TypeRef::Closure(Some(Box::new(self.single_type()?))));
            }
            return Ok(TypeRef::Closure(None));
        }
        if self.check(&Tok::Dollar) {
            self.advance();
            return Ok(TypeRef::Var(self.ident("Expected variable name after $")?));
        }
        let name = self.type_name(&TYPE_NAMES)?;
        if !self.check(&Tok::P(P::LParen)) {
            return Ok(TypeRef::Name(name));
        }
        self.advance();
        let mut args = self.field_args(name != "list")?;
        self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
        if name == "stream" && self.check(&Tok::P(P::Colon)) {
            // `stream(T):R`: the resolution type follows
            self.advance();
            self.skip_newlines();
            if !matches!(self.tok(), Tok::Ident(_)) {
                return Err(RillError::at(
                    "RILL-P006",
                    "Expected type name after ':' in stream type",
                    self.sp(),
                ));
            }
            if args.is_empty() {
                args.push(FieldArg {
                    name: None,
                    ty: TypeRef::Name("any".into()),
                    default: None,
                    annotations: None,
                });
            }
            let r = self.type_ref(false)?;
            args.push(FieldArg {
                name: None,
                ty: r,
                default: None,
                annotations: None,
            });
        }
        Ok(TypeRef::Args(name, args))
    }

    /// The arguments of a structured type up to (not including) `)`.
    fn field_args(&mut self, annotated: bool) -> PResult<Vec<FieldArg>> {
        let mut out = vec![];
        self.skip_newlines();
        while !self.check(&Tok::P(P::RParen)) {
            let mut annotations: Option<Vec<AnnArg>> = None;
            while annotated && self.check(&Tok::P(P::Caret)) {
                self.advance();
                self.expect(Tok::P(P::LParen), "Expected ( after ^")?;
                let block = self.annotation_args()?;
                self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
                self.skip_newlines();
                annotations.get_or_insert_with(Vec::new).extend(block);
                if self.check(&Tok::P(P::RParen)) {
                    return Err(RillError::at(
                        "RILL-P014",
                        "Expected field after annotation",
                        self.sp(),
                    ));
                }
            }
            let name = match (self.tok().clone(), self.peek(1)) {
                (Tok::Ident(n), Tok::P(P::Colon)) => {
                    self.advance();
                    self.advance();
                    self.skip_newlines();
                    Some(n)
                }
                _ => None,
            };
            let ty = self.type_ref(false)?;
            let mut default = None;
            if self.check(&Tok::P(P::Assign)) {
                self.advance();
                self.skip_newlines();
                default = Some(self.param_default()?);
            }
            out.push(FieldArg {
                name,
                ty,
                default,
                annotations,
            });
            self.skip_newlines();
            if self.check(&Tok::P(P::Comma)) {
                self.advance();
                self.skip_newlines();
            } else if !self.check(&Tok::P(P::RParen)) {
                return Err(RillError::at(
                    "RILL-P014",
                    "Expected ',' or ')' in type argument list",
                    self.sp(),
                ));
            }
        }
        Ok(out)
    }

    /// `:T` after a closure body (newlines before it are free).
    pub(crate) fn closure_return_type(&mut self) -> PResult<Option<TypeRef>> {
        if !self.skip_nl_if_followed(&Tok::P(P::Colon)) {
            return Ok(None);
        }
        self.advance();
        self.skip_newlines();
        Ok(Some(self.type_ref(false)?))
    }

    /// After `|`: the parameters are bare types (`|string|`, `|number, number|`, `|$t|`).
    pub(crate) fn anonymous_typed(&self) -> bool {
        let skip_nl = |mut k: usize| {
            while matches!(self.peek(k), Tok::Newline) {
                k += 1;
            }
            k
        };
        let type_start =
            |k: usize| *self.peek(k) == Tok::Dollar || Self::is_type_name(self.peek(k));
        let first_len = if self.check(&Tok::Dollar) {
            2
        } else if Self::is_type_name(self.tok()) {
            if matches!(self.peek(1), Tok::P(P::LParen)) {
                return true;
            }
            1
        } else {
            return false;
        };
        let k = skip_nl(first_len);
        match self.peek(k) {
            Tok::P(P::Bar) => true,
            Tok::P(P::Comma) => {
                let k = skip_nl(k + 1);
                if !type_start(k) {
                    return false;
                }
                let k = k + if *self.peek(k) == Tok::Dollar { 2 } else { 1 };
                if matches!(self.peek(k), Tok::P(P::LParen)) {
                    return true;
                }
                matches!(self.peek(skip_nl(k)), Tok::P(P::Bar))
            }
            _ => false,
        }
    }

    /// The one or two typed implicit parameters (`$`, then `@`) of an anonymous typed closure.
    pub(crate) fn anonymous_params(&mut self) -> PResult<Vec<Param>> {
        let param = |name: &str, ty| Param {
            name: name.into(),
            ty: Some(ty),
            default: None,
            annotations: None,
        };
        let first = self.type_ref(true)?;
        let mut params = vec![param("$", first)];
        if self.check(&Tok::P(P::Comma)) {
            self.advance();
            self.skip_newlines();
            let second = self.type_ref(true)?;
            params.push(param("@", second));
        }
        Ok(params)
    }

    /// `^(…) name: T = default` (a type name cannot be a parameter's name).
    pub(crate) fn param_v20(&mut self) -> PResult<Param> {
        let mut annotations = None;
        if self.check(&Tok::P(P::Caret)) {
            self.advance();
            self.expect(Tok::P(P::LParen), "Expected ( after ^")?;
            annotations = Some(self.annotation_args()?);
            self.expect_code(Tok::P(P::RParen), "Expected )", "RILL-P005")?;
        }
        let sp = self.sp();
        let name = self.ident("Expected parameter name")?;
        if TYPE_NAMES.contains(&name.as_str()) {
            return Err(RillError::at(
                "RILL-P003",
                format!("Reserved type keyword cannot be used as parameter name: {name}"),
                sp,
            ));
        }
        self.skip_newlines();
        let mut ty = None;
        if self.check(&Tok::P(P::Colon)) {
            self.advance();
            self.skip_newlines();
            ty = Some(self.type_ref(true)?);
        }
        self.skip_newlines();
        let mut default = None;
        if self.check(&Tok::P(P::Assign)) {
            self.advance();
            self.skip_newlines();
            default = Some(self.literal()?);
        }
        if ty.is_none() && default.is_none() && self.check(&Tok::P(P::Caret)) {
            return Err(p004("Annotations go before the parameter name", self.sp()));
        }
        Ok(Param {
            name,
            ty,
            default,
            annotations,
        })
    }
}
