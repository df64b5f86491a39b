//! What a secret is, and the rules its fields follow.

use std::fmt;

use secrecy::SecretString;
use serde::{Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};

/// Longest name, in characters.
pub const NAME_MAX_CHARS: usize = 200;
/// Largest value, in bytes.
pub const VALUE_MAX_BYTES: usize = 1024 * 1024;
/// Longest note, in characters.
pub const NOTE_MAX_CHARS: usize = 4096;
/// Most allowed-domain patterns on one secret.
pub const DOMAINS_MAX: usize = 64;

/// The id of one secret record: 16 random bytes, written as 32 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretId(pub(crate) [u8; 16]);

impl SecretId {
    /// Reads the 32-hex-digit form.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 32 {
            return None;
        }
        let mut id = [0u8; 16];
        for (i, byte) in id.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
        }
        Some(SecretId(id))
    }
}

impl fmt::Display for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretId({self})")
    }
}

impl Serialize for SecretId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Milliseconds since the Unix epoch, UTC. Serialized as RFC 3339.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        Timestamp((time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64)
    }

    /// Reads an RFC 3339 time (as written by [`Timestamp::rfc3339`] or any other writer).
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let t = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .ok()?;
        i64::try_from(t.unix_timestamp_nanos() / 1_000_000)
            .ok()
            .map(Timestamp)
    }

    /// RFC 3339 with milliseconds, e.g. `2026-11-23T14:33:28.123Z`.
    pub fn rfc3339(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_else(|| self.0.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse_rfc3339(&text)
            .ok_or_else(|| serde::de::Error::custom("not an RFC 3339 time"))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

/// Everything about a secret except its value. Listing never decrypts values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretInfo {
    pub id: SecretId,
    pub name: String,
    pub enabled: bool,
    pub allowed_domains: Vec<String>,
    pub note: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// A newer secret of the same name is in effect.
    pub shadowed: bool,
    /// Set for a linked secret: where its value lives (never credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked: Option<crate::linked::LinkInfo>,
}

/// A new secret. Its `Debug` shows the value as `[REDACTED]` (secrecy).
#[derive(Debug)]
pub struct NewSecret {
    pub name: String,
    pub value: SecretString,
    pub enabled: bool,
    pub allowed_domains: Vec<String>,
    pub note: String,
}

/// Changes to an existing secret; `None` leaves a field as it is.
#[derive(Default)]
pub struct SecretPatch {
    pub name: Option<String>,
    pub value: Option<SecretString>,
    pub enabled: Option<bool>,
    pub allowed_domains: Option<Vec<String>>,
    pub note: Option<String>,
}

/// Which secret an operation is about.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// The newest secret of this name (the one in effect).
    Name(&'a str),
    /// Exactly this record.
    Id(SecretId),
}

/// The name as stored and looked up: Unicode NFC, checked against the naming rules.
pub fn normalize_name(name: &str) -> Result<String> {
    let invalid = |reason: &str| Error::InvalidName {
        reason: reason.to_owned(),
    };
    let name: String = name.nfc().collect();
    if name.is_empty() {
        return Err(invalid("a name cannot be empty"));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(invalid(&format!(
            "a name can be at most {NAME_MAX_CHARS} characters"
        )));
    }
    if name.trim() != name {
        return Err(invalid("a name cannot start or end with whitespace"));
    }
    if name.chars().any(char::is_control) {
        return Err(invalid("a name cannot contain control characters"));
    }
    if name.contains("{{") || name.contains("}}") {
        return Err(invalid(
            "a name cannot contain `{{` or `}}` (they delimit {{vault:NAME}} references)",
        ));
    }
    Ok(name)
}

/// Checks a value against the size limit.
pub fn check_value(value: &str) -> Result<()> {
    if value.len() > VALUE_MAX_BYTES {
        return Err(Error::InvalidValue {
            reason: format!(
                "it is {} bytes; the limit is {VALUE_MAX_BYTES} bytes",
                value.len()
            ),
        });
    }
    Ok(())
}

/// Checks a note against the rules.
pub fn check_note(note: &str) -> Result<()> {
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(Error::InvalidNote {
            reason: format!("a note can be at most {NOTE_MAX_CHARS} characters"),
        });
    }
    if note.contains('\0') {
        return Err(Error::InvalidNote {
            reason: "a note cannot contain NUL characters".into(),
        });
    }
    Ok(())
}

/// Normalizes allowed-domain patterns (see [`crate::reference::Pattern`]):
/// one form each (lowercase, punycode, no trailing dot), no duplicates, in
/// the order given.
pub fn normalize_domains(patterns: &[String]) -> Result<Vec<String>> {
    if patterns.len() > DOMAINS_MAX {
        return Err(Error::InvalidDomain {
            pattern: format!("({} patterns)", patterns.len()),
            reason: format!("a secret can have at most {DOMAINS_MAX} allowed domains"),
        });
    }
    let mut out: Vec<String> = Vec::with_capacity(patterns.len());
    for raw in patterns {
        let pattern = normalize_domain(raw)?;
        if !out.contains(&pattern) {
            out.push(pattern);
        }
    }
    Ok(out)
}

fn normalize_domain(raw: &str) -> Result<String> {
    crate::reference::Pattern::parse(raw)
        .map(|p| p.to_string())
        .map_err(|reason| Error::InvalidDomain {
            pattern: raw.to_owned(),
            reason,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_nfc_normalized() {
        let decomposed = "cafe\u{301}";
        assert_eq!(normalize_name(decomposed).expect("valid"), "caf\u{e9}");
    }

    #[test]
    fn bad_names_are_rejected_with_a_reason() {
        for bad in ["", " api", "api ", "a\nb", "a\u{7}b", "x{{y", "x}}y"] {
            let err = normalize_name(bad).expect_err(bad);
            assert_eq!(err.code(), "invalid_name", "{bad:?}");
        }
        assert!(normalize_name(&"n".repeat(NAME_MAX_CHARS + 1)).is_err());
        assert!(normalize_name(&"n".repeat(NAME_MAX_CHARS)).is_ok());
        assert!(normalize_name("Stripe API key (live) — ключ 🔑").is_ok());
    }

    #[test]
    fn domains_are_normalized_and_deduplicated() {
        let got = normalize_domains(&[
            "API.Example.com.".into(),
            "*.example.com".into(),
            "api.example.com".into(),
            "10.0.0.1".into(),
        ])
        .expect("valid");
        assert_eq!(got, ["api.example.com", "*.example.com", "10.0.0.1"]);
    }

    #[test]
    fn bad_domains_are_rejected_with_a_reason() {
        for bad in [
            "",
            "*.",
            "ftp://api.example.com",
            "api.example.com/v1",
            "api.example.com:0",
            "::1",
            "a.*.example.com",
            "*example.com",
            "exa mple.com",
            "-x.com",
            "a..b",
        ] {
            let err = normalize_domains(&[bad.to_owned()]).expect_err(bad);
            assert_eq!(err.code(), "invalid_domain", "{bad:?}");
        }
        let many: Vec<String> = (0..=DOMAINS_MAX).map(|i| format!("h{i}.com")).collect();
        assert!(normalize_domains(&many).is_err());
    }

    #[test]
    fn oversized_value_and_note_are_rejected() {
        assert!(check_value(&"x".repeat(VALUE_MAX_BYTES)).is_ok());
        let err = check_value(&"x".repeat(VALUE_MAX_BYTES + 1)).expect_err("too big");
        assert_eq!(err.code(), "invalid_value");
        assert!(check_note(&"n".repeat(NOTE_MAX_CHARS + 1)).is_err());
        assert!(check_note("a\0b").is_err());
    }

    #[test]
    fn new_secret_debug_redacts_the_value() {
        let s = NewSecret {
            name: "api".into(),
            value: SecretString::from("sk_live_do_not_print".to_owned()),
            enabled: true,
            allowed_domains: vec![],
            note: String::new(),
        };
        let shown = format!("{s:?}");
        assert!(
            shown.contains("api") && !shown.contains("sk_live_do_not_print"),
            "{shown}"
        );
    }

    #[test]
    fn secret_id_round_trips_through_hex() {
        let id = SecretId([0xab; 16]);
        assert_eq!(id.to_string(), "ab".repeat(16));
        assert_eq!(SecretId::parse(&id.to_string()), Some(id));
        assert_eq!(SecretId::parse("xyz"), None);
        assert_eq!(SecretId::parse(&"zz".repeat(16)), None);
    }

    #[test]
    fn timestamps_serialize_as_rfc3339() {
        assert_eq!(Timestamp(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(1_500).rfc3339(), "1970-01-01T00:00:01.5Z");
        for t in [0, 1_500, 1_763_908_408_123, -86_400_000] {
            assert_eq!(
                Timestamp::parse_rfc3339(&Timestamp(t).rfc3339()),
                Some(Timestamp(t))
            );
        }
        assert_eq!(
            Timestamp::parse_rfc3339("2026-11-23T15:00:00+01:00"),
            Some(Timestamp(1_795_442_400_000))
        );
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    }
}
