//! The 32-bit stack's guard: 20 KB of a known pattern between .bss and the stack
//! (targets/dos.ld). A stack that grows past its 64 KB overwrites the pattern before it
//! reaches .bss; every call down to DOS checks the pattern, and a broken one ends the
//! program as the bug it is (ERRORLEVEL 7), on a fresh stack, through the one exit path.
//! (GEN's largest frame is the 16 KB read buffer of `SectionReader::read_chunks` in
//! format/io.rs, zero-filled, so an overflow cannot step over the guard.)
use core::arch::global_asm;

const PATTERN: u32 = 0x5AA5_C33C;
/// 20 KB (targets/dos.ld: PM_STACK_GUARD).
const GUARD_WORDS: usize = 0x5000 / 4;

extern "C" {
    static mut _pm_stack_guard: [u32; GUARD_WORDS];
}

fn guard() -> *mut u32 {
    core::ptr::addr_of_mut!(_pm_stack_guard) as *mut u32
}

/// Fills the guard (startup, while the stack is shallow).
pub fn arm() {
    for i in 0..GUARD_WORDS {
        // SAFETY: the guard is GUARD_WORDS words of our image, used by nothing else.
        unsafe { core::ptr::write_volatile(guard().add(i), PATTERN) }
    }
}

/// Ends the program if the stack has reached the guard. Checks the guard's top 64
/// bytes, next to the stack: a frame that grows into the guard writes there first (GEN
/// has no large uninitialized frames), and the check runs before every DOS call.
pub fn check() {
    // SAFETY: as `arm`; reads only.
    let intact =
        (GUARD_WORDS - 16..GUARD_WORDS).all(|i| unsafe { core::ptr::read_volatile(guard().add(i)) } == PATTERN);
    if !intact {
        // SAFETY: dos_stack_reset never returns: it abandons the overflowed stack.
        unsafe { dos_stack_reset() }
    }
}

global_asm!(
    r#"
    .text
    .globl dos_stack_reset
dos_stack_reset:
    movl    $_pm_stack_top, %esp
    call    dos_stack_overflow
1:
    jmp     1b
"#,
    options(att_syntax)
);

extern "C" {
    fn dos_stack_reset() -> !;
}

#[no_mangle]
extern "C" fn dos_stack_overflow() -> ! {
    arm(); // the exit path calls DOS, which checks again
    super::fail(super::exit_code::INTERNAL, "internal error (stack overflow), please report")
}

/// Test hook (`GENSTACK`, brk.rs): recurse until the guard breaks (each level calls the
/// BIOS timer, as GEN's code calls DOS, so the check runs at every level).
pub fn overflow_for_test(depth: u32) -> u32 {
    let mut frame = [depth as u8; 512];
    core::hint::black_box(&mut frame);
    super::timer::ticks();
    if depth == 0 {
        return 0;
    }
    overflow_for_test(depth - 1).wrapping_add(frame[depth as usize % 512] as u32)
}
