//! What issue 9 added to the command layer: the first-run vault that exists
//! only once its key is saved, changing the key, adding a name that exists,
//! undo, the password generator, the quick-open setting, and Replace keeping
//! what a source cannot carry.

use serde_json::{json, Value};
use tauri::Manager;

use crate::common::{invoke, mock_app};

struct App {
    dir: tempfile::TempDir,
    _app: tauri::App<tauri::test::MockRuntime>,
    window: tauri::WebviewWindow<tauri::test::MockRuntime>,
}

fn app() -> App {
    let dir = tempfile::tempdir().expect("tempdir");
    let (app, window) = mock_app(dir.path().join("vault.db"));
    App {
        dir,
        _app: app,
        window,
    }
}

impl App {
    fn ok(&self, cmd: &str, args: Value) -> Value {
        invoke(&self.window, cmd, args).unwrap_or_else(|e| panic!("{cmd}: {e}"))
    }

    fn code(&self, cmd: &str, args: Value) -> String {
        let e = invoke(&self.window, cmd, args).expect_err(cmd);
        e["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{e}"))
            .to_owned()
    }

    fn created(&self) -> String {
        let key = self.ok("vault_create", json!({}))["key"]
            .as_str()
            .expect("key")
            .to_owned();
        self.ok("vault_key_saved", json!({"keychain": false}));
        key
    }

    fn add(&self, name: &str, value: &str) -> Value {
        self.ok(
            "secret_create",
            json!({"secret": {"name": name, "value": value}}),
        )
    }

    fn names(&self) -> Vec<String> {
        let list = self.ok("secret_list", json!({}));
        list["names"]
            .as_array()
            .expect("names")
            .iter()
            .map(|n| n.as_str().expect("name").to_owned())
            .collect()
    }
}

#[test]
fn a_first_run_left_before_the_key_was_saved_leaves_no_vault() {
    let app = app();
    let status = app.ok("vault_status", json!({}));
    assert_eq!(status["exists"], false);
    let available = status["keychain_available"]
        .as_bool()
        .expect("checked before first run");
    assert_eq!(
        status["keychain_problem"].is_string(),
        !available,
        "a missing keychain says why: {status}"
    );
    app.ok("vault_create", json!({}));
    assert_eq!(app.ok("vault_status", json!({}))["pending"], "create");
    let vault = app.dir.path().join("vault.db");
    assert!(!vault.exists(), "the vault exists before its key was saved");
    // Quitting runs the app's exit path.
    coffer_desktop::session::on_exit(app.window.app_handle());
    let left: Vec<_> = std::fs::read_dir(app.dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "quitting the first run left {left:?}");
}

#[test]
fn the_key_changes_only_once_the_new_one_is_saved_and_no_secret_is_lost() {
    let app = app();
    let old = app.created();
    app.add("stripe", "sk_1");
    app.add("github", "ghp_2");
    let discarded = app.ok("vault_change_key", json!({}))["key"]
        .as_str()
        .expect("key")
        .to_owned();
    assert_eq!(app.ok("vault_status", json!({}))["pending"], "change");
    app.ok("vault_key_discard", json!({}));
    app.ok("vault_lock", json!({}));
    assert_eq!(
        app.code("vault_unlock", json!({"key": discarded})),
        "wrong_key"
    );
    app.ok("vault_unlock", json!({"key": old}));

    let new = app.ok("vault_change_key", json!({}))["key"]
        .as_str()
        .expect("key")
        .to_owned();
    app.ok("vault_key_saved", json!({"keychain": false}));
    assert_eq!(app.names(), ["stripe", "github"]);
    app.ok("vault_lock", json!({}));
    assert_eq!(app.code("vault_unlock", json!({"key": old})), "wrong_key");
    app.ok("vault_unlock", json!({"key": new}));
    let id = app.ok("secret_list", json!({}))["ids"][0]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(app.ok("secret_reveal", json!({"id": id})), json!("sk_1"));
    app.ok("vault_lock", json!({}));
    assert_eq!(app.code("vault_change_key", json!({})), "locked");
}

#[test]
fn adding_a_name_that_exists_asks_first() {
    let app = app();
    app.created();
    let first = app.add("api", "1");
    assert_eq!(
        app.code(
            "secret_create",
            json!({"secret": {"name": "api", "value": "2"}})
        ),
        "secret_exists"
    );
    assert_eq!(app.names(), ["api"]);
    let updated = app.ok(
        "secret_create",
        json!({"secret": {"name": "api", "value": "2"}, "if_exists": "update"}),
    );
    assert_eq!(updated["id"], first["id"]);
    app.ok(
        "secret_create",
        json!({"secret": {"name": "api", "value": "3"}, "if_exists": "keep"}),
    );
    let list = app.ok("secret_list", json!({}));
    assert_eq!(list["shadowed"], "10", "the older one is shadowed");
}

#[test]
fn delete_clear_and_import_can_be_undone_until_a_lock() {
    let app = app();
    let key = app.created();
    assert_eq!(app.code("undo_last", json!({})), "nothing_to_undo");
    let a = app.add("a", "1");
    app.add("b", "2");
    app.ok("secret_delete", json!({"id": a["id"]}));
    assert_eq!(app.names(), ["b"]);
    let undone = app.ok("undo_last", json!({}));
    assert_eq!(
        (undone["undone"].clone(), undone["secrets"].clone()),
        (json!("delete"), json!(1))
    );
    assert_eq!(app.names(), ["a", "b"]);
    assert_eq!(app.code("undo_last", json!({})), "nothing_to_undo");

    assert_eq!(app.ok("vault_clear", json!({})), json!(2));
    app.ok("undo_last", json!({}));
    assert_eq!(app.names(), ["a", "b"]);

    app.ok("import_paste", json!({"text": "a=new\nc=3\n"}));
    app.ok(
        "import_apply",
        json!({"default": "replace", "overrides": {}}),
    );
    assert_eq!(app.names(), ["b", "a", "c"]);
    app.ok("undo_last", json!({}));
    assert_eq!(app.names(), ["a", "b"]);

    app.ok("vault_clear", json!({}));
    app.ok("vault_lock", json!({}));
    app.ok("vault_unlock", json!({"key": key}));
    assert_eq!(
        app.code("undo_last", json!({})),
        "nothing_to_undo",
        "a lock forgets the undo"
    );
}

#[test]
fn the_password_generator_follows_the_recipe_and_refuses_impossible_ones() {
    let app = app();
    let p = app.ok(
        "password_generate",
        json!({"recipe": {"length": 40, "lower": false, "upper": false, "digits": true, "symbols": false}}),
    );
    let p = p.as_str().expect("text");
    assert_eq!(p.len(), 40);
    assert!(p.bytes().all(|b| b.is_ascii_digit()), "{p}");
    assert_eq!(
        app.code(
            "password_generate",
            json!({"recipe": {"length": 2, "lower": true, "upper": true, "digits": true, "symbols": true}})
        ),
        "invalid_argument"
    );
}

#[test]
fn the_quick_open_shortcut_is_off_by_default_and_checked_when_set() {
    let app = app();
    app.created();
    let s = app.ok("settings_get", json!({}));
    assert_eq!(s["quick_open"], Value::Null, "off by default");
    assert_eq!(
        app.code(
            "settings_set",
            json!({"settings": {"auto_lock_minutes": 15, "clipboard_clear_seconds": 30, "quick_open": "Ctrl+Banana"}})
        ),
        "invalid_setting"
    );
    let s = app.ok(
        "settings_set",
        json!({"settings": {"auto_lock_minutes": 15, "clipboard_clear_seconds": 30, "quick_open": "Ctrl+Alt+K"}}),
    );
    assert_eq!(s["quick_open"], "Ctrl+Alt+K");
    // The mock runtime has no system-wide shortcuts: the setting says so.
    assert!(s["quick_open_problem"].is_string(), "{s}");
    let s = app.ok(
        "settings_set",
        json!({"settings": {"auto_lock_minutes": 15, "clipboard_clear_seconds": 30, "quick_open": ""}}),
    );
    assert_eq!(
        (s["quick_open"].clone(), s["quick_open_problem"].clone()),
        (Value::Null, Value::Null)
    );
}

#[test]
fn an_import_preview_says_what_replace_keeps() {
    let app = app();
    app.created();
    app.ok(
        "secret_create",
        json!({"secret": {"name": "KEY", "value": "old", "allowed_domains": ["api.example.com"], "note": "n"}}),
    );
    let view = app.ok("import_paste", json!({"text": "KEY=new\n"}));
    assert_eq!(
        view["preview"]["replace_keeps"],
        json!(["enabled or disabled", "allowed domains", "note"])
    );
    app.ok(
        "import_apply",
        json!({"default": "replace", "overrides": {}}),
    );
    let list = app.ok("secret_list", json!({}));
    assert_eq!(
        (list["domains"][0].clone(), list["notes"][0].clone()),
        (json!("api.example.com"), json!("n"))
    );
}

#[test]
fn idle_time_locks_in_rust_and_any_command_counts_as_activity() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    use tauri::Listener;

    let app = app();
    app.created();
    app.ok(
        "settings_set",
        json!({"settings": {"auto_lock_minutes": 1, "clipboard_clear_seconds": 30}}),
    );
    let handle = app.window.app_handle().clone();
    let state = handle.state::<coffer_desktop::state::AppState>();
    let idle_locks = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&idle_locks);
    handle.listen_any("locked", move |event| {
        if event.payload().contains("\"idle\"") {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    // Long idle, then the page calls a command: the wait starts over.
    if let Some(long_ago) = Instant::now().checked_sub(Duration::from_secs(600)) {
        state.touch_at(long_ago);
    }
    app.ok("vault_activity", json!({}));
    let now = Instant::now();
    assert!(!coffer_desktop::autolock::check_at(
        &handle,
        now + Duration::from_secs(50)
    ));
    assert_eq!(app.ok("vault_status", json!({}))["unlocked"], true);
    // A minute without anything: locked, and the page is told why.
    assert!(coffer_desktop::autolock::check_at(
        &handle,
        now + Duration::from_secs(61)
    ));
    assert_eq!(app.ok("vault_status", json!({}))["unlocked"], false);
    assert_eq!(idle_locks.load(Ordering::SeqCst), 1);
    // Locked already: nothing more to do.
    assert!(!coffer_desktop::autolock::check_at(
        &handle,
        now + Duration::from_secs(600)
    ));
}

#[test]
fn auto_lock_set_to_never_never_locks() {
    use std::time::{Duration, Instant};
    let app = app();
    app.created();
    app.ok(
        "settings_set",
        json!({"settings": {"auto_lock_minutes": 0, "clipboard_clear_seconds": 30}}),
    );
    let handle = app.window.app_handle().clone();
    let later = Instant::now() + Duration::from_secs(48 * 3600);
    assert!(!coffer_desktop::autolock::check_at(&handle, later));
    assert_eq!(app.ok("vault_status", json!({}))["unlocked"], true);
}

#[test]
fn a_pasted_import_past_the_entry_cap_is_refused_naming_the_cap() {
    let app = app();
    app.created();
    let mut text = String::new();
    for i in 0..=coffer_core::IMPORT_MAX_ENTRIES {
        text.push_str(&format!("K{i}=\n"));
    }
    let e = invoke(&app.window, "import_paste", json!({ "text": text })).expect_err("refused");
    assert_eq!(e["code"], "import_invalid");
    assert!(
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("more than 100000 entries")),
        "{e}"
    );
    assert!(app.names().is_empty());
}
