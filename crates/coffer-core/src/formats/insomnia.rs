//! Insomnia exports: version 4 (`__export_format: 4`, a flat list of
//! resources, in JSON or YAML) and version 5 (YAML, `type:
//! collection.insomnia.rest/5.0`, `environment.insomnia.rest/5.0`…, the
//! environments nested).
//!
//! Only environments are read, each with its own variables (not merged with
//! the base, as Insomnia lays them at run time). A workspace's base
//! environment gives secrets named after its variables (`token`); a
//! sub-environment's are prefixed with its name (`Production/token`); when
//! the file holds more than one workspace, each name starts with its
//! workspace's. One secret per top-level key, as Insomnia's table view
//! shows them: an object value is its compact JSON. A table environment's
//! rows (`kvPairData`) are read with their on/off switch. Variables of a
//! private environment are flagged secret; the values of its vault secrets
//! (`__insomnia_vault`, rows of type `secret`) are encrypted with a key
//! that never leaves Insomnia, so they are named as left out.

use std::collections::HashMap;

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

use super::incoming::{Capped, FileError, Incoming, Read};
use super::tree::json_text;

/// Where Insomnia keeps the (encrypted) values of vault secrets in `data`.
const VAULT_KEY: &str = "__insomnia_vault";

/// One environment, wherever it came from.
struct Environment {
    /// The name's parts before the variable's own.
    prefix: Vec<String>,
    data: Option<Value>,
    rows: Option<Vec<Row>>,
    private: bool,
    label: String,
}

/// A row of a table environment.
#[derive(Deserialize)]
struct Row {
    name: Option<String>,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
}

/// Which Insomnia export a YAML text is, told from its top-level keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Yaml {
    V4,
    V5,
}

#[derive(Deserialize)]
struct ExportV4 {
    #[serde(rename = "__export_format")]
    version: Option<Value>,
    #[serde(default)]
    resources: Capped<Resource>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(rename = "_id")]
    id: Option<String>,
    #[serde(rename = "_type")]
    kind: Option<String>,
    #[serde(rename = "parentId")]
    parent: Option<String>,
    name: Option<String>,
    #[serde(default)]
    data: Option<Value>,
    #[serde(default, rename = "isPrivate")]
    private: Option<bool>,
    #[serde(default, rename = "kvPairData")]
    rows: Option<Vec<Row>>,
}

/// Reads a version 4 export, JSON or YAML.
pub(crate) fn read_v4(text: &str, yaml: bool) -> Result<Read, FileError> {
    let export: ExportV4 = if yaml {
        serde_saphyr::from_str_with_options(text, yaml_options()).map_err(yaml_error)?
    } else {
        serde_json::from_str(text).map_err(FileError::json)?
    };
    match export.version.as_ref().and_then(Value::as_u64) {
        Some(4) => {}
        Some(v) => {
            return Err(FileError::UnsupportedVersion(format!(
                "Insomnia export format {v}; Coffer reads format 4 (JSON) and 5 (YAML): export again from a recent Insomnia"
            )))
        }
        None => {
            return Err(FileError::Invalid(
                "an Insomnia export whose `__export_format` is not a number".into(),
            ))
        }
    }
    let mut resources = export.resources.0;
    let rows: Vec<Option<Vec<Row>>> = resources.iter_mut().map(|r| r.rows.take()).collect();
    let by_id: HashMap<&str, &Resource> = resources
        .iter()
        .filter_map(|r| Some((r.id.as_deref()?, r)))
        .collect();
    let is_env = |r: &Resource| r.kind.as_deref() == Some("environment");
    // The workspace an environment belongs to: its parent, or its parent's
    // parent for a sub-environment.
    fn workspace_of<'a>(env: &'a Resource, by_id: &HashMap<&str, &'a Resource>) -> Option<&'a str> {
        let parent = env.parent.as_deref()?;
        match by_id.get(parent) {
            Some(p) if p.kind.as_deref() == Some("environment") => p.parent.as_deref(),
            _ => Some(parent),
        }
    }
    let mut workspaces: Vec<&str> = resources
        .iter()
        .filter(|r| is_env(r))
        .filter_map(|r| workspace_of(r, &by_id))
        .collect();
    workspaces.sort_unstable();
    workspaces.dedup();
    let several = workspaces.len() > 1;
    let environments: Vec<Environment> = resources
        .iter()
        .zip(rows)
        .filter(|(r, _)| is_env(r))
        .map(|(env, rows)| {
            let name = env.name.clone().unwrap_or_default();
            let mut prefix = Vec::new();
            if several {
                let workspace = workspace_of(env, &by_id)
                    .and_then(|id| by_id.get(id))
                    .and_then(|w| w.name.clone())
                    .unwrap_or_else(|| "Workspace".into());
                prefix.push(workspace);
            }
            let sub = env
                .parent
                .as_deref()
                .and_then(|p| by_id.get(p))
                .is_some_and(|p| is_env(p));
            if sub {
                prefix.push(name.clone());
            }
            Environment {
                prefix,
                data: env.data.clone(),
                rows,
                private: env.private.unwrap_or(false),
                label: name,
            }
        })
        .collect();
    secrets_of(environments)
}

/// Which Insomnia export a YAML text is, if any: a top-level
/// `__export_format:` (version 4) or a `type:` naming an Insomnia schema
/// (version 5), among its first top-level keys.
pub(crate) fn yaml_kind(text: &str) -> Option<Yaml> {
    text.lines()
        .filter(|l| !l.starts_with([' ', '\t', '#', '-']) && !l.trim().is_empty())
        .take(40)
        .find_map(|l| {
            let (key, value) = l.split_once(':')?;
            let value = value.trim().trim_matches(['"', '\'']);
            match key.trim_matches(['"', '\'']) {
                "__export_format" => Some(Yaml::V4),
                "type"
                    if value.contains(".insomnia.rest/")
                        || value.starts_with("mcpClient.insomnia/") =>
                {
                    Some(Yaml::V5)
                }
                _ => None,
            }
        })
}

#[derive(Deserialize)]
struct ExportV5 {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    environments: Option<EnvironmentV5>,
}

#[derive(Deserialize)]
struct EnvironmentV5 {
    name: Option<String>,
    #[serde(default)]
    meta: Option<MetaV5>,
    #[serde(default)]
    data: Option<Value>,
    #[serde(default, rename = "subEnvironments")]
    sub_environments: Option<Vec<EnvironmentV5>>,
    #[serde(default, rename = "kvPairData")]
    rows: Option<Vec<Row>>,
}

#[derive(Deserialize)]
struct MetaV5 {
    #[serde(default, rename = "isPrivate")]
    private: Option<bool>,
}

/// Reads a version 5 (YAML) export.
pub(crate) fn read_v5(text: &str) -> Result<Read, FileError> {
    let export: ExportV5 =
        serde_saphyr::from_str_with_options(text, yaml_options()).map_err(yaml_error)?;
    let version = export.kind.rsplit('/').next().unwrap_or_default();
    if !version.starts_with("5.") {
        return Err(FileError::UnsupportedVersion(format!(
            "Insomnia export type {:?}; Coffer reads format 5 (YAML) and 4 (JSON): export again from a recent Insomnia",
            export.kind
        )));
    }
    let mut environments = Vec::new();
    if let Some(base) = export.environments {
        let private = |e: &EnvironmentV5| e.meta.as_ref().and_then(|m| m.private).unwrap_or(false);
        for sub in base.sub_environments.iter().flatten() {
            if sub.sub_environments.as_ref().is_some_and(|s| !s.is_empty()) {
                return Err(FileError::Invalid(
                    "a sub-environment has sub-environments of its own, which Insomnia does not make".into(),
                ));
            }
        }
        environments.push(Environment {
            prefix: Vec::new(),
            private: private(&base),
            rows: base.rows,
            label: base.name.clone().unwrap_or_default(),
            data: base.data,
        });
        for sub in base.sub_environments.into_iter().flatten() {
            let name = sub.name.clone().unwrap_or_default();
            environments.push(Environment {
                prefix: vec![name.clone()],
                private: private(&sub),
                rows: sub.rows,
                label: name,
                data: sub.data,
            });
        }
    }
    secrets_of(environments)
}

/// YAML as Insomnia writes and reads it (the `yaml` package, YAML 1.2):
/// `on`, `yes` and `1_000` are text, not a boolean or a number. Errors carry
/// no snippet of the file.
fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.underscored_numbers_as_strings = true;
    options.with_snippet = false;
    options
}

/// A YAML error, without the text around it (it may hold a secret).
fn yaml_error(e: serde_saphyr::Error) -> FileError {
    // The cause, under the wrappers that say where an alias was used.
    let mut cause = &e;
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = cause
    {
        cause = error;
    }
    let what = match cause {
        serde_saphyr::Error::Budget { .. }
        | serde_saphyr::Error::AliasReplayCounterOverflow { .. }
        | serde_saphyr::Error::AliasReplayLimitExceeded { .. }
        | serde_saphyr::Error::AliasReplayStackDepthExceeded { .. } => {
            "it is bigger, deeper or more repetitive than Coffer reads (anchors and aliases, nesting or size beyond the limit)"
        }
        _ => "it is not the YAML of an Insomnia export; export it again from Insomnia",
    };
    match e.location() {
        Some(at) => FileError::Invalid(format!(
            "invalid YAML at line {} column {}: {what}",
            at.line(),
            at.column()
        )),
        None => FileError::Invalid(format!("invalid YAML: {what}")),
    }
}

fn secrets_of(environments: Vec<Environment>) -> Result<Read, FileError> {
    let (mut items, mut vault) = (Vec::new(), Vec::new());
    for env in environments {
        let join = |key: &str| {
            env.prefix
                .iter()
                .map(String::as_str)
                .chain([key])
                .collect::<Vec<_>>()
                .join("/")
        };
        // (name, value, enabled) of each variable.
        let mut variables: Vec<(String, String, Option<bool>)> = Vec::new();
        if let Some(rows) = env.rows.filter(|r| !r.is_empty()) {
            for row in rows {
                let Some(name) = row.name.filter(|n| !n.is_empty()) else {
                    continue;
                };
                if row.kind.as_deref() == Some("secret") {
                    vault.push(format!("{:?}", join(&name)));
                    continue;
                }
                let value = row.value.map(json_text).unwrap_or_default();
                variables.push((name, value, Some(row.enabled.unwrap_or(true))));
            }
        } else {
            match env.data {
                None | Some(Value::Null) => {}
                Some(Value::Object(map)) => {
                    for (key, value) in map {
                        if key == VAULT_KEY {
                            if let Value::Object(secrets) = value {
                                vault.extend(secrets.keys().map(|k| format!("{:?}", join(k))));
                            }
                            continue;
                        }
                        variables.push((key, json_text(value), None));
                    }
                }
                Some(_) => {
                    return Err(FileError::Invalid(format!(
                        "environment {:?}: its data is not a set of variables",
                        env.label
                    )))
                }
            }
        }
        for (key, value, enabled) in variables {
            items.push(Incoming {
                name: join(&key),
                value: SecretString::from(value),
                enabled,
                allowed_domains: None,
                note: None,
                created_at: None,
                updated_at: None,
                flagged_secret: env.private,
                link: None,
            });
        }
    }
    let left_out = if vault.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "the vault secrets {} (Insomnia encrypts their values with a key that never leaves it; add their values to Coffer yourself)",
            vault.join(", ")
        )]
    };
    Ok(Read { items, left_out })
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

    fn owned(list: &[(&str, &str, bool)]) -> Vec<(String, String, bool)> {
        list.iter()
            .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), *c))
            .collect()
    }

    #[test]
    fn v4_base_and_sub_environments_are_named_apart_and_private_ones_flagged() {
        let text = r#"{"_type":"export","__export_format":4,"resources":[
            {"_id":"wrk_1","_type":"workspace","name":"API"},
            {"_id":"req_1","_type":"request","parentId":"wrk_1","name":"Get","url":"{{ _.base_url }}"},
            {"_id":"env_base","_type":"environment","parentId":"wrk_1","name":"Base Environment","data":{"base_url":"https://api.example.com","auth":{"user":"me"}}},
            {"_id":"env_prod","_type":"environment","parentId":"env_base","name":"Production","data":{"token":"prod-tok","port":443},"isPrivate":true},
            {"_id":"env_empty","_type":"environment","parentId":"env_base","name":"Empty","data":{}}
        ]}"#;
        let got = read_v4(text, false).expect("reads");
        assert_eq!(
            summary(&got),
            owned(&[
                ("base_url", "https://api.example.com", false),
                ("auth", r#"{"user":"me"}"#, false),
                ("Production/token", "prod-tok", true),
                ("Production/port", "443", true),
            ])
        );
    }

    #[test]
    fn v4_with_several_workspaces_prefixes_each_with_its_workspace() {
        let text = r#"{"_type":"export","__export_format":4,"resources":[
            {"_id":"wrk_a","_type":"workspace","name":"A"},
            {"_id":"wrk_b","_type":"workspace","name":"B"},
            {"_id":"env_a","_type":"environment","parentId":"wrk_a","name":"Base Environment","data":{"k":"a"}},
            {"_id":"env_b","_type":"environment","parentId":"wrk_b","name":"Base Environment","data":{"k":"b"}},
            {"_id":"env_b2","_type":"environment","parentId":"env_b","name":"Dev","data":{"k":"b-dev"}}
        ]}"#;
        let got = read_v4(text, false).expect("reads");
        assert_eq!(
            summary(&got),
            owned(&[
                ("A/k", "a", false),
                ("B/k", "b", false),
                ("B/Dev/k", "b-dev", false)
            ])
        );
    }

    #[test]
    fn table_rows_keep_their_switch_and_vault_secrets_are_named_as_left_out() {
        let text = r#"{"_type":"export","__export_format":4,"resources":[
            {"_id":"env_1","_type":"environment","parentId":"wrk_1","name":"Base","isPrivate":true,
             "environmentType":"kv",
             "data":{"on":"1","__insomnia_vault":{"api_key":"eyJjaXBoZXJ0ZXh0Ijoi"}},
             "kvPairData":[{"id":"a","name":"on","value":"1","type":"str","enabled":true},
                           {"id":"b","name":"off","value":"2","type":"str","enabled":false},
                           {"id":"c","name":"api_key","value":"eyJjaXBoZXJ0ZXh0Ijoi","type":"secret","enabled":true}]},
            {"_id":"env_2","_type":"environment","parentId":"env_1","name":"Sub",
             "data":{"x":"y","__insomnia_vault":{"tok":"••••••"}}}
        ]}"#;
        let got = read_v4(text, false).expect("reads");
        assert_eq!(
            summary(&got),
            owned(&[("on", "1", true), ("off", "2", true), ("Sub/x", "y", false)])
        );
        let enabled: Vec<Option<bool>> = got.items.iter().map(|i| i.enabled).collect();
        assert_eq!(enabled, [Some(true), Some(false), None]);
        assert_eq!(got.left_out.len(), 1);
        assert!(
            got.left_out[0].starts_with(r#"the vault secrets "api_key", "Sub/tok" ("#),
            "{:?}",
            got.left_out
        );
    }

    #[test]
    fn v4_refuses_other_versions_and_data_that_is_not_variables() {
        let old = r#"{"_type":"export","__export_format":3,"resources":[]}"#;
        assert!(
            matches!(read_v4(old, false), Err(FileError::UnsupportedVersion(m)) if m.contains("format 3"))
        );
        let bad = r#"{"_type":"export","__export_format":4,"resources":[
            {"_id":"e","_type":"environment","parentId":"w","name":"Base","data":"text"}]}"#;
        assert!(
            matches!(read_v4(bad, false), Err(FileError::Invalid(m)) if m.contains(r#"environment "Base""#))
        );
    }

    #[test]
    fn v5_yaml_environments_are_read_and_its_errors_hold_no_value() {
        let text = "type: collection.insomnia.rest/5.0\nname: API\nmeta:\n  id: wrk_1\ncollection: []\nenvironments:\n  name: Base Environment\n  meta:\n    id: env_1\n    isPrivate: false\n  data:\n    base_url: https://api.example.com\n    feature: on\n    budget: 1_000\n    nested:\n      key: \"v: 1\"\n  subEnvironments:\n    - name: Prod\n      meta:\n        id: env_2\n        isPrivate: true\n      data:\n        token: prod-tok\n";
        assert_eq!(yaml_kind(text), Some(Yaml::V5));
        let got = read_v5(text).expect("reads");
        assert_eq!(
            summary(&got),
            owned(&[
                ("base_url", "https://api.example.com", false),
                ("feature", "on", false),
                ("budget", "1_000", false),
                ("nested", r#"{"key":"v: 1"}"#, false),
                ("Prod/token", "prod-tok", true),
            ])
        );
        let broken = "type: collection.insomnia.rest/5.0\nenvironments:\n  data:\n    token: \"sk_live_secret\n";
        match read_v5(broken) {
            Err(FileError::Invalid(m)) => {
                assert!(m.starts_with("invalid YAML"), "{m}");
                assert!(!m.contains("sk_live"), "{m}");
            }
            _ => panic!("a broken YAML file was not refused as invalid"),
        }
        assert_eq!(yaml_kind("KEY=value\n"), None);
        assert_eq!(
            yaml_kind("# c\n_type: export\n__export_format: 4\n"),
            Some(Yaml::V4)
        );
        assert!(matches!(
            read_v5("type: collection.insomnia.rest/4.0\n"),
            Err(FileError::UnsupportedVersion(_))
        ));
    }
    #[test]
    fn a_yaml_alias_bomb_is_refused_as_such() {
        let mut text = String::from(
            "type: collection.insomnia.rest/5.0\nenvironments:\n  data:\n    l0: &L0 [a, a, a, a, a, a, a, a]\n",
        );
        for level in 1..8 {
            text.push_str(&format!(
                "    l{level}: &L{level} [{}]\n",
                vec![format!("*L{}", level - 1); 8].join(", ")
            ));
        }
        match read_v5(&text) {
            Err(FileError::Invalid(m)) => {
                assert!(m.contains("more repetitive than Coffer reads"), "{m}")
            }
            _ => panic!("an alias bomb was not refused as invalid"),
        }
    }
}
