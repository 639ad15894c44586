//! Key bindings: `(KeyContext, key) → Action`, the defaults plus a user TOML file.
//!
//! The same table renders the help bar and the help overlay, so what is shown is what works.
//! User file (`keymap.toml` in the config folder) replaces the keys of one action in one
//! context:
//!
//! ```toml
//! [browser]
//! delete = ["ctrl-d"]
//! down = ["j", "down", "ctrl-n"]
//! ```

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// Where a key is pressed; each screen (and the browser's filter field) has its own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyContext {
    /// Fallback for every non-text context.
    Global,
    Browser,
    /// Typing the browser filter: unbound keys are text.
    Filter,
    Help,
    Confirm,
    /// A one-line text prompt (typed confirmation, new key name): unbound keys are text.
    Prompt,
    /// The value editor: unbound keys are text.
    Editor,
    Migrate,
    /// The rill scratchpad: unbound keys are text.
    Scratchpad,
}

impl KeyContext {
    pub const ALL: [KeyContext; 9] = [
        KeyContext::Global,
        KeyContext::Browser,
        KeyContext::Filter,
        KeyContext::Help,
        KeyContext::Confirm,
        KeyContext::Prompt,
        KeyContext::Editor,
        KeyContext::Migrate,
        KeyContext::Scratchpad,
    ];

    pub fn name(self) -> &'static str {
        match self {
            KeyContext::Global => "global",
            KeyContext::Browser => "browser",
            KeyContext::Filter => "filter",
            KeyContext::Help => "help",
            KeyContext::Confirm => "confirm",
            KeyContext::Prompt => "prompt",
            KeyContext::Editor => "editor",
            KeyContext::Migrate => "migrate",
            KeyContext::Scratchpad => "scratchpad",
        }
    }

    /// Unbound keys are typed text here, and global bindings do not apply.
    pub fn takes_text(self) -> bool {
        matches!(
            self,
            KeyContext::Filter | KeyContext::Prompt | KeyContext::Editor | KeyContext::Scratchpad
        )
    }
}

/// A key with its modifiers (shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeyChord {
    pub fn from_event(e: &KeyEvent) -> KeyChord {
        let mut mods = e.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        // Shift is part of `G` and of back-tab already.
        if !matches!(e.code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods |= e.modifiers & KeyModifiers::SHIFT;
        }
        KeyChord { code: e.code, mods }
    }

    /// Parses `j`, `G`, `?`, `ctrl-d`, `alt-x`, `enter`, `esc`, `tab`, `backtab`, `up`, `pgdn`,
    /// `f1`, `space`.
    pub fn parse(s: &str) -> Option<KeyChord> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("shift-") {
                mods |= KeyModifiers::SHIFT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "backspace" => KeyCode::Backspace,
            "delete" => KeyCode::Delete,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('f') => KeyCode::F(f[1..].parse().ok()?),
            c => {
                let mut chars = c.chars();
                let ch = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(ch)
            }
        };
        if matches!(code, KeyCode::Char(_)) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Some(KeyChord { code, mods })
    }

    /// Short label for the help bar: `j`, `^d`, `enter`, `↑`.
    pub fn label(&self) -> String {
        let key = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "S-tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::Backspace => "bksp".into(),
            KeyCode::Delete => "del".into(),
            KeyCode::F(n) => format!("F{n}"),
            _ => "?".into(),
        };
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push('^');
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("M-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            s.push_str("S-");
        }
        s + &key
    }
}

/// Names of the bindable actions (used in the TOML file), their help text, and whether they
/// write (write actions are hidden on read-only profiles and `read` mounts).
const ACTIONS: &[(&str, &str, bool)] = &[
    ("quit", "quit", false),
    ("help", "help", false),
    ("up", "up", false),
    ("down", "down", false),
    ("page_up", "page up", false),
    ("page_down", "page down", false),
    ("top", "first", false),
    ("bottom", "last", false),
    ("open", "open", false),
    ("back", "back", false),
    ("next_pane", "next pane", false),
    ("prev_pane", "previous pane", false),
    ("filter", "search", false),
    ("clear_filter", "clear search", false),
    ("go_to", "go to key", false),
    ("sort", "sort", false),
    ("load_all", "load all", false),
    ("reload", "reload", false),
    ("edit", "edit", true),
    ("new_key", "new key", true),
    ("delete", "delete", true),
    ("set_ttl", "set TTL", true),
    ("save", "save", true),
    ("confirm", "confirm", false),
    ("cancel", "cancel", false),
    ("migrate", "migrate", false),
    ("conflict", "conflict policy", false),
    ("partial", "write what fits", false),
    ("backup", "backup", false),
    ("mirror", "mirror", false),
    ("apply", "apply", false),
    ("verify", "verify", false),
    ("theme", "theme", false),
    ("scratchpad", "scratchpad", false),
    ("run", "run (dry)", false),
    ("history_prev", "older snippet", false),
    ("history_next", "newer snippet", false),
    ("dialect", "switch rill", false),
];

/// The bindable action of a name.
pub fn action_by_name(name: &str) -> Option<Action> {
    Some(match name {
        "quit" => Action::Quit,
        "help" => Action::ToggleHelp,
        "up" => Action::Up,
        "down" => Action::Down,
        "page_up" => Action::PageUp,
        "page_down" => Action::PageDown,
        "top" => Action::Top,
        "bottom" => Action::Bottom,
        "open" => Action::Open,
        "back" => Action::Back,
        "next_pane" => Action::NextPane,
        "prev_pane" => Action::PrevPane,
        "filter" => Action::StartFilter,
        "clear_filter" => Action::ClearFilter,
        "go_to" => Action::GoTo,
        "sort" => Action::CycleSort,
        "load_all" => Action::LoadAll,
        "reload" => Action::Reload,
        "edit" => Action::Edit,
        "new_key" => Action::NewKey,
        "delete" => Action::Delete,
        "set_ttl" => Action::SetTtl,
        "save" => Action::Save,
        "confirm" => Action::Confirm,
        "cancel" => Action::Cancel,
        "migrate" => Action::OpenMigration,
        "conflict" => Action::CycleConflict,
        "partial" => Action::TogglePartial,
        "backup" => Action::ToggleBackup,
        "mirror" => Action::ToggleMirror,
        "apply" => Action::Apply,
        "verify" => Action::Verify,
        "theme" => Action::ToggleTheme,
        "scratchpad" => Action::OpenScratchpad,
        "run" => Action::Run,
        "history_prev" => Action::HistoryPrev,
        "history_next" => Action::HistoryNext,
        "dialect" => Action::SwitchDialect,
        _ => return None,
    })
}

use KeyContext as C;

/// Default bindings: context, action name, keys (the first key is the one the help bar shows).
const DEFAULTS: &[(KeyContext, &str, &[&str])] = &[
    (C::Global, "quit", &["q", "ctrl-c"]),
    (C::Global, "help", &["?", "f1"]),
    (C::Global, "theme", &["T"]),
    (C::Browser, "down", &["j", "down"]),
    (C::Browser, "up", &["k", "up"]),
    (C::Browser, "page_down", &["ctrl-d", "pgdn"]),
    (C::Browser, "page_up", &["ctrl-u", "pgup"]),
    (C::Browser, "top", &["home"]),
    (C::Browser, "go_to", &["g"]),
    (C::Browser, "bottom", &["G", "end"]),
    (C::Browser, "open", &["enter", "l", "right"]),
    (C::Browser, "back", &["backspace", "h", "left"]),
    (C::Browser, "next_pane", &["tab"]),
    (C::Browser, "prev_pane", &["backtab"]),
    (C::Browser, "filter", &["/"]),
    (C::Browser, "clear_filter", &["esc"]),
    (C::Browser, "sort", &["s"]),
    (C::Browser, "load_all", &["L"]),
    (C::Browser, "reload", &["r"]),
    (C::Browser, "edit", &["e"]),
    (C::Browser, "new_key", &["a"]),
    (C::Browser, "delete", &["d", "delete"]),
    (C::Browser, "set_ttl", &["t"]),
    (C::Browser, "migrate", &["m"]),
    (C::Browser, "scratchpad", &[":"]),
    (C::Filter, "confirm", &["enter"]),
    (C::Filter, "clear_filter", &["esc"]),
    (C::Help, "cancel", &["esc", "?", "q"]),
    (C::Help, "down", &["j", "down"]),
    (C::Help, "up", &["k", "up"]),
    (C::Confirm, "confirm", &["y", "enter"]),
    (C::Confirm, "cancel", &["n", "esc"]),
    (C::Prompt, "confirm", &["enter"]),
    (C::Prompt, "cancel", &["esc"]),
    (C::Editor, "save", &["ctrl-s"]),
    (C::Editor, "cancel", &["esc"]),
    (C::Migrate, "down", &["j", "down"]),
    (C::Migrate, "up", &["k", "up"]),
    (C::Migrate, "open", &["enter"]),
    (C::Migrate, "conflict", &["c"]),
    (C::Migrate, "partial", &["p"]),
    (C::Migrate, "backup", &["b"]),
    (C::Migrate, "mirror", &["m"]),
    (C::Migrate, "apply", &["a"]),
    (C::Migrate, "verify", &["v"]),
    (C::Migrate, "cancel", &["x"]),
    (C::Migrate, "back", &["esc", "backspace"]),
    (C::Scratchpad, "run", &["f5", "ctrl-enter", "ctrl-r"]),
    (C::Scratchpad, "help", &["f1"]),
    (C::Scratchpad, "apply", &["f6", "ctrl-y"]),
    (C::Scratchpad, "cancel", &["esc"]),
    (C::Scratchpad, "history_prev", &["ctrl-p"]),
    (C::Scratchpad, "history_next", &["ctrl-n"]),
    (C::Scratchpad, "dialect", &["f2"]),
    (C::Scratchpad, "page_down", &["pgdn"]),
    (C::Scratchpad, "page_up", &["pgup"]),
];

/// One binding row: an action and its keys in one context.
#[derive(Debug, Clone)]
pub struct Binding {
    pub context: KeyContext,
    pub name: &'static str,
    pub help: &'static str,
    /// Writes to a store: hidden and refused where writing is not allowed.
    pub writes: bool,
    pub keys: Vec<KeyChord>,
}

/// The resolved table.
#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULTS
            .iter()
            .filter_map(|(ctx, name, keys)| {
                let (n, help, writes) = ACTIONS.iter().find(|(n, _, _)| n == name)?;
                Some(Binding {
                    context: *ctx,
                    name: n,
                    help,
                    writes: *writes,
                    keys: keys.iter().filter_map(|k| KeyChord::parse(k)).collect(),
                })
            })
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// Defaults with the user's TOML applied. Errors name the context, action or key.
    pub fn with_overrides(toml_text: &str) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        let table: BTreeMap<String, BTreeMap<String, Vec<String>>> =
            toml::from_str(toml_text).map_err(|e| format!("keymap: {}", e.message()))?;
        for (ctx_name, actions) in table {
            let ctx = KeyContext::ALL
                .into_iter()
                .find(|c| c.name() == ctx_name)
                .ok_or_else(|| format!("keymap: unknown section [{ctx_name}]"))?;
            for (name, keys) in actions {
                let (n, help, writes) = ACTIONS
                    .iter()
                    .find(|(n, _, _)| *n == name)
                    .ok_or_else(|| format!("keymap: unknown action `{name}` in [{ctx_name}]"))?;
                let chords = keys
                    .iter()
                    .map(|k| {
                        KeyChord::parse(k)
                            .ok_or_else(|| format!("keymap: unknown key `{k}` for `{name}`"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                // A key means one thing per context: the new binding takes it from others.
                for b in map.bindings.iter_mut().filter(|b| b.context == ctx) {
                    b.keys.retain(|k| !chords.contains(k));
                }
                match map
                    .bindings
                    .iter_mut()
                    .find(|b| b.context == ctx && b.name == *n)
                {
                    Some(b) => b.keys = chords,
                    None => map.bindings.push(Binding {
                        context: ctx,
                        name: n,
                        help,
                        writes: *writes,
                        keys: chords,
                    }),
                }
            }
        }
        Ok(map)
    }

    /// The action of a key in a context: its own table first, then (outside text fields) the
    /// global one. `None` for an unbound key.
    pub fn lookup(&self, ctx: KeyContext, key: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::from_event(key);
        let find = |c: KeyContext| {
            self.bindings
                .iter()
                .find(|b| b.context == c && b.keys.contains(&chord))
                .and_then(|b| action_by_name(b.name))
        };
        find(ctx).or_else(|| {
            if ctx.takes_text() && chord.code != KeyCode::Char('c') {
                None
            } else if ctx.takes_text() {
                // ctrl-c still quits from a text field.
                (chord.mods == KeyModifiers::CONTROL).then_some(Action::Quit)
            } else {
                find(KeyContext::Global)
            }
        })
    }

    /// Global bindings as they work in `ctx`: keys the context binds itself are left out, and
    /// nothing in text contexts.
    pub fn global_in(&self, ctx: KeyContext) -> Vec<Binding> {
        if ctx.takes_text() {
            return Vec::new();
        }
        let own: Vec<KeyChord> = self
            .for_context(ctx)
            .flat_map(|b| b.keys.iter().copied())
            .collect();
        self.for_context(KeyContext::Global)
            .map(|b| Binding {
                keys: b
                    .keys
                    .iter()
                    .filter(|k| !own.contains(k))
                    .copied()
                    .collect(),
                ..b.clone()
            })
            .filter(|b| !b.keys.is_empty())
            .collect()
    }

    /// Bindings of a context (for the help bar and overlay), in table order.
    pub fn for_context(&self, ctx: KeyContext) -> impl Iterator<Item = &Binding> {
        self.bindings
            .iter()
            .filter(move |b| b.context == ctx && !b.keys.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_resolve_per_context_then_global() {
        let m = Keymap::default();
        let j = key(KeyCode::Char('j'), KeyModifiers::NONE);
        assert!(matches!(m.lookup(C::Browser, &j), Some(Action::Down)));
        assert!(m.lookup(C::Filter, &j).is_none(), "j is text in the filter");
        let q = key(KeyCode::Char('q'), KeyModifiers::NONE);
        assert!(matches!(m.lookup(C::Browser, &q), Some(Action::Quit)));
        assert!(m.lookup(C::Editor, &q).is_none());
        let cc = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert!(matches!(m.lookup(C::Editor, &cc), Some(Action::Quit)));
        let g = key(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert!(matches!(m.lookup(C::Browser, &g), Some(Action::Bottom)));
    }

    #[test]
    fn user_toml_replaces_keys_and_reports_mistakes() {
        let m = Keymap::with_overrides("[browser]\ndelete = [\"ctrl-x\"]\n").unwrap();
        let d = key(KeyCode::Char('d'), KeyModifiers::NONE);
        assert!(m.lookup(C::Browser, &d).is_none());
        let cx = key(KeyCode::Char('x'), KeyModifiers::CONTROL);
        assert!(matches!(m.lookup(C::Browser, &cx), Some(Action::Delete)));
        let e = Keymap::with_overrides("[browser]\nfly = [\"x\"]\n").unwrap_err();
        assert!(e.contains("unknown action `fly`"), "{e}");
        let e = Keymap::with_overrides("[browser]\ndown = [\"ctrl-\"]\n").unwrap_err();
        assert!(e.contains("unknown key"), "{e}");
        let e = Keymap::with_overrides("[nowhere]\ndown = [\"j\"]\n").unwrap_err();
        assert!(e.contains("unknown section"), "{e}");
    }

    #[test]
    fn taking_a_key_removes_it_from_the_other_action() {
        let m = Keymap::with_overrides("[browser]\nreload = [\"j\"]\n").unwrap();
        let j = key(KeyCode::Char('j'), KeyModifiers::NONE);
        assert!(matches!(m.lookup(C::Browser, &j), Some(Action::Reload)));
        let down = m
            .for_context(C::Browser)
            .find(|b| b.name == "down")
            .unwrap();
        assert_eq!(down.keys[0].label(), "↓");
    }

    #[test]
    fn global_bindings_shadowed_by_the_context_are_left_out() {
        let m = Keymap::default();
        let in_help = m.global_in(C::Help);
        let quit = in_help.iter().find(|b| b.name == "quit").unwrap();
        assert_eq!(
            quit.keys,
            vec![KeyChord::parse("ctrl-c").unwrap()],
            "q closes help"
        );
        assert!(m.global_in(C::Editor).is_empty());
    }

    #[test]
    fn labels() {
        assert_eq!(KeyChord::parse("ctrl-d").unwrap().label(), "^d");
        assert_eq!(KeyChord::parse("G").unwrap().label(), "G");
        assert_eq!(KeyChord::parse("f1").unwrap().label(), "F1");
        assert!(KeyChord::parse("nope").is_none());
    }
}
