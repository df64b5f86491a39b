//! Formats of other tools: Postman environment exports and dotenv files.

use secrecy::SecretString;
use serde::Deserialize;

use super::{FileError, Incoming};

/// A Postman environment export: `{"name": …, "values": [{key, value, type, enabled}], …}`.
#[derive(Deserialize)]
struct PostmanEnvironment {
    values: Vec<PostmanVariable>,
}

#[derive(Deserialize)]
struct PostmanVariable {
    key: String,
    #[serde(default)]
    value: serde_json::Value,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
}

/// Every variable becomes a secret; `type: "secret"` ones are flagged.
pub(crate) fn read_postman(text: &str) -> Result<Vec<Incoming>, FileError> {
    let env: PostmanEnvironment = serde_json::from_str(text).map_err(FileError::json)?;
    env.values
        .into_iter()
        .enumerate()
        .map(|(i, var)| {
            let value = match var.value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Number(n) => n.to_string(),
                other => {
                    return Err(FileError::Invalid(format!(
                        "variable #{} ({:?}): a value must be text, found {}",
                        i + 1,
                        var.key,
                        kind_of(&other)
                    )))
                }
            };
            Ok(Incoming {
                name: var.key,
                value: SecretString::from(value),
                enabled: var.enabled.unwrap_or(true),
                allowed_domains: Vec::new(),
                note: String::new(),
                created_at: None,
                updated_at: None,
                flagged_secret: var.kind.as_deref() == Some("secret"),
            })
        })
        .collect()
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
        _ => "a scalar",
    }
}

/// Whether the first meaningful line of `text` looks like `KEY=VALUE`.
pub(crate) fn looks_like_dotenv(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| split_assignment(l).is_some())
}

fn split_assignment(line: &str) -> Option<(&str, &str)> {
    let line = line
        .strip_prefix("export ")
        .map(str::trim_start)
        .unwrap_or(line);
    let (key, rest) = line.split_once('=')?;
    let key = key.trim_end();
    let valid = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    valid.then_some((key, rest))
}

/// dotenv: `KEY=value`, `export KEY=value`, `# comments`, `'literal'`,
/// `"escaped\n"` (may span lines), and ` # comments` after unquoted values.
pub(crate) fn read_dotenv(text: &str) -> Result<Vec<Incoming>, FileError> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, raw)) = lines.next() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = n + 1;
        let (key, rest) = split_assignment(line)
            .ok_or_else(|| FileError::Invalid(format!("line {at}: expected KEY=VALUE")))?;
        let rest = rest.trim_start();
        let value = if let Some(body) = rest.strip_prefix('\'') {
            let end = body.find('\'').ok_or_else(|| {
                FileError::Invalid(format!("line {at}: the single quote is never closed"))
            })?;
            check_trailing(&body[end + 1..], at)?;
            body[..end].to_owned()
        } else if let Some(body) = rest.strip_prefix('"') {
            let mut collected = body.to_owned();
            loop {
                if let Some((value, after)) = close_double_quoted(&collected) {
                    check_trailing(&after, at)?;
                    break value;
                }
                match lines.next() {
                    Some((_, more)) => {
                        collected.push('\n');
                        collected.push_str(more);
                    }
                    None => {
                        return Err(FileError::Invalid(format!(
                            "line {at}: the double quote is never closed"
                        )))
                    }
                }
            }
        } else {
            let value = match rest.find(" #") {
                Some(i) => &rest[..i],
                None => rest,
            };
            value.trim_end().to_owned()
        };
        out.push(Incoming {
            name: key.to_owned(),
            value: SecretString::from(value),
            enabled: true,
            allowed_domains: Vec::new(),
            note: String::new(),
            created_at: None,
            updated_at: None,
            flagged_secret: false,
        });
    }
    Ok(out)
}

/// Finds the closing `"` of a double-quoted value; returns the unescaped value and what follows.
fn close_double_quoted(body: &str) -> Option<(String, String)> {
    let mut value = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, body[i + 1..].to_owned())),
            '\\' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 'r')) => value.push('\r'),
                Some((_, 't')) => value.push('\t'),
                Some((_, other)) => value.push(other),
                None => value.push('\\'),
            },
            other => value.push(other),
        }
    }
    None
}

fn check_trailing(after: &str, at: usize) -> Result<(), FileError> {
    let after = after.trim();
    if after.is_empty() || after.starts_with('#') {
        Ok(())
    } else {
        Err(FileError::Invalid(format!(
            "line {at}: unexpected text after the closing quote"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn pairs(items: &[Incoming]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|i| (i.name.clone(), i.value.expose_secret().to_owned()))
            .collect()
    }

    #[test]
    fn dotenv_forms() {
        let text = "# comment\n\nA=1\nexport B = two words # note\nC='lit # \\n'\nD=\"x\\ny\"\nE=\"multi\nline\"\nF=\nG=a=b\n";
        let got = pairs(&read_dotenv(text).expect("parses"));
        let want: Vec<(String, String)> = [
            ("A", "1"),
            ("B", "two words"),
            ("C", "lit # \\n"),
            ("D", "x\ny"),
            ("E", "multi\nline"),
            ("F", ""),
            ("G", "a=b"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn dotenv_errors_name_the_line() {
        for (text, needle) in [
            ("A=1\nthis is prose\n", "line 2: expected KEY=VALUE"),
            ("A='open\n", "line 1: the single quote is never closed"),
            (
                "A=1\nB=\"open\nstill\n",
                "line 2: the double quote is never closed",
            ),
            (
                "A=\"x\" trailing\n",
                "line 1: unexpected text after the closing quote",
            ),
            ("1A=x\n", "line 1: expected KEY=VALUE"),
        ] {
            match read_dotenv(text) {
                Err(FileError::Invalid(msg)) => assert!(msg.contains(needle), "{msg}"),
                _ => panic!("{text:?} accepted"),
            }
        }
    }

    #[test]
    fn postman_variables_become_secrets_and_secret_type_is_flagged() {
        let text = r#"{"id":"e1","name":"Prod","values":[
            {"key":"host","value":"api.example.com","type":"default","enabled":true},
            {"key":"token","value":"sk_123","type":"secret","enabled":false},
            {"key":"port","value":8443},
            {"key":"empty","value":null}
        ],"_postman_variable_scope":"environment"}"#;
        let got = read_postman(text).expect("parses");
        assert_eq!(
            pairs(&got),
            [
                ("host", "api.example.com"),
                ("token", "sk_123"),
                ("port", "8443"),
                ("empty", "")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert!(got[1].flagged_secret && !got[0].flagged_secret);
        assert!(!got[1].enabled);
        let err = read_postman(r#"{"values":[{"key":"x","value":[1]}]}"#)
            .err()
            .expect("list value");
        assert!(matches!(err, FileError::Invalid(m) if m.contains("variable #1")));
    }
}
