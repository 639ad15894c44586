//! `rillmount kv grep ADDR PATTERN [--path JSONPATH] [--match GLOB] [--json]`: the keys whose
//! values match ([`ValueQuery`]), streamed through the mount page by page (`scan_values`:
//! SQLite reads keys and values in one statement; with `--match`, only the matching keys are
//! read). Keys print as they are found; a summary (values read, rate) goes to stderr.

use std::time::Instant;

use super::kv::{KvListArgs, call_limit, kv_target, parse_pattern};
use super::{Ctx, open_kv_mount, within};
use crate::cli::args::ProfileOpt;
use crate::cli::output::{Failure, Out, json_string};
use crate::store::value_query::ValueQuery;
use crate::store::with_values;

/// Values read per page.
const PAGE: usize = 1000;

pub(super) async fn grep(
    ctx: &Ctx,
    addr: &str,
    opt: &ProfileOpt,
    text: &str,
    path: Option<&str>,
    list: KvListArgs<'_>,
) -> Result<(), Failure> {
    let query = ValueQuery::parse(text, path).map_err(Failure::usage)?;
    let keys_pattern = parse_pattern(list.pattern)?;
    let t = kv_target(ctx, addr, opt)?;
    let mount = open_kv_mount(&t).await?;
    let store = mount.store();
    let limit = call_limit(&t);
    let what = format!("cannot read values of {}", t.label());
    let mut out = Out::new();
    if list.json {
        out.raw(b"[")?;
    }
    let started = Instant::now();
    let (mut read, mut found) = (0u64, 0u64);
    let mut seen = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let (entries, next) = match &keys_pattern {
            None => {
                let page = within(limit, &what, store.scan_values(cursor.as_deref(), PAGE)).await?;
                (page.entries, page.next)
            }
            Some(p) => {
                let page =
                    within(limit, &what, store.scan_match(p, cursor.as_deref(), PAGE)).await?;
                let values = within(limit, &what, store.get_many(&page.keys)).await?;
                (with_values(page.keys, values), page.next)
            }
        };
        for (key, value) in entries {
            read += 1;
            // a Redis SCAN may give a key twice: one line
            if query.matches(&value.text) && seen.insert(key.clone()) {
                if list.json {
                    out.raw(if found == 0 { b"\n  " } else { b",\n  " })?;
                    out.raw(json_string(&key).as_bytes())?;
                } else {
                    out.line(&key)?;
                }
                found += 1;
            }
        }
        out.flush()?;
        match next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    if list.json {
        out.raw(if found == 0 { b"]\n" } else { b"\n]\n" })?;
    }
    out.flush()?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{found} of {read} values match ({query}) in {secs:.1}s, {:.0} values/s",
        read as f64 / secs.max(1e-9)
    );
    Ok(())
}
