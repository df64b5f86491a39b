//! Using secrets by reference, in the app: allowed domains checked as they
//! are typed, and "Try a reference" saying what would resolve — never a value.

use coffer_e2e::driver::*;

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn allowed_domains_are_checked_as_typed_and_a_reference_can_be_tried() {
    let _one = serial().await;
    let Unlocked {
        dir: _dir,
        vault,
        key,
        driver,
        client,
    } = unlocked_app().await;
    // Resolved by Rust on each check: the list need not show it.
    let out = coffer(
        &vault,
        Some(&key),
        &["set", "stripe", "--domains", "api.stripe.com"],
        "sk_live_e2e_reference",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The form reads the patterns as the core will store them.
    click(&client, &testid("secret-add")).await;
    fill(
        &client,
        &testid("secret-domains"),
        "api.example.com, ftp://files.example",
    )
    .await;
    text_becomes(
        &client,
        &testid("secret-domains-check"),
        "“ftp://files.example”: give the host only, e.g. api.example.com (`http://` in front allows plain HTTP to it).",
    )
    .await;
    fill(
        &client,
        &testid("secret-domains"),
        "API.Example.com., localhost:8443",
    )
    .await;
    text_becomes(
        &client,
        &testid("secret-domains-check"),
        "Stored as: api.example.com, localhost:8443",
    )
    .await;
    screenshot(&client, "domains-check").await;
    click(&client, "#secret-cancel").await;

    // Try a reference: which would resolve for that URL, and why not.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-reference")).await;
    fill(
        &client,
        &testid("reference-text"),
        "Authorization: Bearer {{vault:stripe}} {{vault:nope}}",
    )
    .await;
    fill(
        &client,
        &testid("reference-url"),
        "https://api.stripe.com@evil.test/v1",
    )
    .await;
    click(&client, &testid("reference-check")).await;
    text_becomes(
        &client,
        &testid("reference-summary"),
        "2 of 2 would not resolve, so nothing would be sent.",
    )
    .await;
    text_becomes(
        &client,
        "[data-testid=reference-result]:nth-child(1)",
        "✗ stripe — it is allowed only on api.stripe.com, not on evil.test",
    )
    .await;
    text_becomes(
        &client,
        "[data-testid=reference-result]:nth-child(2)",
        "✗ nope — no secret has that name",
    )
    .await;
    visible(&client, "#reference-dialog[open]").await;
    screenshot(&client, "try-a-reference").await;
    // At the smallest window the dialog still shows its results and buttons.
    set_window_size(&client, 640, 420).await;
    visible(&client, &testid("reference-check")).await;
    visible(&client, "[data-testid=reference-result]:nth-child(2)").await;
    screenshot(&client, "try-a-reference-min-size").await;
    fill(&client, &testid("reference-text"), "{{ vault:stripe }}").await;
    fill(
        &client,
        &testid("reference-url"),
        "https://api.stripe.com/v1",
    )
    .await;
    click(&client, &testid("reference-check")).await;
    text_becomes(
        &client,
        &testid("reference-summary"),
        "All 1 would resolve for https://api.stripe.com/v1.",
    )
    .await;
    let page = client.source().await.expect("page source");
    assert!(
        !page.contains("sk_live_e2e_reference"),
        "a value reached the page"
    );

    // A lock forgets what was typed there.
    client
        .execute(
            "document.getElementById('reference-dialog').close()",
            vec![],
        )
        .await
        .expect("close");
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-lock")).await;
    visible(&client, &testid("unlock-key")).await;
    let typed = prop(&client, "#reference-text", "value").await;
    assert_eq!(typed, serde_json::json!(""));
    close(client).await;
    drop(driver);
}
