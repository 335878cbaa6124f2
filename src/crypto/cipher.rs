//! AES-256-GCM with a fresh random 96-bit nonce per value: `seal` gives
//! `nonce ‖ ciphertext ‖ tag`, the layout SubtleCrypto would also read. The associated
//! data names where a value belongs (its store, or the slot a key is wrapped in), so a
//! value copied into another store, or a slot moved to another person, does not open.

use super::random_bytes;
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use std::fmt;
use zeroize::Zeroizing;

/// 256 bits of key material, wiped from memory when dropped.
pub type KeyBytes = Zeroizing<[u8; 32]>;

const NONCE_BYTES: usize = 12;

/// Why sealing or opening failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CryptoError {
    /// The key is not the one the value was sealed with (a wrong PIN), or the value was
    /// altered.
    WrongKey,
    /// The browser gave no randomness or no SubtleCrypto (not a secure origin).
    Unavailable,
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CryptoError::WrongKey => "the key does not open this data",
            CryptoError::Unavailable => "this browser offers no secure cryptography here (open Portal Desk over https)",
        })
    }
}

/// The device's data key: every sealed value in the database is sealed under it. Its
/// bytes are kept (wiped on drop) so that new slots can wrap it while unlocked.
pub struct DataKey {
    bytes: KeyBytes,
    cipher: Aes256Gcm,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    /// A new random data key, for a device that has none yet.
    pub fn generate() -> Result<DataKey, CryptoError> {
        Ok(DataKey::from_bytes(Zeroizing::new(random_bytes::<32>()?)))
    }

    /// The data key with these bytes.
    pub fn from_bytes(bytes: KeyBytes) -> DataKey {
        let cipher = Aes256Gcm::new((&*bytes).into());
        DataKey { bytes, cipher }
    }

    /// The key's bytes, for importing it into SubtleCrypto (see `bulk`).
    pub(super) fn bytes(&self) -> &KeyBytes {
        &self.bytes
    }

    /// Encrypts `plain`, bound to `context`.
    pub fn seal(&self, context: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        seal_with(&self.cipher, context, plain)
    }

    /// Decrypts what [`DataKey::seal`] made with the same `context`.
    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        open_with(&self.cipher, context, sealed)
    }

    /// This key, encrypted under `wrapping` (a PIN-derived key or the server's secret).
    pub fn wrap(&self, wrapping: &KeyBytes, slot: &[u8]) -> Result<Vec<u8>, CryptoError> {
        seal_with(&Aes256Gcm::new((&**wrapping).into()), slot, &*self.bytes)
    }

    /// The data key inside a slot made by [`DataKey::wrap`]; [`CryptoError::WrongKey`]
    /// if `wrapping` is not the key it was wrapped under.
    pub fn unwrap(wrapping: &KeyBytes, slot: &[u8], wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        let plain = Zeroizing::new(open_with(&Aes256Gcm::new((&**wrapping).into()), slot, wrapped)?);
        let bytes: [u8; 32] = plain.as_slice().try_into().map_err(|_| CryptoError::WrongKey)?;
        Ok(DataKey::from_bytes(Zeroizing::new(bytes)))
    }
}

/// Encrypts a secret other than the data key (a person's operation key) under
/// `wrapping`, bound to `context`.
pub fn wrap_secret(wrapping: &KeyBytes, context: &[u8], secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
    seal_with(&Aes256Gcm::new((&**wrapping).into()), context, secret)
}

/// The secret inside what [`wrap_secret`] made; [`CryptoError::WrongKey`] if `wrapping`
/// is not the key it was wrapped under.
pub fn unwrap_secret(wrapping: &KeyBytes, context: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    Ok(Zeroizing::new(open_with(&Aes256Gcm::new((&**wrapping).into()), context, wrapped)?))
}

fn seal_with(cipher: &Aes256Gcm, context: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let nonce = random_bytes::<NONCE_BYTES>()?;
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad: context })
        .map_err(|_| CryptoError::WrongKey)?;
    let mut out = Vec::with_capacity(NONCE_BYTES + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn open_with(cipher: &Aes256Gcm, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < NONCE_BYTES {
        return Err(CryptoError::WrongKey);
    }
    let (nonce, body) = sealed.split_at(NONCE_BYTES);
    cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: context }).map_err(|_| CryptoError::WrongKey)
}
