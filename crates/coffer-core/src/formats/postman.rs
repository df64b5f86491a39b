//! Postman environment exports (`values[]`), read as Newman reads them.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::secret::Timestamp;

use super::incoming::{Capped, FileError, Incoming};

/// A Postman environment export: `{"name": …, "values": [{key, value, type, enabled}], …}`.
#[derive(Deserialize)]
struct PostmanEnvironment {
    values: Capped<PostmanVariable>,
}

#[derive(Deserialize)]
struct PostmanVariable {
    /// Missing: reported with the variable's number (serde would call the
    /// whole file invalid JSON).
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: serde_json::Value,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
    /// Newman honours it as `enabled: false`.
    #[serde(default)]
    disabled: Option<bool>,
}

/// Every variable becomes a secret; `type: "secret"` ones are flagged.
pub(crate) fn read(text: &str) -> Result<Vec<Incoming>, FileError> {
    let env: PostmanEnvironment = serde_json::from_str(text).map_err(FileError::json)?;
    env.values
        .0
        .into_iter()
        .enumerate()
        .map(|(i, var)| {
            let Some(key) = var.key else {
                return Err(FileError::Invalid(format!(
                    "variable #{} has no \"key\" (its name)",
                    i + 1
                )));
            };
            let value = match var.value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Number(n) => n.to_string(),
                other => {
                    return Err(FileError::Invalid(format!(
                        "variable #{} ({:?}): a value must be text, found {}",
                        i + 1,
                        key,
                        kind_of(&other)
                    )))
                }
            };
            // Off if either flag says so, as Newman reads it.
            let enabled = var.enabled.unwrap_or(true) && !var.disabled.unwrap_or(false);
            Ok(Incoming {
                name: key,
                value: SecretString::from(value),
                enabled: Some(enabled),
                allowed_domains: None,
                note: None,
                created_at: None,
                updated_at: None,
                flagged_secret: var.kind.as_deref() == Some("secret"),
                link: None,
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

#[derive(Serialize)]
struct EnvironmentOut<'a> {
    id: String,
    name: &'static str,
    values: Vec<VariableOut<'a>>,
    #[serde(rename = "_postman_variable_scope")]
    scope: &'static str,
    #[serde(rename = "_postman_exported_at")]
    exported_at: String,
    #[serde(rename = "_postman_exported_using")]
    exported_using: &'static str,
}

#[derive(Serialize)]
struct VariableOut<'a> {
    key: &'a str,
    value: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    enabled: bool,
}

/// A Postman environment of `(name, value, enabled)`, every variable of type
/// `secret` (Postman masks those), as Postman and Newman import it.
pub(crate) fn write_postman<'a>(
    items: impl IntoIterator<Item = (&'a str, &'a str, bool)>,
    exported_at: Timestamp,
) -> Zeroizing<Vec<u8>> {
    let id = crate::crypto::random_id();
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let env = EnvironmentOut {
        id: format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        ),
        name: "Coffer export",
        values: items
            .into_iter()
            .map(|(key, value, enabled)| VariableOut {
                key,
                value,
                kind: "secret",
                enabled,
            })
            .collect(),
        scope: "environment",
        exported_at: exported_at.rfc3339(),
        exported_using: "Coffer",
    };
    let mut out = Zeroizing::new(
        serde_json::to_vec_pretty(&env).unwrap_or_else(|_| unreachable!("strings serialize")),
    );
    out.push(b'\n');
    out
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
    fn postman_variables_become_secrets_and_secret_type_is_flagged() {
        let text = r#"{"id":"e1","name":"Prod","values":[
            {"key":"host","value":"api.example.com","type":"default","enabled":true},
            {"key":"token","value":"sk_123","type":"secret","enabled":false},
            {"key":"port","value":8443},
            {"key":"empty","value":null}
        ],"_postman_variable_scope":"environment"}"#;
        let got = read(text).expect("parses");
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
        assert_eq!(got[1].enabled, Some(false));
        let err = read(r#"{"values":[{"key":"x","value":[1]}]}"#)
            .err()
            .expect("list value");
        assert!(matches!(err, FileError::Invalid(m) if m.contains("variable #1")));
    }

    #[test]
    fn disabled_variables_are_read_as_newman_reads_them_and_a_missing_key_is_named() {
        let got = read(
            r#"{"values":[
            {"key":"a","value":"1","disabled":true},
            {"key":"b","value":"2","disabled":false},
            {"key":"c","value":"3","enabled":true,"disabled":true},
            {"key":"d","value":"4"}]}"#,
        )
        .expect("parses");
        let enabled: Vec<Option<bool>> = got.iter().map(|i| i.enabled).collect();
        assert_eq!(enabled, [Some(false), Some(true), Some(false), Some(true)]);
        let err = read(r#"{"values":[{"key":"a","value":"1"},{"value":"no name"}]}"#)
            .err()
            .expect("no key");
        assert!(
            matches!(&err, FileError::Invalid(m) if m == "variable #2 has no \"key\" (its name)"),
            "{:?}",
            matches!(err, FileError::Invalid(_))
        );
    }
}
