//! The keys of an unlocked vault: unlocking, locking, resetting the vault
//! key, and the data-key generations.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::digest::{self, ListKey, RecordList};
use super::records::Check;
use super::Vault;
use crate::crypto::{wrap_aad, Cipher, SymmetricKey, WrappedKind};
use crate::error::{Error, Result};
use crate::key::VaultKey;
use crate::secret::Timestamp;
use crate::store::{self, read_meta, SqlResult};

/// Encryptions under one data key before a new one is made: a quarter of
/// the 2^32 random-nonce bound of NIST SP 800-38D.
pub const DATA_KEY_MAX_ENCRYPTIONS: u64 = 1 << 30;

/// Key material of an unlocked vault; all of it zeroizes on drop.
pub(super) struct Keys {
    pub(super) kek: Cipher,
    /// The `key_epoch` the keys belong to; a reset writes a new one.
    pub(super) epoch: Vec<u8>,
    pub(super) index: SymmetricKey,
    /// The key of the record list, derived from the blind-index key.
    pub(super) digest: SymmetricKey,
    /// Every data-key generation seen so far.
    pub(super) data: HashMap<i64, Cipher>,
}

impl Vault {
    /// Checks `key` against the vault and loads the keys. The vault file is
    /// not written, except once for a vault of format 1: its records are
    /// migrated to the current format (one transaction).
    pub fn unlock(&mut self, key: &VaultKey) -> Result<()> {
        let kek = SymmetricKey::derive_kek(key, &self.id).cipher();
        let epoch: Vec<u8> = read_meta(&self.conn, &self.path, "key_epoch")?;
        let wrapped: Vec<u8> = read_meta(&self.conn, &self.path, "index_key")?;
        let index =
            SymmetricKey::unwrap(&kek, &wrap_aad(&self.id, WrappedKind::Index, 0), &wrapped)
                .map_err(|_| Error::WrongKey)?;
        let mut keys = Keys {
            kek,
            epoch,
            digest: index.derive(digest::KEY_LABEL),
            index,
            data: HashMap::new(),
        };
        keys.load_data_keys(&self.conn, &self.path, &self.id)?;
        self.unlocked = Some(keys);
        if let Err(e) = self.migrate_records() {
            self.lock();
            return Err(e);
        }
        // The stored cache time of linked values (a setting of this vault).
        let minutes = self.settings().map_or(60, |s| s.link_cache_minutes);
        self.apply_link_cache_minutes(minutes);
        Ok(())
    }

    /// Brings the records of a version-1 vault to the current layout (blobs
    /// bound to their write, a record list) in one transaction; nothing to
    /// do for a current vault. Another process may have done it meanwhile:
    /// the version is read again inside the transaction.
    fn migrate_records(&mut self) -> Result<()> {
        if store::format_version(&self.conn, &self.path)? >= store::FORMAT_VERSION {
            return Ok(());
        }
        let seals = 2 * self.secret_count()?;
        self.write_checked(Check::Unchecked, seals, |w| {
            if store::format_version(w.tx, w.path)? >= store::FORMAT_VERSION {
                // Another process migrated it: nothing is touched, so its
                // record list stands.
                return Ok(());
            }
            let listed: Option<Vec<u8>> =
                w.tx.query_row(
                    "SELECT value FROM meta WHERE key = 'record_list'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .at(w.path)?;
            if listed.is_some() {
                // Format 1 never had a record list: the version number was
                // put back by hand. Migrating would vouch for whatever rows
                // are there; set the number right and vouch for nothing (the
                // reads check the rows against the list as always).
                return w
                    .tx
                    .pragma_update(None, "user_version", store::FORMAT_VERSION)
                    .at(w.path);
            }
            for row in w.all_sealed()? {
                w.migrate_v1(&row)?;
            }
            w.touch_all()?;
            w.tx.pragma_update(None, "user_version", store::FORMAT_VERSION)
                .at(w.path)
        })
    }

    /// Drops (and so zeroizes) every key.
    pub fn lock(&mut self) {
        self.unlocked = None;
        // Fetched linked values and provider tokens go with the keys.
        self.linked = crate::linked::Session::default();
    }

    /// Replaces the vault key and deletes every secret, without needing the
    /// old key (this is the way out when the key is lost). Returns the new key;
    /// the vault is left unlocked with it.
    pub fn reset(&mut self) -> Result<VaultKey> {
        let key = VaultKey::generate();
        self.reset_with(&key)?;
        Ok(key)
    }

    /// [`Vault::reset`] to a key made beforehand (and shown to the user until
    /// they saved it); the vault is left unlocked with it.
    pub fn reset_with(&mut self, key: &VaultKey) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        // The providers are sealed under keys that go too; their keychain
        // entries are found through the accounts listed in the clear.
        let accounts: Vec<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'keychain_accounts'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .at(&self.path)?
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        tx.execute_batch(
            "DELETE FROM secrets; DELETE FROM data_keys; \
             DELETE FROM meta WHERE key IN ('providers', 'keychain_accounts');",
        )
        .at(&self.path)?;
        install(&tx, &self.path, &self.id, key)?;
        // Empty now, so in the current format whatever it was.
        tx.pragma_update(None, "user_version", store::FORMAT_VERSION)
            .at(&self.path)?;
        tx.commit().at(&self.path)?;
        let vault_id = self.id();
        for account in accounts {
            // Best effort: the reset stands whatever the keychain does.
            let _ = crate::linked::credentials::forget(&vault_id, &account);
        }
        self.lock();
        // The reset is done whatever happens now: the key is the only way in.
        // If unlocking fails here, the vault stays locked and opens with it.
        let _ = self.unlock(key);
        Ok(())
    }

    /// Replaces the vault key with `new`, keeping every secret: the
    /// blind-index key and every data key are wrapped anew under it in one
    /// transaction, and a new key epoch makes every other open handle unlock
    /// again (with the new key). The old key opens nothing afterwards.
    pub fn change_key(&mut self, new: &VaultKey) -> Result<()> {
        let Vault {
            path,
            conn,
            id,
            unlocked,
            ..
        } = self;
        let keys = unlocked.as_mut().ok_or(Error::Locked)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(path)?;
        let epoch: Vec<u8> = read_meta(&tx, path, "key_epoch")?;
        if epoch != keys.epoch {
            // Reset or changed by another process since we unlocked.
            drop(tx);
            *unlocked = None;
            return Err(Error::Locked);
        }
        let kek = SymmetricKey::derive_kek(new, id).cipher();
        let index = keys.index.wrap(&kek, &wrap_aad(id, WrappedKind::Index, 0));
        let new_epoch = crate::crypto::random_id();
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'index_key'",
            params![index],
        )
        .at(path)?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'key_epoch'",
            params![&new_epoch[..]],
        )
        .at(path)?;
        let wrapped: Vec<(i64, Vec<u8>)> = {
            let mut stmt = tx
                .prepare("SELECT generation, wrapped FROM data_keys")
                .at(path)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .at(path)?;
            rows.collect::<rusqlite::Result<_>>().at(path)?
        };
        for (generation, blob) in wrapped {
            let aad = wrap_aad(id, WrappedKind::Data, generation);
            let key = SymmetricKey::unwrap(&keys.kek, &aad, &blob).map_err(|_| Error::WrongKey)?;
            tx.execute(
                "UPDATE data_keys SET wrapped = ?1 WHERE generation = ?2",
                params![key.wrap(&kek, &aad), generation],
            )
            .at(path)?;
        }
        tx.commit().at(path)?;
        keys.kek = kek;
        keys.epoch = new_epoch.to_vec();
        Ok(())
    }

    /// The key epoch the vault is unlocked in.
    pub(super) fn epoch(&self) -> Result<Vec<u8>> {
        Ok(self.unlocked.as_ref().ok_or(Error::Locked)?.epoch.clone())
    }

    /// The unlocked vault borrowed apart, with every data-key generation
    /// committed so far loaded (another process may have made one since).
    pub(super) fn fresh_parts(&mut self) -> Result<Parts<'_>> {
        let keys = self.unlocked.as_mut().ok_or(Error::Locked)?;
        keys.load_data_keys(&self.conn, &self.path, &self.id)?;
        Ok(Parts {
            conn: &self.conn,
            path: &self.path,
            id: &self.id,
            keys,
        })
    }
}

/// An unlocked vault's fields, borrowed separately so that a query over the
/// connection can open records with the keys.
pub(super) struct Parts<'v> {
    pub(super) conn: &'v Connection,
    pub(super) path: &'v Path,
    pub(super) id: &'v [u8; 16],
    pub(super) keys: &'v mut Keys,
}

impl<'v> Parts<'v> {
    /// A read snapshot in which every record was checked against the record
    /// list: read all records inside it.
    pub(super) fn checked_snapshot(&self) -> Result<rusqlite::Transaction<'v>> {
        let tx = self.conn.unchecked_transaction().at(self.path)?;
        if read_meta::<Vec<u8>>(&tx, self.path, "key_epoch")? != self.keys.epoch {
            // Reset or changed by another process: unlock again.
            return Err(Error::Locked);
        }
        let list_key = ListKey {
            key: &self.keys.digest,
            vault_id: self.id,
            path: self.path,
        };
        RecordList::load(&tx, list_key)?.check_all(&tx, list_key)?;
        Ok(tx)
    }
}

impl Keys {
    /// Unwraps every data-key generation not cached yet.
    pub(super) fn load_data_keys(
        &mut self,
        conn: &Connection,
        path: &Path,
        vault_id: &[u8; 16],
    ) -> Result<()> {
        let mut stmt = conn
            .prepare_cached("SELECT generation, wrapped FROM data_keys")
            .at(path)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
            .at(path)?;
        for row in rows {
            let (generation, wrapped) = row.at(path)?;
            if self.data.contains_key(&generation) {
                continue;
            }
            let aad = wrap_aad(vault_id, WrappedKind::Data, generation);
            let key = SymmetricKey::unwrap(&self.kek, &aad, &wrapped).map_err(|_| {
                // Another process reset the vault key since we unlocked: say
                // "locked" (unlock with the new key), not "wrong key".
                match read_meta::<Vec<u8>>(conn, path, "key_epoch") {
                    Ok(e) if e != self.epoch => Error::Locked,
                    _ => Error::WrongKey,
                }
            })?;
            self.data.insert(generation, key.cipher());
        }
        Ok(())
    }

    /// The cipher of data-key `generation`, loading newer generations if needed.
    pub(super) fn data_cipher(
        &mut self,
        conn: &Connection,
        path: &Path,
        vault_id: &[u8; 16],
        generation: i64,
    ) -> Result<&Cipher> {
        if !self.data.contains_key(&generation) {
            // Made by another process after we unlocked.
            self.load_data_keys(conn, path, vault_id)?;
        }
        self.data
            .get(&generation)
            .ok_or_else(|| missing_generation(path, generation))
    }
}

pub(super) fn missing_generation(path: &Path, generation: i64) -> Error {
    Error::VaultCorrupt {
        path: path.to_owned(),
        detail: format!("data key generation {generation} is missing"),
    }
}

/// Writes a new epoch, blind-index key and first data key, all wrapped under `key`.
pub(super) fn install(
    tx: &Transaction<'_>,
    path: &Path,
    id: &[u8; 16],
    key: &VaultKey,
) -> Result<i64> {
    let kek = SymmetricKey::derive_kek(key, id).cipher();
    let index_key = SymmetricKey::generate();
    let index = index_key.wrap(&kek, &wrap_aad(id, WrappedKind::Index, 0));
    let epoch = crate::crypto::random_id();
    let digest_key = index_key.derive(digest::KEY_LABEL);
    let list_key = ListKey {
        key: &digest_key,
        vault_id: id,
        path,
    };
    RecordList::empty(list_key).store(tx, list_key)?;
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('index_key', ?1), ('key_epoch', ?2)",
        params![index, &epoch[..]],
    )
    .at(path)?;
    new_data_key(tx, path, id, &kek).map(|(g, _)| g)
}

/// Makes the next data-key generation, wrapped under `kek`.
pub(super) fn new_data_key(
    tx: &Transaction<'_>,
    path: &Path,
    id: &[u8; 16],
    kek: &Cipher,
) -> Result<(i64, Cipher)> {
    // AUTOINCREMENT never reuses a generation, even after a reset.
    tx.execute(
        "INSERT INTO data_keys (wrapped, encryptions, created_at) VALUES (x'', 0, ?1)",
        params![Timestamp::now().0],
    )
    .at(path)?;
    let generation = tx.last_insert_rowid();
    let key = SymmetricKey::generate();
    let wrapped = key.wrap(kek, &wrap_aad(id, WrappedKind::Data, generation));
    tx.execute(
        "UPDATE data_keys SET wrapped = ?1 WHERE generation = ?2",
        params![wrapped, generation],
    )
    .at(path)?;
    Ok((generation, key.cipher()))
}
