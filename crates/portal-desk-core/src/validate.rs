//! Checks for the personal details staff type in: date of birth, email address, UK
//! mobile number and postcode. Each returns the value in its stored form, or an error
//! whose message says what is wrong and how to put it right.

use crate::date::{CivilDate, DateError};
use crate::nhs_number::NhsNumber;
use thiserror::Error;

/// The oldest age accepted for a date of birth; anything older is almost certainly a
/// typing mistake in the year.
pub const MAX_PLAUSIBLE_AGE_YEARS: i32 = 125;

/// Why a date of birth was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DateOfBirthError {
    /// Not a date at all.
    #[error("Date of birth: {0}")]
    NotADate(DateError),
    /// After today.
    #[error("Date of birth {0} is in the future: check the year")]
    InTheFuture(CivilDate),
    /// Implausibly long ago.
    #[error("Date of birth {born} would make the patient {age} years old: check the year")]
    TooLongAgo {
        /// The date given.
        born: CivilDate,
        /// The age it implies.
        age: i32,
    },
}

/// Reads a date of birth (`YYYY-MM-DD`) and checks it is not after `today` and not more
/// than [`MAX_PLAUSIBLE_AGE_YEARS`] ago.
pub fn date_of_birth(input: &str, today: CivilDate) -> Result<CivilDate, DateOfBirthError> {
    let born: CivilDate = input.parse().map_err(DateOfBirthError::NotADate)?;
    if born > today {
        return Err(DateOfBirthError::InTheFuture(born));
    }
    let age = born.years_until(today);
    if age > MAX_PLAUSIBLE_AGE_YEARS {
        return Err(DateOfBirthError::TooLongAgo { born, age });
    }
    Ok(born)
}

/// Why an email address was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum EmailError {
    /// Nothing typed.
    #[error("Enter an email address, for example name@example.com")]
    Empty,
    /// No `@`, or more than one.
    #[error("An email address has exactly one @ between the name and the domain, for example name@example.com")]
    At,
    /// Nothing before the `@`.
    #[error("Add the part before the @ in the email address")]
    NoLocalPart,
    /// The domain has no dot, or an empty label.
    #[error("The part after the @ must be a domain such as nhs.net or example.co.uk: check for a missing dot")]
    Domain,
    /// A space or other character never found in an address.
    #[error("Email addresses cannot contain '{0}': remove it")]
    BadCharacter(char),
    /// Longer than the standard allows.
    #[error("This email address is longer than 254 characters: check it was pasted correctly")]
    TooLong,
}

/// Checks the shape of an email address and returns it trimmed, with the domain in
/// lower case (the part before the `@` is kept as typed; some servers treat case).
pub fn email(input: &str) -> Result<String, EmailError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(EmailError::Empty);
    }
    if text.len() > 254 {
        return Err(EmailError::TooLong);
    }
    if let Some(bad) = text.chars().find(|c| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>' | '(' | ')')) {
        return Err(EmailError::BadCharacter(bad));
    }
    let mut parts = text.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(EmailError::At);
    };
    if local.is_empty() {
        return Err(EmailError::NoLocalPart);
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(EmailError::Domain);
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// Why a UK mobile number was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum MobileError {
    /// Nothing typed.
    #[error("Enter a UK mobile number, for example 07700 900123")]
    Empty,
    /// A character other than digits, spaces, brackets, hyphens or a leading `+`.
    #[error("A mobile number has only digits (and an optional +44 at the start): remove '{0}'")]
    BadCharacter(char),
    /// Not an 07 number.
    #[error("UK mobile numbers start with 07 (or +44 7): this looks like a landline or a number from another country")]
    NotMobile,
    /// Wrong number of digits.
    #[error("A UK mobile number has 11 digits starting 07, but {0} were entered: check for a missing or extra digit")]
    WrongLength(usize),
}

/// Reads a UK mobile number written as `07700 900123`, `+44 7700 900123`,
/// `0044 7700 900123` or `(07700) 900-123`, and returns it as 11 digits starting `07`.
pub fn uk_mobile(input: &str) -> Result<String, MobileError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(MobileError::Empty);
    }
    let mut digits = String::with_capacity(14);
    for (i, c) in text.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' | '.' => {}
            '+' if i == 0 => {}
            other => return Err(MobileError::BadCharacter(other)),
        }
    }
    let national = if let Some(rest) = digits.strip_prefix("0044").or_else(|| digits.strip_prefix("44")) {
        // +44 (0)7700… is a common way of writing it; drop the bracketed zero.
        let rest = rest.strip_prefix('0').unwrap_or(rest);
        format!("0{rest}")
    } else {
        digits
    };
    if !national.starts_with("07") {
        return Err(MobileError::NotMobile);
    }
    if national.len() != 11 {
        return Err(MobileError::WrongLength(national.len()));
    }
    Ok(national)
}

/// Why a postcode was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PostcodeError {
    /// Nothing typed.
    #[error("Enter a postcode, for example SW1A 1AA")]
    Empty,
    /// Not the shape of a UK postcode.
    #[error("'{0}' is not a UK postcode: it should look like SW1A 1AA or M1 1AE (letters and numbers, then a space, then a number and two letters)")]
    Shape(String),
}

/// Checks the shape of a UK postcode (outward code of 2–4 characters, then a digit and
/// two letters) and returns it in capitals with one space, e.g. `SW1A 1AA`. The shape
/// is checked, not whether the postcode exists.
pub fn postcode(input: &str) -> Result<String, PostcodeError> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if compact.is_empty() {
        return Err(PostcodeError::Empty);
    }
    let shape = || PostcodeError::Shape(input.trim().to_owned());
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return Err(shape());
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = {
        let b = inward.as_bytes();
        b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    if !inward_ok || !outward_code_ok(outward) {
        return Err(shape());
    }
    Ok(format!("{outward} {inward}"))
}

/// The outward code: A9, A99, AA9, AA99, A9A or AA9A (letter area, digit district,
/// optional second digit or letter).
fn outward_code_ok(outward: &str) -> bool {
    let b = outward.as_bytes();
    let letter = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphabetic);
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    match b.len() {
        2 => letter(0) && digit(1),
        3 => letter(0) && ((digit(1) && (digit(2) || letter(2))) || (letter(1) && digit(2))),
        4 => letter(0) && letter(1) && digit(2) && (digit(3) || letter(3)),
        _ => false,
    }
}

/// The earliest year of birth a stored record may hold, for checks that do not know
/// today's date (see [`date_of_birth`] for the full check).
pub const EARLIEST_BIRTH_YEAR: i32 = 1880;

/// Checks a stored NHS number: ten digits, no spaces, correct check digit.
pub fn stored_nhs_number(value: &str) -> Result<(), String> {
    match NhsNumber::parse(value) {
        Ok(number) if number.as_str() == value => Ok(()),
        Ok(number) => Err(format!("Store the NHS number as ten digits without spaces: {}", number.as_str())),
        Err(e) => Err(e.to_string()),
    }
}

/// Checks a stored date of birth: `YYYY-MM-DD`, not before [`EARLIEST_BIRTH_YEAR`].
pub fn stored_date_of_birth(value: &str) -> Result<(), String> {
    let born: CivilDate = value.parse().map_err(|e| format!("Date of birth: {e}"))?;
    if born.year() < EARLIEST_BIRTH_YEAR {
        Err(format!("Date of birth {born} is too long ago: check the year"))
    } else {
        Ok(())
    }
}

/// Checks a stored email address is in the form [`email`] returns.
pub fn stored_email(value: &str) -> Result<(), String> {
    match email(value) {
        Ok(stored) if stored == value => Ok(()),
        Ok(stored) => {
            Err(format!("Store the email address without spaces and with its domain in lower case: {stored}"))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Checks a stored mobile number is 11 digits starting 07.
pub fn stored_mobile(value: &str) -> Result<(), String> {
    match uk_mobile(value) {
        Ok(stored) if stored == value => Ok(()),
        Ok(stored) => Err(format!("Store the mobile number as 11 digits starting 07: {stored}")),
        Err(e) => Err(e.to_string()),
    }
}

/// Checks a stored postcode is in capitals with one space.
pub fn stored_postcode(value: &str) -> Result<(), String> {
    match postcode(value) {
        Ok(stored) if stored == value => Ok(()),
        Ok(stored) => Err(format!("Store the postcode in capitals with one space: {stored}")),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> CivilDate {
        text.parse().unwrap()
    }

    #[test]
    fn date_of_birth_today_and_past_are_accepted() {
        let today = date("2026-11-22");
        assert_eq!(date_of_birth("1950-04-01", today), Ok(date("1950-04-01")));
        assert_eq!(date_of_birth("2026-11-22", today), Ok(today));
    }

    #[test]
    fn date_of_birth_in_the_future_or_implausible_says_check_the_year() {
        let today = date("2026-11-22");
        let future = date_of_birth("2026-11-23", today).unwrap_err();
        assert_eq!(future.to_string(), "Date of birth 2026-11-23 is in the future: check the year");
        let ancient = date_of_birth("1806-01-01", today).unwrap_err();
        assert!(matches!(ancient, DateOfBirthError::TooLongAgo { age: 220, .. }));
        let typo = date_of_birth("31/12/1980", today).unwrap_err();
        assert!(typo.to_string().contains("year-month-day"));
        assert!(date_of_birth("1981-02-29", today).unwrap_err().to_string().contains("not a real date"));
    }

    #[test]
    fn email_is_trimmed_and_its_domain_lowercased() {
        assert_eq!(email("  Ada.Lovelace@NHS.net ").unwrap(), "Ada.Lovelace@nhs.net");
        assert_eq!(email("a+b@example.co.uk").unwrap(), "a+b@example.co.uk");
    }

    #[test]
    fn bad_emails_say_what_to_fix() {
        assert_eq!(email(""), Err(EmailError::Empty));
        assert_eq!(email("ada.nhs.net"), Err(EmailError::At));
        assert_eq!(email("ada@@nhs.net"), Err(EmailError::At));
        assert_eq!(email("@nhs.net"), Err(EmailError::NoLocalPart));
        assert_eq!(email("ada@nhsnet"), Err(EmailError::Domain));
        assert_eq!(email("ada@nhs..net"), Err(EmailError::Domain));
        assert_eq!(email("ada lovelace@nhs.net"), Err(EmailError::BadCharacter(' ')));
        assert!(EmailError::Domain.to_string().contains("missing dot"));
    }

    #[test]
    fn mobiles_in_every_usual_format_are_stored_as_07_digits() {
        for typed in ["07700 900123", "+44 7700 900123", "+44 (0)7700 900123", "0044 7700 900123", "(07700) 900-123"] {
            assert_eq!(uk_mobile(typed).unwrap(), "07700900123", "{typed}");
        }
    }

    #[test]
    fn bad_mobiles_say_what_to_fix() {
        assert_eq!(uk_mobile(""), Err(MobileError::Empty));
        assert_eq!(uk_mobile("020 7946 0000"), Err(MobileError::NotMobile));
        assert_eq!(uk_mobile("07700 90012"), Err(MobileError::WrongLength(10)));
        assert_eq!(uk_mobile("07700 9001x3"), Err(MobileError::BadCharacter('x')));
        assert!(MobileError::WrongLength(10).to_string().contains("11 digits"));
    }

    #[test]
    fn postcodes_of_every_shape_are_normalised() {
        assert_eq!(postcode("sw1a1aa").unwrap(), "SW1A 1AA");
        assert_eq!(postcode("M1 1AE").unwrap(), "M1 1AE");
        assert_eq!(postcode(" b33 8th ").unwrap(), "B33 8TH");
        assert_eq!(postcode("CR2 6XH").unwrap(), "CR2 6XH");
        assert_eq!(postcode("DN55 1PT").unwrap(), "DN55 1PT");
        assert_eq!(postcode("W1A 0AX").unwrap(), "W1A 0AX");
    }

    #[test]
    fn bad_postcodes_show_the_expected_shape() {
        assert_eq!(postcode(" "), Err(PostcodeError::Empty));
        assert!(postcode("12345").is_err());
        assert!(postcode("SW1A 1A").is_err());
        assert!(postcode("SW1A1AAA").is_err());
        assert!(postcode("1W1A 1AA").unwrap_err().to_string().contains("SW1A 1AA"));
    }
}
