//! Fuzzes what the server does with a push body before and without the database: the
//! strict JSON decoder, push planning against a last sequence number, the write checks
//! and the core's merge — and that every record survives the JSON round trip the
//! stores make. Nothing here may panic, whatever the bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use portal_desk_core::protocol::{plan_push, PushRequest, PushStep};
use portal_desk_core::{apply_op, Record, RecordId};
use portal_desk_server::access::{kiosk_refusal, write_refusal};
use portal_desk_server::db::Role;
use portal_desk_server::http::extract::decode_json;
use std::collections::HashMap;

fuzz_target!(|data: &[u8]| {
    let Ok(request) = decode_json::<PushRequest>(data) else { return };
    let last_applied = u64::from(data.first().copied().unwrap_or(0) % 4);
    let Ok(steps) = plan_push(&request.device, last_applied, &request.ops) else { return };
    let mut records: HashMap<RecordId, Record> = HashMap::new();
    let mut version = 0;
    for step in steps {
        let PushStep::Apply(op) = step else { continue };
        let stored = records.get(&op.record).cloned();
        for role in [Role::Analyst, Role::Supervisor, Role::Admin] {
            let _ = write_refusal(&op.actor, role, op, stored.as_ref());
        }
        let _ = kiosk_refusal(&"riverside".into(), op);
        let (changed, _) = apply_op(stored, op);
        if let Some(mut record) = changed {
            version += 1;
            record.version = version;
            records.insert(op.record.clone(), record);
        }
    }
    for record in records.values() {
        let text = serde_json::to_string(record).expect("a record encodes");
        let back: Record = serde_json::from_str(&text).expect("a stored record decodes");
        assert_eq!(&back, record, "a record changed in the JSON round trip");
    }
});
