//! Finding the vault key: `--key-file`, `COFFER_VAULT_KEY`, the system
//! keychain, then a prompt on a terminal — first found wins.

use std::path::Path;

use coffer_core::{Error, Keychain, Policy, Vault, VaultKey};
use zeroize::Zeroizing;

/// Environment variable holding the vault key.
pub const KEY_ENV: &str = "COFFER_VAULT_KEY";

/// Where the key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeySource {
    KeyFile,
    Env,
    Keychain,
    Prompt,
}

/// Finds the key without asking anyone. `Ok(None)`: nothing found, with the
/// reasons gathered in `tried`.
pub fn find_key(
    vault: &Vault,
    key_file: Option<&Path>,
    tried: &mut Vec<String>,
) -> Result<Option<(VaultKey, KeySource)>, Error> {
    if let Some(file) = key_file {
        let text = std::fs::read_to_string(file)
            .map(Zeroizing::new)
            .map_err(|e| Error::KeyUnavailable {
                reason: format!("cannot read the key file {}: {e}", file.display()),
            })?;
        warn_if_shared(file);
        return VaultKey::parse(&text).map(|k| Some((k, KeySource::KeyFile)));
    }
    if let Some(text) = std::env::var_os(KEY_ENV) {
        let text = Zeroizing::new(text.to_string_lossy().into_owned());
        return VaultKey::parse(&text).map(|k| Some((k, KeySource::Env)));
    }
    tried.push(format!("no --key-file and no {KEY_ENV}"));
    if vault.keychain_enabled()? {
        match Keychain::new(&Policy::current()).load(&vault.id()) {
            Ok(Some(key)) => return Ok(Some((key, KeySource::Keychain))),
            Ok(None) => tried.push(format!(
                "the system keychain has no entry for vault {}",
                vault.id()
            )),
            Err(e) => tried.push(e.to_string()),
        }
    } else {
        tried.push("this vault does not keep its key in the keychain".into());
    }
    Ok(None)
}

/// Warns (on stderr, and goes on) when other users of this computer can read
/// the key file: whoever reads it opens the vault.
fn warn_if_shared(file: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(file) else {
            return;
        };
        if meta.permissions().mode() & 0o077 != 0 {
            let shown = file.display();
            eprintln!(
                "warning: other users of this computer can read the key file {shown}, and whoever reads it opens the vault; make it private: chmod 600 '{shown}'"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = file;
}

/// Unlocks `vault`, prompting on a terminal as a last resort.
pub fn unlock(vault: &mut Vault, key_file: Option<&Path>) -> Result<KeySource, Error> {
    let mut tried = Vec::new();
    let (key, source) = match find_key(vault, key_file, &mut tried)? {
        Some(found) => found,
        None if crate::input::interactive() => {
            let typed = rpassword::prompt_password("Vault key: ")
                .map(Zeroizing::new)
                .map_err(|e| Error::KeyUnavailable {
                    reason: format!("could not read it from the terminal: {e}"),
                })?;
            (VaultKey::parse(&typed)?, KeySource::Prompt)
        }
        None => {
            return Err(Error::KeyUnavailable {
                reason: tried.join("; "),
            })
        }
    };
    vault.unlock(&key)?;
    Ok(source)
}
