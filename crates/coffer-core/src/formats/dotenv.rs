//! dotenv files: `KEY=value` lines, as the dotenv libraries read them.

use secrecy::SecretString;

use super::incoming::{FileError, Incoming};

/// Whether the first meaningful line of `text` looks like `KEY=VALUE`.
pub(crate) fn looks_like(text: &str) -> bool {
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
pub(crate) fn read(text: &str) -> Result<Vec<Incoming>, FileError> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, raw)) = lines.next() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = n + 1;
        if out.len() == super::incoming::IMPORT_MAX_ENTRIES {
            return Err(FileError::Invalid(super::incoming::too_many()));
        }
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
            enabled: None,
            allowed_domains: None,
            note: None,
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
        let got = pairs(&read(text).expect("parses"));
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
            match read(text) {
                Err(FileError::Invalid(msg)) => assert!(msg.contains(needle), "{msg}"),
                _ => panic!("{text:?} accepted"),
            }
        }
    }
}
