//! The Linux i386 side of prof386: entry point, `write`, `exit` and a bump allocator.
//! (prof386 is a host-side profiling tool, never part of GEN or the engine; this is its
//! only `unsafe` and `asm!`.)
use core::alloc::{GlobalAlloc, Layout};
use core::arch::{asm, global_asm};
use core::cell::UnsafeCell;

// Linux i386 entry: the kernel leaves argc, argv[0..argc], 0 at the stack pointer, which
// is passed on as `prof_main`'s argument.
global_asm!(".globl _start", "_start:", "push esp", "call prof_main", "ud2");

/// The command-line arguments after the program name (at most 4, as byte strings).
pub fn args(sp: *const usize) -> heapless::Vec<&'static [u8], 4> {
    let mut out = heapless::Vec::new();
    // SAFETY: `sp` is the initial stack pointer Linux set up: argc, then argc pointers to
    // NUL-terminated strings that live as long as the process.
    unsafe {
        let argc = *sp;
        for i in 1..argc.min(5) {
            let p = *sp.add(1 + i) as *const u8;
            let mut n = 0;
            while *p.add(n) != 0 {
                n += 1;
            }
            let _ = out.push(core::slice::from_raw_parts(p, n));
        }
    }
    out
}

pub fn write(b: &[u8]) {
    // SAFETY: Linux i386 `write(1, buf, len)` through int 0x80; the buffer outlives the call.
    unsafe {
        asm!("int 0x80", inlateout("eax") 4u32 => _, in("ebx") 1u32, in("ecx") b.as_ptr(), in("edx") b.len(),
             options(nostack));
    }
}

pub fn exit(code: u8) -> ! {
    // SAFETY: Linux i386 `exit_group(code)` through int 0x80; it does not return.
    unsafe { asm!("int 0x80", in("eax") 252u32, in("ebx") code as u32, options(noreturn, nostack)) }
}

pub fn fail(what: &[u8]) -> ! {
    write(b"prof386: failed: ");
    write(what);
    exit(100)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    fail(b"panic\n")
}

/// A bump allocator over 16 MB of .bss (a run allocates a few MB; nothing is reused).
struct Bump {
    next: UnsafeCell<usize>,
    heap: UnsafeCell<[u8; HEAP]>,
}
const HEAP: usize = 16 << 20;

// SAFETY: the program is single-threaded.
unsafe impl Sync for Bump {}

// SAFETY: returns disjoint, aligned blocks inside `heap` or null when full.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let base = self.heap.get() as usize;
        // SAFETY: single-threaded, so no other reference to `next` exists.
        let next = unsafe { &mut *self.next.get() };
        let start = (base + *next + l.align() - 1) & !(l.align() - 1);
        if start + l.size() > base + HEAP {
            return core::ptr::null_mut();
        }
        *next = start + l.size() - base;
        start as *mut u8
    }
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

#[global_allocator]
static ALLOC: Bump = Bump { next: UnsafeCell::new(0), heap: UnsafeCell::new([0; HEAP]) };
