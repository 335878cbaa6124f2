//! NHS numbers: the modulus 11 check, the ranges each UK health service issues, and the
//! flag on numbers that no real patient holds (synthetic and test patients).
//!
//! Staff type numbers with or without spaces; they are stored as ten digits and shown
//! as `485 777 3456`.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// A ten-digit NHS number whose check digit is correct. It may still be in a range
/// that is never issued to real patients: see [`NhsNumber::range`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber(String);

/// Which service a number belongs to, by its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NhsNumberRange {
    /// 010 000 0000 – 311 299 9999: a Scottish Community Health Index number.
    ScottishChi,
    /// 320 000 0000 – 399 999 9999: a Northern Irish Health and Care number.
    NorthernIrish,
    /// 400 000 0000 – 499 999 9999 and 600 000 0000 – 799 999 9999: England, Wales and
    /// the Isle of Man.
    EnglandWalesIsleOfMan,
    /// 999 000 0000 – 999 999 9999: test data, never a real patient.
    TestData,
    /// 500 000 0000 – 599 999 9999 and 900 000 0000 – 998 999 9999: never issued to real
    /// patients (the 9 range holds synthetic patients).
    NeverIssued,
    /// Any other number with a good check digit: not in a range any UK service issues.
    Unallocated,
}

impl NhsNumberRange {
    /// Whether a real patient can hold a number in this range.
    pub fn is_issued_to_patients(self) -> bool {
        matches!(self, Self::ScottishChi | Self::NorthernIrish | Self::EnglandWalesIsleOfMan)
    }

    /// What staff should be told about a number in this range, if anything.
    pub fn warning(self) -> Option<&'static str> {
        match self {
            Self::ScottishChi | Self::NorthernIrish | Self::EnglandWalesIsleOfMan => None,
            Self::TestData => Some(
                "This is a test NHS number (999…), not a real patient's: use it only for training or testing, \
                 and ask the patient for their own number",
            ),
            Self::NeverIssued => Some(
                "This NHS number is in a range never issued to real patients: check it with the patient or on \
                 their NHS app or letter",
            ),
            Self::Unallocated => Some(
                "This NHS number is not in a range any UK health service issues: check it with the patient or on \
                 their NHS app or letter",
            ),
        }
    }
}

/// Why typed text is not an NHS number.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum NhsNumberError {
    /// Nothing was typed.
    #[error("Enter the patient's 10-digit NHS number, for example 485 777 3456")]
    Empty,
    /// Something other than digits and spaces.
    #[error("An NHS number has only digits: remove '{0}' and try again")]
    NotADigit(char),
    /// Too few or too many digits.
    #[error("An NHS number has 10 digits, but {0} were entered: check for a missing or extra digit")]
    WrongLength(usize),
    /// The check digit does not match: most often two digits swapped or one mistyped.
    #[error("This is not a valid NHS number (the last digit does not match the others): check each digit again")]
    CheckDigitMismatch,
    /// The first nine digits give a check digit of 10, which no NHS number has.
    #[error("This is not a valid NHS number (no NHS number starts with these nine digits): check each digit again")]
    NoValidCheckDigit,
}

/// The check digit for the first nine digits, or `None` when it would be 10.
fn check_digit(first_nine: &[u8]) -> Option<u8> {
    let sum: u32 = first_nine.iter().zip((2..=10u32).rev()).map(|(&d, w)| u32::from(d) * w).sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        digit => Some(digit as u8),
    }
}

impl NhsNumber {
    /// Reads a number as typed: spaces (and the hyphens some letters print) are ignored.
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let mut digits = Vec::with_capacity(10);
        for c in input.chars() {
            match c {
                ' ' | '-' | '\t' => {}
                '0'..='9' => digits.push(c as u8 - b'0'),
                other => return Err(NhsNumberError::NotADigit(other)),
            }
        }
        if digits.is_empty() {
            return Err(NhsNumberError::Empty);
        }
        if digits.len() != 10 {
            return Err(NhsNumberError::WrongLength(digits.len()));
        }
        match check_digit(&digits[..9]) {
            None => Err(NhsNumberError::NoValidCheckDigit),
            Some(expected) if expected != digits[9] => Err(NhsNumberError::CheckDigitMismatch),
            Some(_) => Ok(Self(digits.iter().map(|d| char::from(b'0' + d)).collect())),
        }
    }

    /// The ten digits, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Grouped 3-3-4 for reading aloud and on screen: `485 777 3456`.
    pub fn display(&self) -> String {
        format!("{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }

    /// The range the number falls in.
    pub fn range(&self) -> NhsNumberRange {
        // Ten digits always fit in a u64, and parse guaranteed they are digits.
        let n: u64 = self.0.parse().unwrap_or(0);
        match n {
            100_000_000..=3_112_999_999 => NhsNumberRange::ScottishChi,
            3_200_000_000..=3_999_999_999 => NhsNumberRange::NorthernIrish,
            4_000_000_000..=4_999_999_999 | 6_000_000_000..=7_999_999_999 => NhsNumberRange::EnglandWalesIsleOfMan,
            9_990_000_000..=9_999_999_999 => NhsNumberRange::TestData,
            5_000_000_000..=5_999_999_999 | 9_000_000_000..=9_989_999_999 => NhsNumberRange::NeverIssued,
            _ => NhsNumberRange::Unallocated,
        }
    }
}

/// The result of checking typed text as an NHS number: the number if its check digit
/// is right, with the warning to show when no real patient can hold it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedNhsNumber {
    /// The number, stored without spaces.
    pub number: NhsNumber,
    /// Its range.
    pub range: NhsNumberRange,
    /// Set when the number is not one a real patient holds; staff must see it.
    pub warning: Option<String>,
}

/// Checks typed text as an NHS number. A number with a correct check digit in a range
/// never issued to patients is returned with a warning, never silently accepted.
pub fn check_nhs_number(input: &str) -> Result<CheckedNhsNumber, NhsNumberError> {
    let number = NhsNumber::parse(input)?;
    let range = number.range();
    Ok(CheckedNhsNumber { number, range, warning: range.warning().map(str::to_owned) })
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = NhsNumberError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<NhsNumber> for String {
    fn from(value: NhsNumber) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_number_is_stored_bare_and_shown_grouped() {
        let number = NhsNumber::parse("485 777 3457").unwrap();
        assert_eq!(number.as_str(), "4857773457");
        assert_eq!(number.to_string(), "485 777 3457");
        assert_eq!(number.range(), NhsNumberRange::EnglandWalesIsleOfMan);
        assert_eq!(NhsNumber::parse("4857773457").unwrap(), number);
        assert_eq!(NhsNumber::parse("485-777-3457").unwrap(), number);
    }

    #[test]
    fn check_digit_eleven_becomes_zero() {
        // 4 0 1 0 2 3 2 1 1 weighted 10..2 sums to 88; 88 mod 11 = 0, so 11 − 0 = 11 → 0.
        assert_eq!(check_digit(&[4, 0, 1, 0, 2, 3, 2, 1, 1]), Some(0));
        assert!(NhsNumber::parse("401 023 2110").is_ok());
    }

    #[test]
    fn a_mistyped_or_swapped_digit_fails_the_check() {
        // The check digit of 485 777 345_ is 7, so the often-quoted 3456 is a typo.
        assert_eq!(NhsNumber::parse("485 777 3456"), Err(NhsNumberError::CheckDigitMismatch));
        assert_eq!(NhsNumber::parse("845 777 3457"), Err(NhsNumberError::CheckDigitMismatch));
    }

    #[test]
    fn nine_digits_that_need_a_check_digit_of_ten_are_never_valid() {
        // 9 9 9 1 2 3 4 5 6 weighted 10..2 sums to 320; 320 mod 11 = 1, so 11 − 1 = 10.
        assert_eq!(check_digit(&[9, 9, 9, 1, 2, 3, 4, 5, 6]), None);
        assert_eq!(NhsNumber::parse("999 123 4560"), Err(NhsNumberError::NoValidCheckDigit));
    }

    #[test]
    fn bad_input_says_how_to_fix_it() {
        assert_eq!(NhsNumber::parse("  "), Err(NhsNumberError::Empty));
        assert_eq!(NhsNumber::parse("485 777 345"), Err(NhsNumberError::WrongLength(9)));
        assert_eq!(NhsNumber::parse("485 777 345A"), Err(NhsNumberError::NotADigit('A')));
        assert!(NhsNumberError::WrongLength(9).to_string().contains("10 digits, but 9"));
    }

    #[test]
    fn ranges_are_recognised() {
        let range = |text: &str| check_nhs_number(text).unwrap().range;
        assert_eq!(range("010 000 0029"), NhsNumberRange::ScottishChi);
        assert_eq!(range("320 000 0015"), NhsNumberRange::NorthernIrish);
        assert_eq!(range("600 000 0014"), NhsNumberRange::EnglandWalesIsleOfMan);
        assert_eq!(range("500 000 0013"), NhsNumberRange::NeverIssued);
        assert_eq!(range("900 000 0017"), NhsNumberRange::NeverIssued);
        assert_eq!(range("943 476 5919"), NhsNumberRange::NeverIssued);
        assert_eq!(range("999 123 4578"), NhsNumberRange::TestData);
        assert_eq!(range("312 000 0000"), NhsNumberRange::Unallocated);
        assert_eq!(range("000 000 0019"), NhsNumberRange::Unallocated);
    }

    #[test]
    fn test_and_never_issued_numbers_are_flagged_not_silently_accepted() {
        let test = check_nhs_number("999 123 4578").unwrap();
        assert!(!test.range.is_issued_to_patients());
        assert!(test.warning.unwrap().contains("test NHS number"));
        let never = check_nhs_number("500 000 0013").unwrap();
        assert!(never.warning.unwrap().contains("never issued"));
        assert!(check_nhs_number("485 777 3457").unwrap().warning.is_none());
    }

    #[test]
    fn stored_form_round_trips_through_json() {
        let number = NhsNumber::parse("485 777 3457").unwrap();
        assert_eq!(serde_json::to_string(&number).unwrap(), "\"4857773457\"");
        assert!(serde_json::from_str::<NhsNumber>("\"4857773456\"").is_err());
    }
}
