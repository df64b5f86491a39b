//! Fetched secrets as they are cached, and taking one value out of them.
//!
//! A JSON object of a provider (Vault KV data, an AWS secret string holding
//! JSON) is read straight into [`Piece`]s: each string lands in a
//! [`SecretString`] (wiped when dropped) and every other value is kept only
//! as the name of its kind, so no copy of a value stays behind in a parsed
//! JSON tree.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::{Fetch, LinkFailure};

/// One value of a JSON object.
pub(crate) enum Piece {
    Text(SecretString),
    /// Not a string: "a number", "true or false", "null", "an object", "a list".
    Other(&'static str),
}

/// A fetched secret.
pub(crate) enum Fetched {
    /// The keys of a Vault KV secret.
    Map(Pieces),
    /// An AWS secret string.
    Text(SecretString),
    /// An AWS binary secret (its bytes are not kept).
    Binary,
}

/// A JSON object, read into pieces.
#[derive(Default)]
pub(crate) struct Pieces(pub(crate) BTreeMap<String, Piece>);

impl Pieces {
    /// Reads a JSON object's text.
    pub(crate) fn parse(text: &str) -> Option<Pieces> {
        serde_json::from_str(text).ok()
    }

    /// The string at `key`, or why not. `place` names the secret in messages.
    pub(crate) fn take(&self, key: &str, place: &str) -> Result<SecretString, Fetch> {
        match self.0.get(key) {
            Some(Piece::Text(v)) => Ok(SecretString::from(v.expose_secret().to_owned())),
            Some(Piece::Other(kind)) => Err(Fetch::new(
                LinkFailure::NotAString,
                format!("the key {key:?} of {place} holds {kind}, not a string"),
            )),
            None => Err(Fetch::new(
                LinkFailure::KeyMissing,
                format!("{place} has no key {key:?} ({})", self.key_list()),
            )),
        }
    }

    /// "its keys: a, b, c" (names only, at most ten).
    fn key_list(&self) -> String {
        if self.0.is_empty() {
            return "it has no keys".into();
        }
        let mut names: Vec<String> = self.0.keys().take(10).map(|k| format!("{k:?}")).collect();
        if self.0.len() > 10 {
            names.push(format!("and {} more", self.0.len() - 10));
        }
        format!("its keys: {}", names.join(", "))
    }
}

impl<'de> Deserialize<'de> for Piece {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Piece, D::Error> {
        struct PieceVisitor;
        impl<'de> Visitor<'de> for PieceVisitor {
            type Value = Piece;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Piece, E> {
                Ok(Piece::Text(SecretString::from(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Piece, E> {
                Ok(Piece::Text(SecretString::from(v)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Piece, E> {
                Ok(Piece::Other("true or false"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Piece, E> {
                Ok(Piece::Other("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Piece, E> {
                Ok(Piece::Other("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Piece, E> {
                Ok(Piece::Other("a number"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Piece, E> {
                Ok(Piece::Other("null"))
            }
            fn visit_none<E: de::Error>(self) -> Result<Piece, E> {
                Ok(Piece::Other("null"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Piece, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Piece::Other("an object"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Piece, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Piece::Other("a list"))
            }
        }
        d.deserialize_any(PieceVisitor)
    }
}

impl<'de> Deserialize<'de> for Pieces {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pieces, D::Error> {
        BTreeMap::<String, Piece>::deserialize(d).map(Pieces)
    }
}

impl Fetched {
    /// The value a link asks for: `key` of a map, or the whole text, or
    /// `key` of the JSON object in the text.
    pub(crate) fn value(&self, key: Option<&str>, place: &str) -> Result<SecretString, Fetch> {
        match (self, key) {
            (Fetched::Map(pieces), Some(key)) => pieces.take(key, place),
            (Fetched::Map(_), None) => Err(Fetch::new(
                LinkFailure::KeyMissing,
                format!("{place} holds several keys; link one of them"),
            )),
            (Fetched::Text(text), None) => {
                Ok(SecretString::from(text.expose_secret().to_owned()))
            }
            (Fetched::Text(text), Some(key)) => match Pieces::parse(text.expose_secret()) {
                Some(pieces) => pieces.take(key, place),
                None => Err(Fetch::new(
                    LinkFailure::NotAString,
                    format!("the secret string of {place} is not a JSON object, so it has no key {key:?}; link the whole string"),
                )),
            },
            (Fetched::Binary, _) => Err(Fetch::new(
                LinkFailure::NotAString,
                format!("{place} is a binary secret, not a string"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_object_keeps_strings_and_only_the_kind_of_other_values() {
        let pieces = Pieces::parse(
            r#"{"password":"p1","port":5432,"tls":true,"nil":null,"nested":{"a":"secret-inner"},"list":["x"]}"#,
        )
        .expect("parses");
        let place = "secret/app/db";
        assert_eq!(
            pieces
                .take("password", place)
                .expect("string")
                .expose_secret(),
            "p1"
        );
        for (key, kind) in [
            ("port", "a number"),
            ("tls", "true or false"),
            ("nil", "null"),
            ("nested", "an object"),
            ("list", "a list"),
        ] {
            let err = pieces.take(key, place).expect_err(key);
            assert_eq!(err.failure, LinkFailure::NotAString);
            assert!(err.detail.contains(kind), "{}", err.detail);
            assert!(!err.detail.contains("secret-inner"), "{}", err.detail);
        }
        let missing = pieces.take("user", place).expect_err("missing");
        assert_eq!(missing.failure, LinkFailure::KeyMissing);
        assert!(
            missing.detail.contains("\"password\""),
            "{}",
            missing.detail
        );
        assert!(!missing.detail.contains("p1"), "{}", missing.detail);
    }

    #[test]
    fn a_secret_string_is_whole_or_a_key_of_its_json() {
        let text = Fetched::Text(SecretString::from(r#"{"k":"v"}"#.to_owned()));
        assert_eq!(
            text.value(None, "x").expect("whole").expose_secret(),
            r#"{"k":"v"}"#
        );
        assert_eq!(
            text.value(Some("k"), "x").expect("key").expose_secret(),
            "v"
        );
        let plain = Fetched::Text(SecretString::from("just-a-string".to_owned()));
        let err = plain.value(Some("k"), "x").expect_err("not JSON");
        assert_eq!(err.failure, LinkFailure::NotAString);
        assert!(!err.detail.contains("just-a-string"));
        let err = Fetched::Binary.value(None, "x").expect_err("binary");
        assert_eq!(err.failure, LinkFailure::NotAString);
    }
}
