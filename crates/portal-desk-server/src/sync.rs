//! The server's side of the sync protocol: applying a device's push exactly once, and
//! paging a pull — written once against the storage traits, for every database.
//!
//! Every new operation is first judged ([`trust`]): the server believes nothing it
//! merely claims (its author, its device, its clock, its id) without a credential or a
//! rule. Only a believed operation goes on to the access rules and the core's merge.
//! Operations that are probably genuine but cannot be proven are held for a
//! supervisor (`crate::review`), never applied on the device's word and never lost.

pub mod trust;

use crate::access;
use crate::audit::AuditEntry;
use crate::db::{Actor, DbError, PushTx, Store, Viewer};
use crate::keys::ServerKeys;
use crate::metrics::PushStats;
use crate::zones;
use portal_desk_core::catalog::{check_next_version, template_from_record, template_record_id, Catalog};
use portal_desk_core::protocol::{plan_push, pull_page, OpResult, PullResponse, PushError, PushResponse, PushStep};
use portal_desk_core::{apply_op_in, DeviceId, Op, OpBody, Outcome, Record, SiteId, StaffId};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use trust::{TrustCache, Verdict};

/// Why a push was refused whole.
#[derive(Debug, thiserror::Error)]
pub enum PushFailure {
    /// The batch breaks the protocol (gap, order, another device's op, too many).
    #[error(transparent)]
    Protocol(#[from] PushError),
    /// Storage failed; nothing was written.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Who pushed, from the bearer token.
#[derive(Clone, Debug)]
pub struct Pusher {
    /// The signed-in member of staff.
    pub staff: StaffId,
    /// The device the token is bound to (and the push names).
    pub device: DeviceId,
    /// The site whose self-registration kiosk the device is, if it is one.
    pub kiosk_site: Option<SiteId>,
}

fn rejected(code: &str, reason: impl Into<String>) -> Outcome {
    Outcome::Rejected { code: code.to_owned(), reason: reason.into() }
}

/// Applies a device's batch in one transaction: replays are acknowledged with their
/// first outcome, new operations are checked and applied in sequence order, and every
/// operation dealt with is recorded, so that the same batch sent again, or partly
/// again, changes nothing. A refused batch writes nothing.
pub async fn push(
    store: &dyn Store,
    keys: &ServerKeys,
    pusher: &Pusher,
    ops: &[Op],
    now_ms: u64,
) -> Result<(PushResponse, PushStats), PushFailure> {
    let mut tx = store.begin_push().await?;
    let last_seq = tx.last_seq(&pusher.device).await?;
    let steps = plan_push(&pusher.device, last_seq, ops)?;
    let mut actors: HashMap<StaffId, Option<Actor>> = HashMap::new();
    let mut trust = TrustCache::new(keys);
    let mut results = Vec::with_capacity(steps.len());
    let mut applied_through = last_seq;
    let mut stats = PushStats::default();
    // Whose changes were applied, by the signature each carried: the audit names every
    // author, not only the person whose session pushed them (a shared tablet syncs for all).
    let mut authors: BTreeMap<&str, u32> = BTreeMap::new();
    for step in steps {
        match step {
            PushStep::Replay(op) => {
                stats.replayed += 1;
                let outcome = match tx.stored_outcome(&op.device, op.seq).await? {
                    Some((Some(stored_id), outcome)) if stored_id == op.id.as_str() => outcome,
                    Some((None, outcome)) => outcome,
                    Some((Some(stored_id), _)) => rejected(
                        "seq_already_used",
                        format!(
                            "Sequence number {} was already used by operation {stored_id}; this change was not applied. \
                             Sign out and in again on this device to reset its outbox.",
                            op.seq
                        ),
                    ),
                    // Only possible for a device whose history predates the ops table.
                    None => rejected("unknown_history", "The server has no record of this change"),
                };
                results.push(OpResult { op: op.id.clone(), seq: op.seq, outcome });
            }
            PushStep::Apply(op) => {
                let outcome = match trust::judge(tx.as_mut(), &mut trust, op, now_ms).await? {
                    Verdict::Believe => {
                        let (outcome, conflicts) =
                            apply_one(tx.as_mut(), &mut actors, pusher.kiosk_site.as_ref(), op, now_ms).await?;
                        stats.conflicts += conflicts;
                        outcome
                    }
                    Verdict::Hold { code, reason } => {
                        let outcome = Outcome::Held { code: code.to_owned(), reason };
                        tx.record_op(op, Some(op.id.as_str()), &outcome, now_ms).await?;
                        let site = site_of(tx.as_mut(), op).await?;
                        tx.hold_op(&op.device, op.seq, site.as_ref(), code, now_ms).await?;
                        outcome
                    }
                    Verdict::Refuse { code, reason, security, keep_id } => {
                        let outcome = rejected(code, reason);
                        tx.record_op(op, keep_id.then_some(op.id.as_str()), &outcome, now_ms).await?;
                        if security {
                            stats.security.push(code.to_owned());
                            let detail = json!({
                                "code": code, "op": op.id, "seq": op.seq, "record": op.record, "claimed_actor": op.actor,
                            });
                            let audit = AuditEntry::new(now_ms, "security_refusal", detail)
                                .by(&pusher.staff)
                                .on(&pusher.device);
                            tx.append_audit(&audit).await?;
                        }
                        outcome
                    }
                };
                match &outcome {
                    Outcome::Applied => {
                        stats.applied += 1;
                        *authors.entry(op.actor.as_str()).or_default() += 1;
                    }
                    Outcome::Rejected { code, .. } => stats.rejected.push(code.clone()),
                    Outcome::Held { code, .. } => stats.held.push(code.clone()),
                }
                applied_through = op.seq;
                results.push(OpResult { op: op.id.clone(), seq: op.seq, outcome });
            }
        }
    }
    if applied_through != last_seq {
        tx.set_last_seq(&pusher.device, applied_through, now_ms).await?;
    }
    let detail = json!({
        "ops": ops.len(),
        "applied": stats.applied,
        "rejected": stats.rejected.len(),
        "held": stats.held.len(),
        "replayed": stats.replayed,
        "applied_by": authors,
    });
    tx.append_audit(&AuditEntry::new(now_ms, "push", detail).by(&pusher.staff).on(&pusher.device)).await?;
    tx.commit().await?;
    Ok((PushResponse { applied_through, results }, stats))
}

/// Checks and applies one new, believed operation, recording it with its outcome; also
/// says how many conflicts it revealed.
async fn apply_one(
    tx: &mut dyn PushTx,
    actors: &mut HashMap<StaffId, Option<Actor>>,
    kiosk_site: Option<&SiteId>,
    op: &Op,
    now_ms: u64,
) -> Result<(Outcome, u64), DbError> {
    let (outcome, conflicts) = merge_one(tx, actors, kiosk_site, op, now_ms).await?;
    tx.record_op(op, Some(op.id.as_str()), &outcome, now_ms).await?;
    Ok((outcome, conflicts))
}

/// The site of the record `op` changes (or creates, or whose create is held), if known.
pub(crate) async fn site_of(tx: &mut dyn PushTx, op: &Op) -> Result<Option<SiteId>, DbError> {
    if let Some(record) = tx.record(&op.record).await? {
        return Ok(Some(record.site));
    }
    Ok(match &op.body {
        OpBody::Create { site, .. } => Some(site.clone()),
        _ => tx.held_site_of_record(&op.record).await?,
    })
}

/// Runs the access rules on `op` and, if it passes them, merges it into its record and
/// stores the record: what applying an operation means, for a push and for a held
/// operation a supervisor accepts.
pub(crate) async fn merge_one(
    tx: &mut dyn PushTx,
    actors: &mut HashMap<StaffId, Option<Actor>>,
    kiosk_site: Option<&SiteId>,
    op: &Op,
    now_ms: u64,
) -> Result<(Outcome, u64), DbError> {
    let stored = tx.record(&op.record).await?;
    let conflicts_before = stored.as_ref().map_or(0, |r| r.conflicts.len());
    let mut conflicts = 0;
    let outcome = match check(tx, actors, kiosk_site, op, stored.as_ref()).await? {
        Some(refusal) => refusal,
        None => {
            let catalog = catalog_for(tx, op, stored.as_ref()).await?;
            let collection = access::collection_of(op, stored.as_ref());
            let (changed, outcome) = apply_op_in(stored, op, &catalog);
            if let Some(mut record) = changed {
                conflicts = record.conflicts.len().saturating_sub(conflicts_before) as u64;
                tx.store_record(&mut record).await?;
                if collection.is_some_and(|c| c.admin_permission().is_some()) {
                    let detail = json!({ "record": op.record, "collection": collection, "op": op.id, "seq": op.seq });
                    let audit = AuditEntry::new(now_ms, "admin_change", detail).by(&op.actor).on(&op.device);
                    tx.append_audit(&audit).await?;
                }
            }
            outcome
        }
    };
    Ok((outcome, conflicts))
}

/// The checklist templates `op` may need: the built-in ones, and the versions
/// published at the case's site that its runs (or the run it starts) follow.
async fn catalog_for(tx: &mut dyn PushTx, op: &Op, stored: Option<&Record>) -> Result<Catalog, DbError> {
    let Some(case) = stored else { return Ok(Catalog::builtin()) };
    let mut wanted: Vec<(String, u32)> = match &op.body {
        OpBody::StartChecklist { template, version, .. } => vec![(template.clone(), *version)],
        OpBody::SetStep { .. } | OpBody::ResolveConflict { .. } => Vec::new(),
        _ => return Ok(Catalog::builtin()),
    };
    wanted.extend(case.checklists.values().map(|run| (run.template.clone(), run.version)));
    let mut catalog = Catalog::builtin();
    for (id, version) in wanted {
        if catalog.find(&id, version).is_some() {
            continue;
        }
        if let Some(template) =
            tx.record(&template_record_id(&case.site, &id, version)).await?.as_ref().and_then(template_from_record)
        {
            catalog = catalog.with(template);
        }
    }
    Ok(catalog)
}

/// Why a new template version may not be published now: versions go up one at a time
/// per site (checked here, where the site's earlier versions can be looked up).
async fn version_refusal(tx: &mut dyn PushTx, op: &Op) -> Result<Option<Outcome>, DbError> {
    let OpBody::Create { collection: portal_desk_core::case::Collection::Template, site, fields } = &op.body else {
        return Ok(None);
    };
    let (Some(id), Some(version)) =
        (fields.get("template_id"), fields.get("version").and_then(|v| v.parse::<u32>().ok()))
    else {
        // The core says what is missing.
        return Ok(None);
    };
    let previous = match version.checked_sub(1).filter(|v| *v > 0) {
        Some(previous) => tx.record(&template_record_id(site, id, previous)).await?.is_some(),
        None => false,
    };
    Ok(check_next_version(id, version, previous).err().map(|reason| rejected("version_out_of_order", reason)))
}

/// The server's access rules before the core's merge rules: a known actor, a site
/// (and case) the actor may write to, and a role allowed to make this change. `None`
/// means go ahead. (Whether the operation is by its actor at all was judged before.)
async fn check(
    tx: &mut dyn PushTx,
    actors: &mut HashMap<StaffId, Option<Actor>>,
    kiosk_site: Option<&SiteId>,
    op: &Op,
    stored: Option<&portal_desk_core::Record>,
) -> Result<Option<Outcome>, DbError> {
    if let Some(kiosk_site) = kiosk_site {
        if let Some(reason) = access::kiosk_refusal(kiosk_site, op) {
            return Ok(Some(rejected("kiosk_create_only", reason)));
        }
    }
    if !actors.contains_key(&op.actor) {
        let actor = tx.actor(&op.device, &op.actor).await?;
        actors.insert(op.actor.clone(), actor);
    }
    let Some(actor) = actors.get(&op.actor).and_then(Option::as_ref) else {
        return Ok(Some(rejected(
            "unknown_actor",
            format!(
                "{} has never signed in on this device, so the server cannot accept changes in their name",
                op.actor
            ),
        )));
    };
    let site = match (&op.body, stored) {
        (OpBody::Create { site, .. }, None) => Some(site),
        (_, Some(record)) => Some(&record.site),
        // Anything but a create on a missing record: the core says "not found".
        (_, None) => None,
    };
    if let Some(site) = site {
        if !actor.sites.contains(site) {
            return Ok(Some(rejected(
                "forbidden",
                format!(
                    "You do not work at site {site}, so you cannot change its cases; ask an admin to add you to it"
                ),
            )));
        }
    }
    if let Some(record) = stored {
        if !access::may_read(&op.actor, actor.role, &actor.sites, record) {
            return Ok(Some(rejected(
                "forbidden",
                "This case is restricted: only supervisors, its creator and its owner may change it",
            )));
        }
    }
    if let Some(collection) = access::collection_of(op, stored).filter(|c| c.admin_permission().is_some()) {
        if let Some(reason) = access::admin_refusal(actor.role, collection) {
            return Ok(Some(rejected("forbidden", reason)));
        }
        if let Some(reason) = zones::site_zone_refusal(&op.body, collection) {
            return Ok(Some(rejected("unknown_time_zone", reason)));
        }
        if stored.is_none() {
            return version_refusal(tx, op).await;
        }
        return Ok(None);
    }
    Ok(access::write_refusal(&op.actor, actor.role, op, stored).map(|reason| rejected("forbidden", reason)))
}

/// One page of a pull: the visible records after `cursor`, at most `limit` of them,
/// paged by the core's [`pull_page`] (the cursor reaches the change log's head when the
/// page is not full, so records the caller may not see never make it ask again).
pub async fn pull(store: &dyn Store, viewer: &Viewer, cursor: u64, limit: usize) -> Result<PullResponse, DbError> {
    let page = store.changes_after(viewer, cursor, limit + 1).await?;
    Ok(pull_page(page.records, page.head, cursor, limit))
}
