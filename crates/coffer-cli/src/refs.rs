//! Using secrets by reference: `coffer run` (a program's environment) and
//! `coffer inject` (a file), both over the core's one resolver.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

use coffer_core::reference::{check_json, find, render, Escape, Reference};
use coffer_core::{
    read_env_file, write_private_file, Error, ExposeSecret, SecretString, Usage, Values,
    IMPORT_MAX_FILE_BYTES,
};
use zeroize::Zeroizing;

use crate::cli::{InjectArgs, RunArgs, TemplateFormat};
use crate::commands::{Context, Failure, Outcome};
use crate::mask::Masker;

/// Resolves the references of `texts` (none: the vault is not even opened)
/// and says once which domain-restricted secrets went where Coffer cannot
/// check.
fn resolve_all(
    ctx: &Context,
    refs: &[&[Reference]],
    strict: bool,
    what: &str,
) -> Result<Option<Values>, Failure> {
    let names: Vec<&str> = refs
        .iter()
        .flat_map(|r| r.iter().map(|r| r.name.as_str()))
        .collect();
    if names.is_empty() {
        return Ok(None);
    }
    let mut vault = ctx.unlocked()?;
    let usage = if strict {
        Usage::Strict
    } else {
        Usage::Anywhere
    };
    let values = vault.resolve(names, usage)?;
    if !values.unchecked().is_empty() {
        let named: Vec<String> = values
            .unchecked()
            .iter()
            .map(|(name, domains)| format!("{name:?} (for {})", domains.join(", ")))
            .collect();
        let (is, goes) = if named.len() == 1 {
            ("is", "it goes")
        } else {
            ("are", "they go")
        };
        eprintln!(
            "note: {} {is} meant only for some hosts; {what} cannot check where {goes} (--strict-domains refuses such secrets)",
            named.join(", ")
        );
    }
    Ok(Some(values))
}

fn fill(
    text: &str,
    refs: &[Reference],
    values: Option<&Values>,
    escape: Escape,
) -> Zeroizing<String> {
    match values {
        Some(values) => render(text, refs, escape, |name| {
            values
                .get(name)
                .map(|v| v.expose_secret())
                .unwrap_or_else(|| unreachable!("every name was resolved"))
        }),
        None => Zeroizing::new(text.to_owned()),
    }
}

pub fn run(ctx: &Context, args: RunArgs) -> Outcome {
    let Some((program, program_args)) = args.command.split_first() else {
        return Err(Failure::Usage(
            "name the program to run after --, as in: coffer run -- ./deploy.sh".into(),
        ));
    };
    // What to set: variables of this environment that hold references, then
    // every variable of the env files (a later one wins).
    let mut vars: BTreeMap<String, SecretString> = BTreeMap::new();
    for (name, value) in std::env::vars_os() {
        if let (Ok(name), Ok(value)) = (name.into_string(), value.into_string()) {
            if !find(&value).is_empty() {
                vars.insert(name, SecretString::from(value));
            }
        }
    }
    for file in &args.env_file {
        for (name, value) in read_env_file(file)? {
            vars.insert(name, value);
        }
    }
    let found: Vec<(&String, &SecretString, Vec<Reference>)> = vars
        .iter()
        .map(|(n, v)| (n, v, find(v.expose_secret())))
        .collect();
    let refs: Vec<&[Reference]> = found.iter().map(|(_, _, r)| r.as_slice()).collect();
    let values = resolve_all(ctx, &refs, args.strict_domains, "coffer run")?;
    let mut command = Command::new(program);
    // The program gets its references, never what opens the vault.
    command
        .args(program_args)
        .stdin(Stdio::inherit())
        .env_remove(crate::unlock::KEY_ENV)
        .env_remove(crate::transfer::EXPORT_PASSWORD_ENV);
    for (name, value, refs) in &found {
        let text = fill(value.expose_secret(), refs, values.as_ref(), Escape::None);
        command.env(name, OsString::from(text.as_str()));
    }
    let masker = || -> Result<Option<Masker>, Failure> {
        match &values {
            Some(v) if !args.no_masking => {
                Masker::new(v.all().map(|s| s.expose_secret().as_bytes())).map_err(|problem| {
                    Failure::Usage(format!("{problem}; --no-masking runs without it"))
                })
            }
            _ => Ok(None),
        }
    };
    let masking = masker()?.is_some();
    if masking {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    let mut child = command.spawn().map_err(|e| cannot_start(program, &e))?;
    #[cfg(unix)]
    let forwarding = forward_signals(child.id())?;
    let (done, copied) = std::sync::mpsc::channel();
    let mut copies = 0;
    if masking {
        if let (Some(out), Some(m)) = (child.stdout.take(), masker()?) {
            let done = done.clone();
            std::thread::spawn(move || copy_masked(out, std::io::stdout(), m, done));
            copies += 1;
        }
        if let (Some(err), Some(m)) = (child.stderr.take(), masker()?) {
            let done = done.clone();
            std::thread::spawn(move || copy_masked(err, std::io::stderr(), m, done));
            copies += 1;
        }
    }
    drop(values);
    let status = child.wait().map_err(|e| Error::Io {
        action: "cannot wait for",
        path: program.into(),
        source: e,
    })?;
    // The program is gone: signals are Coffer's own again, and its pid may
    // be anyone's now.
    #[cfg(unix)]
    forwarding.close();
    // Its output ends when its pipes close, unless something it left running
    // holds them open: give that a moment, then stop waiting (what is still
    // held back could be the start of a value and is not shown).
    let deadline = std::time::Instant::now() + COPY_GRACE;
    for _ in 0..copies {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if copied.recv_timeout(left).is_err() {
            break;
        }
    }
    Err(Failure::Exit(exit_code(status)))
}

/// Why the program did not start, as a shell says it (127: not found, 126:
/// not runnable).
fn cannot_start(program: &str, e: &std::io::Error) -> Failure {
    let (code, why) = match e.kind() {
        std::io::ErrorKind::NotFound => {
            (127, "no such program (check the name and PATH)".to_owned())
        }
        std::io::ErrorKind::PermissionDenied => (126, "it is not executable".to_owned()),
        _ => (126, e.to_string()),
    };
    eprintln!("error: cannot run {program}: {why}");
    Failure::Exit(code)
}

/// The exit code of the program, as a shell reports it (128 + N when signal N ended it).
fn exit_code(status: ExitStatus) -> u8 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return (128 + signal) as u8;
        }
    }
    status.code().map_or(1, |code| code as u8)
}

/// How long `coffer run` waits for the last output after the program exits.
const COPY_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

fn copy_masked(
    mut from: impl Read,
    mut to: impl Write,
    mut masker: Masker,
    done: std::sync::mpsc::Sender<()>,
) {
    let mut chunk = Zeroizing::new(vec![0u8; 64 * 1024]);
    let mut out = Zeroizing::new(Vec::with_capacity(64 * 1024));
    loop {
        let n = match from.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        out.clear();
        masker.feed(&chunk[..n], &mut out);
        if to.write_all(&out).and_then(|()| to.flush()).is_err() {
            // Our reader went away: keep draining so the program is not blocked.
            continue;
        }
    }
    out.clear();
    masker.finish(&mut out);
    let _ = to.write_all(&out).and_then(|()| to.flush());
    let _ = done.send(());
}

/// SIGINT, SIGTERM and SIGHUP sent to Coffer by another process go on to the
/// program (Unix). The terminal's own (Ctrl+C, a hang-up) reach the program
/// directly, as it shares Coffer's process group, and are not sent twice.
#[cfg(unix)]
fn forward_signals(child: u32) -> Result<signal_hook::iterator::Handle, Failure> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::iterator::exfiltrator::WithOrigin;
    use signal_hook::iterator::SignalsInfo;
    let mut signals =
        SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP]).map_err(|e| Error::Io {
            action: "cannot handle signals for",
            path: "coffer run".into(),
            source: e,
        })?;
    let handle = signals.handle();
    std::thread::spawn(move || {
        for info in signals.forever() {
            if info.process.is_some() {
                #[allow(unsafe_code)]
                // SAFETY: kill(2) with our own child's pid and a valid signal.
                unsafe {
                    libc::kill(child as libc::pid_t, info.signal);
                }
            }
        }
    });
    Ok(handle)
}

pub fn inject(ctx: &Context, args: InjectArgs) -> Outcome {
    let label = if args.input.as_os_str() == "-" {
        "standard input".to_owned()
    } else {
        args.input.display().to_string()
    };
    let bytes = read_template(&args.input, &label)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| Error::TemplateInvalid {
        file: label.clone(),
        problem: "it is not UTF-8 text".into(),
    })?;
    let json = match args.format {
        Some(TemplateFormat::Json) => true,
        Some(TemplateFormat::Text) => false,
        None => args
            .input
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json")),
    };
    let refs = find(text);
    if json {
        check_json(text, &refs).map_err(|problem| Error::TemplateInvalid {
            file: label.clone(),
            problem,
        })?;
    }
    let values = resolve_all(ctx, &[&refs], args.strict_domains, "coffer inject")?;
    let escape = if json {
        Escape::JsonString
    } else {
        Escape::None
    };
    let out = fill(text, &refs, values.as_ref(), escape);
    match &args.output {
        Some(path) => {
            write_private_file(path, out.as_bytes(), args.force)?;
            eprintln!(
                "wrote {} ({} {} resolved, mode 0600)",
                path.display(),
                refs.len(),
                if refs.len() == 1 {
                    "reference"
                } else {
                    "references"
                }
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| Error::Io {
                    action: "cannot write",
                    path: "standard output".into(),
                    source: e,
                })?;
        }
    }
    Ok(())
}

/// The template's bytes, at most the import limit.
fn read_template(path: &Path, label: &str) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let mut bytes = Zeroizing::new(Vec::new());
    let read = if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(IMPORT_MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(IMPORT_MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| Error::TemplateInvalid {
        file: label.to_owned(),
        problem: format!("cannot read it: {e}"),
    })?;
    if bytes.len() as u64 > IMPORT_MAX_FILE_BYTES {
        return Err(Error::TemplateInvalid {
            file: label.to_owned(),
            problem: format!("it is larger than {IMPORT_MAX_FILE_BYTES} bytes"),
        }
        .into());
    }
    Ok(bytes)
}
