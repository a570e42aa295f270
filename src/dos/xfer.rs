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

/// The buffer as a slice: `size()` bytes of a DOS block this program owns until exit.
fn buffer() -> &'static mut [u8] {
    assert!(segment() != 0, "transfer buffer used before init");
    // SAFETY: the block was allocated by `init` and is never freed before exit; GEN is
    // single-threaded and every caller uses the slice only within one call.
    unsafe { core::slice::from_raw_parts_mut(flat::pointer((segment() as u32) << 4), size()) }
}

/// Copies `src` (at most `size()` bytes) to the start of the buffer.
pub fn copy_in(src: &[u8]) {
    buffer()[..src.len()].copy_from_slice(src);
}

/// Fills `dst` (at most `size()` bytes) from the start of the buffer.
pub fn copy_out(dst: &mut [u8]) {
    dst.copy_from_slice(&buffer()[..dst.len()]);
}
