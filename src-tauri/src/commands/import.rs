//! Import from the app, in two steps: preview (a file or folder from a
//! native dialog, files dropped on the window, or pasted text; a password
//! when the source is encrypted), then apply with a decision per conflict.
//!
//! Sources are read (and encrypted ones decrypted) with no lock held; only
//! the comparison with the vault holds the vault.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use coffer_core::{
    read_import_with, read_key_file, Credentials, Decision, Error, FileReport, ImportSet,
    ImportSource, ImportSummary, Policy, Preview, SecretString, IMPORT_MAX_ENTRIES,
};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use zeroize::Zeroizing;

use super::reply::Reply;
use crate::dialog::{pick, Pick};
use crate::state::{AppState, ImportFrom};

/// The preview as the import screen shows it.
#[derive(Debug, Serialize)]
pub struct PreviewView {
    pub files: Vec<FileReport>,
    pub preview: Preview,
    /// Set when the source is encrypted and needs its password.
    pub needs_password: Option<String>,
    /// The source is a KeePass database: it may need a key file too.
    pub keepass: bool,
}

/// Reads the pending import (with `password` for an encrypted source) and
/// compares it with the vault.
fn preview(state: &AppState, password: Option<&SecretString>) -> Result<PreviewView, Error> {
    let (serial, from, key_file) = state
        .import_source()
        .ok_or(Error::NoImport { step: "preview" })?;
    let credentials = Credentials {
        password,
        key_file: key_file.as_deref().map(Vec::as_slice),
    };
    let policy = state.policy();
    let read = match &from {
        ImportFrom::Paths(paths) => read_paths(paths, credentials, &state.vault_path, &policy),
        ImportFrom::Text(bytes) => read_import_with(
            ImportSource::Text {
                label: "pasted text",
                bytes,
            },
            credentials,
            Some(&state.vault_path),
            &policy,
        ),
    };
    let set = match read {
        Err(Error::PasswordRequired { file, keepass }) => {
            return Ok(PreviewView {
                files: Vec::new(),
                preview: Preview::default(),
                needs_password: Some(file),
                keepass,
            })
        }
        other => other?,
    };
    let preview = state.with_vault(|v| v.import_preview(&set))?;
    let files = set.files.clone();
    if !state.keep_import_set(serial, set) {
        // Locked, cancelled or replaced by another import while reading.
        return Err(Error::NoImport { step: "preview" });
    }
    Ok(PreviewView {
        files,
        preview,
        needs_password: None,
        keepass: false,
    })
}

/// Reads every path into one import; any error fails the whole import.
fn read_paths(
    paths: &[PathBuf],
    credentials: Credentials<'_>,
    vault: &Path,
    policy: &Policy,
) -> Result<ImportSet, Error> {
    let mut all = ImportSet {
        files: Vec::new(),
        secrets: Vec::new(),
    };
    for path in paths {
        let set = read_import_with(ImportSource::Path(path), credentials, Some(vault), policy)?;
        all.files.extend(set.files);
        all.secrets.extend(set.secrets);
        if all.secrets.len() > IMPORT_MAX_ENTRIES {
            return Err(Error::ImportInvalid {
                file: "the dropped files".into(),
                problem: format!(
                    "together they hold more than {IMPORT_MAX_ENTRIES} entries, the most one import takes; import them in parts"
                ),
            });
        }
    }
    Ok(all)
}

/// Opens the native dialog for a file (`folder` = false) or a folder, then previews it.
#[tauri::command]
pub async fn import_pick<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    folder: bool,
) -> Reply<Option<PreviewView>> {
    let what = if folder {
        Pick::OpenFolder
    } else {
        Pick::OpenFile
    };
    let Some(path) = pick(&app, what) else {
        return Ok(None);
    };
    Ok(Some(import_paths(&state, vec![path])?))
}

/// Previews files and folders chosen in a dialog or dropped on the window
/// (the window's drop handler calls this in Rust).
pub fn import_paths(state: &AppState, paths: Vec<PathBuf>) -> Result<PreviewView, Error> {
    state.start_import(ImportFrom::Paths(paths));
    preview(state, None)
}

/// Previews pasted text. Off the main thread: an encrypted paste may run a slow KDF.
#[tauri::command(async)]
pub fn import_paste(state: State<'_, AppState>, text: String) -> Reply<PreviewView> {
    state.start_import(ImportFrom::Text(Zeroizing::new(text.into_bytes())));
    Ok(preview(&state, None)?)
}

/// Chooses the key file of the KeePass database being imported (read in
/// Rust; only its name reaches the window). `None` when the user cancels.
#[tauri::command]
pub async fn import_key_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Reply<Option<String>> {
    // No dialog for an import that is not there.
    if state.import_source().is_none() {
        return Err(Error::NoImport { step: "key file" }.into());
    }
    let Some(path) = pick(&app, Pick::OpenKeyFile) else {
        return Ok(None);
    };
    Ok(Some(use_key_file(&state, &path)?))
}

/// Reads `path` as the pending import's key file; returns its file name.
pub fn use_key_file(state: &AppState, path: &Path) -> Result<String, Error> {
    let bytes = read_key_file(path)?;
    if !state.set_import_key_file(bytes) {
        return Err(Error::NoImport { step: "key file" });
    }
    Ok(path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default())
}

/// Previews the pending encrypted source with its password (off the main thread: KDF).
#[tauri::command(async)]
pub fn import_unlock(state: State<'_, AppState>, password: String) -> Reply<PreviewView> {
    let password = SecretString::from(password);
    Ok(preview(&state, Some(&password))?)
}

/// Applies the pending import: `default` for every conflict, `overrides`
/// by the conflict's incoming position. One transaction; the pending import
/// is gone afterwards, whatever happened.
#[tauri::command]
pub fn import_apply(
    state: State<'_, AppState>,
    default: Option<Decision>,
    overrides: HashMap<usize, Decision>,
) -> Reply<ImportSummary> {
    let set = state
        .take_import_set()
        .ok_or(Error::NoImport { step: "apply" })?;
    Ok(state.with_vault(|v| {
        let (summary, undo) = v.import_apply(set, default, &overrides)?;
        // Kept while the vault is held: a lock cannot slip in between.
        state.keep_undo(undo);
        Ok(summary)
    })?)
}

/// Forgets a pending import (the user closed the screen).
#[tauri::command]
pub fn import_cancel(state: State<'_, AppState>) {
    state.cancel_import();
}
