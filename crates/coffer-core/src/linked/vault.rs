//! OpenBao / HashiCorp Vault: the KV secrets engine (versions 1 and 2) over
//! its HTTP API, logged in with a token or AppRole.
//!
//! A token is renewed when it is renewable and two thirds of its time are
//! gone; an AppRole login is made again when its token is about to expire
//! or is refused. A 403 is told apart with `auth/token/lookup-self`: a token
//! that cannot look itself up is invalid (expired, revoked, mistyped); one
//! that can is valid but not allowed to read that path.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use zeroize::Zeroizing;

use super::http::{self, Answer};
use super::value::{Fetched, Piece, Pieces};
use super::{
    Fetch, LinkFailure, Location, ProviderConfig, ProviderCredentials, ProviderKind, VaultAuth,
};
use crate::error::{Error, Result};
use crate::secret::Timestamp;

/// A token this close to its end is renewed or replaced before use.
const REFRESH_MARGIN: Duration = Duration::from_secs(5);
/// The longest lease believed (a server's answer is not trusted past it).
const LEASE_MAX_SECS: u64 = 10 * 365 * 24 * 3600;

/// A lease of `secs` seconds from now; none for 0.
fn lease(secs: u64) -> Option<(Instant, Duration)> {
    (secs > 0).then(|| {
        (
            Instant::now(),
            Duration::from_secs(secs.min(LEASE_MAX_SECS)),
        )
    })
}

pub(crate) struct VaultClient {
    address: String,
    namespace: Option<String>,
    agent: ureq::Agent,
    login: Login,
    token: Option<Token>,
    /// When a kept token expires, as last learned (at add or login).
    token_expires: Option<Timestamp>,
}

enum Login {
    /// A token given by the user.
    Token(SecretString),
    AppRole {
        mount: String,
        role_id: String,
        secret_id: SecretString,
    },
}

/// A token in use, with what is known of its lease.
struct Token {
    value: SecretString,
    renewable: bool,
    /// When it was obtained or last renewed, and for how long (`None`: no
    /// expiry known, e.g. a root token or one not looked up yet).
    lease: Option<(Instant, Duration)>,
}

impl Token {
    fn remaining(&self) -> Option<Duration> {
        self.lease
            .map(|(from, ttl)| ttl.saturating_sub(from.elapsed()))
    }

    fn past_two_thirds(&self) -> bool {
        self.lease
            .is_some_and(|(from, ttl)| from.elapsed() * 3 >= ttl * 2)
    }
}

/// `auth` of a login or renewal answer.
#[derive(Deserialize)]
struct AuthAnswer {
    auth: Option<AuthBlock>,
}

#[derive(Deserialize)]
struct AuthBlock {
    client_token: Zeroizing<String>,
    #[serde(default)]
    lease_duration: u64,
    #[serde(default)]
    renewable: bool,
}

/// `data` of `lookup-self`.
#[derive(Deserialize)]
struct Lookup {
    data: LookupData,
}

#[derive(Deserialize)]
struct LookupData {
    #[serde(default)]
    ttl: u64,
    #[serde(default)]
    renewable: bool,
    #[serde(default)]
    expire_time: Option<String>,
}

#[derive(Deserialize)]
struct Kv2 {
    data: Option<Kv2Data>,
}

#[derive(Deserialize)]
struct Kv2Data {
    data: Option<Pieces>,
    metadata: Option<Kv2Meta>,
}

#[derive(Deserialize)]
struct Kv2Meta {
    #[serde(default)]
    deletion_time: String,
    #[serde(default)]
    destroyed: bool,
}

#[derive(Deserialize)]
struct Kv1 {
    data: Option<Pieces>,
}

#[derive(Deserialize)]
struct Errors {
    #[serde(default)]
    errors: Vec<String>,
}

#[derive(Deserialize)]
struct MountAnswer {
    data: MountData,
}

#[derive(Deserialize)]
struct MountData {
    path: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    options: Option<MountOptions>,
}

#[derive(Deserialize)]
struct MountOptions {
    #[serde(default)]
    version: Option<String>,
}

/// A full path split into its KV mount and the path inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Detected {
    pub(crate) mount: String,
    pub(crate) path: String,
    pub(crate) kv_version: u8,
}

impl VaultClient {
    pub(crate) fn new(
        config: &ProviderConfig,
        credentials: ProviderCredentials,
    ) -> Result<VaultClient> {
        let ProviderKind::Vault {
            address,
            namespace,
            ca_pem,
            auth,
            token_expires,
        } = &config.kind
        else {
            unreachable!("a Vault client is made for a Vault provider")
        };
        let login = match (auth, credentials) {
            (VaultAuth::Token, ProviderCredentials::VaultToken(t)) => Login::Token(t),
            (VaultAuth::AppRole { role_id, mount }, ProviderCredentials::AppRoleSecretId(s)) => {
                Login::AppRole {
                    mount: mount.clone(),
                    role_id: role_id.clone(),
                    secret_id: s,
                }
            }
            _ => {
                return Err(Error::ProviderLoginRequired {
                    name: config.name.clone(),
                })
            }
        };
        Ok(VaultClient {
            address: http::base(address).to_owned(),
            namespace: namespace.clone(),
            agent: http::agent(address, ca_pem.as_deref())?,
            login,
            token: None,
            token_expires: *token_expires,
        })
    }

    /// When the kept token expires, as learned by [`VaultClient::login_check`].
    pub(crate) fn token_expires(&self) -> Option<Timestamp> {
        self.token_expires
    }

    fn request(&self, method: &str, api_path: &str) -> ureq::Request {
        let mut r = self
            .agent
            .request(method, &format!("{}/v1/{api_path}", self.address))
            .set("X-Vault-Request", "true");
        if let Some(ns) = &self.namespace {
            r = r.set("X-Vault-Namespace", ns);
        }
        r
    }

    fn with_token(&self, request: ureq::Request) -> ureq::Request {
        match &self.token {
            // As `Authorization`, which HTTP libraries keep out of their logs.
            Some(t) => request.set(
                "Authorization",
                &format!("Bearer {}", t.value.expose_secret()),
            ),
            None => request,
        }
    }

    /// Logs in (AppRole) or checks the token (`lookup-self`), learning its lease.
    pub(crate) fn login_check(&mut self) -> std::result::Result<(), Fetch> {
        match &self.login {
            Login::AppRole { .. } => self.approle_login(),
            Login::Token(t) => {
                self.token = Some(Token {
                    value: t.clone(),
                    renewable: false,
                    lease: None,
                });
                match self.lookup_self()? {
                    Some(()) => Ok(()),
                    None => Err(Fetch::new(
                        LinkFailure::AuthRefused,
                        "the token was refused (it is mistyped, revoked or expired)",
                    )),
                }
            }
        }
    }

    /// `lookup-self`: `Some` (and the lease learned) when the token is valid,
    /// `None` when it is refused.
    fn lookup_self(&mut self) -> std::result::Result<Option<()>, Fetch> {
        let answer = http::send(
            self.with_token(self.request("GET", "auth/token/lookup-self")),
            None,
        )?;
        match answer.status {
            200 => {
                let lookup: Lookup = parse(&answer, "the token lookup")?;
                let d = lookup.data;
                if let Some(t) = &mut self.token {
                    t.renewable = d.renewable;
                    t.lease = lease(d.ttl);
                }
                if matches!(self.login, Login::Token(_)) {
                    self.token_expires =
                        d.expire_time.as_deref().and_then(Timestamp::parse_rfc3339);
                }
                Ok(Some(()))
            }
            401 | 403 => Ok(None),
            _ => Err(status_failure(&answer, "the token lookup")),
        }
    }

    fn approle_login(&mut self) -> std::result::Result<(), Fetch> {
        let Login::AppRole {
            mount,
            role_id,
            secret_id,
        } = &self.login
        else {
            return Ok(());
        };
        let body = Zeroizing::new(
            serde_json::json!({ "role_id": role_id, "secret_id": secret_id.expose_secret() })
                .to_string(),
        );
        let login = self.request("POST", &format!("auth/{}/login", http::path(mount)));
        let answer = match http::send(login.clone(), Some(body.as_bytes())) {
            // A kept-alive connection the server closed meanwhile: ureq
            // retries no POST, so once here.
            Err(f) if f.failure == LinkFailure::Unreachable => {
                http::send(login, Some(body.as_bytes()))?
            }
            other => other?,
        };
        match answer.status {
            200 => {
                let auth: AuthAnswer = parse(&answer, "the AppRole login")?;
                let block = auth.auth.ok_or_else(|| {
                    Fetch::new(LinkFailure::Unavailable, "the AppRole login answered without a token")
                })?;
                self.take_token(block);
                Ok(())
            }
            400 | 401 | 403 => Err(Fetch::new(
                LinkFailure::AuthRefused,
                format!(
                    "the AppRole login was refused ({}); a secret id can expire or be used up — log in with a new one",
                    errors_of(&answer)
                ),
            )),
            _ => Err(status_failure(&answer, "the AppRole login")),
        }
    }

    fn take_token(&mut self, block: AuthBlock) {
        self.token = Some(Token {
            value: SecretString::from(block.client_token.to_string()),
            renewable: block.renewable,
            lease: lease(block.lease_duration),
        });
    }

    /// A token ready for a request: logged in, renewed or replaced as needed.
    fn ready(&mut self) -> std::result::Result<(), Fetch> {
        if self.token.is_none() {
            match &self.login {
                Login::Token(t) => {
                    self.token = Some(Token {
                        value: t.clone(),
                        renewable: false,
                        lease: None,
                    });
                    // Its lease, for renewing it in a long session; a
                    // refusal shows on the read itself.
                    let _ = self.lookup_self();
                    return Ok(());
                }
                Login::AppRole { .. } => return self.approle_login(),
            }
        }
        let Some(token) = &self.token else {
            return Ok(());
        };
        let ending = token.remaining().is_some_and(|r| r <= REFRESH_MARGIN);
        if token.renewable && token.past_two_thirds() && self.renew().is_ok() {
            let still_ending = self
                .token
                .as_ref()
                .and_then(Token::remaining)
                .is_some_and(|r| r <= REFRESH_MARGIN);
            if !still_ending {
                return Ok(());
            }
        } else if !ending {
            return Ok(());
        }
        // Ending and not renewable any further: a new AppRole login; a given
        // token is used as it is (and reported expired if refused).
        if matches!(self.login, Login::AppRole { .. }) {
            return self.approle_login();
        }
        Ok(())
    }

    /// `renew-self`, for the token's own TTL again.
    fn renew(&mut self) -> std::result::Result<(), Fetch> {
        let increment = self
            .token
            .as_ref()
            .and_then(|t| t.lease)
            .map_or(3600, |(_, ttl)| ttl.as_secs().max(1));
        let body = serde_json::json!({ "increment": format!("{increment}s") }).to_string();
        let answer = http::send(
            self.with_token(self.request("POST", "auth/token/renew-self")),
            Some(body.as_bytes()),
        )?;
        if answer.status != 200 {
            return Err(status_failure(&answer, "renewing the token"));
        }
        let auth: AuthAnswer = parse(&answer, "renewing the token")?;
        if let (Some(block), Some(t)) = (auth.auth, &mut self.token) {
            t.renewable = block.renewable;
            t.lease = lease(block.lease_duration);
        }
        Ok(())
    }

    /// One request with the token; a refused AppRole token is replaced by a
    /// new login once.
    fn authed(&mut self, api_path: &str) -> std::result::Result<Answer, Fetch> {
        self.ready()?;
        let answer = http::send(self.with_token(self.request("GET", api_path)), None)?;
        // A refused AppRole token is replaced once — but only when the token
        // itself is no longer valid: a login uses up a secret id's uses.
        if answer.status == 403
            && matches!(self.login, Login::AppRole { .. })
            && self.lookup_self()?.is_none()
        {
            self.approle_login()?;
            return http::send(self.with_token(self.request("GET", api_path)), None);
        }
        Ok(answer)
    }

    /// Why a read was refused with 403: the token, or its policies.
    fn refused(&mut self, place: &str) -> Fetch {
        match self.lookup_self() {
            Ok(Some(())) => Fetch::new(
                LinkFailure::AuthRefused,
                format!("the token is valid but its policies do not allow reading {place}"),
            ),
            Ok(None) => match (&self.login, self.token_expires) {
                (Login::Token(_), Some(at)) if at <= Timestamp::now() => Fetch::new(
                    LinkFailure::AuthExpired,
                    format!("the token expired at {}", at.rfc3339()),
                ),
                (Login::Token(_), _) => Fetch::new(
                    LinkFailure::AuthRefused,
                    "the token was refused (it is mistyped, revoked or expired)",
                ),
                (Login::AppRole { .. }, _) => Fetch::new(
                    LinkFailure::AuthExpired,
                    "the token of the AppRole login was refused right after the login",
                ),
            },
            Err(e) => e,
        }
    }

    /// Which KV mount `full_path` is in, and its version.
    pub(crate) fn detect(&mut self, full_path: &str) -> std::result::Result<Detected, Fetch> {
        let full_path = full_path.trim_matches('/');
        let answer = self.authed(&format!("sys/internal/ui/mounts/{}", http::path(full_path)))?;
        match answer.status {
            200 => {
                let mount: MountAnswer = parse(&answer, "the mount lookup")?;
                let m = mount.data;
                let mount_path = m.path.trim_end_matches('/').to_owned();
                let rest = full_path
                    .strip_prefix(&mount_path)
                    .map(|r| r.trim_start_matches('/'))
                    .unwrap_or_default();
                if !matches!(m.kind.as_str(), "kv" | "generic") {
                    return Err(Fetch::new(
                        LinkFailure::PathMissing,
                        format!("{mount_path} is a {} mount, not a KV secrets engine", m.kind),
                    ));
                }
                if rest.is_empty() {
                    return Err(Fetch::new(
                        LinkFailure::PathMissing,
                        format!("{full_path} is the mount itself; give the path of a secret in it, e.g. {mount_path}/app/db"),
                    ));
                }
                let kv_version = match m.options.and_then(|o| o.version).as_deref() {
                    Some("2") => 2,
                    _ => 1,
                };
                Ok(Detected {
                    mount: mount_path,
                    path: rest.to_owned(),
                    kv_version,
                })
            }
            403 => match self.lookup_self() {
                Ok(Some(())) => Err(Fetch::new(
                    LinkFailure::PathMissing,
                    format!("there is no KV mount at {full_path}, or the token may not read anything there"),
                )),
                Ok(None) => Err(self.refused(full_path)),
                Err(e) => Err(e),
            },
            404 => Err(Fetch::new(
                LinkFailure::PathMissing,
                format!("there is no mount at {full_path}"),
            )),
            _ => Err(status_failure(&answer, "the mount lookup")),
        }
    }

    /// Every key of the secret at `location` (its key is not looked at).
    pub(crate) fn fetch(&mut self, location: &Location) -> std::result::Result<Fetched, Fetch> {
        let Location::Vault {
            mount,
            path,
            kv_version,
            version,
            ..
        } = location
        else {
            unreachable!("checked by the caller")
        };
        let place = format!("{mount}/{path}");
        let api = match (kv_version, version) {
            (2, Some(v)) => format!(
                "{}/data/{}?version={v}",
                http::path(mount),
                http::path(path)
            ),
            (2, None) => format!("{}/data/{}", http::path(mount), http::path(path)),
            _ => format!("{}/{}", http::path(mount), http::path(path)),
        };
        let answer = self.authed(&api)?;
        match answer.status {
            200 if *kv_version == 2 => {
                let kv: Kv2 = parse(&answer, &place)?;
                match kv.data.and_then(|d| d.data) {
                    Some(pieces) => Ok(Fetched::Map(pieces)),
                    None => Err(Fetch::new(
                        LinkFailure::VersionMissing,
                        format!("{place} holds no data in that version"),
                    )),
                }
            }
            200 => {
                let kv: Kv1 = parse(&answer, &place)?;
                kv.data.map(Fetched::Map).ok_or_else(|| {
                    Fetch::new(LinkFailure::PathMissing, format!("{place} holds no data"))
                })
            }
            404 => Err(self.missing(&answer, &place, *kv_version, *version, mount, path)),
            403 => Err(self.refused(&place)),
            _ => Err(status_failure(&answer, &place)),
        }
    }

    /// Writes `value` as `key` of the secret at `location`, keeping its
    /// other keys (publishing a local secret). KV 2 merges the one key into
    /// the latest version (JSON merge patch), or makes the secret when it is
    /// not there yet (check-and-set 0, so nothing made meanwhile is
    /// overwritten); KV 1 keeps no versions, so its keys are read, merged and
    /// written back — refused when one is not a string.
    pub(crate) fn write(
        &mut self,
        location: &Location,
        value: &SecretString,
    ) -> std::result::Result<(), Fetch> {
        let Location::Vault {
            mount,
            path,
            key,
            kv_version,
            ..
        } = location
        else {
            unreachable!("checked by the caller")
        };
        let place = format!("{mount}/{path}");
        let denied = |place: &str| {
            Fetch::new(
                LinkFailure::AuthRefused,
                format!("the token may not write {place}"),
            )
        };
        self.ready()?;
        if *kv_version == 2 {
            let api = format!("{}/data/{}", http::path(mount), http::path(path));
            let one: BTreeMap<&str, &str> = [(key.as_str(), value.expose_secret())].into();
            let patch = body(&Written {
                options: None,
                data: &one,
            });
            let request = self
                .with_token(self.request("PATCH", &api))
                .set("Content-Type", "application/merge-patch+json");
            let answer = http::send(request, Some(patch.as_bytes()))?;
            return match answer.status {
                200 | 204 => Ok(()),
                404 => {
                    let create = body(&Written {
                        options: Some(Cas { cas: 0 }),
                        data: &one,
                    });
                    let answer = http::send(
                        self.with_token(self.request("POST", &api)),
                        Some(create.as_bytes()),
                    )?;
                    match answer.status {
                        200 | 204 => Ok(()),
                        403 => Err(denied(&place)),
                        400 if errors_of(&answer).contains("check-and-set") => Err(Fetch::new(
                            LinkFailure::Unavailable,
                            format!("{place} was made by someone else meanwhile; try again"),
                        )),
                        _ => Err(status_failure(&answer, &place)),
                    }
                }
                403 => Err(denied(&place)),
                _ => Err(status_failure(&answer, &place)),
            };
        }
        let current = match self.fetch(location) {
            Ok(Fetched::Map(pieces)) => pieces,
            Ok(_) => Pieces::default(),
            Err(e) if e.failure == LinkFailure::PathMissing => Pieces::default(),
            Err(e) => return Err(e),
        };
        let mut merged: BTreeMap<&str, &str> = BTreeMap::new();
        for (k, piece) in &current.0 {
            match piece {
                Piece::Text(v) => {
                    merged.insert(k.as_str(), v.expose_secret());
                }
                Piece::Other(kind) => {
                    return Err(Fetch::new(
                        LinkFailure::NotAString,
                        format!("the key {k:?} of {place} holds {kind}; KV version 1 is written whole, so Coffer will not rewrite it: change {place} in the provider"),
                    ))
                }
            }
        }
        merged.insert(key.as_str(), value.expose_secret());
        let whole = body(&merged);
        let answer = http::send(
            self.with_token(self.request(
                "POST",
                &format!("{}/{}", http::path(mount), http::path(path)),
            )),
            Some(whole.as_bytes()),
        )?;
        match answer.status {
            200 | 204 => Ok(()),
            403 => Err(denied(&place)),
            _ => Err(status_failure(&answer, &place)),
        }
    }

    /// Why a read answered 404: no mount, no secret, or no such version.
    fn missing(
        &mut self,
        answer: &Answer,
        place: &str,
        kv_version: u8,
        version: Option<u64>,
        mount: &str,
        path: &str,
    ) -> Fetch {
        let errors = errors_of(answer);
        if errors.contains("no handler for route") {
            return Fetch::new(
                LinkFailure::PathMissing,
                format!("there is no mount {mount}"),
            );
        }
        if errors.contains("namespace not found") {
            return Fetch::new(
                LinkFailure::PathMissing,
                "the provider's namespace does not exist",
            );
        }
        if kv_version == 2 {
            if let Ok(kv) = serde_json::from_str::<Kv2>(&answer.body) {
                if let Some(meta) = kv.data.and_then(|d| d.metadata) {
                    let what = if meta.destroyed {
                        "destroyed"
                    } else if !meta.deletion_time.is_empty() {
                        "deleted"
                    } else {
                        "empty"
                    };
                    let which =
                        version.map_or("the latest version".to_owned(), |v| format!("version {v}"));
                    return Fetch::new(
                        LinkFailure::VersionMissing,
                        format!("{which} of {place} was {what}"),
                    );
                }
            }
            if let Some(v) = version {
                // The secret itself may be there without that version.
                let latest = format!("{}/data/{}", http::path(mount), http::path(path));
                if let Ok(again) = self.authed(&latest) {
                    let has_metadata = serde_json::from_str::<Kv2>(&again.body)
                        .ok()
                        .and_then(|k| k.data)
                        .is_some_and(|d| d.metadata.is_some());
                    if again.status == 200 || has_metadata {
                        return Fetch::new(
                            LinkFailure::VersionMissing,
                            format!("{place} has no version {v}"),
                        );
                    }
                }
            }
        }
        Fetch::new(
            LinkFailure::PathMissing,
            format!("there is no secret at {place}"),
        )
    }
}

/// A KV 2 write: the data, and check-and-set when the secret must not exist yet.
#[derive(serde::Serialize)]
struct Written<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<Cas>,
    data: &'a BTreeMap<&'a str, &'a str>,
}

#[derive(serde::Serialize)]
struct Cas {
    cas: u64,
}

/// A request body with values in it, wiped when dropped.
fn body(value: &impl serde::Serialize) -> Zeroizing<String> {
    Zeroizing::new(serde_json::to_string(value).unwrap_or_default())
}

/// Reads an answer's JSON; an unreadable one means the service is not what it seems.
fn parse<T: for<'de> Deserialize<'de>>(
    answer: &Answer,
    what: &str,
) -> std::result::Result<T, Fetch> {
    serde_json::from_str(&answer.body).map_err(|_| {
        Fetch::new(
            LinkFailure::Unavailable,
            format!(
                "the answer to {what} is not what OpenBao or Vault sends (HTTP {})",
                answer.status
            ),
        )
    })
}

/// The `errors` of an error answer, joined and cut short (they name paths
/// and reasons, never values).
fn errors_of(answer: &Answer) -> String {
    let joined = serde_json::from_str::<Errors>(&answer.body)
        .map(|e| e.errors.join("; "))
        .unwrap_or_default();
    let cut = http::clean(&joined);
    if cut.is_empty() {
        format!("HTTP {}", answer.status)
    } else {
        cut
    }
}

/// A status that is not one of the expected ones.
fn status_failure(answer: &Answer, what: &str) -> Fetch {
    let errors = errors_of(answer);
    match answer.status {
        429 => Fetch::new(
            LinkFailure::RateLimited,
            match &answer.retry_after {
                Some(s) => format!("{what} was rate limited ({errors}); try again in {s} s"),
                None => format!("{what} was rate limited ({errors})"),
            },
        ),
        503 if errors.contains("sealed") => {
            Fetch::new(LinkFailure::Unavailable, "the provider is sealed")
        }
        401 | 403 => Fetch::new(
            LinkFailure::AuthRefused,
            format!("{what} was refused ({errors})"),
        ),
        status => Fetch::new(
            LinkFailure::Unavailable,
            format!("{what} failed with HTTP {status} ({errors})"),
        ),
    }
}
