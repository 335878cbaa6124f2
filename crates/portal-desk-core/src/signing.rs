//! Signatures that prove who made a change: every operation (and every reported view of
//! a patient's case) is signed on the device with the operation key of the member of
//! staff who made it, and the server checks it before believing the operation's
//! `actor`.
//!
//! An operation key belongs to one person on one device (a **credential**): the server
//! issues it at that person's online sign-in there, and the device keeps it sealed in
//! that person's PIN slot, so only their PIN, or their own sign-in, brings it back into
//! memory. The signature is HMAC-SHA256 under that key over the operation's canonical
//! bytes ([`op_signing_bytes`]): its id, device, sequence number, clock, actor, record
//! and body, and the credential's id. HMAC rather than a key pair because the server
//! verifies tens of thousands of operations a second on two cores and a MAC costs it a
//! microsecond; the server does not store the keys either, it derives each from its own
//! secret and the credential's id (see the server's `keys` module), so a copy of the
//! database signs nothing.
//!
//! The canonical bytes are the JSON of a fixed tuple, written by `serde_json` from the
//! typed values on both sides (never the bytes as received), so the app in wasm and the
//! server natively produce the same bytes for the same operation.

use crate::ids::{DeviceId, RecordId, StaffId};
use crate::op::Op;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The longest credential id accepted (the server mints 32 hex characters).
pub const MAX_CREDENTIAL_CHARS: usize = 64;

/// A signature on an operation or a view: which credential made it, and the MAC.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// The credential's id, as the server issued it.
    pub credential: String,
    /// HMAC-SHA256 of the canonical bytes under the credential's key, 64 hex characters.
    pub mac: String,
}

/// One person's operation key on one device, as the device holds it in memory while
/// that person has it unlocked.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpKey {
    /// The credential's id.
    pub credential: String,
    /// Whose key it is.
    pub staff: StaffId,
    /// The key, 64 hex characters as the server sent it.
    pub key: String,
}

impl std::fmt::Debug for OpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("OpKey").field("credential", &self.credential).field("staff", &self.staff).finish()
    }
}

/// Why a signature was not made or does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// The key is not 64 hex characters.
    #[error("the operation key is not 64 hex characters")]
    BadKey,
    /// The key is someone else's: a device signs only its own person's changes.
    #[error("this operation key belongs to {key_holder}, not to {actor}")]
    NotTheActor {
        /// The key's owner.
        key_holder: StaffId,
        /// Who the change names.
        actor: StaffId,
    },
}

/// The bytes an operation's signature covers.
pub fn op_signing_bytes(op: &Op, credential: &str) -> Vec<u8> {
    let hlc = &op.hlc;
    let parts = (
        "portal-desk op v1",
        credential,
        &op.id,
        &op.device,
        op.seq,
        (hlc.wall_ms, hlc.counter, &hlc.device),
        &op.actor,
        &op.record,
        &op.body,
    );
    serde_json::to_vec(&parts).expect("an operation always serialises")
}

/// A view of a record, as a device reports it for the audit log.
#[derive(Clone, Copy, Debug)]
pub struct ViewFacts<'a> {
    /// The view's id, minted on the device.
    pub id: &'a str,
    /// The device it happened on.
    pub device: &'a DeviceId,
    /// The record looked at.
    pub record: &'a RecordId,
    /// Who looked.
    pub by: &'a StaffId,
    /// When, on the device's clock.
    pub at_ms: u64,
    /// The reason for access given, if one was asked for.
    pub reason: Option<&'a str>,
}

/// The bytes a view's signature covers.
pub fn view_signing_bytes(view: &ViewFacts<'_>, credential: &str) -> Vec<u8> {
    let parts =
        ("portal-desk view v1", credential, view.id, view.device, view.record, view.by, view.at_ms, view.reason);
    serde_json::to_vec(&parts).expect("a view always serialises")
}

fn decode_key(hex_key: &str) -> Option<[u8; 32]> {
    let mut key = [0u8; 32];
    hex::decode_to_slice(hex_key, &mut key).ok()?;
    Some(key)
}

fn mac_of(key: &[u8; 32], bytes: &[u8]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(bytes);
    mac
}

impl OpKey {
    /// Signs `op`, which must name this key's holder as its actor.
    pub fn sign(&self, op: &mut Op) -> Result<(), SigningError> {
        if op.actor != self.staff {
            return Err(SigningError::NotTheActor { key_holder: self.staff.clone(), actor: op.actor.clone() });
        }
        let key = decode_key(&self.key).ok_or(SigningError::BadKey)?;
        let mac = mac_of(&key, &op_signing_bytes(op, &self.credential)).finalize().into_bytes();
        op.signature = Some(Signature { credential: self.credential.clone(), mac: hex::encode(mac) });
        Ok(())
    }

    /// A signature for a view by this key's holder.
    pub fn sign_view(&self, view: &ViewFacts<'_>) -> Result<Signature, SigningError> {
        if view.by != &self.staff {
            return Err(SigningError::NotTheActor { key_holder: self.staff.clone(), actor: view.by.clone() });
        }
        let key = decode_key(&self.key).ok_or(SigningError::BadKey)?;
        let mac = mac_of(&key, &view_signing_bytes(view, &self.credential)).finalize().into_bytes();
        Ok(Signature { credential: self.credential.clone(), mac: hex::encode(mac) })
    }
}

/// Whether `signature` is a MAC of `bytes` under `key` (compared in constant time).
pub fn verify(key: &[u8; 32], bytes: &[u8], signature: &Signature) -> bool {
    let mut expected = [0u8; 32];
    if hex::decode_to_slice(&signature.mac, &mut expected).is_err() {
        return false;
    }
    mac_of(key, bytes).verify_slice(&expected).is_ok()
}

/// Whether `op` carries a valid signature under `key` by the credential it names.
pub fn verify_op(op: &Op, key: &[u8; 32]) -> bool {
    op.signature.as_ref().is_some_and(|signature| verify(key, &op_signing_bytes(op, &signature.credential), signature))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Hlc;
    use crate::op::OpBody;

    fn key(staff: &str, byte: u8) -> OpKey {
        OpKey { credential: format!("cred-{staff}"), staff: staff.into(), key: hex::encode([byte; 32]) }
    }

    fn note(actor: &str) -> Op {
        Op {
            id: "op-1".into(),
            device: "tablet".into(),
            seq: 3,
            hlc: Hlc { wall_ms: 1_700_000_000_000, counter: 2, device: "tablet".into() },
            actor: actor.into(),
            record: "case-1".into(),
            body: OpBody::AppendNote { text: "Rang back \u{1F4DE} \"quoted\"".into() },
            signature: None,
        }
    }

    #[test]
    fn a_signed_operation_verifies_under_its_key_only() {
        let asha = key("asha", 1);
        let mut op = note("asha");
        asha.sign(&mut op).unwrap();
        assert!(verify_op(&op, &[1; 32]));
        assert!(!verify_op(&op, &[2; 32]), "another key does not verify it");
        assert!(!verify_op(&note("asha"), &[1; 32]), "an unsigned operation does not verify");
    }

    #[test]
    fn every_part_of_an_operation_is_covered() {
        let asha = key("asha", 1);
        let mut signed = note("asha");
        asha.sign(&mut signed).unwrap();
        let tampered: [fn(&mut Op); 10] = [
            |op: &mut Op| op.id = "op-2".into(),
            |op: &mut Op| op.device = "other".into(),
            |op: &mut Op| op.seq += 1,
            |op: &mut Op| op.hlc.wall_ms += 1,
            |op: &mut Op| op.hlc.counter += 1,
            |op: &mut Op| op.hlc.device = "other".into(),
            |op: &mut Op| op.actor = "ben".into(),
            |op: &mut Op| op.record = "case-2".into(),
            |op: &mut Op| op.body = OpBody::AppendNote { text: "Something else".into() },
            |op: &mut Op| op.signature.as_mut().unwrap().credential = "cred-ben".into(),
        ];
        for (i, tamper) in tampered.iter().enumerate() {
            let mut op = signed.clone();
            tamper(&mut op);
            assert!(!verify_op(&op, &[1; 32]), "change {i} went unnoticed");
        }
    }

    #[test]
    fn a_key_signs_only_its_holders_changes() {
        let mut op = note("asha");
        let refused = key("ben", 2).sign(&mut op).unwrap_err();
        assert_eq!(refused, SigningError::NotTheActor { key_holder: "ben".into(), actor: "asha".into() });
        assert_eq!(op.signature, None);
    }

    #[test]
    fn the_signature_survives_a_round_trip_through_json() {
        let mut op = note("asha");
        key("asha", 1).sign(&mut op).unwrap();
        let back: Op = serde_json::from_str(&serde_json::to_string(&op).unwrap()).unwrap();
        assert!(verify_op(&back, &[1; 32]));
    }

    #[test]
    fn views_are_signed_over_every_fact() {
        let asha = key("asha", 1);
        let (device, record, by) = (DeviceId::from("tablet"), RecordId::from("case-1"), StaffId::from("asha"));
        let view = ViewFacts {
            id: "v1",
            device: &device,
            record: &record,
            by: &by,
            at_ms: 5,
            reason: Some("Safeguarding review"),
        };
        let signature = asha.sign_view(&view).unwrap();
        assert!(verify(&[1; 32], &view_signing_bytes(&view, &signature.credential), &signature));
        let later = ViewFacts { at_ms: 6, ..view };
        assert!(!verify(&[1; 32], &view_signing_bytes(&later, &signature.credential), &signature));
        let ben = StaffId::from("ben");
        assert!(asha.sign_view(&ViewFacts { by: &ben, ..view }).is_err());
    }
}
