//! Export of a vault, and the two steps of an import: preview, then apply in
//! one transaction.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::*;
use crate::policy::{ExportKind, Policy};
use crate::transfer::{
    write_encrypted, write_plaintext, ExportPassword, ImportSet, Incoming, KdfParams, SecretOut,
};

/// What [`Vault::export`] is asked to write.
pub enum ExportRequest {
    /// Argon2id + AES-256-GCM under this password.
    Encrypted(SecretString),
    /// Every value in the clear.
    Plaintext,
}

/// What to do with an incoming secret whose name exists with other content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The incoming secret replaces the existing one (the one in effect).
    Replace,
    /// Both stay; the incoming one is in effect, the existing one is shadowed.
    Keep,
    /// The incoming secret is not imported.
    Skip,
}

/// An incoming secret whose name exists in the vault with other content.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    /// Position of the incoming secret in [`ImportSet::secrets`]; the key of overrides.
    pub incoming: usize,
    pub name: String,
    /// The existing secret in effect.
    pub existing_id: SecretId,
    pub existing_updated_at: Timestamp,
    pub incoming_updated_at: Option<Timestamp>,
    /// Whether the values differ (otherwise only metadata does).
    pub values_differ: bool,
}

/// What an import would do, computed without changing the vault.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Preview {
    pub new: usize,
    pub unchanged: usize,
    pub conflicts: Vec<Conflict>,
    /// Incoming secrets their source marked as secret (Postman `type: "secret"`).
    pub flagged_secret: usize,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub replaced: usize,
    pub kept: usize,
    pub skipped: usize,
    pub unchanged: usize,
}

/// An existing record of some name, opened.
struct Existing {
    id: [u8; 16],
    meta: Meta,
    value: SecretString,
}

enum Class {
    New,
    Unchanged,
    Conflict {
        existing: [u8; 16],
        updated: i64,
        values_differ: bool,
    },
}

impl Vault {
    /// The whole vault as an export file, if the admin policy (read now)
    /// allows it: encrypted under a password that passes the export rules
    /// (the policy may raise the minimum length), or plaintext.
    pub fn export(&mut self, request: ExportRequest) -> Result<Zeroizing<Vec<u8>>> {
        self.export_under(&Policy::current(), request, KdfParams::default())
    }

    pub(crate) fn export_under(
        &mut self,
        policy: &Policy,
        request: ExportRequest,
        params: KdfParams,
    ) -> Result<Zeroizing<Vec<u8>>> {
        match request {
            ExportRequest::Plaintext => {
                policy.check_export(ExportKind::Plaintext)?;
                self.export_with(None, params)
            }
            ExportRequest::Encrypted(password) => {
                policy.check_export(ExportKind::Encrypted)?;
                policy.check_password_length(password.expose_secret().chars().count())?;
                let password = ExportPassword::new(password, policy.min_password_length.value)?;
                self.export_with(Some(&password), params)
            }
        }
    }

    pub(crate) fn export_with(
        &mut self,
        password: Option<&ExportPassword>,
        params: KdfParams,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let records = self.all_records()?;
        let secrets: Vec<SecretOut<'_>> = records
            .iter()
            .map(|(meta, value)| SecretOut {
                name: &meta.name,
                value: value.expose_secret(),
                enabled: meta.enabled,
                allowed_domains: &meta.domains,
                note: &meta.note,
                created_at: Timestamp(meta.created).rfc3339(),
                updated_at: Timestamp(meta.updated).rfc3339(),
            })
            .collect();
        let now = Timestamp::now();
        match password {
            Some(p) => write_encrypted(&secrets, now, p.secret(), params),
            None => Ok(write_plaintext(&secrets, now)),
        }
    }

    /// Every record with its value, oldest write first (so an import of the
    /// export keeps which secret of a name is in effect).
    fn all_records(&mut self) -> Result<Vec<(Meta, SecretString)>> {
        let keys = self.unlocked.as_mut().ok_or(Error::Locked)?;
        load_all_data_keys(&self.conn, &self.path, &self.id, keys)?;
        let mut stmt = self
            .conn
            .prepare("SELECT id, key_generation, meta, value, seq FROM secrets")
            .map_err(|e| sqlite_error(&self.path, e))?;
        let mut rows = stmt.query([]).map_err(|e| sqlite_error(&self.path, e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| sqlite_error(&self.path, e))? {
            let get = |i| row.get::<_, Vec<u8>>(i);
            let id = record_id(
                &self.path,
                &get(0).map_err(|e| sqlite_error(&self.path, e))?,
            )?;
            let generation: i64 = row.get(1).map_err(|e| sqlite_error(&self.path, e))?;
            let seq: i64 = row.get(4).map_err(|e| sqlite_error(&self.path, e))?;
            // Reloads the keys if another process made a generation since.
            let cipher = data_cipher(&self.conn, &self.path, &self.id, keys, generation)?;
            let meta = open_meta(
                cipher,
                &self.id,
                &id,
                &get(2).map_err(|e| sqlite_error(&self.path, e))?,
            )?;
            let value = open_value_blob(
                cipher,
                &self.id,
                &id,
                &get(3).map_err(|e| sqlite_error(&self.path, e))?,
            )?;
            out.push((seq, meta, value));
        }
        out.sort_unstable_by_key(|(seq, ..)| *seq);
        Ok(out.into_iter().map(|(_, m, v)| (m, v)).collect())
    }

    /// Compares an import with the vault; changes nothing.
    pub fn import_preview(&mut self, set: &ImportSet) -> Result<Preview> {
        let keys = self.unlocked.as_mut().ok_or(Error::Locked)?;
        // One read transaction: a consistent snapshot while another process
        // writes, with the data keys read inside it.
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| sqlite_error(&self.path, e))?;
        load_all_data_keys(&tx, &self.path, &self.id, keys)?;
        let present = name_indexes(&tx, &self.path)?;
        let mut preview = Preview::default();
        for (i, item) in set.secrets.iter().enumerate() {
            let blind = keys.index.blind_index(&item.name);
            let existing = same_name(
                &tx, &self.path, &self.id, &keys.data, &blind, &present, &item.name,
            )?;
            preview.flagged_secret += usize::from(item.flagged_secret);
            match classify(&existing, item) {
                Class::New => preview.new += 1,
                Class::Unchanged => preview.unchanged += 1,
                Class::Conflict {
                    existing,
                    updated,
                    values_differ,
                } => preview.conflicts.push(Conflict {
                    incoming: i,
                    name: item.name.clone(),
                    existing_id: SecretId(existing),
                    existing_updated_at: Timestamp(updated),
                    incoming_updated_at: item.updated_at,
                    values_differ,
                }),
            }
        }
        Ok(preview)
    }

    /// Imports in one transaction: new secrets are created, unchanged ones left
    /// alone, and each conflict gets `overrides[position]` or else `default`.
    /// A conflict with neither fails the whole import; so does any error.
    pub fn import_apply(
        &mut self,
        set: ImportSet,
        default: Option<Decision>,
        overrides: &HashMap<usize, Decision>,
    ) -> Result<ImportSummary> {
        let seals = 2 * set.secrets.len() as u64;
        let now = Timestamp::now().0;
        self.write(seals, |w| {
            // Classified against the vault as it is when the transaction starts,
            // exactly as the preview did.
            let present = name_indexes(w.tx, w.path)?;
            let blinds: Vec<[u8; 32]> = set
                .secrets
                .iter()
                .map(|s| w.index.blind_index(&s.name))
                .collect();
            let mut classes = Vec::with_capacity(set.secrets.len());
            for (item, blind) in set.secrets.iter().zip(&blinds) {
                let existing = same_name(
                    w.tx, w.path, w.vault_id, w.data, blind, &present, &item.name,
                )?;
                classes.push(classify(&existing, item));
            }
            let decision = |i: usize| overrides.get(&i).copied().or(default);
            let unresolved = classes
                .iter()
                .enumerate()
                .filter(|(i, c)| matches!(c, Class::Conflict { .. }) && decision(*i).is_none())
                .count();
            if unresolved > 0 {
                return Err(Error::ConflictsUnresolved { count: unresolved });
            }
            let mut summary = ImportSummary::default();
            for (i, ((item, class), blind)) in
                set.secrets.iter().zip(classes).zip(&blinds).enumerate()
            {
                match class {
                    Class::Unchanged => summary.unchanged += 1,
                    Class::New => {
                        put_incoming(w, item, blind, now)?;
                        summary.created += 1;
                    }
                    Class::Conflict { existing, .. } => match decision(i) {
                        Some(Decision::Replace) => {
                            w.delete(&existing)?;
                            put_incoming(w, item, blind, now)?;
                            summary.replaced += 1;
                        }
                        Some(Decision::Keep) => {
                            put_incoming(w, item, blind, now)?;
                            summary.kept += 1;
                        }
                        Some(Decision::Skip) | None => summary.skipped += 1,
                    },
                }
            }
            Ok(summary)
        })
    }
}

fn put_incoming(w: &mut Writer<'_>, item: &Incoming, blind: &[u8; 32], now: i64) -> Result<()> {
    let meta = Meta {
        name: item.name.clone(),
        enabled: item.enabled,
        domains: item.allowed_domains.clone(),
        note: item.note.clone(),
        created: item.created_at.map_or(now, |t| t.0),
        updated: item.updated_at.map_or(now, |t| t.0),
    };
    w.put_indexed(
        &crate::crypto::random_id(),
        &meta,
        item.value.expose_secret(),
        blind,
    )
}

/// Unchanged if some existing secret of the name has the same content;
/// otherwise a conflict with the one in effect.
fn classify(existing: &[Existing], item: &Incoming) -> Class {
    let Some(newest) = existing.first() else {
        return Class::New;
    };
    let same_value = |e: &Existing| {
        bool::from(
            e.value
                .expose_secret()
                .as_bytes()
                .ct_eq(item.value.expose_secret().as_bytes()),
        )
    };
    let same = |e: &Existing| {
        same_value(e)
            && e.meta.enabled == item.enabled
            && e.meta.domains == item.allowed_domains
            && e.meta.note == item.note
    };
    if existing.iter().any(same) {
        return Class::Unchanged;
    }
    Class::Conflict {
        existing: newest.id,
        updated: newest.meta.updated,
        values_differ: !same_value(newest),
    }
}

/// The blind indexes of every name in the vault: one scan, so that names an
/// import brings in for the first time cost no lookup.
fn name_indexes(conn: &Connection, path: &Path) -> Result<HashSet<Vec<u8>>> {
    let mut stmt = conn
        .prepare_cached("SELECT DISTINCT name_index FROM secrets")
        .map_err(|e| sqlite_error(path, e))?;
    let rows = stmt
        .query_map([], |r| r.get(0))
        .map_err(|e| sqlite_error(path, e))?;
    rows.collect::<rusqlite::Result<_>>()
        .map_err(|e| sqlite_error(path, e))
}

/// Every record named `name` (already normalized), newest first. `present`
/// holds the blind indexes that exist ([`name_indexes`]).
fn same_name(
    conn: &Connection,
    path: &Path,
    vault_id: &[u8; 16],
    data: &HashMap<i64, Cipher>,
    blind: &[u8; 32],
    present: &HashSet<Vec<u8>>,
    name: &str,
) -> Result<Vec<Existing>> {
    if !present.contains(&blind[..]) {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare_cached("SELECT id, key_generation, meta, value FROM secrets WHERE name_index = ?1 ORDER BY seq DESC")
        .map_err(|e| sqlite_error(path, e))?;
    let mut rows = stmt
        .query(params![&blind[..]])
        .map_err(|e| sqlite_error(path, e))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| sqlite_error(path, e))? {
        let get = |i| row.get::<_, Vec<u8>>(i);
        let id = record_id(path, &get(0).map_err(|e| sqlite_error(path, e))?)?;
        let generation: i64 = row.get(1).map_err(|e| sqlite_error(path, e))?;
        let cipher = data.get(&generation).ok_or_else(|| damaged(&id))?;
        let meta = open_meta(
            cipher,
            vault_id,
            &id,
            &get(2).map_err(|e| sqlite_error(path, e))?,
        )?;
        if meta.name != name {
            return Err(damaged(&id));
        }
        let value = open_value_blob(
            cipher,
            vault_id,
            &id,
            &get(3).map_err(|e| sqlite_error(path, e))?,
        )?;
        out.push(Existing { id, meta, value });
    }
    Ok(out)
}

#[cfg(test)]
#[path = "vault_transfer_tests.rs"]
mod tests;
