//! 1Password's unencrypted export (`.1pux`): a zip archive whose
//! `export.data` is JSON, `accounts[].vaults[].items[]` (the file alone is
//! read too).
//!
//! Mapping, as for the other password managers ([`super::entry`]): an
//! item's login fields give `NAME/username` and `NAME/password`, its first
//! one-time password `NAME/totp`, every other field of its sections
//! `NAME/FIELD`, a secure note's text `NAME`; its URLs become allowed
//! domains, its notes a note; items named alike are told apart by vault.
//! Archived items are imported; items in the trash, documents,
//! attachments and password histories are named as left out.

use std::io::Read as _;

use serde::Deserialize;
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use super::detect::IMPORT_MAX_FILE_BYTES;
use super::entry::{secrets_of, Entry};
use super::incoming::{count, counted, Capped, FileError, Incoming};

/// What an export gave.
pub(crate) struct Read {
    pub(crate) items: Vec<Incoming>,
    pub(crate) left_out: Vec<String>,
    pub(crate) notes: Vec<String>,
}

/// Whether `bytes` are a zip archive (which a `.1pux` is).
pub(crate) fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Reads `export.data` out of a `.1pux` archive, within the import limit.
pub(crate) fn read_archive(bytes: &[u8]) -> Result<Read, FileError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| {
        FileError::Invalid("it is a damaged zip archive; export it again from 1Password".into())
    })?;
    let mut data = match archive.by_name("export.data") {
        Ok(data) => data,
        Err(zip::result::ZipError::FileNotFound) => {
            return Err(FileError::Unrecognized(
                "a zip archive that is not a 1Password export (.1pux): it has no export.data"
                    .into(),
            ))
        }
        Err(_) => {
            return Err(FileError::Invalid(
                "its export.data cannot be read (damaged, or compressed in a way 1Password does not use); export it again from 1Password".into(),
            ))
        }
    };
    let mut text = Zeroizing::new(Vec::new());
    (&mut data)
        .take(IMPORT_MAX_FILE_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|_| {
            FileError::Invalid(
                "its export.data cannot be read (the archive is damaged); export it again from 1Password".into(),
            )
        })?;
    if text.len() as u64 > IMPORT_MAX_FILE_BYTES {
        return Err(FileError::Invalid(format!(
            "its export.data unpacks to more than the import limit of {IMPORT_MAX_FILE_BYTES} bytes"
        )));
    }
    let text = std::str::from_utf8(&text).map_err(|_| {
        FileError::Invalid(
            "its export.data is not UTF-8 text; export it again from 1Password".into(),
        )
    })?;
    read_json(text).map_err(|e| match e {
        FileError::Invalid(m) => FileError::Invalid(format!("export.data: {m}")),
        other => other,
    })
}

#[derive(Deserialize)]
struct Export {
    accounts: Capped<Account>,
}

#[derive(Deserialize)]
struct Account {
    #[serde(default)]
    vaults: Capped<Vault>,
}

#[derive(Deserialize)]
struct Vault {
    #[serde(default)]
    attrs: Option<VaultAttrs>,
    #[serde(default)]
    items: Capped<Element>,
}

#[derive(Deserialize)]
struct VaultAttrs {
    name: Option<String>,
}

/// An item, or (in older exports) `{item, file}`.
#[derive(Deserialize)]
struct Element {
    #[serde(default)]
    item: Option<Item>,
    #[serde(flatten)]
    bare: Item,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Item {
    uuid: Option<String>,
    state: Option<String>,
    trashed: Option<bool>,
    category_uuid: Option<String>,
    #[serde(default)]
    overview: Overview,
    #[serde(default)]
    details: Details,
}

#[derive(Deserialize, Default)]
struct Overview {
    title: Option<String>,
    url: Option<String>,
    #[serde(default)]
    urls: Vec<Url>,
}

#[derive(Deserialize)]
struct Url {
    url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Details {
    #[serde(default)]
    login_fields: Vec<LoginField>,
    notes_plain: Option<String>,
    #[serde(default)]
    sections: Vec<Section>,
    /// A Password item (category 005) keeps its password here.
    password: Option<String>,
    #[serde(default)]
    password_history: Vec<serde::de::IgnoredAny>,
    document_attributes: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginField {
    #[serde(default)]
    value: Option<String>,
    name: Option<String>,
    field_type: Option<String>,
    designation: Option<String>,
}

#[derive(Deserialize)]
struct Section {
    #[serde(default)]
    fields: Vec<Field>,
}

#[derive(Deserialize)]
struct Field {
    title: Option<String>,
    id: Option<String>,
    #[serde(default)]
    value: Map<String, Value>,
}

/// What of an export has no place in Coffer, counted to be said.
#[derive(Default)]
struct LeftOut {
    trashed: usize,
    form_fields: usize,
    files: usize,
    histories: usize,
    archived: usize,
}

/// Reads the JSON of `export.data`.
pub(crate) fn read_json(text: &str) -> Result<Read, FileError> {
    let export: Export = serde_json::from_str(text).map_err(FileError::json)?;
    let mut left = LeftOut::default();
    let mut entries = Vec::new();
    for account in export.accounts.0 {
        for vault in account.vaults.0 {
            let vault_name = vault.attrs.and_then(|a| a.name);
            for element in vault.items.0 {
                let item = element.item.unwrap_or(element.bare);
                if item.trashed == Some(true) || item.state.as_deref() == Some("deleted") {
                    left.trashed += 1;
                    continue;
                }
                left.archived += usize::from(item.state.as_deref() == Some("archived"));
                entries.push(entry_of(item, vault_name.clone(), &mut left));
            }
        }
    }
    let (items, renamed) = secrets_of(entries);
    let mut notes = super::names::renamed_note(&renamed);
    if left.archived > 0 {
        notes.push(format!(
            "{} archived in 1Password imported like the others",
            count(left.archived, "item", "items")
        ));
    }
    Ok(Read {
        items,
        left_out: left.sentences(),
        notes,
    })
}

fn entry_of(item: Item, vault: Option<String>, left: &mut LeftOut) -> Entry {
    let Item {
        uuid,
        category_uuid,
        overview,
        details,
        ..
    } = item;
    left.histories += usize::from(!details.password_history.is_empty());
    left.files += usize::from(details.document_attributes.is_some());
    let title = overview
        .title
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| "untitled".into());
    let mut entry = Entry {
        title: title.trim().to_owned(),
        group: vault,
        id: uuid,
        // A Secure Note: its notes are its value.
        is_note: category_uuid.as_deref() == Some("003"),
        notes: Zeroizing::new(details.notes_plain.unwrap_or_default()),
        urls: overview
            .url
            .into_iter()
            .chain(overview.urls.into_iter().filter_map(|u| u.url))
            .collect(),
        password: Zeroizing::new(details.password.unwrap_or_default()),
        ..Entry::default()
    };
    for field in details.login_fields {
        let value = Zeroizing::new(field.value.unwrap_or_default());
        match field.designation.as_deref() {
            Some("username") => entry.username = value,
            Some("password") => entry.password = value,
            // Other web-form fields; check boxes and hidden inputs are no secrets.
            _ if !matches!(field.field_type.as_deref(), Some("C" | "I")) => {
                if let Some(name) = field.name.filter(|n| !n.is_empty()) {
                    entry.fields.push((name, value));
                }
            }
            _ => left.form_fields += usize::from(!value.is_empty()),
        }
    }
    for field in details.sections.into_iter().flat_map(|s| s.fields) {
        let name = field
            .title
            .filter(|t| !t.trim().is_empty())
            .or(field.id)
            .unwrap_or_default();
        let Some((kind, value)) = field.value.into_iter().next() else {
            continue;
        };
        let text = match (kind.as_str(), value) {
            ("file", _) => {
                left.files += 1;
                continue;
            }
            ("totp", Value::String(s)) if entry.totp.is_empty() => {
                entry.totp = Zeroizing::new(s);
                continue;
            }
            ("email", Value::Object(o)) => text_of(o.get("email_address")),
            ("sshKey", Value::Object(o)) => text_of(o.get("privateKey")),
            ("address", Value::Object(o)) => ["street", "city", "state", "zip", "country"]
                .iter()
                .map(|k| text_of(o.get(*k)))
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            (_, value) => text_of(Some(&value)),
        };
        entry.fields.push((name, Zeroizing::new(text)));
    }
    entry
}

fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

impl LeftOut {
    fn sentences(&self) -> Vec<String> {
        counted(&[
            (self.trashed, "item", "items", "", " in the trash"),
            (
                self.files,
                "document or attachment",
                "documents and attachments",
                "",
                " (files are not secrets Coffer keeps)",
            ),
            (
                self.histories,
                "item",
                "items",
                "the password history of ",
                "",
            ),
            (
                self.form_fields,
                "setting",
                "settings",
                "",
                " of web forms (check boxes and hidden inputs)",
            ),
        ])
    }
}
