//! Character classes of GPT-2's pre-tokenization pattern: `\p{L}`, `\p{N}`, `\s`, rest.
//!
//! Letters and numbers come from the compact generated table in `unicode_tables`
//! (about 2 KB); the 25 whitespace code points are matched here.

use super::unicode_tables::{CLASS_RECORDS, INDEX_CP, INDEX_POS};

/// The class a character has in the pre-tokenization pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharClass {
    /// `\p{L}`
    Letter,
    /// `\p{N}`
    Number,
    /// `\s` as the reference regex engine defines it.
    Space,
    /// Everything else, including bytes that are not valid UTF-8.
    Other,
}

/// Class of a Unicode scalar value (or of any `u32`; out-of-range values are `Other`).
pub fn class_of(c: u32) -> CharClass {
    if c < 0x80 {
        return ascii_class(c as u8);
    }
    if is_whitespace(c) {
        return CharClass::Space;
    }
    match table_class(c) {
        1 => CharClass::Letter,
        2 => CharClass::Number,
        _ => CharClass::Other,
    }
}

/// Class of an ASCII byte, without touching the table.
#[inline]
pub fn ascii_class(b: u8) -> CharClass {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => CharClass::Letter,
        b'0'..=b'9' => CharClass::Number,
        b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => CharClass::Space,
        _ => CharClass::Other,
    }
}

/// `\s`: U+0009..U+000D, U+0085 and the separators Zs, Zl, Zp.
fn is_whitespace(c: u32) -> bool {
    matches!(c, 0x09..=0x0D | 0x20 | 0x85 | 0xA0 | 0x1680 | 0x2000..=0x200A
        | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000)
}

/// Decodes one boundary record at `pos`: (code point delta, class, next position).
fn read_record(pos: usize) -> (u32, u8, usize) {
    let mut value = 0u32;
    let mut shift = 0;
    let mut pos = pos;
    loop {
        let b = CLASS_RECORDS[pos];
        pos += 1;
        value |= u32::from(b & 0x7F) << shift;
        if b & 0x80 == 0 {
            return (value >> 2, (value & 3) as u8, pos);
        }
        shift += 7;
    }
}

/// Class number (0 other, 1 letter, 2 number) of `c` from the boundary table.
fn table_class(c: u32) -> u8 {
    // Last indexed boundary at or below `c`; before the first one everything is other.
    let k = INDEX_CP.partition_point(|&cp| cp <= c);
    let (mut cp, mut pos, mut class) = if k == 0 {
        (0, 0, 0)
    } else {
        let start = usize::from(INDEX_POS[k - 1]);
        let (_, class, next) = read_record(start);
        (INDEX_CP[k - 1], next, class)
    };
    while pos < CLASS_RECORDS.len() {
        let (delta, next_class, next) = read_record(pos);
        if cp + delta > c {
            break;
        }
        cp += delta;
        class = next_class;
        pos = next;
    }
    class
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(ch: char) -> CharClass {
        class_of(ch as u32)
    }

    #[test]
    fn ascii_agrees_with_table() {
        for b in 0u8..0x80 {
            let from_table = match table_class(u32::from(b)) {
                1 => CharClass::Letter,
                2 => CharClass::Number,
                _ if is_whitespace(u32::from(b)) => CharClass::Space,
                _ => CharClass::Other,
            };
            assert_eq!(ascii_class(b), from_table, "byte {b:#x}");
        }
    }

    #[test]
    fn known_characters() {
        use CharClass::*;
        // Letters of several categories (Lu, Ll, Lt, Lm, Lo) and scripts.
        for ch in ['é', 'ß', 'Ǆ', 'ǅ', 'ʰ', 'Ж', 'λ', '中', 'ア', '한', 'ﬁ', '𝒜', '𠀀'] {
            assert_eq!(class(ch), Letter, "{ch}");
        }
        // Nd, Nl, No.
        for ch in ['٣', '५', '²', '½', 'Ⅻ', '①', '𝟘', '〇'] {
            assert_eq!(class(ch), Number, "{ch}");
        }
        for ch in ['\u{85}', '\u{a0}', '\u{1680}', '\u{2003}', '\u{2028}', '\u{3000}'] {
            assert_eq!(class(ch), Space, "{ch:?}");
        }
        // Marks, symbols, punctuation, format and control characters are "other".
        for ch in ['\u{301}', '€', '—', '😀', '\u{200b}', '\u{1c}', '\u{feff}', '\u{10ffff}'] {
            assert_eq!(class(ch), Other, "{ch:?}");
        }
        assert_eq!(class_of(0x11_0000), Other);
        assert_eq!(class_of(u32::MAX), Other);
    }

    #[test]
    fn index_points_at_records() {
        // Walking all records from the start must meet every indexed boundary.
        let (mut cp, mut pos, mut seen) = (0u32, 0usize, 0usize);
        let mut count = 0usize;
        while pos < CLASS_RECORDS.len() {
            if count.is_multiple_of(32) {
                assert_eq!(usize::from(INDEX_POS[seen]), pos);
                let (delta, _, _) = read_record(pos);
                assert_eq!(INDEX_CP[seen], cp + delta);
                seen += 1;
            }
            let (delta, _, next) = read_record(pos);
            assert!(delta > 0 || count == 0);
            cp += delta;
            pos = next;
            count += 1;
        }
        assert_eq!(seen, INDEX_CP.len());
        assert!(cp < 0x11_0000);
    }
}
