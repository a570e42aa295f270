//! Entry point: everything that must happen before Rust code may run.
//!
//! DOS loads GEN.EXE with CS = DS = ES = SS = PSP, IP = 0x100, SP on the small real-mode
//! stack (targets/dos.ld). The first instructions run on any x86, so the CPU checks use
//! only 8086 instructions until a 386 is proven. Then: note the PSP segment, point every
//! descriptor's base at the PSP (so a pointer means the same byte in real and protected
//! mode), shrink our memory block to the program, switch to 32-bit protected mode and
//! jump to `dos_pm_start` (realmode.rs), which zeroes .bss, builds the IDT and calls
//! `dos_entry`.
use core::arch::global_asm;

global_asm!(
    r#"
    .section .low.dos,"aw"
    .p2align 4
    .globl dos_rm_seg, dos_base, dos_pm_esp, XMS_ENTRY, DOS_BREAK_FLAG
    .globl dos_gdt, dos_gdtr, dos_pm_idtr, dos_rm_idtr, dos_rc_buf, dos_rc_kind
dos_gdt:
    .quad   0                               # 0x00 null
    .word   0xFFFF, 0                       # 0x08 code, 32-bit, 4 GB
    .byte   0, 0x9A, 0xCF, 0
    .word   0xFFFF, 0                       # 0x10 data, 32-bit, 4 GB
    .byte   0, 0x92, 0xCF, 0
    .word   0xFFFF, 0                       # 0x18 code, 16-bit, 64 KB (the way back)
    .byte   0, 0x9A, 0x00, 0
    .word   0xFFFF, 0                       # 0x20 data, 4 GB, D/B = 0 (real-mode stack)
    .byte   0, 0x92, 0x8F, 0
dos_gdtr:
    .word   39
    .long   0
dos_pm_idtr:
    .word   2047
    .long   0
dos_rm_idtr:
    .word   0x3FF
    .long   0
    .p2align 2
dos_base:       .long 0                     # linear address of the PSP
dos_pm_esp:     .long 0                     # 32-bit stack while in real mode
dos_rc_buf:     .space 32                   # registers of the current real-mode call
dos_rc_kind:    .long 0
XMS_ENTRY:      .word 0, 0                  # XMS driver entry (offset, segment)
dos_rm_seg:     .word 0                     # the PSP segment
DOS_BREAK_FLAG: .byte 0                     # set by the Ctrl-C / Ctrl-Break handlers

    .section .bss.dos_idt,"aw",@nobits
    .p2align 3
dos_idt:
    .space  2048

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
    # A 386 or later. Under V86 (EMM386, Windows) we cannot switch modes ourselves.
    smsw    %ax
    testb   $1, %al
    jnz     .Lv86

    # Every descriptor's base = the PSP's linear address.
    movw    %cs, %ax
    movw    %ax, dos_rm_seg
    movzwl  %ax, %eax
    shll    $4, %eax
    movl    %eax, dos_base
    movl    %eax, %edx
    shrl    $16, %edx
    movw    $dos_gdt + 8, %bx
    movw    $4, %cx
1:
    movw    %ax, 2(%bx)
    movb    %dl, 4(%bx)
    movb    %dh, 7(%bx)
    addw    $8, %bx
    loop    1b
    movl    dos_base, %eax
    addl    $dos_gdt, %eax
    movl    %eax, dos_gdtr + 2
    movl    dos_base, %eax
    addl    $dos_idt, %eax
    movl    %eax, dos_pm_idtr + 2

    # Keep only the program's memory (image, .bss, stacks); DOS may hand out the rest.
    movw    $_program_paragraphs, %bx
    movb    $0x4A, %ah
    int     $0x21
    jc      .Lno_memory

    cli
    lgdtl   dos_gdtr
    lidtl   dos_pm_idtr
    movl    %cr0, %eax
    orb     $1, %al
    movl    %eax, %cr0
    ljmpl   $0x08, $dos_pm_start

.Lold_cpu:
    movw    $.Lmsg_cpu, %dx
    movw    $(.Lmsg_cpu_end - .Lmsg_cpu), %cx
    movb    $5, %bl
    jmp     .Lrefuse
.Lv86:
    movw    $.Lmsg_v86, %dx
    movw    $(.Lmsg_v86_end - .Lmsg_v86), %cx
    movb    $5, %bl
    jmp     .Lrefuse
.Lno_memory:
    movw    $.Lmsg_mem, %dx
    movw    $(.Lmsg_mem_end - .Lmsg_mem), %cx
    movb    $4, %bl
.Lrefuse:
    pushw   %bx
    movw    $2, %bx
    movb    $0x40, %ah
    int     $0x21
    popw    %ax
    movb    $0x4C, %ah
    int     $0x21

.Lmsg_cpu:
    .ascii  "GEN: needs a 386 or later CPU.\r\n"
.Lmsg_cpu_end:
.Lmsg_v86:
    .ascii  "GEN: CPU is in V86 mode (EMM386 or Windows?): boot plain DOS with HIMEM.SYS only.\r\n"
.Lmsg_v86_end:
.Lmsg_mem:
    .ascii  "GEN: not enough conventional memory to load.\r\n"
.Lmsg_mem_end:

    .code32
"#,
    options(att_syntax)
);
