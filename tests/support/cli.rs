//! Runs the rillmount binary as a user would, in a project folder of its own: no profile from
//! the environment, a config and home folder inside the project.

use std::path::Path;
use std::time::Duration;

/// `rillmount ARGS` in `dir`: exit code, stdout, stderr.
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = assert_cmd::Command::cargo_bin("rillmount")
        .unwrap()
        .current_dir(dir)
        .env_remove("RILLMOUNT_PROFILE")
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env("HOME", dir.join("home"))
        .timeout(Duration::from_secs(120))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Writes `files` (path relative to `dir`, content) into a project folder, parents created.
pub fn project(dir: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, content).unwrap();
    }
}
