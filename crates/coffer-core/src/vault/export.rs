//! Export: every record with its value, written as a Coffer file.
//!
//! Reading the records needs the vault; sealing them (Argon2id for an
//! encrypted export) does not, so a caller holding the vault behind a lock
//! can [`Vault::prepare_export`] under it and [`PreparedExport::write`] after.

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::keys::Parts;
use super::records::{each_record, Columns, Meta};
use super::Vault;
use crate::error::Result;
use crate::formats::{write_encrypted, write_plaintext, KdfParams, SecretOut};
use crate::linked::ProviderConfig;
use crate::password::ExportPassword;
use crate::policy::{ExportKind, Policy};
use crate::secret::Timestamp;

/// What [`Vault::export`] is asked to write.
pub enum ExportRequest {
    /// Argon2id + AES-256-GCM under this password.
    Encrypted(SecretString),
    /// Every value in the clear.
    Plaintext,
    /// A dotenv file: names and values in the clear.
    Dotenv,
    /// A Postman environment: names, values and enabled flags in the clear.
    Postman,
}

impl ExportRequest {
    /// Whether `policy` and the password rules allow this export, before
    /// anything is read (a caller can ask before it opens a save dialog).
    pub fn check(&self, policy: &Policy) -> Result<()> {
        let copy = match self {
            ExportRequest::Encrypted(password) => ExportRequest::Encrypted(password.clone()),
            ExportRequest::Plaintext => ExportRequest::Plaintext,
            ExportRequest::Dotenv => ExportRequest::Dotenv,
            ExportRequest::Postman => ExportRequest::Postman,
        };
        copy.checked(policy).map(drop)
    }

    /// The format to write, with the checked password of an encrypted export.
    fn checked(self, policy: &Policy) -> Result<Output> {
        let (kind, output) = match self {
            ExportRequest::Encrypted(password) => {
                policy.check_export(ExportKind::Encrypted)?;
                policy.check_password_length(password.expose_secret().chars().count())?;
                let min = policy.min_password_length.value;
                let password = ExportPassword::new(password, min)?;
                return Ok(Output::Coffer(Some(password)));
            }
            ExportRequest::Plaintext => (ExportKind::Plaintext, Output::Coffer(None)),
            ExportRequest::Dotenv => (ExportKind::Dotenv, Output::Dotenv),
            ExportRequest::Postman => (ExportKind::Postman, Output::Postman),
        };
        policy.check_export(kind)?;
        Ok(output)
    }
}

/// The file an export writes.
enum Output {
    /// A Coffer export, encrypted under the password or plaintext.
    Coffer(Option<ExportPassword>),
    Dotenv,
    Postman,
}

/// An export read from the vault and allowed by the policy, not yet written.
/// Its values are zeroized when it is dropped.
pub struct PreparedExport {
    records: Vec<(Meta, SecretString)>,
    /// The providers the records' links name (a Coffer export only).
    providers: Vec<ProviderConfig>,
    /// Linked secrets a dotenv or Postman file cannot hold.
    linked_left_out: usize,
    output: Output,
    params: KdfParams,
}

impl std::fmt::Debug for PreparedExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedExport")
            .field("secrets", &self.records.len())
            .field("encrypted", &matches!(self.output, Output::Coffer(Some(_))))
            .finish_non_exhaustive()
    }
}

impl PreparedExport {
    /// How many secrets the export holds.
    pub fn secrets(&self) -> usize {
        self.records.len()
    }

    /// How many linked secrets were left out: a dotenv file or a Postman
    /// environment cannot hold a link (a Coffer export writes the links).
    pub fn linked_left_out(&self) -> usize {
        self.linked_left_out
    }

    /// The file's bytes (runs the KDF of an encrypted export).
    pub fn write(self) -> Result<Zeroizing<Vec<u8>>> {
        match &self.output {
            Output::Coffer(password) => write_records(
                &self.records,
                &self.providers,
                password.as_ref(),
                self.params,
            ),
            Output::Dotenv => crate::formats::write_dotenv(
                self.records
                    .iter()
                    .map(|(meta, value)| (meta.name.as_str(), value.expose_secret())),
                Timestamp::now(),
            ),
            Output::Postman => Ok(crate::formats::write_postman(
                self.records
                    .iter()
                    .map(|(meta, value)| (meta.name.as_str(), value.expose_secret(), meta.enabled)),
                Timestamp::now(),
            )),
        }
    }
}

impl Vault {
    /// The whole vault as an export file, if `policy` allows it: encrypted
    /// under a password that passes the export rules (the policy may raise
    /// the minimum length), or plaintext.
    pub fn export(
        &mut self,
        policy: &Policy,
        request: ExportRequest,
    ) -> Result<Zeroizing<Vec<u8>>> {
        self.prepare_export(policy, request)?.write()
    }

    /// Checks `request` against `policy` and the password rules and reads
    /// every record; [`PreparedExport::write`] makes the file.
    pub fn prepare_export(
        &mut self,
        policy: &Policy,
        request: ExportRequest,
    ) -> Result<PreparedExport> {
        self.prepare_export_with(policy, request, KdfParams::default())
    }

    pub(crate) fn prepare_export_with(
        &mut self,
        policy: &Policy,
        request: ExportRequest,
        params: KdfParams,
    ) -> Result<PreparedExport> {
        let output = request.checked(policy)?;
        let mut records = self.all_records()?;
        let mut linked_left_out = 0;
        let providers = match output {
            Output::Coffer(_) => self.linked_providers(&records)?,
            Output::Dotenv | Output::Postman => {
                let before = records.len();
                records.retain(|(meta, _)| meta.link.is_none());
                linked_left_out = before - records.len();
                Vec::new()
            }
        };
        Ok(PreparedExport {
            records,
            providers,
            linked_left_out,
            output,
            params,
        })
    }

    /// An export file of every record, encrypted under `password` or plaintext.
    #[cfg(test)]
    pub(crate) fn export_with(
        &mut self,
        password: Option<&ExportPassword>,
        params: KdfParams,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let records = self.all_records()?;
        let providers = self.linked_providers(&records)?;
        write_records(&records, &providers, password, params)
    }

    /// Checks every record: the record list, and that each record's metadata
    /// and value open. Returns how many records there are.
    pub fn verify(&mut self) -> Result<u64> {
        Ok(self.all_records()?.len() as u64)
    }

    /// Every record with its value, oldest write first (so an import of the
    /// export keeps which secret of a name is in effect).
    fn all_records(&mut self) -> Result<Vec<(Meta, SecretString)>> {
        let parts = self.fresh_parts()?;
        let tx = parts.checked_snapshot()?;
        let Parts { path, id, keys, .. } = parts;
        let mut out = Vec::new();
        each_record(&tx, path, Columns::WithValue, "", [], |row| {
            let cipher = keys.data_cipher(&tx, path, id, row.generation)?;
            let meta = row.open_meta(cipher, id)?;
            let value = row.open_value(cipher, id)?;
            out.push((row.seq, meta, value));
            Ok(())
        })?;
        out.sort_unstable_by_key(|(seq, ..)| *seq);
        Ok(out.into_iter().map(|(_, m, v)| (m, v)).collect())
    }
}

fn write_records(
    records: &[(Meta, SecretString)],
    providers: &[ProviderConfig],
    password: Option<&ExportPassword>,
    params: KdfParams,
) -> Result<Zeroizing<Vec<u8>>> {
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
            link: meta.link.as_ref(),
        })
        .collect();
    let now = Timestamp::now();
    match password {
        Some(p) => write_encrypted(&secrets, providers, now, p.secret(), params),
        None => Ok(write_plaintext(&secrets, providers, now)),
    }
}
