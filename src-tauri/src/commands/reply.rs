//! What crosses IPC besides the commands' own types: the reply with its
//! `{code, message}` error, and the arguments every screen sends alike.

use coffer_core::{Error, ErrorBody, SecretId};

/// What a command returns: a value, or `{code, message}`.
pub type Reply<T> = Result<T, ErrorBody>;

/// A secret id the webview sent.
pub fn secret_id(text: &str) -> Result<SecretId, Error> {
    SecretId::parse(text).ok_or(Error::InvalidArgument { what: "secret id" })
}
