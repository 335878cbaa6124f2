//! Views of patient data for the audit log: each time a person opens a case the device
//! notes who looked at which record and when, keeps it in IndexedDB, and reports it to
//! the server like any change (`POST /api/v1/audit/views`), so views made offline are
//! audited too.

use portal_desk_core::{DeviceId, RecordId, StaffId};
use serde::{Deserialize, Serialize};

/// The most views sent in one report (the server takes up to 500).
pub const MAX_VIEWS_BATCH: u32 = 200;

/// One view of a record, as the server's audit takes it, and as kept on the device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// Minted on the device, so a report sent twice is audited once.
    pub id: String,
    /// The record looked at.
    pub record: RecordId,
    /// Who looked.
    pub by: StaffId,
    /// When, on the device's clock.
    pub at_ms: u64,
    /// Why the person opened the record, when the app asked (restricted cases:
    /// safeguarding and complaints); it goes to the audit log with the view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The viewer's signature with their operation key, made when the view is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<portal_desk_core::signing::Signature>,
    /// Kept on the device only: why the server would not audit the view. `None` while
    /// it waits to be reported (and then it is not sent: the server takes no such field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

impl View {
    /// `by` looking at `record` now, under a fresh id, for `reason` if one was asked.
    pub fn now(record: RecordId, by: StaffId, reason: Option<String>) -> View {
        View {
            id: crate::browser::new_uuid(),
            record,
            by,
            at_ms: crate::browser::now_ms(),
            reason,
            signature: None,
            refused: None,
        }
    }
}

/// A report of views from this device.
#[derive(Clone, Debug, Serialize)]
pub struct ViewReport<'a> {
    /// This device (the token's).
    pub device: &'a DeviceId,
    /// The views, all waiting ones.
    pub views: &'a [View],
}

/// A view the server will not audit, and why.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RefusedView {
    /// The view's id.
    pub view: String,
    /// Why.
    pub reason: String,
}

/// The part of the server's answer the device acts on: every view not refused was
/// audited, now or by an earlier report, and can go (the counts are not needed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ViewsRecorded {
    /// Views that cannot be audited; never to be sent again.
    pub refused: Vec<RefusedView>,
}
