//! Starting tauri-driver and a WebDriver session on the app, one at a time,
//! and the few WebDriver steps the scenarios and the app benchmark share.
//! WebKitWebDriver's quirks are worked around here and nowhere else.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::sync::{Mutex, MutexGuard};

pub const NEEDS: &str = "needs a display, tauri-driver and a Secret Service: run by make test";

/// One app at a time: the global shortcut and the driver ports are per display.
static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

pub async fn serial() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().await
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The app the sessions start: the debug build the tests run, or another
/// (the benchmark's release build) named by `COFFER_APP`.
pub fn app_binary() -> PathBuf {
    match std::env::var_os("COFFER_APP") {
        Some(path) => PathBuf::from(path),
        None => root().join("target/debug/coffer-desktop"),
    }
}

/// Where screenshots are kept (a test artifact; the best go to the README).
pub fn screenshot_dir() -> PathBuf {
    let dir = root().join("target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// A running tauri-driver; stopped with SIGTERM on drop so it takes
/// WebKitWebDriver down with it.
pub struct Driver {
    child: Child,
}

impl Driver {
    /// Starts tauri-driver with the app's environment (`COFFER_VAULT`, …).
    pub fn start(env: &[(&str, &Path)]) -> Driver {
        assert!(std::env::var_os("DISPLAY").is_some(), "{NEEDS}");
        assert!(
            app_binary().exists(),
            "build the app first: cargo build --workspace"
        );
        let log =
            std::fs::File::create(screenshot_dir().join("tauri-driver.log")).expect("log file");
        let mut cmd = Command::new(tauri_driver());
        cmd.args(["--port", "4444", "--native-port", "4445"])
            .stdin(Stdio::null())
            // Never the test runner's stdout: a surviving app would hold it open.
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start tauri-driver: {e} ({NEEDS})"));
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect("127.0.0.1:4444").is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on 4444"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child }
    }

    /// A WebDriver session on the app.
    pub async fn session(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary().canonicalize().expect("app path") }),
        );
        ClientBuilder::native()
            .capabilities(caps)
            .connect("http://127.0.0.1:4444")
            .await
            .expect("WebDriver session")
    }
}

impl Driver {
    /// tauri-driver's process id (the app and WebKit run below it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        #[allow(unsafe_code)]
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tauri_driver() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("REAL_HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    let installed = home.join("bin/tauri-driver");
    if installed.exists() {
        installed
    } else {
        PathBuf::from("tauri-driver")
    }
}

/// Ends the session and gives WebKitWebDriver time to stop the app.
pub async fn close(client: Client) {
    let _ = client.close().await;
    tokio::time::sleep(Duration::from_millis(600)).await;
}

pub fn css(selector: &str) -> Locator<'_> {
    Locator::Css(selector)
}

pub fn testid(id: &str) -> String {
    format!("[data-testid={id}]")
}

/// Waits until an element matching `selector` is displayed.
pub async fn visible(client: &Client, selector: &str) -> Element {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(el) = client.find(css(selector)).await {
            if el.is_displayed().await.unwrap_or(false) {
                return el;
            }
        }
        assert!(Instant::now() < deadline, "{selector} never became visible");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until no element matches `selector`.
pub async fn gone(client: &Client, selector: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !client
        .find_all(css(selector))
        .await
        .expect("find_all")
        .is_empty()
    {
        assert!(Instant::now() < deadline, "{selector} is still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn click(client: &Client, selector: &str) {
    // WebKitWebDriver now and then drops the connection tauri-driver reuses
    // (the request never reached the page): trying again is safe.
    let mut tries = 0;
    loop {
        match visible(client, selector).await.click().await {
            Ok(()) => return,
            Err(e) if tries < 3 && dropped(&e) => tries += 1,
            Err(e) => panic!("click {selector}: {e:?}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether a WebDriver error is the dropped connection (not an answer from the page).
fn dropped(e: &fantoccini::error::CmdError) -> bool {
    let text = format!("{e:?}");
    text.contains("connection") || text.contains("Lost") || text.contains("hyper")
}

/// Replaces the text of an input.
pub async fn fill(client: &Client, selector: &str, text: &str) {
    let el = visible(client, selector).await;
    el.clear().await.expect("clear");
    if text.is_empty() || text.contains('\n') {
        // WebKitWebDriver refuses empty keystrokes and drops newlines: set the
        // value through the page and tell it the field changed.
        client
            .execute(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', { bubbles: true }))",
                vec![serde_json::to_value(&el).expect("element"), text.into()],
            )
            .await
            .expect("set value");
    } else {
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {selector}: {e}"));
    }
}

pub async fn text(client: &Client, selector: &str) -> String {
    visible(client, selector).await.text().await.expect("text")
}

/// Waits until the text of `selector` is `want` (the page redraws in an
/// animation frame after a reply), and fails with what it was.
pub async fn text_becomes(client: &Client, selector: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = text(client, selector).await;
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{selector}: {got:?}, not {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).expect("write screenshot");
}

pub fn row(name: &str) -> String {
    format!("[data-testid=secret-row][data-name=\"{name}\"]")
}

/// Runs a row's action: `copy` is a button on the row; the others
/// (`reveal`, `copy-ref`, `edit`, `toggle`, `delete`) are in the row menu
/// its ⋯ button opens.
pub async fn row_action(client: &Client, name: &str, action: &str) {
    if action == "copy" {
        click(client, &format!("{} [data-action=copy]", row(name))).await;
        return;
    }
    click(client, &format!("{} [data-action=menu]", row(name))).await;
    click(
        client,
        &format!("[data-testid=row-menu] [data-action={action}]"),
    )
    .await;
}

/// Reads a property of the first element matching `selector` through the
/// page (WebKitWebDriver drops the connection on `/selected`).
pub async fn prop(client: &Client, selector: &str, name: &str) -> serde_json::Value {
    client
        .execute(
            "const el = document.querySelector(arguments[0]); return el ? el[arguments[1]] : null;",
            vec![selector.into(), name.into()],
        )
        .await
        .expect("script")
}

/// Runs the debug `coffer` CLI on `vault` (with `key` as COFFER_VAULT_KEY, or
/// none), feeding `stdin`.
pub fn coffer(vault: &Path, key: Option<&str>, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut cmd = std::process::Command::new(root().join("target/debug/coffer"));
    cmd.env("COFFER_VAULT", vault)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    match key {
        Some(k) => cmd.env("COFFER_VAULT_KEY", k),
        None => cmd.env_remove("COFFER_VAULT_KEY"),
    };
    let mut child = cmd.spawn().expect("coffer");
    if let Some(mut s) = child.stdin.take() {
        s.write_all(stdin.as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("coffer output")
}

/// Resizes the app window (its inner size) with xdotool: WebKitWebDriver has
/// no window-rect endpoint it likes.
pub async fn set_window_size(client: &Client, width: u32, height: u32) {
    let found = std::process::Command::new("xdotool")
        .args(["search", "--name", "^Coffer"])
        .output()
        .expect("xdotool");
    for id in String::from_utf8_lossy(&found.stdout).split_whitespace() {
        let _ = std::process::Command::new("xdotool")
            .args([
                "windowsize",
                "--sync",
                id,
                &width.to_string(),
                &height.to_string(),
            ])
            .status();
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let size = client
            .execute("return [window.innerWidth, window.innerHeight]", vec![])
            .await
            .expect("size");
        if size == serde_json::json!([width, height]) || Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A vault made by `coffer init --no-keychain` at `vault`; returns its key.
pub fn init_vault(vault: &Path) -> String {
    let out = coffer(vault, None, &["init", "--no-keychain"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned()
}

/// The app on a vault the CLI made, unlocked with its key (take
/// [`serial`]'s guard first).
pub struct Unlocked {
    pub dir: tempfile::TempDir,
    pub vault: PathBuf,
    pub key: String,
    pub driver: Driver,
    pub client: Client,
}

/// Makes a vault with the CLI, starts the app on it and unlocks it.
pub async fn unlocked_app() -> Unlocked {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("vault.db");
    let key = init_vault(&vault);
    let driver = Driver::start(&[("COFFER_VAULT", &vault)]);
    let client = driver.session().await;
    unlock_with(&client, &key).await;
    Unlocked {
        dir,
        vault,
        key,
        driver,
        client,
    }
}

/// Types `key` on the unlock screen and waits for the secrets.
pub async fn unlock_with(client: &Client, key: &str) {
    fill(client, &testid("unlock-key"), key).await;
    click(client, &testid("unlock-submit")).await;
    visible(client, &testid("filter")).await;
}
