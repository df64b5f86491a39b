//! Passwords made for new secrets: every character drawn uniformly from the
//! chosen sets with the operating system's generator, at least one from
//! each chosen set, then shuffled.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_core::OsRng;
use secrecy::SecretString;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Shortest password the generator makes.
pub const GENERATED_MIN_CHARS: usize = 8;
/// Longest password the generator makes.
pub const GENERATED_MAX_CHARS: usize = 128;

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";
/// Symbols that need no quoting in an unquoted dotenv value or a shell word
/// inside double quotes, leaving out quotes, backslash, backtick, `$`,
/// spaces and the braces that delimit `{{vault:…}}` references.
const SYMBOLS: &[u8] = b"!#%&*+-.:;=?@^_~";

/// What to make: how long, and from which sets of characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct PasswordRecipe {
    pub length: usize,
    pub lower: bool,
    pub upper: bool,
    pub digits: bool,
    pub symbols: bool,
}

impl Default for PasswordRecipe {
    fn default() -> Self {
        PasswordRecipe {
            length: 24,
            lower: true,
            upper: true,
            digits: true,
            symbols: true,
        }
    }
}

/// A new random password made to `recipe`.
pub fn generate_password(recipe: &PasswordRecipe) -> Result<SecretString> {
    if !(GENERATED_MIN_CHARS..=GENERATED_MAX_CHARS).contains(&recipe.length) {
        return Err(Error::InvalidArgument {
            what: "password length (8 to 128 characters)",
        });
    }
    let sets: Vec<&[u8]> = [
        (recipe.lower, LOWER),
        (recipe.upper, UPPER),
        (recipe.digits, DIGITS),
        (recipe.symbols, SYMBOLS),
    ]
    .into_iter()
    .filter_map(|(on, set)| on.then_some(set))
    .collect();
    if sets.is_empty() {
        return Err(Error::InvalidArgument {
            what: "password recipe (choose at least one set of characters)",
        });
    }
    let all: Vec<u8> = sets.concat();
    let mut rng = OsRng;
    let mut out = Zeroizing::new(Vec::with_capacity(recipe.length));
    for set in &sets {
        out.push(set[rng.gen_range(0..set.len())]);
    }
    while out.len() < recipe.length {
        out.push(all[rng.gen_range(0..all.len())]);
    }
    out.shuffle(&mut rng);
    let text = String::from_utf8(out.to_vec()).unwrap_or_else(|_| unreachable!("ASCII only"));
    Ok(SecretString::from(text))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn length_and_every_chosen_set_are_honoured() {
        for length in [GENERATED_MIN_CHARS, 24, GENERATED_MAX_CHARS] {
            let p = generate_password(&PasswordRecipe {
                length,
                ..Default::default()
            })
            .expect("made");
            let p = p.expose_secret();
            assert_eq!(p.len(), length);
            for set in [LOWER, UPPER, DIGITS, SYMBOLS] {
                assert!(p.bytes().any(|b| set.contains(&b)), "{p}");
            }
        }
        let digits = PasswordRecipe {
            length: 12,
            lower: false,
            upper: false,
            digits: true,
            symbols: false,
        };
        let p = generate_password(&digits).expect("made");
        assert!(p.expose_secret().bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn two_passwords_differ_and_characters_spread_over_the_set() {
        let recipe = PasswordRecipe {
            length: 128,
            lower: true,
            upper: false,
            digits: false,
            symbols: false,
        };
        let a = generate_password(&recipe).expect("made");
        let b = generate_password(&recipe).expect("made");
        assert_ne!(a.expose_secret(), b.expose_secret());
        let mut seen = [0usize; 26];
        for _ in 0..40 {
            for c in generate_password(&recipe)
                .expect("made")
                .expose_secret()
                .bytes()
            {
                seen[usize::from(c - b'a')] += 1;
            }
        }
        // 5,120 draws over 26 letters: each expected ~197 times.
        assert!(seen.iter().all(|&n| (100..320).contains(&n)), "{seen:?}");
    }

    #[test]
    fn an_impossible_recipe_is_refused_with_what_to_change() {
        for recipe in [
            PasswordRecipe {
                length: 4,
                ..Default::default()
            },
            PasswordRecipe {
                length: 500,
                ..Default::default()
            },
            PasswordRecipe {
                length: 20,
                lower: false,
                upper: false,
                digits: false,
                symbols: false,
            },
        ] {
            let err = generate_password(&recipe).expect_err("refused");
            assert_eq!(err.code(), "invalid_argument");
            assert!(err.to_string().starts_with("invalid password"), "{err}");
        }
    }
}
