//! The database schema and its numbered migrations. Each version adds one step; a
//! device upgrading from any older version runs every step after it, in order, inside
//! IndexedDB's version-change transaction. Steps are forward-only: never edit a
//! released one, add the next.

use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::prelude::*;
use indexed_db_futures::KeyPath;

/// The current schema version.
pub const VERSION: u32 = 7;

/// Confirmed server state: one [`portal_desk_core::Record`] per key (the record id),
/// beside the records kept in bundles (below); a record here wins over a bundled copy.
pub const RECORDS: &str = "records";
/// Pending operations, keyed by their sequence number (a JS number).
pub const OUTBOX: &str = "outbox";
/// Operations the server applied whose effect a pull has not yet brought back, keyed
/// by sequence number; still shown on top of the confirmed records.
pub const ACKED: &str = "acked";
/// Operations the server rejected, with its reason, keyed by sequence number.
pub const REJECTED: &str = "rejected";
/// The device's bookkeeping: id, last sequence number, clock, acknowledgement count,
/// pull cursors, session, time of the last sync.
pub const META: &str = "meta";
/// Views of records for the audit log, keyed by the view's id: waiting to be reported,
/// or refused by the server and kept with its reason (version 2).
pub const VIEWS: &str = "views";

/// The data key's slots, kept in clear (version 3): one per member of staff who set a
/// PIN on this device (keyed `pin/<staff id>`) and the server slot (keyed `server`),
/// each holding the data key encrypted under the slot's key. See `store::keys`.
pub const KEYS: &str = "keys";

/// The case list's own copy (version 4), keyed by record id: a sealed summary of each
/// case and the sites' settings and templates whole, written in the same transactions
/// as `records`. See `store::summaries`.
pub const SUMMARIES: &str = "summaries";

/// Records that arrived together (version 5), keyed by bundle number: each value the
/// sealed records of one bundle, as binary. See `store::bundles`.
pub const BUNDLES: &str = "bundles";
/// The ids of each bundle's records (version 5), keyed by bundle number, sealed.
pub const BUNDLE_IDS: &str = "bundle_ids";

/// The epochs of the counters' markers (version 7): the end of each, keyed
/// `ended/<number>`, and the probe a write made from a tab's note of the counters puts,
/// keyed `probe`. Each value is `{epoch: <number>}`, in clear (a count of writes, as the
/// pending version is), under the unique index [`EPOCH_INDEX`], so the probe of an
/// ended epoch fails. See `store::counters`.
pub const EPOCHS: &str = "epochs";
/// The unique index of [`EPOCHS`] on each value's `epoch`.
pub const EPOCH_INDEX: &str = "by_epoch";
/// The property of an [`EPOCHS`] value that [`EPOCH_INDEX`] indexes.
pub const EPOCH_FIELD: &str = "epoch";

/// The stores a transaction that rewrites held records spans (a pull page, a site
/// dropped): the records wherever they are kept, their summaries, the acknowledged
/// operations they retire, and the counters it moves.
pub const RECORDS_REWRITE: [&str; 7] = [RECORDS, BUNDLES, BUNDLE_IDS, ACKED, META, EPOCHS, SUMMARIES];

/// Every store that holds sealed text values (and `meta`, which holds some), which an
/// older app may have written in clear. `bundles` holds binary values, sealed from the
/// start, so it is not among them.
pub const SEALED: [&str; 8] = [RECORDS, OUTBOX, ACKED, REJECTED, META, VIEWS, SUMMARIES, BUNDLE_IDS];

/// Dispatched on `window` when another tab needs this tab's connection closed, to
/// upgrade the schema (a newer app) or to delete the database: the connection is
/// closed, and the page should ask the person to reload.
pub const OUTDATED_EVENT: &str = "portal-desk:database-outdated";
/// Dispatched on `window` while an upgrade waits for another tab (an older app that
/// does not close its connection) to close.
pub const BLOCKED_EVENT: &str = "portal-desk:database-blocked";

/// Opens the database `name`, running whatever migration steps it lacks.
pub async fn open(name: &str) -> Result<Database, indexed_db_futures::error::OpenDbError> {
    let db = Database::open(name)
        .with_version(VERSION)
        .with_on_blocked(|_| {
            announce(BLOCKED_EVENT);
            Ok(())
        })
        .with_on_upgrade_needed(migrate)
        .await?;
    close_when_outdated(&db);
    Ok(db)
}

/// Closes the connection as soon as another tab asks to upgrade the schema, so the
/// newer app is not kept waiting by this one, and announces [`OUTDATED_EVENT`]. Every
/// later request on the connection fails, and nothing here writes again until reloaded.
fn close_when_outdated(db: &Database) {
    use indexed_db_futures::internals::SystemRepr;
    use wasm_bindgen::JsCast;
    let connection: web_sys::IdbDatabase = db.as_sys().clone().into();
    let on_change = wasm_bindgen::closure::Closure::<dyn FnMut()>::new({
        let connection = connection.clone();
        move || {
            connection.close();
            announce(OUTDATED_EVENT);
        }
    });
    connection.set_onversionchange(Some(on_change.as_ref().unchecked_ref()));
    // The handler lives as long as the connection; a page opens one or two of them.
    on_change.forget();
}

fn announce(event: &str) {
    if let (Some(window), Ok(event)) = (web_sys::window(), web_sys::Event::new(event)) {
        let _ = window.dispatch_event(&event);
    }
}

/// Runs every step from the database's current version up to [`VERSION`].
fn migrate(event: VersionChangeEvent, db: Database) -> indexed_db_futures::Result<()> {
    let from = event.old_version() as u32;
    for step in (from + 1)..=VERSION {
        match step {
            1 => v1_initial(&db)?,
            2 => v2_views(&db)?,
            3 => v3_keys(&db)?,
            4 => v4_summaries(&db)?,
            5 => v5_bundles(&db)?,
            6 => v6_marked_counters(),
            7 => v7_epochs(&db)?,
            _ => unreachable!("schema step {step} is not written"),
        }
    }
    Ok(())
}

/// Version 1: the five stores, all with out-of-line keys.
fn v1_initial(db: &Database) -> indexed_db_futures::Result<()> {
    for store in [RECORDS, OUTBOX, ACKED, REJECTED, META] {
        db.create_object_store(store).build()?;
    }
    Ok(())
}

/// Version 2: the `views` store, for the audit of who looked at which record.
fn v2_views(db: &Database) -> indexed_db_futures::Result<()> {
    db.create_object_store(VIEWS).build()?;
    Ok(())
}

/// Version 3: the `keys` store, for encryption at rest. Values written before it are
/// clear JSON text; they are sealed when the device first gets a data key (at the
/// first online sign-in after the upgrade), since no key exists during the upgrade.
fn v3_keys(db: &Database) -> indexed_db_futures::Result<()> {
    db.create_object_store(KEYS).build()?;
    Ok(())
}

/// Version 4: the `summaries` store, for the case list. Left empty here (it is sealed,
/// and no key exists during the upgrade); the list fills it once from the records.
fn v4_summaries(db: &Database) -> indexed_db_futures::Result<()> {
    db.create_object_store(SUMMARIES).build()?;
    Ok(())
}

/// Version 5: the `bundles` and `bundle_ids` stores, so a pull page that brings many
/// new records stores them in a few values rather than one each. Left empty: records
/// already held stay where they are.
fn v5_bundles(db: &Database) -> indexed_db_futures::Result<()> {
    db.create_object_store(BUNDLES).build()?;
    db.create_object_store(BUNDLE_IDS).build()?;
    Ok(())
}

/// Version 6: no new store. Moves of the counters now leave markers in `meta`, which
/// writes made from a tab's note of the counters rely on (`store::counters`); an older
/// app in another tab moves them without, so the upgrade closes its connection (and it
/// asks to be reloaded) before this app writes.
fn v6_marked_counters() {}

/// Version 7: the `epochs` store, so that a write made from a note checks that the
/// note's epoch has not ended with one request (a put of the probe, refused by the
/// unique index) rather than two (an end marker in `meta` added and deleted again).
/// The last sequence number and the clock are kept in one value from now on
/// (`meta::ISSUED`), read from the two older ones until the first write. The ends of
/// epochs marked in `meta` by version 6 are left where they are, a key per 256 writes:
/// no note can be of an epoch that ended before this upgrade, as the upgrade closes
/// every older tab's connection (see version 6) and a note is only made by a write.
fn v7_epochs(db: &Database) -> indexed_db_futures::Result<()> {
    let epochs = db.create_object_store(EPOCHS).build()?;
    epochs.create_index(EPOCH_INDEX, KeyPath::One(EPOCH_FIELD)).with_unique(true).build()?;
    Ok(())
}
