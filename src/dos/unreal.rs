//! Unreal mode: real mode with 4 GB segment limits, so 32-bit offsets from DS reach
//! every byte of memory (XMS blocks above 1 MB) while DOS and the BIOS keep working.
//!
//! We switch to protected mode just long enough to load DS/ES/FS/GS/SS from a flat
//! data descriptor, then switch back and reload the real-mode segment values: the CPU
//! keeps the 4 GB limits in its descriptor caches. The descriptor has D/B = 0 so the
//! stack keeps using SP like DOS and the BIOS expect.
use core::arch::global_asm;

global_asm!(
    r#"
    .section .data.dos_gdt,"aw"
    .p2align 3
dos_gdt:
    .quad   0                               # null descriptor
    .word   0xFFFF, 0x0000                  # flat data: limit 0xFFFFF (x 4 KB), base 0
    .byte   0x00, 0x92, 0x8F, 0x00          # present, writable; G = 1, D/B = 0
dos_gdtr:
    .word   15
    .long   0                               # linear address of dos_gdt, set below

    .section .text.dos_enter_unreal,"ax"
    .code16
    .globl dos_enter_unreal
dos_enter_unreal:
    pushl   %ebx                            # callee-saved in the C ABI
    pushfw
    cli
    movw    %ds, %dx
    xorl    %eax, %eax
    movw    %dx, %ax
    shll    $4, %eax
    addl    $dos_gdt, %eax
    movl    %eax, dos_gdtr + 2
    lgdtl   dos_gdtr
    movl    %cr0, %eax
    orb     $1, %al
    movl    %eax, %cr0
    jmp     1f                              # flush the prefetch queue (386)
1:
    movw    $8, %bx
    movw    %bx, %ds
    movw    %bx, %es
    movw    %bx, %fs
    movw    %bx, %gs
    movw    %bx, %ss
    andb    $0xFE, %al
    movl    %eax, %cr0
    jmp     2f
2:
    movw    %dx, %ds
    movw    %dx, %es
    movw    %dx, %fs
    movw    %dx, %gs
    movw    %dx, %ss
    popfw
    popl    %ebx
    retl
"#,
    options(att_syntax)
);

extern "C" {
    fn dos_enter_unreal();
}

/// Enters (or re-enters) unreal mode. Call at startup and after every XMS call: some
/// XMS drivers reload segment registers in protected mode and reset the limits.
pub fn enter() {
    // SAFETY: runs with interrupts off; the checks at startup proved a 386+ not in V86
    // mode, where loading CR0.PE and the flat descriptor is allowed. Segment values are
    // restored to the program's own before interrupts come back on.
    unsafe { dos_enter_unreal() }
}
