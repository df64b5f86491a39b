//! First run without a file until the key is saved, changing the vault key,
//! and undoing a deletion, clear or import.

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};

use crate::formats::{read_import, ImportSource};
use crate::key::VaultKey;
use crate::policy::Policy;
use crate::secret::{NewSecret, Target};
use crate::vault::{Decision, UndoKind, Vault};

fn secret(name: &str, value: &str) -> NewSecret {
    NewSecret {
        name: name.into(),
        value: SecretString::from(value.to_owned()),
        enabled: true,
        allowed_domains: vec!["api.example.com".into()],
        note: String::new(),
    }
}

/// (name, value, shadowed) of every secret, in write order.
fn seen(vault: &mut Vault) -> Vec<(String, String, bool)> {
    vault
        .list()
        .expect("list")
        .into_iter()
        .map(|i| {
            let (_, v) = vault.reveal(Target::Id(i.id)).expect("reveal");
            (i.name, v.expose_secret().to_owned(), i.shadowed)
        })
        .collect()
}

fn vault() -> (tempfile::TempDir, Vault, VaultKey) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (vault, key) = Vault::create(&dir.path().join("vault.db"), false).expect("create");
    (dir, vault, key)
}

#[test]
fn a_pending_vault_is_no_file_until_confirmed_and_nothing_once_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    let (pending, key) = Vault::create_pending(&path, false).expect("pending");
    assert!(
        !path.exists(),
        "the vault appeared before the key was saved"
    );
    drop(pending);
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "a dropped first run left files"
    );
    drop(key);
    let (pending, key) = Vault::create_pending(&path, false).expect("pending");
    let mut vault = pending.confirm(&key).expect("confirm");
    vault.create_secret(secret("a", "1")).expect("usable");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
}

#[test]
fn a_pending_vault_never_replaces_a_file_that_appeared_meanwhile() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    let (pending, key) = Vault::create_pending(&path, false).expect("pending");
    std::fs::write(&path, b"someone else's").expect("write");
    let err = pending.confirm(&key).expect_err("exists");
    assert_eq!(err.code(), "vault_exists");
    assert_eq!(std::fs::read(&path).expect("read"), b"someone else's");
}

#[test]
fn changing_the_key_keeps_every_secret_and_retires_the_old_key() {
    let (dir, mut vault, old) = vault();
    vault.create_secret(secret("a", "1")).expect("a");
    vault.create_secret(secret("a", "2")).expect("a again");
    let before = seen(&mut vault);
    let path = dir.path().join("vault.db");
    let mut other = Vault::open(&path).expect("open");
    other.unlock(&old).expect("unlock");

    let new = VaultKey::generate();
    vault.change_key(&new).expect("change");
    assert_eq!(seen(&mut vault), before, "this handle goes on");
    vault
        .create_secret(secret("b", "3"))
        .expect("write after the change");

    let mut again = Vault::open(&path).expect("open");
    assert_eq!(again.unlock(&old).expect_err("old key").code(), "wrong_key");
    again.unlock(&new).expect("new key");
    assert_eq!(seen(&mut again).len(), 3);
    // A handle unlocked with the old key must unlock again to write.
    assert_eq!(
        other
            .create_secret(secret("c", "4"))
            .expect_err("old handle")
            .code(),
        "locked"
    );
}

#[test]
fn undoing_a_delete_puts_the_secret_back_in_its_place() {
    let (_dir, mut vault, _key) = vault();
    let old = vault.create_secret(secret("token", "old")).expect("old");
    vault.create_secret(secret("token", "new")).expect("new");
    let before = seen(&mut vault);
    // Deleting the one in effect brings the older one into effect...
    let (_, undo) = vault.delete(Target::Name("token")).expect("delete");
    assert_eq!(undo.kind(), UndoKind::Delete);
    assert_eq!(seen(&mut vault), [("token".into(), "old".into(), false)]);
    // ...and a write after it takes a new place, not the deleted one's.
    vault.create_secret(secret("other", "x")).expect("other");
    assert_eq!(vault.undo(&undo).expect("undo"), 1);
    let mut after = seen(&mut vault);
    assert_eq!(after.pop(), Some(("other".into(), "x".into(), false)));
    assert_eq!(after, before, "the newest of the name is in effect again");
    assert!(vault.info(Target::Id(old.id)).expect("old").shadowed);
}

#[test]
fn undoing_a_clear_brings_every_secret_back() {
    let (_dir, mut vault, _key) = vault();
    for i in 0..50 {
        vault
            .create_secret(secret(&format!("s{i}"), &format!("v{i}")))
            .expect("create");
    }
    let before = seen(&mut vault);
    let (count, undo) = vault.clear().expect("clear");
    assert_eq!((count, undo.restores()), (50, 50));
    assert!(vault.list().expect("list").is_empty());
    vault.undo(&undo).expect("undo");
    assert_eq!(seen(&mut vault), before);
}

#[test]
fn undoing_an_import_removes_what_it_added_and_restores_what_it_replaced() {
    let (_dir, mut vault, _key) = vault();
    vault.create_secret(secret("A", "old")).expect("A");
    vault.create_secret(secret("B", "old")).expect("B");
    let before = seen(&mut vault);
    let set = read_import(
        ImportSource::Text {
            label: "t",
            bytes: b"A=new\nB=new\nC=3\n",
        },
        None,
        None,
        &Policy::default(),
    )
    .expect("read");
    let overrides = HashMap::from([(0, Decision::Replace), (1, Decision::Keep)]);
    let (summary, undo) = vault.import_apply(set, None, &overrides).expect("apply");
    assert_eq!((summary.created, summary.replaced, summary.kept), (1, 1, 1));
    assert_eq!(undo.kind(), UndoKind::Import);
    vault.undo(&undo).expect("undo");
    assert_eq!(seen(&mut vault), before);
}

#[test]
fn an_undo_that_meets_a_later_change_changes_nothing() {
    let (_dir, mut vault, _key) = vault();
    vault.create_secret(secret("A", "old")).expect("A");
    let set = read_import(
        ImportSource::Text {
            label: "t",
            bytes: b"A=new\nC=3\n",
        },
        None,
        None,
        &Policy::default(),
    )
    .expect("read");
    let (_, undo) = vault
        .import_apply(set, Some(Decision::Replace), &HashMap::new())
        .expect("apply");
    // C was edited after the import: undoing the import would lose the edit.
    vault
        .set(
            "C",
            SecretString::from("edited".to_owned()),
            Default::default(),
        )
        .expect("edit");
    let before = seen(&mut vault);
    let err = vault.undo(&undo).expect_err("stale");
    assert_eq!(err.code(), "stale_record");
    assert!(err.to_string().contains("nothing was changed"), "{err}");
    assert_eq!(seen(&mut vault), before);
}

#[test]
fn an_undo_from_before_a_key_change_is_refused() {
    let (_dir, mut vault, _key) = vault();
    vault.create_secret(secret("A", "1")).expect("A");
    let (_, undo) = vault.delete(Target::Name("A")).expect("delete");
    vault.change_key(&VaultKey::generate()).expect("change");
    assert_eq!(vault.undo(&undo).expect_err("stale").code(), "stale_record");
    assert!(vault.list().expect("list").is_empty());
}

#[test]
fn adding_an_existing_name_asks_whether_to_update_or_keep_both() {
    use crate::vault::IfExists;
    let (_dir, mut vault, _key) = vault();
    let first = vault.add(secret("api", "1"), None).expect("new name");
    let err = vault.add(secret("api", "2"), None).expect_err("exists");
    assert_eq!(err.code(), "secret_exists");
    assert!(err.to_string().contains("\"api\""), "{err}");
    assert_eq!(seen(&mut vault), [("api".into(), "1".into(), false)]);
    let updated = vault
        .add(
            NewSecret {
                note: "now with a note".into(),
                ..secret("api", "2")
            },
            Some(IfExists::Update),
        )
        .expect("update");
    assert_eq!(
        (updated.id, updated.note.as_str()),
        (first.id, "now with a note")
    );
    vault
        .add(secret("api", "3"), Some(IfExists::Keep))
        .expect("keep both");
    assert_eq!(
        seen(&mut vault),
        [
            ("api".into(), "2".into(), true),
            ("api".into(), "3".into(), false)
        ]
    );
}

#[test]
fn disabling_a_shadowed_duplicate_keeps_the_newer_one_in_effect() {
    use crate::secret::SecretPatch;
    let (_dir, mut vault, _key) = vault();
    let old = vault.create_secret(secret("token", "old")).expect("old");
    vault.create_secret(secret("token", "new")).expect("new");
    let info = vault
        .update(
            Target::Id(old.id),
            SecretPatch {
                enabled: Some(false),
                ..Default::default()
            },
        )
        .expect("disable");
    assert!(info.shadowed && !info.enabled);
    assert_eq!(
        vault.get("token").expect("in effect").1.expose_secret(),
        "new"
    );
    assert_eq!(
        seen(&mut vault),
        [
            ("token".into(), "old".into(), true),
            ("token".into(), "new".into(), false)
        ]
    );
}

#[test]
fn a_vault_from_before_the_write_order_was_kept_undoes_a_delete_of_its_newest() {
    let (dir, mut vault, key) = vault();
    vault.create_secret(secret("a", "1")).expect("a");
    vault.create_secret(secret("b", "2")).expect("b");
    drop(vault);
    // As a vault written before `last_seq` existed.
    let path = dir.path().join("vault.db");
    rusqlite::Connection::open(&path)
        .expect("open")
        .execute("DELETE FROM meta WHERE key = 'last_seq'", [])
        .expect("forget last_seq");
    let mut vault = Vault::open(&path).expect("open");
    vault.unlock(&key).expect("unlock");
    let before = seen(&mut vault);
    let (_, undo) = vault.delete(Target::Name("b")).expect("delete the newest");
    vault
        .create_secret(secret("c", "3"))
        .expect("a write after it");
    vault.undo(&undo).expect("undo");
    let mut after = seen(&mut vault);
    assert_eq!(after.pop(), Some(("c".into(), "3".into(), false)));
    assert_eq!(after, before);
}
