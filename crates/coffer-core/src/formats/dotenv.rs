//! dotenv files: `KEY=value` lines, as the dotenv libraries read them.

use secrecy::SecretString;
use zeroize::Zeroizing;

use super::incoming::{FileError, Incoming};
use crate::error::{Error, Result};
use crate::secret::Timestamp;

/// Whether `text` reads as dotenv: its first meaningful line (not blank, not
/// a comment) is `KEY=VALUE`, or at least half of its meaningful lines are
/// (so a bad line among assignments is reported with its number, while prose
/// with a stray `=` is not taken for dotenv).
pub(crate) fn looks_like(text: &str) -> bool {
    let mut meaningful = text
        .trim_start_matches('\u{feff}')
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let Some(first) = meaningful.next() else {
        return false;
    };
    if is_assignment(first) {
        return true;
    }
    let (mut lines, mut assignments) = (1usize, 0usize);
    for line in meaningful {
        lines += 1;
        assignments += usize::from(is_assignment(line));
    }
    assignments * 2 >= lines
}

/// Whether `text` has nothing but blank lines and comments.
pub(crate) fn only_comments(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .split(['\n', '\r'])
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with('#'))
}

fn is_assignment(line: &str) -> bool {
    let mut r = Reader::new(line);
    r.skip_export();
    r.key().is_some() && {
        r.skip_blanks();
        r.eat('=')
    }
}

/// dotenv as python-dotenv 1.x reads it (without interpolation), which
/// agrees with motdotla's dotenv on every input they both read alike:
/// `KEY=value`, `export KEY=value`, `'KEY'=value`, `# comments`, a comment
/// after a value when whitespace precedes its `#`, `'literal'` (only `\\`
/// and `\'` decoded), `"escaped"` (`\\ \' \" \a \b \f \n \r \t \v` decoded,
/// any other backslash kept), `` `as written` `` (motdotla's backticks;
/// python-dotenv has none), quoted values over several lines, and `\n`,
/// `\r\n` or a lone `\r` as line breaks. A line that is not an assignment is
/// an error naming the line (python-dotenv warns and skips it).
pub(crate) fn read(text: &str) -> Result<Vec<Incoming>, FileError> {
    let mut r = Reader::new(text.strip_prefix('\u{feff}').unwrap_or(text));
    let mut out = Vec::new();
    loop {
        r.skip_space_and_breaks();
        if r.done() {
            break;
        }
        if r.peek() == Some('#') {
            r.skip_line();
            continue;
        }
        // Where the statement starts; its line number is counted only for an error.
        let at = r.at;
        if out.len() == super::incoming::IMPORT_MAX_ENTRIES {
            return Err(FileError::Invalid(super::incoming::too_many()));
        }
        r.skip_export();
        let key = r.key().ok_or_else(|| {
            FileError::Invalid(format!("line {}: expected KEY=VALUE", r.line_at(at)))
        })?;
        r.skip_blanks();
        if !r.eat('=') {
            // The word is not quoted: a line without `=` is often a value.
            return Err(FileError::Invalid(format!(
                "line {}: expected KEY=VALUE (no `=` after the first word)",
                r.line_at(at)
            )));
        }
        let after_equals = r.at;
        r.skip_blanks();
        let spaced = r.at > after_equals;
        let value = match r.peek() {
            // `KEY= # note`: an empty value and a comment (`KEY=#x` is `#x`).
            Some('#') if spaced => {
                r.skip_line();
                String::new()
            }
            Some('\'') => r.quoted('\'', at)?,
            Some('"') => r.quoted('"', at)?,
            Some('`') => r.quoted('`', at)?,
            _ => r.unquoted(),
        };
        r.end_of_statement(at)?;
        out.push(Incoming {
            name: key,
            value: SecretString::from(value),
            enabled: None,
            allowed_domains: None,
            note: None,
            created_at: None,
            updated_at: None,
            flagged_secret: false,
            link: None,
        });
    }
    Ok(out)
}

/// A cursor over the text of a dotenv file.
struct Reader<'t> {
    text: &'t str,
    at: usize,
}

impl<'t> Reader<'t> {
    fn new(text: &'t str) -> Self {
        Reader { text, at: 0 }
    }

    fn rest(&self) -> &'t str {
        &self.text[self.at..]
    }

    fn done(&self) -> bool {
        self.at >= self.text.len()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// The line of byte offset `at`, counting `\r\n`, `\n` and `\r` as breaks.
    fn line_at(&self, at: usize) -> usize {
        let before = &self.text[..at];
        before.matches('\n').count() + before.matches('\r').count() - before.matches("\r\n").count()
            + 1
    }

    /// Spaces and tabs (not line breaks).
    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace() && c != '\n' && c != '\r') {
            self.bump();
        }
    }

    fn skip_space_and_breaks(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.bump();
        }
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' || c == '\r' {
                break;
            }
            self.bump();
        }
    }

    /// `export` and the blanks after it, when a key follows.
    fn skip_export(&mut self) {
        let rest = self.rest();
        if let Some(after) = rest.strip_prefix("export") {
            let blanks = after.len()
                - after
                    .trim_start_matches(|c: char| c.is_whitespace() && c != '\n' && c != '\r')
                    .len();
            if blanks > 0 && !after[blanks..].starts_with('=') {
                self.at += "export".len() + blanks;
            }
        }
    }

    /// A key: `'quoted'`, or anything up to whitespace, `=` or `#`.
    fn key(&mut self) -> Option<String> {
        if self.eat('\'') {
            let end = self.rest().find('\'')?;
            let key = self.rest()[..end].to_owned();
            self.at += end + 1;
            return (!key.is_empty()).then_some(key);
        }
        let len = self
            .rest()
            .find(|c: char| c.is_whitespace() || c == '=' || c == '#')
            .unwrap_or(self.rest().len());
        if len == 0 {
            return None;
        }
        let key = self.rest()[..len].to_owned();
        self.at += len;
        Some(key)
    }

    /// A quoted value (the cursor on its opening quote), escapes decoded.
    fn quoted(&mut self, quote: char, at: usize) -> Result<String, FileError> {
        self.bump();
        let mut value = String::new();
        loop {
            let Some(c) = self.bump() else {
                let which = match quote {
                    '"' => "double quote",
                    '`' => "backtick",
                    _ => "single quote",
                };
                return Err(FileError::Invalid(format!(
                    "line {}: the {which} is never closed",
                    self.line_at(at)
                )));
            };
            match c {
                c if c == quote => return Ok(value),
                // Backticks (a Node dotenv form) take everything as written.
                '\\' if quote != '`' => {
                    let next = self.peek();
                    let decoded = match (quote, next) {
                        (_, Some('\\')) => Some('\\'),
                        (_, Some('\'')) => Some('\''),
                        ('"', Some('"')) => Some('"'),
                        ('"', Some('a')) => Some('\u{7}'),
                        ('"', Some('b')) => Some('\u{8}'),
                        ('"', Some('f')) => Some('\u{c}'),
                        ('"', Some('n')) => Some('\n'),
                        ('"', Some('r')) => Some('\r'),
                        ('"', Some('t')) => Some('\t'),
                        ('"', Some('v')) => Some('\u{b}'),
                        _ => None,
                    };
                    match decoded {
                        Some(d) => {
                            self.bump();
                            value.push(d);
                        }
                        None => value.push('\\'),
                    }
                }
                other => value.push(other),
            }
        }
    }

    /// An unquoted value: to the end of the line, without a comment that
    /// whitespace sets off, trailing whitespace dropped.
    fn unquoted(&mut self) -> String {
        let start = self.at;
        self.skip_line();
        let raw = &self.text[start..self.at];
        let cut = raw
            .char_indices()
            .find(|&(i, c)| c == '#' && i > 0 && raw[..i].ends_with(char::is_whitespace))
            .map_or(raw.len(), |(i, _)| i);
        raw[..cut].trim_end().to_owned()
    }

    /// After a value: blanks, maybe a comment, then a line break or the end.
    fn end_of_statement(&mut self, at: usize) -> Result<(), FileError> {
        self.skip_blanks();
        match self.peek() {
            None | Some('\n') | Some('\r') => Ok(()),
            Some('#') => {
                self.skip_line();
                Ok(())
            }
            Some(_) => Err(FileError::Invalid(format!(
                "line {}: unexpected text after the closing quote",
                self.line_at(at)
            ))),
        }
    }
}

/// A dotenv file the reference parsers read back exactly: each value
/// double-quoted, with `\\`, `"` and the control characters that have an
/// escape written as escapes; a name that is not a plain key single-quoted
/// (python-dotenv reads quoted keys). A name that cannot be written either
/// way refuses the export, naming the secret.
pub(crate) fn write_dotenv<'a>(
    items: impl IntoIterator<Item = (&'a str, &'a str)>,
    exported_at: Timestamp,
) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(format!(
        "# Exported from Coffer at {}: every value below is in the clear.\n",
        exported_at.rfc3339()
    ));
    for (key, value) in items {
        push_assignment(&mut out, key, value).map_err(|problem| Error::ExportFailed {
            problem: format!(
                "the secret {key:?} cannot be written to a dotenv file ({problem}); change it, or export in the Coffer format"
            ),
        })?;
    }
    Ok(Zeroizing::new(std::mem::take(&mut *out).into_bytes()))
}

fn push_assignment(
    out: &mut String,
    key: &str,
    value: &str,
) -> std::result::Result<(), &'static str> {
    let plain = !key.is_empty()
        && !key
            .chars()
            .any(|c| c.is_whitespace() || "=#'\"`\\".contains(c) || c.is_control());
    if plain {
        out.push_str(key);
    } else if key.contains('\'') || key.contains(['\n', '\r']) {
        return Err("it has a single quote or a line break and is not a plain key");
    } else {
        out.push('\'');
        out.push_str(key);
        out.push('\'');
    }
    out.push('=');
    if value.ends_with('\\') {
        // python-dotenv takes `\\"` for an escaped quote whenever another
        // quote follows, so a value ending in a backslash is written bare,
        // where it can be.
        let bare = !value.contains(['\n', '\r'])
            && value.trim() == value
            && !value.starts_with(['\'', '"', '`', '#'])
            && !value
                .char_indices()
                .any(|(i, c)| c == '#' && value[..i].ends_with(char::is_whitespace));
        if !bare {
            return Err("its value ends in a backslash and has spaces, quotes, line breaks or a comment sign, which no form of a dotenv value reads back exactly");
        }
        out.push_str(value);
        out.push('\n');
        return Ok(());
    }
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            c => out.push(c),
        }
    }
    out.push_str("\"\n");
    Ok(())
}

/// What [`write_dotenv`] writes, as text; `None` if it refuses (for the tests).
#[cfg(test)]
pub(crate) fn write(pairs: &[(&str, &str)]) -> Option<String> {
    let mut out = String::new();
    for (key, value) in pairs {
        push_assignment(&mut out, key, value).ok()?;
    }
    Some(out)
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

    fn read_pairs(text: &str) -> Vec<(String, String)> {
        pairs(&read(text).unwrap_or_else(|e| panic!("{text:?}: {:?}", message(e))))
    }

    fn message(e: FileError) -> String {
        match e {
            FileError::Invalid(m) | FileError::Unrecognized(m) => m,
            _ => "another error".into(),
        }
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn dotenv_forms() {
        let text = "# comment\n\nA=1\nexport B = two words # note\nC='lit # \\n'\nD=\"x\\ny\"\nE=\"multi\nline\"\nF=\nG=a=b\n";
        assert_eq!(
            read_pairs(text),
            owned(&[
                ("A", "1"),
                ("B", "two words"),
                ("C", "lit # \\n"),
                ("D", "x\ny"),
                ("E", "multi\nline"),
                ("F", ""),
                ("G", "a=b"),
            ])
        );
    }

    /// What the hardening issue found read wrong, each as python-dotenv and
    /// motdotla's dotenv read it.
    #[test]
    fn backslashes_quotes_comments_and_line_breaks_as_the_reference_parsers_read_them() {
        for (text, want) in [
            // Unknown escapes keep their backslash.
            (r#"P="C:\Users\me""#, r"C:\Users\me"),
            (r#"P="p@ss\word""#, r"p@ss\word"),
            (r#"P="^\d+\.\d+$""#, r"^\d+\.\d+$"),
            (r#"P="a\\b""#, r"a\b"),
            (r#"P="say \"hi\"""#, r#"say "hi""#),
            (r"P='it\'s'", "it's"),
            (r"P='C:\Users'", r"C:\Users"),
            // A tab before # starts a comment; # without whitespace does not.
            ("P=value\t# note", "value"),
            ("P=pass#word", "pass#word"),
            ("P= # fill in", ""),
            ("P=\t#x", ""),
            ("P=#x", "#x"),
            ("P=`a # b` # note", "a # b"),
        ] {
            assert_eq!(read_pairs(text), owned(&[("P", want)]), "{text}");
        }
        // A multi-line single-quoted value (a PEM key) and a double-quoted
        // one whose first line ends in spaces.
        let pem = "-----BEGIN KEY-----\nAAAA\n-----END KEY-----";
        assert_eq!(
            read_pairs(&format!("KEY='{pem}'\nNEXT=1\nSP=\"first  \nsecond\"\n")),
            owned(&[("KEY", pem), ("NEXT", "1"), ("SP", "first  \nsecond")])
        );
        // A lone CR is a line break; export may be followed by a tab.
        assert_eq!(
            read_pairs("\u{feff}A=1\rB=2\r\nexport\tC=3\n"),
            owned(&[("A", "1"), ("B", "2"), ("C", "3")])
        );
        // Keys as python-dotenv takes them.
        assert_eq!(
            read_pairs("'quoted key'=1\nuglyKey[%$=2\n"),
            owned(&[("quoted key", "1"), ("uglyKey[%$", "2")])
        );
    }

    #[test]
    fn a_file_is_dotenv_when_most_of_its_lines_are_assignments() {
        assert!(looks_like("A=1"));
        assert!(looks_like("# c\nbad line\nA=1\nB=2\n"));
        assert!(!looks_like(
            "Some prose.\nIt has x=y once.\nAnd more prose.\n"
        ));
        assert!(only_comments("# one\n\n  # two\n"));
        assert!(!only_comments("# one\nA=1"));
    }

    proptest::proptest! {
        /// Any names and values, written as a dotenv writer writes them, read back exactly.
        #[test]
        fn whatever_a_dotenv_writer_writes_reads_back_exactly(
            map in proptest::collection::btree_map("[A-Za-z_][A-Za-z0-9_]{0,12}", "\\PC*|[\\\\\"'`#= \t\r\n\u{7}\u{b}\u{c}a-z]{0,20}", 0..12)
        ) {
            let written: Vec<(&str, &str)> = map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            // Refused only for a value ending in a backslash that cannot stand bare.
            let text = write(&written);
            proptest::prop_assume!(text.is_some() || written.iter().any(|(_, v)| v.ends_with('\\')));
            let Some(text) = text else { return Ok(()) };
            let got = read(&text).map(|items| pairs(&items)).map_err(message);
            let want: Vec<(String, String)> = map.into_iter().collect();
            proptest::prop_assert_eq!(got, Ok(want));
        }
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
            (
                "A=1\nB: 2\n",
                "line 2: expected KEY=VALUE (no `=` after the first word)",
            ),
            ("A=`open\n", "line 1: the backtick is never closed"),
        ] {
            match read(text) {
                Err(FileError::Invalid(msg)) => assert!(msg.contains(needle), "{msg}"),
                _ => panic!("{text:?} accepted"),
            }
        }
    }
}
