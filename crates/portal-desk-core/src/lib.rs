//! The pure core of Portal Desk: everything the app and the sync server must agree on.
//!
//! Nothing in this crate performs I/O or reads a clock: callers pass the current time
//! in, so every rule is tested natively in milliseconds and behaves the same in the
//! browser (wasm) and on the server.
//!
//! Where to look:
//! - Sync spine: [`ids`], [`hlc`] (hybrid logical clocks), [`op`] (operations),
//!   [`record`] (records and the merge rules, entered through [`apply_op`]),
//!   [`protocol`] (messages and the server's pure decisions) and [`protocol::client`]
//!   (the device's state machine).
//! - Vocabulary and model: [`case`] (kinds, statuses, fields), [`patient`], [`staff`]
//!   (roles and permissions), [`site`] (sites, devices, capacity), [`checklist`] and
//!   [`templates`] (the standard operating procedures), [`catalog`] (a site's published
//!   template versions), [`kpi`] (sign-ups per day), [`dashboard`] (the supervisor's figures, with CSV that
//!   matches the screen), [`cross_cover`] (handing an absent colleague's cases on), [`summary`] (a case in
//!   brief, for lists).
//! - Rules of the field: [`nhs_number`], [`validate`], [`identity`] (P0/P5/P9),
//!   [`proxy`] (legal routes by age), [`duplicates`].
//! - Time: [`date`] (civil dates without a date crate), [`calendar`] (site opening
//!   hours, bank holidays, closures) and [`sla`] (service-level clocks, 7-day sign-off).

pub mod bank_holidays;
pub mod calendar;
pub mod case;
pub mod catalog;
pub mod checklist;
pub mod cross_cover;
pub mod csv;
pub mod dashboard;
pub mod date;
pub mod duplicates;
pub mod hlc;
pub mod identity;
pub mod ids;
pub mod kpi;
pub mod nhs_number;
pub mod op;
pub mod patient;
pub mod protocol;
pub mod proxy;
pub mod qr;
pub mod record;
pub mod self_registration;
pub mod signing;
pub mod site;
pub mod sla;
pub mod staff;
pub mod summary;
pub mod templates;
pub mod validate;
pub mod zone;

pub use hlc::{Clock, ClockError, Hlc};
pub use ids::{DeviceId, OpId, RecordId, SiteId, StaffId};
pub use op::{Op, OpBody};
pub use record::{apply_op, apply_op_in, Conflict, Outcome, Record, Register, TimelineEntry};
