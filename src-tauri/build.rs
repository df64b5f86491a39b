fn main() {
    // Every app command is listed here; capabilities/main.json grants each to
    // the main window only. Without the manifest any webview could call them.
    let manifest = tauri_build::AppManifest::new().commands(&["vault_status"]);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
