//! Properties of the merge rules, checked on random inputs: the last-writer-wins
//! register merge is commutative, associative and idempotent, and a record reaches the
//! same field values, checklist steps, timeline and archive state whatever order the
//! same operations arrive in, and however often each arrives.
//!
//! Status is left out of the order property on purpose: it follows a state machine,
//! so its outcome depends on order by design, and the server's single order is what
//! makes it converge (see `tests/simulation.rs`).

use portal_desk_core::case::Collection;
use portal_desk_core::checklist::TICKED;
use portal_desk_core::{apply_op, DeviceId, Hlc, Op, OpBody, OpId, Record, RecordId, Register, StaffId};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn hlc(wall_ms: u64, counter: u32, device: u8) -> Hlc {
    Hlc { wall_ms, counter, device: DeviceId::from(format!("device-{device}")) }
}

fn register() -> impl Strategy<Value = Register> {
    (0u64..4, 0u32..3, 0u8..3, "[ab]{1,2}").prop_map(|(wall, counter, device, value)| Register {
        value,
        clock: hlc(wall, counter, device),
        by: StaffId::from(format!("staff-{device}")),
    })
}

/// Registers with distinct clocks, as every real write has: two writes with the same
/// clock are the same write.
fn distinct(registers: &[&Register]) -> bool {
    registers.iter().all(|a| registers.iter().all(|b| a.clock != b.clock || a == b))
}

const START_MS: u64 = 1_795_424_400_000;

fn create() -> Op {
    let fields = [("patient_name", "Ada Lovelace"), ("kind", "identity_verification")]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
    Op {
        id: OpId::from("create"),
        device: DeviceId::from("device-0"),
        seq: 1,
        hlc: hlc(START_MS, 0, 0),
        actor: StaffId::from("staff-0"),
        record: RecordId::from("case-1"),
        body: OpBody::Create { collection: Collection::Case, site: "riverside".into(), fields },
        signature: None,
    }
}

fn start_run() -> Op {
    Op {
        id: OpId::from("start"),
        seq: 2,
        hlc: hlc(START_MS, 1, 0),
        body: OpBody::StartChecklist { run: "sop".into(), template: "identity_verification_p9".into(), version: 1 },
        ..create()
    }
}

/// One edit of a field, a step with no preconditions, a note, or an archive, made on
/// one of three devices, replacing either nothing, the created value or some other
/// write's clock.
fn edit() -> impl Strategy<Value = (u8, u64, u8, u8, u8, u8)> {
    (0u8..3, 0u64..5, 0u8..10, 0u8..4, 0u8..3, 0u8..4)
}

fn build(index: usize, (device, wall, what, slot, value, replaces): (u8, u64, u8, u8, u8, u8)) -> Op {
    let clock = hlc(START_MS + 1 + wall, index as u32, device);
    // Replaces: nothing, the create's clock, or the clock another edit of this test uses.
    let replaces = match replaces {
        0 => None,
        1 => Some(hlc(START_MS, 0, 0)),
        n => Some(hlc(START_MS + 1 + u64::from(n), (index as u32 + 1) % 4, device)),
    };
    let body = match what {
        0..=4 => {
            let field = ["summary", "owner", "patient_name", "priority"][usize::from(slot)];
            let value = match field {
                "priority" => ["urgent", "high", "normal"][usize::from(value)].to_owned(),
                _ => format!("{field} {value}"),
            };
            OpBody::SetField { field: field.into(), value, replaces }
        }
        5..=7 => {
            let step = ["photo_id", "dob_confirmed", "nhs_number_matched", "address_confirmed"][usize::from(slot)];
            let value = match (step, value) {
                (_, 0) => String::new(),
                ("photo_id", 1) => "passport".into(),
                ("photo_id", _) => "driving_licence".into(),
                _ => TICKED.into(),
            };
            OpBody::SetStep { run: "sop".into(), step: step.into(), value, replaces }
        }
        8 => OpBody::AppendNote { text: format!("note {index}") },
        _ => OpBody::Archive,
    };
    Op {
        id: OpId::from(format!("op-{index}")),
        device: clock.device.clone(),
        seq: index as u64 + 3,
        hlc: clock,
        actor: StaffId::from(format!("staff-{device}")),
        record: RecordId::from("case-1"),
        body,
        signature: None,
    }
}

/// Applies operations in order from nothing, as the server would.
fn replay<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Record {
    let mut record = None;
    for op in ops {
        let (changed, _) = apply_op(record.clone(), op);
        if changed.is_some() {
            record = changed;
        }
    }
    record.expect("the create comes first")
}

/// The parts of a record that must not depend on delivery order.
type Converged = (BTreeMap<String, String>, BTreeMap<String, String>, Vec<OpId>, Option<Hlc>);

fn converged(record: &Record) -> Converged {
    let fields = record.fields.iter().map(|(k, r)| (k.clone(), r.value.clone())).collect();
    let steps = record.checklists["sop"].steps.iter().map(|(k, r)| (k.clone(), r.value.clone())).collect();
    let notes = record.timeline.iter().map(|e| e.op.clone()).collect();
    (fields, steps, notes, record.archived.clone())
}

fn scenario() -> impl Strategy<Value = (Vec<Op>, Vec<Op>)> {
    prop::collection::vec(edit(), 1..24).prop_flat_map(|edits| {
        let ops: Vec<Op> = edits.into_iter().enumerate().map(|(i, e)| build(i, e)).collect();
        (Just(ops.clone()), Just(ops).prop_shuffle())
    })
}

proptest! {
    #[test]
    fn register_merge_is_commutative(a in register(), b in register()) {
        prop_assume!(distinct(&[&a, &b]));
        prop_assert_eq!(a.clone().lww(b.clone()), b.lww(a));
    }

    #[test]
    fn register_merge_is_associative(a in register(), b in register(), c in register()) {
        prop_assume!(distinct(&[&a, &b, &c]));
        prop_assert_eq!(a.clone().lww(b.clone()).lww(c.clone()), a.lww(b.lww(c)));
    }

    #[test]
    fn register_merge_is_idempotent(a in register()) {
        prop_assert_eq!(a.clone().lww(a.clone()), a);
    }

    #[test]
    fn every_delivery_order_gives_the_same_values((ops, shuffled) in scenario()) {
        let prefix = [create(), start_run()];
        let in_order = replay(prefix.iter().chain(&ops));
        let reordered = replay(prefix.iter().chain(&shuffled));
        prop_assert_eq!(converged(&in_order), converged(&reordered));
    }

    #[test]
    fn delivering_every_operation_twice_changes_nothing((ops, shuffled) in scenario()) {
        let prefix = [create(), start_run()];
        let once = replay(prefix.iter().chain(&ops));
        let twice = replay(prefix.iter().chain(ops.iter().flat_map(|op| [op, op])));
        prop_assert_eq!(converged(&once), converged(&twice));
        // And a shuffled second delivery on top of the first.
        let again = replay(prefix.iter().chain(&ops).chain(&shuffled));
        prop_assert_eq!(converged(&once), converged(&again));
    }
}
