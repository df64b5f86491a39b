//! The Coffer desktop app: a thin Tauri shell over `coffer-core`.
//!
//! Commands take state, call the core and map its error to `{code, message}`.

use coffer_core::{default_vault_path, ErrorBody, Vault};
use serde::Serialize;

/// What the start screen shows before anything is unlocked.
#[derive(Debug, Serialize)]
pub struct VaultStatus {
    /// Where the vault file is (or would be created).
    pub path: String,
    /// Whether a vault file exists there.
    pub exists: bool,
    /// Number of secret records, when the vault could be opened.
    pub secret_count: Option<u64>,
}

/// The vault's location and size; needs no key and writes nothing.
#[tauri::command]
fn vault_status() -> Result<VaultStatus, ErrorBody> {
    let path = default_vault_path();
    let shown = path.display().to_string();
    match Vault::open(&path) {
        Ok(vault) => Ok(VaultStatus {
            path: shown,
            exists: true,
            secret_count: Some(vault.secret_count().map_err(|e| e.body())?),
        }),
        Err(coffer_core::Error::VaultNotFound { .. }) => Ok(VaultStatus {
            path: shown,
            exists: false,
            secret_count: None,
        }),
        Err(e) => Err(e.body()),
    }
}

/// Builds the app on any runtime (the mock runtime in tests).
pub fn app_builder<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![vault_status])
}

/// Starts the desktop app.
pub fn run() {
    if !cfg!(debug_assertions) {
        coffer_core::disable_core_dumps();
    }
    let result = app_builder(tauri::Builder::default()).run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error: Coffer could not start: {e}");
        std::process::exit(1);
    }
}
