//! The providers of linked secrets: sealed in `meta` under a key derived
//! from the blind-index key (so changing the vault key keeps them and a
//! reset drops them), their credentials in the keychain or sealed with
//! them, the policy linked secrets obey, and a client per provider in use.

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::records::Meta;
use super::Vault;
use crate::crypto::Cipher;
use crate::error::{Error, Result};
use crate::formats::ImportSet;
use crate::linked::credentials::{self, Stored};
use crate::linked::{
    CredentialStore, Provider, ProviderConfig, ProviderCredentials, ProviderInfo, ProviderKind,
    VaultAuth,
};
use crate::policy::Policy;
use crate::store::SqlResult;

/// The label of the key the providers are sealed under.
const BOOK_KEY_LABEL: &[u8] = b"coffer providers v1";

/// Every provider of the vault, as sealed.
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Book {
    providers: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    config: ProviderConfig,
    store: CredentialStore,
    /// The credentials, when they are kept in the vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<Stored>,
    /// The keychain account of the credentials (random, so that it names
    /// nothing and two processes adding one name never share an entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account: Option<String>,
}

impl Entry {
    /// The keychain account of this provider's credentials.
    fn account(&self) -> &str {
        self.account.as_deref().unwrap_or(&self.config.name)
    }
}

impl Book {
    fn find(&self, name: &str) -> Result<&Entry> {
        self.providers
            .iter()
            .find(|e| e.config.name == name)
            .ok_or_else(|| Error::ProviderNotFound {
                name: name.to_owned(),
            })
    }
}

/// Reads and writes the sealed providers: AES-256-GCM under a key derived
/// from the blind-index key, bound to the vault id.
pub(super) struct BookSealer {
    cipher: Cipher,
    aad: Vec<u8>,
}

impl BookSealer {
    fn read(&self, conn: &Connection, path: &Path) -> Result<Book> {
        let sealed: Option<Vec<u8>> = conn
            .query_row("SELECT value FROM meta WHERE key = 'providers'", [], |r| {
                r.get(0)
            })
            .optional()
            .at(path)?;
        let Some(sealed) = sealed else {
            return Ok(Book::default());
        };
        let damaged = || Error::VaultCorrupt {
            path: path.to_owned(),
            detail: "the providers of linked secrets fail their integrity check".into(),
        };
        let plain = self
            .cipher
            .open(&self.aad, &sealed)
            .map_err(|_| damaged())?;
        serde_json::from_slice(&plain).map_err(|_| damaged())
    }

    fn write(&self, conn: &Connection, path: &Path, book: &Book) -> Result<()> {
        let plain = zeroize::Zeroizing::new(serde_json::to_vec(book).map_err(|_| {
            Error::InvalidArgument {
                what: "provider settings",
            }
        })?);
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('providers', ?1)",
            params![self.cipher.seal(&self.aad, &plain)],
        )
        .at(path)?;
        // The keychain accounts in the clear (random ids, naming nothing), so
        // that a reset — which cannot open the providers — still removes them.
        let accounts: Vec<&str> = book
            .providers
            .iter()
            .filter(|e| e.store == CredentialStore::Keychain)
            .map(Entry::account)
            .collect();
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('keychain_accounts', ?1)",
            params![serde_json::to_string(&accounts).unwrap_or_default()],
        )
        .map(drop)
        .at(path)
    }

    /// Adds the providers of `incoming` that the vault lacks, without
    /// credentials (inside the caller's transaction).
    pub(super) fn add_missing(
        &self,
        conn: &Connection,
        path: &Path,
        incoming: &[ProviderConfig],
    ) -> Result<()> {
        if incoming.is_empty() {
            return Ok(());
        }
        let mut book = self.read(conn, path)?;
        let before = book.providers.len();
        for p in incoming {
            if book.find(&p.name).is_err() {
                book.providers.push(Entry {
                    config: p.clone(),
                    store: CredentialStore::None,
                    sealed: None,
                    account: None,
                });
            }
        }
        if book.providers.len() == before {
            return Ok(());
        }
        self.write(conn, path, &book)
    }
}

impl Vault {
    pub(super) fn book_sealer(&self) -> Result<BookSealer> {
        let keys = self.unlocked.as_ref().ok_or(Error::Locked)?;
        let mut aad = b"coffer-providers\0".to_vec();
        aad.extend_from_slice(&self.id);
        Ok(BookSealer {
            cipher: keys.index.derive(BOOK_KEY_LABEL).cipher(),
            aad,
        })
    }

    /// The settings of provider `name`.
    pub(super) fn provider_config(&self, name: &str) -> Result<ProviderConfig> {
        Ok(self.read_book()?.find(name)?.config.clone())
    }

    fn read_book(&self) -> Result<Book> {
        self.book_sealer()?.read(&self.conn, &self.path)
    }

    /// Reads, changes and writes the providers in one transaction.
    fn change_book<T>(&mut self, f: impl FnOnce(&mut Book) -> Result<T>) -> Result<T> {
        let sealer = self.book_sealer()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        let mut book = sealer.read(&tx, &self.path)?;
        let out = f(&mut book)?;
        sealer.write(&tx, &self.path, &book)?;
        tx.commit().at(&self.path)?;
        Ok(out)
    }

    /// The providers an import's links name, once each; one that exists
    /// here must be of the same kind.
    pub(super) fn incoming_providers(&self, set: &ImportSet) -> Result<Vec<ProviderConfig>> {
        let book = self.read_book()?;
        let mut out: Vec<ProviderConfig> = Vec::new();
        for item in &set.secrets {
            let Some(incoming) = &item.link else { continue };
            let p = &incoming.provider;
            if let Ok(here) = book.find(&p.name) {
                if here.config.kind() != p.kind() {
                    return Err(Error::LinkInvalid {
                        reason: format!(
                            "the import links {:?} to a {} provider named {:?}, but {:?} here is a {} provider; rename one of them",
                            item.name,
                            p.kind().name(),
                            p.name,
                            p.name,
                            here.config.kind().name()
                        ),
                    });
                }
                continue;
            }
            if !out.iter().any(|o| o.name == p.name) {
                out.push(p.clone());
            }
        }
        Ok(out)
    }

    /// The providers an import would add (without credentials), as listed.
    pub(super) fn providers_to_add(&self, set: &ImportSet) -> Result<Vec<ProviderInfo>> {
        let counts: Vec<(String, usize)> = Vec::new();
        Ok(self
            .incoming_providers(set)?
            .into_iter()
            .map(|config| {
                let mut info = self.provider_info(
                    &Entry {
                        config,
                        store: CredentialStore::None,
                        sealed: None,
                        account: None,
                    },
                    &counts,
                );
                info.linked_secrets = set
                    .secrets
                    .iter()
                    .filter(|s| {
                        s.link
                            .as_ref()
                            .is_some_and(|l| l.provider.name == info.name)
                    })
                    .count();
                info
            })
            .collect())
    }

    /// The policy linked secrets obey in this session.
    pub(super) fn link_policy(&mut self) -> &Policy {
        self.linked.policy.get_or_insert_with(Policy::current)
    }

    /// Sets the policy linked secrets obey from now on (a caller that read
    /// it already, or a test); otherwise it is read at first use.
    pub fn set_link_policy(&mut self, policy: Policy) {
        if self.linked.policy.as_ref() != Some(&policy) {
            // Clients and values were had under the old rules.
            self.linked.clients.clear();
            self.linked.cache.clear();
            self.linked.policy = Some(policy);
        }
    }

    /// How long fetched values are kept in memory (default one hour; zero: not kept).
    pub fn set_link_cache_ttl(&mut self, ttl: Duration) {
        self.linked.cache.set_ttl(ttl);
    }

    /// How long fetched values are kept in memory.
    pub fn link_cache_ttl(&self) -> Duration {
        self.linked.cache.ttl()
    }

    /// Forgets every fetched value; returns how many secrets were cached.
    pub fn reset_link_cache(&mut self) -> usize {
        self.linked.cache.clear()
    }

    /// Every provider, with how many secrets link to it.
    pub fn providers(&mut self) -> Result<Vec<ProviderInfo>> {
        let book = self.read_book()?;
        let counts = self.link_counts()?;
        Ok(book
            .providers
            .iter()
            .map(|e| self.provider_info(e, &counts))
            .collect())
    }

    fn provider_info(&self, e: &Entry, counts: &[(String, usize)]) -> ProviderInfo {
        let c = &e.config;
        let (namespace, region, profile, auth, custom_ca) = match &c.kind {
            ProviderKind::Vault {
                namespace,
                auth,
                ca_pem,
                ..
            } => (
                namespace.clone(),
                None,
                None,
                match auth {
                    VaultAuth::Token => "token",
                    VaultAuth::AppRole { .. } => "approle",
                },
                ca_pem.is_some(),
            ),
            ProviderKind::Aws {
                region,
                profile,
                ca_pem,
                ..
            } => (
                None,
                Some(region.clone()),
                profile.clone(),
                if profile.is_some() { "profile" } else { "keys" },
                ca_pem.is_some(),
            ),
        };
        ProviderInfo {
            name: c.name.clone(),
            kind: c.kind(),
            address: c.address(),
            namespace,
            region,
            profile,
            auth,
            custom_ca,
            credentials: e.store,
            linked_secrets: counts
                .iter()
                .find(|(p, _)| *p == c.name)
                .map_or(0, |(_, n)| *n),
            last_error: self.linked.last_errors.get(&c.name).cloned(),
        }
    }

    /// How many secrets link to each provider.
    fn link_counts(&mut self) -> Result<Vec<(String, usize)>> {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for s in self.list()? {
            if let Some(l) = s.linked {
                match counts.iter_mut().find(|(p, _)| *p == l.provider) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((l.provider, 1)),
                }
            }
        }
        Ok(counts)
    }

    /// Adds a provider: checks its settings and the policy, logs in once
    /// (so wrong credentials are found now), and keeps the credentials in
    /// the keychain — or sealed in the vault when the keychain cannot be
    /// used. Returns how it was kept.
    pub fn add_provider(
        &mut self,
        mut config: ProviderConfig,
        credentials: ProviderCredentials,
    ) -> Result<ProviderInfo> {
        config.check()?;
        self.link_policy()
            .clone()
            .check_provider(config.kind(), &config.address())?;
        if self.read_book()?.find(&config.name).is_ok() {
            return Err(Error::ProviderExists { name: config.name });
        }
        self.keep_provider(&mut config, credentials, true)
    }

    /// Gives a provider new credentials (after they expired, or on a new
    /// computer after an import), checking them by logging in once.
    pub fn login_provider(
        &mut self,
        name: &str,
        credentials: ProviderCredentials,
    ) -> Result<ProviderInfo> {
        let mut config = self.read_book()?.find(name)?.config.clone();
        self.link_policy()
            .clone()
            .check_provider(config.kind(), &config.address())?;
        self.keep_provider(&mut config, credentials, false)
    }

    fn keep_provider(
        &mut self,
        config: &mut ProviderConfig,
        credentials: ProviderCredentials,
        new: bool,
    ) -> Result<ProviderInfo> {
        let stored = Stored::of(&credentials);
        let mut client = Provider::new(config, credentials)?;
        if let Err(e) = client.login() {
            return Err(e.into_error(&config.name));
        }
        if let (Provider::Vault(c), ProviderKind::Vault { token_expires, .. }) =
            (&client, &mut config.kind)
        {
            *token_expires = c.token_expires();
        }
        let policy = self.link_policy().clone();
        let vault_id = self.id();
        // New credentials always go to a new random account, so that until the
        // book names it the old credentials stay as they were: a failed write
        // here, or another process logging in at the same time, never leaves
        // the book naming an entry with other credentials in it.
        let account = crate::secret::SecretId(crate::crypto::random_id()).to_string();
        let in_keychain = !matches!(stored, Stored::AwsProfile)
            && credentials::keep_in_keychain(&policy, &vault_id, &account, &stored).is_ok();
        let (store, sealed) = match (&stored, in_keychain) {
            (Stored::AwsProfile, _) => (CredentialStore::Vault, Some(stored)),
            (_, true) => (CredentialStore::Keychain, None),
            (_, false) => (CredentialStore::Vault, Some(stored)),
        };
        let name = config.name.clone();
        let entry = Entry {
            config: config.clone(),
            store,
            sealed,
            account: Some(account.clone()),
        };
        // The entry replaced, as the book holds it when the write commits.
        let replaced = self
            .change_book(|book| {
                let existing = book.providers.iter().position(|e| e.config.name == name);
                match (existing, new) {
                    (Some(_), true) => Err(Error::ProviderExists { name: name.clone() }),
                    (None, false) => Err(Error::ProviderNotFound { name: name.clone() }),
                    (Some(i), false) => Ok(Some(std::mem::replace(&mut book.providers[i], entry))),
                    (None, true) => {
                        book.providers.push(entry);
                        Ok(None)
                    }
                }
            })
            .inspect_err(|_| {
                if in_keychain {
                    let _ = credentials::forget(&vault_id, &account);
                }
            })?;
        if let Some(old) = replaced.filter(|old| old.store == CredentialStore::Keychain) {
            // Best effort: the book no longer names it.
            let _ = credentials::forget(&vault_id, old.account());
        }
        self.linked.cache.forget_provider(&name);
        self.linked.last_errors.remove(&name);
        self.linked.clients.insert(name.clone(), (account, client));
        let book = self.read_book()?;
        let counts = self.link_counts()?;
        Ok(self.provider_info(book.find(&name)?, &counts))
    }

    /// Removes a provider and its credentials; refused while secrets link to it.
    pub fn remove_provider(&mut self, name: &str) -> Result<()> {
        let count = self
            .link_counts()?
            .into_iter()
            .find(|(p, _)| p == name)
            .map_or(0, |(_, n)| n);
        if count > 0 {
            return Err(Error::ProviderInUse {
                name: name.to_owned(),
                count,
            });
        }
        // The keychain entry goes first: if the keychain fails, nothing is removed.
        let book = self.read_book()?;
        let entry = book.find(name)?;
        if entry.store == CredentialStore::Keychain {
            match credentials::forget(&self.id(), entry.account()) {
                // A keychain that cannot be reached here (a copied vault, a
                // headless session) must not keep the provider forever.
                Ok(()) | Err(Error::KeychainUnavailable { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.change_book(|book| {
            let before = book.providers.len();
            book.providers.retain(|e| e.config.name != name);
            if book.providers.len() == before {
                return Err(Error::ProviderNotFound {
                    name: name.to_owned(),
                });
            }
            Ok(())
        })?;
        self.linked.clients.remove(name);
        self.linked.cache.forget_provider(name);
        self.linked.last_errors.remove(name);
        Ok(())
    }

    /// The client of provider `name`, made on first use and made again when
    /// the book names other credentials (changed by another process).
    pub(super) fn client(&mut self, name: &str) -> Result<&mut Provider> {
        let book = self.read_book()?;
        let entry = match book.find(name) {
            Ok(entry) => entry,
            Err(e) => {
                self.linked.clients.remove(name);
                return Err(e);
            }
        };
        let current = self
            .linked
            .clients
            .get(name)
            .is_some_and(|(account, _)| account == entry.account());
        if !current {
            self.link_policy()
                .clone()
                .check_provider(entry.config.kind(), &entry.config.address())?;
            let stored = match (&entry.store, &entry.sealed) {
                (CredentialStore::Vault, Some(s)) => Some(s.credentials()),
                (CredentialStore::Keychain, _) => {
                    let policy = self.link_policy().clone();
                    credentials::load_from_keychain(&policy, &self.id(), entry.account())?
                        .map(|s| s.credentials())
                }
                _ => None,
            };
            let Some(credentials) = stored else {
                return Err(Error::ProviderLoginRequired {
                    name: name.to_owned(),
                });
            };
            let client = Provider::new(&entry.config, credentials)?;
            self.linked
                .clients
                .insert(name.to_owned(), (entry.account().to_owned(), client));
        }
        self.linked
            .clients
            .get_mut(name)
            .map(|(_, client)| client)
            .ok_or_else(|| Error::ProviderNotFound {
                name: name.to_owned(),
            })
    }

    /// The settings of every provider that `records` link to, in the order
    /// first named (for an export).
    pub(super) fn linked_providers(
        &self,
        records: &[(Meta, SecretString)],
    ) -> Result<Vec<ProviderConfig>> {
        let mut names: Vec<&str> = Vec::new();
        for (meta, _) in records {
            if let Some(link) = &meta.link {
                if !names.contains(&link.provider.as_str()) {
                    names.push(&link.provider);
                }
            }
        }
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let book = self.read_book()?;
        names
            .into_iter()
            .map(|n| book.find(n).map(|e| e.config.clone()))
            .collect()
    }
}
