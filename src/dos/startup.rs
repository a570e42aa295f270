//! Entry point: everything that must happen before Rust code may run.
//!
//! DOS loads GEN.EXE as a COM-like image (see targets/dos.ld): CS = DS = ES = SS = PSP,
//! IP = 0x100, SP = 0xFFFE. The first instructions run on any x86, so the CPU checks use
//! only 8086 instructions until a 386 is proven.
use core::arch::global_asm;

global_asm!(
    r#"
    .section .startup,"ax"
    .code16
    .globl _start
_start:
    cld
    # 8086/186: FLAGS bits 12-15 always read as 1.
    pushfw
    popw    %ax
    andw    $0x0FFF, %ax
    pushw   %ax
    popfw
    pushfw
    popw    %ax
    andw    $0xF000, %ax
    cmpw    $0xF000, %ax
    je      .Lold_cpu
    # 286 in real mode: bits 12-15 always read as 0.
    orw     $0xF000, %ax
    pushw   %ax
    popfw
    pushfw
    popw    %ax
    testw   $0xF000, %ax
    jz      .Lold_cpu
    # A 386 or later. Under V86 (EMM386, Windows) unreal mode is impossible.
    smsw    %ax
    testb   $1, %al
    jnz     .Lv86
    # Zero .bss (it is not in the file).
    movw    $_bss_start, %di
    movw    $_bss_end, %cx
    subw    %di, %cx
    xorb    %al, %al
    rep stosb
    # 32-bit stack pointer with a clean upper half, 16-byte aligned.
    movl    $0xFFF0, %esp
    calll   dos_entry
    # dos_entry never returns; stop here if it ever did.
    movw    $0x4C07, %ax
    int     $0x21

.Lold_cpu:
    movw    $.Lmsg_cpu, %dx
    movw    $(.Lmsg_cpu_end - .Lmsg_cpu), %cx
    jmp     .Lrefuse
.Lv86:
    movw    $.Lmsg_v86, %dx
    movw    $(.Lmsg_v86_end - .Lmsg_v86), %cx
.Lrefuse:
    movw    $2, %bx
    movb    $0x40, %ah
    int     $0x21
    movw    $0x4C05, %ax
    int     $0x21

.Lmsg_cpu:
    .ascii  "GEN: needs a 386 or later CPU.\r\n"
.Lmsg_cpu_end:
.Lmsg_v86:
    .ascii  "GEN: CPU is in V86 mode (EMM386 or Windows?): boot plain DOS with HIMEM.SYS only.\r\n"
.Lmsg_v86_end:
"#,
    options(att_syntax)
);
