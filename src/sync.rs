//! The sync loop: pushes the outbox in batches, settles it from the server's answers,
//! then pulls pages of changes until the server has no more.
//!
//! [`sync_once`] is the protocol, written against a [`Transport`] so tests can drive it
//! with a scripted server; [`Syncer`] decides when it runs (start, `online`, a timer,
//! "Sync now", after a local change), makes sure only one run happens at a time (in
//! this tab by a flag, across tabs by a Web Lock), and reports what happened through
//! [`SyncStatus`] signals.

use crate::api::{self, ApiError};
use crate::browser::now_ms;
use crate::lazy::{split_fn, ChunkMissing};
use crate::session::Session;
use crate::sites_change::SitesChange;
use crate::store::{Store, StoreError};
use crate::views::{RefusedView, ViewReport, ViewsRecorded, MAX_VIEWS_BATCH};
use futures_util::future::join;
use leptos::prelude::*;
use portal_desk_core::protocol::client::PullTicket;
use portal_desk_core::protocol::{PullResponse, PushRequest, PushResponse, MAX_PULL_RECORDS, MAX_PUSH_OPS};
use portal_desk_core::staff::Colleague;
use std::cell::Cell;
use std::rc::Rc;

/// How the sync loop reaches the server. The app uses [`Http`]; tests script one.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// Sends one batch of operations.
    async fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, ApiError>;
    /// Fetches one page of changes after `cursor`.
    async fn pull(&self, token: &str, cursor: u64, limit: usize) -> Result<PullResponse, ApiError>;
    /// Reports views of records for the audit log.
    async fn report_views(&self, token: &str, report: &ViewReport<'_>) -> Result<ViewsRecorded, ApiError>;
}

/// The real server, over HTTP on the app's own origin.
#[derive(Clone, Copy, Debug, Default)]
pub struct Http;

impl Transport for Http {
    async fn push(&self, token: &str, request: &PushRequest) -> Result<PushResponse, ApiError> {
        api::push(token, request).await
    }

    async fn pull(&self, token: &str, cursor: u64, limit: usize) -> Result<PullResponse, ApiError> {
        api::pull(token, cursor, limit).await
    }

    async fn report_views(&self, token: &str, report: &ViewReport<'_>) -> Result<ViewsRecorded, ApiError> {
        api::report_views(token, report).await
    }
}

/// Why a sync run stopped early. Whatever the reason, the outbox keeps every change
/// the server has not dealt with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncError {
    /// The server said something the loop cannot carry on from.
    Api(ApiError),
    /// The device's database failed.
    Store(StoreError),
    /// The server needs operations this device no longer holds.
    MissingOnServer {
        /// The sequence number the server asked for.
        expected: u64,
        /// The oldest one the outbox still holds.
        oldest: u64,
    },
    /// The server answered a push without dealing with any of it.
    NoProgress,
    /// The sync engine's code (its own wasm chunk) could not be fetched.
    CodeMissing(ChunkMissing),
}

impl SyncError {
    /// A sentence for the person, saying what to do next.
    pub fn message(&self) -> String {
        match self {
            SyncError::Api(error) => error.message(),
            SyncError::Store(error) => error.message(),
            SyncError::MissingOnServer { expected, oldest } => format!(
                "The server is missing changes {expected} to {} from this device, so newer ones cannot be sent. They are kept on this device: ask your Portal Desk administrator for help.",
                oldest.saturating_sub(1)
            ),
            SyncError::NoProgress => "The server did not accept the waiting changes. They are kept on this device; Portal Desk will try again.".to_owned(),
            SyncError::CodeMissing(missing) => missing.message().to_owned(),
        }
    }

    /// Whether the failure means the network or the server is out of reach.
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Api(ApiError::Offline))
    }

    /// Whether a supervisor revoked this device, so its data must be wiped.
    pub fn is_revoked(&self) -> bool {
        matches!(self, SyncError::Api(ApiError::DeviceRevoked { .. }))
    }

    /// Whether the person must sign in again before syncing can continue.
    pub fn needs_sign_in(&self) -> bool {
        matches!(self, SyncError::Api(ApiError::Unauthorized { .. }))
    }
}

impl From<ApiError> for SyncError {
    fn from(error: ApiError) -> Self {
        SyncError::Api(error)
    }
}

impl From<StoreError> for SyncError {
    fn from(error: StoreError) -> Self {
        SyncError::Store(error)
    }
}

/// What one successful run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Operations the server dealt with (applied or rejected).
    pub pushed: usize,
    /// Of those, how many it rejected.
    pub rejected: usize,
    /// Views of records reported for the audit log (recorded, duplicates or refused).
    pub views: usize,
    /// Records received.
    pub pulled: usize,
    /// Set when the person's sites had changed: what left the device.
    pub sites_changed: Option<SitesChange>,
}

/// One full sync: push every waiting operation, then pull every page of changes.
/// `progress` hears how many records have arrived after each page but the last, so a
/// long first sync of a large site can say how far it has got.
pub async fn sync_once<T: Transport>(
    store: &Store,
    transport: &T,
    session: &Session,
    progress: &dyn Fn(usize),
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    // Where the next batch starts: the oldest waiting operation, unless the server
    // asked to resume from a later one.
    let mut resume_from: Option<u64> = None;
    loop {
        let mut batch = store.outbox_batch(MAX_PUSH_OPS as u32).await?;
        if let Some(from) = resume_from.take() {
            batch.retain(|op| op.seq >= from);
        }
        let Some(first_seq) = batch.first().map(|op| op.seq) else { break };
        let request = PushRequest { device: store.device().clone(), ops: batch };
        match transport.push(&session.token, &request).await {
            Ok(response) => {
                let settled = store.settle_push(&response).await?;
                if settled.done_through < first_seq {
                    return Err(SyncError::NoProgress);
                }
                report.pushed += request.ops.iter().filter(|op| op.seq <= settled.done_through).count();
                report.rejected += settled.rejected.len();
            }
            Err(ApiError::Gap { expected }) => {
                let outbox = store.outbox_batch(MAX_PUSH_OPS as u32).await?;
                let holds_expected = outbox.iter().any(|op| op.seq == expected);
                if !holds_expected || expected == first_seq {
                    let oldest = outbox.first().map(|op| op.seq).unwrap_or(expected);
                    return Err(SyncError::MissingOnServer { expected, oldest });
                }
                resume_from = Some(expected);
            }
            Err(error) => return Err(error.into()),
        }
    }
    report.views = report_views(store, transport, session).await?;
    // Pull pages. While one page is being stored the next is already on its way: its
    // cursor is in this page's answer, and its acknowledgement count cannot change in
    // between, since a run pushes before it pulls and holds the sync lock throughout
    // (an older count would only keep acknowledged changes shown a little longer).
    let mut ticket = store.pull_ticket(&session.staff.id).await?;
    let mut incoming = transport.pull(&session.token, ticket.cursor, MAX_PULL_RECORDS).await;
    loop {
        let page = match incoming {
            Ok(page) => page,
            // The server answers this once per change of sites, and never to a pull from
            // 0 (it records the new sites as it answers); so it is dealt with once per
            // run, and a second one is reported rather than looped on.
            Err(ApiError::SitesChanged { drop_sites, new_sites }) if report.sites_changed.is_none() => {
                let removed = store.drop_sites(&session.staff.id, &drop_sites).await?;
                report.sites_changed = Some(SitesChange { dropped: drop_sites, added: new_sites, removed });
                ticket = store.pull_ticket(&session.staff.id).await?;
                incoming = transport.pull(&session.token, ticket.cursor, MAX_PULL_RECORDS).await;
                continue;
            }
            Err(error) => return Err(error.into()),
        };
        report.pulled += page.records.len();
        // A server that keeps saying "more" without moving the cursor would loop forever.
        let next = (page.more && page.cursor != ticket.cursor)
            .then_some(PullTicket { cursor: page.cursor, acks_before: ticket.acks_before });
        let stored = store.apply_pull_page(&session.staff.id, &ticket, page);
        let Some(next) = next else {
            stored.await?;
            break;
        };
        let (stored, fetched) = join(stored, transport.pull(&session.token, next.cursor, MAX_PULL_RECORDS)).await;
        stored?;
        progress(report.pulled);
        ticket = next;
        incoming = fetched;
    }
    Ok(report)
}

/// A sync run under way.
type SyncRun = std::pin::Pin<Box<dyn std::future::Future<Output = Result<SyncReport, SyncError>>>>;

split_fn! {
    chunk sync_engine, preload preload_sync_engine;
    /// One run of [`sync_once`] over HTTP. The sync engine (the push, the pull pages and
    /// what settles them) is its own chunk: a tablet needs it only once someone is
    /// signed in, so it is fetched while the unlock screen waits for a PIN.
    pub fn sync_over_http(store: Store, session: Session, progress: Box<dyn Fn(usize)>) -> SyncRun
    {
        Box::pin(async move { sync_once(&store, &Http, &session, &*progress).await })
    }
}

/// Sends the views waiting on the device in batches, settling each answer. A batch the
/// server refuses as a whole (422: say, one view's time is in the future) is sent again
/// one view at a time for the rest of the run, so only the bad views are kept back,
/// each with the server's reason.
async fn report_views<T: Transport>(store: &Store, transport: &T, session: &Session) -> Result<usize, SyncError> {
    let mut reported = 0;
    let mut limit = MAX_VIEWS_BATCH;
    loop {
        let batch = store.pending_views(limit).await?;
        let Some(first) = batch.first() else { return Ok(reported) };
        let report = ViewReport { device: store.device(), views: &batch };
        let answer = match transport.report_views(&session.token, &report).await {
            Ok(answer) => answer,
            Err(ApiError::Problem { status: 422, .. }) if batch.len() > 1 => {
                limit = 1;
                continue;
            }
            Err(ApiError::Problem { status: 422, detail, .. }) => {
                ViewsRecorded { refused: vec![RefusedView { view: first.id.clone(), reason: detail }] }
            }
            Err(error) => return Err(error.into()),
        };
        store.settle_views(&batch, &answer).await?;
        reported += batch.len();
    }
}

/// What the screens show about syncing; every field is a signal.
#[derive(Clone, Copy, Debug)]
pub struct SyncStatus {
    /// Whether the server was reachable last time we tried (or the browser says so).
    pub online: RwSignal<bool>,
    /// Whether a run is under way.
    pub running: RwSignal<bool>,
    /// Operations waiting in the outbox.
    pub waiting: RwSignal<usize>,
    /// Operations the server rejected.
    pub rejected: RwSignal<usize>,
    /// When the last successful sync finished.
    pub last_synced_ms: RwSignal<Option<u64>>,
    /// The last problem, in words, until a run succeeds.
    pub problem: RwSignal<Option<String>>,
    /// The token was refused: the person must sign in again to sync.
    pub needs_sign_in: RwSignal<bool>,
    /// Records received so far in a pull of several pages, while it lasts.
    pub received: RwSignal<Option<usize>>,
    /// Something the person should know that is not a problem (their sites changed),
    /// until they sign out.
    pub notice: RwSignal<Option<String>>,
    /// Set, with the reason, once a revoked device has wiped its data.
    pub wiped: RwSignal<Option<String>>,
    /// Bumped whenever the store changes, so screens reading it refresh.
    pub data_version: RwSignal<u64>,
    /// Colleagues' names, roles and sites: read from the device at the first run, then
    /// fetched from the server every [`DIRECTORY_EVERY_MS`] while syncing works.
    pub colleagues: RwSignal<Vec<Colleague>>,
}

impl SyncStatus {
    /// Fresh status, before anything is known.
    pub fn new() -> Self {
        SyncStatus {
            online: RwSignal::new(crate::browser::is_online()),
            running: RwSignal::new(false),
            waiting: RwSignal::new(0),
            rejected: RwSignal::new(0),
            last_synced_ms: RwSignal::new(None),
            problem: RwSignal::new(None),
            needs_sign_in: RwSignal::new(false),
            notice: RwSignal::new(None),
            wiped: RwSignal::new(None),
            received: RwSignal::new(None),
            data_version: RwSignal::new(0),
            colleagues: RwSignal::new(Vec::new()),
        }
    }

    /// Tells every screen reading the store to read it again.
    pub fn data_changed(&self) {
        self.data_version.update(|v| *v += 1);
    }
}

impl Default for SyncStatus {
    fn default() -> Self {
        Self::new()
    }
}

/// How long the timer holds off after `failures` failed runs in a row: doubling from
/// the timer's own 20 s up to 5 minutes, plus up to a fifth more at random (`jitter` in
/// 0..1) so that many tablets coming back at once do not all call the server together.
/// Explicit triggers (start, `online`, "Sync now", a local change) never wait.
pub fn backoff_ms(failures: u32, jitter: f64) -> u64 {
    if failures == 0 {
        return 0;
    }
    let base = (20_000u64 << (failures - 1).min(4)).min(300_000);
    base + (base as f64 * 0.2 * jitter.clamp(0.0, 1.0)) as u64
}

/// How often a syncing device fetches the staff directory again (it changes rarely).
const DIRECTORY_EVERY_MS: u64 = 15 * 60 * 1000;

/// The Web Lock that lets only one tab of the app sync at a time.
const SYNC_LOCK: &str = "portal-desk-sync";

/// Runs [`sync_once`] when asked, one run at a time, and keeps [`SyncStatus`] current.
pub struct Syncer {
    store: Store,
    session: RwSignal<Option<Session>>,
    status: SyncStatus,
    running: Cell<bool>,
    again: Cell<bool>,
    /// Failed runs in a row, and when the timer may try again.
    failures: Cell<u32>,
    next_try_ms: Cell<u64>,
    /// For whom and when the staff directory was last fetched: another person signing
    /// in on the tablet fetches their own sites' directory at once.
    directory_fetched: std::cell::RefCell<Option<(portal_desk_core::StaffId, u64)>>,
}

impl Syncer {
    /// A syncer for the signed-in person in `session`.
    pub fn new(store: Store, session: RwSignal<Option<Session>>, status: SyncStatus) -> Rc<Self> {
        Rc::new(Syncer {
            store,
            session,
            status,
            running: Cell::new(false),
            again: Cell::new(false),
            failures: Cell::new(0),
            next_try_ms: Cell::new(0),
            directory_fetched: Default::default(),
        })
    }

    /// Asks for a run. If one is under way, another follows it, so a change made
    /// during a run is not left waiting for the timer.
    pub fn trigger(self: &Rc<Self>) {
        if self.running.get() {
            self.again.set(true);
            return;
        }
        wasm_bindgen_futures::spawn_local(Rc::clone(self).run());
    }

    /// Asks for a run from the timer: skipped while backing off after failures.
    pub fn trigger_when_due(self: &Rc<Self>) {
        if now_ms() >= self.next_try_ms.get() {
            self.trigger();
        }
    }

    async fn run(self: Rc<Self>) {
        self.running.set(true);
        self.status.running.set(true);
        loop {
            self.again.set(false);
            // One tab syncs at a time; another tab's run covers this one's changes too,
            // since both share the database. The screens still refresh from it.
            let this = Rc::clone(&self);
            let ran = crate::browser::with_tab_lock(SYNC_LOCK, async move { this.run_once().await }).await;
            if !ran {
                self.refresh_counts().await;
                self.status.data_changed();
            }
            if !self.again.get() {
                break;
            }
        }
        self.running.set(false);
        self.status.running.set(false);
    }

    async fn run_once(&self) {
        if self.status.colleagues.with_untracked(Vec::is_empty) {
            // Locked, or never fetched: names wait for the next run.
            let known = self.store.staff_directory().await.unwrap_or_default();
            self.status.colleagues.set(known);
        }
        let session = self.session.get_untracked();
        let needs_sign_in = self.status.needs_sign_in.get_untracked();
        let changed = match session {
            // The browser knows it has no network at all: reading the outbox to send it
            // would cost every save on a tablet out of signal for nothing. The `online`
            // event starts the next run.
            Some(_) if !crate::browser::is_online() => {
                self.status.online.set(false);
                false
            }
            Some(session) if !needs_sign_in && !session.is_expired(now_ms()) => self.sync_with(&session).await,
            // The token has run out: syncing waits for a fresh sign-in.
            Some(_) => {
                self.status.needs_sign_in.set(true);
                false
            }
            None => false,
        };
        self.refresh_counts().await;
        // Screens read the store again only when a run moved something: a quiet run
        // (the timer's, most of them) redraws nothing.
        if changed {
            self.status.data_changed();
        }
    }

    /// One run for `session`; whether it may have changed what the device holds (a
    /// failed run may have pushed part of the outbox, so it counts as a change).
    async fn sync_with(&self, session: &Session) -> bool {
        let received = self.status.received;
        let progress = Box::new(move |count| received.set(Some(count)));
        let outcome = match sync_over_http(self.store.clone(), session.clone(), progress).await {
            Ok(run) => run.await,
            Err(missing) => Err(SyncError::CodeMissing(missing)),
        };
        received.set(None);
        match outcome {
            Ok(report) => {
                let changed = report.pushed + report.pulled + report.rejected > 0 || report.sites_changed.is_some();
                if let Some(change) = report.sites_changed {
                    self.status.notice.set(Some(change.notice(&session.staff.sites)));
                }
                let now = now_ms();
                // The time is only shown, so failing to keep it is not worth a message.
                let _ = self.store.set_last_sync_ms(now).await;
                self.status.online.set(true);
                self.status.last_synced_ms.set(Some(now));
                self.status.problem.set(None);
                self.failures.set(0);
                self.next_try_ms.set(0);
                self.refresh_directory(session, now).await;
                changed
            }
            Err(error) if error.is_revoked() => {
                self.wipe(&error).await;
                true
            }
            Err(error) => {
                self.status.online.set(!error.is_offline());
                if error.needs_sign_in() {
                    self.status.needs_sign_in.set(true);
                }
                // Being offline is shown by the indicator, and an expired sign-in by its
                // own banner; only other problems need words of their own.
                let quiet = error.is_offline() || error.needs_sign_in();
                self.status.problem.set((!quiet).then(|| error.message()));
                let failures = self.failures.get().saturating_add(1);
                self.failures.set(failures);
                self.next_try_ms.set(now_ms() + backoff_ms(failures, js_sys::Math::random()));
                true
            }
        }
    }

    /// Fetches the staff directory when it is due and keeps it on the device. Names are
    /// a convenience: a failure leaves the last directory in place and says nothing.
    async fn refresh_directory(&self, session: &Session, now: u64) {
        let fresh = self
            .directory_fetched
            .borrow()
            .as_ref()
            .is_some_and(|(staff, at)| staff == &session.staff.id && now.saturating_sub(*at) < DIRECTORY_EVERY_MS);
        if fresh {
            return;
        }
        if let Ok(staff) = api::staff_directory(&session.token).await {
            *self.directory_fetched.borrow_mut() = Some((session.staff.id.clone(), now));
            if self.store.set_staff_directory(&staff).await.is_ok() {
                self.status.colleagues.set(staff);
            }
        }
    }

    /// A revoked device keeps nothing: every store is cleared, the person is signed
    /// out, and the sign-in screen says why.
    async fn wipe(&self, error: &SyncError) {
        let message = match self.store.wipe().await {
            Ok(()) => error.message(),
            Err(failure) => format!(
                "A supervisor has revoked this device, but wiping its data failed ({}). Return the device to your IT team now.",
                failure.message()
            ),
        };
        self.status.wiped.set(Some(message));
        self.status.needs_sign_in.set(false);
        self.status.problem.set(None);
        self.session.set(None);
    }

    /// Reads the outbox and rejected counts into the status.
    pub async fn refresh_counts(&self) {
        if let Ok((waiting, rejected)) = self.store.counts().await {
            self.status.waiting.set(waiting);
            self.status.rejected.set(rejected);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_doubles_to_five_minutes_with_bounded_jitter() {
        assert_eq!(backoff_ms(0, 0.5), 0);
        assert_eq!(backoff_ms(1, 0.0), 20_000);
        assert_eq!(backoff_ms(2, 0.0), 40_000);
        assert_eq!(backoff_ms(5, 0.0), 300_000);
        assert_eq!(backoff_ms(30, 0.0), 300_000);
        assert_eq!(backoff_ms(1, 1.0), 24_000);
        assert_eq!(backoff_ms(1, 7.0), 24_000, "jitter is clamped");
    }
}
