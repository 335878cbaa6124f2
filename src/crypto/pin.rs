//! The key a PIN unlocks: PBKDF2-HMAC-SHA256 over the PIN and a random per-slot salt,
//! through SubtleCrypto (native code, several times faster than PBKDF2 in wasm, so
//! more iterations fit in the time a person waits). It is asynchronous, so it runs
//! before any IndexedDB transaction opens.

use super::{CryptoError, KeyBytes};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use zeroize::Zeroizing;

/// PBKDF2 iterations for new PIN slots. Each guess at a PIN costs an attacker this
/// many HMAC-SHA256 rounds; 600,000 is OWASP's 2023 figure for PBKDF2-HMAC-SHA256, and
/// unlocks in about a third of a second in headless Chromium here (BENCHMARKS.md).
/// Slots keep the count they were made with, so raising it affects only new PINs.
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// Derives the 256-bit key that wraps the data key in a PIN slot.
pub async fn derive_pin_key(pin: &str, salt: &[u8], iterations: u32) -> Result<KeyBytes, CryptoError> {
    let subtle = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.subtle())
        .filter(|s| !JsCast::unchecked_ref::<wasm_bindgen::JsValue>(s).is_undefined())
        .ok_or(CryptoError::Unavailable)?;
    let pin_bytes = Zeroizing::new(pin.as_bytes().to_vec());
    let raw = js_sys::Uint8Array::from(pin_bytes.as_slice());
    let usages = js_sys::Array::of1(&"deriveBits".into());
    let base =
        subtle.import_key_with_str("raw", &raw, "PBKDF2", false, &usages).map_err(|_| CryptoError::Unavailable)?;
    // The copy of the PIN handed to JavaScript is overwritten once imported.
    let base: web_sys::CryptoKey = JsFuture::from(base).await.map_err(|_| CryptoError::Unavailable)?.unchecked_into();
    raw.fill(0, 0, raw.length());
    let params = web_sys::Pbkdf2Params::new_with_str("PBKDF2", "SHA-256", iterations, &js_sys::Uint8Array::from(salt));
    let bits = subtle.derive_bits_with_object(&params, &base, 256).map_err(|_| CryptoError::Unavailable)?;
    let bits = JsFuture::from(bits).await.map_err(|_| CryptoError::Unavailable)?;
    let bits = js_sys::Uint8Array::new(&bits);
    let mut key = Zeroizing::new([0u8; 32]);
    if bits.length() != 32 {
        return Err(CryptoError::Unavailable);
    }
    bits.copy_to(&mut *key);
    bits.fill(0, 0, 32);
    Ok(key)
}
