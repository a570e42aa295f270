//! Instruction profile of GEN's token loop on the DOS build's own code (not a test).
//!
//! Built for GEN.EXE's target and profile (same codegen, no DOS platform) as a static
//! i386 Linux program that runs the default model from memory, so valgrind's callgrind
//! counts the instructions DOSBox would execute (DOSBox's normal core at fixed cycles
//! spends one cycle per instruction): `scripts/profile-386.sh` builds and runs it.
//!
//! Does what GEN /T:0 does: encode the prompt, feed it, then N times sample greedily,
//! decode the token and feed it. Console output is not included (measure that in DOS).
#![no_std]
#![no_main]

extern crate alloc;

use core::alloc::{GlobalAlloc, Layout};
use core::arch::{asm, global_asm};
use core::cell::UnsafeCell;

use gpt2dos::format::{MemFile, ModelReader};
use gpt2dos::model::{Generator, KvCache, KvMode, KvShape, Model};
use gpt2dos::sample::SampleParams;
use gpt2dos::tokenizer::Tokenizer;

static MODEL: &[u8] = include_bytes!("../../../models/DEFAULT.BIN");
const PROMPT: &[u8] = b"It is a truth";
/// Tokens to generate: 32 (GEN's benchmark), or PROF_TOKENS at build time.
const TOKENS: u32 = match option_env!("PROF_TOKENS") {
    Some(s) => parse_u32(s.as_bytes()),
    None => 32,
};

const fn parse_u32(b: &[u8]) -> u32 {
    let (mut n, mut i) = (0u32, 0);
    while i < b.len() {
        n = n * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    n
}

#[no_mangle]
extern "C" fn prof_main() -> ! {
    let mut reader = ModelReader::open(MemFile::new(MODEL)).unwrap_or_else(|_| fail(b"open\n"));
    let w = reader.read_weights().unwrap_or_else(|_| fail(b"weights\n"));
    let (model, tok) = Model::resident(w);
    let tokenizer = Tokenizer::from_section_bytes(&tok).unwrap_or_else(|_| fail(b"tokenizer\n"));
    let mut ids = alloc::vec::Vec::new();
    tokenizer.encode(PROMPT, &mut ids);
    // Greedy (GEN's benchmark, /T:0), or GEN's default sampling when built with PROF_SAMPLED.
    let params = match option_env!("PROF_SAMPLED") {
        Some(_) => SampleParams::default(),
        None => SampleParams { temperature_milli: 0, ..SampleParams::default() },
    };
    let ctx = model.config.n_ctx as usize;
    let shape = KvShape::of(&model.config);
    let cache = KvCache::new(shape, ctx, KvMode::Memory, None).unwrap_or_else(|_| fail(b"cache\n"));
    let mut g = Generator::new(model, cache, params, 1).unwrap_or_else(|_| fail(b"generator\n"));
    for &t in &ids {
        g.feed(t).unwrap_or_else(|_| fail(b"feed\n"));
    }
    let mut sum = 0u32;
    for _ in 0..TOKENS {
        sum = sum.wrapping_mul(31).wrapping_add(generate_one(&mut g, &tokenizer));
    }
    write(b"ok\n");
    exit(sum as u8 & 0x7F)
}

/// One generated token as GEN makes it: sample, decode, feed. (Its own function so
/// callgrind can count from here: --toggle-collect.)
#[inline(never)]
fn generate_one<W: gpt2dos::model::WeightSource>(g: &mut Generator<W>, tokenizer: &Tokenizer) -> u32 {
    let t = g.sample().unwrap_or_else(|_| fail(b"sample\n"));
    let n = tokenizer.decode_token(t).len() as u32;
    g.feed(t).unwrap_or_else(|_| fail(b"feed\n"));
    t + n
}

// Linux i386 entry: the stack is set up by the kernel.
global_asm!(".globl _start", "_start:", "call prof_main", "ud2");

fn write(b: &[u8]) {
    // SAFETY: Linux i386 `write(1, buf, len)` through int 0x80; the buffer outlives the call.
    unsafe {
        asm!("int 0x80", inlateout("eax") 4u32 => _, in("ebx") 1u32, in("ecx") b.as_ptr(), in("edx") b.len(),
             options(nostack));
    }
}

fn exit(code: u8) -> ! {
    // SAFETY: Linux i386 `exit_group(code)` through int 0x80; it does not return.
    unsafe { asm!("int 0x80", in("eax") 252u32, in("ebx") code as u32, options(noreturn, nostack)) }
}

fn fail(what: &[u8]) -> ! {
    write(b"prof386: failed: ");
    write(what);
    exit(100)
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    fail(b"panic\n")
}

/// A bump allocator over 16 MB of .bss (the run allocates about 2 MB; nothing is reused).
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
