//! A vault: one SQLite file, opened locked, unlocked with its vault key.
//!
//! Key hierarchy ([`keys`]): the vault key → (HKDF) key-encryption key →
//! wraps the blind-index key and every data-key generation. Records
//! ([`records`]) are sealed under the newest data key; a new data key is made
//! long before the random-nonce budget of one key is spent, and older ones
//! stay to open older records.
//!
//! The files of this folder each hold one concept of the same [`Vault`]:
//! lifecycle (here), [`keys`], [`records`] (the row decoder and the write
//! transaction), [`digest`] (the record list that catches a rolled-back,
//! removed or added record), [`secrets`] (create, read, update, delete), [`settings`],
//! [`export`], [`import`], [`undo`], [`resolve`] (references), and linked
//! secrets: [`providers`] (the external vaults) and [`links`].

mod digest;
mod export;
mod import;
mod keys;
mod links;
mod providers;
mod records;
mod resolve;
mod secrets;
mod settings;
mod undo;

use std::fmt;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection};

use crate::error::{Error, Result};
use crate::key::VaultKey;
use crate::private_file::Staged;
use crate::secret::{SecretId, Timestamp};
use crate::store::{self, SqlResult};

pub use export::{ExportRequest, PreparedExport};
pub use import::{Conflict, Decision, ImportSummary, Preview, Repeated};
pub use keys::DATA_KEY_MAX_ENCRYPTIONS;
pub use links::{LinkRequest, LinkTarget};
pub use resolve::{ReferenceCheck, Unresolved, Usage, Values, Why};
pub use secrets::{IfExists, SetOutcome};
pub use settings::{Settings, SettingsInForce, AUTO_LOCK_MAX_MINUTES, CLIPBOARD_CLEAR_MAX_SECONDS};
pub use undo::{Undo, UndoKind};

/// A Coffer vault. Opened locked; most operations need [`Vault::unlock`].
pub struct Vault {
    path: PathBuf,
    conn: Connection,
    id: [u8; 16],
    unlocked: Option<keys::Keys>,
    max_encryptions: u64,
    /// Linked secrets' providers in use and their fetched values: in memory
    /// only, dropped on lock.
    linked: crate::linked::Session,
    /// Test hook: the write transaction fails after this many records were put.
    #[cfg(test)]
    fail_put_after: Option<usize>,
}

/// A new vault, built but not yet at its path ([`Vault::create_pending`]).
#[derive(Debug)]
pub struct PendingVault {
    staged: Staged,
    path: PathBuf,
}

impl PendingVault {
    /// Where the vault will be.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Puts the vault at its path (never over a file that appeared there
    /// meanwhile) and returns it unlocked with `key`.
    pub fn confirm(self, key: &VaultKey) -> Result<Vault> {
        let conn = store::publish_new(self.staged, &self.path)?;
        let mut vault = Vault::from_conn(&self.path, conn)?;
        vault.unlock(key)?;
        Ok(vault)
    }
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("id", &self.id())
            .field("unlocked", &self.unlocked.is_some())
            .finish_non_exhaustive()
    }
}

impl Vault {
    /// Creates a new vault at `path` (never over an existing file) and returns
    /// it unlocked, with its new key. `keychain` records whether the key is
    /// meant to live in the OS keychain.
    pub fn create(path: &Path, keychain: bool) -> Result<(Vault, VaultKey)> {
        let (pending, key) = Vault::create_pending(path, keychain)?;
        Ok((pending.confirm(&key)?, key))
    }

    /// Builds a new vault for `path` without putting it there yet: the file
    /// appears only at [`PendingVault::confirm`] (once the user has saved the
    /// key), and a pending vault that is dropped leaves nothing behind.
    pub fn create_pending(path: &Path, keychain: bool) -> Result<(PendingVault, VaultKey)> {
        let id = store::new_vault_id();
        let key = VaultKey::generate();
        let staged = store::stage_new(path, |tx| {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('vault_id', ?1), ('keychain', ?2), ('created_at', ?3)",
                params![&id[..], i64::from(keychain), Timestamp::now().0],
            )
            .at(path)?;
            keys::install(tx, path, &id, &key).map(drop)
        })?;
        let pending = PendingVault {
            staged,
            path: path.to_owned(),
        };
        Ok((pending, key))
    }

    /// Opens an existing vault, locked. Only reads the file.
    pub fn open(path: &Path) -> Result<Vault> {
        let conn = store::open_existing(path)?;
        Vault::from_conn(path, conn)
    }

    fn from_conn(path: &Path, conn: Connection) -> Result<Vault> {
        let id: Vec<u8> = store::read_meta(&conn, path, "vault_id")?;
        let id: [u8; 16] = id.try_into().map_err(|_| Error::VaultCorrupt {
            path: path.to_owned(),
            detail: "the vault id is malformed".into(),
        })?;
        Ok(Vault {
            path: path.to_owned(),
            conn,
            id,
            unlocked: None,
            max_encryptions: DATA_KEY_MAX_ENCRYPTIONS,
            linked: crate::linked::Session::default(),
            #[cfg(test)]
            fail_put_after: None,
        })
    }

    /// The vault's id (32 hex digits); the keychain account of its key.
    pub fn id(&self) -> String {
        SecretId(self.id).to_string()
    }

    /// The vault file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether key material is loaded.
    pub fn is_unlocked(&self) -> bool {
        self.unlocked.is_some()
    }

    /// The format version of the vault file (an older one is migrated at unlock).
    pub fn format_version(&self) -> Result<i64> {
        store::format_version(&self.conn, &self.path)
    }

    /// Number of secret records, shadowed ones included. Works while locked.
    pub fn secret_count(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT COUNT(*) FROM secrets", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .at(&self.path)
    }
}

#[cfg(test)]
mod tests;
