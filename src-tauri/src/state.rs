//! What the app keeps between commands. Registered once with `app.manage`.
//!
//! The mutexes guard memory and the one open vault: no command holds one
//! across a keychain call, reading an import or a key derivation.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use coffer_core::{Error, ImportSet, PendingVault, Policy, PolicySource, Undo, Vault, VaultKey};
use zeroize::Zeroizing;

/// The app's state: one vault file, the admin policy's files, and what is
/// between two steps of a screen.
pub struct AppState {
    /// The vault file this app window works on.
    pub vault_path: PathBuf,
    /// Where the admin policy is read from (anew at every governed action).
    pub policy_source: PolicySource,
    /// The open vault (locked or unlocked); `None` until one exists.
    vault: Mutex<Option<Vault>>,
    /// A vault key on the key screen, kept in Rust until the user confirms
    /// they saved it (and chooses whether the keychain keeps it).
    held_key: Mutex<Option<HeldKey>>,
    /// How to take back the last deletion, clear or import.
    undo: Mutex<Option<Undo>>,
    /// Why the quick-open shortcut could not be registered, if it could not.
    pub quick_open_problem: Mutex<Option<String>>,
    /// Counts locks, so an unlock that waited on the keychain while a lock
    /// came does not unlock behind it.
    locks: AtomicU64,
    /// When the page last called a command (or reported input): auto-lock
    /// counts idle time from here.
    last_activity: Mutex<std::time::Instant>,
    /// An import between its preview and its apply.
    pending_import: Mutex<Option<PendingImport>>,
    /// Numbers imports, so a preview that finished reading after another
    /// import started (or after a lock) is dropped.
    import_serial: AtomicU64,
}

/// A vault key shown on the key screen, and what saving it does.
pub enum HeldKey {
    /// First run: the vault is built but not at its path until the key is saved.
    Created(VaultKey, PendingVault),
    /// The vault already has this key (a key change whose keychain step
    /// failed after it was applied); the user said they saved it.
    Applied(VaultKey),
    /// A new key for the open vault, applied only once it is saved.
    Change(VaultKey),
    /// A new key for a reset (every secret deleted), applied only once it is saved.
    Reset(VaultKey),
}

impl HeldKey {
    /// The key itself.
    pub fn key(&self) -> &VaultKey {
        match self {
            HeldKey::Created(key, _)
            | HeldKey::Applied(key)
            | HeldKey::Change(key)
            | HeldKey::Reset(key) => key,
        }
    }

    /// What the page is told is pending: `create`, `change`, `reset`, or nothing.
    pub fn pending(&self) -> Option<&'static str> {
        match self {
            HeldKey::Created(..) => Some("create"),
            HeldKey::Change(_) => Some("change"),
            HeldKey::Reset(_) => Some("reset"),
            HeldKey::Applied(_) => None,
        }
    }
}

/// Where a pending import comes from; kept in Rust between the steps.
#[derive(Clone)]
pub enum ImportFrom {
    /// Files and folders (one from a dialog, any number dropped on the window).
    Paths(Vec<PathBuf>),
    /// Pasted text.
    Text(Zeroizing<Vec<u8>>),
}

/// The bytes of a KeePass key file.
pub type KeyFile = Zeroizing<Vec<u8>>;

/// An import between preview and apply.
pub struct PendingImport {
    /// Which import this is ([`AppState::start_import`]).
    pub serial: u64,
    pub from: ImportFrom,
    /// The key file chosen for a KeePass database, read in Rust.
    pub key_file: Option<KeyFile>,
    /// What the preview read, once it did.
    pub set: Option<ImportSet>,
}

/// A poisoned lock (a panic in another command) is still usable: what it
/// guards is replaced whole, and the vault's own state is transactional.
fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl AppState {
    /// The state for the vault at `vault_path`, under the policy files of the
    /// environment (`COFFER_POLICY_FILE` and the system file).
    pub fn new(vault_path: PathBuf) -> Self {
        AppState::with_policy(vault_path, PolicySource::from_env())
    }

    /// The state for the vault at `vault_path` under the policy read from `policy_source`.
    pub fn with_policy(vault_path: PathBuf, policy_source: PolicySource) -> Self {
        AppState {
            vault_path,
            policy_source,
            vault: Mutex::new(None),
            held_key: Mutex::new(None),
            undo: Mutex::new(None),
            quick_open_problem: Mutex::new(None),
            locks: AtomicU64::new(0),
            last_activity: Mutex::new(std::time::Instant::now()),
            pending_import: Mutex::new(None),
            import_serial: AtomicU64::new(0),
        }
    }

    /// The admin policy as it is now.
    pub fn policy(&self) -> Policy {
        self.policy_source.load()
    }

    /// Runs `f` on the open vault, opening the file first if needed.
    pub fn with_vault<T>(
        &self,
        f: impl FnOnce(&mut Vault) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut slot = guard(&self.vault);
        if slot.is_none() {
            *slot = Some(Vault::open(&self.vault_path)?);
        }
        match slot.as_mut() {
            Some(vault) => {
                // Linked secrets obey the policy as it is at this action.
                vault.set_link_policy(self.policy());
                f(vault)
            }
            None => Err(Error::Locked),
        }
    }

    /// Puts a vault just created in the slot.
    pub fn set_vault(&self, vault: Vault) {
        *guard(&self.vault) = Some(vault);
    }

    /// Locks the vault and forgets everything that holds a key or a
    /// decrypted value, or could bring secrets back: the held key, the
    /// pending import, the undo. A first run's key stays: its vault holds no
    /// secret yet, and the same key must be shown again (a key the user
    /// wrote down must be the one that works).
    pub fn lock(&self) {
        self.locks.fetch_add(1, Ordering::SeqCst);
        if let Some(v) = guard(&self.vault).as_mut() {
            v.lock();
        }
        let mut held = guard(&self.held_key);
        if !matches!(*held, Some(HeldKey::Created(..))) {
            *held = None;
        }
        drop(held);
        *guard(&self.pending_import) = None;
        *guard(&self.undo) = None;
    }

    /// The page did something (a command, or reported input).
    pub fn touch(&self) {
        self.touch_at(std::time::Instant::now());
    }

    /// [`AppState::touch`] at `at` (tests move time).
    pub fn touch_at(&self, at: std::time::Instant) {
        *guard(&self.last_activity) = at;
    }

    /// When the page last did something.
    pub fn last_activity(&self) -> std::time::Instant {
        *guard(&self.last_activity)
    }

    /// How many locks there were so far (see [`AppState::unlock_unless_locked_since`]).
    pub fn locks(&self) -> u64 {
        self.locks.load(Ordering::SeqCst)
    }

    /// Unlocks with `key` unless a lock came after `locks` was read (the
    /// key was looked up meanwhile, with no lock held).
    pub fn unlock_unless_locked_since(&self, locks: u64, key: &VaultKey) -> Result<(), Error> {
        self.with_vault(|v| {
            if self.locks() != locks {
                return Err(Error::Locked);
            }
            v.unlock(key)
        })
    }

    /// Keeps a vault key on the key screen until the user confirms they saved it.
    pub fn hold_key(&self, key: HeldKey) {
        *guard(&self.held_key) = Some(key);
    }

    /// Takes the held key (it is handed out once).
    pub fn take_key(&self) -> Option<HeldKey> {
        guard(&self.held_key).take()
    }

    /// Runs `f` on the held key, if there is one.
    pub fn with_held_key<T>(&self, f: impl FnOnce(&HeldKey) -> T) -> Option<T> {
        guard(&self.held_key).as_ref().map(f)
    }

    /// Keeps how to take back the last deletion, clear or import (replacing
    /// the one before).
    pub fn keep_undo(&self, undo: Undo) {
        *guard(&self.undo) = Some(undo);
    }

    /// Takes the undo, if there is one.
    pub fn take_undo(&self) -> Option<Undo> {
        guard(&self.undo).take()
    }

    /// Forgets the undo (after a reset or a key change it cannot apply).
    pub fn forget_undo(&self) {
        *guard(&self.undo) = None;
    }

    /// Starts a new import from `from` (forgetting any other); returns its serial.
    pub fn start_import(&self, from: ImportFrom) -> u64 {
        let serial = self.import_serial.fetch_add(1, Ordering::SeqCst) + 1;
        *guard(&self.pending_import) = Some(PendingImport {
            serial,
            from,
            key_file: None,
            set: None,
        });
        serial
    }

    /// The pending import's serial, source and key file, to read outside the lock.
    pub fn import_source(&self) -> Option<(u64, ImportFrom, Option<KeyFile>)> {
        guard(&self.pending_import)
            .as_ref()
            .map(|p| (p.serial, p.from.clone(), p.key_file.clone()))
    }

    /// Keeps a KeePass key file for the pending import; false when there is none.
    pub fn set_import_key_file(&self, bytes: KeyFile) -> bool {
        match guard(&self.pending_import).as_mut() {
            Some(p) => {
                p.key_file = Some(bytes);
                true
            }
            None => false,
        }
    }

    /// Keeps what the preview of import `serial` read; false when that
    /// import is no longer the pending one (another started, or a lock).
    pub fn keep_import_set(&self, serial: u64, set: ImportSet) -> bool {
        match guard(&self.pending_import).as_mut() {
            Some(p) if p.serial == serial => {
                p.set = Some(set);
                true
            }
            _ => false,
        }
    }

    /// Takes the previewed import to apply it; the pending import is gone after.
    pub fn take_import_set(&self) -> Option<ImportSet> {
        guard(&self.pending_import).take().and_then(|p| p.set)
    }

    /// Forgets the pending import.
    pub fn cancel_import(&self) {
        *guard(&self.pending_import) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> AppState {
        let source = PolicySource {
            system: PathBuf::from("/nonexistent/coffer-policy.json"),
            extra: None,
        };
        AppState::with_policy(PathBuf::from("/nonexistent/vault.db"), source)
    }

    fn empty_set() -> ImportSet {
        ImportSet {
            files: Vec::new(),
            secrets: Vec::new(),
        }
    }

    #[test]
    fn a_preview_read_for_an_import_that_is_no_longer_pending_is_dropped() {
        let state = state();
        let first = state.start_import(ImportFrom::Paths(Vec::new()));
        // While the first was being read (no lock held), another started.
        let second = state.start_import(ImportFrom::Text(Zeroizing::new(b"A=1".to_vec())));
        assert!(!state.keep_import_set(first, empty_set()));
        assert!(state.take_import_set().is_none(), "nothing to apply yet");
        let third = state.start_import(ImportFrom::Paths(Vec::new()));
        assert_ne!(second, third);
        // A lock while reading forgets the import: its preview is dropped too.
        state.lock();
        assert!(!state.keep_import_set(third, empty_set()));
        let fourth = state.start_import(ImportFrom::Paths(Vec::new()));
        assert!(state.keep_import_set(fourth, empty_set()));
        assert!(state.take_import_set().is_some());
        assert!(state.take_import_set().is_none(), "applied once");
    }

    #[test]
    fn lock_forgets_a_held_key_but_a_first_runs() {
        let state = state();
        for held in [
            HeldKey::Applied(VaultKey::generate()),
            HeldKey::Change(VaultKey::generate()),
            HeldKey::Reset(VaultKey::generate()),
        ] {
            state.hold_key(held);
            state.lock();
            assert!(state.take_key().is_none());
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let (pending, key) =
            Vault::create_pending(&dir.path().join("v.db"), false).expect("pending");
        let text = key.to_text();
        state.hold_key(HeldKey::Created(key, pending));
        state.lock();
        let kept = state
            .with_held_key(|k| k.key().to_text())
            .expect("kept over a lock");
        use coffer_core::ExposeSecret;
        assert_eq!(kept.expose_secret(), text.expose_secret());
    }

    #[test]
    fn an_unlock_that_waited_through_a_lock_does_not_unlock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v.db");
        let (vault, key) = Vault::create(&path, false).expect("create");
        drop(vault);
        let state = AppState::with_policy(
            path,
            PolicySource {
                system: dir.path().join("none.json"),
                extra: None,
            },
        );
        let before = state.locks();
        state.lock();
        let err = state
            .unlock_unless_locked_since(before, &key)
            .expect_err("a lock came in between");
        assert_eq!(err.code(), "locked");
        state
            .unlock_unless_locked_since(state.locks(), &key)
            .expect("no lock in between");
    }
}
