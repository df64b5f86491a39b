//! Postman environment exports (`values[]`), read as Newman reads them.

use secrecy::SecretString;
use serde::Deserialize;

use super::incoming::{Capped, FileError, Incoming};

/// A Postman environment export: `{"name": …, "values": [{key, value, type, enabled}], …}`.
#[derive(Deserialize)]
struct PostmanEnvironment {
    values: Capped<PostmanVariable>,
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
pub(crate) fn read(text: &str) -> Result<Vec<Incoming>, FileError> {
    let env: PostmanEnvironment = serde_json::from_str(text).map_err(FileError::json)?;
    env.values
        .0
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
                enabled: Some(var.enabled.unwrap_or(true)),
                allowed_domains: None,
                note: None,
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
}
