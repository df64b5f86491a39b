//! Bruno environments: a collection's `environments/NAME.bru` file and the
//! JSON that Bruno's "export environment" writes.
//!
//! A `.bru` environment is a run of blocks: `vars { name: value }` (a `~`
//! before the name turns it off; `'''` opens a value of several lines,
//! indented by four), `vars:secret [ a, b ]` (names only: Bruno keeps
//! secret values outside the file), `vars:externalsecrets:… {}` and
//! `color:`. A block closes at a `}` that starts a line. Values are the
//! rest of the line, trimmed, with no quoting or escapes. `@number`-style
//! lines above a variable tell Bruno how to convert it; the text is kept.
//!
//! The JSON export is one environment (`{name, variables, info}`), several
//! (`{info, environments: […]}`) or a list. Its variables are `{name,
//! value, enabled, secret}`; a secret's value is exported empty.
//!
//! Names are the variables' own, prefixed with the environment's name when
//! a file holds several. A secret without a value is named as left out.

use serde::Deserialize;
use serde_json::Value;

use super::incoming::{too_many, Capped, FileError, Read, IMPORT_MAX_ENTRIES};
use super::tree::json_text;
use super::variables::{read_of, Variable};

/// Whether a text is a `.bru` environment: its first line that is not
/// blank or a `color:` opens a `vars` block.
pub(crate) fn is_bru(text: &str) -> bool {
    text.lines()
        .map(str::trim_end)
        .find(|l| !l.is_empty() && !l.starts_with("color:"))
        .is_some_and(|l| block_of(l).is_some())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Vars,
    Secret,
    External,
}

/// The block a top-level line opens, if any.
fn block_of(line: &str) -> Option<Block> {
    let rest = line.strip_prefix("vars")?;
    if rest.trim_start().starts_with('{') {
        Some(Block::Vars)
    } else if let Some(r) = rest.strip_prefix(":secret") {
        r.trim_start().starts_with('[').then_some(Block::Secret)
    } else if let Some(r) = rest.strip_prefix(":externalsecrets:") {
        r.trim_end().ends_with('{').then_some(Block::External)
    } else {
        None
    }
}

fn at(line: usize, what: &str) -> FileError {
    FileError::Invalid(format!("line {line}: {what}"))
}

/// Reads a `.bru` environment.
pub(crate) fn read_bru(text: &str) -> Result<Read, FileError> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut vars = Vec::new();
    let mut external = 0usize;
    let mut i = 0;
    while i < lines.len() {
        let (n, line) = (i + 1, lines[i]);
        i += 1;
        if line.trim().is_empty() || line.starts_with("color:") {
            continue;
        }
        match block_of(line) {
            Some(Block::Vars) => i = read_pairs(&lines, i, n, &mut vars)?,
            Some(Block::Secret) => i = read_secret_names(&lines, i - 1, n, &mut vars)?,
            Some(Block::External) => {
                // References into another vault, not values: counted, said.
                let start = i;
                i = read_pairs(&lines, i, n, &mut Vec::new())?;
                external += lines[start..i - 1]
                    .iter()
                    .filter(|l| l.contains(':'))
                    .count();
            }
            None => {
                return Err(at(
                    n,
                    "expected a `vars {`, `vars:secret [` or `color:` line of a Bruno environment",
                ))
            }
        }
        if vars.len() > IMPORT_MAX_ENTRIES {
            return Err(FileError::Invalid(too_many()));
        }
    }
    let mut read = secrets_of(vec![(None, vars)]);
    if external > 0 {
        read.left_out.push(format!(
            "{external} external secret reference(s) (they point into another vault; link them when Coffer can)"
        ));
    }
    Ok(read)
}

/// Reads the pairs of a `vars {` block opened on line `opened` up to its
/// closing `}`; returns the index of the line after it.
fn read_pairs(
    lines: &[&str],
    mut i: usize,
    opened: usize,
    out: &mut Vec<Variable>,
) -> Result<usize, FileError> {
    while i < lines.len() {
        let (n, line) = (i + 1, lines[i]);
        i += 1;
        if line.starts_with('}') {
            return Ok(i);
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('@') {
            i = skip_annotation(lines, i - 1)?;
            continue;
        }
        let Some((key, value)) = trimmed.split_once(':') else {
            // Not quoted: such a line is often a value (a key's line).
            return Err(at(n, "expected NAME: VALUE (this line has no `:`)"));
        };
        let (key, enabled) = match key.trim().strip_prefix('~') {
            Some(k) => (k, false),
            None => (key.trim(), true),
        };
        let value = value.trim();
        let value = if value == "'''" {
            let (text, next) = multi_line(lines, i, n)?;
            i = next;
            text
        } else {
            value.to_owned()
        };
        if !key.is_empty() {
            out.push(Variable {
                name: key.to_owned(),
                value: Some(value),
                enabled: Some(enabled),
                secret: false,
            });
        }
    }
    Err(at(
        opened,
        "this `vars` block is never closed (a `}` at the start of a line)",
    ))
}

/// A value of several lines, opened by `'''` on line `opened`: the lines up
/// to a line holding only `'''`, each without its first four characters,
/// joined and trimmed (as Bruno reads them).
fn multi_line(lines: &[&str], mut i: usize, opened: usize) -> Result<(String, usize), FileError> {
    let mut parts = Vec::new();
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.trim() == "'''" {
            return Ok((parts.join("\n").trim().to_owned(), i));
        }
        parts.push(line.chars().skip(4).collect::<String>());
    }
    Err(at(opened, "this `'''` value is never closed"))
}

/// Skips an annotation line (`@number`, `@description('…')`), and the
/// lines of a `'''` argument that runs on; returns the next line's index.
fn skip_annotation(lines: &[&str], i: usize) -> Result<usize, FileError> {
    let line = lines[i].trim();
    let opens_block = line.contains("('''") && !line.ends_with("''')");
    if !opens_block {
        return Ok(i + 1);
    }
    lines[i + 1..]
        .iter()
        .position(|l| l.trim_end().ends_with("''')"))
        .map(|p| i + 1 + p + 1)
        .ok_or_else(|| at(i + 1, "this annotation's `'''` text is never closed"))
}

/// Reads a `vars:secret [` list that starts on line index `i` (inline or
/// one name a line); returns the index of the line after its `]`.
fn read_secret_names(
    lines: &[&str],
    mut i: usize,
    opened: usize,
    out: &mut Vec<Variable>,
) -> Result<usize, FileError> {
    let first = lines[i];
    let mut body = first[first.find('[').map_or(first.len(), |p| p + 1)..].to_owned();
    i += 1;
    while !body.contains(']') {
        let Some(line) = lines.get(i) else {
            return Err(at(opened, "this `vars:secret` list is never closed (`]`)"));
        };
        i += 1;
        if line.trim().starts_with('@') {
            continue;
        }
        body.push(',');
        body.push_str(line);
    }
    let names = &body[..body.find(']').unwrap_or(body.len())];
    for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name.starts_with('@') {
            continue;
        }
        let (name, enabled) = match name.strip_prefix('~') {
            Some(n) => (n, false),
            None => (name, true),
        };
        out.push(Variable {
            name: name.to_owned(),
            value: None,
            enabled: Some(enabled),
            secret: true,
        });
    }
    Ok(i)
}

/// One environment (`name`, `variables`) or several (`environments`).
#[derive(Deserialize)]
struct ExportJson {
    name: Option<String>,
    variables: Option<Capped<VariableJson>>,
    environments: Option<Capped<EnvironmentJson>>,
}

#[derive(Deserialize)]
struct EnvironmentJson {
    name: Option<String>,
    variables: Capped<VariableJson>,
}

#[derive(Deserialize)]
struct VariableJson {
    name: Option<String>,
    #[serde(default)]
    value: Option<Value>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    secret: Option<bool>,
}

/// Reads Bruno's JSON export (one environment, several, or a list).
pub(crate) fn read_json(text: &str) -> Result<Read, FileError> {
    let environments = if text.trim_start().starts_with('[') {
        serde_json::from_str::<Capped<EnvironmentJson>>(text)
            .map_err(FileError::json)?
            .0
    } else {
        let export: ExportJson = serde_json::from_str(text).map_err(FileError::json)?;
        match (export.environments, export.variables) {
            (Some(several), _) => several.0,
            (None, Some(variables)) => vec![EnvironmentJson {
                name: export.name,
                variables,
            }],
            (None, None) => {
                return Err(FileError::Invalid(
                    "a Bruno environment export without `variables` or `environments`".into(),
                ))
            }
        }
    };
    let several = environments.len() > 1;
    let mut lists = Vec::new();
    for (e, env) in environments.into_iter().enumerate() {
        let env_name = env.name.unwrap_or_else(|| format!("environment {}", e + 1));
        let mut vars = Vec::new();
        for (i, var) in env.variables.0.into_iter().enumerate() {
            let Some(name) = var.name.filter(|n| !n.is_empty()) else {
                return Err(FileError::Invalid(format!(
                    "{env_name:?}, variable #{}: no \"name\"",
                    i + 1
                )));
            };
            let secret = var.secret.unwrap_or(false);
            let value = var.value.map(json_text).unwrap_or_default();
            vars.push(Variable {
                name,
                // Bruno exports a secret's value empty: it is not there.
                value: (!secret || !value.is_empty()).then_some(value),
                enabled: Some(var.enabled.unwrap_or(true)),
                secret,
            });
        }
        lists.push((several.then_some(env_name), vars));
    }
    Ok(secrets_of(lists))
}

/// What Bruno files gave.
fn secrets_of(environments: Vec<(Option<String>, Vec<Variable>)>) -> Read {
    read_of(environments, "Bruno keeps their values outside the file")
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn summary(read: &Read) -> Vec<(String, String, Option<bool>, bool)> {
        read.items
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    i.value.expose_secret().to_owned(),
                    i.enabled,
                    i.flagged_secret,
                )
            })
            .collect()
    }

    #[test]
    fn bru_values_are_the_rest_of_the_line_and_blocks_close_at_the_margin() {
        let text = concat!(
            "color: #3B82F6\n",
            "vars {\n",
            "  url: https://x.example/a?b=c:d\n",
            "  ~off: \"quoted\" \\n kept\n",
            "  @description('''\n",
            "    about\n",
            "  ''')\n",
            "  pem: '''\n",
            "    -----BEGIN-----\n",
            "      indented\n",
            "    -----END-----\n",
            "  '''\n",
            "  empty:\n",
            "}\n",
            "vars:secret [ tok, ~old ]\n",
            "vars:externalsecrets:aws {\n",
            "  db: prod/db\n",
            "}\n",
        );
        assert!(is_bru(text));
        let got = read_bru(text).expect("reads");
        let want: Vec<(String, String, Option<bool>, bool)> = vec![
            (
                "url".into(),
                "https://x.example/a?b=c:d".into(),
                Some(true),
                false,
            ),
            (
                "off".into(),
                "\"quoted\" \\n kept".into(),
                Some(false),
                false,
            ),
            (
                "pem".into(),
                "-----BEGIN-----\n  indented\n-----END-----".into(),
                Some(true),
                false,
            ),
            ("empty".into(), String::new(), Some(true), false),
        ];
        assert_eq!(summary(&got), want);
        assert_eq!(got.left_out.len(), 2, "{:?}", got.left_out);
        assert!(
            got.left_out[0].contains(r#""tok", "old""#),
            "{:?}",
            got.left_out
        );
        assert!(
            got.left_out[1].starts_with("1 external secret"),
            "{:?}",
            got.left_out
        );
    }

    #[test]
    fn bru_errors_name_the_line_without_quoting_a_value() {
        for (text, want) in [
            (
                "vars {\n  a: 1\n",
                "line 1: this `vars` block is never closed",
            ),
            (
                "vars {\n  a: 1\n  sk_live_value\n}\n",
                "line 3: expected NAME: VALUE (this line has no `:`)",
            ),
            ("vars {\n}\nsomething else\n", "line 3: expected a `vars {`"),
            (
                "vars:secret [\n  a,\n",
                "line 1: this `vars:secret` list is never closed",
            ),
            (
                "vars {\n  @description('''\n    x\n}\n",
                "line 2: this annotation's `'''` text is never closed",
            ),
        ] {
            match read_bru(text) {
                Err(FileError::Invalid(m)) => assert!(m.starts_with(want), "{m}"),
                _ => panic!("{text:?} was not refused"),
            }
        }
        assert!(!is_bru("KEY=value\n"));
        assert!(!is_bru("variables {\n"));
    }

    #[test]
    fn bruno_json_reads_one_or_several_environments() {
        let one = r#"{"name":"local","variables":[
            {"name":"host","value":"http://localhost","enabled":true,"secret":false,"type":"text"},
            {"name":"port","value":3000,"enabled":false,"secret":false,"type":"text","dataType":"number"},
            {"name":"tok","value":"","enabled":true,"secret":true,"type":"text"}],
            "info":{"type":"bruno-environment"}}"#;
        let got = read_json(one).expect("one");
        let want: Vec<(String, String, Option<bool>, bool)> = vec![
            ("host".into(), "http://localhost".into(), Some(true), false),
            ("port".into(), "3000".into(), Some(false), false),
        ];
        assert_eq!(summary(&got), want);
        assert!(got.left_out[0].contains(r#""tok""#));
        let several = r#"{"info":{"type":"bruno-environment"},"environments":[
            {"name":"dev","variables":[{"name":"k","value":"d"}]},
            {"name":"prod","variables":[{"name":"k","value":"p","secret":true}]}]}"#;
        let got = read_json(several).expect("several");
        let want: Vec<(String, String, Option<bool>, bool)> = vec![
            ("dev/k".into(), "d".into(), Some(true), false),
            ("prod/k".into(), "p".into(), Some(true), true),
        ];
        assert_eq!(summary(&got), want);
        assert!(matches!(
            read_json(r#"{"name":"x"}"#),
            Err(FileError::Invalid(m)) if m.contains("without `variables` or `environments`")
        ));
    }
}
