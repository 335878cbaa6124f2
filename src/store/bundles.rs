//! Records that arrive together are kept together: a pull page that brings many records
//! the device does not hold yet (the first sync of a site, above all) stores them in
//! bundles of [`BUNDLE_RECORDS`], one sealed value each, with the bundle's ids in a
//! small sealed value of their own (`bundle_ids`) and its cases in brief as one value
//! of the `summaries` store. IndexedDB costs a tablet about a tenth of a millisecond a
//! `put` whatever its size, so a site of 20,000 records is a few hundred `put`s rather
//! than 30,000 (see BENCHMARKS.md).
//!
//! A record is bundled once, when it first arrives. Every later version of it is
//! written to `records` under its own id, and that copy wins: it is always the newer.
//! Readers therefore look for a record in `records` first and in its bundle only when
//! `records` has none; the in-memory map of held ids ([`vault::HeldIds`]) says which.
//! A bundle is rewritten only when records leave the device (a person's sites change).
//!
//! Bundles hold binary values (`nonce ‖ ciphertext ‖ tag` of the packed JSON, the same
//! layout as every sealed value, without the text encoding), sealed by SubtleCrypto
//! ahead of their transaction like a pull page's single records.

use super::{codec, meta, schema, vault, StoreError};
use crate::crypto::BulkSealer;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use portal_desk_core::{Record, RecordId};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// A pull page bundles the records it brings that the device does not hold when there
/// are at least this many of them; fewer are stored one by one.
pub(super) const BUNDLE_FROM: usize = 64;

/// Records in one bundle: few enough that opening one record of it (a case, say)
/// decodes a few hundred kilobytes, enough that a large site is a few hundred values.
pub(super) const BUNDLE_RECORDS: usize = 64;

/// Where each held record is: `None` under its own id in `records`, `Some(n)` only in
/// bundle `n`.
pub(super) type Whereabouts = HashMap<String, Option<u64>>;

/// The whereabouts of every held record: the keys of `records`, and the ids of every
/// bundle (a record in both is read from `records`).
pub(super) async fn whereabouts(
    records: &ObjectStore<'_>,
    bundle_ids: &ObjectStore<'_>,
) -> Result<Whereabouts, StoreError> {
    let mut held = Whereabouts::new();
    let numbers: Vec<JsValue> =
        bundle_ids.get_all_keys().primitive()?.await?.collect::<indexed_db_futures::Result<_>>()?;
    let lists: Vec<Vec<String>> = codec::get_all(bundle_ids).await?;
    for (number, ids) in numbers.iter().zip(lists) {
        let number = number.as_f64().ok_or(StoreError::Unreadable)? as u64;
        held.extend(ids.into_iter().map(|id| (id, Some(number))));
    }
    let own: Vec<String> = records.get_all_keys().primitive()?.await?.collect::<indexed_db_futures::Result<_>>()?;
    held.extend(own.into_iter().map(|id| (id, None)));
    Ok(held)
}

/// Where each of `ids` is kept, for those held (looked up before any await, so the
/// map is not borrowed across one).
pub(super) fn locate(held: &Whereabouts, ids: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<(String, Option<u64>)> {
    ids.into_iter().filter_map(|id| held.get(id.as_ref()).map(|place| (id.as_ref().to_owned(), *place))).collect()
}

/// The records at `places` (from [`locate`]), from `records` or their bundles (each
/// bundle read once however many of its records are asked for, and kept decoded in
/// `cache` for the next read at the same records `version`).
pub(super) async fn read_records(
    records: &ObjectStore<'_>,
    bundles: &ObjectStore<'_>,
    places: Vec<(String, Option<u64>)>,
    cache: &RefCell<BundleCache>,
    version: u64,
) -> Result<Vec<Record>, StoreError> {
    let mut own = Vec::new();
    let mut by_bundle: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for (id, place) in places {
        match place {
            None => own.push(id),
            Some(number) => by_bundle.entry(number).or_default().push(id),
        }
    }
    let mut found: Vec<Record> =
        codec::get_many(records, own.iter().map(String::as_str)).await?.into_iter().flatten().collect();
    for (number, wanted) in by_bundle {
        let cached = cache.borrow().get(version, number);
        let bundle = match cached {
            Some(bundle) => bundle,
            None => {
                let Some(read) = read_bundle(bundles, number).await? else { continue };
                let read = Rc::new(read);
                cache.borrow_mut().keep(version, number, Rc::clone(&read));
                read
            }
        };
        found.extend(bundle.iter().filter(|r| wanted.iter().any(|id| id == r.id.as_str())).cloned());
    }
    Ok(found)
}

/// How many decoded bundles [`BundleCache`] keeps: a case page reads its case and its
/// patient, two bundles at most, again after every change made on it.
const CACHED_BUNDLES: usize = 4;

/// The bundles read last, decoded, at the records version they were read at: a case
/// page redrawn after each note would otherwise decrypt and decode the same bundle each
/// time. A bundle only ever loses records, and then the records version moves on, so an
/// entry is trusted only at the version it was read at.
#[derive(Debug, Default)]
pub(super) struct BundleCache {
    version: u64,
    bundles: Vec<(u64, Rc<Vec<Record>>)>,
}

impl BundleCache {
    fn get(&self, version: u64, number: u64) -> Option<Rc<Vec<Record>>> {
        (self.version == version).then(|| self.bundles.iter().find(|(n, _)| *n == number).map(|(_, b)| Rc::clone(b)))?
    }

    fn keep(&mut self, version: u64, number: u64, bundle: Rc<Vec<Record>>) {
        if self.version != version {
            self.version = version;
            self.bundles.clear();
        }
        self.bundles.retain(|(n, _)| *n != number);
        self.bundles.insert(0, (number, bundle));
        self.bundles.truncate(CACHED_BUNDLES);
    }
}

/// Every held record: the bundles' copies, each replaced by its own copy in `records`
/// where there is one (the newer).
pub(super) async fn read_all(records: &ObjectStore<'_>, bundles: &ObjectStore<'_>) -> Result<Vec<Record>, StoreError> {
    let mut all: BTreeMap<String, Record> = BTreeMap::new();
    for bundle in read_all_bundles(bundles).await? {
        for record in bundle.records {
            all.insert(record.id.as_str().to_owned(), record);
        }
    }
    for record in codec::get_all::<Record>(records).await? {
        all.insert(record.id.as_str().to_owned(), record);
    }
    Ok(all.into_values().collect())
}

/// A bundle as stored.
pub(super) struct Bundle {
    /// Its number (its key in `bundles` and `bundle_ids`).
    pub number: u64,
    /// Its records, as they arrived.
    pub records: Vec<Record>,
}

async fn read_bundle(bundles: &ObjectStore<'_>, number: u64) -> Result<Option<Vec<Record>>, StoreError> {
    let stored: Option<JsValue> = bundles.get(number as f64).primitive()?.await?;
    stored.map(|value| open_bundle(bundles, &value)).transpose()
}

async fn read_all_bundles(bundles: &ObjectStore<'_>) -> Result<Vec<Bundle>, StoreError> {
    let numbers: Vec<JsValue> =
        bundles.get_all_keys().primitive()?.await?.collect::<indexed_db_futures::Result<_>>()?;
    let values: Vec<JsValue> = bundles.get_all().primitive()?.await?.collect::<indexed_db_futures::Result<_>>()?;
    numbers
        .iter()
        .zip(values)
        .map(|(number, value)| {
            let number = number.as_f64().ok_or(StoreError::Unreadable)? as u64;
            Ok(Bundle { number, records: open_bundle(bundles, &value)? })
        })
        .collect()
}

fn open_bundle(bundles: &ObjectStore<'_>, value: &JsValue) -> Result<Vec<Record>, StoreError> {
    let bytes = value.dyn_ref::<js_sys::Uint8Array>().ok_or(StoreError::Unreadable)?.to_vec();
    codec::open_bytes(bundles, &bytes)
}

/// Bundles made ready before their transaction: the ids of each bundle's records, and
/// each bundle's sealed value (by SubtleCrypto) when it could be made ahead.
pub(super) struct Prepared {
    /// The ids of each bundle's records, in the order the bundles will be numbered.
    pub groups: Vec<Vec<String>>,
    /// The sealed value of each group, in the same order, or `None` to seal them in
    /// the transaction.
    pub sealed: Option<Vec<js_sys::Uint8Array>>,
}

/// Cuts `fresh` (records the device does not hold) into bundles and seals each with
/// `bulk`, before any transaction opens.
pub(super) async fn prepare(fresh: &[&Record], bulk: Option<&BulkSealer>) -> Result<Prepared, StoreError> {
    let chunks: Vec<&[&Record]> = fresh.chunks(BUNDLE_RECORDS).collect();
    let groups = chunks.iter().map(|chunk| chunk.iter().map(|r| r.id.as_str().to_owned()).collect()).collect();
    let sealed = match bulk {
        Some(bulk) => {
            let plains = chunks.iter().map(codec::packed_json).collect::<Result<Vec<_>, _>>()?;
            bulk.seal_all_js(schema::BUNDLES.as_bytes(), &plains).await.ok()
        }
        None => None,
    };
    Ok(Prepared { groups, sealed })
}

/// Inside a transaction over `bundles`, `bundle_ids` and `meta`: writes `prepared` as
/// new bundles numbered on from the last (sealing here what was not sealed ahead, from
/// `records`, which holds every record the groups name), and returns each bundle's
/// number with the ids of its records.
pub(super) async fn write(
    bundles: &ObjectStore<'_>,
    bundle_ids: &ObjectStore<'_>,
    meta_store: &ObjectStore<'_>,
    prepared: Prepared,
    records: &HashMap<&str, &Record>,
) -> Result<Vec<(u64, Vec<String>)>, StoreError> {
    let first: u64 = meta::get(meta_store, meta::NEXT_BUNDLE).await?.unwrap_or(1);
    let count = prepared.groups.len() as u64;
    let mut sealed = prepared.sealed.map(Vec::into_iter);
    let mut requests = Vec::new();
    for (number, group) in (first..).zip(&prepared.groups) {
        let value = match sealed.as_mut().and_then(Iterator::next) {
            Some(ahead) => ahead,
            None => {
                let members = group
                    .iter()
                    .map(|id| records.get(id.as_str()).ok_or(StoreError::Unreadable))
                    .collect::<Result<Vec<_>, _>>()?;
                js_sys::Uint8Array::from(codec::seal_bytes(bundles, &codec::packed_json(&members)?)?.as_slice())
            }
        };
        requests.push(bundles.put(JsValue::from(value)).with_key(number as f64).without_key_type().primitive()?);
    }
    for request in requests {
        request.await?;
    }
    codec::put_many(bundle_ids, (first..).zip(&prepared.groups).map(|(number, ids)| (number as f64, ids))).await?;
    meta::put(meta_store, meta::NEXT_BUNDLE, &(first + count)).await?;
    Ok((first..).zip(prepared.groups).collect())
}

/// What [`remove_where`] took out of the bundles.
#[derive(Default)]
pub(super) struct Removal {
    /// The ids of the records taken.
    pub taken: Vec<RecordId>,
    /// The bundles rewritten without them, by number, with the records they keep.
    pub rewritten: Vec<(u64, Vec<Record>)>,
    /// The bundles deleted, none of their records staying.
    pub emptied: Vec<u64>,
}

/// Inside a transaction over `bundles` and `bundle_ids`: takes every record `gone`
/// picks out of the bundles, rewriting (or deleting) each bundle that held one.
pub(super) async fn remove_where(
    bundles: &ObjectStore<'_>,
    bundle_ids: &ObjectStore<'_>,
    gone: impl Fn(&Record) -> bool,
) -> Result<Removal, StoreError> {
    let mut removal = Removal::default();
    for bundle in read_all_bundles(bundles).await? {
        let (leaving, staying): (Vec<Record>, Vec<Record>) = bundle.records.into_iter().partition(|r| gone(r));
        if leaving.is_empty() {
            continue;
        }
        removal.taken.extend(leaving.into_iter().map(|r| r.id));
        let key = bundle.number as f64;
        if staying.is_empty() {
            bundles.delete(key).primitive()?.await?;
            bundle_ids.delete(key).primitive()?.await?;
            removal.emptied.push(bundle.number);
        } else {
            let sealed = codec::seal_bytes(bundles, &codec::packed_json(&staying)?)?;
            let value = JsValue::from(js_sys::Uint8Array::from(sealed.as_slice()));
            bundles.put(value).with_key(key).without_key_type().primitive()?.await?;
            let ids: Vec<String> = staying.iter().map(|r| r.id.as_str().to_owned()).collect();
            codec::put(bundle_ids, key, &ids).await?;
            removal.rewritten.push((bundle.number, staying));
        }
    }
    Ok(removal)
}

impl vault::HeldIds {
    /// Notes where the records a pull page wrote now are: `own` under their own ids,
    /// the others in the numbered bundles of `bundled`.
    pub(super) fn note(&mut self, own: impl IntoIterator<Item = String>, bundled: Vec<(u64, Vec<String>)>) {
        for (number, ids) in bundled {
            for id in ids {
                self.ids.entry(id).or_insert(Some(number));
            }
        }
        self.ids.extend(own.into_iter().map(|id| (id, None)));
    }
}
