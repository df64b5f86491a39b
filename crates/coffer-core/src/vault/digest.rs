//! The record list: a keyed digest of which records exist and which write of
//! each, so a record rolled back to an older write, removed, or brought back
//! outside Coffer is an error instead of being silently read.
//!
//! A record's blobs are bound to its id and write order (`seq`) by their AAD,
//! so the pair (blind index of the name, `seq`) of a row pins all of its
//! content. Rows fall into 256 buckets by the first byte of their blind index
//! (every record of one name is in one bucket); a bucket's MAC covers its
//! rows' pairs in index order, and the root MAC covers the vault id and every
//! bucket MAC. Both live in `meta` under `record_list`.
//!
//! A read checks the root and the buckets it reads from; a write checks the
//! root, checks each bucket before it first changes it, and seals the buckets
//! it changed and the root anew. A whole vault file put back from a backup is
//! consistent and opens: detecting that needs state outside the file.

use std::path::Path;

use hmac::{Hmac, Mac};
use rusqlite::{params, Connection};
use sha2::Sha256;

use crate::crypto::SymmetricKey;
use crate::error::{Error, Result};
use crate::store::{read_meta, SqlResult};

/// Buckets of the record list (one per first byte of a blind index).
pub(super) const BUCKETS: usize = 256;
const MAC_LEN: usize = 32;
/// The label the digest key is derived from the blind-index key with.
pub(super) const KEY_LABEL: &[u8] = b"coffer/v2/record-list";

/// The bucket of a row, by its blind index.
pub(super) fn bucket_of(name_index: &[u8]) -> usize {
    name_index.first().copied().map_or(0, usize::from)
}

/// What a check or a seal of the record list needs.
#[derive(Clone, Copy)]
pub(super) struct ListKey<'a> {
    pub(super) key: &'a SymmetricKey,
    pub(super) vault_id: &'a [u8; 16],
    pub(super) path: &'a Path,
}

/// The bucket MACs of a vault, read from `meta` and checked against the root.
pub(super) struct RecordList {
    macs: Vec<[u8; MAC_LEN]>,
}

impl RecordList {
    /// The list of a vault with no records.
    pub(super) fn empty(k: ListKey<'_>) -> RecordList {
        RecordList {
            macs: (0..BUCKETS)
                .map(|b| start_bucket(k, b).finalize().into_bytes().into())
                .collect(),
        }
    }

    /// Reads the list and checks its root.
    pub(super) fn load(conn: &Connection, k: ListKey<'_>) -> Result<RecordList> {
        let stored: Vec<u8> = read_meta(conn, k.path, "record_list")?;
        if stored.len() != (BUCKETS + 1) * MAC_LEN {
            return Err(tampered(k.path));
        }
        let (macs, root) = stored.split_at(BUCKETS * MAC_LEN);
        let list = RecordList {
            macs: macs
                .chunks_exact(MAC_LEN)
                .map(|c| c.try_into().unwrap_or_else(|_| unreachable!()))
                .collect(),
        };
        if list.root(k)[..] != *root {
            return Err(tampered(k.path));
        }
        Ok(list)
    }

    /// Writes the list and its root.
    pub(super) fn store(&self, conn: &Connection, k: ListKey<'_>) -> Result<()> {
        let mut blob = Vec::with_capacity((BUCKETS + 1) * MAC_LEN);
        for mac in &self.macs {
            blob.extend_from_slice(mac);
        }
        blob.extend_from_slice(&self.root(k));
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('record_list', ?1)",
            params![blob],
        )
        .map(drop)
        .at(k.path)
    }

    fn root(&self, k: ListKey<'_>) -> [u8; MAC_LEN] {
        let mut mac = k.key.mac(b"coffer/v2/record-list-root\0");
        mac.update(k.vault_id);
        for m in &self.macs {
            mac.update(m);
        }
        mac.finalize().into_bytes().into()
    }

    /// Fails unless the rows of `bucket` are the ones the list says.
    pub(super) fn check_bucket(
        &self,
        conn: &Connection,
        k: ListKey<'_>,
        bucket: usize,
    ) -> Result<()> {
        if compute_bucket(conn, k, bucket)? == self.macs[bucket] {
            Ok(())
        } else {
            Err(tampered(k.path))
        }
    }

    /// Fails unless every row is one the list says: one pass over the index.
    pub(super) fn check_all(&self, conn: &Connection, k: ListKey<'_>) -> Result<()> {
        let mut stmt = conn
            .prepare_cached("SELECT name_index, seq FROM secrets ORDER BY name_index, seq")
            .at(k.path)?;
        let mut rows = stmt.query([]).at(k.path)?;
        let mut bucket = 0;
        let mut mac = start_bucket(k, bucket);
        while let Some(row) = rows.next().at(k.path)? {
            let index = row.get_ref(0).at(k.path)?;
            let index = index.as_blob().map_err(|_| tampered(k.path))?;
            let seq: i64 = row.get(1).at(k.path)?;
            if index.len() != 32 {
                return Err(tampered(k.path));
            }
            let of = bucket_of(index);
            while bucket < of {
                self.expect(bucket, mac, k)?;
                bucket += 1;
                mac = start_bucket(k, bucket);
            }
            feed(&mut mac, index, seq);
        }
        loop {
            self.expect(bucket, mac, k)?;
            bucket += 1;
            if bucket == BUCKETS {
                return Ok(());
            }
            mac = start_bucket(k, bucket);
        }
    }

    fn expect(&self, bucket: usize, mac: Hmac<Sha256>, k: ListKey<'_>) -> Result<()> {
        let mac: [u8; MAC_LEN] = mac.finalize().into_bytes().into();
        if mac == self.macs[bucket] {
            Ok(())
        } else {
            Err(tampered(k.path))
        }
    }

    /// Seals `bucket` anew from its rows as they are now.
    pub(super) fn reseal_bucket(
        &mut self,
        conn: &Connection,
        k: ListKey<'_>,
        bucket: usize,
    ) -> Result<()> {
        self.macs[bucket] = compute_bucket(conn, k, bucket)?;
        Ok(())
    }
}

fn start_bucket(k: ListKey<'_>, bucket: usize) -> Hmac<Sha256> {
    let mut mac = k.key.mac(b"coffer/v2/record-list-bucket\0");
    mac.update(k.vault_id);
    mac.update(&(bucket as u16).to_be_bytes());
    mac
}

fn feed(mac: &mut Hmac<Sha256>, index: &[u8], seq: i64) {
    mac.update(index);
    mac.update(&seq.to_be_bytes());
}

/// The MAC of `bucket` from its rows as they are now (a range of the index).
fn compute_bucket(conn: &Connection, k: ListKey<'_>, bucket: usize) -> Result<[u8; MAC_LEN]> {
    let low = [bucket as u8];
    let mut stmt;
    let mut rows = if bucket + 1 < BUCKETS {
        stmt = conn
            .prepare_cached(
                "SELECT name_index, seq FROM secrets
                 WHERE name_index >= ?1 AND name_index < ?2 ORDER BY name_index, seq",
            )
            .at(k.path)?;
        stmt.query(params![&low[..], &[bucket as u8 + 1][..]])
            .at(k.path)?
    } else {
        stmt = conn
            .prepare_cached(
                "SELECT name_index, seq FROM secrets WHERE name_index >= ?1
                 ORDER BY name_index, seq",
            )
            .at(k.path)?;
        stmt.query(params![&low[..]]).at(k.path)?
    };
    let mut mac = start_bucket(k, bucket);
    while let Some(row) = rows.next().at(k.path)? {
        let index = row.get_ref(0).at(k.path)?;
        let index = index.as_blob().map_err(|_| tampered(k.path))?;
        if index.len() != 32 {
            return Err(tampered(k.path));
        }
        feed(&mut mac, index, row.get(1).at(k.path)?);
    }
    Ok(mac.finalize().into_bytes().into())
}

pub(super) fn tampered(path: &Path) -> Error {
    Error::RecordsTampered {
        path: path.to_owned(),
    }
}

impl super::Vault {
    /// Seals the record list anew from the records as they are now, and
    /// returns how many there are. For a vault whose reads fail with
    /// [`Error::RecordsTampered`], once its owner has checked the secrets and
    /// chose to keep them as they are (a record that does not open stays
    /// damaged: this vouches only for which records exist).
    pub fn accept_records(&mut self) -> Result<u64> {
        self.write_checked(super::records::Check::Unchecked, 0, |w| {
            w.touch_all()?;
            w.tx.query_row("SELECT COUNT(*) FROM secrets", [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .at(w.path)
        })
    }
}
