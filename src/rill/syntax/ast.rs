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
}

/// A closure parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: Option<String>,
    pub default: Option<Node>,
    pub annotations: Option<Vec<AnnArg>>,
}

/// A closure literal (or a block, which has the single parameter `$`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClosureDef {
    pub params: Vec<Param>,
    pub body: Node,
    pub is_block: bool,
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
    Var(String, Option<String>),
    Key(String, String, Option<String>),
    Skip,
    Nested(Vec<DPat>),
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
        ty: Option<String>,
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
        exist: Option<(Access, Option<String>)>,
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
    While {
        cond: Node,
        body: Node,
    },
    DoWhile {
        body: Node,
        cond: Node,
    },
    Pass,
    Spread(Option<Node>),
    TypeOp {
        operand: Option<Node>,
        ty: String,
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
    /// statements of a block body; `bool`: they bind or create closures (need a child scope)
    Stmts(Vec<Stmt>, bool),
}
