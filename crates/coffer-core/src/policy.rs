//! The admin policy: what an administrator allows, read from a managed file
//! at the moment of each governed action (never cached from start-up).
//!
//! The system file (`/etc/coffer/policy.json` on Linux,
//! `/Library/Application Support/Coffer/policy.json` on macOS,
//! the ProgramData known folder, `Coffer\policy.json`, on Windows) may be joined by the file
//! `COFFER_POLICY_FILE` names, which can only tighten it: for every setting
//! the stricter value wins. A file that cannot be read or understood — bad
//! JSON, an unknown version, an unknown key — makes every governed action
//! fail closed with an error naming the file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::password::EXPORT_PASSWORD_MIN_CHARS;

/// Environment variable naming an extra policy file that can only tighten the system one.
pub const POLICY_ENV: &str = "COFFER_POLICY_FILE";
/// The policy schema version this build understands.
pub const POLICY_VERSION: u64 = 1;
/// Largest policy file read.
const POLICY_MAX_BYTES: u64 = 64 * 1024;

/// An export format, as policies name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
    /// A Coffer export under a password.
    Encrypted,
    /// A Coffer export in the clear.
    Plaintext,
    /// A dotenv file (in the clear; names and values only).
    Dotenv,
    /// A Postman environment (in the clear; names, values, enabled).
    Postman,
}

impl ExportKind {
    /// Every format, in the order a policy lists them.
    pub const ALL: [ExportKind; 4] = [
        ExportKind::Encrypted,
        ExportKind::Plaintext,
        ExportKind::Dotenv,
        ExportKind::Postman,
    ];

    /// The name a policy file uses.
    pub fn name(self) -> &'static str {
        match self {
            ExportKind::Encrypted => "encrypted",
            ExportKind::Plaintext => "plaintext",
            ExportKind::Dotenv => "dotenv",
            ExportKind::Postman => "postman",
        }
    }
}

/// The file's schema (version 1). Every key is optional; unknown keys are errors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// Checked by the version probe before this struct is read.
    #[serde(rename = "version")]
    _version: u64,
    export: Option<ExportRules>,
    import: Option<ImportRules>,
    keychain: Option<KeychainRules>,
    auto_lock: Option<AutoLockRules>,
    clipboard: Option<ClipboardRules>,
    links: Option<LinkRules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkRules {
    allowed_providers: Option<Vec<crate::linked::Kind>>,
    allowed_addresses: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportRules {
    enabled: Option<bool>,
    formats: Option<Vec<ExportKind>>,
    min_password_length: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportRules {
    plaintext_allowed: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeychainRules {
    allowed: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AutoLockRules {
    max_idle_minutes: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClipboardRules {
    max_clear_seconds: Option<u32>,
}

/// One effective setting and the file it came from (`None`: Coffer's default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting<T> {
    pub value: T,
    pub source: Option<PathBuf>,
}

impl<T> Setting<T> {
    fn default(value: T) -> Self {
        Setting {
            value,
            source: None,
        }
    }
}

/// The effective policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub export_enabled: Setting<bool>,
    pub export_formats: Setting<Vec<ExportKind>>,
    pub min_password_length: Setting<usize>,
    pub plaintext_import_allowed: Setting<bool>,
    pub keychain_allowed: Setting<bool>,
    /// Longest idle time before the app locks itself, if limited.
    pub max_idle_minutes: Setting<Option<u32>>,
    /// Longest time a copied value may stay on the clipboard, if limited.
    pub max_clear_seconds: Setting<Option<u32>>,
    /// The kinds of provider linked secrets may use.
    pub link_providers: Setting<Vec<crate::linked::Kind>>,
    /// Host patterns (as for allowed domains) that provider addresses must
    /// match, if limited; an empty list allows none.
    pub link_addresses: Setting<Option<Vec<String>>>,
    /// Set when a policy file could not be used: every governed action is refused.
    pub failure: Option<PolicyFailure>,
}

/// Why the policy failed closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyFailure {
    pub file: PathBuf,
    pub problem: String,
}

impl Default for Policy {
    /// No policy file: nothing beyond Coffer's own rules.
    fn default() -> Self {
        Policy {
            export_enabled: Setting::default(true),
            export_formats: Setting::default(ExportKind::ALL.to_vec()),
            min_password_length: Setting::default(EXPORT_PASSWORD_MIN_CHARS),
            plaintext_import_allowed: Setting::default(true),
            keychain_allowed: Setting::default(true),
            max_idle_minutes: Setting::default(None),
            max_clear_seconds: Setting::default(None),
            link_providers: Setting::default(crate::linked::Kind::ALL.to_vec()),
            link_addresses: Setting::default(None),
            failure: None,
        }
    }
}

/// The platform's system policy file.
pub fn system_policy_path() -> PathBuf {
    #[cfg(windows)]
    let path = program_data().join("Coffer").join("policy.json");
    #[cfg(target_os = "macos")]
    let path = PathBuf::from("/Library/Application Support/Coffer/policy.json");
    #[cfg(not(any(windows, target_os = "macos")))]
    let path = PathBuf::from("/etc/coffer/policy.json");
    path
}

/// The machine-wide application data folder of Windows, from the
/// known-folder API — never from the `%ProgramData%` environment variable,
/// which the user sets and so could point the administrator's policy at a
/// file of their own. If the API fails, the folder's fixed default.
#[cfg(windows)]
#[allow(unsafe_code)]
fn program_data() -> PathBuf {
    use std::os::windows::ffi::OsStringExt;
    use windows_sys::Win32::System::Com::CoTaskMemFree;
    use windows_sys::Win32::UI::Shell::{
        FOLDERID_ProgramData, SHGetKnownFolderPath, KF_FLAG_DEFAULT,
    };

    let mut raw: windows_sys::core::PWSTR = std::ptr::null_mut();
    // SAFETY: the GUID is a static, `raw` is a valid out-pointer, and a null
    // token asks for the machine's folder, not a user's.
    let status = unsafe {
        SHGetKnownFolderPath(
            &FOLDERID_ProgramData,
            KF_FLAG_DEFAULT as _,
            std::ptr::null_mut(),
            &mut raw,
        )
    };
    let found = if status >= 0 && !raw.is_null() {
        // SAFETY: on success `raw` is a NUL-terminated UTF-16 string that
        // stays valid until it is freed below.
        let wide = unsafe {
            let len = (0..).take_while(|&i| *raw.add(i) != 0).count();
            std::slice::from_raw_parts(raw, len)
        };
        Some(PathBuf::from(std::ffi::OsString::from_wide(wide)))
    } else {
        None
    };
    // SAFETY: the API allocates `raw` with the COM allocator and asks the
    // caller to free it, on failure too; freeing null does nothing.
    unsafe { CoTaskMemFree(raw as *const _) };
    found.unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"))
}

/// Where the policy is read from: the system file and, optionally, an extra
/// file that can only tighten it. Read anew at every governed action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySource {
    pub system: PathBuf,
    pub extra: Option<PathBuf>,
}

impl PolicySource {
    /// The platform's system file and the file `COFFER_POLICY_FILE` names.
    pub fn from_env() -> PolicySource {
        PolicySource {
            system: system_policy_path(),
            extra: std::env::var_os(POLICY_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }

    /// The policy these files make now.
    pub fn load(&self) -> Policy {
        Policy::load(&self.system, self.extra.as_deref())
    }
}

impl Policy {
    /// The policy in force now: the system file, tightened by `COFFER_POLICY_FILE`.
    pub fn current() -> Policy {
        PolicySource::from_env().load()
    }

    /// The policy from `system` (absent = no restriction) and `extra` (must exist when named).
    pub fn load(system: &Path, extra: Option<&Path>) -> Policy {
        let mut policy = Policy::default();
        let files = [(system, false)]
            .into_iter()
            .chain(extra.map(|p| (p, true)));
        for (path, required) in files {
            match read_file(path, required) {
                Ok(Some(file)) => policy.tighten(&file, path),
                Ok(None) => {}
                Err(problem) => {
                    policy.failure.get_or_insert(PolicyFailure {
                        file: path.to_owned(),
                        problem,
                    });
                }
            }
        }
        policy
    }

    fn tighten(&mut self, file: &File, path: &Path) {
        let from = || Some(path.to_owned());
        if let Some(export) = &file.export {
            if export.enabled == Some(false) && self.export_enabled.value {
                self.export_enabled = Setting {
                    value: false,
                    source: from(),
                };
            }
            if let Some(formats) = &export.formats {
                let kept: Vec<ExportKind> = self
                    .export_formats
                    .value
                    .iter()
                    .copied()
                    .filter(|f| formats.contains(f))
                    .collect();
                if kept != self.export_formats.value {
                    self.export_formats = Setting {
                        value: kept,
                        source: from(),
                    };
                }
            }
            if let Some(min) = export.min_password_length {
                if min > self.min_password_length.value {
                    self.min_password_length = Setting {
                        value: min,
                        source: from(),
                    };
                }
            }
        }
        if file.import.as_ref().and_then(|i| i.plaintext_allowed) == Some(false)
            && self.plaintext_import_allowed.value
        {
            self.plaintext_import_allowed = Setting {
                value: false,
                source: from(),
            };
        }
        if file.keychain.as_ref().and_then(|k| k.allowed) == Some(false)
            && self.keychain_allowed.value
        {
            self.keychain_allowed = Setting {
                value: false,
                source: from(),
            };
        }
        if let Some(max) = file.auto_lock.as_ref().and_then(|a| a.max_idle_minutes) {
            if self.max_idle_minutes.value.is_none_or(|v| max < v) {
                self.max_idle_minutes = Setting {
                    value: Some(max),
                    source: from(),
                };
            }
        }
        if let Some(links) = &file.links {
            self.tighten_links(links, path);
        }
        if let Some(max) = file.clipboard.as_ref().and_then(|c| c.max_clear_seconds) {
            if self.max_clear_seconds.value.is_none_or(|v| max < v) {
                self.max_clear_seconds = Setting {
                    value: Some(max),
                    source: from(),
                };
            }
        }
    }

    fn tighten_links(&mut self, links: &LinkRules, path: &Path) {
        let from = || Some(path.to_owned());
        if let Some(kinds) = &links.allowed_providers {
            let kept: Vec<crate::linked::Kind> = self
                .link_providers
                .value
                .iter()
                .copied()
                .filter(|k| kinds.contains(k))
                .collect();
            if kept != self.link_providers.value {
                self.link_providers = Setting {
                    value: kept,
                    source: from(),
                };
            }
        }
        if let Some(patterns) = &links.allowed_addresses {
            // A second list can only take patterns away.
            let kept: Vec<String> = match &self.link_addresses.value {
                None => patterns.clone(),
                Some(earlier) => earlier
                    .iter()
                    .filter(|p| patterns.contains(p))
                    .cloned()
                    .collect(),
            };
            if Some(&kept) != self.link_addresses.value.as_ref() {
                self.link_addresses = Setting {
                    value: Some(kept),
                    source: from(),
                };
            }
        }
    }

    /// Refuses a provider of `kind` at `address` that the policy does not allow.
    pub fn check_provider(&self, kind: crate::linked::Kind, address: &str) -> Result<()> {
        self.check_loaded()?;
        if !self.link_providers.value.contains(&kind) {
            let reason = if self.link_providers.value.is_empty() {
                "linked secrets are not allowed".to_owned()
            } else {
                format!("{} providers are not allowed", kind.name())
            };
            return Err(denied(
                "links.allowed_providers",
                &self.link_providers.source,
                &reason,
            ));
        }
        if let Some(patterns) = &self.link_addresses.value {
            let allowed = !patterns.is_empty()
                && crate::reference::Destination::parse(address)
                    .is_ok_and(|to| crate::reference::check_destination(patterns, &to).is_ok());
            if !allowed {
                let host = crate::reference::Destination::parse(address)
                    .map(|d| d.host())
                    .unwrap_or_else(|_| address.to_owned());
                return Err(denied(
                    "links.allowed_addresses",
                    &self.link_addresses.source,
                    &format!("providers at {host} are not allowed"),
                ));
            }
        }
        Ok(())
    }

    fn check_loaded(&self) -> Result<()> {
        match &self.failure {
            Some(f) => Err(Error::PolicyInvalid {
                file: f.file.clone(),
                problem: f.problem.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Refuses an export of `kind` that the policy does not allow.
    pub fn check_export(&self, kind: ExportKind) -> Result<()> {
        self.check_loaded()?;
        if !self.export_enabled.value {
            return Err(denied(
                "export.enabled",
                &self.export_enabled.source,
                "exports are disabled",
            ));
        }
        if !self.export_formats.value.contains(&kind) {
            return Err(denied(
                "export.formats",
                &self.export_formats.source,
                &format!("{} exports are not allowed", kind.name()),
            ));
        }
        Ok(())
    }

    /// Refuses an export password shorter than a minimum the policy raised
    /// (below Coffer's own floor of 12 it is a weak password, not a policy matter).
    pub fn check_password_length(&self, chars: usize) -> Result<()> {
        let min = &self.min_password_length;
        if min.source.is_some() && chars >= EXPORT_PASSWORD_MIN_CHARS && chars < min.value {
            return Err(denied(
                "export.min_password_length",
                &min.source,
                &format!("export passwords need at least {} characters", min.value),
            ));
        }
        Ok(())
    }

    /// Refuses importing an unencrypted source when the policy forbids it.
    pub fn check_plaintext_import(&self) -> Result<()> {
        self.check_loaded()?;
        if !self.plaintext_import_allowed.value {
            return Err(denied(
                "import.plaintext_allowed",
                &self.plaintext_import_allowed.source,
                "importing unencrypted files is not allowed; import an encrypted export",
            ));
        }
        Ok(())
    }

    /// Refuses keychain use when the policy forbids it.
    pub fn check_keychain(&self) -> Result<()> {
        self.check_loaded()?;
        if !self.keychain_allowed.value {
            return Err(denied(
                "keychain.allowed",
                &self.keychain_allowed.source,
                "keeping vault keys in the system keychain is not allowed; keep the key yourself",
            ));
        }
        Ok(())
    }

    /// `requested` limited by `max`, and whether it was limited.
    fn clamp(requested: u32, max: &Setting<Option<u32>>) -> (u32, bool) {
        match max.value {
            Some(m) if requested > m || requested == 0 => (m, true),
            _ => (requested, false),
        }
    }

    /// Auto-lock minutes (0 = never) as allowed: `(value, clamped)`.
    pub fn clamp_idle_minutes(&self, requested: u32) -> (u32, bool) {
        Policy::clamp(requested, &self.max_idle_minutes)
    }

    /// Clipboard-clear seconds (0 = never) as allowed: `(value, clamped)`.
    pub fn clamp_clear_seconds(&self, requested: u32) -> (u32, bool) {
        Policy::clamp(requested, &self.max_clear_seconds)
    }
}

fn denied(setting: &'static str, source: &Option<PathBuf>, reason: &str) -> Error {
    Error::PolicyDenied {
        setting,
        file: source.clone().unwrap_or_default(),
        reason: reason.to_owned(),
    }
}

/// `Ok(None)`: no file (fine for the system file). `Err`: why it cannot be used.
fn read_file(path: &Path, required: bool) -> std::result::Result<Option<File>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("{POLICY_ENV} names it, but it does not exist"))
        }
        Err(e) => return Err(format!("it cannot be read: {e}")),
    };
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    if meta.len() > POLICY_MAX_BYTES {
        return Err(format!("it is larger than {POLICY_MAX_BYTES} bytes"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("it cannot be read: {e}"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if !text.trim_start().starts_with('{') {
        return Err("it is not valid JSON: a policy is one JSON object".into());
    }
    #[derive(Deserialize)]
    struct VersionOnly {
        version: Option<serde_json::Value>,
    }
    let probe: VersionOnly =
        serde_json::from_str(text).map_err(|e| format!("it is not valid JSON: {e}"))?;
    match probe.version {
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(POLICY_VERSION) => {}
        Some(other) => {
            return Err(format!(
            "policy version {other} is not supported (this Coffer reads version {POLICY_VERSION})"
        ))
        }
        None => return Err("the `version` key is missing".into()),
    }
    let file: File = serde_json::from_str(text).map_err(|e| format!("{e}"))?;
    // A cap of 0 would read as "never" to anyone who knows the app's
    // settings, and an extra file must not be able to loosen a cap with it:
    // it is refused, so the policy fails closed.
    let caps = [
        (
            "auto_lock.max_idle_minutes",
            file.auto_lock.as_ref().and_then(|a| a.max_idle_minutes),
        ),
        (
            "clipboard.max_clear_seconds",
            file.clipboard.as_ref().and_then(|c| c.max_clear_seconds),
        ),
    ];
    for (setting, value) in caps {
        if value == Some(0) {
            return Err(format!(
                "{setting} is 0; a limit is at least 1 (0 would mean \"never\", which a policy cannot ask for)"
            ));
        }
    }
    if let Some(min) = file.export.as_ref().and_then(|e| e.min_password_length) {
        if min > 1024 {
            return Err(format!(
                "export.min_password_length {min} is unreasonably large (at most 1024)"
            ));
        }
    }
    Ok(Some(file))
}

#[cfg(test)]
mod tests;
