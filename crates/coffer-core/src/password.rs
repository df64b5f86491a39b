//! Export passwords: long enough, and not guessable.

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// The shortest export password Coffer accepts; a policy may raise it, never lower it.
pub const EXPORT_PASSWORD_MIN_CHARS: usize = 12;
/// zxcvbn score an export password needs (0–4; 3 = "safely unguessable").
const MIN_STRENGTH_SCORE: u8 = 3;

/// A password that passed the export rules. No Clone/Debug/Serialize.
pub struct ExportPassword(SecretString);

impl ExportPassword {
    /// Checks `password` against the rules: at least `min_chars` characters
    /// (never fewer than 12) and a zxcvbn score of at least 3. The error says
    /// why, never what the password was.
    pub fn new(password: SecretString, min_chars: usize) -> Result<Self> {
        let min_chars = min_chars.max(EXPORT_PASSWORD_MIN_CHARS);
        let text = password.expose_secret();
        let chars = text.chars().count();
        if chars < min_chars {
            return Err(Error::WeakPassword {
                reason: format!("it has {chars} characters; use at least {min_chars}"),
            });
        }
        let estimate = zxcvbn::zxcvbn(text, &["coffer", "vault", "export", "password"]);
        if u8::from(estimate.score()) < MIN_STRENGTH_SCORE {
            let why = estimate
                .feedback()
                .and_then(|f| f.warning())
                .map(|w| w.to_string())
                .filter(|w| !w.is_empty())
                .unwrap_or_else(|| "it is easy to guess".into());
            return Err(Error::WeakPassword {
                reason: format!("{why}; add more unrelated words or characters"),
            });
        }
        Ok(ExportPassword(password))
    }

    pub(crate) fn secret(&self) -> &SecretString {
        &self.0
    }
}

/// A strength estimate for a meter: zxcvbn's score, 0 (trivial) to 4 (very strong).
/// Exports need 3 or more.
pub fn password_strength(password: &str) -> u8 {
    u8::from(zxcvbn::zxcvbn(password, &["coffer", "vault", "export", "password"]).score())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(p: &str) -> Result<ExportPassword> {
        ExportPassword::new(SecretString::from(p.to_owned()), 12)
    }

    #[test]
    fn strength_orders_passwords() {
        assert!(password_strength("password") < 2);
        assert!(password_strength("tangerine-oxide-marble-7") >= 3);
    }

    #[test]
    fn short_passwords_are_refused_with_the_length() {
        let err = check("Xk9#mP2$vL").err().expect("short");
        assert_eq!(err.code(), "weak_password");
        assert!(
            err.to_string().contains("10 characters; use at least 12"),
            "{err}"
        );
    }

    #[test]
    fn common_and_keyboard_run_passwords_are_refused() {
        for weak in [
            "password1234",
            "qwertyuiopasdf",
            "123456789012",
            "iloveyou1234",
            "abcabcabcabc",
        ] {
            let err = check(weak)
                .err()
                .unwrap_or_else(|| panic!("{weak} accepted"));
            assert_eq!(err.code(), "weak_password", "{weak}");
            assert!(
                !err.to_string().contains(weak),
                "the error echoes the password: {err}"
            );
        }
    }

    #[test]
    fn strong_passwords_pass_and_policy_can_raise_the_minimum() {
        assert!(check("tangerine-oxide-marble-7").is_ok());
        let err = ExportPassword::new(
            SecretString::from("tangerine-oxide-marble-7".to_owned()),
            30,
        )
        .err()
        .expect("policy minimum");
        assert!(err.to_string().contains("at least 30"), "{err}");
        // A policy can never lower the floor.
        assert!(ExportPassword::new(SecretString::from("Xk9#mP2$vL".to_owned()), 4).is_err());
    }
}
