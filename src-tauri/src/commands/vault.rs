//! Vault lifecycle: status, first run, unlock, lock, reset, clear, and the
//! vault key's Copy / Download.

use coffer_core::{write_private_file, Error, ExposeSecret, Keychain, Vault, VaultKey};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use zeroize::Zeroizing;

use super::reply::Reply;
use crate::clipboard::Clipboard;
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
pub fn vault_status(state: State<'_, AppState>) -> Reply<StatusView> {
    let path = state.vault_path.display().to_string();
    let keychain_allowed = state.policy().check_keychain().is_ok();
    match state.with_vault(|v| Ok((v.is_unlocked(), v.keychain_enabled()?, v.secret_count()?))) {
        Ok((unlocked, keychain_enabled, secret_count)) => Ok(StatusView {
            path,
            exists: true,
            unlocked,
            keychain_enabled,
            secret_count,
            keychain_allowed,
        }),
        Err(Error::VaultNotFound { .. }) => Ok(StatusView {
            path,
            exists: false,
            unlocked: false,
            keychain_enabled: false,
            secret_count: 0,
            keychain_allowed,
        }),
        Err(e) => Err(e.into()),
    }
}

/// The new key, shown to the user once.
#[derive(Serialize)]
pub struct NewKeyView {
    pub key: String,
}

fn new_key_view(key: &VaultKey) -> NewKeyView {
    NewKeyView {
        key: key.to_text().expose_secret().to_owned(),
    }
}

/// First run: creates the vault and returns its key for display. The key
/// stays in Rust until [`vault_key_saved`] says whether the keychain keeps it.
#[tauri::command]
pub fn vault_create(state: State<'_, AppState>) -> Reply<NewKeyView> {
    let (vault, key) = Vault::create(&state.vault_path, false)?;
    let view = new_key_view(&key);
    state.set_vault(vault);
    state.hold_key(key);
    Ok(view)
}

/// The user saved the new key; with `keychain`, the system keychain keeps it too.
#[tauri::command]
pub fn vault_key_saved(state: State<'_, AppState>, keychain: bool) -> Reply<()> {
    let key = state.take_key().ok_or(Error::Locked)?;
    if keychain {
        let policy = state.policy();
        if let Err(e) = state.with_vault(|v| Keychain::new(&policy).keep(v, &key)) {
            // Keep the key so the user can retry or untick the box.
            state.hold_key(key);
            return Err(e.into());
        }
    }
    Ok(())
}

/// Unlocks with the key in the system keychain. The keychain is asked with
/// no lock held.
#[tauri::command]
pub fn vault_unlock_keychain(state: State<'_, AppState>) -> Reply<()> {
    let (id, kept) = state.with_vault(|v| Ok((v.id(), v.keychain_enabled()?)))?;
    if !kept {
        return Err(Error::KeyUnavailable {
            reason: "this vault does not keep its key in the keychain".into(),
        }
        .into());
    }
    let policy = state.policy();
    let key = Keychain::new(&policy)
        .load(&id)?
        .ok_or_else(|| Error::KeyUnavailable {
            reason: format!("the system keychain has no entry for vault {id}"),
        })?;
    Ok(state.with_vault(|v| v.unlock(&key))?)
}

/// Unlocks with a typed key (typos are reported with their group).
#[tauri::command]
pub fn vault_unlock(state: State<'_, AppState>, key: String) -> Reply<()> {
    let key = Zeroizing::new(key);
    let key = VaultKey::parse(&key)?;
    Ok(state.with_vault(|v| v.unlock(&key))?)
}

/// Locks the vault through the app's one lock path; the page clears itself
/// on the `locked` event it sends.
#[tauri::command]
pub fn vault_lock<R: Runtime>(app: AppHandle<R>) {
    crate::session::lock(&app);
}

/// New key, every secret deleted; needs no key. The new key is shown once.
#[tauri::command]
pub fn vault_reset(state: State<'_, AppState>) -> Reply<NewKeyView> {
    let key = state.with_vault(|v| v.reset())?;
    let view = new_key_view(&key);
    state.hold_key(key);
    // The old key's keychain entry is stale now; the key screen asks whether
    // to keep the new one there. Failures here must not hide the new key.
    let policy = state.policy();
    let _ = state.with_vault(|v| Keychain::new(&policy).stop_keeping(v));
    Ok(view)
}

/// Deletes every secret; the key stays.
#[tauri::command]
pub fn vault_clear(state: State<'_, AppState>) -> Reply<u64> {
    Ok(state.with_vault(|v| v.clear())?)
}

/// The vault key for Copy / Download: the one just made (first run, reset),
/// else the keychain's. It is not kept anywhere else after unlocking.
fn current_key(state: &AppState) -> Result<VaultKey, Error> {
    let (unlocked, id, kept) =
        state.with_vault(|v| Ok((v.is_unlocked(), v.id(), v.keychain_enabled()?)))?;
    if !unlocked {
        return Err(Error::Locked);
    }
    if let Some(key) = state.with_held_key(|k| VaultKey::parse(k.to_text().expose_secret())) {
        return key;
    }
    let not_kept = || {
        Error::KeyUnavailable {
        reason: "Coffer does not keep the vault key after unlocking, and the keychain has none for this vault".into(),
    }
    };
    if !kept {
        return Err(not_kept());
    }
    Keychain::new(&state.policy())
        .load(&id)?
        .ok_or_else(not_kept)
}

/// Copies the vault key to the clipboard (cleared like a copied value).
#[tauri::command]
pub fn vault_key_copy(state: State<'_, AppState>, clipboard: State<'_, Clipboard>) -> Reply<u32> {
    let key = current_key(&state)?;
    let settings = state.with_vault(|v| v.settings())?;
    let seconds = settings.in_force(&state.policy()).clipboard_clear_seconds;
    Ok(clipboard.copy_secret(key.to_text().expose_secret(), seconds)?)
}

/// Saves the vault key to a file the user picks (native dialog, mode 0600).
#[tauri::command]
pub async fn vault_key_download<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Reply<Option<String>> {
    let key = current_key(&state)?;
    let Some(path) = crate::dialog::pick(&app, crate::dialog::Pick::SaveKey) else {
        return Ok(None);
    };
    let text = Zeroizing::new(format!("{}\n", key.to_text().expose_secret()));
    write_private_file(&path, text.as_bytes(), true)?;
    Ok(Some(path.display().to_string()))
}
