//! A new site's settings record, made by `site add` so that every site is editable
//! in the app from its first day: its time zone from the database, weekday opening
//! hours, and its division's bank holidays for the years ahead.
//!
//! The record is made as a tablet makes one — an operation by a named author, signed
//! by that author's credential on a device, pushed through [`crate::sync::push`] — so
//! it has a version, a timeline and an audit entry like any other. The author is the
//! server's own account ([`SERVER_EMAIL`]), an admin whose password hash is not a
//! hash, so nobody can ever sign in as it, and whose only sites are the ones it set
//! up. Each site gets its own one-operation device, so no sequence is shared.

use crate::auth;
use crate::db::{DbError, NewStaff, Role, Store};
use crate::keys::ServerKeys;
use crate::sync::{self, PushFailure, Pusher};
use crate::zones;
use portal_desk_core::bank_holidays::{bank_holidays, Division};
use portal_desk_core::calendar::{OpeningHours, SiteCalendar};
use portal_desk_core::case::Collection;
use portal_desk_core::date::CivilDate;
use portal_desk_core::signing::OpKey;
use portal_desk_core::site::{site_record_id, Site};
use portal_desk_core::{DeviceId, Hlc, Op, OpBody, Outcome, SiteId};

/// The server's own account, the author of what its command line sets up.
pub const SERVER_EMAIL: &str = "server@portal-desk.invalid";

/// How many years of bank holidays a new site starts with, this one included.
pub const BANK_HOLIDAY_YEARS: i32 = 10;

/// Why a site's settings could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The time-zone database has no such zone.
    #[error("there is no time zone called '{0}': use a name such as Europe/London")]
    UnknownZone(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The push was refused (a bug: the server's own settings are valid).
    #[error("the site's settings were not accepted: {0}")]
    Refused(String),
}

impl From<PushFailure> for SettingsError {
    fn from(failure: PushFailure) -> Self {
        match failure {
            PushFailure::Db(error) => SettingsError::Db(error),
            PushFailure::Protocol(error) => SettingsError::Refused(error.to_string()),
        }
    }
}

/// A new site's settings: open 08:00–18:00 on weekdays in `zone`, closed on the bank
/// holidays of `division` from last year for [`BANK_HOLIDAY_YEARS`].
pub fn new_site(id: &SiteId, name: &str, zone: &str, division: Division, now_ms: u64) -> Result<Site, SettingsError> {
    let zone = zones::expand(zone).ok_or_else(|| SettingsError::UnknownZone(zone.to_owned()))?;
    let this_year = CivilDate::from_ms(now_ms as i64, zone.offset_at(now_ms)).year();
    let mut calendar = SiteCalendar::weekdays(OpeningHours::new((8, 0), (18, 0)), zone);
    calendar.bank_holidays = bank_holidays(division, this_year - 1..=this_year + BANK_HOLIDAY_YEARS - 2);
    Ok(Site {
        id: id.clone(),
        name: name.to_owned(),
        calendar,
        daily_request_limit: None,
        request_limits: Default::default(),
    })
}

/// Stores `site`'s settings record in the name of the server's account.
pub async fn create_record(
    store: &dyn Store,
    keys: &ServerKeys,
    site: &Site,
    now_ms: u64,
) -> Result<(), SettingsError> {
    let author = match store.staff_credentials(SERVER_EMAIL).await? {
        Some(existing) => {
            let mut sites: Vec<SiteId> = store
                .staff_profile(&existing.id)
                .await?
                .map(|p| p.sites.into_iter().map(|s| s.id).collect())
                .unwrap_or_default();
            sites.push(site.id.clone());
            let audit = crate::audit::AuditEntry::new(
                now_ms,
                "set_sites",
                serde_json::json!({ "email": SERVER_EMAIL, "sites": sites, "why": "site add" }),
            );
            store.set_staff_sites(SERVER_EMAIL, &sites, &audit).await?;
            existing.id
        }
        None => {
            let id = portal_desk_core::StaffId::from(auth::new_id());
            let account = NewStaff {
                id: id.clone(),
                email: SERVER_EMAIL.to_owned(),
                name: "Portal Desk server".to_owned(),
                role: Role::Admin,
                password_hash: "no password: this account cannot sign in".to_owned(),
                sites: vec![site.id.clone()],
            };
            store.add_staff(&account, now_ms).await?;
            id
        }
    };
    let device = DeviceId::from(format!("server-site-add-{}", site.id));
    let credential = store.register_device_staff(&device, &author, now_ms, &auth::new_id()).await?;
    let key = OpKey {
        credential: credential.clone(),
        staff: author.clone(),
        key: hex::encode(*keys.credential_key(&credential)),
    };
    let mut op = Op {
        id: auth::new_id().into(),
        device: device.clone(),
        seq: 1,
        hlc: Hlc { wall_ms: now_ms, counter: 0, device: device.clone() },
        actor: author.clone(),
        record: site_record_id(&site.id),
        body: OpBody::Create { collection: Collection::Site, site: site.id.clone(), fields: site.to_fields() },
        signature: None,
    };
    key.sign(&mut op).map_err(|e| SettingsError::Refused(e.to_string()))?;
    let pusher = Pusher { staff: author, device, kiosk_site: None };
    let (response, _) = sync::push(store, keys, &pusher, &[op], now_ms).await?;
    match response.results.first().map(|r| &r.outcome) {
        Some(Outcome::Applied) => Ok(()),
        other => Err(SettingsError::Refused(format!("{other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_site_keeps_london_time_and_ten_years_of_bank_holidays() {
        let now = 1_796_385_600_000; // 4 December 2026
        let site = new_site(&"riverside".into(), "Riverside Clinic", "Europe/London", Division::Scotland, now).unwrap();
        assert_eq!(site.calendar.zone.name, "Europe/London");
        let first = site.calendar.bank_holidays.first().unwrap();
        let last = site.calendar.bank_holidays.last().unwrap();
        assert_eq!((first.to_string().as_str(), last.to_string().as_str()), ("2025-01-01", "2034-12-26"));
        assert!(site.calendar.bank_holidays.contains(&"2026-11-30".parse().unwrap()), "St Andrew's Day");
        assert!(
            portal_desk_core::site::validate_site_field("bank_holidays", &site.to_fields()["bank_holidays"]).is_ok()
        );
        assert!(matches!(
            new_site(&"x".into(), "X", "Mars/Olympus", Division::Scotland, now),
            Err(SettingsError::UnknownZone(_))
        ));
    }
}
