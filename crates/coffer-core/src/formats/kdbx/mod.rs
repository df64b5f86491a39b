//! KeePass and KeePassXC databases (`.kdbx`, KDBX 3.1 and 4.x), opened with
//! their password and, if they have one, their key file.
//!
//! The header is read and bounded first ([`header`]), before any password
//! is asked for; only then does the `keepass` crate decrypt the file.
//!
//! Mapping: every entry outside the recycle bin becomes secrets named by
//! its group path and title (`Work/Cloud/AWS/password`), like a Bitwarden
//! item: `…/password`, `…/username`, `…/totp` (KeePass's `otp` field),
//! every other field `…/FIELD`; the URL becomes an allowed domain, the
//! notes a note. Field references (`{REF:P@I:…}`) are resolved. History,
//! attachments and the recycle bin are named as left out.

mod header;

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::entry::{secrets_of, Entry};
use super::incoming::{counted, FileError, Incoming};
pub(crate) use header::is_keepass;

/// Largest key file read: a key file may be any file, but not a big one.
pub const KDBX_KEY_FILE_MAX_BYTES: usize = 16 * 1024 * 1024;

/// How deep field references are followed (`{REF:…}` to a value that is
/// itself a reference).
const REF_DEPTH_MAX: usize = 5;

/// How many references one value may follow in all.
const REF_BUDGET: usize = 64;

/// What a database gave.
pub(crate) struct Read {
    pub(crate) items: Vec<Incoming>,
    pub(crate) left_out: Vec<String>,
    pub(crate) notes: Vec<String>,
}

/// Opens a database with its password and key file (either may be absent,
/// not both).
pub(crate) fn read(
    bytes: &[u8],
    password: Option<&SecretString>,
    key_file: Option<&[u8]>,
) -> Result<Read, FileError> {
    // Bounds first: a hostile header is refused before anyone is asked for a password.
    header::check(bytes)?;
    if password.is_none() && key_file.is_none() {
        return Err(FileError::KeepassKeyRequired);
    }
    if let Some(key_file) = key_file {
        check_key_file(key_file)?;
    }
    let open = |password: Option<&SecretString>| {
        let mut key = keepass::DatabaseKey::new();
        if let Some(password) = password {
            key = key.with_password(password.expose_secret());
        }
        if let Some(key_file) = key_file {
            key = key
                .with_keyfile(&mut &key_file[..])
                .map_err(|_| FileError::Invalid("the key file cannot be read".into()))?;
        }
        keepass::Database::parse(bytes, key).map_err(open_error)
    };
    let db = match open(password) {
        // KeePass tells an empty password from none; a form left empty
        // beside a key file means none.
        Err(FileError::WrongPassword)
            if key_file.is_some() && password.is_some_and(|p| p.expose_secret().is_empty()) =>
        {
            open(None)
        }
        other => other,
    };
    match db {
        Ok(db) => Ok(map(&db)),
        Err(FileError::WrongPassword) => Err(FileError::KeepassWrongKey),
        Err(e) => Err(e),
    }
}

fn open_error(e: keepass::error::DatabaseOpenError) -> FileError {
    use keepass::error::DatabaseOpenError as E;
    match e {
        // KDBX 3 has no MAC over its header: a wrong key shows as a
        // decryption that fails, which a damaged file shows as too.
        E::Key(keepass::error::DatabaseKeyError::IncorrectKey) | E::Cryptography(_) => {
            FileError::WrongPassword
        }
        E::Key(_) => FileError::Invalid(
            "the key file is not one KeePass makes (XML, 32 bytes, 64 hex digits or any file)"
                .into(),
        ),
        E::UnsupportedVersion => FileError::UnsupportedVersion(
            "a KeePass database version Coffer does not read; save it again in KeePassXC".into(),
        ),
        // The crate's own words may quote the file's contents: not shown.
        _ => FileError::Invalid(
            "its password opened it, but what is inside could not be read (damaged?); open it in KeePassXC and save it again"
                .into(),
        ),
    }
}

/// Refuses a key file that is too big, and an XML key file (version 2)
/// whose hash does not match its data, as KeePass does.
fn check_key_file(bytes: &[u8]) -> Result<(), FileError> {
    if bytes.len() > KDBX_KEY_FILE_MAX_BYTES {
        return Err(FileError::Invalid(format!(
            "the key file is {} bytes; a key file is at most {KDBX_KEY_FILE_MAX_BYTES} bytes",
            bytes.len()
        )));
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(());
    };
    if !text.contains("<KeyFile") || !text.contains("<Version>2.0</Version>") {
        return Ok(());
    }
    let damaged =
        || FileError::Invalid("the key file is damaged: its data does not match its hash".into());
    let after = |s: &'static str| text.split_once(s).map(|(_, rest)| rest);
    let hash = after("Hash=\"")
        .and_then(|r| r.split_once('"'))
        .map(|(h, _)| h)
        .ok_or_else(damaged)?;
    let data: String = after("<Data")
        .and_then(|r| r.split_once('>'))
        .and_then(|(_, r)| r.split_once("</Data>"))
        .map(|(d, _)| d.chars().filter(|c| !c.is_whitespace()).collect())
        .ok_or_else(damaged)?;
    let data = Zeroizing::new(data);
    if !data.len().is_multiple_of(2) || !data.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(damaged());
    }
    let raw: Zeroizing<Vec<u8>> = Zeroizing::new(
        (0..data.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(&data[i..i + 2], 16).ok())
            .collect(),
    );
    let digest = Sha256::digest(&raw[..]);
    let want: String = digest[..4].iter().map(|b| format!("{b:02X}")).collect();
    if !hash.eq_ignore_ascii_case(&want) {
        return Err(damaged());
    }
    Ok(())
}

/// The standard fields of an entry, by the letter a `{REF:…}` names them.
const REF_FIELDS: [(char, &str); 5] = [
    ('T', "Title"),
    ('U', "UserName"),
    ('P', "Password"),
    ('A', "URL"),
    ('N', "Notes"),
];

/// An entry's standard fields, in the order of [`REF_FIELDS`].
type Standard = [Zeroizing<String>; 5];

/// What of a database has no place in Coffer, counted to be said.
#[derive(Default)]
struct LeftOut {
    recycled: usize,
    histories: usize,
    attachments: usize,
    unresolved: usize,
}

fn map(db: &keepass::Database) -> Read {
    let recycle_bin = db.recycle_bin().map(|g| g.id());
    // The standard fields of every entry (the recycle bin's too), by id,
    // for the references to them.
    let mut by_id: HashMap<String, Standard> = HashMap::new();
    let mut live = Vec::new();
    let mut left = LeftOut::default();
    let mut stack = vec![(db.root().id(), Vec::<String>::new(), false)];
    while let Some((group_id, path, recycled)) = stack.pop() {
        let Some(group) = db.group(group_id) else {
            continue;
        };
        for entry_id in group.entry_ids() {
            let Some(entry) = db.entry(entry_id) else {
                continue;
            };
            by_id.insert(
                id_of(&entry),
                REF_FIELDS.map(|(_, key)| field_of(&entry, key)),
            );
            if recycled {
                left.recycled += 1;
            } else {
                live.push((path.clone(), entry_id));
            }
        }
        // Pushed in reverse so that groups are walked in file order.
        let children: Vec<_> = group.group_ids().collect();
        for child_id in children.into_iter().rev() {
            let Some(child) = db.group(child_id) else {
                continue;
            };
            let mut child_path = path.clone();
            if !child.name.trim().is_empty() {
                child_path.push(child.name.trim().to_owned());
            }
            let in_bin = recycled || Some(child_id) == recycle_bin;
            stack.push((child_id, child_path, in_bin));
        }
    }
    let mut entries = Vec::new();
    for (path, entry_id) in live {
        let Some(entry) = db.entry(entry_id) else {
            continue;
        };
        left.histories += usize::from(
            entry
                .history
                .as_ref()
                .is_some_and(|h| !h.get_entries().is_empty()),
        );
        left.attachments += entry.attachments().count();
        let mut resolve = |text: Zeroizing<String>| {
            let mut budget = REF_BUDGET;
            let (value, unresolved) = resolve_refs(&text, &by_id, 0, &mut budget);
            left.unresolved += unresolved;
            value
        };
        let title = resolve(field_of(&entry, "Title"));
        let url = resolve(field_of(&entry, "URL"));
        let mut title = title.trim().to_owned();
        if title.is_empty() {
            title = super::entry::host_of(&url).unwrap_or_else(|| "untitled".into());
        }
        let mut fields: Vec<(String, Zeroizing<String>)> = entry
            .fields
            .keys()
            .filter(|k| {
                !matches!(
                    k.as_str(),
                    "Title" | "UserName" | "Password" | "URL" | "Notes" | "otp"
                )
            })
            .map(|k| (k.clone(), resolve(field_of(&entry, k))))
            .collect();
        // The crate keeps fields in a map: sorted, so the order is stable.
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        entries.push(Entry {
            title: path
                .iter()
                .map(String::as_str)
                .chain([title.as_str()])
                .collect::<Vec<_>>()
                .join("/"),
            group: None,
            id: Some(id_of(&entry)),
            is_note: false,
            password: resolve(field_of(&entry, "Password")),
            username: resolve(field_of(&entry, "UserName")),
            totp: field_of(&entry, "otp"),
            urls: vec![url.to_string()],
            notes: resolve(field_of(&entry, "Notes")),
            fields,
        });
    }
    let (items, renamed) = secrets_of(entries);
    Read {
        items,
        left_out: left.sentences(),
        notes: super::names::renamed_note(&renamed),
    }
}

/// A field of an entry, empty when it has none.
fn field_of(entry: &keepass::db::Entry, key: &str) -> Zeroizing<String> {
    Zeroizing::new(
        entry
            .fields
            .get(key)
            .map(|v| v.get().clone())
            .unwrap_or_default(),
    )
}

/// An entry's id as KeePass writes it in references: 32 hex digits, upper case.
fn id_of(entry: &keepass::db::EntryRef<'_>) -> String {
    entry.id().uuid().simple().to_string().to_uppercase()
}

/// `text` with every `{REF:F@I:ID}` to a standard field of another entry
/// replaced by that field's value, and how many could not be: unknown,
/// too deep, or past the work one value may cost (`budget` substitutions,
/// and no longer than a secret may be), so that entries referring to each
/// other many times over cannot blow a small file up.
fn resolve_refs(
    text: &str,
    by_id: &HashMap<String, Standard>,
    depth: usize,
    budget: &mut usize,
) -> (Zeroizing<String>, usize) {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut unresolved = 0;
    let mut rest = text;
    // Placeholders are case-insensitive in KeePass.
    let start = |s: &str| {
        s.as_bytes()
            .windows(5)
            .position(|w| w.eq_ignore_ascii_case(b"{REF:"))
    };
    while let Some(at) = start(rest) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(end) = tail.find('}') else {
            out.push_str(tail);
            rest = "";
            break;
        };
        let inner = Zeroizing::new(tail[5..end].to_ascii_uppercase());
        let target = inner
            .split_once("@I:")
            .filter(|_| depth < REF_DEPTH_MAX)
            .and_then(|(letter, id)| {
                let letter = letter.chars().next()?.to_ascii_uppercase();
                let slot = REF_FIELDS.iter().position(|(l, _)| *l == letter)?;
                Some(&by_id.get(id)?[slot])
            });
        let target = target.filter(|_| *budget > 0);
        match target {
            Some(value) => {
                *budget -= 1;
                let (value, more) = resolve_refs(value, by_id, depth + 1, budget);
                if out.len() + value.len() > crate::secret::VALUE_MAX_BYTES {
                    out.push_str(&tail[..=end]);
                    unresolved += 1;
                } else {
                    out.push_str(&value);
                    unresolved += more;
                }
            }
            None => {
                out.push_str(&tail[..=end]);
                unresolved += 1;
            }
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    (out, unresolved)
}

impl LeftOut {
    fn sentences(&self) -> Vec<String> {
        counted(&[
            (self.recycled, "entry", "entries", "", " in the recycle bin"),
            (self.histories, "entry", "entries", "the history of ", ""),
            (
                self.attachments,
                "attachment",
                "attachments",
                "",
                " (files are not secrets Coffer keeps)",
            ),
            (
                self.unresolved,
                "field reference",
                "field references",
                "",
                " to other entries that could not be followed (kept as written)",
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kdbx/");

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{DIR}{name}")).expect("fixture")
    }

    fn pw(p: &str) -> SecretString {
        SecretString::from(p.to_owned())
    }

    #[test]
    fn a_wrong_password_is_told_as_such_in_kdbx_3_and_4() {
        for (file, right) in [
            ("keepassxc__ProtectedStrings.kdbx", "masterpw"),
            ("keepassxc__Format400.kdbx", "t"),
        ] {
            let db = fixture(file);
            assert!(
                matches!(
                    read(&db, Some(&pw("nope")), None),
                    Err(FileError::KeepassWrongKey)
                ),
                "{file}"
            );
            assert!(
                matches!(read(&db, None, None), Err(FileError::KeepassKeyRequired)),
                "{file}"
            );
            assert!(read(&db, Some(&pw(right)), None).is_ok(), "{file}");
        }
    }

    #[test]
    fn an_empty_password_beside_a_key_file_means_none() {
        let db = fixture("keepassxc__FileKeyXmlV2.kdbx");
        let key = fixture("keepassxc__FileKeyXmlV2.keyx");
        assert!(read(&db, Some(&pw("")), Some(&key)).is_ok());
        assert!(matches!(
            read(&db, Some(&pw("something")), Some(&key)),
            Err(FileError::KeepassWrongKey)
        ));
    }

    #[test]
    fn references_are_followed_and_what_cannot_be_is_counted() {
        let mut by_id = HashMap::new();
        let id = "5060E2E029AA11E88AA80021CCB990C2";
        by_id.insert(
            id.to_owned(),
            ["T", "me", "pw", "https://x", "n"].map(|v| Zeroizing::new(v.to_owned())),
        );
        let (out, missing) = resolve_refs(
            &format!(
                "a{{REF:P@I:{id}}}b{{ref:u@i:{}}}c{{REF:P@I:0000}}",
                id.to_lowercase()
            ),
            &by_id,
            0,
            &mut 64,
        );
        assert_eq!((out.as_str(), missing), ("apwbmec{REF:P@I:0000}", 1));
        let (out, missing) = resolve_refs("{REF:P@I:unclosed", &by_id, 0, &mut 64);
        assert_eq!((out.as_str(), missing), ("{REF:P@I:unclosed", 0));
    }

    #[test]
    fn references_to_themselves_many_times_over_stay_small() {
        let id = "A".repeat(32);
        let bomb = format!("{{REF:P@I:{id}}}").repeat(40);
        let mut by_id = HashMap::new();
        by_id.insert(
            id.clone(),
            ["T", "u", bomb.as_str(), "", ""].map(|v| Zeroizing::new(v.to_owned())),
        );
        let mut budget = REF_BUDGET;
        let (out, missing) = resolve_refs(&bomb, &by_id, 0, &mut budget);
        assert_eq!(budget, 0, "the budget is spent");
        assert!(missing > 0);
        assert!(out.len() < 64 * bomb.len(), "{} bytes", out.len());
    }
}
