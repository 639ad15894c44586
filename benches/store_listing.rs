//! Listing large mounts. Redis: our `scan` (keys only) and a dump (`scan` + `get_many`) against
//! `redis-cli --scan --pattern 'prefix*' | wc -l` on the same server as the baseline.
//!
//! `cargo bench --bench store_listing`; `RILLMOUNT_BENCH_KEYS=10000` for a quick run (default
//! 1,000,000). Loads the keys with `put_many` into a redis-server it starts itself, prints
//! items/s per phase and the peak RSS of this process per phase (VmHWM, reset between phases
//! through /proc/self/clear_refs).
//!
//! Measured 2026-11-25 (1M keys, ~50 B values, shared 2-core machine, redis 7.0.15): load
//! 296k/s (redis-cli --pipe 287k/s, ratio 1.03); scan 523k/s (redis-cli --scan 251k/s, 2.09);
//! dump 174k/s (0.70 of redis-cli's key-only scan); peak RSS 17 MiB. SQLite, 100k rows: store dump
//! 920k rows/s (0.46 of one raw rusqlite SELECT); `rillmount kv keys` 0.035 s, `kv dump` 0.144 s
//! as whole release processes; peak RSS 27 MiB.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../tests/support/redis.rs"]
mod redis_support;

use std::process::Command;
use std::time::{Duration, Instant};

use rillmount::store::{Expiry, KvStore};

const PREFIX: &str = "bench:";
const LOAD_CHUNK: usize = 50_000;
const PAGE: usize = 1_000;

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0), so each phase reports its own peak.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn report(phase: &str, n: u64, took: Duration) -> f64 {
    let rate = n as f64 / took.as_secs_f64();
    println!(
        "{phase:<28} {n:>9} items  {:>8.3} s  {:>11.0} items/s  peak RSS {:>7} KiB",
        took.as_secs_f64(),
        rate,
        peak_rss_kib()
    );
    rate
}

/// The `j`-th key and its compact JSON value.
fn item(j: usize) -> (String, String) {
    (
        format!("user:{j:07}"),
        format!("{{\"id\":{j},\"name\":\"user {j}\",\"tags\":[\"a\",\"b\"]}}"),
    )
}

fn main() {
    let n: usize = std::env::var("RILLMOUNT_BENCH_KEYS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let server = redis_support::RedisServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = redis_support::redis_store(&server, PREFIX, None).await;

        // Load baseline: the same SETs as raw protocol through `redis-cli --pipe` (the file is
        // written before the clock starts), then the database is emptied again.
        let dir = tempfile::tempdir().unwrap();
        let resp = dir.path().join("load.resp");
        {
            use std::io::Write;
            let mut f = std::io::BufWriter::new(std::fs::File::create(&resp).unwrap());
            for j in 0..n {
                let (k, v) = item(j);
                let k = format!("{PREFIX}{k}");
                write!(f, "*3\r\n$3\r\nSET\r\n${}\r\n{k}\r\n${}\r\n{v}\r\n", k.len(), v.len())
                    .unwrap();
            }
        }
        let t = Instant::now();
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("redis-cli -p {} --pipe < '{}'", server.port(), resp.display()))
            .output()
            .expect("run redis-cli --pipe");
        assert!(out.status.success(), "redis-cli --pipe: {out:?}");
        let pipe_rate = report("redis-cli --pipe (load)", n as u64, t.elapsed());
        server.cli(&["FLUSHALL"]);

        reset_peak_rss();
        let t = Instant::now();
        let mut i = 0;
        while i < n {
            let end = (i + LOAD_CHUNK).min(n);
            let items: Vec<(String, String)> = (i..end).map(item).collect();
            store.put_many(&items, Expiry::MountDefault).await.unwrap();
            i = end;
        }
        let load_rate = report("load (put_many)", n as u64, t.elapsed());
        let dbsize = String::from_utf8(server.cli(&["DBSIZE"])).unwrap();
        assert_eq!(dbsize.trim(), n.to_string(), "every key loaded");

        // Baseline: redis-cli's own SCAN loop (COUNT 10 by default; see --count below too).
        let pattern = format!("{PREFIX}*");
        let baseline = |extra: &str| {
            let t = Instant::now();
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "redis-cli -p {} --scan --pattern '{pattern}' {extra} | wc -l",
                    server.port()
                ))
                .output()
                .expect("run redis-cli");
            let took = t.elapsed();
            let count: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0);
            (count, took)
        };
        reset_peak_rss();
        let (count, took) = baseline("");
        let base_rate = report("redis-cli --scan | wc -l", count, took);

        // Our scan, keys only.
        reset_peak_rss();
        let t = Instant::now();
        let mut listed = 0u64;
        let mut cursor: Option<String> = None;
        loop {
            let page = store.scan(cursor.as_deref(), PAGE).await.unwrap();
            listed += page.keys.len() as u64;
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let scan_rate = report(&format!("scan (COUNT {PAGE})"), listed, t.elapsed());

        // Dump: every page's values too.
        reset_peak_rss();
        let t = Instant::now();
        let mut dumped = 0u64;
        let mut bytes = 0u64;
        let mut cursor: Option<String> = None;
        loop {
            let page = store.scan(cursor.as_deref(), PAGE).await.unwrap();
            let values = store.get_many(&page.keys).await.unwrap();
            for v in values.into_iter().flatten() {
                dumped += 1;
                bytes += v.text.len() as u64;
            }
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let dump_rate = report("dump (scan + get_many)", dumped, t.elapsed());
        println!("dumped {bytes} bytes of values");
        println!(
            "ratios: load/redis-cli --pipe {:.2}; scan/redis-cli --scan {:.2}; dump/redis-cli --scan {:.2}",
            load_rate / pipe_rate,
            scan_rate / base_rate,
            dump_rate / base_rate
        );
        assert!(listed >= n as u64, "scan lost keys: {listed} < {n}");
        assert!(dumped >= n as u64, "dump lost keys: {dumped} < {n}");
    });
    sqlite_phase();
}

/// SQLite: `kv keys` / `kv dump` of `RILLMOUNT_BENCH_SQLITE_ROWS` rows (default 100,000), through
/// the store and through the real CLI, against rusqlite reading the same table directly.
fn sqlite_phase() {
    use rillmount::config::{KvBackendConfig, KvMountConfig, Mode, SqliteKvConfig};
    let n: usize = std::env::var("RILLMOUNT_BENCH_SQLITE_ROWS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cache.db");
    let sq = SqliteKvConfig {
        database: db.clone(),
        table: "cache_entries".into(),
    };
    let cfg = KvMountConfig {
        name: "cache".into(),
        mode: Mode::new("read-write"),
        schema: None,
        max_entries: u64::MAX,
        max_value_size: u64::MAX,
        backend: KvBackendConfig::Sqlite(sq.clone()),
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = rillmount::store::sqlite::SqliteStore::open(&cfg, &sq).unwrap();
        let t = Instant::now();
        for chunk in (0..n).collect::<Vec<_>>().chunks(LOAD_CHUNK) {
            let items: Vec<(String, String)> = chunk.iter().map(|&j| item(j)).collect();
            store.put_many(&items, Expiry::MountDefault).await.unwrap();
        }
        report("sqlite load (put_many)", n as u64, t.elapsed());

        // Baseline: the same rows read straight through rusqlite.
        let t = Instant::now();
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT key, value FROM cache_entries")
            .unwrap();
        let mut rows = stmt.query([]).unwrap();
        let mut raw = 0u64;
        while let Some(r) = rows.next().unwrap() {
            let k: String = r.get(0).unwrap();
            let v: String = r.get(1).unwrap();
            raw += (k.len() + v.len() > 0) as u64;
        }
        let raw_rate = report("sqlite raw SELECT (rusqlite)", raw, t.elapsed());

        reset_peak_rss();
        let t = Instant::now();
        let (mut dumped, mut cursor) = (0u64, None::<String>);
        loop {
            let page = store.scan(cursor.as_deref(), PAGE).await.unwrap();
            dumped += store
                .get_many(&page.keys)
                .await
                .unwrap()
                .into_iter()
                .flatten()
                .count() as u64;
            cursor = page.next;
            if cursor.is_none() {
                break;
            }
        }
        let dump_rate = report("sqlite dump (scan + get_many)", dumped, t.elapsed());
        println!(
            "ratio: sqlite dump / raw SELECT {:.2}",
            dump_rate / raw_rate
        );
        assert_eq!(dumped, n as u64);
    });

    // The real command line on a profile over the same database.
    let bin = ["target/release/rillmount", "target/debug/rillmount"]
        .into_iter()
        .find(|b| std::path::Path::new(b).exists());
    let Some(bin) = bin else {
        println!("(no rillmount binary built: skipping the CLI phase)");
        return;
    };
    let profile = dir.path().join("bench.toml");
    std::fs::write(
        &profile,
        "[kv.cache]\nbackend = \"sqlite\"\ndatabase = \"cache.db\"\ntable = \"cache_entries\"\n",
    )
    .unwrap();
    for cmd in ["keys", "dump"] {
        let t = Instant::now();
        let out = Command::new(bin)
            .args(["kv", cmd, "-p", profile.to_str().unwrap(), "cache"])
            .output()
            .expect("run rillmount");
        let took = t.elapsed();
        assert!(out.status.success(), "{out:?}");
        let lines = out.stdout.iter().filter(|&&b| b == b'\n').count() as u64;
        let rate = n as f64 / took.as_secs_f64();
        println!(
            "{bin} kv {cmd}: {n} rows in {:.3} s ({rate:.0} rows/s, {lines} output lines)",
            took.as_secs_f64()
        );
    }
}
