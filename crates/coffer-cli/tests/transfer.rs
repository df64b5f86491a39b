//! `coffer export` / `coffer import` through the binary.

use crate::util::{assert_error, stderr, stdout, Env};

const PASSWORD: &str = "tangerine-oxide-marble-7";

fn password_file(env: &Env, text: &str) -> String {
    let path = env.path("password.txt");
    std::fs::write(&path, format!("{text}\n")).expect("write");
    path.to_str().expect("utf8").to_owned()
}

fn populated() -> Env {
    let env = Env::new();
    let out = env.run(
        &[
            "set",
            "stripe",
            "--domains",
            "api.stripe.com",
            "--note",
            "live",
        ],
        b"sk_live_111",
    );
    assert!(out.status.success());
    env.set("github", "ghp_222");
    env
}

#[test]
fn encrypted_export_round_trips_into_a_new_vault() {
    let source = populated();
    let file = source.path("export.json");
    let pw = password_file(&source, PASSWORD);
    let out = source.run(
        &[
            "export",
            "--format",
            "encrypted",
            "-o",
            file.to_str().expect("utf8"),
            "--password-file",
            &pw,
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(
        !text.contains("sk_live_111") && !text.contains("stripe"),
        "names and values are encrypted"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).expect("meta").permissions().mode() & 0o777,
            0o600
        );
    }
    let target = Env::new();
    let out = target.run(
        &[
            "import",
            file.to_str().expect("utf8"),
            "--password-file",
            &pw,
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("new: 2  unchanged: 0  conflicts: 0"),
        "{}",
        stdout(&out)
    );
    assert_eq!(target.get("stripe"), "sk_live_111");
    assert_eq!(
        target.list()[1]["allowed_domains"],
        serde_json::json!(["api.stripe.com"])
    );
    // Again: nothing changes.
    let out = target.run(
        &[
            "import",
            file.to_str().expect("utf8"),
            "--password-file",
            &pw,
        ],
        b"",
    );
    assert!(
        stdout(&out).contains("new: 0  unchanged: 2  conflicts: 0"),
        "{}",
        stdout(&out)
    );
    assert_eq!(target.list().len(), 2);
}

#[test]
fn export_password_from_the_environment_and_rules() {
    let env = populated();
    let file = env.path("e.json");
    let f = file.to_str().expect("utf8");
    let out = env
        .cmd()
        .args(["export", "--format", "encrypted", "-o", f])
        .env("COFFER_EXPORT_PASSWORD", PASSWORD)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let weak = env.path("weak.json");
    let out = env
        .cmd()
        .args([
            "export",
            "--format",
            "encrypted",
            "-o",
            weak.to_str().expect("utf8"),
        ])
        .env("COFFER_EXPORT_PASSWORD", "password1234")
        .output()
        .expect("run");
    assert_error(&out, 1, "too weak");
    assert!(!stderr(&out).contains("password1234"));
    assert!(!weak.exists());
    let out = env.run(
        &[
            "export",
            "--format",
            "encrypted",
            "-o",
            weak.to_str().expect("utf8"),
        ],
        b"",
    );
    assert_error(&out, 2, "COFFER_EXPORT_PASSWORD");
    assert!(!weak.exists());
}

#[test]
fn plaintext_export_needs_yes_and_existing_files_need_force() {
    let env = populated();
    let file = env.path("plain.json");
    let f = file.to_str().expect("utf8");
    assert_error(
        &env.run(&["export", "--format", "plaintext", "-o", f], b""),
        2,
        "--yes",
    );
    assert!(!file.exists());
    assert!(env
        .run(&["export", "--format", "plaintext", "-o", f, "--yes"], b"")
        .status
        .success());
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(
        text.contains("\"value\": \"sk_live_111\"") && text.contains("\"note\": \"live\""),
        "{text}"
    );
    assert_error(
        &env.run(&["export", "--format", "plaintext", "-o", f, "--yes"], b""),
        1,
        "already exists",
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), text);
    assert!(env
        .run(
            &[
                "export",
                "--format",
                "plaintext",
                "-o",
                f,
                "--yes",
                "--force"
            ],
            b""
        )
        .status
        .success());
}

#[test]
fn wrong_or_missing_password_changes_nothing() {
    let source = populated();
    let file = source.path("e.json");
    let f = file.to_str().expect("utf8");
    let pw = password_file(&source, PASSWORD);
    assert!(source
        .run(
            &[
                "export",
                "--format",
                "encrypted",
                "-o",
                f,
                "--password-file",
                &pw
            ],
            b""
        )
        .status
        .success());
    let target = Env::new();
    target.set("keep", "me");
    let bad = password_file(&target, "not the right password");
    assert_error(
        &target.run(&["import", f, "--password-file", &bad], b""),
        3,
        "wrong password, or the file is damaged",
    );
    let out = target.run(&["import", f], b"");
    assert_error(&out, 1, "is encrypted; its password is needed");
    assert_error(&out, 1, "--password-file FILE");
    assert_eq!(target.list().len(), 1);
}

#[test]
fn conflicts_need_a_decision_and_keep_shadows() {
    let env = Env::new();
    env.set("API", "old");
    let out = env.run(&["import", "-"], b"API=new\nNEW=1\n");
    assert_error(&out, 1, "--on-conflict");
    assert!(stdout(&out).contains("conflict: API"), "{}", stdout(&out));
    assert_eq!(env.list().len(), 1, "nothing was imported");
    let out = env.run(
        &["import", "-", "--dry-run", "--on-conflict", "replace"],
        b"API=new\nNEW=1\n",
    );
    assert!(out.status.success());
    assert_eq!(env.list().len(), 1, "a dry run changes nothing");
    let out = env.run(
        &["import", "-", "--on-conflict", "keep"],
        b"API=new\nNEW=1\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.get("API"), "new");
    let list = env.list();
    assert_eq!(list.iter().filter(|s| s["shadowed"] == true).count(), 1);
    assert_eq!(list[0]["name"], "API");
    assert_eq!(
        list[0]["shadowed"], false,
        "the one in effect is listed first"
    );
    let out = env.run(&["import", "-", "--on-conflict", "replace"], b"API=newer\n");
    assert!(out.status.success());
    assert_eq!(env.get("API"), "newer");
    assert_eq!(env.list().len(), 3);
}

#[test]
fn folder_import_reads_every_importable_file_and_reports_the_rest() {
    let env = Env::new();
    let dir = env.path("drop");
    std::fs::create_dir_all(dir.join("nested")).expect("mkdir");
    std::fs::write(dir.join(".env"), "A=1\n").expect("write");
    std::fs::write(
        dir.join("prod.postman_environment.json"),
        r#"{"name":"prod","values":[{"key":"TOKEN","value":"t","type":"secret","enabled":true}]}"#,
    )
    .expect("write");
    std::fs::write(dir.join("README.txt"), "Just some prose.\n").expect("write");
    let out = env.run(&["import", dir.to_str().expect("utf8")], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("skipped") && text.contains("README.txt") && text.contains("nested"),
        "{text}"
    );
    assert!(
        text.contains("1 of them is marked secret by their source"),
        "{text}"
    );
    assert_eq!(env.get("A"), "1");
    assert_eq!(env.get("TOKEN"), "t");
}

#[test]
fn hostile_sources_are_refused_with_the_file_named() {
    let env = Env::new();
    env.set("keep", "me");
    let vault = env.vault.to_str().expect("utf8").to_owned();
    assert_error(
        &env.run(&["import", &vault], b""),
        1,
        "the vault file itself",
    );
    let fifo = env.path("fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    assert_error(
        &env.run(&["import", fifo.to_str().expect("utf8")], b""),
        1,
        "not a regular file",
    );
    let bomb = env.path("bomb.json");
    std::fs::write(
        &bomb,
        r#"{"format":"coffer-export","version":1,"encryption":"aes-256-gcm","kdf":{"algorithm":"argon2id","memory_kib":4194304,"iterations":3,"parallelism":4,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="},"nonce":"AAAAAAAAAAAAAAAA","ciphertext":"AAAA"}"#,
    )
    .expect("write");
    let pw = password_file(&env, "whatever password");
    let started = std::time::Instant::now();
    let out = env.run(
        &[
            "import",
            bomb.to_str().expect("utf8"),
            "--password-file",
            &pw,
        ],
        b"",
    );
    assert_error(&out, 1, "above the limit of 1048576 KiB");
    assert!(stderr(&out).contains("bomb.json"));
    assert!(
        started.elapsed().as_secs() < 5,
        "the KDF ran before the bound check"
    );
    let newer = env.path("newer.json");
    std::fs::write(&newer, r#"{"format":"coffer-export","version":3,"encryption":"none","exported_at":"x","secrets":[]}"#).expect("write");
    assert_error(
        &env.run(&["import", newer.to_str().expect("utf8")], b""),
        1,
        "version 3 is not supported",
    );
    assert_error(
        &env.run(&["import", "-"], b"A=\xff\xfe\n"),
        1,
        "stdin: it is not valid UTF-8",
    );
    assert_error(
        &env.run(&["import", "-"], b"{\"values\": [}"),
        1,
        "stdin: invalid JSON at line 1 column 13",
    );
    assert_error(
        &env.run(&["import", "-"], b"A=1\n{{nope}}\n"),
        1,
        "stdin: line 2: expected KEY=VALUE",
    );
    let missing = env.path("missing.json");
    assert_error(
        &env.run(&["import", missing.to_str().expect("utf8")], b""),
        1,
        "missing.json",
    );
    assert_eq!(env.list().len(), 1);
}

#[test]
fn json_errors_never_quote_a_value() {
    let env = Env::new();
    let file = br#"{"format":"coffer-export","version":1,"encryption":"none","exported_at":"2026-01-01T00:00:00Z","secrets":[{"name":"a","value":"sk_live_SECRET","enabled":"sk_live_LEAK","allowed_domains":[],"note":"","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}]}"#;
    let out = env.run(&["import", "-"], file);
    assert_error(&out, 1, "a field has the wrong type or value");
    assert!(!stderr(&out).contains("sk_live"), "{}", stderr(&out));
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn bitwarden_exports_import_plain_and_password_protected() {
    let password = fixture("bitwarden-protected.password");
    for file in [
        "bitwarden-plain.json",
        "bitwarden-protected-pbkdf2.json",
        "bitwarden-protected-argon2id.json",
    ] {
        let env = Env::new();
        let out = env.run(
            &["import", &fixture(file), "--password-file", &password],
            b"",
        );
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("new: 8  unchanged: 0  conflicts: 0"),
            "{file}: {}",
            stdout(&out)
        );
        assert_eq!(env.get("GitHub/password"), "ghp_secret", "{file}");
        assert_eq!(env.get("Recovery codes"), "aaaa-bbbb\ncccc-dddd", "{file}");
        let list = env.list();
        let github = list
            .iter()
            .find(|s| s["name"] == "GitHub/api token")
            .expect("field secret");
        assert_eq!(
            github["allowed_domains"],
            serde_json::json!(["api.github.com", "github.com"])
        );
        assert_eq!(github["note"], "work account");
    }
    let env = Env::new();
    let wrong = password_file(&env, "not the fixture password");
    let out = env.run(
        &[
            "import",
            &fixture("bitwarden-protected-argon2id.json"),
            "--password-file",
            &wrong,
        ],
        b"",
    );
    assert_error(&out, 3, "wrong password");
    assert_eq!(env.list().len(), 0);
}

#[test]
fn every_malformed_fixture_is_refused_and_the_vault_is_byte_identical() {
    let env = Env::new();
    env.set("keep", "me");
    let password = format!(
        "{}/../../docs/vectors/v1-encrypted.password",
        env!("CARGO_MANIFEST_DIR")
    );
    let dir = format!(
        "{}/../coffer-core/tests/fixtures/import",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    // Let SQLite fold its WAL into the main file first, so "identical" compares settled bytes.
    drop(crate::util::open_core(
        &env.vault,
        env.key.as_deref().expect("key"),
    ));
    let before = env.vault_bytes();
    let mut refused = 0;
    for file in files.iter().filter(|f| {
        f.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("fail_"))
    }) {
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let out = env.run(
            &[
                "import",
                file.to_str().expect("utf8"),
                "--password-file",
                &password,
            ],
            b"",
        );
        let code = if name.starts_with("fail_wrong_password") {
            3
        } else {
            1
        };
        assert_error(&out, code, &name);
        assert_eq!(env.vault_bytes(), before, "{name} changed the vault file");
        refused += 1;
    }
    assert!(refused >= 30, "only {refused} fixtures");
    // A symlink to the vault itself and an empty folder, made here.
    let link = env.path("looks-like-an-export.json");
    std::os::unix::fs::symlink(&env.vault, &link).expect("symlink");
    assert_error(
        &env.run(&["import", link.to_str().expect("utf8")], b""),
        1,
        "the vault file itself",
    );
    let empty = env.path("empty-folder");
    std::fs::create_dir(&empty).expect("mkdir");
    assert_error(
        &env.run(&["import", empty.to_str().expect("utf8")], b""),
        1,
        "no importable file",
    );
    assert_eq!(env.vault_bytes(), before);
    assert_eq!(env.get("keep"), "me");
}

#[test]
fn a_name_repeated_in_the_file_is_listed_and_help_names_every_format() {
    let env = Env::new();
    let file = env.path("repeated.env");
    std::fs::write(&file, "TOKEN=one\nTOKEN=two\nOTHER=x\n").expect("write");
    let out = env.run(&["import", file.to_str().expect("utf8"), "--dry-run"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("repeated in the import: TOKEN (2 times); all are imported, the last in effect, the others shadowed"),
        "{}",
        stdout(&out)
    );
    let help = stdout(&env.run(&["import", "--help"], b""));
    for format in ["Coffer", "Postman", "Bitwarden", "dotenv"] {
        assert!(help.contains(format), "{format} not in: {help}");
    }
}

#[test]
fn dotenv_and_postman_exports_need_confirmation_and_read_back() {
    let env = Env::new();
    env.set("TOKEN", "sk_live_\"quoted\"\\path");
    env.set("PEM", "line one\nline two");
    for (format, file) in [
        ("dotenv", "out.env"),
        ("postman", "out.postman_environment.json"),
    ] {
        let path = env.path(file);
        let path = path.to_str().expect("utf8");
        assert_error(
            &env.run(&["export", "--format", format, "-o", path], b""),
            2,
            "--yes",
        );
        let out = env.run(&["export", "--format", format, "-o", path, "--yes"], b"");
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("({format}, mode 0600)")),
            "{}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("note: "), "{}", stderr(&out));
        let other = Env::new();
        let out = other.run(&["import", path], b"");
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(other.get("TOKEN"), "sk_live_\"quoted\"\\path");
        assert_eq!(other.get("PEM"), "line one\nline two");
    }
}

#[test]
fn what_a_bitwarden_export_holds_that_coffer_does_not_import_or_renames_is_said() {
    let env = Env::new();
    let file = env.path("bitwarden.json");
    std::fs::write(
        &file,
        r#"{"encrypted":false,"folders":[{"id":"w","name":"Work"}],"items":[
            {"name":"site","type":1,"login":{"password":"p","fido2Credentials":[{"credentialId":"a"}]}},
            {"name":"key","type":5,"sshKey":{"privateKey":"PRIVATE","publicKey":"ssh-ed25519 AAAA"}},
            {"name":"site","folderId":"w","type":1,"login":{"password":"q"}}]}"#,
    )
    .expect("write");
    let out = env.run(&["import", file.to_str().expect("utf8"), "--dry-run"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(": 4 secrets (Bitwarden JSON)"), "{text}");
    assert!(
        text.contains("left out of")
            && text.contains("1 passkey (a passkey cannot be moved out of Bitwarden)"),
        "{text}"
    );
    assert!(
        text.contains(r#": named apart, as they share a name: "site" as "Work/site""#),
        "{text}"
    );
    let out = env.run(&["import", file.to_str().expect("utf8")], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.get("site/password"), "p");
    assert_eq!(env.get("Work/site/password"), "q");
}

/// A KeePass database written by KeePassXC or pykeepass (see the folder's README).
fn keepass_fixture(name: &str) -> String {
    format!(
        "{}/../coffer-core/tests/fixtures/kdbx/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn a_keepass_database_opens_with_its_password_and_key_file() {
    let env = Env::new();
    let db = keepass_fixture("pykeepass__test4.kdbx");
    let key = keepass_fixture("pykeepass__test4.key");
    let pw = password_file(&env, "password");
    // The key file alone does not open it; without a terminal, no prompt.
    let out = env.run(&["import", &db, "--keepass-key-file", &key], b"");
    assert_error(&out, 3, "wrong password (or key file)");
    let out = env.run(
        &[
            "import",
            &db,
            "--password-file",
            &pw,
            "--keepass-key-file",
            &key,
        ],
        b"",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(": 33 secrets (KeePass database)"), "{text}");
    assert!(text.contains("the history of 6 entries"), "{text}");
    assert_eq!(
        env.get("foobar_group/subgroup/subentry/custom_field"),
        "custom field value"
    );
    // A reference to another entry's password is followed.
    assert_eq!(
        env.get("foobar_entry - Clone with prefix and suffix/password"),
        "AfoobarBC"
    );
}

#[test]
fn a_keepass_key_file_that_is_damaged_or_missing_is_named() {
    let env = Env::new();
    let import = |db: &str, key: &str| {
        let db = keepass_fixture(db);
        env.run(&["import", &db, "--keepass-key-file", key], b"")
    };
    let path = |p: std::path::PathBuf| p.to_str().expect("utf8").to_owned();
    let db = "keepassxc__FileKeyXmlV2HashFail.kdbx";
    let out = import(db, &keepass_fixture("keepassxc__FileKeyXmlV2HashFail.keyx"));
    assert_error(
        &out,
        1,
        "the key file is damaged: its data does not match its hash",
    );
    let out = import(db, &path(env.path("no-such.key")));
    assert_error(&out, 1, "cannot read the key file");
    // A folder (or a FIFO, which would block) is no key file.
    let out = import(db, &path(env.path("")));
    assert_error(&out, 1, "a key file must be a regular file");
    let big = env.path("big.key");
    std::fs::write(&big, vec![7u8; coffer_core::KDBX_KEY_FILE_MAX_BYTES + 1]).expect("write");
    let out = import(db, &path(big));
    assert_error(&out, 1, "a key file is at most");
    let good = keepass_fixture("keepassxc__FileKeyXmlV2.keyx");
    let out = import("keepassxc__FileKeyXmlV2.kdbx", &good);
    assert!(out.status.success(), "{}", stderr(&out));
}
