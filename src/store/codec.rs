//! How values are kept in IndexedDB: as JSON text. The app already carries serde_json
//! for the API, so one serialiser serves both (a second one, for structured-clone
//! objects, cost bundle size); and text is what the encryption at rest of issue 5 will
//! turn into ciphertext, store by store, without changing the schema's shape.

use super::StoreError;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::primitive::TryToJs;
use indexed_db_futures::KeyRange;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn encode<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Database(format!("could not encode a value: {e}")))
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Database(format!("a stored value is unreadable: {e}")))
}

/// Reads the value under `key`, if any.
pub(super) async fn get<T, K>(store: &ObjectStore<'_>, key: K) -> Result<Option<T>, StoreError>
where
    T: DeserializeOwned,
    K: TryToJs,
    KeyRange<K>: TryToJs,
{
    let text: Option<String> = store.get(key).primitive()?.await?;
    text.as_deref().map(decode).transpose()
}

/// Writes `value` under `key`.
pub(super) async fn put<T, K>(store: &ObjectStore<'_>, key: K, value: &T) -> Result<(), StoreError>
where
    T: Serialize,
    K: TryToJs,
{
    store.put(encode(value)?).with_key(key).without_key_type().primitive()?.await?;
    Ok(())
}

/// Reads every value, in key order.
pub(super) async fn get_all<T: DeserializeOwned>(store: &ObjectStore<'_>) -> Result<Vec<T>, StoreError> {
    let texts = store.get_all().primitive()?.await?;
    texts.map(|text: indexed_db_futures::Result<String>| decode(&text?)).collect()
}

/// Reads the first `limit` values, in key order.
pub(super) async fn get_first<T: DeserializeOwned>(store: &ObjectStore<'_>, limit: u32) -> Result<Vec<T>, StoreError> {
    let texts = store.get_all().with_limit(limit).primitive()?.await?;
    texts.map(|text: indexed_db_futures::Result<String>| decode(&text?)).collect()
}

/// Reads every value whose numeric key is at most `through`, in key order.
pub(super) async fn get_through<T: DeserializeOwned>(
    store: &ObjectStore<'_>,
    through: f64,
) -> Result<Vec<T>, StoreError> {
    let texts = store.get_all().with_query::<f64, _>(up_to(through)).primitive()?.await?;
    texts.map(|text: indexed_db_futures::Result<String>| decode(&text?)).collect()
}

/// Deletes every value whose numeric key is at most `through`.
pub(super) async fn delete_through(store: &ObjectStore<'_>, through: f64) -> Result<(), StoreError> {
    store.delete::<f64, _>(up_to(through)).primitive()?.await?;
    Ok(())
}

/// The keys up to and including `through`. Built by hand: indexed_db_futures 0.6.4
/// turns `..=x` into an OPEN upper bound (x excluded).
fn up_to(through: f64) -> KeyRange<f64> {
    KeyRange::UpperBound(through, false)
}
