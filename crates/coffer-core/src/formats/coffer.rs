//! The Coffer export file, versions 1 and 2 (specified in `docs/export-format.md`).
//!
//! Plaintext: `{"format": "coffer-export", "version": 1, "encryption": "none",
//! "exported_at": …, "secrets": [ … ]}`. Encrypted: the same `exported_at` and
//! `secrets` as a JSON payload sealed with AES-256-GCM under an Argon2id key;
//! the header fields are bound as associated data. Version 2 adds linked
//! secrets: a secret's `link`, and the `providers` the links name (settings
//! only, never credentials); a file without links is written as version 1,
//! so older Coffers read it.

use aes_gcm::aead::{Aead, KeyInit, Payload as AeadPayload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rand_core::{OsRng, RngCore};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::incoming::{Capped, FileError, Incoming, IncomingLink};
use crate::error::{Error, Result};
use crate::linked::{Link, ProviderConfig, ProviderKind};
use crate::secret::Timestamp;

/// The `format` value of every Coffer export.
pub const FORMAT_NAME: &str = "coffer-export";
/// The export format version this build writes when there is no linked
/// secret (and the oldest it reads).
pub const EXPORT_VERSION: u64 = 1;
/// The export format version of a file with linked secrets (the newest this build reads).
pub const EXPORT_VERSION_LINKS: u64 = 2;
/// Default Argon2id memory (RFC 9106 second recommendation).
pub const ARGON2_MEMORY_KIB: u32 = 64 * 1024;
/// Default Argon2id passes.
pub const ARGON2_ITERATIONS: u32 = 3;
/// Default Argon2id lanes.
pub const ARGON2_PARALLELISM: u32 = 4;
/// Bounds checked before any hashing of an imported file.
pub const ARGON2_MEMORY_KIB_RANGE: (u32, u32) = (19 * 1024, 1024 * 1024);
pub const ARGON2_ITERATIONS_RANGE: (u32, u32) = (2, 10);
pub const ARGON2_PARALLELISM_RANGE: (u32, u32) = (1, 16);
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;

/// Argon2id parameters as stored in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams {
            memory_kib: ARGON2_MEMORY_KIB,
            iterations: ARGON2_ITERATIONS,
            parallelism: ARGON2_PARALLELISM,
        }
    }
}

impl KdfParams {
    /// Refuses parameters outside the bounds, naming the limit — before any work is done.
    pub fn check(&self) -> std::result::Result<(), String> {
        let bound = |what: &str, v: u32, (lo, hi): (u32, u32), unit: &str| {
            if v < lo {
                Err(format!(
                    "Argon2id {what} {v}{unit} is below the minimum of {lo}{unit}"
                ))
            } else if v > hi {
                Err(format!(
                    "Argon2id {what} {v}{unit} is above the limit of {hi}{unit}"
                ))
            } else {
                Ok(())
            }
        };
        bound("memory", self.memory_kib, ARGON2_MEMORY_KIB_RANGE, " KiB")?;
        bound("iterations", self.iterations, ARGON2_ITERATIONS_RANGE, "")?;
        bound(
            "parallelism",
            self.parallelism,
            ARGON2_PARALLELISM_RANGE,
            "",
        )
    }
}

/// The encrypted file's KDF block.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfBlock {
    algorithm: String,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EncryptedFile {
    format: String,
    version: u64,
    encryption: String,
    kdf: KdfBlock,
    nonce: String,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaintextFile<S> {
    format: String,
    version: u64,
    encryption: String,
    exported_at: String,
    secrets: S,
    /// Version 2: the providers the links name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    providers: Vec<ProviderConfig>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload<S> {
    exported_at: String,
    secrets: S,
    /// Version 2: the providers the links name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    providers: Vec<ProviderConfig>,
}

/// One secret as written.
#[derive(Serialize)]
pub(crate) struct SecretOut<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub enabled: bool,
    pub allowed_domains: &'a [String],
    pub note: &'a str,
    pub created_at: String,
    pub updated_at: String,
    /// Version 2: where a linked secret's value lives (its `value` is then empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<&'a Link>,
}

/// One secret as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretIn {
    name: String,
    value: String,
    enabled: bool,
    allowed_domains: Vec<String>,
    note: String,
    created_at: String,
    updated_at: String,
    #[serde(default)]
    link: Option<Link>,
}

/// The top-level fields that tell the kind and version of a Coffer file,
/// read by the format probe of an import (one pass over the text).
#[derive(Deserialize)]
pub(crate) struct Header {
    pub version: Option<serde_json::Value>,
    pub encryption: Option<String>,
}

impl Header {
    /// Whether the file is encrypted (needs a password).
    pub fn is_encrypted(&self) -> bool {
        self.encryption.as_deref().is_some_and(|e| e != "none")
    }
}

/// A plaintext export.
pub(crate) fn write_plaintext(
    secrets: &[SecretOut<'_>],
    providers: &[ProviderConfig],
    exported_at: Timestamp,
) -> Zeroizing<Vec<u8>> {
    let file = PlaintextFile {
        format: FORMAT_NAME.into(),
        version: version_for(secrets, providers),
        encryption: "none".into(),
        exported_at: exported_at.rfc3339(),
        secrets,
        providers: exportable(providers),
    };
    let mut out = Zeroizing::new(to_json(&file));
    out.push(b'\n');
    out
}

/// An encrypted export under `password`, with `params` for Argon2id.
pub(crate) fn write_encrypted(
    secrets: &[SecretOut<'_>],
    providers: &[ProviderConfig],
    exported_at: Timestamp,
    password: &SecretString,
    params: KdfParams,
) -> Result<Zeroizing<Vec<u8>>> {
    let version = version_for(secrets, providers);
    let payload = Zeroizing::new(to_json(&Payload {
        exported_at: exported_at.rfc3339(),
        secrets,
        providers: exportable(providers),
    }));
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut nonce);
    let key =
        derive_key(password, &salt, params).map_err(|problem| Error::ExportFailed { problem })?;
    let aad = header_aad(version, params, &salt, &nonce);
    let ciphertext = Aes256Gcm::new((&*key).into())
        .encrypt(
            Nonce::from_slice(&nonce),
            AeadPayload {
                msg: &payload,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| Error::ExportFailed {
            problem: "encryption failed".into(),
        })?;
    let file = EncryptedFile {
        format: FORMAT_NAME.into(),
        version,
        encryption: "aes-256-gcm".into(),
        kdf: KdfBlock {
            algorithm: "argon2id".into(),
            params,
            salt: B64.encode(salt),
        },
        nonce: B64.encode(nonce),
        ciphertext: B64.encode(ciphertext),
    };
    let mut out = Zeroizing::new(to_json(&file));
    out.push(b'\n');
    Ok(out)
}

/// Version 1 unless the file holds a link or a provider.
fn version_for(secrets: &[SecretOut<'_>], providers: &[ProviderConfig]) -> u64 {
    if providers.is_empty() && secrets.iter().all(|s| s.link.is_none()) {
        EXPORT_VERSION
    } else {
        EXPORT_VERSION_LINKS
    }
}

/// Providers as exported: settings only (what was learned about a token's
/// expiry on this computer stays here).
fn exportable(providers: &[ProviderConfig]) -> Vec<ProviderConfig> {
    providers
        .iter()
        .cloned()
        .map(|mut p| {
            if let ProviderKind::Vault { token_expires, .. } = &mut p.kind {
                *token_expires = None;
            }
            p
        })
        .collect()
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec_pretty(value)
        .unwrap_or_else(|_| unreachable!("export structs always serialize"))
}

/// The associated data of an encrypted file: its header, in a fixed text form.
fn header_aad(version: u64, params: KdfParams, salt: &[u8], nonce: &[u8]) -> String {
    format!(
        "{FORMAT_NAME}\nversion={version}\nencryption=aes-256-gcm\nkdf=argon2id\n\
         memory_kib={}\niterations={}\nparallelism={}\nsalt={}\nnonce={}\n",
        params.memory_kib,
        params.iterations,
        params.parallelism,
        B64.encode(salt),
        B64.encode(nonce)
    )
}

fn derive_key(
    password: &SecretString,
    salt: &[u8],
    params: KdfParams,
) -> std::result::Result<Zeroizing<[u8; 32]>, String> {
    params.check()?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            Some(32),
        )
        .map_err(|e| format!("Argon2id parameters rejected: {e}"))?,
    );
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password.expose_secret().as_bytes(), salt, &mut *key)
        .map_err(|e| format!("Argon2id failed: {e}"))?;
    Ok(key)
}

/// Whether a parsed JSON object is a Coffer export (by its `format` field).
pub(crate) fn is_coffer(format: Option<&str>) -> bool {
    format == Some(FORMAT_NAME)
}

/// Reads a Coffer export whose `header` the probe already read; `password`
/// is needed for an encrypted one.
pub(crate) fn read(
    text: &str,
    header: &Header,
    password: Option<&SecretString>,
) -> std::result::Result<Vec<Incoming>, FileError> {
    let version = match &header.version {
        Some(serde_json::Value::Number(n))
            if n.as_u64() == Some(EXPORT_VERSION) || n.as_u64() == Some(EXPORT_VERSION_LINKS) =>
        {
            n.as_u64().unwrap_or(EXPORT_VERSION)
        }
        Some(serde_json::Value::Number(n)) => {
            return Err(FileError::UnsupportedVersion(format!(
                "Coffer export version {n} is not supported (this Coffer reads versions {EXPORT_VERSION} and {EXPORT_VERSION_LINKS}); upgrade Coffer"
            )))
        }
        Some(other) => return Err(FileError::Invalid(format!("`version` must be a number, found {other}"))),
        None => return Err(FileError::Invalid("the `version` field is missing".into())),
    };
    match header.encryption.as_deref() {
        Some("none") => {
            let file: PlaintextFile<Capped<SecretIn>> =
                serde_json::from_str(text).map_err(FileError::json)?;
            convert(version, file.secrets.0, file.providers)
        }
        Some("aes-256-gcm") => {
            // Shape and KDF bounds first: a hostile file is refused before anyone is asked for a password.
            let sealed = parse_encrypted(text)?;
            let password = password.ok_or(FileError::PasswordRequired)?;
            let payload = decrypt(&sealed, password)?;
            // Through FileError::json: serde quotes offending values, which here are secrets.
            let payload: Payload<Capped<SecretIn>> =
                serde_json::from_slice(&payload).map_err(|e| match FileError::json(e) {
                    FileError::Invalid(why) => {
                        FileError::Invalid(format!("the decrypted payload: {why}"))
                    }
                    other => other,
                })?;
            convert(version, payload.secrets.0, payload.providers)
        }
        Some(other) => Err(FileError::Invalid(format!(
            "unknown encryption {other:?}; expected \"none\" or \"aes-256-gcm\""
        ))),
        None => Err(FileError::Invalid(
            "the `encryption` field is missing".into(),
        )),
    }
}

/// An encrypted file whose shape and KDF parameters passed the checks.
struct Sealed {
    version: u64,
    params: KdfParams,
    salt: Vec<u8>,
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
}

fn parse_encrypted(text: &str) -> std::result::Result<Sealed, FileError> {
    let file: EncryptedFile = serde_json::from_str(text).map_err(FileError::json)?;
    if file.kdf.algorithm != "argon2id" {
        return Err(FileError::Invalid(format!(
            "unknown KDF {:?}; expected \"argon2id\"",
            file.kdf.algorithm
        )));
    }
    file.kdf.params.check().map_err(FileError::KdfLimits)?;
    Ok(Sealed {
        version: file.version,
        params: file.kdf.params,
        salt: decode(&file.kdf.salt, "kdf.salt", SALT_LEN)?,
        nonce: decode(&file.nonce, "nonce", NONCE_LEN)?,
        ciphertext: B64
            .decode(file.ciphertext.as_bytes())
            .map_err(|e| FileError::Invalid(format!("`ciphertext` is not valid base64: {e}")))?,
    })
}

fn decrypt(
    sealed: &Sealed,
    password: &SecretString,
) -> std::result::Result<Zeroizing<Vec<u8>>, FileError> {
    let key = derive_key(password, &sealed.salt, sealed.params).map_err(FileError::KdfLimits)?;
    let aad = header_aad(sealed.version, sealed.params, &sealed.salt, &sealed.nonce);
    Aes256Gcm::new((&*key).into())
        .decrypt(
            Nonce::from_slice(&sealed.nonce),
            AeadPayload {
                msg: &sealed.ciphertext,
                aad: aad.as_bytes(),
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| FileError::WrongPassword)
}

fn decode(text: &str, field: &str, len: usize) -> std::result::Result<Vec<u8>, FileError> {
    let bytes = B64
        .decode(text.as_bytes())
        .map_err(|e| FileError::Invalid(format!("`{field}` is not valid base64: {e}")))?;
    if bytes.len() != len {
        return Err(FileError::Invalid(format!(
            "`{field}` must be {len} bytes, found {}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

fn convert(
    version: u64,
    secrets: Vec<SecretIn>,
    providers: Vec<ProviderConfig>,
) -> std::result::Result<Vec<Incoming>, FileError> {
    if version == EXPORT_VERSION
        && (!providers.is_empty() || secrets.iter().any(|s| s.link.is_some()))
    {
        return Err(FileError::Invalid(
            "a version 1 file cannot hold linked secrets or providers (they came with version 2)"
                .into(),
        ));
    }
    for (i, p) in providers.iter().enumerate() {
        p.check()
            .map_err(|e| FileError::Invalid(format!("provider #{}: {e}", i + 1)))?;
        if providers[..i].iter().any(|q| q.name == p.name) {
            return Err(FileError::Invalid(format!(
                "provider {:?} is listed twice",
                p.name
            )));
        }
    }
    secrets
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let time = |t: &str, field: &str| {
                Timestamp::parse_rfc3339(t).ok_or_else(|| {
                    FileError::Invalid(format!(
                        "secret #{}: `{field}` is not an RFC 3339 time: {t:?}",
                        i + 1
                    ))
                })
            };
            let link = match s.link {
                None => None,
                Some(link) => {
                    link.location
                        .check()
                        .map_err(|e| FileError::Invalid(format!("secret #{}: {e}", i + 1)))?;
                    let provider = providers
                        .iter()
                        .find(|p| p.name == link.provider)
                        .ok_or_else(|| {
                            FileError::Invalid(format!(
                                "secret #{} is linked to provider {:?}, which the file does not list",
                                i + 1,
                                link.provider
                            ))
                        })?;
                    if provider.kind() != link.location.kind() {
                        return Err(FileError::Invalid(format!(
                            "secret #{}: its link is for a {} provider, but {:?} is a {} provider",
                            i + 1,
                            link.location.kind().name(),
                            provider.name,
                            provider.kind().name()
                        )));
                    }
                    if !s.value.is_empty() {
                        return Err(FileError::Invalid(format!(
                            "secret #{} is linked, so its value must be empty",
                            i + 1
                        )));
                    }
                    Some(IncomingLink {
                        provider: provider.clone(),
                        link,
                    })
                }
            };
            Ok(Incoming {
                created_at: Some(time(&s.created_at, "created_at")?),
                updated_at: Some(time(&s.updated_at, "updated_at")?),
                name: s.name,
                value: SecretString::from(s.value),
                enabled: Some(s.enabled),
                allowed_domains: Some(s.allowed_domains),
                note: Some(s.note),
                flagged_secret: false,
                link,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(name: &str, value: &'static str) -> SecretOut<'static> {
        SecretOut {
            name: Box::leak(name.to_owned().into_boxed_str()),
            value,
            enabled: true,
            allowed_domains: &[],
            note: "",
            created_at: Timestamp(1_700_000_000_000).rfc3339(),
            updated_at: Timestamp(1_700_000_000_123).rfc3339(),
            link: None,
        }
    }

    fn password(p: &str) -> SecretString {
        SecretString::from(p.to_owned())
    }

    fn read(
        text: &str,
        password: Option<&SecretString>,
    ) -> std::result::Result<Vec<Incoming>, FileError> {
        let header: Header = serde_json::from_str(text).map_err(FileError::json)?;
        super::read(text, &header, password)
    }

    const FAST: KdfParams = KdfParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    #[test]
    fn plaintext_write_parse_write_is_identical() {
        let bytes = write_plaintext(&[out("a", "1"), out("b", "")], &[], Timestamp(0));
        let text = std::str::from_utf8(&bytes).expect("utf-8");
        let read_back = read(text, None).expect("reads");
        let again: Vec<SecretOut<'_>> = read_back
            .iter()
            .map(|s| SecretOut {
                name: &s.name,
                value: s.value.expose_secret(),
                enabled: s.enabled.unwrap_or(true),
                allowed_domains: s.allowed_domains.as_deref().unwrap_or_default(),
                note: s.note.as_deref().unwrap_or_default(),
                created_at: s.created_at.map(|t| t.rfc3339()).unwrap_or_default(),
                updated_at: s.updated_at.map(|t| t.rfc3339()).unwrap_or_default(),
                link: None,
            })
            .collect();
        assert_eq!(*write_plaintext(&again, &[], Timestamp(0)), *bytes);
    }

    #[test]
    fn encrypted_round_trips_and_wrong_password_is_one_class() {
        let bytes = write_encrypted(
            &[out("a", "sk_1")],
            &[],
            Timestamp(0),
            &password("right password!"),
            FAST,
        )
        .expect("encrypts");
        let text = std::str::from_utf8(&bytes).expect("utf-8");
        assert!(!text.contains("sk_1"));
        let got = read(text, Some(&password("right password!"))).expect("decrypts");
        assert_eq!(got[0].value.expose_secret(), "sk_1");
        assert!(matches!(
            read(text, Some(&password("wrong password!"))),
            Err(FileError::WrongPassword)
        ));
        assert!(matches!(read(text, None), Err(FileError::PasswordRequired)));
    }

    #[test]
    fn every_header_field_is_bound() {
        let bytes = write_encrypted(&[out("a", "v")], &[], Timestamp(0), &password("pw"), FAST)
            .expect("encrypts");
        let file: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        let tweak = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = file.clone();
            f(&mut v);
            read(&v.to_string(), Some(&password("pw")))
        };
        // Changing a KDF parameter (within bounds) or the salt or nonce breaks authentication.
        assert!(matches!(
            tweak(&|v| v["kdf"]["iterations"] = 3.into()),
            Err(FileError::WrongPassword)
        ));
        assert!(matches!(
            tweak(&|v| v["kdf"]["memory_kib"] = (20 * 1024).into()),
            Err(FileError::WrongPassword)
        ));
        assert!(matches!(
            tweak(&|v| v["kdf"]["parallelism"] = 2.into()),
            Err(FileError::WrongPassword)
        ));
        assert!(matches!(
            tweak(&|v| v["kdf"]["salt"] = B64.encode([7u8; 16]).into()),
            Err(FileError::WrongPassword)
        ));
        assert!(matches!(
            tweak(&|v| v["nonce"] = B64.encode([7u8; 12]).into()),
            Err(FileError::WrongPassword)
        ));
        // The version is bound too: a version 1 file relabelled 2 does not open.
        assert!(matches!(
            tweak(&|v| v["version"] = 2.into()),
            Err(FileError::WrongPassword)
        ));
        assert!(matches!(
            tweak(&|v| v["version"] = 3.into()),
            Err(FileError::UnsupportedVersion(_))
        ));
    }

    #[test]
    fn a_malformed_encrypted_payload_never_quotes_a_value() {
        // Seal a payload whose `enabled` holds a secret-looking string.
        let payload = br#"{"exported_at":"2026-01-01T00:00:00Z","secrets":[{"name":"a","value":"v","enabled":"sk_live_LEAK","allowed_domains":[],"note":"","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}]}"#;
        let mut salt = [0u8; SALT_LEN];
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut salt);
        OsRng.fill_bytes(&mut nonce);
        let key = derive_key(&password("pw"), &salt, FAST).expect("key");
        let aad = header_aad(1, FAST, &salt, &nonce);
        let ct = Aes256Gcm::new((&*key).into())
            .encrypt(
                Nonce::from_slice(&nonce),
                AeadPayload {
                    msg: payload,
                    aad: aad.as_bytes(),
                },
            )
            .expect("seal");
        let file = serde_json::json!({
            "format": FORMAT_NAME, "version": 1, "encryption": "aes-256-gcm",
            "kdf": {"algorithm": "argon2id", "memory_kib": FAST.memory_kib, "iterations": FAST.iterations,
                    "parallelism": FAST.parallelism, "salt": B64.encode(salt)},
            "nonce": B64.encode(nonce), "ciphertext": B64.encode(ct),
        });
        match read(&file.to_string(), Some(&password("pw"))) {
            Err(FileError::Invalid(why)) => {
                assert!(why.contains("decrypted payload"), "{why}");
                assert!(!why.contains("sk_live_LEAK"), "{why}");
            }
            _ => panic!("accepted"),
        }
    }

    #[test]
    fn kdf_parameters_are_bounded_before_hashing() {
        for (m, t, p, needle) in [
            (2 * 1024 * 1024, 3, 4, "above the limit of 1048576 KiB"),
            (1024, 3, 4, "below the minimum of 19456 KiB"),
            (65536, 11, 4, "iterations 11 is above the limit of 10"),
            (65536, 1, 4, "iterations 1 is below the minimum of 2"),
            (65536, 3, 17, "parallelism 17 is above the limit of 16"),
            (65536, 3, 0, "parallelism 0 is below the minimum of 1"),
        ] {
            let err = KdfParams {
                memory_kib: m,
                iterations: t,
                parallelism: p,
            }
            .check()
            .expect_err(needle);
            assert!(err.contains(needle), "{err}");
        }
        assert!(KdfParams::default().check().is_ok());
    }

    /// The plaintext test vector of `docs/export-format.md`, written anew
    /// from what it reads, is the same bytes.
    const PLAINTEXT: &[u8] = include_bytes!("../../../../docs/vectors/v1-plaintext.json");

    #[test]
    fn plaintext_vector_write_parse_write_is_byte_identical() {
        let set = crate::formats::read_import(
            crate::formats::ImportSource::Text {
                label: "vector",
                bytes: PLAINTEXT,
            },
            None,
            None,
            &crate::policy::Policy::default(),
        )
        .expect("reads");
        let file: serde_json::Value = serde_json::from_slice(PLAINTEXT).expect("json");
        let exported_at =
            Timestamp::parse_rfc3339(file["exported_at"].as_str().expect("exported_at"))
                .expect("time");
        let times: Vec<(String, String)> = set
            .secrets
            .iter()
            .map(|s| {
                let t = |t: Option<Timestamp>| t.map(Timestamp::rfc3339).unwrap_or_default();
                (t(s.created_at), t(s.updated_at))
            })
            .collect();
        let out: Vec<SecretOut<'_>> = set
            .secrets
            .iter()
            .zip(&times)
            .map(|(s, (c, u))| SecretOut {
                name: &s.name,
                value: s.value.expose_secret(),
                enabled: s.enabled.unwrap_or(true),
                allowed_domains: s.allowed_domains.as_deref().unwrap_or_default(),
                note: s.note.as_deref().unwrap_or_default(),
                created_at: c.clone(),
                updated_at: u.clone(),
                link: None,
            })
            .collect();
        assert_eq!(&*write_plaintext(&out, &[], exported_at), PLAINTEXT);
    }
}
