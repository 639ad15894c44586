//! The syntax tree. Every node carries the `Span` where it starts; spans compare equal to each
//! other so that `PartialEq` on nodes is structural equality ignoring positions (closure
//! equality, spec §4).

use crate::rill::base::span::Span;
use std::rc::Rc;

/// A parsed script: statements in order (frontmatter is dropped).
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub statements: Vec<Stmt>,
}

/// One statement, optionally annotated with `^(...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub annotations: Option<Vec<AnnArg>>,
    pub expr: Node,
    pub span: Span,
}

/// An annotation argument: `name: expr` or `*expr` (spread of a dict).
#[derive(Debug, Clone, PartialEq)]
pub enum AnnArg {
    Named(String, Node),
    Spread(Node),
}

/// A node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Box<Kind>,
    pub span: Span,
}

impl Node {
    /// A node of `kind` starting at `span`.
    pub fn new(kind: Kind, span: Span) -> Self {
        Node {
            kind: Box::new(kind),
            span,
        }
    }
}

/// Binary operators of the arithmetic/logical head of a pipe chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// How a pipe chain ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    Break,
    Return,
    /// v0.20: emit a chunk from a stream closure.
    Yield,
}

/// A type as written in an assertion, a capture, a parameter or a conversion. v0.8.6 only
/// writes bare names.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    /// `string`, `list`, `any`, …
    Name(String),
    /// `list(number)`, `dict(a: number = 1)`, `stream(string):number` (chunk, resolution)
    Args(String, Vec<FieldArg>),
    /// `$t`: the type held by a variable
    Var(String),
    /// `string | number`
    Union(Vec<TypeRef>),
    /// `||` or `||:T`: a closure type with an optional return type
    Closure(Option<Box<TypeRef>>),
}

/// The type as written: `string`, `list(number)`, `string | number`, `$t`, `||:string`.
impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeRef::Name(n) => f.write_str(n),
            TypeRef::Var(v) => write!(f, "${v}"),
            TypeRef::Union(ms) => {
                for (i, m) in ms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    write!(f, "{m}")?;
                }
                Ok(())
            }
            TypeRef::Closure(None) => f.write_str("||"),
            TypeRef::Closure(Some(r)) => write!(f, "||:{r}"),
            TypeRef::Args(n, args) => {
                write!(f, "{n}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if let Some(k) = &a.name {
                        write!(f, "{k}: ")?;
                    }
                    write!(f, "{}", a.ty)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl TypeRef {
    /// The bare name of a simple type (`string`), none for a structured one.
    pub fn as_name(&self) -> Option<&str> {
        match self {
            TypeRef::Name(n) => Some(n),
            _ => None,
        }
    }
}

/// One argument of a structured type: `name: T = default`, or positional `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldArg {
    pub name: Option<String>,
    pub ty: TypeRef,
    pub default: Option<Node>,
    pub annotations: Option<Vec<AnnArg>>,
}

/// A piece of a string literal.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    Lit(String),
    Interp(Node),
}

/// A list-literal element (`...expr` spreads a list).
#[derive(Debug, Clone, PartialEq)]
pub enum ListElem {
    Item(Node),
    Spread(Node),
}

/// A dict-literal key.
#[derive(Debug, Clone, PartialEq)]
pub enum DictKey {
    /// identifier or string
    Lit(String),
    Num(f64),
    Bool(bool),
    /// `[a, b]: v` multi-key (list literal; evaluated)
    Multi(Node),
    Var(String),
    Computed(Node),
    /// v0.20 `dict[...$d]` / `ordered[...$o]`: the entries of another container
    Spread,
}

/// A closure parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: Option<TypeRef>,
    pub default: Option<Node>,
    pub annotations: Option<Vec<AnnArg>>,
}

/// A closure literal (or a block, which has the single parameter `$`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClosureDef {
    pub params: Vec<Param>,
    pub body: Node,
    pub is_block: bool,
    /// v0.20 `|x| body :T`: the declared return type
    pub ret: Option<TypeRef>,
}

/// One step of a variable's access chain.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    /// `[expr]`
    Index(Node),
    /// `.name`
    Field(String),
    /// `.$name` / `.$`
    VarKey(Option<String>),
    /// `.(expr)`
    Computed(Node),
    /// `.(a || b)`
    Alternatives(Vec<String>),
    /// `.^key`
    Annotation(String),
    /// `.{block}`
    Block(Node),
}

/// A destructuring pattern element of `*<...>`.
#[derive(Debug, Clone, PartialEq)]
pub enum DPat {
    Var(String, Option<TypeRef>),
    Key(String, String, Option<TypeRef>),
    Skip,
    Nested(Vec<DPat>),
}

/// What a `use<…>` names.
#[derive(Debug, Clone, PartialEq)]
pub enum UseId {
    Static { scheme: String, path: Vec<String> },
    Var(String),
    Computed(Node),
}

/// Postfix operations after a primary: `.method(args)` or `(args)` invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum PostOp {
    Method {
        name: String,
        args: Vec<Node>,
        span: Span,
    },
    Invoke {
        args: Vec<Node>,
        span: Span,
    },
    /// v0.20 `.!` / `.!field` after methods: probes what came before
    Probe {
        field: Option<String>,
        span: Span,
    },
    /// v0.20 `.^key` after methods
    Annotation {
        key: String,
        span: Span,
    },
}

/// Node kinds (primaries, pipe targets and chains share one enum).
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Chain {
        head: Node,
        pipes: Vec<Node>,
        term: Option<Term>,
    },
    Capture {
        name: String,
        ty: Option<TypeRef>,
    },
    Binary {
        op: BinOp,
        l: Node,
        r: Node,
    },
    Neg(Node),
    Not(Node),
    Postfix {
        primary: Node,
        ops: Vec<PostOp>,
        default: Option<Node>,
    },
    Num(f64),
    Bool(bool),
    Str(Vec<StrPart>),
    List {
        elems: Vec<ListElem>,
        default: Option<Node>,
    },
    Dict {
        entries: Vec<(DictKey, Node)>,
        default: Option<Node>,
    },
    Closure(Rc<ClosureDef>),
    Block(Rc<ClosureDef>),
    /// `( expr )`; `scoped`: it binds or creates closures, so it runs in a child scope.
    Group(Node, bool),
    /// `$name` (`name: Some`), `$` (None), `$@` (Some("@")).
    Var {
        name: Option<String>,
        access: Vec<Access>,
        exist: Option<(Access, Option<TypeRef>)>,
        default: Option<Node>,
    },
    HostCall {
        name: String,
        args: Vec<Node>,
        bare: bool,
    },
    ClosureCall {
        name: String,
        access: Vec<String>,
        args: Vec<Node>,
    },
    PipeInvoke {
        args: Vec<Node>,
    },
    Method {
        name: String,
        args: Vec<Node>,
    },
    /// `.a.b` chain as pipe target
    Methods(Vec<(String, Vec<Node>, Span)>),
    /// `scoped`: the branches bind or create closures, so each runs in a child scope.
    Conditional {
        cond: Option<Node>,
        then: Node,
        els: Option<Node>,
        scoped: bool,
    },
    /// `limit`: v0.20 `do<limit: N>`
    While {
        cond: Node,
        body: Node,
        limit: Option<usize>,
    },
    DoWhile {
        body: Node,
        cond: Node,
        limit: Option<usize>,
    },
    Pass,
    Spread(Option<Node>),
    TypeOp {
        operand: Option<Node>,
        ty: TypeRef,
        check: bool,
    },
    Assert {
        cond: Node,
        msg: Option<Node>,
    },
    Error {
        msg: Option<Node>,
    },
    Each {
        acc: Option<Node>,
        body: Node,
    },
    Map {
        body: Node,
    },
    Fold {
        acc: Option<Node>,
        body: Node,
    },
    Filter {
        body: Node,
    },
    Destructure(Vec<DPat>),
    Slice {
        start: Option<Node>,
        stop: Option<Node>,
        step: Option<Node>,
    },
    ClosureChain(Node),
    // ---- v0.20 only
    /// `#NAME`
    Atom(String),
    /// a type as a value (`number`, `list(string)`); as a pipe target, a conversion
    TypeValue(TypeRef),
    /// `tuple[...]` (elements, spreads)
    Tuple(Vec<ListElem>),
    /// `ordered[...]`
    Ordered(Vec<(DictKey, Node)>),
    /// `ns::name` without parentheses: a reference to a host function
    HostRef(String),
    /// `expr.!` / `expr.!field`
    StatusProbe {
        target: Node,
        field: Option<String>,
    },
    /// `^(…) expr`
    Annotated {
        anns: Vec<AnnArg>,
        expr: Node,
    },
    /// `guard<on: list[#A]> { … }` (`on` empty: every error)
    Guard {
        on: Vec<String>,
        body: Node,
    },
    /// `retry<limit: N, on: list[#A]> { … }`
    Retry {
        limit: usize,
        on: Vec<String>,
        body: Node,
    },
    /// `timeout<total: d> { … }` (`idle`: false) or `timeout<idle: d> { … }`
    Timeout {
        idle: bool,
        duration: Node,
        body: Node,
    },
    /// `pass { … }`, `pass<on_error: #IGNORE, async: true> { … }`
    PassBlock {
        ignore_errors: bool,
        is_async: bool,
        body: Node,
    },
    /// `|a: T| :R` closure signature as a type value
    ClosureSig {
        params: Vec<(String, Node)>,
        ret: Node,
    },
    /// `use<scheme:a.b>`, `use<$v>`, `use<(expr)>` with an optional declared type
    Use {
        id: UseId,
        ty: Option<TypeRef>,
    },
    /// `...expr` in an argument list: its entries become the arguments
    SpreadArg(Node),
    /// statements of a block body; `bool`: they bind or create closures (need a child scope)
    Stmts(Vec<Stmt>, bool),
}
