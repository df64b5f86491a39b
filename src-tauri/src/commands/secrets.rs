//! Secrets: list (metadata only), create, update, delete, reveal one value,
//! copy a value or a reference.

use coffer_core::{
    generate_password, ExposeSecret, IfExists, NewSecret, PasswordRecipe, SecretInfo, SecretPatch,
    SecretString, Target,
};
use serde::{Deserialize, Serialize};
use tauri::State;

use super::reply::{secret_id, Reply, Secret};
use crate::clipboard::Clipboard;
use crate::state::AppState;

/// Metadata of every secret as parallel columns, in write order (oldest
/// first): the compact form the page keeps in memory, about half the bytes of
/// a list of objects. Values never cross here.
#[derive(Debug, Default, Serialize)]
pub struct SecretColumns {
    pub ids: Vec<String>,
    pub names: Vec<String>,
    /// One `0`/`1` per secret.
    pub enabled: String,
    /// One `0`/`1` per secret: a newer secret of the same name is in effect.
    pub shadowed: String,
    /// Allowed-domain patterns joined by single spaces (`""` = any host).
    pub domains: Vec<String>,
    pub notes: Vec<String>,
    /// Milliseconds since the epoch.
    pub updated: Vec<i64>,
    /// Where a linked secret's value lives (`provider · location`), `""` for a local one.
    pub linked: Vec<String>,
    /// When a linked value was fetched (ms since the epoch), 0 when it is not cached.
    pub fetched: Vec<i64>,
    /// Why a linked secret's last use failed (`""`: it did not).
    pub link_problems: Vec<String>,
}

impl SecretColumns {
    fn from_list(list: Vec<SecretInfo>) -> Self {
        let n = list.len();
        let mut c = SecretColumns {
            ids: Vec::with_capacity(n),
            names: Vec::with_capacity(n),
            enabled: String::with_capacity(n),
            shadowed: String::with_capacity(n),
            domains: Vec::with_capacity(n),
            notes: Vec::with_capacity(n),
            updated: Vec::with_capacity(n),
            linked: Vec::with_capacity(n),
            fetched: Vec::with_capacity(n),
            link_problems: Vec::with_capacity(n),
        };
        let bit = |b: bool| if b { '1' } else { '0' };
        for s in list {
            c.ids.push(s.id.to_string());
            c.names.push(s.name);
            c.enabled.push(bit(s.enabled));
            c.shadowed.push(bit(s.shadowed));
            c.domains.push(s.allowed_domains.join(" "));
            c.notes.push(s.note);
            c.updated.push(s.updated_at.0);
            match s.linked {
                Some(l) => {
                    c.linked.push(format!("{} · {}", l.provider, l.location));
                    c.fetched.push(l.fetched_at.map_or(0, |t| t.0));
                    c.link_problems
                        .push(l.problem.map(|p| p.message).unwrap_or_default());
                }
                None => {
                    c.linked.push(String::new());
                    c.fetched.push(0);
                    c.link_problems.push(String::new());
                }
            }
        }
        c
    }
}

/// Metadata of every secret (see [`SecretColumns`]).
#[tauri::command]
pub fn secret_list(state: State<'_, AppState>) -> Reply<SecretColumns> {
    let list = state.with_vault(|v| v.list())?;
    Ok(SecretColumns::from_list(list))
}

/// A new secret from the form.
#[derive(Deserialize)]
pub struct SecretInput {
    pub name: String,
    pub value: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub allowed_domains: Vec<String>,
    #[serde(default)]
    pub note: String,
}

fn yes() -> bool {
    true
}

/// Adds a secret from the form. A name that exists is refused with
/// `secret_exists` unless `if_exists` says `update` (that secret) or `keep`
/// (both; the new one is in effect).
#[tauri::command(rename_all = "snake_case")]
pub fn secret_create(
    state: State<'_, AppState>,
    secret: SecretInput,
    if_exists: Option<IfExists>,
) -> Reply<SecretInfo> {
    let new = NewSecret {
        name: secret.name,
        value: SecretString::from(secret.value),
        enabled: secret.enabled,
        allowed_domains: secret.allowed_domains,
        note: secret.note,
    };
    Ok(state.with_vault(|v| v.add(new, if_exists))?)
}

/// Changes from the form; absent fields stay as they are.
#[derive(Deserialize, Default)]
pub struct PatchInput {
    pub name: Option<String>,
    pub value: Option<String>,
    pub enabled: Option<bool>,
    pub allowed_domains: Option<Vec<String>>,
    pub note: Option<String>,
}

#[tauri::command]
pub fn secret_update(
    state: State<'_, AppState>,
    id: String,
    patch: PatchInput,
) -> Reply<SecretInfo> {
    let target = Target::Id(secret_id(&id)?);
    let patch = SecretPatch {
        name: patch.name,
        value: patch.value.map(SecretString::from),
        enabled: patch.enabled,
        allowed_domains: patch.allowed_domains,
        note: patch.note,
    };
    Ok(state.with_vault(|v| v.update(target, patch))?)
}

/// Deletes one secret; undoable with `undo_last`.
#[tauri::command]
pub fn secret_delete(state: State<'_, AppState>, id: String) -> Reply<SecretInfo> {
    let target = Target::Id(secret_id(&id)?);
    Ok(state.with_vault(|v| {
        let (info, undo) = v.delete(target)?;
        // Kept while the vault is held: a lock cannot slip in between.
        state.keep_undo(undo);
        Ok(info)
    })?)
}

/// The one value the user asked to see (a linked one is fetched: async, so
/// a slow provider never freezes the window).
#[tauri::command]
pub async fn secret_reveal(state: State<'_, AppState>, id: String) -> Reply<Secret> {
    let target = Target::Id(secret_id(&id)?);
    let (_, value) = state.with_vault(|v| v.reveal(target))?;
    Ok(value.into())
}

/// Copies one value to the clipboard from Rust (it never reaches the page)
/// and returns after how many seconds it will be cleared (0 = never).
#[tauri::command]
pub async fn secret_copy(
    state: State<'_, AppState>,
    clipboard: State<'_, Clipboard>,
    id: String,
) -> Reply<u32> {
    let target = Target::Id(secret_id(&id)?);
    let (value, settings) = state.with_vault(|v| {
        let (_, value) = v.reveal(target)?;
        Ok((value, v.settings()?))
    })?;
    let seconds = settings.in_force(&state.policy()).clipboard_clear_seconds;
    Ok(clipboard.copy_secret(value.expose_secret(), seconds)?)
}

/// Copies `{{vault:NAME}}` for the secret and returns it.
#[tauri::command]
pub fn secret_copy_reference(
    state: State<'_, AppState>,
    clipboard: State<'_, Clipboard>,
    id: String,
) -> Reply<String> {
    let target = Target::Id(secret_id(&id)?);
    let info = state.with_vault(|v| v.info(target))?;
    let reference = format!("{{{{vault:{}}}}}", info.name);
    clipboard.copy(&reference, None)?;
    Ok(reference)
}

/// A new random password for the secret form, made in Rust from the
/// operating system's generator.
#[tauri::command]
pub fn password_generate(recipe: PasswordRecipe) -> Reply<Secret> {
    Ok(generate_password(&recipe)?.into())
}
