//! # coffer-core
//!
//! Everything Coffer does, without a window: the desktop app and the `coffer`
//! CLI are two thin faces over this crate.
//!
//! - A **vault** is one SQLite file ([`Vault`]). It opens locked; its
//!   [`VaultKey`] (32 random bytes, written as 13 checksummed groups so a typo
//!   is caught and located) unlocks it.
//! - The vault key derives a key-encryption key that wraps a blind-index key
//!   and the **data keys**. Each secret is two AES-256-GCM blobs, metadata and
//!   value, sealed under the newest data key with AAD binding vault, record,
//!   field and format version. Lookups by name go through an HMAC blind index,
//!   so reading one secret decrypts one record, and listing never decrypts a value.
//! - Names are not unique: the most recently written secret of a name is in
//!   effect and the others are *shadowed*.
//! - The key can live in the OS [`Keychain`].
//! - Export/import: Coffer files (Argon2id + AES-256-GCM, or plaintext),
//!   Postman environments and dotenv, read by [`read_import`], compared by
//!   [`Vault::import_preview`] and committed in one transaction by
//!   [`Vault::import_apply`] with a [`Decision`] per conflict.
//! - An admin [`Policy`] (system file, tightened by `COFFER_POLICY_FILE`) is
//!   read at each governed action: export, unencrypted import, keychain use.
//! - Every failure is an [`Error`] with a stable [`Error::code`].

mod crypto;
mod error;
mod key;
mod keychain;
mod paths;
mod policy;
mod process;
mod secret;
mod store;
mod transfer;
mod vault;

pub use error::{Error, ErrorBody, Result};
pub use key::{VaultKey, KEY_GROUPS, VAULT_KEY_LEN_BYTES};
pub use keychain::{Keychain, KEYCHAIN_SERVICE};
pub use paths::{default_vault_path, VAULT_ENV, VAULT_FILE_NAME};
pub use policy::{
    system_policy_path, ExportKind, Policy, PolicyFailure, Setting, POLICY_ENV, POLICY_VERSION,
};
pub use process::disable_core_dumps;
pub use secret::{
    normalize_name, NewSecret, SecretId, SecretInfo, SecretPatch, Target, Timestamp, DOMAINS_MAX,
    NAME_MAX_CHARS, NOTE_MAX_CHARS, VALUE_MAX_BYTES,
};
pub use store::FORMAT_VERSION;
pub use transfer::{
    fuzz_import, password_strength, read_import, write_export_file, ExportPassword, FileReport,
    Format, ImportSet, ImportSource, Incoming, KdfParams, EXPORT_PASSWORD_MIN_CHARS,
    EXPORT_VERSION, FORMAT_NAME, IMPORT_MAX_FILE_BYTES,
};
pub use vault::{
    Conflict, Decision, ExportRequest, ImportSummary, Preview, SetOutcome, Settings, Vault,
    DATA_KEY_MAX_ENCRYPTIONS,
};

/// Re-exported so callers can build and read values without naming `secrecy`.
pub use secrecy::{ExposeSecret, SecretString};
