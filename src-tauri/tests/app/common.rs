//! The mock-runtime app and an IPC call as the webview makes it.

use std::path::{Path, PathBuf};

use coffer_core::PolicySource;
use coffer_desktop::{app_builder, state::AppState};
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

/// The app on the mock runtime, working on the vault at `vault`, with its
/// main window. No policy applies (the system file is looked for next to the
/// vault, where there is none).
pub fn mock_app(vault: PathBuf) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let source = PolicySource {
        system: vault.with_file_name("no-system-policy.json"),
        extra: None,
    };
    mock_app_under(vault, source)
}

/// [`mock_app`] under the policy in the file `policy`.
pub fn mock_app_with_policy(
    vault: PathBuf,
    policy: &Path,
) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let source = PolicySource {
        system: vault.with_file_name("no-system-policy.json"),
        extra: Some(policy.to_owned()),
    };
    mock_app_under(vault, source)
}

fn mock_app_under(
    vault: PathBuf,
    policy: PolicySource,
) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = app_builder(mock_builder(), AppState::with_policy(vault, policy))
        .build(mock_context(noop_assets()))
        .expect("app");
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");
    (app, window)
}

/// Invokes `cmd` with `args`; Ok(json) or Err(json) exactly as the webview gets them.
pub fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().expect("json"))
}
