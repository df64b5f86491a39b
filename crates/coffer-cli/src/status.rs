//! `coffer status` and `coffer policy`: what the vault and the admin policy
//! are, for people and (with `--json`) for scripts.

use coffer_core::{Error, Policy, Setting, Vault};

use crate::commands::{to_json, Context, Outcome};
use crate::unlock::{find_key, KeySource};

#[derive(serde::Serialize)]
struct Status {
    vault: String,
    exists: bool,
    id: Option<String>,
    format_version: Option<i64>,
    secret_count: Option<u64>,
    keychain: Option<bool>,
    locked: bool,
    key_source: Option<KeySource>,
    key_error: Option<coffer_core::ErrorBody>,
    policy: PolicySummary,
}

/// A one-glance view of the policy for `status`.
#[derive(serde::Serialize)]
struct PolicySummary {
    /// `none` (no policy file), `active`, or `invalid` (failing closed).
    state: &'static str,
    export_formats: Vec<coffer_core::ExportKind>,
    keychain_allowed: bool,
    plaintext_import_allowed: bool,
    problem: Option<String>,
}

fn policy_summary(p: &Policy) -> PolicySummary {
    let state = if p.failure.is_some() {
        "invalid"
    } else if *p == Policy::default() {
        "none"
    } else {
        "active"
    };
    let formats = if p.export_enabled.value && p.failure.is_none() {
        p.export_formats.value.clone()
    } else {
        Vec::new()
    };
    PolicySummary {
        state,
        export_formats: formats,
        keychain_allowed: p.keychain_allowed.value && p.failure.is_none(),
        plaintext_import_allowed: p.plaintext_import_allowed.value && p.failure.is_none(),
        problem: p
            .failure
            .as_ref()
            .map(|f| format!("{}: {}", f.file.display(), f.problem)),
    }
}

pub fn status(ctx: &Context, json: bool) -> Outcome {
    let mut status = Status {
        vault: ctx.vault_path.display().to_string(),
        exists: false,
        id: None,
        format_version: None,
        secret_count: None,
        keychain: None,
        locked: true,
        key_source: None,
        key_error: None,
        policy: policy_summary(&Policy::current()),
    };
    match Vault::open(&ctx.vault_path) {
        Err(Error::VaultNotFound { .. }) => {}
        Err(e) => return Err(e.into()),
        Ok(mut vault) => {
            status.exists = true;
            status.id = Some(vault.id());
            status.format_version = Some(vault.format_version()?);
            status.secret_count = Some(vault.secret_count()?);
            status.keychain = Some(vault.keychain_enabled()?);
            let mut tried = Vec::new();
            match find_key(&vault, ctx.key_file.as_deref(), &mut tried) {
                Ok(Some((key, source))) => {
                    status.key_source = Some(source);
                    match vault.unlock(&key) {
                        Ok(()) => {
                            status.locked = false;
                            // Unlocking migrates an older vault.
                            status.format_version = Some(vault.format_version()?);
                        }
                        Err(e) => status.key_error = Some(e.body()),
                    }
                }
                Ok(None) => {
                    status.key_error = Some(
                        Error::KeyUnavailable {
                            reason: tried.join("; "),
                        }
                        .body(),
                    )
                }
                Err(e) => status.key_error = Some(e.body()),
            }
        }
    }
    if json {
        println!("{}", to_json(&status));
        return Ok(());
    }
    println!("vault:    {}", status.vault);
    let p = &status.policy;
    match p.problem.as_deref() {
        Some(problem) => println!("policy:   INVALID, governed actions refused ({problem})"),
        None => println!(
            "policy:   {} (export: {}; keychain {}; plaintext import {})",
            p.state,
            if p.export_formats.is_empty() {
                "off".to_owned()
            } else {
                kinds(&p.export_formats)
            },
            if p.keychain_allowed {
                "allowed"
            } else {
                "forbidden"
            },
            if p.plaintext_import_allowed {
                "allowed"
            } else {
                "forbidden"
            },
        ),
    }
    if !status.exists {
        println!("state:    no vault yet (create one with `coffer init`)");
        return Ok(());
    }
    println!("id:       {}", status.id.unwrap_or_default());
    println!("format:   {}", status.format_version.unwrap_or_default());
    println!("secrets:  {}", status.secret_count.unwrap_or_default());
    let keychain = if status.keychain == Some(true) {
        "on"
    } else {
        "off"
    };
    println!("keychain: {keychain}");
    match (status.locked, status.key_source, status.key_error) {
        (false, Some(source), _) => println!(
            "key:      found ({}) and opens the vault",
            source_name(source)
        ),
        (_, _, Some(err)) => println!("key:      {} ({})", err.message, err.code),
        _ => println!("key:      not available"),
    }
    Ok(())
}

fn kinds(list: &[coffer_core::ExportKind]) -> String {
    list.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
}

/// `coffer policy`: every rule in force and where it comes from.
pub fn policy(json: bool) -> Outcome {
    let p = Policy::current();
    if json {
        println!("{}", to_json(&p));
        return Ok(());
    }
    println!(
        "system file: {}",
        coffer_core::system_policy_path().display()
    );
    if let Some(extra) = std::env::var_os(coffer_core::POLICY_ENV) {
        println!(
            "extra file:  {} ({})",
            std::path::Path::new(&extra).display(),
            coffer_core::POLICY_ENV
        );
    }
    if let Some(f) = &p.failure {
        println!("INVALID: {}: {}", f.file.display(), f.problem);
        println!("Exports, unencrypted imports and keychain use are refused until it is fixed.");
        return Ok(());
    }
    fn from<T>(s: &Setting<T>) -> String {
        s.source
            .as_ref()
            .map_or_else(|| "Coffer default".to_owned(), |p| p.display().to_string())
    }
    let limit = |v: Option<u32>, unit: &str| {
        v.map_or_else(|| "no limit".to_owned(), |v| format!("{v} {unit}"))
    };
    println!(
        "export enabled:           {:<22} {}",
        p.export_enabled.value,
        from(&p.export_enabled)
    );
    println!(
        "export formats:           {:<22} {}",
        kinds(&p.export_formats.value),
        from(&p.export_formats)
    );
    println!(
        "min export password:      {:<22} {}",
        format!("{} characters", p.min_password_length.value),
        from(&p.min_password_length)
    );
    println!(
        "plaintext import allowed: {:<22} {}",
        p.plaintext_import_allowed.value,
        from(&p.plaintext_import_allowed)
    );
    println!(
        "keychain allowed:         {:<22} {}",
        p.keychain_allowed.value,
        from(&p.keychain_allowed)
    );
    println!(
        "max auto-lock idle:       {:<22} {}",
        limit(p.max_idle_minutes.value, "minutes"),
        from(&p.max_idle_minutes)
    );
    println!(
        "max clipboard time:       {:<22} {}",
        limit(p.max_clear_seconds.value, "seconds"),
        from(&p.max_clear_seconds)
    );
    Ok(())
}

fn source_name(source: KeySource) -> &'static str {
    match source {
        KeySource::KeyFile => "key file",
        KeySource::Env => "COFFER_VAULT_KEY",
        KeySource::Keychain => "system keychain",
        KeySource::Prompt => "typed",
    }
}
