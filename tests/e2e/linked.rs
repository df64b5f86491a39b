//! Linked secrets in the app, against a real OpenBao dev server (installed
//! by `make deps-linked`): a provider added in the Providers dialog, a
//! secret linked and tested in the secret form, its value revealed, and the
//! cache reset from the menu.

#[path = "../../crates/coffer-core/tests/linked/servers.rs"]
mod servers;

use coffer_e2e::driver::*;
use serde_json::json;

#[tokio::test]
#[ignore = "needs a display, tauri-driver, a Secret Service and OpenBao: run by make test"]
async fn a_provider_is_added_a_secret_linked_tested_and_revealed() {
    let _one = serial().await;
    let bao = servers::Bao::start();
    bao.put_kv2(
        "app/db",
        json!({"password": "from-openbao", "user": "alice"}),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("vault.db");
    let key = init_vault(&vault);
    // The native dialog's answer (a test seam): the server's CA certificate.
    let ca = dir.path().join("test-ca.pem");
    std::fs::write(&ca, &bao.ca.ca_pem).expect("write");
    let driver = Driver::start(&[("COFFER_VAULT", &vault), ("COFFER_TEST_DIALOG_PATH", &ca)]);
    let client = driver.session().await;
    unlock_with(&client, &key).await;
    // Tall enough for the whole Providers dialog (WebKitWebDriver does not
    // scroll inside a dialog to reach a field).
    set_window_size(&client, 1100, 880).await;

    // A wrong token is refused, and the field is emptied.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-providers")).await;
    fill(&client, &testid("provider-name"), "bao").await;
    fill(&client, &testid("provider-address"), &bao.addr).await;
    fill(&client, &testid("provider-secret"), "s.not-the-token").await;
    click(&client, &testid("provider-save")).await;
    let error = visible(&client, &testid("error")).await;
    assert_eq!(
        error.attr("data-code").await.expect("attr").as_deref(),
        Some("provider_auth_refused")
    );
    assert_eq!(
        prop(&client, &testid("provider-secret"), "value").await,
        json!("")
    );
    fill(&client, &testid("provider-secret"), &bao.root_token).await;
    click(&client, &testid("provider-save")).await;
    let listed = text(&client, "[data-testid=provider][data-name=bao]").await;
    assert!(listed.contains(&bao.addr), "{listed}");
    assert!(!listed.contains(&bao.root_token), "{listed}");
    // Over TLS, trusting the server's own CA (chosen in a native dialog).
    fill(&client, &testid("provider-name"), "bao-tls").await;
    fill(&client, &testid("provider-address"), &bao.tls_addr).await;
    fill(&client, &testid("provider-secret"), &bao.root_token).await;
    click(&client, &testid("provider-ca-pick")).await;
    text_becomes(
        &client,
        &testid("provider-ca-text"),
        "Also trusts test-ca.pem (1 certificate).",
    )
    .await;
    click(&client, &testid("provider-save")).await;
    let listed = text(&client, "[data-testid=provider][data-name=bao-tls]").await;
    assert!(listed.contains("its own CA"), "{listed}");
    set_window_size(&client, 640, 420).await;
    screenshot(&client, "providers-small").await;
    set_window_size(&client, 1100, 880).await;
    click(&client, "#providers-close").await;

    // Link a new secret: Test fetches once and says so, without the value.
    click(&client, &testid("secret-add")).await;
    fill(&client, &testid("secret-name"), "db/password").await;
    click(&client, &testid("secret-kind-linked")).await;
    visible(&client, "[data-testid=link-provider] option[value=bao]").await;
    fill(&client, &testid("link-path"), "secret/app/db").await;
    fill(&client, &testid("link-key"), "nope").await;
    click(&client, &testid("link-test")).await;
    text_becomes(
        &client,
        &testid("link-check"),
        "✗ provider \"bao\": secret/app/db has no key \"nope\" (its keys: \"password\", \"user\"); check the link, or the secret in the provider",
    )
    .await;
    fill(&client, &testid("link-key"), "password").await;
    click(&client, &testid("link-test")).await;
    text_becomes(
        &client,
        &testid("link-check"),
        "✓ secret/app/db#password resolves to a string.",
    )
    .await;
    let page = client.source().await.expect("source");
    assert!(
        !page.contains("from-openbao"),
        "no value in the page before it is revealed"
    );
    screenshot(&client, "link-secret").await;
    click(&client, &testid("secret-save")).await;

    // The row says it is linked; revealing fetches the value in Rust.
    visible(
        &client,
        &format!("{} [data-testid=secret-linked]", row("db/password")),
    )
    .await;
    let revealed = format!("{} [data-testid=secret-revealed]", row("db/password"));
    row_action(&client, "db/password", "reveal").await;
    text_becomes(&client, &revealed, "from-openbao").await;
    screenshot(&client, "linked-secret").await;

    // Reset cache: the next reveal fetches the new value.
    bao.put_kv2("app/db", json!({"password": "rotated"}));
    row_action(&client, "db/password", "reveal").await;
    text_becomes(&client, &revealed, "••••••••").await;
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-reset-cache")).await;
    row_action(&client, "db/password", "reveal").await;
    text_becomes(&client, &revealed, "rotated").await;

    // A link that stops resolving says why on its row, and in the banner.
    bao.put_kv2("app/db", json!({"user": "alice"}));
    row_action(&client, "db/password", "reveal").await;
    text_becomes(&client, &revealed, "••••••••").await;
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-reset-cache")).await;
    row_action(&client, "db/password", "reveal").await;
    let error = visible(&client, &testid("error")).await;
    assert_eq!(
        error.attr("data-code").await.expect("attr").as_deref(),
        Some("link_key_missing")
    );
    let badge = visible(
        &client,
        &format!("{} [data-testid=secret-linked].problem", row("db/password")),
    )
    .await;
    let why = badge.attr("title").await.expect("attr").unwrap_or_default();
    assert!(why.contains("has no key \"password\""), "{why}");
    screenshot(&client, "linked-problem").await;
    bao.put_kv2("app/db", json!({"password": "rotated"}));

    // Editing keeps the link; unlinking keeps the value here.
    row_action(&client, "db/password", "edit").await;
    let linked = text(&client, &testid("secret-linked-text")).await;
    assert_eq!(linked, "bao · secret/app/db#password");
    click(&client, &testid("secret-unlink")).await;
    gone(
        &client,
        &format!(
            "{} [data-testid=secret-linked]:not([hidden])",
            row("db/password")
        ),
    )
    .await;
    let out = coffer(&vault, Some(&key), &["get", "db/password"], "");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "rotated\n");

    // Publishing the local secret: its value is written to OpenBao (a new
    // secret there), and the secret links to it.
    row_action(&client, "db/password", "edit").await;
    click(&client, &testid("secret-kind-linked")).await;
    visible(&client, "[data-testid=link-provider] option[value=bao]").await;
    fill(&client, &testid("link-path"), "secret/team/db").await;
    fill(&client, &testid("link-key"), "password").await;
    click(&client, &testid("link-publish")).await;
    screenshot(&client, "publish-secret").await;
    set_window_size(&client, 640, 420).await;
    screenshot(&client, "publish-secret-small").await;
    set_window_size(&client, 1100, 880).await;
    click(&client, &testid("secret-save")).await;
    visible(
        &client,
        &format!("{} [data-testid=secret-linked]", row("db/password")),
    )
    .await;
    let (status, stored) = bao.api("GET", "secret/data/team/db", None);
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["data"]["data"], json!({"password": "rotated"}));
    row_action(&client, "db/password", "edit").await;
    let linked = text(&client, &testid("secret-linked-text")).await;
    assert_eq!(linked, "bao · secret/team/db#password");
    click(&client, "#secret-cancel").await;

    // An export with links, pasted: the preview says which provider comes
    // without credentials (`bao` is here already; `prod` is not).
    let export = std::fs::read_to_string(
        root().join("crates/coffer-core/tests/fixtures/import/ok__coffer_v2_links.json"),
    )
    .expect("fixture");
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-import")).await;
    fill(&client, &testid("import-text"), &export).await;
    click(&client, &testid("import-paste")).await;
    let linked = text(&client, &testid("import-linked")).await;
    assert!(linked.starts_with("2 linked secrets"), "{linked}");
    assert!(
        linked.contains("Provider prod (https://secretsmanager.eu-west-1.amazonaws.com) is added without credentials"),
        "{linked}"
    );
    assert!(!linked.contains("Provider bao"), "{linked}");
    set_window_size(&client, 640, 420).await;
    screenshot(&client, "import-linked-small").await;
    close(client).await;
}
