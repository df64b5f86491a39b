//! Reading values and confirmations from the person or the pipe.

use std::io::{IsTerminal, Read, Write};

use coffer_core::{Error, SecretString, VALUE_MAX_BYTES};
use zeroize::Zeroizing;

/// Reads a secret value: from stdin when it is not a terminal, else from a
/// hidden prompt. One trailing newline (`\n` or `\r\n`) is dropped.
pub fn read_value(name: &str) -> Result<SecretString, Error> {
    let stdin = std::io::stdin();
    let raw = if stdin.is_terminal() {
        let typed = rpassword::prompt_password(format!("Value for {name}: ")).map_err(|e| {
            Error::InvalidValue {
                reason: format!("could not read it from the terminal: {e}"),
            }
        })?;
        Zeroizing::new(typed.into_bytes())
    } else {
        let mut buf = Zeroizing::new(Vec::new());
        stdin
            .lock()
            .take(VALUE_MAX_BYTES as u64 + 3)
            .read_to_end(&mut buf)
            .map_err(|e| Error::InvalidValue {
                reason: format!("could not read stdin: {e}"),
            })?;
        buf
    };
    value_from_bytes(raw)
}

fn value_from_bytes(mut raw: Zeroizing<Vec<u8>>) -> Result<SecretString, Error> {
    let len = raw.len();
    if raw.ends_with(b"\r\n") {
        raw.truncate(len - 2);
    } else if raw.ends_with(b"\n") {
        raw.truncate(len - 1);
    }
    if raw.len() > VALUE_MAX_BYTES {
        return Err(Error::InvalidValue {
            reason: format!("it is larger than the {VALUE_MAX_BYTES}-byte limit"),
        });
    }
    match std::str::from_utf8(&raw) {
        Ok(text) => Ok(SecretString::from(text.to_owned())),
        Err(e) => Err(Error::InvalidValue {
            reason: format!(
                "it is not valid UTF-8 (bad byte at offset {}); Coffer stores text — encode binary values as base64",
                e.valid_up_to()
            ),
        }),
    }
}

/// Whether a person can be asked something.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks a yes/no question on the terminal; false unless the answer is yes.
pub fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_core::ExposeSecret;

    fn read(bytes: &[u8]) -> Result<String, Error> {
        value_from_bytes(Zeroizing::new(bytes.to_vec())).map(|v| v.expose_secret().to_owned())
    }

    #[test]
    fn exactly_one_trailing_newline_is_dropped() {
        assert_eq!(read(b"abc\n").expect("ok"), "abc");
        assert_eq!(read(b"abc\r\n").expect("ok"), "abc");
        assert_eq!(read(b"abc\n\n").expect("ok"), "abc\n");
        assert_eq!(read(b"abc").expect("ok"), "abc");
        assert_eq!(read(b"").expect("ok"), "");
    }

    #[test]
    fn non_utf8_is_rejected_with_its_offset() {
        let err = read(b"ab\xffcd").expect_err("not utf-8");
        assert_eq!(err.code(), "invalid_value");
        assert!(err.to_string().contains("offset 2"), "{err}");
    }

    #[test]
    fn oversized_value_is_rejected() {
        let err = read(&vec![b'x'; VALUE_MAX_BYTES + 1]).expect_err("too big");
        assert_eq!(err.code(), "invalid_value");
    }
}
