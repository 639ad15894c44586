//! `rillmount kv keys|get|set|del|dump`.
//!
//! - `get` prints the value exactly as stored: compact `JSON.stringify` text (the JSON file
//!   backend renders its value compact), one line, valid JSON for scripts. A key that is not
//!   stored but declared in the mount's schema prints its default (what rill's `get` returns)
//!   with a note on stderr; any other missing key fails.
//! - `set` takes a JSON value and goes through rill's `set` (mode, schema, limits), then flushes.
//! - `keys --match GLOB` and `dump --match GLOB` ask the store for the matching keys only
//!   (`scan_match`: SQLite reads the index range of the literal prefix, Redis matches on the
//!   server); `keys --count` prints how many.
//! - `keys` and `dump` stream page by page (`scan` + `get_many`): memory stays bounded by the
//!   page size whatever the store size. Redis SCAN may repeat a key; repeats are dropped using a
//!   16-byte digest per key seen. Keys and values that vanish during the scan are skipped.

use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::time::Duration;

use super::{Ctx, Target, open_kv_mount, target, within};
use crate::cli::args::{KvCommand, ProfileOpt};
use crate::cli::output::{Failure, Out, SetupCode, SetupError, from_serde, json_string, json_text};
use crate::config::KvBackendConfig;
use crate::store::Backend;
use crate::store::key_pattern::KeyPattern;
use crate::store::kv_mount::KvMount;

/// Keys asked for per `scan` page.
const PAGE: usize = 500;

pub async fn run(ctx: &Ctx, cmd: &KvCommand) -> Result<(), Failure> {
    match cmd {
        KvCommand::Keys {
            addr,
            pattern,
            count,
            json,
            profile,
        } => {
            let listing = Listing::new(pattern.as_deref(), *count, *json)?;
            keys(ctx, addr, profile, listing).await
        }
        KvCommand::Grep {
            addr,
            text,
            path,
            pattern,
            json,
            profile,
        } => {
            let list = KvListArgs {
                pattern: pattern.as_deref(),
                json: *json,
            };
            super::kv_grep::grep(ctx, addr, profile, text, path.as_deref(), list).await
        }
        KvCommand::Get { addr, key, profile } => get(ctx, addr, key, profile).await,
        KvCommand::Set {
            addr,
            key,
            json,
            yes,
            profile,
        } => set(ctx, addr, key, json, *yes, profile).await,
        KvCommand::Del {
            addr,
            key,
            yes,
            profile,
        } => del(ctx, addr, key, *yes, profile).await,
        KvCommand::Dump {
            addr,
            pattern,
            profile,
        } => dump(ctx, addr, profile, parse_pattern(pattern.as_deref())?).await,
    }
}

pub(super) fn kv_target(ctx: &Ctx, addr: &str, opt: &ProfileOpt) -> Result<Target, Failure> {
    let t = target(ctx, addr, opt)?;
    t.kv()?;
    if !t.addr.path.is_empty() {
        let msg = format!(
            "kv address `{addr}` has a path; write PROFILE:MOUNT and give the key separately"
        );
        return Err(SetupError::usage(SetupCode::Address, msg).into());
    }
    Ok(t)
}

/// The per-call bound for network backends.
pub(super) fn call_limit(t: &Target) -> Option<Duration> {
    match t.kv().ok().map(|c| &c.backend) {
        Some(KvBackendConfig::Redis(r)) => Some(r.connect_timeout + Duration::from_secs(30)),
        _ => None,
    }
}

/// Drops keys already seen (Redis SCAN repeats); other backends never repeat.
struct Seen {
    digests: Option<HashSet<[u8; 16]>>,
}

impl Seen {
    fn new(mount: &KvMount) -> Self {
        let redis = mount.store().info().backend == Backend::Redis;
        Seen {
            digests: redis.then(HashSet::new),
        }
    }

    fn first_time(&mut self, key: &str) -> bool {
        let Some(set) = &mut self.digests else {
            return true;
        };
        let d = Sha256::digest(key.as_bytes());
        let mut short = [0u8; 16];
        short.copy_from_slice(&d[..16]);
        set.insert(short)
    }
}

/// `--match GLOB`, parsed (a usage error names the column); `*` is no filter at all.
pub(super) fn parse_pattern(pattern: Option<&str>) -> Result<Option<KeyPattern>, Failure> {
    match pattern.map(KeyPattern::parse) {
        None => Ok(None),
        Some(Ok(p)) if p.matches_all() => Ok(None),
        Some(Ok(p)) => Ok(Some(p)),
        Some(Err(e)) => Err(Failure::usage(e)),
    }
}

/// `--match` and `--json` of a kv listing command.
pub(super) struct KvListArgs<'a> {
    pub pattern: Option<&'a str>,
    pub json: bool,
}

/// What `kv keys` prints: the keys (maybe only the matching ones) or how many.
struct Listing {
    pattern: Option<KeyPattern>,
    count: bool,
    json: bool,
}

impl Listing {
    fn new(pattern: Option<&str>, count: bool, json: bool) -> Result<Listing, Failure> {
        Ok(Listing {
            pattern: parse_pattern(pattern)?,
            count,
            json,
        })
    }
}

/// Calls `each` with every page of keys (repeats removed), only the ones `pattern` matches
/// when there is one (the store narrows its reads with it).
async fn for_each_page(
    t: &Target,
    mount: &KvMount,
    pattern: Option<&KeyPattern>,
    mut each: impl AsyncPage,
) -> Result<(), Failure> {
    let store = mount.store();
    let limit = call_limit(t);
    let what = format!("cannot list keys of {}", t.label());
    let mut seen = Seen::new(mount);
    let mut cursor: Option<String> = None;
    loop {
        let scan = async {
            match pattern {
                Some(p) => store.scan_match(p, cursor.as_deref(), PAGE).await,
                None => store.scan(cursor.as_deref(), PAGE).await,
            }
        };
        let page = within(limit, &what, scan).await?;
        let keys: Vec<String> = page
            .keys
            .into_iter()
            .filter(|k| seen.first_time(k))
            .collect();
        if !keys.is_empty() {
            each.page(keys).await?;
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
}

/// A page consumer (an async closure that can borrow the output).
trait AsyncPage {
    async fn page(&mut self, keys: Vec<String>) -> Result<(), Failure>;
}

struct KeyPrinter<'a> {
    out: &'a mut Out,
    json: bool,
    first: bool,
}

impl AsyncPage for KeyPrinter<'_> {
    async fn page(&mut self, keys: Vec<String>) -> Result<(), Failure> {
        for k in keys {
            if self.json {
                let sep = if self.first { "\n  " } else { ",\n  " };
                self.out.raw(sep.as_bytes())?;
                self.out.raw(json_string(&k).as_bytes())?;
            } else {
                self.out.line(&k)?;
            }
            self.first = false;
        }
        self.out.flush()
    }
}

/// Counts the keys of the pages.
struct KeyCounter(u64);

impl AsyncPage for KeyCounter {
    async fn page(&mut self, keys: Vec<String>) -> Result<(), Failure> {
        self.0 += keys.len() as u64;
        Ok(())
    }
}

async fn keys(ctx: &Ctx, addr: &str, opt: &ProfileOpt, listing: Listing) -> Result<(), Failure> {
    let t = kv_target(ctx, addr, opt)?;
    let mount = open_kv_mount(&t).await?;
    let mut out = Out::new();
    let Listing {
        pattern,
        count,
        json,
    } = listing;
    if count {
        // no pattern: the store's own count where it keeps one (SQLite, JSON), else a scan
        let n = match (&pattern, mount.store().info().backend) {
            (None, Backend::Sqlite | Backend::Json | Backend::Memory) => {
                let what = format!("cannot count keys of {}", t.label());
                within(call_limit(&t), &what, mount.store().count()).await?
            }
            _ => {
                let mut counter = KeyCounter(0);
                for_each_page(&t, &mount, pattern.as_ref(), &mut counter).await?;
                counter.0
            }
        };
        if json {
            out.json(&serde_json::json!({ "count": n }))?;
        } else {
            out.line(&n.to_string())?;
        }
        return out.flush();
    }
    if json {
        out.raw(b"[")?;
    }
    let mut printer = KeyPrinter {
        out: &mut out,
        json,
        first: true,
    };
    for_each_page(&t, &mount, pattern.as_ref(), &mut printer).await?;
    let empty = printer.first;
    if json {
        out.raw(if empty { b"]\n" } else { b"\n]\n" })?;
    }
    out.flush()
}

impl<T: AsyncPage> AsyncPage for &mut T {
    async fn page(&mut self, keys: Vec<String>) -> Result<(), Failure> {
        (**self).page(keys).await
    }
}

struct DumpPrinter<'a> {
    out: &'a mut Out,
    mount: &'a KvMount,
    limit: Option<Duration>,
    what: String,
    first: bool,
}

impl AsyncPage for DumpPrinter<'_> {
    async fn page(&mut self, keys: Vec<String>) -> Result<(), Failure> {
        let values = within(self.limit, &self.what, self.mount.store().get_many(&keys)).await?;
        for (k, v) in keys.iter().zip(values) {
            // Gone between scan and read (deleted or expired): nothing to dump.
            let Some(v) = v else { continue };
            let sep = if self.first { "\n  " } else { ",\n  " };
            self.out.raw(sep.as_bytes())?;
            self.out.raw(json_string(k).as_bytes())?;
            self.out.raw(b": ")?;
            self.out.raw(v.text.as_bytes())?;
            self.first = false;
        }
        self.out.flush()
    }
}

async fn dump(
    ctx: &Ctx,
    addr: &str,
    opt: &ProfileOpt,
    pattern: Option<KeyPattern>,
) -> Result<(), Failure> {
    let t = kv_target(ctx, addr, opt)?;
    let mount = open_kv_mount(&t).await?;
    let mut out = Out::new();
    out.raw(b"{")?;
    let mut printer = DumpPrinter {
        out: &mut out,
        mount: &mount,
        limit: call_limit(&t),
        what: format!("cannot read values of {}", t.label()),
        first: true,
    };
    for_each_page(&t, &mount, pattern.as_ref(), &mut printer).await?;
    let empty = printer.first;
    out.raw(if empty { b"}\n" } else { b"\n}\n" })?;
    out.flush()
}

async fn get(ctx: &Ctx, addr: &str, key: &str, opt: &ProfileOpt) -> Result<(), Failure> {
    let t = kv_target(ctx, addr, opt)?;
    let mount = open_kv_mount(&t).await?;
    let what = format!("cannot read `{key}` from {}", t.label());
    let stored = within(call_limit(&t), &what, mount.store().get(key)).await?;
    let mut out = Out::new();
    match stored {
        Some(v) => out.line(&v.text)?,
        None => {
            let declared = t
                .kv()?
                .schema
                .as_ref()
                .and_then(|s| s.get(key))
                .map(|e| json_text(&e.default));
            match declared {
                Some(default) => {
                    eprintln!(
                        "note: `{key}` is not stored in {}; printing its schema default",
                        t.label()
                    );
                    out.line(&default)?;
                }
                None => {
                    return Err(Failure::op(format!(
                        "key `{key}` not found in {}",
                        t.label()
                    )));
                }
            }
        }
    }
    out.flush()
}

/// Parses the JSON argument of `kv set`; a parse error is bad usage with the position.
pub fn parse_value(text: &str) -> Result<crate::store::Json, Failure> {
    serde_json::from_str::<serde_json::Value>(text)
        .map(from_serde)
        .map_err(|e| {
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            Failure::usage(format!(
                "invalid JSON value at line {} column {}: {msg} (strings need quotes: '\"text\"')",
                e.line(),
                e.column()
            ))
        })
}

async fn set(
    ctx: &Ctx,
    addr: &str,
    key: &str,
    json: &str,
    yes: bool,
    opt: &ProfileOpt,
) -> Result<(), Failure> {
    let value = parse_value(json)?;
    let t = kv_target(ctx, addr, opt)?;
    let cfg = t.kv()?;
    t.check_write(cfg.mode.kv_allows_write(), cfg.mode.as_str(), yes)?;
    let mount = open_kv_mount(&t).await?;
    mount
        .set(key, value)
        .await
        .map_err(|e| Failure::op(format!("cannot set `{key}` in {}: {e}", t.label())))?;
    let what = format!("cannot save {}", t.label());
    within(call_limit(&t), &what, mount.store().flush()).await
}

async fn del(ctx: &Ctx, addr: &str, key: &str, yes: bool, opt: &ProfileOpt) -> Result<(), Failure> {
    let t = kv_target(ctx, addr, opt)?;
    let cfg = t.kv()?;
    t.check_write(cfg.mode.kv_allows_write(), cfg.mode.as_str(), yes)?;
    let mount = open_kv_mount(&t).await?;
    let existed = mount
        .delete(key)
        .await
        .map_err(|e| Failure::op(format!("cannot delete `{key}` from {}: {e}", t.label())))?;
    let what = format!("cannot save {}", t.label());
    within(call_limit(&t), &what, mount.store().flush()).await?;
    if !existed {
        return Err(Failure::op(format!(
            "key `{key}` not found in {}",
            t.label()
        )));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn json_argument_errors_give_the_position() {
        let Err(Failure::Usage(m)) = parse_value("{\"a\": tru}") else {
            panic!()
        };
        assert!(m.contains("line 1 column"), "{m}");
        assert!(matches!(parse_value("hello"), Err(Failure::Usage(_))));
        assert_eq!(
            parse_value("-5").ok(),
            Some(crate::store::Json::Number(-5.0))
        );
    }
}
