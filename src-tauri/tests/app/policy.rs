//! The admin policy over IPC: refusals reach the UI as their code, and the
//! UI learns what to grey out and why.

use serde_json::json;

use crate::common::{invoke, mock_app_with_policy};

#[test]
fn a_forbidden_keychain_reaches_the_ui_as_policy_denied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version": 1, "keychain": {"allowed": false}, "auto_lock": {"max_idle_minutes": 10}, "clipboard": {"max_clear_seconds": 20}, "export": {"formats": ["encrypted"]}}"#,
    )
    .expect("write");
    let (_app, window) = mock_app_with_policy(dir.path().join("vault.db"), &policy);
    let call = |cmd: &str, args: serde_json::Value| invoke(&window, cmd, args);
    let status = call("vault_status", json!({})).expect("status");
    assert_eq!(
        status["keychain_allowed"], false,
        "the UI greys out the checkbox"
    );
    call("vault_create", json!({})).expect("create");
    let err = call("vault_key_saved", json!({"keychain": true})).expect_err("refused");
    assert_eq!(err["code"], "policy_denied");
    assert!(err["message"]
        .as_str()
        .expect("message")
        .contains("keychain.allowed"));
    // The key is kept so the user can untick the box and go on.
    call("vault_key_saved", json!({"keychain": false})).expect("without keychain");
    // Settings beyond the policy are clamped, and say so.
    let s = call(
        "settings_set",
        json!({"settings": {"auto_lock_minutes": 0, "clipboard_clear_seconds": 300}}),
    )
    .expect("set");
    assert_eq!(
        (
            s["auto_lock_minutes"].clone(),
            s["clipboard_clear_seconds"].clone()
        ),
        (json!(10), json!(20))
    );
    assert!(s["auto_lock_limited_by"]
        .as_str()
        .expect("why")
        .contains("policy.json"));
    assert!(s["clipboard_limited_by"]
        .as_str()
        .expect("why")
        .contains("limited to 20"));
    assert_eq!(s["keychain_allowed"], false);
    let err = call("settings_keychain", json!({"enabled": true, "key": "x"})).expect_err("refused");
    assert_eq!(err["code"], "key_format");
    // The export dialog greys out plaintext with the reason...
    let options = call("export_options", json!({})).expect("options");
    assert_eq!(options["encrypted"], serde_json::Value::Null);
    for format in ["plaintext", "dotenv", "postman"] {
        assert!(
            options[format]
                .as_str()
                .is_some_and(|r| r.contains("export.formats")),
            "{format}: {options}"
        );
    }
    // ...and a caller that bypasses the UI is refused all the same, before any dialog opens.
    for format in ["plaintext", "dotenv", "postman"] {
        let err = call(
            "export_to_file",
            json!({"format": format, "password": null}),
        )
        .expect_err("refused");
        assert_eq!(err["code"], "policy_denied", "{format}");
    }
}

#[test]
fn a_key_change_the_keychain_would_refuse_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("policy.json");
    std::fs::write(&policy, r#"{"version": 1, "keychain": {"allowed": false}}"#).expect("write");
    let (_app, window) = mock_app_with_policy(dir.path().join("vault.db"), &policy);
    let call = |cmd: &str, args: serde_json::Value| invoke(&window, cmd, args);
    let old = call("vault_create", json!({})).expect("create")["key"].clone();
    call("vault_key_saved", json!({"keychain": false})).expect("saved");
    let new = call("vault_change_key", json!({})).expect("change")["key"].clone();
    // Asked to keep the new key in a keychain the policy forbids: refused
    // before the vault changes, and the new key stays on the screen.
    let err = call("vault_key_saved", json!({"keychain": true})).expect_err("refused");
    assert_eq!(err["code"], "policy_denied");
    assert_eq!(
        call("vault_status", json!({})).expect("status")["pending"],
        "change"
    );
    call("vault_lock", json!({})).expect("lock");
    assert_eq!(
        call("vault_unlock", json!({"key": new})).expect_err("not applied")["code"],
        "wrong_key"
    );
    call("vault_unlock", json!({"key": old})).expect("the old key still opens it");
}

#[test]
fn the_policys_idle_cap_locks_even_when_the_user_chose_never() {
    use std::time::{Duration, Instant};
    use tauri::Manager;
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version": 1, "auto_lock": {"max_idle_minutes": 10}}"#,
    )
    .expect("write");
    let (_app, window) = mock_app_with_policy(dir.path().join("vault.db"), &policy);
    let call = |cmd: &str, args: serde_json::Value| invoke(&window, cmd, args);
    call("vault_create", json!({})).expect("create");
    call("vault_key_saved", json!({"keychain": false})).expect("saved");
    call(
        "settings_set",
        json!({"settings": {"auto_lock_minutes": 0, "clipboard_clear_seconds": 30}}),
    )
    .expect("never, as far as the user is concerned");
    let handle = window.app_handle().clone();
    let now = Instant::now();
    assert!(!coffer_desktop::autolock::check_at(
        &handle,
        now + Duration::from_secs(9 * 60)
    ));
    assert!(coffer_desktop::autolock::check_at(
        &handle,
        now + Duration::from_secs(11 * 60)
    ));
    assert_eq!(
        call("vault_status", json!({})).expect("status")["unlocked"],
        false
    );
}
