//! Someone with write access to the vault file but not its key: a record
//! rolled back to an older write, blobs of two writes mixed, a record removed
//! or brought back. Each is an error naming the damage, never a silent read
//! of the older state; and the migration of version-1 vaults.

use std::fs;

use super::*;

/// A copy of one row of `secrets`, as stored.
struct Row {
    seq: i64,
    id: Vec<u8>,
    name_index: Vec<u8>,
    generation: i64,
    meta: Vec<u8>,
    value: Vec<u8>,
}

fn rows(path: &Path) -> Vec<Row> {
    let conn = Connection::open(path).expect("open");
    let mut stmt = conn
        .prepare(
            "SELECT seq, id, name_index, key_generation, meta, value FROM secrets ORDER BY seq",
        )
        .expect("prepare");
    let rows = stmt
        .query_map([], |r| {
            Ok(Row {
                seq: r.get(0)?,
                id: r.get(1)?,
                name_index: r.get(2)?,
                generation: r.get(3)?,
                meta: r.get(4)?,
                value: r.get(5)?,
            })
        })
        .expect("query")
        .collect::<rusqlite::Result<Vec<_>>>()
        .expect("rows");
    rows
}

fn put_row(path: &Path, row: &Row) {
    Connection::open(path)
        .expect("open")
        .execute(
            "INSERT OR REPLACE INTO secrets (seq, id, name_index, key_generation, meta, value)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![
                row.seq,
                row.id,
                row.name_index,
                row.generation,
                row.meta,
                row.value
            ],
        )
        .expect("put row");
}

fn reopen(path: &Path, key: &VaultKey) -> Vault {
    let mut vault = Vault::open(path).expect("open");
    vault.unlock(key).expect("unlock");
    vault
}

fn is_tampered<T: std::fmt::Debug>(result: Result<T>) -> bool {
    matches!(result, Err(Error::RecordsTampered { .. }))
}

#[test]
fn a_record_rolled_back_to_an_older_write_is_refused_everywhere() {
    let (_dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "token", "old-value");
    vault
        .update(
            Target::Name("token"),
            SecretPatch {
                allowed_domains: Some(vec!["api.example.com".into()]),
                ..SecretPatch::default()
            },
        )
        .expect("restrict");
    set(&mut vault, "other", "x");
    drop(vault);
    // The first write of `token`: no domains, the old value.
    let before = rows(&path);
    let mut vault = reopen(&path, &key);
    set(&mut vault, "token", "new-value");
    drop(vault);
    let old = before
        .iter()
        .find(|r| r.seq == 1 || r.seq == 2)
        .expect("token's row");
    let now = rows(&path);
    let current = now.iter().find(|r| r.id == old.id).expect("current row");
    // Put the whole older row back in place of the current one.
    tamper(
        &path,
        &format!("DELETE FROM secrets WHERE seq = {}", current.seq),
    );
    put_row(&path, old);

    let mut vault = reopen(&path, &key);
    assert!(
        is_tampered(vault.get("token")),
        "rolled back value was read"
    );
    assert!(is_tampered(vault.reveal(Target::Id(SecretId(
        old.id.clone().try_into().expect("16 bytes")
    )))));
    assert!(is_tampered(vault.list()));
    assert!(is_tampered(vault.export(
        &crate::policy::Policy::default(),
        ExportRequest::Plaintext
    )));
    // A write to that record does not seal the rollback into the list.
    let err = vault
        .set(
            "token",
            SecretString::from("fresh".to_owned()),
            SecretPatch::default(),
        )
        .expect_err("write over a rollback");
    assert!(matches!(err, Error::RecordsTampered { .. }), "{err}");
    assert!(is_tampered(vault.get("token")));
}

#[test]
fn blobs_of_two_writes_of_one_record_do_not_mix() {
    let (_dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "token", "v1");
    drop(vault);
    let first = rows(&path).remove(0);
    let mut vault = reopen(&path, &key);
    vault
        .update(
            Target::Name("token"),
            SecretPatch {
                value: Some(SecretString::from("v2".to_owned())),
                allowed_domains: Some(vec!["api.example.com".into()]),
                ..SecretPatch::default()
            },
        )
        .expect("update");
    drop(vault);
    let second = rows(&path).remove(0);
    // The old metadata (no domains) with the new value, in the new row.
    let conn = Connection::open(&path).expect("open");
    conn.execute(
        "UPDATE secrets SET meta = ?1 WHERE seq = ?2",
        rusqlite::params![first.meta, second.seq],
    )
    .expect("mix");
    drop(conn);
    let mut vault = reopen(&path, &key);
    let err = vault.get("token").expect_err("mixed");
    // The old blob's nonce is not the one the list has for this row.
    assert!(matches!(err, Error::RecordsTampered { .. }), "{err}");
    // And the other way round.
    drop(vault);
    let conn = Connection::open(&path).expect("open");
    conn.execute(
        "UPDATE secrets SET meta = ?1, value = ?2 WHERE seq = ?3",
        rusqlite::params![second.meta, first.value, second.seq],
    )
    .expect("mix");
    drop(conn);
    let mut vault = reopen(&path, &key);
    let err = vault.get("token").expect_err("mixed");
    assert!(matches!(err, Error::RecordsTampered { .. }), "{err}");
    // Even with the list sealed anew over the mixed row (accepting changes),
    // the blobs of two writes do not open together.
    vault.accept_records().expect("accept");
    let err = vault.get("token").expect_err("mixed");
    assert!(matches!(err, Error::RecordDamaged { .. }), "{err}");
}

#[test]
fn removing_the_newest_of_a_name_does_not_bring_the_shadowed_one_into_effect() {
    let (_dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "token", "older");
    vault
        .add(secret("token", "newer"), Some(IfExists::Keep))
        .expect("keep both");
    set(&mut vault, "unrelated", "u");
    drop(vault);
    let newest = rows(&path)
        .into_iter()
        .find(|r| r.seq == 2)
        .expect("newer row");
    tamper(
        &path,
        &format!("DELETE FROM secrets WHERE seq = {}", newest.seq),
    );
    let mut vault = reopen(&path, &key);
    assert!(
        is_tampered(vault.get("token")),
        "the shadowed value came into effect"
    );
    assert!(is_tampered(vault.list()));
}

#[test]
fn a_deleted_record_brought_back_is_refused() {
    let (_dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "revoked", "old-token");
    set(&mut vault, "kept", "k");
    drop(vault);
    let revoked = rows(&path).remove(0);
    let mut vault = reopen(&path, &key);
    vault.delete(Target::Name("revoked")).expect("delete");
    drop(vault);
    put_row(&path, &revoked);
    let mut vault = reopen(&path, &key);
    assert!(is_tampered(vault.get("revoked")));
    assert!(is_tampered(vault.list()));
}

#[test]
fn a_damaged_or_missing_record_list_is_refused_and_a_whole_backup_opens() {
    let (dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "a", "1");
    drop(vault);
    let backup = dir.path().join("backup.db");
    fs::copy(&path, &backup).expect("backup");
    let mut vault = reopen(&path, &key);
    set(&mut vault, "a", "2");
    drop(vault);
    // A whole vault file put back is consistent: it opens, as a backup should.
    let mut restored = reopen(&backup, &key);
    assert_eq!(value_of(&mut restored, "a"), "1");
    drop(restored);
    // The record list from the backup over the newer records is not.
    let conn = Connection::open(&backup).expect("open");
    let old_list: Vec<u8> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'record_list'",
            [],
            |r| r.get(0),
        )
        .expect("list");
    drop(conn);
    let conn = Connection::open(&path).expect("open");
    conn.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'record_list'",
        [&old_list],
    )
    .expect("old list");
    drop(conn);
    let mut vault = reopen(&path, &key);
    assert!(is_tampered(vault.get("a")));
    drop(vault);
    for sql in [
        "UPDATE meta SET value = x'00' WHERE key = 'record_list'",
        "UPDATE meta SET value = zeroblob(8224) WHERE key = 'record_list'",
    ] {
        tamper(&path, sql);
        let mut vault = reopen(&path, &key);
        assert!(is_tampered(vault.get("a")), "{sql}");
    }
    tamper(&path, "DELETE FROM meta WHERE key = 'record_list'");
    let mut vault = reopen(&path, &key);
    let err = vault.get("a").expect_err("no list");
    assert_eq!(err.code(), "vault_corrupt", "{err}");
}

#[test]
fn accepting_the_records_lets_the_intact_ones_be_read_again() {
    let (_dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "a", "1");
    set(&mut vault, "b", "2");
    drop(vault);
    tamper(&path, "DELETE FROM secrets WHERE seq = 2");
    let mut vault = reopen(&path, &key);
    assert!(is_tampered(vault.list()));
    assert_eq!(vault.accept_records().expect("accept"), 1);
    assert_eq!(vault.list().expect("list").len(), 1);
    assert_eq!(value_of(&mut vault, "a"), "1");
    assert!(matches!(vault.get("b"), Err(Error::SecretNotFound { .. })));
}

#[test]
fn every_kind_of_write_keeps_the_record_list_true() {
    let (_dir, path, mut vault, key) = temp_vault();
    // Enough names to fill many buckets.
    let many: Vec<_> = (0..600).map(|i| secret(&format!("k{i}"), "v")).collect();
    vault.create_secrets(many).expect("batch");
    set(&mut vault, "k1", "changed");
    vault
        .update(
            Target::Name("k2"),
            SecretPatch {
                enabled: Some(false),
                ..SecretPatch::default()
            },
        )
        .expect("disable in place");
    vault
        .update(
            Target::Name("k3"),
            SecretPatch {
                name: Some("renamed".into()),
                ..SecretPatch::default()
            },
        )
        .expect("rename");
    let (_, undo) = vault.delete(Target::Name("k4")).expect("delete");
    vault.undo(&undo).expect("undo delete");
    vault
        .add(secret("k5", "second"), Some(IfExists::Keep))
        .expect("keep both");
    let (_, undo) = vault.clear().expect("clear");
    assert!(vault.list().expect("list after clear").is_empty());
    vault.undo(&undo).expect("undo clear");
    drop(vault);
    let mut vault = reopen(&path, &key);
    assert_eq!(vault.list().expect("list").len(), 601);
    assert_eq!(value_of(&mut vault, "k1"), "changed");
    assert_eq!(value_of(&mut vault, "k5"), "second");
    let new_key = VaultKey::generate();
    vault.change_key(&new_key).expect("change key");
    drop(vault);
    let mut vault = reopen(&path, &new_key);
    assert_eq!(value_of(&mut vault, "renamed"), "v");
    vault.reset_with(&key).expect("reset");
    assert!(vault.list().expect("list after reset").is_empty());
    set(&mut vault, "after-reset", "r");
    assert_eq!(value_of(&mut vault, "after-reset"), "r");
}

/// A vault made by Coffer before this format (commit cd45a06, `coffer init`,
/// `set`, `rm`, `rename` and an `import --on-conflict keep`): see
/// `tests/fixtures/vault-v1/README.md`.
fn v1_fixture() -> (tempfile::TempDir, PathBuf, VaultKey) {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vault-v1");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    fs::copy(here.join("vault.db"), &path).expect("copy fixture");
    let text = fs::read_to_string(here.join("key.txt")).expect("key");
    let key = VaultKey::parse(text.trim()).expect("fixture key");
    (dir, path, key)
}

fn format_version(path: &Path) -> i64 {
    Connection::open(path)
        .expect("open")
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version")
}

#[test]
fn a_version_1_vault_is_migrated_at_unlock_with_everything_kept() {
    let (_dir, path, key) = v1_fixture();
    assert_eq!(format_version(&path), 1);
    let mut vault = Vault::open(&path).expect("open v1");
    assert_eq!(vault.secret_count().expect("count while locked"), 5);
    assert_eq!(format_version(&path), 1, "opening alone changed the file");
    vault.unlock(&key).expect("unlock migrates");
    assert_eq!(format_version(&path), crate::store::FORMAT_VERSION);
    let list = vault.list().expect("list");
    let shown: Vec<_> = list
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.enabled,
                s.shadowed,
                s.allowed_domains.join(","),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("STRIPE_KEY", true, true, "api.stripe.com".to_owned()),
            (
                "GITHUB_TOKEN",
                true,
                false,
                "api.github.com,*.githubusercontent.com".to_owned()
            ),
            ("DB_PASSWORD", false, false, String::new()),
            ("UNICODE_SECRET", true, false, String::new()),
            ("STRIPE_KEY", true, false, "api.stripe.com".to_owned()),
        ]
    );
    assert_eq!(value_of(&mut vault, "STRIPE_KEY"), "sk_dup_shadow");
    assert_eq!(value_of(&mut vault, "GITHUB_TOKEN"), "ghp_new_fixture");
    assert_eq!(value_of(&mut vault, "UNICODE_SECRET"), "ünïcödé välüe ✓");
    let (info, value) = vault.reveal(Target::Name("DB_PASSWORD")).expect("reveal");
    assert!(!info.enabled);
    assert_eq!(value.expose_secret(), "hunter2-fixture");
    let shadowed = list.first().expect("first").id;
    let (_, value) = vault.reveal(Target::Id(shadowed)).expect("shadowed");
    assert_eq!(value.expose_secret(), "sk_test_51Hfixture");
    assert_eq!(
        vault.info(Target::Name("STRIPE_KEY")).expect("info").note,
        "test mode"
    );
    // Writes go on from where the old vault left off, and a second unlock
    // (another handle, or the next start) finds nothing to migrate.
    set(&mut vault, "NEW_ONE", "n");
    drop(vault);
    let mut again = reopen(&path, &key);
    assert_eq!(again.list().expect("list").len(), 6);
    assert_eq!(value_of(&mut again, "NEW_ONE"), "n");
}

#[test]
fn a_rollback_after_the_migration_is_caught_and_the_migration_is_all_or_nothing() {
    let (dir, path, key) = v1_fixture();
    let v1_rows = rows(&path);
    // A migration that fails part-way leaves the file exactly as it was,
    // and the vault locked.
    let before = fs::read(&path).expect("read");
    let mut vault = Vault::open(&path).expect("open");
    vault.fail_put_after = Some(3);
    let err = vault.unlock(&key).expect_err("injected failure");
    assert!(err.to_string().contains("injected"), "{err}");
    assert!(!vault.is_unlocked());
    assert_eq!(fs::read(&path).expect("read"), before);
    assert_eq!(format_version(&path), 1);
    assert_eq!(rows(&path).len(), v1_rows.len());
    vault.fail_put_after = None;

    vault.unlock(&key).expect("unlock migrates");
    drop(vault);
    // The version-1 row of GITHUB_TOKEN put back over the migrated one: its
    // blobs are not bound to their write.
    let github = v1_rows.iter().find(|r| r.seq == 3).expect("github row");
    put_row(&path, github);
    let mut vault = reopen(&path, &key);
    let err = vault.get("GITHUB_TOKEN").expect_err("v1 blobs");
    assert!(matches!(err, Error::RecordsTampered { .. }), "{err}");
    // Accepted as it is, its blobs still do not open: they are not bound to their write.
    vault.accept_records().expect("accept");
    let err = vault.get("GITHUB_TOKEN").expect_err("v1 blobs");
    assert!(matches!(err, Error::RecordDamaged { .. }), "{err}");
    drop(vault);
    // The version-1 row of the deleted TO_DELETE (seq 5 was never reused)
    // brought back: the list does not have it.
    let deleted = Row {
        seq: 5,
        id: vec![7; 16],
        ..rows(&path).into_iter().find(|r| r.seq == 7).expect("a row")
    };
    put_row(&path, &deleted);
    let mut vault = reopen(&path, &key);
    assert!(is_tampered(vault.get("UNICODE_SECRET")));
    drop(dir);
}

#[test]
fn a_damaged_record_of_a_version_1_vault_stays_damaged_and_holds_nothing_back() {
    let (_dir, path, key) = v1_fixture();
    tamper(
        &path,
        "UPDATE secrets SET value = zeroblob(40) WHERE seq = 4",
    );
    let mut vault = reopen(&path, &key);
    assert_eq!(format_version(&path), crate::store::FORMAT_VERSION);
    let err = vault
        .reveal(Target::Name("DB_PASSWORD"))
        .expect_err("damaged");
    assert!(matches!(err, Error::RecordDamaged { .. }), "{err}");
    assert_eq!(value_of(&mut vault, "GITHUB_TOKEN"), "ghp_new_fixture");
    assert_eq!(vault.list().expect("list").len(), 5);
}

#[test]
fn an_enable_or_disable_rolled_back_in_place_is_refused() {
    let (_dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "token", "v");
    drop(vault);
    let enabled = rows(&path).remove(0);
    let mut vault = reopen(&path, &key);
    vault
        .update(
            Target::Name("token"),
            SecretPatch {
                enabled: Some(false),
                ..SecretPatch::default()
            },
        )
        .expect("disable");
    drop(vault);
    let disabled = rows(&path).remove(0);
    // Disabling keeps the write order: the same record, the same place.
    assert_eq!((disabled.seq, &disabled.id), (enabled.seq, &enabled.id));
    put_row(&path, &enabled);
    let mut vault = reopen(&path, &key);
    assert!(
        is_tampered(vault.get("token")),
        "the disabled secret came back enabled"
    );
}

#[test]
fn a_format_number_put_back_to_1_does_not_have_the_migration_vouch_for_a_rollback() {
    let (_dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "token", "old");
    drop(vault);
    let old = rows(&path).remove(0);
    let mut vault = reopen(&path, &key);
    set(&mut vault, "token", "new");
    drop(vault);
    tamper(&path, "DELETE FROM secrets");
    put_row(&path, &old);
    tamper(&path, "PRAGMA user_version = 1");
    let mut vault = reopen(&path, &key);
    assert_eq!(format_version(&path), crate::store::FORMAT_VERSION);
    assert!(
        is_tampered(vault.get("token")),
        "the migration vouched for the rollback"
    );
}

#[test]
fn a_record_removed_is_found_when_looked_up_by_id_too() {
    let (_dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "a", "1");
    set(&mut vault, "b", "2");
    let b = vault.info(Target::Name("b")).expect("b").id;
    drop(vault);
    tamper(&path, "DELETE FROM secrets WHERE seq = 2");
    let mut vault = reopen(&path, &key);
    assert!(is_tampered(vault.reveal(Target::Id(b))));
}

#[test]
fn a_reset_by_another_process_reads_as_locked_not_as_tampering() {
    let (_dir, path, mut vault, key) = temp_vault();
    set(&mut vault, "a", "1");
    let mut lister = reopen(&path, &key);
    let mut other = reopen(&path, &key);
    other
        .reset_with(&VaultKey::generate())
        .expect("reset elsewhere");
    assert!(matches!(vault.get("a"), Err(Error::Locked)));
    assert!(!vault.is_unlocked(), "the old keys stayed");
    assert!(matches!(lister.list(), Err(Error::Locked)));
}
