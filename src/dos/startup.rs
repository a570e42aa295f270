//! Entry point: everything that must happen before Rust code may run.
//!
//! DOS loads GEN.EXE with CS = DS = ES = SS = PSP, IP = 0x100, SP on the small real-mode
//! stack (targets/dos.ld). The first instructions run on any x86, so the CPU check uses
//! only 8086 instructions and short jumps until a 386 is proven (build-dos.sh checks the
//! bytes). Then: note the PSP segment, point every descriptor's base at the PSP (so a
//! pointer means the same byte in real and protected mode), shrink our memory block to
//! the program, read GENMODE, and pick how to reach 32-bit protected mode:
//!
//! - plain real mode: switch ourselves (raw mode, below);
//! - V86 mode with a DPMI host: become a 32-bit DPMI client (dpmi.rs);
//! - V86 mode with a VCPI server and no DPMI host: become a VCPI client (vcpi.rs).
//!
//! Each path ends in 32-bit code that zeroes .bss and calls `dos_entry`.
use core::arch::global_asm;

/// How GEN reached protected mode (`dos_mode`; 0 is raw).
pub const MODE_VCPI: u8 = 1;
pub const MODE_DPMI: u8 = 2;

global_asm!(
    r#"
    .section .low.dos,"aw"
    .p2align 4
    .globl dos_rm_seg, dos_base, dos_pm_esp, XMS_ENTRY, DOS_BREAK_FLAG, dos_mode
    .globl dos_gdt, dos_gdtr, dos_pm_idtr, dos_rm_idtr, dos_rc_buf, dos_rc_kind, dos_tss
    .globl dos_pic_master, dos_pic_slave, dos_force_mode, dos_refuse, dos_env_seg
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
    .word   103, 0                          # 0x28 TSS (VCPI: the switch loads TR)
    .byte   0, 0x89, 0x00, 0
    .word   0xFFFF, 0                       # 0x30 data, base 0, 4 GB (VCPI: DS for its entry)
    .byte   0, 0x92, 0xCF, 0
    .quad   0, 0, 0                         # 0x38 0x40 0x48: the VCPI server's (DE01h)
dos_gdt_end:
dos_gdtr:
    .word   dos_gdt_end - dos_gdt - 1
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
dos_env_seg:    .word 0                     # PSP:2Ch before a DPMI host makes it a selector
dos_mode:       .byte 0                     # MODE_RAW, MODE_VCPI or MODE_DPMI
dos_force_mode: .byte 0                     # GENMODE: 'R', 'V', 'D' or 0
dos_pic_master: .byte 8                     # vector of IRQ 0 in protected mode
dos_pic_slave:  .byte 0x70                  # vector of IRQ 8 in protected mode
DOS_BREAK_FLAG: .byte 0                     # set by the Ctrl-C / Ctrl-Break handlers
    .p2align 2
dos_tss:        .space 104                  # VCPI: a valid task for TR; never switched to

    .section .bss.dos_idt,"aw",@nobits
    .p2align 3
dos_idt:
    .space  2048

    .section .startup,"ax"
    .code16
    .globl _start
_start:
    cld
    # 8086/186: FLAGS bits 12-15 always read as 1. Only 8086 instructions and short
    # jumps until .Lcpu_386 (a near jcc is 0F 8x, a 386 opcode).
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
    jnz     .Lcpu_386
.Lold_cpu:
    movw    $.Lmsg_cpu, %dx
    movw    $(.Lmsg_cpu_end - .Lmsg_cpu), %cx
    movb    $5, %bl
    # 8086 code still: the message (DS:DX, CX bytes) to stderr and appended to the file
    # %GENERR% names (COMMAND.COM cannot redirect stderr), then exit with the code in BL.
    .globl dos_refuse
dos_refuse:
    pushw   %bx
    pushw   %dx
    pushw   %cx
    movw    $2, %bx
    movb    $0x40, %ah
    int     $0x21
    movw    0x2C, %ax                       # the environment: look for GENERR=
    testw   %ax, %ax
    jz      .Lrefuse_exit
    movw    %ax, %es
    xorw    %di, %di
.Lrefuse_entry:
    cmpb    $0, %es:(%di)
    je      .Lrefuse_exit
    movw    %di, %bx
    movw    $.Lname_generr, %si
    movw    $7, %cx
    repe cmpsb
    je      .Lrefuse_log
    movw    %bx, %di
    xorb    %al, %al
    movw    $0xFFFF, %cx
    repne scasb
    jmp     .Lrefuse_entry
.Lrefuse_log:
    pushw   %ds                             # open ES:DI for writing, or create it
    pushw   %es
    popw    %ds
    movw    %di, %dx
    movw    $0x3D01, %ax
    int     $0x21
    jnc     1f
    movb    $0x3C, %ah
    xorw    %cx, %cx
    int     $0x21
1:
    popw    %ds
    jc      .Lrefuse_exit
    movw    %ax, %bx
    movw    $0x4202, %ax                    # append
    xorw    %cx, %cx
    xorw    %dx, %dx
    int     $0x21
    movw    %sp, %si                        # the message, from the stack
    movw    %ss:(%si), %cx
    movw    %ss:2(%si), %dx
    movb    $0x40, %ah
    int     $0x21
    movb    $0x3E, %ah
    int     $0x21
.Lrefuse_exit:
    popw    %cx
    popw    %dx
    popw    %ax
    movb    $0x4C, %ah
    int     $0x21
.Lname_generr:  .ascii "GENERR="

.Lcpu_386:
    .globl dos_cpu_386
dos_cpu_386:
    # Every descriptor's base = the PSP's linear address.
    movw    0x2C, %ax
    movw    %ax, dos_env_seg
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
    movl    dos_base, %eax                  # the TSS descriptor: base = its own address
    addl    $dos_tss, %eax
    movw    %ax, dos_gdt + 0x28 + 2
    shrl    $16, %eax
    movb    %al, dos_gdt + 0x28 + 4
    movb    %ah, dos_gdt + 0x28 + 7
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

    call    dos_read_genmode
    cmpb    $0xFF, dos_force_mode
    je      .Lbad_genmode

    smsw    %ax
    testb   $1, %al
    jnz     .Lv86
    # Plain real mode: our own switch, unless GENMODE asks for a host.
    cmpb    $'V', dos_force_mode
    je      .Lno_vcpi
    cmpb    $'D', dos_force_mode
    jne     dos_raw_init
    call    dos_dpmi_detect
    jnc     dos_dpmi_init
    jmp     .Lno_dpmi

.Lv86:
    # V86 mode (EMM386, JEMM, QEMM, Windows): a DPMI host if there is one, else VCPI.
    cmpb    $'R', dos_force_mode
    je      .Lraw_in_v86
    cmpb    $'V', dos_force_mode
    je      1f
    call    dos_dpmi_detect
    jnc     dos_dpmi_init
    cmpb    $'D', dos_force_mode
    je      .Lno_dpmi
1:
    call    dos_vcpi_detect
    jnc     dos_vcpi_init
    cmpb    $'V', dos_force_mode
    je      .Lno_vcpi
    movw    $.Lmsg_v86, %dx
    movw    $(.Lmsg_v86_end - .Lmsg_v86), %cx
    jmp     .Lunsupported

# Plain real mode: load our GDT and IDT, set CR0.PE, jump to 32-bit code.
dos_raw_init:
    movb    $0, dos_mode
    cli
    lgdtl   dos_gdtr
    lidtl   dos_pm_idtr
    movl    %cr0, %eax
    orb     $1, %al
    movl    %eax, %cr0
    ljmpl   $0x08, $dos_pm_start

# GENMODE=RAW|VCPI|DPMI (any case) -> dos_force_mode 'R'|'V'|'D'; another value -> 0xFF.
dos_read_genmode:
    movw    dos_env_seg, %ax
    testw   %ax, %ax
    jz      3f
    movw    %ax, %es
    xorw    %di, %di
1:
    cmpb    $0, %es:(%di)                   # an empty string ends the environment
    je      3f
    movw    %di, %bx
    movw    $.Lname_genmode, %si
    movw    $8, %cx
    repe cmpsb
    je      4f
    movw    %bx, %di                        # skip this string
    xorb    %al, %al
    movw    $0xFFFF, %cx
    repne scasb
    jmp     1b
4:
    movb    $0xFF, dos_force_mode
    movw    $.Lname_raw, %si
    call    .Lvalue_is
    jne     5f
    movb    $'R', dos_force_mode
5:
    movw    $.Lname_vcpi, %si
    call    .Lvalue_is
    jne     6f
    movb    $'V', dos_force_mode
6:
    movw    $.Lname_dpmi, %si
    call    .Lvalue_is
    jne     3f
    movb    $'D', dos_force_mode
3:
    pushw   %cs
    popw    %es
    ret

# ZF = 1 when the string at ES:DI equals the upper-case string at DS:SI, ignoring case.
.Lvalue_is:
    pushw   %di
1:
    movb    %es:(%di), %al
    cmpb    $'a', %al
    jb      2f
    cmpb    $'z', %al
    ja      2f
    subb    $0x20, %al
2:
    cmpb    (%si), %al
    jne     3f
    incw    %si
    incw    %di
    testb   %al, %al
    jnz     1b
3:
    popw    %di
    ret

.Lno_memory:
    movw    $.Lmsg_mem, %dx
    movw    $(.Lmsg_mem_end - .Lmsg_mem), %cx
    movb    $4, %bl
    jmp     dos_refuse
.Lbad_genmode:
    movw    $.Lmsg_genmode, %dx
    movw    $(.Lmsg_genmode_end - .Lmsg_genmode), %cx
    movb    $1, %bl
    jmp     dos_refuse
.Lraw_in_v86:
    movw    $.Lmsg_raw_v86, %dx
    movw    $(.Lmsg_raw_v86_end - .Lmsg_raw_v86), %cx
    jmp     .Lunsupported
.Lno_vcpi:
    movw    $.Lmsg_no_vcpi, %dx
    movw    $(.Lmsg_no_vcpi_end - .Lmsg_no_vcpi), %cx
    jmp     .Lunsupported
.Lno_dpmi:
    movw    $.Lmsg_no_dpmi, %dx
    movw    $(.Lmsg_no_dpmi_end - .Lmsg_no_dpmi), %cx
.Lunsupported:
    movb    $5, %bl
    jmp     dos_refuse

.Lname_genmode: .ascii "GENMODE="
.Lname_raw:     .asciz "RAW"
.Lname_vcpi:    .asciz "VCPI"
.Lname_dpmi:    .asciz "DPMI"
.Lmsg_cpu:
    .ascii  "GEN: needs a 386 or later CPU.\r\n"
.Lmsg_cpu_end:
.Lmsg_v86:
    .ascii  "GEN: the CPU is in V86 mode, but there is neither a DPMI host nor a VCPI server (EMM386 NOVCPI?).\r\n"
.Lmsg_v86_end:
.Lmsg_raw_v86:
    .ascii  "GEN: GENMODE=RAW, but the CPU is in V86 mode (EMM386, JEMM or Windows): no raw switch possible.\r\n"
.Lmsg_raw_v86_end:
.Lmsg_no_vcpi:
    .ascii  "GEN: GENMODE=VCPI, but no VCPI server is present.\r\n"
.Lmsg_no_vcpi_end:
.Lmsg_no_dpmi:
    .ascii  "GEN: GENMODE=DPMI, but no 32-bit DPMI host is present.\r\n"
.Lmsg_no_dpmi_end:
.Lmsg_genmode:
    .ascii  "GEN: GENMODE must be RAW, VCPI or DPMI.\r\n"
.Lmsg_genmode_end:
.Lmsg_mem:
    .ascii  "GEN: not enough conventional memory to load.\r\n"
.Lmsg_mem_end:

    .code32
"#,
    options(att_syntax)
);
