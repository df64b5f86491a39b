//! Secrets: list (metadata only), create, update, delete, reveal one value,
//! copy a value or a reference.

use coffer_core::{ExposeSecret, NewSecret, SecretInfo, SecretPatch, SecretString, Target};
use serde::Deserialize;
use tauri::State;

use super::reply::{secret_id, Reply};
use crate::clipboard::Clipboard;
use crate::state::AppState;

/// Metadata of every secret; values never cross here.
#[tauri::command]
pub fn secret_list(state: State<'_, AppState>) -> Reply<Vec<SecretInfo>> {
    Ok(state.with_vault(|v| v.list())?)
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

#[tauri::command]
pub fn secret_create(state: State<'_, AppState>, secret: SecretInput) -> Reply<SecretInfo> {
    let new = NewSecret {
        name: secret.name,
        value: SecretString::from(secret.value),
        enabled: secret.enabled,
        allowed_domains: secret.allowed_domains,
        note: secret.note,
    };
    Ok(state.with_vault(|v| v.create_secret(new))?)
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

#[tauri::command]
pub fn secret_delete(state: State<'_, AppState>, id: String) -> Reply<SecretInfo> {
    let target = Target::Id(secret_id(&id)?);
    Ok(state.with_vault(|v| v.delete(target))?)
}

/// The one value the user asked to see.
#[tauri::command]
pub fn secret_reveal(state: State<'_, AppState>, id: String) -> Reply<String> {
    let target = Target::Id(secret_id(&id)?);
    let (_, value) = state.with_vault(|v| v.reveal(target))?;
    Ok(value.expose_secret().to_owned())
}

/// Copies one value to the clipboard from Rust (it never reaches the page)
/// and returns after how many seconds it will be cleared (0 = never).
#[tauri::command]
pub fn secret_copy(
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
