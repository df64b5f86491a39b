//! The two steps of an import: preview (compares, changes nothing), then
//! apply in one transaction with a decision per conflict.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rusqlite::{params, Connection};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::records::{damaged, each_record, Columns, Meta, Writer};
use super::undo::{Undo, UndoKind};
use super::Vault;
use crate::crypto::Cipher;
use crate::error::{Error, Result};
use crate::formats::{ImportSet, Incoming};
use crate::secret::{SecretId, Timestamp};
use crate::store::SqlResult;

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
    /// Fields a Replace or Keep both takes from the existing secret because
    /// the source has none ("enabled or disabled", "allowed domains", "note"):
    /// a dotenv file cannot lift a domain restriction or re-enable a secret.
    pub replace_keeps: Vec<String>,
    /// Names that come more than once in the import, with how often: all of
    /// them are imported, the last one in effect and the others shadowed.
    pub repeated: Vec<Repeated>,
    /// Incoming linked secrets (their values stay in their providers).
    pub linked: usize,
    /// Providers the import adds, without credentials: log in to each on
    /// this computer before its linked secrets can be used.
    pub providers_added: Vec<crate::linked::ProviderInfo>,
}

/// A name that comes more than once in one import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repeated {
    pub name: String,
    pub times: usize,
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

/// The fields of the existing secret in effect that an incoming one takes
/// when its source does not have them.
struct Inherited {
    enabled: bool,
    domains: Vec<String>,
    note: String,
}

enum Class {
    New,
    Unchanged,
    Conflict {
        existing: [u8; 16],
        updated: i64,
        values_differ: bool,
        /// What the incoming secret takes from the existing one in effect
        /// when its source has no such field (Replace and Keep both alike).
        kept: Box<Inherited>,
    },
}

impl Vault {
    /// Compares an import with the vault; changes nothing.
    pub fn import_preview(&mut self, set: &ImportSet) -> Result<Preview> {
        let keys = self.unlocked.as_mut().ok_or(Error::Locked)?;
        // One read transaction: a consistent snapshot while another process
        // writes, with the data keys read inside it.
        let tx = self.conn.unchecked_transaction().at(&self.path)?;
        keys.load_data_keys(&tx, &self.path, &self.id)?;
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
                    ..
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
        let keeps = |missing: &dyn Fn(&Incoming) -> bool, field: &str| {
            preview
                .conflicts
                .iter()
                .any(|c| missing(&set.secrets[c.incoming]))
                .then(|| field.to_owned())
        };
        let mut times: HashMap<&str, usize> = HashMap::new();
        for item in &set.secrets {
            *times.entry(item.name.as_str()).or_default() += 1;
        }
        for item in &set.secrets {
            if let Some(n) = times.remove(item.name.as_str()).filter(|&n| n > 1) {
                preview.repeated.push(Repeated {
                    name: item.name.clone(),
                    times: n,
                });
            }
        }
        preview.linked = set.secrets.iter().filter(|s| s.link.is_some()).count();
        preview.providers_added = self.providers_to_add(set)?;
        preview.replace_keeps = [
            keeps(&|i| i.enabled.is_none(), "enabled or disabled"),
            keeps(&|i| i.allowed_domains.is_none(), "allowed domains"),
            keeps(&|i| i.note.is_none(), "note"),
        ]
        .into_iter()
        .flatten()
        .collect();
        Ok(preview)
    }

    /// Imports in one transaction: new secrets are created, unchanged ones left
    /// alone, and each conflict gets `overrides[position]` or else `default`.
    /// A conflict with neither fails the whole import; so does any error.
    /// A Replace keeps the existing secret's allowed domains and note when the
    /// source has no such field. Returns what it did and how to undo it.
    pub fn import_apply(
        &mut self,
        set: ImportSet,
        default: Option<Decision>,
        overrides: &HashMap<usize, Decision>,
    ) -> Result<(ImportSummary, Undo)> {
        let seals = 2 * set.secrets.len() as u64;
        let now = Timestamp::now().0;
        let epoch = self.epoch()?;
        let providers = self.incoming_providers(&set)?;
        let book = self.book_sealer()?;
        let mut removed = Vec::new();
        let mut added = Vec::new();
        let summary = self.write(seals, |w| {
            w.expect_writes(set.secrets.len())?;
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
            // The providers of incoming links, in the same transaction.
            book.add_missing(w.tx, w.path, &providers)?;
            let mut summary = ImportSummary::default();
            for (i, ((item, class), blind)) in
                set.secrets.iter().zip(classes).zip(&blinds).enumerate()
            {
                match class {
                    Class::Unchanged => summary.unchanged += 1,
                    Class::New => {
                        added.push(put_incoming(w, item, blind, now, None)?);
                        summary.created += 1;
                    }
                    Class::Conflict { existing, kept, .. } => match decision(i) {
                        Some(Decision::Replace) => {
                            removed.extend(w.sealed(&existing)?);
                            w.delete(&existing)?;
                            added.push(put_incoming(w, item, blind, now, Some(&kept))?);
                            summary.replaced += 1;
                        }
                        Some(Decision::Keep) => {
                            // In effect now: it must not lift a restriction
                            // its source cannot express.
                            added.push(put_incoming(w, item, blind, now, Some(&kept))?);
                            summary.kept += 1;
                        }
                        Some(Decision::Skip) | None => summary.skipped += 1,
                    },
                }
            }
            Ok(summary)
        })?;
        Ok((summary, Undo::new(UndoKind::Import, epoch, removed, added)))
    }
}

/// Puts an incoming secret as the newest of its name; a field the source
/// does not have comes from `existing` (the secret in effect it replaces or
/// is kept beside), if any, else its default. Returns its id and write order.
fn put_incoming(
    w: &mut Writer<'_>,
    item: &Incoming,
    blind: &[u8; 32],
    now: i64,
    existing: Option<&Inherited>,
) -> Result<([u8; 16], i64)> {
    let meta = Meta {
        name: item.name.clone(),
        enabled: item.enabled.or(existing.map(|e| e.enabled)).unwrap_or(true),
        domains: item
            .allowed_domains
            .clone()
            .or_else(|| existing.map(|e| e.domains.clone()))
            .unwrap_or_default(),
        note: item
            .note
            .clone()
            .or_else(|| existing.map(|e| e.note.clone()))
            .unwrap_or_default(),
        created: item.created_at.map_or(now, |t| t.0),
        updated: item.updated_at.map_or(now, |t| t.0),
        link: item.link.as_ref().map(|l| l.link.clone()),
    };
    let id = crate::crypto::random_id();
    let seq = w.next_seq();
    w.put_indexed(&id, &meta, item.value.expose_secret(), blind)?;
    Ok((id, seq))
}

/// Unchanged if some existing secret of the name has the same content;
/// otherwise a conflict with the one in effect.
fn classify(existing: &[Existing], item: &Incoming) -> Class {
    let Some(newest) = existing.first() else {
        return Class::New;
    };
    // A link counts as the value: the same link is the same value.
    let same_value = |e: &Existing| {
        e.meta.link.as_ref() == item.link.as_ref().map(|l| &l.link)
            && bool::from(
                e.value
                    .expose_secret()
                    .as_bytes()
                    .ct_eq(item.value.expose_secret().as_bytes()),
            )
    };
    // A field the source does not have is not a difference.
    let same = |e: &Existing| {
        same_value(e)
            && item.enabled.is_none_or(|on| on == e.meta.enabled)
            && item
                .allowed_domains
                .as_ref()
                .is_none_or(|d| *d == e.meta.domains)
            && item.note.as_ref().is_none_or(|n| *n == e.meta.note)
    };
    if existing.iter().any(same) {
        return Class::Unchanged;
    }
    Class::Conflict {
        existing: newest.id,
        updated: newest.meta.updated,
        values_differ: !same_value(newest),
        kept: Box::new(Inherited {
            enabled: newest.meta.enabled,
            domains: newest.meta.domains.clone(),
            note: newest.meta.note.clone(),
        }),
    }
}

/// The blind indexes of every name in the vault: one scan, so that names an
/// import brings in for the first time cost no lookup.
fn name_indexes(conn: &Connection, path: &Path) -> Result<HashSet<Vec<u8>>> {
    let mut stmt = conn
        .prepare_cached("SELECT DISTINCT name_index FROM secrets")
        .at(path)?;
    let rows = stmt.query_map([], |r| r.get(0)).at(path)?;
    rows.collect::<rusqlite::Result<_>>().at(path)
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
    let mut out = Vec::new();
    each_record(
        conn,
        path,
        Columns::WithValue,
        "WHERE name_index = ?1 ORDER BY seq DESC",
        params![&blind[..]],
        |row| {
            let cipher = data.get(&row.generation).ok_or_else(|| damaged(&row.id))?;
            let meta = row.open_meta(cipher, vault_id)?;
            if meta.name != name {
                return Err(damaged(&row.id));
            }
            let value = row.open_value(cipher, vault_id)?;
            out.push(Existing {
                id: row.id,
                meta,
                value,
            });
            Ok(())
        },
    )?;
    Ok(out)
}
