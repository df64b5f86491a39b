//! Bad input gets a clear error, the right exit code, and no change.

use crate::util::{assert_error, stderr, Env};

#[test]
fn unknown_and_empty_names() {
    let env = Env::new();
    assert_error(
        &env.run(&["get", "nope"], b""),
        1,
        "no secret named \"nope\"",
    );
    assert_error(&env.run(&["get", ""], b""), 1, "a name cannot be empty");
    assert_error(&env.run(&["set", ""], b"v"), 1, "a name cannot be empty");
    assert_error(&env.run(&["set", " padded"], b"v"), 1, "whitespace");
    assert_error(&env.run(&["set", "a}}b"], b"v"), 1, "{{vault:NAME}}");
    let long = "n".repeat(coffer_core::NAME_MAX_CHARS + 1);
    assert_error(&env.run(&["set", &long], b"v"), 1, "at most 200 characters");
    assert_eq!(env.list().len(), 0);
}

#[test]
fn non_utf8_stdin_is_rejected_and_nothing_is_stored() {
    let env = Env::new();
    env.set("a", "keep");
    let out = env.run(&["set", "a"], b"abc\xff\xfe");
    assert_error(&out, 1, "not valid UTF-8 (bad byte at offset 3)");
    assert_eq!(env.get("a"), "keep");
}

#[test]
fn bad_domain_or_note_is_rejected_without_echoing_the_value() {
    let env = Env::new();
    let out = env.run(
        &["set", "a", "--domains", "https://x.com/path"],
        b"SUPER-SECRET-VALUE",
    );
    assert_error(&out, 1, "invalid allowed domain \"https://x.com/path\"");
    assert!(!stderr(&out).contains("SUPER-SECRET-VALUE"));
    let out = env.run(
        &["set", "a", "--note", &"n".repeat(5000)],
        b"SUPER-SECRET-VALUE",
    );
    assert_error(&out, 1, "invalid note");
    assert_eq!(env.list().len(), 0);
}

#[test]
fn oversized_value_is_rejected() {
    let env = Env::new();
    let big = vec![b'x'; coffer_core::VALUE_MAX_BYTES + 10];
    assert_error(&env.run(&["set", "big"], &big), 1, "limit");
    assert_eq!(env.list().len(), 0);
}

#[test]
fn missing_vault_says_how_to_create_one() {
    let mut env = Env::empty();
    env.key = Some("irrelevant".into());
    for args in [
        vec!["list"],
        vec!["get", "a"],
        vec!["reset", "--yes"],
        vec!["clear", "--yes"],
    ] {
        assert_error(&env.run(&args, b""), 1, "coffer init");
    }
    assert!(!env.vault.exists(), "no command but init creates a vault");
}

#[test]
fn corrupt_vault_is_reported_and_left_untouched() {
    let env = Env::new();
    let garbage: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&env.vault, &garbage).expect("write");
    for args in [
        vec!["list"],
        vec!["get", "a"],
        vec!["status"],
        vec!["reset", "--yes"],
        vec!["clear", "--yes"],
    ] {
        assert_error(&env.run(&args, b""), 1, "is not a readable Coffer vault");
    }
    assert_error(
        &env.run(&["set", "a"], b"v"),
        1,
        "is not a readable Coffer vault",
    );
    assert_eq!(env.vault_bytes(), garbage);
}

#[test]
fn truncated_vault_is_reported_and_left_untouched() {
    let env = Env::new();
    env.set("a", "1");
    let whole = env.vault_bytes();
    let half = whole[..whole.len() / 2].to_vec();
    std::fs::write(&env.vault, &half).expect("write");
    let out = env.run(&["list"], b"");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
    assert_eq!(env.vault_bytes(), half);
}

#[test]
fn newer_format_vault_is_refused_and_left_untouched() {
    let env = Env::new();
    env.set("a", "1");
    let conn = rusqlite::Connection::open(&env.vault).expect("open");
    conn.pragma_update(None, "user_version", coffer_core::FORMAT_VERSION + 1)
        .expect("bump");
    drop(conn);
    let before = env.vault_bytes();
    for args in [
        vec!["list"],
        vec!["get", "a"],
        vec!["status"],
        vec!["reset", "--yes"],
    ] {
        assert_error(
            &env.run(&args, b""),
            1,
            &format!(
                "newer than the {} this Coffer understands; upgrade Coffer",
                coffer_core::FORMAT_VERSION
            ),
        );
    }
    assert_eq!(env.vault_bytes(), before);
}

#[test]
fn other_sqlite_file_and_directory_are_not_vaults() {
    let env = Env::empty();
    let conn = rusqlite::Connection::open(&env.vault).expect("open");
    conn.execute_batch("CREATE TABLE notes(x); INSERT INTO notes VALUES ('mine');")
        .expect("create");
    drop(conn);
    let before = env.vault_bytes();
    let mut env = env;
    env.key = Some("x".into());
    assert_error(&env.run(&["list"], b""), 1, "it is not a Coffer vault");
    assert_eq!(env.vault_bytes(), before);

    let dir_env = Env::empty();
    std::fs::create_dir(&dir_env.vault).expect("mkdir");
    assert_error(&dir_env.run(&["status"], b""), 1, "it is a directory");
    assert_error(
        &dir_env.run(&["init", "--no-keychain"], b""),
        1,
        "already exists",
    );
}

#[test]
fn a_value_typed_on_the_command_line_is_refused_and_never_echoed() {
    let env = Env::new();
    for args in [
        &["set", "stripe", "sk_live_TYPED_BY_MISTAKE"][..],
        &[
            "set",
            "stripe",
            "--note",
            "n",
            "sk_live_TYPED_BY_MISTAKE",
            "more",
        ][..],
    ] {
        let out = env.run(args, b"from-stdin");
        assert_error(&out, 2, "takes the value from stdin");
        assert!(
            !stderr(&out).contains("TYPED_BY_MISTAKE")
                && !String::from_utf8_lossy(&out.stdout).contains("TYPED_BY_MISTAKE"),
            "the value was echoed: {}",
            stderr(&out)
        );
    }
    assert_eq!(env.list().len(), 0, "nothing was stored");
}

#[test]
fn an_import_past_the_entry_cap_is_refused_quickly_and_changes_nothing() {
    let env = Env::new();
    env.set("keep", "me");
    let mut bomb = String::new();
    for i in 0..=coffer_core::IMPORT_MAX_ENTRIES {
        bomb.push_str(&format!("K{i}=\n"));
    }
    let file = env.dir.path().join("bomb.env");
    std::fs::write(&file, bomb).expect("write");
    let out = env.run(
        &[
            "import",
            file.to_str().expect("path"),
            "--on-conflict",
            "keep",
        ],
        b"",
    );
    assert_error(&out, 1, "more than 100000 entries");
    assert_eq!(env.list().len(), 1);
}
