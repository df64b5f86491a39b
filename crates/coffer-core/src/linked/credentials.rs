//! Where a provider's credentials are kept: the OS keychain (service
//! [`crate::KEYCHAIN_SERVICE`], account `provider/VAULT_ID/ID` with a random
//! id per provider), or sealed in the vault when
//! the keychain cannot be used or the policy forbids it. Never exported.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::ProviderCredentials;
use crate::error::{Error, Result};
use crate::policy::Policy;

/// Where a provider's credentials are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialStore {
    /// In the OS keychain.
    Keychain,
    /// Sealed in the vault.
    Vault,
    /// Nowhere on this computer (an imported provider): log in to it.
    None,
}

/// Credentials as they are written (keychain entry text, or sealed).
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Stored {
    VaultToken {
        token: Zeroizing<String>,
    },
    AppRoleSecretId {
        secret_id: Zeroizing<String>,
    },
    AwsKeys {
        access_key_id: String,
        secret_access_key: Zeroizing<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_token: Option<Zeroizing<String>>,
    },
    AwsProfile,
}

impl Stored {
    pub(crate) fn of(c: &ProviderCredentials) -> Stored {
        let z = |s: &SecretString| Zeroizing::new(s.expose_secret().to_owned());
        match c {
            ProviderCredentials::VaultToken(t) => Stored::VaultToken { token: z(t) },
            ProviderCredentials::AppRoleSecretId(s) => Stored::AppRoleSecretId { secret_id: z(s) },
            ProviderCredentials::AwsKeys {
                access_key_id,
                secret_access_key,
                session_token,
            } => Stored::AwsKeys {
                access_key_id: access_key_id.clone(),
                secret_access_key: z(secret_access_key),
                session_token: session_token.as_ref().map(z),
            },
            ProviderCredentials::AwsProfile => Stored::AwsProfile,
        }
    }

    pub(crate) fn credentials(&self) -> ProviderCredentials {
        let s = |z: &Zeroizing<String>| SecretString::from(z.to_string());
        match self {
            Stored::VaultToken { token } => ProviderCredentials::VaultToken(s(token)),
            Stored::AppRoleSecretId { secret_id } => {
                ProviderCredentials::AppRoleSecretId(s(secret_id))
            }
            Stored::AwsKeys {
                access_key_id,
                secret_access_key,
                session_token,
            } => ProviderCredentials::AwsKeys {
                access_key_id: access_key_id.clone(),
                secret_access_key: s(secret_access_key),
                session_token: session_token.as_ref().map(s),
            },
            Stored::AwsProfile => ProviderCredentials::AwsProfile,
        }
    }
}

/// `account` is the provider's own random id (or, for a provider kept
/// before ids were given, its name).
fn entry(vault_id: &str, account: &str) -> Result<keyring::Entry> {
    crate::keychain::persistent_entry(&format!("provider/{vault_id}/{account}"))
}

/// Writes the credentials to the keychain and reads them back; `Err` when
/// the policy forbids it or the keychain fails (the caller seals them in
/// the vault instead).
pub(crate) fn keep_in_keychain(
    policy: &Policy,
    vault_id: &str,
    account: &str,
    stored: &Stored,
) -> Result<()> {
    policy.check_keychain()?;
    let text =
        Zeroizing::new(
            serde_json::to_string(stored).map_err(|_| Error::KeychainUnavailable {
                detail: "the credentials could not be written out".into(),
            })?,
        );
    let entry = entry(vault_id, account)?;
    entry
        .set_password(&text)
        .map_err(crate::keychain::unavailable)?;
    let back = entry
        .get_password()
        .map(Zeroizing::new)
        .map_err(crate::keychain::unavailable)?;
    if *back != *text {
        let _ = entry.delete_credential();
        return Err(Error::KeychainUnavailable {
            detail: "an entry read back differs from what was written".into(),
        });
    }
    Ok(())
}

/// The credentials kept in the keychain, `None` when there is no entry.
pub(crate) fn load_from_keychain(
    policy: &Policy,
    vault_id: &str,
    account: &str,
) -> Result<Option<Stored>> {
    policy.check_keychain()?;
    match entry(vault_id, account)?.get_password() {
        Ok(text) => {
            let text = Zeroizing::new(text);
            serde_json::from_str(&text)
                .map(Some)
                .map_err(|_| Error::KeychainUnavailable {
                    detail: "a provider's keychain entry is not Coffer's".into(),
                })
        }
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(crate::keychain::unavailable(e)),
    }
}

/// Deletes the keychain entry, if there is one (always allowed).
///
/// Also used by a reset of the vault key for every account in the
/// vault's `keychain_accounts` list.
pub(crate) fn forget(vault_id: &str, account: &str) -> Result<()> {
    match entry(vault_id, account)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(crate::keychain::unavailable(e)),
    }
}
