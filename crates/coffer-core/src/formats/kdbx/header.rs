//! The outer header of a KeePass database, read and checked before any
//! password is asked for: signatures, version, every field at its exact
//! length, and the key-derivation parameters within Coffer's bounds. The
//! database crate is handed only files that pass, so a crafted header can
//! neither reach its unchecked reads nor make it hash for hours.
//!
//! Layout (little-endian): two signatures, a minor and a major version,
//! then fields `id u8, length (u16 in KDBX 3, u32 in KDBX 4), data` up to
//! field 0. KDBX 3 keeps the AES-KDF seed and rounds in fields 5 and 6;
//! KDBX 4 keeps a typed dictionary of KDF parameters in field 11 and
//! follows the header with its SHA-256.

use sha2::{Digest, Sha256};

use super::super::incoming::FileError;

const SIGNATURE_1: [u8; 4] = 0x9AA2_D903_u32.to_le_bytes();
const SIGNATURE_2_KDBX: [u8; 4] = 0xB54B_FB67_u32.to_le_bytes();
const SIGNATURE_2_KDB: [u8; 4] = 0xB54B_FB65_u32.to_le_bytes();
const SIGNATURE_2_PRE: [u8; 4] = 0xB54B_FB66_u32.to_le_bytes();

const AES_KDF_3: [u8; 16] = uuid(0xc9d9f39a_628a_4460_bf74_0d08c18a4fea);
const AES_KDF_4: [u8; 16] = uuid(0x7c02bb82_79a7_4ac0_927d_114a00648238);
const ARGON2D: [u8; 16] = uuid(0xef636ddf_8c29_444b_91f7_a9a403e30a0c);
const ARGON2ID: [u8; 16] = uuid(0x9e298b19_56db_4773_b23d_fc3ec6f0a1e6);

const fn uuid(v: u128) -> [u8; 16] {
    v.to_be_bytes()
}

/// Argon2 memory accepted from a database, in MiB (KeePassXC's default is 64).
pub(crate) const KDBX_ARGON2_MEMORY_MIB_MAX: u64 = 1024;
/// Argon2 iterations accepted (KeePass uses 1 to tens).
pub(crate) const KDBX_ARGON2_ITERATIONS_MAX: u64 = 100;
/// Argon2 lanes accepted.
pub(crate) const KDBX_ARGON2_PARALLELISM_MAX: u32 = 16;
/// The most Argon2 work accepted, in MiB × iterations: 16 GiB of block
/// fills, some seconds here. KeePassXC's default is 640.
pub(crate) const KDBX_ARGON2_WORK_MAX: u64 = 16_384;
/// AES-KDF rounds accepted: some seconds at the speed measured here.
/// KeePass's own default of one second on the machine that made the file
/// is some tens of millions.
pub(crate) const KDBX_AES_ROUNDS_MAX: u64 = 300_000_000;

/// How a database turns its password into a key: what the bounds check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kdf {
    Aes {
        rounds: u64,
    },
    Argon2 {
        memory_mib: u64,
        iterations: u64,
        parallelism: u32,
    },
}

/// What the header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// (major, minor).
    pub(crate) version: (u16, u16),
    pub(crate) kdf: Kdf,
}

/// Whether `bytes` start like any KeePass database (1.x included, so that
/// one is told it is unsupported rather than unrecognized).
pub(crate) fn is_keepass(bytes: &[u8]) -> bool {
    bytes.len() >= 8
        && bytes[..4] == SIGNATURE_1
        && [SIGNATURE_2_KDBX, SIGNATURE_2_KDB, SIGNATURE_2_PRE]
            .contains(&[bytes[4], bytes[5], bytes[6], bytes[7]])
}

fn invalid(what: &str) -> FileError {
    FileError::Invalid(format!(
        "the KeePass header is damaged: {what}; open the file in KeePassXC and save it again"
    ))
}

fn limits(what: String) -> FileError {
    FileError::KdfLimits(format!(
        "{what}; lower it in KeePassXC (Database ▸ Database Security) and save the database again"
    ))
}

/// A reader over the header that never reads past its end.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], FileError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| invalid(&format!("it ends inside {what}")))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u8(&mut self, what: &str) -> Result<u8, FileError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, FileError> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32, FileError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

fn le_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    u32::from_le_bytes(a)
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    u64::from_le_bytes(a)
}

/// Reads and checks the outer header; refuses what the database crate
/// must not see and key derivations beyond the bounds.
pub(crate) fn check(bytes: &[u8]) -> Result<Header, FileError> {
    let mut c = Cursor { bytes, at: 0 };
    let sig1 = c.take(4, "the signature")?;
    let sig2 = c.take(4, "the signature")?;
    if sig1 != SIGNATURE_1 {
        return Err(invalid("its signature is wrong"));
    }
    if sig2 == SIGNATURE_2_KDB {
        return Err(FileError::UnsupportedVersion(
            "a KeePass 1.x database (.kdb); open it in KeePassXC, save it as .kdbx, and import that".into(),
        ));
    }
    if sig2 != SIGNATURE_2_KDBX {
        return Err(FileError::UnsupportedVersion(
            "a pre-release KeePass 2 database; open it in KeePassXC and save it again".into(),
        ));
    }
    let minor = c.u16("the version")?;
    let major = c.u16("the version")?;
    let kdbx4 = match (major, minor) {
        (3, 0 | 1) => false,
        (4, 0 | 1) => true,
        _ => {
            return Err(FileError::UnsupportedVersion(format!(
                "KDBX {major}.{minor}; Coffer reads KDBX 3.1 and 4.x: open it in KeePassXC and save it again"
            )))
        }
    };
    let mut seen = [false; 13];
    let (mut kdf, mut rounds, mut cipher, mut iv_len) = (None, None, None, 0);
    loop {
        let id = c.u8("a field id")?;
        let len = if kdbx4 {
            c.u32("a field length")? as usize
        } else {
            usize::from(c.u16("a field length")?)
        };
        let data = c.take(len, "a field")?;
        let slot = seen
            .get_mut(usize::from(id))
            .ok_or_else(|| invalid(&format!("it has a field of unknown id {id}")))?;
        if std::mem::replace(slot, true) {
            return Err(invalid(&format!("field {id} is there twice")));
        }
        let exact = |want: usize| {
            if data.len() == want {
                Ok(())
            } else {
                Err(invalid(&format!(
                    "field {id} is {} bytes long, not {want}",
                    data.len()
                )))
            }
        };
        match (id, kdbx4) {
            (0, _) => break,
            (1, _) => {}
            (2, _) => {
                exact(16)?;
                cipher = Some(cipher_of(data)?);
            }
            (3, _) => {
                exact(4)?;
                if le_u32(data) > 1 {
                    return Err(invalid("the compression is neither none nor gzip"));
                }
            }
            (4, _) | (5 | 8 | 9, false) => exact(32)?,
            (6, false) => {
                exact(8)?;
                rounds = Some(le_u64(data));
            }
            (7, _) => iv_len = data.len(),
            (10, false) => {
                exact(4)?;
                // Salsa20 or ChaCha20, what KeePass protects fields with.
                if !matches!(le_u32(data), 2 | 3) {
                    return Err(invalid("its inner stream cipher is unknown"));
                }
            }
            (11, true) => kdf = Some(kdf_of(&dictionary(data)?)?),
            // Public custom data: only checked to be a well-formed dictionary.
            (12, true) => {
                dictionary(data)?;
            }
            (_, true) => {
                return Err(invalid(&format!(
                    "field {id} of KDBX 3 is in a KDBX 4 file"
                )))
            }
            (_, false) => {
                return Err(invalid(&format!(
                    "field {id} of KDBX 4 is in a KDBX 3 file"
                )))
            }
        }
    }
    let required: &[(usize, &str)] = if kdbx4 {
        &[
            (2, "cipher"),
            (3, "compression"),
            (4, "master seed"),
            (7, "IV"),
            (11, "key derivation"),
        ]
    } else {
        &[
            (2, "cipher"),
            (3, "compression"),
            (4, "master seed"),
            (5, "AES-KDF seed"),
            (6, "AES-KDF rounds"),
            (7, "IV"),
            (8, "protected stream key"),
            (9, "stream start bytes"),
            (10, "inner stream cipher"),
        ]
    };
    for (id, what) in required {
        if !seen[*id] {
            return Err(invalid(&format!("the {what} field is missing")));
        }
    }
    let want_iv = match cipher {
        Some(Cipher::ChaCha20) => 12,
        _ => 16,
    };
    if iv_len != want_iv {
        return Err(invalid(&format!(
            "its IV is {iv_len} bytes, not the {want_iv} its cipher takes"
        )));
    }
    let kdf = if kdbx4 {
        let end = c.at;
        let hash = c.take(32, "the header's hash")?;
        if Sha256::digest(&bytes[..end]).as_slice() != hash {
            return Err(invalid("its hash does not match (the file is damaged)"));
        }
        kdf.ok_or_else(|| invalid("the key-derivation parameters are missing"))?
    } else {
        Kdf::Aes {
            rounds: rounds.ok_or_else(|| invalid("the AES-KDF rounds are missing"))?,
        }
    };
    check_bounds(&kdf)?;
    Ok(Header {
        version: (major, minor),
        kdf,
    })
}

/// An item of a typed dictionary: `(name, type, value)`.
type Item<'a> = (&'a [u8], u8, &'a [u8]);

/// A KDBX 4 typed dictionary (the KDF parameters, the public custom data),
/// checked whole: `version u16` (0x01xx), then `type u8, name_len u32,
/// name, value_len u32, value` up to type 0, every fixed-size value at its
/// size, no name twice.
fn dictionary(data: &[u8]) -> Result<Vec<Item<'_>>, FileError> {
    let mut c = Cursor { bytes: data, at: 0 };
    let version = c.u16("a dictionary")?;
    if version & 0xFF00 != 0x0100 {
        return Err(invalid(
            "a dictionary of the header is of an unknown version",
        ));
    }
    let mut items: Vec<Item<'_>> = Vec::new();
    loop {
        let kind = c.u8("a dictionary")?;
        if kind == 0 {
            return Ok(items);
        }
        let name_len = c.u32("a dictionary")? as usize;
        let name = c.take(name_len, "a dictionary")?;
        let value_len = c.u32("a dictionary")? as usize;
        let value = c.take(value_len, "a dictionary")?;
        let fixed = match kind {
            0x04 | 0x0C => Some(4),
            0x05 | 0x0D => Some(8),
            0x08 => Some(1),
            0x18 | 0x42 => None,
            _ => return Err(invalid("a dictionary value is of an unknown type")),
        };
        if fixed.is_some_and(|n| n != value.len()) {
            return Err(invalid(
                "a dictionary value has the wrong length for its type",
            ));
        }
        if items.iter().any(|(n, _, _)| *n == name) {
            return Err(invalid("a dictionary names a value twice"));
        }
        items.push((name, kind, value));
    }
}

/// The key derivation its parameters name, within what the crate can run.
fn kdf_of(params: &[Item<'_>]) -> Result<Kdf, FileError> {
    let get = |name: &str, kind: u8| {
        params
            .iter()
            .find(|(n, _, _)| *n == name.as_bytes())
            .filter(|(_, k, _)| *k == kind)
            .map(|(_, _, v)| *v)
            .ok_or_else(|| invalid(&format!("the KDF parameter {name} is missing or mistyped")))
    };
    let id = get("$UUID", 0x42)?;
    if id == AES_KDF_3 || id == AES_KDF_4 {
        if get("S", 0x42)?.len() != 32 {
            return Err(invalid("the AES-KDF seed is not 32 bytes"));
        }
        return Ok(Kdf::Aes {
            rounds: le_u64(get("R", 0x05)?),
        });
    }
    if id != ARGON2D && id != ARGON2ID {
        return Err(FileError::UnsupportedVersion(
            "its key derivation is of a kind Coffer does not know (neither AES-KDF nor Argon2)"
                .into(),
        ));
    }
    let salt = get("S", 0x42)?.len();
    if !(8..=64).contains(&salt) {
        return Err(invalid("the Argon2 salt is not 8 to 64 bytes"));
    }
    if !matches!(le_u32(get("V", 0x04)?), 0x10 | 0x13) {
        return Err(invalid("the Argon2 version is neither 1.0 nor 1.3"));
    }
    let memory = le_u64(get("M", 0x05)?);
    let parallelism = le_u32(get("P", 0x04)?);
    // Argon2 needs 8 KiB a lane at least; less is no file KeePass writes.
    if memory < 8 * 1024 * u64::from(parallelism.max(1)) {
        return Err(invalid("its Argon2 memory is below 8 KiB a lane"));
    }
    Ok(Kdf::Argon2 {
        // Rounded up, so that a value just above the limit is refused.
        memory_mib: memory.div_ceil(1024 * 1024),
        iterations: le_u64(get("I", 0x05)?),
        parallelism,
    })
}

/// The ciphers KeePass encrypts a database with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cipher {
    Aes256,
    Twofish,
    ChaCha20,
}

fn cipher_of(id: &[u8]) -> Result<Cipher, FileError> {
    const AES256: [u8; 16] = uuid(0x31c1f2e6_bf71_4350_be58_05216afc5aff);
    const TWOFISH: [u8; 16] = uuid(0xad68f29f_576f_4bb9_a36a_d47af965346c);
    const CHACHA20: [u8; 16] = uuid(0xd6038a2b_8b6f_4cb5_a524_339a31dbb59a);
    match id {
        i if i == AES256 => Ok(Cipher::Aes256),
        i if i == TWOFISH => Ok(Cipher::Twofish),
        i if i == CHACHA20 => Ok(Cipher::ChaCha20),
        _ => Err(FileError::UnsupportedVersion(
            "its cipher is of a kind Coffer does not know (neither AES-256, Twofish nor ChaCha20)"
                .into(),
        )),
    }
}

fn check_bounds(kdf: &Kdf) -> Result<(), FileError> {
    match *kdf {
        Kdf::Aes { rounds } => {
            if rounds == 0 || rounds > KDBX_AES_ROUNDS_MAX {
                return Err(limits(format!(
                    "AES-KDF rounds {rounds} are outside 1 to {KDBX_AES_ROUNDS_MAX}"
                )));
            }
        }
        Kdf::Argon2 {
            memory_mib,
            iterations,
            parallelism,
        } => {
            if memory_mib > KDBX_ARGON2_MEMORY_MIB_MAX {
                return Err(limits(format!(
                    "Argon2 memory of {memory_mib} MiB is above the limit of {KDBX_ARGON2_MEMORY_MIB_MAX} MiB"
                )));
            }
            if !(1..=KDBX_ARGON2_ITERATIONS_MAX).contains(&iterations) {
                return Err(limits(format!(
                    "Argon2 iterations {iterations} are outside 1 to {KDBX_ARGON2_ITERATIONS_MAX}"
                )));
            }
            if !(1..=KDBX_ARGON2_PARALLELISM_MAX).contains(&parallelism) {
                return Err(limits(format!(
                    "Argon2 parallelism {parallelism} is outside 1 to {KDBX_ARGON2_PARALLELISM_MAX}"
                )));
            }
            if memory_mib * iterations > KDBX_ARGON2_WORK_MAX {
                return Err(limits(format!(
                    "Argon2 work of {memory_mib} MiB × {iterations} iterations is above the limit of {KDBX_ARGON2_WORK_MAX}"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORMAT400: &[u8] =
        include_bytes!("../../../tests/fixtures/kdbx/keepassxc__Format400.kdbx");
    const PROTECTED: &[u8] =
        include_bytes!("../../../tests/fixtures/kdbx/keepassxc__ProtectedStrings.kdbx");
    const TEST4: &[u8] = include_bytes!("../../../tests/fixtures/kdbx/pykeepass__test4.kdbx");

    fn message(e: FileError) -> String {
        match e {
            FileError::Invalid(m) | FileError::KdfLimits(m) | FileError::UnsupportedVersion(m) => m,
            _ => "another error".into(),
        }
    }

    #[test]
    fn the_key_derivation_of_real_databases_is_read() {
        assert_eq!(
            check(FORMAT400).ok(),
            Some(Header {
                version: (4, 0),
                kdf: Kdf::Argon2 {
                    memory_mib: 1,
                    iterations: 2,
                    parallelism: 2
                }
            })
        );
        assert_eq!(
            check(PROTECTED).ok(),
            Some(Header {
                version: (3, 1),
                kdf: Kdf::Aes { rounds: 6000 }
            })
        );
        assert_eq!(
            check(TEST4).map(|h| h.kdf).ok(),
            Some(Kdf::Argon2 {
                memory_mib: 64,
                iterations: 1,
                parallelism: 4
            })
        );
    }

    #[test]
    fn bounds_say_which_parameter_and_what_to_do() {
        let cases = [
            (
                Kdf::Argon2 {
                    memory_mib: 2048,
                    iterations: 1,
                    parallelism: 1,
                },
                "Argon2 memory of 2048 MiB is above the limit of 1024 MiB",
            ),
            (
                Kdf::Argon2 {
                    memory_mib: 1024,
                    iterations: 20,
                    parallelism: 1,
                },
                "Argon2 work of 1024 MiB × 20 iterations is above the limit of 16384",
            ),
            (
                Kdf::Argon2 {
                    memory_mib: 1,
                    iterations: 0,
                    parallelism: 1,
                },
                "Argon2 iterations 0 are outside 1 to 100",
            ),
            (
                Kdf::Aes { rounds: 0 },
                "AES-KDF rounds 0 are outside 1 to 300000000",
            ),
        ];
        for (kdf, want) in cases {
            let m = message(check_bounds(&kdf).expect_err("refused"));
            assert!(m.starts_with(want), "{m}");
            assert!(
                m.ends_with(
                    "lower it in KeePassXC (Database ▸ Database Security) and save the database again"
                ),
                "{m}"
            );
        }
    }

    #[test]
    fn every_cut_of_a_header_is_refused_without_a_panic() {
        // The header (fields and their hash) is all the check reads: every
        // cut shorter than it is refused, every longer one passes.
        let whole = (0..=FORMAT400.len())
            .find(|&cut| check(&FORMAT400[..cut]).is_ok())
            .expect("the whole header passes");
        assert!(whole > 200, "the header ends at {whole}");
        for cut in [whole, whole + 1, FORMAT400.len()] {
            assert!(check(&FORMAT400[..cut]).is_ok(), "cut at {cut}");
        }
        assert!(is_keepass(FORMAT400) && !is_keepass(b"{\"a\":1}"));
    }
}
