//! Sealed bytes as text: IndexedDB keeps the store's values as strings (so a value's
//! `length` and the like mean the same for clear and sealed values), and a sealed one
//! is `~` followed by its standard base64 — a prefix no JSON text starts with, which is
//! how a value written before encryption at rest is told apart.

/// The first character of every sealed value.
pub const SEALED_MARK: char = '~';

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Marks, in [`DIGITS`], a byte that is not a base64 digit.
const NOT_A_DIGIT: u8 = 0xff;

/// Each byte's value as a base64 digit: a table, since unlocking decodes every stored
/// summary and a search of [`ALPHABET`] per character showed in the profile.
const DIGITS: [u8; 256] = {
    let mut digits = [NOT_A_DIGIT; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        digits[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    digits
};

/// `~` and the base64 of `bytes`.
pub fn to_sealed_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(1 + bytes.len().div_ceil(3) * 4);
    out.push(SEALED_MARK);
    for chunk in bytes.chunks(3) {
        let group = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(group >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The bytes of a value made by [`to_sealed_text`]; `None` for anything else (clear
/// JSON, or text that is not well-formed).
pub fn from_sealed_text(text: &str) -> Option<Vec<u8>> {
    let body = text.strip_prefix(SEALED_MARK)?.as_bytes();
    if body.len() % 4 != 0 {
        return None;
    }
    let digit = |c: u8| match DIGITS[usize::from(c)] {
        NOT_A_DIGIT => None,
        d => Some(u32::from(d)),
    };
    let mut out = Vec::with_capacity(body.len() / 4 * 3);
    for (n, quad) in body.chunks(4).enumerate() {
        let last = n + 1 == body.len() / 4;
        let pad = quad.iter().rev().take_while(|c| **c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut group = 0u32;
        for (i, c) in quad[..4 - pad].iter().enumerate() {
            group |= digit(*c)? << (18 - 6 * i);
        }
        out.extend_from_slice(&group.to_be_bytes()[1..4 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_round_trips_every_length_and_matches_standard_base64() {
        assert_eq!(to_sealed_text(b""), "~");
        assert_eq!(to_sealed_text(b"f"), "~Zg==");
        assert_eq!(to_sealed_text(b"fo"), "~Zm8=");
        assert_eq!(to_sealed_text(b"foo"), "~Zm9v");
        assert_eq!(to_sealed_text(b"foobar"), "~Zm9vYmFy");
        for len in 0..70u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37).wrapping_add(200)).collect();
            assert_eq!(from_sealed_text(&to_sealed_text(&bytes)), Some(bytes));
        }
    }

    #[test]
    fn clear_json_and_malformed_text_are_not_sealed_values() {
        assert_eq!(from_sealed_text("{\"a\":1}"), None);
        assert_eq!(from_sealed_text("12"), None);
        assert_eq!(from_sealed_text("~Zg="), None, "wrong length");
        assert_eq!(from_sealed_text("~Z=g="), None, "padding inside");
        assert_eq!(from_sealed_text("~Zg=a"), None);
        assert_eq!(from_sealed_text("~Z!=="), None, "not base64");
    }
}
