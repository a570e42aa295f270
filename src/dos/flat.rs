//! Flat pointers: any linear address as a pointer (our data segment spans 4 GB from the PSP).
use super::regs::data_base;

/// The pointer value that addresses linear address `linear` (wraps mod 2^32).
pub fn pointer(linear: u32) -> *mut u8 {
    linear.wrapping_sub(data_base()) as usize as *mut u8
}

/// Linear address of a pointer value.
pub fn linear(ptr: *const u8) -> u32 {
    (ptr as usize as u32).wrapping_add(data_base())
}

/// Copies `len` bytes between linear addresses (non-overlapping).
pub fn copy(dst: u32, src: u32, len: usize) {
    // SAFETY: both ranges are memory this program owns (conventional blocks from DOS,
    // locked XMS blocks, or its own segment), reachable through the 4 GB data segment; the
    // callers never pass overlapping ranges.
    unsafe { core::ptr::copy_nonoverlapping(pointer(src), pointer(dst), len) }
}

/// Writes word `i` of a u32 array at the flat pointer `p`.
pub fn write_u32(p: *mut u32, i: u32, v: u32) {
    // SAFETY: callers pass a pointer from `pointer()` into a block they own, with `i`
    // inside it; the 4 GB data segment reaches every such address.
    unsafe { core::ptr::write_volatile(p.add(i as usize), v) }
}

/// Reads word `i` of a u32 array at the flat pointer `p`.
pub fn read_u32(p: *const u32, i: u32) -> u32 {
    // SAFETY: as `write_u32`.
    unsafe { core::ptr::read_volatile(p.add(i as usize)) }
}
