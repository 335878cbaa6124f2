//! Sealing many values at once through SubtleCrypto's AES-GCM: native code (AES-NI
//! where the processor has it) off the page's thread, where the wasm cipher spends
//! seconds of the main thread on a large site's first sync. Its output is the same
//! `nonce ‖ ciphertext ‖ tag` under the same key and associated data as
//! [`DataKey::seal`], so the wasm cipher opens it. SubtleCrypto is asynchronous, so
//! this runs before an IndexedDB transaction opens, never inside one.

use super::{random_bytes, CryptoError, DataKey};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The bytes of nonce in front of each sealed value (96 bits, as `DataKey::seal`).
const NONCE_BYTES: usize = 12;

/// The data key imported into SubtleCrypto (not extractable, for encryption only).
#[derive(Debug)]
pub struct BulkSealer {
    subtle: web_sys::SubtleCrypto,
    key: web_sys::CryptoKey,
}

impl BulkSealer {
    /// Imports `data_key`; [`CryptoError::Unavailable`] where SubtleCrypto is missing.
    pub async fn new(data_key: &DataKey) -> Result<BulkSealer, CryptoError> {
        let subtle = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.subtle())
            .filter(|s| !JsCast::unchecked_ref::<wasm_bindgen::JsValue>(s).is_undefined())
            .ok_or(CryptoError::Unavailable)?;
        let raw = js_sys::Uint8Array::from(data_key.bytes().as_slice());
        let usages = js_sys::Array::of1(&"encrypt".into());
        let imported = subtle.import_key_with_str("raw", &raw, "AES-GCM", false, &usages);
        // The copy of the key handed to JavaScript is overwritten once imported.
        let imported = match imported {
            Ok(promise) => JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
        raw.fill(0, 0, raw.length());
        let key = imported.map_err(|_| CryptoError::Unavailable)?.unchecked_into();
        Ok(BulkSealer { subtle, key })
    }

    /// Seals every value of `plains` bound to `context`, all requests in flight at once;
    /// the results are in the same order.
    pub async fn seal_all(&self, context: &[u8], plains: &[Vec<u8>]) -> Result<Vec<Vec<u8>>, CryptoError> {
        Ok(self.seal_all_js(context, plains).await?.iter().map(js_sys::Uint8Array::to_vec).collect())
    }

    /// As [`BulkSealer::seal_all`], leaving each sealed value in JavaScript's memory, to
    /// be stored as it is (a large value need not cross into wasm and back).
    pub async fn seal_all_js(
        &self,
        context: &[u8],
        plains: &[Vec<u8>],
    ) -> Result<Vec<js_sys::Uint8Array>, CryptoError> {
        let mut nonces = Vec::with_capacity(plains.len());
        let promises = js_sys::Array::new();
        for plain in plains {
            let nonce = random_bytes::<NONCE_BYTES>()?;
            let params = web_sys::AesGcmParams::new_with_u8_array("AES-GCM", &js_sys::Uint8Array::from(&nonce[..]));
            params.set_additional_data_u8_array(&js_sys::Uint8Array::from(context));
            let promise = self
                .subtle
                .encrypt_with_object_and_u8_array(&params, &self.key, plain)
                .map_err(|_| CryptoError::Unavailable)?;
            promises.push(&promise);
            nonces.push(nonce);
        }
        let sealed = JsFuture::from(js_sys::Promise::all(&promises)).await.map_err(|_| CryptoError::Unavailable)?;
        let sealed: js_sys::Array = sealed.unchecked_into();
        Ok(nonces
            .into_iter()
            .zip(sealed.iter())
            .map(|(nonce, body)| {
                let body = js_sys::Uint8Array::new(&body);
                let out = js_sys::Uint8Array::new_with_length(NONCE_BYTES as u32 + body.length());
                out.set(&js_sys::Uint8Array::from(&nonce[..]), 0);
                out.set(&body, NONCE_BYTES as u32);
                out
            })
            .collect())
    }
}
