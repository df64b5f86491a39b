use aes::cipher::BlockEncryptMut;
use rand_core::{OsRng, RngCore};

use super::*;
use crate::secret::NOTE_MAX_CHARS;

fn header(
    kdf_type: u32,
    iterations: u32,
    memory: Option<u32>,
    parallelism: Option<u32>,
    salt: &str,
) -> Header {
    Header {
        encrypted: Some(true),
        password_protected: Some(true),
        salt: Some(salt.into()),
        kdf_type: Some(kdf_type),
        kdf_iterations: Some(iterations),
        kdf_memory: memory,
        kdf_parallelism: parallelism,
        enc_key_validation: None,
        data: None,
    }
}

fn pw(p: &str) -> SecretString {
    SecretString::from(p.to_owned())
}

// Published test vectors of Bitwarden's own SDK (bitwarden-crypto), an
// implementation independent of this one.
#[test]
fn pbkdf2_master_key_matches_bitwarden() {
    let key = derive_master(
        &header(0, 10_000, None, None, "test_key"),
        &pw("67t9b5g67$%Dh89n"),
    )
    .expect("derives");
    assert_eq!(
        *key,
        [
            31, 79, 104, 226, 150, 71, 177, 90, 194, 80, 172, 209, 17, 129, 132, 81, 138, 167, 69,
            167, 254, 149, 2, 27, 39, 197, 64, 42, 22, 195, 86, 75
        ]
    );
}

#[test]
fn argon2id_master_key_matches_bitwarden() {
    let key = derive_master(
        &header(1, 4, Some(32), Some(2), "test_key"),
        &pw("67t9b5g67$%Dh89n"),
    )
    .expect("derives");
    assert_eq!(
        *key,
        [
            207, 240, 225, 177, 162, 19, 163, 76, 98, 106, 179, 175, 224, 9, 17, 240, 20, 147, 237,
            47, 246, 150, 141, 184, 62, 225, 131, 242, 51, 53, 225, 242
        ]
    );
}

#[test]
fn stretched_keys_match_bitwarden() {
    let master = [
        31, 79, 104, 226, 150, 71, 177, 90, 194, 80, 172, 209, 17, 129, 132, 81, 138, 167, 69, 167,
        254, 149, 2, 27, 39, 197, 64, 42, 22, 195, 86, 75,
    ];
    let (enc, mac) = stretch(&master);
    assert_eq!(
        *enc,
        [
            111, 31, 178, 45, 238, 152, 37, 114, 143, 215, 124, 83, 135, 173, 195, 23, 142, 134,
            120, 249, 61, 132, 163, 182, 113, 197, 189, 204, 188, 21, 237, 96
        ]
    );
    assert_eq!(
        *mac,
        [
            221, 127, 206, 234, 101, 27, 202, 38, 86, 52, 34, 28, 78, 28, 185, 16, 48, 61, 127,
            166, 209, 247, 194, 87, 232, 26, 48, 85, 193, 249, 179, 155
        ]
    );
}

/// Test-only: a type-2 string, as Bitwarden writes it.
fn encrypt_string(plain: &[u8], enc: &[u8; 32], mac: &[u8; 32]) -> String {
    let mut iv = [0u8; 16];
    OsRng.fill_bytes(&mut iv);
    let ct = cbc::Encryptor::<aes::Aes256>::new(enc.into(), (&iv).into())
        .encrypt_padded_vec_mut::<Pkcs7>(plain);
    let mut h = <Hmac<Sha256> as Mac>::new_from_slice(mac).expect("key");
    h.update(&iv);
    h.update(&ct);
    let tag = h.finalize().into_bytes();
    format!(
        "2.{}|{}|{}",
        B64.encode(iv),
        B64.encode(ct),
        B64.encode(tag)
    )
}

/// Test-only: a password-protected export of `plain`, built as Bitwarden builds one.
fn protect(plain: &str, password: &str, kdf_type: u32) -> String {
    let salt = "kR3sSaltFromTheExport0==";
    let h = match kdf_type {
        0 => header(0, 5_000, None, None, salt),
        _ => header(1, 2, Some(16), Some(1), salt),
    };
    let (enc, mac) = derive_keys(&h, &pw(password)).expect("derive");
    serde_json::json!({
        "encrypted": true,
        "passwordProtected": true,
        "salt": salt,
        "kdfType": kdf_type,
        "kdfIterations": h.kdf_iterations,
        "kdfMemory": h.kdf_memory,
        "kdfParallelism": h.kdf_parallelism,
        "encKeyValidation_DO_NOT_EDIT": encrypt_string(b"4f9d3c5e-validation-guid", &enc, &mac),
        "data": encrypt_string(plain.as_bytes(), &enc, &mac),
    })
    .to_string()
}

const PLAIN: &str = r#"{
  "encrypted": false,
  "folders": [],
  "items": [
    {"id": "1", "type": 1, "name": "GitHub", "notes": "work account",
     "login": {"username": "octo", "password": "ghp_secret", "totp": "otpauth://totp/x?secret=JBSWY3DP",
               "uris": [{"match": null, "uri": "https://github.com/login"}, {"uri": "api.github.com"}, {"uri": "not a url ::"}]},
     "fields": [{"name": "api token", "value": "tok_123", "type": 1},
                {"name": "linked", "value": null, "type": 3, "linkedId": 100},
                {"name": "flag", "value": "true", "type": 2}]},
    {"id": "2", "type": 2, "name": "Recovery codes", "notes": "aaaa-bbbb\ncccc-dddd", "secureNote": {"type": 0}},
    {"id": "3", "type": 3, "name": "Visa", "card": {"number": "4111111111111111", "code": "123"}},
    {"id": "4", "type": 4, "name": "Me", "identity": {"firstName": "A"}},
    {"id": "5", "type": 1, "name": "Empty", "login": {"username": null, "password": "", "totp": null}}
  ]
}"#;

/// Items mapped under their own names.
fn map_named(items: Vec<Item>) -> Vec<Incoming> {
    let mut left = LeftOut::default();
    secrets_of(
        items
            .into_iter()
            .map(|i| entry_of(i, None, &mut left))
            .collect(),
    )
    .0
}

fn summary(items: &[Incoming]) -> Vec<(String, String, Vec<String>, String)> {
    items
        .iter()
        .map(|i| {
            (
                i.name.clone(),
                i.value.expose_secret().to_owned(),
                i.allowed_domains.clone().unwrap_or_default(),
                i.note.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn items_map_to_secrets_named_after_them() {
    let got = summary(&read(PLAIN, None).expect("reads").0.items);
    let gh = vec!["api.github.com".to_owned(), "github.com".to_owned()];
    let want = vec![
        ("GitHub/password", "ghp_secret", gh.clone(), "work account"),
        ("GitHub/username", "octo", gh.clone(), "work account"),
        (
            "GitHub/totp",
            "otpauth://totp/x?secret=JBSWY3DP",
            gh.clone(),
            "work account",
        ),
        ("GitHub/api token", "tok_123", gh.clone(), "work account"),
        ("GitHub/flag", "true", gh, "work account"),
        ("Recovery codes", "aaaa-bbbb\ncccc-dddd", vec![], ""),
        ("Visa/number", "4111111111111111", vec![], ""),
        ("Visa/code", "123", vec![], ""),
    ];
    let want: Vec<(String, String, Vec<String>, String)> = want
        .into_iter()
        .map(|(n, v, d, note)| (n.to_owned(), v.to_owned(), d, note.to_owned()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn long_notes_become_their_own_secret() {
    let long = "n".repeat(NOTE_MAX_CHARS + 1);
    let text = serde_json::json!({"encrypted": false, "items": [
        {"type": 1, "name": "Svc", "notes": long, "login": {"password": "p"}}
    ]})
    .to_string();
    let got = summary(&read(&text, None).expect("reads").0.items);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].3, "", "the note did not fit");
    assert_eq!(
        (got[1].0.as_str(), got[1].1.len()),
        ("Svc/notes", NOTE_MAX_CHARS + 1)
    );
}

#[test]
fn password_protected_exports_open_with_both_kdfs() {
    for kdf in [0, 1] {
        let file = protect(PLAIN, "correct horse battery", kdf);
        let (Mapped { items, .. }, decrypted) =
            read(&file, Some(&pw("correct horse battery"))).expect("decrypts");
        assert!(decrypted, "kdfType {kdf}");
        let (Mapped { items: plain, .. }, plain_decrypted) = read(PLAIN, None).expect("reads");
        assert!(!plain_decrypted);
        assert_eq!(summary(&items), summary(&plain), "kdfType {kdf}");
        assert!(matches!(
            read(&file, Some(&pw("wrong horse battery"))),
            Err(FileError::WrongPassword)
        ));
        assert!(matches!(
            read(&file, None),
            Err(FileError::PasswordRequired)
        ));
    }
}

#[test]
fn tampered_or_malformed_protected_exports_are_refused() {
    let file = protect(PLAIN, "pw", 0);
    let mut v: serde_json::Value = serde_json::from_str(&file).expect("json");
    let data = v["data"].as_str().expect("data").to_owned();
    let parts: Vec<&str> = data.split('|').collect();
    let mut ct = B64.decode(parts[1]).expect("b64");
    ct[0] ^= 1;
    v["data"] = format!("{}|{}|{}", parts[0], B64.encode(ct), parts[2]).into();
    assert!(matches!(
        read(&v.to_string(), Some(&pw("pw"))),
        Err(FileError::WrongPassword)
    ));

    let mut v: serde_json::Value = serde_json::from_str(&file).expect("json");
    v["data"] = "0.abc|def".into();
    assert!(
        matches!(read(&v.to_string(), Some(&pw("pw"))), Err(FileError::Invalid(m)) if m.contains("type 2"))
    );
}

#[test]
fn kdf_parameters_are_bounded_before_hashing() {
    for (h, needle) in [
        (
            header(0, 100_000_000, None, None, "s"),
            "PBKDF2 iterations 100000000 is above the limit of 5000000",
        ),
        (
            header(0, 1, None, None, "s"),
            "PBKDF2 iterations 1 is below the minimum of 5000",
        ),
        (
            header(1, 3, Some(4096), Some(4), "s"),
            "Argon2id memory (MiB) 4096 is above the limit of 1024",
        ),
        (
            header(1, 50, Some(64), Some(4), "s"),
            "Argon2id iterations 50 is above the limit of 10",
        ),
        (
            header(1, 3, Some(64), Some(64), "s"),
            "Argon2id parallelism 64 is above the limit of 16",
        ),
    ] {
        match derive_master(&h, &pw("x")) {
            Err(FileError::KdfLimits(m)) => assert!(m.contains(needle), "{m}"),
            _ => panic!("{needle}: not refused"),
        }
    }
}

#[test]
fn account_encrypted_exports_say_what_to_do() {
    let text = r#"{"encrypted": true, "encKeyValidation_DO_NOT_EDIT": "2.a|b|c", "items": []}"#;
    match read(text, None) {
        Err(FileError::Invalid(m)) => assert!(m.contains("Password protected"), "{m}"),
        _ => panic!("accepted"),
    }
}

#[test]
fn a_plaintext_export_that_says_password_protected_is_still_plaintext() {
    // `passwordProtected: true` with `encrypted: false`: nothing is decrypted.
    let v: serde_json::Value = serde_json::from_str(PLAIN).expect("json");
    let mut obj = v.as_object().expect("object").clone();
    obj.insert("passwordProtected".into(), true.into());
    let text = serde_json::Value::Object(obj).to_string();
    let (Mapped { items, .. }, decrypted) = read(&text, None).expect("reads");
    assert!(!decrypted);
    assert!(!items.is_empty());
}

/// Every value a parsed item holds is in a string that wipes itself when
/// dropped (pinned by type: a plain `String` here does not compile), and
/// mapping moves the values into the secrets instead of copying them.
#[test]
fn parsed_values_wipe_themselves_and_are_moved_into_the_secrets() {
    fn wiped(field: &Option<Zeroizing<String>>) -> Option<&str> {
        field.as_deref().map(String::as_str)
    }
    let item: Item = serde_json::from_str(
        r#"{"name":"site","type":1,"notes":"a note",
            "login":{"username":"me","password":"pw-1","totp":"otp","uris":[{"uri":"https://api.example.com/x"}]},
            "fields":[{"name":"pin","value":"1234","type":1},{"name":"link","value":null,"type":3}]}"#,
    )
    .expect("item");
    let login = item.login.as_ref().expect("login");
    assert_eq!(wiped(&login.password), Some("pw-1"));
    assert_eq!(wiped(&login.username), Some("me"));
    assert_eq!(wiped(&login.totp), Some("otp"));
    assert_eq!(wiped(&item.notes), Some("a note"));
    let fields = item.fields.as_ref().expect("fields");
    assert_eq!(wiped(&fields[0].value), Some("1234"));
    let card: Card = serde_json::from_str(r#"{"number":"4111","code":"123"}"#).expect("card");
    assert_eq!(
        (wiped(&card.number), wiped(&card.code)),
        (Some("4111"), Some("123"))
    );

    let out = map_named(vec![item]);
    let got: Vec<(&str, &str, &str)> = out
        .iter()
        .map(|i| {
            (
                i.name.as_str(),
                i.value.expose_secret(),
                i.note.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("site/password", "pw-1", "a note"),
            ("site/username", "me", "a note"),
            ("site/totp", "otp", "a note"),
            ("site/pin", "1234", "a note"),
        ]
    );
    assert_eq!(
        out[0].allowed_domains.as_deref(),
        Some(&["api.example.com".to_owned()][..])
    );
}

#[test]
fn a_secure_note_is_its_value_and_a_long_note_a_secret_of_its_own() {
    let long = "n".repeat(NOTE_MAX_CHARS + 1);
    let items: Vec<Item> = serde_json::from_str(&format!(
        r#"[{{"name":"memo","type":2,"notes":"the secret text"}},
            {{"name":"card","type":3,"notes":"{long}","card":{{"number":"4111","code":null}}}}]"#
    ))
    .expect("items");
    let out = map_named(items);
    let got: Vec<(&str, usize, &str)> = out
        .iter()
        .map(|i| {
            (
                i.name.as_str(),
                i.value.expose_secret().len(),
                i.note.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("memo", "the secret text".len(), ""),
            ("card/number", 4, ""),
            ("card/notes", NOTE_MAX_CHARS + 1, ""),
        ]
    );
}

#[test]
fn an_ssh_key_is_imported_and_what_has_no_place_is_said() {
    let text = r#"{"encrypted":false,"items":[
        {"name":"deploy","type":5,"sshKey":{"privateKey":"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----","publicKey":"ssh-ed25519 AAAA deploy","keyFingerprint":"SHA256:x"}},
        {"name":"me","type":4,"identity":{"firstName":"Ada"},"fields":[{"name":"passport","value":"P123","type":1}]},
        {"name":"site","type":1,"login":{"username":"u","password":"p","fido2Credentials":[{"credentialId":"a"},{"credentialId":"b"}]},"passwordHistory":[{"password":"old"}]},
        {"name":"visa","type":3,"card":{"cardholderName":"Ada","brand":"Visa","number":"4111","expMonth":"1","expYear":"2030","code":"123"}},
        {"name":"future","type":9}
    ]}"#;
    let (
        Mapped {
            items, left_out, ..
        },
        decrypted,
    ) = read(text, None).expect("reads");
    assert!(!decrypted);
    let got: Vec<(&str, &str)> = items
        .iter()
        .map(|i| (i.name.as_str(), i.value.expose_secret()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "deploy/private_key",
                "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"
            ),
            ("deploy/public_key", "ssh-ed25519 AAAA deploy"),
            ("me/passport", "P123"),
            ("site/password", "p"),
            ("site/username", "u"),
            ("visa/number", "4111"),
            ("visa/code", "123"),
        ]
    );
    assert_eq!(
        left_out,
        [
            "1 identity (names, addresses and such: their custom fields and notes are imported)",
            "2 passkeys (a passkey cannot be moved out of Bitwarden)",
            "the holder, brand and expiry of 1 card",
            "the password history of 1 item",
            "1 item of a type Coffer does not know",
        ]
    );
}

#[test]
fn items_of_one_name_are_told_apart_by_folder_or_collection() {
    let text = r#"{"encrypted":false,
      "folders":[{"id":"f-work","name":"Work"},{"id":"f-home","name":"Home"}],
      "collections":[{"id":"c-ops","organizationId":"o","name":"Ops"}],
      "items":[
        {"id":"i1","folderId":"f-work","type":1,"name":"GitHub","login":{"password":"work-pw"}},
        {"id":"i2","folderId":"f-home","type":1,"name":"GitHub","login":{"password":"home-pw"}},
        {"id":"i3","folderId":null,"collectionIds":["c-ops"],"type":1,"name":"GitHub","login":{"password":"ops-pw"}},
        {"id":"4f2a91c0-1111","folderId":"f-work","type":1,"name":"GitHub","login":{"password":"work-2"}},
        {"id":"i5","folderId":"f-work","type":2,"name":"Only one","notes":"n"}
      ]}"#;
    let (mapped, _) = read(text, None).expect("reads");
    let got: Vec<(&str, &str)> = mapped
        .items
        .iter()
        .map(|i| (i.name.as_str(), i.value.expose_secret()))
        .collect();
    assert_eq!(
        got,
        [
            ("Work/GitHub/password", "work-pw"),
            ("Home/GitHub/password", "home-pw"),
            ("Ops/GitHub/password", "ops-pw"),
            ("Work/GitHub [4f2a91]/password", "work-2"),
            ("Only one", "n"),
        ]
    );
    assert_eq!(mapped.renamed.len(), 4);
    assert_eq!(mapped.renamed[0], r#""GitHub" as "Work/GitHub""#);
}
