//! The vault key in the operating system's keychain: service `coffer`,
//! account = the vault id, value = the key's written form.
//!
//! The store is the platform's persistent one (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows), chosen by the crate's
//! per-OS `keyring` features; there is no in-memory fallback.

use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::key::VaultKey;
use crate::policy::Policy;
use crate::vault::Vault;

/// The keychain service name of every Coffer entry.
pub const KEYCHAIN_SERVICE: &str = "coffer";

/// The system keychain, as the admin policy allows it: storing and loading
/// obey `keychain.allowed`; forgetting an entry is always allowed.
#[derive(Debug, Clone, Copy)]
pub struct Keychain<'p> {
    policy: &'p Policy,
}

impl<'p> Keychain<'p> {
    /// The keychain under `policy` (read at the moment of the action).
    pub fn new(policy: &'p Policy) -> Self {
        Keychain { policy }
    }

    /// Writes, reads back and deletes a probe entry, so a keychain that
    /// accepts writes but loses them (or cannot be read) is found out
    /// before a vault key is trusted to it.
    pub fn self_test(&self) -> Result<()> {
        self.policy.check_keychain()?;
        let account = format!(
            "self-test-{}",
            crate::secret::SecretId(crate::crypto::random_id())
        );
        let probe = format!("{account}-probe");
        let entry = entry(&account)?;
        entry.set_password(&probe).map_err(unavailable)?;
        let read = entry.get_password().map(Zeroizing::new);
        let deleted = entry.delete_credential();
        let read = read.map_err(unavailable)?;
        deleted.map_err(unavailable)?;
        if *read != probe {
            return Err(Error::KeychainUnavailable {
                detail: "an entry read back differs from what was written".into(),
            });
        }
        match entry.get_password() {
            Err(keyring::Error::NoEntry) => Ok(()),
            _ => Err(Error::KeychainUnavailable {
                detail: "a deleted entry can still be read".into(),
            }),
        }
    }

    /// Stores (or replaces) the key of vault `vault_id`.
    pub fn store(&self, vault_id: &str, key: &VaultKey) -> Result<()> {
        self.policy.check_keychain()?;
        let text: SecretString = key.to_text();
        entry(vault_id)?
            .set_password(text.expose_secret())
            .map_err(unavailable)
    }

    /// The key of vault `vault_id`, or `None` when the keychain has no entry for it.
    pub fn load(&self, vault_id: &str) -> Result<Option<VaultKey>> {
        self.policy.check_keychain()?;
        match entry(vault_id)?.get_password() {
            Ok(text) => {
                let text = Zeroizing::new(text);
                VaultKey::parse(&text)
                    .map(Some)
                    .map_err(|_| Error::KeychainUnavailable {
                        detail: format!(
                            "the keychain entry of vault {vault_id} is not a vault key"
                        ),
                    })
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Keeps `key` in the keychain for `vault` and records that the vault does:
    /// checks first that the key opens this vault, then that the keychain
    /// works (policy and write-read-delete self-test).
    pub fn keep(&self, vault: &mut Vault, key: &VaultKey) -> Result<()> {
        self.check_and_store(vault.path(), &vault.id(), key)?;
        vault.set_keychain_enabled(true)
    }

    /// The keychain part of [`Keychain::keep`], for a caller that holds the
    /// vault behind a lock and must not hold it across keychain calls (an
    /// unlock prompt may wait for the user): checks that `key` opens the vault
    /// at `vault_path` (a connection of its own), that the keychain works, and
    /// stores the key. Recording it in the vault is the caller's next step.
    pub fn check_and_store(&self, vault_path: &Path, vault_id: &str, key: &VaultKey) -> Result<()> {
        Vault::open(vault_path)?.unlock(key)?;
        self.self_test()?;
        self.store(vault_id, key)
    }

    /// Removes the vault's entry (if any) and records that its key is not in
    /// the keychain; the record is written even if the removal fails.
    pub fn stop_keeping(&self, vault: &mut Vault) -> Result<()> {
        let forgot = self.forget(&vault.id());
        vault.set_keychain_enabled(false)?;
        forgot.map(drop)
    }

    /// Deletes the entry of vault `vault_id`; true if there was one.
    pub fn forget(&self, vault_id: &str) -> Result<bool> {
        match entry(vault_id)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }
}

fn entry(account: &str) -> Result<keyring::Entry> {
    persistent_entry(account)
}

/// The keychain entry of `account` under [`KEYCHAIN_SERVICE`], refused when
/// only keyring's in-memory mock store is compiled in.
pub(crate) fn persistent_entry(account: &str) -> Result<keyring::Entry> {
    let entry = keyring::Entry::new(KEYCHAIN_SERVICE, account).map_err(unavailable)?;
    if entry
        .get_credential()
        .downcast_ref::<keyring::mock::MockCredential>()
        .is_some()
    {
        // keyring's in-memory mock would "keep" a vault key until the process exits.
        return Err(Error::KeychainUnavailable {
            detail: "this build has no persistent keychain store for this operating system".into(),
        });
    }
    Ok(entry)
}

/// keyring's errors carry platform detail but never the stored secret.
pub(crate) fn unavailable(e: keyring::Error) -> Error {
    Error::KeychainUnavailable {
        detail: match e {
            keyring::Error::NoStorageAccess(inner) => format!("no access to the keychain: {inner}"),
            keyring::Error::PlatformFailure(inner) => format!("keychain failure: {inner}"),
            other => other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn linux_builds_use_the_secret_service_not_the_mock_store() {
        let entry = entry("coffer-unit-test").expect("a persistent store is compiled in");
        assert!(entry
            .get_credential()
            .downcast_ref::<keyring::secret_service::SsCredential>()
            .is_some());
    }

    #[test]
    fn keep_refuses_a_key_of_another_vault_before_touching_the_keychain() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut vault, _key) = Vault::create(&dir.path().join("v.db"), false).expect("create");
        let err = Keychain::new(&Policy::default())
            .keep(&mut vault, &VaultKey::generate())
            .expect_err("wrong key");
        assert_eq!(err.code(), "wrong_key");
        assert!(!vault.keychain_enabled().expect("flag"));
    }

    #[test]
    fn keychain_errors_never_carry_a_stored_value() {
        let err = unavailable(keyring::Error::BadEncoding(b"sk_live_secret".to_vec()));
        assert_eq!(err.code(), "keychain_unavailable");
        assert!(!err.to_string().contains("sk_live_secret"), "{err}");
    }
}
