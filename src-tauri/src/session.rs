//! Locking: the one path by which the app locks, whoever asks — the Lock
//! command (the menu and the page's auto-lock), the tray's Lock item.

use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::clipboard::Clipboard;
use crate::state::AppState;

/// The event the page gets when the vault was locked: it clears itself. Its
/// payload is `{reason}` ([`LockReason`]), for the words on the unlock screen.
pub const LOCKED_EVENT: &str = "locked";

/// Why the app locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LockReason {
    /// The Lock command: the menu, Ctrl+L.
    Asked,
    /// The tray's Lock.
    Tray,
    /// No activity for the idle minutes in force.
    Idle,
    /// The computer went to sleep or the screen locked.
    Screen,
    /// The app is quitting.
    Exit,
}

#[derive(Clone, serde::Serialize)]
struct Locked {
    reason: LockReason,
}

/// Locks the vault (keys dropped), forgets the held key (a first run not
/// confirmed yet leaves no file), the pending import and the undo, takes a
/// copied secret off the clipboard, and tells the page.
pub fn lock<R: Runtime>(app: &AppHandle<R>) {
    lock_for(app, LockReason::Asked);
}

/// [`lock`], saying why.
pub fn lock_for<R: Runtime>(app: &AppHandle<R>, reason: LockReason) {
    if let Some(state) = app.try_state::<AppState>() {
        state.lock();
    }
    if let Some(clipboard) = app.try_state::<Clipboard>() {
        clipboard.clear_if_ours();
    }
    let _ = app.emit(LOCKED_EVENT, Locked { reason });
}

/// When the app exits by any path (Quit, a signal Tauri handles, the last
/// window closing): the same as a lock, so nothing is left on the clipboard
/// and a first run that was never confirmed leaves no vault behind.
pub fn on_exit<R: Runtime>(app: &AppHandle<R>) {
    lock_for(app, LockReason::Exit);
    if let Some(state) = app.try_state::<AppState>() {
        // A first run's key outlives a lock, not the app: its staged vault goes.
        drop(state.take_key());
    }
}
