//! Hoppscotch environment exports: one environment (`{name, variables}`)
//! or a list of them, in any of the schema's versions: `{key, value}` (v0),
//! with `secret` (v1), `{key, initialValue, currentValue, secret}` (v2).
//!
//! Variables keep their key as name when the file holds one environment,
//! and are prefixed with the environment's name (`Prod/token`) when it
//! holds several. Hoppscotch leaves the values of secret variables out of
//! its exports: such a variable without a value is named as left out
//! rather than imported empty.

use serde::Deserialize;
use serde_json::Value;

use super::incoming::{too_many, Capped, FileError, Read, IMPORT_MAX_ENTRIES};
use super::tree::json_text;
use super::variables::{read_of, Variable};

#[derive(Deserialize)]
struct Environment {
    name: Option<String>,
    variables: Capped<VariableJson>,
}

#[derive(Deserialize)]
struct VariableJson {
    key: Option<String>,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default, rename = "currentValue")]
    current_value: Option<Value>,
    #[serde(default, rename = "initialValue")]
    initial_value: Option<Value>,
    #[serde(default)]
    secret: Option<bool>,
}

/// Reads one environment or a list of them.
pub(crate) fn read(text: &str) -> Result<Read, FileError> {
    let environments: Vec<Environment> = if text.trim_start().starts_with('[') {
        serde_json::from_str::<Capped<Environment>>(text)
            .map_err(FileError::json)?
            .0
    } else {
        vec![serde_json::from_str(text).map_err(FileError::json)?]
    };
    let several = environments.len() > 1;
    let mut lists = Vec::new();
    let mut count = 0usize;
    for (e, env) in environments.into_iter().enumerate() {
        let mut vars = Vec::new();
        let env_name = env.name.unwrap_or_else(|| format!("environment {}", e + 1));
        for (i, var) in env.variables.0.into_iter().enumerate() {
            let Some(key) = var.key else {
                return Err(FileError::Invalid(format!(
                    "{env_name:?}, variable #{}: no \"key\" (its name)",
                    i + 1
                )));
            };
            // The current value is what requests used; the initial one is
            // what the team shares.
            let value = [var.current_value, var.value, var.initial_value]
                .into_iter()
                .flatten()
                .map(json_text)
                .find(|v| !v.is_empty());
            let secret = var.secret.unwrap_or(false);
            count += 1;
            if count > IMPORT_MAX_ENTRIES {
                return Err(FileError::Invalid(too_many()));
            }
            vars.push(Variable {
                name: key,
                value: value.or_else(|| (!secret).then(String::new)),
                enabled: None,
                secret,
            });
        }
        lists.push((several.then_some(env_name), vars));
    }
    Ok(read_of(
        lists,
        "Hoppscotch exports them without their values",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn summary(read: &Read) -> Vec<(String, String, bool)> {
        read.items
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    i.value.expose_secret().to_owned(),
                    i.flagged_secret,
                )
            })
            .collect()
    }

    #[test]
    fn every_schema_version_reads_and_secret_values_left_out_are_named() {
        let v0 = r#"{"name":"Local","variables":[{"key":"host","value":"localhost"}]}"#;
        let got = read(v0).expect("v0");
        assert_eq!(summary(&got), [("host".into(), "localhost".into(), false)]);
        let v2 = r#"[{"v":2,"id":"1","name":"Prod","variables":[
            {"key":"host","initialValue":"api.example.com","currentValue":"","secret":false},
            {"key":"token","initialValue":"","currentValue":"tok-now","secret":true},
            {"key":"unset","secret":true}]},
            {"v":1,"id":"2","name":"Dev","variables":[{"key":"host","value":"dev.example.com","secret":false}]}]"#;
        let got = read(v2).expect("v2");
        assert_eq!(
            summary(&got),
            [
                ("Prod/host".into(), "api.example.com".into(), false),
                ("Prod/token".into(), "tok-now".into(), true),
                ("Dev/host".into(), "dev.example.com".into(), false),
            ]
        );
        assert_eq!(got.left_out.len(), 1);
        assert!(
            got.left_out[0].contains(r#""Prod/unset""#),
            "{:?}",
            got.left_out
        );
    }

    #[test]
    fn a_variable_without_a_key_is_named() {
        let no_key = r#"{"name":"E","variables":[{"key":"k","value":"v"},{"value":"x"}]}"#;
        assert!(matches!(
            read(no_key),
            Err(FileError::Invalid(m)) if m == r#""E", variable #2: no "key" (its name)"#
        ));
    }
}
