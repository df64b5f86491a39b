//! Secret records as stored: one row decoder for every query, opening the
//! sealed metadata and value, and the write transaction.
//!
//! A row of `secrets` holds the record id, its write order (`seq`, the newest
//! of a name is in effect), the data-key generation it is sealed under, the
//! blind index of its name, and two AES-256-GCM blobs: metadata (JSON) and value.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::digest::{bucket_of, ListKey, RecordList, BUCKETS};
use super::keys::{missing_generation, new_data_key};
use super::Vault;
use crate::crypto::{record_aad, record_aad_v1, Cipher, Field, Nonces, Place, SymmetricKey};
use crate::error::{Error, Result};
use crate::linked::{Link, LinkInfo};
use crate::secret::{normalize_name, SecretId, SecretInfo, Target, Timestamp};
use crate::store::{read_meta, SqlResult};

/// Decrypted metadata of a record (sealed as JSON).
#[derive(Serialize, Deserialize)]
pub(super) struct Meta {
    pub(super) name: String,
    pub(super) enabled: bool,
    pub(super) domains: Vec<String>,
    pub(super) note: String,
    /// Milliseconds since the epoch.
    pub(super) created: i64,
    /// Milliseconds since the epoch.
    pub(super) updated: i64,
    /// Where the value lives, for a linked secret (its sealed value is then empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) link: Option<Link>,
}

/// Which columns a query reads: metadata only (listing), or the value too.
#[derive(Clone, Copy)]
pub(super) enum Columns {
    Meta,
    WithValue,
}

impl Columns {
    fn select(self) -> &'static str {
        match self {
            Columns::Meta => "SELECT id, seq, key_generation, name_index, meta FROM secrets",
            Columns::WithValue => {
                "SELECT id, seq, key_generation, name_index, meta, value FROM secrets"
            }
        }
    }
}

/// One row of `secrets`, still sealed.
pub(super) struct Sealed {
    pub(super) id: [u8; 16],
    /// Write order when read; a write checks it to catch a change in between.
    pub(super) seq: i64,
    pub(super) generation: i64,
    pub(super) name_index: [u8; 32],
    pub(super) meta: Vec<u8>,
    /// Present when read with [`Columns::WithValue`].
    pub(super) value: Option<Vec<u8>>,
}

impl Sealed {
    /// The one row decoder: the columns of [`Columns::select`], in order.
    fn decode(row: &rusqlite::Row<'_>, path: &Path) -> Result<Sealed> {
        let blob = |i: usize| {
            row.get_ref(i)
                .and_then(|v| v.as_blob().map_err(Into::into))
                .at(path)
        };
        let id: [u8; 16] = blob(0)?.try_into().map_err(|_| Error::VaultCorrupt {
            path: path.to_owned(),
            detail: "a record id is malformed".into(),
        })?;
        let name_index = blob(3)?.try_into().map_err(|_| damaged(&id))?;
        let with_value = row.as_ref().column_count() > 5;
        Ok(Sealed {
            id,
            seq: row.get(1).at(path)?,
            generation: row.get(2).at(path)?,
            name_index,
            meta: blob(4)?.to_vec(),
            value: if with_value {
                Some(blob(5)?.to_vec())
            } else {
                None
            },
        })
    }

    /// Opens the metadata.
    pub(super) fn open_meta(&self, cipher: &Cipher, vault_id: &[u8; 16]) -> Result<Meta> {
        self.open_meta_as(cipher, vault_id, Layout::Current)
    }

    /// Opens the value (the row must have been read with it).
    pub(super) fn open_value(&self, cipher: &Cipher, vault_id: &[u8; 16]) -> Result<SecretString> {
        self.open_value_as(cipher, vault_id, Layout::Current)
    }

    fn aad(&self, vault_id: &[u8; 16], field: Field, layout: Layout) -> Aad {
        match layout {
            Layout::Current => Aad::Current(record_aad(
                Place {
                    vault: vault_id,
                    record: &self.id,
                    seq: self.seq,
                },
                field,
            )),
            Layout::V1 => Aad::V1(record_aad_v1(vault_id, &self.id, field)),
        }
    }

    fn open_meta_as(&self, cipher: &Cipher, vault_id: &[u8; 16], layout: Layout) -> Result<Meta> {
        let aad = self.aad(vault_id, Field::Metadata, layout);
        let plain = cipher
            .open(aad.bytes(), &self.meta)
            .map_err(|_| damaged(&self.id))?;
        serde_json::from_slice(&plain).map_err(|_| damaged(&self.id))
    }

    fn open_value_as(
        &self,
        cipher: &Cipher,
        vault_id: &[u8; 16],
        layout: Layout,
    ) -> Result<SecretString> {
        let sealed = self.value.as_deref().ok_or_else(|| damaged(&self.id))?;
        let aad = self.aad(vault_id, Field::Value, layout);
        let plain = cipher
            .open(aad.bytes(), sealed)
            .map_err(|_| damaged(&self.id))?;
        let text = std::str::from_utf8(&plain).map_err(|_| damaged(&self.id))?;
        Ok(SecretString::from(text.to_owned()))
    }
}

/// How a record's blobs are bound: as this build seals them, or as a
/// version-1 vault did (read only to migrate it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    Current,
    V1,
}

enum Aad {
    Current([u8; 56]),
    V1([u8; 48]),
}

impl Aad {
    fn bytes(&self) -> &[u8] {
        match self {
            Aad::Current(a) => a,
            Aad::V1(a) => a,
        }
    }
}

/// Runs `SELECT <columns> FROM secrets <filter>` and hands each decoded row to `each`.
pub(super) fn each_record(
    conn: &Connection,
    path: &Path,
    columns: Columns,
    filter: &str,
    params: impl rusqlite::Params,
    mut each: impl FnMut(Sealed) -> Result<()>,
) -> Result<()> {
    let sql = format!("{} {filter}", columns.select());
    let mut stmt = conn.prepare_cached(&sql).at(path)?;
    let mut rows = stmt.query(params).at(path)?;
    while let Some(row) = rows.next().at(path)? {
        each(Sealed::decode(row, path)?)?;
    }
    Ok(())
}

/// The public view of a record.
pub(super) fn info(id: [u8; 16], meta: Meta, shadowed: bool) -> SecretInfo {
    SecretInfo {
        id: SecretId(id),
        name: meta.name,
        enabled: meta.enabled,
        allowed_domains: meta.domains,
        note: meta.note,
        created_at: Timestamp(meta.created),
        updated_at: Timestamp(meta.updated),
        shadowed,
        linked: meta.link.as_ref().map(LinkInfo::of),
    }
}

/// A record that fails its integrity check.
pub(super) fn damaged(id: &[u8; 16]) -> Error {
    Error::RecordDamaged {
        record: SecretId(*id).to_string(),
    }
}

impl Vault {
    /// Finds a record (with its value, still sealed) and opens its metadata;
    /// also tells whether it is shadowed.
    pub(super) fn find(&mut self, target: Target<'_>) -> Result<(Sealed, Meta, bool)> {
        let keys = self.unlocked.as_mut().ok_or(Error::Locked)?;
        // One read snapshot: the record list and the rows it vouches for.
        let tx = self.conn.unchecked_transaction().at(&self.path)?;
        if read_meta::<Vec<u8>>(&tx, &self.path, "key_epoch")? != keys.epoch {
            // Another process reset or changed the vault key: its record
            // list is sealed under keys we do not have.
            drop(tx);
            self.lock();
            return Err(Error::Locked);
        }
        let list_key = ListKey {
            key: &keys.digest,
            vault_id: &self.id,
            path: &self.path,
        };
        let list = RecordList::load(&tx, list_key)?;
        let (filter, key, expected_name) = match target {
            Target::Name(name) => {
                let name = normalize_name(name)?;
                let index = keys.index.blind_index(&name);
                let filter = "WHERE name_index = ?1 ORDER BY seq DESC LIMIT 1";
                (filter, index.to_vec(), Some(name))
            }
            Target::Id(id) => ("WHERE id = ?1", id.0.to_vec(), None),
        };
        let mut found = None;
        each_record(
            &tx,
            &self.path,
            Columns::WithValue,
            filter,
            params![key],
            |row| {
                found = Some(row);
                Ok(())
            },
        )?;
        // Every record of a name is in the bucket of its blind index, so a
        // newer one removed (or an old one brought back) is found here too.
        match (&found, target) {
            (Some(row), _) => list.check_bucket(&tx, list_key, bucket_of(&row.name_index))?,
            (None, Target::Name(_)) => list.check_bucket(&tx, list_key, bucket_of(&key))?,
            // Not found by id: a removal outside Coffer shows in the list.
            (None, Target::Id(_)) => list.check_all(&tx, list_key)?,
        }
        let row = found.ok_or_else(|| Error::SecretNotFound {
            name: match (&expected_name, target) {
                (Some(name), _) => name.clone(),
                (None, Target::Id(id)) => id.to_string(),
                (None, Target::Name(name)) => name.to_owned(),
            },
        })?;
        let cipher = keys.data_cipher(&tx, &self.path, &self.id, row.generation)?;
        let meta = row.open_meta(cipher, &self.id)?;
        if expected_name.is_some_and(|n| n != meta.name) {
            // The index points at a record of another name: the file was tampered with.
            return Err(damaged(&row.id));
        }
        let shadowed = match target {
            Target::Name(_) => false,
            Target::Id(_) => tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM secrets WHERE name_index = ?1 AND seq > ?2)",
                    params![&row.name_index[..], row.seq],
                    |r| r.get(0),
                )
                .at(&self.path)?,
        };
        tx.finish().at(&self.path)?;
        Ok((row, meta, shadowed))
    }

    /// Opens the value of a row read by [`Vault::find`].
    pub(super) fn open_value(&mut self, row: &Sealed) -> Result<SecretString> {
        let keys = self.unlocked.as_mut().ok_or(Error::Locked)?;
        let cipher = keys.data_cipher(&self.conn, &self.path, &self.id, row.generation)?;
        row.open_value(cipher, &self.id)
    }

    /// Runs `f` in one IMMEDIATE transaction with `seals` encryptions budgeted
    /// under the current data key (made anew when the budget would run out).
    pub(super) fn write<T>(
        &mut self,
        seals: u64,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_checked(Check::Checked, seals, f)
    }

    /// [`Vault::write`]; with [`Check::Unchecked`] the record list is neither
    /// read nor checked, only sealed anew for every bucket the write touches
    /// (migrating a vault, or accepting its records as they are).
    pub(super) fn write_checked<T>(
        &mut self,
        check: Check,
        seals: u64,
        f: impl FnOnce(&mut Writer<'_>) -> Result<T>,
    ) -> Result<T> {
        let Vault {
            path,
            conn,
            id,
            unlocked,
            max_encryptions,
            linked,
            #[cfg(test)]
            fail_put_after,
        } = self;
        let keys = unlocked.as_mut().ok_or(Error::Locked)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(path)?;
        let epoch: Vec<u8> = read_meta(&tx, path, "key_epoch")?;
        if epoch != keys.epoch {
            // Another process reset the vault key since we unlocked.
            drop(tx);
            *unlocked = None;
            *linked = crate::linked::Session::default();
            return Err(Error::Locked);
        }
        let (mut generation, used): (i64, i64) = tx
            .query_row(
                "SELECT generation, encryptions FROM data_keys ORDER BY generation DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .at(path)?;
        // Every committed generation, so the transaction can also read older
        // records; loaded before a new one is made, so a key from a
        // transaction that rolls back never enters the cache.
        keys.load_data_keys(&tx, path, id)?;
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
        .at(path)?;
        // A write order is never given out twice, even after the newest
        // record was deleted, so an undone deletion gets its own place back:
        // the highest one given out is kept in `meta` at every write
        // (deletions included; older vaults start from their newest record).
        let (stored_last, last_seq): (i64, i64) = tx
            .query_row(
                "SELECT COALESCE((SELECT value FROM meta WHERE key = 'last_seq'), 0),
                        COALESCE((SELECT MAX(seq) FROM secrets), 0)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .at(path)?;
        let next_seq = stored_last.max(last_seq) + 1;
        let list_key = ListKey {
            key: &keys.digest,
            vault_id: id,
            path,
        };
        let list = match check {
            Check::Checked => RecordList::load(&tx, list_key)?,
            Check::Unchecked => RecordList::empty(list_key),
        };
        let result = {
            let cipher = match &fresh {
                Some(c) => c,
                None => keys
                    .data
                    .get(&generation)
                    .ok_or_else(|| missing_generation(path, generation))?,
            };
            let mut writer = Writer {
                tx: &tx,
                path,
                vault_id: id,
                cipher,
                nonces: Nonces::from_os(seals as usize),
                generation,
                index: &keys.index,
                data: &keys.data,
                next_seq,
                list,
                list_key,
                check,
                touched: vec![false; BUCKETS],
                #[cfg(test)]
                fail_put_after: *fail_put_after,
            };
            let result = f(&mut writer)?;
            writer.seal_list()?;
            let given_out = writer.next_seq.max(next_seq) - 1;
            if given_out > stored_last {
                tx.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_seq', ?1)",
                    params![given_out],
                )
                .at(path)?;
            }
            result
        };
        tx.commit().at(path)?;
        if let Some(cipher) = fresh {
            keys.data.insert(generation, cipher);
        }
        Ok(result)
    }
}

/// What a write transaction can do.
pub(super) struct Writer<'a> {
    pub(super) tx: &'a Transaction<'a>,
    pub(super) path: &'a Path,
    pub(super) vault_id: &'a [u8; 16],
    cipher: &'a Cipher,
    /// Every nonce of the transaction, drawn from the OS at its start.
    nonces: Nonces,
    generation: i64,
    pub(super) index: &'a SymmetricKey,
    /// Every data key, to read older records inside the transaction.
    pub(super) data: &'a HashMap<i64, Cipher>,
    next_seq: i64,
    list: RecordList,
    list_key: ListKey<'a>,
    check: Check,
    /// The buckets of the record list this write changed (each checked
    /// before its first change).
    touched: Vec<bool>,
    #[cfg(test)]
    fail_put_after: Option<usize>,
}

/// The value a record is inserted with.
enum Value<'v> {
    /// To be sealed.
    Plain(&'v str),
    /// A blob that did not open, kept as it was (migrating a damaged record).
    Kept(&'v [u8]),
}

/// More buckets than this changed in one write: reseal them from one pass.
const MANY_BUCKETS: usize = 32;

/// Whether a write checks the record list before changing it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
    Checked,
    Unchecked,
}

impl Writer<'_> {
    /// Marks `bucket` as changed by this write, checking it first.
    fn touch(&mut self, bucket: usize) -> Result<()> {
        if !self.touched[bucket] {
            if self.check == Check::Checked {
                self.list.check_bucket(self.tx, self.list_key, bucket)?;
            }
            self.touched[bucket] = true;
        }
        Ok(())
    }

    /// Seals every changed bucket anew, and the root.
    fn seal_list(&mut self) -> Result<()> {
        let touched = self.touched.iter().filter(|&&t| t).count();
        if touched == 0 {
            return Ok(());
        }
        if touched > MANY_BUCKETS {
            self.list
                .reseal_from_scan(self.tx, self.list_key, &self.touched)?;
        } else {
            for bucket in 0..BUCKETS {
                if self.touched[bucket] {
                    self.list.reseal_bucket(self.tx, self.list_key, bucket)?;
                }
            }
        }
        self.list.store(self.tx, self.list_key)
    }

    /// For a write of `records` records: past a few dozen, checking the whole
    /// record list in one pass beats a range read per bucket touched.
    pub(super) fn expect_writes(&mut self, records: usize) -> Result<()> {
        if records > MANY_BUCKETS && !self.touched.iter().all(|&t| t) {
            self.touch_all()?;
        }
        Ok(())
    }

    /// Marks every bucket as changed (a clear, a migration), checking each.
    pub(super) fn touch_all(&mut self) -> Result<()> {
        if self.check == Check::Checked {
            self.list.check_all(self.tx, self.list_key)?;
        }
        self.touched.iter_mut().for_each(|t| *t = true);
        Ok(())
    }

    /// Seals and inserts a record as the newest write.
    pub(super) fn put(&mut self, id: &[u8; 16], meta: &Meta, value: &str) -> Result<()> {
        let index = self.index.blind_index(&meta.name);
        self.put_indexed(id, meta, value, &index)
    }

    /// Seals and inserts a record at write order `seq` (a place it had before).
    pub(super) fn put_at(
        &mut self,
        id: &[u8; 16],
        meta: &Meta,
        value: &str,
        seq: i64,
    ) -> Result<()> {
        let index = self.index.blind_index(&meta.name);
        let next = self.next_seq;
        self.next_seq = seq;
        let put = self.put_indexed(id, meta, value, &index);
        self.next_seq = next;
        put
    }

    /// [`Writer::put`] with the blind index of `meta.name` already computed.
    pub(super) fn put_indexed(
        &mut self,
        id: &[u8; 16],
        meta: &Meta,
        value: &str,
        index: &[u8; 32],
    ) -> Result<()> {
        self.insert(id, meta, Value::Plain(value), index)
    }

    fn insert(
        &mut self,
        id: &[u8; 16],
        meta: &Meta,
        value: Value<'_>,
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
        self.touch(bucket_of(index))?;
        let json = Zeroizing::new(
            serde_json::to_vec(meta).unwrap_or_else(|_| unreachable!("Meta always serializes")),
        );
        let place = Place {
            vault: self.vault_id,
            record: id,
            seq: self.next_seq,
        };
        let sealed_meta =
            self.cipher
                .seal_with(&mut self.nonces, &record_aad(place, Field::Metadata), &json);
        let sealed_value = match value {
            Value::Plain(value) => self.cipher.seal_with(
                &mut self.nonces,
                &record_aad(place, Field::Value),
                value.as_bytes(),
            ),
            Value::Kept(blob) => blob.to_vec(),
        };
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
            .at(self.path)?;
        self.next_seq += 1;
        Ok(())
    }

    /// Fails if another process changed or deleted the record since it was read.
    pub(super) fn check_unchanged(&self, row: &Sealed, name: &str) -> Result<()> {
        let now: Option<i64> = self
            .tx
            .query_row(
                "SELECT seq FROM secrets WHERE id = ?1",
                params![&row.id[..]],
                |r| r.get(0),
            )
            .optional()
            .at(self.path)?;
        if now == Some(row.seq) {
            Ok(())
        } else {
            Err(Error::StaleRecord {
                name: name.to_owned(),
            })
        }
    }

    /// Every record, sealed, with its value (what a clear removes).
    pub(super) fn all_sealed(&self) -> Result<Vec<Sealed>> {
        let mut out = Vec::new();
        each_record(self.tx, self.path, Columns::WithValue, "", [], |row| {
            out.push(row);
            Ok(())
        })?;
        Ok(out)
    }

    /// One record, sealed, with its value.
    pub(super) fn sealed(&self, id: &[u8; 16]) -> Result<Option<Sealed>> {
        let mut found = None;
        each_record(
            self.tx,
            self.path,
            Columns::WithValue,
            "WHERE id = ?1",
            params![&id[..]],
            |row| {
                found = Some(row);
                Ok(())
            },
        )?;
        Ok(found)
    }

    /// Puts back a record exactly as it was sealed, at its old place in the write order.
    pub(super) fn restore(&mut self, row: &Sealed) -> Result<()> {
        let value = row.value.as_deref().ok_or_else(|| damaged(&row.id))?;
        self.touch(bucket_of(&row.name_index))?;
        self.tx
            .prepare_cached(
                "INSERT INTO secrets (id, name_index, seq, key_generation, meta, value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    &row.id[..],
                    &row.name_index[..],
                    row.seq,
                    row.generation,
                    row.meta,
                    value
                ])
            })
            .at(self.path)?;
        Ok(())
    }

    /// Seals a record of a version-1 vault anew, in place: same id, name
    /// index and write order, blobs bound to that write. A record that does
    /// not open stays as damaged as it was, and holds no other back: one
    /// whose metadata does not open is left alone; one whose value does not
    /// open keeps that blob (it still fails to open) under new metadata.
    pub(super) fn migrate_v1(&mut self, row: &Sealed) -> Result<()> {
        // A row under a missing data key, or whose metadata does not open,
        // stays as it is (damaged, as it was).
        let Some(cipher) = self.data.get(&row.generation) else {
            return Ok(());
        };
        let Ok(meta) = row.open_meta_as(cipher, self.vault_id, Layout::V1) else {
            return Ok(());
        };
        let value = row.open_value_as(cipher, self.vault_id, Layout::V1).ok();
        self.tx
            .execute("DELETE FROM secrets WHERE id = ?1", params![&row.id[..]])
            .at(self.path)?;
        let next = self.next_seq;
        self.next_seq = row.seq;
        let value = match &value {
            Some(value) => Value::Plain(value.expose_secret()),
            None => Value::Kept(row.value.as_deref().unwrap_or_default()),
        };
        let put = self.insert(&row.id, &meta, value, &row.name_index);
        self.next_seq = next;
        put
    }

    /// The write order the next [`Writer::put`] takes.
    pub(super) fn next_seq(&self) -> i64 {
        self.next_seq
    }

    pub(super) fn delete(&mut self, id: &[u8; 16]) -> Result<()> {
        let index: Option<Vec<u8>> = self
            .tx
            .query_row(
                "SELECT name_index FROM secrets WHERE id = ?1",
                params![&id[..]],
                |r| r.get(0),
            )
            .optional()
            .at(self.path)?;
        let Some(index) = index else {
            return Ok(());
        };
        self.touch(bucket_of(&index))?;
        self.tx
            .execute("DELETE FROM secrets WHERE id = ?1", params![&id[..]])
            .map(drop)
            .at(self.path)
    }

    /// Deletes every record; returns how many there were.
    pub(super) fn delete_all(&mut self) -> Result<u64> {
        self.touch_all()?;
        self.tx
            .execute("DELETE FROM secrets", [])
            .map(|n| n as u64)
            .at(self.path)
    }
}
