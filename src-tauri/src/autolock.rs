//! Auto-lock, decided in Rust: the app locks after the idle minutes in force
//! (the vault's setting, capped by the admin policy) whether the window is
//! shown, hidden in the tray, or its page hung. Activity is any command the
//! page calls, and the page reports input (keys, pointer, wheel) through
//! `vault_activity` at most every few seconds.

use std::time::{Duration, Instant};

use tauri::{AppHandle, Manager, Runtime};

use crate::session::{self, LockReason};
use crate::state::AppState;

/// How often the watcher looks.
pub const CHECK_EVERY: Duration = Duration::from_secs(10);

/// Starts the watcher thread (the real app; tests call [`check_at`]).
pub fn watch<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(CHECK_EVERY);
        check_at(&app, Instant::now());
    });
}

/// Locks if the vault is unlocked and has been idle for the minutes in force
/// at `now`. Returns whether it locked.
pub fn check_at<R: Runtime>(app: &AppHandle<R>, now: Instant) -> bool {
    let Some(state) = app.try_state::<AppState>() else {
        return false;
    };
    let settings = state.with_vault(|v| Ok((v.is_unlocked(), v.settings()?)));
    let Ok((true, settings)) = settings else {
        return false;
    };
    let minutes = settings.in_force(&state.policy()).auto_lock_minutes;
    if minutes == 0 {
        return false;
    }
    let idle = now.saturating_duration_since(state.last_activity());
    if idle < Duration::from_secs(u64::from(minutes) * 60) {
        return false;
    }
    session::lock_for(app, LockReason::Idle);
    true
}
