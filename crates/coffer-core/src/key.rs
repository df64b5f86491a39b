//! The vault key and its human-friendly form.
//!
//! 32 random bytes are written as 52 Crockford base32 digits (case-insensitive,
//! no I/L/O/U; `I`/`L` read as `1`, `O` as `0`) in 13 groups of four, each
//! followed by a check digit over that group and its position:
//!
//! ```text
//! 7K3QA-M0Z9F-…   (13 groups of 5 characters, 77 with the dashes)
//! ```
//!
//! Every single-character substitution, and any character that is not a key
//! character, is caught by the group it falls in, so a typo is reported as
//! "group N looks mistyped" rather than as "wrong key". The check digit uses
//! odd weights modulo 32, which makes each single substitution change it.

use rand_core::{OsRng, RngCore};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Length of a vault key in bytes.
pub const VAULT_KEY_LEN_BYTES: usize = 32;
/// Number of groups in the written key.
pub const KEY_GROUPS: usize = 13;
const DATA_PER_GROUP: usize = 4;
const GROUP_LEN: usize = DATA_PER_GROUP + 1;
const DATA_DIGITS: usize = KEY_GROUPS * DATA_PER_GROUP; // 52 digits = 260 bits, 4 of them zero padding
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const WEIGHTS: [u32; DATA_PER_GROUP] = [1, 3, 5, 7];

/// The key that opens one vault. Zeroized on drop; it cannot be cloned,
/// printed, or serialized — write it out only with [`VaultKey::to_text`].
pub struct VaultKey(SecretBox<[u8; VAULT_KEY_LEN_BYTES]>);

impl VaultKey {
    /// A new key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = SecretBox::new(Box::new([0u8; VAULT_KEY_LEN_BYTES]));
        OsRng.fill_bytes(secrecy::ExposeSecretMut::expose_secret_mut(&mut bytes));
        VaultKey(bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8; VAULT_KEY_LEN_BYTES] {
        self.0.expose_secret()
    }

    /// The key as the user sees it: `XXXXX-XXXXX-…`, 13 groups.
    pub fn to_text(&self) -> SecretString {
        let digits = to_digits(self.bytes());
        let mut out = String::with_capacity(KEY_GROUPS * (GROUP_LEN + 1));
        for (g, group) in digits.chunks(DATA_PER_GROUP).enumerate() {
            if g > 0 {
                out.push('-');
            }
            for &d in group {
                out.push(ALPHABET[d as usize] as char);
            }
            out.push(ALPHABET[check_digit(g, group) as usize] as char);
        }
        SecretString::from(out)
    }

    /// Reads a key typed or pasted by a person. Dashes and whitespace
    /// separate groups; case does not matter.
    pub fn parse(text: &str) -> Result<Self> {
        let groups = split_groups(text)?;
        let mut digits = Zeroizing::new([0u8; DATA_DIGITS]);
        for (g, group) in groups.iter().enumerate() {
            let mut values = [0u8; GROUP_LEN];
            for (i, &c) in group.iter().enumerate() {
                values[i] = decode_char(c).ok_or(Error::KeyTypo { group: g + 1 })?;
            }
            let (data, check) = values.split_at(DATA_PER_GROUP);
            if check_digit(g, data) != check[0] {
                return Err(Error::KeyTypo { group: g + 1 });
            }
            digits[g * DATA_PER_GROUP..(g + 1) * DATA_PER_GROUP].copy_from_slice(data);
        }
        let mut bytes = SecretBox::new(Box::new([0u8; VAULT_KEY_LEN_BYTES]));
        let ok = from_digits(
            &digits,
            secrecy::ExposeSecretMut::expose_secret_mut(&mut bytes),
        );
        if !ok {
            // Padding bits are set: only possible through a typo in the last group.
            return Err(Error::KeyTypo { group: KEY_GROUPS });
        }
        Ok(VaultKey(bytes))
    }
}

/// Splits the text into 13 groups of 5 characters, locating a group of the wrong length.
fn split_groups(text: &str) -> Result<Vec<Zeroizing<Vec<u8>>>> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::KeyFormat {
            problem: "it is empty".into(),
        });
    }
    if !text.is_ascii() {
        return Err(Error::KeyFormat {
            problem: "it contains characters that never appear in a vault key".into(),
        });
    }
    let is_sep = |c: char| c == '-' || c.is_ascii_whitespace();
    let expected =
        format!("a vault key is {KEY_GROUPS} groups of {GROUP_LEN} characters separated by dashes");
    let pieces: Vec<&str> = text.split(is_sep).filter(|p| !p.is_empty()).collect();
    if pieces.len() == 1 {
        // Typed without separators.
        let chars = pieces[0].as_bytes();
        if chars.len() != KEY_GROUPS * GROUP_LEN {
            return Err(Error::KeyFormat {
                problem: format!("it has {} characters; {expected}", chars.len()),
            });
        }
        return Ok(chars
            .chunks(GROUP_LEN)
            .map(|c| Zeroizing::new(c.to_vec()))
            .collect());
    }
    if pieces.len() != KEY_GROUPS {
        return Err(Error::KeyFormat {
            problem: format!("it has {} groups; {expected}", pieces.len()),
        });
    }
    if let Some(g) = pieces.iter().position(|p| p.len() != GROUP_LEN) {
        // A character dropped or doubled inside one group.
        return Err(Error::KeyTypo { group: g + 1 });
    }
    Ok(pieces
        .iter()
        .map(|p| Zeroizing::new(p.as_bytes().to_vec()))
        .collect())
}

fn check_digit(group_index: usize, data: &[u8]) -> u8 {
    let mut sum = (group_index as u32) * 11 + 7;
    for (d, w) in data.iter().zip(WEIGHTS) {
        sum += u32::from(*d) * w;
    }
    (sum % 32) as u8
}

fn decode_char(c: u8) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        b'O' => b'0',
        b'I' | b'L' => b'1',
        other => other,
    };
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u8)
}

/// 32 bytes → 52 five-bit digits, big-endian, last digit padded with zero bits.
fn to_digits(bytes: &[u8; VAULT_KEY_LEN_BYTES]) -> Zeroizing<[u8; DATA_DIGITS]> {
    let mut out = Zeroizing::new([0u8; DATA_DIGITS]);
    for (i, digit) in out.iter_mut().enumerate() {
        let mut v = 0u8;
        for b in 0..5 {
            let bit = i * 5 + b;
            let set = bit < VAULT_KEY_LEN_BYTES * 8 && (bytes[bit / 8] >> (7 - bit % 8)) & 1 == 1;
            v = (v << 1) | u8::from(set);
        }
        *digit = v;
    }
    out
}

/// The inverse of [`to_digits`]; false if a padding bit is set.
fn from_digits(digits: &[u8; DATA_DIGITS], out: &mut [u8; VAULT_KEY_LEN_BYTES]) -> bool {
    out.fill(0);
    for (i, &d) in digits.iter().enumerate() {
        for b in 0..5 {
            let bit = i * 5 + b;
            let set = (d >> (4 - b)) & 1 == 1;
            if bit >= VAULT_KEY_LEN_BYTES * 8 {
                if set {
                    return false;
                }
            } else if set {
                out[bit / 8] |= 1 << (7 - bit % 8);
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(key: &VaultKey) -> String {
        key.to_text().expose_secret().to_owned()
    }

    #[test]
    fn written_key_has_13_groups_of_5() {
        let t = text(&VaultKey::generate());
        let groups: Vec<&str> = t.split('-').collect();
        assert_eq!(groups.len(), 13);
        assert!(groups.iter().all(|g| g.len() == 5), "{groups:?}");
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(VaultKey::generate().bytes(), VaultKey::generate().bytes());
    }

    proptest! {
        #[test]
        fn parse_inverts_to_text(bytes in any::<[u8; 32]>()) {
            let key = VaultKey(SecretBox::new(Box::new(bytes)));
            let parsed = VaultKey::parse(&text(&key)).expect("parses");
            prop_assert_eq!(parsed.bytes(), &bytes);
        }

        #[test]
        fn parse_ignores_case_spacing_and_lookalikes(bytes in any::<[u8; 32]>()) {
            let key = VaultKey(SecretBox::new(Box::new(bytes)));
            let sloppy = text(&key).to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l");
            let parsed = VaultKey::parse(&format!("  {sloppy}\n")).expect("parses");
            prop_assert_eq!(parsed.bytes(), &bytes);
            let compact = text(&key).replace('-', "");
            let parsed = VaultKey::parse(&compact).expect("parses");
            prop_assert_eq!(parsed.bytes(), &bytes);
        }
    }

    #[test]
    fn every_single_character_typo_is_detected_and_located() {
        for _ in 0..20 {
            let good = text(&VaultKey::generate());
            for (pos, original) in good.char_indices() {
                if original == '-' {
                    continue;
                }
                let group = pos / 6 + 1;
                let alternatives = ALPHABET
                    .iter()
                    .map(|&c| c as char)
                    .chain("U!*#".chars())
                    .filter(|&c| c != original);
                for typo in alternatives {
                    let mut bad = good.clone();
                    bad.replace_range(pos..pos + 1, &typo.to_string());
                    match VaultKey::parse(&bad) {
                        Err(Error::KeyTypo { group: g }) => {
                            assert_eq!(g, group, "{typo} at {pos} reported in group {g}")
                        }
                        Err(other) => panic!("{typo} at {pos}: unexpected error {other}"),
                        Ok(_) => panic!("{typo} at {pos} was not detected"),
                    }
                }
            }
        }
    }

    #[test]
    fn dropped_or_doubled_character_names_its_group() {
        let good = text(&VaultKey::generate());
        let mut dropped = good.clone();
        dropped.remove(6 * 3 + 2); // inside group 4
        assert!(matches!(
            VaultKey::parse(&dropped),
            Err(Error::KeyTypo { group: 4 })
        ));
        let mut doubled = good.clone();
        doubled.insert(6 * 12, 'A'); // start of group 13
        assert!(matches!(
            VaultKey::parse(&doubled),
            Err(Error::KeyTypo { group: 13 })
        ));
    }

    #[test]
    fn wrong_shapes_are_format_errors_not_typos() {
        for bad in ["", "   ", "hunter2", "ABCDE-ABCDE", "ключ-ключ"] {
            assert!(
                matches!(VaultKey::parse(bad), Err(Error::KeyFormat { .. })),
                "{bad:?}"
            );
        }
        let good = text(&VaultKey::generate());
        let short = good.replace('-', "")[..64].to_owned();
        assert!(matches!(
            VaultKey::parse(&short),
            Err(Error::KeyFormat { .. })
        ));
    }

    #[test]
    fn format_errors_do_not_echo_the_input() {
        let err = VaultKey::parse("my-secret-password-123")
            .err()
            .expect("rejected");
        assert!(!err.to_string().contains("password"), "{err}");
    }
}
