//! Finding profiles on disk: `./profiles/*.toml`, the user's config folder, a
//! `rill-config.json` above the working directory, or a name or path given by the user.

use std::path::{Path, PathBuf};

use super::ConfigError;
use super::load::profile_name_of;

/// Where a discovered profile file was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `./profiles/` of the working directory.
    Project,
    /// The user's config folder.
    User,
    /// A `rill-config.json` above the working directory.
    RillConfig,
    /// Given on the command line or in `RILLMOUNT_PROFILE`.
    Explicit,
}

impl Origin {
    pub fn label(self) -> &'static str {
        match self {
            Origin::Project => "project",
            Origin::User => "user",
            Origin::RillConfig => "rill-config",
            Origin::Explicit => "explicit",
        }
    }
}

/// A profile file found on disk (not loaded yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileFile {
    pub name: String,
    pub path: PathBuf,
    pub origin: Origin,
    /// Another file with the same name was found earlier and wins.
    pub shadowed: bool,
}

/// The user's profile folder: `$XDG_CONFIG_HOME/rillmount/profiles` (`~/.config/…`) on Linux,
/// the platform's config folder elsewhere.
pub fn user_profiles_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "rillmount").map(|d| d.config_dir().join("profiles"))
}

/// Every profile file visible from `cwd`, in discovery order.
pub fn discover(cwd: &Path) -> Vec<ProfileFile> {
    let mut found = Vec::new();
    let push_dir = |dir: &Path, origin: Origin, found: &mut Vec<ProfileFile>| {
        let Ok(read) = std::fs::read_dir(dir) else {
            return;
        };
        let mut files: Vec<PathBuf> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for path in files {
            found.push(ProfileFile {
                name: profile_name_of(&path),
                path,
                origin,
                shadowed: false,
            });
        }
    };
    push_dir(&cwd.join("profiles"), Origin::Project, &mut found);
    if let Some(user) = user_profiles_dir() {
        push_dir(&user, Origin::User, &mut found);
    }
    if let Some(rc) = find_rill_config(cwd) {
        found.push(ProfileFile {
            name: "rill-config".into(),
            path: rc,
            origin: Origin::RillConfig,
            shadowed: false,
        });
    }
    let mut seen = std::collections::HashSet::new();
    for f in &mut found {
        f.shadowed = !seen.insert(f.name.clone());
    }
    found
}

/// `rill-config.json` in `start` or the nearest folder above it.
pub fn find_rill_config(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join("rill-config.json"))
        .find(|p| p.is_file())
}

/// Finds the profile that `spec` names: a path (contains a path separator, ends in `.toml` or
/// `.json`, or is an existing file) or the name of a discovered profile.
pub fn resolve_profile(spec: &str, cwd: &Path) -> Result<ProfileFile, ConfigError> {
    let looks_like_path = spec.contains('/')
        || spec.contains(std::path::MAIN_SEPARATOR)
        || spec.ends_with(".toml")
        || spec.ends_with(".json");
    let as_path = cwd.join(spec);
    if looks_like_path || as_path.is_file() {
        if !as_path.is_file() {
            return Err(ConfigError {
                path: PathBuf::from(spec),
                line: None,
                message: "no such profile file".into(),
            });
        }
        return Ok(ProfileFile {
            name: profile_name_of(&as_path),
            path: as_path,
            origin: Origin::Explicit,
            shadowed: false,
        });
    }
    let all = discover(cwd);
    all.iter().find(|f| f.name == spec).cloned().ok_or_else(|| {
        let names: Vec<&str> = all
            .iter()
            .filter(|f| !f.shadowed)
            .map(|f| f.name.as_str())
            .collect();
        ConfigError {
            path: PathBuf::from(spec),
            line: None,
            message: if names.is_empty() {
                "no such profile (no profiles found in ./profiles or the user config folder)".into()
            } else {
                format!("no such profile (found: {})", names.join(", "))
            },
        }
    })
}
