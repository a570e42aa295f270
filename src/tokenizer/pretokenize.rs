//! GPT-2's pre-tokenization, by hand instead of with a regex engine:
//!
//! `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
//!
//! At each position the alternatives are tried in order, as the regex would. The
//! input is UTF-8; a byte that does not start a valid UTF-8 sequence counts as one
//! character of class `Other` (as U+FFFD would), so any byte string splits into
//! pieces that concatenate back to it.

use super::char_class::{ascii_class, class_of, CharClass};

/// Iterator over the pre-tokenization pieces of a text.
pub struct Pieces<'a> {
    text: &'a [u8],
    pos: usize,
}

/// Splits `text` into the pieces BPE encodes one by one.
pub fn pieces(text: &[u8]) -> Pieces<'_> {
    Pieces { text, pos: 0 }
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let end = piece_end(self.text, start);
        self.pos = end;
        Some(&self.text[start..end])
    }
}

/// Class and byte length of the character starting at `i` (`i < text.len()`).
#[inline]
fn char_at(text: &[u8], i: usize) -> (CharClass, usize) {
    let b = text[i];
    if b < 0x80 {
        return (ascii_class(b), 1);
    }
    match decode_utf8(&text[i..]) {
        Some((c, len)) => (class_of(c), len),
        None => (CharClass::Other, 1),
    }
}

/// Decodes one well-formed UTF-8 scalar (no overlong forms, no surrogates).
fn decode_utf8(s: &[u8]) -> Option<(u32, usize)> {
    let b0 = u32::from(s[0]);
    let (len, min, init) = match b0 {
        0xC2..=0xDF => (2, 0x80, b0 & 0x1F),
        0xE0..=0xEF => (3, 0x800, b0 & 0x0F),
        0xF0..=0xF4 => (4, 0x1_0000, b0 & 0x07),
        _ => return None,
    };
    if s.len() < len {
        return None;
    }
    let mut c = init;
    for &b in &s[1..len] {
        if b & 0xC0 != 0x80 {
            return None;
        }
        c = (c << 6) | u32::from(b & 0x3F);
    }
    if c < min || c > 0x10_FFFF || (0xD800..=0xDFFF).contains(&c) {
        return None;
    }
    Some((c, len))
}

/// End of a run of characters of class `class` starting at `i`.
fn run_end(text: &[u8], mut i: usize, class: CharClass) -> usize {
    while i < text.len() {
        let (c, len) = char_at(text, i);
        if c != class {
            break;
        }
        i += len;
    }
    i
}

/// Length of a contraction (`'s 't 're 've 'm 'll 'd`) at `i`, if there is one.
fn contraction_len(text: &[u8], i: usize) -> Option<usize> {
    let rest = &text[i..];
    if rest.first() != Some(&b'\'') {
        return None;
    }
    match rest.get(1..3) {
        Some(b"re") | Some(b"ve") | Some(b"ll") => return Some(3),
        _ => {}
    }
    match rest.get(1) {
        Some(b's') | Some(b't') | Some(b'm') | Some(b'd') => Some(2),
        _ => None,
    }
}

/// End of the piece starting at `i` (`i < text.len()`).
fn piece_end(text: &[u8], i: usize) -> usize {
    if let Some(len) = contraction_len(text, i) {
        return i + len;
    }
    let (class, len) = char_at(text, i);
    // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: a plain space may lead the run.
    if text[i] == b' ' && i + 1 < text.len() {
        let (next, _) = char_at(text, i + 1);
        if next != CharClass::Space {
            return run_end(text, i + 1, next);
        }
    }
    if class != CharClass::Space {
        return run_end(text, i + len, class);
    }
    // `\s+(?!\S)` keeps the last space for the word that follows; `\s+` otherwise.
    let mut last = i;
    let mut end = i + len;
    while end < text.len() {
        let (c, len) = char_at(text, end);
        if c != CharClass::Space {
            return if last > i { last } else { end };
        }
        last = end;
        end += len;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn split(text: &str) -> Vec<&str> {
        pieces(text.as_bytes()).map(|p| core::str::from_utf8(p).unwrap()).collect()
    }

    #[test]
    fn words_numbers_punctuation() {
        assert_eq!(split("Hello world, it's 2024!"), ["Hello", " world", ",", " it", "'s", " 2024", "!"]);
        assert_eq!(split("x!'s 's 'S"), ["x", "!'", "s", " '", "s", " '", "S"]);
        assert_eq!(
            split("we'll they're I've I'd I'm"),
            ["we", "'ll", " they", "'re", " I", "'ve", " I", "'d", " I", "'m"]
        );
    }

    #[test]
    fn whitespace_runs() {
        assert_eq!(split("a  b"), ["a", " ", " b"]);
        assert_eq!(split("a\n\nb"), ["a", "\n", "\n", "b"]);
        assert_eq!(split("a \tb"), ["a", " ", "\t", "b"]);
        assert_eq!(split("a   "), ["a", "   "]);
        assert_eq!(split("  "), ["  "]);
        assert_eq!(split(" "), [" "]);
        assert_eq!(split("a\u{3000}b"), ["a", "\u{3000}", "b"]);
    }

    #[test]
    fn non_ascii() {
        assert_eq!(split("naïve Ωμέγα 中文 ½5"), ["naïve", " Ωμέγα", " 中文", " ½5"]);
        assert_eq!(split("e\u{301}x"), ["e", "\u{301}", "x"]);
    }

    #[test]
    fn invalid_utf8_is_other_and_lossless() {
        let text = b"a\xffb \xc3\x28 \xed\xa0\x80!\xf0\x9f";
        let parts: Vec<&[u8]> = pieces(text).collect();
        assert_eq!(parts, [&b"a"[..], b"\xff", b"b", b" \xc3(", b" \xed\xa0\x80!\xf0\x9f"]);
        assert_eq!(parts.concat(), text);
    }
}
