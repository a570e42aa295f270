//! Ctrl-C / Ctrl-Break and DOS critical errors.
//!
//! The handlers only set a flag; the program checks it at safe points (between tokens,
//! between file reads) and leaves through the one exit path that frees every XMS handle,
//! with ERRORLEVEL 6. INT 24h answers "fail" so a disk error comes back to us as an
//! error code instead of DOS's Abort/Retry/Fail prompt.
use super::regs::{int21, Regs};
use core::arch::global_asm;

extern "C" {
    /// Set to 1 by the INT 23h / INT 1Bh handlers (defined with the low data, startup.rs).
    static DOS_BREAK_FLAG: u8;
}

global_asm!(
    r#"
    .section .text16.dos_break_handler,"ax"
    .code16
    .globl dos_break_handler
dos_break_handler:
    movb    $1, %cs:DOS_BREAK_FLAG
    iretw

    .globl dos_critical_handler
dos_critical_handler:
    movb    $3, %al                         # 3 = fail the DOS call
    iretw
    .code32
"#,
    options(att_syntax)
);

extern "C" {
    fn dos_break_handler();
    fn dos_critical_handler();
}

/// The INT 1Bh vector we replaced: DOS does not restore it when a program ends.
static mut OLD_INT1B: (u16, u16) = (0, 0);

fn set_vector(int: u8, handler: unsafe extern "C" fn()) {
    let mut r = Regs::ax(0x2500 | int as u16);
    r.edx = handler as usize as u32;
    int21(&mut r);
}

/// Installs the handlers. INT 23h and 24h are restored by DOS from the PSP at exit.
pub fn install() {
    let mut r = Regs::ax(0x351B);
    int21(&mut r);
    // SAFETY: single-threaded; written before the handler is installed.
    unsafe { OLD_INT1B = (r.es, r.ebx as u16) };
    set_vector(0x1B, dos_break_handler);
    set_vector(0x23, dos_break_handler);
    set_vector(0x24, dos_critical_handler);
    arm_test_hook();
}

/// Puts back the BIOS Ctrl-Break vector (called by the exit path).
pub fn restore() {
    // SAFETY: single-threaded; OLD_INT1B was written by `install`.
    let (seg, off) = unsafe { OLD_INT1B };
    if seg == 0 && off == 0 {
        return;
    }
    let mut r = Regs::ax(0x251B);
    r.ds = seg;
    r.edx = off as u32;
    int21(&mut r);
}

/// What the test hook does when its countdown ends.
#[derive(Clone, Copy)]
enum Fault {
    /// Raise INT 23h, as DOS does on Ctrl-C.
    Break,
    /// Execute an invalid opcode: a CPU exception in our code.
    Exception,
    /// Recurse until the stack overflows.
    Stack,
}

/// Checks left before the test hook fires (0 = never), and what it does then.
static mut TEST_HOOK: (u32, Fault) = (0, Fault::Break);

/// Test hooks for the exit paths that headless DOSBox cannot provoke: with `GENBREAK=n`
/// in the environment the n-th check below raises INT 23h through our installed vector,
/// exactly where DOS would call it on Ctrl-C (headless DOSBox cannot press keys);
/// `GENFAULT=n` makes the n-th check a CPU exception, `GENSTACK=n` a stack overflow.
pub fn arm_test_hook() {
    for (name, fault) in
        [(&b"GENBREAK"[..], Fault::Break), (b"GENFAULT", Fault::Exception), (b"GENSTACK", Fault::Stack)]
    {
        if let Some(n) = super::env::get(name).and_then(|v| crate::cli::parse_u32(&v)) {
            // SAFETY: single-threaded; the handlers do not touch it.
            unsafe { TEST_HOOK = (n, fault) };
        }
    }
}

fn test_hook() {
    // SAFETY: single-threaded; the handlers do not touch it.
    let (left, fault) = unsafe { &mut *core::ptr::addr_of_mut!(TEST_HOOK) };
    if *left > 0 {
        *left -= 1;
        if *left == 0 {
            match fault {
                Fault::Break => super::regs::int23(&mut Regs::ax(0)),
                // SAFETY: raises #UD on purpose; the exception handler ends the program.
                Fault::Exception => unsafe { core::arch::asm!("ud2") },
                Fault::Stack => {
                    super::stack::overflow_for_test(u32::MAX);
                }
            }
        }
    }
}

/// True once the user pressed Ctrl-C or Ctrl-Break.
pub fn requested() -> bool {
    test_hook();
    // SAFETY: a byte the interrupt handlers write; a volatile read sees their writes.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(DOS_BREAK_FLAG)) != 0 }
}
