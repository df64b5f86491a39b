//! Linked secrets: `coffer providers …`, `coffer link`, `coffer unlink`,
//! `coffer cache reset`.

use std::io::{Read, Write};
use std::path::Path;

use coffer_core::linked::{
    Kind, ProviderConfig, ProviderCredentials, ProviderInfo, ProviderKind, VaultAuth,
};
use coffer_core::{Error, LinkRequest, LinkTarget, SecretString, Target};
use zeroize::Zeroizing;

use crate::cli::{
    CacheCommand, LinkArgs, LoginArgs, ProviderAddArgs, ProviderKindArg, ProvidersCommand,
    PublishArgs,
};
use crate::commands::{split_domains, to_json, Context, Failure, Outcome};

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

/// Reads a credential from a file (`-`: standard input), without its
/// trailing newline; never echoed.
fn read_credential(file: &Path, what: &str) -> Result<SecretString, Failure> {
    let mut raw = Zeroizing::new(Vec::new());
    let read = if file == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(64 * 1024)
            .read_to_end(&mut raw)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(64 * 1024).read_to_end(&mut raw))
    };
    read.map_err(|e| {
        usage(format!(
            "cannot read the {what} from {}: {e}",
            file.display()
        ))
    })?;
    let text = std::str::from_utf8(&raw)
        .map_err(|_| usage(format!("the {what} in {} is not text", file.display())))?
        .trim();
    if text.is_empty() {
        return Err(usage(format!("{} holds no {what}", file.display())));
    }
    Ok(SecretString::from(text.to_owned()))
}

fn read_ca(file: Option<&Path>) -> Result<Option<String>, Failure> {
    file.map(|f| {
        std::fs::read_to_string(f)
            .map_err(|e| usage(format!("cannot read the CA file {}: {e}", f.display())))
    })
    .transpose()
}

/// Vault credentials from `--token-file` or `--role-id` + `--secret-id-file`.
fn vault_login(login: &LoginArgs) -> Result<(VaultAuth, ProviderCredentials), Failure> {
    match (&login.token_file, &login.role_id, &login.secret_id_file) {
        (Some(file), None, None) => Ok((
            VaultAuth::Token,
            ProviderCredentials::VaultToken(read_credential(file, "token")?),
        )),
        (None, Some(role_id), Some(file)) => Ok((
            VaultAuth::AppRole {
                role_id: role_id.clone(),
                mount: "approle".into(),
            },
            ProviderCredentials::AppRoleSecretId(read_credential(file, "secret id")?),
        )),
        _ => Err(usage(
            "a Vault provider logs in with --token-file FILE, or with --role-id ID and --secret-id-file FILE",
        )),
    }
}

/// AWS keys from the environment, as the AWS tools read them.
fn aws_keys_from_env() -> Result<ProviderCredentials, Failure> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => Ok(ProviderCredentials::AwsKeys {
            access_key_id: id,
            secret_access_key: SecretString::from(secret),
            session_token: var("AWS_SESSION_TOKEN").map(SecretString::from),
        }),
        _ => Err(usage(
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), or name a profile with --profile",
        )),
    }
}

pub fn providers(ctx: &Context, command: ProvidersCommand) -> Outcome {
    match command {
        ProvidersCommand::Add(args) => add(ctx, args),
        ProvidersCommand::List { json } => list(ctx, json),
        ProvidersCommand::Remove { name } => {
            let mut vault = ctx.unlocked()?;
            vault.remove_provider(&name)?;
            eprintln!("removed provider {name} and its credentials");
            Ok(())
        }
        ProvidersCommand::Login(args) => {
            let mut vault = ctx.unlocked()?;
            let provider = vault
                .providers()?
                .into_iter()
                .find(|p| p.name == args.name)
                .ok_or_else(|| Error::ProviderNotFound {
                    name: args.name.clone(),
                })?;
            let credentials = login_credentials(&provider, &args.login)?;
            let info = vault.login_provider(&args.name, credentials)?;
            eprintln!(
                "logged in to {}; credentials kept in {}",
                info.name,
                store_words(info.credentials)
            );
            Ok(())
        }
    }
}

/// The new credentials for `provider`, from the flags of its kind and log-in method.
fn login_credentials(
    provider: &ProviderInfo,
    login: &LoginArgs,
) -> Result<ProviderCredentials, Failure> {
    let name = &provider.name;
    match (provider.kind, provider.auth) {
        (Kind::Vault, "token") => match (&login.token_file, &login.role_id, &login.secret_id_file) {
            (Some(file), None, None) => Ok(ProviderCredentials::VaultToken(read_credential(file, "token")?)),
            _ => Err(usage(format!("{name} logs in with a token: give --token-file FILE"))),
        },
        (Kind::Vault, _) => match (&login.token_file, &login.role_id, &login.secret_id_file) {
            (None, None, Some(file)) => Ok(ProviderCredentials::AppRoleSecretId(read_credential(file, "secret id")?)),
            (None, Some(_), _) => Err(usage(format!(
                "the role id of {name} is part of its settings; give only --secret-id-file FILE (remove and add the provider to change the role)"
            ))),
            _ => Err(usage(format!("{name} logs in with AppRole: give --secret-id-file FILE"))),
        },
        (Kind::Aws, _) if login.token_file.is_some() || login.role_id.is_some() || login.secret_id_file.is_some() => {
            Err(usage(format!(
                "{name} is an AWS provider: its keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or its profile), not from Vault flags"
            )))
        }
        (Kind::Aws, "profile") => Ok(ProviderCredentials::AwsProfile),
        (Kind::Aws, _) => aws_keys_from_env(),
    }
}

fn store_words(store: coffer_core::linked::CredentialStore) -> &'static str {
    match store {
        coffer_core::linked::CredentialStore::Keychain => "the system keychain",
        coffer_core::linked::CredentialStore::Vault => "the vault (sealed)",
        coffer_core::linked::CredentialStore::None => "nowhere",
    }
}

fn add(ctx: &Context, args: ProviderAddArgs) -> Outcome {
    let ca_pem = read_ca(args.ca_file.as_deref())?;
    let (kind, credentials) = match args.kind {
        ProviderKindArg::Vault => {
            let address = args
                .address
                .clone()
                .ok_or_else(|| usage("a Vault provider needs --address URL"))?;
            if args.region.is_some() || args.endpoint.is_some() || args.profile.is_some() {
                return Err(usage(
                    "--region, --endpoint and --profile are for AWS providers",
                ));
            }
            let (mut auth, credentials) = vault_login(&args.login)?;
            if let VaultAuth::AppRole { mount, .. } = &mut auth {
                mount.clone_from(&args.approle_mount);
            }
            (
                ProviderKind::Vault {
                    address,
                    namespace: args.namespace.clone(),
                    ca_pem,
                    auth,
                    token_expires: None,
                },
                credentials,
            )
        }
        ProviderKindArg::Aws => {
            if args.address.is_some() || args.namespace.is_some() {
                return Err(usage("--address and --namespace are for Vault providers; AWS takes --region and --endpoint"));
            }
            if args.login.token_file.is_some() || args.login.role_id.is_some() {
                return Err(usage("an AWS provider takes its keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or --profile"));
            }
            let region = args
                .region
                .clone()
                .ok_or_else(|| usage("an AWS provider needs --region, e.g. --region us-east-1"))?;
            let credentials = match &args.profile {
                Some(_) => ProviderCredentials::AwsProfile,
                None => aws_keys_from_env()?,
            };
            (
                ProviderKind::Aws {
                    region,
                    endpoint: args.endpoint.clone(),
                    profile: args.profile.clone(),
                    ca_pem,
                },
                credentials,
            )
        }
    };
    let mut vault = ctx.unlocked()?;
    let info = vault.add_provider(
        ProviderConfig {
            name: args.name,
            kind,
        },
        credentials,
    )?;
    let kept = match (&info.profile, info.kind) {
        (Some(profile), _) => format!("keys read from the AWS profile {profile} at each use"),
        (None, Kind::Aws) => format!(
            "keys kept in {} (AWS keys cannot be checked before a secret is read)",
            store_words(info.credentials)
        ),
        (None, Kind::Vault) => format!("credentials kept in {}", store_words(info.credentials)),
    };
    eprintln!(
        "added provider {} ({} at {}); {kept}",
        info.name,
        info.kind.name(),
        info.address
    );
    Ok(())
}

fn list(ctx: &Context, json: bool) -> Outcome {
    let mut vault = ctx.unlocked()?;
    let providers = vault.providers()?;
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(out, "{}", to_json(&providers));
        return Ok(());
    }
    if providers.is_empty() {
        eprintln!("no providers yet; add one with `coffer providers add NAME --kind vault|aws …`");
        return Ok(());
    }
    let _ = writeln!(
        out,
        "{:<16}  {:<5}  {:<8}  {:<9}  {:>6}  ADDRESS",
        "NAME", "KIND", "AUTH", "KEPT IN", "LINKED"
    );
    for p in &providers {
        let _ = writeln!(
            out,
            "{:<16}  {:<5}  {:<8}  {:<9}  {:>6}  {}",
            p.name,
            p.kind.name(),
            p.auth,
            match p.credentials {
                coffer_core::linked::CredentialStore::Keychain => "keychain",
                coffer_core::linked::CredentialStore::Vault => "vault",
                coffer_core::linked::CredentialStore::None => "(log in)",
            },
            p.linked_secrets,
            p.address
        );
    }
    Ok(())
}

fn target_of(args: &LinkArgs, key: Option<String>) -> Result<LinkTarget, Failure> {
    match (&args.path, &args.secret_id) {
        (Some(path), None) => {
            if args.json_key.is_some() || args.version_stage.is_some() || args.version_id.is_some() || args.region.is_some() {
                return Err(usage("--json-key, --version-stage, --version-id and --region are for AWS links (with --secret-id)"));
            }
            Ok(LinkTarget::Vault {
                path: path.clone(),
                key: key.ok_or_else(|| usage("a Vault link needs --key KEY (or --all-keys)"))?,
                version: args.version,
                kv_version: args.kv_version,
            })
        }
        (None, Some(secret_id)) => {
            if args.version.is_some() || args.kv_version.is_some() {
                return Err(usage("--version and --kv-version are for Vault links; AWS takes --version-id or --version-stage"));
            }
            Ok(LinkTarget::Aws {
                secret_id: secret_id.clone(),
                region: args.region.clone(),
                json_key: args.json_key.clone(),
                version_stage: args.version_stage.clone(),
                version_id: args.version_id.clone(),
            })
        }
        _ => Err(usage(
            "say where the value lives: --path MOUNT/PATH --key KEY (Vault), or --secret-id NAME_OR_ARN (AWS)",
        )),
    }
}

pub fn link(ctx: &Context, args: LinkArgs) -> Outcome {
    if args.no_check && args.path.is_some() && args.kv_version.is_none() {
        return Err(usage(
            "with --no-check, give the mount's --kv-version 1 or 2 (it cannot be looked up)",
        ));
    }
    let request = |name: String, target: LinkTarget| LinkRequest {
        name,
        provider: args.provider.clone(),
        target,
        allowed_domains: args.domains.as_deref().map(split_domains),
        note: args.note.clone(),
        enabled: args.disabled.then_some(false),
        check: !args.no_check,
    };
    let mut vault = ctx.unlocked()?;
    let requests = if let Some(file) = &args.bulk {
        let kind = vault
            .providers()?
            .into_iter()
            .find(|p| p.name == args.provider)
            .map(|p| p.kind)
            .ok_or_else(|| Error::ProviderNotFound {
                name: args.provider.clone(),
            })?;
        bulk_requests(file, kind)?
            .into_iter()
            .map(|(name, target)| request(name, target))
            .collect()
    } else if args.all_keys {
        let path = args.path.clone().unwrap_or_default();
        let keys = vault.provider_keys(&args.provider, &path, args.version)?;
        if keys.is_empty() {
            return Err(usage(format!("{path} holds no keys to link")));
        }
        let prefix = args.prefix.clone().unwrap_or_else(|| {
            let rest = path
                .trim_matches('/')
                .split_once('/')
                .map_or("", |(_, r)| r);
            format!("{rest}/")
        });
        keys.into_iter()
            .map(|key| {
                let target = target_of(&args, Some(key.clone()))?;
                Ok(request(format!("{prefix}{key}"), target))
            })
            .collect::<Result<Vec<_>, Failure>>()?
    } else {
        let name = args.name.clone().unwrap_or_default();
        vec![request(name, target_of(&args, args.key.clone())?)]
    };
    let linked = vault.link_many(requests)?;
    for info in &linked {
        if let Some(l) = &info.linked {
            eprintln!("linked {} to {} {}", info.name, l.provider, l.location);
        }
    }
    Ok(())
}

/// The lines of a bulk-link file: `SECRET PATH KEY` or `SECRET SECRET_ID [JSON_KEY]`.
fn bulk_requests(file: &Path, kind: Kind) -> Result<Vec<(String, LinkTarget)>, Failure> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| usage(format!("cannot read {}: {e}", file.display())))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let at = |reason: &str| usage(format!("{} line {}: {reason}", file.display(), n + 1));
        let target = match (kind, words.as_slice()) {
            (Kind::Vault, [_, path, key]) => LinkTarget::Vault {
                path: (*path).to_owned(),
                key: (*key).to_owned(),
                version: None,
                kv_version: None,
            },
            (Kind::Aws, [_, secret_id, rest @ ..]) if rest.len() <= 1 => LinkTarget::Aws {
                secret_id: (*secret_id).to_owned(),
                region: None,
                json_key: rest.first().map(|k| (*k).to_owned()),
                version_stage: None,
                version_id: None,
            },
            (Kind::Vault, _) => return Err(at("write SECRET MOUNT/PATH KEY")),
            (Kind::Aws, _) => return Err(at("write SECRET SECRET_ID [JSON_KEY]")),
        };
        out.push((words[0].to_owned(), target));
    }
    if out.is_empty() {
        return Err(usage(format!("{} has no links", file.display())));
    }
    Ok(out)
}

pub fn publish(ctx: &Context, args: PublishArgs) -> Outcome {
    let place = match (&args.path, &args.key, &args.secret_id) {
        (Some(path), Some(key), None) => LinkTarget::Vault {
            path: path.clone(),
            key: key.clone(),
            version: None,
            kv_version: None,
        },
        (None, None, Some(secret_id)) => LinkTarget::Aws {
            secret_id: secret_id.clone(),
            region: args.region.clone(),
            json_key: args.json_key.clone(),
            version_stage: None,
            version_id: None,
        },
        _ => {
            return Err(usage(
                "say where to publish: --path MOUNT/PATH --key KEY (Vault), or --secret-id NAME_OR_ARN (AWS)",
            ))
        }
    };
    let mut vault = ctx.unlocked()?;
    let info = vault.publish(Target::Name(&args.name), &args.provider, place)?;
    if let Some(l) = &info.linked {
        eprintln!(
            "published {} to {} {} and linked it there; its value now lives in the provider",
            info.name, l.provider, l.location
        );
    }
    Ok(())
}

pub fn unlink(ctx: &Context, name: &str) -> Outcome {
    let mut vault = ctx.unlocked()?;
    let info = vault.unlink(Target::Name(name))?;
    eprintln!(
        "unlinked {}: it now holds its current value locally",
        info.name
    );
    Ok(())
}

pub fn cache(ctx: &Context, command: CacheCommand) -> Outcome {
    match command {
        CacheCommand::Reset => {
            let mut vault = ctx.unlocked()?;
            let dropped = vault.reset_link_cache();
            eprintln!(
                "cache reset ({dropped} values dropped): each coffer command fetches linked values anew and keeps them only while it runs; the desktop app has its own cache and its own Reset cache"
            );
            Ok(())
        }
    }
}
