//! The record list: a keyed digest of which records exist and which write of
//! each, so a record rolled back to an older write, removed, or brought back
//! outside Coffer is an error instead of being silently read.
//!
//! A record's blobs are bound to its id and write order (`seq`) by their AAD,
//! and each encryption draws a fresh nonce, so a row's blind index, `seq`
//! and the nonces of its two blobs pin all of its content — also against an
//! older row of the same record at the same write order (an enable/disable
//! keeps its place). Rows fall into 256 buckets by the first byte of their
//! blind index (every record of one name is in one bucket); a bucket's MAC
//! covers its rows' entries in (index, seq) order, and the root MAC covers
//! the vault id and every bucket MAC. Both live in `meta` under `record_list`.
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

    /// Fails unless every row is one the list says: one pass over the table.
    pub(super) fn check_all(&self, conn: &Connection, k: ListKey<'_>) -> Result<()> {
        let entries = entries(conn, k, None)?;
        let mut at = 0;
        for bucket in 0..BUCKETS {
            let mut mac = start_bucket(k, bucket);
            while at < entries.len() && bucket_of(&entries[at].index) == bucket {
                entries[at].feed(&mut mac);
                at += 1;
            }
            self.expect(bucket, mac, k)?;
        }
        Ok(())
    }

    fn expect(&self, bucket: usize, mac: Hmac<Sha256>, k: ListKey<'_>) -> Result<()> {
        let mac: [u8; MAC_LEN] = mac.finalize().into_bytes().into();
        if mac == self.macs[bucket] {
            Ok(())
        } else {
            Err(tampered(k.path))
        }
    }

    /// Seals every bucket marked in `touched` anew from one pass over the
    /// table (cheaper than a range read per bucket when many changed).
    pub(super) fn reseal_from_scan(
        &mut self,
        conn: &Connection,
        k: ListKey<'_>,
        touched: &[bool],
    ) -> Result<()> {
        let entries = entries(conn, k, None)?;
        let mut at = 0;
        for (bucket, &changed) in touched.iter().enumerate().take(BUCKETS) {
            let mut mac = start_bucket(k, bucket);
            while at < entries.len() && bucket_of(&entries[at].index) == bucket {
                entries[at].feed(&mut mac);
                at += 1;
            }
            if changed {
                self.macs[bucket] = mac.finalize().into_bytes().into();
            }
        }
        Ok(())
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

/// What the list says of one row: its blind index, its write order, and the
/// nonces its two blobs were sealed with — every write draws fresh ones, so
/// an older row put back in place, even at the same write order, differs.
struct Entry {
    index: [u8; 32],
    seq: i64,
    nonces: Vec<u8>,
}

impl Entry {
    fn feed(&self, mac: &mut Hmac<Sha256>) {
        mac.update(&self.index);
        mac.update(&self.seq.to_be_bytes());
        mac.update(&(self.nonces.len() as u32).to_be_bytes());
        mac.update(&self.nonces);
    }
}

/// The entries of the rows of `bucket` (all rows for `None`), in list order.
fn entries(conn: &Connection, k: ListKey<'_>, bucket: Option<usize>) -> Result<Vec<Entry>> {
    const COLUMNS: &str =
        "SELECT name_index, seq, substr(meta, 1, 12), substr(value, 1, 12) FROM secrets";
    let mut stmt;
    let mut rows = match bucket {
        None => {
            stmt = conn.prepare_cached(COLUMNS).at(k.path)?;
            stmt.query([]).at(k.path)?
        }
        Some(b) if b + 1 < BUCKETS => {
            stmt = conn
                .prepare_cached(&format!(
                    "{COLUMNS} WHERE name_index >= ?1 AND name_index < ?2"
                ))
                .at(k.path)?;
            stmt.query(params![&[b as u8][..], &[b as u8 + 1][..]])
                .at(k.path)?
        }
        Some(b) => {
            stmt = conn
                .prepare_cached(&format!("{COLUMNS} WHERE name_index >= ?1"))
                .at(k.path)?;
            stmt.query(params![&[b as u8][..]]).at(k.path)?
        }
    };
    let mut out = Vec::new();
    while let Some(row) = rows.next().at(k.path)? {
        let index = row.get_ref(0).at(k.path)?;
        let index: [u8; 32] = index
            .as_blob()
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| tampered(k.path))?;
        // Each nonce with its length, so the two cannot run into each other.
        let mut nonces = Vec::with_capacity(26);
        for column in [2, 3] {
            let nonce = row.get_ref(column).at(k.path)?;
            let nonce = nonce.as_blob().map_err(|_| tampered(k.path))?;
            nonces.push(nonce.len() as u8);
            nonces.extend_from_slice(nonce);
        }
        out.push(Entry {
            index,
            seq: row.get(1).at(k.path)?,
            nonces,
        });
    }
    out.sort_unstable_by_key(|e| (e.index, e.seq));
    Ok(out)
}

/// The MAC of `bucket` from its rows as they are now.
fn compute_bucket(conn: &Connection, k: ListKey<'_>, bucket: usize) -> Result<[u8; MAC_LEN]> {
    let mut mac = start_bucket(k, bucket);
    for entry in entries(conn, k, Some(bucket))? {
        entry.feed(&mut mac);
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
