//! The vault key in the real Secret Service (gnome-keyring in a private
//! D-Bus session). `make test` runs these through `scripts/with-keyring`;
//! a plain `cargo test` skips them because they need that session.

use coffer_core::{ExposeSecret, Keychain, Policy, Vault};

use crate::util::{assert_error, last_line, stderr, stdout, Env};

const NEEDS: &str = "needs a Secret Service session: run through scripts/with-keyring (make test)";

/// `coffer` that sees the real session bus (unlike `Env::cmd`).
fn with_keychain(env: &Env, args: &[&str], stdin: &[u8]) -> std::process::Output {
    assert!(std::env::var_os("COFFER_TEST_KEYRING").is_some(), "{NEEDS}");
    let mut cmd = assert_cmd::Command::cargo_bin("coffer").expect("binary");
    cmd.env("COFFER_VAULT", &env.vault)
        .env_remove("COFFER_VAULT_KEY")
        .args(args)
        .write_stdin(stdin.to_vec());
    cmd.output().expect("run")
}

fn vault_id(env: &Env) -> String {
    Vault::open(&env.vault).expect("open").id()
}

#[test]
#[ignore = "needs a Secret Service session: run through scripts/with-keyring (make test)"]
fn keychain_self_test_passes_on_the_real_secret_service() {
    assert!(std::env::var_os("COFFER_TEST_KEYRING").is_some(), "{NEEDS}");
    Keychain::new(&Policy::default())
        .self_test()
        .expect("self-test");
}

#[test]
#[ignore = "needs a Secret Service session: run through scripts/with-keyring (make test)"]
fn key_saved_by_init_unlocks_other_processes() {
    let env = Env::empty();
    let out = with_keychain(&env, &["init"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("saved in the system keychain"));
    let printed = last_line(&out);

    // A third process (this test) reads the same entry.
    let stored = Keychain::new(&Policy::default())
        .load(&vault_id(&env))
        .expect("load")
        .expect("entry");
    assert_eq!(stored.to_text().expose_secret(), printed);

    let out = with_keychain(&env, &["set", "api"], b"from-keychain");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = with_keychain(&env, &["get", "api"], b"");
    assert_eq!(stdout(&out), "from-keychain\n", "{}", stderr(&out));
    let out = with_keychain(&env, &["status", "--json"], b"");
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status["key_source"], "keychain");
    assert_eq!(status["keychain"], true);
    assert_eq!(status["locked"], false);
    Keychain::new(&Policy::default())
        .forget(&vault_id(&env))
        .expect("clean up");
}

#[test]
#[ignore = "needs a Secret Service session: run through scripts/with-keyring (make test)"]
fn missing_entry_asks_for_the_key_and_leaves_the_vault_byte_identical() {
    let env = Env::empty();
    let out = with_keychain(&env, &["init"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let key = last_line(&out);
    assert!(with_keychain(&env, &["set", "api"], b"v").status.success());
    let id = vault_id(&env);
    assert!(
        Keychain::new(&Policy::default())
            .forget(&id)
            .expect("forget"),
        "entry existed"
    );
    let before = env.vault_bytes();

    for args in [vec!["get", "api"], vec!["list"], vec!["set", "x"]] {
        let out = with_keychain(&env, &args, b"v");
        assert_error(
            &out,
            5,
            &format!("the system keychain has no entry for vault {id}"),
        );
    }
    let out = with_keychain(&env, &["init"], b"");
    assert_error(&out, 1, "already exists");
    assert_eq!(env.vault_bytes(), before, "the vault file changed");
    assert!(
        Keychain::new(&Policy::default())
            .load(&id)
            .expect("load")
            .is_none(),
        "nothing re-created the entry"
    );

    // The typed key still opens it.
    let mut cmd = assert_cmd::Command::cargo_bin("coffer").expect("binary");
    let out = cmd
        .env("COFFER_VAULT", &env.vault)
        .env("COFFER_VAULT_KEY", &key)
        .args(["get", "api"])
        .output()
        .expect("run");
    assert_eq!(stdout(&out), "v\n");
}

#[test]
#[ignore = "needs a Secret Service session: run through scripts/with-keyring (make test)"]
fn reset_replaces_the_key_in_the_keychain() {
    let env = Env::empty();
    let out = with_keychain(&env, &["init"], b"");
    let old = last_line(&out);
    assert!(with_keychain(&env, &["set", "api"], b"v").status.success());
    let out = with_keychain(&env, &["reset", "--yes"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let new = last_line(&out);
    assert_ne!(old, new);
    let stored = Keychain::new(&Policy::default())
        .load(&vault_id(&env))
        .expect("load")
        .expect("entry");
    assert_eq!(stored.to_text().expose_secret(), new);
    assert!(with_keychain(&env, &["set", "b"], b"2").status.success());
    assert_eq!(
        stdout(&with_keychain(&env, &["list", "--json"], b""))
            .matches("\"name\"")
            .count(),
        1
    );
    Keychain::new(&Policy::default())
        .forget(&vault_id(&env))
        .expect("clean up");
}

#[test]
#[ignore = "needs a Secret Service session: run through scripts/with-keyring (make test)"]
fn a_policy_forbidding_the_keychain_stops_using_an_entry_stored_before_and_says_so() {
    let env = Env::empty();
    let out = with_keychain(&env, &["init"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = with_keychain(&env, &["set", "api"], b"v");
    assert!(out.status.success(), "{}", stderr(&out));
    let policy = env.dir.path().join("policy.json");
    std::fs::write(&policy, r#"{"version": 1, "keychain": {"allowed": false}}"#).expect("write");
    let mut cmd = assert_cmd::Command::cargo_bin("coffer").expect("binary");
    let out = cmd
        .env("COFFER_VAULT", &env.vault)
        .env("COFFER_POLICY_FILE", &policy)
        .env_remove("COFFER_VAULT_KEY")
        .args(["get", "api"])
        .output()
        .expect("run");
    assert_error(&out, 5, "keychain.allowed");
    assert!(
        !stdout(&out).contains('v'),
        "the value came out: {}",
        stdout(&out)
    );
    Keychain::new(&Policy::default())
        .forget(&vault_id(&env))
        .expect("clean up");
}
