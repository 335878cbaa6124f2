//! The data key's slots, and locking and unlocking the device.
//!
//! A device has ONE random data key; everything sealed is sealed under it. It is kept
//! in IndexedDB only wrapped (encrypted) in slots:
//! - a PIN slot per member of staff who set a PIN here: the data key under
//!   PBKDF2-SHA256(PIN, the slot's salt), with a count of wrong tries; after
//!   [`MAX_PIN_TRIES`] the slot refuses even the right PIN until an online sign-in;
//! - the server slot: the data key under the device's secret, which the server gives
//!   only to a valid online sign-in on a device that is not revoked — so a person whose
//!   PIN is locked, or who has never used this tablet, can still reach its data (and the
//!   outbox's unsynced changes) without anyone's PIN.
//!
//! A PIN slot also holds its person's **operation key** (see `portal_desk_core::signing`),
//! wrapped under the same PIN key: every change they make is signed with it, so only
//! their PIN, or their own online sign-in (which hands the key over again), lets the
//! tablet sign as them. A colleague's PIN opens the shared data but not this key.
//!
//! Beside the slots, in clear, is the device's own secret, which the server gave it at
//! registration and which proves at every sign-in that it is this device (a sign-in
//! happens while the device is locked, so it cannot be sealed).
//!
//! Unlocking puts the data key, and the person's operation key, in memory (`vault`);
//! locking drops them.

use super::{codec, meta, schema, vault, Store, StoreError};
use crate::crypto::{self, DataKey, KeyBytes, PBKDF2_ITERATIONS};
use crate::session::Session;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use portal_desk_core::signing::OpKey;
use portal_desk_core::StaffId;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

/// Wrong PINs allowed in a row before a slot needs an online sign-in.
pub const MAX_PIN_TRIES: u32 = 5;
/// The shortest PIN accepted.
pub const MIN_PIN_DIGITS: usize = 6;
/// The key of the server slot in the `keys` store.
const SERVER_SLOT: &str = "server";
/// The key of the device's own secret in the `keys` store.
const DEVICE_SECRET: &str = "device-secret";

/// What a PIN slot's operation key is sealed in the context of.
fn signing_context(slot_key: &str) -> Vec<u8> {
    format!("{slot_key}/signing").into_bytes()
}

fn pin_slot_key(staff: &StaffId) -> String {
    format!("pin/{staff}")
}

/// What is wrong with a PIN someone chose, if anything.
pub fn pin_problem(pin: &str) -> Option<String> {
    if pin.is_empty() {
        Some("Enter a PIN".to_owned())
    } else if !pin.chars().all(|c| c.is_ascii_digit()) {
        Some("A PIN must be numbers only".to_owned())
    } else if pin.len() < MIN_PIN_DIGITS {
        Some(format!("A PIN must be at least {MIN_PIN_DIGITS} numbers"))
    } else {
        None
    }
}

/// One person's PIN slot, kept in clear in `keys`: nothing in it opens without the PIN.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct PinSlot {
    staff: StaffId,
    /// Shown on the unlock screen so people can pick themselves.
    name: String,
    salt: Vec<u8>,
    iterations: u32,
    /// The data key, wrapped under the PIN's key.
    wrapped: Vec<u8>,
    /// Wrong PINs in a row.
    failures: u32,
    /// The person's operation key (JSON), wrapped under the PIN's key; `None` in a slot
    /// made before changes were signed, or before they had a key here.
    #[serde(default)]
    signing: Option<Vec<u8>>,
    /// Which credential that key is, in clear, so that a slot holding a key the server
    /// has since replaced is noticed at the next online sign-in.
    #[serde(default)]
    credential: Option<String>,
}

/// The data key wrapped under the server's device secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ServerSlot {
    wrapped: Vec<u8>,
}

/// A person who can unlock this device with a PIN, as the unlock screen lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinHolder {
    /// Who.
    pub staff: StaffId,
    /// Their name.
    pub name: String,
    /// Wrong PINs they may still enter; 0 means an online sign-in is needed.
    pub tries_left: u32,
}

/// Why the device did not unlock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnlockError {
    /// Wrong PIN; this many tries remain.
    WrongPin {
        /// Tries left before the slot locks.
        tries_left: u32,
    },
    /// Too many wrong PINs: only an online sign-in unlocks for this person now.
    TooManyTries,
    /// This person has not set a PIN on this device.
    NoPin,
    /// The server's device secret does not open this device's data (a different server,
    /// or a malformed answer).
    WrongServer,
    /// The database failed.
    Store(StoreError),
}

impl UnlockError {
    /// A sentence for the person, saying what to do next.
    pub fn message(&self) -> String {
        match self {
            UnlockError::WrongPin { tries_left: 1 } => "The PIN is not right. You have 1 more try before you must sign in with your email and password.".to_owned(),
            UnlockError::WrongPin { tries_left } => format!("The PIN is not right. You have {tries_left} more tries before you must sign in with your email and password."),
            UnlockError::TooManyTries => "Too many wrong PINs. Sign in with your email and password (this needs a connection), then set a new PIN.".to_owned(),
            UnlockError::NoPin => "You have not set a PIN on this device. Sign in with your email and password.".to_owned(),
            UnlockError::WrongServer => "The server's key does not open the data on this device. Ask your IT team for help; do not reset the device, or unsynced changes will be lost.".to_owned(),
            UnlockError::Store(error) => error.message(),
        }
    }
}

impl From<StoreError> for UnlockError {
    fn from(error: StoreError) -> Self {
        UnlockError::Store(error)
    }
}

impl From<indexed_db_futures::error::Error> for UnlockError {
    fn from(error: indexed_db_futures::error::Error) -> Self {
        UnlockError::Store(error.into())
    }
}

impl Store {
    /// Whether the data key is in memory.
    pub fn is_unlocked(&self) -> bool {
        vault::unlocked(&self.name).is_ok()
    }

    /// Locks the device: drops the data key (wiping its bytes) and every decrypted
    /// record from memory, for every handle on this database.
    pub fn lock(&self) {
        vault::lock(&self.name);
    }

    /// Whether this device has a data key yet (made at its first online sign-in).
    pub async fn has_data_key(&self) -> Result<bool, StoreError> {
        Ok(self.server_slot().await?.is_some())
    }

    /// The people who can unlock this device with a PIN, in name order.
    pub async fn pin_holders(&self) -> Result<Vec<PinHolder>, StoreError> {
        let tx = self.db().transaction(schema::KEYS).build()?;
        let keys = tx.object_store(schema::KEYS)?;
        let texts: Vec<String> = keys
            .get_all()
            .with_query::<String, _>(indexed_db_futures::KeyRange::Bound(
                "pin/".to_owned(),
                false,
                "pin0".to_owned(),
                true,
            ))
            .primitive()?
            .await?
            .collect::<indexed_db_futures::Result<_>>()?;
        let mut holders = Vec::new();
        for text in texts {
            let slot: PinSlot = serde_json::from_str(&text).map_err(|_| StoreError::Unreadable)?;
            let tries_left = MAX_PIN_TRIES.saturating_sub(slot.failures);
            holders.push(PinHolder { staff: slot.staff, name: slot.name, tries_left });
        }
        holders.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(holders)
    }

    /// Unlocks with `staff`'s PIN and makes their last session on this device the
    /// current one (returned; `None` if it was signed out). A wrong PIN counts against
    /// the slot in the same transaction that finds it wrong.
    pub async fn unlock_with_pin(&self, staff: &StaffId, pin: &str) -> Result<Option<Session>, UnlockError> {
        let slot_key = pin_slot_key(staff);
        let slot = self.pin_slot(&slot_key).await?.ok_or(UnlockError::NoPin)?;
        if slot.failures >= MAX_PIN_TRIES {
            return Err(UnlockError::TooManyTries);
        }
        // The slow part, before any transaction: nothing but IndexedDB may be awaited
        // inside one.
        let pin_key = crypto::derive_pin_key(pin, &slot.salt, slot.iterations).await.map_err(StoreError::from)?;

        let tx = self.db().transaction(schema::KEYS).with_mode(TransactionMode::Readwrite).build()?;
        let keys = tx.object_store(schema::KEYS)?;
        let mut slot: PinSlot = codec::get_clear(&keys, slot_key.as_str()).await?.ok_or(UnlockError::NoPin)?;
        if slot.failures >= MAX_PIN_TRIES {
            return Err(UnlockError::TooManyTries);
        }
        let opened = DataKey::unwrap(&pin_key, slot_key.as_bytes(), &slot.wrapped);
        let failures_before = slot.failures;
        slot.failures = if opened.is_ok() { 0 } else { slot.failures + 1 };
        if slot.failures != failures_before {
            codec::put_clear(&keys, slot_key.as_str(), &slot).await?;
        }
        tx.commit().await?;
        let Ok(data_key) = opened else {
            return Err(match MAX_PIN_TRIES.saturating_sub(slot.failures) {
                0 => UnlockError::TooManyTries,
                tries_left => UnlockError::WrongPin { tries_left },
            });
        };
        // The PIN opened the data key, so it opens the operation key sealed beside it.
        let signer = match &slot.signing {
            Some(sealed) => {
                let json =
                    crypto::unwrap_secret(&pin_key, &signing_context(&slot_key), sealed).map_err(StoreError::from)?;
                Some(serde_json::from_slice::<OpKey>(&json).map_err(|_| StoreError::Unreadable)?)
            }
            None => None,
        };
        vault::unlock(&self.name, data_key);
        self.hold_op_key(signer.filter(|key| &key.staff == staff));
        Ok(self.resume_session_of(staff).await?)
    }

    /// Unlocks with the device secret an online sign-in returned (64 hex characters). A
    /// device without a data key yet gets one here: it is wrapped in the server slot and
    /// everything the device already holds in clear (from before encryption at rest) is
    /// sealed, in one transaction.
    pub async fn unlock_with_device_key(&self, device_key: &str) -> Result<(), UnlockError> {
        let secret = crypto::key_from_hex(device_key).ok_or(UnlockError::WrongServer)?;
        if let Some(slot) = self.server_slot().await? {
            let data_key = DataKey::unwrap(&secret, SERVER_SLOT.as_bytes(), &slot.wrapped)
                .map_err(|_| UnlockError::WrongServer)?;
            vault::unlock(&self.name, data_key);
            return Ok(());
        }
        let data_key = DataKey::generate().map_err(StoreError::from)?;
        let slot = ServerSlot { wrapped: data_key.wrap(&secret, SERVER_SLOT.as_bytes()).map_err(StoreError::from)? };
        // Sealing reads the key from the vault, so it goes there first, and leaves again
        // if the transaction fails.
        vault::unlock(&self.name, data_key);
        let made = self.store_new_data_key(&slot).await;
        if made.is_err() {
            vault::lock(&self.name);
        }
        made.map_err(UnlockError::from)
    }

    async fn store_new_data_key(&self, slot: &ServerSlot) -> Result<(), StoreError> {
        let mut stores = schema::SEALED.to_vec();
        stores.push(schema::KEYS);
        let tx = self.db().transaction(stores.as_slice()).with_mode(TransactionMode::Readwrite).build()?;
        let keys = tx.object_store(schema::KEYS)?;
        if codec::get_clear::<ServerSlot, _>(&keys, SERVER_SLOT).await?.is_some() {
            // Another tab made the key first; this one is not it.
            return Err(StoreError::Database("another window set up this device at the same time".to_owned()));
        }
        codec::put_clear(&keys, SERVER_SLOT, slot).await?;
        for name in schema::SEALED {
            let store = tx.object_store(name)?;
            let clear_key = |key: &JsValue| {
                name == schema::META && key.as_string().is_some_and(|k| meta::CLEAR.contains(&k.as_str()))
            };
            codec::seal_clear_values(&store, clear_key).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets (or replaces) `staff`'s PIN on this device, with a fresh salt and no wrong
    /// tries. The device must be unlocked.
    pub async fn set_pin(&self, staff: &StaffId, name: &str, pin: &str) -> Result<(), StoreError> {
        if let Some(problem) = pin_problem(pin) {
            return Err(StoreError::Database(problem));
        }
        let unlocked = vault::unlocked(&self.name)?;
        let salt = crypto::random_bytes::<16>()?;
        let pin_key: KeyBytes = crypto::derive_pin_key(pin, &salt, PBKDF2_ITERATIONS).await?;
        let slot_key = pin_slot_key(staff);
        // Only the person's own operation key goes in their slot: the one in memory is
        // theirs when they signed in online (or unlocked with their PIN) just now.
        let signer = unlocked.signer.borrow().clone().filter(|key| &key.staff == staff);
        let signing = match &signer {
            Some(key) => {
                let json = zeroize::Zeroizing::new(serde_json::to_vec(key).map_err(|_| StoreError::Unreadable)?);
                Some(crypto::wrap_secret(&pin_key, &signing_context(&slot_key), &json)?)
            }
            None => None,
        };
        let slot = PinSlot {
            staff: staff.clone(),
            name: name.to_owned(),
            salt: salt.to_vec(),
            iterations: PBKDF2_ITERATIONS,
            wrapped: unlocked.key.wrap(&pin_key, slot_key.as_bytes())?,
            failures: 0,
            signing,
            credential: signer.map(|key| key.credential),
        };
        drop(unlocked);
        let tx = self.db().transaction(schema::KEYS).with_mode(TransactionMode::Readwrite).build()?;
        codec::put_clear(&tx.object_store(schema::KEYS)?, slot_key.as_str(), &slot).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether `staff` has a PIN here that still unlocks (not locked by wrong tries) and
    /// signs with `credential`, the operation key their online sign-in just gave them: a
    /// slot from before changes were signed, or holding a key since replaced, must be
    /// set again.
    pub async fn has_working_pin(&self, staff: &StaffId, credential: &str) -> Result<bool, StoreError> {
        Ok(self
            .pin_slot(&pin_slot_key(staff))
            .await?
            .is_some_and(|s| s.failures < MAX_PIN_TRIES && s.credential.as_deref() == Some(credential)))
    }

    /// Keeps `key` in memory to sign its holder's changes until the device locks (or
    /// forgets the key in memory, with `None`).
    pub fn hold_op_key(&self, key: Option<OpKey>) {
        if let Ok(unlocked) = vault::unlocked(&self.name) {
            *unlocked.signer.borrow_mut() = key;
        }
    }

    /// The operation key in memory, if it is `actor`'s.
    pub(super) fn op_key_of(&self, actor: &StaffId) -> Option<OpKey> {
        let unlocked = vault::unlocked(&self.name).ok()?;
        let signer = unlocked.signer.borrow();
        signer.as_ref().filter(|key| &key.staff == actor).cloned()
    }

    /// The device's own secret, if the server has given it one: the proof a sign-in
    /// sends that it comes from this device. Readable while locked.
    pub async fn device_proof(&self) -> Result<Option<String>, StoreError> {
        let tx = self.db().transaction(schema::KEYS).build()?;
        codec::get_clear(&tx.object_store(schema::KEYS)?, DEVICE_SECRET).await
    }

    /// Keeps the secret a sign-in that registered this device returned.
    pub async fn keep_device_secret(&self, secret: &str) -> Result<(), StoreError> {
        let tx = self.db().transaction(schema::KEYS).with_mode(TransactionMode::Readwrite).build()?;
        codec::put_clear(&tx.object_store(schema::KEYS)?, DEVICE_SECRET, &secret.to_owned()).await?;
        tx.commit().await?;
        if let Ok(unlocked) = vault::unlocked(&self.name) {
            unlocked.has_device_secret.set(Some(true));
        }
        Ok(())
    }

    /// Whether the server has given this device its secret (then every change must be
    /// signed); read once per unlock, then answered from memory.
    pub(super) async fn has_device_secret(&self) -> Result<bool, StoreError> {
        let unlocked = vault::unlocked(&self.name)?;
        if let Some(known) = unlocked.has_device_secret.get() {
            return Ok(known);
        }
        let known = self.device_proof().await?.is_some();
        unlocked.has_device_secret.set(Some(known));
        Ok(known)
    }

    async fn pin_slot(&self, slot_key: &str) -> Result<Option<PinSlot>, StoreError> {
        let tx = self.db().transaction(schema::KEYS).build()?;
        codec::get_clear(&tx.object_store(schema::KEYS)?, slot_key).await
    }

    async fn server_slot(&self) -> Result<Option<ServerSlot>, StoreError> {
        let tx = self.db().transaction(schema::KEYS).build()?;
        codec::get_clear(&tx.object_store(schema::KEYS)?, SERVER_SLOT).await
    }

    /// Removes `staff`'s PIN slot (they signed out: they are done with this tablet).
    pub(super) async fn forget_pin_on(
        keys: &indexed_db_futures::object_store::ObjectStore<'_>,
        staff: &StaffId,
    ) -> Result<(), StoreError> {
        keys.delete(pin_slot_key(staff).as_str()).primitive()?.await?;
        Ok(())
    }

    /// Makes `staff`'s saved session the current one, if they have one.
    async fn resume_session_of(&self, staff: &StaffId) -> Result<Option<Session>, StoreError> {
        let tx = self.db().transaction(schema::META).with_mode(TransactionMode::Readwrite).build()?;
        let meta_store = tx.object_store(schema::META)?;
        let session: Option<Session> = meta::get(&meta_store, &meta::session_key(staff)).await?;
        match &session {
            Some(session) => meta::put(&meta_store, meta::SESSION, session).await?,
            None => meta_store.delete(meta::SESSION).primitive()?.await?,
        }
        tx.commit().await?;
        Ok(session)
    }
}
