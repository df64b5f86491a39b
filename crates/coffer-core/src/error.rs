//! The one error type of the core, with a stable code per variant.
//!
//! Messages name what is wrong and what to do next. They never contain a
//! secret value, a key or a password: only names, paths and counts.

use std::path::PathBuf;

use serde::Serialize;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// There is no vault file at the path.
    #[error("no vault at {}; create one with `coffer init`", path.display())]
    VaultNotFound { path: PathBuf },

    /// A vault (or some other file) already exists where a new vault was to be created.
    #[error("a file already exists at {}; it was left untouched (use `coffer reset` to start over with a new key)", path.display())]
    VaultExists { path: PathBuf },

    /// The file is not a Coffer vault, or it is damaged.
    #[error("{} is not a readable Coffer vault ({detail}); it was left untouched — restore it from a backup or point --vault elsewhere", path.display())]
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

    /// No vault key could be found: no key file, no environment variable, no keychain entry.
    #[error(
        "the vault key is not available: {reason}; pass --key-file FILE or set COFFER_VAULT_KEY"
    )]
    KeyUnavailable { reason: String },

    /// The vault is locked; unlock it first.
    #[error("the vault is locked; unlock it with its key first")]
    Locked,

    /// The operating system keychain cannot be used.
    #[error("the system keychain is not usable ({detail}); keep the vault key yourself (for example `coffer init --no-keychain`)")]
    KeychainUnavailable { detail: String },

    /// No secret of that name.
    #[error("no secret named {name:?}; `coffer list` shows the names")]
    SecretNotFound { name: String },

    /// The secret exists but is disabled.
    #[error("secret {name:?} is disabled; enable it with `coffer enable {name}` to use it")]
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

    /// A setting is out of range.
    #[error("invalid setting: {reason}")]
    InvalidSetting { reason: String },

    /// A stored record failed its integrity check.
    #[error("secret record {record} failed its integrity check: the vault file was modified or damaged; restore it from a backup")]
    RecordDamaged { record: String },

    /// An export password breaks the rules (length, guessability). Never carries the password.
    #[error("that export password is too weak: {reason}")]
    WeakPassword { reason: String },

    /// An encrypted import did not open with the password: wrong password or damaged file.
    #[error("{file}: wrong password, or the file is damaged")]
    WrongPassword { file: String },

    /// An encrypted import needs a password and none was given.
    #[error(
        "{file} is encrypted; give its password (--password-file FILE, or type it when asked)"
    )]
    PasswordRequired { file: String },

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
        "{count} conflicting secrets need a decision: replace, keep or skip (coffer import --on-conflict); nothing was imported"
    )]
    ConflictsUnresolved { count: usize },

    /// The export target exists and overwriting was not asked for.
    #[error("{} already exists; choose another file or allow overwriting (--force)", path.display())]
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

    /// Another process holds the vault busy for too long.
    #[error("the vault at {} is busy (another Coffer is writing); try again", path.display())]
    Busy { path: PathBuf },

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

impl Error {
    /// The stable, machine-readable code of this error (the UI and scripts switch on it).
    pub fn code(&self) -> &'static str {
        match self {
            Error::VaultNotFound { .. } => "vault_not_found",
            Error::VaultExists { .. } => "vault_exists",
            Error::VaultCorrupt { .. } => "vault_corrupt",
            Error::VaultTooNew { .. } => "vault_too_new",
            Error::KeyTypo { .. } => "key_typo",
            Error::KeyFormat { .. } => "key_format",
            Error::WrongKey => "wrong_key",
            Error::KeyUnavailable { .. } => "key_unavailable",
            Error::Locked => "locked",
            Error::KeychainUnavailable { .. } => "keychain_unavailable",
            Error::SecretNotFound { .. } => "secret_not_found",
            Error::SecretDisabled { .. } => "secret_disabled",
            Error::InvalidName { .. } => "invalid_name",
            Error::InvalidValue { .. } => "invalid_value",
            Error::InvalidDomain { .. } => "invalid_domain",
            Error::InvalidNote { .. } => "invalid_note",
            Error::StaleRecord { .. } => "stale_record",
            Error::InvalidSetting { .. } => "invalid_setting",
            Error::RecordDamaged { .. } => "record_damaged",
            Error::WeakPassword { .. } => "weak_password",
            Error::WrongPassword { .. } => "wrong_password",
            Error::PasswordRequired { .. } => "password_required",
            Error::ImportInvalid { .. } => "import_invalid",
            Error::ImportUnsupported { .. } => "import_unsupported",
            Error::ImportKdfLimits { .. } => "import_kdf_limits",
            Error::ConflictsUnresolved { .. } => "conflicts_unresolved",
            Error::ExportExists { .. } => "export_exists",
            Error::ExportFailed { .. } => "export_failed",
            Error::PolicyDenied { .. } => "policy_denied",
            Error::PolicyInvalid { .. } => "policy_invalid",
            Error::Busy { .. } => "busy",
            Error::Io { .. } => "io",
            Error::Database { .. } => "database",
        }
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
    pub code: &'static str,
    pub message: String,
}

/// Result with the core [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

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
                "message": "no secret named \"api\"; `coffer list` shows the names",
            })
        );
    }

    #[test]
    fn key_typo_names_the_group() {
        assert_eq!(
            Error::KeyTypo { group: 4 }.to_string(),
            "group 4 of the vault key looks mistyped; check it against your saved copy"
        );
    }
}
