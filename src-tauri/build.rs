/// Every app command. capabilities/main.json grants each to the main window
/// only; without the manifest any webview could call them.
const COMMANDS: &[&str] = &[
    "vault_status",
    "vault_create",
    "vault_key_saved",
    "vault_unlock_keychain",
    "vault_unlock",
    "vault_lock",
    "vault_reset",
    "vault_clear",
    "vault_key_copy",
    "vault_key_download",
    "secret_list",
    "secret_create",
    "secret_update",
    "secret_delete",
    "secret_reveal",
    "secret_copy",
    "secret_copy_reference",
    "settings_get",
    "settings_set",
    "settings_keychain",
    "export_options",
    "password_score",
    "export_to_file",
    "import_pick",
    "import_paste",
    "import_unlock",
    "import_apply",
    "import_cancel",
];

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
