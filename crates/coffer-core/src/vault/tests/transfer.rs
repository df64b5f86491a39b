use std::collections::HashMap;

use proptest::prelude::*;
use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;
use crate::formats::{read_import, ImportSet, ImportSource, KdfParams};
use crate::password::ExportPassword;
use crate::policy::Policy;
use crate::secret::{NewSecret, Target, Timestamp};
use crate::vault::{Decision, ExportRequest, ImportSummary, Vault};

const FAST: KdfParams = KdfParams {
    memory_kib: 19 * 1024,
    iterations: 2,
    parallelism: 1,
};

fn temp_vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (vault, _key) = Vault::create(&dir.path().join("vault.db"), false).expect("create");
    (dir, vault)
}

fn new_secret(name: &str, value: &str) -> NewSecret {
    NewSecret {
        name: name.into(),
        value: SecretString::from(value.to_owned()),
        enabled: true,
        allowed_domains: vec![],
        note: String::new(),
    }
}

fn password(p: &str) -> ExportPassword {
    ExportPassword::new(SecretString::from(p.to_owned()), 12).expect("strong")
}

fn read(bytes: &[u8], pw: Option<&str>) -> ImportSet {
    let pw = pw.map(|p| SecretString::from(p.to_owned()));
    read_import(
        ImportSource::Text {
            label: "test",
            bytes,
        },
        pw.as_ref(),
        None,
        &Policy::default(),
    )
    .expect("reads")
}

/// name, value, enabled, domains, note, created, updated, shadowed.
type Seen = (
    String,
    String,
    bool,
    Vec<String>,
    String,
    Timestamp,
    Timestamp,
    bool,
);

/// Everything a user can see of a vault, in write order.
fn contents(vault: &mut Vault) -> Vec<Seen> {
    let list = vault.list().expect("list");
    list.into_iter()
        .map(|i| {
            let (_, v) = vault.reveal(Target::Id(i.id)).expect("reveal");
            (
                i.name,
                v.expose_secret().to_owned(),
                i.enabled,
                i.allowed_domains,
                i.note,
                i.created_at,
                i.updated_at,
                i.shadowed,
            )
        })
        .collect()
}

fn arb_secret() -> impl Strategy<Value = NewSecret> {
    (
        "[^{}\\p{Cc}\\s][^{}\\p{Cc}]{0,12}[^{}\\p{Cc}\\s]|[a-z]",
        ".{0,40}",
        any::<bool>(),
        proptest::collection::vec("[a-z]{1,8}\\.(com|org)", 0..3),
        "[^\\x00]{0,20}",
    )
        .prop_map(|(name, value, enabled, domains, note)| NewSecret {
            name,
            value: SecretString::from(value),
            enabled,
            allowed_domains: domains,
            note,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn export_import_round_trips_in_both_formats(secrets in proptest::collection::vec(arb_secret(), 0..40), encrypted in any::<bool>()) {
        let (_d1, mut source) = temp_vault();
        source.create_secrets(secrets).expect("create");
        let want = contents(&mut source);
        let pw = password("round-trip passphrase 42");
        let bytes = source.export_with(encrypted.then_some(&pw), FAST).expect("export");
        let (_d2, mut target) = temp_vault();
        let set = read(&bytes, encrypted.then_some("round-trip passphrase 42"));
        let preview = target.import_preview(&set).expect("preview");
        prop_assert_eq!(preview.new, want.len());
        target.import_apply(set, Some(Decision::Keep), &HashMap::new()).expect("apply");
        prop_assert_eq!(contents(&mut target), want);
    }
}

#[test]
fn five_thousand_secrets_round_trip_encrypted_with_empty_and_large_values() {
    let (_d1, mut source) = temp_vault();
    let mut batch: Vec<NewSecret> = (0..5_000)
        .map(|i| new_secret(&format!("ключ-{i}"), &format!("v{i}")))
        .collect();
    batch.push(new_secret("empty", ""));
    batch.push(new_secret("large", &"x".repeat(crate::VALUE_MAX_BYTES)));
    source.create_secrets(batch).expect("create");
    let want = contents(&mut source);
    let bytes = source
        .export_with(Some(&password("five thousand secrets!")), FAST)
        .expect("export");
    let (_d2, mut target) = temp_vault();
    let set = read(&bytes, Some("five thousand secrets!"));
    assert_eq!(
        target
            .import_apply(set, None, &HashMap::new())
            .expect("apply")
            .0
            .created,
        5_002
    );
    assert_eq!(contents(&mut target), want);
}

#[test]
fn two_exports_of_the_same_vault_differ() {
    let (_d, mut vault) = temp_vault();
    vault.create_secret(new_secret("a", "1")).expect("create");
    let pw = password("same password twice!");
    let a = vault.export_with(Some(&pw), FAST).expect("export");
    let b = vault.export_with(Some(&pw), FAST).expect("export");
    assert_ne!(a, b);
    let ja: serde_json::Value = serde_json::from_slice(&a).expect("json");
    let jb: serde_json::Value = serde_json::from_slice(&b).expect("json");
    assert_ne!(ja["kdf"]["salt"], jb["kdf"]["salt"]);
    assert_ne!(ja["nonce"], jb["nonce"]);
}

#[test]
fn reimporting_the_same_file_changes_nothing() {
    let (_d, mut vault) = temp_vault();
    let text = b"A=1\nB=2\nB=2\nC=3\n";
    vault
        .import_apply(read(text, None), None, &HashMap::new())
        .expect("first");
    let before = contents(&mut vault);
    let preview = vault.import_preview(&read(text, None)).expect("preview");
    assert_eq!(
        (preview.new, preview.unchanged, preview.conflicts.len()),
        (0, 4, 0)
    );
    let summary = vault
        .import_apply(read(text, None), None, &HashMap::new())
        .expect("again")
        .0;
    assert_eq!(summary.unchanged, 4);
    assert_eq!(contents(&mut vault), before);
}

#[test]
fn preview_counts_and_conflict_details() {
    let (_d, mut vault) = temp_vault();
    vault
        .create_secret(new_secret("same", "1"))
        .expect("create");
    vault
        .create_secret(new_secret("value-differs", "old"))
        .expect("create");
    vault
        .create_secret(NewSecret {
            note: "old note".into(),
            ..new_secret("note-differs", "v")
        })
        .expect("create");
    let set = read(
        b"same=1\nvalue-differs=new\nnote-differs=v\nfresh=x\n",
        None,
    );
    let before = contents(&mut vault);
    let preview = vault.import_preview(&set).expect("preview");
    // dotenv has no notes: a note is not a difference it can bring.
    assert_eq!((preview.new, preview.unchanged), (1, 2));
    let conflicts: Vec<(usize, &str, bool)> = preview
        .conflicts
        .iter()
        .map(|c| (c.incoming, c.name.as_str(), c.values_differ))
        .collect();
    assert_eq!(conflicts, [(1, "value-differs", true)]);
    // A Coffer file has notes: the same value with another note conflicts.
    let coffer = br#"{"format":"coffer-export","version":1,"encryption":"none","exported_at":"2026-01-01T00:00:00Z","secrets":[{"name":"note-differs","value":"v","enabled":true,"allowed_domains":[],"note":"new note","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}]}"#;
    let preview = vault.import_preview(&read(coffer, None)).expect("preview");
    let conflicts: Vec<(usize, &str, bool)> = preview
        .conflicts
        .iter()
        .map(|c| (c.incoming, c.name.as_str(), c.values_differ))
        .collect();
    assert_eq!(conflicts, [(0, "note-differs", false)]);
    assert_eq!(contents(&mut vault), before, "preview changed the vault");
}

#[test]
fn unresolved_conflicts_import_nothing() {
    let (_d, mut vault) = temp_vault();
    vault.create_secret(new_secret("a", "old")).expect("create");
    let before = contents(&mut vault);
    let err = vault
        .import_apply(read(b"a=new\nb=2\n", None), None, &HashMap::new())
        .expect_err("conflict without decision");
    assert!(
        matches!(err, Error::ConflictsUnresolved { count: 1 }),
        "{err}"
    );
    assert_eq!(contents(&mut vault), before);
}

#[test]
fn apply_to_all_with_overrides() {
    let (_d, mut vault) = temp_vault();
    for n in ["r", "k", "s", "d"] {
        vault.create_secret(new_secret(n, "old")).expect("create");
    }
    let set = read(b"r=new\nk=new\ns=new\nd=new\n", None);
    let overrides = HashMap::from([
        (0, Decision::Replace),
        (1, Decision::Keep),
        (2, Decision::Skip),
    ]);
    let (summary, _undo) = vault
        .import_apply(set, Some(Decision::Replace), &overrides)
        .expect("apply");
    assert_eq!(
        summary,
        ImportSummary {
            created: 0,
            replaced: 2,
            kept: 1,
            skipped: 1,
            unchanged: 0
        }
    );
    let got: Vec<(String, String, bool)> = contents(&mut vault)
        .into_iter()
        .map(|c| (c.0, c.1, c.7))
        .collect();
    let want = [
        ("k", "old", true),
        ("s", "old", false),
        ("r", "new", false),
        ("k", "new", false),
        ("d", "new", false),
    ];
    assert_eq!(got, want.map(|(n, v, s)| (n.to_owned(), v.to_owned(), s)));
}

/// Decisions applied to a plain list, the way the design describes them.
fn model(
    existing: &[(String, String)],
    incoming: &[(String, String)],
    decisions: &[Decision],
) -> Vec<(String, String)> {
    let mut out: Vec<Option<(String, String)>> = existing.iter().cloned().map(Some).collect();
    let newest = |name: &str| existing.iter().rposition(|(n, _)| n == name);
    for (i, (name, value)) in incoming.iter().enumerate() {
        let unchanged = existing.iter().any(|(n, v)| n == name && v == value);
        match newest(name) {
            None => out.push(Some((name.clone(), value.clone()))),
            Some(_) if unchanged => {}
            Some(at) => match decisions[i] {
                Decision::Replace => {
                    out[at] = None;
                    out.push(Some((name.clone(), value.clone())));
                }
                Decision::Keep => out.push(Some((name.clone(), value.clone()))),
                Decision::Skip => {}
            },
        }
    }
    out.into_iter().flatten().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_decision_matches_the_reference_model(
        existing in proptest::collection::vec(("[abc]", "[12]"), 0..6),
        incoming in proptest::collection::vec(("[abcd]", "[123]"), 0..6),
        decisions in proptest::collection::vec(prop_oneof![Just(Decision::Replace), Just(Decision::Keep), Just(Decision::Skip)], 6),
    ) {
        let (_d, mut vault) = temp_vault();
        for (n, v) in &existing {
            vault.create_secret(new_secret(n, v)).expect("create");
        }
        prop_assume!(!incoming.is_empty());
        let text: String = incoming.iter().map(|(n, v)| format!("{n}={v}\n")).collect();
        let set = read(text.as_bytes(), None);
        let overrides: HashMap<usize, Decision> = decisions.iter().copied().enumerate().collect();
        vault.import_apply(set, None, &overrides).expect("apply");
        let got: Vec<(String, String)> = contents(&mut vault).into_iter().map(|c| (c.0, c.1)).collect();
        prop_assert_eq!(got, model(&existing, &incoming, &decisions));
    }
}

#[test]
fn an_error_at_any_record_leaves_the_vault_identical() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    let (mut vault, _key) = Vault::create(&path, false).expect("create");
    for i in 0..30 {
        vault
            .create_secret(new_secret(&format!("s{i}"), "old"))
            .expect("create");
    }
    let before = contents(&mut vault);
    let text: String = (0..120).map(|i| format!("s{i}=new{i}\n")).collect();
    for fail_at in 0..105 {
        vault.fail_put_after = Some(fail_at);
        let err = vault
            .import_apply(
                read(text.as_bytes(), None),
                Some(Decision::Replace),
                &HashMap::new(),
            )
            .expect_err("injected failure");
        assert!(err.to_string().contains("injected"), "{err}");
        assert_eq!(
            contents(&mut vault),
            before,
            "changed after a failure at record {fail_at}"
        );
    }
    vault.fail_put_after = None;
    drop(vault);
    assert_eq!(
        Vault::open(&path)
            .expect("open")
            .secret_count()
            .expect("count"),
        30
    );
}

#[test]
fn replace_from_a_source_without_domains_or_notes_keeps_the_existing_ones() {
    let (_dir, mut vault) = temp_vault();
    vault
        .create_secret(NewSecret {
            name: "STRIPE_KEY".into(),
            value: SecretString::from("sk_old".to_owned()),
            enabled: true,
            allowed_domains: vec!["api.stripe.com".into()],
            note: "rotated monthly".into(),
        })
        .expect("create");
    let set = read(b"STRIPE_KEY=sk_new\n", None);
    let preview = vault.import_preview(&set).expect("preview");
    assert_eq!(preview.conflicts.len(), 1);
    assert_eq!(
        preview.replace_keeps,
        ["enabled or disabled", "allowed domains", "note"]
    );
    vault
        .import_apply(set, Some(Decision::Replace), &HashMap::new())
        .expect("apply");
    let (info, value) = vault.get("STRIPE_KEY").expect("get");
    assert_eq!(value.expose_secret(), "sk_new");
    assert_eq!(info.allowed_domains, ["api.stripe.com"]);
    assert_eq!(info.note, "rotated monthly");
    // The same value again is unchanged: the dotenv file has no domains to differ.
    let again = vault
        .import_preview(&read(b"STRIPE_KEY=sk_new\n", None))
        .expect("preview");
    assert_eq!((again.unchanged, again.conflicts.len()), (1, 0));
    // A Coffer export carries domains: a Replace from it sets them.
    let coffer = br#"{"format":"coffer-export","version":1,"encryption":"none","exported_at":"2026-01-01T00:00:00Z","secrets":[{"name":"STRIPE_KEY","value":"sk_3","enabled":true,"allowed_domains":[],"note":"","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}]}"#;
    let set = read(coffer, None);
    assert!(vault
        .import_preview(&set)
        .expect("preview")
        .replace_keeps
        .is_empty());
    vault
        .import_apply(set, Some(Decision::Replace), &HashMap::new())
        .expect("apply");
    assert!(vault
        .get("STRIPE_KEY")
        .expect("get")
        .0
        .allowed_domains
        .is_empty());
}

#[test]
fn keep_both_or_replace_from_dotenv_never_lifts_a_restriction_or_re_enables() {
    let (_dir, mut vault) = temp_vault();
    vault
        .create_secret(NewSecret {
            name: "TOKEN".into(),
            value: SecretString::from("old".to_owned()),
            enabled: false,
            allowed_domains: vec!["api.example.com".into()],
            note: "n".into(),
        })
        .expect("create");
    vault
        .import_apply(
            read(b"TOKEN=kept-beside\n", None),
            Some(Decision::Keep),
            &HashMap::new(),
        )
        .expect("keep both");
    let (info, _) = vault
        .reveal(crate::secret::Target::Name("TOKEN"))
        .expect("in effect");
    assert_eq!(
        (
            info.enabled,
            info.allowed_domains.clone(),
            info.note.clone()
        ),
        (false, vec!["api.example.com".to_owned()], "n".to_owned()),
        "the secret now in effect took the restrictions of the one beside it"
    );
    vault
        .import_apply(
            read(b"TOKEN=replaced\n", None),
            Some(Decision::Replace),
            &HashMap::new(),
        )
        .expect("replace");
    let (info, value) = vault
        .reveal(crate::secret::Target::Name("TOKEN"))
        .expect("in effect");
    assert_eq!(value.expose_secret(), "replaced");
    assert!(
        !info.enabled,
        "a dotenv Replace re-enabled a disabled secret"
    );
    assert_eq!(info.allowed_domains, ["api.example.com"]);
}

#[test]
fn names_repeated_in_one_import_are_listed_and_all_kept() {
    let (_d, mut vault) = temp_vault();
    let set = read(b"TOKEN=first\nOTHER=x\nTOKEN=second\nTOKEN=third\n", None);
    let preview = vault.import_preview(&set).expect("preview");
    assert_eq!(
        preview.repeated,
        [crate::vault::Repeated {
            name: "TOKEN".into(),
            times: 3
        }]
    );
    vault
        .import_apply(set, Some(Decision::Keep), &HashMap::new())
        .expect("apply");
    assert_eq!(
        vault.get("TOKEN").expect("in effect").1.expose_secret(),
        "third"
    );
    let shadowed = vault
        .list()
        .expect("list")
        .iter()
        .filter(|s| s.name == "TOKEN" && s.shadowed)
        .count();
    assert_eq!(shadowed, 2, "an earlier one was dropped");
}

fn names_and_values(set: &ImportSet) -> Vec<(String, String, Option<bool>)> {
    set.secrets
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.value.expose_secret().to_owned(),
                s.enabled,
            )
        })
        .collect()
}

/// Names and values a dotenv or Postman export must carry exactly.
fn tricky_vault() -> (tempfile::TempDir, Vault) {
    let (d, mut vault) = temp_vault();
    for (name, value) in [
        ("PLAIN", "sk_live_1"),
        ("PATH_LIKE", r"C:\Users\me\n not a newline"),
        ("QUOTES", r#"say "hi" and 'bye'"#),
        (
            "PEM",
            "-----BEGIN KEY-----\nAAAA\r\nBBBB\n-----END KEY-----",
        ),
        ("Stripe API key (live) — ключ", "sk_unicode_🔑"),
        ("hash#and=equals", "v#1 = 2"),
        ("EMPTY", ""),
        ("TRAILING_BACKSLASH", r"C:\Temp\"),
    ] {
        vault
            .create_secret(new_secret(name, value))
            .expect("create");
    }
    vault
        .create_secret(NewSecret {
            enabled: false,
            ..new_secret("OFF", "disabled-value")
        })
        .expect("create");
    (d, vault)
}

#[test]
fn a_dotenv_export_reads_back_with_every_name_and_value_exact() {
    let (_d, mut vault) = tricky_vault();
    let bytes = vault
        .export(&Policy::default(), ExportRequest::Dotenv)
        .expect("dotenv");
    let text = std::str::from_utf8(&bytes).expect("utf-8");
    assert!(text.starts_with("# Exported from Coffer at "), "{text}");
    let back = read(&bytes, None);
    let want: Vec<(String, String, Option<bool>)> = vault
        .list()
        .expect("list")
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                vault
                    .reveal(Target::Id(s.id))
                    .expect("reveal")
                    .1
                    .expose_secret()
                    .to_owned(),
                None,
            )
        })
        .collect();
    assert_eq!(names_and_values(&back), want);
}

#[test]
fn a_postman_export_reads_back_with_values_and_enabled_flags() {
    let (_d, mut vault) = tricky_vault();
    let bytes = vault
        .export(&Policy::default(), ExportRequest::Postman)
        .expect("postman");
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(json["_postman_variable_scope"], "environment");
    assert!(json["values"]
        .as_array()
        .expect("values")
        .iter()
        .all(|v| v["type"] == "secret"));
    let back = read(&bytes, None);
    let got = names_and_values(&back);
    assert_eq!(got.len(), 9);
    assert!(got.contains(&("OFF".into(), "disabled-value".into(), Some(false))));
    assert!(got.contains(&(
        "PEM".into(),
        "-----BEGIN KEY-----\nAAAA\r\nBBBB\n-----END KEY-----".into(),
        Some(true)
    )));
}

#[test]
fn a_name_dotenv_cannot_hold_refuses_the_export_and_the_policy_governs_both_formats() {
    let (_d, mut vault) = temp_vault();
    vault
        .create_secret(new_secret("it's a name", "v"))
        .expect("create");
    let err = vault
        .export(&Policy::default(), ExportRequest::Dotenv)
        .expect_err("unwritable name");
    assert_eq!(err.code(), "export_failed");
    assert!(
        err.to_string()
            .contains("\"it's a name\" cannot be written to a dotenv file"),
        "{err}"
    );
    assert!(!err.to_string().contains("\"v\""));
    vault
        .export(&Policy::default(), ExportRequest::Postman)
        .expect("postman holds any name");

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("policy.json");
    std::fs::write(
        &file,
        r#"{"version":1,"export":{"formats":["encrypted","plaintext"]}}"#,
    )
    .expect("write");
    let policy = Policy::load(&file, None);
    for request in [ExportRequest::Dotenv, ExportRequest::Postman] {
        let err = vault.export(&policy, request).expect_err("not listed");
        assert_eq!(err.code(), "policy_denied", "{err}");
    }
}
