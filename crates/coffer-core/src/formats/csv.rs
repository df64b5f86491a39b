//! CSV exports of password managers: Bitwarden, 1Password, KeePassXC,
//! LastPass, and any CSV whose header names a title and a password or notes
//! column.
//!
//! The header row says which column is which (names compared without case
//! or surrounding space, each tool's spelling known); the tool that wrote
//! the file is told from its own columns. Rows become [`Entry`]s and then
//! secrets as Bitwarden items do. A column of no known meaning is imported
//! as a field (`TITLE/COLUMN`) rather than lost, and both those and the
//! metadata columns left out (favorite, icon, dates) are named in the
//! preview.

use zeroize::Zeroizing;

use super::entry::{secrets_of, Entry, Wiped};
use super::incoming::{too_many, FileError, Format, Incoming, IMPORT_MAX_ENTRIES};

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Title,
    Group,
    Username,
    Password,
    Url,
    Notes,
    Totp,
    /// Bitwarden's custom fields: one `name: value` a line.
    Fields,
    /// Bitwarden's item type (`login`, `note`).
    Kind,
    /// Known, and not a secret (favorite, icon, dates): left out, named.
    Metadata,
    /// Of no known meaning: imported as a field named after the column.
    Other,
}

fn column_of(header: &str) -> Column {
    match header.trim().to_lowercase().as_str() {
        "name" | "title" => Column::Title,
        "folder" | "grouping" | "group" | "collections" => Column::Group,
        "login_username" | "username" | "user name" | "user" => Column::Username,
        "login_password" | "password" => Column::Password,
        "login_uri" | "url" | "urls" | "website" | "uri" => Column::Url,
        "notes" | "extra" | "note" | "comments" => Column::Notes,
        "login_totp" | "totp" | "otpauth" | "one-time password" | "otp" => Column::Totp,
        "fields" => Column::Fields,
        "type" => Column::Kind,
        "favorite" | "fav" | "favorite status" | "reprompt" | "icon" | "last modified"
        | "created" | "archived" | "archived status" | "tags" | "uuid" | "id" | "ainfo"
        | "autosubmit" | "scope" => Column::Metadata,
        _ => Column::Other,
    }
}

/// The header of a CSV file Coffer can import, and which tool wrote it.
pub(crate) struct Header {
    format: Format,
    columns: Vec<(String, Column)>,
}

impl Header {
    /// Which tool wrote the file.
    pub(crate) fn format(&self) -> Format {
        self.format
    }
}

/// The header of `text` if it is a password manager's CSV export: a title
/// column and a password or notes column, at least.
pub(crate) fn header(text: &str) -> Option<Header> {
    let first = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .into_records()
        .next()?
        .ok()?;
    if first.len() < 2 {
        return None;
    }
    let columns: Vec<(String, Column)> = first
        .iter()
        .enumerate()
        .map(|(i, h)| match h.trim() {
            // A column without a name keeps its values under its number.
            "" => (format!("column {}", i + 1), Column::Other),
            h => (h.to_owned(), column_of(h)),
        })
        .collect();
    let has = |c: Column| columns.iter().any(|(_, k)| *k == c);
    if !has(Column::Title) || !(has(Column::Password) || has(Column::Notes)) {
        return None;
    }
    let named = |n: &str| columns.iter().any(|(h, _)| h.eq_ignore_ascii_case(n));
    let format = if named("login_password") {
        Format::BitwardenCsv
    } else if named("grouping") && named("extra") {
        Format::LastpassCsv
    } else if named("group")
        && named("title")
        && (named("last modified") || named("icon") || columns.len() == 6)
    {
        // KeePassXC 2.7 writes ten columns; KeePassX 2 and KeePassXC up to
        // 2.6 the first six.
        Format::KeepassxcCsv
    } else if named("otpauth")
        || named("archived")
        || named("archived status")
        || named("one-time password")
        // 1Password 7 (Windows) and 6.
        || (named("uuid") && named("autosubmit"))
        || (named("ainfo") && named("autosubmit"))
    {
        Format::OnePasswordCsv
    } else {
        Format::Csv
    };
    // Bitwarden's `type` says what an item is; 1Password's is its category
    // (metadata); another tool's is of no known meaning, kept as a field.
    let columns = columns
        .into_iter()
        .map(|(name, c)| match (c, format) {
            (Column::Kind, Format::BitwardenCsv) => (name, Column::Kind),
            (Column::Kind, Format::OnePasswordCsv) => (name, Column::Metadata),
            (Column::Kind, _) => (name, Column::Other),
            (c, _) => (name, c),
        })
        .collect();
    Some(Header { format, columns })
}

/// What a CSV file gave.
pub(crate) struct Read {
    pub(crate) items: Vec<Incoming>,
    pub(crate) left_out: Vec<String>,
    pub(crate) notes: Vec<String>,
}

/// Reads every row of a CSV export whose [`header`] was recognized.
pub(crate) fn read(text: &str, header: &Header) -> Result<Read, FileError> {
    // The CSV reader takes an unclosed quote to run to the end of the file,
    // which would fold every later row into one value; quotes come in pairs
    // in any file a password manager writes.
    if text.bytes().filter(|&b| b == b'"').count() % 2 == 1 {
        return Err(FileError::Invalid(
            "a quoted value is never closed (the file has an odd number of `\"`); save it again from the tool that made it".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut entries = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                return Err(FileError::Invalid(format!(
                    "the CSV is malformed near line {line}; save it again from the tool that made it"
                )));
            }
        }
        if entries.len() == IMPORT_MAX_ENTRIES {
            return Err(FileError::Invalid(too_many()));
        }
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() > header.columns.len() {
            return Err(FileError::Invalid(format!(
                "line {line} has {} values but the header names {} columns (a value with a comma must be in quotes); save it again from the tool that made it",
                record.len(),
                header.columns.len()
            )));
        }
        entries.extend(entry_of(&record, header, line));
    }
    // One buffer held every row in turn; what is left of them is wiped.
    wipe(record);
    let (items, renamed) = secrets_of(entries);
    let mut notes = super::names::renamed_note(&renamed);
    let other = columns(header, &Column::Other);
    if !other.is_empty() {
        notes.push(format!(
            "the columns {} are of no known meaning: imported as fields, TITLE/COLUMN",
            other.join(", ")
        ));
    }
    let metadata = columns(header, &Column::Metadata);
    let left_out = if metadata.is_empty() {
        Vec::new()
    } else {
        vec![format!("the columns {} (not secrets)", metadata.join(", "))]
    };
    Ok(Read {
        items,
        left_out,
        notes,
    })
}

/// A row as an entry; `None` for a row with nothing in it.
fn entry_of(record: &csv::StringRecord, header: &Header, line: u64) -> Option<Entry> {
    if record.iter().all(|f| f.trim().is_empty()) {
        return None;
    }
    let mut entry = Entry::default();
    let mut kind = String::new();
    for ((name, column), value) in header.columns.iter().zip(record.iter()) {
        let wiped = || Zeroizing::new(value.to_owned());
        match column {
            Column::Title => entry.title = value.trim().to_owned(),
            Column::Group => {
                // LastPass separates nested folders with `\`.
                let group = if header.format == Format::LastpassCsv {
                    value.trim().replace('\\', "/")
                } else {
                    value.trim().to_owned()
                };
                let group = group.trim_matches('/');
                entry.group = (!group.is_empty() && group != "(none)").then(|| group.to_owned());
            }
            Column::Username => entry.username = wiped(),
            Column::Password => entry.password = wiped(),
            Column::Url => entry.urls.extend(
                value
                    .split([',', '\n'])
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned),
            ),
            Column::Notes => entry.notes = wiped(),
            Column::Totp => entry.totp = wiped(),
            Column::Fields => entry.fields.extend(bitwarden_fields(value)),
            Column::Kind => kind = value.trim().to_lowercase(),
            Column::Metadata => {}
            Column::Other => entry.fields.push((name.clone(), wiped())),
        }
    }
    match header.format {
        Format::BitwardenCsv => entry.is_note = kind == "note",
        // LastPass writes a secure note as a row whose URL is `http://sn`.
        Format::LastpassCsv if entry.urls.iter().any(|u| u == "http://sn") => {
            entry.is_note = true;
            entry.urls.clear();
        }
        // KeePassXC writes each group path from its root group (`Root/…`),
        // which every entry shares.
        Format::KeepassxcCsv => {
            entry.group = entry
                .group
                .take()
                .and_then(|g| g.split_once('/').map(|(_, rest)| rest.to_owned()));
        }
        _ => {}
    }
    if entry.title.is_empty() {
        entry.title = entry
            .urls
            .iter()
            .find_map(|u| super::entry::host_of(u))
            .unwrap_or_else(|| format!("row at line {line}"));
    }
    Some(entry)
}

/// Bitwarden's `fields` column: `name: value` a line, split at the last
/// `: ` as Bitwarden's own importer splits it.
fn bitwarden_fields(text: &str) -> Vec<(String, Wiped)> {
    text.lines()
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(": ").unwrap_or((line, ""));
            (!name.trim().is_empty())
                .then(|| (name.trim().to_owned(), Zeroizing::new(value.to_owned())))
        })
        .collect()
}

/// The names of the columns of one kind, quoted; past eight, how many more.
fn columns(header: &Header, kind: &Column) -> Vec<String> {
    const SHOWN: usize = 8;
    let mut names: Vec<String> = header
        .columns
        .iter()
        .filter(|(name, c)| c == kind && !name.is_empty())
        .map(|(name, _)| format!("{name:?}"))
        .collect();
    if names.len() > SHOWN {
        let more = names.len() - SHOWN;
        names.truncate(SHOWN);
        names.push(format!("{more} more"));
    }
    names
}

/// Overwrites a record's buffer before it is dropped. A `ByteRecord`
/// lends no mutable buffer; refilling it from the start with zeros of the
/// same lengths overwrites the allocation it owns.
fn wipe(record: csv::StringRecord) {
    let mut bytes = record.into_byte_record();
    let lengths: Vec<usize> = bytes.iter().map(<[u8]>::len).collect();
    bytes.clear();
    for len in lengths {
        bytes.push_field(&vec![0u8; len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn read_text(text: &str) -> (Format, Read) {
        let header = header(text).expect("a CSV export");
        let format = header.format();
        (format, read(text, &header).expect("reads"))
    }

    fn pairs(read: &Read) -> Vec<(String, String)> {
        read.items
            .iter()
            .map(|i| (i.name.clone(), i.value.expose_secret().to_owned()))
            .collect()
    }

    fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn the_tool_is_told_from_its_columns() {
        let cases = [
            ("folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n", Format::BitwardenCsv),
            ("url,username,password,totp,extra,name,grouping,fav\n", Format::LastpassCsv),
            ("\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\n", Format::KeepassxcCsv),
            ("Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n", Format::OnePasswordCsv),
            ("name,password\n", Format::Csv),
        ];
        for (text, want) in cases {
            assert_eq!(header(text).map(|h| h.format()), Some(want), "{text}");
        }
        for not_csv in ["A=1,B=2\n", "name\n", "url,username\nx,y\n", "KEY=value\n"] {
            assert!(header(not_csv).is_none(), "{not_csv}");
        }
    }

    #[test]
    fn bitwarden_rows_map_like_its_json_with_fields_and_notes() {
        let text = "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n\
            Work,1,login,GitHub,\"work, \"\"main\"\"\",\"api token: tok_1\nSecurity question: pet: Rex\",0,\"https://github.com/login,api.github.com\",octo,ghp_x,otpauth://totp/x\n\
            ,,note,Codes,\"aaaa\nbbbb\",,0,,,,\n\
            Home,,login,GitHub,,,0,,me,home_pw,\n";
        let (format, read) = read_text(text);
        assert_eq!(format, Format::BitwardenCsv);
        assert_eq!(
            pairs(&read),
            owned(&[
                ("Work/GitHub/password", "ghp_x"),
                ("Work/GitHub/username", "octo"),
                ("Work/GitHub/totp", "otpauth://totp/x"),
                ("Work/GitHub/api token", "tok_1"),
                ("Work/GitHub/Security question: pet", "Rex"),
                ("Codes", "aaaa\nbbbb"),
                ("Home/GitHub/password", "home_pw"),
                ("Home/GitHub/username", "me"),
            ])
        );
        assert_eq!(read.items[0].note.as_deref(), Some("work, \"main\""));
        assert_eq!(
            read.items[0].allowed_domains.as_deref(),
            Some(&["api.github.com".to_owned(), "github.com".to_owned()][..])
        );
        assert_eq!(
            read.left_out,
            [r#"the columns "favorite", "reprompt" (not secrets)"#]
        );
        assert_eq!(
            read.notes,
            [
                r#"named apart, as they share a name: "GitHub" as "Work/GitHub", "GitHub" as "Home/GitHub""#
            ]
        );
    }

    #[test]
    fn lastpass_secure_notes_and_keepassxc_groups_are_read_as_those_tools_write_them() {
        let lastpass = "url,username,password,totp,extra,name,grouping,fav\n\
            http://sn,,,,\"NoteType:Server\nPassword:x\",Box,Infra,0\n\
            https://example.com,u,p,,,Example,,0\n";
        let (format, read) = read_text(lastpass);
        assert_eq!(format, Format::LastpassCsv);
        assert_eq!(
            pairs(&read),
            owned(&[
                ("Box", "NoteType:Server\nPassword:x"),
                ("Example/password", "p"),
                ("Example/username", "u"),
            ])
        );
        assert_eq!(read.items[0].allowed_domains.as_deref(), Some(&[][..]));
        let keepassxc = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"\n\
            \"Root/Work\",\"DB\",\"admin\",\"s3cret\",\"\",\"\",\"\",\"0\",\"2024-01-01T00:00:00Z\",\"2024-01-01T00:00:00Z\"\n\
            \"Root/Home\",\"DB\",\"\",\"other\",\"\",\"\",\"\",\"0\",\"\",\"\"\n";
        let (format, read) = read_text(keepassxc);
        assert_eq!(format, Format::KeepassxcCsv);
        assert_eq!(
            pairs(&read),
            owned(&[
                ("Work/DB/password", "s3cret"),
                ("Work/DB/username", "admin"),
                ("Home/DB/password", "other"),
            ])
        );
    }

    #[test]
    fn unknown_columns_become_fields_and_untitled_rows_are_named() {
        let text = "title,password,api_key\n,p1,k1\n\"\",\"\",\"\"\nsvc,p2,k2\n";
        let (format, read) = read_text(text);
        assert_eq!(format, Format::Csv);
        assert_eq!(
            pairs(&read),
            owned(&[
                ("row at line 2/password", "p1"),
                ("row at line 2/api_key", "k1"),
                ("svc/password", "p2"),
                ("svc/api_key", "k2"),
            ])
        );
        assert_eq!(
            read.notes,
            [r#"the columns "api_key" are of no known meaning: imported as fields, TITLE/COLUMN"#]
        );
    }

    #[test]
    fn a_row_longer_than_the_header_is_refused_and_unnamed_columns_kept() {
        let text = "name,password\nsvc,pa,ss\n";
        let header = header(text).expect("header");
        match read(text, &header) {
            Err(FileError::Invalid(m)) => assert!(
                m.starts_with("line 2 has 3 values but the header names 2 columns"),
                "{m}"
            ),
            _ => panic!("a ragged row was read"),
        }
        let (_, read) = read_text("name,password,,type\nsvc,pw,extra,server\n");
        assert_eq!(
            pairs(&read),
            owned(&[
                ("svc/password", "pw"),
                ("svc/column 3", "extra"),
                ("svc/type", "server")
            ])
        );
    }

    #[test]
    fn a_long_list_of_columns_is_cut_short() {
        let text = "title,password,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10\nt,p,,,,,,,,,,\n";
        let (_, read) = read_text(text);
        assert!(
            read.notes[0].starts_with(
                r#"the columns "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", 2 more are"#
            ),
            "{:?}",
            read.notes
        );
    }

    #[test]
    fn a_malformed_csv_says_where() {
        let text = "name,password\nok,1\n\"broken,2\n";
        let header = header(text).expect("header");
        match read(text, &header) {
            Err(FileError::Invalid(m)) => assert!(m.contains("never closed"), "{m}"),
            Ok(r) => panic!("read {} secrets", r.items.len()),
            Err(_) => panic!("another error"),
        }
    }
}
