//! The browser's write actions: edit a value, add a key, delete a key or a file. Each checks
//! first that the selected mount may be written (never on a `readOnly` profile or a `read`
//! mount) and names what it affects in its confirmation (typed profile name on `protect`).

use super::super::action::{Command, Handle};
use super::super::context::{Context, MountKind};
use super::browser::BrowserScreen;
use super::{Effects, Screen};
use crate::store::kv_mount::Seen;

impl BrowserScreen {
    pub(super) fn edit(&mut self, ctx: &mut Context) -> Effects {
        if let Err(e) = self.write_target(ctx) {
            ctx.error(e);
            return Effects::default();
        }
        let Some(p) = &self.preview else {
            ctx.error("select a key to edit");
            return Effects::default();
        };
        match p.editable_text() {
            Some(text) => {
                let mut ed = super::editor::EditorScreen::new(
                    p.slot,
                    p.name.clone(),
                    &text,
                    false,
                    p.seen(&p.name),
                );
                if let Some(m) = ctx.kv(p.slot) {
                    ed = ed.with_expiry(super::editor::save_expiry(m.config(), p.ttl()));
                }
                Effects::push(Screen::Editor(Box::new(ed)))
            }
            None => {
                ctx.error(format!("`{}` is still loading", p.name));
                Effects::default()
            }
        }
    }

    pub(super) fn new_key(&mut self, ctx: &mut Context) -> Effects {
        if let Err(e) = self.write_target(ctx) {
            ctx.error(e);
            return Effects::default();
        }
        Effects::push(Screen::Prompt(Box::new(
            super::confirm::PromptScreen::new_key(self.mount),
        )))
    }

    /// Asks for a new expiry of the selected key; only where the backend has TTLs (Redis).
    pub(super) fn set_ttl(&mut self, ctx: &mut Context) -> Effects {
        if let Err(e) = self.write_target(ctx) {
            ctx.error(e);
            return Effects::default();
        }
        let has_ttl = ctx
            .kv(self.mount)
            .is_some_and(|m| m.store().info().capability.ttl);
        if !has_ttl {
            ctx.error(format!(
                "`{}` has no expiry: only Redis keys have a TTL",
                ctx.address(self.mount)
            ));
            return Effects::default();
        }
        let Some(item) = self.list.as_ref().and_then(|l| l.selected_item()).cloned() else {
            ctx.error("select a key to set its TTL");
            return Effects::default();
        };
        let seen = self.seen(&item.name);
        Effects::push(Screen::Prompt(Box::new(super::confirm::PromptScreen::ttl(
            self.mount, item.name, seen,
        ))))
    }

    pub(super) fn delete(&mut self, ctx: &mut Context) -> Effects {
        if let Err(e) = self.connected_writable(ctx) {
            ctx.error(e);
            return Effects::default();
        }
        let Some(item) = self.list.as_ref().and_then(|l| l.selected_item()).cloned() else {
            ctx.error("select an item to delete");
            return Effects::default();
        };
        if item.is_dir() {
            ctx.error(format!(
                "`{}` is a folder: delete its files one by one",
                item.name
            ));
            return Effects::default();
        }
        let id = ctx.next_id();
        let (cmd, file) = match ctx.handle(self.mount).cloned() {
            Some(Handle::Kv(mount)) => (
                Command::DeleteKey {
                    id,
                    mount,
                    key: item.name.clone(),
                    seen: self.seen(&item.name),
                },
                false,
            ),
            Some(Handle::Fs(fs)) => (
                Command::DeleteFile {
                    id,
                    fs,
                    path: item.name.clone(),
                },
                true,
            ),
            None => return Effects::default(),
        };
        let confirm = super::confirm::ConfirmScreen::delete(ctx, self.mount, &item.name, file, cmd);
        Effects::push(Screen::Confirm(Box::new(confirm)))
    }

    /// What the preview showed of `key` (`Seen::Anything` when it showed something else).
    fn seen(&self, key: &str) -> Seen {
        self.preview
            .as_ref()
            .map_or(Seen::Anything, |p| p.seen(key))
    }

    /// The selected mount may be written and is connected.
    fn connected_writable(&self, ctx: &Context) -> Result<(), String> {
        ctx.writable(self.mount)?;
        if ctx.handle(self.mount).is_none() {
            return Err(format!("`{}` is not connected", ctx.address(self.mount)));
        }
        Ok(())
    }

    /// The selected mount if it is a connected, writable kv mount (values are edited in kv
    /// only; files can be deleted, not edited).
    fn write_target(&self, ctx: &Context) -> Result<(), String> {
        self.connected_writable(ctx)?;
        match ctx.mounts.get(self.mount) {
            Some(m) if m.kind == MountKind::Fs => {
                Err("files can be deleted here (d), not edited".into())
            }
            _ => Ok(()),
        }
    }
}
