//! Linked secrets in the vault: linking and unlinking secrets, and fetching
//! a linked value through the session's cache (the providers themselves
//! are in `providers.rs`).

use secrecy::{ExposeSecret, SecretString};

use super::records::{info, Meta, Sealed};
use super::Vault;
use crate::error::{Error, Result};
use crate::linked::{Link, Location, Provider};
use crate::secret::{normalize_domains, normalize_name, SecretInfo, Target, Timestamp};

/// What [`Vault::link`] links, and how.
#[derive(Debug, Clone)]
pub struct LinkRequest {
    /// The secret's name: a new secret, or an existing one whose value becomes the link.
    pub name: String,
    pub provider: String,
    pub target: LinkTarget,
    /// `None`: as the existing secret has them (none for a new one).
    pub allowed_domains: Option<Vec<String>>,
    pub note: Option<String>,
    pub enabled: Option<bool>,
    /// Fetch the value once before linking (and, for OpenBao / Vault, find
    /// the KV mount and its version). Without it the link is stored as given.
    pub check: bool,
}

/// The place a link points at, as a person gives it.
#[derive(Debug, Clone)]
pub enum LinkTarget {
    Vault {
        /// `MOUNT/PATH`, e.g. `secret/app/db`.
        path: String,
        key: String,
        version: Option<u64>,
        /// Skips detection (needed without `check`): the mount is then the first segment.
        kv_version: Option<u8>,
    },
    Aws {
        secret_id: String,
        region: Option<String>,
        json_key: Option<String>,
        version_stage: Option<String>,
        version_id: Option<String>,
    },
}

impl Vault {
    /// The value of `link`: from the cache while it is fresh, else fetched.
    pub(super) fn linked_value(&mut self, link: &Link, fresh: bool) -> Result<SecretString> {
        let result = self.fetch_link_value(link, fresh);
        let key = link_key(link);
        match &result {
            Err(e) if e.is_link_problem() || e.code() == crate::Code::PolicyDenied => {
                self.linked.link_problems.insert(key, e.body());
            }
            _ => {
                self.linked.link_problems.remove(&key);
            }
        }
        result
    }

    /// [`Vault::linked_value`], before its outcome is remembered for the list.
    fn fetch_link_value(&mut self, link: &Link, fresh: bool) -> Result<SecretString> {
        let place = place_name(&link.location);
        let key = match &link.location {
            Location::Vault { key, .. } => Some(key.as_str()),
            Location::Aws { json_key, .. } => json_key.as_deref(),
        };
        // The policy, at every use (a cached value too): the provider's kind,
        // and the address this very request would go to.
        let config = self.provider_config(&link.provider)?;
        let allowed = self
            .link_policy()
            .check_provider(config.kind(), &config.address_for(&link.location));
        if let Err(e) = allowed {
            self.linked
                .last_errors
                .insert(link.provider.clone(), e.body());
            return Err(e);
        }
        if !fresh {
            if let Some(cached) = self.linked.cache.get(&link.provider, &link.location) {
                return cached
                    .value(key, &place)
                    .map_err(|e| e.into_error(&link.provider));
            }
        }
        let fetched = match self.client(&link.provider) {
            Ok(client) => client.fetch(&link.location),
            Err(e) => {
                self.linked
                    .last_errors
                    .insert(link.provider.clone(), e.body());
                return Err(e);
            }
        };
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) => {
                let e = e.into_error(&link.provider);
                self.linked
                    .last_errors
                    .insert(link.provider.clone(), e.body());
                return Err(e);
            }
        };
        self.linked.last_errors.remove(&link.provider);
        let value = fetched.value(key, &place);
        self.linked
            .cache
            .put(&link.provider, &link.location, fetched);
        value.map_err(|e| e.into_error(&link.provider))
    }

    /// Checks a link before it is made: finds the place in `provider` and
    /// fetches its value once, past the cache (the app's "Test"). Returns
    /// where it points, written out; the value stays here.
    pub fn test_link_target(&mut self, provider: &str, target: &LinkTarget) -> Result<String> {
        let location = self.locate(provider, target, true)?;
        let link = Link {
            provider: provider.to_owned(),
            location,
        };
        self.linked_value(&link, true)?;
        Ok(link.location.to_string())
    }

    /// The value of a record: opened, or fetched when it is linked.
    pub(super) fn value_of(&mut self, row: &Sealed, meta: &Meta) -> Result<SecretString> {
        match &meta.link {
            Some(link) => self.linked_value(link, false),
            None => self.open_value(row),
        }
    }

    /// The [`Location`] a request names, looked up in the provider when asked to check.
    fn locate(&mut self, provider: &str, target: &LinkTarget, check: bool) -> Result<Location> {
        let location = match target {
            LinkTarget::Vault {
                path,
                key,
                version,
                kv_version,
            } => {
                let path = path.trim_matches('/');
                match (check, kv_version) {
                    (true, _) => {
                        let detected = match self.client(provider)? {
                            Provider::Vault(c) => c.detect(path).map_err(|e| e.into_error(provider))?,
                            Provider::Aws(_) => {
                                return Err(Error::LinkInvalid {
                                    reason: format!("{provider} is an AWS provider: link a secret id, not a path and key"),
                                })
                            }
                        };
                        if kv_version.is_some_and(|v| v != detected.kv_version) {
                            return Err(Error::LinkInvalid {
                                reason: format!(
                                    "the mount {} is KV version {}",
                                    detected.mount, detected.kv_version
                                ),
                            });
                        }
                        Location::Vault {
                            mount: detected.mount,
                            path: detected.path,
                            key: key.clone(),
                            kv_version: detected.kv_version,
                            version: *version,
                        }
                    }
                    (false, v) => {
                        let (mount, rest) = path.split_once('/').ok_or_else(|| Error::LinkInvalid {
                            reason: format!("{path:?} has no mount; write it as MOUNT/PATH, e.g. secret/app/db"),
                        })?;
                        Location::Vault {
                            mount: mount.to_owned(),
                            path: rest.to_owned(),
                            key: key.clone(),
                            kv_version: v.unwrap_or(2),
                            version: *version,
                        }
                    }
                }
            }
            LinkTarget::Aws {
                secret_id,
                region,
                json_key,
                version_stage,
                version_id,
            } => Location::Aws {
                secret_id: secret_id.clone(),
                region: region.clone(),
                json_key: json_key.clone(),
                version_stage: version_stage.clone(),
                version_id: version_id.clone(),
            },
        };
        location.check()?;
        let kind = self.provider_config(provider)?.kind();
        if kind != location.kind() {
            return Err(Error::LinkInvalid {
                reason: format!(
                    "{provider} is a {} provider; this link is for a {} provider",
                    kind.name(),
                    location.kind().name()
                ),
            });
        }
        Ok(location)
    }

    /// Links a secret: a new one, or the secret in effect of that name,
    /// whose local value is then replaced by the link.
    pub fn link(&mut self, request: LinkRequest) -> Result<SecretInfo> {
        let mut linked = self.link_many(vec![request])?;
        Ok(linked.remove(0))
    }

    /// Links many secrets, all or none: every link is located (and, when
    /// asked, fetched once) before one transaction writes them all.
    pub fn link_many(&mut self, requests: Vec<LinkRequest>) -> Result<Vec<SecretInfo>> {
        let now = Timestamp::now().0;
        let mut prepared = Vec::with_capacity(requests.len());
        let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut checked: std::collections::HashSet<(String, String)> =
            std::collections::HashSet::new();
        for request in requests {
            let name = normalize_name(&request.name)?;
            if !names.insert(name.clone()) {
                return Err(Error::LinkInvalid {
                    reason: format!("{name:?} is linked twice; give each secret one link"),
                });
            }
            let location = self.locate(&request.provider, &request.target, request.check)?;
            let link = Link {
                provider: request.provider.clone(),
                location,
            };
            if request.check {
                // Each secret is fetched once for the whole request: its
                // other keys are checked against what that fetch brought.
                let fresh = checked.insert((
                    link.provider.clone(),
                    crate::linked::cache::place_of(&link.location),
                ));
                self.linked_value(&link, fresh).map_err(|e| match e {
                    Error::LinkFailed {
                        provider,
                        failure,
                        detail,
                    } => Error::LinkFailed {
                        provider,
                        failure,
                        detail: format!("{detail} (linking {name:?})"),
                    },
                    other => other,
                })?;
            }
            let domains = request
                .allowed_domains
                .as_deref()
                .map(normalize_domains)
                .transpose()?;
            if let Some(note) = &request.note {
                crate::secret::check_note(note)?;
            }
            let existing = match self.find(Target::Name(&name)) {
                Ok((row, old, _)) => Some((row, old)),
                Err(Error::SecretNotFound { .. }) => None,
                Err(e) => return Err(e),
            };
            let meta = match &existing {
                Some((_, old)) => Meta {
                    name: old.name.clone(),
                    enabled: request.enabled.unwrap_or(old.enabled),
                    domains: domains.unwrap_or_else(|| old.domains.clone()),
                    note: request.note.unwrap_or_else(|| old.note.clone()),
                    created: old.created,
                    updated: now,
                    link: Some(link),
                },
                None => Meta {
                    name,
                    enabled: request.enabled.unwrap_or(true),
                    domains: domains.unwrap_or_default(),
                    note: request.note.unwrap_or_default(),
                    created: now,
                    updated: now,
                    link: Some(link),
                },
            };
            prepared.push((existing.map(|(row, _)| row), meta));
        }
        let seals = 2 * prepared.len() as u64;
        self.write(seals, |w| {
            w.expect_writes(prepared.len())?;
            let mut out = Vec::with_capacity(prepared.len());
            for (row, meta) in prepared {
                let id = match &row {
                    Some(row) => {
                        w.check_unchanged(row, &meta.name)?;
                        w.delete(&row.id)?;
                        row.id
                    }
                    None => crate::crypto::random_id(),
                };
                w.put(&id, &meta, "")?;
                out.push(info(id, meta, false));
            }
            Ok(out)
        })
    }

    /// Every key of the Vault KV secret at `path` of `provider` (for
    /// linking them all at once). Names only; the values stay cached.
    pub fn provider_keys(
        &mut self,
        provider: &str,
        path: &str,
        version: Option<u64>,
    ) -> Result<Vec<String>> {
        let location = self.locate(
            provider,
            &LinkTarget::Vault {
                path: path.to_owned(),
                key: "*".to_owned(),
                version,
                kv_version: None,
            },
            true,
        )?;
        let fetched = match self.client(provider)?.fetch(&location) {
            Ok(f) => f,
            Err(e) => return Err(e.into_error(provider)),
        };
        let keys = match &fetched {
            crate::linked::Fetched::Map(pieces) => pieces.0.keys().cloned().collect(),
            _ => Vec::new(),
        };
        self.linked.cache.put(provider, &location, fetched);
        Ok(keys)
    }

    /// Publishes a local secret — the one in effect for its name; a shadowed
    /// one is refused, as its link would go to the one in effect: writes its
    /// value to `place` of `provider` (a key of a Vault KV secret, its other
    /// keys kept; or an AWS secret, made if it is not there) and links that
    /// secret to it, so a team shares it through their vault. The link is
    /// checked by reading the value back.
    pub fn publish(
        &mut self,
        target: Target<'_>,
        provider: &str,
        place: LinkTarget,
    ) -> Result<SecretInfo> {
        let (row, meta, shadowed) = self.find(target)?;
        if shadowed {
            return Err(Error::LinkInvalid {
                reason: format!(
                    "this {:?} is shadowed by a newer secret of that name; only the one in effect can be published",
                    meta.name
                ),
            });
        }
        if let Some(link) = &meta.link {
            return Err(Error::LinkInvalid {
                reason: format!(
                    "secret {:?} is already linked to {}; there is no local value to publish",
                    meta.name, link.provider
                ),
            });
        }
        if let LinkTarget::Aws {
            version_stage: Some(_),
            ..
        }
        | LinkTarget::Aws {
            version_id: Some(_),
            ..
        }
        | LinkTarget::Vault {
            version: Some(_), ..
        } = &place
        {
            return Err(Error::LinkInvalid {
                reason: "a publish writes a new version; leave the version out".into(),
            });
        }
        let value = self.open_value(&row)?;
        let location = self.locate(provider, &place, true)?;
        let config = self.provider_config(provider)?;
        self.link_policy()
            .check_provider(config.kind(), &config.address_for(&location))?;
        self.client(provider)?
            .write(&location, &value)
            .map_err(|e| e.into_error(provider))?;
        self.linked.cache.forget_provider(provider);
        self.link(LinkRequest {
            name: meta.name,
            provider: provider.to_owned(),
            target: place,
            allowed_domains: None,
            note: None,
            enabled: None,
            check: true,
        })
    }

    /// Turns a linked secret into a local one holding its current value
    /// (fetched now, past the cache).
    pub fn unlink(&mut self, target: Target<'_>) -> Result<SecretInfo> {
        let (row, mut meta, shadowed) = self.find(target)?;
        let Some(link) = meta.link.take() else {
            return Err(Error::LinkInvalid {
                reason: format!("secret {:?} is not linked", meta.name),
            });
        };
        let value = self.linked_value(&link, true)?;
        crate::secret::check_value(value.expose_secret())?;
        meta.updated = Timestamp::now().0;
        self.write(2, |w| {
            w.check_unchanged(&row, &meta.name)?;
            w.delete(&row.id)?;
            w.put_at(&row.id, &meta, value.expose_secret(), row.seq)?;
            Ok(info(row.id, meta, shadowed))
        })
    }

    /// The link of one secret as listed (with when it was fetched and why
    /// its last use failed), if it is linked: what the app's table shows.
    pub fn link_info(&mut self, target: Target<'_>) -> Result<Option<crate::linked::LinkInfo>> {
        let (_, meta, _) = self.find(target)?;
        Ok(meta.link.as_ref().map(|link| {
            let mut info = crate::linked::LinkInfo::of(link);
            info.fetched_at = self.fetched_at(link);
            info.problem = self.link_problem(link);
            info
        }))
    }

    /// The link of one secret, if it is linked.
    pub fn link_of(&mut self, target: Target<'_>) -> Result<Option<Link>> {
        let (_, meta, _) = self.find(target)?;
        Ok(meta.link)
    }

    /// When `link`'s value was fetched, if it is cached.
    pub(super) fn fetched_at(&self, link: &Link) -> Option<Timestamp> {
        self.linked.cache.fetched_at(&link.provider, &link.location)
    }

    /// Why `link`'s last use in this session failed, if it did.
    pub(super) fn link_problem(&self, link: &Link) -> Option<crate::error::ErrorBody> {
        self.linked.link_problems.get(&link_key(link)).cloned()
    }
}

/// What a link's last outcome is remembered under: all of it, key included.
fn link_key(link: &Link) -> (String, String) {
    (
        link.provider.clone(),
        serde_json::to_string(&link.location).unwrap_or_default(),
    )
}

/// How messages name the secret a location points at (without its key).
fn place_name(location: &Location) -> String {
    match location {
        Location::Vault {
            mount,
            path,
            version,
            ..
        } => match version {
            Some(v) => format!("{mount}/{path} (version {v})"),
            None => format!("{mount}/{path}"),
        },
        Location::Aws { secret_id, .. } => secret_id.clone(),
    }
}
