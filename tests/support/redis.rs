//! A real `redis-server` per test: `--save '' --appendonly no --bind 127.0.0.1` on a free
//! loopback port, in its own temp dir, killed on drop. `stop()`/`restart()` keep the port so
//! fault tests can take the server away mid-operation and bring it back.
//!
//! Limits: the free port is found by binding 127.0.0.1:0 and releasing it, so another process
//! may grab it first; `start` then retries with a new port. Data does not survive `restart`
//! (no persistence), which is what fault tests want: the server comes back empty.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rillmount::config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_VALUE_SIZE, KvBackendConfig,
    KvMountConfig, Mode, RedisKvConfig, Secret,
};
use rillmount::store::redis::RedisStore;

const INSTALL_HINT: &str =
    "redis-server not found: install it with `apt-get install -y redis-server`";
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// A running redis-server owned by the test.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    /// Extra arguments (e.g. `--requirepass`), reused by `restart`.
    extra: Vec<String>,
    password: Option<String>,
    /// TLS port when started with [`RedisServer::start_tls`].
    tls_port: Option<u16>,
    /// Certificate files of a TLS server (kept for the server's lifetime).
    certs: Option<tempfile::TempDir>,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts a server without password.
    pub fn start() -> RedisServer {
        Self::start_with(&[])
    }

    /// Starts a server requiring `password` (`--requirepass`).
    pub fn start_with_password(password: &str) -> RedisServer {
        let mut s = Self::start_with(&["--requirepass", password]);
        s.password = Some(password.to_string());
        s
    }

    /// Starts a server that also serves TLS on a second port (see [`RedisServer::tls_url`]):
    /// a test CA (`ca_file()`) and a server certificate it signed for 127.0.0.1, made with
    /// `openssl`. Plain TCP stays on `port()`.
    pub fn start_tls() -> RedisServer {
        let certs = tempfile::tempdir().expect("temp dir for certificates");
        let at = |name: &str| certs.path().join(name).display().to_string();
        let (ca_key, ca, key, csr, cert, ext) = (
            at("ca.key"),
            at("ca.crt"),
            at("redis.key"),
            at("redis.csr"),
            at("redis.crt"),
            at("ext.cnf"),
        );
        std::fs::write(
            &ext,
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
        )
        .expect("write openssl extensions");
        let openssl = |args: &[&str]| {
            let status = Command::new("openssl")
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap_or_else(|e| {
                    panic!("openssl not found ({e}): install it with `apt-get install -y openssl`")
                });
            assert!(status.success(), "openssl {args:?} failed");
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=rillmount test CA",
            "-keyout",
            &ca_key,
            "-out",
            &ca,
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            &key,
            "-out",
            &csr,
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &ext,
            "-out",
            &cert,
        ]);
        let tls_port = free_port();
        let tls_port_s = tls_port.to_string();
        let mut s = Self::start_with(&[
            "--tls-port",
            &tls_port_s,
            "--tls-cert-file",
            &cert,
            "--tls-key-file",
            &key,
            "--tls-ca-cert-file",
            &ca,
            "--tls-auth-clients",
            "no",
        ]);
        s.tls_port = Some(tls_port);
        s.certs = Some(certs);
        s
    }

    /// The test CA's certificate (PEM) of a server started with [`RedisServer::start_tls`].
    pub fn ca_file(&self) -> std::path::PathBuf {
        self.certs
            .as_ref()
            .expect("server started with start_tls")
            .path()
            .join("ca.crt")
    }

    /// `rediss://127.0.0.1:<tls port>/#insecure` (the test certificate is not publicly trusted).
    pub fn tls_url(&self) -> String {
        let port = self.tls_port.expect("server started with start_tls");
        format!("rediss://127.0.0.1:{port}/#insecure")
    }

    /// Starts a server with extra command-line arguments. Retries on a port race.
    pub fn start_with(extra: &[&str]) -> RedisServer {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let mut last_err = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut server = RedisServer {
                child: None,
                port,
                extra: extra.clone(),
                password: None,
                tls_port: None,
                certs: None,
                dir: tempfile::tempdir().expect("temp dir for redis-server"),
            };
            match server.spawn() {
                Ok(()) => return server,
                Err(e) => last_err = e,
            }
        }
        panic!("redis-server did not start after 5 attempts: {last_err}");
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("redis.log")
    }

    /// Spawns the process on `self.port` and waits until it answers PING.
    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.log_path()).map_err(|e| e.to_string())?;
        let mut cmd = Command::new("redis-server");
        cmd.args(["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--dir")
            .arg(self.dir.path())
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("{INSTALL_HINT}"),
            Err(e) => panic!("cannot run redis-server: {e}"),
        };
        self.child = Some(child);
        let deadline = Instant::now() + READY_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                self.child = None;
                let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
                return Err(format!("redis-server exited ({status}): {log}"));
            }
            if ping(self.port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.kill();
        Err(format!(
            "redis-server on port {} never answered PING",
            self.port
        ))
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// `redis://127.0.0.1:<port>/` (with the password when the server has one).
    pub fn url(&self) -> String {
        match &self.password {
            Some(p) => format!("redis://:{p}@127.0.0.1:{}/", self.port),
            None => format!("redis://127.0.0.1:{}/", self.port),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Process id of the running server (for SIGSTOP/SIGCONT fault tests).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// Kills the server; the port stays reserved for `restart`.
    pub fn stop(&mut self) {
        self.kill();
    }

    /// Starts the server again on the same port (empty: there is no persistence).
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match self.spawn() {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("redis-server restart failed: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Freezes the process (SIGSTOP): connections stay open but nothing answers.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Resumes a paused process (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        let pid = self.pid().expect("redis-server is running");
        let ok = Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "kill {sig} {pid} failed");
    }

    /// Runs `redis-cli -p <port> <args>` and returns its stdout (raw, for byte checks).
    pub fn cli(&self, args: &[&str]) -> Vec<u8> {
        let mut cmd = Command::new("redis-cli");
        cmd.arg("-p").arg(self.port.to_string());
        if let Some(p) = &self.password {
            cmd.arg("-a").arg(p).arg("--no-auth-warning");
        }
        let out = cmd.args(args).output().unwrap_or_else(|e| {
            panic!("cannot run redis-cli ({e}): install it with `apt-get install -y redis-server`")
        });
        assert!(out.status.success(), "redis-cli {args:?} failed: {out:?}");
        out.stdout
    }

    /// A raw connection (the `redis` crate, no rillmount code) for checking bytes.
    pub async fn raw(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .expect("client")
            .get_multiplexed_async_connection()
            .await
            .expect("raw redis connection")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// True when the server answers PING with PONG (or refuses it for lack of auth: it is up).
fn ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"*1\r\n$4\r\nPING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 64];
    match s.read(&mut buf) {
        Ok(n) if n > 0 => buf[..n].starts_with(b"+PONG") || buf[..n].starts_with(b"-NOAUTH"),
        _ => false,
    }
}

/// The config of a kv mount named `test` on `url` with `prefix` and `ttl`.
pub fn redis_mount_config(
    url: &str,
    prefix: &str,
    ttl: Option<u64>,
) -> (KvMountConfig, RedisKvConfig) {
    let r = RedisKvConfig {
        url: Secret::new(url),
        prefix: prefix.to_string(),
        ttl,
        connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        tls_ca_file: None,
    };
    let cfg = KvMountConfig {
        name: "test".to_string(),
        mode: Mode::new("read-write"),
        schema: None,
        max_entries: DEFAULT_MAX_ENTRIES,
        max_value_size: DEFAULT_MAX_VALUE_SIZE,
        backend: KvBackendConfig::Redis(r.clone()),
    };
    (cfg, r)
}

/// A connected [`RedisStore`] on `server` with `prefix` and mount `ttl` (seconds).
pub async fn redis_store(server: &RedisServer, prefix: &str, ttl: Option<u64>) -> RedisStore {
    let (cfg, r) = redis_mount_config(&server.url(), prefix, ttl);
    RedisStore::connect(&cfg, &r)
        .await
        .unwrap_or_else(|e| panic!("connect to test redis: {e}"))
}
