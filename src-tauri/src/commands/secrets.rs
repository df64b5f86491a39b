//! Secrets: list (metadata only), create, update, delete, reveal one value.

use coffer_core::{
    ErrorBody, ExposeSecret, NewSecret, SecretId, SecretInfo, SecretPatch, SecretString, Target,
};
use serde::Deserialize;
use tauri::State;

use super::invalid_argument;
use crate::clipboard::Clipboard;
use crate::state::AppState;

fn id(text: &str) -> Result<SecretId, ErrorBody> {
    SecretId::parse(text).ok_or_else(|| invalid_argument("that is not a secret id"))
}

/// Metadata of every secret; values never cross here.
#[tauri::command]
pub fn secret_list(state: State<'_, AppState>) -> Result<Vec<SecretInfo>, ErrorBody> {
    state.with_vault(|v| v.list())
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
pub fn secret_create(
    state: State<'_, AppState>,
    secret: SecretInput,
) -> Result<SecretInfo, ErrorBody> {
    let new = NewSecret {
        name: secret.name,
        value: SecretString::from(secret.value),
        enabled: secret.enabled,
        allowed_domains: secret.allowed_domains,
        note: secret.note,
    };
    state.with_vault(|v| v.create_secret(new))
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
) -> Result<SecretInfo, ErrorBody> {
    let target = Target::Id(self::id(&id)?);
    let patch = SecretPatch {
        name: patch.name,
        value: patch.value.map(SecretString::from),
        enabled: patch.enabled,
        allowed_domains: patch.allowed_domains,
        note: patch.note,
    };
    state.with_vault(|v| v.update(target, patch))
}

#[tauri::command]
pub fn secret_delete(state: State<'_, AppState>, id: String) -> Result<SecretInfo, ErrorBody> {
    let target = Target::Id(self::id(&id)?);
    state.with_vault(|v| v.delete(target))
}

/// The one value the user asked to see.
#[tauri::command]
pub fn secret_reveal(state: State<'_, AppState>, id: String) -> Result<String, ErrorBody> {
    let target = Target::Id(self::id(&id)?);
    state.with_vault(|v| {
        v.reveal(target)
            .map(|(_, value)| value.expose_secret().to_owned())
    })
}

/// Copies one value to the clipboard from Rust (it never reaches the page)
/// and returns after how many seconds it will be cleared (0 = never).
#[tauri::command]
pub fn secret_copy(
    state: State<'_, AppState>,
    clipboard: State<'_, Clipboard>,
    id: String,
) -> Result<u32, ErrorBody> {
    let target = Target::Id(self::id(&id)?);
    let value = state.with_vault(|v| v.reveal(target).map(|(_, value)| value))?;
    clipboard.copy_secret(&state, value.expose_secret())
}

/// Copies `{{vault:NAME}}` for the secret and returns it.
#[tauri::command]
pub fn secret_copy_reference(
    state: State<'_, AppState>,
    clipboard: State<'_, Clipboard>,
    id: String,
) -> Result<String, ErrorBody> {
    let target = Target::Id(self::id(&id)?);
    let info = state.with_vault(|v| v.info(target))?;
    let reference = format!("{{{{vault:{}}}}}", info.name);
    clipboard.copy(&reference, None)?;
    Ok(reference)
}
