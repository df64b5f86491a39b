//! Settings: auto-lock and clipboard times (as the admin policy allows
//! them), keychain on/off.

use coffer_core::{Error, Keychain, Settings, SettingsInForce, VaultKey};
use serde::{Deserialize, Serialize};
use tauri::State;
use zeroize::Zeroizing;

use super::reply::Reply;
use crate::state::AppState;

/// The settings as the UI shows them, with what the policy did to them.
#[derive(Debug, Serialize)]
pub struct SettingsView {
    #[serde(flatten)]
    pub in_force: SettingsInForce,
    pub keychain_enabled: bool,
    pub keychain_allowed: bool,
}

/// The settings in force: stored values clamped by the policy read now.
pub fn settings_view(state: &AppState) -> Result<SettingsView, Error> {
    let policy = state.policy();
    let (stored, keychain_enabled) =
        state.with_vault(|v| Ok((v.settings()?, v.keychain_enabled()?)))?;
    Ok(SettingsView {
        in_force: stored.in_force(&policy),
        keychain_enabled,
        keychain_allowed: policy.check_keychain().is_ok(),
    })
}

#[tauri::command]
pub fn settings_get(state: State<'_, AppState>) -> Reply<SettingsView> {
    Ok(settings_view(&state)?)
}

/// New values from the settings screen.
#[derive(Deserialize)]
pub struct SettingsInput {
    pub auto_lock_minutes: u32,
    pub clipboard_clear_seconds: u32,
}

/// Stores the settings and returns them as in force (possibly clamped).
#[tauri::command]
pub fn settings_set(state: State<'_, AppState>, settings: SettingsInput) -> Reply<SettingsView> {
    state.with_vault(|v| {
        if !v.is_unlocked() {
            return Err(Error::Locked);
        }
        v.set_settings(Settings {
            auto_lock_minutes: settings.auto_lock_minutes,
            clipboard_clear_seconds: settings.clipboard_clear_seconds,
        })
    })?;
    Ok(settings_view(&state)?)
}

/// Keychain on: stores the vault key (the vault must be unlocked with a key
/// typed or loaded now); off: removes the entry.
#[tauri::command]
pub fn settings_keychain(
    state: State<'_, AppState>,
    enabled: bool,
    key: Option<String>,
) -> Reply<SettingsView> {
    let policy = state.policy();
    let keychain = Keychain::new(&policy);
    state.with_vault(|v| {
        if !v.is_unlocked() {
            return Err(Error::Locked);
        }
        if enabled {
            let text = Zeroizing::new(key.unwrap_or_default());
            keychain.keep(v, &VaultKey::parse(&text)?)
        } else {
            keychain.stop_keeping(v)
        }
    })?;
    Ok(settings_view(&state)?)
}
