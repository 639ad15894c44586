//! S3 test servers and S3 stores on them.
//!
//! - [`S3sServer`]: s3s-fs 0.14 served in-process on `127.0.0.1:<free port>`, signatures
//!   checked (SimpleAuth), its own temp dir; `stop()`/`restart()` keep the port so fault tests
//!   can kill it mid-upload. It maps keys onto files, so it cannot hold both `dir` and `dir/x`,
//!   nor marker objects `dir/`, and it strips a leading `/` from list prefixes.
//! - [`MotoServer`]: moto's `moto_server` as a child process (no signature checks, keys stored
//!   as given), for the layouts s3s-fs cannot store. Found through `$MOTO_SERVER`, the repo's
//!   `.venv-moto`, or `PATH`; missing → the test fails with an install hint.
//!
//! Also usable from benches through `#[path = "../tests/support/s3.rs"]` (no `super::`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::{Duration, Instant};

use rillmount::config::{
    DEFAULT_MAX_FILE_SIZE, FsBackendConfig, FsMountConfig, Mode, S3Credentials, S3FsConfig, Secret,
};
use rillmount::store::s3::S3Store;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

pub const ACCESS_KEY: &str = "AKIDRILLMOUNTTEST";
pub const SECRET_KEY: &str = "rillmount-test-secret-9f2c";
pub const REGION: &str = "us-east-1";

/// What an S3 test server offers to the helpers below.
pub trait S3TestServer {
    /// `http://127.0.0.1:<port>`.
    fn endpoint(&self) -> String;
    /// `s3s-fs` or `moto`, for messages.
    fn kind(&self) -> &'static str;
}

// ---------------------------------------------------------------------------------------------
// s3s-fs in-process
// ---------------------------------------------------------------------------------------------

/// Requests an [`S3sServer`] served, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requests {
    /// HeadObject.
    pub head: u64,
    /// ListObjectsV2 (a GET on the bucket).
    pub list: u64,
    /// GetObject.
    pub get: u64,
    /// PutObject and the multipart calls.
    pub write: u64,
    pub other: u64,
}

impl Requests {
    pub fn total(&self) -> u64 {
        self.head + self.list + self.get + self.write + self.other
    }
}

/// A server whose requests are counted: s3s-fs itself, or a [`CountingProxy`] (moto).
pub trait CountsRequests: S3TestServer {
    /// The requests served since the last reset, by kind.
    fn requests(&self) -> Requests;
    /// Starts counting from zero.
    fn reset_requests(&self);
}

impl CountsRequests for S3sServer {
    fn requests(&self) -> Requests {
        self.counts.read()
    }
    fn reset_requests(&self) {
        self.counts.reset();
    }
}

impl CountsRequests for CountingProxy {
    fn requests(&self) -> Requests {
        self.counts.read()
    }
    fn reset_requests(&self) {
        self.counts.reset();
    }
}

#[derive(Debug, Default)]
struct RequestCounts([AtomicU64; 5]);

impl RequestCounts {
    fn note<B>(&self, req: &hyper::Request<B>) {
        self.note_line(
            req.method().as_str(),
            req.uri().path(),
            req.uri().query().unwrap_or(""),
        );
    }

    /// Counts one request by its method and target (path-style: `/bucket` is the bucket,
    /// `/bucket/key` an object).
    fn note_line(&self, method: &str, path: &str, query: &str) {
        let object = path.trim_start_matches('/').contains('/') && !path.ends_with('/');
        let i = match method {
            "HEAD" => 0,
            "GET" if !object || query.contains("list-type") => 1,
            "GET" => 2,
            "PUT" | "POST" => 3,
            _ => 4,
        };
        self.0[i].fetch_add(1, AtomicOrdering::Relaxed);
    }

    fn read(&self) -> Requests {
        let n = |i: usize| self.0[i].load(AtomicOrdering::Relaxed);
        Requests {
            head: n(0),
            list: n(1),
            get: n(2),
            write: n(3),
            other: n(4),
        }
    }

    fn reset(&self) {
        for c in &self.0 {
            c.store(0, AtomicOrdering::Relaxed);
        }
    }
}

/// s3s's service, counting what it serves.
#[derive(Clone)]
struct Counted {
    inner: s3s::service::S3Service,
    counts: Arc<RequestCounts>,
}

impl hyper::service::Service<hyper::Request<hyper::body::Incoming>> for Counted {
    type Response = <s3s::service::S3Service as hyper::service::Service<
        hyper::Request<hyper::body::Incoming>,
    >>::Response;
    type Error = <s3s::service::S3Service as hyper::service::Service<
        hyper::Request<hyper::body::Incoming>,
    >>::Error;
    type Future = <s3s::service::S3Service as hyper::service::Service<
        hyper::Request<hyper::body::Incoming>,
    >>::Future;

    fn call(&self, req: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        self.counts.note(&req);
        hyper::service::Service::call(&self.inner, req)
    }
}

/// s3s-fs on a loopback port of this process. Stopped on drop.
pub struct S3sServer {
    dir: tempfile::TempDir,
    addr: SocketAddr,
    counts: Arc<RequestCounts>,
    stop_tx: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl S3TestServer for S3sServer {
    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
    fn kind(&self) -> &'static str {
        "s3s-fs"
    }
}

impl S3sServer {
    pub async fn start() -> S3sServer {
        let dir = tempfile::tempdir().expect("temp dir for s3s-fs");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port for s3s-fs");
        let addr = listener.local_addr().expect("local address");
        let mut s = S3sServer {
            dir,
            addr,
            counts: Arc::default(),
            stop_tx: None,
            task: None,
        };
        s.serve(listener);
        s
    }

    fn serve(&mut self, listener: TcpListener) {
        let fs = s3s_fs::FileSystem::new(self.dir.path()).expect("s3s-fs root");
        let mut b = s3s::service::S3ServiceBuilder::new(fs);
        b.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = Counted {
            inner: b.build(),
            counts: self.counts.clone(),
        };
        let (tx, mut rx) = oneshot::channel::<()>();
        self.stop_tx = Some(tx);
        self.task = Some(tokio::spawn(async move {
            // Connections live in this set: stopping drops it, which cuts them mid-request.
            let mut conns = JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    accepted = listener.accept() => {
                        let Ok((sock, _)) = accepted else { continue };
                        let svc = service.clone();
                        conns.spawn(async move {
                            let http = hyper_util::server::conn::auto::Builder::new(
                                hyper_util::rt::TokioExecutor::new(),
                            );
                            let _ = http
                                .serve_connection(hyper_util::rt::TokioIo::new(sock), svc)
                                .await;
                        });
                    }
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
            conns.shutdown().await;
        }));
    }

    /// The directory s3s-fs serves (one sub-directory per bucket).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Creates a bucket (a directory of the root).
    pub async fn create_bucket(&self, name: &str) {
        std::fs::create_dir_all(self.dir.path().join(name)).expect("create bucket directory");
    }

    /// Writes an object straight into the served directory (fast bulk set-up).
    pub fn put_direct(&self, bucket: &str, key: &str, content: &[u8]) {
        let path = self.dir.path().join(bucket).join(key);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("object parent directory");
        }
        std::fs::write(path, content).expect("write object file");
    }

    /// Multipart uploads that were neither completed nor aborted (their part files).
    pub fn pending_upload_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.dir.path())
            .expect("read s3s-fs root")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with(".upload_id-")
                        || n.starts_with(".upload-")
                        || n.starts_with(".tmp.")
                })
            })
            .collect()
    }

    /// Stops accepting and cuts every open connection; the data directory stays.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.stop_tx.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    /// Serves the same directory again on the same port.
    pub async fn restart(&mut self) {
        self.stop().await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("cannot re-bind s3s-fs to {}: {e}", self.addr),
            }
        };
        self.serve(listener);
    }
}

impl Drop for S3sServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop_tx.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// moto as a process
// ---------------------------------------------------------------------------------------------

pub const MOTO_MISSING: &str = "moto_server not found: run `python3 -m venv .venv-moto && \
     .venv-moto/bin/pip install 'moto[server]'` or set MOTO_SERVER";

/// `$MOTO_SERVER`, else `<repo>/.venv-moto/bin/moto_server`, else `moto_server` on `PATH`.
pub fn find_moto() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MOTO_SERVER").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-moto/bin/moto_server");
    if venv.is_file() {
        return Some(venv);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("moto_server"))
            .find(|p| p.is_file())
    })
}

/// A `moto_server` child process on a free loopback port; killed on drop.
pub struct MotoServer {
    child: Child,
    port: u16,
}

impl S3TestServer for MotoServer {
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    fn kind(&self) -> &'static str {
        "moto"
    }
}

impl MotoServer {
    /// Starts moto and waits until it accepts TCP connections. Panics with an install hint
    /// when no `moto_server` exists.
    pub async fn start() -> MotoServer {
        let bin = find_moto().unwrap_or_else(|| panic!("{MOTO_MISSING}"));
        let port = free_port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}\n{MOTO_MISSING}", bin.display()));
        let mut server = MotoServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("moto_server exited early ({status})");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on {port} within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    /// The process id (to stop and continue the server with signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub async fn create_bucket(&self, name: &str) {
        raw_client(&self.endpoint(), SECRET_KEY)
            .create_bucket()
            .bucket(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create bucket {name} on moto: {e:?}"));
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free loopback port")
}

// ---------------------------------------------------------------------------------------------
// Clients and stores
// ---------------------------------------------------------------------------------------------

/// A plain SDK client on `endpoint` (to set up or inspect objects behind the store's back).
pub fn raw_client(endpoint: &str, secret: &str) -> aws_sdk_s3::Client {
    use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
    use aws_smithy_http_client::tls;
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let conf = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .http_client(http)
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(Credentials::new(ACCESS_KEY, secret, None, None, "test"))
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// An fs mount config for `bucket`/`prefix` on `endpoint` with the test credentials.
pub fn s3_mount_config(endpoint: &str, bucket: &str, prefix: &str, mode: &str) -> FsMountConfig {
    FsMountConfig {
        name: "s3".into(),
        mode: Mode::new(mode),
        glob: None,
        max_file_size: DEFAULT_MAX_FILE_SIZE,
        backend: FsBackendConfig::S3(S3FsConfig {
            bucket: bucket.into(),
            prefix: prefix.into(),
            region: REGION.into(),
            endpoint: Some(endpoint.into()),
            force_path_style: true,
            credentials: Some(S3Credentials {
                access_key_id: ACCESS_KEY.into(),
                secret_access_key: Secret::new(SECRET_KEY),
                session_token: None,
            }),
            connect_timeout: Duration::from_secs(5),
            upload_cutoff: rillmount::config::profiles::DEFAULT_UPLOAD_CUTOFF,
        }),
    }
}

/// The S3 options inside a mount config built by [`s3_mount_config`].
pub fn s3_options(cfg: &mut FsMountConfig) -> &mut S3FsConfig {
    match &mut cfg.backend {
        FsBackendConfig::S3(s) => s,
        other => panic!("not an s3 mount: {other:?}"),
    }
}

/// Connects a store for an edited config.
pub async fn connect(cfg: &FsMountConfig) -> S3Store {
    let FsBackendConfig::S3(s) = &cfg.backend else {
        panic!("not an s3 mount");
    };
    S3Store::connect(cfg, s).await.expect("connect s3 store")
}

/// A store on `server`'s `bucket` under `prefix` with `mode` (`read-write`…).
pub async fn s3_store(
    server: &dyn S3TestServer,
    bucket: &str,
    prefix: &str,
    mode: &str,
) -> S3Store {
    connect(&s3_mount_config(&server.endpoint(), bucket, prefix, mode)).await
}

/// A fresh s3s-fs server with bucket `bucket` and a read-write store on it under `prefix`
/// (for suites that just need "an S3 store"; keep the server alive as long as the store).
pub async fn s3s_store_tmp(bucket: &str, prefix: &str) -> (S3sServer, S3Store) {
    let server = S3sServer::start().await;
    server.create_bucket(bucket).await;
    let store = s3_store(&server, bucket, prefix, "read-write").await;
    (server, store)
}

/// Same on a fresh moto server.
pub async fn moto_store_tmp(bucket: &str, prefix: &str) -> (MotoServer, S3Store) {
    let server = MotoServer::start().await;
    server.create_bucket(bucket).await;
    let store = s3_store(&server, bucket, prefix, "read-write").await;
    (server, store)
}

/// A TCP proxy in front of an S3 server (moto) that counts the requests passing through by
/// the request lines the client sends. Exact for requests without bodies (listings, HEADs,
/// downloads: what plans send); a body that holds text looking like a request line would be
/// counted too.
pub struct CountingProxy {
    addr: SocketAddr,
    counts: Arc<RequestCounts>,
    task: JoinHandle<()>,
}

impl S3TestServer for CountingProxy {
    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
    fn kind(&self) -> &'static str {
        "counting proxy"
    }
}

impl CountingProxy {
    /// Listens on a free loopback port and forwards every connection to `target`.
    pub async fn start(target: &str) -> CountingProxy {
        let target = target.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let counts: Arc<RequestCounts> = Arc::default();
        let c = counts.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (target, counts) = (target.clone(), c.clone());
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let up = async {
                        use tokio::io::{AsyncReadExt, AsyncWriteExt};
                        let mut buf = vec![0u8; 64 * 1024];
                        let mut line = Vec::new();
                        loop {
                            let n = match cr.read(&mut buf).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            for &b in &buf[..n] {
                                if b == b'\n' {
                                    note_request_line(&counts, &line);
                                    line.clear();
                                } else if line.len() < 8192 {
                                    line.push(b);
                                }
                            }
                            if sw.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                        let _ = sw.shutdown().await;
                    };
                    let down = tokio::io::copy(&mut sr, &mut cw);
                    let _ = tokio::join!(up, down);
                });
            }
        });
        CountingProxy { addr, counts, task }
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Counts `line` when it is an HTTP request line (`GET /bkt/key?x HTTP/1.1`).
fn note_request_line(counts: &RequestCounts, line: &[u8]) {
    let Ok(text) = std::str::from_utf8(line) else {
        return;
    };
    let mut parts = text.trim_end_matches('\r').split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    if !version.starts_with("HTTP/") || !["GET", "HEAD", "PUT", "POST", "DELETE"].contains(&method)
    {
        return;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    counts.note_line(method, path, query);
}

/// An endpoint that accepts TCP connections and never answers a byte (a hung server); abort
/// the handle to close it.
pub async fn silent_endpoint() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut socks = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            socks.push(sock);
        }
    });
    (addr, hold)
}
