//! The DOS environment block (segment at PSP:2Ch): `NAME=value` strings, NUL-separated.
use super::flat;

/// The value of environment variable `name` (upper case, as COMMAND.COM stores it).
pub fn get(name: &[u8]) -> Option<heapless::Vec<u8, 128>> {
    // SAFETY: PSP:2Ch (inside our segment) holds the environment's segment.
    let seg = unsafe { core::ptr::read_volatile(0x2C as *const u16) };
    if seg == 0 {
        return None;
    }
    let base = flat::pointer((seg as u32) << 4) as *const u8;
    // SAFETY: DOS environments are at most 32 KB and end with an empty string; we stop
    // at that end or at the 32 KB bound, whichever comes first.
    let env = unsafe { core::slice::from_raw_parts(base, 0x8000) };
    let end = env.windows(2).position(|w| w == [0, 0]).unwrap_or(0);
    env[..end]
        .split(|&b| b == 0)
        .filter_map(|entry| {
            let eq = entry.iter().position(|&b| b == b'=')?;
            (entry[..eq].eq_ignore_ascii_case(name)).then(|| &entry[eq + 1..])
        })
        .next()
        .map(|v| heapless::Vec::from_slice(&v[..v.len().min(128)]).unwrap_or_default())
}
