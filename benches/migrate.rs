//! Migration throughput, measured side by side with the practical limits in one run:
//!
//! - SQLite → Redis, `MIG_BENCH_KEYS_BIG` keys (default 1 000 000), against `redis-cli --pipe`
//!   loading the same keys and values, in turns into the same emptied database; then where the
//!   time goes (the preflight, the writes alone);
//! - JSON file → Redis and Redis → SQLite, `MIG_BENCH_KEYS` keys (default 100 000; limits
//!   raised), against `redis-cli --pipe` and SQLite's own bulk insert of the same rows;
//! - local → S3 (in-process s3s-fs): `MIG_BENCH_SMALL_FILES` files of `MIG_BENCH_SMALL_KIB` KiB
//!   (default 2 000 × 16) and `MIG_BENCH_BIG_FILES` files of `MIG_BENCH_BIG_MIB` MiB (default
//!   10 × 64), against `rclone copy` to the same server, in turns after a warm-up round of
//!   both (skipped with a note when rclone is missing: `apt-get install -y rclone`);
//! - the steps compared with another tool take the medians of `MIG_BENCH_ROUNDS` rounds
//!   (default 3) and print each round's figures; the CPU column is this process's (for S3 it
//!   includes the in-process server's);
//! - the process's peak RSS (`VmHWM`, reset before each copy) during each copy, to show it does
//!   not grow with the number of keys (the in-process s3s-fs server is included in the S3
//!   rows; a JSON-file source is held in memory whole, as rill holds it).
//!
//! Every copy keeps its journal, as the CLI does by default. Run:
//! `cargo bench --bench migrate` (quick: `MIG_BENCH_KEYS_BIG=100000 MIG_BENCH_BIG_FILES=2`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/redis.rs"]
#[allow(dead_code)]
mod redissupport;
#[path = "../tests/support/s3.rs"]
#[allow(dead_code)]
mod s3support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use rillmount::config::{
    Encoding, FsBackendConfig, JsonKvConfig, KvBackendConfig, KvMountConfig, LocalFsConfig, Mode,
    SqliteKvConfig, WritePolicy,
};
use rillmount::migrate::copy::{CopyOptions, copy};
use rillmount::migrate::{Endpoint, FsMount};
use rillmount::store::kv_mount::KvMount;
use rillmount::store::local_dir::LocalDirStore;
use rillmount::store::open::open_kv;
use rillmount::store::{Expiry, FsMountStore};
use s3support::{ACCESS_KEY, REGION, S3TestServer, S3sServer, SECRET_KEY};
use tokio_util::sync::CancellationToken;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident set size of this process in MiB.
fn vm_hwm_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

/// CPU seconds (user + system) this process has used so far, from `/proc/self/stat`.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; in ticks
    // of 1/100 s.
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

/// Runs the section `name` unless `MIG_BENCH_ONLY` (a comma-separated list of `sqlite`,
/// `json`, `s3`) leaves it out.
fn section(name: &str) -> bool {
    std::env::var("MIG_BENCH_ONLY").map_or(true, |only| only.split(',').any(|s| s == name))
}

fn value(i: usize) -> String {
    format!(
        r#"{{"id":{i},"name":"user {i}","tags":["a","b"],"score":{}.5}}"#,
        i % 977
    )
}

fn key(i: usize) -> String {
    format!("user:{i:07}")
}

fn kv_config(name: &str, backend: KvBackendConfig) -> KvMountConfig {
    KvMountConfig {
        name: name.into(),
        mode: Mode::new("read-write"),
        schema: None,
        max_entries: u64::MAX,
        max_value_size: u64::MAX,
        backend,
    }
}

async fn open(cfg: &KvMountConfig) -> KvMount {
    open_kv(cfg).await.unwrap()
}

fn redis(url: &str, prefix: &str) -> KvMountConfig {
    kv_config(
        "redis",
        KvBackendConfig::Redis(rillmount::config::RedisKvConfig {
            tls_ca_file: None,
            url: rillmount::config::Secret::new(url),
            prefix: prefix.into(),
            ttl: None,
            connect_timeout: rillmount::config::DEFAULT_CONNECT_TIMEOUT,
        }),
    )
}

fn sqlite(path: &Path, table: &str) -> KvMountConfig {
    kv_config(
        "sqlite",
        KvBackendConfig::Sqlite(SqliteKvConfig {
            database: path.to_path_buf(),
            table: table.into(),
        }),
    )
}

/// Resets the peak RSS to the current RSS (Linux `clear_refs` 5), so that each step's peak
/// is its own.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Runs one copy with a journal; returns seconds.
async fn timed_copy(src: Endpoint, dst: Endpoint, journal: &Path) -> f64 {
    let opts = CopyOptions {
        journal_dir: Some(journal.to_path_buf()),
        concurrency: env_usize("MIG_BENCH_CONCURRENCY", CopyOptions::default().concurrency),
        ..CopyOptions::default()
    };
    timed_copy_with(src, dst, opts).await
}

/// Runs one copy with `opts`; returns seconds.
async fn timed_copy_with(src: Endpoint, dst: Endpoint, opts: CopyOptions) -> f64 {
    reset_peak();
    let (t, cpu) = (Instant::now(), cpu_secs());
    let r = copy(&src, &dst, &opts, None, CancellationToken::new())
        .await
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    LAST_CPU.with(|c| c.set(cpu_secs() - cpu));
    assert!(r.rejected.is_empty(), "rejected: {:?}", &r.rejected[..1]);
    assert!(r.copied > 0);
    secs
}

thread_local! {
    /// CPU seconds of the last [`timed_copy_with`], for its [`row`].
    static LAST_CPU: std::cell::Cell<f64> = const { std::cell::Cell::new(f64::NAN) };
}

fn row(what: &str, items: usize, bytes: Option<u64>, secs: f64, versus: Option<(&str, f64)>) {
    let rate = match bytes {
        Some(b) => format!("{:.1} MiB/s", b as f64 / secs / 1048576.0),
        None => format!("{:.0} keys/s", items as f64 / secs),
    };
    let mut line = format!("| {what} | {items} | {secs:.2} s | {rate} |");
    match versus {
        Some((name, theirs)) => {
            line.push_str(&format!(" {name} {theirs:.2} s | {:.2}× |", secs / theirs))
        }
        None => line.push_str(" – | – |"),
    }
    let cpu = LAST_CPU.with(|c| c.replace(f64::NAN));
    line.push_str(&format!(" {:.0} MiB | {cpu:.2} s |", vm_hwm_mib()));
    println!("{line}");
}

/// Writes the RESP commands that load the benchmark's `n` keys and values under `prefix`
/// (what `redis-cli --pipe` reads), into `path`: one `SET` per key, or with `mset` > 1 the
/// `MSET`s of `mset` keys that rillmount itself sends for plain writes.
fn write_pipe_file(path: &Path, prefix: &str, n: usize, mset: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut i = 0;
    while i < n {
        let group = if mset > 1 { mset.min(n - i) } else { 1 };
        if mset > 1 {
            write!(f, "*{}\r\n$4\r\nMSET\r\n", 1 + 2 * group).unwrap();
        }
        for j in i..i + group {
            let (k, v) = (format!("{prefix}{}", key(j)), value(j));
            if mset <= 1 {
                write!(f, "*3\r\n$3\r\nSET\r\n").unwrap();
            }
            write!(f, "${}\r\n{k}\r\n${}\r\n{v}\r\n", k.len(), v.len()).unwrap();
        }
        i += group;
    }
}

/// `redis-cli --pipe` into database `db` with the commands of `path`; returns seconds.
fn redis_cli_pipe(port: u16, db: u16, path: &Path) -> f64 {
    let t = Instant::now();
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "-n", &db.to_string(), "--pipe"])
        .stdin(std::fs::File::open(path).unwrap())
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("errors: 0"), "redis-cli --pipe: {text}");
    secs
}

/// The benchmark's `n` rows inserted into rill's table `kv` of a new database at `path`, in
/// one transaction with one prepared statement (what SQLite itself can take); returns seconds.
fn sqlite_bulk_insert(path: &Path, n: usize) -> f64 {
    let rows: Vec<(String, String)> = (0..n).map(|i| (key(i), value(i))).collect();
    let t = Instant::now();
    let mut c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch("PRAGMA journal_mode = WAL").unwrap();
    c.execute_batch(&rillmount::store::sqlite::create_table_sql("kv"))
        .unwrap();
    let tx = c.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO kv (key, value) VALUES (?1, ?2)")
            .unwrap();
        for (k, v) in &rows {
            insert.execute([k, v]).unwrap();
        }
    }
    tx.commit().unwrap();
    t.elapsed().as_secs_f64()
}

/// Empties database `db` of the benchmark's own server.
fn flush_db(port: u16, db: u16) {
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string(), "-n", &db.to_string(), "FLUSHDB"])
        .output()
        .unwrap();
    assert!(out.status.success(), "FLUSHDB: {out:?}");
}

/// A step run in turns with a baseline, round by round; reported as the medians.
#[derive(Default)]
struct Rounds {
    ours: Vec<f64>,
    cpu: Vec<f64>,
    theirs: Vec<f64>,
}

impl Rounds {
    /// Keeps one round of ours: its seconds, and the CPU of the last [`timed_copy_with`].
    fn ours(&mut self, secs: f64) {
        self.ours.push(secs);
        self.cpu.push(LAST_CPU.with(|c| c.get()));
    }

    /// The row of the medians against `baseline` (none when it never ran), then each
    /// round's figures.
    fn row(self, what: &str, items: usize, bytes: Option<u64>, baseline: &str) {
        let spread = format!(
            "ours {}; {baseline} {}",
            secs_list(&self.ours),
            secs_list(&self.theirs)
        );
        let label = format!("{what} (median of {})", self.ours.len());
        let versus = (!self.theirs.is_empty()).then(|| (baseline, median(self.theirs)));
        LAST_CPU.with(|c| c.set(median(self.cpu)));
        row(&label, items, bytes, median(self.ours), versus);
        println!("(rounds: {spread})");
    }
}

/// "1.02 1.46 1.97 s".
fn secs_list(xs: &[f64]) -> String {
    let each: Vec<String> = xs.iter().map(|x| format!("{x:.2}")).collect();
    format!("{} s", each.join(" "))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn local_mount(dir: &Path) -> FsMount {
    let l = LocalFsConfig {
        path: dir.to_path_buf(),
        encoding: Encoding::Utf8,
    };
    let mut config = s3support::s3_mount_config("http://unused", "x", "x/", "read-write");
    config.name = "local".into();
    config.backend = FsBackendConfig::Local(l.clone());
    let store: Arc<dyn FsMountStore> = Arc::new(LocalDirStore::open(&config, &l).unwrap());
    FsMount { config, store }
}

fn write_files(dir: &Path, n: usize, size: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let content: Vec<u8> = (0..size)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        std::fs::write(dir.join(format!("f{i:05}.bin")), content).unwrap();
    }
}

/// `rclone copy DIR x:BUCKET/PREFIX` against `endpoint`; `None` when rclone is missing.
fn rclone_copy(endpoint: &str, dir: &Path, dest: &str) -> Option<f64> {
    let t = Instant::now();
    let status = Command::new("rclone")
        .args(["copy", "-q", dir.to_str().unwrap(), &format!("x:{dest}")])
        .env("RCLONE_CONFIG_X_TYPE", "s3")
        .env("RCLONE_CONFIG_X_PROVIDER", "Other")
        .env("RCLONE_CONFIG_X_ACCESS_KEY_ID", ACCESS_KEY)
        .env("RCLONE_CONFIG_X_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("RCLONE_CONFIG_X_ENDPOINT", endpoint)
        .env("RCLONE_CONFIG_X_REGION", REGION)
        .env("RCLONE_CONFIG_X_FORCE_PATH_STYLE", "true")
        // rclone's S3 client cannot take a custom CA bundle over plain HTTP; none is needed.
        .env_remove("AWS_CA_BUNDLE")
        .stdout(Stdio::null())
        .status()
        .ok()?;
    assert!(status.success(), "rclone copy failed");
    Some(t.elapsed().as_secs_f64())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let keys_big = env_usize("MIG_BENCH_KEYS_BIG", 1_000_000);
    let keys = env_usize("MIG_BENCH_KEYS", 100_000);
    let (small_n, small_kib) = (
        env_usize("MIG_BENCH_SMALL_FILES", 2_000),
        env_usize("MIG_BENCH_SMALL_KIB", 16),
    );
    let (big_n, big_mib) = (
        env_usize("MIG_BENCH_BIG_FILES", 10),
        env_usize("MIG_BENCH_BIG_MIB", 64),
    );
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("journal");
    // steps compared with another tool run in turns with it, `MIG_BENCH_ROUNDS` times
    let rounds = env_usize("MIG_BENCH_ROUNDS", 3).max(1);
    let server = redissupport::RedisServer::start();
    let url = server.url();
    println!("| step | items | rillmount | rate | practical limit | ratio | peak RSS | CPU |");
    println!("|---|---|---|---|---|---|---|---|");

    if section("sqlite") {
        // SQLite → Redis against redis-cli --pipe.
        let src = open(&sqlite(&tmp.path().join("big.db"), "kv")).await;
        for start in (0..keys_big).step_by(20_000) {
            let items: Vec<(String, String)> = (start..(start + 20_000).min(keys_big))
                .map(|i| (key(i), value(i)))
                .collect();
            src.store()
                .put_many(&items, Expiry::MountDefault)
                .await
                .unwrap();
        }
        // A tenth of the keys first (another table), to compare peak RSS with the full run.
        let tenth = keys_big / 10;
        let small = open(&sqlite(&tmp.path().join("tenth.db"), "kv")).await;
        for start in (0..tenth).step_by(20_000) {
            let items: Vec<(String, String)> = (start..(start + 20_000).min(tenth))
                .map(|i| (key(i), value(i)))
                .collect();
            small
                .store()
                .put_many(&items, Expiry::MountDefault)
                .await
                .unwrap();
        }
        let d1 = open(&redis(&url, "t:")).await;
        let secs = timed_copy(Endpoint::Kv(small), Endpoint::Kv(d1), &journal).await;
        row("SQLite → Redis (a tenth)", tenth, None, secs, None);
        // Ours and redis-cli's in turns, each into the same emptied database, the same
        // prefix: the medians of `MIG_BENCH_ROUNDS` (default 3) rounds.
        // Two baselines: one SET per key (the issue's), and the MSETs of 500 keys rillmount
        // sends (how close the copy comes to the wire with the same commands).
        let pipe_file = tmp.path().join("pipe.resp");
        write_pipe_file(&pipe_file, "s:", keys_big, 1);
        let mset_file = tmp.path().join("pipe-mset.resp");
        write_pipe_file(&mset_file, "s:", keys_big, 500);
        let (mut r, mut r_mset) = (Rounds::default(), Rounds::default());
        for _ in 0..rounds {
            flush_db(server.port(), 4);
            let dst = open(&redis(&format!("{url}4"), "s:")).await;
            r.ours(timed_copy(Endpoint::Kv(src.clone()), Endpoint::Kv(dst), &journal).await);
            flush_db(server.port(), 4);
            r.theirs.push(redis_cli_pipe(server.port(), 4, &pipe_file));
            flush_db(server.port(), 4);
            r_mset
                .theirs
                .push(redis_cli_pipe(server.port(), 4, &mset_file));
        }
        flush_db(server.port(), 4);
        std::fs::remove_file(&pipe_file).unwrap();
        std::fs::remove_file(&mset_file).unwrap();
        (r_mset.ours, r_mset.cpu) = (r.ours.clone(), r.cpu.clone());
        r.row("SQLite → Redis", keys_big, None, "redis-cli --pipe");
        r_mset.row(
            "SQLite → Redis",
            keys_big,
            None,
            "redis-cli --pipe, MSET ×500",
        );
        // Where the time goes: the preflight alone (a dry run), and the writes alone (`--partial`
        // skips the preflight), each into an empty database of the same server (counting a
        // prefix's keys SCANs the whole database).
        let dst = open(&redis(&format!("{url}2"), "d:")).await;
        let dry = CopyOptions {
            dry_run: true,
            ..CopyOptions::default()
        };
        let secs = timed_copy_with(Endpoint::Kv(src.clone()), Endpoint::Kv(dst.clone()), dry).await;
        row("  a dry run (item by item)", keys_big, None, secs, None);
        let (t, cpu) = (Instant::now(), cpu_secs());
        let pre = rillmount::migrate::preflight::preflight(
            &Endpoint::Kv(src.clone()),
            &Endpoint::Kv(dst.clone()),
            &CopyOptions::default(),
            None,
            CancellationToken::new(),
        )
        .await
        .unwrap();
        assert!(pre.accepted());
        let secs = t.elapsed().as_secs_f64();
        LAST_CPU.with(|c| c.set(cpu_secs() - cpu));
        row("  of which the preflight", keys_big, None, secs, None);
        let partial = CopyOptions {
            journal_dir: Some(journal.clone()),
            partial: true,
            ..CopyOptions::default()
        };
        let dst = open(&redis(&format!("{url}3"), "d:")).await;
        let secs = timed_copy_with(Endpoint::Kv(src.clone()), Endpoint::Kv(dst), partial).await;
        row("  the writes alone (--partial)", keys_big, None, secs, None);
        let mem = open(&kv_config("memory", KvBackendConfig::Memory)).await;
        let secs = timed_copy(Endpoint::Kv(src), Endpoint::Kv(mem), &journal).await;
        row("SQLite → memory (read side)", keys_big, None, secs, None);
    }
    if section("json") {
        // JSON file → Redis, Redis → SQLite.
        let json_path = tmp.path().join("store.json");
        {
            let mut f = std::io::BufWriter::new(std::fs::File::create(&json_path).unwrap());
            write!(f, "{{").unwrap();
            for i in 0..keys {
                let sep = if i == 0 { "" } else { "," };
                write!(f, "{sep}\"{}\":{}", key(i), value(i)).unwrap();
            }
            write!(f, "}}").unwrap();
        }
        let json = open(&kv_config(
            "json",
            KvBackendConfig::Json(JsonKvConfig {
                store: json_path,
                max_store_size: u64::MAX,
                write_policy: WritePolicy::Dispose,
            }),
        ))
        .await;
        // In turns with the practical limits: redis-cli --pipe of the same keys into the same
        // emptied database (1: a SCAN there does not walk the keys loaded above), and SQLite's
        // own bulk insert of the same rows (one transaction, one prepared statement) into a
        // new file.
        let pipe_file = tmp.path().join("pipe-json.resp");
        write_pipe_file(&pipe_file, "j:", keys, 1);
        let mut r = Rounds::default();
        for _ in 0..rounds {
            flush_db(server.port(), 1);
            let r_json = open(&redis(&format!("{url}1"), "j:")).await;
            r.ours(timed_copy(Endpoint::Kv(json.clone()), Endpoint::Kv(r_json), &journal).await);
            flush_db(server.port(), 1);
            r.theirs.push(redis_cli_pipe(server.port(), 1, &pipe_file));
        }
        r.row("JSON file → Redis", keys, None, "redis-cli --pipe");
        std::fs::remove_file(&pipe_file).unwrap();
        // the Redis keys loaded by redis-cli are rill's (prefix `j:`, JSON text values)
        let r_json = open(&redis(&format!("{url}1"), "j:")).await;
        let mut r = Rounds::default();
        for round in 0..rounds {
            let db = tmp.path().join(format!("from_redis_{round}.db"));
            let sq = open(&sqlite(&db, "kv")).await;
            r.ours(timed_copy(Endpoint::Kv(r_json.clone()), Endpoint::Kv(sq), &journal).await);
            let bulk = tmp.path().join(format!("bulk_{round}.db"));
            r.theirs.push(sqlite_bulk_insert(&bulk, keys));
        }
        r.row("Redis → SQLite", keys, None, "SQLite bulk insert");
    }
    if section("s3") {
        // local → S3 against rclone.
        let s3 = S3sServer::start().await;
        s3.create_bucket("bkt").await;
        let endpoint = s3.endpoint();
        for (label, n, size, dir) in [
            (
                format!("{small_n} × {small_kib} KiB local → S3"),
                small_n,
                small_kib * 1024,
                tmp.path().join("small"),
            ),
            (
                format!("{big_n} × {big_mib} MiB local → S3"),
                big_n,
                big_mib * 1024 * 1024,
                tmp.path().join("big"),
            ),
        ] {
            write_files(&dir, n, size);
            // on disk before the first copy, so that no copy shares the disk with their writeback
            let synced = Command::new("sync").status().is_ok_and(|s| s.success());
            assert!(synced, "sync failed");
            let bytes = (n * size) as u64;
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            // ours and rclone's in turns (who goes first alternates), each into a prefix of its
            // own, removed after: the medians of the rounds
            // (round 0, a warm-up of both, is not counted: whichever tool writes first into
            // the new server takes seconds longer)
            let mut rounds_of = Rounds::default();
            for r in 0..=rounds {
                let prefix = format!("ours-{name}-{r}");
                let mut cfg = s3support::s3_mount_config(
                    &endpoint,
                    "bkt",
                    &format!("{prefix}/"),
                    "read-write",
                );
                cfg.max_file_size = u64::MAX;
                let store: Arc<dyn FsMountStore> = Arc::new(s3support::connect(&cfg).await);
                let dst = FsMount { config: cfg, store };
                let rclone_dest = format!("rclone-{name}-{r}");
                let rclone = || rclone_copy(&endpoint, &dir, &format!("bkt/{rclone_dest}"));
                let rclone_first = r % 2 == 0;
                let first = if rclone_first { rclone() } else { None };
                let src = Endpoint::Fs(local_mount(&dir));
                let secs = timed_copy(src, Endpoint::Fs(dst), &journal).await;
                let second = if rclone_first { None } else { rclone() };
                if r > 0 {
                    rounds_of.ours(secs);
                    rounds_of.theirs.extend(first.or(second));
                }
                for p in [prefix, rclone_dest] {
                    let _ = std::fs::remove_dir_all(s3.root().join("bkt").join(p));
                }
            }
            let missing = rounds_of.theirs.is_empty();
            rounds_of.row(&label, n, Some(bytes), "rclone copy");
            if missing {
                println!("(rclone not found: `apt-get install -y rclone` to compare)");
            }
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }
}
