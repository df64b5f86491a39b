//! What crosses IPC besides the commands' own types: the reply with its
//! `{code, message}` error, and the arguments every screen sends alike.

use coffer_core::{Error, ErrorBody, ExposeSecret, SecretId, SecretString};
use serde::{Serialize, Serializer};

/// What a command returns: a value, or `{code, message}`.
pub type Reply<T> = Result<T, ErrorBody>;

/// A secret id the webview sent.
pub fn secret_id(text: &str) -> Result<SecretId, Error> {
    SecretId::parse(text).ok_or(Error::InvalidArgument { what: "secret id" })
}

/// A secret the page is meant to get (a revealed value, a new vault key, a
/// generated password): serialized into the reply as a string, and wiped
/// from Rust's memory when dropped (a plain `String` would linger).
pub struct Secret(pub SecretString);

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.expose_secret())
    }
}

impl From<SecretString> for Secret {
    fn from(s: SecretString) -> Self {
        Secret(s)
    }
}
