//! Possible duplicate patient records, flagged at every encounter: the same NHS number,
//! or the same date of birth with the same or a similar name. Similarity catches typing
//! mistakes (a letter missed, doubled, changed or two swapped) and first and last names
//! entered the wrong way round.

use crate::date::CivilDate;
use crate::ids::RecordId;
use crate::patient::Patient;
use serde::{Deserialize, Serialize};

/// Names at least this similar (0–1) with the same date of birth are flagged.
pub const NAME_SIMILARITY_THRESHOLD: f64 = 0.8;

/// Why a record may be the same patient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DuplicateReason {
    /// Both records hold the same NHS number.
    SameNhsNumber,
    /// Same date of birth and the same name once case, accents, punctuation and extra
    /// spaces are ignored.
    SameNameAndDateOfBirth,
    /// Same date of birth and a name that differs by a typing mistake or two.
    SimilarNameSameDateOfBirth {
        /// How alike the names are, 0–1.
        similarity: f64,
    },
    /// Same date of birth, with given and family names the wrong way round.
    SwappedNamesSameDateOfBirth,
    /// Same name, and a date of birth with the day and month swapped (a common slip
    /// between UK and US formats).
    DayAndMonthSwapped,
    /// A caution, not a match: both records hold NHS numbers and they differ, so these
    /// may be two people (twins, for example) who share a name and birthday.
    DifferentNhsNumbers,
}

impl DuplicateReason {
    /// The sentence shown to staff.
    pub fn describe(&self) -> String {
        match self {
            Self::SameNhsNumber => "Same NHS number".to_owned(),
            Self::SameNameAndDateOfBirth => "Same name and date of birth".to_owned(),
            Self::SimilarNameSameDateOfBirth { similarity } => {
                format!("Same date of birth and a similar name ({:.0}% alike)", similarity * 100.0)
            }
            Self::SwappedNamesSameDateOfBirth => "Same date of birth, first and last names swapped".to_owned(),
            Self::DayAndMonthSwapped => "Same name, day and month of birth swapped".to_owned(),
            Self::DifferentNhsNumbers => "But the NHS numbers differ: these may be two people".to_owned(),
        }
    }
}

/// One record that may be the same patient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DuplicateCandidate {
    /// The other record.
    pub patient: RecordId,
    /// How strong the match is, 0–100, for ordering the list.
    pub score: u8,
    /// Why, strongest first.
    pub reasons: Vec<DuplicateReason>,
}

/// Lower case, accents removed, hyphens and apostrophes as in "O'Neil-Smith" ignored,
/// and runs of spaces collapsed, so that only real differences in a name count.
pub fn normalise_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = fold_accent(c);
        if c.is_alphanumeric() {
            out.push(c);
        } else if (c.is_whitespace() || c == '-') && !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
        // Apostrophes, full stops and other punctuation are dropped.
    }
    out.trim_end().to_owned()
}

/// The unaccented letter for the accented Latin letters common in UK patients' names.
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ł' => 'l',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ř' => 'r',
        'ś' | 'š' | 'ş' => 's',
        'ù' | 'ú' | 'û' | 'ü' | 'ů' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        other => other,
    }
}

/// Edit distance counting an insertion, deletion, substitution or the swap of two
/// neighbouring letters as one edit (the "optimal string alignment" distance).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rolling rows: two back is needed for the swap of neighbours.
    let mut two_back = vec![0usize; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(two_back[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut two_back, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// How alike two normalised strings are: 1 for equal, 0 for nothing in common.
pub fn similarity(a: &str, b: &str) -> f64 {
    let longest = a.chars().count().max(b.chars().count());
    if longest == 0 {
        return 1.0;
    }
    1.0 - edit_distance(a, b) as f64 / longest as f64
}

/// Compares one patient with every other record and returns the possible duplicates,
/// strongest first. The patient's own record (same id) is skipped.
pub fn find_duplicates(patient: &Patient, others: &[Patient]) -> Vec<DuplicateCandidate> {
    let given = normalise_name(&patient.given_name);
    let family = normalise_name(&patient.family_name);
    let mut candidates: Vec<DuplicateCandidate> = others
        .iter()
        .filter(|other| other.id != patient.id)
        .filter_map(|other| compare(patient, &given, &family, other))
        .collect();
    candidates.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.patient.cmp(&b.patient)));
    candidates
}

fn compare(patient: &Patient, given: &str, family: &str, other: &Patient) -> Option<DuplicateCandidate> {
    let mut reasons = Vec::new();
    let mut score = 0u8;
    let same_nhs = matches!((&patient.nhs_number, &other.nhs_number), (Some(a), Some(b)) if a == b);
    if same_nhs {
        reasons.push(DuplicateReason::SameNhsNumber);
        score = 100;
    }
    let other_given = normalise_name(&other.given_name);
    let other_family = normalise_name(&other.family_name);
    let straight = (similarity(given, &other_given) + similarity(family, &other_family)) / 2.0;
    let swapped = (similarity(given, &other_family) + similarity(family, &other_given)) / 2.0;
    let same_dob = patient.date_of_birth.is_some() && patient.date_of_birth == other.date_of_birth;
    if same_dob {
        if straight >= 1.0 {
            reasons.push(DuplicateReason::SameNameAndDateOfBirth);
            score = score.max(90);
        } else if swapped >= NAME_SIMILARITY_THRESHOLD && swapped > straight {
            reasons.push(DuplicateReason::SwappedNamesSameDateOfBirth);
            score = score.max((swapped * 85.0) as u8);
        } else if straight >= NAME_SIMILARITY_THRESHOLD {
            reasons.push(DuplicateReason::SimilarNameSameDateOfBirth { similarity: straight });
            score = score.max((straight * 85.0) as u8);
        }
    } else if straight >= 1.0 && day_and_month_swapped(patient.date_of_birth, other.date_of_birth) {
        reasons.push(DuplicateReason::DayAndMonthSwapped);
        score = score.max(70);
    }
    if reasons.is_empty() {
        return None;
    }
    if !same_nhs && patient.nhs_number.is_some() && other.nhs_number.is_some() {
        reasons.push(DuplicateReason::DifferentNhsNumbers);
        score /= 2;
    }
    Some(DuplicateCandidate { patient: other.id.clone(), score, reasons })
}

fn day_and_month_swapped(a: Option<CivilDate>, b: Option<CivilDate>) -> bool {
    let (Some(a), Some(b)) = (a, b) else { return false };
    a.year() == b.year()
        && a.day() != a.month()
        && u32::from(a.day()) == u32::from(b.month())
        && u32::from(a.month()) == u32::from(b.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patient::tests::patient;

    #[test]
    fn names_are_normalised_before_comparing() {
        assert_eq!(normalise_name("  Zoë  O'Neil-Smith "), "zoe oneil smith");
        assert_eq!(normalise_name("ŁUKASZ"), "lukasz");
    }

    #[test]
    fn edit_distance_counts_a_swap_of_neighbours_as_one() {
        assert_eq!(edit_distance("jonathan", "jonahtan"), 1);
        assert_eq!(edit_distance("smith", "smyth"), 1);
        assert_eq!(edit_distance("smith", "smiths"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn same_nhs_number_is_the_strongest_match() {
        let me = patient("p1", "Ada", "Lovelace", "1985-12-10", Some("485 777 3457"));
        let other = patient("p2", "Augusta", "King", "1985-12-10", Some("4857773457"));
        let found = find_duplicates(&me, &[other]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].score, 100);
        assert_eq!(found[0].reasons, [DuplicateReason::SameNhsNumber]);
    }

    #[test]
    fn same_name_and_birthday_match_despite_case_and_accents() {
        let me = patient("p1", "Zoe", "O'Neil", "1990-05-01", None);
        let other = patient("p2", "ZOË", "ONeil", "1990-05-01", None);
        let found = find_duplicates(&me, &[other]);
        assert_eq!(found[0].reasons, [DuplicateReason::SameNameAndDateOfBirth]);
    }

    #[test]
    fn a_typo_in_the_name_is_caught_with_its_similarity() {
        let me = patient("p1", "Jonathan", "Smith", "1972-03-09", None);
        let other = patient("p2", "Jonahtan", "Smyth", "1972-03-09", None);
        let found = find_duplicates(&me, &[other]);
        let DuplicateReason::SimilarNameSameDateOfBirth { similarity } = found[0].reasons[0] else {
            panic!("{found:?}")
        };
        assert!((similarity - 0.8375).abs() < 1e-9, "{similarity}");
        assert!(found[0].reasons[0].describe().contains("84% alike"));
    }

    #[test]
    fn first_and_last_names_swapped_are_caught() {
        let me = patient("p1", "Chen", "Wei", "2001-11-30", None);
        let other = patient("p2", "Wei", "Chen", "2001-11-30", None);
        assert_eq!(find_duplicates(&me, &[other])[0].reasons, [DuplicateReason::SwappedNamesSameDateOfBirth]);
    }

    #[test]
    fn day_and_month_swapped_with_the_same_name_is_caught() {
        let me = patient("p1", "Ada", "Lovelace", "1985-12-10", None);
        let other = patient("p2", "Ada", "Lovelace", "1985-10-12", None);
        assert_eq!(find_duplicates(&me, &[other])[0].reasons, [DuplicateReason::DayAndMonthSwapped]);
    }

    #[test]
    fn different_people_and_the_record_itself_are_not_flagged() {
        let me = patient("p1", "Ada", "Lovelace", "1985-12-10", None);
        let others = [
            patient("p1", "Ada", "Lovelace", "1985-12-10", None),
            patient("p2", "Ada", "Lovelace", "1986-12-10", None),
            patient("p3", "Mary", "Somerville", "1985-12-10", None),
        ];
        assert!(find_duplicates(&me, &others).is_empty());
    }

    #[test]
    fn twins_with_different_nhs_numbers_are_flagged_with_a_caution_and_ranked_lower() {
        let me = patient("p1", "Sam", "Patel", "2012-07-07", Some("485 777 3457"));
        let others = [
            patient("p2", "Sam", "Patel", "2012-07-07", Some("600 000 0014")),
            patient("p3", "Sam", "Patel", "2012-07-07", None),
        ];
        let found = find_duplicates(&me, &others);
        assert_eq!(found[0].patient, RecordId::from("p3"));
        assert_eq!(found[1].reasons, [DuplicateReason::SameNameAndDateOfBirth, DuplicateReason::DifferentNhsNumbers]);
        assert_eq!(found[1].score, 45);
    }
}
