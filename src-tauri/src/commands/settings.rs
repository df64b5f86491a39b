//! Settings: auto-lock and clipboard times (clamped by the admin policy), keychain on/off.

use coffer_core::{Error, ErrorBody, Keychain, Policy, Settings};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::state::AppState;

/// The settings as the UI shows them, with what the policy did to them.
#[derive(Debug, Serialize)]
pub struct SettingsView {
    pub auto_lock_minutes: u32,
    pub clipboard_clear_seconds: u32,
    pub keychain_enabled: bool,
    pub keychain_allowed: bool,
    /// Why a value was limited, for the UI to say so.
    pub auto_lock_limited_by: Option<String>,
    pub clipboard_limited_by: Option<String>,
}

/// The settings in force: stored values clamped by the policy read now.
pub fn effective(state: &AppState) -> Result<SettingsView, ErrorBody> {
    let policy = Policy::current();
    state.with_vault(|v| {
        let stored = v.settings()?;
        let (auto_lock, lock_clamped) = policy.clamp_idle_minutes(stored.auto_lock_minutes);
        let (clear, clear_clamped) = policy.clamp_clear_seconds(stored.clipboard_clear_seconds);
        let why = |clamped: bool, setting: &coffer_core::Setting<Option<u32>>| {
            clamped.then(|| {
                let file = setting
                    .source
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                format!(
                    "limited to {} by the policy in {file}",
                    setting.value.unwrap_or_default()
                )
            })
        };
        Ok(SettingsView {
            auto_lock_minutes: auto_lock,
            clipboard_clear_seconds: clear,
            keychain_enabled: v.keychain_enabled()?,
            keychain_allowed: policy.check_keychain().is_ok(),
            auto_lock_limited_by: why(lock_clamped, &policy.max_idle_minutes),
            clipboard_limited_by: why(clear_clamped, &policy.max_clear_seconds),
        })
    })
}

#[tauri::command]
pub fn settings_get(state: State<'_, AppState>) -> Result<SettingsView, ErrorBody> {
    effective(&state)
}

/// New values from the settings screen.
#[derive(Deserialize)]
pub struct SettingsInput {
    pub auto_lock_minutes: u32,
    pub clipboard_clear_seconds: u32,
}

/// Stores the settings and returns them as in force (possibly clamped).
#[tauri::command]
pub fn settings_set(
    state: State<'_, AppState>,
    settings: SettingsInput,
) -> Result<SettingsView, ErrorBody> {
    state.with_vault(|v| {
        if !v.is_unlocked() {
            return Err(Error::Locked);
        }
        v.set_settings(Settings {
            auto_lock_minutes: settings.auto_lock_minutes,
            clipboard_clear_seconds: settings.clipboard_clear_seconds,
        })
    })?;
    effective(&state)
}

/// Keychain on: stores the vault key (the vault must be unlocked with a key
/// typed or loaded now); off: removes the entry.
#[tauri::command]
pub fn settings_keychain(
    state: State<'_, AppState>,
    enabled: bool,
    key: Option<String>,
) -> Result<SettingsView, ErrorBody> {
    state.with_vault(|v| {
        if !v.is_unlocked() {
            return Err(Error::Locked);
        }
        if enabled {
            let text = zeroize::Zeroizing::new(key.unwrap_or_default());
            Keychain.keep(v, &coffer_core::VaultKey::parse(&text)?)
        } else {
            Keychain.stop_keeping(v)
        }
    })?;
    effective(&state)
}
