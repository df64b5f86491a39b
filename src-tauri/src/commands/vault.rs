//! Vault lifecycle: status, first run, unlock, lock, reset, clear, and the
//! vault key's Copy / Download.

use coffer_core::{write_private_file, Error, ExposeSecret, Keychain, Vault, VaultKey};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use zeroize::Zeroizing;

use super::reply::Reply;
use crate::clipboard::Clipboard;
use crate::state::{AppState, HeldKey};

/// What the start screen needs; never any secret.
#[derive(Debug, Serialize)]
pub struct StatusView {
    pub path: String,
    pub exists: bool,
    pub unlocked: bool,
    pub keychain_enabled: bool,
    pub secret_count: u64,
    pub keychain_allowed: bool,
    /// Before first run: whether a working system keychain is there (checked
    /// by writing, reading and deleting a probe entry); `None` otherwise.
    pub keychain_available: Option<bool>,
    /// Why it is not, in the keychain's own words (for details, not as the
    /// main text).
    pub keychain_problem: Option<String>,
    /// A key waiting on the key screen: `create` (first run), `change`.
    pub pending: Option<&'static str>,
}

#[tauri::command]
pub fn vault_status(state: State<'_, AppState>) -> Reply<StatusView> {
    let path = state.vault_path.display().to_string();
    let policy = state.policy();
    let keychain_allowed = policy.check_keychain().is_ok();
    let pending = state.with_held_key(HeldKey::pending).flatten();
    match state.with_vault(|v| Ok((v.is_unlocked(), v.keychain_enabled()?, v.secret_count()?))) {
        Ok((unlocked, keychain_enabled, secret_count)) => Ok(StatusView {
            path,
            exists: true,
            unlocked,
            keychain_enabled,
            secret_count,
            keychain_allowed,
            keychain_available: None,
            keychain_problem: None,
            pending,
        }),
        Err(Error::VaultNotFound { .. }) => {
            // First run: offer the keychain only if it works here.
            let probe = if keychain_allowed {
                Keychain::new(&policy).self_test()
            } else {
                Ok(())
            };
            Ok(StatusView {
                path,
                exists: false,
                unlocked: false,
                keychain_enabled: false,
                secret_count: 0,
                keychain_allowed,
                keychain_available: Some(keychain_allowed && probe.is_ok()),
                keychain_problem: probe.err().map(|e| e.to_string()),
                pending,
            })
        }
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

/// First run: builds the vault and returns its key for display. The vault
/// file appears only when [`vault_key_saved`] confirms the key was saved, so
/// quitting before leaves no vault that nobody has the key of.
#[tauri::command]
pub fn vault_create(state: State<'_, AppState>) -> Reply<NewKeyView> {
    // A first run started earlier (a reloaded page) is dropped, file and all.
    drop(state.take_key());
    let (pending, key) = Vault::create_pending(&state.vault_path, false)?;
    let view = new_key_view(&key);
    state.hold_key(HeldKey::Created(key, pending));
    Ok(view)
}

/// Makes a new vault key for the open vault and returns it for display; the
/// vault keeps its old key until [`vault_key_saved`] confirms the new one was
/// saved ([`vault_key_discard`] drops it).
#[tauri::command]
pub fn vault_change_key(state: State<'_, AppState>) -> Reply<NewKeyView> {
    if !state.with_vault(|v| Ok(v.is_unlocked()))? {
        return Err(Error::Locked.into());
    }
    let key = VaultKey::generate();
    let view = new_key_view(&key);
    state.hold_key(HeldKey::Change(key));
    Ok(view)
}

/// Drops a key waiting on the key screen that is not applied yet (a key
/// change, or a first run): nothing changes.
#[tauri::command]
pub fn vault_key_discard(state: State<'_, AppState>) -> Reply<()> {
    match state.take_key() {
        Some(HeldKey::Applied(key)) => {
            // Already the vault's key: it must stay on screen until saved.
            state.hold_key(HeldKey::Applied(key));
            Err(Error::InvalidArgument {
                what: "request: this key is already the vault's key; save it",
            }
            .into())
        }
        _ => Ok(()),
    }
}

/// The user saved the key on the key screen: a first run's vault is put in
/// place, a key change is applied; with `keychain` the system keychain keeps
/// the key, without it any entry of this vault is removed.
#[tauri::command]
pub fn vault_key_saved(state: State<'_, AppState>, keychain: bool) -> Reply<()> {
    let held = state.take_key().ok_or(Error::Locked)?;
    let policy = state.policy();
    let keeper = Keychain::new(&policy);
    let key = match held {
        HeldKey::Created(key, pending) => {
            if keychain {
                // Before the file appears: a broken keychain leaves no vault.
                if let Err(e) = keeper.self_test() {
                    state.hold_key(HeldKey::Created(key, pending));
                    return Err(e.into());
                }
            }
            match pending.confirm(&key) {
                Ok(vault) => state.set_vault(vault),
                Err(e) => return Err(e.into()),
            }
            key
        }
        HeldKey::Change(key) => {
            if let Err(e) = state.with_vault(|v| v.change_key(&key)) {
                state.hold_key(HeldKey::Change(key));
                return Err(e.into());
            }
            // Undo from before the change cannot apply to the new key.
            state.forget_undo();
            key
        }
        HeldKey::Applied(key) => key,
    };
    let kept = state.with_vault(|v| {
        if keychain {
            keeper.keep(v, &key)
        } else if v.keychain_enabled()? {
            // An entry of the old key would be stale: remove it. The vault
            // records that it keeps no key there even if the removal fails.
            let _ = keeper.stop_keeping(v);
            Ok(())
        } else {
            Ok(())
        }
    });
    if let Err(e) = kept {
        // The key is the vault's now: keep it on screen so the user can
        // retry or untick the box.
        state.hold_key(HeldKey::Applied(key));
        return Err(e.into());
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
    state.hold_key(HeldKey::Applied(key));
    state.forget_undo();
    // The old key's keychain entry is stale now; the key screen asks whether
    // to keep the new one there. Failures here must not hide the new key.
    let policy = state.policy();
    let _ = state.with_vault(|v| Keychain::new(&policy).stop_keeping(v));
    Ok(view)
}

/// Deletes every secret; the key stays. Undoable with `undo_last`.
#[tauri::command]
pub fn vault_clear(state: State<'_, AppState>) -> Reply<u64> {
    let (count, undo) = state.with_vault(|v| v.clear())?;
    state.keep_undo(undo);
    Ok(count)
}

/// What `undo_last` took back.
#[derive(Serialize)]
pub struct Undone {
    pub undone: coffer_core::UndoKind,
    pub secrets: usize,
}

/// Takes back the last deletion, clear or import.
#[tauri::command]
pub fn undo_last(state: State<'_, AppState>) -> Reply<Undone> {
    let undo = state.take_undo().ok_or(Error::NothingToUndo)?;
    let undone = undo.kind();
    let secrets = state.with_vault(|v| v.undo(undo))?;
    Ok(Undone { undone, secrets })
}

/// The vault key for Copy / Download: the one just made (first run, reset),
/// else the keychain's. It is not kept anywhere else after unlocking.
fn current_key(state: &AppState) -> Result<VaultKey, Error> {
    // The key on the key screen (a lock forgets it): first run, reset, change.
    if let Some(key) = state.with_held_key(|k| VaultKey::parse(k.key().to_text().expose_secret())) {
        return key;
    }
    let (unlocked, id, kept) =
        state.with_vault(|v| Ok((v.is_unlocked(), v.id(), v.keychain_enabled()?)))?;
    if !unlocked {
        return Err(Error::Locked);
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
    // Before the first-run vault is in place, the default clipboard time applies.
    let settings = state.with_vault(|v| v.settings()).unwrap_or_default();
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
