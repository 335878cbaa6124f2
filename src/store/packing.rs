//! Stored values are packed before they are sealed: a record's JSON repeats its field
//! names, clocks and staff ids, and LZ4 makes it several times smaller, so there is that
//! much less to encrypt, encode, hand to IndexedDB and keep on a tablet's disk (the
//! first sync of a large site spent most of its time moving bytes). A packed value
//! starts with a zero byte, which no JSON text does, so values written before packing
//! (or too small to gain from it) are read as they are.
//!
//! Packing comes before encryption, so a value's stored size says something about how
//! repetitive its content is; see ARCHITECTURE.md on what a thief can read.

use std::borrow::Cow;

/// The first byte of a packed value.
const PACKED: u8 = 0;

/// Values shorter than this are stored as they are: the gain would be a few bytes.
const PACK_FROM: usize = 256;

/// `json` as it is stored under the seal: packed when it is long enough to gain.
pub fn pack(json: Vec<u8>) -> Vec<u8> {
    if json.len() < PACK_FROM {
        return json;
    }
    let packed = lz4_flex::compress_prepend_size(&json);
    if packed.len() + 1 >= json.len() {
        return json;
    }
    let mut out = Vec::with_capacity(packed.len() + 1);
    out.push(PACKED);
    out.extend_from_slice(&packed);
    out
}

/// The JSON inside a value made by [`pack`]; `None` if a packed value is damaged.
pub fn unpack(stored: &[u8]) -> Option<Cow<'_, [u8]>> {
    match stored.split_first() {
        Some((&PACKED, packed)) => lz4_flex::decompress_size_prepended(packed).ok().map(Cow::Owned),
        _ => Some(Cow::Borrowed(stored)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_repetitive_value_is_packed_smaller_and_comes_back_whole() {
        let json = serde_json::to_vec(&serde_json::json!({
            "fields": (0..20).map(|i| (format!("field_{i}"), serde_json::json!({
                "value": "in_progress", "clock": {"wall_ms": 1795113431442u64, "counter": 0, "device": "demo-seed"},
                "by": "886f05d2-3d37-42a8-90f2-6bd04f427cda"}))).collect::<serde_json::Map<_, _>>()
        }))
        .unwrap();
        let packed = pack(json.clone());
        assert_eq!(packed[0], PACKED);
        assert!(packed.len() * 4 < json.len(), "{} bytes packed from {}", packed.len(), json.len());
        assert_eq!(unpack(&packed).unwrap().as_ref(), json.as_slice());
    }

    #[test]
    fn short_values_and_values_written_before_packing_are_read_as_they_are() {
        let short = br#"{"seq":12}"#.to_vec();
        assert_eq!(pack(short.clone()), short);
        assert_eq!(unpack(&short).unwrap().as_ref(), short.as_slice());
        // Bytes with no repeats to find (xorshift), as a value that does not pack.
        let mut state = 0x2545_f491_u32;
        let unpackable: Vec<u8> = (0..600)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        assert_ne!(pack(unpackable.clone()).first(), Some(&PACKED), "kept as it is when packing does not gain");
        assert_eq!(unpack(b"").unwrap().as_ref(), b"");
    }

    #[test]
    fn a_damaged_packed_value_is_refused_not_misread() {
        let mut packed = pack(vec![b'a'; 1000]);
        packed.truncate(packed.len() - 2);
        assert!(unpack(&packed).is_none());
        assert!(unpack(&[PACKED, 1]).is_none(), "too short to hold its size");
    }
}
