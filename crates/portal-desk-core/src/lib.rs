//! The pure core of Portal Desk: everything the app and the sync server must agree on.
//!
//! Nothing in this crate performs I/O or reads a clock: callers pass the current time
//! in, so every rule is tested natively in milliseconds and behaves the same in the
//! browser (wasm) and on the server.

pub mod calendar;
pub mod case;
pub mod checklist;
pub mod date;
pub mod duplicates;
pub mod hlc;
pub mod identity;
pub mod ids;
pub mod nhs_number;
pub mod op;
pub mod patient;
pub mod protocol;
pub mod proxy;
pub mod record;
pub mod site;
pub mod sla;
pub mod staff;
pub mod templates;
pub mod validate;

pub use hlc::{Clock, ClockError, Hlc};
pub use ids::{DeviceId, OpId, RecordId, SiteId, StaffId};
pub use op::{Op, OpBody};
pub use record::{apply_op, Conflict, Outcome, Record, Register, TimelineEntry};
