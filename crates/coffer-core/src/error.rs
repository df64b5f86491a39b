//! The one error type of the core, and the closed set of codes that every
//! face (the CLI, the desktop app, its page) shows.
//!
//! Messages name what is wrong and what to do next in words that fit every
//! face: no CLI flags and no buttons (the CLI adds its flag hints itself).
//! They never contain a secret value, a key or a password: only names,
//! paths and counts.

use std::fmt;
use std::path::PathBuf;

use serde::{Serialize, Serializer};

use crate::linked::LinkFailure;

/// Declares [`Code`] and its `snake_case` text once.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $text:literal,)*) => {
        /// The stable, machine-readable code of an error: the UI and scripts
        /// switch on it, and it is the `code` of `{code, message}` outside Rust.
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The `snake_case` text of the code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    /// [`Error::VaultNotFound`].
    VaultNotFound => "vault_not_found",
    /// [`Error::VaultExists`].
    VaultExists => "vault_exists",
    /// [`Error::VaultCorrupt`].
    VaultCorrupt => "vault_corrupt",
    /// [`Error::VaultTooNew`].
    VaultTooNew => "vault_too_new",
    /// [`Error::KeyTypo`].
    KeyTypo => "key_typo",
    /// [`Error::KeyFormat`].
    KeyFormat => "key_format",
    /// [`Error::WrongKey`].
    WrongKey => "wrong_key",
    /// [`Error::KeyUnavailable`].
    KeyUnavailable => "key_unavailable",
    /// [`Error::Locked`].
    Locked => "locked",
    /// [`Error::KeychainUnavailable`].
    KeychainUnavailable => "keychain_unavailable",
    /// [`Error::SecretNotFound`].
    SecretNotFound => "secret_not_found",
    /// [`Error::SecretDisabled`].
    SecretDisabled => "secret_disabled",
    /// [`Error::InvalidName`].
    InvalidName => "invalid_name",
    /// [`Error::InvalidValue`].
    InvalidValue => "invalid_value",
    /// [`Error::InvalidDomain`].
    InvalidDomain => "invalid_domain",
    /// [`Error::InvalidNote`].
    InvalidNote => "invalid_note",
    /// [`Error::StaleRecord`] and [`Error::UndoStale`].
    StaleRecord => "stale_record",
    /// [`Error::SecretExists`].
    SecretExists => "secret_exists",
    /// [`Error::NothingToUndo`].
    NothingToUndo => "nothing_to_undo",
    /// [`Error::InvalidSetting`].
    InvalidSetting => "invalid_setting",
    /// [`Error::RecordDamaged`].
    RecordDamaged => "record_damaged",
    /// [`Error::RecordsTampered`].
    RecordsTampered => "records_tampered",
    /// [`Error::ReferencesUnresolved`].
    ReferenceUnresolved => "reference_unresolved",
    /// [`Error::InvalidUrl`].
    InvalidUrl => "invalid_url",
    /// [`Error::TemplateInvalid`].
    TemplateInvalid => "template_invalid",
    /// [`Error::HttpFailed`].
    HttpFailed => "http_failed",
    /// [`Error::WeakPassword`].
    WeakPassword => "weak_password",
    /// [`Error::WrongPassword`].
    WrongPassword => "wrong_password",
    /// [`Error::PasswordRequired`].
    PasswordRequired => "password_required",
    /// [`Error::ImportInvalid`].
    ImportInvalid => "import_invalid",
    /// [`Error::ImportUnsupported`].
    ImportUnsupported => "import_unsupported",
    /// [`Error::ImportKdfLimits`].
    ImportKdfLimits => "import_kdf_limits",
    /// [`Error::ConflictsUnresolved`].
    ConflictsUnresolved => "conflicts_unresolved",
    /// [`Error::NoImport`].
    NoImport => "no_import",
    /// [`Error::ExportExists`].
    ExportExists => "export_exists",
    /// [`Error::ExportFailed`].
    ExportFailed => "export_failed",
    /// [`Error::PolicyDenied`].
    PolicyDenied => "policy_denied",
    /// [`Error::PolicyInvalid`].
    PolicyInvalid => "policy_invalid",
    /// [`Error::ClipboardUnavailable`].
    ClipboardUnavailable => "clipboard_unavailable",
    /// [`Error::InvalidArgument`].
    InvalidArgument => "invalid_argument",
    /// [`Error::Busy`].
    Busy => "busy",
    /// [`Error::LinkFailed`] with [`LinkFailure::Unreachable`].
    ProviderUnreachable => "provider_unreachable",
    /// [`Error::LinkFailed`] with [`LinkFailure::Tls`].
    ProviderTls => "provider_tls",
    /// [`Error::LinkFailed`] with [`LinkFailure::AuthRefused`].
    ProviderAuthRefused => "provider_auth_refused",
    /// [`Error::LinkFailed`] with [`LinkFailure::AuthExpired`].
    ProviderAuthExpired => "provider_auth_expired",
    /// [`Error::LinkFailed`] with [`LinkFailure::RateLimited`].
    ProviderRateLimited => "provider_rate_limited",
    /// [`Error::LinkFailed`] with [`LinkFailure::Unavailable`].
    ProviderUnavailable => "provider_unavailable",
    /// [`Error::LinkFailed`] with [`LinkFailure::PathMissing`].
    LinkPathMissing => "link_path_missing",
    /// [`Error::LinkFailed`] with [`LinkFailure::KeyMissing`].
    LinkKeyMissing => "link_key_missing",
    /// [`Error::LinkFailed`] with [`LinkFailure::VersionMissing`].
    LinkVersionMissing => "link_version_missing",
    /// [`Error::LinkFailed`] with [`LinkFailure::NotAString`].
    LinkNotAString => "link_not_a_string",
    /// [`Error::ProviderNotFound`].
    ProviderNotFound => "provider_not_found",
    /// [`Error::ProviderExists`].
    ProviderExists => "provider_exists",
    /// [`Error::ProviderInvalid`].
    ProviderInvalid => "invalid_provider",
    /// [`Error::ProviderInUse`].
    ProviderInUse => "provider_in_use",
    /// [`Error::ProviderLoginRequired`].
    ProviderLoginRequired => "provider_login_required",
    /// [`Error::LinkInvalid`].
    LinkInvalid => "invalid_link",
    /// [`Error::LinkedValue`].
    LinkedValue => "linked_value",
    /// [`Error::Io`].
    Io => "io",
    /// [`Error::Database`].
    Database => "database",
    /// Raised by the app's page: it runs outside the Coffer app (no IPC).
    NoIpc => "no_ipc",
    /// Raised by the app's page: the two export passwords typed differ.
    PasswordMismatch => "password_mismatch",
    /// Raised by the app's page: an unencrypted export was not confirmed.
    ConfirmRequired => "confirm_required",
    /// Raised by the app's page: an import conflict has no decision.
    DecisionRequired => "decision_required",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// There is no vault file at the path.
    #[error("no vault at {}; create one first", path.display())]
    VaultNotFound { path: PathBuf },

    /// A vault (or some other file) already exists where a new vault was to be created.
    #[error("a file already exists at {}; it was left untouched", path.display())]
    VaultExists { path: PathBuf },

    /// The file is not a Coffer vault, or it is damaged.
    #[error("{} is not a readable Coffer vault ({detail}); it was left untouched — restore it from a backup", path.display())]
    VaultCorrupt { path: PathBuf, detail: String },

    /// The vault was written by a newer Coffer.
    #[error("{} uses vault format {found}, newer than the {supported} this Coffer understands; upgrade Coffer (the file was left untouched)", path.display())]
    VaultTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    /// A typed vault key has a character that fails its group's checksum.
    #[error("group {group} of the vault key looks mistyped; check it against your saved copy")]
    KeyTypo { group: usize },

    /// A typed vault key does not have the shape of a vault key at all.
    #[error("that is not a vault key: {problem}")]
    KeyFormat { problem: String },

    /// The key is well formed but does not open this vault.
    #[error(
        "this vault key does not open this vault; check you picked the key saved for this vault"
    )]
    WrongKey,

    /// No vault key could be found: none given, none in the keychain.
    #[error("the vault key is not available: {reason}")]
    KeyUnavailable { reason: String },

    /// The vault is locked; unlock it first.
    #[error("the vault is locked; unlock it with its key first")]
    Locked,

    /// The operating system keychain cannot be used.
    #[error("the system keychain is not usable ({detail}); keep the vault key yourself")]
    KeychainUnavailable { detail: String },

    /// No secret of that name.
    #[error("no secret named {name:?}")]
    SecretNotFound { name: String },

    /// The secret exists but is disabled.
    #[error("secret {name:?} is disabled; enable it to use it")]
    SecretDisabled { name: String },

    /// A secret name breaks the naming rules.
    #[error("invalid secret name: {reason}")]
    InvalidName { reason: String },

    /// A secret value breaks the value rules. Never carries the value.
    #[error("invalid secret value: {reason}")]
    InvalidValue { reason: String },

    /// An allowed-domain pattern is malformed.
    #[error("invalid allowed domain {pattern:?}: {reason}")]
    InvalidDomain { pattern: String, reason: String },

    /// A note is too long or has forbidden characters.
    #[error("invalid note: {reason}")]
    InvalidNote { reason: String },

    /// Another process changed or deleted the secret since it was read.
    #[error(
        "secret {name:?} was changed by another Coffer since it was read; reload and try again"
    )]
    StaleRecord { name: String },

    /// An undo meets a vault that changed since the action it would take back.
    #[error("the {what} changed since, so that can no longer be undone; nothing was changed")]
    UndoStale { what: &'static str },

    /// A new secret was to be made under a name that exists, without saying
    /// whether to update that secret or keep both.
    #[error("a secret named {name:?} exists already; update it, or keep both (the new one is then in effect)")]
    SecretExists { name: String },

    /// Undo was asked for with nothing to undo.
    #[error("there is nothing to undo")]
    NothingToUndo,

    /// A setting is out of range.
    #[error("invalid setting: {reason}")]
    InvalidSetting { reason: String },

    /// A stored record failed its integrity check.
    #[error("secret record {record} failed its integrity check: the vault file was modified or damaged; restore it from a backup")]
    RecordDamaged { record: String },

    /// References that did not resolve: every one, with its reason. Nothing
    /// was used.
    #[error("{} cannot be resolved, so none was used: {}", plural_references(problems.len()), join_problems(problems))]
    ReferencesUnresolved {
        problems: Vec<crate::vault::Unresolved>,
    },

    /// A request could not be completed (never carries a value).
    #[error("the request to {host} did not complete: {problem}")]
    HttpFailed { host: String, problem: String },

    /// A template to fill with values cannot be used as it is.
    #[error("{file}: {problem}")]
    TemplateInvalid { file: String, problem: String },

    /// A URL Coffer was to check a secret against is not one it can use.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },

    /// The records do not match the record list sealed with them: one was
    /// rolled back to an older write, removed or added outside Coffer.
    #[error("the secrets in {} do not match the record list sealed with them: a secret was rolled back to an older version, removed or added outside Coffer; restore the vault file from a backup you trust", path.display())]
    RecordsTampered { path: PathBuf },

    /// An export password breaks the rules (length, guessability). Never carries the password.
    #[error("that export password is too weak: {reason}")]
    WeakPassword { reason: String },

    /// An encrypted import did not open with the password: wrong password or damaged file.
    #[error(
        "{file}: wrong password{}, or the file is damaged",
        if *keepass { " (or key file)" } else { "" }
    )]
    WrongPassword {
        file: String,
        /// A KeePass database, which a key file may open too.
        keepass: bool,
    },

    /// An encrypted import needs a password and none was given.
    #[error("{}", password_required(file, *keepass))]
    PasswordRequired {
        file: String,
        /// A KeePass database, which may need a key file too.
        keepass: bool,
    },

    /// An import file is malformed or of no known format.
    #[error("{file}: {problem}")]
    ImportInvalid { file: String, problem: String },

    /// An import file is of a newer or unknown version.
    #[error("{file}: {problem}")]
    ImportUnsupported { file: String, problem: String },

    /// An encrypted import asks for key-derivation work outside the allowed bounds.
    #[error("{file}: {problem}; the file was not decrypted")]
    ImportKdfLimits { file: String, problem: String },

    /// An import has conflicts and no decision was given for some of them.
    #[error(
        "{count} conflicting secrets need a decision: replace, keep both or skip; nothing was imported"
    )]
    ConflictsUnresolved { count: usize },

    /// An import step came without an import to work on.
    #[error("there is no import to {step}; choose a file, a folder or paste text first")]
    NoImport { step: &'static str },

    /// The export target exists and overwriting was not asked for.
    #[error("{} already exists; choose another file or allow replacing it", path.display())]
    ExportExists { path: PathBuf },

    /// The export could not be produced.
    #[error("the export failed: {problem}")]
    ExportFailed { problem: String },

    /// The admin policy forbids the action.
    #[error("refused by policy: {reason} (setting `{setting}` in {})", file.display())]
    PolicyDenied {
        setting: &'static str,
        file: PathBuf,
        reason: String,
    },

    /// A policy file cannot be used, so governed actions fail closed.
    #[error("the policy file {} cannot be used: {problem}; exports and other governed actions are refused until an administrator fixes it", file.display())]
    PolicyInvalid { file: PathBuf, problem: String },

    /// The system clipboard cannot be used.
    #[error("the clipboard cannot be used ({detail})")]
    ClipboardUnavailable { detail: String },

    /// A caller passed an argument that cannot be right (e.g. a malformed id).
    #[error("invalid {what}")]
    InvalidArgument { what: &'static str },

    /// Another process holds the vault busy for too long.
    #[error("the vault at {} is busy (another Coffer is writing); try again", path.display())]
    Busy { path: PathBuf },

    /// A linked secret's provider did not give its value.
    #[error("provider {provider:?}: {detail}; {}", failure.advice())]
    LinkFailed {
        provider: String,
        failure: LinkFailure,
        /// What went wrong, in words (names and paths, never a value or a credential).
        detail: String,
    },

    /// No provider has that name.
    #[error("no provider named {name:?}; add it first")]
    ProviderNotFound { name: String },

    /// A provider of that name exists already.
    #[error(
        "a provider named {name:?} exists already; log in to it again, or choose another name"
    )]
    ProviderExists { name: String },

    /// A provider's settings are malformed.
    #[error("invalid provider: {reason}")]
    ProviderInvalid { reason: String },

    /// A provider that secrets are linked to cannot be removed.
    #[error("{count} secret{} linked to provider {name:?}; unlink or delete {} first", if *count == 1 { " is" } else { "s are" }, if *count == 1 { "it" } else { "them" })]
    ProviderInUse { name: String, count: usize },

    /// A provider has no credentials on this computer.
    #[error("provider {name:?} has no credentials on this computer (they are never exported or imported); log in to it")]
    ProviderLoginRequired { name: String },

    /// A link's location is malformed, or the secret is not linked.
    #[error("invalid link: {reason}")]
    LinkInvalid { reason: String },

    /// A linked secret's value cannot be changed in Coffer.
    #[error("secret {name:?} is linked to provider {provider:?}: its value lives there; change it there, or unlink the secret to keep a local copy and edit that")]
    LinkedValue { name: String, provider: String },

    /// A file operation failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The database engine reported an error not covered above.
    #[error("vault database error at {}: {source}", path.display())]
    Database {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

fn password_required(file: &str, keepass: bool) -> String {
    if keepass {
        format!("{file} is a KeePass database; its password (and its key file, if it has one) is needed to read it")
    } else {
        format!("{file} is encrypted; its password is needed to read it")
    }
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> Code {
        match self {
            Error::VaultNotFound { .. } => Code::VaultNotFound,
            Error::VaultExists { .. } => Code::VaultExists,
            Error::VaultCorrupt { .. } => Code::VaultCorrupt,
            Error::VaultTooNew { .. } => Code::VaultTooNew,
            Error::KeyTypo { .. } => Code::KeyTypo,
            Error::KeyFormat { .. } => Code::KeyFormat,
            Error::WrongKey => Code::WrongKey,
            Error::KeyUnavailable { .. } => Code::KeyUnavailable,
            Error::Locked => Code::Locked,
            Error::KeychainUnavailable { .. } => Code::KeychainUnavailable,
            Error::SecretNotFound { .. } => Code::SecretNotFound,
            Error::SecretDisabled { .. } => Code::SecretDisabled,
            Error::InvalidName { .. } => Code::InvalidName,
            Error::InvalidValue { .. } => Code::InvalidValue,
            Error::InvalidDomain { .. } => Code::InvalidDomain,
            Error::InvalidNote { .. } => Code::InvalidNote,
            Error::StaleRecord { .. } | Error::UndoStale { .. } => Code::StaleRecord,
            Error::SecretExists { .. } => Code::SecretExists,
            Error::NothingToUndo => Code::NothingToUndo,
            Error::InvalidSetting { .. } => Code::InvalidSetting,
            Error::RecordDamaged { .. } => Code::RecordDamaged,
            Error::RecordsTampered { .. } => Code::RecordsTampered,
            Error::ReferencesUnresolved { .. } => Code::ReferenceUnresolved,
            Error::InvalidUrl { .. } => Code::InvalidUrl,
            Error::TemplateInvalid { .. } => Code::TemplateInvalid,
            Error::HttpFailed { .. } => Code::HttpFailed,
            Error::WeakPassword { .. } => Code::WeakPassword,
            Error::WrongPassword { .. } => Code::WrongPassword,
            Error::PasswordRequired { .. } => Code::PasswordRequired,
            Error::ImportInvalid { .. } => Code::ImportInvalid,
            Error::ImportUnsupported { .. } => Code::ImportUnsupported,
            Error::ImportKdfLimits { .. } => Code::ImportKdfLimits,
            Error::ConflictsUnresolved { .. } => Code::ConflictsUnresolved,
            Error::NoImport { .. } => Code::NoImport,
            Error::ExportExists { .. } => Code::ExportExists,
            Error::ExportFailed { .. } => Code::ExportFailed,
            Error::PolicyDenied { .. } => Code::PolicyDenied,
            Error::PolicyInvalid { .. } => Code::PolicyInvalid,
            Error::ClipboardUnavailable { .. } => Code::ClipboardUnavailable,
            Error::InvalidArgument { .. } => Code::InvalidArgument,
            Error::Busy { .. } => Code::Busy,
            Error::Io { .. } => Code::Io,
            Error::LinkFailed { failure, .. } => match failure {
                LinkFailure::Unreachable => Code::ProviderUnreachable,
                LinkFailure::Tls => Code::ProviderTls,
                LinkFailure::AuthRefused => Code::ProviderAuthRefused,
                LinkFailure::AuthExpired => Code::ProviderAuthExpired,
                LinkFailure::RateLimited => Code::ProviderRateLimited,
                LinkFailure::Unavailable => Code::ProviderUnavailable,
                LinkFailure::PathMissing => Code::LinkPathMissing,
                LinkFailure::KeyMissing => Code::LinkKeyMissing,
                LinkFailure::VersionMissing => Code::LinkVersionMissing,
                LinkFailure::NotAString => Code::LinkNotAString,
            },
            Error::ProviderNotFound { .. } => Code::ProviderNotFound,
            Error::ProviderExists { .. } => Code::ProviderExists,
            Error::ProviderInvalid { .. } => Code::ProviderInvalid,
            Error::ProviderInUse { .. } => Code::ProviderInUse,
            Error::ProviderLoginRequired { .. } => Code::ProviderLoginRequired,
            Error::LinkInvalid { .. } => Code::LinkInvalid,
            Error::LinkedValue { .. } => Code::LinkedValue,
            Error::Database { .. } => Code::Database,
        }
    }

    /// Whether this error is about a linked secret's provider (a reference
    /// to it is then reported as unresolved, with the others).
    pub fn is_link_problem(&self) -> bool {
        matches!(
            self,
            Error::LinkFailed { .. }
                | Error::ProviderNotFound { .. }
                | Error::ProviderLoginRequired { .. }
                | Error::ProviderInvalid { .. }
                | Error::PolicyDenied {
                    setting: "links.allowed_providers" | "links.allowed_addresses",
                    ..
                }
        ) || matches!(self, Error::KeychainUnavailable { .. })
    }

    /// The error as it crosses IPC or is printed as JSON.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// `{ "code": "...", "message": "..." }`, the shape of every error outside Rust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    pub code: Code,
    pub message: String,
}

impl From<Error> for ErrorBody {
    fn from(e: Error) -> Self {
        e.body()
    }
}

/// Result with the core [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn plural_references(n: usize) -> String {
    if n == 1 {
        "1 reference".into()
    } else {
        format!("{n} references")
    }
}

fn join_problems(problems: &[crate::vault::Unresolved]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_json_shape_is_code_and_message() {
        let json = serde_json::to_value(Error::SecretNotFound { name: "api".into() }.body())
            .expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "code": "secret_not_found",
                "message": "no secret named \"api\"",
            })
        );
    }

    #[test]
    fn codes_are_distinct_snake_case_words() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(
                !text.is_empty()
                    && text.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    && !text.starts_with('_')
                    && !text.ends_with('_'),
                "{text}"
            );
            assert_eq!(
                serde_json::to_value(code).expect("serializes"),
                serde_json::json!(text)
            );
        }
    }

    #[test]
    fn messages_name_no_cli_flag_or_command() {
        let samples = [
            Error::VaultNotFound {
                path: "/v.db".into(),
            },
            Error::VaultExists {
                path: "/v.db".into(),
            },
            Error::VaultCorrupt {
                path: "/v.db".into(),
                detail: "x".into(),
            },
            Error::KeyUnavailable {
                reason: "none".into(),
            },
            Error::KeychainUnavailable {
                detail: "none".into(),
            },
            Error::SecretNotFound { name: "a".into() },
            Error::SecretDisabled { name: "a".into() },
            Error::PasswordRequired {
                file: "f".into(),
                keepass: false,
            },
            Error::ConflictsUnresolved { count: 2 },
            Error::NoImport { step: "apply" },
            Error::ExportExists {
                path: "/e.json".into(),
            },
            Error::RecordsTampered {
                path: "/v.db".into(),
            },
        ];
        for e in samples {
            let text = e.to_string();
            assert!(
                !text.contains("--") && !text.contains("coffer ") && !text.contains("COFFER_"),
                "{text}"
            );
        }
    }

    #[test]
    fn key_typo_names_the_group() {
        assert_eq!(
            Error::KeyTypo { group: 4 }.to_string(),
            "group 4 of the vault key looks mistyped; check it against your saved copy"
        );
    }
}
