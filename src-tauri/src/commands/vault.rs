//! Vault lifecycle: status, first run, unlock, lock, reset, clear.

use coffer_core::{Error, ErrorBody, ExposeSecret, Keychain, Policy, Vault, VaultKey};
use serde::Serialize;
use tauri::State;

use crate::state::AppState;

/// What the start screen needs; never any secret.
#[derive(Debug, Serialize)]
pub struct StatusView {
    pub path: String,
    pub exists: bool,
    pub unlocked: bool,
    pub keychain_enabled: bool,
    pub secret_count: u64,
    pub keychain_allowed: bool,
}

#[tauri::command]
pub fn vault_status(state: State<'_, AppState>) -> Result<StatusView, ErrorBody> {
    let path = state.vault_path.display().to_string();
    let keychain_allowed = Policy::current().check_keychain().is_ok();
    match state.with_vault(|v| Ok((v.is_unlocked(), v.keychain_enabled()?, v.secret_count()?))) {
        Ok((unlocked, keychain_enabled, secret_count)) => Ok(StatusView {
            path,
            exists: true,
            unlocked,
            keychain_enabled,
            secret_count,
            keychain_allowed,
        }),
        Err(e) if e.code == "vault_not_found" => Ok(StatusView {
            path,
            exists: false,
            unlocked: false,
            keychain_enabled: false,
            secret_count: 0,
            keychain_allowed,
        }),
        Err(e) => Err(e),
    }
}

/// The new key, shown to the user once.
#[derive(Serialize)]
pub struct NewKeyView {
    pub key: String,
}

/// First run: creates the vault and returns its key for display. The key
/// stays in Rust until [`vault_key_saved`] says whether the keychain keeps it.
#[tauri::command]
pub fn vault_create(state: State<'_, AppState>) -> Result<NewKeyView, ErrorBody> {
    let (vault, key) = Vault::create(&state.vault_path, false).map_err(|e| e.body())?;
    let view = NewKeyView {
        key: key.to_text().expose_secret().to_owned(),
    };
    *state.vault() = Some(vault);
    *state.pending_key() = Some(key);
    Ok(view)
}

/// The user saved the new key; with `keychain`, the system keychain keeps it too.
#[tauri::command]
pub fn vault_key_saved(state: State<'_, AppState>, keychain: bool) -> Result<(), ErrorBody> {
    let key = state
        .pending_key()
        .take()
        .ok_or_else(|| Error::Locked.body())?;
    if keychain {
        let stored = state.with_vault(|v| Keychain.keep(v, &key));
        if let Err(e) = stored {
            // Keep the key so the user can retry or untick the box.
            *state.pending_key() = Some(key);
            return Err(e);
        }
    }
    Ok(())
}

/// Unlocks with the key in the system keychain.
#[tauri::command]
pub fn vault_unlock_keychain(state: State<'_, AppState>) -> Result<(), ErrorBody> {
    state.with_vault(|v| {
        if !v.keychain_enabled()? {
            return Err(Error::KeyUnavailable {
                reason: "this vault does not keep its key in the keychain".into(),
            });
        }
        let key = Keychain
            .load(&v.id())?
            .ok_or_else(|| Error::KeyUnavailable {
                reason: format!("the system keychain has no entry for vault {}", v.id()),
            })?;
        v.unlock(&key)
    })
}

/// Unlocks with a typed key (typos are reported with their group).
#[tauri::command]
pub fn vault_unlock(state: State<'_, AppState>, key: String) -> Result<(), ErrorBody> {
    let key = zeroize::Zeroizing::new(key);
    let key = VaultKey::parse(&key).map_err(|e| e.body())?;
    state.with_vault(|v| v.unlock(&key))
}

/// Forgets every key; the UI clears every secret from the page.
#[tauri::command]
pub fn vault_lock(state: State<'_, AppState>, clipboard: State<'_, crate::clipboard::Clipboard>) {
    clipboard.clear_if_ours();
    if let Some(v) = state.vault().as_mut() {
        v.lock();
    }
    // A pending import holds decrypted secrets, a pending key is the key: gone too.
    *state.pending_import() = None;
    *state.pending_key() = None;
}

/// New key, every secret deleted; needs no key. The new key is shown once.
#[tauri::command]
pub fn vault_reset(state: State<'_, AppState>) -> Result<NewKeyView, ErrorBody> {
    let key = state.with_vault(|v| v.reset())?;
    let view = NewKeyView {
        key: key.to_text().expose_secret().to_owned(),
    };
    *state.pending_key() = Some(key);
    // The old key's keychain entry is stale now; the key screen asks whether
    // to keep the new one there. Failures here must not hide the new key.
    let _ = state.with_vault(|v| Keychain.stop_keeping(v));
    Ok(view)
}

/// Deletes every secret; the key stays.
#[tauri::command]
pub fn vault_clear(state: State<'_, AppState>) -> Result<u64, ErrorBody> {
    state.with_vault(|v| v.clear())
}

/// The vault key for Copy / Download: the one just made (first run, reset),
/// else the keychain's. It is not kept anywhere else after unlocking.
fn current_key(state: &AppState) -> Result<VaultKey, ErrorBody> {
    if !state.with_vault(|v| Ok(v.is_unlocked()))? {
        return Err(Error::Locked.body());
    }
    if let Some(key) = state.pending_key().as_ref() {
        return VaultKey::parse(key.to_text().expose_secret()).map_err(|e| e.body());
    }
    state.with_vault(|v| {
        if !v.is_unlocked() {
            return Err(Error::Locked);
        }
        let not_kept = || Error::KeyUnavailable {
            reason: "Coffer does not keep the vault key after unlocking, and the keychain has none for this vault".into(),
        };
        if !v.keychain_enabled()? {
            return Err(not_kept());
        }
        Keychain.load(&v.id())?.ok_or_else(not_kept)
    })
}

/// Copies the vault key to the clipboard (cleared like a copied value).
#[tauri::command]
pub fn vault_key_copy(
    state: State<'_, AppState>,
    clipboard: State<'_, crate::clipboard::Clipboard>,
) -> Result<u32, ErrorBody> {
    let key = current_key(&state)?;
    clipboard.copy_secret(&state, key.to_text().expose_secret())
}

/// Saves the vault key to a file the user picks (native dialog, mode 0600).
#[tauri::command]
pub async fn vault_key_download<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<String>, ErrorBody> {
    let key = current_key(&state)?;
    let Some(path) = crate::dialog::pick(&app, crate::dialog::Pick::SaveKey) else {
        return Ok(None);
    };
    let text = zeroize::Zeroizing::new(format!("{}\n", key.to_text().expose_secret()));
    coffer_core::write_export_file(&path, text.as_bytes(), true).map_err(|e| e.body())?;
    Ok(Some(path.display().to_string()))
}
