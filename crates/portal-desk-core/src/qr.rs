//! QR codes (ISO/IEC 18004) for short addresses, such as the patient portal's activation
//! address handed to a patient's phone: byte mode, error correction level M (about 15%
//! of the symbol can be damaged), versions 1 to 4 (up to 62 bytes). Pure: the app draws
//! the result as SVG.

use thiserror::Error;

/// The most bytes a version 4 symbol at level M holds in byte mode.
pub const MAX_BYTES: usize = 62;

/// Why a text cannot be drawn as a QR code here.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum QrError {
    /// Longer than the largest version supported holds.
    #[error("The text is {len} bytes long; a QR code here holds at most {MAX_BYTES}: use a shorter address")]
    TooLong {
        /// The text's length in bytes.
        len: usize,
    },
}

/// The block structure of one version at level M: (data codewords per block, error
/// correction codewords per block, blocks). All blocks are the same size up to v4.
const LEVEL_M: [(usize, usize, usize); 4] = [(16, 10, 1), (28, 16, 1), (44, 26, 1), (32, 18, 2)];

/// The two format bits that name level M.
const LEVEL_M_BITS: u16 = 0b00;

/// A finished QR code: a square of dark and light modules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrCode {
    version: usize,
    size: usize,
    mask: u8,
    dark: Vec<bool>,
}

impl QrCode {
    /// Encodes `data` in the smallest version that holds it, with the mask that the
    /// standard's penalty rules score lowest.
    pub fn encode(data: &[u8]) -> Result<QrCode, QrError> {
        let version = (1..=4).find(|&v| data.len() <= capacity(v)).ok_or(QrError::TooLong { len: data.len() })?;
        let codewords = interleave(version, &data_codewords(version, data));
        let base = Matrix::with_function_patterns(version);
        let mut best: Option<(u32, Matrix, u8)> = None;
        for mask in 0..8 {
            let mut matrix = base.clone();
            matrix.place_data(&codewords, mask);
            matrix.draw_format(mask);
            let score = matrix.penalty();
            if best.as_ref().is_none_or(|(lowest, _, _)| score < *lowest) {
                best = Some((score, matrix, mask));
            }
        }
        let (_, matrix, mask) = best.expect("eight masks were tried");
        Ok(QrCode { version, size: matrix.size, mask, dark: matrix.dark })
    }

    /// The version (1 to 4): the symbol is `17 + 4 × version` modules across.
    pub fn version(&self) -> usize {
        self.version
    }

    /// The number of modules across (and down).
    pub fn size(&self) -> usize {
        self.size
    }

    /// The data mask chosen (0 to 7).
    pub fn mask(&self) -> u8 {
        self.mask
    }

    /// Whether the module in column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.size + x]
    }

    /// An SVG path drawing every dark module as a unit square, offset by `border`
    /// modules of quiet zone (the standard asks for 4).
    pub fn svg_path(&self, border: usize) -> String {
        let mut path = String::new();
        for y in 0..self.size {
            for x in (0..self.size).filter(|&x| self.is_dark(x, y)) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
        path
    }

    /// The whole symbol as a standalone SVG document with a 4-module quiet zone.
    pub fn to_svg(&self) -> String {
        let side = self.size + 8;
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path d=\"{}\" fill=\"#000\"/></svg>",
            self.svg_path(4)
        )
    }
}

/// How many bytes a version holds at level M in byte mode: the data codewords less the
/// 4-bit mode and 8-bit count, rounded down.
fn capacity(version: usize) -> usize {
    let (data, _, blocks) = LEVEL_M[version - 1];
    data * blocks - 2
}

/// The data codewords: mode indicator 0100 (byte), an 8-bit count, the bytes, a
/// terminator of up to four zero bits, zero bits to the byte boundary, then the pad
/// bytes 0xEC and 0x11 in turn.
fn data_codewords(version: usize, data: &[u8]) -> Vec<u8> {
    let (per_block, _, blocks) = LEVEL_M[version - 1];
    let total = per_block * blocks;
    let mut bits = BitWriter::default();
    bits.push(0b0100, 4);
    bits.push(data.len() as u32, 8);
    for &byte in data {
        bits.push(u32::from(byte), 8);
    }
    let terminator = (total * 8 - bits.len).min(4);
    bits.push(0, terminator);
    let mut bytes = bits.into_bytes();
    for pad in [0xEC, 0x11].into_iter().cycle() {
        if bytes.len() >= total {
            break;
        }
        bytes.push(pad);
    }
    bytes
}

/// Splits the data into blocks, adds each block's error correction, and interleaves
/// them: the first codeword of every block, then the second, and so on.
fn interleave(version: usize, data: &[u8]) -> Vec<u8> {
    let (per_block, ec_len, _) = LEVEL_M[version - 1];
    let blocks: Vec<&[u8]> = data.chunks(per_block).collect();
    let ecs: Vec<Vec<u8>> = blocks.iter().map(|b| reed_solomon(b, ec_len)).collect();
    let mut out = Vec::with_capacity(data.len() + ecs.len() * ec_len);
    for i in 0..per_block {
        out.extend(blocks.iter().map(|b| b[i]));
    }
    for i in 0..ec_len {
        out.extend(ecs.iter().map(|e| e[i]));
    }
    out
}

/// Multiplies two elements of GF(2^8) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.
fn gf_mul(a: u8, b: u8) -> u8 {
    let (mut a, mut b, mut product) = (u16::from(a), b, 0u16);
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        a <<= 1;
        if a & 0x100 != 0 {
            a ^= 0x11D;
        }
        b >>= 1;
    }
    product as u8
}

/// The `ec_len` Reed–Solomon error correction codewords for `data`: the remainder of
/// data × x^ec_len divided by the generator (x − α^0)(x − α^1)…(x − α^(ec_len−1)).
fn reed_solomon(data: &[u8], ec_len: usize) -> Vec<u8> {
    // The generator's coefficients, highest power first, leading 1 left out.
    let mut generator = vec![0u8; ec_len];
    generator[ec_len - 1] = 1;
    let mut root = 1u8;
    for _ in 0..ec_len {
        for j in 0..ec_len {
            generator[j] = gf_mul(generator[j], root) ^ generator.get(j + 1).copied().unwrap_or(0);
        }
        root = gf_mul(root, 2);
    }
    let mut remainder = vec![0u8; ec_len];
    for &byte in data {
        let factor = byte ^ remainder[0];
        remainder.rotate_left(1);
        remainder[ec_len - 1] = 0;
        for (r, &g) in remainder.iter_mut().zip(&generator) {
            *r ^= gf_mul(g, factor);
        }
    }
    remainder
}

/// The 15 format bits for level M and `mask`: five data bits, ten BCH(15,5) check bits
/// (generator 0x537), XORed with 0x5412 so they are never all light.
fn format_bits(mask: u8) -> u16 {
    let data = (LEVEL_M_BITS << 3) | u16::from(mask);
    let mut rem = data << 10;
    for bit in (10..15).rev() {
        if rem & (1 << bit) != 0 {
            rem ^= 0x537 << (bit - 10);
        }
    }
    ((data << 10) | rem) ^ 0x5412
}

/// Appends bits most significant first.
#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    len: usize,
}

impl BitWriter {
    fn push(&mut self, value: u32, count: usize) {
        for i in (0..count).rev() {
            if self.len.is_multiple_of(8) {
                self.bytes.push(0);
            }
            if (value >> i) & 1 == 1 {
                let last = self.bytes.len() - 1;
                self.bytes[last] |= 0x80 >> (self.len % 8);
            }
            self.len += 1;
        }
    }

    fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// A symbol being built: which modules are dark, and which belong to function
/// patterns (and so take no data and no mask).
#[derive(Clone, Debug)]
struct Matrix {
    size: usize,
    dark: Vec<bool>,
    function: Vec<bool>,
}

impl Matrix {
    fn with_function_patterns(version: usize) -> Matrix {
        let size = 17 + 4 * version;
        let mut m = Matrix { size, dark: vec![false; size * size], function: vec![false; size * size] };
        for i in 0..size {
            m.set_function(6, i, i % 2 == 0);
            m.set_function(i, 6, i % 2 == 0);
        }
        for (x, y) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            m.draw_finder(x, y);
        }
        if version > 1 {
            let at = size - 7;
            for dy in -2i32..=2 {
                for dx in -2i32..=2 {
                    let ring = dx.abs().max(dy.abs());
                    m.set_function(at.wrapping_add_signed(dx as isize), at.wrapping_add_signed(dy as isize), ring != 1);
                }
            }
        }
        // Reserve the format areas now (drawn for each mask later) and the dark module.
        m.draw_format(0);
        m
    }

    fn index(&self, x: usize, y: usize) -> usize {
        y * self.size + x
    }

    fn set_function(&mut self, x: usize, y: usize, dark: bool) {
        let i = self.index(x, y);
        self.dark[i] = dark;
        self.function[i] = true;
    }

    /// A finder pattern centred on (x, y) with its light separator, clipped to the symbol.
    fn draw_finder(&mut self, x: usize, y: usize) {
        for dy in -4i32..=4 {
            for dx in -4i32..=4 {
                let (Some(px), Some(py)) = (x.checked_add_signed(dx as isize), y.checked_add_signed(dy as isize))
                else {
                    continue;
                };
                if px < self.size && py < self.size {
                    let ring = dx.abs().max(dy.abs());
                    self.set_function(px, py, ring != 2 && ring != 4);
                }
            }
        }
    }

    /// Both copies of the format bits, and the dark module beside the lower-left finder.
    fn draw_format(&mut self, mask: u8) {
        let bits = format_bits(mask);
        let bit = |i: usize| (bits >> i) & 1 == 1;
        let size = self.size;
        for i in 0..6 {
            self.set_function(8, i, bit(i));
        }
        self.set_function(8, 7, bit(6));
        self.set_function(8, 8, bit(7));
        self.set_function(7, 8, bit(8));
        for i in 9..15 {
            self.set_function(14 - i, 8, bit(i));
        }
        for i in 0..8 {
            self.set_function(size - 1 - i, 8, bit(i));
        }
        for i in 8..15 {
            self.set_function(8, size - 15 + i, bit(i));
        }
        self.set_function(8, size - 8, true);
    }

    /// Places the codewords in the zigzag the standard describes: two columns at a time
    /// from the right, upwards then downwards, skipping the vertical timing pattern and
    /// every function module; each data module is flipped where the mask says so.
    fn place_data(&mut self, codewords: &[u8], mask: u8) {
        let total_bits = codewords.len() * 8;
        let mut next = 0;
        let mut right = self.size - 1;
        loop {
            if right == 6 {
                right = 5;
            }
            let upward = (right + 1) & 2 == 0;
            for step in 0..self.size {
                let y = if upward { self.size - 1 - step } else { step };
                for x in [right, right - 1] {
                    let i = self.index(x, y);
                    if self.function[i] {
                        continue;
                    }
                    // Remainder bits past the last codeword are light.
                    let bit = next < total_bits && (codewords[next / 8] >> (7 - next % 8)) & 1 == 1;
                    next += 1;
                    self.dark[i] = bit ^ mask_flips(mask, x, y);
                }
            }
            if right < 2 {
                break;
            }
            right -= 2;
        }
    }

    /// The standard's penalty score: long runs, 2×2 blocks, finder-like patterns and an
    /// unbalanced share of dark modules all cost points.
    fn penalty(&self) -> u32 {
        let n = self.size;
        let at = |x: usize, y: usize| self.dark[y * n + x];
        let mut score = 0;
        for line in 0..n {
            for horizontal in [true, false] {
                let module = |i: usize| if horizontal { at(i, line) } else { at(line, i) };
                let mut run = 1;
                for i in 1..=n {
                    if i < n && module(i) == module(i - 1) {
                        run += 1;
                        continue;
                    }
                    if run >= 5 {
                        score += 3 + (run - 5) as u32;
                    }
                    run = 1;
                }
                const FINDER_LIKE: [bool; 11] =
                    [true, false, true, true, true, false, true, false, false, false, false];
                for start in 0..=n.saturating_sub(11) {
                    let forwards = (0..11).all(|k| module(start + k) == FINDER_LIKE[k]);
                    let backwards = (0..11).all(|k| module(start + k) == FINDER_LIKE[10 - k]);
                    score += 40 * (u32::from(forwards) + u32::from(backwards));
                }
            }
        }
        for y in 0..n - 1 {
            for x in 0..n - 1 {
                let c = at(x, y);
                if at(x + 1, y) == c && at(x, y + 1) == c && at(x + 1, y + 1) == c {
                    score += 3;
                }
            }
        }
        let dark = self.dark.iter().filter(|&&d| d).count();
        let percent = dark * 100 / (n * n);
        score + 10 * (percent.abs_diff(50) / 5) as u32
    }
}

/// Whether data mask `mask` flips the module in column `x`, row `y`.
fn mask_flips(mask: u8, x: usize, y: usize) -> bool {
    match mask {
        0 => (x + y).is_multiple_of(2),
        1 => y.is_multiple_of(2),
        2 => x.is_multiple_of(3),
        3 => (x + y).is_multiple_of(3),
        4 => (y / 2 + x / 3).is_multiple_of(2),
        5 => (x * y) % 2 + (x * y) % 3 == 0,
        6 => ((x * y) % 2 + (x * y) % 3).is_multiple_of(2),
        _ => ((x + y) % 2 + (x * y) % 3).is_multiple_of(2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reed_solomon_matches_the_worked_example_for_version_1_m() {
        // "HELLO WORLD" at 1-M in alphanumeric mode: the data codewords and the ten error
        // correction codewords the standard's worked example gives.
        let data = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17];
        assert_eq!(reed_solomon(&data, 10), [196, 35, 39, 119, 235, 215, 231, 226, 93, 23]);
    }

    #[test]
    fn field_multiplication_wraps_by_the_qr_polynomial() {
        assert_eq!(gf_mul(0x80, 2), 0x1D);
        assert_eq!(gf_mul(0x53, 1), 0x53);
        assert_eq!(gf_mul(0, 0xFF), 0);
    }

    #[test]
    fn format_bits_for_level_m_match_the_standards_table() {
        let table: Vec<u16> = (0..8).map(format_bits).collect();
        assert_eq!(
            table,
            [
                0b101010000010010,
                0b101000100100101,
                0b101111001111100,
                0b101101101001011,
                0b100010111111001,
                0b100000011001110,
                0b100111110010111,
                0b100101010100000,
            ]
        );
    }

    #[test]
    fn byte_mode_data_is_mode_count_bytes_terminator_then_pad() {
        // "A" (0x41): 0100 00000001 01000001 0000 → 0x40 0x14 0x10, then 0xEC 0x11 …
        let codewords = data_codewords(1, b"A");
        assert_eq!(&codewords[..5], [0x40, 0x14, 0x10, 0xEC, 0x11]);
        assert_eq!(codewords.len(), 16);
        assert_eq!(codewords[15], 0xEC, "thirteen pad bytes, starting and ending with 0xEC");
    }

    #[test]
    fn the_smallest_version_that_holds_the_text_is_chosen() {
        let lengths = [(14, 1), (15, 2), (26, 2), (27, 3), (42, 3), (43, 4), (62, 4)];
        for (len, version) in lengths {
            let code = QrCode::encode(&vec![b'a'; len]).unwrap();
            assert_eq!((code.version(), code.size()), (version, 17 + 4 * version), "{len} bytes");
        }
        assert_eq!(QrCode::encode(&[b'a'; 63]), Err(QrError::TooLong { len: 63 }));
    }

    #[test]
    fn version_4_interleaves_its_two_blocks() {
        let data: Vec<u8> = (0..64).collect();
        let out = interleave(4, &data);
        assert_eq!(out.len(), 100);
        assert_eq!(&out[..4], [0, 32, 1, 33]);
        assert_eq!(out[64..82].to_vec(), {
            let (a, b) = (reed_solomon(&data[..32], 18), reed_solomon(&data[32..], 18));
            a.iter().zip(&b).flat_map(|(x, y)| [*x, *y]).take(18).collect::<Vec<_>>()
        });
    }

    #[test]
    fn function_patterns_sit_where_the_standard_puts_them() {
        let code = QrCode::encode(b"https://www.nhsapp.service.nhs.uk/").unwrap();
        let n = code.size();
        assert_eq!(code.version(), 3);
        // Finder: a dark 7×7 ring, a light ring, a dark 3×3 centre; light separator.
        let finder_row = [true, true, true, true, true, true, true, false];
        for (x0, y0) in [(0, 0), (n - 7, 0), (0, n - 7)] {
            assert!(code.is_dark(x0, y0) && code.is_dark(x0 + 6, y0 + 6) && code.is_dark(x0 + 3, y0 + 3));
            assert!(!code.is_dark(x0 + 1, y0 + 1) && !code.is_dark(x0 + 5, y0 + 1));
        }
        assert_eq!((0..8).map(|x| code.is_dark(x, 0)).collect::<Vec<_>>(), finder_row);
        // Timing patterns alternate between the finders.
        assert!((8..n - 8).all(|i| code.is_dark(i, 6) == (i % 2 == 0) && code.is_dark(6, i) == (i % 2 == 0)));
        // The dark module, and the alignment pattern centred at (22, 22) in version 3.
        assert!(code.is_dark(8, n - 8));
        assert!(code.is_dark(22, 22) && !code.is_dark(21, 22) && code.is_dark(20, 20) && code.is_dark(24, 22));
        // Both copies of the format bits name level M and the mask chosen.
        let bits = format_bits(code.mask());
        let first: u16 = (0..6).map(|i| u16::from(code.is_dark(8, i)) << i).sum::<u16>()
            | u16::from(code.is_dark(8, 7)) << 6
            | u16::from(code.is_dark(8, 8)) << 7
            | u16::from(code.is_dark(7, 8)) << 8
            | (9..15).map(|i| u16::from(code.is_dark(14 - i, 8)) << i).sum::<u16>();
        let second: u16 = (0..8).map(|i| u16::from(code.is_dark(n - 1 - i, 8)) << i).sum::<u16>()
            | (8..15).map(|i| u16::from(code.is_dark(8, n - 15 + i)) << i).sum::<u16>();
        assert_eq!((first, second), (bits, bits));
    }

    #[test]
    fn the_mask_chosen_scores_lowest_and_unmasking_gives_back_the_codewords() {
        let text = b"PORTAL";
        let code = QrCode::encode(text).unwrap();
        let codewords = interleave(1, &data_codewords(1, text));
        let mut scores = Vec::new();
        for mask in 0..8 {
            let mut m = Matrix::with_function_patterns(1);
            m.place_data(&codewords, mask);
            m.draw_format(mask);
            scores.push(m.penalty());
        }
        assert_eq!(scores.iter().min(), Some(&scores[usize::from(code.mask())]));
        // Read the data modules back in placement order and undo the mask.
        let base = Matrix::with_function_patterns(1);
        let mut bits = Vec::new();
        let mut right = 20usize;
        loop {
            if right == 6 {
                right = 5;
            }
            let upward = (right + 1) & 2 == 0;
            for step in 0..21 {
                let y = if upward { 20 - step } else { step };
                for x in [right, right - 1] {
                    if !base.function[y * 21 + x] {
                        bits.push(code.is_dark(x, y) ^ mask_flips(code.mask(), x, y));
                    }
                }
            }
            if right < 2 {
                break;
            }
            right -= 2;
        }
        assert_eq!(bits.len(), 26 * 8, "version 1 has exactly 208 data modules");
        let read: Vec<u8> =
            bits.chunks(8).map(|byte| byte.iter().fold(0, |acc, &b| (acc << 1) | u8::from(b))).collect();
        assert_eq!(read, codewords);
    }

    #[test]
    fn svg_draws_one_square_per_dark_module() {
        let code = QrCode::encode(b"A").unwrap();
        let dark = (0..21).flat_map(|y| (0..21).map(move |x| (x, y))).filter(|&(x, y)| code.is_dark(x, y)).count();
        assert_eq!(code.svg_path(4).matches('M').count(), dark);
        assert!(code.to_svg().starts_with("<svg") && code.to_svg().contains("viewBox=\"0 0 29 29\""));
    }
}
