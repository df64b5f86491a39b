//! What the app keeps between commands.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use coffer_core::{Error, ErrorBody, Vault, VaultKey};

/// Registered once in `setup` with `app.manage`.
pub struct AppState {
    /// The vault file this app window works on.
    pub vault_path: PathBuf,
    /// The open vault (locked or unlocked); `None` until one exists.
    pub vault: Mutex<Option<Vault>>,
    /// A vault key just created or reset, kept in Rust until the user
    /// confirms they saved it (and chooses whether the keychain keeps it).
    pub pending_key: Mutex<Option<VaultKey>>,
    /// An import between its preview and its apply.
    pub pending_import: Mutex<Option<crate::commands::transfer::PendingImport>>,
}

impl AppState {
    pub fn new(vault_path: PathBuf) -> Self {
        AppState {
            vault_path,
            vault: Mutex::new(None),
            pending_key: Mutex::new(None),
            pending_import: Mutex::new(None),
        }
    }

    /// The vault slot. A poisoned lock (a panic in another command) is still usable:
    /// the vault's own state is transactional.
    pub fn vault(&self) -> MutexGuard<'_, Option<Vault>> {
        self.vault.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn pending_import(
        &self,
    ) -> MutexGuard<'_, Option<crate::commands::transfer::PendingImport>> {
        self.pending_import
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    pub fn pending_key(&self) -> MutexGuard<'_, Option<VaultKey>> {
        self.pending_key.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the open vault, opening the file first if needed.
    pub fn with_vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, Error>,
    ) -> Result<T, ErrorBody> {
        let mut slot = self.vault();
        if slot.is_none() {
            *slot = Some(Vault::open(&self.vault_path).map_err(|e| e.body())?);
        }
        match slot.as_mut() {
            Some(vault) => f(vault).map_err(|e| e.body()),
            None => Err(Error::Locked.body()),
        }
    }
}
