//! The conventional-memory transfer buffer that file I/O to far buffers goes through.
use super::conv;
use super::flat;
use core::sync::atomic::{AtomicU16, Ordering};

/// 32 KB: large enough that DOS per-call overhead is small (measured in docs/BENCHMARKS.md),
/// small enough to leave conventional memory for the pools.
pub const PARAGRAPHS: u16 = 0x800;

static SEGMENT: AtomicU16 = AtomicU16::new(0);

/// Allocates the buffer; without it far transfers cannot happen (startup refuses to run).
pub fn init() -> bool {
    match conv::alloc(PARAGRAPHS) {
        Ok(seg) => {
            SEGMENT.store(seg, Ordering::Relaxed);
            true
        }
        Err(_) => false,
    }
}

pub fn segment() -> u16 {
    SEGMENT.load(Ordering::Relaxed)
}

pub fn size() -> usize {
    PARAGRAPHS as usize * 16
}

fn linear() -> u32 {
    (segment() as u32) << 4
}

/// Copies `len` bytes from the pointer `addr` into the buffer.
pub fn copy_in(addr: usize, len: usize) {
    flat::copy(linear(), flat::linear(addr as *const u8), len);
}

/// Copies `len` bytes from the buffer to the pointer `addr`.
pub fn copy_out(addr: usize, len: usize) {
    flat::copy(flat::linear(addr as *const u8), linear(), len);
}
