//! The IPC commands: each takes state, calls the core, maps the error to `{code, message}`.

pub mod secrets;
pub mod settings;
pub mod transfer;
pub mod vault;

use coffer_core::ErrorBody;

/// An argument the webview sent that cannot be right (a malformed id).
pub fn invalid_argument(message: &str) -> ErrorBody {
    ErrorBody {
        code: "invalid_argument",
        message: message.to_owned(),
    }
}
