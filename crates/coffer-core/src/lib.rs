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
//!   the write that sealed it, and field; a keyed record list catches a
//!   record rolled back, removed or added. Lookups by name go through an HMAC blind index,
//!   so reading one secret decrypts one record, and listing never decrypts a value.
//! - Names are not unique: the most recently written secret of a name is in
//!   effect and the others are *shadowed*.
//! - The key can live in the OS [`Keychain`].
//! - Export/import: Coffer files (Argon2id + AES-256-GCM, or plaintext),
//!   Postman environments, Bitwarden JSON and dotenv (one file each under
//!   `formats/`), read by [`read_import`], compared by
//!   [`Vault::import_preview`] and committed in one transaction by
//!   [`Vault::import_apply`] with a [`Decision`] per conflict.
//! - An admin [`Policy`] (system file, tightened by `COFFER_POLICY_FILE`) is
//!   read by the caller at each governed action and passed to what it
//!   governs: [`Vault::export`], [`read_import`], [`Keychain::new`].
//! - **Linked secrets** ([`linked`]): a secret may hold a link to a value
//!   kept in OpenBao / HashiCorp Vault or AWS Secrets Manager instead of a
//!   value; it is fetched when used, cached in memory only.
//! - Every failure is an [`Error`] with a stable [`Code`] from a closed set.

mod crypto;
mod error;
mod formats;
mod generator;
mod key;
mod keychain;
pub mod linked;
mod password;
mod paths;
mod policy;
mod private_file;
mod process;
pub mod reference;
mod secret;
mod store;
mod vault;

pub use error::{Code, Error, ErrorBody, Result};
pub use formats::{
    fuzz_import, read_env_file, read_import, read_import_with, read_key_file, Credentials,
    FileReport, Format, ImportSet, ImportSource, Incoming, IncomingLink, KdfParams, EXPORT_VERSION,
    EXPORT_VERSION_LINKS, FORMAT_NAME, IMPORT_MAX_ENTRIES, IMPORT_MAX_FILE_BYTES,
    KDBX_KEY_FILE_MAX_BYTES,
};
pub use generator::{generate_password, PasswordRecipe, GENERATED_MAX_CHARS, GENERATED_MIN_CHARS};
pub use key::{VaultKey, KEY_GROUPS, VAULT_KEY_LEN_BYTES};
pub use keychain::{Keychain, KEYCHAIN_SERVICE};
pub use password::{password_strength, ExportPassword, EXPORT_PASSWORD_MIN_CHARS};
pub use paths::{default_vault_path, VAULT_ENV, VAULT_FILE_NAME};
pub use policy::{
    system_policy_path, ExportKind, Policy, PolicyFailure, PolicySource, Setting, POLICY_ENV,
    POLICY_VERSION,
};
pub use private_file::write_private_file;
pub use process::disable_core_dumps;
pub use secret::{
    normalize_name, NewSecret, SecretId, SecretInfo, SecretPatch, Target, Timestamp, DOMAINS_MAX,
    NAME_MAX_CHARS, NOTE_MAX_CHARS, VALUE_MAX_BYTES,
};
pub use store::FORMAT_VERSION;
pub use vault::{
    Conflict, Decision, ExportRequest, IfExists, ImportSummary, LinkRequest, LinkTarget,
    PendingVault, PreparedExport, Preview, ReferenceCheck, Repeated, SetOutcome, Settings,
    SettingsInForce, Undo, UndoKind, Unresolved, Usage, Values, Vault, Why, AUTO_LOCK_MAX_MINUTES,
    CLIPBOARD_CLEAR_MAX_SECONDS, DATA_KEY_MAX_ENCRYPTIONS,
};

/// Re-exported so callers can build and read values without naming `secrecy`.
pub use secrecy::{ExposeSecret, SecretString};
