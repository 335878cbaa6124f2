//! What an unlocked database holds in memory: its data key, a decrypted index of its
//! confirmed records (loaded only by the screens that need them whole), one of the
//! case list's summaries, and one of the operations waiting or acknowledged. It is kept per database name, not per `Store` handle, because
//! locking is a fact about the device: every handle on the database (the sync loop's,
//! the screens') is locked at once. Nothing here is ever written anywhere; `lock`
//! drops it, which wipes the key's bytes.

use super::counters::WriteCounters;
use super::StoreError;
use crate::crypto::{BulkSealer, DataKey};
use portal_desk_core::protocol::client::AckedOp;
use portal_desk_core::signing::OpKey;
use portal_desk_core::summary::CaseSummary;
use portal_desk_core::{Op, Record};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// The decrypted confirmed records, and the `records_version` they were read at.
#[derive(Clone, Debug, Default)]
pub(super) struct RecordIndex {
    pub version: u64,
    pub records: BTreeMap<String, Record>,
}

/// The decrypted contents of the `summaries` store, and the records version they were
/// read at: every case in brief, and the sites' settings and templates whole.
#[derive(Clone, Debug, Default)]
pub(super) struct SummaryIndex {
    pub version: u64,
    pub cases: BTreeMap<String, CaseSummary>,
    pub settings: BTreeMap<String, Record>,
}

/// The decrypted outbox and acknowledged operations, and the pending version they were
/// read at (see `store::pending`).
#[derive(Clone, Debug, Default)]
pub(super) struct PendingIndex {
    pub version: u64,
    pub acked: Vec<AckedOp>,
    pub outbox: Vec<Op>,
}

/// The ids of the confirmed records held and where each is (see `store::bundles`),
/// and the records version they were read at: a pull page asks IndexedDB only for the
/// records it may already hold, and a record is read from its bundle when it has no
/// value of its own.
#[derive(Clone, Debug, Default)]
pub(super) struct HeldIds {
    pub version: u64,
    pub ids: super::bundles::Whereabouts,
}

/// An unlocked database.
#[derive(Debug)]
pub(super) struct Unlocked {
    pub key: DataKey,
    pub index: RefCell<Option<RecordIndex>>,
    pub summaries: RefCell<Option<SummaryIndex>>,
    pub pending: RefCell<Option<PendingIndex>>,
    pub held_ids: RefCell<Option<HeldIds>>,
    /// The bundles of records read last, decoded (see `store::bundles`).
    pub bundle_cache: RefCell<super::bundles::BundleCache>,
    /// The write counters after this tab's last write (see `store::counters`).
    pub counters: RefCell<Option<WriteCounters>>,
    /// The data key imported into SubtleCrypto, made on first need (see `crypto::bulk`).
    pub bulk: RefCell<Option<Rc<BulkSealer>>>,
    /// The operation key of the person who unlocked the device (their PIN slot's, or
    /// their online sign-in's), which signs their changes; `None` when they have none
    /// here yet. Dropped with the data key when the device locks.
    pub signer: RefCell<Option<OpKey>>,
    /// Whether the server has given this device its secret, once read (it is never taken
    /// back short of wiping the device), so a write does not read it again.
    pub has_device_secret: Cell<Option<bool>>,
}

thread_local! {
    static UNLOCKED: RefCell<HashMap<String, Rc<Unlocked>>> = RefCell::new(HashMap::new());
}

/// The unlocked state of database `name`, or [`StoreError::Locked`].
pub(super) fn unlocked(name: &str) -> Result<Rc<Unlocked>, StoreError> {
    UNLOCKED.with(|all| all.borrow().get(name).cloned()).ok_or(StoreError::Locked)
}

/// Keeps `key` for database `name` until it is locked.
pub(super) fn unlock(name: &str, key: DataKey) {
    let state = Rc::new(Unlocked {
        key,
        index: RefCell::default(),
        summaries: RefCell::default(),
        pending: RefCell::default(),
        held_ids: RefCell::default(),
        bundle_cache: RefCell::default(),
        counters: RefCell::default(),
        bulk: RefCell::default(),
        signer: RefCell::default(),
        has_device_secret: Cell::default(),
    });
    UNLOCKED.with(|all| all.borrow_mut().insert(name.to_owned(), state));
}

/// Database `name`'s data key imported into SubtleCrypto, importing it on first use;
/// `None` where SubtleCrypto is missing (the wasm cipher then does all the sealing).
pub(super) async fn bulk_sealer(name: &str) -> Result<Option<Rc<BulkSealer>>, StoreError> {
    let state = unlocked(name)?;
    if let Some(bulk) = state.bulk.borrow().as_ref() {
        return Ok(Some(bulk.clone()));
    }
    let Ok(bulk) = BulkSealer::new(&state.key).await.map(Rc::new) else { return Ok(None) };
    *state.bulk.borrow_mut() = Some(bulk.clone());
    Ok(Some(bulk))
}

/// Drops database `name`'s key and decrypted records from memory.
pub(super) fn lock(name: &str) {
    UNLOCKED.with(|all| all.borrow_mut().remove(name));
}
