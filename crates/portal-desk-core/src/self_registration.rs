//! A patient registering themselves at a kiosk: what the form holds, the checks on it
//! (reported as language-neutral problems, so the kiosk says them in the patient's
//! language), and the note staff read on the case it becomes, in English.

use crate::date::CivilDate;
use crate::nhs_number::check_nhs_number;
use crate::validate;
use std::collections::BTreeSet;

/// The languages the kiosk speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Language {
    /// English.
    English,
    /// Welsh (Cymraeg).
    Welsh,
    /// Polish (Polski), the most common main language after English and Welsh in
    /// England and Wales at the 2021 census.
    Polish,
}

impl Language {
    /// Every language, in the order the kiosk offers them.
    pub const ALL: [Language; 3] = [Language::English, Language::Welsh, Language::Polish];

    /// The BCP 47 tag, for the `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en-GB",
            Language::Welsh => "cy",
            Language::Polish => "pl",
        }
    }

    /// The language's name in itself, as its speakers look for it.
    pub fn own_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Welsh => "Cymraeg",
            Language::Polish => "Polski",
        }
    }

    /// Its name in English, for staff.
    pub fn english_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Welsh => "Welsh",
            Language::Polish => "Polish",
        }
    }
}

/// An accessible-communication need a patient can tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// Letters and leaflets in large print.
    LargePrint,
    /// A British Sign Language interpreter.
    BslInterpreter,
    /// Easy read documents.
    EasyRead,
    /// A hearing loop at appointments.
    HearingLoop,
}

impl Need {
    /// Every need, in the order the form lists them.
    pub const ALL: [Need; 4] = [Need::LargePrint, Need::BslInterpreter, Need::EasyRead, Need::HearingLoop];

    /// Its name in English, for staff.
    pub fn english_name(self) -> &'static str {
        match self {
            Need::LargePrint => "large print",
            Need::BslInterpreter => "British Sign Language interpreter",
            Need::EasyRead => "easy read",
            Need::HearingLoop => "hearing loop",
        }
    }
}

/// What the patient typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SelfRegistration {
    /// Given names.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth: day, month and year as typed.
    pub dob_day: String,
    /// See `dob_day`.
    pub dob_month: String,
    /// See `dob_day`.
    pub dob_year: String,
    /// NHS number, if they know it (spaces allowed).
    pub nhs_number: String,
    /// Postcode.
    pub postcode: String,
    /// A mobile number or an email address, to finish signing up.
    pub contact: String,
    /// The language they would like letters and appointments in, in their words.
    pub preferred_language: String,
    /// The needs ticked.
    pub needs: BTreeSet<Need>,
    /// Any other need, in their words.
    pub other_need: String,
}

/// A field of the form, for linking a problem to its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// Given names.
    GivenName,
    /// Family name.
    FamilyName,
    /// Date of birth.
    DateOfBirth,
    /// NHS number.
    NhsNumber,
    /// Postcode.
    Postcode,
    /// Mobile number or email.
    Contact,
    /// Other needs and preferred language (free text).
    FreeText,
}

impl Field {
    /// The id of its input.
    pub fn id(self) -> &'static str {
        match self {
            Field::GivenName => "kiosk-given-name",
            Field::FamilyName => "kiosk-family-name",
            Field::DateOfBirth => "kiosk-dob-day",
            Field::NhsNumber => "kiosk-nhs-number",
            Field::Postcode => "kiosk-postcode",
            Field::Contact => "kiosk-contact",
            Field::FreeText => "kiosk-other-need",
        }
    }
}

/// What is wrong with a field, said by the kiosk in the patient's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Required and empty.
    Missing,
    /// Not a real date, or not a whole date.
    NotADate,
    /// A date of birth in the future, or more than 130 years ago.
    ImpossibleBirth,
    /// Ten digits that fail the NHS number check, or not ten digits.
    NotAnNhsNumber,
    /// Not the shape of a UK postcode.
    NotAPostcode,
    /// Neither a mobile number nor an email address.
    NotAContact,
    /// Longer than the form accepts.
    TooLong,
}

/// The longest value accepted in any box of the form.
pub const MAX_CHARS: usize = 200;

/// The checked form, each value as the patient record stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// "Given Family", as staff write a name.
    pub full_name: String,
    /// The date of birth.
    pub born: CivilDate,
    /// The NHS number, ten digits, if given.
    pub nhs_number: Option<String>,
    /// The postcode in capitals with one space.
    pub postcode: String,
    /// The mobile number (11 digits starting 07), if that is what was given.
    pub mobile: Option<String>,
    /// The email address, if that is what was given.
    pub email: Option<String>,
}

/// Checks the form on `today`: every problem at once, in the order of the form.
pub fn check(form: &SelfRegistration, today: CivilDate) -> Result<Checked, Vec<(Field, Problem)>> {
    let mut problems = Vec::new();
    let texts = [
        (Field::GivenName, &form.given_name),
        (Field::FamilyName, &form.family_name),
        (Field::Postcode, &form.postcode),
        (Field::Contact, &form.contact),
        (Field::FreeText, &form.preferred_language),
        (Field::FreeText, &form.other_need),
    ];
    for (field, text) in texts {
        if text.trim().chars().count() > MAX_CHARS {
            problems.push((field, Problem::TooLong));
        }
    }
    for (field, text) in [(Field::GivenName, &form.given_name), (Field::FamilyName, &form.family_name)] {
        if text.trim().is_empty() {
            problems.push((field, Problem::Missing));
        }
    }
    let born = birth_date(form, today);
    if let Err(problem) = born {
        problems.push((Field::DateOfBirth, problem));
    }
    let nhs = form.nhs_number.trim();
    let nhs_number = if nhs.is_empty() {
        None
    } else {
        match check_nhs_number(nhs) {
            Ok(checked) => Some(checked.number.as_str().to_owned()),
            Err(_) => {
                problems.push((Field::NhsNumber, Problem::NotAnNhsNumber));
                None
            }
        }
    };
    let postcode = validate::postcode(&form.postcode);
    match &postcode {
        Err(_) if form.postcode.trim().is_empty() => problems.push((Field::Postcode, Problem::Missing)),
        Err(_) => problems.push((Field::Postcode, Problem::NotAPostcode)),
        Ok(_) => {}
    }
    let contact = form.contact.trim();
    let (mobile, email) = if contact.contains('@') {
        (None, validate::email(contact).ok())
    } else {
        (validate::uk_mobile(contact).ok(), None)
    };
    if contact.is_empty() {
        problems.push((Field::Contact, Problem::Missing));
    } else if mobile.is_none() && email.is_none() {
        problems.push((Field::Contact, Problem::NotAContact));
    }
    problems.sort_by_key(|(field, _)| *field as u8);
    problems.dedup_by_key(|(field, _)| *field);
    match (born, postcode) {
        (Ok(born), Ok(postcode)) if problems.is_empty() => Ok(Checked {
            full_name: format!("{} {}", form.given_name.trim(), form.family_name.trim()),
            born,
            nhs_number,
            postcode,
            mobile,
            email,
        }),
        _ => Err(problems),
    }
}

fn birth_date(form: &SelfRegistration, today: CivilDate) -> Result<CivilDate, Problem> {
    let parts = [&form.dob_day, &form.dob_month, &form.dob_year].map(|p| p.trim());
    if parts.iter().all(|p| p.is_empty()) {
        return Err(Problem::Missing);
    }
    let number = |text: &str| text.parse::<u32>().ok();
    let (Some(day), Some(month), Some(year)) = (number(parts[0]), number(parts[1]), number(parts[2])) else {
        return Err(Problem::NotADate);
    };
    if parts[2].len() != 4 {
        return Err(Problem::NotADate);
    }
    let born = CivilDate::new(year as i32, month, day).map_err(|_| Problem::NotADate)?;
    if born > today || born.years_until(today) > 130 {
        return Err(Problem::ImpossibleBirth);
    }
    Ok(born)
}

/// The note staff read on the case: how and in which language the patient registered,
/// what they asked for, and how to reach them. In English, for the team.
pub fn staff_note(form: &SelfRegistration, spoken: Language) -> String {
    let mut lines = vec![format!("Registered themselves at the kiosk, in {}.", spoken.english_name())];
    let preferred = form.preferred_language.trim();
    lines
        .push(format!("Preferred language: {}.", if preferred.is_empty() { spoken.english_name() } else { preferred }));
    let mut needs: Vec<String> = form.needs.iter().map(|n| n.english_name().to_owned()).collect();
    if !form.other_need.trim().is_empty() {
        needs.push(format!("other: {}", form.other_need.trim()));
    }
    lines.push(if needs.is_empty() {
        "Accessible communication needs: none given.".to_owned()
    } else {
        format!("Accessible communication needs: {}.", needs.join("; "))
    });
    lines.push(format!("Postcode: {}. Contact: {}.", form.postcode.trim().to_uppercase(), form.contact.trim()));
    lines.push("Next: verify their identity with the checklist, then create their portal account.".to_owned());
    lines.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> CivilDate {
        "2026-11-22".parse().unwrap()
    }

    fn filled() -> SelfRegistration {
        SelfRegistration {
            given_name: "Gwen".into(),
            family_name: "Pritchard".into(),
            dob_day: "3".into(),
            dob_month: "7".into(),
            dob_year: "1961".into(),
            nhs_number: "485 777 3457".into(),
            postcode: "cf10 1ep".into(),
            contact: "07700 900123".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_form_passes_with_its_date_and_number_normalised() {
        let checked = check(&filled(), today()).unwrap();
        assert_eq!(checked.full_name, "Gwen Pritchard");
        assert_eq!(checked.born.to_string(), "1961-07-03");
        assert_eq!(checked.nhs_number.as_deref(), Some("4857773457"));
        assert_eq!(checked.postcode, "CF10 1EP");
        assert_eq!((checked.mobile.as_deref(), checked.email), (Some("07700900123"), None));
    }

    #[test]
    fn every_problem_is_reported_once_in_form_order() {
        let form =
            SelfRegistration { nhs_number: "1234567890".into(), contact: "call me".into(), ..Default::default() };
        let problems = check(&form, today()).unwrap_err();
        assert_eq!(
            problems,
            vec![
                (Field::GivenName, Problem::Missing),
                (Field::FamilyName, Problem::Missing),
                (Field::DateOfBirth, Problem::Missing),
                (Field::NhsNumber, Problem::NotAnNhsNumber),
                (Field::Postcode, Problem::Missing),
                (Field::Contact, Problem::NotAContact),
            ]
        );
    }

    #[test]
    fn dates_of_birth_must_be_real_and_past() {
        let with = |d: &str, m: &str, y: &str| SelfRegistration {
            dob_day: d.into(),
            dob_month: m.into(),
            dob_year: y.into(),
            ..filled()
        };
        let problem = |form| check(&form, today()).unwrap_err()[0];
        assert_eq!(problem(with("31", "2", "1990")), (Field::DateOfBirth, Problem::NotADate));
        assert_eq!(problem(with("3", "7", "61")), (Field::DateOfBirth, Problem::NotADate));
        assert_eq!(problem(with("1", "1", "2027")), (Field::DateOfBirth, Problem::ImpossibleBirth));
        assert_eq!(problem(with("1", "1", "1880")), (Field::DateOfBirth, Problem::ImpossibleBirth));
    }

    #[test]
    fn postcodes_and_contacts_are_recognised() {
        let problems = |postcode: &str, contact: &str| {
            let form = SelfRegistration { postcode: postcode.into(), contact: contact.into(), ..filled() };
            check(&form, today()).err().unwrap_or_default()
        };
        for (postcode, contact) in [("SW1A 1AA", "+44 7700 900123"), ("m1 1ae", "gwen@example.org")] {
            assert_eq!(problems(postcode, contact), vec![], "{postcode} {contact}");
        }
        assert_eq!(
            problems("12345", "029 2087 0000"),
            vec![(Field::Postcode, Problem::NotAPostcode), (Field::Contact, Problem::NotAContact),]
        );
        assert_eq!(problems("SW1A 1AA", "gwen@"), vec![(Field::Contact, Problem::NotAContact)]);
    }

    #[test]
    fn the_staff_note_says_language_needs_and_contact() {
        let mut form = filled();
        form.needs = [Need::LargePrint, Need::BslInterpreter].into_iter().collect();
        form.other_need = "Step-free access".into();
        let note = staff_note(&form, Language::Welsh);
        assert!(note.starts_with("Registered themselves at the kiosk, in Welsh. Preferred language: Welsh."));
        assert!(note.contains("large print; British Sign Language interpreter; other: Step-free access"));
        assert!(note.contains("Postcode: CF10 1EP. Contact: 07700 900123."));
    }
}
