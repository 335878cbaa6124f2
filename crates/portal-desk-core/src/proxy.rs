//! The proxy-access rules engine: which legal routes allow someone to act for a patient,
//! by the patient's age on the day of the request, and when the access must be reviewed.
//!
//! Under 11 a person with parental responsibility may have access, and it is restricted
//! automatically at the 11th birthday; from 11 to 15 access is decided case by case on
//! the child's competence (Gillick); from 16 the patient consents, or someone holds a
//! health and welfare lasting power of attorney, is a court-appointed deputy, or a
//! best-interests decision has been made.

use crate::date::CivilDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The age bands the rules are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    /// 0 to 10.
    UnderEleven,
    /// 11 to 15.
    ElevenToFifteen,
    /// 16 and over.
    SixteenAndOver,
}

impl AgeBand {
    /// The band for an age in whole years.
    pub fn for_age(age: i32) -> Self {
        match age {
            ..=10 => Self::UnderEleven,
            11..=15 => Self::ElevenToFifteen,
            _ => Self::SixteenAndOver,
        }
    }

    /// The plain-English label.
    pub fn label(self) -> &'static str {
        match self {
            Self::UnderEleven => "Under 11",
            Self::ElevenToFifteen => "11 to 15",
            Self::SixteenAndOver => "16 and over",
        }
    }
}

/// The legal basis on which a proxy acts for the patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalRoute {
    /// A person with parental responsibility, for a child under 11.
    ParentalResponsibility,
    /// A competent child aged 11–15 agrees (or the clinician judges they lack
    /// competence and access is in their interest): decided case by case.
    GillickAssessment,
    /// The patient, 16 or over, consents.
    PatientConsent,
    /// A registered lasting power of attorney for health and welfare.
    LastingPowerOfAttorney,
    /// A deputy appointed by the Court of Protection for health and welfare.
    CourtAppointedDeputy,
    /// A recorded best-interests decision for a patient who lacks capacity.
    BestInterestsDecision,
}

impl LegalRoute {
    /// Every route, in the order offered to staff.
    pub const ALL: [LegalRoute; 6] = [
        Self::ParentalResponsibility,
        Self::GillickAssessment,
        Self::PatientConsent,
        Self::LastingPowerOfAttorney,
        Self::CourtAppointedDeputy,
        Self::BestInterestsDecision,
    ];

    /// The stable code stored in checklist steps.
    pub fn code(self) -> &'static str {
        match self {
            Self::ParentalResponsibility => "parental_responsibility",
            Self::GillickAssessment => "gillick_assessment",
            Self::PatientConsent => "patient_consent",
            Self::LastingPowerOfAttorney => "lasting_power_of_attorney",
            Self::CourtAppointedDeputy => "court_appointed_deputy",
            Self::BestInterestsDecision => "best_interests_decision",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The plain-English label.
    pub fn label(self) -> &'static str {
        match self {
            Self::ParentalResponsibility => "Parental responsibility",
            Self::GillickAssessment => "Competence assessed case by case (Gillick)",
            Self::PatientConsent => "Patient's consent",
            Self::LastingPowerOfAttorney => "Lasting power of attorney (health and welfare)",
            Self::CourtAppointedDeputy => "Court-appointed deputy",
            Self::BestInterestsDecision => "Best-interests decision",
        }
    }

    /// The routes open in an age band.
    pub fn allowed_for(band: AgeBand) -> &'static [LegalRoute] {
        match band {
            AgeBand::UnderEleven => &[Self::ParentalResponsibility],
            AgeBand::ElevenToFifteen => &[Self::GillickAssessment],
            AgeBand::SixteenAndOver => &[
                Self::PatientConsent,
                Self::LastingPowerOfAttorney,
                Self::CourtAppointedDeputy,
                Self::BestInterestsDecision,
            ],
        }
    }
}

/// What the rules say about a proxy request for one patient on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyAssessment {
    /// The patient's age on the request date, in whole years.
    pub age: i32,
    /// Their age band.
    pub band: AgeBand,
    /// The routes open to the request.
    pub allowed_routes: Vec<LegalRoute>,
    /// The date by which the access must be reviewed, if the rules set one.
    pub review_on: Option<CivilDate>,
    /// Why that date, for staff.
    pub review_reason: Option<String>,
}

/// Why a proxy request cannot go ahead as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ProxyError {
    /// The request is dated before the patient was born.
    #[error("The request date {request} is before the patient's date of birth {born}: check both dates")]
    BeforeBirth {
        /// The request date.
        request: CivilDate,
        /// The date of birth.
        born: CivilDate,
    },
    /// The route chosen is not open at the patient's age.
    #[error("{route} does not apply to a patient aged {age} ({band}); use: {allowed}")]
    RouteNotAllowed {
        /// The route chosen.
        route: &'static str,
        /// The patient's age.
        age: i32,
        /// The band's label.
        band: &'static str,
        /// The routes that do apply.
        allowed: String,
    },
}

/// Assesses a proxy request made on `request` for a patient born on `born`.
pub fn assess_proxy(born: CivilDate, request: CivilDate) -> Result<ProxyAssessment, ProxyError> {
    if request < born {
        return Err(ProxyError::BeforeBirth { request, born });
    }
    let age = born.years_until(request);
    let band = AgeBand::for_age(age);
    // A 29 February birthday falls on 1 March in common years (see CivilDate::add_years).
    let (review_on, review_reason) = match band {
        AgeBand::UnderEleven => (
            Some(born.add_years(11)),
            Some("Access is restricted automatically on the patient's 11th birthday".to_owned()),
        ),
        AgeBand::ElevenToFifteen => (
            Some(born.add_years(16)),
            Some("At 16 the patient's own consent is needed for access to continue".to_owned()),
        ),
        AgeBand::SixteenAndOver => (None, None),
    };
    Ok(ProxyAssessment { age, band, allowed_routes: LegalRoute::allowed_for(band).to_vec(), review_on, review_reason })
}

/// Checks that `route` is open for a request made on `request` for a patient born on
/// `born`, and returns the assessment.
pub fn check_route(born: CivilDate, request: CivilDate, route: LegalRoute) -> Result<ProxyAssessment, ProxyError> {
    let assessment = assess_proxy(born, request)?;
    if !assessment.allowed_routes.contains(&route) {
        let allowed = assessment.allowed_routes.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ");
        return Err(ProxyError::RouteNotAllowed {
            route: route.label(),
            age: assessment.age,
            band: assessment.band.label(),
            allowed,
        });
    }
    Ok(assessment)
}

/// How many days before a child's 11th birthday staff are warned that their proxy's
/// access is about to be restricted.
pub const ELEVENTH_BIRTHDAY_WARNING_DAYS: i64 = 30;

/// The warning to show on a proxy-access case on `today`, if the child turns 11 within
/// [`ELEVENTH_BIRTHDAY_WARNING_DAYS`] (or already has, and the access still needs
/// reviewing), so that the family hears of it before the access changes.
pub fn eleventh_birthday_warning(born: CivilDate, today: CivilDate) -> Option<String> {
    let birthday = born.add_years(11);
    let days = birthday.days_since_epoch() - today.days_since_epoch();
    match days {
        d if d > ELEVENTH_BIRTHDAY_WARNING_DAYS => None,
        d if d > 0 => Some(format!(
            "The patient turns 11 on {birthday} ({d} days): proxy access will be restricted automatically; \
             contact the family about the child's own access"
        )),
        0 => Some("The patient turns 11 today: proxy access is now restricted; review it with the child".to_owned()),
        _ if born.years_until(today) < 16 => Some(format!(
            "The patient turned 11 on {birthday}: proxy access must now be decided on the child's competence"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> CivilDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_ten_year_old_needs_parental_responsibility_until_the_eleventh_birthday() {
        let assessment = assess_proxy(date("2015-06-15"), date("2026-06-14")).unwrap();
        assert_eq!(assessment.age, 10);
        assert_eq!(assessment.band, AgeBand::UnderEleven);
        assert_eq!(assessment.allowed_routes, [LegalRoute::ParentalResponsibility]);
        assert_eq!(assessment.review_on, Some(date("2026-06-15")));
    }

    #[test]
    fn on_the_eleventh_birthday_competence_is_assessed_case_by_case() {
        let assessment = assess_proxy(date("2015-06-15"), date("2026-06-15")).unwrap();
        assert_eq!(assessment.band, AgeBand::ElevenToFifteen);
        assert_eq!(assessment.allowed_routes, [LegalRoute::GillickAssessment]);
        assert_eq!(assessment.review_on, Some(date("2031-06-15")));
    }

    #[test]
    fn from_sixteen_consent_or_legal_authority_applies() {
        let assessment = assess_proxy(date("2010-01-31"), date("2026-01-31")).unwrap();
        assert_eq!(assessment.band, AgeBand::SixteenAndOver);
        assert_eq!(assessment.allowed_routes.len(), 4);
        assert!(assessment.allowed_routes.contains(&LegalRoute::LastingPowerOfAttorney));
        assert_eq!(assessment.review_on, None);
    }

    #[test]
    fn a_leap_day_child_turns_eleven_on_first_of_march_in_a_common_year() {
        let born = date("2016-02-29");
        let day_before = assess_proxy(born, date("2027-02-28")).unwrap();
        assert_eq!(day_before.band, AgeBand::UnderEleven);
        assert_eq!(day_before.review_on, Some(date("2027-03-01")));
        assert_eq!(assess_proxy(born, date("2027-03-01")).unwrap().band, AgeBand::ElevenToFifteen);
    }

    #[test]
    fn a_route_outside_the_age_band_is_refused_with_the_routes_that_apply() {
        let err = check_route(date("2012-09-01"), date("2026-11-22"), LegalRoute::ParentalResponsibility).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Parental responsibility does not apply to a patient aged 14 (11 to 15); use: Competence assessed case by case (Gillick)"
        );
        assert!(check_route(date("1940-03-03"), date("2026-11-22"), LegalRoute::CourtAppointedDeputy).is_ok());
    }

    #[test]
    fn a_request_before_birth_is_refused() {
        assert!(matches!(assess_proxy(date("2026-11-23"), date("2026-11-22")), Err(ProxyError::BeforeBirth { .. })));
    }

    #[test]
    fn route_codes_round_trip() {
        for route in LegalRoute::ALL {
            assert_eq!(LegalRoute::from_code(route.code()), Some(route));
        }
    }

    #[test]
    fn the_eleventh_birthday_is_announced_a_month_ahead() {
        let born = date("2016-02-29");
        assert_eq!(eleventh_birthday_warning(born, date("2027-01-29")), None);
        let soon = eleventh_birthday_warning(born, date("2027-02-20")).unwrap();
        assert!(soon.contains("turns 11 on 2027-03-01 (9 days)"), "{soon}");
        assert!(eleventh_birthday_warning(born, date("2027-03-01")).unwrap().contains("today"));
        assert!(eleventh_birthday_warning(born, date("2030-01-01")).unwrap().contains("competence"));
        assert_eq!(eleventh_birthday_warning(born, date("2033-01-01")), None);
    }
}
