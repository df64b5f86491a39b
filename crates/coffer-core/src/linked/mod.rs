//! Linked secrets: a secret whose value lives in an external vault service
//! (OpenBao / HashiCorp Vault KV, AWS Secrets Manager) and is fetched when
//! it is used.
//!
//! The secret's record keeps a [`Link`] (provider name + [`Location`]) in
//! its sealed metadata instead of a value. A provider's settings
//! ([`ProviderConfig`]) are sealed in the vault; its credentials
//! ([`ProviderCredentials`]) are kept in the OS keychain, or sealed in the
//! vault when the keychain cannot be used. Fetched values are cached in
//! memory only (`cache.rs`) and dropped on lock.
//!
//! Every provider answers the same question — "the value at this location"
//! — through one `fetch` of the crate's `Provider`; `vault.rs` and `aws.rs`
//! are the two kinds so far, and the next kind plugs in as one more arm of
//! [`ProviderKind`].

pub(crate) mod aws;
mod aws_profile;
pub(crate) mod cache;
pub(crate) mod credentials;
mod http;
mod value;
pub(crate) mod vault;

use std::fmt;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub(crate) use value::Fetched;

pub use cache::DEFAULT_CACHE_TTL;
pub use credentials::CredentialStore;

/// Longest provider name, in characters.
pub const PROVIDER_NAME_MAX_CHARS: usize = 64;
/// Largest CA bundle a provider may carry, in bytes.
pub const CA_PEM_MAX_BYTES: usize = 256 * 1024;

/// The first path segments of OpenBao / Vault endpoints that are not KV mounts.
const RESERVED_MOUNTS: [&str; 4] = ["sys", "auth", "identity", "cubbyhole"];

/// Where a linked secret's value lives: a provider, and a place in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The provider's name in this vault.
    pub provider: String,
    pub location: Location,
}

/// A place in a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Location {
    /// One key of a KV secret in OpenBao / HashiCorp Vault.
    Vault {
        /// The KV mount, without slashes at either end (`secret`).
        mount: String,
        /// The secret's path inside the mount (`app/db`).
        path: String,
        /// The key inside the secret (`password`).
        key: String,
        /// 1 or 2.
        kv_version: u8,
        /// A fixed version (KV v2 only); `None`: the latest.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<u64>,
    },
    /// An AWS Secrets Manager secret, or one key of its JSON.
    Aws {
        /// A secret name or ARN.
        secret_id: String,
        /// A region other than the provider's (an ARN names its own).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<String>,
        /// A key of the JSON object in the secret string; `None`: the whole string.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        json_key: Option<String>,
        /// A version stage (`AWSCURRENT` when neither this nor `version_id` is set).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version_stage: Option<String>,
        /// A version id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version_id: Option<String>,
    },
}

impl fmt::Display for Location {
    /// `secret/app/db#password@3`, `us-east-1:prod/db#password (AWSPREVIOUS)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Vault {
                mount,
                path,
                key,
                version,
                ..
            } => {
                write!(f, "{mount}/{path}#{key}")?;
                if let Some(v) = version {
                    write!(f, "@{v}")?;
                }
                Ok(())
            }
            Location::Aws {
                secret_id,
                region,
                json_key,
                version_stage,
                version_id,
            } => {
                if let Some(r) = region {
                    write!(f, "{r}:")?;
                }
                f.write_str(secret_id)?;
                if let Some(k) = json_key {
                    write!(f, "#{k}")?;
                }
                match (version_stage, version_id) {
                    (_, Some(id)) => write!(f, " (version {id})"),
                    (Some(stage), None) => write!(f, " ({stage})"),
                    (None, None) => Ok(()),
                }
            }
        }
    }
}

impl Location {
    /// The kind of provider this location belongs to.
    pub fn kind(&self) -> Kind {
        match self {
            Location::Vault { .. } => Kind::Vault,
            Location::Aws { .. } => Kind::Aws,
        }
    }

    /// Checks the fields' shapes (not whether the place exists).
    pub fn check(&self) -> Result<()> {
        let bad = |reason: String| Err(Error::LinkInvalid { reason });
        let plain = |what: &str, text: &str| -> Result<()> {
            if text.is_empty() || text.len() > 1024 || text.chars().any(char::is_control) {
                return bad(format!(
                    "the {what} must be 1 to 1024 characters, with no control characters"
                ));
            }
            Ok(())
        };
        match self {
            Location::Vault {
                mount,
                path,
                key,
                kv_version,
                version,
            } => {
                plain("mount", mount)?;
                plain("path", path)?;
                plain("key", key)?;
                if mount.starts_with('/') || mount.ends_with('/') || path.starts_with('/') {
                    return bad("the mount and the path are written without a leading or trailing slash, e.g. secret/app/db".into());
                }
                for (what, text) in [("mount", mount), ("path", path)] {
                    if text
                        .split('/')
                        .any(|s| s.is_empty() || s == "." || s == "..")
                    {
                        return bad(format!("the {what} {text:?} has an empty, . or .. segment"));
                    }
                }
                // A link reads a KV secret, never the server's own endpoints
                // (a token's own lookup would make the token a "value").
                let first = mount.split('/').next().unwrap_or_default();
                if RESERVED_MOUNTS.contains(&first) {
                    return bad(format!(
                        "{first}/ is not a KV secrets engine; link a secret of a KV mount, e.g. secret/app/db"
                    ));
                }
                if !matches!(kv_version, 1 | 2) {
                    return bad(format!(
                        "KV version {kv_version} does not exist; it is 1 or 2"
                    ));
                }
                if version.is_some() && *kv_version == 1 {
                    return bad(format!(
                        "the mount {mount} is KV version 1, which keeps no versions; link it without a version"
                    ));
                }
                if *version == Some(0) {
                    return bad("versions start at 1; leave the version out for the latest".into());
                }
                Ok(())
            }
            Location::Aws {
                secret_id,
                region,
                json_key,
                version_stage,
                version_id,
            } => {
                plain("secret id", secret_id)?;
                // The region picks the host the signed request goes to.
                for r in region
                    .as_deref()
                    .into_iter()
                    .chain(aws::region_of_arn(secret_id))
                {
                    aws::check_region(r).map_err(|_| Error::LinkInvalid {
                        reason: format!("{r:?} is not an AWS region name; write it as us-east-1"),
                    })?;
                }
                if let Some(k) = json_key {
                    plain("JSON key", k)?;
                }
                if let Some(s) = version_stage {
                    plain("version stage", s)?;
                }
                if let Some(v) = version_id {
                    plain("version id", v)?;
                }
                if version_stage.is_some() && version_id.is_some() {
                    return bad("give a version stage or a version id, not both".into());
                }
                Ok(())
            }
        }
    }
}

/// The kinds of provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// OpenBao or HashiCorp Vault (KV secrets engine, version 1 or 2).
    Vault,
    /// AWS Secrets Manager.
    Aws,
}

impl Kind {
    /// Every kind, in the order the faces offer them.
    pub const ALL: [Kind; 2] = [Kind::Vault, Kind::Aws];

    /// The name used in the CLI, the policy and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Vault => "vault",
            Kind::Aws => "aws",
        }
    }

    /// Reads [`Kind::name`].
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == text)
    }
}

/// A provider's settings (never its credentials): sealed in the vault,
/// exported with the secrets linked to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderConfig {
    pub name: String,
    #[serde(flatten)]
    pub kind: ProviderKind,
}

/// The settings of each kind of provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ProviderKind {
    Vault {
        /// `https://vault.example.com:8200` (or `http://` for a local dev server).
        address: String,
        /// An OpenBao / Vault Enterprise namespace (`X-Vault-Namespace`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
        /// Extra CA certificates (PEM) to trust besides the system's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ca_pem: Option<String>,
        /// How Coffer logs in.
        auth: VaultAuth,
        /// When the kept token expires, as learned at the last log-in (to
        /// tell an expired token from a refused one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_expires: Option<crate::secret::Timestamp>,
    },
    Aws {
        /// The default region of this provider's secrets.
        region: String,
        /// Another endpoint than `https://secretsmanager.REGION.amazonaws.com`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        endpoint: Option<String>,
        /// Read the keys of this profile of `~/.aws/credentials` (and
        /// `~/.aws/config`) at each use, instead of keeping keys.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        profile: Option<String>,
        /// Extra CA certificates (PEM) to trust besides the system's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ca_pem: Option<String>,
    },
}

/// How Coffer logs in to OpenBao / HashiCorp Vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase", deny_unknown_fields)]
pub enum VaultAuth {
    /// A token, given as it is.
    Token,
    /// AppRole: a role id (not secret) and a secret id (kept with the credentials).
    AppRole {
        role_id: String,
        /// Where the AppRole auth method is mounted (`approle`).
        #[serde(default = "default_approle_mount")]
        mount: String,
    },
}

fn default_approle_mount() -> String {
    "approle".into()
}

impl ProviderConfig {
    /// The kind of provider.
    pub fn kind(&self) -> Kind {
        match self.kind {
            ProviderKind::Vault { .. } => Kind::Vault,
            ProviderKind::Aws { .. } => Kind::Aws,
        }
    }

    /// Where requests go: the Vault address, or the AWS endpoint of the provider's region.
    pub fn address(&self) -> String {
        match &self.kind {
            ProviderKind::Vault { address, .. } => address.clone(),
            ProviderKind::Aws {
                region, endpoint, ..
            } => endpoint
                .clone()
                .unwrap_or_else(|| aws::default_endpoint(region)),
        }
    }

    /// Where a request for `location` goes: the Vault address, or the AWS
    /// endpoint of the location's region (an ARN's, a link's own, else the
    /// provider's) — what the policy's allowed addresses are checked against.
    pub fn address_for(&self, location: &Location) -> String {
        match (&self.kind, location) {
            (
                ProviderKind::Aws {
                    region,
                    endpoint: None,
                    ..
                },
                Location::Aws {
                    secret_id,
                    region: own,
                    ..
                },
            ) => aws::default_endpoint(
                own.as_deref()
                    .or_else(|| aws::region_of_arn(secret_id))
                    .unwrap_or(region),
            ),
            _ => self.address(),
        }
    }

    /// Checks the settings' shapes.
    pub fn check(&self) -> Result<()> {
        check_provider_name(&self.name)?;
        let bad = |reason: String| Err(Error::ProviderInvalid { reason });
        let ca = match &self.kind {
            ProviderKind::Vault {
                address,
                namespace,
                ca_pem,
                auth,
                ..
            } => {
                http::check_base_url(address, "address")?;
                if let Some(ns) = namespace {
                    if ns.is_empty() || ns.len() > 256 || ns.chars().any(char::is_control) {
                        return bad(
                            "a namespace is 1 to 256 characters, e.g. team1 or team1/app".into(),
                        );
                    }
                }
                if let VaultAuth::AppRole { role_id, mount } = auth {
                    if role_id.is_empty()
                        || role_id.len() > 256
                        || role_id.chars().any(char::is_control)
                    {
                        return bad("an AppRole role id is 1 to 256 characters".into());
                    }
                    if mount.is_empty() || mount.starts_with('/') || mount.ends_with('/') {
                        return bad("the AppRole mount is a path without slashes at either end, e.g. approle".into());
                    }
                }
                ca_pem
            }
            ProviderKind::Aws {
                region,
                endpoint,
                profile,
                ca_pem,
            } => {
                aws::check_region(region)?;
                if let Some(e) = endpoint {
                    http::check_base_url(e, "endpoint")?;
                }
                if let Some(p) = profile {
                    if p.is_empty()
                        || p.len() > 128
                        || p.chars().any(|c| c.is_control() || c.is_whitespace())
                    {
                        return bad("a profile name is 1 to 128 characters without spaces".into());
                    }
                }
                ca_pem
            }
        };
        if let Some(pem) = ca {
            http::parse_ca(pem)?;
        }
        Ok(())
    }
}

/// Checks a CA bundle a provider is to trust; returns how many certificates it holds.
pub fn check_ca_pem(pem: &str) -> Result<usize> {
    http::parse_ca(pem).map(|certs| certs.len())
}

/// Checks a provider name: 1 to 64 characters of letters, digits, `-`, `_`, `.`.
pub fn check_provider_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= PROVIDER_NAME_MAX_CHARS
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::ProviderInvalid {
            reason: format!(
                "a provider name is 1 to {PROVIDER_NAME_MAX_CHARS} letters, digits, -, _ or ."
            ),
        })
    }
}

/// What Coffer needs to log in to a provider. Its `Debug` hides every secret.
pub enum ProviderCredentials {
    /// An OpenBao / Vault token.
    VaultToken(SecretString),
    /// An AppRole secret id (the role id is in the settings).
    AppRoleSecretId(SecretString),
    /// AWS keys.
    AwsKeys {
        access_key_id: String,
        secret_access_key: SecretString,
        session_token: Option<SecretString>,
    },
    /// AWS keys read from a profile at each use: nothing is kept.
    AwsProfile,
}

impl fmt::Debug for ProviderCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProviderCredentials::VaultToken(_) => "VaultToken([REDACTED])",
            ProviderCredentials::AppRoleSecretId(_) => "AppRoleSecretId([REDACTED])",
            ProviderCredentials::AwsKeys { .. } => "AwsKeys([REDACTED])",
            ProviderCredentials::AwsProfile => "AwsProfile",
        })
    }
}

/// A provider as listed: its settings (no credentials), where its
/// credentials are kept, and how its last use went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderInfo {
    pub name: String,
    pub kind: Kind,
    /// The Vault address or the AWS endpoint.
    pub address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// `token` or `approle` (Vault), `keys` or `profile` (AWS).
    pub auth: &'static str,
    /// Whether a CA of its own is trusted.
    pub custom_ca: bool,
    /// Where the credentials are kept: `keychain`, `vault`, or `none` (log in again).
    pub credentials: CredentialStore,
    /// Secrets linked to it.
    pub linked_secrets: usize,
    /// The last error of this session, if its last use failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<crate::error::ErrorBody>,
}

/// A linked secret's link as listed (never credentials, never a value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkInfo {
    pub provider: String,
    pub kind: Kind,
    /// [`Location`] written out (`secret/app/db#password@3`).
    pub location: String,
    /// When the value was last fetched in this session, if it is cached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<crate::secret::Timestamp>,
    /// Why its last use in this session failed, until it next succeeds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<crate::error::ErrorBody>,
}

impl LinkInfo {
    pub(crate) fn of(link: &Link) -> LinkInfo {
        LinkInfo {
            provider: link.provider.clone(),
            kind: link.location.kind(),
            location: link.location.to_string(),
            fetched_at: None,
            problem: None,
        }
    }
}

/// Why a provider did not give a linked value; each is its own error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkFailure {
    /// No connection (refused, no route, DNS, timeout).
    Unreachable,
    /// The TLS handshake failed (unknown CA, wrong name, plain HTTP).
    Tls,
    /// The credentials were refused (or do not allow reading this place).
    AuthRefused,
    /// The credentials expired.
    AuthExpired,
    /// Nothing at that path / secret id.
    PathMissing,
    /// The secret has no such key.
    KeyMissing,
    /// The secret has no such version (or it was deleted).
    VersionMissing,
    /// The value there is a number, an object, binary…
    NotAString,
    /// Too many requests.
    RateLimited,
    /// The service answered but cannot serve (sealed, 5xx, an answer Coffer cannot read).
    Unavailable,
}

impl LinkFailure {
    /// Every failure.
    pub const ALL: [LinkFailure; 10] = [
        LinkFailure::Unreachable,
        LinkFailure::Tls,
        LinkFailure::AuthRefused,
        LinkFailure::AuthExpired,
        LinkFailure::PathMissing,
        LinkFailure::KeyMissing,
        LinkFailure::VersionMissing,
        LinkFailure::NotAString,
        LinkFailure::RateLimited,
        LinkFailure::Unavailable,
    ];

    /// What the user can do about it.
    pub(crate) fn advice(self) -> &'static str {
        match self {
            LinkFailure::Unreachable => {
                "check the provider's address and that it is running, then try again"
            }
            LinkFailure::Tls => {
                "check the provider's address (https or http) and the CA certificate it is trusted with"
            }
            LinkFailure::AuthRefused => {
                "log in to the provider again, with credentials allowed to read this secret"
            }
            LinkFailure::AuthExpired => "log in to the provider again",
            LinkFailure::PathMissing | LinkFailure::KeyMissing | LinkFailure::VersionMissing => {
                "check the link, or the secret in the provider"
            }
            LinkFailure::NotAString => "link a key whose value is a string",
            LinkFailure::RateLimited => "try again later",
            LinkFailure::Unavailable => "try again once the provider is back",
        }
    }
}

/// One fetch failure, before it is told which provider it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fetch {
    pub(crate) failure: LinkFailure,
    pub(crate) detail: String,
}

impl Fetch {
    pub(crate) fn new(failure: LinkFailure, detail: impl Into<String>) -> Fetch {
        Fetch {
            failure,
            detail: detail.into(),
        }
    }

    pub(crate) fn into_error(self, provider: &str) -> Error {
        Error::LinkFailed {
            provider: provider.to_owned(),
            failure: self.failure,
            detail: self.detail,
        }
    }
}

/// A provider ready to fetch: its settings, credentials, and the session
/// state kept between fetches (a Vault token from an AppRole login).
pub(crate) enum Provider {
    Vault(vault::VaultClient),
    Aws(aws::AwsClient),
}

impl Provider {
    /// Builds a client for `config` with `credentials`.
    pub(crate) fn new(
        config: &ProviderConfig,
        credentials: ProviderCredentials,
    ) -> Result<Provider> {
        match &config.kind {
            ProviderKind::Vault { .. } => {
                vault::VaultClient::new(config, credentials).map(Provider::Vault)
            }
            ProviderKind::Aws { .. } => aws::AwsClient::new(config, credentials).map(Provider::Aws),
        }
    }

    /// The whole secret at `location` (every key of a Vault KV secret; the
    /// secret string of an AWS secret), for the cache.
    pub(crate) fn fetch(&mut self, location: &Location) -> std::result::Result<Fetched, Fetch> {
        match (self, location) {
            (Provider::Vault(c), Location::Vault { .. }) => c.fetch(location),
            (Provider::Aws(c), Location::Aws { .. }) => c.fetch(location),
            _ => Err(Fetch::new(
                LinkFailure::PathMissing,
                "the link is for another kind of provider",
            )),
        }
    }

    /// Writes `value` at `location` (publishing a local secret).
    pub(crate) fn write(
        &mut self,
        location: &Location,
        value: &SecretString,
    ) -> std::result::Result<(), Fetch> {
        match (self, location) {
            (Provider::Vault(c), Location::Vault { .. }) => c.write(location, value),
            (Provider::Aws(c), Location::Aws { .. }) => c.write(location, value),
            _ => Err(Fetch::new(
                LinkFailure::PathMissing,
                "the place is for another kind of provider",
            )),
        }
    }

    /// Checks the credentials: Vault logs in (AppRole) or looks the token up;
    /// AWS keys cannot be checked without a request every IAM policy allows,
    /// so only a profile is read (to find it and its keys now).
    pub(crate) fn login(&mut self) -> std::result::Result<(), Fetch> {
        match self {
            Provider::Vault(c) => c.login_check(),
            Provider::Aws(c) => c.login_check(),
        }
    }
}

/// The linked-secret state of one unlocked vault: in memory only.
#[derive(Default)]
pub(crate) struct Session {
    pub(crate) cache: cache::Cache,
    /// Providers in use, with their tokens, each beside the keychain account
    /// its credentials came from: every login or new provider gets a new one,
    /// so a client whose account the book no longer names is out of date
    /// (another process logged in again, or removed and added it).
    pub(crate) clients: std::collections::HashMap<String, (String, Provider)>,
    /// The last error of each provider, until it next succeeds.
    pub(crate) last_errors: std::collections::HashMap<String, crate::error::ErrorBody>,
    /// Why each link's last use failed, until it next succeeds (for the list).
    pub(crate) link_problems: std::collections::HashMap<(String, String), crate::error::ErrorBody>,
    /// The policy linked secrets obey: read at first use (or set by the caller).
    pub(crate) policy: Option<crate::policy::Policy>,
}
