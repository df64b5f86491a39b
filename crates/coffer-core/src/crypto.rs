//! AES-256-GCM sealing, key wrapping and the blind index of names.
//!
//! Every sealed blob is `nonce (12 bytes) || ciphertext || tag (16 bytes)`,
//! with a fresh random nonce per encryption. Keys and nonces come straight
//! from the OS CSPRNG: a user-space generator seeded once would replay its
//! nonces after a VM snapshot is restored or cloned. A write transaction
//! draws all its nonces with one call ([`Nonces`]), so bulk imports are not
//! syscall-bound. Record ids come from `rand`'s thread-local ChaCha12
//! (a repeated id is refused by the table, never silently reused). The
//! associated data binds a record's blob to its vault, its record, the write
//! that sealed it (its write order, never given out twice) and its field, so
//! a ciphertext moved to any other place, or paired with a blob of another
//! write of the same record, fails to open.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::key::VaultKey;

/// Bytes of an AES-GCM nonce.
pub const NONCE_LEN: usize = 12;
/// Bytes of an AES-GCM tag.
pub const TAG_LEN: usize = 16;
/// Version of the wrapped-key layout, bound into its AAD.
pub const WRAP_FORMAT_VERSION: u8 = 1;
/// Version of the record layout, bound into its AAD: version 2 added the
/// write order (version 1 is read only to migrate a vault).
pub const RECORD_FORMAT_VERSION: u8 = 2;

/// Opening a sealed blob failed: wrong key, or the bytes or their context changed.
/// Deliberately carries no detail.
#[derive(Debug, PartialEq, Eq)]
pub struct AuthError;

/// A 256-bit symmetric key. Zeroized on drop; no Clone, Debug or Serialize.
pub struct SymmetricKey(SecretBox<[u8; 32]>);

impl SymmetricKey {
    /// A fresh random key from the OS CSPRNG.
    pub fn generate() -> Self {
        let mut key = SecretBox::new(Box::new([0u8; 32]));
        OsRng.fill_bytes(key.expose_secret_mut());
        SymmetricKey(key)
    }

    fn from_slice(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 32 {
            return None;
        }
        let mut key = SecretBox::new(Box::new([0u8; 32]));
        key.expose_secret_mut().copy_from_slice(bytes);
        Some(SymmetricKey(key))
    }

    /// The key-encryption key of a vault: HKDF-SHA256 of the vault key,
    /// salted with the vault id so equal keys differ across vaults.
    pub fn derive_kek(vault_key: &VaultKey, vault_id: &[u8]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(vault_id), vault_key.bytes());
        let mut okm = SecretBox::new(Box::new([0u8; 32]));
        // 32 bytes is always a valid HKDF-SHA256 output length.
        if hk
            .expand(b"coffer/v1/key-encryption-key", okm.expose_secret_mut())
            .is_err()
        {
            unreachable!("HKDF-SHA256 can always expand 32 bytes");
        }
        SymmetricKey(okm)
    }

    /// A cipher ready to seal and open many blobs with this key.
    pub fn cipher(&self) -> Cipher {
        Cipher(Aes256Gcm::new(self.0.expose_secret().into()))
    }

    /// Seals this key under `wrapping`, bound to `aad`.
    pub fn wrap(&self, wrapping: &Cipher, aad: &[u8]) -> Vec<u8> {
        wrapping.seal(aad, self.0.expose_secret())
    }

    /// Opens a key sealed by [`SymmetricKey::wrap`].
    pub fn unwrap(wrapping: &Cipher, aad: &[u8], blob: &[u8]) -> Result<Self, AuthError> {
        let plain = wrapping.open(aad, blob)?;
        SymmetricKey::from_slice(&plain).ok_or(AuthError)
    }

    /// A key for another purpose, derived from this one (HKDF-SHA256 with `label`).
    pub fn derive(&self, label: &[u8]) -> Self {
        let hk = Hkdf::<Sha256>::from_prk(self.0.expose_secret())
            .unwrap_or_else(|_| unreachable!("a 32-byte key is a valid HKDF-SHA256 PRK"));
        let mut okm = SecretBox::new(Box::new([0u8; 32]));
        if hk.expand(label, okm.expose_secret_mut()).is_err() {
            unreachable!("HKDF-SHA256 can always expand 32 bytes");
        }
        SymmetricKey(okm)
    }

    /// An HMAC-SHA256 keyed with this key, `label` already fed in.
    pub fn mac(&self, label: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(label);
        mac
    }

    /// Keyed HMAC-SHA256 of an already normalized name: the blind index.
    pub fn blind_index(&self, normalized_name: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.expose_secret())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"coffer/v1/name\0");
        mac.update(normalized_name.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// An expanded AES-256-GCM key: the AES key schedule (`aes`) and the GHASH
/// key (`ghash`/`polyval`), each wiped when dropped through those crates'
/// `zeroize` features, which the workspace turns on (aes-gcm's own `zeroize`
/// feature only wipes a temporary).
pub struct Cipher(Aes256Gcm);

/// Nonces drawn from the OS generator ahead of time, many at once.
pub struct Nonces {
    pool: Vec<u8>,
    next: usize,
}

impl Nonces {
    /// `count` nonces from one draw of the OS generator.
    pub fn from_os(count: usize) -> Self {
        let mut pool = vec![0u8; count.max(1) * NONCE_LEN];
        OsRng.fill_bytes(&mut pool);
        Nonces { pool, next: 0 }
    }

    /// The next nonce; draws more from the OS when the pool is spent.
    pub fn take(&mut self) -> [u8; NONCE_LEN] {
        if self.next + NONCE_LEN > self.pool.len() {
            *self = Nonces::from_os(self.pool.len() / NONCE_LEN);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&self.pool[self.next..self.next + NONCE_LEN]);
        self.next += NONCE_LEN;
        nonce
    }
}

impl Cipher {
    /// Encrypts `plaintext` with a fresh random nonce from the OS; returns
    /// `nonce || ciphertext || tag`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        self.seal_with(&mut Nonces::from_os(1), aad, plaintext)
    }

    /// [`Cipher::seal`] with the next nonce of `nonces`.
    pub fn seal_with(&self, nonces: &mut Nonces, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce = nonces.take();
        let ct = self
            .0
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .unwrap_or_else(|_| unreachable!("AES-GCM encryption of < 64 GiB cannot fail"));
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypts a blob made by [`Cipher::seal`] with the same `aad`.
    pub fn open(&self, aad: &[u8], blob: &[u8]) -> Result<Zeroizing<Vec<u8>>, AuthError> {
        if blob.len() < NONCE_LEN + TAG_LEN {
            return Err(AuthError);
        }
        let (nonce, ct) = blob.split_at(NONCE_LEN);
        self.0
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
            .map(Zeroizing::new)
            .map_err(|_| AuthError)
    }
}

/// Which part of a record a blob holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Field {
    /// Name, enabled flag, domains, note, timestamps.
    Metadata = 1,
    /// The secret value.
    Value = 2,
}

/// Where a record blob belongs: its vault, its record and the write that
/// sealed it (the record's write order then).
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub vault: &'a [u8; 16],
    pub record: &'a [u8; 16],
    pub seq: i64,
}

/// The AAD of one field of one record, as sealed by one write.
pub fn record_aad(place: Place<'_>, field: Field) -> [u8; 56] {
    let mut aad = [0u8; 56];
    aad[..14].copy_from_slice(b"coffer-record\0");
    aad[14] = RECORD_FORMAT_VERSION;
    aad[15..31].copy_from_slice(place.vault);
    aad[31..47].copy_from_slice(place.record);
    aad[47..55].copy_from_slice(&place.seq.to_be_bytes());
    aad[55] = field as u8;
    aad
}

/// The AAD of a record of a version-1 vault (no write order), read only to
/// migrate it.
pub fn record_aad_v1(vault_id: &[u8; 16], record_id: &[u8; 16], field: Field) -> [u8; 48] {
    let mut aad = [0u8; 48];
    aad[..14].copy_from_slice(b"coffer-record\0");
    aad[14] = 1;
    aad[15..31].copy_from_slice(vault_id);
    aad[31..47].copy_from_slice(record_id);
    aad[47] = field as u8;
    aad
}

/// What a wrapped key is for.
#[derive(Debug, Clone, Copy)]
#[repr(u8)]
pub enum WrappedKind {
    /// The key of the blind index.
    Index = 1,
    /// A data key (with its generation).
    Data = 2,
}

/// The AAD of a wrapped key.
pub fn wrap_aad(vault_id: &[u8; 16], kind: WrappedKind, generation: i64) -> [u8; 38] {
    let mut aad = [0u8; 38];
    aad[..12].copy_from_slice(b"coffer-wrap\0");
    aad[12] = WRAP_FORMAT_VERSION;
    aad[13..29].copy_from_slice(vault_id);
    aad[29] = kind as u8;
    aad[30..38].copy_from_slice(&generation.to_be_bytes());
    aad
}

/// 16 random bytes (vault and record ids).
pub fn random_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut id);
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use static_assertions::assert_not_impl_any;
    use std::collections::HashSet;

    assert_not_impl_any!(SymmetricKey: Clone, std::fmt::Debug, std::fmt::Display, serde::Serialize);
    assert_not_impl_any!(VaultKey: Clone, std::fmt::Debug, std::fmt::Display, serde::Serialize);
    assert_not_impl_any!(Cipher: Clone, std::fmt::Debug, serde::Serialize);
    static_assertions::assert_impl_all!(aes::Aes256: zeroize::ZeroizeOnDrop);

    /// Dropping a cipher leaves none of its key in the memory it held: the
    /// AES round keys (the first two of AES-256 are the key itself) and the
    /// GHASH key are wiped.
    #[test]
    fn nonces_drawn_together_are_distinct_and_the_pool_refills() {
        let mut nonces = Nonces::from_os(3);
        let seen: HashSet<[u8; NONCE_LEN]> = (0..10).map(|_| nonces.take()).collect();
        assert_eq!(seen.len(), 10, "a nonce came twice");
        let cipher = SymmetricKey::generate().cipher();
        let aad = record_aad(PLACE, Field::Value);
        let a = cipher.seal_with(&mut nonces, &aad, b"same");
        let b = cipher.seal_with(&mut nonces, &aad, b"same");
        assert_ne!(a[..NONCE_LEN], b[..NONCE_LEN]);
        assert_eq!(&*cipher.open(&aad, &a).expect("opens"), b"same");
    }

    #[test]
    #[allow(unsafe_code)]
    fn a_dropped_cipher_leaves_no_key_material_behind() {
        use std::mem::{size_of, ManuallyDrop};
        let key = SymmetricKey(SecretBox::new(Box::new([0x5A; 32])));
        let mut cipher = ManuallyDrop::new(key.cipher());
        let ptr = std::ptr::addr_of!(*cipher).cast::<u8>();
        let len = size_of::<Cipher>();
        // SAFETY: reads the bytes of a live value we own.
        let before = unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec();
        let has_key = |bytes: &[u8]| bytes.windows(32).any(|w| w == [0x5A; 32]);
        assert!(has_key(&before), "the test cannot see the key schedule");
        let ghash_key_bytes = before.iter().filter(|&&b| b != 0).count();
        // SAFETY: drops the value in place once; it is not used afterwards
        // except to read the bytes it occupied, which are still ours.
        unsafe { ManuallyDrop::drop(&mut cipher) };
        // SAFETY: the storage of `cipher` is still ours (ManuallyDrop).
        let after = unsafe { std::slice::from_raw_parts(ptr, len) };
        assert!(!has_key(after), "the AES key is still in memory after drop");
        let left = after.iter().filter(|&&b| b != 0).count();
        assert!(
            left <= 16,
            "{left} of {ghash_key_bytes} non-zero bytes are left after drop"
        );
    }

    const VAULT: [u8; 16] = [1; 16];
    const RECORD: [u8; 16] = [2; 16];
    const PLACE: Place<'static> = Place {
        vault: &VAULT,
        record: &RECORD,
        seq: 7,
    };

    proptest! {
        #[test]
        fn seal_open_round_trips(plain in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let cipher = SymmetricKey::generate().cipher();
            let aad = record_aad(PLACE, Field::Value);
            let blob = cipher.seal(&aad, &plain);
            prop_assert_eq!(blob.len(), NONCE_LEN + plain.len() + TAG_LEN);
            prop_assert_eq!(&cipher.open(&aad, &blob).expect("opens")[..], &plain[..]);
        }

        #[test]
        fn flipped_bit_anywhere_fails_authentication(
            plain in proptest::collection::vec(any::<u8>(), 0..256),
            pos in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let cipher = SymmetricKey::generate().cipher();
            let aad = record_aad(PLACE, Field::Metadata);
            let mut blob = cipher.seal(&aad, &plain);
            let i = pos.index(blob.len());
            blob[i] ^= 1 << bit;
            prop_assert_eq!(cipher.open(&aad, &blob), Err(AuthError));
        }
    }

    #[test]
    fn every_flipped_byte_fails_authentication() {
        let cipher = SymmetricKey::generate().cipher();
        let aad = record_aad(PLACE, Field::Value);
        let blob = cipher.seal(&aad, b"sk_live_0123456789");
        for i in 0..blob.len() {
            let mut bad = blob.clone();
            bad[i] ^= 0x01;
            assert_eq!(cipher.open(&aad, &bad), Err(AuthError), "byte {i}");
        }
        assert_eq!(cipher.open(&aad, &blob[..blob.len() - 1]), Err(AuthError));
        assert_eq!(cipher.open(&aad, &[]), Err(AuthError));
    }

    #[test]
    fn blob_moved_to_another_record_field_vault_or_write_fails() {
        let cipher = SymmetricKey::generate().cipher();
        let blob = cipher.seal(&record_aad(PLACE, Field::Value), b"v");
        let elsewhere: [&[u8]; 5] = [
            &record_aad(
                Place {
                    record: &[3; 16],
                    ..PLACE
                },
                Field::Value,
            ),
            &record_aad(PLACE, Field::Metadata),
            &record_aad(
                Place {
                    vault: &[9; 16],
                    ..PLACE
                },
                Field::Value,
            ),
            // Another write of the same record: a blob paired with a sibling
            // of another write, or rolled back alone, does not open.
            &record_aad(
                Place {
                    seq: PLACE.seq + 1,
                    ..PLACE
                },
                Field::Value,
            ),
            &record_aad_v1(&VAULT, &RECORD, Field::Value),
        ];
        for aad in elsewhere {
            assert_eq!(cipher.open(aad, &blob), Err(AuthError));
        }
        assert_eq!(
            cipher
                .open(&record_aad(PLACE, Field::Value), &blob)
                .map(|p| p.to_vec()),
            Ok(b"v".to_vec())
        );
    }

    #[test]
    fn wrong_key_fails() {
        let aad = record_aad(PLACE, Field::Value);
        let blob = SymmetricKey::generate().cipher().seal(&aad, b"v");
        assert_eq!(
            SymmetricKey::generate().cipher().open(&aad, &blob),
            Err(AuthError)
        );
    }

    #[test]
    fn wrapped_key_round_trips_and_is_bound_to_generation() {
        let kek = SymmetricKey::derive_kek(&VaultKey::generate(), &VAULT).cipher();
        let data = SymmetricKey::generate();
        let blob = data.wrap(&kek, &wrap_aad(&VAULT, WrappedKind::Data, 1));
        let back = SymmetricKey::unwrap(&kek, &wrap_aad(&VAULT, WrappedKind::Data, 1), &blob)
            .expect("unwraps");
        assert_eq!(back.0.expose_secret(), data.0.expose_secret());
        assert!(
            SymmetricKey::unwrap(&kek, &wrap_aad(&VAULT, WrappedKind::Data, 2), &blob).is_err()
        );
        assert!(
            SymmetricKey::unwrap(&kek, &wrap_aad(&VAULT, WrappedKind::Index, 1), &blob).is_err()
        );
    }

    #[test]
    fn kek_depends_on_vault_id() {
        let key = VaultKey::generate();
        let a = SymmetricKey::derive_kek(&key, &[1; 16]);
        let b = SymmetricKey::derive_kek(&key, &[2; 16]);
        assert_ne!(a.0.expose_secret(), b.0.expose_secret());
    }

    #[test]
    fn hundred_thousand_nonces_are_unique() {
        let cipher = SymmetricKey::generate().cipher();
        let aad = record_aad(PLACE, Field::Value);
        let mut seen = HashSet::with_capacity(100_000);
        for _ in 0..100_000 {
            let blob = cipher.seal(&aad, b"");
            let nonce: [u8; NONCE_LEN] = blob[..NONCE_LEN].try_into().expect("12 bytes");
            assert!(seen.insert(nonce), "nonce repeated");
        }
    }

    #[test]
    fn blind_index_is_keyed() {
        let a = SymmetricKey::generate();
        let b = SymmetricKey::generate();
        assert_eq!(a.blind_index("api"), a.blind_index("api"));
        assert_ne!(a.blind_index("api"), a.blind_index("api2"));
        assert_ne!(a.blind_index("api"), b.blind_index("api"));
    }
}
