//! Export and import from the app: dialogs in Rust, two-step import.

use std::collections::HashMap;
use std::path::PathBuf;

use coffer_core::{
    password_strength, read_import, write_export_file, Decision, Error, ErrorBody, ExportKind,
    ExportRequest, ImportSet, ImportSource, Policy, Preview, SecretString,
};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use zeroize::Zeroizing;

use crate::dialog::{pick, Pick};
use crate::state::AppState;

/// Where the pending import comes from; kept in Rust between the steps.
pub enum ImportFrom {
    /// Files and folders (one from a dialog, any number dropped on the window).
    Paths(Vec<PathBuf>),
    Text(Zeroizing<Vec<u8>>),
}

/// An import between preview and apply.
pub struct PendingImport {
    pub from: ImportFrom,
    pub set: Option<ImportSet>,
}

/// What the export dialog may offer, per the policy read now.
#[derive(Serialize)]
pub struct ExportOptions {
    pub encrypted: Option<String>,
    pub plaintext: Option<String>,
    pub min_password_length: usize,
}

/// `None` = allowed; otherwise the reason it is not.
#[tauri::command]
pub fn export_options() -> ExportOptions {
    let policy = Policy::current();
    let reason = |kind| policy.check_export(kind).err().map(|e| e.to_string());
    ExportOptions {
        encrypted: reason(ExportKind::Encrypted),
        plaintext: reason(ExportKind::Plaintext),
        min_password_length: policy.min_password_length.value,
    }
}

/// 0–4, for the strength meter (exports need 3).
#[tauri::command]
pub fn password_score(password: String) -> u8 {
    let password = Zeroizing::new(password);
    password_strength(&password)
}

#[derive(Serialize)]
pub struct Exported {
    pub path: String,
    pub secrets: u64,
}

/// Asks where to save (native dialog, in Rust) and writes the export.
/// `None` when the user cancels the dialog.
#[tauri::command]
pub async fn export_to_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    format: ExportKind,
    password: Option<String>,
) -> Result<Option<Exported>, ErrorBody> {
    let request = match format {
        ExportKind::Plaintext => ExportRequest::Plaintext,
        ExportKind::Encrypted => {
            ExportRequest::Encrypted(SecretString::from(password.unwrap_or_default()))
        }
    };
    // Refused options are refused before a dialog opens; the core checks again.
    Policy::current()
        .check_export(format)
        .map_err(|e| e.body())?;
    let bytes = state.with_vault(|v| v.export(request))?;
    let Some(path) = pick(&app, Pick::SaveExport) else {
        return Ok(None);
    };
    // The native dialog already asked about replacing an existing file.
    write_export_file(&path, &bytes, true).map_err(|e| e.body())?;
    let secrets = state.with_vault(|v| v.secret_count())?;
    Ok(Some(Exported {
        path: path.display().to_string(),
        secrets,
    }))
}

/// The preview as the import screen shows it.
#[derive(Debug, Serialize)]
pub struct PreviewView {
    pub files: Vec<coffer_core::FileReport>,
    pub preview: Preview,
    /// Set when the source is encrypted and needs its password.
    pub needs_password: Option<String>,
}

fn preview(state: &AppState, password: Option<&SecretString>) -> Result<PreviewView, ErrorBody> {
    let mut pending = state.pending_import();
    let Some(p) = pending.as_mut() else {
        return Err(ErrorBody {
            code: "no_import",
            message: "choose a file, a folder or paste text first".into(),
        });
    };
    let read = match &p.from {
        ImportFrom::Paths(paths) => read_paths(paths, password, &state.vault_path),
        ImportFrom::Text(bytes) => read_import(
            ImportSource::Text {
                label: "pasted text",
                bytes,
            },
            password,
            Some(&state.vault_path),
        ),
    };
    match read {
        Err(Error::PasswordRequired { file }) => Ok(PreviewView {
            files: Vec::new(),
            preview: Preview::default(),
            needs_password: Some(file),
        }),
        Err(e) => Err(e.body()),
        Ok(set) => {
            let preview = state.with_vault(|v| v.import_preview(&set))?;
            let files = set.files.clone();
            p.set = Some(set);
            Ok(PreviewView {
                files,
                preview,
                needs_password: None,
            })
        }
    }
}

/// Reads every path into one import; any error fails the whole import.
fn read_paths(
    paths: &[PathBuf],
    password: Option<&SecretString>,
    vault: &std::path::Path,
) -> Result<ImportSet, Error> {
    let mut all = ImportSet {
        files: Vec::new(),
        secrets: Vec::new(),
    };
    for path in paths {
        let set = read_import(ImportSource::Path(path), password, Some(vault))?;
        all.files.extend(set.files);
        all.secrets.extend(set.secrets);
    }
    Ok(all)
}

/// Opens the native dialog for a file (`folder` = false) or a folder, then previews it.
#[tauri::command]
pub async fn import_pick<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    folder: bool,
) -> Result<Option<PreviewView>, ErrorBody> {
    let Some(path) = pick(
        &app,
        if folder {
            Pick::OpenFolder
        } else {
            Pick::OpenFile
        },
    ) else {
        return Ok(None);
    };
    import_paths(&state, vec![path]).map(Some)
}

/// Previews files and folders chosen in a dialog or dropped on the window (handled in Rust).
pub fn import_paths(state: &AppState, paths: Vec<PathBuf>) -> Result<PreviewView, ErrorBody> {
    *state.pending_import() = Some(PendingImport {
        from: ImportFrom::Paths(paths),
        set: None,
    });
    preview(state, None)
}

/// Previews pasted text. Off the main thread: an encrypted paste may run a slow KDF.
#[tauri::command(async)]
pub fn import_paste(state: State<'_, AppState>, text: String) -> Result<PreviewView, ErrorBody> {
    *state.pending_import() = Some(PendingImport {
        from: ImportFrom::Text(Zeroizing::new(text.into_bytes())),
        set: None,
    });
    preview(&state, None)
}

/// Previews the pending encrypted source with its password (off the main thread: KDF).
#[tauri::command(async)]
pub fn import_unlock(
    state: State<'_, AppState>,
    password: String,
) -> Result<PreviewView, ErrorBody> {
    let password = SecretString::from(password);
    preview(&state, Some(&password))
}

/// Applies the pending import: `default` for every conflict, `overrides`
/// by the conflict's incoming position. One transaction.
#[tauri::command]
pub fn import_apply(
    state: State<'_, AppState>,
    default: Option<Decision>,
    overrides: HashMap<usize, Decision>,
) -> Result<coffer_core::ImportSummary, ErrorBody> {
    let set = state
        .pending_import()
        .as_mut()
        .and_then(|p| p.set.take())
        .ok_or_else(|| ErrorBody {
            code: "no_import",
            message: "preview an import first".into(),
        })?;
    let result = state.with_vault(|v| v.import_apply(set, default, &overrides));
    *state.pending_import() = None;
    result
}

/// Forgets a pending import (the user closed the screen).
#[tauri::command]
pub fn import_cancel(state: State<'_, AppState>) {
    *state.pending_import() = None;
}
