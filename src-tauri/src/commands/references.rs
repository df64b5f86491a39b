//! Using secrets by reference, as the app shows it: allowed-domain patterns
//! checked as they are typed, and "Try a reference" (which references of a
//! text would resolve, and why not — never a value).

use coffer_core::reference::{Destination, Pattern};
use coffer_core::{Error, ReferenceCheck};
use serde::Serialize;
use tauri::State;

use super::reply::Reply;
use crate::state::AppState;

/// Allowed-domain patterns as the core reads them.
#[derive(Debug, Serialize)]
pub struct DomainsView {
    /// Each valid pattern in its stored form, in the order given.
    pub stored: Vec<String>,
    /// Each invalid pattern with what is wrong.
    pub problems: Vec<DomainProblem>,
}

#[derive(Debug, Serialize)]
pub struct DomainProblem {
    pub pattern: String,
    pub reason: String,
}

/// Reads the allowed-domains field (patterns separated by commas or spaces).
/// Needs no unlocked vault: it only reads the patterns.
#[tauri::command]
pub fn domains_check(patterns: String) -> Reply<DomainsView> {
    let mut view = DomainsView {
        stored: Vec::new(),
        problems: Vec::new(),
    };
    for raw in patterns
        .split([',', ' ', '\t', '\n'])
        .filter(|p| !p.is_empty())
    {
        match Pattern::parse(raw) {
            Ok(p) => {
                let p = p.to_string();
                if !view.stored.contains(&p) {
                    view.stored.push(p);
                }
            }
            Err(reason) => view.problems.push(DomainProblem {
                pattern: raw.to_owned(),
                reason,
            }),
        }
    }
    Ok(view)
}

/// Which references in `text` would resolve for a request to `url` (none or
/// empty: somewhere that cannot be checked), and why not. Values never cross.
#[tauri::command]
pub fn reference_check(
    state: State<'_, AppState>,
    text: String,
    url: Option<String>,
) -> Reply<Vec<ReferenceCheck>> {
    let to = match url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => Some(Destination::parse(url).map_err(|reason| Error::InvalidUrl {
            url: url.to_owned(),
            reason,
        })?),
        None => None,
    };
    Ok(state.with_vault(|v| v.check_references(&text, to.as_ref()))?)
}
