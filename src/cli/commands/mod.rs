//! What every command shares: addresses (`PROFILE:MOUNT[/PATH]`), loading the profile they name,
//! the write safety rules (read-only profiles, mount modes, protected profiles), and opening
//! mounts within the connect timeout.
//!
//! Safety checks run on the loaded configuration only, before any mount is opened, so a refused
//! write performs no I/O on the store.
//!
//! Everything that fails here before a command does its work (an address, its profile, the
//! mount, opening the store) fails as a [`SetupError`], which `--json` commands print as JSON.

pub mod eval;
pub mod fs;
pub mod kv;
pub mod kv_grep;
pub mod migrate;
pub mod mounts;
pub mod profiles;
pub mod tui;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::config::load::{EnvVars, load_profile, resolve_profile};
use crate::config::{
    BrokenMount, FsBackendConfig, FsMountConfig, KvBackendConfig, KvMountConfig, MountSection,
    Profile,
};
use crate::store::kv_mount::KvMount;
use crate::store::open::{open_fs, open_kv};
use crate::store::{ErrorKind, FsMountStore, StoreError};

use super::args::ProfileOpt;
use super::output::{Failure, SetupCode, SetupError};

/// The environment a command runs in.
pub struct Ctx {
    pub cwd: PathBuf,
    pub env: EnvVars,
}

impl Ctx {
    pub fn from_process() -> Self {
        Ctx {
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            env: EnvVars::process(),
        }
    }

    /// Loads a profile by name or path; its warnings go to stderr.
    pub fn profile(&self, spec: &str) -> Result<Profile, Failure> {
        let file = resolve_profile(spec, &self.cwd).map_err(|e| {
            SetupError::usage(
                SetupCode::Profile,
                format!("profile `{spec}`: {}", e.message),
            )
        })?;
        let p = load_profile(&file.path, Some(&file.name), &self.env)
            .map_err(|e| SetupError::op(SetupCode::Profile, &e).in_file(&e))?;
        for w in &p.warnings {
            eprintln!("warning: {w}");
        }
        Ok(p)
    }
}

/// A parsed `PROFILE:MOUNT[/PATH]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub profile: Option<String>,
    pub mount: String,
    /// Path inside the mount, without a leading `/`; empty = the mount root.
    pub path: String,
}

impl Address {
    pub fn parse(s: &str) -> Result<Self, Failure> {
        let (profile, rest) = match s.split_once(':') {
            Some((p, rest)) => {
                if p.is_empty() {
                    return Err(SetupError::usage(
                        SetupCode::Address,
                        format!("address `{s}` has an empty profile before `:`"),
                    )
                    .into());
                }
                (Some(p.to_string()), rest)
            }
            None => (None, s),
        };
        let (mount, path) = match rest.split_once('/') {
            Some((m, p)) => (m, p.trim_start_matches('/')),
            None => (rest, ""),
        };
        if mount.is_empty() {
            return Err(SetupError::usage(
                SetupCode::Address,
                format!("address `{s}` has no mount (write PROFILE:MOUNT[/PATH])"),
            )
            .into());
        }
        Ok(Address {
            profile,
            mount: mount.to_string(),
            path: path.to_string(),
        })
    }
}

/// A mount address resolved against its profile.
pub struct Target {
    pub profile: Profile,
    pub addr: Address,
}

impl Target {
    /// `dev:user` / `dev:docs/a.txt`, for messages.
    pub fn label(&self) -> String {
        if self.addr.path.is_empty() {
            format!("{}:{}", self.profile.name, self.addr.mount)
        } else {
            format!(
                "{}:{}/{}",
                self.profile.name, self.addr.mount, self.addr.path
            )
        }
    }

    pub fn kv(&self) -> Result<&KvMountConfig, Failure> {
        if let Some(m) = self.profile.kv.get(&self.addr.mount) {
            return Ok(m);
        }
        if let Some(b) = self
            .profile
            .broken_mount(MountSection::Kv, &self.addr.mount)
        {
            return Err(self.broken(b));
        }
        Err(self.missing("kv", "fs", self.profile.kv.keys()))
    }

    /// The fs mount. Commands that take either kind (copy, diff, verify) look for a kv mount
    /// first and then here, so a broken kv mount of this name gives its error too (`missing`).
    pub fn fs(&self) -> Result<&FsMountConfig, Failure> {
        if let Some(m) = self.profile.fs.get(&self.addr.mount) {
            return Ok(m);
        }
        if let Some(b) = self
            .profile
            .broken_mount(MountSection::Fs, &self.addr.mount)
        {
            return Err(self.broken(b));
        }
        Err(self.missing("fs", "kv", self.profile.fs.keys()))
    }

    /// Using a mount the profile could not configure: its configuration error.
    fn broken(&self, b: &BrokenMount) -> Failure {
        let msg = format!(
            "mount `{}:{}` cannot be used: {}",
            self.profile.name, b.name, b.error
        );
        SetupError::op(SetupCode::Mount, msg)
            .in_file(&b.error)
            .into()
    }

    /// No `kind` mount of this name: a broken mount of the other kind gives its error, a
    /// working one says which command to use, else the names there are.
    fn missing<'a>(
        &self,
        kind: &str,
        other: &str,
        names: impl Iterator<Item = &'a String>,
    ) -> Failure {
        let other_section = if kind == "kv" {
            MountSection::Fs
        } else {
            MountSection::Kv
        };
        let is_other = if kind == "kv" {
            self.profile.fs.contains_key(&self.addr.mount)
        } else {
            self.profile.kv.contains_key(&self.addr.mount)
        };
        if let Some(b) = self.profile.broken_mount(other_section, &self.addr.mount)
            && !is_other
        {
            return self.broken(b);
        }
        if is_other {
            // "an fs mount", "a kv mount"
            let article = if other == "kv" { "a" } else { "an" };
            let msg = format!(
                "`{}` is {article} {other} mount of profile `{}`: use `rillmount {other} …`",
                self.addr.mount, self.profile.name
            );
            return SetupError::usage(SetupCode::Mount, msg).into();
        }
        let names: Vec<&str> = names.map(String::as_str).collect();
        let msg = format!(
            "profile `{}` has no {kind} mount `{}` ({kind} mounts: {})",
            self.profile.name,
            self.addr.mount,
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        );
        SetupError::usage(SetupCode::Mount, msg).into()
    }

    /// Refuses a write before any I/O: read-only profile, a mount mode without write, or a
    /// protected profile without `--yes`.
    pub fn check_write(
        &self,
        mode_allows: bool,
        mode: Option<&str>,
        yes: bool,
    ) -> Result<(), Failure> {
        let label = self.label();
        if self.profile.read_only {
            return Err(Failure::op(format!(
                "profile `{}` is read-only (readOnly = true in {}): refusing to write to {label}",
                self.profile.name,
                self.profile.path.display()
            )));
        }
        if !mode_allows {
            return Err(Failure::op(format!(
                "mount `{}:{}` does not allow writes (mode: {}): refusing to write to {label}",
                self.profile.name,
                self.addr.mount,
                mode.unwrap_or("none")
            )));
        }
        if self.profile.protect && !yes {
            return Err(Failure::op(format!(
                "profile `{}` is protected: writing to {label} needs confirmation; \
                 run the command again with --yes",
                self.profile.name
            )));
        }
        Ok(())
    }
}

/// Resolves an address with the `-p` default.
pub fn target(ctx: &Ctx, addr: &str, opt: &ProfileOpt) -> Result<Target, Failure> {
    let addr = Address::parse(addr)?;
    let spec = match (&addr.profile, &opt.profile) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => p.clone(),
        (None, None) => {
            let msg = format!(
                "address `{}` names no profile: write PROFILE:{} or pass -p PROFILE",
                addr.mount, addr.mount
            );
            return Err(SetupError::usage(SetupCode::Address, msg).into());
        }
    };
    let profile = ctx.profile(&spec)?;
    Ok(Target { profile, addr })
}

/// How long opening a mount may take: the connect timeout for network backends; local files get
/// a generous bound so a hung disk still ends the command.
fn open_timeout_kv(cfg: &KvMountConfig) -> Duration {
    match &cfg.backend {
        KvBackendConfig::Redis(r) => r.connect_timeout,
        _ => Duration::from_secs(60),
    }
}

fn open_timeout_fs(cfg: &FsMountConfig) -> Duration {
    match &cfg.backend {
        FsBackendConfig::S3(s) => s.connect_timeout,
        FsBackendConfig::Local(_) => Duration::from_secs(60),
    }
}

/// A store that cannot be opened: "cannot open {label}: {why}", with the kind of failure.
fn cannot_open(label: &str, why: impl std::fmt::Display, kind: ErrorKind) -> Failure {
    SetupError::op(SetupCode::Store, format!("cannot open {label}: {why}"))
        .with_kind(kind_name(kind))
        .into()
}

fn open_error(label: &str, e: StoreError) -> Failure {
    cannot_open(label, &e, e.kind)
}

fn timed_out(label: &str, location: &str, d: Duration) -> Failure {
    let why = format!("no answer from {location} within {:.1}s", d.as_secs_f64());
    cannot_open(label, why, ErrorKind::Timeout)
}

/// The `kind` of a setup error's JSON.
fn kind_name(k: ErrorKind) -> &'static str {
    match k {
        ErrorKind::NotFound => "not_found",
        ErrorKind::AlreadyExists => "already_exists",
        ErrorKind::PermissionDenied => "permission_denied",
        ErrorKind::Refused => "refused",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::Connection => "connection",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Corrupt => "corrupt",
        ErrorKind::Config => "config",
        ErrorKind::Other => "other",
    }
}

/// Opens a kv mount within its connect timeout.
pub async fn open_kv_mount(t: &Target) -> Result<KvMount, Failure> {
    let cfg = t.kv()?;
    let d = open_timeout_kv(cfg);
    match tokio::time::timeout(d, open_kv(cfg)).await {
        Ok(r) => loaded(&t.label(), r.map_err(|e| open_error(&t.label(), e))?).await,
        Err(_) => Err(timed_out(&t.label(), &cfg.location(), d)),
    }
}

/// A JSON file store reads its file on first use: read it now, so that a corrupt file fails
/// opening the mount (a setup error) rather than the command's first read. The file is still
/// read once: the store keeps what it loaded.
async fn loaded(label: &str, m: KvMount) -> Result<KvMount, Failure> {
    if matches!(m.config().backend, KvBackendConfig::Json(_)) {
        m.store().count().await.map_err(|e| open_error(label, e))?;
    }
    Ok(m)
}

/// Opens an fs mount within its connect timeout.
pub async fn open_fs_mount(t: &Target) -> Result<Arc<dyn FsMountStore>, Failure> {
    let cfg = t.fs()?;
    let d = open_timeout_fs(cfg);
    match tokio::time::timeout(d, open_fs(cfg)).await {
        Ok(r) => r.map_err(|e| open_error(&t.label(), e)),
        Err(_) => Err(timed_out(&t.label(), &cfg.location(), d)),
    }
}

/// Runs a backend call with the mount's timeout for network backends (the first call is often
/// the one that connects).
pub async fn within<T>(
    limit: Option<Duration>,
    what: &str,
    fut: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, Failure> {
    match limit {
        Some(d) => match tokio::time::timeout(d, fut).await {
            Ok(r) => r.map_err(|e| Failure::op(format!("{what}: {e}"))),
            Err(_) => Err(Failure::op(format!(
                "{what}: no answer within {:.1}s",
                d.as_secs_f64()
            ))),
        },
        None => fut.await.map_err(|e| Failure::op(format!("{what}: {e}"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let a = Address::parse("dev:docs/reports/q1.txt").unwrap();
        assert_eq!(a.profile.as_deref(), Some("dev"));
        assert_eq!(a.mount, "docs");
        assert_eq!(a.path, "reports/q1.txt");
        let a = Address::parse("user").unwrap();
        assert_eq!(
            (a.profile, a.mount.as_str(), a.path.as_str()),
            (None, "user", "")
        );
        let a = Address::parse("docs//a").unwrap();
        assert_eq!(a.path, "a");
        let a = Address::parse("../p/x.toml:user").unwrap();
        assert_eq!(a.profile.as_deref(), Some("../p/x.toml"));
        for bad in [":user", "dev:", "dev:/x"] {
            assert!(
                matches!(Address::parse(bad), Err(Failure::Setup(e)) if e.usage && e.code == SetupCode::Address),
                "{bad}"
            );
        }
    }
}
