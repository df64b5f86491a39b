//! The quick-open shortcut: a system-wide key combination that brings Coffer
//! up with the filter focused. Off unless the user sets one (a global
//! Ctrl+Shift+V would steal Paste from every terminal); inside the window,
//! Ctrl+Shift+V focuses the filter without any registration.

use std::str::FromStr;

use coffer_core::Error;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_global_shortcut::{GlobalShortcut, GlobalShortcutExt, Shortcut, ShortcutState};

use crate::state::AppState;

/// Checks that `text` is a key combination the system can register, e.g. `Ctrl+Alt+K`.
pub fn check(text: &str) -> Result<Shortcut, Error> {
    Shortcut::from_str(text).map_err(|_| Error::InvalidSetting {
        reason: format!(
            "{text:?} is not a key combination; write it like Ctrl+Alt+K (modifiers Ctrl, Alt, Shift, Super, then one key)"
        ),
    })
}

/// Registers `shortcut` (replacing any earlier one), or none. When the system
/// refuses it (another program holds it), Coffer goes on without it and the
/// reason is kept for the settings screen.
pub fn apply<R: Runtime>(app: &AppHandle<R>, shortcut: Option<&str>) {
    let problem = register(app, shortcut).err();
    if let Some(p) = &problem {
        eprintln!("warning: the quick-open shortcut is not available: {p}");
    }
    if let Some(state) = app.try_state::<AppState>() {
        *state
            .quick_open_problem
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = problem;
    }
}

fn register<R: Runtime>(app: &AppHandle<R>, shortcut: Option<&str>) -> Result<(), String> {
    if app.try_state::<GlobalShortcut<R>>().is_none() {
        return match shortcut {
            None => Ok(()),
            Some(_) => Err("this build of Coffer has no system-wide shortcuts".into()),
        };
    }
    let shortcuts = app.global_shortcut();
    shortcuts.unregister_all().map_err(|e| e.to_string())?;
    let Some(text) = shortcut else {
        return Ok(());
    };
    let parsed = check(text).map_err(|e| e.to_string())?;
    shortcuts
        .on_shortcut(parsed, |app, _shortcut, event| {
            if event.state == ShortcutState::Pressed {
                crate::desktop::show_main(app);
            }
        })
        .map_err(|e| format!("the system refused {text}: {e}"))
}

/// At start: the shortcut stored in the vault, if any.
pub fn apply_stored<R: Runtime>(app: &AppHandle<R>) {
    let stored = app
        .try_state::<AppState>()
        .and_then(|state| state.with_vault(|v| v.settings()).ok())
        .and_then(|s| s.quick_open);
    apply(app, stored.as_deref());
}
