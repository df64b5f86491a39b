//! The variables of an API client's environments (Bruno, Hoppscotch) and
//! the secrets they become.

use secrecy::SecretString;

use super::incoming::{Incoming, Read};

/// A variable of an environment.
pub(crate) struct Variable {
    pub(crate) name: String,
    /// `None` for a secret whose value the tool keeps out of the file.
    pub(crate) value: Option<String>,
    /// `None` when the tool has no on/off switch.
    pub(crate) enabled: Option<bool>,
    /// Marked secret by the tool.
    pub(crate) secret: bool,
}

/// The secrets of each environment's variables, named `ENV/NAME` when the
/// environment's name is given (a file of several). Variables without a
/// value are named as left out, `why` saying why they have none.
pub(crate) fn read_of(environments: Vec<(Option<String>, Vec<Variable>)>, why: &str) -> Read {
    let (mut items, mut without_value) = (Vec::new(), Vec::new());
    for (env, vars) in environments {
        for var in vars {
            let name = match &env {
                Some(env) => format!("{env}/{}", var.name),
                None => var.name,
            };
            let Some(value) = var.value else {
                without_value.push(format!("{name:?}"));
                continue;
            };
            items.push(Incoming {
                name,
                value: SecretString::from(value),
                enabled: var.enabled,
                allowed_domains: None,
                note: None,
                created_at: None,
                updated_at: None,
                flagged_secret: var.secret,
                link: None,
            });
        }
    }
    let left_out = if without_value.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "the secret variables {} ({why}; add their values to Coffer yourself)",
            without_value.join(", ")
        )]
    };
    Read { items, left_out }
}
