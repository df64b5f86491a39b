//! Resolving references: the values of many names at once, all or nothing,
//! each checked against where it is going.

use std::collections::HashMap;
use std::fmt;

use secrecy::SecretString;
use serde::Serialize;

use super::Vault;
use crate::error::{Error, Result};
use crate::reference::{check_destination, Destination, Refusal};
use crate::secret::Target;

/// Where the resolved values go.
#[derive(Debug, Clone, Copy)]
pub enum Usage<'a> {
    /// Somewhere Coffer cannot see (a program's environment, a file): a
    /// secret meant only for some hosts still resolves, and is named in
    /// [`Values::unchecked`] so the caller can say so.
    Anywhere,
    /// As [`Usage::Anywhere`], but a secret meant only for some hosts is refused.
    Strict,
    /// A request to this destination: a secret resolves only if it is
    /// allowed there.
    At(&'a Destination),
}

/// The values of the resolved names.
pub struct Values {
    values: HashMap<String, SecretString>,
    allowed: HashMap<String, Vec<String>>,
    unchecked: Vec<(String, Vec<String>)>,
}

impl fmt::Debug for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Values")
            .field("names", &self.values.len())
            .field("unchecked", &self.unchecked)
            .finish()
    }
}

impl Values {
    /// The value of `name`, as the reference wrote it.
    pub fn get(&self, name: &str) -> Option<&SecretString> {
        self.values.get(name)
    }

    /// The allowed domains of `name`'s secret (empty: any host), to check
    /// where else the values may go (a redirect).
    pub fn allowed(&self, name: &str) -> &[String] {
        self.allowed.get(name).map_or(&[], Vec::as_slice)
    }

    /// Every value (to mask them in output).
    pub fn all(&self) -> impl Iterator<Item = &SecretString> {
        self.values.values()
    }

    /// Secrets meant only for some hosts that resolved for [`Usage::Anywhere`],
    /// with their allowed domains.
    pub fn unchecked(&self) -> &[(String, Vec<String>)] {
        &self.unchecked
    }
}

/// A reference that did not resolve, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The name as the reference wrote it.
    pub name: String,
    pub reason: Why,
}

/// Why a reference did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The name breaks the naming rules.
    InvalidName(String),
    /// No secret has that name.
    NotFound,
    /// The secret in effect is disabled.
    Disabled,
    /// The secret is not meant for that host.
    NotAllowed { host: String, allowed: Vec<String> },
    /// The secret may go to that host only over HTTPS.
    PlainHttp { host: String },
    /// The secret is meant only for some hosts, and strict use was asked for
    /// where no host can be checked.
    HostUnknown { allowed: Vec<String> },
    /// The secret is linked and its provider did not give the value.
    Link {
        code: crate::error::Code,
        /// The provider's error, as it would be shown alone.
        message: String,
    },
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.name, self.reason)
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::InvalidName(reason) => write!(f, "not a valid name ({reason})"),
            Why::NotFound => f.write_str("no secret has that name"),
            Why::Disabled => f.write_str("it is disabled; enable it to use it"),
            Why::NotAllowed { host, allowed } => write!(
                f,
                "it is allowed only on {}, not on {host}",
                allowed.join(", ")
            ),
            Why::PlainHttp { host } => write!(
                f,
                "it may go to {host} over HTTPS only (an allowed domain written http://{host} permits plain HTTP)"
            ),
            Why::Link { message, .. } => write!(f, "it is linked, and {message}"),
            Why::HostUnknown { allowed } => write!(
                f,
                "it is meant only for {}, and where it would go cannot be checked here",
                allowed.join(", ")
            ),
        }
    }
}

/// What one reference of a text would do, without its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferenceCheck {
    /// The name as the reference wrote it.
    pub name: String,
    /// Whether it would resolve.
    pub resolves: bool,
    /// Why not, or (when it resolves without a URL to check) the hosts it is meant for.
    pub detail: Option<String>,
}

impl Vault {
    /// The values of `names` for `usage`, all or none: every name that does
    /// not resolve is reported, with its reason, in one
    /// [`Error::ReferencesUnresolved`]. Each name takes the secret in effect.
    pub fn resolve<'n>(
        &mut self,
        names: impl IntoIterator<Item = &'n str>,
        usage: Usage<'_>,
    ) -> Result<Values> {
        let mut values = HashMap::new();
        let mut allowed_of = HashMap::new();
        let mut unchecked = Vec::new();
        let mut problems = Vec::new();
        for name in names {
            if values.contains_key(name) || problems.iter().any(|p: &Unresolved| p.name == name) {
                continue;
            }
            let mut refuse = |reason| {
                problems.push(Unresolved {
                    name: name.to_owned(),
                    reason,
                })
            };
            let (row, meta, _) = match self.find(Target::Name(name)) {
                Ok(found) => found,
                Err(Error::InvalidName { reason }) => {
                    refuse(Why::InvalidName(reason));
                    continue;
                }
                Err(Error::SecretNotFound { .. }) => {
                    refuse(Why::NotFound);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let allowed = meta.domains.clone();
            if !meta.enabled {
                refuse(Why::Disabled);
                continue;
            }
            match usage {
                Usage::At(to) => match check_destination(&allowed, to) {
                    Ok(()) => {}
                    Err(Refusal::NotAllowed) => {
                        refuse(Why::NotAllowed {
                            host: to.host(),
                            allowed,
                        });
                        continue;
                    }
                    Err(Refusal::PlainHttp) => {
                        refuse(Why::PlainHttp { host: to.host() });
                        continue;
                    }
                },
                Usage::Strict if !allowed.is_empty() => {
                    refuse(Why::HostUnknown { allowed });
                    continue;
                }
                Usage::Anywhere if !allowed.is_empty() => {
                    unchecked.push((name.to_owned(), allowed.clone()));
                }
                Usage::Strict | Usage::Anywhere => {}
            }
            // Fetched only once it is known to be allowed where it goes.
            let value = match self.value_of(&row, &meta) {
                Ok(v) => v,
                Err(e) if e.is_link_problem() => {
                    problems.push(Unresolved {
                        name: name.to_owned(),
                        reason: Why::Link {
                            code: e.code(),
                            message: e.to_string(),
                        },
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            values.insert(name.to_owned(), value);
            allowed_of.insert(name.to_owned(), allowed);
        }
        if problems.is_empty() {
            Ok(Values {
                values,
                allowed: allowed_of,
                unchecked,
            })
        } else {
            Err(Error::ReferencesUnresolved { problems })
        }
    }

    /// What each reference in `text` would do for a request to `to` (or,
    /// without one, somewhere that cannot be checked), one entry per name in
    /// the order they first appear. No value leaves the vault.
    pub fn check_references(
        &mut self,
        text: &str,
        to: Option<&Destination>,
    ) -> Result<Vec<ReferenceCheck>> {
        let mut names: Vec<String> = Vec::new();
        for r in crate::reference::find(text) {
            if !names.contains(&r.name) {
                names.push(r.name);
            }
        }
        let usage = match to {
            Some(to) => Usage::At(to),
            None => Usage::Anywhere,
        };
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let check = match self.resolve([name.as_str()], usage) {
                Ok(values) => ReferenceCheck {
                    detail: values.unchecked().first().map(|(_, allowed)| {
                        format!(
                            "meant only for {}; give a URL to check it against",
                            allowed.join(", ")
                        )
                    }),
                    name,
                    resolves: true,
                },
                Err(Error::ReferencesUnresolved { problems }) => ReferenceCheck {
                    detail: problems.first().map(|p| p.reason.to_string()),
                    name,
                    resolves: false,
                },
                Err(e) => return Err(e),
            };
            out.push(check);
        }
        Ok(out)
    }
}
