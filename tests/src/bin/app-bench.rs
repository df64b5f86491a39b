//! `make bench`, part two: the desktop app at the sizes people use it, on
//! the real release build in a real WebKit webview (tauri-driver +
//! WebKitWebDriver under Xvfb), and KeePassXC's GUI opening the same number
//! of entries.
//!
//! For 10k and 100k secrets: unlock (typed key) → first rows painted, a
//! filter keystroke → rows painted (median of several), both read from the
//! page's own User Timing marks; and the resident memory of the app and its
//! WebKit processes while locked and after the list is shown.
//!
//! Usage: app-bench [SIZE…] (default 10000 100000); `COFFER_APP` names the
//! app binary (the Makefile passes the release build).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use coffer_core::{ExposeSecret, NewSecret, SecretString, Vault};
use coffer_e2e::driver::{click, close, fill, testid, visible, Driver};
use coffer_e2e::procs::{descendants, field};
use fantoccini::Client;

/// Filter keystrokes timed per size.
const KEYSTROKES: &str = "service-42";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a size"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rows = Vec::new();
    for &n in &sizes {
        let (vault, key) = make_vault(dir.path(), n);
        let m = measure_app(&vault, &key).await;
        eprintln!("coffer {n}: {m:?}");
        let kp = measure_keepassxc(dir.path(), n);
        eprintln!("keepassxc {n}: {kp:?}");
        rows.push((n, m, kp));
    }
    println!("| secrets | Coffer: unlock → first rows (after a lock) | Coffer: filter keystroke → painted (median, max) | Coffer: app + WebKit memory (PSS), locked → unlocked (Δ) | KeePassXC 2.7: launch with password → entries shown | KeePassXC memory (PSS) |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for (n, m, kp) in rows {
        let kp_open = kp
            .as_ref()
            .map(|k| format!("{:.2} s", k.open.as_secs_f64()))
            .unwrap_or_else(|| "—".into());
        let kp_mem = kp
            .as_ref()
            .map(|k| format!("{} MiB", k.rss_kib / 1024))
            .unwrap_or_else(|| "—".into());
        println!(
            "| {n} | {:.0} ms ({:.0} ms) | {:.1} ms, {:.1} ms | {} → {} MiB (+{} MiB) | {kp_open} | {kp_mem} |",
            m.first_rows_ms,
            m.again_ms,
            m.filter_median_ms,
            m.filter_max_ms,
            m.locked_kib / 1024,
            m.unlocked_kib / 1024,
            (m.unlocked_kib.saturating_sub(m.locked_kib)) / 1024
        );
    }
}

/// A vault of `n` secret-shaped entries, and its key text.
fn make_vault(dir: &Path, n: usize) -> (PathBuf, String) {
    let path = dir.join(format!("vault-{n}.db"));
    let (mut vault, key) = Vault::create(&path, false).expect("create");
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..n {
        batch.push(NewSecret {
            name: format!("service-{i}/API_KEY"),
            value: SecretString::from(format!("sk_live_{i:08}_{}", "x".repeat(24))),
            enabled: i % 17 != 0,
            allowed_domains: if i % 3 == 0 {
                vec![format!("api{}.example.com", i % 100)]
            } else {
                Vec::new()
            },
            note: if i % 5 == 0 {
                format!("rotated quarterly; owner team {}", i % 40)
            } else {
                String::new()
            },
        });
        if batch.len() == 10_000 {
            vault
                .create_secrets(std::mem::take(&mut batch))
                .expect("batch");
        }
    }
    vault.create_secrets(batch).expect("batch");
    (path, key.to_text().expose_secret().to_owned())
}

#[derive(Debug)]
struct AppFigures {
    first_rows_ms: f64,
    again_ms: f64,
    filter_median_ms: f64,
    filter_max_ms: f64,
    locked_kib: u64,
    unlocked_kib: u64,
}

async fn measure_app(vault: &Path, key: &str) -> AppFigures {
    let driver = Driver::start(&[("COFFER_VAULT", vault)]);
    let client = driver.session().await;
    visible(&client, &testid("unlock-key")).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let locked_kib = tree_rss_kib(driver.pid());
    fill(&client, &testid("unlock-key"), key).await;
    click(&client, &testid("unlock-submit")).await;
    let first_rows_ms = wait_measure(&client, "coffer:unlock-start", "coffer:rows-painted").await;
    let mut times = Vec::new();
    let filter = visible(&client, &testid("filter")).await;
    for c in KEYSTROKES.chars() {
        let before = mark_time(&client, "coffer:filter-painted").await;
        filter.send_keys(&c.to_string()).await.expect("type");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = mark_time(&client, "coffer:filter-painted").await;
            if now.is_some() && now != before {
                break;
            }
            assert!(Instant::now() < deadline, "the filter never painted");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        times.push(measure(&client, "coffer:filter-input", "coffer:filter-painted").await);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let unlocked_kib = tree_rss_kib(driver.pid());
    // Lock and unlock again: the page was shown before.
    click(&client, &testid("menu")).await;
    click(&client, &testid("menu-lock")).await;
    fill(&client, &testid("unlock-key"), key).await;
    let before = mark_time(&client, "coffer:rows-painted").await;
    click(&client, &testid("unlock-submit")).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while mark_time(&client, "coffer:rows-painted").await == before {
        assert!(Instant::now() < deadline, "the rows never came again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let again_ms = measure(&client, "coffer:unlock-start", "coffer:rows-painted").await;
    times.sort_by(f64::total_cmp);
    close(client).await;
    drop(driver);
    AppFigures {
        first_rows_ms,
        again_ms,
        filter_median_ms: times[times.len() / 2],
        filter_max_ms: *times.last().expect("times"),
        locked_kib,
        unlocked_kib,
    }
}

async fn mark_time(client: &Client, name: &str) -> Option<f64> {
    let script = "const m = performance.getEntriesByName(arguments[0], 'mark'); return m.length ? m[m.length - 1].startTime : null;";
    client
        .execute(script, vec![name.into()])
        .await
        .ok()
        .and_then(|v| v.as_f64())
}

async fn measure(client: &Client, from: &str, to: &str) -> f64 {
    let a = mark_time(client, from).await.expect("start mark");
    let b = mark_time(client, to).await.expect("end mark");
    b - a
}

async fn wait_measure(client: &Client, from: &str, to: &str) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(120);
    while mark_time(client, to).await.is_none() {
        assert!(Instant::now() < deadline, "{to} never came");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    measure(client, from, to).await
}

/// Memory of the app and its WebKit processes: the proportional set size
/// (shared pages divided among the processes that map them, so three
/// processes of one program are not counted three times) of every
/// descendant of `root`, the drivers left out.
fn tree_rss_kib(root: u32) -> u64 {
    let mut total = 0;
    for pid in descendants(root) {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let name = field(&status, "Name:").unwrap_or_default();
        if name.contains("WebKitWebDriver") || name.contains("tauri-driver") {
            continue;
        }
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        total += field(&rollup, "Pss:")
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0);
    }
    total
}

#[derive(Debug)]
struct KeePassFigures {
    open: Duration,
    rss_kib: u64,
}

/// KeePassXC's GUI opening a database of `n` entries with its password on
/// stdin: from launch until its window title names the open database.
fn measure_keepassxc(dir: &Path, n: usize) -> Option<KeePassFigures> {
    let cli = which("keepassxc-cli")?;
    let gui = which("keepassxc")?;
    let db = dir.join(format!("kp-{n}.kdbx"));
    let xml = dir.join(format!("kp-{n}.xml"));
    let password = "bench password 1";
    let mut entries = String::new();
    for i in 0..n {
        entries.push_str(&format!(
            "<Entry><UUID>{}</UUID><String><Key>Title</Key><Value>service-{i}/API_KEY</Value></String><String><Key>Password</Key><Value>sk_live_{i:08}</Value></String></Entry>",
            uuid_b64(i)
        ));
    }
    std::fs::write(
        &xml,
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><KeePassFile><Root><Group><UUID>{}</UUID><Name>Bench</Name>{entries}</Group></Root></KeePassFile>", uuid_b64(usize::MAX)),
    )
    .ok()?;
    let made = run_with_stdin(
        Command::new(&cli)
            .args(["import", "-q", "--set-password"])
            .arg(&xml)
            .arg(&db),
        &format!("{password}\n{password}\n"),
    );
    if !made {
        eprintln!("keepassxc-cli import failed; KeePassXC column left out");
        return None;
    }
    let home = tempfile::tempdir().ok()?;
    let start = Instant::now();
    let mut child = Command::new(&gui)
        .args(["--pw-stdin"])
        .arg(&db)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take()?;
        let _ = writeln!(stdin, "{password}");
    }
    let title = format!("kp-{n}");
    let deadline = Instant::now() + Duration::from_secs(180);
    let mut open = None;
    while Instant::now() < deadline {
        if unlocked_window(&title) {
            open = Some(start.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_secs(1));
    let rss_kib = tree_rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    open.map(|open| KeePassFigures { open, rss_kib })
}

/// Whether a KeePassXC window names the database `title` without "[Locked]".
fn unlocked_window(title: &str) -> bool {
    let Ok(out) = Command::new("xdotool")
        .args(["search", "--name", title])
        .output()
    else {
        return false;
    };
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .any(|id| {
            Command::new("xdotool")
                .args(["getwindowname", id])
                .output()
                .map(|o| {
                    let name = String::from_utf8_lossy(&o.stdout);
                    name.contains("KeePassXC") && !name.contains("Locked")
                })
                .unwrap_or(false)
        })
}

fn uuid_b64(i: usize) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&(i as u64).to_le_bytes());
    bytes[8] = 0x42;
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..=chunk.len() {
            out.push(B64[((n >> (18 - 6 * k)) & 63) as usize] as char);
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

fn run_with_stdin(cmd: &mut Command, input: &str) -> bool {
    use std::io::Write;
    let Ok(mut child) = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        return false;
    };
    if let Some(mut s) = child.stdin.take() {
        let _ = s.write_all(input.as_bytes());
    }
    child.wait().map(|s| s.success()).unwrap_or(false)
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}
