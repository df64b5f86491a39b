//! Settings: auto-lock and clipboard times (as the admin policy allows
//! them), keychain on/off.

use coffer_core::{Error, Keychain, Settings, SettingsInForce, VaultKey};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime, State};
use zeroize::Zeroizing;

use super::reply::Reply;
use crate::autostart;
use crate::state::AppState;

/// The settings as the UI shows them, with what the policy did to them.
#[derive(Debug, Serialize)]
pub struct SettingsView {
    #[serde(flatten)]
    pub in_force: SettingsInForce,
    pub keychain_enabled: bool,
    pub keychain_allowed: bool,
    /// Why the quick-open shortcut is not registered (the system refused it).
    pub quick_open_problem: Option<String>,
    /// Whether Coffer starts (in the tray) when the user logs in; `None`
    /// where this system cannot do it.
    pub start_at_login: Option<bool>,
}

/// The settings in force: stored values clamped by the policy read now.
pub fn settings_view(state: &AppState) -> Result<SettingsView, Error> {
    let policy = state.policy();
    let (stored, keychain_enabled) =
        state.with_vault(|v| Ok((v.settings()?, v.keychain_enabled()?)))?;
    let quick_open_problem = state
        .quick_open_problem
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Ok(SettingsView {
        in_force: stored.in_force(&policy),
        keychain_enabled,
        keychain_allowed: policy.check_keychain().is_ok(),
        quick_open_problem,
        start_at_login: start_at_login_folder()
            .ok()
            .map(|f| autostart::enabled_in(&f)),
    })
}

/// The folder of the log-in entry, or why there is none.
fn start_at_login_folder() -> Result<std::path::PathBuf, Error> {
    if !autostart::SUPPORTED {
        return Err(Error::InvalidArgument {
            what: "start at log-in (not available on this system)",
        });
    }
    autostart::folder().ok_or_else(|| Error::Io {
        action: "cannot find",
        path: "~/.config/autostart".into(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "neither XDG_CONFIG_HOME nor HOME is set",
        ),
    })
}

/// Turns starting at log-in on or off, for this program as it runs now.
fn set_start_at_login(enabled: bool) -> Result<(), Error> {
    let folder = start_at_login_folder()?;
    if !enabled && !autostart::enabled_in(&folder) {
        return Ok(());
    }
    let program = std::env::current_exe().map_err(|source| Error::Io {
        action: "cannot find",
        path: "the Coffer program".into(),
        source,
    })?;
    // Linux names a program replaced by an upgrade while it runs "PATH (deleted)".
    let program = match program.to_str().and_then(|p| p.strip_suffix(" (deleted)")) {
        Some(p) => std::path::PathBuf::from(p),
        None => program,
    };
    autostart::set_in(&folder, enabled, &program)
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
    /// A key combination such as `Ctrl+Alt+K`; empty or absent = none.
    #[serde(default)]
    pub quick_open: Option<String>,
    /// Minutes fetched linked values are kept; absent = as stored.
    #[serde(default)]
    pub link_cache_minutes: Option<u32>,
    /// Start Coffer in the tray at log-in; absent = as it is.
    #[serde(default)]
    pub start_at_login: Option<bool>,
}

/// Stores the settings and returns them as in force (possibly clamped); a
/// new quick-open shortcut is registered at once.
#[tauri::command]
pub fn settings_set<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: SettingsInput,
) -> Reply<SettingsView> {
    let quick_open = settings
        .quick_open
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if let Some(text) = &quick_open {
        crate::quick_open::check(text)?;
    }
    let stored = state.with_vault(|v| {
        if !v.is_unlocked() {
            return Err(Error::Locked);
        }
        // First the step that can fail on a file outside the vault, so that
        // a failure there saves nothing else.
        if let Some(enabled) = settings.start_at_login {
            set_start_at_login(enabled)?;
        }
        let stored = Settings {
            auto_lock_minutes: settings.auto_lock_minutes,
            clipboard_clear_seconds: settings.clipboard_clear_seconds,
            quick_open,
            link_cache_minutes: match settings.link_cache_minutes {
                Some(m) => m,
                None => v.settings()?.link_cache_minutes,
            },
        };
        v.set_settings(&stored)?;
        Ok(stored)
    })?;
    crate::quick_open::apply(&app, stored.quick_open.as_deref());
    Ok(settings_view(&state)?)
}

/// Keychain on: stores the vault key (the vault must be unlocked with a key
/// typed or loaded now); off: removes the entry. No lock is held across the
/// keychain calls.
#[tauri::command]
pub fn settings_keychain(
    state: State<'_, AppState>,
    enabled: bool,
    key: Option<String>,
) -> Reply<SettingsView> {
    let policy = state.policy();
    let keychain = Keychain::new(&policy);
    let (unlocked, path, id) =
        state.with_vault(|v| Ok((v.is_unlocked(), v.path().to_owned(), v.id())))?;
    if !unlocked {
        return Err(Error::Locked.into());
    }
    if enabled {
        let text = Zeroizing::new(key.unwrap_or_default());
        keychain.check_and_store(&path, &id, &VaultKey::parse(&text)?)?;
        state.with_vault(|v| v.set_keychain_enabled(true))?;
    } else {
        let forgot = keychain.forget(&id);
        state.with_vault(|v| v.set_keychain_enabled(false))?;
        forgot?;
    }
    Ok(settings_view(&state)?)
}
