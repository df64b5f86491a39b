//! A password manager's entry (a CSV row, a KeePass entry, a 1Password
//! item) and the secrets it becomes, as Bitwarden items become them: a
//! login's `NAME/password`, `NAME/username`, `NAME/totp`, every other field
//! `NAME/FIELD`, a secure note's text `NAME`. The entry's URLs become allowed
//! domains; its notes ride along as each secret's note, or become a
//! `NAME/notes` secret when they are too long for a note.

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::incoming::Incoming;
use super::names;
use crate::secret::NOTE_MAX_CHARS;

/// A value read from a file: wiped when dropped, moved into its secret.
pub(crate) type Wiped = Zeroizing<String>;

/// One entry of a password manager, as read from its export.
#[derive(Default)]
pub(crate) struct Entry {
    pub(crate) title: String,
    /// Its folder or group path (`Work/Cloud`), when it has one.
    pub(crate) group: Option<String>,
    /// A stable id from the file, when it has one.
    pub(crate) id: Option<String>,
    /// A secure note: its notes are its value.
    pub(crate) is_note: bool,
    pub(crate) password: Wiped,
    pub(crate) username: Wiped,
    pub(crate) totp: Wiped,
    pub(crate) urls: Vec<String>,
    pub(crate) notes: Wiped,
    /// Other fields, in file order: `(name, value)`.
    pub(crate) fields: Vec<(String, Wiped)>,
}

/// The secrets of `entries`, and a sentence for every entry named apart
/// from another of the same name.
pub(crate) fn secrets_of(entries: Vec<Entry>) -> (Vec<Incoming>, Vec<String>) {
    let (names, renamed) = names::distinct(
        &entries
            .iter()
            .map(|e| names::Named {
                name: &e.title,
                id: e.id.as_deref(),
                folder: e.group.as_deref(),
            })
            .collect::<Vec<_>>(),
    );
    let mut out = Vec::new();
    for (entry, name) in entries.into_iter().zip(names) {
        let Entry {
            is_note,
            password,
            username,
            totp,
            urls,
            mut notes,
            fields,
            ..
        } = entry;
        let mut domains: Vec<String> = urls.iter().filter_map(|u| host_of(u)).collect();
        domains.sort();
        domains.dedup();
        let (note, mut notes_secret) = if is_note {
            (String::new(), Some(std::mem::take(&mut notes)))
        } else if notes.chars().count() <= NOTE_MAX_CHARS {
            (notes.to_string(), None)
        } else {
            (String::new(), Some(std::mem::take(&mut notes)))
        };
        let mut values: Vec<(Option<String>, Wiped)> = Vec::new();
        if is_note {
            values.extend(notes_secret.take().map(|n| (None, n)));
        }
        values.push((Some("password".into()), password));
        values.push((Some("username".into()), username));
        values.push((Some("totp".into()), totp));
        values.extend(
            fields
                .into_iter()
                .filter(|(field, _)| !field.trim().is_empty())
                .map(|(field, value)| (Some(field.trim().to_owned()), value)),
        );
        if !is_note {
            values.extend(notes_secret.map(|n| (Some("notes".into()), n)));
        }
        // An entry of notes alone (KeePass has no secure-note type): the
        // notes are its secret rather than the note of nothing.
        if values.iter().all(|(_, v)| v.is_empty()) && !note.is_empty() {
            values.push((Some("notes".into()), Zeroizing::new(note.clone())));
        }
        // A field named like another of the entry (a custom `password`, two
        // `email`s) gets a number, so that none shadows the other.
        let mut used: Vec<Option<String>> = Vec::new();
        for (suffix, mut value) in values {
            if value.is_empty() {
                continue;
            }
            let suffix = match suffix {
                Some(s) if used.contains(&Some(s.clone())) => (2..)
                    .map(|n| Some(format!("{s} [{n}]")))
                    .find(|c| !used.contains(c))
                    .unwrap_or_else(|| unreachable!("the numbers never run out")),
                other => other,
            };
            used.push(suffix.clone());
            out.push(Incoming {
                name: match suffix {
                    Some(s) => format!("{name}/{s}"),
                    None => name.clone(),
                },
                value: SecretString::from(std::mem::take(&mut *value)),
                enabled: None,
                allowed_domains: Some(domains.clone()),
                note: Some(note.clone()),
                created_at: None,
                updated_at: None,
                flagged_secret: false,
                link: None,
            });
        }
    }
    (out, renamed)
}

/// The host of a web URL as written in a password manager (often without a
/// scheme), as an allowed domain; `None` when it has none or is another
/// kind of URL (an app id such as `androidapp://com.example` is no host).
pub(crate) fn host_of(uri: &str) -> Option<String> {
    let uri = uri.trim();
    if uri.is_empty() {
        return None;
    }
    let parsed = match url::Url::parse(uri).ok().filter(|u| u.host_str().is_some()) {
        Some(u) if matches!(u.scheme(), "http" | "https") => u,
        Some(_) => return None,
        None => url::Url::parse(&format!("https://{uri}")).ok()?,
    };
    let host = parsed
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']');
    crate::secret::normalize_domains(&[host.to_owned()])
        .ok()?
        .pop()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn w(s: &str) -> Wiped {
        Zeroizing::new(s.to_owned())
    }

    #[test]
    fn an_entry_gives_a_secret_per_field_and_a_note_entry_its_text() {
        let entries = vec![
            Entry {
                title: "GitHub".into(),
                group: Some("Work".into()),
                password: w("pw"),
                username: w("octo"),
                urls: vec!["https://github.com/login".into(), "api.github.com".into()],
                notes: w("the work one"),
                fields: vec![("API token".into(), w("tok")), ("empty".into(), w(""))],
                ..Entry::default()
            },
            Entry {
                title: "Codes".into(),
                is_note: true,
                notes: w("a\nb"),
                ..Entry::default()
            },
        ];
        let (secrets, renamed) = secrets_of(entries);
        let got: Vec<(&str, &str, &str)> = secrets
            .iter()
            .map(|s| {
                (
                    s.name.as_str(),
                    s.value.expose_secret(),
                    s.note.as_deref().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("GitHub/password", "pw", "the work one"),
                ("GitHub/username", "octo", "the work one"),
                ("GitHub/API token", "tok", "the work one"),
                ("Codes", "a\nb", ""),
            ]
        );
        assert_eq!(
            secrets[0].allowed_domains.as_deref(),
            Some(&["api.github.com".to_owned(), "github.com".to_owned()][..])
        );
        assert!(renamed.is_empty());
    }

    #[test]
    fn fields_named_like_another_of_the_entry_are_numbered() {
        let (secrets, _) = secrets_of(vec![Entry {
            title: "Site".into(),
            password: w("real"),
            fields: vec![
                ("password".into(), w("custom")),
                ("email".into(), w("a@x")),
                ("email".into(), w("b@x")),
            ],
            ..Entry::default()
        }]);
        let got: Vec<(&str, &str)> = secrets
            .iter()
            .map(|s| (s.name.as_str(), s.value.expose_secret()))
            .collect();
        assert_eq!(
            got,
            [
                ("Site/password", "real"),
                ("Site/password [2]", "custom"),
                ("Site/email", "a@x"),
                ("Site/email [2]", "b@x"),
            ]
        );
    }

    #[test]
    fn an_entry_of_notes_alone_keeps_them_as_its_secret() {
        let (secrets, _) = secrets_of(vec![Entry {
            title: "Wifi".into(),
            notes: w("the code is 1234"),
            ..Entry::default()
        }]);
        let got: Vec<(&str, &str)> = secrets
            .iter()
            .map(|s| (s.name.as_str(), s.value.expose_secret()))
            .collect();
        assert_eq!(got, [("Wifi/notes", "the code is 1234")]);
    }

    #[test]
    fn urls_without_a_scheme_or_host_give_what_they_can() {
        assert_eq!(host_of("example.com/path").as_deref(), Some("example.com"));
        assert_eq!(host_of("http://sn"), Some("sn".into()));
        assert_eq!(host_of(""), None);
        assert_eq!(host_of("not a url ::"), None);
        assert_eq!(host_of("androidapp://com.example"), None);
        assert_eq!(host_of("localhost:8080").as_deref(), Some("localhost"));
    }
}
