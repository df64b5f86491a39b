//! The command list is written once (`src/commands/list.rs`): the handler
//! and the app manifest are made from it. These tests tie the capability
//! file to it and prove the handler knows every listed command.

use std::collections::BTreeSet;

use coffer_desktop::COMMANDS;
use serde_json::{json, Value};

use crate::common::{invoke, mock_app};

/// What the capability grants besides the app's own commands.
const CORE_PERMISSIONS: &[&str] = &["core:event:allow-listen", "core:event:allow-unlisten"];

fn capability() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/main.json");
    let text = std::fs::read_to_string(path).expect("capabilities/main.json");
    serde_json::from_str(&text).expect("json")
}

#[test]
fn the_capability_grants_exactly_the_listed_commands_to_the_main_window_only() {
    let cap = capability();
    assert_eq!(cap["windows"], json!(["main"]));
    let granted: BTreeSet<String> = cap["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("a permission name").to_owned())
        .collect();
    let mut wanted: BTreeSet<String> = COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    wanted.extend(CORE_PERMISSIONS.iter().map(|p| p.to_string()));
    assert_eq!(
        granted.difference(&wanted).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "granted but not a listed command"
    );
    assert_eq!(
        wanted.difference(&granted).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "listed but not granted"
    );
}

#[test]
fn the_handler_knows_every_listed_command_and_only_those() {
    // A directory where the vault should be: every command that touches the
    // vault fails at once, before any dialog or keychain, with a real reply.
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("a-folder");
    std::fs::create_dir(&vault).expect("mkdir");
    let (_app, window) = mock_app(vault);
    let not_found = |cmd: &str| match invoke(&window, cmd, json!({})) {
        Err(Value::String(message)) => message.contains("not found"),
        _ => false,
    };
    assert!(not_found("no_such_command"), "the check cannot tell");
    for cmd in COMMANDS {
        assert!(!not_found(cmd), "{cmd} is listed but not handled");
    }
    assert!(COMMANDS.len() >= 28, "{COMMANDS:?}");
}
