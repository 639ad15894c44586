//! State every screen shares: the profiles (and those left out because they did not load),
//! one slot per mount with its connection state (a mount the profile could not configure is
//! failed from the start with its error), the theme, the keymap, the status line and the
//! writes in flight. No I/O here: connecting is a
//! [`Command`] the caller hands to `tasks.rs`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ratatui::layout::Rect;

use super::action::{Command, Handle, MountConfig, RequestId};
use super::keymap::Keymap;
use super::theme::Theme;
use crate::config::{
    BrokenMount, ConfigError, FsBackendConfig, KvBackendConfig, MountSection, Profile,
};
use crate::migrate::Endpoint;
use crate::rill::mounts::session::ScriptMounts;
use crate::store::FsMountStore;
use crate::store::kv_mount::KvMount;

/// kv or fs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    Kv,
    Fs,
}

/// Connection state of one mount.
#[derive(Debug, Clone)]
pub enum Conn {
    /// Not opened yet (mounts open when first selected).
    Idle,
    Connecting(RequestId),
    Ready(Box<Handle>),
    /// Opening failed; the message has no secret.
    Failed(String),
}

/// One mount of one profile.
#[derive(Debug, Clone)]
pub struct MountSlot {
    /// Index into [`Context::profiles`].
    pub profile: usize,
    pub name: String,
    pub kind: MountKind,
    pub conn: Conn,
}

/// A discovered profile that could not be loaded (a TOML syntax error, a bad `[profile]`).
#[derive(Debug, Clone, PartialEq)]
pub struct LeftOut {
    pub name: String,
    pub error: ConfigError,
}

/// A write in flight, remembered until its result comes back.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub slot: usize,
    pub key: String,
    pub delete: bool,
}

/// The status line: the last message, an error or not.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// Shared state.
#[derive(Debug)]
pub struct Context {
    pub profiles: Vec<Profile>,
    /// Profiles that could not be loaded at all, shown below the others with their reasons.
    pub left_out: Vec<LeftOut>,
    pub mounts: Vec<MountSlot>,
    pub theme: Theme,
    pub keymap: Keymap,
    pub status: Option<Status>,
    /// The terminal area (for mouse hit-testing; views get their own area).
    pub area: Rect,
    pub writes: HashMap<RequestId, Write>,
    /// Advances on ticks while something loads (the spinner).
    pub frame: usize,
    /// Where scratchpad history is saved (`None`: not kept, as in tests).
    pub history_dir: Option<PathBuf>,
    /// Where copies keep their journal, shared with `rillmount copy` so that a copy stopped
    /// in either resumes in either (`None`: no journal, as in tests).
    pub journal_dir: Option<PathBuf>,
    /// Where copies with a backup (`b` in the migration view) keep it, a folder per copy
    /// (`None`: backups are not offered, as in tests that do not set it).
    pub backup_root: Option<PathBuf>,
    /// Scratchpad snippets per profile name, oldest first (loaded before the UI starts).
    pub histories: HashMap<String, Vec<String>>,
    /// Scratchpad text left per profile name when it was closed.
    pub drafts: HashMap<String, String>,
    /// History saves in flight (a failure is shown on the status line).
    pub history_saves: std::collections::HashSet<RequestId>,
    next_id: u64,
}

impl Context {
    pub fn new(profiles: Vec<Profile>, theme: Theme, keymap: Keymap) -> Context {
        let mut mounts = Vec::new();
        for (i, p) in profiles.iter().enumerate() {
            let slot = |name: &String, kind, conn| MountSlot {
                profile: i,
                name: name.clone(),
                kind,
                conn,
            };
            let broken = |section| {
                p.broken
                    .iter()
                    .filter(move |b| b.section == section)
                    .map(|b| (&b.name, Conn::Failed(short_error(&b.error))))
            };
            // A broken mount starts (and stays) failed with its configuration error.
            for name in p.kv.keys() {
                mounts.push(slot(name, MountKind::Kv, Conn::Idle));
            }
            for (name, conn) in broken(MountSection::Kv) {
                mounts.push(slot(name, MountKind::Kv, conn));
            }
            for name in p.fs.keys() {
                mounts.push(slot(name, MountKind::Fs, Conn::Idle));
            }
            for (name, conn) in broken(MountSection::Fs) {
                mounts.push(slot(name, MountKind::Fs, conn));
            }
        }
        Context {
            profiles,
            left_out: Vec::new(),
            mounts,
            theme,
            keymap,
            status: None,
            area: Rect::new(0, 0, 100, 30),
            writes: HashMap::new(),
            frame: 0,
            history_dir: None,
            journal_dir: None,
            backup_root: None,
            histories: HashMap::new(),
            drafts: HashMap::new(),
            history_saves: Default::default(),
            next_id: 1,
        }
    }

    /// Shows the profiles that could not be loaded: listed in the mount pane, and the first
    /// reason in full on the status line.
    pub fn set_left_out(&mut self, left_out: Vec<LeftOut>) {
        if let Some(first) = left_out.first() {
            let more = match left_out.len() {
                1 => String::new(),
                n => format!(" (and {} more, listed under the mounts)", n - 1),
            };
            self.error(format!(
                "profile `{}` left out: {}{more}",
                first.name,
                short_error(&first.error)
            ));
        }
        self.left_out = left_out;
    }

    /// A fresh request id.
    pub fn next_id(&mut self) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        id
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: true,
        });
    }

    pub fn profile_of(&self, slot: usize) -> Option<&Profile> {
        self.mounts
            .get(slot)
            .and_then(|m| self.profiles.get(m.profile))
    }

    /// `profile:mount`, as the command line spells addresses.
    pub fn address(&self, slot: usize) -> String {
        match (self.mounts.get(slot), self.profile_of(slot)) {
            (Some(m), Some(p)) => format!("{}:{}", p.name, m.name),
            _ => String::from("?"),
        }
    }

    /// Starts opening `slot` unless it is open or opening.
    pub fn connect(&mut self, slot: usize) -> Option<Command> {
        let config = {
            let m = self.mounts.get(slot)?;
            if !matches!(m.conn, Conn::Idle) {
                return None;
            }
            let p = self.profiles.get(m.profile)?;
            match m.kind {
                MountKind::Kv => MountConfig::Kv(p.kv.get(&m.name)?.clone()),
                MountKind::Fs => MountConfig::Fs(p.fs.get(&m.name)?.clone()),
            }
        };
        let id = self.next_id();
        if let Some(m) = self.mounts.get_mut(slot) {
            m.conn = Conn::Connecting(id);
        }
        Some(Command::Open { id, config })
    }

    /// Forgets a failed connection so that it is tried again (not for a broken mount: its
    /// configuration does not change while the UI runs).
    pub fn reset(&mut self, slot: usize) {
        if self.broken(slot).is_some() {
            return;
        }
        if let Some(m) = self.mounts.get_mut(slot)
            && matches!(m.conn, Conn::Failed(_))
        {
            m.conn = Conn::Idle;
        }
    }

    /// The profile's entry for `slot` if it is a mount the profile could not configure.
    pub fn broken(&self, slot: usize) -> Option<&BrokenMount> {
        let m = self.mounts.get(slot)?;
        let section = match m.kind {
            MountKind::Kv => MountSection::Kv,
            MountKind::Fs => MountSection::Fs,
        };
        let p = self.profiles.get(m.profile)?;
        let configured = match m.kind {
            MountKind::Kv => p.kv.contains_key(&m.name),
            MountKind::Fs => p.fs.contains_key(&m.name),
        };
        (!configured)
            .then(|| p.broken_mount(section, &m.name))
            .flatten()
    }

    /// Takes an open result if `id` is a connection this context waits for.
    pub fn on_opened(&mut self, id: RequestId, result: Result<Handle, String>) -> Option<usize> {
        let slot = self
            .mounts
            .iter()
            .position(|m| matches!(m.conn, Conn::Connecting(c) if c == id))?;
        self.mounts[slot].conn = match result {
            Ok(h) => Conn::Ready(Box::new(h)),
            Err(e) => Conn::Failed(e),
        };
        Some(slot)
    }

    pub fn handle(&self, slot: usize) -> Option<&Handle> {
        match &self.mounts.get(slot)?.conn {
            Conn::Ready(h) => Some(h),
            _ => None,
        }
    }

    pub fn kv(&self, slot: usize) -> Option<&KvMount> {
        match self.handle(slot)? {
            Handle::Kv(m) => Some(m),
            Handle::Fs(_) => None,
        }
    }

    pub fn endpoint(&self, slot: usize) -> Option<Endpoint> {
        Some(match self.handle(slot)? {
            Handle::Kv(m) => Endpoint::Kv(m.clone()),
            Handle::Fs(f) => Endpoint::Fs(f.clone()),
        })
    }

    /// The mounts of profile `profile` that are open in the UI, for a script to share.
    pub fn ready_mounts(&self, profile: usize) -> ScriptMounts {
        let mut out = ScriptMounts::default();
        if let Some(p) = self.profiles.get(profile) {
            out.add_broken(p);
        }
        for m in self.mounts.iter().filter(|m| m.profile == profile) {
            let Conn::Ready(h) = &m.conn else { continue };
            match h.as_ref() {
                Handle::Kv(k) => {
                    out.kv.insert(m.name.clone(), Ok(k.clone()));
                }
                Handle::Fs(f) => {
                    let store: Arc<dyn FsMountStore> = f.store.clone();
                    out.fs.insert(m.name.clone(), Ok((f.config.clone(), store)));
                }
            }
        }
        out
    }

    /// `Ok` when the mount may be written, else why not (read-only profile, `read` mode).
    pub fn writable(&self, slot: usize) -> Result<(), String> {
        let (Some(m), Some(p)) = (self.mounts.get(slot), self.profile_of(slot)) else {
            return Err("no mount selected".into());
        };
        if let Some(b) = self.broken(slot) {
            return Err(short_error(&b.error));
        }
        if p.read_only {
            return Err(format!(
                "profile `{}` is read-only — writes are disabled",
                p.name
            ));
        }
        let allowed = match m.kind {
            MountKind::Kv => p.kv.get(&m.name).is_some_and(|c| c.mode.kv_allows_write()),
            MountKind::Fs => p.fs.get(&m.name).is_some_and(|c| c.mode.fs_allows_write()),
        };
        if allowed {
            Ok(())
        } else {
            Err(format!(
                "mount `{}` does not allow writes (mode: {})",
                self.address(slot),
                self.mode(slot)
            ))
        }
    }

    /// The mount's configured mode, or `-` when absent.
    pub fn mode(&self, slot: usize) -> String {
        let (Some(m), Some(p)) = (self.mounts.get(slot), self.profile_of(slot)) else {
            return "-".into();
        };
        let mode = match m.kind {
            MountKind::Kv => p.kv.get(&m.name).and_then(|c| c.mode.as_str()),
            MountKind::Fs => p.fs.get(&m.name).and_then(|c| c.mode.as_str()),
        };
        mode.unwrap_or("-").to_string()
    }

    /// Backend name from the configuration (known before connecting).
    pub fn backend(&self, slot: usize) -> &'static str {
        let (Some(m), Some(p)) = (self.mounts.get(slot), self.profile_of(slot)) else {
            return "?";
        };
        if let Some(b) = self.broken(slot) {
            return match b.backend.as_deref() {
                Some("json") => "json",
                Some("sqlite") => "sqlite",
                Some("redis") => "redis",
                Some("local") => "local",
                Some("s3") => "s3",
                _ => "?",
            };
        }
        match m.kind {
            MountKind::Kv => match p.kv.get(&m.name).map(|c| &c.backend) {
                Some(KvBackendConfig::Json(_)) => "json",
                Some(KvBackendConfig::Sqlite(_)) => "sqlite",
                Some(KvBackendConfig::Redis(_)) => "redis",
                Some(KvBackendConfig::Memory) => "memory",
                None => "?",
            },
            MountKind::Fs => match p.fs.get(&m.name).map(|c| &c.backend) {
                Some(FsBackendConfig::Local(_)) => "local",
                Some(FsBackendConfig::S3(_)) => "s3",
                None => "?",
            },
        }
    }

    /// Where the mount's data lives, without credentials; paths inside the profile's folder
    /// are shown relative to it. A broken mount: where it is declared (`prod.toml:12`).
    pub fn location(&self, slot: usize) -> String {
        let (Some(m), Some(p)) = (self.mounts.get(slot), self.profile_of(slot)) else {
            return String::new();
        };
        if let Some(b) = self.broken(slot) {
            return short_place(&b.error);
        }
        let base = p.path.parent().unwrap_or(Path::new(""));
        // Inside the profile's folder: `./x`; beside it (the demo's `../assets/…`): `../x`.
        let rel = |path: &Path| {
            let parent = base
                .parent()
                .filter(|p| !p.as_os_str().is_empty() && p.parent().is_some());
            match (
                path.strip_prefix(base),
                parent.map(|p| path.strip_prefix(p)),
            ) {
                (Ok(r), _) if !base.as_os_str().is_empty() => format!("./{}", r.display()),
                (_, Some(Ok(r))) => format!("../{}", r.display()),
                _ => path.display().to_string(),
            }
        };
        match m.kind {
            MountKind::Kv => match p.kv.get(&m.name).map(|c| &c.backend) {
                Some(KvBackendConfig::Json(j)) => rel(&j.store),
                Some(KvBackendConfig::Sqlite(s)) => {
                    format!("{} table {}", rel(&s.database), s.table)
                }
                Some(KvBackendConfig::Redis(r)) => {
                    format!("{} prefix {}", redact_url(r.url.expose()), r.prefix)
                }
                Some(KvBackendConfig::Memory) => "in memory".into(),
                None => String::new(),
            },
            MountKind::Fs => match p.fs.get(&m.name).map(|c| &c.backend) {
                Some(FsBackendConfig::Local(l)) => rel(&l.path),
                Some(FsBackendConfig::S3(s)) => {
                    let mut loc = format!("s3://{}/{}", s.bucket, s.prefix);
                    if let Some(e) = &s.endpoint {
                        loc.push_str(&format!(" at {}", redact_url(e)));
                    }
                    loc
                }
                None => String::new(),
            },
        }
    }
}

/// A configuration error as the UI shows it: the profile's file name rather than its whole
/// path (`prod.toml:12: fs mount `media`: …`); `rillmount profiles` gives the paths.
pub fn short_error(e: &ConfigError) -> String {
    format!("{}: {}", short_place(e), e.message)
}

/// Where a configuration error is: `prod.toml:12` (`rill-config.json` has no lines).
fn short_place(e: &ConfigError) -> String {
    let file = e.path.file_name().unwrap_or(e.path.as_os_str());
    let line = e.line.map(|n| format!(":{n}")).unwrap_or_default();
    format!("{}{line}", file.to_string_lossy())
}

/// A URL without user, password and query (`redis://:pw@host:6379/0?x` → `redis://host:6379/0`).
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r),
        None => (String::new(), url),
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = authority.rsplit('@').next().unwrap_or_default();
    format!("{scheme}{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_and_query() {
        assert_eq!(
            redact_url("redis://user:s3cret@cache.example:6380/2?password=x"),
            "redis://cache.example:6380/2"
        );
        assert_eq!(redact_url("rediss://:p@h"), "rediss://h");
        assert_eq!(redact_url("http://localhost:9000"), "http://localhost:9000");
        assert_eq!(redact_url("host:1/a@b"), "host:1/a@b");
    }
}
