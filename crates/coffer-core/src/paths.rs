//! Where the vault lives.

use std::path::PathBuf;

/// File name of the vault inside the data directory.
pub const VAULT_FILE_NAME: &str = "vault.db";
/// Environment variable that names the vault file.
pub const VAULT_ENV: &str = "COFFER_VAULT";

/// The vault path: `COFFER_VAULT` if set, else `<platform data dir>/coffer/vault.db`
/// (`~/.local/share/coffer/vault.db` on Linux).
pub fn default_vault_path() -> PathBuf {
    if let Some(p) = std::env::var_os(VAULT_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("coffer")
        .join(VAULT_FILE_NAME)
}
