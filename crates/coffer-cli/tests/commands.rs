//! Every command, its output and its exit codes.

use coffer_core::{ExposeSecret, NewSecret, SecretString};

use crate::util::{assert_error, last_line, open_core, stderr, stdout, Env};

#[test]
fn init_prints_the_key_alone_on_the_last_line_and_makes_a_private_file() {
    let env = Env::empty();
    let out = env.run(&["init", "--no-keychain"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let key = last_line(&out);
    assert_eq!(stdout(&out).lines().count(), 1, "stdout holds only the key");
    assert!(coffer_core::VaultKey::parse(&key).is_ok(), "{key}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&env.vault)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn init_refuses_to_overwrite_a_vault() {
    let env = Env::new();
    env.set("a", "1");
    let before = env.vault_bytes();
    let out = env.run(&["init", "--no-keychain"], b"");
    assert_error(&out, 1, "already exists");
    assert_eq!(env.vault_bytes(), before);
    assert_eq!(env.get("a"), "1");
}

#[test]
fn init_without_a_usable_keychain_fails_before_creating_anything() {
    let env = Env::empty(); // its D-Bus address points nowhere
    let out = env.run(&["init"], b"");
    assert_error(&out, 1, "--no-keychain");
    assert!(!env.vault.exists());
    assert!(
        stdout(&out).is_empty(),
        "no key printed for a vault that does not exist"
    );
}

#[test]
fn set_and_get_round_trip_with_newline_rules() {
    let env = Env::new();
    env.set("plain", "sk_live_123\n");
    assert_eq!(env.get("plain"), "sk_live_123");
    env.set("crlf", "abc\r\n");
    assert_eq!(env.get("crlf"), "abc");
    env.set("two-newlines", "abc\n\n");
    assert_eq!(env.get("two-newlines"), "abc\n");
    env.set("empty", "");
    assert_eq!(env.get("empty"), "");
    env.set("ключ 🔑", "значение ✓");
    assert_eq!(env.get("ключ 🔑"), "значение ✓");
    let out = env.run(&["get", "plain"], b"");
    assert_eq!(out.stdout, b"sk_live_123\n");
}

#[test]
fn set_updates_the_newest_and_keeps_unset_fields() {
    let env = Env::new();
    let out = env.run(
        &[
            "set",
            "api",
            "--domains",
            "API.example.com, *.example.org",
            "--note",
            "prod",
        ],
        b"v1",
    );
    assert!(out.status.success());
    assert!(stderr(&out).contains("created api"));
    let out = env.run(&["set", "api"], b"v2");
    assert!(stderr(&out).contains("updated api"));
    let list = env.list();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0]["allowed_domains"],
        serde_json::json!(["api.example.com", "*.example.org"])
    );
    assert_eq!(list[0]["note"], "prod");
    assert_eq!(env.get("api"), "v2");
    let out = env.run(&["set", "api", "--domains", "", "--disabled"], b"v3");
    assert!(out.status.success());
    let list = env.list();
    assert_eq!(list[0]["allowed_domains"], serde_json::json!([]));
    assert_eq!(list[0]["enabled"], false);
}

#[test]
fn list_json_has_the_contract_fields_and_never_values() {
    let env = Env::new();
    env.set("alpha", "VALUE-ALPHA-123");
    env.set("beta", "VALUE-BETA-456");
    let out = env.run(&["list", "--json"], b"");
    let text = stdout(&out);
    assert!(!text.contains("VALUE-"), "values leaked into list: {text}");
    let list: Vec<serde_json::Value> = serde_json::from_str(&text).expect("json");
    assert_eq!(list.len(), 2);
    for item in &list {
        for field in [
            "id",
            "name",
            "enabled",
            "allowed_domains",
            "note",
            "created_at",
            "updated_at",
            "shadowed",
        ] {
            assert!(item.get(field).is_some(), "{field} missing in {item}");
        }
    }
    let names: Vec<&str> = list
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["alpha", "beta"]);
    let table = stdout(&env.run(&["list"], b""));
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table.contains("alpha") && !table.contains("VALUE-"),
        "{table}"
    );
}

#[test]
fn empty_list_says_how_to_add() {
    let env = Env::new();
    let out = env.run(&["list"], b"");
    assert!(out.status.success());
    assert!(stderr(&out).contains("coffer set"));
    assert_eq!(env.list().len(), 0);
}

#[test]
fn duplicates_newest_wins_and_older_is_shadowed_until_removed() {
    let env = Env::new();
    env.set("token", "old");
    {
        let mut vault = open_core(&env.vault, env.key.as_deref().expect("key"));
        vault
            .create_secret(NewSecret {
                name: "token".into(),
                value: SecretString::from("new".to_owned()),
                enabled: true,
                allowed_domains: vec![],
                note: String::new(),
            })
            .expect("duplicate");
    }
    assert_eq!(env.get("token"), "new");
    let list = env.list();
    let shadowed: Vec<bool> = list
        .iter()
        .map(|s| s["shadowed"].as_bool().expect("bool"))
        .collect();
    assert_eq!(shadowed, [false, true], "the one in effect is listed first");
    assert!(stdout(&env.run(&["list"], b"")).contains("shadowed"));
    let out = env.run(&["rm", "token"], b"");
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("older secret named token is now in effect"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.get("token"), "old");
}

#[test]
fn rename_rm_enable_disable() {
    let env = Env::new();
    env.set("a", "1");
    assert!(env.run(&["rename", "a", "b"], b"").status.success());
    assert_error(&env.run(&["get", "a"], b""), 1, "no secret named \"a\"");
    assert_eq!(env.get("b"), "1");

    assert!(env.run(&["disable", "b"], b"").status.success());
    assert_error(&env.run(&["get", "b"], b""), 1, "coffer enable b");
    assert_eq!(env.list()[0]["enabled"], false);
    assert!(env.run(&["enable", "b"], b"").status.success());
    assert_eq!(env.get("b"), "1");

    assert!(env.run(&["rm", "b"], b"").status.success());
    assert_eq!(env.list().len(), 0);
    for args in [["rm", "b"], ["enable", "b"], ["disable", "b"]] {
        assert_error(&env.run(&args, b""), 1, "no secret named");
    }
    assert_error(&env.run(&["rename", "b", "c"], b""), 1, "no secret named");
}

#[test]
fn rename_onto_an_existing_name_shadows_it() {
    let env = Env::new();
    env.set("a", "1");
    env.set("b", "2");
    assert!(env.run(&["rename", "a", "b"], b"").status.success());
    assert_eq!(env.get("b"), "1");
    assert_eq!(
        env.list().iter().filter(|s| s["shadowed"] == true).count(),
        1
    );
}

#[test]
fn clear_needs_confirmation_and_keeps_the_key() {
    let env = Env::new();
    env.set("a", "1");
    env.set("b", "2");
    assert_error(&env.run(&["clear"], b""), 2, "--yes");
    assert_eq!(env.list().len(), 2);
    let out = env.run(&["clear", "--yes"], b"");
    assert!(out.status.success());
    assert!(stderr(&out).contains("deleted 2 secrets"));
    assert_eq!(env.list().len(), 0);
    env.set("c", "3"); // same key still works
    assert_eq!(env.get("c"), "3");
}

#[test]
fn verify_reports_a_rolled_back_secret_and_accepts_only_when_confirmed() {
    let env = Env::new();
    env.set("token", "old");
    env.set("other", "o");
    let out = env.run(&["verify"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("all 2 secrets are intact"),
        "{}",
        stderr(&out)
    );
    let conn = rusqlite::Connection::open(&env.vault).expect("open");
    let old: (i64, Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT seq, meta, value FROM secrets WHERE seq = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("first write");
    drop(conn);
    env.set("token", "new");
    // The first write of `token` put back whole, in place of the newer one.
    let conn = rusqlite::Connection::open(&env.vault).expect("open");
    conn.execute_batch(
        "CREATE TEMP TABLE cur AS SELECT * FROM secrets WHERE seq = 3;
         DELETE FROM secrets WHERE seq = 3;",
    )
    .expect("remove newer");
    conn.execute(
        "INSERT INTO secrets (seq, id, name_index, key_generation, meta, value)
         SELECT ?1, id, name_index, key_generation, ?2, ?3 FROM cur",
        rusqlite::params![old.0, old.1, old.2],
    )
    .expect("put older back");
    drop(conn);

    assert_error(
        &env.run(&["get", "token"], b""),
        1,
        "rolled back to an older version",
    );
    let out = env.run(&["verify"], b"");
    assert_error(&out, 1, "coffer verify --accept-changes");
    assert_error(&env.run(&["verify", "--accept-changes"], b""), 2, "--yes");
    assert_error(&env.run(&["get", "token"], b""), 1, "outside Coffer");
    let out = env.run(&["verify", "--accept-changes", "--yes"], b"");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("accepted the 2 records"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.get("token"), "old");
}

#[test]
fn reset_makes_a_new_key_without_the_old_one_and_deletes_secrets() {
    let mut env = Env::new();
    env.set("a", "1");
    let old_key = env.key.take();
    assert_error(&env.run(&["reset"], b""), 2, "--yes");
    let out = env.run(&["reset", "--yes"], b""); // no key given at all
    assert!(out.status.success(), "{}", stderr(&out));
    let new_key = last_line(&out);
    assert_ne!(Some(&new_key), old_key.as_ref());
    env.key = old_key;
    assert_error(&env.run(&["list"], b""), 3, "does not open this vault");
    env.key = Some(new_key);
    assert_eq!(env.list().len(), 0);
    env.set("b", "2");
    assert_eq!(env.get("b"), "2");
}

#[test]
fn status_reports_missing_locked_and_unlocked() {
    let env = Env::empty();
    let out = env.run(&["status", "--json"], b"");
    assert!(out.status.success());
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(s["exists"], false);

    let mut env = Env::new();
    env.set("a", "1");
    let s: serde_json::Value =
        serde_json::from_slice(&env.run(&["status", "--json"], b"").stdout).expect("json");
    assert_eq!(s["exists"], true);
    assert_eq!(s["locked"], false);
    assert_eq!(s["key_source"], "env");
    assert_eq!(s["secret_count"], 1);
    assert_eq!(s["keychain"], false);
    assert_eq!(s["format_version"], coffer_core::FORMAT_VERSION);

    env.key = None;
    let out = env.run(&["status", "--json"], b"");
    assert!(out.status.success(), "status works without a key");
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(s["locked"], true);
    assert_eq!(s["key_error"]["code"], "key_unavailable");
    assert_eq!(s["secret_count"], 1, "counting needs no key");
    let text = stdout(&env.run(&["status"], b""));
    assert!(
        text.contains("secrets:  1") && text.contains("key_unavailable"),
        "{text}"
    );
}

#[test]
fn key_file_comes_first_in_the_unlock_order() {
    let mut env = Env::new();
    env.set("a", "1");
    let key = env.key.clone().expect("key");
    let file = env.path("key.txt");
    std::fs::write(&file, format!("{key}\n")).expect("write");
    env.key = Some(
        coffer_core::VaultKey::generate()
            .to_text()
            .expose_secret()
            .to_owned(),
    );
    let out = env.run(
        &["--key-file", file.to_str().expect("utf8"), "get", "a"],
        b"",
    );
    assert_eq!(stdout(&out), "1\n", "{}", stderr(&out));
    let missing = env.path("nope.txt");
    let out = env.run(
        &["get", "a", "--key-file", missing.to_str().expect("utf8")],
        b"",
    );
    assert_error(&out, 5, "cannot read the key file");
}

#[test]
fn a_key_file_others_can_read_gets_a_warning_and_still_works() {
    use std::os::unix::fs::PermissionsExt;
    let mut env = Env::new();
    env.set("a", "1");
    let key = env.key.take().expect("key");
    let file = env.path("key.txt");
    std::fs::write(&file, format!("{key}\n")).expect("write");
    let args = ["--key-file", file.to_str().expect("utf8"), "get", "a"];
    for (mode, warned) in [(0o644, true), (0o640, true), (0o600, false), (0o400, false)] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let out = env.run(&args, b"");
        assert_eq!(stdout(&out), "1\n", "{mode:o}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(
            err.contains("warning: other users of this computer can read the key file"),
            warned,
            "{mode:o}: {err}"
        );
        if warned {
            assert!(err.contains("chmod 600"), "{err}");
            assert!(!err.contains(&key), "the warning showed the key");
        }
    }
}

#[test]
fn the_cli_runs_without_core_dumps_in_every_build() {
    use std::io::Write;
    use std::os::unix::process::CommandExt;
    let env = Env::new();
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    #[allow(unsafe_code)]
    // SAFETY: getrlimit writes into a valid rlimit struct.
    unsafe {
        libc::getrlimit(libc::RLIMIT_CORE, &mut limit);
    }
    assert_ne!(
        limit.rlim_max, 0,
        "core dumps are forbidden here already: nothing to show"
    );
    let mut cmd = env.std_cmd();
    #[allow(unsafe_code)]
    // SAFETY: the closure only calls setrlimit (async-signal-safe) on a
    // struct it owns, between fork and exec.
    unsafe {
        // Core dumps allowed as far as they can be, so the process itself must
        // turn them off.
        cmd.pre_exec(move || {
            let allowed = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &allowed);
            Ok(())
        });
    }
    // `set` waits for its value on stdin: look at the process meanwhile.
    let mut child = cmd
        .args(["set", "a"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let limits = format!("/proc/{}/limits", child.id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let core = loop {
        let text = std::fs::read_to_string(&limits).unwrap_or_default();
        let line = text
            .lines()
            .find(|l| l.starts_with("Max core file size"))
            .unwrap_or_default()
            .to_owned();
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.get(4..6) == Some(&["0", "0"][..]) || std::time::Instant::now() > deadline {
            break line;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"v")
        .expect("value");
    assert!(child.wait().expect("wait").success());
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(fields.get(4..6), Some(&["0", "0"][..]), "{core}");
}

#[test]
fn exit_codes_for_key_problems() {
    let mut env = Env::new();
    env.set("a", "1");
    let good = env.key.clone().expect("key");
    env.key = Some(
        coffer_core::VaultKey::generate()
            .to_text()
            .expose_secret()
            .to_owned(),
    );
    assert_error(&env.run(&["get", "a"], b""), 3, "does not open this vault");
    // One character changed in group 2.
    let mut typo: Vec<char> = good.chars().collect();
    typo[7] = if typo[7] == 'A' { 'B' } else { 'A' };
    env.key = Some(typo.into_iter().collect());
    assert_error(
        &env.run(&["get", "a"], b""),
        3,
        "group 2 of the vault key looks mistyped",
    );
    env.key = Some("not-a-key".into());
    assert_error(&env.run(&["get", "a"], b""), 3, "not a vault key");
    env.key = None;
    assert_error(&env.run(&["get", "a"], b""), 5, "COFFER_VAULT_KEY");
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    for args in [
        vec!["frobnicate"],
        vec!["get"],
        vec!["rename", "a"],
        vec!["set", "a", "--bogus"],
        vec![],
    ] {
        let out = env.run(&args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn version_and_help() {
    let env = Env::empty();
    let out = env.run(&["--version"], b"");
    assert_eq!(
        stdout(&out).trim(),
        format!("coffer {}", env!("CARGO_PKG_VERSION"))
    );
    let out = env.run(&["help"], b"");
    assert!(out.status.success());
    for cmd in [
        "init", "status", "set", "get", "list", "rename", "rm", "enable", "disable", "clear",
        "reset",
    ] {
        assert!(stdout(&out).contains(cmd), "{cmd} missing from help");
    }
}
