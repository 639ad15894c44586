//! Host functions: a registry of named functions (`kv::get`, `fs::read`, …) with declared
//! parameter types, validated like the reference (`RILL-R001`), and a replay host built from a
//! conformance case's recorded calls (`--host HOST.json`).
//!
//! Host functions are synchronous closures. An async backend registers a closure that calls
//! `tokio::runtime::Handle::block_on(...)`: the interpreter runs on its own thread (see
//! `eval::run_with_big_stack`), never on a runtime worker, so blocking there is safe:
//!
//! ```text
//! let rt = tokio::runtime::Handle::current();           // taken before spawning the thread
//! registry.register("kv::get", Some(vec![HostParam::new("mount", "string"), HostParam::new("key", "string")]),
//!     Box::new(move |args| rt.block_on(async { /* store.get(..).await, map to Value */ })));
//! ```

use crate::rill::base::error::RillError;
use crate::rill::value::{HostParam, Value, decode, deep_eq};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// The body of a host function.
pub type HostBody = Box<dyn FnMut(Vec<Value>) -> Result<Value, RillError>>;

/// One registered host function.
pub struct HostFn {
    /// Declared params; `None` = untyped (any arguments accepted).
    pub params: Option<Vec<HostParam>>,
    /// Function description (reported by `tool()`).
    pub description: Option<String>,
    pub body: HostBody,
}

/// Named host functions. Registered names override built-ins of the same name.
#[derive(Default)]
pub struct HostRegistry {
    fns: HashMap<String, HostFn>,
}

impl HostRegistry {
    /// Register (or replace) a function.
    pub fn register(&mut self, name: &str, params: Option<Vec<HostParam>>, body: HostBody) {
        self.fns.insert(
            name.to_string(),
            HostFn {
                params,
                description: None,
                body,
            },
        );
    }
    /// Set the description of a registered function.
    pub fn describe(&mut self, name: &str, description: &str) {
        if let Some(f) = self.fns.get_mut(name) {
            f.description = Some(description.to_string());
        }
    }
    /// The registered names, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.fns.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }
    /// The declaration of `name`, if registered.
    pub fn lookup(&self, name: &str) -> Option<&HostFn> {
        self.fns.get(name)
    }
    /// Call `name` with already validated arguments.
    pub fn call(&mut self, name: &str, args: Vec<Value>) -> Result<Value, RillError> {
        match self.fns.get_mut(name) {
            Some(f) => (f.body)(args),
            None => Err(RillError::new(
                "RILL-R006",
                format!("Unknown function: {name}"),
            )),
        }
    }
}

struct Recorded {
    name: String,
    args: Vec<Value>,
    outcome: Result<Value, RillError>,
    used: bool,
}

/// Host settings read from a conformance `host` object.
pub struct ReplayHost {
    pub registry: HostRegistry,
    pub variables: Vec<(String, Value)>,
    pub auto_exceptions: Vec<String>,
}

/// Build a replay host from the case's `host` JSON (spec §17 "Runner contract").
pub fn replay_host(h: &serde_json::Value) -> ReplayHost {
    let mut calls = Vec::new();
    for c in h
        .get("calls")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
    {
        let name = c
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_string();
        let args = c
            .get("args")
            .and_then(|a| a.as_array())
            .map(|a| a.iter().map(decode).collect())
            .unwrap_or_default();
        let outcome = match c.get("error") {
            Some(e) if !e.is_null() => {
                let msg = e
                    .get("message")
                    .and_then(|m| m.as_str())
                    .unwrap_or("host error")
                    .to_string();
                Err(match e.get("code").and_then(|c| c.as_str()) {
                    Some(code) => RillError::new(code, msg),
                    None => RillError {
                        code: None,
                        message: msg,
                        span: None,
                    },
                })
            }
            _ => Ok(c.get("result").map(decode).unwrap_or(Value::Null)),
        };
        calls.push(Recorded {
            name,
            args,
            outcome,
            used: false,
        });
    }
    let calls = Rc::new(RefCell::new(calls));
    let mut registry = HostRegistry::default();
    if let Some(fns) = h.get("functions").and_then(|f| f.as_object()) {
        for (name, decl) in fns {
            let params = decl.get("params").and_then(|p| p.as_array()).map(|ps| {
                ps.iter()
                    .map(|p| HostParam {
                        name: p
                            .get("name")
                            .and_then(|n| n.as_str())
                            .unwrap_or_default()
                            .to_string(),
                        // v0.8 hosts write `"string"`, v0.20 ones `{"kind": "string"}`
                        ty: p
                            .get("type")
                            .and_then(|t| t.as_str().or_else(|| t.get("kind")?.as_str()))
                            .unwrap_or("any")
                            .to_string(),
                        default: p.get("defaultValue").filter(|d| !d.is_null()).map(decode),
                        description: p
                            .get("description")
                            .and_then(|d| d.as_str())
                            .map(str::to_string),
                    })
                    .collect()
            });
            let calls = calls.clone();
            let fname = name.clone();
            registry.register(
                name,
                params,
                Box::new(move |args| {
                    let mut calls = calls.borrow_mut();
                    let exact = calls.iter().position(|c| {
                        !c.used
                            && c.name == fname
                            && c.args.len() == args.len()
                            && c.args.iter().zip(&args).all(|(a, b)| deep_eq(a, b))
                    });
                    let idx =
                        exact.or_else(|| calls.iter().position(|c| !c.used && c.name == fname));
                    match idx {
                        Some(i) => {
                            calls[i].used = true;
                            calls[i].outcome.clone()
                        }
                        None => Ok(Value::Null),
                    }
                }),
            );
            if let Some(d) = decl.get("description").and_then(|d| d.as_str()) {
                registry.describe(name, d);
            }
        }
    }
    let mut variables = Vec::new();
    if let Some(vars) = h.get("variables").and_then(|v| v.as_object()) {
        for (k, v) in vars {
            variables.push((k.clone(), decode(v)));
        }
    }
    let auto_exceptions = h
        .get("autoExceptions")
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    ReplayHost {
        registry,
        variables,
        auto_exceptions,
    }
}
