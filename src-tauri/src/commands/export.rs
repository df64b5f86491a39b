//! Export from the app: the options the policy allows, the password meter,
//! and writing the file where the user picks (native dialog, in Rust).

use coffer_core::{password_strength, write_private_file, ExportKind, ExportRequest, SecretString};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use zeroize::Zeroizing;

use super::reply::Reply;
use crate::dialog::{pick, Pick};
use crate::state::AppState;

/// What the export dialog may offer, per the policy read now.
#[derive(Serialize)]
pub struct ExportOptions {
    /// `None` = allowed; otherwise the reason it is not.
    pub encrypted: Option<String>,
    pub plaintext: Option<String>,
    pub dotenv: Option<String>,
    pub postman: Option<String>,
    pub min_password_length: usize,
}

#[tauri::command]
pub fn export_options(state: State<'_, AppState>) -> ExportOptions {
    let policy = state.policy();
    let reason = |kind| policy.check_export(kind).err().map(|e| e.to_string());
    ExportOptions {
        encrypted: reason(ExportKind::Encrypted),
        plaintext: reason(ExportKind::Plaintext),
        dotenv: reason(ExportKind::Dotenv),
        postman: reason(ExportKind::Postman),
        min_password_length: policy.min_password_length.value,
    }
}

/// 0–4, for the strength meter (exports need 3).
#[tauri::command]
pub fn password_score(password: String) -> u8 {
    let password = Zeroizing::new(password);
    password_strength(&password)
}

/// Where the export went.
#[derive(Serialize)]
pub struct Exported {
    pub path: String,
    pub secrets: usize,
    /// Linked secrets a dotenv or Postman file cannot hold.
    pub linked_left_out: usize,
}

/// Checks the export against the policy and the password rules, asks where
/// to save (native dialog), then reads and writes it. `None` when the user
/// cancels the dialog. The vault is held only to read the records; the key
/// derivation runs after.
#[tauri::command]
pub async fn export_to_file<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    format: ExportKind,
    password: Option<String>,
) -> Reply<Option<Exported>> {
    let request = match format {
        ExportKind::Plaintext => ExportRequest::Plaintext,
        ExportKind::Dotenv => ExportRequest::Dotenv,
        ExportKind::Postman => ExportRequest::Postman,
        ExportKind::Encrypted => {
            ExportRequest::Encrypted(SecretString::from(password.unwrap_or_default()))
        }
    };
    // Refused options and weak passwords are refused before a dialog opens;
    // the values are read only once a file was chosen, and only if the vault
    // is still unlocked then.
    let policy = state.policy();
    request.check(&policy)?;
    if !state.with_vault(|v| Ok(v.is_unlocked()))? {
        return Err(coffer_core::Error::Locked.into());
    }
    let Some(path) = pick(&app, Pick::SaveExport(format)) else {
        return Ok(None);
    };
    let prepared = state.with_vault(|v| v.prepare_export(&state.policy(), request))?;
    let (secrets, linked_left_out) = (prepared.secrets(), prepared.linked_left_out());
    let bytes = prepared.write()?;
    // The native dialog already asked about replacing an existing file.
    write_private_file(&path, &bytes, true)?;
    Ok(Some(Exported {
        path: path.display().to_string(),
        secrets,
        linked_left_out,
    }))
}
