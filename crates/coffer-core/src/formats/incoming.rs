//! What an import reads, before it meets the vault: the incoming secrets,
//! the formats, what happened to each file, and a file's problem before its
//! name is attached.

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::error::Error;
use crate::secret::{check_note, check_value, normalize_domains, normalize_name, Timestamp};

/// Most entries one import reads (secrets, variables, items): a file beyond
/// it is refused while it is being parsed, so a hostile file costs little.
pub const IMPORT_MAX_ENTRIES: usize = 100_000;

/// What a file with too many entries is told.
pub(crate) fn too_many() -> String {
    format!(
        "it holds more than {IMPORT_MAX_ENTRIES} entries, the most one import takes; split it into smaller files"
    )
}

/// What of a file was left out, counted: `(how many, one, many, words
/// before, words after)`.
pub(crate) type Counted<'a> = (usize, &'a str, &'a str, &'a str, &'a str);

/// A sentence for each thing left out that there was any of.
pub(crate) fn counted(things: &[Counted<'_>]) -> Vec<String> {
    things
        .iter()
        .filter(|(n, ..)| *n > 0)
        .map(|&(n, one, many, before, after)| format!("{before}{}{after}", count(n, one, many)))
        .collect()
}

/// `n` things in words: "1 entry", "2 entries".
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A JSON list that stops being read past [`IMPORT_MAX_ENTRIES`] elements.
pub(crate) struct Capped<T>(pub(crate) Vec<T>);

impl<T> Default for Capped<T> {
    fn default() -> Self {
        Capped(Vec::new())
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Capped<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct List<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for List<T> {
            type Value = Capped<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Capped<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    if out.len() == IMPORT_MAX_ENTRIES {
                        return Err(serde::de::Error::custom(too_many()));
                    }
                    out.push(item);
                }
                Ok(Capped(out))
            }
        }
        d.deserialize_seq(List(std::marker::PhantomData))
    }
}

/// A secret read from an import, not yet in the vault.
pub struct Incoming {
    pub name: String,
    pub value: SecretString,
    /// `None` when the source has no such field (dotenv, Bitwarden): the
    /// existing secret's flag is kept by a Replace or Keep both; a new
    /// secret is enabled.
    pub enabled: Option<bool>,
    /// `None` when the source has no such field (dotenv, Postman): a Replace
    /// or Keep both then takes the existing secret's allowed domains.
    pub allowed_domains: Option<Vec<String>>,
    /// `None` when the source has no notes: the existing note is kept.
    pub note: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    /// Marked secret by its source (Postman `type: "secret"`).
    pub flagged_secret: bool,
    /// A linked secret of a Coffer export: its link and the provider it
    /// names (settings only; the credentials are never in a file).
    pub link: Option<IncomingLink>,
}

/// The link of an incoming secret, with its provider's settings.
#[derive(Debug, Clone)]
pub struct IncomingLink {
    pub link: crate::linked::Link,
    pub provider: crate::linked::ProviderConfig,
}

/// What a reader of environments gave: the secrets, and what of the file
/// it could not import, in words.
pub(crate) struct Read {
    pub(crate) items: Vec<Incoming>,
    pub(crate) left_out: Vec<String>,
}

/// The formats an import understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    CofferEncrypted,
    CofferPlaintext,
    PostmanEnvironment,
    /// Insomnia 4 (JSON) and 5 (YAML) exports.
    Insomnia,
    Hoppscotch,
    /// Bruno `.bru` environments and Bruno's JSON export.
    Bruno,
    /// KeePass and KeePassXC databases (`.kdbx`).
    Keepass,
    /// 1Password's unencrypted export (`.1pux`, or its `export.data`).
    OnePassword,
    Bitwarden,
    BitwardenEncrypted,
    Dotenv,
    BitwardenCsv,
    OnePasswordCsv,
    KeepassxcCsv,
    LastpassCsv,
    /// A CSV of another tool, with a title and a password or notes column.
    Csv,
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
    /// What of the file Coffer does not import, in words (e.g. Bitwarden
    /// passkeys), so nothing goes missing without a word.
    pub left_out: Vec<String>,
    /// What Coffer did to fit the file, in words: entries named otherwise
    /// than the file names them to tell apart those that share a name
    /// (`"GitHub" as "Work/GitHub"`), columns imported as fields.
    pub notes: Vec<String>,
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
    /// A KeePass database: its password, its key file, or both.
    KeepassKeyRequired,
    WrongPassword,
    /// A KeePass database that its password and key file did not open.
    KeepassWrongKey,
}

impl FileError {
    /// A JSON error without any value from the file (serde's "invalid type"
    /// messages quote the offending value, which may be a secret).
    pub(crate) fn json(e: serde_json::Error) -> Self {
        let full = e.to_string();
        if full.starts_with(&too_many()) {
            return FileError::Invalid(too_many());
        }
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

    pub(crate) fn into_error(self, source: &str) -> Error {
        let file = source.to_owned();
        match self {
            FileError::Invalid(problem) | FileError::Unrecognized(problem) => {
                Error::ImportInvalid { file, problem }
            }
            FileError::UnsupportedVersion(problem) => Error::ImportUnsupported { file, problem },
            FileError::KdfLimits(problem) => Error::ImportKdfLimits { file, problem },
            FileError::PasswordRequired => Error::PasswordRequired {
                file,
                keepass: false,
            },
            FileError::KeepassKeyRequired => Error::PasswordRequired {
                file,
                keepass: true,
            },
            FileError::WrongPassword => Error::WrongPassword {
                file,
                keepass: false,
            },
            FileError::KeepassWrongKey => Error::WrongPassword {
                file,
                keepass: true,
            },
        }
    }
}

impl Format {
    /// Whether the source was encrypted (only those may be imported when the
    /// policy forbids unencrypted imports).
    pub fn is_encrypted(self) -> bool {
        matches!(
            self,
            Format::CofferEncrypted | Format::BitwardenEncrypted | Format::Keepass
        )
    }
}

impl ImportSet {
    pub(crate) fn add(&mut self, source: &str, parsed: super::detect::Parsed) {
        self.files.push(FileReport {
            source: source.to_owned(),
            format: Some(parsed.format),
            secrets: parsed.items.len(),
            skipped: None,
            left_out: parsed.left_out,
            notes: parsed.notes,
        });
        self.secrets.extend(parsed.items);
    }

    pub(crate) fn skip(&mut self, source: String, why: String) {
        self.files.push(FileReport {
            source,
            format: None,
            secrets: 0,
            skipped: Some(why),
            left_out: Vec::new(),
            notes: Vec::new(),
        });
    }
}

/// Applies the vault's rules to every incoming secret, naming the one that breaks them.
pub(crate) fn validate(mut items: Vec<Incoming>) -> Result<Vec<Incoming>, FileError> {
    if items.len() > IMPORT_MAX_ENTRIES {
        return Err(FileError::Invalid(too_many()));
    }
    for (i, item) in items.iter_mut().enumerate() {
        let label = format!("secret #{} ({:?})", i + 1, item.name);
        let at = |e: Error| FileError::Invalid(format!("{label}: {e}"));
        item.name = normalize_name(&item.name).map_err(at)?;
        if let Some(domains) = &item.allowed_domains {
            item.allowed_domains = Some(normalize_domains(domains).map_err(at)?);
        }
        if let Some(note) = &item.note {
            check_note(note).map_err(at)?;
        }
        check_value(item.value.expose_secret()).map_err(at)?;
    }
    Ok(items)
}
