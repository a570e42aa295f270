//! Splits a DOS command tail into words; `"..."` keeps spaces inside one word.

pub struct Words<'a> {
    rest: &'a [u8],
}

impl<'a> Words<'a> {
    pub fn new(tail: &'a [u8]) -> Self {
        Words { rest: tail }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let start = self.rest.iter().position(|b| !b.is_ascii_whitespace())?;
        let s = &self.rest[start..];
        let mut quoted = false;
        let mut end = s.len();
        for (i, &b) in s.iter().enumerate() {
            if b == b'"' {
                quoted = !quoted;
            } else if !quoted && b.is_ascii_whitespace() {
                end = i;
                break;
            }
        }
        self.rest = &s[end..];
        Some(unquote(&s[..end]))
    }
}

/// `"text"` -> `text`; a word without surrounding quotes is returned as is.
pub fn unquote(w: &[u8]) -> &[u8] {
    match w {
        [b'"', inner @ .., b'"'] => inner,
        [b'"', inner @ ..] => inner,
        _ => w,
    }
}
