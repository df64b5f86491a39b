//! Bitwarden JSON exports: unencrypted, and password-protected
//! (`"passwordProtected": true`).
//!
//! A password-protected export derives a key from the password and the
//! file's `salt` (PBKDF2-SHA256, `kdfType` 0, or Argon2id over SHA-256 of the
//! salt, `kdfType` 1, memory in MiB), stretches it with HKDF-Expand into an
//! encryption key (info `enc`) and a MAC key (info `mac`), and seals `data`
//! as a type-2 string `2.<iv>|<ciphertext>|<mac>`: AES-256-CBC with PKCS#7,
//! HMAC-SHA256 over iv ‖ ciphertext.
//!
//! Mapping: every item becomes secrets named after it — a login's
//! `NAME/password`, `NAME/username`, `NAME/totp`; a card's `NAME/number` and
//! `NAME/code`; a secure note's `NAME`; every custom field `NAME/FIELD`. A
//! login's URIs become allowed domains; the item's notes become each secret's
//! note (or a `NAME/notes` secret when they are too long to be a note).

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::entry::{secrets_of, Entry};
use super::incoming::{counted, Capped, FileError, Incoming};

/// PBKDF2 iterations accepted from a file (Bitwarden's own minimum is 5,000; its default 600,000).
pub const PBKDF2_ITERATIONS_RANGE: (u32, u32) = (5_000, 5_000_000);
/// Argon2id memory in MiB, iterations and parallelism accepted from a file.
pub const ARGON2_MEMORY_MIB_RANGE: (u32, u32) = (15, 1024);
pub const ARGON2_ITERATIONS_RANGE: (u32, u32) = (2, 10);
pub const ARGON2_PARALLELISM_RANGE: (u32, u32) = (1, 16);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Header {
    encrypted: Option<bool>,
    password_protected: Option<bool>,
    salt: Option<String>,
    kdf_type: Option<u32>,
    kdf_iterations: Option<u32>,
    kdf_memory: Option<u32>,
    kdf_parallelism: Option<u32>,
    #[serde(rename = "encKeyValidation_DO_NOT_EDIT")]
    enc_key_validation: Option<String>,
    data: Option<String>,
}

#[derive(Deserialize)]
struct Export {
    #[serde(default)]
    items: Capped<Item>,
    #[serde(default)]
    folders: Capped<Folder>,
    /// An organization export's folders.
    #[serde(default)]
    collections: Capped<Folder>,
}

#[derive(Deserialize)]
struct Folder {
    id: Option<String>,
    name: Option<String>,
}

/// What a value can be in: wiped when dropped, and moved (never copied) into
/// the secret it becomes.
type Wiped = Option<Zeroizing<String>>;

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    id: Option<String>,
    name: String,
    #[serde(default, rename = "folderId")]
    folder_id: Option<String>,
    #[serde(default, rename = "collectionIds")]
    collection_ids: Option<Vec<String>>,
    #[serde(rename = "type")]
    kind: u32,
    /// A secure note's value, or an item's note.
    #[serde(default)]
    notes: Wiped,
    #[serde(default)]
    fields: Option<Vec<Field>>,
    #[serde(default)]
    login: Option<Login>,
    #[serde(default)]
    card: Option<Card>,
    #[serde(default, rename = "sshKey")]
    ssh_key: Option<SshKey>,
    #[serde(default, rename = "passwordHistory")]
    password_history: Option<Vec<serde::de::IgnoredAny>>,
}

#[derive(Deserialize)]
struct SshKey {
    #[serde(default, rename = "privateKey")]
    private_key: Wiped,
    #[serde(default, rename = "publicKey")]
    public_key: Wiped,
}

#[derive(Deserialize)]
struct Field {
    name: Option<String>,
    #[serde(default)]
    value: Wiped,
    #[serde(rename = "type", default)]
    kind: u32,
}

#[derive(Deserialize)]
struct Login {
    #[serde(default)]
    username: Wiped,
    #[serde(default)]
    password: Wiped,
    #[serde(default)]
    totp: Wiped,
    #[serde(default)]
    uris: Option<Vec<Uri>>,
    #[serde(default, rename = "fido2Credentials")]
    passkeys: Option<Vec<serde::de::IgnoredAny>>,
}

#[derive(Deserialize)]
struct Uri {
    uri: Option<String>,
}

#[derive(Deserialize)]
struct Card {
    #[serde(default)]
    number: Wiped,
    #[serde(default)]
    code: Wiped,
    #[serde(default, rename = "cardholderName")]
    holder: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    brand: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "expMonth")]
    exp_month: Option<serde::de::IgnoredAny>,
    #[serde(default, rename = "expYear")]
    exp_year: Option<serde::de::IgnoredAny>,
}

/// Whether a JSON object looks like a Bitwarden export.
pub(crate) fn is_bitwarden(has_items: bool, has_encrypted: bool) -> bool {
    has_items || has_encrypted
}

/// Reads a Bitwarden export; `password` opens a password-protected one.
/// Also says whether anything was decrypted: whether the import counts as
/// encrypted follows from that, never from a flag the file sets.
pub(crate) fn read(
    text: &str,
    password: Option<&SecretString>,
) -> Result<(Mapped, bool), FileError> {
    let header: Header = serde_json::from_str(text).map_err(FileError::json)?;
    if header.encrypted != Some(true) {
        let export: Export = serde_json::from_str(text).map_err(FileError::json)?;
        return Ok((map_export(export), false));
    }
    if header.password_protected != Some(true) {
        return Err(FileError::Invalid(
            "this Bitwarden export is encrypted with its account key, which only Bitwarden can open; export again choosing \"Password protected\" or unencrypted JSON".into(),
        ));
    }
    // KDF bounds first: a hostile file is refused before anyone is asked for a password.
    check_kdf(&header)?;
    let password = password.ok_or(FileError::PasswordRequired)?;
    let (enc_key, mac_key) = derive_keys(&header, password)?;
    let validation = header.enc_key_validation.as_deref().ok_or_else(|| {
        FileError::Invalid("the `encKeyValidation_DO_NOT_EDIT` field is missing".into())
    })?;
    // Checks the password before the (larger) data is touched.
    decrypt_string(validation, &enc_key, &mac_key)?;
    let data = header
        .data
        .as_deref()
        .ok_or_else(|| FileError::Invalid("the `data` field is missing".into()))?;
    let plain = decrypt_string(data, &enc_key, &mac_key)?;
    let export: Export = serde_json::from_slice(&plain).map_err(|e| {
        FileError::Invalid(format!(
            "the decrypted data is malformed (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    Ok((map_export(export), true))
}

type Key = Zeroizing<[u8; 32]>;

/// The stretched encryption and MAC keys of a password-protected export.
fn derive_keys(header: &Header, password: &SecretString) -> Result<(Key, Key), FileError> {
    derive_master(header, password).map(|master| stretch(&master))
}

/// Checks the KDF type and parameters against the bounds, without hashing.
fn check_kdf(header: &Header) -> Result<(), FileError> {
    let iterations = header.kdf_iterations.unwrap_or(0);
    match header.kdf_type {
        Some(0) => bound("PBKDF2 iterations", iterations, PBKDF2_ITERATIONS_RANGE),
        Some(1) => {
            bound(
                "Argon2id memory (MiB)",
                header.kdf_memory.unwrap_or(0),
                ARGON2_MEMORY_MIB_RANGE,
            )?;
            bound("Argon2id iterations", iterations, ARGON2_ITERATIONS_RANGE)?;
            bound(
                "Argon2id parallelism",
                header.kdf_parallelism.unwrap_or(0),
                ARGON2_PARALLELISM_RANGE,
            )
        }
        Some(other) => Err(FileError::Invalid(format!(
            "unknown kdfType {other}; expected 0 (PBKDF2) or 1 (Argon2id)"
        ))),
        None => Err(FileError::Invalid("the `kdfType` field is missing".into())),
    }
}

/// The key the KDF makes from the password and salt, before stretching.
fn derive_master(header: &Header, password: &SecretString) -> Result<Key, FileError> {
    let salt = header
        .salt
        .as_deref()
        .ok_or_else(|| FileError::Invalid("the `salt` field is missing".into()))?;
    let iterations = header
        .kdf_iterations
        .ok_or_else(|| FileError::Invalid("the `kdfIterations` field is missing".into()))?;
    let mut master = Zeroizing::new([0u8; 32]);
    match header.kdf_type {
        Some(0) => {
            bound("PBKDF2 iterations", iterations, PBKDF2_ITERATIONS_RANGE)?;
            pbkdf2::pbkdf2_hmac::<Sha256>(
                password.expose_secret().as_bytes(),
                salt.as_bytes(),
                iterations,
                &mut *master,
            );
        }
        Some(1) => {
            let memory = header
                .kdf_memory
                .ok_or_else(|| FileError::Invalid("the `kdfMemory` field is missing".into()))?;
            let parallelism = header.kdf_parallelism.ok_or_else(|| {
                FileError::Invalid("the `kdfParallelism` field is missing".into())
            })?;
            bound("Argon2id memory (MiB)", memory, ARGON2_MEMORY_MIB_RANGE)?;
            bound("Argon2id iterations", iterations, ARGON2_ITERATIONS_RANGE)?;
            bound(
                "Argon2id parallelism",
                parallelism,
                ARGON2_PARALLELISM_RANGE,
            )?;
            let params = argon2::Params::new(memory * 1024, iterations, parallelism, Some(32))
                .map_err(|e| FileError::KdfLimits(format!("Argon2id parameters rejected: {e}")))?;
            let salt_hash = Sha256::digest(salt.as_bytes());
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password_into(
                    password.expose_secret().as_bytes(),
                    &salt_hash,
                    &mut *master,
                )
                .map_err(|e| FileError::KdfLimits(format!("Argon2id failed: {e}")))?;
        }
        Some(other) => {
            return Err(FileError::Invalid(format!(
                "unknown kdfType {other}; expected 0 (PBKDF2) or 1 (Argon2id)"
            )))
        }
        None => return Err(FileError::Invalid("the `kdfType` field is missing".into())),
    }
    Ok(master)
}

fn bound(what: &str, v: u32, (lo, hi): (u32, u32)) -> Result<(), FileError> {
    if v < lo {
        Err(FileError::KdfLimits(format!(
            "{what} {v} is below the minimum of {lo}"
        )))
    } else if v > hi {
        Err(FileError::KdfLimits(format!(
            "{what} {v} is above the limit of {hi}"
        )))
    } else {
        Ok(())
    }
}

/// HKDF-Expand (no extract) of the master key into the `enc` and `mac` keys.
fn stretch(master: &[u8; 32]) -> (Key, Key) {
    let hk =
        Hkdf::<Sha256>::from_prk(master).unwrap_or_else(|_| unreachable!("a 32-byte PRK is valid"));
    let mut enc = Zeroizing::new([0u8; 32]);
    let mut mac = Zeroizing::new([0u8; 32]);
    if hk.expand(b"enc", &mut *enc).is_err() || hk.expand(b"mac", &mut *mac).is_err() {
        unreachable!("HKDF-SHA256 can always expand 32 bytes");
    }
    (enc, mac)
}

/// Opens a type-2 string `2.iv|ct|mac`. A bad MAC is "wrong password or damaged file".
fn decrypt_string(
    text: &str,
    enc_key: &[u8; 32],
    mac_key: &[u8; 32],
) -> Result<Zeroizing<Vec<u8>>, FileError> {
    let body = text.strip_prefix("2.").ok_or_else(|| {
        FileError::Invalid(
            "an encrypted string is not of type 2 (AES-256-CBC + HMAC-SHA256)".into(),
        )
    })?;
    let parts: Vec<&str> = body.split('|').collect();
    let [iv, ct, mac] = parts[..] else {
        return Err(FileError::Invalid(
            "an encrypted string does not have the three parts iv|data|mac".into(),
        ));
    };
    let decode = |s: &str, what: &str| {
        B64.decode(s.as_bytes()).map_err(|e| {
            FileError::Invalid(format!(
                "the {what} of an encrypted string is not valid base64: {e}"
            ))
        })
    };
    let (iv, ct, mac) = (decode(iv, "iv")?, decode(ct, "data")?, decode(mac, "mac")?);
    if iv.len() != 16 || mac.len() != 32 {
        return Err(FileError::Invalid(
            "an encrypted string has an iv or mac of the wrong length".into(),
        ));
    }
    let mut check = <Hmac<Sha256> as Mac>::new_from_slice(mac_key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    check.update(&iv);
    check.update(&ct);
    check
        .verify_slice(&mac)
        .map_err(|_| FileError::WrongPassword)?;
    let mut buf = Zeroizing::new(ct);
    let plain_len = cbc::Decryptor::<aes::Aes256>::new(enc_key.into(), iv.as_slice().into())
        .decrypt_padded_mut::<Pkcs7>(&mut buf)
        .map_err(|_| FileError::WrongPassword)?
        .len();
    buf.truncate(plain_len);
    Ok(buf)
}

/// What of a Bitwarden export has no place in Coffer, counted to be said.
#[derive(Default)]
struct LeftOut {
    identities: usize,
    passkeys: usize,
    card_details: usize,
    histories: usize,
    unknown: usize,
}

impl LeftOut {
    fn sentences(&self) -> Vec<String> {
        counted(&[
            (
                self.identities,
                "identity",
                "identities",
                "",
                " (names, addresses and such: their custom fields and notes are imported)",
            ),
            (
                self.passkeys,
                "passkey",
                "passkeys",
                "",
                " (a passkey cannot be moved out of Bitwarden)",
            ),
            (
                self.card_details,
                "card",
                "cards",
                "the holder, brand and expiry of ",
                "",
            ),
            (
                self.histories,
                "item",
                "items",
                "the password history of ",
                "",
            ),
            (
                self.unknown,
                "item",
                "items",
                "",
                " of a type Coffer does not know",
            ),
        ])
    }
}

/// The secrets of an export, and what became of it, said in words.
pub(crate) struct Mapped {
    pub(crate) items: Vec<Incoming>,
    /// What has no place in Coffer.
    pub(crate) left_out: Vec<String>,
    /// Items renamed to tell apart those that share a name.
    pub(crate) renamed: Vec<String>,
}

fn map_export(export: Export) -> Mapped {
    let folder_names: std::collections::HashMap<&str, &str> = export
        .folders
        .0
        .iter()
        .chain(&export.collections.0)
        .filter_map(|f| Some((f.id.as_deref()?, f.name.as_deref()?)))
        .collect();
    let mut left = LeftOut::default();
    let entries = export
        .items
        .0
        .into_iter()
        .map(|item| {
            let folder = item
                .folder_id
                .as_deref()
                .or_else(|| item.collection_ids.as_ref()?.first().map(String::as_str))
                .and_then(|id| folder_names.get(id).map(|name| (*name).to_owned()));
            entry_of(item, folder, &mut left)
        })
        .collect();
    let (items, renamed) = secrets_of(entries);
    Mapped {
        items,
        left_out: left.sentences(),
        renamed,
    }
}

/// An item as a password manager's entry (which becomes its secrets),
/// counting in `left` what of it has no place in Coffer.
fn entry_of(mut item: Item, group: Option<String>, left: &mut LeftOut) -> Entry {
    left.histories += usize::from(
        item.password_history
            .as_ref()
            .is_some_and(|h| !h.is_empty()),
    );
    let mut entry = Entry {
        title: std::mem::take(&mut item.name),
        group,
        id: item.id.take(),
        // A secure note's notes are its value.
        is_note: item.kind == 2,
        notes: item.notes.take().unwrap_or_default(),
        ..Entry::default()
    };
    fn field(entry: &mut Entry, name: &str, value: Wiped) {
        entry
            .fields
            .push((name.to_owned(), value.unwrap_or_default()));
    }
    match (item.kind, item.login.take(), item.card.take()) {
        (1, Some(login), _) => {
            left.passkeys += login.passkeys.as_ref().map_or(0, Vec::len);
            entry.urls = login
                .uris
                .into_iter()
                .flatten()
                .filter_map(|u| u.uri)
                .collect();
            entry.password = login.password.unwrap_or_default();
            entry.username = login.username.unwrap_or_default();
            entry.totp = login.totp.unwrap_or_default();
        }
        (1 | 2, _, _) => {}
        (3, _, Some(card)) => {
            let details = [&card.holder, &card.brand, &card.exp_month, &card.exp_year];
            left.card_details += usize::from(details.iter().any(|d| d.is_some()));
            field(&mut entry, "number", card.number);
            field(&mut entry, "code", card.code);
        }
        (3, _, None) => {}
        (4, _, _) => left.identities += 1,
        (5, _, _) => {
            // An SSH key: the private key is the secret; the public key
            // comes along so the pair stays together.
            if let Some(key) = item.ssh_key.take() {
                field(&mut entry, "private_key", key.private_key);
                field(&mut entry, "public_key", key.public_key);
            }
        }
        _ => left.unknown += 1,
    }
    for custom in item.fields.take().into_iter().flatten() {
        // Type 3 is a "linked" field: it has no value of its own.
        if custom.kind != 3 {
            if let Some(name) = custom.name.filter(|n| !n.is_empty()) {
                entry.fields.push((name, custom.value.unwrap_or_default()));
            }
        }
    }
    entry
}

#[cfg(test)]
mod tests;
