//! The clipboard, written from Rust. A copied value is cleared after its
//! time unless something else has been copied since: only a hash of our
//! value is kept to tell.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coffer_core::Error;
use sha2::{Digest, Sha256};

/// Shared by the commands; the X11/Wayland owner thread lives as long as it does.
#[derive(Default)]
pub struct Clipboard {
    board: Arc<Mutex<Option<arboard::Clipboard>>>,
    /// Bumped at every copy, so an older timer never clears a newer copy.
    generation: Arc<AtomicU64>,
    /// Hash of the last value copied with a clear time (a secret), for clearing on lock.
    last_secret: Arc<Mutex<Option<[u8; 32]>>>,
}

fn unavailable(e: arboard::Error) -> Error {
    Error::ClipboardUnavailable {
        detail: e.to_string(),
    }
}

impl Clipboard {
    /// Puts `text` on the clipboard; with `clear_after`, takes it off again
    /// then, if the clipboard still holds it.
    pub fn copy(&self, text: &str, clear_after: Option<Duration>) -> Result<(), Error> {
        let mut slot = self.board.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(arboard::Clipboard::new().map_err(unavailable)?);
        }
        let board = slot
            .as_mut()
            .ok_or_else(|| unavailable(arboard::Error::ClipboardNotSupported))?;
        if clear_after.is_some() {
            // A secret: kept out of clipboard managers' histories where the
            // platform has a way to say so.
            secret_setter(board.set()).text(text).map_err(unavailable)?;
        } else {
            board.set_text(text).map_err(unavailable)?;
        }
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let hash: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        *self.last_secret.lock().unwrap_or_else(|e| e.into_inner()) = clear_after.map(|_| hash);
        if let Some(after) = clear_after {
            let ours = hash;
            let board = Arc::clone(&self.board);
            let current = Arc::clone(&self.generation);
            std::thread::spawn(move || {
                std::thread::sleep(after);
                if current.load(Ordering::SeqCst) != generation {
                    return;
                }
                let mut slot = board.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(board) = slot.as_mut() {
                    clear_if_holding(board, &ours);
                }
            });
        }
        Ok(())
    }
}

impl Clipboard {
    /// Copies a secret (a value or the vault key) and clears it after
    /// `clear_seconds` (0 = never); returns `clear_seconds`.
    pub fn copy_secret(&self, text: &str, clear_seconds: u32) -> Result<u32, Error> {
        let after = (clear_seconds > 0).then(|| Duration::from_secs(u64::from(clear_seconds)));
        self.copy(text, after)?;
        Ok(clear_seconds)
    }

    /// Takes a copied secret off the clipboard now if it is still there (on lock).
    pub fn clear_if_ours(&self) {
        let Some(ours) = self
            .last_secret
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        else {
            return;
        };
        let mut slot = self.board.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(board) = slot.as_mut() {
            clear_if_holding(board, &ours);
        }
    }
}

/// A clipboard write marked "not for history": the KDE password-manager hint
/// on Linux (honoured by Klipper and most managers), the history and cloud
/// exclusions on Windows, the nspasteboard.org marker on macOS.
fn secret_setter(set: arboard::Set<'_>) -> arboard::Set<'_> {
    #[cfg(target_os = "linux")]
    let set = arboard::SetExtLinux::exclude_from_history(set);
    #[cfg(windows)]
    let set = arboard::SetExtWindows::exclude_from_cloud(
        arboard::SetExtWindows::exclude_from_history(set),
    );
    #[cfg(target_os = "macos")]
    let set = arboard::SetExtApple::exclude_from_history(set);
    set
}

/// Empties the clipboard if it still holds the text whose SHA-256 is `ours`.
fn clear_if_holding(board: &mut arboard::Clipboard, ours: &[u8; 32]) {
    let still_ours = board
        .get_text()
        .is_ok_and(|t| <[u8; 32]>::from(Sha256::digest(t.as_bytes())) == *ours);
    if still_ours {
        let _ = board.clear();
    }
}
