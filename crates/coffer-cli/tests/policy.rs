//! The admin policy through the CLI: refused actions exit 4 and create nothing.

use crate::util::{assert_error, stderr, stdout, Env};

const PASSWORD: &str = "tangerine-oxide-marble-7";

fn with_policy(env: &Env, json: &str) -> String {
    let path = env.path("policy.json");
    std::fs::write(&path, json).expect("write");
    path.to_str().expect("utf8").to_owned()
}

fn run(env: &Env, policy: &str, args: &[&str], stdin: &[u8]) -> std::process::Output {
    env.cmd()
        .env("COFFER_POLICY_FILE", policy)
        .env("COFFER_EXPORT_PASSWORD", PASSWORD)
        .args(args)
        .write_stdin(stdin.to_vec())
        .output()
        .expect("run")
}

fn populated() -> Env {
    let env = Env::new();
    env.set("api", "sk_1");
    env
}

#[test]
fn only_encrypted_exports_when_the_policy_says_so() {
    let env = populated();
    let policy = with_policy(
        &env,
        r#"{"version": 1, "export": {"formats": ["encrypted"]}}"#,
    );
    let plain = env.path("plain.json");
    let out = run(
        &env,
        &policy,
        &[
            "export",
            "--format",
            "plaintext",
            "--yes",
            "-o",
            plain.to_str().expect("utf8"),
        ],
        b"",
    );
    assert_error(
        &out,
        4,
        "plaintext exports are not allowed (setting `export.formats` in",
    );
    assert!(stderr(&out).contains("policy.json"));
    assert!(!plain.exists(), "a refused export created a file");
    let enc = env.path("enc.json");
    let out = run(
        &env,
        &policy,
        &[
            "export",
            "--format",
            "encrypted",
            "-o",
            enc.to_str().expect("utf8"),
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(enc.exists());
}

#[test]
fn disabled_exports_are_refused_before_a_password_is_asked() {
    let env = populated();
    let policy = with_policy(&env, r#"{"version": 1, "export": {"enabled": false}}"#);
    for format in ["encrypted", "plaintext"] {
        let file = env.path(&format!("{format}.json"));
        let out = env
            .cmd()
            .env("COFFER_POLICY_FILE", &policy)
            .args([
                "export",
                "--format",
                format,
                "--yes",
                "-o",
                file.to_str().expect("utf8"),
            ])
            .output()
            .expect("run");
        assert_error(&out, 4, "exports are disabled");
        assert!(!file.exists());
    }
}

#[test]
fn a_raised_password_minimum_is_a_policy_refusal() {
    let env = populated();
    let policy = with_policy(
        &env,
        r#"{"version": 1, "export": {"min_password_length": 30}}"#,
    );
    let file = env.path("e.json");
    let out = run(
        &env,
        &policy,
        &[
            "export",
            "--format",
            "encrypted",
            "-o",
            file.to_str().expect("utf8"),
        ],
        b"",
    );
    assert_error(&out, 4, "at least 30 characters");
    assert!(!file.exists());
}

#[test]
fn unencrypted_imports_are_refused_and_encrypted_ones_allowed() {
    let env = populated();
    let enc = env.path("enc.json");
    assert!(run(
        &env,
        "",
        &[
            "export",
            "--format",
            "encrypted",
            "-o",
            enc.to_str().expect("utf8")
        ],
        b""
    )
    .status
    .success());
    let target = Env::new();
    let policy = with_policy(
        &target,
        r#"{"version": 1, "import": {"plaintext_allowed": false}}"#,
    );
    let out = run(&target, &policy, &["import", "-"], b"A=1\n");
    assert_error(&out, 4, "importing unencrypted files is not allowed");
    assert_eq!(target.list().len(), 0);
    let pw = target.path("pw");
    std::fs::write(&pw, PASSWORD).expect("write");
    let out = run(
        &target,
        &policy,
        &[
            "import",
            enc.to_str().expect("utf8"),
            "--password-file",
            pw.to_str().expect("utf8"),
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(target.get("api"), "sk_1");
}

#[test]
fn a_forbidden_keychain_refuses_init_but_not_no_keychain() {
    let env = Env::empty();
    let policy = with_policy(&env, r#"{"version": 1, "keychain": {"allowed": false}}"#);
    let out = run(&env, &policy, &["init"], b"");
    assert_error(&out, 4, "keychain.allowed");
    assert!(!env.vault.exists());
    let out = run(&env, &policy, &["init", "--no-keychain"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn an_invalid_policy_fails_closed_naming_the_file_but_leaves_reading_alone() {
    let env = populated();
    let policy = with_policy(
        &env,
        r#"{"version": 1, "export": {"formts": ["encrypted"]}}"#,
    );
    let file = env.path("e.json");
    let out = run(
        &env,
        &policy,
        &[
            "export",
            "--format",
            "encrypted",
            "-o",
            file.to_str().expect("utf8"),
        ],
        b"",
    );
    assert_error(&out, 4, "unknown field `formts`");
    assert!(stderr(&out).contains("policy.json"));
    assert!(!file.exists());
    let out = run(&env, &policy, &["get", "api"], b"");
    assert_eq!(stdout(&out), "sk_1\n", "reading secrets is not governed");
    let out = run(&env, &policy, &["status", "--json"], b"");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status["policy"]["state"], "invalid");
    let missing = env.path("nope.json");
    let out = run(
        &env,
        missing.to_str().expect("utf8"),
        &[
            "export",
            "--format",
            "encrypted",
            "-o",
            file.to_str().expect("utf8"),
        ],
        b"",
    );
    assert_error(&out, 4, "does not exist");
}

#[test]
fn policy_command_shows_each_rule_and_its_file() {
    let env = Env::empty();
    let policy = with_policy(
        &env,
        r#"{"version": 1, "auto_lock": {"max_idle_minutes": 15}, "clipboard": {"max_clear_seconds": 30}}"#,
    );
    let out = run(&env, &policy, &["policy"], b"");
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("max auto-lock idle:       15 minutes") && text.contains(&policy),
        "{text}"
    );
    assert!(text.contains("Coffer default"), "{text}");
    let out = run(&env, &policy, &["policy", "--json"], b"");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["max_clear_seconds"]["value"], 30);
    assert_eq!(json["max_clear_seconds"]["source"], policy.as_str());
    assert_eq!(json["export_enabled"]["source"], serde_json::Value::Null);
    let out = run(&env, "", &["status"], b"");
    assert!(stdout(&out).contains("policy:   none"), "{}", stdout(&out));
}
