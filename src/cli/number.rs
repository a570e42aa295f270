//! Numbers on the command line, parsed without floating point.

pub fn parse_u32(v: &[u8]) -> Option<u32> {
    if v.is_empty() || v.len() > 10 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in v {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (b - b'0') as u64;
    }
    u32::try_from(n).ok()
}

/// `"0.8"` -> 800, `"1"` -> 1000, `"1.25"` -> 1250; at most 3 decimals.
pub fn parse_milli(v: &[u8]) -> Option<u32> {
    let (int, frac) = match v.iter().position(|&b| b == b'.') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, &b""[..]),
    };
    if frac.len() > 3 || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let whole = if int.is_empty() { 0 } else { parse_u32(int)? };
    let mut milli = 0u32;
    for i in 0..3 {
        let d = match frac.get(i) {
            Some(b) if b.is_ascii_digit() => (b - b'0') as u32,
            Some(_) => return None,
            None => 0,
        };
        milli = milli * 10 + d;
    }
    whole.checked_mul(1000)?.checked_add(milli)
}

/// Digits with at most one point and at most 3 decimals (whatever its size).
pub fn is_decimal(v: &[u8]) -> bool {
    let (int, frac) = match v.iter().position(|&b| b == b'.') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, &b""[..]),
    };
    !(int.is_empty() && frac.is_empty()) && frac.len() <= 3 && int.iter().chain(frac).all(u8::is_ascii_digit)
}
