//! The AWS shared config and credentials files (`~/.aws/config`,
//! `~/.aws/credentials`), read as the AWS SDKs read them, for the static
//! keys and the region of one profile.
//!
//! The rules are the SDKs' ("Shared config and credentials files" in AWS's
//! SDK reference), checked against every case of smithy-rs's conformance
//! suite (`tests/fixtures/aws-profiles/`):
//!
//! - A file is `[section]` headers, each followed by `key = value` lines.
//!   A line starting with `#` or `;` is a comment; so is the rest of a
//!   header line from its first `#` or `;`, and the rest of a value from a
//!   `#` or `;` that follows whitespace (`value#x` keeps its `#x`).
//! - A line starting with a space or tab continues the value above it (on
//!   a new line of the value). A property with an empty value holds
//!   `name = value` sub-properties this way.
//! - The config file names a profile `[profile NAME]`, or `[default]` (a
//!   `[profile default]` replaces every `[default]` of the file); it also
//!   has `[sso-session NAME]` and other sections, which are not profiles.
//!   The credentials file names a profile `[NAME]`. A section of the wrong
//!   shape for its file, or whose name is not made of `A-Z a-z 0-9` and
//!   `_ - / . % @ : +`, is skipped, and so is a property with such a key.
//! - Keys are case-insensitive (kept in lower case), names are not; keys
//!   and values are trimmed of spaces and tabs.
//! - A profile in both files, or several times in one, is merged; the last
//!   value of a key wins, and the credentials file wins over the config file.
//!
//! Coffer reads only static keys. A profile that gets its credentials
//! another way (a role, IAM Identity Center, a program, web identity) is
//! refused by name rather than read differently from the SDKs. Errors never
//! quote a line of a file, so they cannot carry a key.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// Largest config or credentials file read, in bytes (real ones are a few KiB).
pub const PROFILE_FILE_MAX_BYTES: usize = 1024 * 1024;

/// The blanks of the format: space and tab only, not every Unicode space.
const BLANKS: &[char] = &[' ', '\t'];
/// What starts a comment.
const COMMENT: &[char] = &['#', ';'];
/// Where AWS describes the format.
const FORMAT_URL: &str = "https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html";

// Why a line breaks the format, in the SDKs' words (the suite looks for them).
const NO_CLOSING_BRACKET: &str = "Profile definition must end with ']'";
const NO_SECTION: &str = "Expected a profile definition";
const NO_PROPERTY: &str = "Expected a property definition, found continuation";

/// The static keys of a profile.
const ACCESS_KEY_ID: &str = "aws_access_key_id";
const SECRET_ACCESS_KEY: &str = "aws_secret_access_key";
const SESSION_TOKEN: &str = "aws_session_token";

/// The settings with which the SDKs get a profile's credentials some other
/// way than its static keys (each before the static keys), and what each means.
const OTHER_SOURCES: &[(&str, &str)] = &[
    (
        "web_identity_token_file",
        "web identity federation (web_identity_token_file)",
    ),
    ("role_arn", "an assumed role (role_arn)"),
    ("credential_source", "an assumed role (credential_source)"),
    ("sso_session", "IAM Identity Center sign-in (sso_session)"),
    (
        "sso_start_url",
        "IAM Identity Center sign-in (sso_start_url)",
    ),
    (
        "sso_account_id",
        "IAM Identity Center sign-in (sso_account_id)",
    ),
    (
        "sso_role_name",
        "IAM Identity Center sign-in (sso_role_name)",
    ),
    ("sso_region", "IAM Identity Center sign-in (sso_region)"),
    ("login_session", "an AWS sign-in session (login_session)"),
    (
        "credential_process",
        "an external program (credential_process)",
    ),
];
/// A profile without keys that points at another one (the SDKs follow it
/// only for a role).
const SOURCE_PROFILE: (&str, &str) = ("source_profile", "another profile (source_profile)");

/// One of the two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileFile {
    /// `~/.aws/config`, or `$AWS_CONFIG_FILE`: `[profile NAME]`, `[default]`.
    Config,
    /// `~/.aws/credentials`, or `$AWS_SHARED_CREDENTIALS_FILE`: `[NAME]`.
    Credentials,
}

impl ProfileFile {
    /// The environment variable that puts the file elsewhere.
    fn env_var(self) -> &'static str {
        match self {
            ProfileFile::Config => "AWS_CONFIG_FILE",
            ProfileFile::Credentials => "AWS_SHARED_CREDENTIALS_FILE",
        }
    }

    /// The file's name in `~/.aws`.
    fn file_name(self) -> &'static str {
        match self {
            ProfileFile::Config => "config",
            ProfileFile::Credentials => "credentials",
        }
    }

    /// What to do when the file cannot be read.
    fn advice(self) -> String {
        format!(
            "make it a readable text file, or set {} to another one",
            self.env_var()
        )
    }
}

impl fmt::Display for ProfileFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileFile::Config => f.write_str("the AWS config file"),
            ProfileFile::Credentials => f.write_str("the AWS credentials file"),
        }
    }
}

/// Why a profile's keys could not be read. No variant holds a value of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileError {
    /// A line breaks the format; `reason` is in the SDKs' words.
    Parse {
        file: ProfileFile,
        /// Where the file is, when it was read from disk.
        path: Option<PathBuf>,
        /// Counted from 1.
        line: usize,
        reason: &'static str,
    },
    /// Neither file has a profile of that name.
    NoProfile { name: String },
    /// The profile has no `aws_access_key_id` and `aws_secret_access_key`.
    NoKeys { name: String },
    /// The profile gets its credentials some other way than static keys;
    /// `kind` says which, with the setting that says so.
    Unsupported { profile: String, kind: &'static str },
    /// A file exists but cannot be used: unreadable, too large, not UTF-8.
    Io { path: PathBuf, detail: String },
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileError::Parse {
                file,
                path,
                line,
                reason,
            } => {
                write!(f, "{file}")?;
                if let Some(path) = path {
                    write!(f, " {}", path.display())?;
                }
                write!(
                    f,
                    ", line {line}: {reason}; correct that line (the format is described at {FORMAT_URL})"
                )
            }
            ProfileError::NoProfile { name } => write!(
                f,
                "no AWS profile is named {name:?} in the config or credentials file; \
                 check the name, or add [profile {name}] to ~/.aws/config or [{name}] to ~/.aws/credentials"
            ),
            ProfileError::NoKeys { name } => write!(
                f,
                "the AWS profile {name:?} has no static keys ({ACCESS_KEY_ID} and {SECRET_ACCESS_KEY}); \
                 add them to it, or give an access key instead"
            ),
            ProfileError::Unsupported { profile, kind } => write!(
                f,
                "the AWS profile {profile:?} gets its credentials from {kind}, but Coffer reads only \
                 static keys ({ACCESS_KEY_ID} and {SECRET_ACCESS_KEY}); give an access key instead, \
                 or name a profile that has one"
            ),
            ProfileError::Io { path, detail } => {
                write!(f, "cannot read {}: {detail}", path.display())
            }
        }
    }
}

impl std::error::Error for ProfileError {}

/// A profile (or an sso-session section): its properties, keys in lower case.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Profile {
    properties: BTreeMap<String, String>,
}

impl Profile {
    /// The value of `key` (in any case), trimmed; `None` if it is not set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties
            .get(&key.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// Lists the keys, never the values (some are secret keys).
impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("keys", &self.properties.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The profiles of both files, merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profiles {
    profiles: BTreeMap<String, Profile>,
    /// The config file's `[sso-session NAME]` sections: read as the SDKs
    /// read them, so that they are not taken for profiles.
    sso_sessions: BTreeMap<String, Profile>,
}

impl Profiles {
    /// The profile named `name` (case-sensitive).
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// The profiles, or the sso-sessions.
    fn sections_mut(&mut self, kind: SectionKind) -> &mut BTreeMap<String, Profile> {
        match kind {
            SectionKind::Profile => &mut self.profiles,
            SectionKind::SsoSession => &mut self.sso_sessions,
        }
    }

    /// Adds the sections of `text`, a `file`, over what is there.
    fn merge_file(&mut self, file: ProfileFile, text: &str) -> Result<(), Syntax> {
        let sections = read_sections(text)?;
        let headers: Vec<Option<Header<'_>>> = sections
            .iter()
            .map(|section| classify(file, section.header))
            .collect();
        let profile_default = headers
            .iter()
            .any(|header| matches!(header, Some(Header::Named(SectionKind::Profile, "default"))));
        for (section, header) in sections.into_iter().zip(headers) {
            let (kind, name) = match header {
                None => continue,
                Some(Header::BareDefault) if profile_default => continue,
                Some(Header::BareDefault) => (SectionKind::Profile, "default"),
                Some(Header::Named(kind, name)) => (kind, name),
            };
            let target = self.sections_mut(kind).entry(name.to_owned()).or_default();
            target.properties.extend(
                section
                    .properties
                    .into_iter()
                    .filter(|(key, _)| is_identifier(key)),
            );
        }
        Ok(())
    }
}

/// Static AWS keys. Its `Debug` shows the key id, not the secret or token.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[REDACTED]")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

/// Reads the text of a config file and of a credentials file (`None`: no
/// such file) into their merged profiles.
pub fn parse(config: Option<&str>, credentials: Option<&str>) -> Result<Profiles, ProfileError> {
    let mut profiles = Profiles::default();
    for (file, text) in [
        (ProfileFile::Config, config),
        (ProfileFile::Credentials, credentials),
    ] {
        if let Some(text) = text {
            profiles
                .merge_file(file, text)
                .map_err(|syntax| ProfileError::Parse {
                    file,
                    path: None,
                    line: syntax.line,
                    reason: syntax.reason,
                })?;
        }
    }
    Ok(profiles)
}

/// The static keys of the profile `name`.
pub fn credentials_for(profiles: &Profiles, name: &str) -> Result<AwsCredentials, ProfileError> {
    let profile = profiles.get(name).ok_or_else(|| ProfileError::NoProfile {
        name: name.to_owned(),
    })?;
    let unsupported = |kind| ProfileError::Unsupported {
        profile: name.to_owned(),
        kind,
    };
    if let Some(&(_, kind)) = OTHER_SOURCES
        .iter()
        .find(|(key, _)| profile.get(key).is_some())
    {
        return Err(unsupported(kind));
    }
    let set = |key| profile.get(key).filter(|value| !value.is_empty());
    match (set(ACCESS_KEY_ID), set(SECRET_ACCESS_KEY)) {
        (Some(access_key_id), Some(secret_access_key)) => Ok(AwsCredentials {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            session_token: set(SESSION_TOKEN).map(str::to_owned),
        }),
        _ if profile.get(SOURCE_PROFILE.0).is_some() => Err(unsupported(SOURCE_PROFILE.1)),
        _ => Err(ProfileError::NoKeys {
            name: name.to_owned(),
        }),
    }
}

/// The region of the profile `name`: its `region`, else (as the SDKs do)
/// that of its `source_profile`, and so on; `None` if there is none.
pub fn region_for(profiles: &Profiles, name: &str) -> Option<String> {
    let mut visited: Vec<&str> = Vec::new();
    let mut current = name;
    loop {
        if visited.contains(&current) {
            return None;
        }
        visited.push(current);
        let profile = profiles.get(current)?;
        if let Some(region) = profile.get("region").filter(|r| !r.is_empty()) {
            return Some(region.to_owned());
        }
        current = profile.get(SOURCE_PROFILE.0)?;
    }
}

/// The static keys and the region of the profile `profile`, from the files
/// at `$AWS_CONFIG_FILE` and `$AWS_SHARED_CREDENTIALS_FILE`, or else
/// `~/.aws/config` and `~/.aws/credentials`. A missing file reads as empty.
pub fn load(profile: &str) -> Result<(AwsCredentials, Option<String>), ProfileError> {
    let home = dirs::home_dir();
    let config = file_path(ProfileFile::Config, home.as_deref());
    let credentials = file_path(ProfileFile::Credentials, home.as_deref());
    load_files(config.as_deref(), credentials.as_deref(), profile)
}

/// [`load`] from these paths (`None`: no such file).
fn load_files(
    config: Option<&Path>,
    credentials: Option<&Path>,
    profile: &str,
) -> Result<(AwsCredentials, Option<String>), ProfileError> {
    let config_text = read_file(ProfileFile::Config, config)?;
    let credentials_text = read_file(ProfileFile::Credentials, credentials)?;
    let profiles =
        parse(config_text.as_deref(), credentials_text.as_deref()).map_err(|e| match e {
            ProfileError::Parse {
                file, line, reason, ..
            } => ProfileError::Parse {
                file,
                path: match file {
                    ProfileFile::Config => config,
                    ProfileFile::Credentials => credentials,
                }
                .map(Path::to_path_buf),
                line,
                reason,
            },
            other => other,
        })?;
    let keys = credentials_for(&profiles, profile)?;
    Ok((keys, region_for(&profiles, profile)))
}

/// Where `file` is: its environment variable if set (a leading `~` being
/// the home folder, as the SDKs read it), else in `~/.aws`.
fn file_path(file: ProfileFile, home: Option<&Path>) -> Option<PathBuf> {
    match std::env::var_os(file.env_var()) {
        Some(set) if !set.is_empty() => Some(expand_home(Path::new(&set), home)),
        _ => home.map(|home| home.join(".aws").join(file.file_name())),
    }
}

/// `path` with a leading `~` component replaced by `home`, if known.
fn expand_home(path: &Path, home: Option<&Path>) -> PathBuf {
    let mut parts = path.components();
    match (parts.next(), home) {
        (Some(Component::Normal(first)), Some(home)) if first == "~" => home.join(parts.as_path()),
        _ => path.to_path_buf(),
    }
}

/// The text of `file` at `path`; `None` when there is no file there (the
/// SDKs read a missing file as an empty one).
fn read_file(file: ProfileFile, path: Option<&Path>) -> Result<Option<String>, ProfileError> {
    let Some(path) = path else {
        return Ok(None);
    };
    let failed = |detail: String| ProfileError::Io {
        path: path.to_path_buf(),
        detail,
    };
    let opened = match File::open(path) {
        Ok(opened) => opened,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(failed(format!("{e}; {}", file.advice()))),
    };
    let mut bytes = Vec::new();
    opened
        .take(PROFILE_FILE_MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| failed(format!("{e}; {}", file.advice())))?;
    if bytes.len() > PROFILE_FILE_MAX_BYTES {
        return Err(failed(format!(
            "it is larger than {} MiB, which no AWS {} file is; {}",
            PROFILE_FILE_MAX_BYTES / (1024 * 1024),
            file.file_name(),
            file.advice()
        )));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| failed("it is not UTF-8 text; save it as UTF-8".to_owned()))
}

/// A line that breaks the format.
struct Syntax {
    /// Counted from 1.
    line: usize,
    reason: &'static str,
}

/// A section as written: the text between its brackets, and its
/// properties in order (keys in lower case, not yet checked).
struct RawSection<'t> {
    header: &'t str,
    properties: Vec<(String, String)>,
}

/// Splits a file into its sections (a leading byte-order mark is skipped).
fn read_sections(text: &str) -> Result<Vec<RawSection<'_>>, Syntax> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sections: Vec<RawSection<'_>> = Vec::new();
    // Whether the value being continued was empty on its first line: its
    // continuation lines are then sub-properties, which must be `name = value`.
    let mut sub_properties = false;
    for (index, line) in text.lines().enumerate() {
        let at = |reason| Syntax {
            line: index + 1,
            reason,
        };
        if line.trim_matches(BLANKS).is_empty() || line.starts_with(COMMENT) {
            continue;
        }
        if line.starts_with('[') {
            let header = read_header(line).ok_or_else(|| at(NO_CLOSING_BRACKET))?;
            sections.push(RawSection {
                header,
                properties: Vec::new(),
            });
            continue;
        }
        let section = sections.last_mut().ok_or_else(|| at(NO_SECTION))?;
        if line.starts_with(BLANKS) {
            let (_, value) = section
                .properties
                .last_mut()
                .ok_or_else(|| at(NO_PROPERTY))?;
            if sub_properties {
                read_property(line).map_err(|m| at(m.reason(true)))?;
            }
            value.push('\n');
            value.push_str(line.trim_matches(BLANKS));
        } else {
            let (key, value) = read_property(line).map_err(|m| at(m.reason(false)))?;
            sub_properties = value.is_empty();
            section.properties.push((key, value.to_owned()));
        }
    }
    Ok(sections)
}

/// The text between the brackets of a header line.
fn read_header(line: &str) -> Option<&str> {
    without_comment(line, false)
        .strip_prefix('[')?
        .strip_suffix(']')
}

/// Why a property line is not `key = value`.
#[derive(Clone, Copy)]
enum Malformed {
    NoEquals,
    NoName,
}

impl Malformed {
    fn reason(self, sub_property: bool) -> &'static str {
        match (self, sub_property) {
            (Malformed::NoEquals, false) => "Expected an '=' sign defining a property",
            (Malformed::NoEquals, true) => "Expected an '=' sign defining a sub-property",
            (Malformed::NoName, false) => "Property did not have a name",
            (Malformed::NoName, true) => "Sub-property did not have a name",
        }
    }
}

/// `key = value`: the key in lower case, and the value; both trimmed.
fn read_property(line: &str) -> Result<(String, &str), Malformed> {
    let (key, value) = without_comment(line, true)
        .split_once('=')
        .ok_or(Malformed::NoEquals)?;
    let key = key.trim_matches(BLANKS);
    if key.is_empty() {
        return Err(Malformed::NoName);
    }
    Ok((key.to_ascii_lowercase(), value.trim_matches(BLANKS)))
}

/// `line` trimmed and cut at its comment: its first `#` or `;`, or with
/// `after_whitespace` (in a property) the first one that follows whitespace.
fn without_comment(line: &str, after_whitespace: bool) -> &str {
    let line = line.trim_matches(BLANKS);
    let mut end = line.len();
    let mut follows_whitespace = false;
    for (at, c) in line.char_indices() {
        if COMMENT.contains(&c) && (follows_whitespace || !after_whitespace) {
            end = at;
            break;
        }
        follows_whitespace = c.is_whitespace();
    }
    line[..end].trim_matches(BLANKS)
}

/// The kinds of section kept.
#[derive(Clone, Copy)]
enum SectionKind {
    Profile,
    SsoSession,
}

/// What a section header names.
enum Header<'t> {
    /// `[default]` in the config file: a `[profile default]` in the same
    /// file replaces it.
    BareDefault,
    Named(SectionKind, &'t str),
}

/// What the header `header` of a section of `file` names; `None`: a
/// section the SDKs skip (or, like `[services NAME]`, that Coffer does not use).
fn classify(file: ProfileFile, header: &str) -> Option<Header<'_>> {
    let header = header.trim_matches(BLANKS);
    let (prefix, name) = match header.split_once(BLANKS) {
        Some((prefix, name)) => (Some(prefix.trim()), name.trim()),
        None => (None, header.trim()),
    };
    let named = |kind| is_identifier(name).then_some(Header::Named(kind, name));
    match (file, prefix) {
        (ProfileFile::Config, None) => (name == "default").then_some(Header::BareDefault),
        (ProfileFile::Config, Some("profile")) => named(SectionKind::Profile),
        (ProfileFile::Config, Some("sso-session")) => named(SectionKind::SsoSession),
        (ProfileFile::Config, Some(_)) => None,
        (ProfileFile::Credentials, None) => named(SectionKind::Profile),
        // `[profile NAME]` and the like belong in the config file.
        (ProfileFile::Credentials, Some(_)) => None,
    }
}

/// Whether `text` is a name or key the SDKs accept: `A-Z a-z 0-9` and
/// `_ - / . % @ : +` (the empty name too, as in the SDKs).
fn is_identifier(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

#[cfg(test)]
mod tests;
