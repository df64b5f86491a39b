//! Where an import comes from: a file, a folder (every importable file in
//! it) or pasted text, read with the hostile-input limits (regular files
//! only, never the vault itself, at most `IMPORT_MAX_FILE_BYTES`).

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::detect::{parse, Credentials, IMPORT_MAX_FILE_BYTES};
use super::incoming::{FileError, ImportSet};
use crate::error::{Error, Result};
use crate::policy::Policy;

/// Where an import comes from.
#[derive(Debug, Clone, Copy)]
pub enum ImportSource<'a> {
    /// A file, or a folder (every importable file in it).
    Path(&'a Path),
    /// Text piped or pasted in, with a label for messages (e.g. `stdin`).
    Text { label: &'a str, bytes: &'a [u8] },
}

/// Reads and checks an import without touching any vault. `vault` is the
/// vault's own file, refused as an import source. `password` opens encrypted
/// files; without it they fail with `password_required`. `policy` decides
/// whether unencrypted sources may be imported.
pub fn read_import(
    source: ImportSource<'_>,
    password: Option<&SecretString>,
    vault: Option<&Path>,
    policy: &Policy,
) -> Result<ImportSet> {
    let credentials = Credentials {
        password,
        key_file: None,
    };
    read_import_with(source, credentials, vault, policy)
}

/// [`read_import`] with every credential an encrypted source may need (a
/// KeePass database may need a key file besides its password).
pub fn read_import_with(
    source: ImportSource<'_>,
    credentials: Credentials<'_>,
    vault: Option<&Path>,
    policy: &Policy,
) -> Result<ImportSet> {
    let mut set = ImportSet {
        files: Vec::new(),
        secrets: Vec::new(),
    };
    match source {
        ImportSource::Text { label, bytes } => {
            let parsed = parse(bytes, credentials).map_err(|e| e.into_error(label))?;
            set.add(label, parsed);
        }
        ImportSource::Path(path) => {
            let meta = fs::metadata(path).map_err(|e| Error::io("cannot read", path, e))?;
            if meta.is_dir() {
                read_folder(path, credentials, vault, &mut set)?;
                if set.files.iter().all(|f| f.format.is_none()) {
                    return Err(Error::ImportInvalid {
                        file: path.display().to_string(),
                        problem: format!(
                            "no importable file in this folder ({})",
                            super::detect::KNOWN_FORMATS
                        ),
                    });
                }
            } else {
                let label = path.display().to_string();
                let bytes = read_file(path, vault).map_err(|e| e.into_error(&label))?;
                let parsed = parse(&bytes, credentials).map_err(|e| e.into_error(&label))?;
                set.add(&label, parsed);
            }
        }
    }
    if set.secrets.len() > super::incoming::IMPORT_MAX_ENTRIES {
        // A folder of files each under the cap.
        return Err(Error::ImportInvalid {
            file: source_label(&source),
            problem: super::incoming::too_many(),
        });
    }
    if set
        .files
        .iter()
        .filter_map(|f| f.format)
        .any(|f| !f.is_encrypted())
    {
        policy.check_plaintext_import()?;
    }
    Ok(set)
}

fn source_label(source: &ImportSource<'_>) -> String {
    match source {
        ImportSource::Path(p) => p.display().to_string(),
        ImportSource::Text { label, .. } => (*label).to_owned(),
    }
}

fn read_folder(
    dir: &Path,
    credentials: Credentials<'_>,
    vault: Option<&Path>,
    set: &mut ImportSet,
) -> Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| Error::io("cannot read the folder", dir, e))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io("cannot read the folder", dir, e))?;
    entries.sort();
    for path in entries {
        let label = path.display().to_string();
        if path.is_dir() {
            set.skip(
                label,
                "a folder (folders are not searched recursively)".into(),
            );
            continue;
        }
        let outcome = read_file(&path, vault).and_then(|bytes| parse(&bytes, credentials));
        match outcome {
            Ok(parsed) => set.add(&label, parsed),
            Err(FileError::Unrecognized(why)) => set.skip(label, why),
            Err(e) => return Err(e.into_error(&label)),
        }
    }
    Ok(())
}

/// The variables of an env file (dotenv syntax, read as an import reads
/// it), in order, for a program's environment. The names are variable
/// names, kept as written.
pub fn read_env_file(path: &Path) -> Result<Vec<(String, SecretString)>> {
    let label = path.display().to_string();
    let bytes = read_file(path, None).map_err(|e| e.into_error(&label))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| Error::ImportInvalid {
        file: label.clone(),
        problem: "it is not UTF-8 text".into(),
    })?;
    let items = super::dotenv::read(text).map_err(|e| e.into_error(&label))?;
    Ok(items.into_iter().map(|i| (i.name, i.value)).collect())
}

/// A KeePass key file's bytes (any file can be one), within
/// [`super::KDBX_KEY_FILE_MAX_BYTES`].
pub fn read_key_file(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let limit = super::KDBX_KEY_FILE_MAX_BYTES;
    let meta = fs::metadata(path).map_err(|e| Error::io("cannot read the key file", path, e))?;
    if !meta.is_file() {
        return Err(Error::ImportInvalid {
            file: path.display().to_string(),
            problem: "a key file must be a regular file (not a folder, FIFO or device)".into(),
        });
    }
    let mut bytes = Zeroizing::new(Vec::new());
    fs::File::open(path)
        .and_then(|f| f.take(limit as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| Error::io("cannot read the key file", path, e))?;
    if bytes.len() > limit {
        return Err(Error::ImportInvalid {
            file: path.display().to_string(),
            problem: format!("a key file is at most {limit} bytes; is this the right file?"),
        });
    }
    Ok(bytes)
}

/// Reads a regular file, refusing FIFOs, devices, the vault itself and oversized files.
fn read_file(path: &Path, vault: Option<&Path>) -> Result<Zeroizing<Vec<u8>>, FileError> {
    let meta =
        fs::metadata(path).map_err(|e| FileError::Invalid(format!("cannot read it: {e}")))?;
    if !meta.is_file() {
        return Err(FileError::Unrecognized(
            "not a regular file (a FIFO, socket or device)".into(),
        ));
    }
    if let (Some(vault), Ok(me)) = (vault, fs::canonicalize(path)) {
        if fs::canonicalize(vault).is_ok_and(|v| v == me) {
            return Err(FileError::Invalid(
                "it is the vault file itself; import an export instead".into(),
            ));
        }
    }
    if meta.len() > IMPORT_MAX_FILE_BYTES {
        return Err(FileError::Invalid(format!(
            "it is {} bytes; the import limit is {IMPORT_MAX_FILE_BYTES} bytes",
            meta.len()
        )));
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(meta.len() as usize));
    fs::File::open(path)
        .and_then(|f| f.take(IMPORT_MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| FileError::Invalid(format!("cannot read it: {e}")))?;
    if bytes.len() as u64 > IMPORT_MAX_FILE_BYTES {
        return Err(FileError::Invalid(format!(
            "it grew past the import limit of {IMPORT_MAX_FILE_BYTES} bytes"
        )));
    }
    Ok(bytes)
}

/// The fuzz target (`fuzz/`): reads `data` as pasted import text. Must never
/// panic, whatever the bytes; errors are expected. No password is given, so
/// encrypted inputs stop after their shape and KDF-bound checks.
#[doc(hidden)]
pub fn fuzz_import(data: &[u8]) -> Result<usize> {
    read_import(
        ImportSource::Text {
            label: "fuzz",
            bytes: data,
        },
        None,
        None,
        &Policy::default(),
    )
    .map(|set| set.secrets.len())
}
