//! Temp vaults and `coffer` invocations.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// A temp directory with a vault path in it, and the vault's key once made.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub vault: PathBuf,
    pub key: Option<String>,
}

impl Env {
    /// No vault yet.
    pub fn empty() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let vault = dir.path().join("vault.db");
        Env {
            dir,
            vault,
            key: None,
        }
    }

    /// A vault made with `coffer init --no-keychain`.
    pub fn new() -> Self {
        let mut env = Env::empty();
        let out = env
            .cmd()
            .args(["init", "--no-keychain"])
            .output()
            .expect("run");
        assert!(out.status.success(), "init failed: {}", stderr(&out));
        env.key = Some(last_line(&out));
        env
    }

    /// `coffer` with this vault and (if known) its key in `COFFER_VAULT_KEY`.
    /// Any D-Bus session is hidden so no test touches a real keychain by accident.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// [`Env::cmd`] as a plain process, for a test that spawns it and
    /// watches it run.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("coffer"));
        cmd.env("COFFER_VAULT", &self.vault)
            .env_remove("COFFER_VAULT_KEY")
            .env_remove("COFFER_EXPORT_PASSWORD")
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/coffer-test-bus",
            );
        if let Some(key) = &self.key {
            cmd.env("COFFER_VAULT_KEY", key);
        }
        cmd
    }

    /// Runs `coffer ARGS` with `stdin`.
    pub fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
        self.cmd()
            .args(args)
            .write_stdin(stdin.to_vec())
            .output()
            .expect("run")
    }

    /// `coffer set NAME` with `value` on stdin; asserts success.
    pub fn set(&self, name: &str, value: &str) {
        let out = self.run(&["set", name], value.as_bytes());
        assert!(out.status.success(), "set {name}: {}", stderr(&out));
    }

    /// `coffer get NAME --no-newline`; asserts success.
    pub fn get(&self, name: &str) -> String {
        let out = self.run(&["get", name, "--no-newline"], b"");
        assert!(out.status.success(), "get {name}: {}", stderr(&out));
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// `coffer list --json` parsed.
    pub fn list(&self) -> Vec<serde_json::Value> {
        let out = self.run(&["list", "--json"], b"");
        assert!(out.status.success(), "list: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("json array")
    }

    /// The vault file's bytes.
    pub fn vault_bytes(&self) -> Vec<u8> {
        std::fs::read(&self.vault).expect("read vault")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn last_line(out: &Output) -> String {
    stdout(out).lines().last().unwrap_or_default().to_owned()
}

/// Asserts the exit code and that stderr is one `error:` line containing `needle`.
#[track_caller]
pub fn assert_error(out: &Output, code: i32, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one error line expected: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    assert!(err.contains(needle), "{needle:?} not in: {err}");
}

/// Opens a vault file with the core library, unlocked with `key`.
pub fn open_core(path: &Path, key: &str) -> coffer_core::Vault {
    let mut vault = coffer_core::Vault::open(path).expect("open");
    vault
        .unlock(&coffer_core::VaultKey::parse(key).expect("key"))
        .expect("unlock");
    vault
}
