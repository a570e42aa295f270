//! BIOS tick counter (INT 1Ah AH=00h): 18.2065 ticks/s of emulated time.
use super::regs::{int1a, Regs};

/// Ticks since midnight.
pub fn ticks() -> u32 {
    let mut r = Regs::ax(0x0000);
    int1a(&mut r);
    ((r.ecx & 0xFFFF) << 16) | (r.edx & 0xFFFF)
}

/// Ticks from `start` to now, across midnight.
pub fn since(start: u32) -> u32 {
    const PER_DAY: u32 = 0x1800B0;
    let now = ticks();
    if now >= start {
        now - start
    } else {
        now + PER_DAY - start
    }
}

/// Milliseconds in `ticks` (1 tick = 65536 / 1193182 s = 54.9254 ms).
pub fn ticks_to_ms(ticks: u32) -> u32 {
    ((ticks as u64 * 549_254) / 10_000) as u32
}
