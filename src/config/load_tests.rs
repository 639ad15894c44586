//! Unit tests of the TOML profile reader and discovery (kept apart from load.rs for length).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::config::{Encoding, FsBackendConfig, KvBackendConfig, MountSection, WritePolicy};
use crate::store::Json;
use std::time::Duration;

const DEV: &str = r#"# profiles/dev.toml
[profile]
description = "local development"
readOnly = false
protect = true

[kv.user]
backend = "json"
store = "./data/user.json"
schema.name = { type = "string", default = "" }
schema.count = { type = "number", default = 0, description = "visits" }
schema.flags = { type = "dict", default = { z = 1, a = 2 } }

[kv.cache]
backend = "sqlite"
database = "./data/cache.db"
table = "cache_entries"

[kv.session]
backend = "redis"
url = "${env:REDIS_URL}"
prefix = "app:session:"
ttl = 3600

[fs.data]
backend = "local"
path = "./data/files"
mode = "read-write"

[fs.docs]
backend = "s3"
bucket = "my-app-data"
prefix = "documents/"
region = "us-east-1"
endpoint = "${env:S3_ENDPOINT}"
forcePathStyle = true
credentials = { accessKeyId = "${env:KEY_ID}", secretAccessKey = "${env:SECRET}" }
"#;

fn dev_env() -> EnvVars {
    EnvVars::from_pairs([
        ("REDIS_URL", "redis://:hunter2@localhost:6379/2"),
        ("S3_ENDPOINT", "http://127.0.0.1:9000"),
        ("KEY_ID", "AKIDEXAMPLE"),
        ("SECRET", "wJalrXUtnFEMI"),
    ])
}

fn load(text: &str, env: &EnvVars) -> Result<Profile, ConfigError> {
    load_toml_str(
        text,
        Path::new("/home/u/proj/profiles/dev.toml"),
        "dev",
        env,
    )
}

/// The error of the one broken mount of `text` (the profile itself loads).
fn err(text: &str) -> ConfigError {
    mount_err(load(text, &dev_env()).unwrap())
}

fn mount_err(p: Profile) -> ConfigError {
    assert_eq!(
        p.broken.len(),
        1,
        "one broken mount expected: {:?}",
        p.broken
    );
    p.broken[0].error.clone()
}

/// The error of a profile that does not load at all.
fn profile_err(text: &str) -> ConfigError {
    load(text, &dev_env()).unwrap_err()
}

#[test]
fn product_example_loads_with_defaults_and_resolved_paths() {
    let p = load(DEV, &dev_env()).unwrap();
    assert_eq!(p.name, "dev");
    assert_eq!(p.description, "local development");
    assert!(!p.read_only);
    assert!(p.protect);
    assert_eq!(
        p.kv.keys().collect::<Vec<_>>(),
        ["user", "cache", "session"]
    );
    assert_eq!(p.fs.keys().collect::<Vec<_>>(), ["data", "docs"]);

    let user = &p.kv["user"];
    assert_eq!(user.mode.as_str(), Some("read-write"));
    assert_eq!(user.max_entries, DEFAULT_MAX_ENTRIES_T);
    let KvBackendConfig::Json(j) = &user.backend else {
        panic!()
    };
    assert_eq!(
        j.store,
        PathBuf::from("/home/u/proj/profiles/data/user.json")
    );
    assert_eq!(j.write_policy, WritePolicy::Dispose);
    let schema = user.schema.as_ref().unwrap();
    assert_eq!(
        schema.keys().collect::<Vec<_>>(),
        ["name", "count", "flags"]
    );
    assert_eq!(schema["count"].default, Json::Number(0.0));
    assert_eq!(schema["count"].description.as_deref(), Some("visits"));
    let Json::Object(flags) = &schema["flags"].default else {
        panic!()
    };
    assert_eq!(
        flags.keys().collect::<Vec<_>>(),
        ["z", "a"],
        "file order is kept"
    );

    let KvBackendConfig::Sqlite(s) = &p.kv["cache"].backend else {
        panic!()
    };
    assert_eq!(s.table, "cache_entries");
    let KvBackendConfig::Redis(r) = &p.kv["session"].backend else {
        panic!()
    };
    assert_eq!(r.url.expose(), "redis://:hunter2@localhost:6379/2");
    assert_eq!(r.ttl, Some(3600));
    assert_eq!(r.connect_timeout, crate::config::DEFAULT_CONNECT_TIMEOUT);

    let FsBackendConfig::Local(l) = &p.fs["data"].backend else {
        panic!()
    };
    assert_eq!(l.path, PathBuf::from("/home/u/proj/profiles/data/files"));
    assert_eq!(l.encoding, Encoding::Utf8);
    let FsBackendConfig::S3(s3) = &p.fs["docs"].backend else {
        panic!()
    };
    assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
    assert_eq!(s3.upload_cutoff, crate::config::DEFAULT_UPLOAD_CUTOFF);
    let c = s3.credentials.as_ref().unwrap();
    assert_eq!(c.access_key_id, "AKIDEXAMPLE");
    assert_eq!(c.secret_access_key.expose(), "wJalrXUtnFEMI");
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

const DEFAULT_MAX_ENTRIES_T: u64 = crate::config::DEFAULT_MAX_ENTRIES;

#[test]
fn redis_tls_ca_file_resolves_against_the_profile_and_warns_on_plain_urls() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("certs")).unwrap();
    std::fs::write(dir.path().join("certs/ca.pem"), "").unwrap();
    let text = DEV.replace("ttl = 3600", "ttl = 3600\ntlsCaFile = \"certs/ca.pem\"");
    let profile = dir.path().join("dev.toml");
    let load = |text: &str, env: &EnvVars| load_toml_str(text, &profile, "dev", env);
    let env = EnvVars::from_pairs([
        ("REDIS_URL", "rediss://cache.internal:6380/0"),
        ("S3_ENDPOINT", "http://127.0.0.1:9000"),
        ("KEY_ID", "AKIDEXAMPLE"),
        ("SECRET", "wJalrXUtnFEMI"),
    ]);
    let p = load(&text, &env).unwrap();
    let KvBackendConfig::Redis(r) = &p.kv["session"].backend else {
        panic!()
    };
    assert_eq!(
        r.tls_ca_file.as_deref(),
        Some(dir.path().join("certs/ca.pem").as_path())
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    // On a redis:// url the option does nothing: a warning says so.
    let p = load(&text, &dev_env()).unwrap();
    assert!(
        p.warnings.iter().any(|w| w.contains("tlsCaFile")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn s3_upload_cutoff_is_read_and_checked() {
    let text = DEV.replace(
        "forcePathStyle = true",
        "forcePathStyle = true\nuploadCutoff = 0",
    );
    let p = load(&text, &dev_env()).unwrap();
    let FsBackendConfig::S3(s3) = &p.fs["docs"].backend else {
        panic!()
    };
    assert_eq!(s3.upload_cutoff, 0);
    let bad = DEV.replace(
        "forcePathStyle = true",
        "forcePathStyle = true\nuploadCutoff = \"big\"",
    );
    let e = err(&bad).to_string();
    assert!(e.contains("uploadCutoff"), "{e}");
}

#[test]
fn debug_output_of_a_profile_has_no_secret() {
    let p = load(DEV, &dev_env()).unwrap();
    let dbg = format!("{p:?}");
    assert!(!dbg.contains("hunter2"));
    assert!(!dbg.contains("wJalrXUtnFEMI"));
    assert_eq!(
        p.kv["session"].location(),
        "redis://localhost:6379/2 prefix app:session:"
    );
}

#[test]
fn unset_env_var_in_one_mount_leaves_the_others_usable() {
    let env = EnvVars::from_pairs([
        ("S3_ENDPOINT", "http://x"),
        ("KEY_ID", "k"),
        ("SECRET", "s3cr3t-value"),
    ]);
    let p = load(DEV, &env).unwrap();
    assert_eq!(p.kv.keys().collect::<Vec<_>>(), ["user", "cache"]);
    assert_eq!(p.fs.keys().collect::<Vec<_>>(), ["data", "docs"]);
    let FsBackendConfig::S3(s3) = &p.fs["docs"].backend else {
        panic!()
    };
    assert_eq!(
        s3.credentials.as_ref().unwrap().secret_access_key.expose(),
        "s3cr3t-value"
    );
    let b = &p.broken[0];
    assert_eq!(p.broken.len(), 1);
    assert_eq!(
        (b.section, b.name.as_str(), b.backend.as_deref()),
        (MountSection::Kv, "session", Some("redis"))
    );
    assert_eq!(b.error.line, Some(21));
    assert_eq!(
        b.error.to_string(),
        "/home/u/proj/profiles/dev.toml:21: kv mount `session`: option `url`: \
         environment variable REDIS_URL is not set"
    );
    // The same in an fs mount, inside an inline table: the option is named by its path.
    let env = EnvVars::from_pairs([("REDIS_URL", "redis://h"), ("S3_ENDPOINT", "http://x")]);
    let e = mount_err(load(DEV, &env).unwrap());
    assert_eq!(e.line, Some(37));
    assert_eq!(
        e.message,
        "fs mount `docs`: option `credentials.accessKeyId`: environment variable KEY_ID is not set"
    );
}

#[test]
fn broken_mount_error_never_contains_a_secret() {
    // The mount's secrets resolve; another of its options is wrong.
    let text = DEV
        .replace("ttl = 3600", "ttl = \"an hour\"")
        .replace("forcePathStyle = true", "forcePathStyle = \"yes\"");
    let p = load(&text, &dev_env()).unwrap();
    assert_eq!(p.broken.len(), 2, "{:?}", p.broken);
    let shown = format!(
        "{:?} {}",
        p,
        p.broken
            .iter()
            .map(|b| b.error.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    for secret in ["hunter2", "wJalrXUtnFEMI", "AKIDEXAMPLE"] {
        assert!(!shown.contains(secret), "{secret} shown: {shown}");
    }
    assert_eq!(p.broken[0].error.line, Some(23));
    assert!(p.broken[0].error.message.contains("option `ttl`"));
    assert_eq!(p.broken[1].error.line, Some(36));
    assert!(
        p.broken[1]
            .error
            .message
            .contains("option `forcePathStyle`")
    );
}

#[test]
fn each_mount_error_breaks_only_its_mount_at_its_line() {
    let text = "[kv.good]\nbackend = \"json\"\nstore = \"g.json\"\n\n\
                [kv.value]\nbackend = \"json\"\nstore = \"v.json\"\nmaxEntries = -1\n\n\
                [kv.required]\nbackend = \"sqlite\"\ndatabase = \"d.db\"\n\n\
                [kv.tls]\nbackend = \"redis\"\nurl = \"rediss://h\"\nprefix = \"t:\"\n\
                tlsCaFile = \"/nonexistent/ca.pem\"\n\n\
                [fs.kind]\nbackend = \"ftp\"\n\n\
                [fs.local]\nbackend = \"local\"\npath = \"files\"\n\n\
                [fs.mode]\nbackend = \"local\"\npath = \"files\"\nmode = \"read-only\"\n";
    let p = load(text, &dev_env()).unwrap();
    assert_eq!(p.kv.keys().collect::<Vec<_>>(), ["good"]);
    assert_eq!(p.fs.keys().collect::<Vec<_>>(), ["local"]);
    let got: Vec<_> = p
        .broken
        .iter()
        .map(|b| (b.name.as_str(), b.section.as_str(), b.error.line))
        .collect();
    assert_eq!(
        got,
        [
            ("value", "kv", Some(8)),
            ("required", "kv", Some(10)),
            ("tls", "kv", Some(18)),
            ("kind", "fs", Some(21)),
            ("mode", "fs", Some(30)),
        ]
    );
    assert!(p.broken[0].error.message.contains("must not be negative"));
    assert!(
        p.broken[1]
            .error
            .message
            .contains("missing required option `table`")
    );
    assert_eq!(
        p.broken[2].error.message,
        "kv mount `tls`: option `tlsCaFile` cannot be read: /nonexistent/ca.pem: no such file"
    );
    assert_eq!(p.broken[3].backend.as_deref(), Some("ftp"));
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn syntax_and_profile_section_errors_still_fail_the_whole_profile() {
    let e = profile_err("[kv.a]\nbackend = \"json\"\nstore = \n");
    assert_eq!(e.line, Some(3));
    assert!(e.message.starts_with("invalid TOML"));
    assert!(!e.message.contains('\n'), "one line: {}", e.message);
    let e = profile_err(
        "[profile]\ndescription = \"${env:RM_NOPE}\"\n\n[kv.a]\nbackend = \"json\"\nstore = \"a\"\n",
    );
    assert_eq!(e.line, Some(2));
    assert_eq!(
        e.message,
        "[profile] `description`: environment variable RM_NOPE is not set"
    );
    let e = profile_err("kv = 3\n");
    assert!(e.message.contains("`kv` must hold tables"), "{}", e.message);
}

#[test]
fn interpolation_rules() {
    let env = EnvVars::from_pairs([("A", "1"), ("B_2", "two")]);
    assert_eq!(
        interpolate_env("x${env:A}y${env:B_2}", &env).unwrap(),
        "x1ytwo"
    );
    assert_eq!(
        interpolate_env("$${env:A} $5", &env).unwrap(),
        "${env:A} $5"
    );
    assert!(
        interpolate_env("${A}", &env)
            .unwrap_err()
            .contains("${env:NAME}")
    );
    assert!(
        interpolate_env("${env:A", &env)
            .unwrap_err()
            .contains("unterminated")
    );
    assert!(
        interpolate_env("${env:NOPE}", &env)
            .unwrap_err()
            .contains("NOPE is not set")
    );
}

#[test]
fn unknown_backend_points_at_its_line() {
    let e = err("[kv.a]\nbackend = \"mongo\"\nstore = \"x\"\n");
    assert_eq!(e.line, Some(2));
    assert!(
        e.message.contains("kv mount `a`: option `backend`"),
        "{}",
        e.message
    );
    assert!(e.message.contains("json, sqlite or redis"));
}

#[test]
fn missing_backend_and_required_options_point_at_the_header() {
    let e = err("\n[kv.a]\nstore = \"x\"\n");
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("missing required option `backend`"));
    let e = err("[profile]\n\n[kv.cache]\nbackend = \"sqlite\"\ndatabase = \"c.db\"\n");
    assert_eq!(e.line, Some(3));
    assert!(
        e.message
            .contains("kv mount `cache`: missing required option `table`"),
        "{}",
        e.message
    );
}

#[test]
fn wrong_type_names_option_and_line() {
    let e = err("[kv.a]\nbackend = \"json\"\nstore = \"x\"\nmaxEntries = \"many\"\n");
    assert_eq!(e.line, Some(4));
    assert!(
        e.message
            .contains("option `maxEntries` must be a non-negative integer, not a string"),
        "{}",
        e.message
    );
    let e = err("[fs.f]\nbackend = \"local\"\npath = 5\n");
    assert_eq!(e.line, Some(3));
    assert!(
        e.message
            .contains("option `path` must be a string, not an integer")
    );
}

#[test]
fn bad_mode_is_an_error_in_a_profile() {
    let e = err("[fs.f]\nbackend = \"local\"\npath = \"/x\"\nmode = \"read-only\"\n");
    assert_eq!(e.line, Some(4));
    assert!(e.message.contains("read, write, read-write"));
}

#[test]
fn bad_table_names_are_rejected() {
    let e = err("[kv.c]\nbackend = \"sqlite\"\ndatabase = \"c.db\"\ntable = \"my-table\"\n");
    assert_eq!(e.line, Some(4));
    assert!(e.message.contains("^[a-zA-Z_][a-zA-Z0-9_]*$"));
    let e = err("[kv.c]\nbackend = \"sqlite\"\ndatabase = \"c.db\"\ntable = \"Select\"\n");
    assert!(e.message.contains("SQL keyword"));
}

#[test]
fn redis_url_scheme_error_never_echoes_the_url() {
    let e = err(
        "[kv.s]\nbackend = \"redis\"\nurl = \"http://admin:hunter2@db:6379\"\nprefix = \"s:\"\n",
    );
    assert_eq!(e.line, Some(3));
    let shown = e.to_string();
    assert!(shown.contains("redis:// or rediss://"), "{shown}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("admin"),
        "{shown}"
    );
}

#[test]
fn redis_prefix_overlap_breaks_only_the_later_mount() {
    let text = "[kv.a]\nbackend = \"redis\"\nurl = \"redis://h\"\nprefix = \"app:\"\n\n\
                [kv.b]\nbackend = \"redis\"\nurl = \"redis://h\"\nprefix = \"app:user:\"\n";
    let p = load(text, &dev_env()).unwrap();
    assert_eq!(p.kv.keys().collect::<Vec<_>>(), ["a"]);
    let e = mount_err(p);
    assert_eq!(e.line, Some(6));
    assert!(e.message.contains("overlaps kv mount `a`"), "{}", e.message);
    // Different servers may share a prefix.
    let ok = text.replace(
        "redis://h\"\nprefix = \"app:user:",
        "redis://other\"\nprefix = \"app:user:",
    );
    load(&ok, &dev_env()).unwrap();
}

#[test]
fn s3_region_and_endpoint_checks() {
    let e = err("[fs.d]\nbackend = \"s3\"\nbucket = \"b\"\n");
    assert_eq!(e.line, Some(1));
    assert!(e.message.contains("missing required option `region`"));
    let e = err("[fs.d]\nbackend = \"s3\"\nbucket = \"b\"\nregion = \"  \"\n");
    assert_eq!(e.line, Some(4));
    let e = err(
        "[fs.d]\nbackend = \"s3\"\nbucket = \"b\"\nregion = \"auto\"\nendpoint = \"localhost:9000\"\n",
    );
    assert_eq!(e.line, Some(5));
    assert!(e.message.contains("option `endpoint`"));
}

#[test]
fn s3_secret_type_error_does_not_show_the_secret() {
    let text = "[fs.d]\nbackend = \"s3\"\nbucket = \"b\"\nregion = \"auto\"\n\
                credentials = { accessKeyId = \"AK\", secretAccessKey = \"\" , extra = \"s3cr3t\" }\n";
    let e = err(text).to_string();
    assert!(e.contains("credentials.secretAccessKey"), "{e}");
    assert!(!e.contains("s3cr3t"));
}

#[test]
fn unknown_options_and_sections_are_errors() {
    let e = err("[kv.a]\nbackend = \"json\"\nstore = \"x\"\ntable = \"t\"\n");
    assert_eq!(e.line, Some(4));
    assert!(
        e.message
            .contains("`table` is not an option of the json backend")
    );
    let e = profile_err("[database]\nurl = 1\n");
    assert_eq!(e.line, Some(1));
    let e = profile_err("[profile]\nreadonly = true\n");
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("readOnly"));
}

#[test]
fn schema_errors_point_at_the_entry() {
    let e = err(
        "[kv.a]\nbackend = \"json\"\nstore = \"x\"\nschema.n = { type = \"int\", default = 0 }\n",
    );
    assert_eq!(e.line, Some(4));
    assert!(e.message.contains("schema key `n`"));
    let e =
        err("[kv.a]\nbackend = \"json\"\nstore = \"x\"\n\n[kv.a.schema.n]\ntype = \"number\"\n");
    assert!(e.message.contains("missing `default`"), "{}", e.message);
}

#[test]
fn syntax_errors_have_a_line() {
    let e = profile_err("[kv.a]\nbackend = \"json\"\nstore = \n");
    assert_eq!(e.line, Some(3));
    assert!(e.message.starts_with("invalid TOML"));
}

#[test]
fn environment_overrides_replace_options_and_are_named_in_errors() {
    let env = EnvVars::from_pairs([
        ("RILLMOUNT_DEV__kv__a__maxEntries", "7"),
        ("RILLMOUNT_DEV__kv__a__mode", "read"),
    ]);
    let p = load("[kv.a]\nbackend = \"json\"\nstore = \"x\"\n", &env).unwrap();
    assert_eq!(p.kv["a"].max_entries, 7);
    assert_eq!(p.kv["a"].mode.as_str(), Some("read"));
    let env = EnvVars::from_pairs([("RILLMOUNT_DEV__kv__a__maxEntries", "lots")]);
    let e = mount_err(load("[kv.a]\nbackend = \"json\"\nstore = \"x\"\n", &env).unwrap());
    assert!(
        e.message.contains("RILLMOUNT_DEV__kv__a__maxEntries"),
        "{}",
        e.message
    );
    assert_eq!(e.line, None);
}

#[test]
fn connect_timeout_and_ttl_zero() {
    let p = load(
        "[kv.s]\nbackend = \"redis\"\nurl = \"rediss://h:1/3\"\nprefix = \"\"\nttl = 0\nconnectTimeout = 0.5\n",
        &dev_env(),
    )
    .unwrap();
    let KvBackendConfig::Redis(r) = &p.kv["s"].backend else {
        panic!()
    };
    assert_eq!(r.ttl, None);
    assert_eq!(r.connect_timeout, Duration::from_millis(500));
}

#[test]
fn mount_names_must_fit_addresses() {
    let e = err("[kv.\"a/b\"]\nbackend = \"json\"\nstore = \"x\"\n");
    assert_eq!(e.line, Some(1));
    assert!(e.message.contains("addresses"));
}

#[test]
fn discovery_finds_project_and_rill_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("profiles")).unwrap();
    std::fs::write(dir.path().join("profiles/b.toml"), "").unwrap();
    std::fs::write(dir.path().join("profiles/a.toml"), "").unwrap();
    std::fs::write(dir.path().join("profiles/notes.txt"), "").unwrap();
    std::fs::write(dir.path().join("rill-config.json"), "{}").unwrap();
    let sub = dir.path().join("src/deep");
    std::fs::create_dir_all(&sub).unwrap();
    let found = discover(dir.path());
    let names: Vec<_> = found
        .iter()
        .filter(|f| f.origin != Origin::User)
        .map(|f| (f.name.as_str(), f.origin))
        .collect();
    assert_eq!(
        names,
        [
            ("a", Origin::Project),
            ("b", Origin::Project),
            ("rill-config", Origin::RillConfig)
        ]
    );
    assert_eq!(
        find_rill_config(&sub),
        Some(dir.path().join("rill-config.json"))
    );
    let r = resolve_profile("b", dir.path()).unwrap();
    assert_eq!(r.path, dir.path().join("profiles/b.toml"));
    let r = resolve_profile("profiles/a.toml", dir.path()).unwrap();
    assert_eq!(r.origin, Origin::Explicit);
    let e = resolve_profile("nope", dir.path()).unwrap_err();
    assert!(e.message.contains("found: a, b"), "{}", e.message);
}

#[test]
fn load_profile_reads_files_and_names_them_by_stem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stage.toml");
    std::fs::write(&path, "[kv.a]\nbackend = \"json\"\nstore = \"a.json\"\n").unwrap();
    let p = load_profile(&path, None, &EnvVars::default()).unwrap();
    assert_eq!(p.name, "stage");
    let KvBackendConfig::Json(j) = &p.kv["a"].backend else {
        panic!()
    };
    assert_eq!(j.store, dir.path().join("a.json"));
    let e = load_profile(&dir.path().join("none.toml"), None, &EnvVars::default()).unwrap_err();
    assert!(e.message.contains("no such file"));
}

#[test]
fn profile_rill_chooses_the_dialect_with_its_line() {
    use crate::rill::dialect::{Dialect, DialectChoice};
    let p = load(
        "[profile]\ndescription = \"x\"\nrill = \"0.20\"\n",
        &dev_env(),
    )
    .unwrap();
    assert_eq!(
        p.rill,
        DialectChoice::Set {
            dialect: Dialect::V0_20,
            by: "[profile] rill at /home/u/proj/profiles/dev.toml:3".into()
        }
    );
    assert_eq!(load("", &dev_env()).unwrap().rill, DialectChoice::Default);
    let e = profile_err("[profile]\nrill = \"0.18\"\n");
    assert_eq!(e.line, Some(2));
    assert!(
        e.message.contains("rillmount speaks 0.8 (v0.8.6) and 0.20"),
        "{}",
        e.message
    );
    let e = profile_err("[profile]\nrill = 0.2\n");
    assert!(
        e.message.contains("must be a version string"),
        "{}",
        e.message
    );
}
