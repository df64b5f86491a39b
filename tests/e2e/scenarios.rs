//! What a person does in the app, end to end.

use std::process::Command;

use coffer_core::{ExposeSecret, Target, Vault, VaultKey};

use coffer_e2e::driver::*;

async fn add_secret(client: &fantoccini::Client, name: &str, value: &str, domains: &str) {
    click(client, &testid("secret-add")).await;
    fill(client, &testid("secret-name"), name).await;
    fill(client, &testid("secret-value"), value).await;
    fill(client, &testid("secret-domains"), domains).await;
    click(client, &testid("secret-save")).await;
    visible(client, &row(name)).await;
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn first_run_saves_the_key_to_the_keychain_and_the_next_start_unlocks_by_itself() {
    let _one = serial().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("vault.db");

    let answer = dir.path().join("dialog-answer");
    let driver = Driver::start(&[
        ("COFFER_VAULT", &vault),
        ("COFFER_TEST_DIALOG_PATH", &answer),
    ]);
    let client = driver.session().await;
    let key = text(&client, &testid("vault-key")).await;
    assert_eq!(key.split('-').count(), 13, "{key}");
    let keychain_box = visible(&client, &testid("keychain-save")).await;
    assert_eq!(
        keychain_box.prop("checked").await.expect("prop").as_deref(),
        Some("true"),
        "checked by default"
    );
    screenshot(&client, "first-run").await;
    // Copy and Download the key, from Rust.
    click(&client, &testid("key-copy")).await;
    assert!(text(&client, &testid("toast"))
        .await
        .contains("Vault key copied"));
    let mut board = arboard::Clipboard::new().expect("clipboard");
    assert_eq!(board.get_text().expect("clipboard"), key);
    click(&client, &testid("key-download")).await;
    visible(&client, &testid("toast")).await;
    let saved = std::fs::read_to_string(dir.path().join("dialog-answer")).expect("key file");
    assert_eq!(saved.trim(), key);
    click(&client, &testid("key-saved-confirm")).await;

    add_secret(&client, "stripe", "sk_live_e2e_123", "api.stripe.com").await;
    // A value that is markup must render as text, never as an element.
    let hostile = "<img src=x onerror=\"document.title='pwned'\">";
    add_secret(&client, "html", hostile, "").await;
    let revealed = format!("{} [data-testid=secret-revealed]", row("html"));
    row_action(&client, "html", "reveal").await;
    text_becomes(&client, &revealed, hostile).await;
    // Hide puts the mask back and the value leaves the page.
    row_action(&client, "html", "reveal").await;
    text_becomes(&client, &revealed, "••••••••").await;
    assert!(!client.source().await.expect("source").contains("pwned"));
    row_action(&client, "html", "reveal").await;
    text_becomes(&client, &revealed, hostile).await;
    assert!(
        client
            .find_all(css("img"))
            .await
            .expect("find_all")
            .is_empty(),
        "markup was rendered"
    );
    assert_eq!(client.title().await.expect("title"), "Coffer");
    screenshot(&client, "secrets").await;
    close(client).await;
    drop(driver);

    // The typed-out key opens the vault the app made, with what was added.
    let mut v = Vault::open(&vault).expect("open");
    v.unlock(&VaultKey::parse(&key).expect("key"))
        .expect("unlock with the shown key");
    assert_eq!(
        v.get("stripe").expect("stripe").1.expose_secret(),
        "sk_live_e2e_123"
    );
    assert_eq!(
        v.info(Target::Name("stripe"))
            .expect("info")
            .allowed_domains,
        ["api.stripe.com"]
    );
    drop(v);

    // Restart: the keychain unlocks it without a key being typed.
    let driver = Driver::start(&[("COFFER_VAULT", &vault)]);
    let client = driver.session().await;
    visible(&client, &row("stripe")).await;
    visible(&client, &testid("filter")).await;
    close(client).await;
    drop(driver);
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn unlock_with_a_typo_then_filter_edit_disable_delete_and_lock() {
    let _one = serial().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("vault.db");
    let out = coffer(&vault, None, &["init", "--no-keychain"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned();
    for (name, value) in [
        ("github-token", "ghp_1"),
        ("stripe-key", "sk_2"),
        ("old-thing", "x"),
    ] {
        assert!(coffer(&vault, Some(&key), &["set", name], value)
            .status
            .success());
    }
    // In this scenario a copied value leaves the clipboard after 2 s.
    Vault::open(&vault)
        .expect("open")
        .set_settings(&coffer_core::Settings {
            auto_lock_minutes: 15,
            clipboard_clear_seconds: 2,
            ..coffer_core::Settings::default()
        })
        .expect("settings");

    let driver = Driver::start(&[("COFFER_VAULT", &vault)]);
    let client = driver.session().await;
    // A typo is reported as a typo, with its group.
    let mut typo: Vec<char> = key.chars().collect();
    typo[8] = if typo[8] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    fill(&client, &testid("unlock-key"), &typo).await;
    click(&client, &testid("unlock-submit")).await;
    let error = visible(&client, &testid("error")).await;
    screenshot(&client, "unlock-typo").await;
    assert_eq!(
        error.attr("data-code").await.expect("attr").as_deref(),
        Some("key_typo")
    );
    assert!(
        error.text().await.expect("text").contains("group 2"),
        "names the group"
    );
    fill(&client, &testid("unlock-key"), &key).await;
    click(&client, &testid("unlock-submit")).await;
    visible(&client, &row("github-token")).await;

    // Filter.
    fill(&client, &testid("filter"), "stripe").await;
    gone(&client, &row("github-token")).await;
    visible(&client, &row("stripe-key")).await;
    fill(&client, &testid("filter"), "").await;
    visible(&client, &row("github-token")).await;

    // Edit: rename and new domains; the value stays.
    row_action(&client, "github-token", "edit").await;
    fill(&client, &testid("secret-name"), "github").await;
    fill(&client, &testid("secret-domains"), "api.github.com").await;
    click(&client, &testid("secret-save")).await;
    visible(&client, &row("github")).await;
    gone(&client, &row("github-token")).await;
    let out = coffer(&vault, Some(&key), &["get", "github"], "");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ghp_1\n");

    // Disable: the CLI refuses to use it.
    row_action(&client, "stripe-key", "toggle").await;
    visible(&client, &format!("{}.disabled", row("stripe-key"))).await;
    let out = coffer(&vault, Some(&key), &["get", "stripe-key"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("disabled"));

    // Delete, after a confirmation.
    row_action(&client, "old-thing", "delete").await;
    click(&client, &testid("confirm-ok")).await;
    gone(&client, &row("old-thing")).await;

    // Copy: the value goes to the clipboard from Rust, and leaves it after 2 s.
    row_action(&client, "github", "copy").await;
    let said = text(&client, &testid("toast")).await;
    assert!(said.contains("cleared in 2 s"), "toast: {said}");
    let mut board = arboard::Clipboard::new().expect("clipboard");
    assert_eq!(board.get_text().expect("clipboard text"), "ghp_1");
    // Marked for clipboard managers to keep it out of their history.
    let targets = std::process::Command::new("xclip")
        .args(["-selection", "clipboard", "-t", "TARGETS", "-o"])
        .output()
        .expect("xclip (make test installs it)");
    let targets = String::from_utf8_lossy(&targets.stdout);
    assert!(
        targets.contains("x-kde-passwordManagerHint"),
        "no history hint among {targets}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    assert_ne!(
        board.get_text().unwrap_or_default(),
        "ghp_1",
        "the clipboard was not cleared"
    );
    row_action(&client, "github", "copy-ref").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        board.get_text().expect("clipboard text"),
        "{{vault:github}}"
    );

    // Lock: every secret leaves the page.
    row_action(&client, "github", "reveal").await;
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-lock")).await;
    visible(&client, &testid("unlock-key")).await;
    assert!(client
        .find_all(css("[data-testid=secret-row]"))
        .await
        .expect("rows")
        .is_empty());
    let source = client.source().await.expect("source");
    assert!(
        !source.contains("ghp_1") && !source.contains("github"),
        "a secret stayed in the page after lock"
    );
    close(client).await;
    drop(driver);
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn export_both_formats_import_with_decisions_clear_and_reset() {
    let _one = serial().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("vault.db");
    let export = dir.path().join("export.json");
    let key = init_vault(&vault);
    for (name, value) in [("A", "1"), ("B", "2"), ("C", "3"), ("D", "4")] {
        assert!(coffer(&vault, Some(&key), &["set", name], value)
            .status
            .success());
    }

    let driver = Driver::start(&[
        ("COFFER_VAULT", &vault),
        ("COFFER_TEST_DIALOG_PATH", &export),
    ]);
    let client = driver.session().await;
    fill(&client, &testid("unlock-key"), &key).await;
    click(&client, &testid("unlock-submit")).await;
    visible(&client, &row("A")).await;

    // Encrypted export: password rules and the strength meter come from Rust.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-export")).await;
    fill(&client, &testid("export-password"), "password1234").await;
    fill(&client, &testid("export-password-confirm"), "password1234").await;
    click(&client, &testid("export-submit")).await;
    let error = visible(&client, &testid("error")).await;
    assert_eq!(
        error.attr("data-code").await.expect("attr").as_deref(),
        Some("weak_password")
    );
    assert!(!export.exists(), "a refused export wrote a file");
    let password = "tangerine-oxide-marble-7";
    fill(&client, &testid("export-password"), password).await;
    fill(&client, &testid("export-password-confirm"), password).await;
    screenshot(&client, "export").await;
    click(&client, &testid("export-submit")).await;
    assert!(text(&client, &testid("toast"))
        .await
        .contains("Exported 4 secrets"));
    let file = std::fs::read_to_string(&export).expect("export written");
    assert!(file.contains("\"encryption\": \"aes-256-gcm\"") && !file.contains("\"value\""));
    let pw = dir.path().join("pw");
    std::fs::write(&pw, password).expect("pw");
    let other = dir.path().join("other.db");
    let out = coffer(&other, None, &["init", "--no-keychain"], "");
    let other_key = String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned();
    let out = coffer(
        &other,
        Some(&other_key),
        &[
            "import",
            export.to_str().expect("utf8"),
            "--password-file",
            pw.to_str().expect("utf8"),
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Plaintext export needs the explicit confirmation.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-export")).await;
    click(&client, &testid("export-plaintext")).await;
    click(&client, &testid("export-submit")).await;
    let error = visible(&client, &testid("error")).await;
    assert_eq!(
        error.attr("data-code").await.expect("attr").as_deref(),
        Some("confirm_required")
    );
    click(&client, &testid("export-plaintext-ok")).await;
    click(&client, &testid("export-submit")).await;
    visible(&client, &testid("toast")).await;
    let file = std::fs::read_to_string(&export).expect("export written");
    assert!(file.contains("\"encryption\": \"none\"") && file.contains("\"value\": \"4\""));

    // Import pasted text with conflicts: Replace A, Keep B, Skip C; E is new.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-import")).await;
    fill(
        &client,
        &testid("import-text"),
        "A=new\nB=new\nC=new\nD=4\nE=5\n",
    )
    .await;
    click(&client, &testid("import-paste")).await;
    visible(&client, &testid("import-preview")).await;
    let counts = text(&client, "#import-counts").await;
    assert!(
        counts.contains("1 new, 1 unchanged, 3 conflicting"),
        "{counts}"
    );
    for (name, decision) in [("A", "replace"), ("B", "keep"), ("C", "skip")] {
        let select = visible(
            &client,
            &format!("[data-testid=import-conflict][data-name={name}] select"),
        )
        .await;
        select.select_by_value(decision).await.expect("select");
    }
    screenshot(&client, "import-preview").await;
    click(&client, &testid("import-apply")).await;
    let result = text(&client, &testid("import-result")).await;
    assert!(result.contains("1 new, 1 replaced, 1 kept"), "{result}");
    let get = |name: &str| {
        String::from_utf8(coffer(&vault, Some(&key), &["get", name], "").stdout).expect("utf8")
    };
    assert_eq!(get("A"), "new\n");
    assert_eq!(get("B"), "new\n");
    assert_eq!(get("C"), "3\n");
    assert_eq!(get("E"), "5\n");
    let list: serde_json::Value =
        serde_json::from_slice(&coffer(&vault, Some(&key), &["list", "--json"], "").stdout)
            .expect("json");
    assert_eq!(
        list.as_array()
            .expect("array")
            .iter()
            .filter(|s| s["shadowed"] == true)
            .count(),
        1
    );
    click(&client, "#import-close").await;

    // Clear: every secret goes, the key stays.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-clear")).await;
    click(&client, &testid("confirm-ok")).await;
    gone(&client, "[data-testid=secret-row]").await;
    assert_eq!(
        coffer(&vault, Some(&key), &["list", "--json"], "").stdout,
        b"[]\n"
    );

    // Reset: a new key, shown once; the old one no longer opens the vault.
    click(&client, &testid("menu")).await;
    click(&client, "#menu-reset").await;
    click(&client, &testid("confirm-ok")).await;
    let new_key = text(&client, &testid("vault-key")).await;
    assert_ne!(new_key, key);
    click(&client, &testid("keychain-save")).await; // untick: keep it ourselves
    click(&client, &testid("key-saved-confirm")).await;
    visible(&client, &testid("filter")).await;
    assert_eq!(
        coffer(&vault, Some(&key), &["list"], "").status.code(),
        Some(3)
    );
    assert!(coffer(&vault, Some(&new_key), &["list"], "")
        .status
        .success());
    close(client).await;
    drop(driver);
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn a_policy_allowing_only_encrypted_exports_greys_out_unencrypted_with_its_reason() {
    let _one = serial().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("vault.db");
    let policy = dir.path().join("policy.json");
    std::fs::write(
        &policy,
        r#"{"version": 1, "export": {"formats": ["encrypted"]}, "keychain": {"allowed": false}}"#,
    )
    .expect("policy");
    let driver = Driver::start(&[("COFFER_VAULT", &vault), ("COFFER_POLICY_FILE", &policy)]);
    let client = driver.session().await;
    // First run: the keychain box is off and disabled, with the reason.
    visible(&client, &testid("vault-key")).await;
    let keychain = visible(&client, &testid("keychain-save")).await;
    assert_eq!(
        keychain.prop("checked").await.expect("prop").as_deref(),
        Some("false")
    );
    assert_eq!(
        keychain.prop("disabled").await.expect("prop").as_deref(),
        Some("true")
    );
    assert!(text(&client, "#keychain-policy").await.contains("policy"));
    click(&client, &testid("key-saved-confirm")).await;
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-export")).await;
    let plaintext = visible(&client, &testid("export-plaintext")).await;
    assert_eq!(
        plaintext.prop("disabled").await.expect("prop").as_deref(),
        Some("true")
    );
    let reason = text(&client, "#export-plaintext-reason").await;
    assert!(
        reason.contains("plaintext exports are not allowed") && reason.contains("policy.json"),
        "{reason}"
    );
    screenshot(&client, "export-policy").await;
    close(client).await;
    drop(driver);
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn ctrl_shift_v_focuses_the_filter_and_a_second_launch_exits() {
    let _one = serial().await;
    let Unlocked {
        dir: _dir,
        vault,
        key: _key,
        driver,
        client,
    } = unlocked_app().await;
    // The app turned core dumps off for itself, in this debug build too.
    let app = coffer_e2e::procs::app_process(driver.pid()).expect("the app's process");
    assert_eq!(
        coffer_e2e::procs::core_limits(app),
        Some(("0".to_owned(), "0".to_owned()))
    );
    let active = || async {
        client
            .execute(
                "return document.activeElement && document.activeElement.id",
                vec![],
            )
            .await
            .expect("active element")
    };
    // Move focus away, then press the global shortcut on the X server.
    click(&client, &testid("secret-add")).await;
    click(&client, "#secret-cancel").await;
    client
        .execute("document.activeElement.blur()", vec![])
        .await
        .expect("blur");
    assert_ne!(active().await, "filter");
    let pressed = Command::new("xdotool")
        .args(["key", "ctrl+shift+v"])
        .status()
        .expect("xdotool");
    assert!(pressed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while active().await != "filter" {
        assert!(
            std::time::Instant::now() < deadline,
            "Ctrl+Shift+V did not focus the filter"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Navigation to another origin is blocked: the page stays the app.
    client
        .execute("window.location.href = 'https://example.com/'", vec![])
        .await
        .expect("navigate");
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let here = client.current_url().await.expect("url");
    assert!(
        matches!(here.scheme(), "tauri" | "http"),
        "left the app: {here}"
    );
    visible(&client, &testid("filter")).await;
    // The key can be downloaded again from the keychain only; this vault has none.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-settings")).await;
    click(&client, "#settings-key-copy").await;
    let error = visible(&client, &testid("error")).await;
    assert_eq!(
        error.attr("data-code").await.expect("attr").as_deref(),
        Some("key_unavailable")
    );
    click(&client, "#settings-cancel").await;
    // A second launch hands over to the running one and exits.
    let mut second = Command::new(root().join("target/debug/coffer-desktop"))
        .env("COFFER_VAULT", &vault)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("second instance");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        if let Some(status) = second.try_wait().expect("try_wait") {
            assert!(status.success(), "second instance: {status}");
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second instance kept running");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    close(client).await;
    drop(driver);
}
