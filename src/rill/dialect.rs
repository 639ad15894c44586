//! Which rill a script is written in: the v0.8.6 language (`kv::get("user", "name")`) or
//! today's v0.20.0 (`kv.get("user", "name")`, `list[…]`). Chosen per run: `eval --rill`, a
//! profile's `[profile] rill = "0.20"`, the extension packages a `rill-config.json` names, or
//! [`Dialect::DEFAULT`]. A leaf of the crate: configuration reads it, the interpreter obeys it.

use std::fmt;
use std::str::FromStr;

/// A rill language generation rillmount speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Dialect {
    /// rill v0.8.6: `::` host calls, `[…]` literals, `each`/`map`.
    #[serde(rename = "0.8")]
    V0_8,
    /// rill v0.20.0: member host calls, `list[…]`/`dict[…]`, `seq`/`fan`/`acc`, atoms.
    #[serde(rename = "0.20")]
    V0_20,
}

impl Dialect {
    /// Used when nothing chooses: v0.8 until the v0.20 interpreter lands (issue 10), then the
    /// newest.
    pub const DEFAULT: Dialect = Dialect::V0_8;

    /// `0.8` or `0.20`, as `--rill` and profiles spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::V0_8 => "0.8",
            Dialect::V0_20 => "0.20",
        }
    }

    /// The reference release whose behaviour the dialect follows.
    pub fn reference(self) -> &'static str {
        match self {
            Dialect::V0_8 => "v0.8.6",
            Dialect::V0_20 => "v0.20.0",
        }
    }

    /// Whether rillmount can run scripts of this dialect yet.
    pub fn runs(self) -> bool {
        self == Dialect::V0_8
    }

    /// Why a run in this dialect is refused, when [`Dialect::runs`] is false.
    pub fn not_yet(self) -> String {
        format!(
            "rill {} scripts cannot run yet: its interpreter is being built (issue 10); \
             run them as rill 0.8 (--rill 0.8 or [profile] rill = \"0.8\") where they are \
             written in it",
            self.as_str()
        )
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Accepts `0.8`, `0.8.6`, `v0.8.6`, `0.20`, `0.20.0`, `v0.20`.
impl FromStr for Dialect {
    type Err = String;

    fn from_str(s: &str) -> Result<Dialect, String> {
        let t = s.trim().trim_start_matches('v');
        match t {
            "0.8" | "0.8.6" => Ok(Dialect::V0_8),
            "0.20" | "0.20.0" => Ok(Dialect::V0_20),
            _ => Err(format!(
                "unknown rill version `{s}`: rillmount speaks 0.8 (v0.8.6) and 0.20 (v0.20.0)"
            )),
        }
    }
}

/// What a profile says about its dialect.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DialectChoice {
    /// Chosen, with what chose it (`[profile] rill at dev.toml:3`, `@rcrsr/rill-ext-kv`).
    Set { dialect: Dialect, by: String },
    /// Nothing says: [`Dialect::DEFAULT`].
    #[default]
    Default,
    /// The profile cannot be told apart (a `rill-config.json` whose packages name no
    /// version, or names of both generations): the reason, asking for a choice.
    Unknown(String),
}

impl DialectChoice {
    /// The dialect of a run: `flag` (`--rill`) wins, then the profile's choice.
    pub fn resolve(&self, flag: Option<Dialect>) -> Result<Dialect, String> {
        match (flag, self) {
            (Some(d), _) => Ok(d),
            (None, DialectChoice::Set { dialect, .. }) => Ok(*dialect),
            (None, DialectChoice::Default) => Ok(Dialect::DEFAULT),
            (None, DialectChoice::Unknown(why)) => Err(why.clone()),
        }
    }

    /// The dialect a run gets without `--rill`, if one is told: `0.8`, `0.20` or `?`.
    pub fn short(&self) -> &'static str {
        match self {
            DialectChoice::Set { dialect, .. } => dialect.as_str(),
            DialectChoice::Default => Dialect::DEFAULT.as_str(),
            DialectChoice::Unknown(_) => "?",
        }
    }

    /// `{"dialect": "0.20"|null, "by": …, "unknown": …}` for `--json` outputs.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            DialectChoice::Set { dialect, by } => {
                serde_json::json!({"dialect": dialect.as_str(), "by": by})
            }
            DialectChoice::Default => {
                serde_json::json!({"dialect": Dialect::DEFAULT.as_str(), "by": "default"})
            }
            DialectChoice::Unknown(why) => serde_json::json!({"dialect": null, "unknown": why}),
        }
    }

    /// One line for `mounts` and `profiles`: `rill 0.20 (…)`.
    pub fn describe(&self) -> String {
        match self {
            DialectChoice::Set { dialect, by } => format!("rill {dialect} (set by {by})"),
            DialectChoice::Default => format!("rill {} (the default)", Dialect::DEFAULT),
            DialectChoice::Unknown(why) => format!("rill: unknown ({why})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_in_every_spelling() {
        for s in ["0.8", "0.8.6", "v0.8.6"] {
            assert_eq!(s.parse::<Dialect>(), Ok(Dialect::V0_8));
        }
        for s in ["0.20", "0.20.0", "v0.20"] {
            assert_eq!(s.parse::<Dialect>(), Ok(Dialect::V0_20));
        }
        let e = "0.18".parse::<Dialect>().unwrap_err();
        assert!(e.contains("0.8 (v0.8.6) and 0.20"), "{e}");
    }

    #[test]
    fn the_flag_wins_then_the_profile() {
        let set = DialectChoice::Set {
            dialect: Dialect::V0_20,
            by: "x".into(),
        };
        assert_eq!(set.resolve(None), Ok(Dialect::V0_20));
        assert_eq!(set.resolve(Some(Dialect::V0_8)), Ok(Dialect::V0_8));
        assert_eq!(DialectChoice::Default.resolve(None), Ok(Dialect::DEFAULT));
        let unknown = DialectChoice::Unknown("say which".into());
        assert_eq!(unknown.resolve(None), Err("say which".into()));
        assert_eq!(unknown.resolve(Some(Dialect::V0_8)), Ok(Dialect::V0_8));
    }
}
