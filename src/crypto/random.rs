//! Random bytes from the browser's `crypto.getRandomValues`, the one source of keys,
//! salts and nonces. It works on any origin (unlike `crypto.subtle`), and never falls
//! back to anything weaker: without it nothing is encrypted, so nothing is stored.

use super::CryptoError;

/// `N` cryptographically random bytes.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut bytes = [0u8; N];
    let crypto = web_sys::window().and_then(|w| w.crypto().ok()).ok_or(CryptoError::Unavailable)?;
    crypto.get_random_values_with_u8_array(&mut bytes).map_err(|_| CryptoError::Unavailable)?;
    Ok(bytes)
}
