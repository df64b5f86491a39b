//! Importing what other tools wrote, from the app.

use coffer_e2e::driver::*;

/// A KeePassXC test database (see the fixture folder's README): password
/// `t`, one entry with a custom field and an attachment.
fn keepass_fixture() -> std::path::PathBuf {
    root().join("crates/coffer-core/tests/fixtures/kdbx/keepassxc__Format400.kdbx")
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn a_keepass_database_opens_in_the_import_dialog_with_its_password() {
    let _one = serial().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("vault.db");
    let key = init_vault(&vault);
    let database = keepass_fixture();
    let driver = Driver::start(&[
        ("COFFER_VAULT", &vault),
        ("COFFER_TEST_DIALOG_PATH", &database),
    ]);
    let client = driver.session().await;
    unlock_with(&client, &key).await;
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-import")).await;
    click(&client, &testid("import-browse-file")).await;
    // A KeePass database asks for its password and offers a key file.
    visible(&client, &testid("import-key-file")).await;
    let why = text(&client, "#import-password-why").await;
    assert!(why.contains("is a KeePass database"), "{why}");
    screenshot(&client, "import-keepass").await;
    fill(&client, &testid("import-password"), "not it").await;
    click(&client, &testid("import-password-submit")).await;
    let error = visible(&client, &testid("error")).await;
    assert_eq!(
        error.attr("data-code").await.expect("attr").as_deref(),
        Some("wrong_password")
    );
    fill(&client, &testid("import-password"), "t").await;
    click(&client, &testid("import-password-submit")).await;
    visible(&client, &testid("import-preview")).await;
    let counts = text(&client, "#import-counts").await;
    assert!(counts.contains("3 new"), "{counts}");
    let files = text(&client, "#import-files").await;
    assert!(files.contains("left out: 1 attachment"), "{files}");
    // At the smallest window the preview still fits.
    set_window_size(&client, 640, 420).await;
    screenshot(&client, "import-keepass-preview-small").await;
    click(&client, &testid("import-apply")).await;
    let result = text(&client, &testid("import-result")).await;
    assert!(result.contains("3 new"), "{result}");
    let out = coffer(&vault, Some(&key), &["get", "Format400/password"], "");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Format400\n");
    close(client).await;
}
