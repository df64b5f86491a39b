//! The command layer on tauri's mock runtime: each command's success and
//! error shape as the webview receives them.

use coffer_desktop::state::AppState;
use serde_json::{json, Value};
use tauri::test::MockRuntime;
use tauri::{Manager, WebviewWindow};

use crate::common::{invoke, mock_app};

struct App {
    _dir: tempfile::TempDir,
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

fn app() -> App {
    let dir = tempfile::tempdir().expect("tempdir");
    let (app, window) = mock_app(dir.path().join("vault.db"));
    App {
        _dir: dir,
        _app: app,
        window,
    }
}

impl App {
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke(&self.window, cmd, args)
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    /// The error's code, after checking it is exactly `{code, message}`.
    fn err(&self, cmd: &str, args: Value) -> String {
        let e = self
            .call(cmd, args)
            .err()
            .unwrap_or_else(|| panic!("{cmd} succeeded"));
        let obj = e
            .as_object()
            .unwrap_or_else(|| panic!("{cmd}: not an object: {e}"));
        assert_eq!(obj.len(), 2, "{cmd}: {e}");
        assert!(
            obj["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{cmd}: {e}"
        );
        obj["code"].as_str().expect("code").to_owned()
    }

    /// First run without the keychain; returns the key text.
    fn created(&self) -> String {
        let key = self.ok("vault_create", json!({}))["key"]
            .as_str()
            .expect("key")
            .to_owned();
        self.ok("vault_key_saved", json!({"keychain": false}));
        key
    }

    /// The names `secret_list` sends, in write order.
    fn names(&self) -> Vec<String> {
        let list = self.ok("secret_list", json!({}));
        list["names"]
            .as_array()
            .unwrap_or_else(|| panic!("no names column: {list}"))
            .iter()
            .map(|n| n.as_str().expect("name").to_owned())
            .collect()
    }

    fn add(&self, name: &str, value: &str) -> Value {
        self.ok("secret_create", json!({"secret": {"name": name, "value": value, "allowed_domains": ["api.example.com"]}}))
    }
}

#[test]
fn status_before_and_after_first_run() {
    let app = app();
    let s = app.ok("vault_status", json!({}));
    assert_eq!(s["exists"], false);
    assert_eq!(s["unlocked"], false);
    let key = app.created();
    assert_eq!(key.split('-').count(), 13);
    let s = app.ok("vault_status", json!({}));
    assert_eq!(
        (
            s["exists"].clone(),
            s["unlocked"].clone(),
            s["keychain_enabled"].clone()
        ),
        (json!(true), json!(true), json!(false))
    );
    assert_eq!(app.err("vault_create", json!({})), "vault_exists");
    assert_eq!(
        app.err("vault_key_saved", json!({"keychain": false})),
        "locked",
        "the key is handed out once"
    );
}

#[test]
fn secrets_round_trip_and_values_cross_only_on_reveal() {
    let app = app();
    app.created();
    let created = app.add("stripe", "sk_live_ipc");
    assert_eq!(created["name"], "stripe");
    assert!(created.get("value").is_none(), "{created}");
    let list = app.ok("secret_list", json!({}));
    assert_eq!(app.names(), ["stripe"]);
    assert_eq!(
        (
            list["ids"][0].clone(),
            list["enabled"].clone(),
            list["shadowed"].clone(),
            list["domains"][0].clone()
        ),
        (
            created["id"].clone(),
            json!("1"),
            json!("0"),
            json!("api.example.com")
        )
    );
    assert!(
        !list.to_string().contains("sk_live_ipc"),
        "a value crossed in the list"
    );
    let id = created["id"].as_str().expect("id");
    assert_eq!(
        app.ok("secret_reveal", json!({"id": id})),
        json!("sk_live_ipc")
    );

    let updated = app.ok(
        "secret_update",
        json!({"id": id, "patch": {"name": "stripe-live", "enabled": false, "note": "n"}}),
    );
    assert_eq!(
        (updated["name"].clone(), updated["enabled"].clone()),
        (json!("stripe-live"), json!(false))
    );
    assert_eq!(
        app.ok("secret_reveal", json!({"id": id})),
        json!("sk_live_ipc"),
        "rename keeps the value"
    );
    app.ok(
        "secret_update",
        json!({"id": id, "patch": {"value": "sk_new"}}),
    );
    assert_eq!(app.ok("secret_reveal", json!({"id": id})), json!("sk_new"));
    app.ok("secret_delete", json!({"id": id}));
    assert!(app.names().is_empty());
    assert_eq!(
        app.err("secret_delete", json!({"id": id})),
        "secret_not_found"
    );
}

#[test]
fn only_the_secret_in_effect_can_be_published() {
    let app = app();
    app.created();
    let older = app.add("stripe", "sk_old");
    let newer = app.ok(
        "secret_create",
        json!({"secret": {"name": "stripe", "value": "sk_new"}, "if_exists": "keep"}),
    );
    let target = json!({"kind": "vault", "path": "secret/app/stripe", "key": "key"});
    // The shadowed one would publish the other's value: refused, saying why.
    let e = app
        .call(
            "secret_publish",
            json!({"publish": {"id": older["id"], "provider": "bao", "target": target}}),
        )
        .expect_err("shadowed");
    assert_eq!(e["code"], "invalid_link");
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("shadowed")),
        "{e}"
    );
    // The one in effect gets as far as the provider, which is not there.
    assert_eq!(
        app.err(
            "secret_publish",
            json!({"publish": {"id": newer["id"], "provider": "bao", "target": target}})
        ),
        "provider_not_found"
    );
    assert_eq!(
        app.ok("secret_reveal", json!({"id": newer["id"]})),
        json!("sk_new"),
        "nothing changed"
    );
}

#[test]
fn bad_input_reaches_the_ui_as_its_code() {
    let app = app();
    app.created();
    assert_eq!(
        app.err(
            "secret_create",
            json!({"secret": {"name": "", "value": "v"}})
        ),
        "invalid_name"
    );
    assert_eq!(
        app.err(
            "secret_create",
            json!({"secret": {"name": "a}}b", "value": "v"}})
        ),
        "invalid_name"
    );
    assert_eq!(
        app.err(
            "secret_create",
            json!({"secret": {"name": "a", "value": "v", "allowed_domains": ["https://x/"]}})
        ),
        "invalid_domain"
    );
    assert_eq!(
        app.err("secret_reveal", json!({"id": "not-an-id"})),
        "invalid_argument"
    );
    assert_eq!(
        app.err("secret_reveal", json!({"id": "00".repeat(16)})),
        "secret_not_found"
    );
    assert!(
        app.call("secret_create", json!({"secret": {"value": "v"}}))
            .is_err(),
        "missing name"
    );
}

#[test]
fn lock_makes_every_secret_command_fail_and_unlock_reports_typos() {
    let app = app();
    let key = app.created();
    let id = app.add("a", "1")["id"].as_str().expect("id").to_owned();
    app.ok("vault_lock", json!({}));
    assert_eq!(app.ok("vault_status", json!({}))["unlocked"], false);
    for (cmd, args) in [
        ("secret_list", json!({})),
        ("secret_reveal", json!({"id": id})),
        (
            "secret_create",
            json!({"secret": {"name": "b", "value": "2"}}),
        ),
        ("secret_update", json!({"id": id, "patch": {"note": "x"}})),
        ("secret_delete", json!({"id": id})),
        ("vault_clear", json!({})),
    ] {
        assert_eq!(app.err(cmd, args), "locked", "{cmd}");
    }
    let mut typo: Vec<char> = key.chars().collect();
    typo[1] = if typo[1] == 'Z' { 'Y' } else { 'Z' };
    assert_eq!(
        app.err(
            "vault_unlock",
            json!({"key": typo.into_iter().collect::<String>()})
        ),
        "key_typo"
    );
    assert_eq!(
        app.err("vault_unlock", json!({"key": "hello"})),
        "key_format"
    );
    let other = coffer_core::VaultKey::generate();
    let other = coffer_core::ExposeSecret::expose_secret(&other.to_text()).to_owned();
    assert_eq!(app.err("vault_unlock", json!({"key": other})), "wrong_key");
    assert_eq!(
        app.err("vault_unlock_keychain", json!({})),
        "key_unavailable"
    );
    app.ok("vault_unlock", json!({"key": key}));
    assert_eq!(app.ok("secret_reveal", json!({"id": id})), json!("1"));
}

#[test]
fn clear_and_reset() {
    let app = app();
    let key = app.created();
    app.add("a", "1");
    app.add("b", "2");
    assert_eq!(app.ok("vault_clear", json!({})), json!(2));
    app.add("c", "3");
    app.ok("vault_lock", json!({}));
    // Reset needs no key; the new one is shown once and the old one is dead.
    let new_key = app.ok("vault_reset", json!({}))["key"]
        .as_str()
        .expect("key")
        .to_owned();
    assert_ne!(new_key, key);
    app.ok("vault_key_saved", json!({"keychain": false}));
    assert!(app.names().is_empty());
    app.ok("vault_lock", json!({}));
    assert_eq!(app.err("vault_unlock", json!({"key": key})), "wrong_key");
    app.ok("vault_unlock", json!({"key": new_key}));
}

#[test]
fn error_body_is_exactly_code_and_message() {
    let app = app();
    let e = app.call("secret_list", json!({})).expect_err("no vault");
    assert_eq!(e["code"], "vault_not_found");
    assert_eq!(
        e.as_object().expect("object").keys().collect::<Vec<_>>(),
        ["code", "message"]
    );
}

#[test]
fn settings_have_defaults_are_validated_and_need_an_unlocked_vault() {
    let app = app();
    app.created();
    let s = app.ok("settings_get", json!({}));
    assert_eq!(
        (
            s["auto_lock_minutes"].clone(),
            s["clipboard_clear_seconds"].clone()
        ),
        (json!(15), json!(30))
    );
    assert_eq!(s["auto_lock_limited_by"], Value::Null);
    let s = app.ok(
        "settings_set",
        json!({"settings": {"auto_lock_minutes": 5, "clipboard_clear_seconds": 0}}),
    );
    assert_eq!(
        (
            s["auto_lock_minutes"].clone(),
            s["clipboard_clear_seconds"].clone()
        ),
        (json!(5), json!(0))
    );
    assert_eq!(
        app.err(
            "settings_set",
            json!({"settings": {"auto_lock_minutes": 99999, "clipboard_clear_seconds": 1}})
        ),
        "invalid_setting"
    );
    assert_eq!(
        app.err("settings_keychain", json!({"enabled": true, "key": "nope"})),
        "key_format"
    );
    app.ok("vault_lock", json!({}));
    assert_eq!(
        app.err(
            "settings_set",
            json!({"settings": {"auto_lock_minutes": 1, "clipboard_clear_seconds": 1}})
        ),
        "locked"
    );
    assert_eq!(
        app.err("secret_copy", json!({"id": "00".repeat(16)})),
        "locked"
    );
}

#[test]
fn export_options_and_password_score() {
    let app = app();
    app.created();
    let options = app.ok("export_options", json!({}));
    for format in ["encrypted", "plaintext", "dotenv", "postman"] {
        assert_eq!(options[format], Value::Null, "{format}: {options}");
    }
    assert_eq!(options["min_password_length"], 12);
    assert!(
        app.ok("password_score", json!({"password": "password"}))
            .as_u64()
            .expect("score")
            < 2
    );
    assert!(
        app.ok(
            "password_score",
            json!({"password": "tangerine-oxide-marble-7"})
        )
        .as_u64()
        .expect("score")
            >= 3
    );
}

#[test]
fn paste_preview_apply_with_overrides_and_cancel() {
    let app = app();
    app.created();
    app.add("A", "old");
    app.add("B", "old");
    assert_eq!(
        app.err("import_apply", json!({"default": null, "overrides": {}})),
        "no_import"
    );
    let view = app.ok(
        "import_paste",
        json!({"text": "A=sk_incoming_a\nB=sk_incoming_b\nC=3\n"}),
    );
    assert_eq!(view["needs_password"], Value::Null);
    assert_eq!(view["preview"]["new"], 1);
    let conflicts = view["preview"]["conflicts"].as_array().expect("conflicts");
    assert_eq!(conflicts.len(), 2);
    assert!(
        !view.to_string().contains("sk_incoming"),
        "a value crossed in the preview: {view}"
    );
    // Without a decision for every conflict nothing is imported.
    assert_eq!(
        app.err(
            "import_apply",
            json!({"default": null, "overrides": {"0": "replace"}})
        ),
        "conflicts_unresolved"
    );
    // The pending import is gone after a failed apply; preview again.
    app.ok(
        "import_paste",
        json!({"text": "A=sk_incoming_a\nB=sk_incoming_b\nC=3\n"}),
    );
    let done = app.ok(
        "import_apply",
        json!({"default": "skip", "overrides": {"0": "replace"}}),
    );
    assert_eq!(
        (
            done["created"].clone(),
            done["replaced"].clone(),
            done["skipped"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );
    let names = app.names();
    assert_eq!(names, ["B", "A", "C"]);
    app.ok("import_paste", json!({"text": "D=4\n"}));
    app.ok("import_cancel", json!({}));
    assert_eq!(
        app.err("import_apply", json!({"default": null, "overrides": {}})),
        "no_import"
    );
    assert_eq!(
        app.err("import_paste", json!({"text": "just prose\n"})),
        "import_invalid"
    );
}

#[test]
fn dropped_paths_are_previewed_and_encrypted_ones_ask_for_a_password() {
    let app = app();
    app.created();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(".env"), "TOKEN=t\n").expect("write");
    let state = app.window.state::<AppState>();
    // What the window's drag-and-drop handler calls with the dropped paths.
    let view = coffer_desktop::commands::import::import_paths(&state, vec![dir.path().to_owned()])
        .expect("preview");
    assert_eq!(view.preview.new, 1);
    let encrypted = format!(
        "{}/../docs/vectors/v1-encrypted.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let view = coffer_desktop::commands::import::import_paths(&state, vec![encrypted.into()])
        .expect("needs password");
    assert!(view.needs_password.is_some());
    let password = include_str!("../../../docs/vectors/v1-encrypted.password");
    assert_eq!(
        app.err("import_unlock", json!({"password": "wrong password here"})),
        "wrong_password"
    );
    let view = app.ok("import_unlock", json!({"password": password}));
    assert_eq!(view["preview"]["new"], 3);
    app.ok("import_apply", json!({"default": null, "overrides": {}}));
    assert_eq!(app.names().len(), 3);
    // The vault file itself is refused as a source.
    let vault_path = state.vault_path.clone();
    let err = coffer_desktop::commands::import::import_paths(&state, vec![vault_path])
        .expect_err("the vault itself");
    assert_eq!(err.code(), "import_invalid");
}

#[test]
fn key_copy_needs_a_key_it_may_read() {
    let app = app();
    app.created();
    assert_eq!(
        app.err("vault_key_copy", json!({})),
        "key_unavailable",
        "not kept after first run"
    );
    app.ok("vault_lock", json!({}));
    assert_eq!(app.err("vault_key_copy", json!({})), "locked");
}

#[test]
fn tray_menu_handlers_lock_and_open() {
    // Bare Xvfb has no tray host to click: the menu's handlers are driven directly.
    let app = app();
    app.created();
    let id = app.add("a", "1")["id"].as_str().expect("id").to_owned();
    let handle = app.window.app_handle().clone();
    coffer_desktop::desktop::on_menu(&handle, "open");
    assert_eq!(
        app.ok("secret_reveal", json!({"id": id})),
        json!("1"),
        "Open does not lock"
    );
    coffer_desktop::desktop::on_menu(&handle, "lock");
    assert_eq!(app.err("secret_reveal", json!({"id": id})), "locked");
    assert_eq!(app.ok("vault_status", json!({}))["unlocked"], false);
    coffer_desktop::desktop::on_menu(&handle, "unknown-item");
}

#[test]
fn a_lock_on_the_key_screen_keeps_a_first_runs_key_and_drops_a_resets() {
    let app = app();
    let first = app.ok("vault_create", json!({}))["key"].clone();
    app.ok("vault_lock", json!({}));
    // The vault holds nothing yet: the same key is shown again, never a new one.
    assert_eq!(app.ok("vault_status", json!({}))["pending"], "create");
    assert_eq!(app.ok("vault_create", json!({}))["key"], first);
    app.ok("vault_key_saved", json!({"keychain": false}));
    let key = first.as_str().expect("key").to_owned();
    app.add("a", "1");
    // A reset is applied only once its key is saved: a lock before leaves
    // the vault and its key as they were.
    let reset = app.ok("vault_reset", json!({}))["key"].clone();
    assert_eq!(app.ok("vault_status", json!({}))["pending"], "reset");
    app.ok("vault_lock", json!({}));
    assert_eq!(
        app.err("vault_key_saved", json!({"keychain": false})),
        "locked"
    );
    assert_eq!(app.err("vault_unlock", json!({"key": reset})), "wrong_key");
    app.ok("vault_unlock", json!({"key": key}));
    assert_eq!(app.names(), ["a"]);
    // Saved, it is applied: new key, nothing left.
    let reset = app.ok("vault_reset", json!({}))["key"].clone();
    app.ok("vault_key_saved", json!({"keychain": false}));
    assert!(app.names().is_empty());
    app.ok("vault_lock", json!({}));
    assert_eq!(app.err("vault_unlock", json!({"key": key})), "wrong_key");
    app.ok("vault_unlock", json!({"key": reset}));
}

#[test]
fn keychain_on_refuses_a_key_of_another_vault() {
    let app = app();
    app.created();
    let other = coffer_core::VaultKey::generate();
    let other = coffer_core::ExposeSecret::expose_secret(&other.to_text()).to_owned();
    assert_eq!(
        app.err("settings_keychain", json!({"enabled": true, "key": other})),
        "wrong_key"
    );
    assert_eq!(
        app.ok("settings_get", json!({}))["keychain_enabled"],
        false,
        "nothing was stored"
    );
}

#[test]
fn every_lock_path_tells_the_page_and_forgets_a_pending_import() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tauri::Listener;

    let app = app();
    let key = app.created();
    let locked = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&locked);
    app.window.app_handle().listen_any("locked", move |_| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let handle = app.window.app_handle().clone();
    for (i, what) in ["the Lock command", "the tray's Lock"]
        .into_iter()
        .enumerate()
    {
        app.ok("import_paste", json!({"text": "PENDING=1\n"}));
        if i == 0 {
            app.ok("vault_lock", json!({}));
        } else {
            coffer_desktop::desktop::on_menu(&handle, "lock");
        }
        assert_eq!(locked.load(Ordering::SeqCst), i + 1, "{what}: no event");
        assert_eq!(
            app.ok("vault_status", json!({}))["unlocked"],
            false,
            "{what}"
        );
        app.ok("vault_unlock", json!({"key": key}));
        assert_eq!(
            app.err("import_apply", json!({"default": null, "overrides": {}})),
            "no_import",
            "{what}: the pending import survived the lock"
        );
    }
}

#[test]
fn allowed_domains_are_read_as_the_core_stores_them() {
    let app = app();
    let view = app.ok(
        "domains_check",
        json!({"patterns": "API.Example.com., *.Example.org localhost:8443, bücher.example"}),
    );
    assert_eq!(
        view,
        json!({
            "stored": ["api.example.com", "*.example.org", "localhost:8443", "xn--bcher-kva.example"],
            "problems": []
        })
    );
    let view = app.ok(
        "domains_check",
        json!({"patterns": "ok.example, ftp://x.example,a*.b"}),
    );
    assert_eq!(view["stored"], json!(["ok.example"]));
    let problems = view["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 2, "{view}");
    assert_eq!(problems[0]["pattern"], "ftp://x.example");
    assert!(
        problems[1]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("whole first part")),
        "{view}"
    );
}

#[test]
fn try_a_reference_says_what_would_resolve_and_never_sends_a_value() {
    let app = app();
    // Locked (no vault yet): refused in the page's words.
    assert_eq!(
        app.err(
            "reference_check",
            json!({"text": "{{vault:x}}", "url": null})
        ),
        "vault_not_found"
    );
    app.created();
    app.add("stripe", "sk_live_try"); // allowed on api.example.com
    app.ok(
        "secret_create",
        json!({"secret": {"name": "off", "value": "v-off", "enabled": false}}),
    );
    let text =
        "Bearer {{vault:stripe}} {{ vault:off }} {{vault:nope}} {{vault:stripe}} {{baseUrl}}";
    let there = app.ok(
        "reference_check",
        json!({"text": text, "url": "https://api.example.com/v1"}),
    );
    assert_eq!(
        there,
        json!([
            {"name": "stripe", "resolves": true, "detail": null},
            {"name": "off", "resolves": false, "detail": "it is disabled; enable it to use it"},
            {"name": "nope", "resolves": false, "detail": "no secret has that name"}
        ])
    );
    let elsewhere = app.ok(
        "reference_check",
        json!({"text": text, "url": "https://api.example.com@evil.test/"}),
    );
    assert_eq!(elsewhere[0]["resolves"], false);
    assert_eq!(
        elsewhere[0]["detail"],
        "it is allowed only on api.example.com, not on evil.test"
    );
    let unchecked = app.ok("reference_check", json!({"text": text, "url": ""}));
    assert_eq!(unchecked[0]["resolves"], true);
    assert!(
        unchecked[0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("meant only for api.example.com")),
        "{unchecked}"
    );
    for reply in [&there, &elsewhere, &unchecked] {
        assert!(!reply.to_string().contains("sk_live_try"), "{reply}");
        assert!(!reply.to_string().contains("v-off"), "{reply}");
    }
    assert_eq!(
        app.err(
            "reference_check",
            json!({"text": text, "url": "ftp://files.example/"})
        ),
        "invalid_url"
    );
    app.ok("vault_lock", json!({}));
    assert_eq!(
        app.err("reference_check", json!({"text": text, "url": null})),
        "locked"
    );
}

/// A KeePass database written by KeePassXC (see the fixture folder's README).
fn keepass_fixture(name: &str) -> std::path::PathBuf {
    format!(
        "{}/../crates/coffer-core/tests/fixtures/kdbx/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
    .into()
}

#[test]
fn a_keepass_database_asks_for_its_password_and_takes_a_key_file() {
    let app = app();
    app.created();
    let state = app.window.state::<AppState>();
    use coffer_desktop::commands::import::{import_paths, use_key_file};
    // A key file with no import pending is refused, before any dialog.
    assert_eq!(app.err("import_key_file", json!({})), "no_import");
    let err = use_key_file(&state, &keepass_fixture("keepassxc__FileKeyXmlV2.keyx"))
        .expect_err("no import");
    assert_eq!(err.code(), "no_import");
    let view = import_paths(&state, vec![keepass_fixture("keepassxc__Format400.kdbx")])
        .expect("needs a password");
    assert!(view.keepass && view.needs_password.is_some());
    assert_eq!(
        app.err("import_unlock", json!({"password": "not it"})),
        "wrong_password"
    );
    let view = app.ok("import_unlock", json!({"password": "t"}));
    assert_eq!(view["preview"]["new"], 3);
    assert_eq!(view["files"][0]["format"], "keepass");
    // A database opened by its key file alone: the password left empty.
    import_paths(
        &state,
        vec![keepass_fixture("keepassxc__FileKeyXmlV2.kdbx")],
    )
    .expect("needs a key");
    let name =
        use_key_file(&state, &keepass_fixture("keepassxc__FileKeyXmlV2.keyx")).expect("key file");
    assert_eq!(name, "keepassxc__FileKeyXmlV2.keyx");
    let view = app.ok("import_unlock", json!({"password": ""}));
    assert_eq!(view["needs_password"], Value::Null);
    // A damaged key file is named.
    import_paths(
        &state,
        vec![keepass_fixture("keepassxc__FileKeyXmlV2HashFail.kdbx")],
    )
    .expect("needs a key");
    use_key_file(
        &state,
        &keepass_fixture("keepassxc__FileKeyXmlV2HashFail.keyx"),
    )
    .expect("read");
    assert_eq!(
        app.err("import_unlock", json!({"password": ""})),
        "import_invalid"
    );
}
