//! What a script wrote (or would write in a dry run), as the CLI and the scratchpad show it.

/// One write a script made (or would make, in a dry run).
#[derive(Debug, Clone, PartialEq)]
pub struct WriteChange {
    /// `kv` or `fs`.
    pub store: &'static str,
    pub mount: String,
    /// Key or path.
    pub target: String,
    /// Stored JSON text (kv) or a content summary (fs) before; `None` = did not exist.
    pub before: Option<String>,
    /// After; `None` = deleted.
    pub after: Option<String>,
}

impl WriteChange {
    /// `+` created, `-` deleted, `~` changed.
    pub fn sign(&self) -> char {
        match (&self.before, &self.after) {
            (None, _) => '+',
            (_, None) => '-',
            _ => '~',
        }
    }

    /// One diff line: `+ kv app/key: → "x"`, `~ fs docs/a.txt: 3 bytes → 5 bytes: "hello"`.
    pub fn diff_line(&self) -> String {
        let side = |s: &Option<String>| s.clone().unwrap_or_else(|| "(none)".into());
        format!(
            "{} {} {}/{}: {} → {}",
            self.sign(),
            self.store,
            self.mount,
            self.target,
            side(&self.before),
            side(&self.after)
        )
    }

    /// The change as JSON (`{store, mount, target, before, after}`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "store": self.store,
            "mount": self.mount,
            "target": self.target,
            "before": self.before,
            "after": self.after,
        })
    }
}
