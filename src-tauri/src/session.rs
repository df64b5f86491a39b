//! Locking: the one path by which the app locks, whoever asks — the Lock
//! command (the menu and the page's auto-lock), the tray's Lock item.

use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::clipboard::Clipboard;
use crate::state::AppState;

/// The event the page gets when the vault was locked: it clears itself.
pub const LOCKED_EVENT: &str = "locked";

/// Locks the vault (keys dropped), forgets the held key (a first run not
/// confirmed yet leaves no file), the pending import and the undo, takes a
/// copied secret off the clipboard, and tells the page.
pub fn lock<R: Runtime>(app: &AppHandle<R>) {
    if let Some(state) = app.try_state::<AppState>() {
        state.lock();
    }
    if let Some(clipboard) = app.try_state::<Clipboard>() {
        clipboard.clear_if_ours();
    }
    let _ = app.emit(LOCKED_EVENT, ());
}

/// When the app exits by any path (Quit, a signal Tauri handles, the last
/// window closing): the same as a lock, so nothing is left on the clipboard
/// and a first run that was never confirmed leaves no vault behind.
pub fn on_exit<R: Runtime>(app: &AppHandle<R>) {
    lock(app);
    if let Some(state) = app.try_state::<AppState>() {
        // A first run's key outlives a lock, not the app: its staged vault goes.
        drop(state.take_key());
    }
}
