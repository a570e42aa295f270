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
