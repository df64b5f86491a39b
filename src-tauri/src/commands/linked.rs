//! Linked secrets: the providers (list, add, log in, remove), linking and
//! unlinking a secret, testing a link, and resetting the cache of fetched
//! values. Credentials cross IPC once, when typed, and are never sent back.
//!
//! The commands that may reach a provider are `async`: they run off the
//! main thread, so a slow or unreachable provider never freezes the window.
//! `AppState::with_vault` puts the policy of the moment in force for links.

use coffer_core::linked::{
    ProviderConfig, ProviderCredentials, ProviderInfo, ProviderKind, VaultAuth,
};
use coffer_core::{Error, LinkRequest, LinkTarget, SecretInfo, SecretString, Target};
use serde::Deserialize;
use tauri::{AppHandle, Runtime, State};

use super::reply::{secret_id, Reply};
use crate::state::AppState;

/// Every provider, with where its credentials are and its last error.
#[tauri::command]
pub fn providers_list(state: State<'_, AppState>) -> Reply<Vec<ProviderInfo>> {
    Ok(state.with_vault(|v| v.providers())?)
}

/// A provider as the settings form sends it.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ProviderInput {
    Vault {
        name: String,
        address: String,
        #[serde(default)]
        namespace: Option<String>,
        /// `token` or `approle`.
        auth: String,
        #[serde(default)]
        role_id: Option<String>,
        /// The token, or the AppRole secret id.
        secret: String,
        /// A CA certificate (PEM) chosen with `provider_ca_pick`.
        #[serde(default)]
        ca_pem: Option<String>,
    },
    Aws {
        name: String,
        region: String,
        #[serde(default)]
        endpoint: Option<String>,
        #[serde(default)]
        profile: Option<String>,
        #[serde(default)]
        access_key_id: Option<String>,
        #[serde(default)]
        secret_access_key: Option<String>,
        #[serde(default)]
        session_token: Option<String>,
        #[serde(default)]
        ca_pem: Option<String>,
    },
}

fn blank_to_none(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

fn missing(what: &str) -> Error {
    Error::ProviderInvalid {
        reason: format!("{what} is missing"),
    }
}

/// The credentials a form gives for a provider of `config`'s kind.
fn credentials(input: ProviderInput) -> Result<(ProviderConfig, ProviderCredentials), Error> {
    match input {
        ProviderInput::Vault {
            name,
            address,
            namespace,
            auth,
            role_id,
            secret,
            ca_pem,
        } => {
            if secret.is_empty() {
                return Err(missing(if auth == "approle" {
                    "the AppRole secret id"
                } else {
                    "the token"
                }));
            }
            let secret = SecretString::from(secret.trim().to_owned());
            let (auth, credentials) = match auth.as_str() {
                "token" => (VaultAuth::Token, ProviderCredentials::VaultToken(secret)),
                "approle" => (
                    VaultAuth::AppRole {
                        role_id: blank_to_none(role_id).ok_or_else(|| missing("the role id"))?,
                        mount: "approle".into(),
                    },
                    ProviderCredentials::AppRoleSecretId(secret),
                ),
                _ => {
                    return Err(Error::InvalidArgument {
                        what: "log-in method",
                    })
                }
            };
            let config = ProviderConfig {
                name: name.trim().to_owned(),
                kind: ProviderKind::Vault {
                    address: address.trim().to_owned(),
                    namespace: blank_to_none(namespace),
                    ca_pem: blank_to_none(ca_pem),
                    auth,
                    token_expires: None,
                },
            };
            Ok((config, credentials))
        }
        ProviderInput::Aws {
            name,
            region,
            endpoint,
            profile,
            access_key_id,
            secret_access_key,
            session_token,
            ca_pem,
        } => {
            let profile = blank_to_none(profile);
            let credentials = match (&profile, blank_to_none(access_key_id)) {
                (Some(_), _) => ProviderCredentials::AwsProfile,
                (None, Some(id)) => ProviderCredentials::AwsKeys {
                    access_key_id: id,
                    secret_access_key: SecretString::from(
                        blank_to_none(secret_access_key)
                            .ok_or_else(|| missing("the secret access key"))?,
                    ),
                    session_token: blank_to_none(session_token).map(SecretString::from),
                },
                (None, None) => {
                    return Err(missing("an access key id (or a profile name)"));
                }
            };
            let config = ProviderConfig {
                name: name.trim().to_owned(),
                kind: ProviderKind::Aws {
                    region: region.trim().to_owned(),
                    endpoint: blank_to_none(endpoint),
                    profile,
                    ca_pem: blank_to_none(ca_pem),
                },
            };
            Ok((config, credentials))
        }
    }
}

/// Adds a provider after logging in to it once.
#[tauri::command]
pub async fn provider_add(
    state: State<'_, AppState>,
    provider: ProviderInput,
) -> Reply<ProviderInfo> {
    let (config, credentials) = credentials(provider)?;
    Ok(state.with_vault(|v| v.add_provider(config, credentials))?)
}

/// New credentials for an existing provider (the form's kind fields are
/// only used for the credentials).
#[tauri::command]
pub async fn provider_login(
    state: State<'_, AppState>,
    provider: ProviderInput,
) -> Reply<ProviderInfo> {
    let (config, credentials) = credentials(provider)?;
    Ok(state.with_vault(|v| v.login_provider(&config.name, credentials))?)
}

/// Removes a provider (refused while secrets are linked to it).
#[tauri::command]
pub fn provider_remove(state: State<'_, AppState>, name: String) -> Reply<()> {
    Ok(state.with_vault(|v| v.remove_provider(&name))?)
}

/// Where a link points, as the secret form sends it.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum TargetInput {
    Vault {
        path: String,
        key: String,
        #[serde(default)]
        version: Option<u64>,
    },
    Aws {
        secret_id: String,
        #[serde(default)]
        json_key: Option<String>,
        #[serde(default)]
        version_stage: Option<String>,
    },
}

impl From<TargetInput> for LinkTarget {
    fn from(t: TargetInput) -> Self {
        match t {
            TargetInput::Vault { path, key, version } => LinkTarget::Vault {
                path: path.trim().to_owned(),
                key: key.trim().to_owned(),
                version,
                kv_version: None,
            },
            TargetInput::Aws {
                secret_id,
                json_key,
                version_stage,
            } => LinkTarget::Aws {
                secret_id: secret_id.trim().to_owned(),
                region: None,
                json_key: blank_to_none(json_key),
                version_stage: blank_to_none(version_stage),
                version_id: None,
            },
        }
    }
}

/// A link from the secret form.
#[derive(Deserialize)]
pub struct LinkInput {
    pub name: String,
    pub provider: String,
    pub target: TargetInput,
    #[serde(default)]
    pub allowed_domains: Option<Vec<String>>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Links a secret (a new one, or the one of that name), after fetching its
/// value once to check the link.
#[tauri::command]
pub async fn secret_link(state: State<'_, AppState>, link: LinkInput) -> Reply<SecretInfo> {
    let request = LinkRequest {
        name: link.name,
        provider: link.provider,
        target: link.target.into(),
        allowed_domains: link.allowed_domains,
        note: link.note,
        enabled: link.enabled,
        check: true,
    };
    Ok(state.with_vault(|v| v.link(request))?)
}

/// Fetches a link's value once, past the cache, to say whether it works;
/// the value itself stays in Rust. Returns where it points, written out.
#[tauri::command]
pub async fn link_test(
    state: State<'_, AppState>,
    provider: String,
    target: TargetInput,
) -> Reply<String> {
    let target: LinkTarget = target.into();
    Ok(state.with_vault(|v| v.test_link_target(&provider, &target))?)
}

/// Turns a linked secret into a local one holding its current value.
#[tauri::command]
pub async fn secret_unlink(state: State<'_, AppState>, id: String) -> Reply<SecretInfo> {
    let target = Target::Id(secret_id(&id)?);
    Ok(state.with_vault(|v| v.unlink(target))?)
}

/// A publish from the secret form: the secret, and where to write its value.
#[derive(Deserialize)]
pub struct PublishInput {
    pub id: String,
    pub provider: String,
    pub target: TargetInput,
}

/// Publishes a local secret: writes its value to the provider (a key of a
/// Vault KV secret, its other keys kept; or an AWS secret, made if missing),
/// then links it there. Only the secret in effect for its name (the core
/// refuses a shadowed one: its link would go to another).
#[tauri::command]
pub async fn secret_publish(
    state: State<'_, AppState>,
    publish: PublishInput,
) -> Reply<SecretInfo> {
    let target = Target::Id(secret_id(&publish.id)?);
    let place: LinkTarget = publish.target.into();
    Ok(state.with_vault(|v| v.publish(target, &publish.provider, place))?)
}

/// Forgets every fetched value; returns how many secrets were cached.
#[tauri::command]
pub fn link_cache_reset(state: State<'_, AppState>) -> Reply<usize> {
    Ok(state.with_vault(|v| Ok(v.reset_link_cache()))?)
}

/// How a linked secret's last use went: when it was fetched (ms, 0 = not
/// cached) and why it failed, for its row after a reveal or a copy.
#[derive(serde::Serialize)]
pub struct LinkState {
    pub fetched: i64,
    pub problem: Option<coffer_core::ErrorBody>,
}

#[tauri::command]
pub fn link_state(state: State<'_, AppState>, id: String) -> Reply<Option<LinkState>> {
    let target = Target::Id(secret_id(&id)?);
    let info = state.with_vault(|v| v.link_info(target))?;
    Ok(info.map(|l| LinkState {
        fetched: l.fetched_at.map_or(0, |t| t.0),
        problem: l.problem,
    }))
}

/// A CA certificate file chosen in a native dialog, read in Rust.
#[derive(serde::Serialize)]
pub struct CaFile {
    pub file: String,
    pub certificates: usize,
    /// The PEM text (public certificates), sent back with the provider.
    pub pem: String,
}

/// Chooses a provider's CA certificate (PEM); `None` when cancelled. No
/// dialog opens unless the vault is unlocked.
#[tauri::command]
pub async fn provider_ca_pick<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Reply<Option<CaFile>> {
    if !state.with_vault(|v| Ok(v.is_unlocked()))? {
        return Err(Error::Locked.into());
    }
    let Some(path) = crate::dialog::pick(&app, crate::dialog::Pick::OpenCaFile) else {
        return Ok(None);
    };
    let unreadable = |e: std::io::Error| Error::ProviderInvalid {
        reason: format!("the CA file {} cannot be read: {e}", path.display()),
    };
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut std::io::Read::take(
            std::fs::File::open(&path).map_err(unreadable)?,
            coffer_core::linked::CA_PEM_MAX_BYTES as u64 + 1,
        ),
        &mut text,
    )
    .map_err(unreadable)?;
    let certificates = coffer_core::linked::check_ca_pem(&text)?;
    Ok(Some(CaFile {
        file: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        certificates,
        pem: text,
    }))
}
