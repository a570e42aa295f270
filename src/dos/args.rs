//! The command tail from the PSP (at most 127 bytes, as DOS gives it).

/// A copy of the command tail (PSP:80h length byte, PSP:81h text).
pub fn command_tail() -> heapless::Vec<u8, 127> {
    let mut out = heapless::Vec::new();
    // SAFETY: the PSP occupies offsets 0..0x100 of our segment (DS = PSP); offset 0x80
    // holds the tail length and 0x81.. at most 127 bytes of text.
    let (len, text) = unsafe {
        let len = core::ptr::read_volatile(0x80 as *const u8) as usize;
        (len.min(127), 0x81 as *const u8)
    };
    for i in 0..len {
        // SAFETY: i < len <= 127, inside the PSP's tail buffer.
        let b = unsafe { core::ptr::read_volatile(text.add(i)) };
        if b == b'\r' {
            break;
        }
        let _ = out.push(b);
    }
    out
}
