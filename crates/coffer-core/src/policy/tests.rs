use super::*;
use secrecy::SecretString;

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Self {
        Files {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
    fn missing(&self) -> PathBuf {
        self.dir.path().join("absent.json")
    }
}

#[test]
fn no_files_means_no_restrictions() {
    let f = Files::new();
    let p = Policy::load(&f.missing(), None);
    assert_eq!(p, Policy::default());
    assert!(p.check_export(ExportKind::Plaintext).is_ok());
    assert!(p.check_keychain().is_ok());
    assert!(p.check_plaintext_import().is_ok());
    assert_eq!(p.clamp_idle_minutes(60), (60, false));
}

#[test]
fn every_setting_is_read_and_names_its_file() {
    let f = Files::new();
    let sys = f.write(
        "system.json",
        r#"{"version": 1,
            "export": {"enabled": true, "formats": ["encrypted"], "min_password_length": 16},
            "import": {"plaintext_allowed": false},
            "keychain": {"allowed": false},
            "auto_lock": {"max_idle_minutes": 15},
            "clipboard": {"max_clear_seconds": 30}}"#,
    );
    let p = Policy::load(&sys, None);
    assert_eq!(p.failure, None);
    assert!(p.check_export(ExportKind::Encrypted).is_ok());
    let err = p
        .check_export(ExportKind::Plaintext)
        .expect_err("plaintext");
    assert_eq!(err.code(), "policy_denied");
    assert!(
        err.to_string().contains("export.formats") && err.to_string().contains("system.json"),
        "{err}"
    );
    assert_eq!(
        p.min_password_length,
        Setting {
            value: 16,
            source: Some(sys.clone())
        }
    );
    assert_eq!(
        p.check_plaintext_import().expect_err("import").code(),
        "policy_denied"
    );
    assert!(p
        .check_keychain()
        .expect_err("keychain")
        .to_string()
        .contains("keychain.allowed"));
    assert_eq!(p.clamp_idle_minutes(60), (15, true));
    assert_eq!(
        p.clamp_idle_minutes(0),
        (15, true),
        "'never' is not allowed under a maximum"
    );
    assert_eq!(p.clamp_idle_minutes(5), (5, false));
    assert_eq!(p.clamp_clear_seconds(120), (30, true));
    let off = f.write(
        "off.json",
        r#"{"version": 1, "export": {"enabled": false}}"#,
    );
    let err = Policy::load(&off, None)
        .check_export(ExportKind::Encrypted)
        .expect_err("disabled");
    assert!(err.to_string().contains("export.enabled"), "{err}");
}

#[test]
fn the_extra_file_can_only_tighten() {
    let f = Files::new();
    let sys = f.write(
        "system.json",
        r#"{"version": 1, "export": {"formats": ["encrypted"], "min_password_length": 20},
            "auto_lock": {"max_idle_minutes": 10}, "keychain": {"allowed": false}}"#,
    );
    let loose = f.write(
        "user.json",
        r#"{"version": 1, "export": {"enabled": true, "formats": ["encrypted", "plaintext"], "min_password_length": 12},
            "auto_lock": {"max_idle_minutes": 60}, "keychain": {"allowed": true}, "clipboard": {"max_clear_seconds": 45}}"#,
    );
    let p = Policy::load(&sys, Some(&loose));
    assert_eq!(
        p.export_formats,
        Setting {
            value: vec![ExportKind::Encrypted],
            source: Some(sys.clone())
        }
    );
    assert_eq!(p.min_password_length.value, 20);
    assert_eq!(
        p.max_idle_minutes,
        Setting {
            value: Some(10),
            source: Some(sys.clone())
        }
    );
    assert!(!p.keychain_allowed.value);
    // What the system file leaves open, the extra file may close.
    assert_eq!(
        p.max_clear_seconds,
        Setting {
            value: Some(45),
            source: Some(loose.clone())
        }
    );
    let tight = f.write("tight.json", r#"{"version": 1, "export": {"min_password_length": 32}, "auto_lock": {"max_idle_minutes": 2}}"#);
    let p = Policy::load(&sys, Some(&tight));
    assert_eq!(
        p.min_password_length,
        Setting {
            value: 32,
            source: Some(tight.clone())
        }
    );
    assert_eq!(p.max_idle_minutes.value, Some(2));
}

#[test]
fn a_minimum_below_twelve_never_lowers_the_floor() {
    let f = Files::new();
    let sys = f.write(
        "s.json",
        r#"{"version": 1, "export": {"min_password_length": 6}}"#,
    );
    assert_eq!(Policy::load(&sys, None).min_password_length.value, 12);
}

#[test]
fn every_malformed_file_fails_closed_naming_the_file() {
    let f = Files::new();
    let cases = [
        ("bad-json.json", "{\"version\": 1,", "not valid JSON"),
        ("empty.json", "", "not valid JSON"),
        (
            "no-version.json",
            r#"{"export": {"enabled": true}}"#,
            "`version` key is missing",
        ),
        (
            "version-2.json",
            r#"{"version": 2}"#,
            "policy version 2 is not supported",
        ),
        (
            "version-string.json",
            r#"{"version": "1"}"#,
            "policy version \"1\" is not supported",
        ),
        (
            "typo-top.json",
            r#"{"version": 1, "exprot": {"enabled": false}}"#,
            "unknown field `exprot`",
        ),
        (
            "typo-inner.json",
            r#"{"version": 1, "export": {"enable": false}}"#,
            "unknown field `enable`",
        ),
        (
            "bad-format.json",
            r#"{"version": 1, "export": {"formats": ["zip"]}}"#,
            "unknown variant `zip`",
        ),
        (
            "wrong-type.json",
            r#"{"version": 1, "keychain": {"allowed": "no"}}"#,
            "invalid type",
        ),
        (
            "negative.json",
            r#"{"version": 1, "auto_lock": {"max_idle_minutes": -5}}"#,
            "invalid value",
        ),
        (
            "huge-min.json",
            r#"{"version": 1, "export": {"min_password_length": 100000}}"#,
            "unreasonably large",
        ),
        ("array.json", "[1]", "not valid JSON"),
    ];
    for (name, text, needle) in cases {
        let path = f.write(name, text);
        let p = Policy::load(&path, None);
        let failure = p
            .failure
            .clone()
            .unwrap_or_else(|| panic!("{name} was accepted"));
        assert!(
            failure.problem.contains(needle),
            "{name}: {}",
            failure.problem
        );
        for err in [
            p.check_export(ExportKind::Encrypted).expect_err("export"),
            p.check_plaintext_import().expect_err("import"),
            p.check_keychain().expect_err("keychain"),
        ] {
            assert_eq!(err.code(), "policy_invalid", "{name}");
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
    }
    // A directory, and an extra file that is named but missing.
    let p = Policy::load(f.dir.path(), None);
    assert!(p
        .failure
        .expect("dir")
        .problem
        .contains("not a regular file"));
    let p = Policy::load(&f.missing(), Some(&f.missing()));
    assert!(p
        .failure
        .expect("missing extra")
        .problem
        .contains("does not exist"));
    // A broken extra file fails closed even with a good system file.
    let good = f.write("good.json", r#"{"version": 1}"#);
    let bad = f.write("bad.json", "nope");
    assert!(Policy::load(&good, Some(&bad))
        .check_export(ExportKind::Encrypted)
        .is_err());
}

#[test]
fn unreadable_file_fails_closed() {
    use std::os::unix::fs::PermissionsExt;
    let f = Files::new();
    let path = f.write("secret-policy.json", r#"{"version": 1}"#);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let p = Policy::load(&path, None);
    // Root reads anything; only check the refusal when the read really failed.
    if std::fs::read(&path).is_err() {
        assert!(p
            .failure
            .expect("unreadable")
            .problem
            .contains("cannot be read"));
    } else {
        assert_eq!(p.failure, None);
    }
}

#[test]
fn export_obeys_the_policy_at_the_moment_of_the_action() {
    let f = Files::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut vault, _key) = crate::Vault::create(&dir.path().join("v.db"), false).expect("create");
    let only_encrypted = Policy::load(
        &f.write(
            "p.json",
            r#"{"version": 1, "export": {"formats": ["encrypted"], "min_password_length": 30}}"#,
        ),
        None,
    );
    let fast = crate::KdfParams::default();
    let err = vault
        .prepare_export_with(&only_encrypted, crate::ExportRequest::Plaintext, fast)
        .expect_err("plaintext refused");
    assert_eq!(err.code(), "policy_denied");
    let err = vault
        .prepare_export_with(
            &only_encrypted,
            crate::ExportRequest::Encrypted(SecretString::from(
                "tangerine-oxide-marble-7".to_owned(),
            )),
            fast,
        )
        .expect_err("too short for the policy");
    assert_eq!(err.code(), "policy_denied");
    assert!(
        err.to_string().contains("at least 30")
            && err.to_string().contains("export.min_password_length"),
        "{err}"
    );
    let ok = vault.prepare_export_with(
        &only_encrypted,
        crate::ExportRequest::Encrypted(SecretString::from(
            "tangerine oxide marble seventy-seven".to_owned(),
        )),
        fast,
    );
    assert!(ok.and_then(crate::PreparedExport::write).is_ok());
}

#[test]
fn settings_in_force_are_clamped_and_say_by_which_file() {
    let f = Files::new();
    let path = f.write(
        "caps.json",
        r#"{"version": 1, "auto_lock": {"max_idle_minutes": 10}, "clipboard": {"max_clear_seconds": 20}}"#,
    );
    let policy = Policy::load(&f.missing(), Some(&path));
    let stored = crate::Settings {
        auto_lock_minutes: 0,
        clipboard_clear_seconds: 5,
        ..crate::Settings::default()
    };
    let got = stored.in_force(&policy);
    assert_eq!(
        (got.auto_lock_minutes, got.clipboard_clear_seconds),
        (10, 5)
    );
    let why = got.auto_lock_limited_by.expect("limited");
    assert!(
        why.contains("limited to 10") && why.contains("caps.json"),
        "{why}"
    );
    assert_eq!(got.clipboard_limited_by, None);
    let free = stored.in_force(&Policy::default());
    assert_eq!(
        (free.auto_lock_minutes, free.auto_lock_limited_by),
        (0, None)
    );
}

#[test]
fn a_policy_source_reads_the_files_anew_each_time() {
    let f = Files::new();
    let extra = f.write("extra.json", r#"{"version": 1}"#);
    let source = PolicySource {
        system: f.missing(),
        extra: Some(extra.clone()),
    };
    assert!(source.load().check_keychain().is_ok());
    std::fs::write(&extra, r#"{"version": 1, "keychain": {"allowed": false}}"#).expect("write");
    assert_eq!(
        source
            .load()
            .check_keychain()
            .expect_err("now refused")
            .code(),
        "policy_denied"
    );
}

#[test]
fn a_zero_limit_is_invalid_not_never_and_cannot_loosen_a_cap() {
    let f = Files::new();
    let system = f.write(
        "system.json",
        r#"{"version": 1, "auto_lock": {"max_idle_minutes": 15}, "clipboard": {"max_clear_seconds": 30}}"#,
    );
    for (name, text, setting) in [
        (
            "idle.json",
            r#"{"version": 1, "auto_lock": {"max_idle_minutes": 0}}"#,
            "auto_lock.max_idle_minutes",
        ),
        (
            "clip.json",
            r#"{"version": 1, "clipboard": {"max_clear_seconds": 0}}"#,
            "clipboard.max_clear_seconds",
        ),
    ] {
        let extra = f.write(name, text);
        let p = Policy::load(&system, Some(&extra));
        let failure = p.failure.clone().expect("fails closed");
        assert!(failure.problem.contains(setting), "{failure:?}");
        assert_eq!(failure.file, extra);
        assert_eq!(
            p.check_export(ExportKind::Encrypted)
                .expect_err("closed")
                .code(),
            "policy_invalid"
        );
        // The administrator's caps still hold for the app's settings.
        assert_eq!(p.clamp_idle_minutes(0), (15, true));
        assert_eq!(p.clamp_clear_seconds(0), (30, true));
    }
}

#[test]
fn a_plaintext_bitwarden_file_claiming_a_password_does_not_pass_a_no_plaintext_policy() {
    let f = Files::new();
    let policy = Policy::load(
        &f.write(
            "p.json",
            r#"{"version": 1, "import": {"plaintext_allowed": false}}"#,
        ),
        None,
    );
    let claims = br#"{"encrypted": false, "passwordProtected": true, "folders": [], "items": [{"id": "1", "type": 2, "name": "note", "notes": "sk_live_plain", "secureNote": {"type": 0}}]}"#;
    let err = crate::formats::read_import(
        crate::formats::ImportSource::Text {
            label: "pasted text",
            bytes: claims,
        },
        None,
        None,
        &policy,
    )
    .err()
    .expect("refused");
    assert_eq!(err.code(), "policy_denied");
    assert!(
        err.to_string().contains("import.plaintext_allowed"),
        "{err}"
    );
}
