//! `coffer export` and `coffer import`.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use coffer_core::{
    read_import_with, read_key_file, write_private_file, Credentials, Decision, Error, ExportKind,
    ExportRequest, ExposeSecret, ImportSource, Policy, Preview, SecretString,
    IMPORT_MAX_FILE_BYTES,
};
use zeroize::Zeroizing;

use crate::cli::{ExportArgs, ExportFormat, ImportArgs, OnConflict};
use crate::commands::{Context, Failure, Outcome};
use crate::input;

/// Environment variable holding the export password.
pub const EXPORT_PASSWORD_ENV: &str = "COFFER_EXPORT_PASSWORD";

pub fn export(ctx: &Context, args: ExportArgs) -> Outcome {
    let kind = match args.format {
        ExportFormat::Encrypted => ExportKind::Encrypted,
        ExportFormat::Plaintext => ExportKind::Plaintext,
        ExportFormat::Dotenv => ExportKind::Dotenv,
        ExportFormat::Postman => ExportKind::Postman,
    };
    // Refused by policy before anyone types a password; the core checks again when it exports.
    let policy = Policy::current();
    policy.check_export(kind)?;
    let mut vault = ctx.unlocked()?;
    let request = match args.format {
        ExportFormat::Encrypted => {
            ExportRequest::Encrypted(export_password(args.password_file.as_deref())?)
        }
        clear => {
            let what = match clear {
                ExportFormat::Dotenv => "a dotenv file (names and values only)",
                ExportFormat::Postman => "a Postman environment",
                _ => "a plaintext Coffer export",
            };
            crate::commands::confirmed(
                args.yes,
                &format!(
                    "Write every secret UNENCRYPTED to {}, as {what}? Anyone who can read the file can read them.",
                    args.output.display()
                ),
                "refusing to write an unencrypted export without confirmation",
            )?;
            match clear {
                ExportFormat::Dotenv => ExportRequest::Dotenv,
                ExportFormat::Postman => ExportRequest::Postman,
                _ => ExportRequest::Plaintext,
            }
        }
    };
    let prepared = vault.prepare_export(&policy, request)?;
    let (count, linked_left_out) = (prepared.secrets(), prepared.linked_left_out());
    let bytes = prepared.write()?;
    write_private_file(&args.output, &bytes, args.force)?;
    eprintln!(
        "exported {count} secrets to {} ({}, mode 0600)",
        args.output.display(),
        kind.name()
    );
    if linked_left_out > 0 {
        eprintln!(
            "note: {linked_left_out} linked secret{} left out: this format cannot hold a link (an encrypted or plaintext Coffer export keeps links)",
            if linked_left_out == 1 { " was" } else { "s were" }
        );
    }
    match kind {
        ExportKind::Dotenv => eprintln!(
            "note: a dotenv file holds names and values only: allowed domains, notes and disabled flags are not in it"
        ),
        ExportKind::Postman => eprintln!(
            "note: a Postman environment holds names, values and enabled flags: allowed domains and notes are not in it"
        ),
        _ => {}
    }
    Ok(())
}

/// `--password-file`, else `COFFER_EXPORT_PASSWORD`, else a prompt typed twice.
fn export_password(file: Option<&Path>) -> Result<SecretString, Failure> {
    if let Some(file) = file {
        return read_password_file(file).map_err(Failure::Core);
    }
    if let Some(text) = std::env::var_os(EXPORT_PASSWORD_ENV) {
        return Ok(SecretString::from(text.to_string_lossy().into_owned()));
    }
    if !input::interactive() {
        return Err(Failure::Usage(format!(
            "an encrypted export needs a password: pass --password-file FILE or set {EXPORT_PASSWORD_ENV}"
        )));
    }
    let min = Policy::current().min_password_length.value;
    let first = prompt(&format!("Export password ({min}+ characters): "))?;
    let again = prompt("Repeat it: ")?;
    if first.expose_secret() != again.expose_secret() {
        return Err(Failure::Usage(
            "the two passwords differ; nothing was exported".into(),
        ));
    }
    Ok(first)
}

fn prompt(question: &str) -> Result<SecretString, Failure> {
    rpassword::prompt_password(question)
        .map(SecretString::from)
        .map_err(|e| {
            Failure::Usage(format!(
                "could not read the password from the terminal: {e}"
            ))
        })
}

/// A password file's content, without one trailing newline.
fn read_password_file(file: &Path) -> Result<SecretString, Error> {
    let text = std::fs::read_to_string(file)
        .map(Zeroizing::new)
        .map_err(|e| Error::Io {
            action: "cannot read the password file",
            path: file.to_owned(),
            source: e,
        })?;
    let trimmed = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    Ok(SecretString::from(trimmed.to_owned()))
}

pub fn import(ctx: &Context, args: ImportArgs) -> Outcome {
    let mut vault = ctx.unlocked()?;
    let stdin_bytes = if args.source == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .take(IMPORT_MAX_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::ImportInvalid {
                file: "stdin".into(),
                problem: format!("cannot read it: {e}"),
            })?;
        Some(Zeroizing::new(buf))
    } else {
        None
    };
    let source = match &stdin_bytes {
        Some(bytes) => ImportSource::Text {
            label: "stdin",
            bytes,
        },
        None => ImportSource::Path(Path::new(&args.source)),
    };
    let mut password = args
        .password_file
        .as_deref()
        .map(read_password_file)
        .transpose()?;
    let key_file = args
        .keepass_key_file
        .as_deref()
        .map(read_key_file)
        .transpose()?;
    let policy = Policy::current();
    let read = |password: Option<&SecretString>| {
        let credentials = Credentials {
            password,
            key_file: key_file.as_deref().map(Vec::as_slice),
        };
        read_import_with(source, credentials, Some(&ctx.vault_path), &policy)
    };
    let set = match read(password.as_ref()) {
        // Asked for when missing; with a key file alone, asked for when the
        // key file was not enough.
        Err(Error::PasswordRequired { file, .. }) | Err(Error::WrongPassword { file, .. })
            if password.is_none() && input::interactive() =>
        {
            password = Some(prompt(&format!("Password of {file}: "))?);
            read(password.as_ref())?
        }
        other => other?,
    };
    for file in &set.files {
        match (&file.format, &file.skipped) {
            (Some(format), _) => println!(
                "read {}: {} secrets ({})",
                file.source,
                file.secrets,
                format_name(*format)
            ),
            (None, Some(why)) => println!("skipped {}: {why}", file.source),
            (None, None) => {}
        }
        for what in &file.left_out {
            println!("left out of {}: {what}", file.source);
        }
        for what in &file.notes {
            println!("note on {}: {what}", file.source);
        }
    }
    let preview = vault.import_preview(&set)?;
    print_preview(&preview);
    if args.dry_run {
        eprintln!("dry run: nothing was changed");
        return Ok(());
    }
    let default = match args.on_conflict {
        Some(choice) => Some(decision(choice)),
        None if preview.conflicts.is_empty() => None,
        None if input::interactive() => Some(ask_decision(preview.conflicts.len())?),
        None => None,
    };
    let (summary, _undo) = vault.import_apply(set, default, &HashMap::new())?;
    eprintln!(
        "imported: {} created, {} replaced, {} kept (older ones now shadowed), {} skipped, {} unchanged",
        summary.created, summary.replaced, summary.kept, summary.skipped, summary.unchanged
    );
    Ok(())
}

fn print_preview(preview: &Preview) {
    println!(
        "new: {}  unchanged: {}  conflicts: {}",
        preview.new,
        preview.unchanged,
        preview.conflicts.len()
    );
    if preview.flagged_secret > 0 {
        let (n, verb) = match preview.flagged_secret {
            1 => ("1 of them".to_owned(), "is"),
            n => (format!("{n} of them"), "are"),
        };
        println!("{n} {verb} marked secret by their source");
    }
    for r in &preview.repeated {
        println!(
            "repeated in the import: {} ({} times); all are imported, the last in effect, the others shadowed",
            r.name, r.times
        );
    }
    if preview.linked > 0 {
        println!(
            "{} linked secret{}: the values stay in their providers; only the links are imported",
            preview.linked,
            if preview.linked == 1 { "" } else { "s" }
        );
    }
    for p in &preview.providers_added {
        println!(
            "provider {} ({} at {}) is added without credentials (they are never exported): log in to it with `coffer providers login {}` before its {} linked secret{} can be used",
            p.name,
            p.kind.name(),
            p.address,
            p.name,
            p.linked_secrets,
            if p.linked_secrets == 1 { "" } else { "s" }
        );
    }
    for c in &preview.conflicts {
        let incoming = c
            .incoming_updated_at
            .map_or_else(|| "no time".to_owned(), |t| t.rfc3339());
        let what = if c.values_differ {
            "values differ"
        } else {
            "same value, other details differ"
        };
        println!(
            "conflict: {} (existing updated {}, incoming {incoming}; {what})",
            c.name,
            c.existing_updated_at.rfc3339()
        );
    }
}

fn ask_decision(count: usize) -> Result<Decision, Failure> {
    eprint!("{count} conflicts: [r]eplace, [k]eep both, or [s]kip them all? ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Failure::Usage(format!("could not read the answer: {e}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "r" | "replace" => Ok(Decision::Replace),
        "k" | "keep" => Ok(Decision::Keep),
        "s" | "skip" => Ok(Decision::Skip),
        _ => Err(Failure::Usage("no decision; nothing was imported".into())),
    }
}

fn decision(choice: OnConflict) -> Decision {
    match choice {
        OnConflict::Replace => Decision::Replace,
        OnConflict::Keep => Decision::Keep,
        OnConflict::Skip => Decision::Skip,
    }
}

fn format_name(format: coffer_core::Format) -> &'static str {
    match format {
        coffer_core::Format::CofferEncrypted => "Coffer export, encrypted",
        coffer_core::Format::CofferPlaintext => "Coffer export, plaintext",
        coffer_core::Format::PostmanEnvironment => "Postman environment",
        coffer_core::Format::Insomnia => "Insomnia export",
        coffer_core::Format::Hoppscotch => "Hoppscotch environment",
        coffer_core::Format::Bruno => "Bruno environment",
        coffer_core::Format::Keepass => "KeePass database",
        coffer_core::Format::OnePassword => "1Password export",
        coffer_core::Format::BitwardenCsv => "Bitwarden CSV",
        coffer_core::Format::OnePasswordCsv => "1Password CSV",
        coffer_core::Format::KeepassxcCsv => "KeePassXC CSV",
        coffer_core::Format::LastpassCsv => "LastPass CSV",
        coffer_core::Format::Csv => "CSV",
        coffer_core::Format::Bitwarden => "Bitwarden JSON",
        coffer_core::Format::BitwardenEncrypted => "Bitwarden JSON, password-protected",
        coffer_core::Format::Dotenv => "dotenv",
    }
}
