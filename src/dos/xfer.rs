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
    string_copy(&mut buffer()[..src.len()], src);
}

/// Fills `dst` (at most `size()` bytes) from the start of the buffer.
pub fn copy_out(dst: &mut [u8]) {
    let n = dst.len();
    string_copy(dst, &buffer()[..n]);
}

/// `dst.copy_from_slice(src)` with `rep movsd` and `rep movsb` for the tail. Every byte
/// a streaming plan reads passes here once per token: the compiler's memcpy is a loop
/// of five instructions a dword (five DOSBox cycles, ~8 clocks on a 486), a string move
/// ~3 clocks a dword on a 486 and far fewer DOSBox cycles.
fn string_copy(dst: &mut [u8], src: &[u8]) {
    assert_eq!(dst.len(), src.len());
    let n = src.len();
    // SAFETY: `src` and `dst` are valid for `n` bytes each and cannot overlap (`dst` is a
    // unique borrow); the string moves touch exactly those bytes, ES is set to DS (flat
    // data in every mode) for them and restored, and DF is clear as the ABI requires.
    unsafe {
        core::arch::asm!(
            // LLVM keeps ESI for itself on i386 (and may hand it out as a scratch
            // register): saved and restored here, every other register named.
            "push esi",
            "push es",
            "push ds",
            "pop es",
            "mov esi, eax",
            "mov ecx, edx",
            "shr ecx, 2",
            "rep movsd",
            "mov ecx, edx",
            "and ecx, 3",
            "rep movsb",
            "pop es",
            "pop esi",
            in("eax") src.as_ptr(),
            in("edx") n,
            out("ecx") _,
            inout("edi") dst.as_mut_ptr() => _,
        );
    }
}
