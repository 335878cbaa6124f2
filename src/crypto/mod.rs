//! Encryption at rest (issue 5): every value that can hold patient data is sealed with
//! AES-256-GCM under the device's random data key before it reaches IndexedDB, and the
//! data key itself is kept only wrapped — under a key derived from each member of
//! staff's PIN (a "PIN slot") and under a secret the server hands to an online sign-in
//! (the "server slot").
//!
//! The cipher is RustCrypto's, compiled to wasm, because it is synchronous: the store
//! seals and opens values inside its IndexedDB transactions, which may await nothing but
//! IndexedDB requests (so SubtleCrypto's promises cannot be used there). The slow PIN
//! derivation (PBKDF2) is SubtleCrypto's, run before any transaction opens, and so is
//! the sealing of a pull page's records ahead of the transaction that stores them
//! (`bulk`), where the volume makes SubtleCrypto's native AES worth its promises.

mod bulk;
mod cipher;
mod pin;
mod random;
mod text;

pub use bulk::BulkSealer;
pub use cipher::{unwrap_secret, wrap_secret, CryptoError, DataKey, KeyBytes};
pub use pin::{derive_pin_key, PBKDF2_ITERATIONS};
pub use random::random_bytes;
pub use text::{from_sealed_text, to_sealed_text, SEALED_MARK};

/// Reads a 256-bit key written as 64 hex characters (the server's device secret).
pub fn key_from_hex(hex: &str) -> Option<KeyBytes> {
    let hex = hex.as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let mut key = KeyBytes::default();
    for (byte, pair) in key.iter_mut().zip(hex.chunks(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        *byte = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::key_from_hex;

    #[test]
    fn a_device_secret_is_read_from_64_hex_characters_only() {
        let key = key_from_hex(&"0f".repeat(32)).unwrap();
        assert!(key.iter().all(|b| *b == 0x0f));
        assert_eq!(key_from_hex("A0").map(|k| k[0]), None, "too short");
        assert!(key_from_hex(&"zz".repeat(32)).is_none());
        assert_eq!(key_from_hex(&"Ab".repeat(32)).unwrap()[31], 0xab);
    }
}
