//! Native file dialogs, opened from Rust so the webview never names a path.
//!
//! A build made for the tests (cargo feature `test-seams`, which `make test`
//! turns on) has one test seam: `COFFER_TEST_DIALOG_PATH` answers every
//! dialog with that path (the end-to-end tests cannot click a GTK dialog
//! reliably). The build a person runs, debug or release, does not contain it.

use std::path::PathBuf;

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

/// What the dialog is for.
#[derive(Debug, Clone, Copy)]
pub enum Pick {
    /// Where to save an export of this format.
    SaveExport(coffer_core::ExportKind),
    /// Where to save the vault key.
    SaveKey,
    /// One file to import.
    OpenFile,
    /// A folder to import.
    OpenFolder,
    /// The key file of a KeePass database being imported.
    OpenKeyFile,
    /// The CA certificate (PEM) a provider of linked secrets is trusted with.
    OpenCaFile,
}

/// Shows the dialog and waits; `None` when the user cancels.
/// Must not run on the main thread (commands that call it are async).
pub fn pick<R: Runtime>(app: &AppHandle<R>, what: Pick) -> Option<PathBuf> {
    #[cfg(feature = "test-seams")]
    if let Some(path) = std::env::var_os("COFFER_TEST_DIALOG_PATH") {
        return Some(PathBuf::from(path));
    }
    let dialog = app.dialog().file();
    let chosen = match what {
        Pick::SaveExport(kind) => {
            let (name, filter, extensions): (&str, &str, &[&str]) = match kind {
                coffer_core::ExportKind::Dotenv => ("coffer.env", "dotenv", &["env"]),
                coffer_core::ExportKind::Postman => (
                    "coffer.postman_environment.json",
                    "Postman environment",
                    &["json"],
                ),
                _ => ("coffer-export.json", "JSON", &["json"]),
            };
            dialog
                .set_title("Export Coffer secrets")
                .set_file_name(name)
                .add_filter(filter, extensions)
                .blocking_save_file()
        }
        Pick::SaveKey => dialog
            .set_title("Save the Coffer vault key")
            .set_file_name("coffer-vault-key.txt")
            .blocking_save_file(),
        Pick::OpenFile => dialog
            .set_title("Import secrets from a file")
            .blocking_pick_file(),
        Pick::OpenFolder => dialog
            .set_title("Import every file in a folder")
            .blocking_pick_folder(),
        Pick::OpenKeyFile => dialog
            .set_title("The key file of the KeePass database")
            .blocking_pick_file(),
        Pick::OpenCaFile => dialog
            .set_title("The provider's CA certificate (PEM)")
            .add_filter("PEM certificates", &["pem", "crt", "cer"])
            .blocking_pick_file(),
    };
    chosen.and_then(|p| p.into_path().ok())
}
