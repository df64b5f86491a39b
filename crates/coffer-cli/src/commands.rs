//! One function per command; each opens the vault, calls the core, prints.

use std::io::Write;
use std::path::{Path, PathBuf};

use coffer_core::{
    Error, ExposeSecret, Keychain, Policy, SecretInfo, SecretPatch, SetOutcome, Target, Vault,
    VaultKey,
};

use crate::cli::SetArgs;
use crate::input;
use crate::unlock::unlock;

/// What a command run ended with, beyond the core's errors.
#[derive(Debug)]
pub enum Failure {
    /// A core error (exit code from its code).
    Core(Error),
    /// The command line was not acceptable (exit 2).
    Usage(String),
    /// Exit with this code, all said already (a program's own exit status).
    Exit(u8),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

pub type Outcome = Result<(), Failure>;

/// Global context of a run.
pub struct Context {
    pub vault_path: PathBuf,
    pub key_file: Option<PathBuf>,
}

impl Context {
    pub fn unlocked(&self) -> Result<Vault, Error> {
        let mut vault = Vault::open(&self.vault_path)?;
        unlock(&mut vault, self.key_file.as_deref())?;
        Ok(vault)
    }
}

pub fn init(ctx: &Context, no_keychain: bool) -> Outcome {
    let keychain = !no_keychain;
    let policy = Policy::current();
    if keychain {
        Keychain::new(&policy).self_test()?;
    }
    let (mut vault, key) = Vault::create(&ctx.vault_path, keychain)?;
    // The key is printed whatever happens next: without it the vault is lost.
    let saved = keychain && keep_in_keychain(&mut vault, &key, &policy);
    eprintln!(
        "Created a vault at {} (id {}).",
        vault.path().display(),
        vault.id()
    );
    print_new_key(&key, saved);
    Ok(())
}

/// Stores the key in the keychain; on failure warns, and records that the
/// vault's key is not there (removing any older entry), so later commands
/// ask for the key instead of failing on a stale one.
fn keep_in_keychain(vault: &mut Vault, key: &VaultKey, policy: &Policy) -> bool {
    let keychain = Keychain::new(policy);
    match keychain.keep(vault, key) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("warning: {e}");
            if let Err(e) = keychain.stop_keeping(vault) {
                eprintln!("warning: {e}");
            }
            false
        }
    }
}

fn print_new_key(key: &VaultKey, saved_in_keychain: bool) {
    if saved_in_keychain {
        eprintln!("The vault key is saved in the system keychain. It is printed below once:");
    } else {
        eprintln!("The vault key is NOT in the keychain. It is printed below once:");
    }
    eprintln!("keep a copy somewhere safe; without it the secrets cannot be recovered.");
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", key.to_text().expose_secret());
    let _ = out.flush();
}

pub fn set(ctx: &Context, args: SetArgs) -> Outcome {
    if !args.stray.is_empty() {
        // Never echo it: it is probably the value.
        return Err(Failure::Usage(format!(
            "`coffer set` takes the value from stdin (or a hidden prompt), never from the command line; {} extra argument{} left out and not shown — pipe the value in: printf '%s' \"$VALUE\" | coffer set NAME",
            args.stray.len(),
            if args.stray.len() == 1 { " was" } else { "s were" }
        )));
    }
    let mut vault = ctx.unlocked()?;
    let value = input::read_value(&args.name)?;
    let enabled = match (args.enabled, args.disabled) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let patch = SecretPatch {
        enabled,
        allowed_domains: args.domains.as_deref().map(split_domains),
        note: args.note,
        ..SecretPatch::default()
    };
    let (info, outcome) = vault.set(&args.name, value, patch)?;
    let verb = match outcome {
        SetOutcome::Created => "created",
        SetOutcome::Updated => "updated",
    };
    eprintln!("{verb} {}", info.name);
    Ok(())
}

pub fn split_domains(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn get(ctx: &Context, name: &str, no_newline: bool) -> Outcome {
    let mut vault = ctx.unlocked()?;
    let (_, value) = vault.get(name)?;
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(value.expose_secret().as_bytes())
        .and_then(|()| {
            if no_newline {
                Ok(())
            } else {
                out.write_all(b"\n")
            }
        })
        .and_then(|()| out.flush());
    written.map_err(|e| Error::Io {
        action: "cannot write the value to",
        path: PathBuf::from("stdout"),
        source: e,
    })?;
    Ok(())
}

pub fn list(ctx: &Context, json: bool) -> Outcome {
    let mut vault = ctx.unlocked()?;
    let mut secrets = vault.list()?;
    // By name; within a name, the one in effect first, then newest writes first
    // (list() returns write order).
    secrets.reverse();
    secrets.sort_by(|a, b| a.name.cmp(&b.name).then(a.shadowed.cmp(&b.shadowed)));
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(out, "{}", to_json(&secrets));
        return Ok(());
    }
    if secrets.is_empty() {
        eprintln!("no secrets yet; add one with `coffer set NAME`");
        return Ok(());
    }
    let width = secrets
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 40);
    let _ = writeln!(
        out,
        "{:<width$}  {:<8}  {:<20}  DOMAINS",
        "NAME", "STATE", "UPDATED"
    );
    for s in &secrets {
        let _ = writeln!(
            out,
            "{:<width$}  {:<8}  {:<20}  {}",
            s.name,
            state(s),
            s.updated_at
                .rfc3339()
                .get(..19)
                .unwrap_or_default()
                .replace('T', " "),
            if s.allowed_domains.is_empty() {
                "any".to_owned()
            } else {
                s.allowed_domains.join(",")
            },
        );
        if let Some(l) = &s.linked {
            let _ = writeln!(
                out,
                "{:<width$}  ↳ linked to {} {}",
                "", l.provider, l.location
            );
        }
    }
    Ok(())
}

fn state(s: &SecretInfo) -> &'static str {
    match (s.shadowed, s.enabled, s.linked.is_some()) {
        (true, _, _) => "shadowed",
        (false, false, _) => "disabled",
        (false, true, true) => "linked",
        (false, true, false) => "enabled",
    }
}

pub fn rename(ctx: &Context, old: &str, new: &str) -> Outcome {
    let mut vault = ctx.unlocked()?;
    let patch = SecretPatch {
        name: Some(new.to_owned()),
        ..SecretPatch::default()
    };
    let info = vault.update(Target::Name(old), patch)?;
    eprintln!("renamed {old} to {}", info.name);
    Ok(())
}

pub fn remove(ctx: &Context, name: &str) -> Outcome {
    let mut vault = ctx.unlocked()?;
    let (info, _undo) = vault.delete(Target::Name(name))?;
    eprintln!("deleted {}", info.name);
    if let Ok(next) = vault.info(Target::Name(name)) {
        eprintln!(
            "an older secret named {} is now in effect (updated {})",
            next.name,
            next.updated_at.rfc3339()
        );
    }
    Ok(())
}

pub fn set_enabled(ctx: &Context, name: &str, enabled: bool) -> Outcome {
    let mut vault = ctx.unlocked()?;
    let patch = SecretPatch {
        enabled: Some(enabled),
        ..SecretPatch::default()
    };
    let info = vault.update(Target::Name(name), patch)?;
    eprintln!(
        "{} {}",
        if enabled { "enabled" } else { "disabled" },
        info.name
    );
    Ok(())
}

pub fn confirmed(yes: bool, question: &str, flag_hint: &str) -> Outcome {
    if yes {
        return Ok(());
    }
    if !input::interactive() {
        return Err(Failure::Usage(format!(
            "{flag_hint}: pass --yes to confirm"
        )));
    }
    if input::confirm(question) {
        Ok(())
    } else {
        Err(Failure::Usage("cancelled; nothing was changed".into()))
    }
}

pub fn verify(ctx: &Context, accept_changes: bool, yes: bool) -> Outcome {
    let mut vault = ctx.unlocked()?;
    if accept_changes {
        confirmed(
            yes,
            &format!(
                "Accept the secrets in {} as they are now, including any rolled back, removed or added outside Coffer?",
                ctx.vault_path.display()
            ),
            "refusing to accept changes made outside Coffer without confirmation",
        )?;
        let count = vault.accept_records()?;
        eprintln!("accepted the {count} records as they are now");
    }
    let count = vault.verify()?;
    eprintln!("all {count} secrets are intact: each opens, and none was rolled back, removed or added outside Coffer");
    Ok(())
}

pub fn clear(ctx: &Context, yes: bool) -> Outcome {
    let mut vault = ctx.unlocked()?;
    let count = vault.secret_count()?;
    confirmed(
        yes,
        &format!(
            "Delete all {count} secrets from {}?",
            ctx.vault_path.display()
        ),
        "refusing to delete every secret without confirmation",
    )?;
    let (deleted, _undo) = vault.clear()?;
    eprintln!("deleted {deleted} secrets; the vault key is unchanged");
    Ok(())
}

pub fn reset(ctx: &Context, yes: bool) -> Outcome {
    let mut vault = Vault::open(&ctx.vault_path)?;
    let count = vault.secret_count()?;
    confirmed(
        yes,
        &format!(
            "Make a new vault key and delete all {count} secrets in {}?",
            ctx.vault_path.display()
        ),
        "refusing to reset the vault without confirmation",
    )?;
    let key = vault.reset()?;
    let saved = vault.keychain_enabled().unwrap_or(false)
        && keep_in_keychain(&mut vault, &key, &Policy::current());
    eprintln!("Deleted {count} secrets and made a new vault key.");
    print_new_key(&key, saved);
    Ok(())
}

pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The path a command line names for the vault, or the default one.
pub fn vault_path(given: Option<&Path>) -> PathBuf {
    given
        .map(Path::to_owned)
        .unwrap_or_else(coffer_core::default_vault_path)
}
