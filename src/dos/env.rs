//! The DOS environment block (segment at PSP:2Ch): `NAME=value` strings, NUL-separated.
use super::flat;

extern "C" {
    /// PSP:2Ch as DOS left it (a DPMI host turns the PSP's copy into a selector).
    static dos_env_seg: u16;
}

fn segment() -> u16 {
    // SAFETY: written once by the 16-bit startup before any Rust code runs.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(dos_env_seg)) }
}

/// The value of environment variable `name` (upper case, as COMMAND.COM stores it).
pub fn get(name: &[u8]) -> Option<heapless::Vec<u8, 128>> {
    let seg = segment();
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

/// The directory of the running program (from the full path DOS 3+ stores after the
/// environment strings), with its trailing backslash.
pub fn program_dir() -> heapless::Vec<u8, 128> {
    let mut out = heapless::Vec::new();
    let seg = segment();
    if seg == 0 {
        return out;
    }
    let base = flat::pointer((seg as u32) << 4) as *const u8;
    // SAFETY: as in `get`: at most 32 KB of environment, then a count and the path.
    let env = unsafe { core::slice::from_raw_parts(base, 0x8000 + 130) };
    let Some(end) = env[..0x8000].windows(2).position(|w| w == [0, 0]) else { return out };
    let path = &env[end + 4..];
    let len = path.iter().position(|&b| b == 0).unwrap_or(0);
    let dir_len = path[..len].iter().rposition(|&b| b == b'\\' || b == b':').map_or(0, |i| i + 1);
    let _ = out.extend_from_slice(&path[..dir_len.min(128)]);
    out
}
