//! What the vault keeps about itself besides secrets: whether its key lives
//! in the keychain, and the app settings.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};

use super::Vault;
use crate::error::{Error, Result};
use crate::policy::{Policy, Setting};
use crate::store::{read_meta, SqlResult};

/// Longest auto-lock time that can be stored, in minutes.
pub const AUTO_LOCK_MAX_MINUTES: u32 = 24 * 60;
/// Longest clipboard-clear time that can be stored, in seconds.
pub const CLIPBOARD_CLEAR_MAX_SECONDS: u32 = 3600;

/// Longest quick-open shortcut text, in characters.
pub const QUICK_OPEN_MAX_CHARS: usize = 64;

/// App settings kept in the vault. 0 means "never".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Lock after this many idle minutes.
    pub auto_lock_minutes: u32,
    /// Clear a copied value from the clipboard after this many seconds (if it is still there).
    pub clipboard_clear_seconds: u32,
    /// The system-wide shortcut that brings the app up, e.g. `Ctrl+Alt+K`;
    /// `None` (the default) registers none.
    #[serde(default)]
    pub quick_open: Option<String>,
    /// How long fetched linked values are kept in memory, in minutes (0: not kept).
    #[serde(default = "default_link_cache_minutes")]
    pub link_cache_minutes: u32,
}

fn default_link_cache_minutes() -> u32 {
    (crate::linked::DEFAULT_CACHE_TTL.as_secs() / 60) as u32
}

/// Longest time fetched linked values can be kept, in minutes.
pub const LINK_CACHE_MAX_MINUTES: u32 = 24 * 60;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            auto_lock_minutes: 15,
            clipboard_clear_seconds: 30,
            quick_open: None,
            link_cache_minutes: default_link_cache_minutes(),
        }
    }
}

/// The settings in force: the stored ones as the admin policy allows them,
/// with why a value was limited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingsInForce {
    pub auto_lock_minutes: u32,
    pub clipboard_clear_seconds: u32,
    /// Set when the policy limited auto-lock: "limited to N by the policy in FILE".
    pub auto_lock_limited_by: Option<String>,
    /// Set when the policy limited clipboard clearing.
    pub clipboard_limited_by: Option<String>,
    /// The quick-open shortcut (the policy has no say in it).
    pub quick_open: Option<String>,
    /// Minutes fetched linked values are kept (the policy has no say in it).
    pub link_cache_minutes: u32,
}

impl Settings {
    /// These settings as `policy` allows them.
    pub fn in_force(&self, policy: &Policy) -> SettingsInForce {
        let (auto_lock, lock_clamped) = policy.clamp_idle_minutes(self.auto_lock_minutes);
        let (clear, clear_clamped) = policy.clamp_clear_seconds(self.clipboard_clear_seconds);
        SettingsInForce {
            auto_lock_minutes: auto_lock,
            clipboard_clear_seconds: clear,
            auto_lock_limited_by: limited_by(lock_clamped, &policy.max_idle_minutes),
            clipboard_limited_by: limited_by(clear_clamped, &policy.max_clear_seconds),
            quick_open: self.quick_open.clone(),
            link_cache_minutes: self.link_cache_minutes,
        }
    }
}

fn limited_by(clamped: bool, setting: &Setting<Option<u32>>) -> Option<String> {
    clamped.then(|| {
        let file = setting
            .source
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        format!(
            "limited to {} by the policy in {file}",
            setting.value.unwrap_or_default()
        )
    })
}

impl Vault {
    /// Whether this vault's key is meant to be kept in the OS keychain.
    pub fn keychain_enabled(&self) -> Result<bool> {
        let v: i64 = read_meta(&self.conn, &self.path, "keychain")?;
        Ok(v != 0)
    }

    /// Records whether this vault's key is kept in the OS keychain.
    pub fn set_keychain_enabled(&mut self, enabled: bool) -> Result<()> {
        self.conn
            .execute(
                "UPDATE meta SET value = ?1 WHERE key = 'keychain'",
                params![i64::from(enabled)],
            )
            .map(drop)
            .at(&self.path)
    }

    /// The vault's app settings (auto-lock, clipboard clearing), before any policy clamp.
    pub fn settings(&self) -> Result<Settings> {
        let read = |key: &str, default: u32| -> Result<u32> {
            let v: Option<i64> = self
                .conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .at(&self.path)?;
            Ok(v.and_then(|v| u32::try_from(v).ok()).unwrap_or(default))
        };
        let defaults = Settings::default();
        let quick_open: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'quick_open'", [], |r| {
                r.get(0)
            })
            .optional()
            .at(&self.path)?;
        Ok(Settings {
            auto_lock_minutes: read("auto_lock_minutes", defaults.auto_lock_minutes)?,
            clipboard_clear_seconds: read(
                "clipboard_clear_seconds",
                defaults.clipboard_clear_seconds,
            )?,
            quick_open: quick_open.filter(|s| !s.is_empty()),
            link_cache_minutes: read("link_cache_minutes", defaults.link_cache_minutes)?,
        })
    }

    /// Stores the app settings (0 means "never" for both).
    pub fn set_settings(&mut self, settings: &Settings) -> Result<()> {
        let quick_open = settings.quick_open.as_deref().unwrap_or_default().trim();
        if quick_open.chars().count() > QUICK_OPEN_MAX_CHARS
            || quick_open.chars().any(|c| c.is_control())
        {
            return Err(Error::InvalidSetting {
                reason: format!(
                    "a shortcut is a key combination such as Ctrl+Alt+K, at most {QUICK_OPEN_MAX_CHARS} characters"
                ),
            });
        }
        if settings.link_cache_minutes > LINK_CACHE_MAX_MINUTES {
            return Err(Error::InvalidSetting {
                reason: format!(
                    "fetched linked values are kept at most {LINK_CACHE_MAX_MINUTES} minutes"
                ),
            });
        }
        if settings.auto_lock_minutes > AUTO_LOCK_MAX_MINUTES
            || settings.clipboard_clear_seconds > CLIPBOARD_CLEAR_MAX_SECONDS
        {
            return Err(Error::InvalidSetting {
                reason: format!(
                    "auto-lock is at most {AUTO_LOCK_MAX_MINUTES} minutes and clipboard clearing at most {CLIPBOARD_CLEAR_MAX_SECONDS} seconds"
                ),
            });
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&self.path)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('auto_lock_minutes', ?1), ('clipboard_clear_seconds', ?2)",
            params![i64::from(settings.auto_lock_minutes), i64::from(settings.clipboard_clear_seconds)],
        )
        .at(&self.path)?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('quick_open', ?1), ('link_cache_minutes', ?2)",
            params![quick_open, i64::from(settings.link_cache_minutes)],
        )
        .at(&self.path)?;
        tx.commit().at(&self.path)?;
        self.apply_link_cache_minutes(settings.link_cache_minutes);
        Ok(())
    }

    /// Keeps fetched linked values for `minutes` from now on.
    pub(super) fn apply_link_cache_minutes(&mut self, minutes: u32) {
        self.set_link_cache_ttl(std::time::Duration::from_secs(u64::from(minutes) * 60));
    }
}
