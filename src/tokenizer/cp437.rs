//! Code page 437 (the DOS console's) <-> UTF-8 (the tokenizer's).
//!
//! Bytes 0x00..0x7F are ASCII both ways (control codes stay control codes: CR, LF
//! and TAB must keep their meaning; the CP437 glyphs for them are not wanted).
//! Bytes 0x80..0xFF follow the standard table. Towards CP437, characters without a
//! glyph become `?`, except typographic quotes and dashes, which GPT-2 writes often
//! and which read better as their ASCII look-alikes than as `?`.
//!
//! Model output reaches the console token by token, and a token may end in the
//! middle of a UTF-8 sequence: `Utf8ToCp437` keeps the unfinished sequence until
//! the next bytes arrive.

use alloc::vec::Vec;

/// Unicode code points of CP437 bytes 0x80..0xFF.
#[rustfmt::skip]
const HIGH_HALF: [u16; 128] = [
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
    0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
    0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
    0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
];

/// Characters CP437 lacks that still have an obvious ASCII stand-in.
#[rustfmt::skip]
const LOOK_ALIKES: [(u16, u8); 15] = [
    (0x2018, b'\''), (0x2019, b'\''), (0x201A, b'\''), (0x201B, b'\''), (0x2032, b'\''),
    (0x201C, b'"'), (0x201D, b'"'), (0x201E, b'"'), (0x201F, b'"'), (0x2033, b'"'),
    (0x2010, b'-'), (0x2011, b'-'), (0x2013, b'-'), (0x2014, b'-'), (0x2212, b'-'),
];

/// What unmappable characters and invalid UTF-8 become.
pub const REPLACEMENT: u8 = b'?';

/// The character a CP437 byte stands for.
pub fn cp437_to_char(b: u8) -> char {
    if b < 0x80 {
        char::from(b)
    } else {
        // Every table entry is a BMP scalar value, never a surrogate.
        char::from_u32(u32::from(HIGH_HALF[usize::from(b - 0x80)])).unwrap_or('?')
    }
}

/// Appends the UTF-8 form of CP437 `input` (e.g. DOS keyboard or file input).
pub fn cp437_to_utf8(input: &[u8], out: &mut Vec<u8>) {
    let mut buf = [0u8; 4];
    for &b in input {
        if b < 0x80 {
            out.push(b);
        } else {
            out.extend_from_slice(cp437_to_char(b).encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// The CP437 byte showing `c` (exactly, or as an ASCII look-alike), if any.
pub fn char_to_cp437(c: char) -> Option<u8> {
    let c = c as u32;
    if c < 0x80 {
        return Some(c as u8);
    }
    if let Some(k) = HIGH_HALF.iter().position(|&h| u32::from(h) == c) {
        return Some(0x80 + k as u8);
    }
    LOOK_ALIKES.iter().find(|&&(u, _)| u32::from(u) == c).map(|&(_, b)| b)
}

/// Streaming UTF-8 -> CP437: feed bytes in pieces of any size, get CP437 out.
///
/// Invalid UTF-8 follows the usual "maximal subpart" rule (as `from_utf8_lossy`
/// and browsers do): each invalid sequence becomes one `?`.
#[derive(Clone, Debug)]
pub struct Utf8ToCp437 {
    /// Code point bits gathered so far from an unfinished sequence.
    code: u32,
    /// Continuation bytes still missing (0: between characters).
    needed: u8,
    /// Allowed range of the next continuation byte (narrower after E0, ED, F0, F4,
    /// which rules out overlong forms, surrogates and values above U+10FFFF).
    lower: u8,
    upper: u8,
}

impl Default for Utf8ToCp437 {
    fn default() -> Self {
        Self::new()
    }
}

impl Utf8ToCp437 {
    pub const fn new() -> Self {
        Utf8ToCp437 { code: 0, needed: 0, lower: 0x80, upper: 0xBF }
    }

    /// Converts `bytes`, keeping an unfinished final sequence for the next call.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        for &b in bytes {
            self.push_byte(b, out);
        }
    }

    /// Ends the stream: an unfinished sequence becomes `?`.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if self.needed != 0 {
            out.push(REPLACEMENT);
        }
        *self = Self::new();
    }

    /// True when no partial sequence is pending.
    pub fn is_idle(&self) -> bool {
        self.needed == 0
    }

    fn push_byte(&mut self, b: u8, out: &mut Vec<u8>) {
        if self.needed != 0 {
            if !(self.lower..=self.upper).contains(&b) {
                // The sequence so far is one invalid subpart; `b` starts afresh.
                *self = Self::new();
                out.push(REPLACEMENT);
            } else {
                self.lower = 0x80;
                self.upper = 0xBF;
                self.code = (self.code << 6) | u32::from(b & 0x3F);
                self.needed -= 1;
                if self.needed == 0 {
                    let c = char::from_u32(self.code);
                    out.push(c.and_then(char_to_cp437).unwrap_or(REPLACEMENT));
                }
                return;
            }
        }
        match b {
            0x00..=0x7F => out.push(b),
            0xC2..=0xDF => self.start(1, u32::from(b & 0x1F), 0x80, 0xBF),
            0xE0 => self.start(2, 0, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => self.start(2, u32::from(b & 0x0F), 0x80, 0xBF),
            0xED => self.start(2, 0xD, 0x80, 0x9F),
            0xF0 => self.start(3, 0, 0x90, 0xBF),
            0xF1..=0xF3 => self.start(3, u32::from(b & 0x07), 0x80, 0xBF),
            0xF4 => self.start(3, 4, 0x80, 0x8F),
            _ => out.push(REPLACEMENT),
        }
    }

    fn start(&mut self, needed: u8, code: u32, lower: u8, upper: u8) {
        *self = Utf8ToCp437 { code, needed, lower, upper };
    }
}

/// Converts a whole UTF-8 (or not quite UTF-8) text to CP437.
pub fn utf8_to_cp437(input: &[u8], out: &mut Vec<u8>) {
    let mut decoder = Utf8ToCp437::new();
    decoder.push(input, out);
    decoder.finish(out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    #[test]
    fn every_byte_round_trips() {
        for b in 0..=255u8 {
            let mut utf8 = Vec::new();
            cp437_to_utf8(&[b], &mut utf8);
            assert_eq!(core::str::from_utf8(&utf8).unwrap().chars().count(), 1);
            let mut back = Vec::new();
            utf8_to_cp437(&utf8, &mut back);
            assert_eq!(back, [b], "byte {b:#04x}");
        }
    }

    #[test]
    fn text_both_ways() {
        let mut utf8 = Vec::new();
        cp437_to_utf8(b"Caf\x82 \x9c5 \xe1\xe0\r\n", &mut utf8);
        assert_eq!(String::from_utf8(utf8.clone()).unwrap(), "Café £5 ßα\r\n");
        let mut cp = Vec::new();
        utf8_to_cp437("“It’s” 中 — ½ 😀".as_bytes(), &mut cp);
        assert_eq!(cp, b"\"It's\" ? - \xab ?");
    }

    #[test]
    fn sequences_split_anywhere_give_the_same_output() {
        let text = "Zürich ½ 中文 😀 naïve\u{a0}end".as_bytes();
        let mut whole = Vec::new();
        utf8_to_cp437(text, &mut whole);
        for split in 0..=text.len() {
            let (mut d, mut out) = (Utf8ToCp437::new(), Vec::new());
            d.push(&text[..split], &mut out);
            d.push(&text[split..], &mut out);
            assert!(d.is_idle());
            d.finish(&mut out);
            assert_eq!(out, whole, "split at {split}");
        }
        // Byte by byte, as tokens that each end mid-character would arrive.
        let (mut d, mut out) = (Utf8ToCp437::new(), Vec::new());
        for b in text {
            d.push(&[*b], &mut out);
        }
        d.finish(&mut out);
        assert_eq!(out, whole);
    }

    #[test]
    fn invalid_utf8_becomes_one_question_mark_per_subpart() {
        let cases: [(&[u8], &[u8]); 8] = [
            (b"a\xffb", b"a?b"),
            (b"\xc3", b"?"),                // cut short at the end
            (b"\xc3(", b"?("),              // continuation missing
            (b"\xe2\x82", b"?"),            // truncated 3-byte sequence: one subpart
            (b"\xe0\x80\x80", b"???"),      // overlong: each byte invalid alone
            (b"\xed\xa0\x80", b"???"),      // surrogate
            (b"\xf4\x90\x80\x80", b"????"), // above U+10FFFF
            (b"\xc0\xaf\xf0\x9f\x98", b"???"),
        ];
        for (input, expected) in cases {
            let mut out = Vec::new();
            utf8_to_cp437(input, &mut out);
            assert_eq!(out, expected, "{input:x?}");
        }
    }
}
