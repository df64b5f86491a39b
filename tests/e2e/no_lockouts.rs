//! Nobody is locked out: the first-run vault exists only once its key was
//! saved, the keychain is offered only where it works, the keychain unlocks
//! again after a lock, a key can be typed without dashes, and the vault key
//! can be changed without losing a secret.

use std::path::Path;

use coffer_e2e::driver::*;

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn a_first_run_without_a_keychain_offers_none_and_quitting_before_saving_leaves_no_vault() {
    let _one = serial().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("vault.db");
    // No session bus for the app: no Secret Service, so no keychain.
    let no_bus = dir.path().join("no-bus");
    let address = std::ffi::OsString::from(format!("unix:path={}", no_bus.display()));
    let driver = Driver::start(&[
        ("COFFER_VAULT", &vault),
        ("DBUS_SESSION_BUS_ADDRESS", Path::new(&address)),
    ]);
    let client = driver.session().await;
    visible(&client, &testid("vault-key")).await;
    assert_eq!(
        prop(&client, &testid("keychain-save"), "checked").await,
        false
    );
    assert_eq!(
        prop(&client, &testid("keychain-save"), "disabled").await,
        true
    );
    let why = text(&client, &testid("keychain-policy")).await;
    assert!(why.contains("No system keychain"), "{why}");
    assert!(
        !why.to_lowercase().contains("dbus"),
        "a raw error as the text: {why}"
    );
    screenshot(&client, "first-run-no-keychain").await;
    // Quit before "I have saved my key" (the session ends the app at once).
    close(client).await;
    drop(driver);
    assert!(
        !vault.exists(),
        "a vault whose key nobody saw was left behind"
    );

    // The next start is a first run again, with a keychain this time.
    let driver = Driver::start(&[("COFFER_VAULT", &vault)]);
    let client = driver.session().await;
    let key = text(&client, &testid("vault-key")).await;
    assert_eq!(
        prop(&client, &testid("keychain-save"), "checked").await,
        true
    );
    // A lock on this screen (sleep, the tray) shows the same key again: the
    // one the user is writing down is the one that will work.
    // (The text is blanked first: only the page's lock path puts it back.)
    client
        .execute(
            "document.querySelector('[data-testid=vault-key]').textContent = 'blanked'; window.__TAURI__.core.invoke('vault_lock')",
            vec![],
        )
        .await
        .expect("lock");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    text_becomes(&client, &testid("vault-key"), &key).await;
    click(&client, &testid("key-saved-confirm")).await;
    visible(&client, &testid("filter")).await;
    assert!(vault.exists());
    // After a lock the keychain unlocks again: no 77 characters to type.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-lock")).await;
    visible(&client, &testid("unlock-keychain")).await;
    assert_eq!(client.title().await.expect("title"), "Coffer — locked");
    screenshot(&client, "unlock-after-lock").await;
    click(&client, &testid("unlock-keychain")).await;
    visible(&client, &testid("filter")).await;
    // A key typed without dashes, hidden until shown, opens it too.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-lock")).await;
    assert_eq!(
        prop(&client, &testid("unlock-key"), "type").await,
        "password"
    );
    click(&client, &testid("unlock-key-toggle")).await;
    assert_eq!(prop(&client, &testid("unlock-key"), "type").await, "text");
    fill(&client, &testid("unlock-key"), &key.replace('-', "")).await;
    click(&client, &testid("unlock-submit")).await;
    visible(&client, &testid("filter")).await;
    close(client).await;
    drop(driver);
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn the_vault_key_changes_without_losing_a_secret_and_the_keychain_follows() {
    let _one = serial().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("vault.db");
    let out = coffer(&vault, None, &["init"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let old = String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned();
    for (name, value) in [("stripe", "sk_1"), ("github", "ghp_2")] {
        assert!(coffer(&vault, Some(&old), &["set", name], value)
            .status
            .success());
    }
    let driver = Driver::start(&[("COFFER_VAULT", &vault)]);
    let client = driver.session().await;
    visible(&client, &row("stripe")).await;
    // Cancel first: nothing changes.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-change-key")).await;
    click(&client, &testid("confirm-ok")).await;
    let discarded = text(&client, &testid("vault-key")).await;
    click(&client, &testid("key-cancel")).await;
    visible(&client, &row("stripe")).await;
    assert!(coffer(&vault, Some(&old), &["get", "stripe"], "")
        .status
        .success());
    assert_eq!(
        coffer(&vault, Some(&discarded), &["get", "stripe"], "")
            .status
            .code(),
        Some(3)
    );
    // Then for real, keeping it in the keychain.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-change-key")).await;
    click(&client, &testid("confirm-ok")).await;
    let new = text(&client, &testid("vault-key")).await;
    assert_ne!(new, old);
    assert_eq!(
        prop(&client, &testid("keychain-save"), "checked").await,
        true
    );
    click(&client, &testid("key-saved-confirm")).await;
    assert!(text(&client, &testid("toast"))
        .await
        .contains("Vault key changed"));
    visible(&client, &row("github")).await;
    assert_eq!(
        coffer(&vault, Some(&old), &["get", "stripe"], "")
            .status
            .code(),
        Some(3)
    );
    let got = coffer(&vault, Some(&new), &["get", "github"], "");
    assert_eq!(String::from_utf8_lossy(&got.stdout), "ghp_2\n");
    // The keychain has the new key: the CLI unlocks from it, and so does the app.
    let got = coffer(&vault, None, &["get", "stripe"], "");
    assert_eq!(
        String::from_utf8_lossy(&got.stdout),
        "sk_1\n",
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-lock")).await;
    click(&client, &testid("unlock-keychain")).await;
    visible(&client, &row("stripe")).await;
    close(client).await;
    drop(driver);
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn the_quick_open_shortcut_set_in_settings_brings_a_hidden_window_back() {
    let _one = serial().await;
    let Unlocked {
        dir: _dir,
        vault: _vault,
        key: _key,
        driver,
        client,
    } = unlocked_app().await;
    // Off by default; set it in Settings.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-settings")).await;
    assert_eq!(
        prop(&client, &testid("setting-quick-open"), "value").await,
        ""
    );
    fill(&client, &testid("setting-quick-open"), "Ctrl+Alt+K").await;
    click(&client, &testid("settings-save")).await;
    gone(&client, "#settings-dialog[open]").await;
    // Hide the window (as closing it to the tray does), then press the
    // combination on the X server: the window comes back with the filter focused.
    let windows = std::process::Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", "^Coffer"])
        .output()
        .expect("xdotool");
    let ids = String::from_utf8_lossy(&windows.stdout).into_owned();
    assert!(!ids.trim().is_empty(), "no visible Coffer window");
    for id in ids.split_whitespace() {
        std::process::Command::new("xdotool")
            .args(["windowunmap", "--sync", id])
            .status()
            .expect("unmap");
    }
    let visible_now = || {
        let out = std::process::Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "^Coffer"])
            .output()
            .expect("xdotool");
        !String::from_utf8_lossy(&out.stdout).trim().is_empty()
    };
    assert!(!visible_now(), "the window is still shown");
    let pressed = std::process::Command::new("xdotool")
        .args(["key", "ctrl+alt+k"])
        .status()
        .expect("xdotool");
    assert!(pressed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !visible_now() {
        assert!(
            std::time::Instant::now() < deadline,
            "the shortcut did not bring the window back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let active = client
            .execute(
                "return document.activeElement && document.activeElement.id",
                vec![],
            )
            .await
            .expect("active");
        if active == "filter" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the filter was not focused: {active}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    close(client).await;
    drop(driver);
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn starting_at_log_in_writes_and_removes_an_autostart_entry() {
    let _one = serial().await;
    let Unlocked {
        dir: _dir,
        vault: _vault,
        key: _key,
        driver,
        client,
    } = unlocked_app().await;
    // make test runs the app with a throwaway XDG_CONFIG_HOME (scripts/with-keyring).
    let config = std::env::var_os("XDG_CONFIG_HOME").expect("XDG_CONFIG_HOME is set");
    let folder = Path::new(&config).join("autostart");
    let entry = folder.join("coffer.desktop");
    let _ = std::fs::remove_file(&entry);
    let _ = std::fs::remove_dir(&folder);

    // Off by default. A file where the autostart folder belongs: the error
    // names it, the dialog stays open, and nothing was saved.
    std::fs::write(&folder, "").expect("a file in the folder's place");
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-settings")).await;
    assert_eq!(
        prop(&client, &testid("setting-start-at-login"), "checked").await,
        false
    );
    let auto_lock = prop(&client, &testid("setting-auto-lock"), "value").await;
    fill(&client, &testid("setting-auto-lock"), "7").await;
    click(&client, &testid("setting-start-at-login")).await;
    click(&client, &testid("settings-save")).await;
    let error = visible(&client, &testid("error")).await;
    assert_eq!(
        error.attr("data-code").await.expect("attr").as_deref(),
        Some("io")
    );
    let said = error.text().await.expect("text");
    assert!(said.contains("autostart"), "{said}");
    visible(&client, "#settings-dialog[open]").await;
    click(&client, "#settings-cancel").await;
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-settings")).await;
    assert_eq!(
        prop(&client, &testid("setting-auto-lock"), "value").await,
        auto_lock,
        "nothing else was saved"
    );

    // Turned on in Settings, it is an entry that starts this program
    // minimized, valid for the desktop.
    std::fs::remove_file(&folder).expect("unblock");
    click(&client, &testid("setting-start-at-login")).await;
    screenshot(&client, "settings-start-at-login").await;
    set_window_size(&client, 640, 420).await;
    screenshot(&client, "settings-start-at-login-small").await;
    set_window_size(&client, 960, 640).await;
    click(&client, &testid("settings-save")).await;
    gone(&client, "#settings-dialog[open]").await;
    let text = std::fs::read_to_string(&entry).expect("the autostart entry is written");
    let program = std::fs::canonicalize(app_binary()).expect("app");
    assert!(
        text.contains(&format!("\nExec={} --minimized\n", program.display())),
        "{text}"
    );
    let valid = std::process::Command::new("desktop-file-validate")
        .arg(&entry)
        .output()
        .expect("desktop-file-validate (make test installs desktop-file-utils)");
    assert!(
        valid.status.success() && valid.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&valid.stdout)
    );

    // Shown as on when the dialog opens again; turned off, the entry is gone.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-settings")).await;
    assert_eq!(
        prop(&client, &testid("setting-start-at-login"), "checked").await,
        true
    );
    click(&client, &testid("setting-start-at-login")).await;
    click(&client, &testid("settings-save")).await;
    gone(&client, "#settings-dialog[open]").await;
    assert!(!entry.exists(), "the autostart entry is removed");
    close(client).await;
    drop(driver);
}
