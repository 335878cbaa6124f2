//! `<App/>`: opens the device's database, provides the narrow handles screens need as
//! contexts, starts the sync loop, and routes to the screens.

use crate::browser;
use crate::lazy::lazy;
use crate::screens;
use crate::session::{DeviceLock, Session};
use crate::store::{Store, StoreError};
use crate::sync::{SyncStatus, Syncer};
use leptos::prelude::*;
use std::rc::Rc;
use std::time::Duration;

/// How often the sync loop runs on its own while the app is open.
const SYNC_EVERY: Duration = Duration::from_secs(20);

/// The open database, for any screen that reads or writes.
#[derive(Clone, Copy)]
pub struct StoreHandle(StoredValue<Store, LocalStorage>);

impl StoreHandle {
    /// A handle on the store (cheap: it shares one connection).
    pub fn get(&self) -> Store {
        self.0.get_value()
    }
}

/// Asks the sync loop to run now.
#[derive(Clone, Copy)]
pub struct SyncTrigger(StoredValue<Rc<Syncer>, LocalStorage>);

impl SyncTrigger {
    /// Starts a run (or queues one after the run under way).
    pub fn sync_now(&self) {
        self.0.with_value(|syncer| syncer.trigger());
    }

    /// Starts a run from the timer, unless the loop is backing off after failures.
    pub fn sync_when_due(&self) {
        self.0.with_value(|syncer| syncer.trigger_when_due());
    }

    /// Re-reads the outbox counts after a local change, without a network round trip.
    pub fn refresh_counts(&self) {
        let syncer = self.0.get_value();
        wasm_bindgen_futures::spawn_local(async move { syncer.refresh_counts().await });
    }
}

/// Who is signed in on this device, if anyone.
#[derive(Clone, Copy)]
pub struct CurrentSession(pub RwSignal<Option<Session>>);

/// A one-off confirmation for the next screen, such as "Saved on this device".
#[derive(Clone, Copy)]
pub struct Flash(pub RwSignal<Option<String>>);

/// What the app needs from the database before it can show anything.
#[derive(Clone)]
struct Opened {
    store: Store,
    session: Option<Session>,
    last_sync_ms: Option<u64>,
    idle_lock_minutes: u32,
    kiosk: Option<crate::store::KioskMode>,
}

/// The store opens locked (its key lives only in memory), so the session, which is
/// encrypted, is read after unlocking.
async fn open_device() -> Result<Opened, StoreError> {
    let store = Store::open().await?;
    let session = if store.is_unlocked() { store.session().await? } else { None };
    let last_sync_ms = store.last_sync_ms().await?;
    let idle_lock_minutes = store.idle_lock_minutes().await?;
    let kiosk = store.kiosk_mode().await?;
    Ok(Opened { store, session, last_sync_ms, idle_lock_minutes, kiosk })
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let opened = LocalResource::new(open_device);
    move || match opened.get() {
        None => view! { <LoadingShell/> }.into_any(),
        Some(Ok(opened)) => view! { <Ready opened/> }.into_any(),
        Some(Err(error)) => view! { <StorageUnavailable error/> }.into_any(),
    }
}

/// What shows while the database opens (the same words `index.html` paints), and why
/// it is taking a while when an older Portal Desk in another tab holds the database.
#[component]
fn LoadingShell() -> impl IntoView {
    let blocked = RwSignal::new(false);
    let on_blocked = window_event_listener_untyped(crate::store::schema::BLOCKED_EVENT, move |_| blocked.set(true));
    on_cleanup(move || on_blocked.remove());
    view! {
        <header class="app-header">
            <div class="app-header__bar">
                <span class="app-header__brand">"Portal Desk"</span>
            </div>
        </header>
        <main id="main-content" class="page">
            <p class="loading">"Loading Portal Desk…"</p>
            <Show when=move || blocked.get()>
                <div class="banner" role="alert">
                    <p><strong>"Close Portal Desk in your other tabs"</strong></p>
                    <p>"An older version of Portal Desk is open in another tab. Close or reload that tab and this one will open your saved work."</p>
                </div>
            </Show>
        </main>
    }
}

/// Shown when IndexedDB cannot be opened at all (private browsing in some browsers,
/// storage disabled): the app cannot keep changes safe, so it says so plainly.
#[component]
fn StorageUnavailable(error: StoreError) -> impl IntoView {
    view! {
        <main id="main-content" class="page">
            <h1>"Portal Desk cannot store data on this device"</h1>
            <p>{error.message()}</p>
            <p>"Check that this browser is not in private mode and allows sites to store data, then reload the page."</p>
        </main>
    }
}

/// The app once the database is open: contexts, the sync loop, the routes.
#[component]
fn Ready(opened: Opened) -> impl IntoView {
    let Opened { store, session, last_sync_ms, idle_lock_minutes, kiosk } = opened;
    let unlocked = RwSignal::new(store.is_unlocked());
    let now = browser::now_ms();
    let status = SyncStatus::new();
    status.last_synced_ms.set(last_sync_ms);
    status.needs_sign_in.set(session.as_ref().is_some_and(|s| s.is_expired(now)));
    let session = RwSignal::new(session);
    let syncer = Syncer::new(store.clone(), session, status);
    let trigger = SyncTrigger(StoredValue::new_local(syncer));

    let store = StoreHandle(StoredValue::new_local(store));
    provide_context(store);
    provide_context(CurrentSession(session));
    let lock = DeviceLock {
        unlocked,
        session,
        idle_minutes: RwSignal::new(idle_lock_minutes),
        needs_pin: RwSignal::new(false),
    };
    provide_context(lock);
    let kiosk = crate::kiosk::KioskState(RwSignal::new(kiosk));
    provide_context(kiosk);
    lock.lock_when_idle(store, move || kiosk.0.with_untracked(Option::is_some));
    provide_context(Flash(RwSignal::new(None)));
    provide_context(status);
    provide_context(trigger);

    // The triggers: now, whenever the browser regains a network, when the app comes
    // back to the foreground, and on a timer that backs off while syncing fails.
    // Losing the network is shown at once; sync failures confirm it.
    trigger.sync_now();
    window_event_listener(leptos::ev::online, move |_| {
        status.online.set(true);
        trigger.sync_now();
    });
    window_event_listener(leptos::ev::offline, move |_| status.online.set(false));
    // A tablet picked up again after being put down catches up at once.
    window_event_listener(leptos::ev::visibilitychange, move |_| {
        if !browser::is_hidden() {
            trigger.sync_now();
        }
    });
    set_interval(move || trigger.sync_when_due(), SYNC_EVERY);
    browser::register_service_worker();
    browser::request_persistent_storage();

    // Locked (or nobody signed in): only the unlock and sign-in screens exist, so no
    // screen holding patient data stays mounted.
    let open = move || unlocked.get() && session.with(Option::is_some);
    // The update banner comes after the screen, so the skip link stays the first thing a
    // keyboard reaches; it is pinned to the bottom of the window (style/_base.scss).
    // A kiosk shows the kiosk and nothing else, whatever the address or lock state.
    let kiosk_mode = move || kiosk.0.get();
    view! {
        {move || kiosk_mode().map(|mode| lazy(screens::kiosk(mode)))}
        <Show when=move || kiosk.0.with(Option::is_none)>
        <Show when=open fallback=|| lazy(screens::locked())>
            {lazy(screens::desk())}
        </Show>
        <crate::components::UpdateBanner/>
        </Show>
    }
}
