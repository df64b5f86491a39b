//! Export and import: Coffer files (encrypted and plaintext), Postman
//! environments, Bitwarden JSON (plain and password-protected), dotenv; format detection from content; hostile-input limits.
//!
//! Reading an import ([`read_import`]) never touches the vault; the vault's
//! [`crate::Vault::import_preview`] and [`crate::Vault::import_apply`] compare
//! and commit (one transaction).

mod bitwarden;
mod coffer_file;
mod foreign;
mod password;

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::secret::{check_note, check_value, normalize_domains, normalize_name, Timestamp};

pub(crate) use coffer_file::{write_encrypted, write_plaintext, SecretOut};
pub use coffer_file::{KdfParams, EXPORT_VERSION, FORMAT_NAME};
pub use password::{password_strength, ExportPassword, EXPORT_PASSWORD_MIN_CHARS};

/// Largest file an import reads.
pub const IMPORT_MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;

/// A secret read from an import, not yet in the vault.
pub struct Incoming {
    pub name: String,
    pub value: SecretString,
    pub enabled: bool,
    pub allowed_domains: Vec<String>,
    pub note: String,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    /// Marked secret by its source (Postman `type: "secret"`).
    pub flagged_secret: bool,
}

/// The formats an import understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    CofferEncrypted,
    CofferPlaintext,
    PostmanEnvironment,
    Bitwarden,
    BitwardenEncrypted,
    Dotenv,
}

/// What happened to one file of an import.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The file's path, or `stdin`.
    pub source: String,
    /// Its format, when recognized.
    pub format: Option<Format>,
    /// How many secrets it holds.
    pub secrets: usize,
    /// Why it was left out (only in a folder import).
    pub skipped: Option<String>,
}

/// Everything read from an import source.
pub struct ImportSet {
    pub files: Vec<FileReport>,
    pub secrets: Vec<Incoming>,
}

/// What a file's problem is, before the file's name is attached.
#[derive(Debug)]
pub(crate) enum FileError {
    Invalid(String),
    Unrecognized(String),
    UnsupportedVersion(String),
    KdfLimits(String),
    PasswordRequired,
    WrongPassword,
}

impl FileError {
    /// A JSON error without any value from the file (serde's "invalid type"
    /// messages quote the offending value, which may be a secret).
    fn json(e: serde_json::Error) -> Self {
        let full = e.to_string();
        let what = if ["invalid type", "invalid value", "invalid length"]
            .iter()
            .any(|p| full.starts_with(p))
        {
            "a field has the wrong type or value".to_owned()
        } else {
            full.split(" at line ").next().unwrap_or(&full).to_owned()
        };
        FileError::Invalid(format!(
            "invalid JSON at line {} column {}: {what}",
            e.line(),
            e.column()
        ))
    }

    fn into_error(self, source: &str) -> Error {
        let file = source.to_owned();
        match self {
            FileError::Invalid(problem) | FileError::Unrecognized(problem) => {
                Error::ImportInvalid { file, problem }
            }
            FileError::UnsupportedVersion(problem) => Error::ImportUnsupported { file, problem },
            FileError::KdfLimits(problem) => Error::ImportKdfLimits { file, problem },
            FileError::PasswordRequired => Error::PasswordRequired { file },
            FileError::WrongPassword => Error::WrongPassword { file },
        }
    }
}

/// Where an import comes from.
#[derive(Debug, Clone, Copy)]
pub enum ImportSource<'a> {
    /// A file, or a folder (every importable file in it).
    Path(&'a Path),
    /// Text piped or pasted in, with a label for messages (e.g. `stdin`).
    Text { label: &'a str, bytes: &'a [u8] },
}

/// Reads and checks an import without touching any vault. `vault` is the
/// vault's own file, refused as an import source. `password` opens encrypted
/// files; without it they fail with `password_required`.
pub fn read_import(
    source: ImportSource<'_>,
    password: Option<&SecretString>,
    vault: Option<&Path>,
) -> Result<ImportSet> {
    let mut set = ImportSet {
        files: Vec::new(),
        secrets: Vec::new(),
    };
    match source {
        ImportSource::Text { label, bytes } => {
            let (format, items) = parse(bytes, password).map_err(|e| e.into_error(label))?;
            set.add(label, format, items);
        }
        ImportSource::Path(path) => {
            let meta = fs::metadata(path).map_err(|e| Error::io("cannot read", path, e))?;
            if meta.is_dir() {
                read_folder(path, password, vault, &mut set)?;
                if set.files.iter().all(|f| f.format.is_none()) {
                    return Err(Error::ImportInvalid {
                        file: path.display().to_string(),
                        problem: "no importable file in this folder (Coffer export, Postman environment, Bitwarden JSON, dotenv)".into(),
                    });
                }
            } else {
                let label = path.display().to_string();
                let bytes = read_file(path, vault).map_err(|e| e.into_error(&label))?;
                let (format, items) = parse(&bytes, password).map_err(|e| e.into_error(&label))?;
                set.add(&label, format, items);
            }
        }
    }
    if set
        .files
        .iter()
        .filter_map(|f| f.format)
        .any(|f| !f.is_encrypted())
    {
        crate::policy::Policy::current().check_plaintext_import()?;
    }
    Ok(set)
}

impl Format {
    /// Whether the source was encrypted (only those may be imported when the
    /// policy forbids unencrypted imports).
    pub fn is_encrypted(self) -> bool {
        matches!(self, Format::CofferEncrypted | Format::BitwardenEncrypted)
    }
}

impl ImportSet {
    fn add(&mut self, source: &str, format: Format, items: Vec<Incoming>) {
        self.files.push(FileReport {
            source: source.to_owned(),
            format: Some(format),
            secrets: items.len(),
            skipped: None,
        });
        self.secrets.extend(items);
    }

    fn skip(&mut self, source: String, why: String) {
        self.files.push(FileReport {
            source,
            format: None,
            secrets: 0,
            skipped: Some(why),
        });
    }
}

fn read_folder(
    dir: &Path,
    password: Option<&SecretString>,
    vault: Option<&Path>,
    set: &mut ImportSet,
) -> Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| Error::io("cannot read the folder", dir, e))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io("cannot read the folder", dir, e))?;
    entries.sort();
    for path in entries {
        let label = path.display().to_string();
        if path.is_dir() {
            set.skip(
                label,
                "a folder (folders are not searched recursively)".into(),
            );
            continue;
        }
        let outcome = read_file(&path, vault).and_then(|bytes| parse(&bytes, password));
        match outcome {
            Ok((format, items)) => set.add(&label, format, items),
            Err(FileError::Unrecognized(why)) => set.skip(label, why),
            Err(e) => return Err(e.into_error(&label)),
        }
    }
    Ok(())
}

/// Reads a regular file, refusing FIFOs, devices, the vault itself and oversized files.
fn read_file(path: &Path, vault: Option<&Path>) -> Result<Vec<u8>, FileError> {
    let meta =
        fs::metadata(path).map_err(|e| FileError::Invalid(format!("cannot read it: {e}")))?;
    if !meta.is_file() {
        return Err(FileError::Unrecognized(
            "not a regular file (a FIFO, socket or device)".into(),
        ));
    }
    if let (Some(vault), Ok(me)) = (vault, fs::canonicalize(path)) {
        if fs::canonicalize(vault).is_ok_and(|v| v == me) {
            return Err(FileError::Invalid(
                "it is the vault file itself; import an export instead".into(),
            ));
        }
    }
    if meta.len() > IMPORT_MAX_FILE_BYTES {
        return Err(FileError::Invalid(format!(
            "it is {} bytes; the import limit is {IMPORT_MAX_FILE_BYTES} bytes",
            meta.len()
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    fs::File::open(path)
        .and_then(|f| f.take(IMPORT_MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| FileError::Invalid(format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > IMPORT_MAX_FILE_BYTES {
        return Err(FileError::Invalid(format!(
            "it grew past the import limit of {IMPORT_MAX_FILE_BYTES} bytes"
        )));
    }
    Ok(bytes)
}

/// Detects the format from the content and reads it.
fn parse(
    bytes: &[u8],
    password: Option<&SecretString>,
) -> Result<(Format, Vec<Incoming>), FileError> {
    if bytes.len() as u64 > IMPORT_MAX_FILE_BYTES {
        return Err(FileError::Invalid(format!(
            "it is larger than the import limit of {IMPORT_MAX_FILE_BYTES} bytes"
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        FileError::Invalid(format!(
            "it is not valid UTF-8 (bad byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(FileError::Invalid("it is empty".into()));
    }
    let (format, items) = if trimmed.starts_with('{') {
        // One pass to tell the format; the format's reader makes the second.
        let probe: JsonProbe = serde_json::from_str(text).map_err(FileError::json)?;
        if coffer_file::is_coffer(probe.format.as_deref()) {
            let header = coffer_file::Header {
                version: probe.version,
                encryption: probe.encryption,
            };
            let format = if header.is_encrypted() {
                Format::CofferEncrypted
            } else {
                Format::CofferPlaintext
            };
            (format, coffer_file::read(text, &header, password)?)
        } else if probe.values.is_some() {
            (Format::PostmanEnvironment, foreign::read_postman(text)?)
        } else if bitwarden::is_bitwarden(probe.items.is_some(), probe.encrypted.is_some()) {
            let format = if bitwarden::is_password_protected(text) {
                Format::BitwardenEncrypted
            } else {
                Format::Bitwarden
            };
            (format, bitwarden::read(text, password)?)
        } else {
            return Err(FileError::Unrecognized(
                "a JSON object of no format Coffer knows (Coffer export, Postman environment, Bitwarden)"
                    .into(),
            ));
        }
    } else if foreign::looks_like_dotenv(text) {
        (Format::Dotenv, foreign::read_dotenv(text)?)
    } else {
        return Err(FileError::Unrecognized(
            "not a format Coffer can import (Coffer export, Postman environment, Bitwarden JSON, dotenv)".into(),
        ));
    };
    Ok((format, validate(items)?))
}

#[derive(serde::Deserialize)]
struct JsonProbe {
    format: Option<String>,
    version: Option<serde_json::Value>,
    encryption: Option<String>,
    values: Option<serde::de::IgnoredAny>,
    items: Option<serde::de::IgnoredAny>,
    encrypted: Option<serde::de::IgnoredAny>,
}

/// Applies the vault's rules to every incoming secret, naming the one that breaks them.
fn validate(mut items: Vec<Incoming>) -> Result<Vec<Incoming>, FileError> {
    for (i, item) in items.iter_mut().enumerate() {
        let label = format!("secret #{} ({:?})", i + 1, item.name);
        let at = |e: Error| FileError::Invalid(format!("{label}: {e}"));
        item.name = normalize_name(&item.name).map_err(at)?;
        item.allowed_domains = normalize_domains(&item.allowed_domains).map_err(at)?;
        check_note(&item.note).map_err(at)?;
        check_value(item.value.expose_secret()).map_err(at)?;
    }
    Ok(items)
}

/// The fuzz target (`fuzz/`): reads `data` as pasted import text. Must never
/// panic, whatever the bytes; errors are expected. No password is given, so
/// encrypted inputs stop after their shape and KDF-bound checks.
#[doc(hidden)]
pub fn fuzz_import(data: &[u8]) -> Result<usize> {
    read_import(
        ImportSource::Text {
            label: "fuzz",
            bytes: data,
        },
        None,
        None,
    )
    .map(|set| set.secrets.len())
}

/// Writes an export atomically with mode 0600: a temporary file in the same
/// folder, synced, then moved into place. Without `overwrite` an existing
/// file is never replaced.
pub fn write_export_file(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    if !overwrite && fs::symlink_metadata(path).is_ok() {
        return Err(Error::ExportExists {
            path: path.to_owned(),
        });
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.tmp-{}",
        crate::secret::SecretId(crate::crypto::random_id())
    ));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .map_err(|e| Error::io("cannot write", &tmp, e))
        .and_then(|()| {
            if overwrite {
                fs::rename(&tmp, path).map_err(|e| Error::io("cannot write", path, e))
            } else {
                fs::hard_link(&tmp, path).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::AlreadyExists {
                        Error::ExportExists {
                            path: path.to_owned(),
                        }
                    } else {
                        Error::io("cannot write", path, e)
                    }
                })
            }
        });
    let _ = fs::remove_file(&tmp);
    result?;
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod vector_tests {
    //! The checked-in test vectors of `docs/export-format.md`.
    use super::*;

    const ENCRYPTED: &[u8] = include_bytes!("../../../../docs/vectors/v1-encrypted.json");
    const PLAINTEXT: &[u8] = include_bytes!("../../../../docs/vectors/v1-plaintext.json");
    const PASSWORD: &str = include_str!("../../../../docs/vectors/v1-encrypted.password");

    fn read(bytes: &[u8], password: Option<&str>) -> Result<ImportSet> {
        let pw = password.map(|p| SecretString::from(p.to_owned()));
        read_import(
            ImportSource::Text {
                label: "vector",
                bytes,
            },
            pw.as_ref(),
            None,
        )
    }

    fn summary(set: &ImportSet) -> Vec<(String, String, bool, Vec<String>, String)> {
        set.secrets
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.value.expose_secret().to_owned(),
                    s.enabled,
                    s.allowed_domains.clone(),
                    s.note.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn encrypted_vector_decrypts_to_the_plaintext_vector() {
        let enc = read(ENCRYPTED, Some(PASSWORD)).expect("decrypts");
        let plain = read(PLAINTEXT, None).expect("reads");
        assert_eq!(enc.files[0].format, Some(Format::CofferEncrypted));
        assert_eq!(plain.files[0].format, Some(Format::CofferPlaintext));
        assert_eq!(summary(&enc), summary(&plain));
        let got = summary(&plain);
        assert_eq!(got[0].0, "stripe");
        assert_eq!(got[0].1, "coffer-test-vector-value-0001");
        assert_eq!(got[0].3, ["api.stripe.com", "*.stripe.network"]);
        assert_eq!(got[2].1, "line one\nline \"two\" — ünïcode 🔑\n");
        assert!(!got[2].2);
    }

    #[test]
    fn encrypted_vector_refuses_a_wrong_password_and_any_change() {
        let err = read(ENCRYPTED, Some("vector password: Coffer 2027!"))
            .err()
            .expect("wrong password");
        assert_eq!(err.code(), "wrong_password");
        let text = std::str::from_utf8(ENCRYPTED).expect("utf-8");
        let mut file: serde_json::Value = serde_json::from_str(text).expect("json");
        let ct = file["ciphertext"].as_str().expect("ciphertext").to_owned();
        let flipped = format!(
            "{}{}",
            if ct.starts_with('A') { "B" } else { "A" },
            &ct[1..]
        );
        file["ciphertext"] = flipped.into();
        let err = read(file.to_string().as_bytes(), Some(PASSWORD))
            .err()
            .expect("tampered");
        assert_eq!(err.code(), "wrong_password");
    }

    #[test]
    fn plaintext_vector_write_parse_write_is_byte_identical() {
        let set = read(PLAINTEXT, None).expect("reads");
        let file: serde_json::Value = serde_json::from_slice(PLAINTEXT).expect("json");
        let exported_at =
            Timestamp::parse_rfc3339(file["exported_at"].as_str().expect("exported_at"))
                .expect("time");
        let times: Vec<(String, String)> = set
            .secrets
            .iter()
            .map(|s| {
                let t = |t: Option<Timestamp>| t.map(Timestamp::rfc3339).unwrap_or_default();
                (t(s.created_at), t(s.updated_at))
            })
            .collect();
        let out: Vec<SecretOut<'_>> = set
            .secrets
            .iter()
            .zip(&times)
            .map(|(s, (c, u))| SecretOut {
                name: &s.name,
                value: s.value.expose_secret(),
                enabled: s.enabled,
                allowed_domains: &s.allowed_domains,
                note: &s.note,
                created_at: c.clone(),
                updated_at: u.clone(),
            })
            .collect();
        assert_eq!(&*write_plaintext(&out, exported_at), PLAINTEXT);
    }
}

#[cfg(test)]
mod fixture_tests {
    //! The malformed-input corpus in `tests/fixtures/import/`: a `fail_CODE__what`
    //! file must be refused with error code CODE; an `ok__what` file must import.
    use super::*;

    const PASSWORD: &str = include_str!("../../../../docs/vectors/v1-encrypted.password");

    fn corpus() -> Vec<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .expect("corpus")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        files
    }

    #[test]
    fn every_fixture_gets_its_expected_outcome() {
        let files = corpus();
        assert!(
            files
                .iter()
                .filter(|f| f.to_string_lossy().contains("/fail_"))
                .count()
                >= 30
        );
        let password = SecretString::from(PASSWORD.to_owned());
        for file in files {
            let name = file
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let got = read_import(ImportSource::Path(&file), Some(&password), None);
            if let Some(rest) = name.strip_prefix("fail_") {
                let want = rest.split("__").next().expect("code");
                let err = got.err().unwrap_or_else(|| panic!("{name} was accepted"));
                assert_eq!(err.code(), want, "{name}: {err}");
                assert!(
                    err.to_string().contains(&name),
                    "{name}: the error does not name the file: {err}"
                );
            } else {
                assert!(
                    got.is_ok(),
                    "{name}: {:?}",
                    got.err().map(|e| e.to_string())
                );
            }
        }
    }

    #[test]
    fn the_fuzz_target_never_panics_on_the_corpus_or_its_truncations() {
        for file in corpus() {
            let bytes = fs::read(&file).expect("read");
            let _ = fuzz_import(&bytes);
            for cut in (0..bytes.len()).step_by(bytes.len() / 16 + 1) {
                let _ = fuzz_import(&bytes[..cut]);
            }
        }
    }

    #[test]
    fn an_empty_folder_or_one_of_unknown_files_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = read_import(ImportSource::Path(dir.path()), None, None)
            .err()
            .expect("empty");
        assert!(err.to_string().contains("no importable file"), "{err}");
        fs::write(dir.path().join("notes.txt"), "just prose\n").expect("write");
        let err = read_import(ImportSource::Path(dir.path()), None, None)
            .err()
            .expect("no importable file");
        assert_eq!(err.code(), "import_invalid");
    }

    #[test]
    fn kdf_bombs_are_refused_before_a_password_is_asked_for() {
        for file in corpus()
            .iter()
            .filter(|f| f.to_string_lossy().contains("kdf_limits"))
        {
            let err = read_import(ImportSource::Path(file), None, None)
                .err()
                .expect("refused");
            assert_eq!(err.code(), "import_kdf_limits", "{}", file.display());
        }
    }
}
