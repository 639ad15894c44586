//! Cancelling a copy, against real servers: a copy to S3 (s3s-fs and moto) of 2,000 small
//! files and a few multipart-size ones stops within a second of the cancel, leaves no
//! incomplete multipart upload, journals only objects that exist with the right content, and a
//! re-run finishes without uploading a recorded file again; progress counts files as they
//! finish, not per batch. The same for kv copies into Redis, SQLite and JSON, a copy into a
//! local folder, and the CLI under SIGINT (once: stops and reports; twice: exits 130).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rillmount::config::KvBackendConfig;
use rillmount::migrate::apply::journal::JournalState;
use rillmount::migrate::copy::{CopyOptions, CopyReport, KV_CHUNK, copy};
use rillmount::migrate::progress::{Phase, Progress};
use rillmount::migrate::verify::verify;
use rillmount::migrate::{Endpoint, Filter, FsMount, MigrateError};
use rillmount::store::kv_mount::KvMount;
use rillmount::store::{Expiry, FsMountStore};
use support::s3::{self as s3s, S3TestServer};
use support::stores;
use tokio_util::sync::CancellationToken;

/// Small files in the source (two walk pages).
const SMALL: usize = 2_000;
/// Files above the multipart threshold (uploaded in parts with `uploadCutoff` 0), named after
/// the small file they follow in walk order: all in the first batch, started one after the
/// other while small files finish around them.
const BIG: [usize; 4] = [250, 500, 750, 950];
const BIG_SIZE: usize = 20 * 1024 * 1024;
/// Files per walk page (`migrate::plan::PAGE`): the first batch.
const PAGE: u64 = 1_000;

fn big(i: usize, len: usize) -> Vec<u8> {
    let mut x = (i as u32).wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn small(i: usize) -> Vec<u8> {
    format!("small file {i}\n").repeat(1 + i % 7).into_bytes()
}

/// The source folder: `f0000.txt`… and the big `f0250.big`….
fn fill_source(dir: &Path) {
    for i in BIG {
        std::fs::write(dir.join(format!("f{i:04}.big")), big(i, BIG_SIZE)).unwrap();
    }
    for i in 0..SMALL {
        std::fs::write(dir.join(format!("f{i:04}.txt")), small(i)).unwrap();
    }
}

fn source_content(name: &str) -> Vec<u8> {
    if let Some(i) = name.strip_prefix('f').and_then(|n| n.strip_suffix(".big")) {
        return big(i.parse().unwrap(), BIG_SIZE);
    }
    let i = name
        .strip_prefix('f')
        .and_then(|n| n.strip_suffix(".txt"))
        .unwrap();
    small(i.parse().unwrap())
}

fn journal_state(dir: &Path) -> Option<JournalState> {
    let entry = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "json"))?;
    serde_json::from_str(&std::fs::read_to_string(entry.path()).ok()?).ok()
}

/// The S3 server of a test, with a way to see unfinished multipart uploads.
enum Server {
    S3s(s3s::S3sServer),
    Moto(s3s::MotoServer),
}

impl Server {
    async fn start(kind: &str) -> Server {
        let s = match kind {
            "s3s-fs" => Server::S3s(s3s::S3sServer::start().await),
            _ => Server::Moto(s3s::MotoServer::start().await),
        };
        match &s {
            Server::S3s(x) => x.create_bucket("bkt").await,
            Server::Moto(x) => x.create_bucket("bkt").await,
        }
        s
    }

    fn endpoint(&self) -> String {
        match self {
            Server::S3s(x) => x.endpoint(),
            Server::Moto(x) => x.endpoint(),
        }
    }

    /// Multipart uploads started and neither completed nor aborted: ListMultipartUploads on
    /// moto; on s3s-fs (which does not implement it) the upload records in its folder.
    async fn open_uploads(&self) -> usize {
        match self {
            Server::S3s(x) => x
                .pending_upload_files()
                .iter()
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(".upload-"))
                })
                .count(),
            Server::Moto(x) => s3s::raw_client(&x.endpoint(), s3s::SECRET_KEY)
                .list_multipart_uploads()
                .bucket("bkt")
                .send()
                .await
                .unwrap()
                .uploads()
                .len(),
        }
    }

    /// When each of `names` was last written: s3s-fs file modification times (nanoseconds),
    /// empty on moto (whose times are whole seconds; there the counts tell).
    fn stamps(&self, names: &[String]) -> Vec<std::time::SystemTime> {
        match self {
            Server::S3s(x) => names
                .iter()
                .map(|n| {
                    std::fs::metadata(x.root().join("bkt/data").join(n))
                        .unwrap()
                        .modified()
                        .unwrap()
                })
                .collect(),
            Server::Moto(_) => Vec::new(),
        }
    }

    /// What unfinished multipart uploads left behind: ListMultipartUploads on moto; on
    /// s3s-fs its upload records and part files (not its `.tmp.` buffers of requests cut
    /// mid-way, which are no upload and go when the connection closes). An abort may still be
    /// landing on the server, so this waits up to 10 s for leftovers to go.
    async fn leftovers(&self) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left: Vec<String> = match self {
                Server::S3s(x) => x
                    .pending_upload_files()
                    .iter()
                    .map(|p| p.display().to_string())
                    .filter(|p| !p.contains("/.tmp."))
                    .collect(),
                Server::Moto(x) => s3s::raw_client(&x.endpoint(), s3s::SECRET_KEY)
                    .list_multipart_uploads()
                    .bucket("bkt")
                    .send()
                    .await
                    .unwrap()
                    .uploads()
                    .iter()
                    .map(|u| format!("{:?}", u.key()))
                    .collect(),
            };
            if left.is_empty() || Instant::now() > deadline {
                return left;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn s3_dst(server: &Server) -> FsMount {
    let mut config = s3s::s3_mount_config(&server.endpoint(), "bkt", "data/", "read-write");
    config.max_file_size = u64::MAX;
    s3s::s3_options(&mut config).upload_cutoff = 0;
    let store: Arc<dyn FsMountStore> = Arc::new(s3s::connect(&config).await);
    FsMount { config, store }
}

/// Starts a copy in a task; returns its handle, its progress and its cancel token.
fn start_copy(
    src: &Endpoint,
    dst: &Endpoint,
    opts: &CopyOptions,
) -> (
    tokio::task::JoinHandle<Result<CopyReport, MigrateError>>,
    tokio::sync::watch::Receiver<Progress>,
    CancellationToken,
) {
    let (tx, rx) = tokio::sync::watch::channel(Progress::new(Phase::Copying));
    let cancel = CancellationToken::new();
    let (s, d, o, c) = (src.clone(), dst.clone(), opts.clone(), cancel.clone());
    let task = tokio::spawn(async move { copy(&s, &d, &o, Some(tx), c).await });
    (task, rx, cancel)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_copy_to_s3_stops_within_a_second_and_leaves_no_multipart_upload() {
    for kind in ["s3s-fs", "moto"] {
        cancel_copy_to_s3(kind).await;
    }
}

async fn cancel_copy_to_s3(kind: &str) {
    let dir = tempfile::tempdir().unwrap();
    fill_source(dir.path());
    let server = Server::start(kind).await;
    let dst = s3_dst(&server).await;
    let journal = tempfile::tempdir().unwrap();
    let opts = CopyOptions {
        journal_dir: Some(journal.path().to_path_buf()),
        ..CopyOptions::default()
    };
    let (s, d) = (
        Endpoint::Fs(stores::local_mount(dir.path())),
        Endpoint::Fs(dst),
    );
    let total = (SMALL + BIG.len()) as u64;
    let (task, mut rx, cancel) = start_copy(&s, &d, &opts);

    // Progress moves during the first batch: the first count seen is above 0 and below the
    // batch (old behaviour: nothing until the whole batch of 1,000 was done).
    let deadline = Instant::now() + Duration::from_secs(120);
    let first = loop {
        tokio::time::timeout(Duration::from_secs(120), rx.changed())
            .await
            .expect("progress within 120 s")
            .expect("the copy is running");
        let p = rx.borrow_and_update().clone();
        if p.items > 0 && p.phase == Phase::Copying {
            break p.items;
        }
        assert!(Instant::now() < deadline, "{kind}: no progress");
    };
    assert!(first < PAGE, "{kind}: first progress {first} is per file");
    // Cancel while a multipart upload is in flight (the next big file).
    while server.open_uploads().await == 0 {
        assert!(
            Instant::now() < deadline && !task.is_finished(),
            "{kind}: no multipart upload started"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let cancelled_at = Instant::now();
    cancel.cancel();
    let report = tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("the copy stops")
        .unwrap()
        .unwrap();
    let took = cancelled_at.elapsed();
    assert!(report.cancelled, "{kind}: {report:?}");
    assert!(
        took < Duration::from_millis(1500),
        "{kind}: returned {took:?} after the cancel"
    );
    // Counted, not timed: the first batch was not waited for.
    let done = report.copied + report.skipped_same + report.skipped_conflict;
    assert!(
        done < PAGE,
        "{kind}: stopped mid-batch, not after it: {report:?}"
    );
    assert_eq!(
        server.leftovers().await,
        Vec::<String>::new(),
        "{kind}: no incomplete multipart upload is left"
    );
    // The journal names only objects that exist with the right content, and every object
    // there is whole.
    let state = journal_state(journal.path()).expect("the journal keeps its place");
    assert_eq!(state.cursor, None, "{kind}: still in the first page");
    assert_eq!(state.copied, report.copied, "{kind}: {state:?}");
    assert_eq!(state.done.len() as u64, state.copied, "{kind}: all new");
    assert!(state.copied > 0, "{kind}: something was recorded");
    let dst_store = match &d {
        Endpoint::Fs(f) => f.store.clone(),
        _ => unreachable!(),
    };
    let present = objects(dst_store.as_ref()).await;
    for name in &state.done {
        assert_eq!(
            present.get(name).map(|c| c == &source_content(name)),
            Some(true),
            "{kind}: recorded {name} is at the destination, whole"
        );
    }
    for (name, content) in &present {
        assert_eq!(content, &source_content(name), "{kind}: {name} is whole");
    }
    let stamps = server.stamps(&state.done);

    // A re-run finishes: every file right, nothing recorded uploaded again.
    let second = copy(&s, &d, &opts, None, CancellationToken::new())
        .await
        .unwrap();
    assert!(second.resumed && !second.cancelled, "{kind}: {second:?}");
    assert_eq!(
        second.copied + second.skipped_same,
        total,
        "{kind}: each file once, recorded ones neither compared nor uploaded: {second:?}"
    );
    assert_eq!(
        server.stamps(&state.done),
        stamps,
        "{kind}: recorded objects untouched"
    );
    let v = verify(&s, &d, &Filter::default(), None).await.unwrap();
    assert!(v.ok(), "{kind}: {:?}", v.mismatches);
    assert_eq!(v.checked, total, "{kind}");
    assert!(
        journal_state(journal.path()).is_none(),
        "{kind}: journal removed"
    );
    assert_eq!(server.leftovers().await, Vec::<String>::new(), "{kind}");
}

/// Every object at the destination with its content.
async fn objects(store: &dyn FsMountStore) -> std::collections::BTreeMap<String, Vec<u8>> {
    use futures::StreamExt;
    let mut out = std::collections::BTreeMap::new();
    let mut cursor = None;
    loop {
        let page = store.walk(cursor.as_deref(), 1000).await.unwrap();
        for e in page.entries {
            let mut body = rillmount::store::FileStore::read(store, &e.path)
                .await
                .unwrap();
            let mut content = Vec::new();
            while let Some(chunk) = body.next().await {
                content.extend_from_slice(&chunk.unwrap());
            }
            out.insert(e.path, content);
        }
        cursor = page.next;
        if cursor.is_none() {
            return out;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// kv destinations and a local folder
// ---------------------------------------------------------------------------------------------

/// Keys in the kv source: 20 copy pages, several seconds to copy on a loaded machine.
const KEYS: usize = 300_000;

async fn fill_kv(m: &KvMount, n: usize) {
    for start in (0..n).step_by(10_000) {
        let items: Vec<(String, String)> = (start..(start + 10_000).min(n))
            .map(|i| (format!("k:{i:06}"), format!(r#"{{"i":{i},"s":"v{i}"}}"#)))
            .collect();
        m.store()
            .put_many(&items, Expiry::MountDefault)
            .await
            .unwrap();
    }
    m.store().flush().await.unwrap();
}

/// Waits for the first progress with items done, then cancels; returns the report and how
/// long the copy took to return after the cancel.
async fn cancel_after_first_progress(
    src: &Endpoint,
    dst: &Endpoint,
    opts: &CopyOptions,
) -> (CopyReport, Duration, u64) {
    let (task, mut rx, cancel) = start_copy(src, dst, opts);
    let first = loop {
        let changed = tokio::time::timeout(Duration::from_secs(120), rx.changed())
            .await
            .expect("progress within 120 s");
        if changed.is_err() {
            panic!("the copy ended before any progress: {:?}", task.await);
        }
        let p = rx.borrow_and_update().clone();
        // the preflight (`Checking`) runs first; the cancel is meant for the copy itself
        if p.items > 0 && p.phase == Phase::Copying {
            break p.items;
        }
    };
    let at = Instant::now();
    cancel.cancel();
    let report = tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("the copy stops")
        .unwrap()
        .unwrap();
    (report, at.elapsed(), first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_kv_copy_to_redis_sqlite_and_json_stops_within_a_second_and_resumes_exactly() {
    let src = stores::sqlite_tmp().mount().await;
    fill_kv(&src, KEYS).await;
    let s = Endpoint::Kv(src);
    for f in [
        stores::redis_spawned(),
        stores::sqlite_tmp(),
        stores::json_tmp(),
    ] {
        let dst = f
            .mount_with(|c| {
                c.max_entries = u64::MAX;
                if let KvBackendConfig::Json(j) = &mut c.backend {
                    j.max_store_size = u64::MAX;
                }
            })
            .await;
        let d = Endpoint::Kv(dst.clone());
        let journal = tempfile::tempdir().unwrap();
        let opts = CopyOptions {
            journal_dir: Some(journal.path().to_path_buf()),
            ..CopyOptions::default()
        };
        let (report, took, first) = cancel_after_first_progress(&s, &d, &opts).await;
        let what = f.name;
        assert!(report.cancelled, "{what}: {report:?}");
        assert!(
            first < KEYS as u64,
            "{what}: progress {first} during the copy"
        );
        assert!(
            took < Duration::from_millis(1500),
            "{what}: returned {took:?} after the cancel"
        );
        assert!(report.copied < KEYS as u64, "{what}: {report:?}");
        // The journal counts exactly what is at the destination, in whole chunks.
        let state = journal_state(journal.path()).expect("the journal keeps its place");
        assert_eq!(state.copied, report.copied, "{what}: {state:?}");
        assert_eq!(state.copied % KV_CHUNK as u64, 0, "{what}: {state:?}");
        assert_eq!(dst.store().count().await.unwrap(), state.copied, "{what}");

        let second = copy(&s, &d, &opts, None, CancellationToken::new())
            .await
            .unwrap();
        assert!(second.resumed && !second.cancelled, "{what}: {second:?}");
        assert_eq!(
            (second.copied, second.skipped_same),
            (KEYS as u64, 0),
            "{what}: each key written once"
        );
        let v = verify(&s, &d, &Filter::default(), None).await.unwrap();
        assert!(v.ok() && v.checked == KEYS as u64, "{what}: {v:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_copy_to_a_local_folder_stops_within_a_second_and_leaves_no_temp_file() {
    let (from, to) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    fill_source(from.path());
    let mut dst = stores::local_mount(to.path());
    dst.config.max_file_size = u64::MAX;
    let (s, d) = (
        Endpoint::Fs(stores::local_mount(from.path())),
        Endpoint::Fs(dst),
    );
    let journal = tempfile::tempdir().unwrap();
    let opts = CopyOptions {
        journal_dir: Some(journal.path().to_path_buf()),
        ..CopyOptions::default()
    };
    let (report, took, first) = cancel_after_first_progress(&s, &d, &opts).await;
    assert!(report.cancelled, "{report:?}");
    assert!(first < PAGE, "first progress {first} is per file");
    assert!(
        took < Duration::from_millis(1500),
        "returned {took:?} after the cancel"
    );
    let total = (SMALL + BIG.len()) as u64;
    assert!(report.copied < total, "{report:?}");
    // A temp file whose creation was on the blocking pool when the write was dropped is
    // deleted when that task ends (its handle drops): allow a loaded machine a moment for it.
    let list = || -> Vec<String> {
        std::fs::read_dir(to.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let mut names = list();
    for _ in 0..40 {
        if names.iter().all(|n| !n.starts_with(".rillmount-")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        names = list();
    }
    assert!(
        names.iter().all(|n| !n.starts_with(".rillmount-")),
        "no temp file of a cut write: {names:?}"
    );
    for n in &names {
        assert_eq!(
            std::fs::read(to.path().join(n)).unwrap(),
            source_content(n),
            "{n} is whole"
        );
    }
    let state = journal_state(journal.path()).expect("the journal keeps its place");
    assert_eq!(state.copied, report.copied, "{state:?}");
    assert!(state.done.iter().all(|n| names.contains(n)), "{state:?}");
    let second = copy(&s, &d, &opts, None, CancellationToken::new())
        .await
        .unwrap();
    assert!(second.resumed && !second.cancelled, "{second:?}");
    assert_eq!(second.copied + second.skipped_same, total, "{second:?}");
    let v = verify(&s, &d, &Filter::default(), None).await.unwrap();
    assert!(v.ok() && v.checked == total, "{v:?}");
}

// ---------------------------------------------------------------------------------------------
// The CLI: SIGINT to the real binary
// ---------------------------------------------------------------------------------------------

/// A folder with `profiles/f.toml` (a local `src` with the test files, an S3 `dst` on
/// `endpoint` uploading every big file in parts), the journal folder, and a command runner.
struct CliCopy {
    root: tempfile::TempDir,
}

impl CliCopy {
    fn new(endpoint: &str) -> CliCopy {
        let root = tempfile::tempdir().unwrap();
        let src = root.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::create_dir_all(root.path().join("profiles")).unwrap();
        fill_source(&src);
        let profile = format!(
            r#"
[fs.src]
backend = "local"
path = "../src"

[fs.dst]
backend = "s3"
bucket = "bkt"
prefix = "data/"
region = "us-east-1"
endpoint = "{endpoint}"
forcePathStyle = true
uploadCutoff = 0
maxFileSize = 1000000000
credentials = {{ accessKeyId = "{}", secretAccessKey = "{}" }}
"#,
            s3s::ACCESS_KEY,
            s3s::SECRET_KEY
        );
        std::fs::write(root.path().join("profiles/f.toml"), profile).unwrap();
        CliCopy { root }
    }

    fn journal(&self) -> std::path::PathBuf {
        self.root.path().join("journal")
    }

    fn spawn(&self) -> std::process::Child {
        std::process::Command::new(env!("CARGO_BIN_EXE_rillmount"))
            .current_dir(self.root.path())
            .env_remove("RILLMOUNT_PROFILE")
            .env("XDG_CONFIG_HOME", self.root.path().join("xdg"))
            .env("HOME", self.root.path().join("home"))
            .args(["copy", "-p", "f", "src", "dst", "--journal"])
            .arg(self.journal())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
}

fn signal(pid: u32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid} failed");
}

/// Waits (polling) until `child` exits or `within` passes; returns the exit status if it did.
fn wait_exit(
    child: &mut std::process::Child,
    within: Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn output(child: std::process::Child) -> (String, String) {
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every name the journal records is at the destination with the source's content.
async fn journal_names_only_whole_objects(journal: &Path, server: &Server, what: &str) {
    let state = journal_state(journal).expect("the journal is kept and readable");
    let store: Arc<dyn FsMountStore> = Arc::new(
        s3s::connect(&s3s::s3_mount_config(
            &server.endpoint(),
            "bkt",
            "data/",
            "read",
        ))
        .await,
    );
    let present = objects(store.as_ref()).await;
    assert_eq!(state.done.len() as u64, state.copied, "{what}: {state:?}");
    for name in &state.done {
        assert_eq!(
            present.get(name).map(|c| c == &source_content(name)),
            Some(true),
            "{what}: recorded {name} is at the destination, whole"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_sigint_stops_a_copy_to_s3_within_a_second_and_says_how_far_it_got() {
    let server = Server::start("s3s-fs").await;
    let Server::S3s(s3s_server) = &server else {
        unreachable!()
    };
    let cli = CliCopy::new(&server.endpoint());
    let mut child = cli.spawn();
    // Mid-copy: some objects written and a multipart upload under way.
    let deadline = Instant::now() + Duration::from_secs(120);
    let data = s3s_server.root().join("bkt/data");
    loop {
        let written = std::fs::read_dir(&data).map_or(0, |d| d.count());
        if written > 20 && server.open_uploads().await > 0 {
            break;
        }
        if child.try_wait().unwrap().is_some() {
            let (stdout, stderr) = output(child);
            panic!("the copy ended early:\n{stdout}\n{stderr}");
        }
        assert!(Instant::now() < deadline, "the copy never got under way");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let sent = Instant::now();
    signal(child.id(), "-INT");
    let status = wait_exit(&mut child, Duration::from_secs(30)).expect("the copy stops");
    let took = sent.elapsed();
    let (stdout, stderr) = output(child);
    assert!(
        took < Duration::from_millis(1500),
        "exited {took:?} after SIGINT\n{stdout}\n{stderr}"
    );
    assert_eq!(status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("cancelled after "))
        .unwrap_or_else(|| panic!("a cancelled line: {stdout}"));
    let done: u64 = line["cancelled after ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        done > 0 && done < (SMALL + BIG.len()) as u64,
        "how far it got: {line}"
    );
    assert_eq!(server.leftovers().await, Vec::<String>::new());
    journal_names_only_whole_objects(&cli.journal(), &server, "after SIGINT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_second_sigint_exits_at_once_with_130_and_keeps_a_valid_journal() {
    let server = Server::start("moto").await;
    let Server::Moto(moto) = &server else {
        unreachable!()
    };
    let cli = CliCopy::new(&server.endpoint());
    let mut child = cli.spawn();
    let deadline = Instant::now() + Duration::from_secs(120);
    while server.open_uploads().await == 0 {
        if child.try_wait().unwrap().is_some() {
            let (stdout, stderr) = output(child);
            panic!("the copy ended early:\n{stdout}\n{stderr}");
        }
        assert!(Instant::now() < deadline, "no multipart upload started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The server stops answering: the first Ctrl-C's clean stop waits for the abort of the
    // multipart upload under way (up to 5 s).
    signal(moto.pid(), "-STOP");
    signal(child.id(), "-INT");
    let still = wait_exit(&mut child, Duration::from_millis(400));
    assert!(
        still.is_none(),
        "the clean stop waits for the abort: {still:?}"
    );
    let sent = Instant::now();
    signal(child.id(), "-INT");
    let status = wait_exit(&mut child, Duration::from_secs(30));
    let took = sent.elapsed();
    signal(moto.pid(), "-CONT");
    let status = status.expect("the second SIGINT ends the copy");
    let (stdout, stderr) = output(child);
    assert!(
        took < Duration::from_millis(1000),
        "exited {took:?} after the second SIGINT\n{stderr}"
    );
    assert_eq!(status.code(), Some(130), "{stdout}\n{stderr}");
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(last.contains("exiting now"), "one line saying so: {stderr}");
    journal_names_only_whole_objects(&cli.journal(), &server, "after the second SIGINT").await;
}
