//! Whether the server believes an operation is what it claims to be, before any rule
//! about what it does: well-formed ids, a clock that is the pushing device's own and
//! plausible, an id no other change has, and a signature by the credential of the
//! person it names on the device that sent it.
//!
//! The answer is one of three: believe it (go on to the access rules and the merge),
//! refuse it (a stable code and a sentence; forgeries and impersonation are also
//! security events, audited and counted), or hold it for a supervisor (an operation
//! that is probably genuine but cannot be proven: queued before the device could sign,
//! or by someone since deactivated or whose credential was revoked).

use crate::db::{CredentialRow, DbError, DeviceTrust, PushTx};
use crate::keys::ServerKeys;
use portal_desk_core::hlc::{check_drift, MAX_DRIFT_MS};
use portal_desk_core::ids::check_id;
use portal_desk_core::signing::verify_op;
use portal_desk_core::Op;
use std::collections::HashMap;
use zeroize::Zeroizing;

/// What the server makes of an operation's claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Believed: go on to the access rules.
    Believe,
    /// Kept but not applied until a supervisor decides.
    Hold {
        /// A stable code.
        code: &'static str,
        /// A sentence for the person who made the change.
        reason: String,
    },
    /// Refused for good.
    Refuse {
        /// A stable code.
        code: &'static str,
        /// A sentence for the person who made the change.
        reason: String,
        /// Whether it tried to pass as someone or something it is not.
        security: bool,
        /// Whether its id may be recorded as used (not when another change has it).
        keep_id: bool,
    },
}

fn refuse(code: &'static str, reason: impl Into<String>, security: bool) -> Verdict {
    Verdict::Refuse { code, reason: reason.into(), security, keep_id: true }
}

/// A credential as found, with its key.
type KeyedCredential = (CredentialRow, Zeroizing<[u8; 32]>);

/// What one push looks up once: the pushing device, and each credential named.
pub struct TrustCache<'k> {
    keys: &'k ServerKeys,
    device: Option<Option<DeviceTrust>>,
    credentials: HashMap<String, Option<KeyedCredential>>,
}

impl<'k> TrustCache<'k> {
    /// An empty cache for one push, verifying under `keys`.
    pub fn new(keys: &'k ServerKeys) -> Self {
        Self { keys, device: None, credentials: HashMap::new() }
    }

    async fn device(&mut self, tx: &mut dyn PushTx, op: &Op) -> Result<Option<&DeviceTrust>, DbError> {
        if self.device.is_none() {
            self.device = Some(tx.device_trust(&op.device).await?);
        }
        Ok(self.device.as_ref().and_then(Option::as_ref))
    }

    async fn credential(&mut self, tx: &mut dyn PushTx, id: &str) -> Result<Option<&KeyedCredential>, DbError> {
        if !self.credentials.contains_key(id) {
            let found = tx.credential(id).await?.map(|row| (row, self.keys.credential_key(id)));
            self.credentials.insert(id.to_owned(), found);
        }
        Ok(self.credentials.get(id).and_then(Option::as_ref))
    }
}

/// Judges `op`, pushed by its own device (the push planner has checked `op.device`),
/// at the server's time `now_ms`.
pub async fn judge(tx: &mut dyn PushTx, cache: &mut TrustCache<'_>, op: &Op, now_ms: u64) -> Result<Verdict, DbError> {
    for (what, id) in [("operation", op.id.as_str()), ("record", op.record.as_str())] {
        if let Err(problem) = check_id(id) {
            return Ok(Verdict::Refuse {
                code: "invalid_id",
                reason: format!("The {what} id {problem}; this change was not applied"),
                security: false,
                keep_id: false,
            });
        }
    }
    if op.hlc.device != op.device {
        return Ok(refuse(
            "clock_of_another_device",
            format!("This change's clock names device {} instead of the device that made it", op.hlc.device),
            true,
        ));
    }
    if let Err(error) = check_drift(&op.hlc, now_ms) {
        return Ok(refuse("clock_ahead", error.to_string(), false));
    }
    let registered_at_ms = cache.device(tx, op).await?.map_or(now_ms, |d| d.registered_at_ms);
    if op.hlc.wall_ms.saturating_add(MAX_DRIFT_MS) < registered_at_ms {
        return Ok(refuse(
            "clock_before_registration",
            "This change's clock is before this device first signed in, so it cannot have been made here. \
             Set the device's date and time correctly; changes made from now on will be accepted.",
            false,
        ));
    }
    if let Some(owner) = tx.op_id_owner(op.id.as_str()).await? {
        let (code, reason) = if owner == op.device {
            ("duplicate_op_id", format!("Operation id {} was already used by another change from this device", op.id))
        } else {
            ("op_id_taken", format!("Operation id {} belongs to a change from another device", op.id))
        };
        return Ok(Verdict::Refuse {
            code,
            reason: format!("{reason}; this change was not applied"),
            security: owner != op.device,
            keep_id: false,
        });
    }
    signature_verdict(tx, cache, op).await
}

async fn signature_verdict(tx: &mut dyn PushTx, cache: &mut TrustCache<'_>, op: &Op) -> Result<Verdict, DbError> {
    let Some(signature) = &op.signature else {
        let device = cache.device(tx, op).await?;
        // A device with no secret runs an app from before signing; one with a secret
        // signs everything it made after it got it.
        let queued_before_upgrade = device.is_none_or(|d| {
            d.secret_bound_at_ms.is_none() || d.unsigned_through.is_some_and(|through| op.seq <= through)
        });
        return Ok(if queued_before_upgrade {
            Verdict::Hold {
                code: "unsigned_before_upgrade",
                reason: "This change was made before this device could sign changes, so the server cannot prove \
                         who made it. It is kept, and a supervisor will accept or reject it."
                    .into(),
            }
        } else {
            refuse("unsigned", "This change is not signed, so the server cannot tell who made it", true)
        });
    };
    let Some((credential, key)) = cache.credential(tx, &signature.credential).await? else {
        return Ok(refuse(
            "unknown_credential",
            "This change is signed with a credential the server never issued",
            true,
        ));
    };
    if credential.staff != op.actor || credential.device != op.device {
        return Ok(refuse(
            "not_signed_by_author",
            "This change names one person as its author but is signed with someone else's credential",
            true,
        ));
    }
    if !verify_op(op, key) {
        return Ok(refuse(
            "bad_signature",
            "This change's signature does not match it: it was altered or forged",
            true,
        ));
    }
    if !credential.staff_active {
        return Ok(Verdict::Hold {
            code: "author_deactivated",
            reason: "The person who made this change no longer has an active account, so it is kept for a \
                     supervisor to accept or reject"
                .into(),
        });
    }
    if credential.revoked {
        return Ok(Verdict::Hold {
            code: "credential_revoked",
            reason: "The credential this change was signed with has been revoked, so it is kept for a supervisor \
                     to accept or reject"
                .into(),
        });
    }
    Ok(Verdict::Believe)
}
