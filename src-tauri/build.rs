// The command list, written once in src/commands/list.rs. Every command is
// in the app manifest; capabilities/main.json grants each to the main window
// only; without the manifest any webview could call them.
include!("src/commands/list.rs");

const COMMANDS: &[&str] = coffer_commands!(command_names);

fn main() {
    println!("cargo:rerun-if-changed=src/commands/list.rs");
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
