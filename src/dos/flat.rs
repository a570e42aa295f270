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
