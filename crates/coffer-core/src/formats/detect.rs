//! Telling an import's format from its content, and reading it with that
//! format's reader.

use secrecy::SecretString;

use super::incoming::{validate, FileError, Format, Incoming};
use super::probe::{FirstOfList, JsonProbe, List};
use super::{bitwarden, bruno, coffer, csv, dotenv, hoppscotch, insomnia, kdbx, onepux, postman};

/// The formats an import reads, for messages about a file that is none of them.
pub(crate) const KNOWN_FORMATS: &str =
    "Coffer export, Postman environment, Insomnia export, Bruno or Hoppscotch environment, Bitwarden JSON, KeePass database, 1Password export (.1pux), a password manager's CSV, dotenv";

/// Largest file an import reads.
/// 64 MiB: 100,000 secrets of a few hundred bytes each are some 30 MB in any
/// format; more than that is not a vault, and not worth reading.
pub const IMPORT_MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What a file gave: its format, its secrets, and what of it Coffer left out
/// (said in words, for the preview).
pub(crate) struct Parsed {
    pub(crate) format: Format,
    pub(crate) items: Vec<Incoming>,
    pub(crate) left_out: Vec<String>,
    /// What Coffer did to fit the file, in words (e.g. entries renamed).
    pub(crate) notes: Vec<String>,
}

/// What opens an encrypted import: a password, and for a KeePass database
/// that has one, its key file.
#[derive(Default, Clone, Copy)]
pub struct Credentials<'a> {
    pub password: Option<&'a SecretString>,
    /// The bytes of a KeePass key file.
    pub key_file: Option<&'a [u8]>,
}

/// Detects the format from the content and reads it.
pub(crate) fn parse(bytes: &[u8], credentials: Credentials<'_>) -> Result<Parsed, FileError> {
    let password = credentials.password;
    if bytes.len() as u64 > IMPORT_MAX_FILE_BYTES {
        return Err(FileError::Invalid(format!(
            "it is larger than the import limit of {} bytes",
            IMPORT_MAX_FILE_BYTES
        )));
    }
    if onepux::is_zip(bytes) {
        let read = onepux::read_archive(bytes)?;
        return Ok(Parsed {
            format: Format::OnePassword,
            items: validate(read.items)?,
            left_out: read.left_out,
            notes: read.notes,
        });
    }
    if kdbx::is_keepass(bytes) {
        let read = kdbx::read(bytes, password, credentials.key_file)?;
        return Ok(Parsed {
            format: Format::Keepass,
            items: validate(read.items)?,
            left_out: read.left_out,
            notes: read.notes,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let utf16 = utf16_text(bytes)?;
    let text = match &utf16 {
        Some(text) => text.as_str(),
        None => std::str::from_utf8(bytes).map_err(|e| {
            FileError::Invalid(format!(
                "it is not valid UTF-8 (bad byte at offset {}); save it as UTF-8",
                e.valid_up_to()
            ))
        })?,
    };
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(FileError::Invalid("it is empty".into()));
    }
    let mut left_out = Vec::new();
    let mut notes = Vec::new();
    // A list of objects (`[{` or `[]`), not a dotenv line such as `[=b`.
    let list = trimmed
        .strip_prefix('[')
        .is_some_and(|rest| rest.trim_start().starts_with(['{', ']']));
    let (format, items) = if list {
        // Hoppscotch writes a list of environments; Bruno reads one too.
        let first = serde_json::from_str::<FirstOfList>(text)
            .map_err(FileError::json)?
            .0;
        let (format, read) = match first {
            Some(p) if p.has_named_variables() => (Format::Bruno, bruno::read_json(text)?),
            Some(p) if p.has_keyed_variables() || p.variables == List::Empty => {
                (Format::Hoppscotch, hoppscotch::read(text)?)
            }
            _ => {
                return Err(FileError::Unrecognized(
                    "a JSON list of no format Coffer knows (Hoppscotch or Bruno environments)"
                        .into(),
                ))
            }
        };
        left_out = read.left_out;
        (format, read.items)
    } else if trimmed.starts_with('{') {
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
        } else if probe.accounts.is_list() {
            // A 1Password export's `export.data`, out of its archive.
            let read = onepux::read_json(text)?;
            left_out = read.left_out;
            notes = read.notes;
            (Format::OnePassword, read.items)
        } else if probe.export_format.is_some() {
            let read = insomnia::read_v4(text, false)?;
            left_out = read.left_out;
            (Format::Insomnia, read.items)
        } else if probe.is_bruno() || probe.has_named_variables() {
            let read = bruno::read_json(text)?;
            left_out = read.left_out;
            (Format::Bruno, read.items)
        } else if probe.has_keyed_variables() {
            let read = hoppscotch::read(text)?;
            left_out = read.left_out;
            (Format::Hoppscotch, read.items)
        } else if probe.values.is_some() {
            (Format::PostmanEnvironment, postman::read(text)?)
        } else if bitwarden::is_bitwarden(probe.items.is_some(), probe.encrypted.is_some()) {
            // Encrypted only if something was decrypted, whatever the file says.
            let (mapped, decrypted) = bitwarden::read(text, password)?;
            left_out = mapped.left_out;
            notes = super::names::renamed_note(&mapped.renamed);
            let items = mapped.items;
            let format = if decrypted {
                Format::BitwardenEncrypted
            } else {
                Format::Bitwarden
            };
            (format, items)
        } else {
            return Err(FileError::Unrecognized(
                "a JSON object of no format Coffer knows (Coffer export, Postman environment, Insomnia export, Bruno or Hoppscotch environment, Bitwarden, 1Password export.data)"
                    .into(),
            ));
        }
    } else if bruno::is_bru(text) {
        let read = bruno::read_bru(text)?;
        left_out = read.left_out;
        (Format::Bruno, read.items)
    } else if let Some(kind) = insomnia::yaml_kind(text) {
        let read = match kind {
            insomnia::Yaml::V4 => insomnia::read_v4(text, true)?,
            insomnia::Yaml::V5 => insomnia::read_v5(text)?,
        };
        left_out = read.left_out;
        (Format::Insomnia, read.items)
    } else if let Some(header) = csv::header(text) {
        let read = csv::read(text, &header)?;
        left_out = read.left_out;
        notes = read.notes;
        (header.format(), read.items)
    } else if dotenv::looks_like(text) {
        (Format::Dotenv, dotenv::read(text)?)
    } else if dotenv::only_comments(text) {
        return Err(FileError::Unrecognized(
            "it holds only comments: no KEY=VALUE line to import".into(),
        ));
    } else {
        return Err(FileError::Unrecognized(format!(
            "not a format Coffer can import ({KNOWN_FORMATS})"
        )));
    };
    Ok(Parsed {
        format,
        items: validate(items)?,
        left_out,
        notes,
    })
}

/// The text of a file that starts with a UTF-16 byte-order mark (as some
/// Windows editors save), or `None` for any other file.
fn utf16_text(bytes: &[u8]) -> Result<Option<zeroize::Zeroizing<String>>, FileError> {
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        _ => return Ok(None),
    };
    let body = &bytes[2..];
    if !body.len().is_multiple_of(2) {
        return Err(FileError::Invalid(
            "it is UTF-16 text with an odd number of bytes (cut short?)".into(),
        ));
    }
    let units = zeroize::Zeroizing::new(
        body.chunks_exact(2)
            .map(|p| {
                if little {
                    u16::from_le_bytes([p[0], p[1]])
                } else {
                    u16::from_be_bytes([p[0], p[1]])
                }
            })
            .collect::<Vec<u16>>(),
    );
    String::from_utf16(&units)
        .map(|t| Some(zeroize::Zeroizing::new(t)))
        .map_err(|_| FileError::Invalid("it is UTF-16 text that does not decode".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn refused(bytes: &[u8]) -> FileError {
        match parse(bytes, Credentials::default()) {
            Ok(_) => panic!("{bytes:?} was read"),
            Err(e) => e,
        }
    }

    fn message(e: FileError) -> String {
        match e {
            FileError::Invalid(m) | FileError::Unrecognized(m) => m,
            _ => "another error".into(),
        }
    }

    #[test]
    fn utf16_files_with_a_byte_order_mark_are_read() {
        let text = "A=ключ\nB=\"x y\"\n";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        for bytes in [le, be] {
            let Parsed { format, items, .. } =
                parse(&bytes, Credentials::default()).unwrap_or_else(|_| panic!("UTF-16"));
            assert_eq!(format, Format::Dotenv);
            assert_eq!(items[0].value.expose_secret(), "ключ");
            assert_eq!(items[1].value.expose_secret(), "x y");
        }
        let err = refused(&[0xFF, 0xFE, b'A', 0, b'=']);
        assert!(message(err).contains("UTF-16 text with an odd number of bytes"));
        let err = refused(b"A=\xff\xfe\n");
        assert!(message(err).contains("save it as UTF-8"));
    }

    #[test]
    fn a_comment_only_file_and_a_bad_line_among_assignments_say_what_is_wrong() {
        let err = refused(b"# just a comment\n\n# another\n");
        assert_eq!(
            message(err),
            "it holds only comments: no KEY=VALUE line to import"
        );
        let err = refused(b"this line is wrong\nA=1\nB=2\n");
        assert_eq!(
            message(err),
            "line 1: expected KEY=VALUE (no `=` after the first word)"
        );
    }

    #[test]
    fn json_of_other_tools_is_unrecognized_not_invalid() {
        for text in [
            r#"{"variables":{"region":"eu-west-1"},"builders":[{"type":"amazon-ebs"}]}"#,
            r#"{"name":"app","accounts":{"a":1},"info":"x"}"#,
            r#"[{"id":1,"title":"a list of something"}]"#,
        ] {
            assert!(
                matches!(refused(text.as_bytes()), FileError::Unrecognized(_)),
                "{text}"
            );
        }
    }
}
