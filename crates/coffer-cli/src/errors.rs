//! How a core error reads on the command line: its message, the flag or
//! command that helps (the core's messages name none), and the exit code.

use coffer_core::linked::LinkFailure;
use coffer_core::{Code, Error};

/// The error line, without the `error: ` prefix: the core's message and,
/// where a flag or command helps, a hint naming it.
pub fn line(e: &Error) -> String {
    match hint(e) {
        Some(hint) => format!("{e}; {hint}"),
        None => e.to_string(),
    }
}

/// What to type next, for the errors where the CLI has a flag or command for it.
fn hint(e: &Error) -> Option<String> {
    let hint = match e {
        Error::VaultNotFound { .. } => {
            "run `coffer init`, or name another vault with --vault PATH".into()
        }
        Error::VaultExists { .. } => "to start over with a new key, use `coffer reset`".into(),
        Error::VaultCorrupt { .. } => "or name another vault with --vault PATH".into(),
        Error::KeyUnavailable { .. } => "pass --key-file FILE or set COFFER_VAULT_KEY".into(),
        Error::KeychainUnavailable { .. } => {
            "`coffer init --no-keychain` makes a vault without it".into()
        }
        Error::SecretNotFound { .. } => "`coffer list` shows the names".into(),
        Error::SecretDisabled { name } => format!("`coffer enable {}`", shell_word(name)),
        Error::PasswordRequired { keepass: false, .. } => {
            "pass --password-file FILE, or type it when asked".into()
        }
        Error::PasswordRequired { keepass: true, .. } => {
            "pass --password-file FILE and, if it has one, --keepass-key-file FILE (or type the password when asked)".into()
        }
        Error::ConflictsUnresolved { .. } => {
            "choose with --on-conflict replace|keep|skip (or run on a terminal to be asked)".into()
        }
        Error::ExportExists { .. } => "pass --force to replace it".into(),
        Error::RecordsTampered { .. } => {
            "or, once you have checked the secrets, keep them as they are with `coffer verify --accept-changes`".into()
        }
        Error::ProviderNotFound { .. } => {
            "`coffer providers list` shows them; `coffer providers add NAME --kind vault|aws …` adds one".into()
        }
        Error::ProviderLoginRequired { name } => {
            format!("`coffer providers login {}`", shell_word(name))
        }
        Error::LinkFailed {
            provider,
            failure: LinkFailure::AuthRefused | LinkFailure::AuthExpired,
            ..
        } => format!("`coffer providers login {}`", shell_word(provider)),
        Error::LinkedValue { name, .. } => format!("`coffer unlink {}`", shell_word(name)),
        Error::ProviderInUse { .. } => "`coffer list` shows which (state linked)".into(),
        _ => return None,
    };
    Some(hint)
}

/// `text` as one shell word, single-quoted when it has anything but the
/// characters a shell leaves alone.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The exit code of an error: 3 wrong key or password, 4 policy, 5 locked
/// or no key, 1 anything else.
pub fn exit_code(code: Code) -> u8 {
    match code {
        Code::WrongKey | Code::KeyTypo | Code::KeyFormat | Code::WrongPassword => 3,
        Code::PolicyDenied | Code::PolicyInvalid => 4,
        Code::KeyUnavailable | Code::Locked => 5,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_name_the_flag_and_keep_one_line() {
        let e = Error::ConflictsUnresolved { count: 2 };
        let text = line(&e);
        assert!(text.starts_with(&e.to_string()), "{text}");
        assert!(text.contains("--on-conflict"), "{text}");
        assert!(!text.contains('\n'));
        let e = Error::Locked;
        assert_eq!(line(&e), e.to_string());
    }

    #[test]
    fn a_name_in_a_hint_is_one_shell_word() {
        assert_eq!(shell_word("stripe/live"), "stripe/live");
        assert_eq!(shell_word("my key"), "'my key'");
        assert_eq!(shell_word("it's $HOME"), "'it'\\''s $HOME'");
        let e = Error::SecretDisabled { name: "a b".into() };
        assert!(line(&e).ends_with("`coffer enable 'a b'`"), "{}", line(&e));
    }

    #[test]
    fn exit_codes_follow_the_code() {
        assert_eq!(exit_code(Code::KeyTypo), 3);
        assert_eq!(exit_code(Code::PolicyInvalid), 4);
        assert_eq!(exit_code(Code::Locked), 5);
        assert_eq!(exit_code(Code::SecretNotFound), 1);
    }
}
