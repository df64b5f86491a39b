//! The vault's own behaviour: lifecycle, keys, secrets, settings, and the
//! guarantees against other processes and a tampered file. Export and import
//! are in [`transfer`].

mod changes;
mod integrity;
mod resolve;
mod transfer;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::secret::{NewSecret, SecretPatch, Target};

fn temp_vault() -> (tempfile::TempDir, PathBuf, Vault, VaultKey) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    let (vault, key) = Vault::create(&path, false).expect("create");
    (dir, path, vault, key)
}

fn secret(name: &str, value: &str) -> NewSecret {
    NewSecret {
        name: name.into(),
        value: SecretString::from(value.to_owned()),
        enabled: true,
        allowed_domains: vec![],
        note: String::new(),
    }
}

fn value_of(vault: &mut Vault, name: &str) -> String {
    vault.get(name).expect("get").1.expose_secret().to_owned()
}

fn set(vault: &mut Vault, name: &str, value: &str) -> SetOutcome {
    vault
        .set(
            name,
            SecretString::from(value.to_owned()),
            SecretPatch::default(),
        )
        .expect("set")
        .1
}

#[test]
fn set_then_get_round_trips_after_reopen() {
    let (_dir, path, mut vault, key) = temp_vault();
    assert_eq!(set(&mut vault, "stripe", "sk_live_1"), SetOutcome::Created);
    assert_eq!(set(&mut vault, "stripe", "sk_live_2"), SetOutcome::Updated);
    drop(vault);
    let mut vault = Vault::open(&path).expect("open");
    assert!(matches!(vault.get("stripe"), Err(Error::Locked)));
    vault
        .unlock(&VaultKey::parse(key.to_text().expose_secret()).expect("parse"))
        .expect("unlock");
    assert_eq!(value_of(&mut vault, "stripe"), "sk_live_2");
    assert_eq!(vault.list().expect("list").len(), 1);
}

#[test]
fn wrong_key_is_refused_and_file_untouched() {
    let (_dir, path, mut vault, _key) = temp_vault();
    set(&mut vault, "a", "1");
    drop(vault);
    let before = std::fs::read(&path).expect("read");
    let mut vault = Vault::open(&path).expect("open");
    assert!(matches!(
        vault.unlock(&VaultKey::generate()),
        Err(Error::WrongKey)
    ));
    assert!(!vault.is_unlocked());
    drop(vault);
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn locked_vault_refuses_every_secret_operation() {
    let (_dir, _path, mut vault, _key) = temp_vault();
    set(&mut vault, "a", "1");
    vault.lock();
    assert!(matches!(vault.list(), Err(Error::Locked)));
    assert!(matches!(vault.get("a"), Err(Error::Locked)));
    assert!(matches!(
        vault.reveal(Target::Name("a")),
        Err(Error::Locked)
    ));
    assert!(matches!(
        vault.create_secret(secret("b", "2")),
        Err(Error::Locked)
    ));
    assert!(matches!(
        vault.delete(Target::Name("a")),
        Err(Error::Locked)
    ));
    assert!(matches!(vault.clear(), Err(Error::Locked)));
    assert_eq!(vault.secret_count().expect("count works locked"), 1);
}

#[test]
fn newest_of_a_name_wins_and_older_ones_are_shadowed() {
    let (_dir, _path, mut vault, _key) = temp_vault();
    let old = vault.create_secret(secret("token", "old")).expect("create");
    let new = vault.create_secret(secret("token", "new")).expect("create");
    vault.create_secret(secret("other", "x")).expect("create");
    assert_eq!(value_of(&mut vault, "token"), "new");
    let list = vault.list().expect("list");
    let shadowed: Vec<_> = list.iter().filter(|s| s.shadowed).map(|s| s.id).collect();
    assert_eq!(shadowed, [old.id]);
    assert!(vault.info(Target::Id(old.id)).expect("info").shadowed);
    assert!(!vault.info(Target::Id(new.id)).expect("info").shadowed);

    // Writing the old one makes it the newest.
    vault
        .update(
            Target::Id(old.id),
            SecretPatch {
                note: Some("touched".into()),
                ..Default::default()
            },
        )
        .expect("update");
    assert_eq!(value_of(&mut vault, "token"), "old");

    // Deleting the newest brings the other back into effect.
    vault.delete(Target::Name("token")).expect("delete");
    assert_eq!(value_of(&mut vault, "token"), "new");
    assert!(vault.list().expect("list").iter().all(|s| !s.shadowed));
}

#[test]
fn update_rename_enable_disable() {
    let (_dir, _path, mut vault, _key) = temp_vault();
    set(&mut vault, "a", "1");
    let info = vault
        .update(
            Target::Name("a"),
            SecretPatch {
                name: Some("b".into()),
                enabled: Some(false),
                allowed_domains: Some(vec!["*.Example.com".into()]),
                note: Some("prod".into()),
                value: None,
            },
        )
        .expect("update");
    assert_eq!(info.name, "b");
    assert_eq!(info.allowed_domains, ["*.example.com"]);
    assert!(matches!(vault.get("a"), Err(Error::SecretNotFound { .. })));
    assert!(matches!(vault.get("b"), Err(Error::SecretDisabled { .. })));
    let (revealed, value) = vault.reveal(Target::Name("b")).expect("reveal");
    assert_eq!(value.expose_secret(), "1");
    assert_eq!(revealed.note, "prod");
    assert!(revealed.updated_at >= revealed.created_at);
    vault
        .update(
            Target::Name("b"),
            SecretPatch {
                enabled: Some(true),
                ..Default::default()
            },
        )
        .expect("enable");
    assert_eq!(value_of(&mut vault, "b"), "1");
}

#[test]
fn invalid_input_is_rejected_without_writing() {
    let (_dir, _path, mut vault, _key) = temp_vault();
    set(&mut vault, "a", "1");
    let before = vault.list().expect("list");
    assert_eq!(
        vault
            .create_secret(secret("", "x"))
            .expect_err("empty")
            .code(),
        "invalid_name"
    );
    let err = vault
        .create_secrets(vec![secret("ok", "1"), secret("bad}}", "2")])
        .expect_err("one bad name");
    assert_eq!(err.code(), "invalid_name");
    let err = vault
        .update(
            Target::Name("a"),
            SecretPatch {
                allowed_domains: Some(vec!["ftp://x".into()]),
                ..Default::default()
            },
        )
        .expect_err("bad domain");
    assert_eq!(err.code(), "invalid_domain");
    assert_eq!(vault.list().expect("list"), before);
    assert!(matches!(
        vault.delete(Target::Name("missing")),
        Err(Error::SecretNotFound { .. })
    ));
}

#[test]
fn batch_is_all_or_nothing_and_values_round_trip() {
    let (_dir, _path, mut vault, _key) = temp_vault();
    let batch: Vec<_> = (0..500)
        .map(|i| secret(&format!("k{i}"), &format!("v{i}")))
        .collect();
    vault.create_secrets(batch).expect("batch");
    assert_eq!(vault.secret_count().expect("count"), 500);
    for i in (0..500).step_by(37) {
        assert_eq!(value_of(&mut vault, &format!("k{i}")), format!("v{i}"));
    }
}

#[test]
fn data_key_rotates_when_its_budget_runs_out() {
    let (_dir, path, mut vault, key) = temp_vault();
    vault.max_encryptions = 6; // three secrets per data key
    for i in 0..10 {
        set(&mut vault, &format!("s{i}"), &format!("value {i}"));
    }
    let generations: i64 = vault
        .conn
        .query_row(
            "SELECT COUNT(DISTINCT key_generation) FROM secrets",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert!(generations >= 3, "only {generations} generations");
    let max_used: i64 = vault
        .conn
        .query_row("SELECT MAX(encryptions) FROM data_keys", [], |r| r.get(0))
        .expect("max");
    assert!(max_used <= 6);
    drop(vault);
    let mut vault = Vault::open(&path).expect("open");
    vault.unlock(&key).expect("unlock");
    for i in 0..10 {
        assert_eq!(value_of(&mut vault, &format!("s{i}")), format!("value {i}"));
    }
}

#[test]
fn another_handle_sees_writes_and_new_data_keys() {
    let (_dir, path, mut a, key) = temp_vault();
    let mut b = Vault::open(&path).expect("open");
    b.unlock(&key).expect("unlock");
    a.max_encryptions = 2;
    set(&mut a, "x", "1");
    set(&mut a, "y", "2"); // new data key generation
    assert_eq!(value_of(&mut b, "y"), "2");
    set(&mut b, "z", "3");
    assert_eq!(value_of(&mut a, "z"), "3");
}

#[test]
fn reset_needs_no_key_deletes_secrets_and_changes_key() {
    let (_dir, path, mut vault, old_key) = temp_vault();
    set(&mut vault, "a", "1");
    let mut other = Vault::open(&path).expect("open");
    other.unlock(&old_key).expect("unlock");
    drop(vault);

    let mut locked = Vault::open(&path).expect("open");
    let new_key = locked.reset().expect("reset");
    assert!(locked.is_unlocked());
    assert_eq!(locked.list().expect("list").len(), 0);

    // A handle unlocked with the old key can no longer write.
    assert!(matches!(
        other.create_secret(secret("b", "2")),
        Err(Error::Locked)
    ));

    let mut again = Vault::open(&path).expect("open");
    assert!(matches!(again.unlock(&old_key), Err(Error::WrongKey)));
    again.unlock(&new_key).expect("unlock");
    set(&mut again, "c", "3");
    let generations: Vec<i64> = again
        .conn
        .prepare("SELECT generation FROM data_keys")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("generations");
    assert_eq!(generations, [2], "generation numbers are never reused");
}

#[test]
fn clear_deletes_all_and_keeps_the_key() {
    let (_dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "a", "1");
    set(&mut vault, "b", "2");
    assert_eq!(vault.clear().expect("clear").0, 2);
    drop(vault);
    let mut vault = Vault::open(&path).expect("open");
    vault.unlock(&key).expect("same key");
    assert!(vault.list().expect("list").is_empty());
}

fn tamper(path: &Path, sql: &str) {
    Connection::open(path)
        .expect("open")
        .execute_batch(sql)
        .expect("tamper");
}

#[test]
fn flipped_byte_in_a_stored_record_is_reported_as_damage() {
    let (_dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "a", "1");
    drop(vault);
    let conn = Connection::open(&path).expect("open");
    let (meta, value): (Vec<u8>, Vec<u8>) = conn
        .query_row("SELECT meta, value FROM secrets", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("row");
    drop(conn);
    for (column, blob) in [("meta", meta), ("value", value)] {
        for i in [0, 11, 12, blob.len() / 2, blob.len() - 1] {
            let mut bad = blob.clone();
            bad[i] ^= 0x40;
            let conn = Connection::open(&path).expect("open");
            conn.execute(&format!("UPDATE secrets SET {column} = ?1"), [&bad])
                .expect("tamper");
            drop(conn);
            let mut vault = Vault::open(&path).expect("open");
            vault.unlock(&key).expect("unlock");
            let err = vault.reveal(Target::Name("a")).expect_err("damaged");
            // A changed nonce (the first 12 bytes) shows in the record list
            // before the blob is opened; any other byte fails to open.
            if i < 12 {
                assert!(
                    matches!(err, Error::RecordsTampered { .. }),
                    "{column}[{i}]: {err}"
                );
            } else {
                assert!(
                    matches!(err, Error::RecordDamaged { .. }),
                    "{column}[{i}]: {err}"
                );
            }
            drop(vault);
            let conn = Connection::open(&path).expect("open");
            conn.execute(&format!("UPDATE secrets SET {column} = ?1"), [&blob])
                .expect("restore");
        }
    }
    let mut vault = Vault::open(&path).expect("open");
    vault.unlock(&key).expect("unlock");
    assert_eq!(value_of(&mut vault, "a"), "1");
}

#[test]
fn swapped_values_or_names_are_reported_as_damage() {
    let (_dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "a", "1");
    set(&mut vault, "b", "2");
    drop(vault);
    tamper(
        &path,
        "CREATE TEMP TABLE v AS SELECT seq, value, name_index FROM secrets;
         UPDATE secrets SET value = (SELECT value FROM v WHERE v.seq != secrets.seq);",
    );
    let mut vault = Vault::open(&path).expect("open");
    vault.unlock(&key).expect("unlock");
    // Values moved between rows carry their nonces: the list sees it first.
    assert!(matches!(vault.get("a"), Err(Error::RecordsTampered { .. })));
    drop(vault);
    tamper(
        &path,
        "CREATE TEMP TABLE n AS SELECT seq, name_index FROM secrets;
         UPDATE secrets SET name_index = (SELECT name_index FROM n WHERE n.seq != secrets.seq);",
    );
    let mut vault = Vault::open(&path).expect("open");
    vault.unlock(&key).expect("unlock");
    // The record list no longer matches the name indexes: caught before the
    // metadata is even opened.
    assert!(matches!(
        vault.info(Target::Name("a")),
        Err(Error::RecordsTampered { .. })
    ));
}

#[test]
fn record_copied_into_another_vault_does_not_open() {
    let (_dir, path, mut vault, _key) = temp_vault();
    set(&mut vault, "a", "1");
    drop(vault);
    let (dir2, path2, vault2, key2) = temp_vault();
    drop(vault2);
    // The copied record meets another vault id and other data keys; it must
    // not open (the AAD binding alone is pinned in the crypto tests).
    let mut conn = Connection::open(&path2).expect("open");
    let tx = conn.transaction().expect("tx");
    tx.execute("ATTACH DATABASE ?1 AS src", [path.to_str().expect("utf8")])
        .expect("attach");
    tx.execute_batch("DELETE FROM secrets; INSERT INTO secrets SELECT * FROM src.secrets;")
        .expect("copy");
    tx.commit().expect("commit");
    conn.execute("DETACH DATABASE src", []).expect("detach");
    drop(conn);
    let mut vault2 = Vault::open(&path2).expect("open");
    vault2.unlock(&key2).expect("unlock");
    let err = vault2.list().expect_err("foreign record");
    assert!(matches!(err, Error::RecordsTampered { .. }), "{err}");
    // The record list let through, the record itself still does not open.
    let mut vault2 = Vault::open(&path2).expect("open");
    vault2.unlock(&key2).expect("unlock");
    vault2.accept_records().expect("accept");
    let err = vault2.list().expect_err("foreign record");
    assert!(matches!(err, Error::RecordDamaged { .. }), "{err}");
    drop(dir2);
}

#[test]
fn vault_debug_shows_no_key_material() {
    let (_dir, _path, vault, key) = temp_vault();
    let shown = format!("{vault:?}");
    assert!(shown.contains("unlocked: true"), "{shown}");
    let text = key.to_text();
    for group in text.expose_secret().split('-') {
        assert!(!shown.contains(group), "{shown}");
    }
}

#[test]
fn settings_default_round_trip_and_are_bounded() {
    let (_dir, path, mut vault, _key) = temp_vault();
    assert_eq!(vault.settings().expect("settings"), Settings::default());
    let mine = Settings {
        auto_lock_minutes: 5,
        clipboard_clear_seconds: 0,
        quick_open: Some("Ctrl+Alt+K".into()),
        link_cache_minutes: 5,
    };
    vault.set_settings(&mine).expect("set");
    drop(vault);
    assert_eq!(
        Vault::open(&path)
            .expect("open")
            .settings()
            .expect("read locked"),
        mine
    );
    let mut vault = Vault::open(&path).expect("open");
    let err = vault
        .set_settings(&Settings {
            auto_lock_minutes: 100_000,
            clipboard_clear_seconds: 1,
            ..Settings::default()
        })
        .expect_err("too long");
    assert_eq!(err.code(), "invalid_setting");
    let err = vault
        .set_settings(&Settings {
            link_cache_minutes: 24 * 60 + 1,
            ..Settings::default()
        })
        .expect_err("cache too long");
    assert_eq!(err.code(), "invalid_setting");
    let err = vault
        .set_settings(&Settings {
            quick_open: Some("Ctrl+\nAlt".into()),
            ..Settings::default()
        })
        .expect_err("a control character");
    assert_eq!(err.code(), "invalid_setting");
    // An empty shortcut is none.
    vault
        .set_settings(&Settings {
            quick_open: Some("  ".into()),
            ..Settings::default()
        })
        .expect("off");
    assert_eq!(vault.settings().expect("read").quick_open, None);
}

#[test]
fn a_write_that_rotated_and_failed_leaves_no_stale_data_key() {
    let (_dir, path, mut a, key) = temp_vault();
    a.max_encryptions = 2;
    set(&mut a, "x", "1"); // generation 1 is now spent
    a.fail_put_after = Some(0);
    assert!(
        a.create_secret(secret("y", "2")).is_err(),
        "made generation 2, then rolled back"
    );
    a.fail_put_after = None;
    // Another handle makes generation 2 again, with another key.
    let mut b = Vault::open(&path).expect("open");
    b.unlock(&key).expect("unlock");
    b.max_encryptions = 2;
    set(&mut b, "z", "3");
    assert_eq!(
        value_of(&mut a, "z"),
        "3",
        "a read b's record with a stale key"
    );
    set(&mut a, "w", "4");
    drop((a, b));
    let mut c = Vault::open(&path).expect("open");
    c.unlock(&key).expect("unlock");
    for (n, v) in [("x", "1"), ("z", "3"), ("w", "4")] {
        assert_eq!(value_of(&mut c, n), v);
    }
}

#[test]
fn a_handle_left_behind_by_a_reset_reads_as_locked() {
    let (_dir, path, mut old, _key) = temp_vault();
    set(&mut old, "a", "1");
    let mut other = Vault::open(&path).expect("open");
    let new_key = other.reset().expect("reset");
    set(&mut other, "b", "2");
    // The old handle meets a data key it cannot unwrap: the vault was reset, not damaged.
    assert!(
        matches!(old.list(), Err(Error::Locked)),
        "{:?}",
        old.list().err().map(|e| e.to_string())
    );
    old.unlock(&new_key).expect("unlock with the new key");
    assert_eq!(value_of(&mut old, "b"), "2");
}

#[test]
fn a_write_refuses_a_record_changed_since_it_was_read() {
    let (_dir, path, mut a, key) = temp_vault();
    set(&mut a, "a", "1");
    let (row, meta, _) = a.find(Target::Name("a")).expect("find");
    // Another process updates it in between.
    let mut b = Vault::open(&path).expect("open");
    b.unlock(&key).expect("unlock");
    set(&mut b, "a", "2");
    let err = a
        .write(2, |w| w.check_unchanged(&row, &meta.name))
        .expect_err("stale");
    assert_eq!(err.code(), "stale_record");
    // And one deleted in between is not brought back.
    let (row, meta, _) = a.find(Target::Name("a")).expect("find");
    b.delete(Target::Name("a")).expect("delete");
    assert_eq!(
        a.write(2, |w| w.check_unchanged(&row, &meta.name))
            .expect_err("gone")
            .code(),
        "stale_record"
    );
}

#[test]
fn lock_leaves_no_key_material_in_the_vault() {
    let (_dir, _path, mut vault, key) = temp_vault();
    set(&mut vault, "a", "1");
    assert!(vault.unlocked.is_some());
    vault.lock();
    // The key-encryption key, the blind-index key and every data key went
    // with `unlocked` (each wipes itself on drop: see crypto's tests).
    assert!(vault.unlocked.is_none());
    vault.unlock(&key).expect("unlock again");
    assert_eq!(value_of(&mut vault, "a"), "1");
}
