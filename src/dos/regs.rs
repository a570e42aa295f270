//! Real-mode software interrupts and the XMS far call, through one register block.
//!
//! Rust's `asm!` cannot name ESI or EBP on x86-32 and cannot load segment registers, so
//! each call goes through a small assembly routine that loads every register from a
//! `Regs` block, runs the interrupt, and stores every register back.
use core::arch::global_asm;

/// CPU registers for one real-mode call. `flags` holds FLAGS after the call.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Regs {
    pub eax: u32,
    pub ebx: u32,
    pub ecx: u32,
    pub edx: u32,
    pub esi: u32,
    pub edi: u32,
    pub ds: u16,
    pub es: u16,
    pub flags: u32,
}

const CARRY: u32 = 1;

impl Regs {
    pub fn ax(ax: u16) -> Regs {
        Regs { eax: ax as u32, ds: data_segment(), es: data_segment(), ..Regs::default() }
    }
    pub fn carry(&self) -> bool {
        self.flags & CARRY != 0
    }
    pub fn ax_value(&self) -> u16 {
        self.eax as u16
    }
}

// Each routine: save callee-saved registers, load all from the block, interrupt, store
// all back. The block pointer is the cdecl argument; EBP addresses it (SS = DS).
macro_rules! real_call {
    ($name:literal, $call:literal) => {
        global_asm!(
            concat!(
                ".section .text.", $name, ",\"ax\"\n",
                ".code16\n",
                ".globl ", $name, "\n",
                $name, ":\n",
                r#"
    pushl   %ebp
    pushl   %ebx
    pushl   %esi
    pushl   %edi
    movl    20(%esp), %ebp
    pushl   %ebp
    pushw   %ds
    pushw   %es
    movl    0(%ebp), %eax
    movl    4(%ebp), %ebx
    movl    8(%ebp), %ecx
    movl    12(%ebp), %edx
    movl    16(%ebp), %esi
    movl    20(%ebp), %edi
    movw    26(%ebp), %es
    movw    24(%ebp), %ds
"#,
                $call,
                r#"
    pushfw
    movl    6(%esp), %ebp
    movl    %eax, 0(%ebp)
    movl    %ebx, 4(%ebp)
    movl    %ecx, 8(%ebp)
    movl    %edx, 12(%ebp)
    movl    %esi, 16(%ebp)
    movl    %edi, 20(%ebp)
    movw    %ds, 24(%ebp)
    movw    %es, 26(%ebp)
    popw    %ax
    movzwl  %ax, %eax
    movl    %eax, 28(%ebp)
    popw    %es
    popw    %ds
    popl    %ebp
    popl    %edi
    popl    %esi
    popl    %ebx
    popl    %ebp
    retl
"#
            ),
            options(att_syntax)
        );
    };
}

real_call!("dos_int21", "    int $0x21\n");
real_call!("dos_int2f", "    int $0x2F\n");
real_call!("dos_int1a", "    int $0x1A\n");
real_call!("dos_int11", "    int $0x11\n");
real_call!("dos_xms_call", "    lcallw *%cs:XMS_ENTRY\n");

extern "C" {
    fn dos_int21(regs: *mut Regs);
    fn dos_int2f(regs: *mut Regs);
    fn dos_int1a(regs: *mut Regs);
    fn dos_int11(regs: *mut Regs);
    fn dos_xms_call(regs: *mut Regs);
}

/// The far entry point of the XMS driver (offset, segment), read by `dos_xms_call`.
#[no_mangle]
static mut XMS_ENTRY: [u16; 2] = [0, 0];

pub fn int21(r: &mut Regs) {
    // SAFETY: the routine touches only the registers in `r`; DOS services are reentrant
    // from a single-threaded program.
    unsafe { dos_int21(r) }
}
pub fn int2f(r: &mut Regs) {
    // SAFETY: as int21: the multiplex interrupt reads and writes only the registers.
    unsafe { dos_int2f(r) }
}
pub fn int1a(r: &mut Regs) {
    // SAFETY: BIOS time services read and write only the registers.
    unsafe { dos_int1a(r) }
}
pub fn int11(r: &mut Regs) {
    // SAFETY: BIOS equipment list reads and writes only the registers.
    unsafe { dos_int11(r) }
}

/// Calls the XMS driver; `set_xms_entry` must have been called first.
pub fn xms_call(r: &mut Regs) {
    // SAFETY: XMS_ENTRY holds a valid driver entry (checked by the caller, `xms` module).
    unsafe { dos_xms_call(r) }
}

pub fn set_xms_entry(segment: u16, offset: u16) {
    // SAFETY: single-threaded; written once before any XMS call.
    unsafe { XMS_ENTRY = [offset, segment] }
}

/// The program's segment (CS = DS = ES = SS = PSP).
pub fn data_segment() -> u16 {
    let ds: u16;
    // SAFETY: reads a segment register; no memory access.
    unsafe { core::arch::asm!("mov {0:x}, ds", out(reg) ds, options(nomem, nostack, preserves_flags)) };
    ds
}

/// Linear address of DS:0; a pointer value p addresses linear `base + p` (mod 2^32).
pub fn data_base() -> u32 {
    (data_segment() as u32) << 4
}
