//! Vault lifecycle: status, first run, unlock, lock, reset, clear, and the
//! vault key's Copy / Download.

use coffer_core::{write_private_file, Error, ExposeSecret, Keychain, Vault, VaultKey};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use zeroize::Zeroizing;

use super::reply::{Reply, Secret};
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
    pub key: Secret,
}

fn new_key_view(key: &VaultKey) -> NewKeyView {
    NewKeyView {
        key: key.to_text().into(),
    }
}

/// First run: builds the vault and returns its key for display. The vault
/// file appears only when [`vault_key_saved`] confirms the key was saved, so
/// quitting before leaves no vault that nobody has the key of. Asked again
/// before that (a lock, a reloaded page), it shows the same key.
#[tauri::command]
pub fn vault_create(state: State<'_, AppState>) -> Reply<NewKeyView> {
    if let Some(Some(view)) = state.with_held_key(|held| match held {
        HeldKey::Created(key, _) => Some(new_key_view(key)),
        _ => None,
    }) {
        return Ok(view);
    }
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
/// change, a reset, a first run): nothing changes.
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
/// place, a reset or a key change is applied; with `keychain` the system
/// keychain keeps the key, without it any entry of this vault is removed.
/// The keychain is checked before anything is applied, and no lock is held
/// across a keychain call (an unlock prompt may wait for the user).
#[tauri::command]
pub fn vault_key_saved(state: State<'_, AppState>, keychain: bool) -> Reply<()> {
    let held = state.take_key().ok_or(Error::Locked)?;
    let policy = state.policy();
    let keeper = Keychain::new(&policy);
    if keychain && !matches!(held, HeldKey::Applied(_)) {
        // A broken keychain is found before the vault changes.
        if let Err(e) = keeper.self_test() {
            state.hold_key(held);
            return Err(e.into());
        }
    }
    let key = match held {
        HeldKey::Created(key, pending) => {
            let path = pending.path().to_owned();
            match pending.confirm(&key) {
                Ok(vault) => state.set_vault(vault),
                Err(e) => {
                    // If the file got there, this key is its only way in.
                    if path.exists() {
                        state.hold_key(HeldKey::Applied(key));
                    }
                    return Err(e.into());
                }
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
        HeldKey::Reset(key) => {
            if let Err(e) = state.with_vault(|v| v.reset_with(&key)) {
                state.hold_key(HeldKey::Reset(key));
                return Err(e.into());
            }
            state.forget_undo();
            key
        }
        HeldKey::Applied(key) => key,
    };
    let kept = if keychain {
        keep_in_keychain(&state, &keeper, &key)
    } else {
        stop_keeping(&state, &keeper)
    };
    if let Err(e) = kept {
        // The key is the vault's now and the keychain does not have it: no
        // stale entry may stay (the next start would fail on it), and the
        // key stays on screen so the user can retry or untick the box.
        let _ = stop_keeping(&state, &keeper);
        state.hold_key(HeldKey::Applied(key));
        return Err(e.into());
    }
    Ok(())
}

/// Stores `key` in the keychain for the open vault (no lock held meanwhile)
/// and records that the vault keeps its key there.
fn keep_in_keychain(state: &AppState, keeper: &Keychain<'_>, key: &VaultKey) -> Result<(), Error> {
    let (path, id) = state.with_vault(|v| Ok((v.path().to_owned(), v.id())))?;
    keeper.check_and_store(&path, &id, key)?;
    state.with_vault(|v| v.set_keychain_enabled(true))
}

/// Removes the open vault's keychain entry, if it keeps one (no lock held
/// meanwhile), and records that it keeps none; the record is written even if
/// the removal fails.
fn stop_keeping(state: &AppState, keeper: &Keychain<'_>) -> Result<(), Error> {
    let (id, kept) = state.with_vault(|v| Ok((v.id(), v.keychain_enabled()?)))?;
    if kept {
        let _ = keeper.forget(&id);
        state.with_vault(|v| v.set_keychain_enabled(false))?;
    }
    Ok(())
}

/// Unlocks with the key in the system keychain. The keychain is asked with
/// no lock held; a lock that comes meanwhile wins.
#[tauri::command]
pub fn vault_unlock_keychain(state: State<'_, AppState>) -> Reply<()> {
    let locks = state.locks();
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
    Ok(state.unlock_unless_locked_since(locks, &key)?)
}

/// Unlocks with a typed key (typos are reported with their group).
#[tauri::command]
pub fn vault_unlock(state: State<'_, AppState>, key: String) -> Reply<()> {
    let key = Zeroizing::new(key);
    let key = VaultKey::parse(&key)?;
    Ok(state.with_vault(|v| v.unlock(&key))?)
}

/// The page saw the user at work (keys, pointer, wheel): auto-lock waits
/// anew. (Every command counts; this one does nothing else.)
#[tauri::command]
pub fn vault_activity() {}

/// Locks the vault through the app's one lock path; the page clears itself
/// on the `locked` event it sends.
#[tauri::command]
pub fn vault_lock<R: Runtime>(app: AppHandle<R>) {
    crate::session::lock(&app);
}

/// Makes a new key for a reset (a new key, every secret deleted; needs no
/// key — the way out of a lost key) and returns it for display. Nothing is
/// deleted until [`vault_key_saved`] confirms the new key was saved.
#[tauri::command]
pub fn vault_reset(state: State<'_, AppState>) -> Reply<NewKeyView> {
    // The vault must be there to be reset.
    state.with_vault(|v| Ok(v.id()))?;
    let key = VaultKey::generate();
    let view = new_key_view(&key);
    state.hold_key(HeldKey::Reset(key));
    Ok(view)
}

/// Deletes every secret; the key stays. Undoable with `undo_last`.
#[tauri::command]
pub fn vault_clear(state: State<'_, AppState>) -> Reply<u64> {
    Ok(state.with_vault(|v| {
        let (count, undo) = v.clear()?;
        // Kept while the vault is held: a lock cannot slip in between.
        state.keep_undo(undo);
        Ok(count)
    })?)
}

/// What `undo_last` took back.
#[derive(Serialize)]
pub struct Undone {
    pub undone: coffer_core::UndoKind,
    pub secrets: usize,
}

/// Takes back the last deletion, clear or import. If it cannot for any
/// reason but a change made since, it stays to be tried again.
#[tauri::command]
pub fn undo_last(state: State<'_, AppState>) -> Reply<Undone> {
    let undo = state.take_undo().ok_or(Error::NothingToUndo)?;
    let undone = undo.kind();
    state
        .with_vault(|v| match v.undo(&undo) {
            Ok(secrets) => Ok(Undone { undone, secrets }),
            Err(e) => {
                if !matches!(e, Error::UndoStale { .. }) {
                    state.keep_undo(undo);
                }
                Err(e)
            }
        })
        .map_err(Into::into)
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
