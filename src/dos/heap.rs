//! The global allocator: conventional and XMS regions carved by `mem::FreeList`.
//!
//! Regions are added by the program (`add_conventional`, `add_xms`); the allocator deals
//! in linear addresses and hands out flat pointers (unreal mode reaches all of them).
use super::flat;
use crate::mem::FreeList;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

pub struct DosHeap {
    free: UnsafeCell<FreeList<64>>,
}

// SAFETY: GEN.EXE is single-threaded and interrupt handlers never allocate.
unsafe impl Sync for DosHeap {}

#[global_allocator]
static HEAP: DosHeap = DosHeap { free: UnsafeCell::new(FreeList::new()) };

fn list() -> &'static mut FreeList<64> {
    // SAFETY: single-threaded, no reentrancy: each caller uses the reference only for
    // the duration of one list operation.
    unsafe { &mut *HEAP.free.get() }
}

/// Hands `len` bytes at linear address `linear` to the allocator.
pub fn add_region(linear: u32, len: u32) -> bool {
    list().add(linear, len).is_ok()
}

pub fn free_bytes() -> u32 {
    list().total_free()
}

pub fn largest_free() -> u32 {
    list().largest_free()
}

unsafe impl GlobalAlloc for DosHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Ok(len) = u32::try_from(layout.size()) else { return core::ptr::null_mut() };
        match list().alloc(len, layout.align() as u32) {
            Ok(linear) => flat::pointer(linear),
            Err(_) => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = list().free_range(flat::linear(ptr), layout.size() as u32);
    }
}

/// Where the heap's memory came from.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeapInfo {
    pub conventional_bytes: u32,
    pub xms_bytes: u32,
}

/// Conventional memory left to DOS (for COMMAND.COM reload, file buffers).
const DOS_RESERVE_PARAGRAPHS: u16 = 0x400;

/// Gives the heap up to `max_bytes`: the largest XMS block first (flat, large), then the
/// largest conventional block. Called once, before the engine allocates.
pub fn init(max_bytes: u32) -> HeapInfo {
    let mut info = HeapInfo::default();
    let mut left = max_bytes;
    let free = super::xms::query_free();
    let kb = free.largest_kb.min(left / 1024);
    if kb > 0 {
        if let Ok(block) = super::xms::alloc(kb) {
            if add_region(block.linear, kb * 1024) {
                info.xms_bytes = kb * 1024;
                left -= kb * 1024;
            }
            // The block stays locked for the whole run; the exit path frees it.
        }
    }
    let paragraphs = super::conv::largest_free().saturating_sub(DOS_RESERVE_PARAGRAPHS);
    let paragraphs = paragraphs.min((left / 16).min(0xFFFF) as u16);
    if paragraphs > 0 {
        if let Ok(seg) = super::conv::alloc(paragraphs) {
            if add_region((seg as u32) << 4, paragraphs as u32 * 16) {
                info.conventional_bytes = paragraphs as u32 * 16;
            }
        }
    }
    info
}
