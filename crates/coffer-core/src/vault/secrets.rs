//! Secrets: list, read, create, update, delete, clear.

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::keys::Parts;
use super::records::{each_record, info, Columns, Meta};
use super::undo::{Undo, UndoKind};
use super::Vault;
use crate::error::{Error, Result};
use crate::secret::{
    check_note, check_value, normalize_domains, normalize_name, NewSecret, SecretId, SecretInfo,
    SecretPatch, Target, Timestamp,
};

/// What [`Vault::add`] does when the name exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IfExists {
    /// Update the secret in effect with everything given.
    Update,
    /// Add another secret of that name; it is in effect, the older one shadowed.
    Keep,
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
    /// Metadata of every secret, oldest write first. Never decrypts a value.
    pub fn list(&mut self) -> Result<Vec<SecretInfo>> {
        let parts = self.fresh_parts()?;
        let tx = parts.checked_snapshot()?;
        let Parts { path, id, keys, .. } = parts;
        // One scan in table order; "newest per name" is worked out here, which
        // is several times cheaper than a window function or an ORDER BY.
        let mut newest: HashMap<[u8; 32], i64> = HashMap::new();
        let mut opened = Vec::new();
        each_record(&tx, path, Columns::Meta, "", [], |row| {
            let top = newest.entry(row.name_index).or_insert(row.seq);
            *top = (*top).max(row.seq);
            let cipher = keys.data_cipher(&tx, path, id, row.generation)?;
            let meta = row.open_meta(cipher, id)?;
            opened.push((row.seq, row.name_index, row.id, meta));
            Ok(())
        })?;
        drop(tx);
        opened.sort_unstable_by_key(|(seq, ..)| *seq);
        Ok(opened
            .into_iter()
            .map(|(seq, index, id, meta)| {
                let fetched = meta.link.as_ref().and_then(|l| self.fetched_at(l));
                let problem = meta.link.as_ref().and_then(|l| self.link_problem(l));
                let mut info = info(id, meta, newest.get(&index).is_some_and(|&n| n > seq));
                if let Some(linked) = &mut info.linked {
                    linked.fetched_at = fetched;
                    linked.problem = problem;
                }
                info
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
        let (row, meta, shadowed) = self.find(Target::Name(name))?;
        if !meta.enabled {
            // Refused before a linked value is fetched.
            return Err(Error::SecretDisabled { name: meta.name });
        }
        let value = self.value_of(&row, &meta)?;
        Ok((info(row.id, meta, shadowed), value))
    }

    /// The value of one secret, enabled or not (the user asked to see it);
    /// a linked secret's value is fetched (or taken from the cache).
    pub fn reveal(&mut self, target: Target<'_>) -> Result<(SecretInfo, SecretString)> {
        let (row, meta, shadowed) = self.find(target)?;
        let value = self.value_of(&row, &meta)?;
        Ok((info(row.id, meta, shadowed), value))
    }

    /// Creates a new secret; an older one of the same name becomes shadowed.
    pub fn create_secret(&mut self, secret: NewSecret) -> Result<SecretInfo> {
        let mut created = self.create_secrets(vec![secret])?;
        Ok(created.remove(0))
    }

    /// Adds a secret from a form: a name that exists is refused with
    /// [`Error::SecretExists`] unless `if_exists` says what to do.
    pub fn add(&mut self, secret: NewSecret, if_exists: Option<IfExists>) -> Result<SecretInfo> {
        let existing = match self.find(Target::Name(&secret.name)) {
            Ok((row, meta, _)) => Some((row.id, meta.name)),
            Err(Error::SecretNotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        match (existing, if_exists) {
            (None, _) | (Some(_), Some(IfExists::Keep)) => self.create_secret(secret),
            (Some((_, name)), None) => Err(Error::SecretExists { name }),
            (Some((id, _)), Some(IfExists::Update)) => self.update(
                Target::Id(SecretId(id)),
                SecretPatch {
                    name: None,
                    value: Some(secret.value),
                    enabled: Some(secret.enabled),
                    allowed_domains: Some(secret.allowed_domains),
                    note: Some(secret.note),
                },
            ),
        }
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
                link: None,
            };
            prepared.push((crate::crypto::random_id(), meta, s.value));
        }
        let seals = 2 * prepared.len() as u64;
        self.write(seals, |w| {
            w.expect_writes(prepared.len())?;
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

    /// Changes one secret. It becomes the newest of its name — except when
    /// only its enabled flag changes: disabling an old, shadowed duplicate
    /// must not put it in effect.
    pub fn update(&mut self, target: Target<'_>, patch: SecretPatch) -> Result<SecretInfo> {
        let (row, mut meta, shadowed) = self.find(target)?;
        if let (Some(link), Some(_)) = (&meta.link, &patch.value) {
            return Err(Error::LinkedValue {
                name: meta.name.clone(),
                provider: link.provider.clone(),
            });
        }
        let keep_place = patch.name.is_none()
            && patch.value.is_none()
            && patch.allowed_domains.is_none()
            && patch.note.is_none();
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
            if keep_place {
                w.put_at(&row.id, &meta, value.expose_secret(), row.seq)?;
                Ok(info(row.id, meta, shadowed))
            } else {
                w.put(&row.id, &meta, value.expose_secret())?;
                Ok(info(row.id, meta, false))
            }
        })
    }

    /// Deletes one secret; an older one of the same name, if any, comes into
    /// effect. Returns what was deleted and how to undo it.
    pub fn delete(&mut self, target: Target<'_>) -> Result<(SecretInfo, Undo)> {
        let (row, meta, shadowed) = self.find(target)?;
        let epoch = self.epoch()?;
        let removed = self.write(0, |w| {
            let sealed = w.sealed(&row.id)?.ok_or_else(|| Error::StaleRecord {
                name: meta.name.clone(),
            })?;
            w.delete(&row.id)?;
            Ok(sealed)
        })?;
        let undo = Undo::new(UndoKind::Delete, epoch, vec![removed], Vec::new());
        Ok((info(row.id, meta, shadowed), undo))
    }

    /// Deletes every secret; the key stays. Returns how many were deleted
    /// and how to undo it.
    pub fn clear(&mut self) -> Result<(u64, Undo)> {
        let epoch = self.epoch()?;
        let removed = self.write(0, |w| {
            let all = w.all_sealed()?;
            w.delete_all()?;
            Ok(all)
        })?;
        let count = removed.len() as u64;
        Ok((
            count,
            Undo::new(UndoKind::Clear, epoch, removed, Vec::new()),
        ))
    }
}
