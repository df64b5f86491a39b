//! Fetched secrets, kept in memory for a while so that using a linked
//! secret again costs what a local one does. Never written anywhere; every
//! entry is wiped when it expires, is reset, or the vault locks.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::value::Fetched;
use super::Location;
use crate::secret::Timestamp;

/// How long a fetched value is used before it is fetched again.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(3600);

/// One fetched secret: every key of a Vault KV secret, or an AWS secret
/// string, so that links to several keys of it cost one request.
struct Entry {
    fetched: Fetched,
    at: Instant,
    wall: Timestamp,
}

/// The cache of one unlocked vault.
pub(crate) struct Cache {
    ttl: Duration,
    entries: HashMap<(String, String), Entry>,
}

impl Default for Cache {
    fn default() -> Self {
        Cache {
            ttl: DEFAULT_CACHE_TTL,
            entries: HashMap::new(),
        }
    }
}

/// What a location is cached under: the place without the key inside it.
pub(crate) fn place_of(location: &Location) -> String {
    let mut whole = location.clone();
    match &mut whole {
        Location::Vault { key, .. } => key.clear(),
        Location::Aws { json_key, .. } => *json_key = None,
    }
    serde_json::to_string(&whole).unwrap_or_default()
}

impl Cache {
    /// Sets how long values are kept (0: not at all); entries already older are dropped.
    pub(crate) fn set_ttl(&mut self, ttl: Duration) {
        self.ttl = ttl;
        self.entries.retain(|_, e| e.at.elapsed() < ttl);
    }

    pub(crate) fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Drops (and so wipes) every entry past its time.
    fn sweep(&mut self) {
        let ttl = self.ttl;
        self.entries.retain(|_, e| e.at.elapsed() < ttl);
    }

    /// The fresh entry for `location` of `provider`, if any. Every stale
    /// entry is dropped on the way, not only this one.
    pub(crate) fn get(&mut self, provider: &str, location: &Location) -> Option<&Fetched> {
        self.sweep();
        self.entries
            .get(&(provider.to_owned(), place_of(location)))
            .map(|e| &e.fetched)
    }

    /// When `location` of `provider` was fetched, if it is cached and fresh.
    pub(crate) fn fetched_at(&self, provider: &str, location: &Location) -> Option<Timestamp> {
        self.entries
            .get(&(provider.to_owned(), place_of(location)))
            .filter(|e| e.at.elapsed() < self.ttl)
            .map(|e| e.wall)
    }

    pub(crate) fn put(&mut self, provider: &str, location: &Location, fetched: Fetched) {
        self.sweep();
        if self.ttl.is_zero() {
            return;
        }
        self.entries.insert(
            (provider.to_owned(), place_of(location)),
            Entry {
                fetched,
                at: Instant::now(),
                wall: Timestamp::now(),
            },
        );
    }

    /// Drops every entry of `provider` (its settings or credentials changed).
    pub(crate) fn forget_provider(&mut self, provider: &str) {
        self.entries.retain(|(p, _), _| p != provider);
    }

    /// Drops every entry; returns how many there were.
    pub(crate) fn clear(&mut self) -> usize {
        let n = self.entries.len();
        self.entries.clear();
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn kv(key: &str, version: Option<u64>) -> Location {
        Location::Vault {
            mount: "secret".into(),
            path: "app/db".into(),
            key: key.into(),
            kv_version: 2,
            version,
        }
    }

    #[test]
    fn keys_of_one_secret_share_an_entry_and_versions_do_not() {
        let mut cache = Cache::default();
        cache.put(
            "bao",
            &kv("password", None),
            Fetched::Text(SecretString::from("x".to_owned())),
        );
        assert!(cache.get("bao", &kv("user", None)).is_some());
        assert!(cache.get("bao", &kv("user", Some(1))).is_none());
        assert!(cache.get("other", &kv("user", None)).is_none());
        cache.forget_provider("bao");
        assert!(cache.get("bao", &kv("password", None)).is_none());
    }

    #[test]
    fn entries_expire_and_a_zero_ttl_keeps_nothing() {
        let mut cache = Cache::default();
        cache.put("bao", &kv("k", None), Fetched::Binary);
        cache.set_ttl(Duration::ZERO);
        assert!(cache.get("bao", &kv("k", None)).is_none());
        cache.put("bao", &kv("k", None), Fetched::Binary);
        assert!(cache.get("bao", &kv("k", None)).is_none());
        cache.set_ttl(Duration::from_millis(30));
        cache.put("bao", &kv("k", None), Fetched::Binary);
        assert!(cache.fetched_at("bao", &kv("k", None)).is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.get("bao", &kv("k", None)).is_none());
    }
}
