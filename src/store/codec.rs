//! How values are kept in IndexedDB. Anything that can hold patient data is SEALED:
//! serialised to JSON, packed with LZ4 when that makes it smaller (`packing`), then encrypted with AES-256-GCM under the device's data key
//! (bound to its store's name) and stored as text (`~` and base64, see
//! `crypto::to_sealed_text`), so the database holds only ciphertext. A few bookkeeping values are read before anyone has unlocked the device
//! (its id, the key slots, the idle-lock setting) and are kept in CLEAR, as JSON text.
//!
//! Sealing is synchronous (RustCrypto in wasm), so it happens inside the callers'
//! transactions, which await nothing but IndexedDB requests; a pull page's records are
//! the exception, sealed ahead of their transaction by SubtleCrypto (`seal_ahead`).

use super::{packing, vault, StoreError};
use crate::crypto;
use indexed_db_futures::future::VoidRequest;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::primitive::TryToJs;
use indexed_db_futures::KeyRange;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

fn encode<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Database(format!("could not encode a value: {e}")))
}

fn decode<T: DeserializeOwned>(text: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(text).map_err(|e| StoreError::Database(format!("a stored value is unreadable: {e}")))
}

/// The key and the context values of `store` are sealed under.
struct Sealer {
    unlocked: std::rc::Rc<vault::Unlocked>,
    context: String,
}

impl Sealer {
    fn of(store: &ObjectStore<'_>) -> Result<Sealer, StoreError> {
        Ok(Sealer { unlocked: vault::unlocked(&store.db().name())?, context: store.name() })
    }

    fn seal(&self, json: String) -> Result<String, StoreError> {
        let packed = packing::pack(json.into_bytes());
        Ok(crypto::to_sealed_text(&self.seal_bytes(&packed)?))
    }

    fn seal_bytes(&self, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        Ok(self.unlocked.key.seal(self.context.as_bytes(), plain)?)
    }

    fn open<T: DeserializeOwned>(&self, stored: &str) -> Result<T, StoreError> {
        self.open_bytes(&crypto::from_sealed_text(stored).ok_or(StoreError::Unreadable)?)
    }

    fn open_bytes<T: DeserializeOwned>(&self, sealed: &[u8]) -> Result<T, StoreError> {
        let opened = self.unlocked.key.open(self.context.as_bytes(), sealed)?;
        decode(&packing::unpack(&opened).ok_or(StoreError::Unreadable)?)
    }
}

/// `value` as JSON, packed: what is sealed.
pub(super) fn packed_json<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    Ok(packing::pack(encode(value)?.into_bytes()))
}

/// Seals `plain` (from [`packed_json`]) for `store`, as bytes rather than text: for
/// the values kept as binary (`store::bundles`).
pub(super) fn seal_bytes(store: &ObjectStore<'_>, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
    Sealer::of(store)?.seal_bytes(plain)
}

/// Opens a value sealed as bytes for `store` (by [`seal_bytes`] or SubtleCrypto).
pub(super) fn open_bytes<T: DeserializeOwned>(store: &ObjectStore<'_>, sealed: &[u8]) -> Result<T, StoreError> {
    Sealer::of(store)?.open_bytes(sealed)
}

/// Reads and decrypts the value under `key`, if any.
pub(super) async fn get<T, K>(store: &ObjectStore<'_>, key: K) -> Result<Option<T>, StoreError>
where
    T: DeserializeOwned,
    K: TryToJs,
    KeyRange<K>: TryToJs,
{
    let sealer = Sealer::of(store)?;
    let stored: Option<String> = store.get(key).primitive()?.await?;
    stored.map(|value| sealer.open(&value)).transpose()
}

/// Encrypts and writes `value` under `key`.
pub(super) async fn put<T, K>(store: &ObjectStore<'_>, key: K, value: &T) -> Result<(), StoreError>
where
    T: Serialize,
    K: TryToJs,
{
    issue_put(store, key, value)?.await?;
    Ok(())
}

/// Issues, at once, the request that encrypts and writes `value` under `key`: awaiting
/// it is the caller's choice (a write committed without waiting for its requests'
/// answers learns of a failure from the transaction's).
pub(super) fn issue_put<T, K>(store: &ObjectStore<'_>, key: K, value: &T) -> Result<VoidRequest, StoreError>
where
    T: Serialize,
    K: TryToJs,
{
    let sealed = Sealer::of(store)?.seal(encode(value)?)?;
    Ok(store.put(sealed).with_key(key).without_key_type().primitive()?)
}

/// Issues, at once, the request that writes `value` under `key` only if nothing is
/// there yet: if something is, the request fails and takes its transaction down.
pub(super) fn issue_add<T, K>(store: &ObjectStore<'_>, key: K, value: &T) -> Result<VoidRequest, StoreError>
where
    T: Serialize,
    K: TryToJs,
{
    let sealed = Sealer::of(store)?.seal(encode(value)?)?;
    Ok(store.add(sealed).with_key(key).without_key_type().primitive()?)
}

/// Reads and decrypts the values under `keys`, in order: every request is issued
/// before the first is awaited, so a page of records costs one round of IndexedDB
/// requests rather than one per record.
pub(super) async fn get_many<T, K>(
    store: &ObjectStore<'_>,
    keys: impl IntoIterator<Item = K>,
) -> Result<Vec<Option<T>>, StoreError>
where
    T: DeserializeOwned,
    K: TryToJs,
    KeyRange<K>: TryToJs,
{
    let sealer = Sealer::of(store)?;
    let requests = keys.into_iter().map(|key| store.get(key).primitive()).collect::<Result<Vec<_>, _>>()?;
    let mut values = Vec::with_capacity(requests.len());
    for request in requests {
        let stored: Option<String> = request.await?;
        values.push(stored.map(|value| sealer.open(&value)).transpose()?);
    }
    Ok(values)
}

/// Encrypts and writes each `(key, value)`, issuing every request before awaiting the
/// first (see `get_many`).
pub(super) async fn put_many<'v, T, K>(
    store: &ObjectStore<'_>,
    entries: impl IntoIterator<Item = (K, &'v T)>,
) -> Result<(), StoreError>
where
    T: Serialize + 'v,
    K: TryToJs,
{
    put_many_sealed_ahead(store, entries.into_iter().map(|(key, value)| (key, value, None))).await
}

/// As [`put_many`], taking each value's sealed text from [`seal_ahead`] where the
/// entry brings one, and sealing the others here.
pub(super) async fn put_many_sealed_ahead<'v, T, K>(
    store: &ObjectStore<'_>,
    entries: impl IntoIterator<Item = (K, &'v T, Option<String>)>,
) -> Result<(), StoreError>
where
    T: Serialize + 'v,
    K: TryToJs,
{
    let sealer = Sealer::of(store)?;
    let mut requests = Vec::new();
    for (key, value, ahead) in entries {
        let sealed = match ahead {
            Some(sealed) => sealed,
            None => sealer.seal(encode(value)?)?,
        };
        requests.push(store.put(sealed).with_key(key).without_key_type().primitive()?);
    }
    for request in requests {
        request.await?;
    }
    Ok(())
}

/// The sealed texts of `values` for store `store_name` of database `db_name`, made
/// before a transaction opens through SubtleCrypto (`crypto::bulk`), in order; `None`
/// where SubtleCrypto is unavailable, for the transaction to seal them itself.
pub(super) async fn seal_ahead<T: Serialize>(
    db_name: &str,
    store_name: &str,
    values: &[T],
) -> Result<Option<Vec<String>>, StoreError> {
    let Some(bulk) = vault::bulk_sealer(db_name).await? else { return Ok(None) };
    let plains = values.iter().map(packed_json).collect::<Result<Vec<_>, _>>()?;
    match bulk.seal_all(store_name.as_bytes(), &plains).await {
        Ok(sealed) => Ok(Some(sealed.iter().map(|bytes| crypto::to_sealed_text(bytes)).collect())),
        Err(_) => Ok(None),
    }
}

fn open_all<T: DeserializeOwned>(
    sealer: &Sealer,
    stored: impl Iterator<Item = indexed_db_futures::Result<String>>,
) -> Result<Vec<T>, StoreError> {
    stored.map(|value| sealer.open(&value?)).collect()
}

/// Reads every value, in key order.
pub(super) async fn get_all<T: DeserializeOwned>(store: &ObjectStore<'_>) -> Result<Vec<T>, StoreError> {
    let sealer = Sealer::of(store)?;
    open_all(&sealer, store.get_all().primitive()?.await?)
}

/// Reads the first `limit` values, in key order.
pub(super) async fn get_first<T: DeserializeOwned>(store: &ObjectStore<'_>, limit: u32) -> Result<Vec<T>, StoreError> {
    let sealer = Sealer::of(store)?;
    open_all(&sealer, store.get_all().with_limit(limit).primitive()?.await?)
}

/// Reads every value whose numeric key is at most `through`, in key order.
pub(super) async fn get_through<T: DeserializeOwned>(
    store: &ObjectStore<'_>,
    through: f64,
) -> Result<Vec<T>, StoreError> {
    let sealer = Sealer::of(store)?;
    open_all(&sealer, store.get_all().with_query::<f64, _>(up_to(through)).primitive()?.await?)
}

/// Deletes every value whose numeric key is at most `through`.
pub(super) async fn delete_through(store: &ObjectStore<'_>, through: f64) -> Result<(), StoreError> {
    store.delete::<f64, _>(up_to(through)).primitive()?.await?;
    Ok(())
}

/// Reads a value kept in clear (no patient data), if any.
pub(super) async fn get_clear<T, K>(store: &ObjectStore<'_>, key: K) -> Result<Option<T>, StoreError>
where
    T: DeserializeOwned,
    K: TryToJs,
    KeyRange<K>: TryToJs,
{
    let text: Option<String> = store.get(key).primitive()?.await?;
    text.as_deref().map(|t| decode(t.as_bytes())).transpose()
}

/// Writes a value in clear: only for what must be read while the device is locked.
pub(super) async fn put_clear<T, K>(store: &ObjectStore<'_>, key: K, value: &T) -> Result<(), StoreError>
where
    T: Serialize,
    K: TryToJs,
{
    issue_put_clear(store, key, value)?.await?;
    Ok(())
}

/// Issues, at once, the request of [`put_clear`] (see [`issue_put`]).
pub(super) fn issue_put_clear<T, K>(store: &ObjectStore<'_>, key: K, value: &T) -> Result<VoidRequest, StoreError>
where
    T: Serialize,
    K: TryToJs,
{
    Ok(store.put(encode(value)?).with_key(key).without_key_type().primitive()?)
}

/// Encrypts, in place, every value of `store` still held as clear JSON text (written
/// before encryption at rest, schema version 2 or older), except under the keys
/// `keep_clear` names. Already sealed values are left alone, so running it twice is
/// harmless.
pub(super) async fn seal_clear_values(
    store: &ObjectStore<'_>,
    keep_clear: impl Fn(&JsValue) -> bool,
) -> Result<usize, StoreError> {
    let sealer = Sealer::of(store)?;
    let keys: Vec<JsValue> = store.get_all_keys().primitive()?.await?.collect::<indexed_db_futures::Result<_>>()?;
    let values: Vec<String> = store.get_all().primitive()?.await?.collect::<indexed_db_futures::Result<_>>()?;
    let mut sealed = 0;
    for (key, text) in keys.into_iter().zip(values) {
        if text.starts_with(crypto::SEALED_MARK) || keep_clear(&key) {
            continue;
        }
        store.put(sealer.seal(text)?).with_key(key).without_key_type().primitive()?.await?;
        sealed += 1;
    }
    Ok(sealed)
}

/// The keys up to and including `through`. Built by hand: indexed_db_futures 0.6.4
/// turns `..=x` into an OPEN upper bound (x excluded).
fn up_to(through: f64) -> KeyRange<f64> {
    KeyRange::UpperBound(through, false)
}
