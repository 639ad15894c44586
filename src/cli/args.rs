//! The command-line grammar (clap derive), exactly the commands of PRODUCT.md "Command line".
//!
//! Addresses are `PROFILE:MOUNT[/PATH]`; with `-p PROFILE` (or `RILLMOUNT_PROFILE`) the profile
//! may be left out. Values and keys may start with `-` (`kv set dev:c n -5`).

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::commands::eval::EvalArgs;

/// Terminal UI and command line for inspecting and migrating rill mounts.
#[derive(Parser, Debug)]
#[command(name = "rillmount", version, about, long_about = None)]
pub struct Cli {
    /// Without a command: the profile the TUI opens first
    #[command(flatten)]
    pub profile: ProfileOpt,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `-p PROFILE`: a profile name or the path of a profile file.
#[derive(Args, Debug, Clone, Default)]
pub struct ProfileOpt {
    /// Profile name or path of a profile file (.toml, or a rill host's rill-config.json)
    #[arg(
        short = 'p',
        long = "profile",
        env = "RILLMOUNT_PROFILE",
        value_name = "PROFILE"
    )]
    pub profile: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the terminal UI
    Tui(TuiArgs),
    /// List discovered profiles
    Profiles(ProfilesArgs),
    /// Show the mounts of a profile (backend, mode, schema, location; never secrets)
    Mounts(MountsArgs),
    /// Read and write kv mounts
    #[command(subcommand)]
    Kv(KvCommand),
    /// Read and write fs mounts
    #[command(subcommand)]
    Fs(FsCommand),
    /// Run a rill snippet or script against a profile's mounts
    Eval(EvalArgs),
    /// Compare two mounts: new, changed, same, only in destination
    Diff(DiffArgs),
    /// Copy a mount into another (deletes only with --delete-extra)
    Copy(CopyArgs),
    /// Re-read both sides and compare every item
    Verify(VerifyArgs),
    /// Undo a copy from its --backup-dir: remove what it created, put back what it changed
    Restore(RestoreArgs),
}

#[derive(Args, Debug)]
pub struct TuiArgs {
    #[command(flatten)]
    pub profile: ProfileOpt,
}

#[derive(Args, Debug)]
pub struct ProfilesArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct MountsArgs {
    #[command(flatten)]
    pub profile: ProfileOpt,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum KvCommand {
    /// List stored keys, one a line (or a JSON array)
    Keys {
        /// PROFILE:MOUNT
        addr: String,
        /// Only keys matching this glob: * any run, ? one character, [abc] [a-z] [!a] sets,
        /// \ before a character for itself (pushed down: SQLite index range, Redis MATCH)
        #[arg(long = "match", value_name = "GLOB")]
        pattern: Option<String>,
        /// Print only how many keys there are (that match)
        #[arg(long)]
        count: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        profile: ProfileOpt,
    },
    /// List the keys whose values contain TEXT, or (--path) whose value at a JSON path
    /// equals it, streaming through the mount
    Grep {
        /// PROFILE:MOUNT
        addr: String,
        /// A substring of the stored (compact JSON) text; with --path, the JSON value to
        /// equal (`"pro"`, 3, true; text that is not JSON is a string)
        #[arg(allow_hyphen_values = true)]
        text: String,
        /// A JSON path into each value: .user.plan, .tags[0], ["odd key"]
        #[arg(long, value_name = "JSONPATH")]
        path: Option<String>,
        /// Only keys matching this glob (as `kv keys --match`)
        #[arg(long = "match", value_name = "GLOB")]
        pattern: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        profile: ProfileOpt,
    },
    /// Print a stored value as JSON (compact, as stored)
    Get {
        /// PROFILE:MOUNT
        addr: String,
        #[arg(allow_hyphen_values = true)]
        key: String,
        #[command(flatten)]
        profile: ProfileOpt,
    },
    /// Store a JSON value; respects the mount's mode, schema and limits
    Set {
        /// PROFILE:MOUNT
        addr: String,
        #[arg(allow_hyphen_values = true)]
        key: String,
        /// A JSON value: '"text"', 42, true, '{"a":1}'
        #[arg(allow_hyphen_values = true)]
        json: String,
        /// Confirm a write to a protected profile
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        profile: ProfileOpt,
    },
    /// Delete a key
    Del {
        /// PROFILE:MOUNT
        addr: String,
        #[arg(allow_hyphen_values = true)]
        key: String,
        /// Confirm a write to a protected profile
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        profile: ProfileOpt,
    },
    /// Print every key and value as one JSON object (streamed)
    Dump {
        /// PROFILE:MOUNT
        addr: String,
        /// Only keys matching this glob (as `kv keys --match`)
        #[arg(long = "match", value_name = "GLOB")]
        pattern: Option<String>,
        #[command(flatten)]
        profile: ProfileOpt,
    },
}

#[derive(Subcommand, Debug)]
pub enum FsCommand {
    /// List a folder
    Ls {
        /// PROFILE:MOUNT[/PATH]
        addr: String,
        /// Only entries matching this glob: names in the folder, or with --recursive paths
        /// below it (* crosses /; as `kv keys --match`)
        #[arg(long = "match", value_name = "GLOB")]
        pattern: Option<String>,
        /// Every file below the folder, by its path relative to the folder
        #[arg(long, short = 'r')]
        recursive: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        profile: ProfileOpt,
    },
    /// Write a file's raw bytes to stdout
    Cat {
        /// PROFILE:MOUNT/PATH
        addr: String,
        #[command(flatten)]
        profile: ProfileOpt,
    },
    /// Upload a local file (or `-` for stdin)
    Put {
        /// PROFILE:MOUNT/PATH
        addr: String,
        /// Local file, or - for stdin
        file: String,
        /// Confirm a write to a protected profile
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        profile: ProfileOpt,
    },
    /// Remove a file
    Rm {
        /// PROFILE:MOUNT/PATH
        addr: String,
        /// Confirm a write to a protected profile
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        profile: ProfileOpt,
    },
    /// Show a file's metadata
    Stat {
        /// PROFILE:MOUNT/PATH
        addr: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        profile: ProfileOpt,
    },
}

/// `--include` / `--exclude` globs over keys or file paths.
#[derive(Args, Debug, Default, Clone)]
pub struct MigrateFilterArgs {
    /// Only items whose key or path matches this glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Leave out items whose key or path matches this glob (repeatable; wins over --include)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// kv <-> fs: the fs side is the single JSON document NAME (rill's JSON-store format)
    /// instead of one file per key
    #[arg(long, value_name = "NAME")]
    pub as_document: Option<String>,
    /// Only shard I of N (0-based): N processes with --shard 0/N … N-1/N cover the mount
    /// exactly once, each with its own journal
    #[arg(long, value_name = "I/N", value_parser = crate::migrate::shard::Shard::parse)]
    pub shard: Option<crate::migrate::shard::Shard>,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Source: PROFILE:MOUNT
    pub src: String,
    /// Destination: PROFILE:MOUNT
    pub dst: String,
    /// Also list items that are the same on both sides
    #[arg(short, long)]
    pub verbose: bool,
    /// Save the plan to FILE: every item's action with a fingerprint of both sides, for
    /// `copy --plan FILE` to apply exactly (and refuse what changed since)
    #[arg(long, value_name = "FILE")]
    pub save: Option<std::path::PathBuf>,
    /// With --save: what the plan does with items that differ
    #[arg(long, value_enum, default_value_t = OnConflict::Skip)]
    pub on_conflict: OnConflict,
    /// With --save: Redis to Redis, keep each key's remaining TTL
    #[arg(long)]
    pub preserve_ttl: bool,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub filter: MigrateFilterArgs,
    #[command(flatten)]
    pub profile: ProfileOpt,
}

/// What `copy` does with an item that exists on both sides with different content.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnConflict {
    #[default]
    Skip,
    Overwrite,
    Fail,
}

#[derive(Args, Debug)]
pub struct CopyArgs {
    /// Source: PROFILE:MOUNT[/PATH] (with --plan, the plan's when left out)
    #[arg(required_unless_present = "plan")]
    pub src: Option<String>,
    /// Destination: PROFILE:MOUNT[/PATH] (with --plan, the plan's when left out)
    #[arg(required_unless_present = "plan")]
    pub dst: Option<String>,
    /// Apply exactly the plan saved by `diff --save FILE`: only its creates and overwrites,
    /// each refused if it changed on either side since
    #[arg(long, value_name = "FILE")]
    pub plan: Option<std::path::PathBuf>,
    /// Show the plan without writing
    #[arg(long)]
    pub dry_run: bool,
    /// What to do with items that differ
    #[arg(long, value_enum, default_value_t = OnConflict::Skip)]
    pub on_conflict: OnConflict,
    /// Verify every copied item afterwards
    #[arg(long)]
    pub verify: bool,
    /// Redis to Redis: keep each key's remaining TTL instead of the destination's `ttl`
    #[arg(long)]
    pub preserve_ttl: bool,
    /// Files transferred at the same time
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,
    /// Folder of the resume journal (default: the user's state folder)
    #[arg(long, value_name = "DIR")]
    pub journal: Option<std::path::PathBuf>,
    /// Copy without a journal (an interrupted copy then starts over)
    #[arg(long)]
    pub no_journal: bool,
    /// Write what the destination accepts even when it would refuse some items (without
    /// it, a copy that would leave anything unwritten writes nothing)
    #[arg(long)]
    pub partial: bool,
    /// Write the whole report (every rejected item) to FILE as JSON
    #[arg(long, value_name = "FILE")]
    pub report: Option<std::path::PathBuf>,
    /// Save the destination's previous value or file of every item the copy overwrites
    /// (with its TTL), and what it creates, into a local folder or PROFILE:MOUNT/PATH of an
    /// fs mount; `rillmount restore` undoes the copy from it
    #[arg(long, value_name = "DIR|ADDR")]
    pub backup_dir: Option<String>,
    /// Mirror: after a copy that wrote everything, delete the destination-only items (the
    /// ones --include/--exclude/--shard take in); needs --yes
    #[arg(long)]
    pub delete_extra: bool,
    /// With --delete-extra: delete nothing when there would be more than N deletions
    #[arg(long, value_name = "N", default_value_t = crate::migrate::apply::mirror::DEFAULT_MAX_DELETE)]
    pub max_delete: u64,
    #[command(flatten)]
    pub filter: MigrateFilterArgs,
    /// Confirm writing to a protected profile
    #[arg(long)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub profile: ProfileOpt,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Source: PROFILE:MOUNT
    pub src: String,
    /// Destination: PROFILE:MOUNT
    pub dst: String,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub filter: MigrateFilterArgs,
    #[command(flatten)]
    pub profile: ProfileOpt,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup: the folder or PROFILE:MOUNT/PATH given to `copy --backup-dir`
    pub backup: String,
    /// The mount to restore: the copy's destination, PROFILE:MOUNT
    pub dst: String,
    /// Say what would be restored and removed without writing
    #[arg(long)]
    pub dry_run: bool,
    /// Restore into another mount than the one the backup was taken of
    #[arg(long)]
    pub force: bool,
    /// Confirm writing to a protected profile
    #[arg(long)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub profile: ProfileOpt,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn negative_numbers_are_values() {
        let cli = Cli::try_parse_from(["rillmount", "kv", "set", "dev:c", "n", "-5"]).unwrap();
        let Some(Command::Kv(KvCommand::Set { json, .. })) = cli.command else {
            panic!()
        };
        assert_eq!(json, "-5");
    }
}
