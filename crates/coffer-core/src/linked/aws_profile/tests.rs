use serde::Deserialize;

use super::*;

/// smithy-rs's conformance suite for the profile-file parser (origin and
/// licence in the README beside it).
const SUITE: &str = include_str!("../../../tests/fixtures/aws-profiles/profile-parser-tests.json");
/// Its cases; every one is run, none is skipped.
const SUITE_CASES: usize = 65;

/// Sections as the suite writes them: name → key → value.
type Sections = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Deserialize)]
struct Suite {
    tests: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    input: Input,
    output: Output,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Input {
    config_file: Option<String>,
    credentials_file: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum Output {
    Config(Expected),
    ErrorContaining(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    profiles: Sections,
    #[serde(default)]
    sso_sessions: Sections,
}

fn flatten(sections: &BTreeMap<String, Profile>) -> Sections {
    sections
        .iter()
        .map(|(name, section)| (name.clone(), section.properties.clone()))
        .collect()
}

/// One case: the same profiles and sso-sessions, or an error with its words.
fn check(case: &Case) -> Result<(), String> {
    let parsed = parse(
        case.input.config_file.as_deref(),
        case.input.credentials_file.as_deref(),
    );
    match (parsed, &case.output) {
        (Ok(profiles), Output::Config(expected)) => {
            let got = (flatten(&profiles.profiles), flatten(&profiles.sso_sessions));
            let want = (expected.profiles.clone(), expected.sso_sessions.clone());
            if got == want {
                Ok(())
            } else {
                Err(format!("expected {want:?}, got {got:?}"))
            }
        }
        (Err(e), Output::ErrorContaining(words)) => {
            let message = e.to_string();
            if message.contains(words.as_str()) {
                Ok(())
            } else {
                Err(format!("the error {message:?} does not contain {words:?}"))
            }
        }
        (Ok(profiles), Output::ErrorContaining(words)) => Err(format!(
            "expected an error containing {words:?}, got {:?}",
            flatten(&profiles.profiles)
        )),
        (Err(e), Output::Config(_)) => Err(format!("expected profiles, got the error {e}")),
    }
}

#[test]
fn conformance_suite_passes_every_case() {
    let suite: Suite = serde_json::from_str(SUITE).expect("the suite is JSON of the known shape");
    assert_eq!(
        suite.tests.len(),
        SUITE_CASES,
        "the vendored suite changed: run its new cases and update the count"
    );
    let failures: Vec<String> = suite
        .tests
        .iter()
        .filter_map(|case| check(case).err().map(|why| format!("{}: {why}", case.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {SUITE_CASES} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const KEY_ID: &str = "AKIDEXAMPLEKEYID";
const SECRET: &str = "secret-access-key-example";
const TOKEN: &str = "session-token-example";

fn profiles(config: &str, credentials: &str) -> Profiles {
    parse(Some(config), Some(credentials)).expect("the files parse")
}

fn static_profile(name: &str) -> String {
    format!("[{name}]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
}

#[test]
fn static_keys_are_read() {
    let p = profiles(
        "[profile dev]\nregion = eu-west-1\n",
        &format!("{}aws_session_token = {TOKEN}\n", static_profile("dev")),
    );
    let keys = credentials_for(&p, "dev").expect("static keys");
    assert_eq!(
        keys,
        AwsCredentials {
            access_key_id: KEY_ID.into(),
            secret_access_key: SECRET.into(),
            session_token: Some(TOKEN.into()),
        }
    );
    assert_eq!(region_for(&p, "dev").as_deref(), Some("eu-west-1"));
}

#[test]
fn session_token_is_optional_and_empty_means_none() {
    let p = profiles("", &static_profile("default"));
    assert_eq!(
        credentials_for(&p, "default").expect("keys").session_token,
        None
    );
    let p = profiles(
        "",
        &format!("{}aws_session_token =\n", static_profile("default")),
    );
    assert_eq!(
        credentials_for(&p, "default").expect("keys").session_token,
        None
    );
}

#[test]
fn keys_in_the_config_file_are_read_too() {
    let config =
        format!("[profile dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n");
    let p = profiles(&config, "");
    assert_eq!(
        credentials_for(&p, "dev").expect("keys").access_key_id,
        KEY_ID
    );
}

#[test]
fn credentials_file_wins_over_config_file() {
    let p = profiles(
        "[profile dev]\naws_access_key_id = FROMCONFIG\naws_secret_access_key = from-config\n",
        &static_profile("dev"),
    );
    let keys = credentials_for(&p, "dev").expect("keys");
    assert_eq!(keys.access_key_id, KEY_ID);
    assert_eq!(keys.secret_access_key, SECRET);
}

#[test]
fn keys_are_case_insensitive_and_names_are_not() {
    let p = profiles(
        "",
        &format!("[Dev]\nAWS_Access_Key_ID = {KEY_ID}\nAWS_SECRET_ACCESS_KEY = {SECRET}\n"),
    );
    assert_eq!(
        credentials_for(&p, "Dev").expect("keys").access_key_id,
        KEY_ID
    );
    assert_eq!(
        p.get("Dev")
            .and_then(|profile| profile.get("aws_access_key_id")),
        Some(KEY_ID)
    );
    assert_eq!(
        credentials_for(&p, "dev"),
        Err(ProfileError::NoProfile { name: "dev".into() })
    );
}

#[test]
fn missing_profile_is_no_profile() {
    let p = profiles("[profile other]\nregion = us-east-1\n", "");
    let e = credentials_for(&p, "dev").expect_err("no such profile");
    assert_eq!(e, ProfileError::NoProfile { name: "dev".into() });
    assert!(e.to_string().contains("[profile dev]"), "{e}");
}

#[test]
fn profile_without_both_keys_is_no_keys() {
    for credentials in [
        "[dev]\nregion = us-east-1\n".to_owned(),
        format!("[dev]\naws_access_key_id = {KEY_ID}\n"),
        format!("[dev]\naws_secret_access_key = {SECRET}\n"),
        format!("[dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key =\n"),
    ] {
        let p = profiles("", &credentials);
        let e = credentials_for(&p, "dev").expect_err("no keys");
        assert_eq!(
            e,
            ProfileError::NoKeys { name: "dev".into() },
            "{credentials}"
        );
        assert!(e.to_string().contains("aws_secret_access_key"), "{e}");
    }
}

#[test]
fn other_credential_sources_are_unsupported() {
    let cases = [
        (
            "role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n",
            "role_arn",
        ),
        (
            "role_arn = arn:aws:iam::123456789012:role/r\ncredential_source = Environment\n",
            "role_arn",
        ),
        (
            "credential_source = Ec2InstanceMetadata\n",
            "credential_source",
        ),
        (
            "sso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Reader\n",
            "sso_session",
        ),
        (
            "sso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
            "sso_start_url",
        ),
        (
            "credential_process = /usr/bin/get-keys --json\n",
            "credential_process",
        ),
        (
            "role_arn = arn:aws:iam::123456789012:role/r\nweb_identity_token_file = /t\n",
            "web_identity_token_file",
        ),
        (
            "login_session = arn:aws:iam::123456789012:user/u\n",
            "login_session",
        ),
        ("source_profile = base\n", "source_profile"),
    ];
    for (settings, key) in cases {
        let config =
            format!("[profile dev]\n{settings}[sso-session corp]\nsso_region = us-east-1\n");
        let p = profiles(&config, &static_profile("base"));
        let e = credentials_for(&p, "dev").expect_err("unsupported");
        let ProfileError::Unsupported { profile, kind } = &e else {
            panic!("{settings}: expected Unsupported, got {e:?}");
        };
        assert_eq!(profile, "dev");
        assert!(kind.contains(key), "{settings}: {kind}");
        let message = e.to_string();
        assert!(message.contains("reads only static keys"), "{message}");
        assert!(message.contains("give an access key instead"), "{message}");
    }
}

#[test]
fn role_profile_with_static_keys_is_still_unsupported() {
    // The SDKs would assume the role with them, not use them as they are.
    let credentials = format!(
        "{}role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = dev\n",
        static_profile("dev")
    );
    let p = profiles("", &credentials);
    assert!(matches!(
        credentials_for(&p, "dev"),
        Err(ProfileError::Unsupported { kind, .. }) if kind.contains("role_arn")
    ));
}

#[test]
fn region_follows_source_profile_and_stops_at_loops() {
    let config = "[profile a]\nsource_profile = b\n\
                  [profile b]\nsource_profile = c\n\
                  [profile c]\nregion = ap-south-1\n\
                  [profile x]\nsource_profile = y\n\
                  [profile y]\nsource_profile = x\n\
                  [profile self]\nsource_profile = self\n\
                  [profile none]\n\
                  [profile empty]\nregion =\n";
    let p = profiles(config, "");
    assert_eq!(region_for(&p, "a").as_deref(), Some("ap-south-1"));
    assert_eq!(region_for(&p, "x"), None);
    assert_eq!(region_for(&p, "self"), None);
    assert_eq!(region_for(&p, "none"), None);
    assert_eq!(region_for(&p, "empty"), None);
    assert_eq!(region_for(&p, "missing"), None);
}

#[test]
fn credentials_debug_hides_secret_and_token() {
    let keys = AwsCredentials {
        access_key_id: KEY_ID.into(),
        secret_access_key: SECRET.into(),
        session_token: Some(TOKEN.into()),
    };
    let shown = format!("{keys:?} {keys:#?}");
    assert!(shown.contains(KEY_ID), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
}

#[test]
fn profiles_debug_names_keys_not_values() {
    let p = profiles(
        "",
        &format!("{}aws_session_token = {TOKEN}\n", static_profile("dev")),
    );
    let shown = format!("{p:?}");
    assert!(shown.contains("aws_secret_access_key"), "{shown}");
    assert!(!shown.contains(SECRET), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
}

#[test]
fn parse_error_names_file_and_line_but_not_the_line() {
    let credentials =
        format!("[dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key {SECRET}\n");
    let e = parse(None, Some(&credentials)).expect_err("no = on line 3");
    assert_eq!(
        e,
        ProfileError::Parse {
            file: ProfileFile::Credentials,
            path: None,
            line: 3,
            reason: "Expected an '=' sign defining a property",
        }
    );
    let message = e.to_string();
    assert!(
        message.starts_with("the AWS credentials file, line 3: "),
        "{message}"
    );
    assert!(!message.contains(SECRET), "{message}");
}

#[test]
fn byte_order_mark_is_skipped() {
    let p = profiles("\u{feff}[default]\nregion = us-east-2\n", "");
    assert_eq!(region_for(&p, "default").as_deref(), Some("us-east-2"));
}

#[test]
fn sso_sessions_are_not_profiles() {
    let p = profiles("[sso-session corp]\nsso_region = us-east-1\n", "");
    assert!(p.get("corp").is_none());
    assert_eq!(
        p.sso_sessions.get("corp").and_then(|s| s.get("sso_region")),
        Some("us-east-1")
    );
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Self {
        Files {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    }

    fn missing(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

#[test]
fn files_are_read_and_merged() {
    let f = Files::new();
    let config = f.write("config", "[profile dev]\nregion = eu-central-1\n");
    let credentials = f.write("credentials", static_profile("dev"));
    let (keys, region) = load_files(Some(&config), Some(&credentials), "dev").expect("loaded");
    assert_eq!(keys.access_key_id, KEY_ID);
    assert_eq!(keys.secret_access_key, SECRET);
    assert_eq!(region.as_deref(), Some("eu-central-1"));
}

#[test]
fn missing_files_read_as_empty() {
    let f = Files::new();
    let credentials = f.write("credentials", static_profile("dev"));
    let (keys, region) =
        load_files(Some(&f.missing("config")), Some(&credentials), "dev").expect("loaded");
    assert_eq!(keys.access_key_id, KEY_ID);
    assert_eq!(region, None);
    assert_eq!(
        load_files(
            Some(&f.missing("config")),
            Some(&f.missing("absent-credentials")),
            "dev"
        ),
        Err(ProfileError::NoProfile { name: "dev".into() })
    );
    assert_eq!(
        load_files(None, None, "dev"),
        Err(ProfileError::NoProfile { name: "dev".into() })
    );
}

#[test]
fn oversized_file_is_refused() {
    let f = Files::new();
    let mut text = static_profile("dev");
    text.push_str(&"# padding\n".repeat(PROFILE_FILE_MAX_BYTES / 10 + 1));
    let credentials = f.write("credentials", text);
    let e = load_files(None, Some(&credentials), "dev").expect_err("too large");
    let ProfileError::Io { path, detail } = &e else {
        panic!("expected Io, got {e:?}");
    };
    assert_eq!(path, &credentials);
    assert!(detail.contains("larger than 1 MiB"), "{detail}");
    assert!(detail.contains("AWS_SHARED_CREDENTIALS_FILE"), "{detail}");
}

#[test]
fn file_of_exactly_the_limit_is_read() {
    let f = Files::new();
    let mut text = static_profile("dev");
    text.push_str(&"#".repeat(PROFILE_FILE_MAX_BYTES - text.len()));
    assert_eq!(text.len(), PROFILE_FILE_MAX_BYTES);
    let credentials = f.write("credentials", text);
    assert!(load_files(None, Some(&credentials), "dev").is_ok());
}

#[test]
fn unreadable_file_is_an_io_error() {
    let f = Files::new();
    // A folder where the file should be: it exists but cannot be read.
    let e = load_files(Some(f.dir.path()), None, "dev").expect_err("a folder");
    let ProfileError::Io { path, detail } = &e else {
        panic!("expected Io, got {e:?}");
    };
    assert_eq!(path, f.dir.path());
    assert!(detail.contains("AWS_CONFIG_FILE"), "{detail}");
}

#[test]
fn non_utf8_file_is_refused() {
    let f = Files::new();
    let credentials = f.write("credentials", b"[dev]\naws_access_key_id = \xff\xfe\n");
    let e = load_files(None, Some(&credentials), "dev").expect_err("not UTF-8");
    assert!(
        matches!(&e, ProfileError::Io { detail, .. } if detail.contains("UTF-8")),
        "{e:?}"
    );
}

#[test]
fn parse_error_from_disk_names_the_path() {
    let f = Files::new();
    let config = f.write("config", "[profile dev\n");
    let e = load_files(Some(&config), None, "dev").expect_err("no ]");
    assert_eq!(
        e,
        ProfileError::Parse {
            file: ProfileFile::Config,
            path: Some(config.clone()),
            line: 1,
            reason: "Profile definition must end with ']'",
        }
    );
    assert!(e.to_string().contains(&config.display().to_string()), "{e}");
}

#[test]
fn leading_tilde_is_the_home_folder() {
    let home = Path::new("/home/someone");
    assert_eq!(
        expand_home(Path::new("~/aws/config"), Some(home)),
        home.join("aws").join("config")
    );
    assert_eq!(
        expand_home(Path::new("/etc/aws/config"), Some(home)),
        PathBuf::from("/etc/aws/config")
    );
    assert_eq!(
        expand_home(Path::new("~other/config"), Some(home)),
        PathBuf::from("~other/config")
    );
    assert_eq!(
        expand_home(Path::new("~/config"), None),
        PathBuf::from("~/config")
    );
}
