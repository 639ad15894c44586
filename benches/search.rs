//! Finding keys in big mounts (issue 12): pattern searches pushed down to the backends.
//!
//! - Redis, `SEARCH_BENCH_KEYS` keys (default 1 000 000): a whole-mount `scan_match` for an
//!   exact key pattern and for a pattern of 10 matches, against `redis-cli --scan --pattern P
//!   --count 1000` on the same server, in turns, medians of `SEARCH_BENCH_ROUNDS` (default 3).
//! - SQLite, the same number of rows: the first page of a prefix search (`user:05*`, the
//!   index range of the literal prefix), median of 21 runs; and the whole search.
//!
//! `cargo bench --bench search` (quick: `SEARCH_BENCH_KEYS=100000`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../tests/support/redis.rs"]
mod redis_support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use rillmount::config::{KvBackendConfig, KvMountConfig, Mode, SqliteKvConfig};
use rillmount::store::key_pattern::KeyPattern;
use rillmount::store::{Expiry, KvStore};

const PREFIX: &str = "bench:";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn key(i: usize) -> String {
    format!("user:{i:07}")
}

fn value(i: usize) -> String {
    format!(r#"{{"id":{i},"plan":"free"}}"#)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Every match of `pattern` by `scan_match` pages of `count`; returns (matches, seconds).
async fn search_all(s: &dyn KvStore, pattern: &KeyPattern, count: usize) -> (usize, f64) {
    let t = Instant::now();
    let mut n = 0;
    let mut cursor: Option<String> = None;
    loop {
        let page = s
            .scan_match(pattern, cursor.as_deref(), count)
            .await
            .unwrap();
        n += page.keys.len();
        match page.next {
            Some(c) => cursor = Some(c),
            None => return (n, t.elapsed().as_secs_f64()),
        }
    }
}

/// What `redis-cli --scan --pattern P --count 1000` does (this machine's redis-cli 7.0 has no
/// `--count`): SCAN with MATCH and COUNT 1000 over one plain connection, replies read with a
/// minimal RESP reader, until the cursor is 0. Returns (keys, seconds).
fn raw_scan(port: u16, pattern: &str) -> (usize, f64) {
    use std::io::{BufRead, BufReader, Read};
    let t = Instant::now();
    let stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut w = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    let mut read_line = |r: &mut BufReader<std::net::TcpStream>| {
        line.clear();
        r.read_line(&mut line).unwrap();
        line.trim_end().to_string()
    };
    let bulk = |r: &mut BufReader<std::net::TcpStream>, head: &str| {
        let n: usize = head[1..].parse().unwrap();
        let mut buf = vec![0u8; n + 2];
        r.read_exact(&mut buf).unwrap();
        buf.truncate(n);
        buf
    };
    let (mut cursor, mut n) = ("0".to_string(), 0);
    loop {
        let command = format!(
            "*6\r\n$4\r\nSCAN\r\n${}\r\n{cursor}\r\n$5\r\nMATCH\r\n${}\r\n{pattern}\r\n\
             $5\r\nCOUNT\r\n$4\r\n1000\r\n",
            cursor.len(),
            pattern.len()
        );
        w.write_all(command.as_bytes()).unwrap();
        assert_eq!(read_line(&mut r), "*2");
        let head = read_line(&mut r);
        cursor = String::from_utf8(bulk(&mut r, &head)).unwrap();
        let count: usize = read_line(&mut r)[1..].parse().unwrap();
        for _ in 0..count {
            let head = read_line(&mut r);
            bulk(&mut r, &head);
        }
        n += count;
        if cursor == "0" {
            return (n, t.elapsed().as_secs_f64());
        }
    }
}

/// `redis-cli --scan --pattern P` (its default COUNT): (keys printed, seconds).
fn redis_cli_scan(port: u16, pattern: &str) -> (usize, f64) {
    let t = Instant::now();
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "--scan", "--pattern", pattern])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    (String::from_utf8_lossy(&out.stdout).lines().count(), secs)
}

fn main() {
    let n = env_usize("SEARCH_BENCH_KEYS", 1_000_000);
    let rounds = env_usize("SEARCH_BENCH_ROUNDS", 3).max(1);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = redis_support::RedisServer::start();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        // load through redis-cli --pipe (fast), then search
        let resp = dir.path().join("load.resp");
        {
            let mut f = std::io::BufWriter::new(std::fs::File::create(&resp).unwrap());
            for i in 0..n {
                let (k, v) = (format!("{PREFIX}{}", key(i)), value(i));
                write!(
                    f,
                    "*3\r\n$3\r\nSET\r\n${}\r\n{k}\r\n${}\r\n{v}\r\n",
                    k.len(),
                    v.len()
                )
                .unwrap();
            }
        }
        let loaded = Command::new("redis-cli")
            .args(["-p", &server.port().to_string(), "--pipe"])
            .stdin(std::fs::File::open(&resp).unwrap())
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&loaded.stdout).contains("errors: 0"));
        let store = redis_support::redis_store(&server, PREFIX, None).await;
        println!("| search | keys | rillmount | baseline | ratio |");
        println!("|---|---|---|---|---|");
        let exact = key(n / 2);
        let ten = format!("{}*", &key(n / 2)[..key(n / 2).len() - 1]);
        for (label, pattern) in [("exact key", exact), ("10 matches", ten)] {
            let p = KeyPattern::parse(&pattern).unwrap();
            let (mut ours, mut theirs, mut cli) = (Vec::new(), Vec::new(), Vec::new());
            let full = format!("{PREFIX}{pattern}");
            for _ in 0..rounds {
                let (found, secs) = search_all(&store, &p, 1000).await;
                assert!(found >= 1, "{pattern}: {found}");
                ours.push(secs);
                let (found_raw, secs) = raw_scan(server.port(), &full);
                assert_eq!(found_raw, found, "{pattern}");
                theirs.push(secs);
                let (found_cli, secs) = redis_cli_scan(server.port(), &full);
                assert_eq!(found_cli, found, "{pattern}");
                cli.push(secs);
            }
            let each = |xs: &[f64]| {
                xs.iter()
                    .map(|x| format!("{x:.2}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let spread = format!(
                "ours {} s; SCAN COUNT 1000 {} s; redis-cli --scan {} s",
                each(&ours),
                each(&theirs),
                each(&cli)
            );
            let (o, t, c) = (median(ours), median(theirs), median(cli));
            println!(
                "| Redis, {label} (`{pattern}`, median of {rounds}) | {n} | {o:.3} s | \
                 SCAN MATCH COUNT 1000 loop {t:.3} s | {:.2}× |",
                o / t
            );
            println!(
                "| Redis, {label}, against redis-cli --scan --pattern (COUNT 10) | {n} | {o:.3} s | \
                 {c:.3} s | {:.2}× |",
                o / c
            );
            println!("(rounds: {spread})");
        }

        // SQLite: the same rows in one table
        let cfg = KvMountConfig {
            name: "sq".into(),
            mode: Mode::new("read-write"),
            schema: None,
            max_entries: u64::MAX,
            max_value_size: u64::MAX,
            backend: KvBackendConfig::Sqlite(SqliteKvConfig {
                database: dir.path().join("kv.db"),
                table: "kv".into(),
            }),
        };
        let mount = rillmount::store::open::open_kv(&cfg).await.unwrap();
        let sq = mount.store();
        for start in (0..n).step_by(50_000) {
            let items: Vec<(String, String)> = (start..(start + 50_000).min(n))
                .map(|i| (key(i), value(i)))
                .collect();
            sq.put_many(&items, Expiry::Never).await.unwrap();
        }
        let p = KeyPattern::parse("user:05*").unwrap();
        let mut firsts = Vec::new();
        for _ in 0..21 {
            let t = Instant::now();
            let page = sq.scan_match(&p, None, 200).await.unwrap();
            firsts.push(t.elapsed().as_secs_f64());
            assert_eq!(page.keys.len(), 200.min(n.saturating_sub(500_000)));
        }
        println!(
            "| SQLite, first page of `user:05*` (200 keys, median of 21) | {n} | {:.2} ms | goal < 50 ms | – |",
            median(firsts) * 1e3
        );
        let (found, secs) = search_all(sq.as_ref(), &p, 1000).await;
        println!("| SQLite, all of `user:05*` ({found} keys) | {n} | {secs:.3} s | – | – |");
        let sparse = KeyPattern::parse("*77777*").unwrap();
        let (found, secs) = search_all(sq.as_ref(), &sparse, 1000).await;
        println!("| SQLite, `*77777*` ({found} keys, the whole index) | {n} | {secs:.3} s | – | – |");
    });
}
