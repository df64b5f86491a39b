//! A vault: one SQLite file, opened locked, unlocked with its vault key.
//!
//! Key hierarchy: the vault key → (HKDF) key-encryption key → wraps the
//! blind-index key and every data-key generation. Records are sealed under
//! the newest data key; a new data key is made long before the random-nonce
//! budget of one key is spent, and older ones stay to open older records.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::crypto::{record_aad, wrap_aad, Cipher, Field, SymmetricKey, WrappedKind};
use crate::error::{Error, Result};
use crate::key::VaultKey;
use crate::secret::{
    check_note, check_value, normalize_domains, normalize_name, NewSecret, SecretId, SecretInfo,
    SecretPatch, Target, Timestamp,
};
use crate::store::{self, sqlite_error};

/// Encryptions under one data key before a new one is made: a quarter of
/// the 2^32 random-nonce bound of NIST SP 800-38D.
pub const DATA_KEY_MAX_ENCRYPTIONS: u64 = 1 << 30;

/// A Coffer vault. Opened locked; most operations need [`Vault::unlock`].
pub struct Vault {
    path: PathBuf,
    conn: Connection,
    id: [u8; 16],
    unlocked: Option<Keys>,
    max_encryptions: u64,
    /// Test hook: the write transaction fails after this many records were put.
    #[cfg(test)]
    fail_put_after: Option<usize>,
}

/// Key material of an unlocked vault; all of it zeroizes on drop.
struct Keys {
    kek: Cipher,
    epoch: Vec<u8>,
    index: SymmetricKey,
    data: HashMap<i64, Cipher>,
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

/// Decrypted metadata of a record (sealed as JSON).
#[derive(Serialize, Deserialize)]
struct Meta {
    name: String,
    enabled: bool,
    domains: Vec<String>,
    note: String,
    /// Milliseconds since the epoch.
    created: i64,
    /// Milliseconds since the epoch.
    updated: i64,
}

/// One row read from `secrets`, still sealed.
struct Row {
    id: [u8; 16],
    /// Write order when read; a write checks it to catch a change in between.
    seq: i64,
    generation: i64,
    meta: Vec<u8>,
    value: Vec<u8>,
}

/// App settings kept in the vault. 0 means "never".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Lock after this many idle minutes.
    pub auto_lock_minutes: u32,
    /// Clear a copied value from the clipboard after this many seconds (if it is still there).
    pub clipboard_clear_seconds: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auto_lock_minutes: 15,
            clipboard_clear_seconds: 30,
        }
    }
}

/// Result of [`Vault::set`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOutcome {
    /// No secret had that name; one was created.
    Created,
    /// The newest secret of that name was updated.
    Updated,
}

impl Vault {
    /// Creates a new vault at `path` (never over an existing file) and returns
    /// it unlocked, with its new key. `keychain` records whether the key is
    /// meant to live in the OS keychain.
    pub fn create(path: &Path, keychain: bool) -> Result<(Vault, VaultKey)> {
        let id = store::new_vault_id();
        let key = VaultKey::generate();
        let conn = store::create_new(path, |tx| {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('vault_id', ?1), ('keychain', ?2), ('created_at', ?3)",
                params![&id[..], i64::from(keychain), Timestamp::now().0],
            )
            .map_err(|e| sqlite_error(path, e))?;
            install_keys(tx, path, &id, &key).map(drop)
        })?;
        let mut vault = Vault::from_conn(path, conn)?;
        vault.unlock(&key)?;
        Ok((vault, key))
    }

    /// Opens an existing vault, locked. Only reads the file.
    pub fn open(path: &Path) -> Result<Vault> {
        let conn = store::open_existing(path)?;
        Vault::from_conn(path, conn)
    }

    fn from_conn(path: &Path, conn: Connection) -> Result<Vault> {
        let id: Vec<u8> = read_meta(&conn, path, "vault_id")?;
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

    /// Checks `key` against the vault and loads the keys. The vault file is not written.
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
            index,
            data: HashMap::new(),
        };
        load_all_data_keys(&self.conn, &self.path, &self.id, &mut keys)?;
        self.unlocked = Some(keys);
        Ok(())
    }

    /// Drops (and so zeroizes) every key.
    pub fn lock(&mut self) {
        self.unlocked = None;
    }

    /// Number of secret records, shadowed ones included. Works while locked.
    pub fn secret_count(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT COUNT(*) FROM secrets", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| sqlite_error(&self.path, e))
    }

    /// Whether this vault's key is meant to be kept in the OS keychain.
    pub fn keychain_enabled(&self) -> Result<bool> {
        let v: i64 = read_meta(&self.conn, &self.path, "keychain")?;
        Ok(v != 0)
    }

    /// Records whether this vault's key is kept in the OS keychain.
    pub fn set_keychain_enabled(&mut self, enabled: bool) -> Result<()> {
        self.conn
            .execute(
                "UPDATE meta SET value = ?1 WHERE key = 'keychain'",
                params![i64::from(enabled)],
            )
            .map(drop)
            .map_err(|e| sqlite_error(&self.path, e))
    }

    /// The vault's app settings (auto-lock, clipboard clearing), before any policy clamp.
    pub fn settings(&self) -> Result<Settings> {
        let read = |key: &str, default: u32| -> Result<u32> {
            let v: Option<i64> = self
                .conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(|e| sqlite_error(&self.path, e))?;
            Ok(v.and_then(|v| u32::try_from(v).ok()).unwrap_or(default))
        };
        Ok(Settings {
            auto_lock_minutes: read("auto_lock_minutes", Settings::default().auto_lock_minutes)?,
            clipboard_clear_seconds: read(
                "clipboard_clear_seconds",
                Settings::default().clipboard_clear_seconds,
            )?,
        })
    }

    /// Stores the app settings (0 means "never" for both).
    pub fn set_settings(&mut self, settings: Settings) -> Result<()> {
        if settings.auto_lock_minutes > 24 * 60 || settings.clipboard_clear_seconds > 3600 {
            return Err(Error::InvalidSetting {
                reason:
                    "auto-lock is at most 1440 minutes and clipboard clearing at most 3600 seconds"
                        .into(),
            });
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sqlite_error(&self.path, e))?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('auto_lock_minutes', ?1), ('clipboard_clear_seconds', ?2)",
            params![i64::from(settings.auto_lock_minutes), i64::from(settings.clipboard_clear_seconds)],
        )
        .map_err(|e| sqlite_error(&self.path, e))?;
        tx.commit().map_err(|e| sqlite_error(&self.path, e))
    }

    /// Metadata of every secret, oldest write first. Never decrypts a value.
    pub fn list(&mut self) -> Result<Vec<SecretInfo>> {
        let keys = self.unlocked.as_mut().ok_or(Error::Locked)?;
        load_all_data_keys(&self.conn, &self.path, &self.id, keys)?;
        // One scan in table order; "newest per name" is worked out here, which
        // is several times cheaper than a window function or an ORDER BY
        // through the seq index on a WITHOUT ROWID table.
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, key_generation, meta, name_index, seq FROM secrets")
            .map_err(|e| sqlite_error(&self.path, e))?;
        let mut rows = stmt.query([]).map_err(|e| sqlite_error(&self.path, e))?;
        let mut newest: HashMap<[u8; 32], i64> = HashMap::new();
        let mut opened = Vec::new();
        while let Some(row) = rows.next().map_err(|e| sqlite_error(&self.path, e))? {
            let read = |i| row.get_ref(i).and_then(|v| v.as_blob().map_err(Into::into));
            let id = record_id(
                &self.path,
                read(0).map_err(|e| sqlite_error(&self.path, e))?,
            )?;
            let generation: i64 = row.get(1).map_err(|e| sqlite_error(&self.path, e))?;
            let seq: i64 = row.get(4).map_err(|e| sqlite_error(&self.path, e))?;
            let index: [u8; 32] = read(3)
                .map_err(|e| sqlite_error(&self.path, e))?
                .try_into()
                .map_err(|_| damaged(&id))?;
            let top = newest.entry(index).or_insert(seq);
            *top = (*top).max(seq);
            // Reloads the keys if another process made a generation since.
            let cipher = data_cipher(&self.conn, &self.path, &self.id, keys, generation)?;
            let meta = open_meta(
                cipher,
                &self.id,
                &id,
                read(2).map_err(|e| sqlite_error(&self.path, e))?,
            )?;
            opened.push((seq, index, id, meta));
        }
        opened.sort_unstable_by_key(|(seq, ..)| *seq);
        Ok(opened
            .into_iter()
            .map(|(seq, index, id, meta)| {
                info(id, meta, newest.get(&index).is_some_and(|&n| n > seq))
            })
            .collect())
    }

    /// Metadata of one secret.
    pub fn info(&mut self, target: Target<'_>) -> Result<SecretInfo> {
        let (row, meta, shadowed) = self.find(target)?;
        Ok(info(row.id, meta, shadowed))
    }

    /// The value of the secret in effect for `name`, for use: refuses a disabled secret.
    pub fn get(&mut self, name: &str) -> Result<(SecretInfo, SecretString)> {
        let (info, value) = self.reveal(Target::Name(name))?;
        if !info.enabled {
            return Err(Error::SecretDisabled { name: info.name });
        }
        Ok((info, value))
    }

    /// The value of one secret, enabled or not (the user asked to see it).
    pub fn reveal(&mut self, target: Target<'_>) -> Result<(SecretInfo, SecretString)> {
        let (row, meta, shadowed) = self.find(target)?;
        let value = self.open_value(&row)?;
        Ok((info(row.id, meta, shadowed), value))
    }

    /// Creates a new secret; an older one of the same name becomes shadowed.
    pub fn create_secret(&mut self, secret: NewSecret) -> Result<SecretInfo> {
        let mut created = self.create_secrets(vec![secret])?;
        Ok(created.remove(0))
    }

    /// Creates many secrets in one transaction: all of them or none.
    pub fn create_secrets(&mut self, secrets: Vec<NewSecret>) -> Result<Vec<SecretInfo>> {
        let now = Timestamp::now();
        let mut prepared = Vec::with_capacity(secrets.len());
        for s in secrets {
            check_value(s.value.expose_secret())?;
            check_note(&s.note)?;
            let meta = Meta {
                name: normalize_name(&s.name)?,
                enabled: s.enabled,
                domains: normalize_domains(&s.allowed_domains)?,
                note: s.note,
                created: now.0,
                updated: now.0,
            };
            prepared.push((crate::crypto::random_id(), meta, s.value));
        }
        let seals = 2 * prepared.len() as u64;
        self.write(seals, |w| {
            let mut out = Vec::with_capacity(prepared.len());
            for (id, meta, value) in prepared {
                w.put(&id, &meta, value.expose_secret())?;
                out.push(info(id, meta, false));
            }
            Ok(out)
        })
    }

    /// Sets the value of the secret in effect for `name`, creating it if there
    /// is none. `patch.value` is ignored; `patch.name` must be `None`.
    pub fn set(
        &mut self,
        name: &str,
        value: SecretString,
        patch: SecretPatch,
    ) -> Result<(SecretInfo, SetOutcome)> {
        match self.find(Target::Name(name)) {
            Ok((row, _, _)) => {
                let patch = SecretPatch {
                    value: Some(value),
                    name: None,
                    ..patch
                };
                let info = self.update(Target::Id(SecretId(row.id)), patch)?;
                Ok((info, SetOutcome::Updated))
            }
            Err(Error::SecretNotFound { .. }) => {
                let info = self.create_secret(NewSecret {
                    name: name.to_owned(),
                    value,
                    enabled: patch.enabled.unwrap_or(true),
                    allowed_domains: patch.allowed_domains.unwrap_or_default(),
                    note: patch.note.unwrap_or_default(),
                })?;
                Ok((info, SetOutcome::Created))
            }
            Err(e) => Err(e),
        }
    }

    /// Changes one secret. It becomes the newest of its name.
    pub fn update(&mut self, target: Target<'_>, patch: SecretPatch) -> Result<SecretInfo> {
        let (row, mut meta, _) = self.find(target)?;
        if let Some(name) = &patch.name {
            meta.name = normalize_name(name)?;
        }
        if let Some(enabled) = patch.enabled {
            meta.enabled = enabled;
        }
        if let Some(domains) = &patch.allowed_domains {
            meta.domains = normalize_domains(domains)?;
        }
        if let Some(note) = patch.note {
            check_note(&note)?;
            meta.note = note;
        }
        let value = match patch.value {
            Some(v) => {
                check_value(v.expose_secret())?;
                v
            }
            None => self.open_value(&row)?,
        };
        meta.updated = Timestamp::now().0;
        self.write(2, |w| {
            w.check_unchanged(&row, &meta.name)?;
            w.delete(&row.id)?;
            w.put(&row.id, &meta, value.expose_secret())?;
            Ok(info(row.id, meta, false))
        })
    }

    /// Deletes one secret; an older one of the same name, if any, comes into effect.
    pub fn delete(&mut self, target: Target<'_>) -> Result<SecretInfo> {
        let (row, meta, shadowed) = self.find(target)?;
        self.write(0, |w| w.delete(&row.id))?;
        Ok(info(row.id, meta, shadowed))
    }

    /// Deletes every secret; the key stays. Returns how many were deleted.
    pub fn clear(&mut self) -> Result<u64> {
        self.write(0, |w| {
            w.tx.execute("DELETE FROM secrets", [])
                .map(|n| n as u64)
                .map_err(|e| sqlite_error(w.path, e))
        })
    }

    /// Replaces the vault key and deletes every secret, without needing the
    /// old key (this is the way out when the key is lost). Returns the new key;
    /// the vault is left unlocked with it.
    pub fn reset(&mut self) -> Result<VaultKey> {
        let key = VaultKey::generate();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sqlite_error(&self.path, e))?;
        tx.execute_batch("DELETE FROM secrets; DELETE FROM data_keys;")
            .map_err(|e| sqlite_error(&self.path, e))?;
        install_keys(&tx, &self.path, &self.id, &key)?;
        tx.commit().map_err(|e| sqlite_error(&self.path, e))?;
        self.lock();
        // The new key is returned whatever happens now: it is the only way in.
        // If unlocking fails here, the vault stays locked and opens with it.
        let _ = self.unlock(&key);
        Ok(key)
    }

    /// Finds a record and opens its metadata; also tells whether it is shadowed.
    fn find(&mut self, target: Target<'_>) -> Result<(Row, Meta, bool)> {
        let keys = self.unlocked.as_mut().ok_or(Error::Locked)?;
        let select = "SELECT id, key_generation, meta, value, name_index, seq FROM secrets";
        let found = match target {
            Target::Name(name) => {
                let name = normalize_name(name)?;
                let index = keys.index.blind_index(&name);
                let sql = format!("{select} WHERE name_index = ?1 ORDER BY seq DESC LIMIT 1");
                let row = query_row(&self.conn, &self.path, &sql, params![&index[..]])?
                    .ok_or(Error::SecretNotFound { name: name.clone() })?;
                (row, Some(name))
            }
            Target::Id(id) => {
                let sql = format!("{select} WHERE id = ?1");
                let row = query_row(&self.conn, &self.path, &sql, params![&id.0[..]])?.ok_or(
                    Error::SecretNotFound {
                        name: id.to_string(),
                    },
                )?;
                (row, None)
            }
        };
        let ((row, name_index, seq), expected_name) = found;
        let cipher = data_cipher(&self.conn, &self.path, &self.id, keys, row.generation)?;
        let meta = open_meta(cipher, &self.id, &row.id, &row.meta)?;
        if expected_name.is_some_and(|n| n != meta.name) {
            // The index points at a record of another name: the file was tampered with.
            return Err(damaged(&row.id));
        }
        let shadowed = match target {
            Target::Name(_) => false,
            Target::Id(_) => self
                .conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM secrets WHERE name_index = ?1 AND seq > ?2)",
                    params![name_index, seq],
                    |r| r.get(0),
                )
                .map_err(|e| sqlite_error(&self.path, e))?,
        };
        Ok((row, meta, shadowed))
    }

    fn open_value(&mut self, row: &Row) -> Result<SecretString> {
        let keys = self.unlocked.as_mut().ok_or(Error::Locked)?;
        let cipher = data_cipher(&self.conn, &self.path, &self.id, keys, row.generation)?;
        open_value_blob(cipher, &self.id, &row.id, &row.value)
    }

    /// Runs `f` in one IMMEDIATE transaction with `seals` encryptions budgeted
    /// under the current data key (made anew when the budget would run out).
    fn write<T>(&mut self, seals: u64, f: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let Vault {
            path,
            conn,
            id,
            unlocked,
            max_encryptions,
            #[cfg(test)]
            fail_put_after,
        } = self;
        let keys = unlocked.as_mut().ok_or(Error::Locked)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sqlite_error(path, e))?;
        let epoch: Vec<u8> = read_meta(&tx, path, "key_epoch")?;
        if epoch != keys.epoch {
            // Another process reset the vault key since we unlocked.
            drop(tx);
            *unlocked = None;
            return Err(Error::Locked);
        }
        let (mut generation, used): (i64, i64) = tx
            .query_row(
                "SELECT generation, encryptions FROM data_keys ORDER BY generation DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| sqlite_error(path, e))?;
        // Every committed generation, so the transaction can also read older
        // records; loaded before a new one is made, so a key from a
        // transaction that rolls back never enters the cache.
        load_all_data_keys(&tx, path, id, keys)?;
        let mut fresh = None;
        if used as u64 + seals > *max_encryptions {
            let (g, cipher) = new_data_key(&tx, path, id, &keys.kek)?;
            generation = g;
            fresh = Some(cipher);
        }
        tx.execute(
            "UPDATE data_keys SET encryptions = encryptions + ?1 WHERE generation = ?2",
            params![seals as i64, generation],
        )
        .map_err(|e| sqlite_error(path, e))?;
        let next_seq: i64 = tx
            .query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM secrets", [], |r| {
                r.get(0)
            })
            .map_err(|e| sqlite_error(path, e))?;
        let result = {
            let cipher = match &fresh {
                Some(c) => c,
                None => keys
                    .data
                    .get(&generation)
                    .ok_or_else(|| Error::VaultCorrupt {
                        path: path.to_owned(),
                        detail: format!("data key generation {generation} is missing"),
                    })?,
            };
            let mut writer = Writer {
                tx: &tx,
                path,
                vault_id: id,
                cipher,
                generation,
                index: &keys.index,
                data: &keys.data,
                next_seq,
                #[cfg(test)]
                fail_put_after: *fail_put_after,
            };
            f(&mut writer)?
        };
        tx.commit().map_err(|e| sqlite_error(path, e))?;
        if let Some(cipher) = fresh {
            keys.data.insert(generation, cipher);
        }
        Ok(result)
    }
}

/// What a write transaction can do.
struct Writer<'a> {
    tx: &'a Transaction<'a>,
    path: &'a Path,
    vault_id: &'a [u8; 16],
    cipher: &'a Cipher,
    generation: i64,
    index: &'a SymmetricKey,
    data: &'a HashMap<i64, Cipher>,
    next_seq: i64,
    #[cfg(test)]
    fail_put_after: Option<usize>,
}

impl Writer<'_> {
    fn put(&mut self, id: &[u8; 16], meta: &Meta, value: &str) -> Result<()> {
        let index = self.index.blind_index(&meta.name);
        self.put_indexed(id, meta, value, &index)
    }

    /// [`Writer::put`] with the blind index of `meta.name` already computed.
    fn put_indexed(
        &mut self,
        id: &[u8; 16],
        meta: &Meta,
        value: &str,
        index: &[u8; 32],
    ) -> Result<()> {
        #[cfg(test)]
        if let Some(left) = self.fail_put_after.as_mut() {
            if *left == 0 {
                return Err(Error::ExportFailed {
                    problem: "injected test failure".into(),
                });
            }
            *left -= 1;
        }
        let json = Zeroizing::new(
            serde_json::to_vec(meta).unwrap_or_else(|_| unreachable!("Meta always serializes")),
        );
        let sealed_meta = self
            .cipher
            .seal(&record_aad(self.vault_id, id, Field::Metadata), &json);
        let sealed_value = self.cipher.seal(
            &record_aad(self.vault_id, id, Field::Value),
            value.as_bytes(),
        );
        self.tx
            .prepare_cached(
                "INSERT INTO secrets (id, name_index, seq, key_generation, meta, value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    &id[..],
                    &index[..],
                    self.next_seq,
                    self.generation,
                    sealed_meta,
                    sealed_value
                ])
            })
            .map_err(|e| sqlite_error(self.path, e))?;
        self.next_seq += 1;
        Ok(())
    }

    /// Fails if another process changed or deleted the record since it was read.
    fn check_unchanged(&self, row: &Row, name: &str) -> Result<()> {
        let now: Option<i64> = self
            .tx
            .query_row(
                "SELECT seq FROM secrets WHERE id = ?1",
                params![&row.id[..]],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| sqlite_error(self.path, e))?;
        if now == Some(row.seq) {
            Ok(())
        } else {
            Err(Error::StaleRecord {
                name: name.to_owned(),
            })
        }
    }

    fn delete(&mut self, id: &[u8; 16]) -> Result<()> {
        self.tx
            .execute("DELETE FROM secrets WHERE id = ?1", params![&id[..]])
            .map(drop)
            .map_err(|e| sqlite_error(self.path, e))
    }
}

/// Writes a new epoch, blind-index key and first data key, all wrapped under `key`.
fn install_keys(tx: &Transaction<'_>, path: &Path, id: &[u8; 16], key: &VaultKey) -> Result<i64> {
    let kek = SymmetricKey::derive_kek(key, id).cipher();
    let index = SymmetricKey::generate().wrap(&kek, &wrap_aad(id, WrappedKind::Index, 0));
    let epoch = crate::crypto::random_id();
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('index_key', ?1), ('key_epoch', ?2)",
        params![index, &epoch[..]],
    )
    .map_err(|e| sqlite_error(path, e))?;
    new_data_key(tx, path, id, &kek).map(|(g, _)| g)
}

fn new_data_key(
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
    .map_err(|e| sqlite_error(path, e))?;
    let generation = tx.last_insert_rowid();
    let key = SymmetricKey::generate();
    let wrapped = key.wrap(kek, &wrap_aad(id, WrappedKind::Data, generation));
    tx.execute(
        "UPDATE data_keys SET wrapped = ?1 WHERE generation = ?2",
        params![wrapped, generation],
    )
    .map_err(|e| sqlite_error(path, e))?;
    Ok((generation, key.cipher()))
}

fn load_all_data_keys(
    conn: &Connection,
    path: &Path,
    id: &[u8; 16],
    keys: &mut Keys,
) -> Result<()> {
    let mut stmt = conn
        .prepare_cached("SELECT generation, wrapped FROM data_keys")
        .map_err(|e| sqlite_error(path, e))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .map_err(|e| sqlite_error(path, e))?;
    for row in rows {
        let (generation, wrapped) = row.map_err(|e| sqlite_error(path, e))?;
        if !keys.data.contains_key(&generation) {
            let key = SymmetricKey::unwrap(
                &keys.kek,
                &wrap_aad(id, WrappedKind::Data, generation),
                &wrapped,
            )
            .map_err(|_| {
                // Another process reset the vault key since we unlocked: say
                // "locked" (unlock with the new key), not "wrong key".
                let epoch: Result<Vec<u8>> = read_meta(conn, path, "key_epoch");
                match epoch {
                    Ok(e) if e != keys.epoch => Error::Locked,
                    _ => Error::WrongKey,
                }
            })?;
            keys.data.insert(generation, key.cipher());
        }
    }
    Ok(())
}

fn data_cipher<'k>(
    conn: &Connection,
    path: &Path,
    id: &[u8; 16],
    keys: &'k mut Keys,
    generation: i64,
) -> Result<&'k Cipher> {
    if !keys.data.contains_key(&generation) {
        // Made by another process after we unlocked.
        load_all_data_keys(conn, path, id, keys)?;
    }
    keys.data
        .get(&generation)
        .ok_or_else(|| Error::VaultCorrupt {
            path: path.to_owned(),
            detail: format!("data key generation {generation} is missing"),
        })
}

fn query_row(
    conn: &Connection,
    path: &Path,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Option<(Row, Vec<u8>, i64)>> {
    let found = conn
        .prepare_cached(sql)
        .and_then(|mut s| {
            s.query_row(params, |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .optional()
        })
        .map_err(|e| sqlite_error(path, e))?;
    match found {
        None => Ok(None),
        Some((id, generation, meta, value, name_index, seq)) => {
            let id = record_id(path, &id)?;
            Ok(Some((
                Row {
                    id,
                    seq,
                    generation,
                    meta,
                    value,
                },
                name_index,
                seq,
            )))
        }
    }
}

fn open_meta(cipher: &Cipher, vault_id: &[u8; 16], id: &[u8; 16], sealed: &[u8]) -> Result<Meta> {
    let plain = cipher
        .open(&record_aad(vault_id, id, Field::Metadata), sealed)
        .map_err(|_| damaged(id))?;
    serde_json::from_slice(&plain).map_err(|_| damaged(id))
}

fn open_value_blob(
    cipher: &Cipher,
    vault_id: &[u8; 16],
    id: &[u8; 16],
    sealed: &[u8],
) -> Result<SecretString> {
    let plain = cipher
        .open(&record_aad(vault_id, id, Field::Value), sealed)
        .map_err(|_| damaged(id))?;
    let text = std::str::from_utf8(&plain).map_err(|_| damaged(id))?;
    Ok(SecretString::from(text.to_owned()))
}

fn info(id: [u8; 16], meta: Meta, shadowed: bool) -> SecretInfo {
    SecretInfo {
        id: SecretId(id),
        name: meta.name,
        enabled: meta.enabled,
        allowed_domains: meta.domains,
        note: meta.note,
        created_at: Timestamp(meta.created),
        updated_at: Timestamp(meta.updated),
        shadowed,
    }
}

fn record_id(path: &Path, raw: &[u8]) -> Result<[u8; 16]> {
    raw.try_into().map_err(|_| Error::VaultCorrupt {
        path: path.to_owned(),
        detail: "a record id is malformed".into(),
    })
}

fn damaged(id: &[u8; 16]) -> Error {
    Error::RecordDamaged {
        record: SecretId(*id).to_string(),
    }
}

fn read_meta<T: rusqlite::types::FromSql>(conn: &Connection, path: &Path, key: &str) -> Result<T> {
    conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")
        .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
        .map_err(|e| sqlite_error(path, e))?
        .ok_or_else(|| Error::VaultCorrupt {
            path: path.to_owned(),
            detail: format!("the `{key}` entry is missing"),
        })
}

#[path = "vault_transfer.rs"]
mod transfer;
pub use transfer::{Conflict, Decision, ExportRequest, ImportSummary, Preview};

#[cfg(test)]
#[path = "vault_tests.rs"]
mod tests;
