//! No silent damage: a multi-line value keeps its bytes, an existing name is
//! not shadowed without asking, a delete names exactly which secret and can
//! be undone, and the generator fills the value from Rust.

use coffer_e2e::driver::*;

const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n  indented line  \n-----END PRIVATE KEY-----\n";

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn values_keep_their_bytes_names_ask_first_and_a_delete_can_be_undone() {
    let _one = serial().await;
    let Unlocked {
        dir: _dir,
        vault,
        key,
        driver,
        client,
    } = unlocked_app().await;

    // A PEM key pasted into the value keeps every line break and space.
    click(&client, &testid("secret-add")).await;
    fill(&client, &testid("secret-name"), "tls-key").await;
    fill(&client, &testid("secret-value"), PEM).await;
    click(&client, &testid("secret-save")).await;
    visible(&client, &row("tls-key")).await;
    let got = coffer(&vault, Some(&key), &["get", "tls-key", "--no-newline"], "");
    assert_eq!(String::from_utf8_lossy(&got.stdout), PEM);

    // The same name again asks; "Keep both" shadows the older one.
    click(&client, &testid("secret-add")).await;
    fill(&client, &testid("secret-name"), "tls-key").await;
    // The generator fills the value from Rust.
    click(&client, &testid("secret-generate")).await;
    click(&client, &testid("generate-use")).await;
    let generated = prop(&client, &testid("secret-value"), "value").await;
    assert_eq!(generated.as_str().map(str::len), Some(24), "{generated}");
    click(&client, &testid("secret-save")).await;
    let asked = text(&client, "#exists-title").await;
    assert!(asked.contains("tls-key"), "{asked}");
    screenshot(&client, "exists").await;
    click(&client, &testid("exists-keep")).await;
    let shadowed = format!("{}.shadowed", row("tls-key"));
    visible(&client, &shadowed).await;
    let got = coffer(&vault, Some(&key), &["get", "tls-key", "--no-newline"], "");
    assert_eq!(
        serde_json::Value::from(String::from_utf8_lossy(&got.stdout).into_owned()),
        generated,
        "the new one is in effect"
    );

    // Deleting the shadowed one says so, and can be undone.
    click(&client, &format!("{shadowed} [data-action=menu]")).await;
    click(&client, "[data-testid=row-menu] [data-action=delete]").await;
    let said = text(&client, "#confirm-text").await;
    assert!(said.contains("shadowed"), "{said}");
    click(&client, &testid("confirm-ok")).await;
    gone(&client, &shadowed).await;
    visible(&client, &testid("undo-bar")).await;
    click(&client, &testid("undo")).await;
    visible(&client, &shadowed).await;
    let got = coffer(&vault, Some(&key), &["list", "--json"], "");
    let list: serde_json::Value = serde_json::from_slice(&got.stdout).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(2));

    // At the minimum window size every action is still reachable.
    set_window_size(&client, 640, 420).await;
    let inner = client
        .execute("return [window.innerWidth, window.innerHeight]", vec![])
        .await
        .expect("size");
    assert_eq!(
        inner,
        serde_json::json!([640, 420]),
        "the window did not shrink"
    );
    click(&client, &format!("{shadowed} [data-action=menu]")).await;
    visible(&client, "[data-testid=row-menu] [data-action=delete]").await;
    screenshot(&client, "secrets-min-size").await;
    client
        .execute(
            "document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))",
            vec![],
        )
        .await
        .expect("Escape");
    gone(&client, "[data-testid=row-menu]:not([hidden])").await;
    visible(&client, &testid("secret-add")).await;
    visible(&client, &testid("menu")).await;
    close(client).await;
    drop(driver);
}
