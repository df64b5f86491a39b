//! Telling an import's format from its content, and reading it with that
//! format's reader.

use secrecy::SecretString;

use super::incoming::{validate, FileError, Format, Incoming};
use super::{bitwarden, coffer, dotenv, postman};

/// Largest file an import reads.
/// 64 MiB: 100,000 secrets of a few hundred bytes each are some 30 MB in any
/// format; more than that is not a vault, and not worth reading.
pub const IMPORT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Detects the format from the content and reads it.
pub(crate) fn parse(
    bytes: &[u8],
    password: Option<&SecretString>,
) -> Result<(Format, Vec<Incoming>), FileError> {
    if bytes.len() as u64 > IMPORT_MAX_FILE_BYTES {
        return Err(FileError::Invalid(format!(
            "it is larger than the import limit of {} bytes",
            IMPORT_MAX_FILE_BYTES
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        FileError::Invalid(format!(
            "it is not valid UTF-8 (bad byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(FileError::Invalid("it is empty".into()));
    }
    let (format, items) = if trimmed.starts_with('{') {
        // One pass to tell the format; the format's reader makes the second.
        let probe: JsonProbe = serde_json::from_str(text).map_err(FileError::json)?;
        if coffer::is_coffer(probe.format.as_deref()) {
            let header = coffer::Header {
                version: probe.version,
                encryption: probe.encryption,
            };
            let format = if header.is_encrypted() {
                Format::CofferEncrypted
            } else {
                Format::CofferPlaintext
            };
            (format, coffer::read(text, &header, password)?)
        } else if probe.values.is_some() {
            (Format::PostmanEnvironment, postman::read(text)?)
        } else if bitwarden::is_bitwarden(probe.items.is_some(), probe.encrypted.is_some()) {
            // Encrypted only if something was decrypted, whatever the file says.
            let (items, decrypted) = bitwarden::read(text, password)?;
            let format = if decrypted {
                Format::BitwardenEncrypted
            } else {
                Format::Bitwarden
            };
            (format, items)
        } else {
            return Err(FileError::Unrecognized(
                "a JSON object of no format Coffer knows (Coffer export, Postman environment, Bitwarden)"
                    .into(),
            ));
        }
    } else if dotenv::looks_like(text) {
        (Format::Dotenv, dotenv::read(text)?)
    } else {
        return Err(FileError::Unrecognized(
            "not a format Coffer can import (Coffer export, Postman environment, Bitwarden JSON, dotenv)".into(),
        ));
    };
    Ok((format, validate(items)?))
}

#[derive(serde::Deserialize)]
struct JsonProbe {
    format: Option<String>,
    version: Option<serde_json::Value>,
    encryption: Option<String>,
    values: Option<serde::de::IgnoredAny>,
    items: Option<serde::de::IgnoredAny>,
    encrypted: Option<serde::de::IgnoredAny>,
}
