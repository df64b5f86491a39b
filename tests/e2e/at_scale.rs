//! The app with 10,000 secrets: a virtual list (only the rows in view are in
//! the page), unlock and filter without a freeze. The limits are generous
//! (a debug build on a shared machine); `make bench` measures the release
//! build at 10k and 100k.

use std::time::{Duration, Instant};

use coffer_core::{ExposeSecret, NewSecret, SecretString, Vault};
use coffer_e2e::driver::*;
use fantoccini::Client;

const SECRETS: usize = 10_000;
/// Unlock → first rows, debug build (the release build's aim is 300 ms).
const UNLOCK_LIMIT_MS: f64 = 5_000.0;
/// One filter keystroke → rows painted, debug build (release aim: 50 ms at 100k).
const KEYSTROKE_LIMIT_MS: f64 = 1_000.0;
/// Rows in the page at most: a window's worth and a margin, never all.
const ROWS_IN_PAGE_MAX: usize = 80;

async fn mark(client: &Client, name: &str) -> Option<f64> {
    client
        .execute(
            "const m = performance.getEntriesByName(arguments[0], 'mark'); return m.length ? m[m.length - 1].startTime : null;",
            vec![name.into()],
        )
        .await
        .expect("script")
        .as_f64()
}

async fn rows_in_page(client: &Client) -> usize {
    client
        .find_all(css("[data-testid=secret-row]"))
        .await
        .expect("rows")
        .len()
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and a Secret Service: run by make test"]
async fn ten_thousand_secrets_open_filter_and_scroll_as_a_virtual_list() {
    let _one = serial().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let vault_path = dir.path().join("vault.db");
    let (mut vault, key) = Vault::create(&vault_path, false).expect("create");
    let secrets = (0..SECRETS)
        .map(|i| NewSecret {
            name: format!("service-{i:05}/API_KEY"),
            value: SecretString::from(format!("value-{i}")),
            enabled: true,
            allowed_domains: if i % 2 == 0 {
                vec![format!("api{i}.example.com")]
            } else {
                vec![]
            },
            note: String::new(),
        })
        .collect();
    vault.create_secrets(secrets).expect("10k secrets");
    drop(vault);
    let key = key.to_text().expose_secret().to_owned();

    let driver = Driver::start(&[("COFFER_VAULT", &vault_path)]);
    let client = driver.session().await;
    fill(&client, &testid("unlock-key"), &key).await;
    click(&client, &testid("unlock-submit")).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while mark(&client, "coffer:rows-painted").await.is_none() {
        assert!(Instant::now() < deadline, "the rows never came");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let unlock_ms = mark(&client, "coffer:rows-painted").await.expect("painted")
        - mark(&client, "coffer:unlock-start").await.expect("started");
    eprintln!("10k, debug build: unlock → first rows {unlock_ms:.0} ms");
    assert!(unlock_ms < UNLOCK_LIMIT_MS, "{unlock_ms} ms");
    let drawn = rows_in_page(&client).await;
    assert!(
        (1..=ROWS_IN_PAGE_MAX).contains(&drawn),
        "{drawn} rows in the page for {SECRETS} secrets"
    );
    let count = text(&client, "#secret-count").await;
    assert!(
        count.contains("10,000") || count.contains("10000"),
        "{count}"
    );

    // A filter keystroke repaints only what is visible.
    let filter = visible(&client, &testid("filter")).await;
    for c in "service-0999".chars() {
        let before = mark(&client, "coffer:filter-painted").await;
        filter.send_keys(&c.to_string()).await.expect("type");
        let deadline = Instant::now() + Duration::from_secs(10);
        while mark(&client, "coffer:filter-painted").await == before {
            assert!(Instant::now() < deadline, "the filter never painted");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let ms = mark(&client, "coffer:filter-painted")
            .await
            .expect("painted")
            - mark(&client, "coffer:filter-input").await.expect("input");
        assert!(ms < KEYSTROKE_LIMIT_MS, "keystroke {c:?}: {ms} ms");
    }
    visible(&client, &row("service-09999/API_KEY")).await;
    assert!(
        rows_in_page(&client).await <= 11,
        "service-0999x: ten rows at most"
    );
    let count = text(&client, "#secret-count").await;
    assert!(count.contains(" of "), "the footer says N of M: {count}");
    // Nothing matches: said so. The word "any" (no allowed domains) is not data.
    fill(&client, &testid("filter"), "any").await;
    visible(&client, &testid("no-match")).await;
    fill(&client, &testid("filter"), "").await;

    // The keyboard reaches the first and the last of 10,000 rows.
    let key = |k: &'static str| {
        let client = &client;
        async move {
            client
                .execute(
                    "document.getElementById('secret-grid').dispatchEvent(new KeyboardEvent('keydown', {key: arguments[0], bubbles: true}))",
                    vec![k.into()],
                )
                .await
                .expect("key");
        }
    };
    key("Home").await;
    visible(
        &client,
        &format!("{}[aria-selected=true]", row("service-00000/API_KEY")),
    )
    .await;
    key("End").await;
    visible(
        &client,
        &format!("{}[aria-selected=true]", row("service-09999/API_KEY")),
    )
    .await;
    key("ArrowUp").await;
    visible(
        &client,
        &format!("{}[aria-selected=true]", row("service-09998/API_KEY")),
    )
    .await;
    // Enter copies the selected value, Ctrl+Shift+C its reference (from Rust).
    key("Enter").await;
    let mut board = arboard::Clipboard::new().expect("clipboard");
    let deadline = Instant::now() + Duration::from_secs(10);
    while board.get_text().unwrap_or_default() != "value-9998" {
        assert!(
            Instant::now() < deadline,
            "Enter did not copy the selected value"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client
        .execute(
            "document.getElementById('secret-grid').dispatchEvent(new KeyboardEvent('keydown', {key: 'C', ctrlKey: true, shiftKey: true, bubbles: true}))",
            vec![],
        )
        .await
        .expect("Ctrl+Shift+C");
    let deadline = Instant::now() + Duration::from_secs(10);
    while board.get_text().unwrap_or_default() != "{{vault:service-09998/API_KEY}}" {
        assert!(
            Instant::now() < deadline,
            "Ctrl+Shift+C did not copy the reference"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(rows_in_page(&client).await <= ROWS_IN_PAGE_MAX);
    screenshot(&client, "secrets-10k").await;
    close(client).await;
    drop(driver);
}
