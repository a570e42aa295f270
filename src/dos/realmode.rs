//! Calls from 32-bit protected mode down to real mode (raw) or V86 mode (VCPI): DOS and
//! BIOS interrupts, the XMS driver, and hardware interrupts that arrive while we compute.
//! (A DPMI client has the host do all of this: dpmi.rs.)
//!
//! `dos_real_call` copies the caller's `Regs` into a buffer below 64 KB and leaves
//! protected mode: raw, through the 16-bit descriptor, CR0.PE = 0 and a far return to the
//! PSP segment; VCPI, through the server's far entry with a V86 frame for the same place.
//! There it runs `int N` (the immediate is patched in) or the XMS far call, stores the
//! registers back and returns: raw, by setting CR0.PE again; VCPI, by INT 67h DE0Ch.
//!
//! The IDT sends every vector to a stub that pushes its number. Hardware interrupts
//! (IRQ 0-7 at the master PIC's base, 08h unless a VCPI server moved it, IRQ 8-15 at the
//! slave's, 70h; when the master sits at 08h its in-service register tells an IRQ from a
//! CPU exception with the same number) are reflected to their real-mode handlers the same
//! way; anything else is a CPU exception and ends the program through
//! `dos_cpu_exception` (ERRORLEVEL 7, XMS freed).
use core::arch::global_asm;

global_asm!(
    r#"
    # Load every data segment register with selector or value \seg (in AX).
    .macro DOS_LOAD_SEGS seg
    movw    \seg, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %fs
    movw    %ax, %gs
    movw    %ax, %ss
    .endm

    # Raw: from 32-bit protected mode (interrupts off) to real mode at label \rm, on the
    # real-mode stack: through the 16-bit descriptor, clear CR0.PE, far return to the PSP
    # segment. The 32-bit stack pointer must already be saved in dos_pm_esp.
    .macro DOS_TO_REAL rm
    ljmp    $0x18, $1f
    .code16
1:
    DOS_LOAD_SEGS $0x20
    movl    $_rm_stack_top, %esp
    movl    %cr0, %eax
    andb    $0xFE, %al
    movl    %eax, %cr0
    pushw   %cs:dos_rm_seg
    pushw   $\rm
    lretw
    .code32
    .endm

    # VCPI: from 32-bit protected mode (interrupts off) to V86 mode at label \v86, with
    # every segment register = the PSP and SP on the real-mode stack: the server's far
    # entry takes a V86 frame (GS FS DS ES SS ESP EFLAGS CS EIP) and wants DS to map the
    # whole linear space. The 32-bit stack pointer must already be saved in dos_pm_esp.
    .macro DOS_TO_V86 v86
    movzwl  dos_rm_seg, %eax
    pushl   %eax                            # GS
    pushl   %eax                            # FS
    pushl   %eax                            # DS
    pushl   %eax                            # ES
    pushl   %eax                            # SS
    pushl   $_rm_stack_top                  # ESP
    pushl   $0x0002                         # EFLAGS (reserved)
    pushl   %eax                            # CS
    pushl   $\v86                           # EIP
    movw    $0x30, %ax
    movw    %ax, %ds
    movl    $0xDE0C, %eax
    lcall   *%cs:dos_vcpi_entry
    .endm

    # Raw: from real mode (interrupts off) back to 32-bit protected mode at label \pm,
    # with the 32-bit stack pointer from dos_pm_esp.
    .macro DOS_TO_PROT pm
    lidtl   %cs:dos_pm_idtr
    movl    %cr0, %eax
    orb     $1, %al
    movl    %eax, %cr0
    ljmpl   $0x08, $\pm
    .code32
\pm:
    DOS_LOAD_SEGS $0x10
    movl    dos_pm_esp, %esp
    .endm

    # VCPI: from V86 mode (interrupts off) back to 32-bit protected mode at label \pm
    # through INT 67h DE0Ch. The server loads our TR, so our TSS must not be marked busy.
    .macro DOS_V86_TO_PROT pm
    movl    $\pm, %cs:dos_vcpi_switch_eip
    andb    $0xFD, %cs:dos_gdt + 0x28 + 5
    movl    %cs:dos_base, %esi
    addl    $dos_vcpi_switch, %esi
    movw    $0xDE0C, %ax
    int     $0x67
    .code32
\pm:
    DOS_LOAD_SEGS $0x10
    movl    dos_pm_esp, %esp
    .endm

    .section .text16.dos_real,"ax"
    .code32
    # First entry in raw and VCPI mode: segments, stack, .bss, IDT, then Rust.
    .globl dos_pm_start
dos_pm_start:
    DOS_LOAD_SEGS $0x10
    movl    $_pm_stack_top, %esp
    movl    $_bss_start, %edi                 # zero .bss (not the stack above it)
    movl    $_bss_end, %ecx
    subl    %edi, %ecx
    xorl    %eax, %eax
    rep stosb
    call    dos_build_idt
    sti
    call    dos_entry
2:
    hlt
    jmp     2b

    .globl dos_real_call
dos_real_call:                              # cdecl (Regs *r, u32 kind): kind 0-255 = INT n, 0x100 = XMS
    pushl   %ebp
    pushl   %ebx
    pushl   %esi
    pushl   %edi
    pushfl
    cli
    movl    24(%esp), %esi
    movl    $dos_rc_buf, %edi
    movl    $8, %ecx
    rep movsl
    movl    28(%esp), %eax
    movl    %eax, dos_rc_kind
    movb    %al, .Lrc_int + 1
    movl    %esp, dos_pm_esp
    cmpb    $1, dos_mode
    je      .Lrc_to_v86
    DOS_TO_REAL .Lrc_rm
.Lrc_to_v86:
    DOS_TO_V86 .Lrc_v86
    .code16
.Lrc_rm:
    DOS_LOAD_SEGS %cs:dos_rm_seg
    lidtw   %cs:dos_rm_idtr
.Lrc_v86:
    movl    %cs:dos_rc_buf + 0, %eax
    movl    %cs:dos_rc_buf + 4, %ebx
    movl    %cs:dos_rc_buf + 8, %ecx
    movl    %cs:dos_rc_buf + 12, %edx
    movl    %cs:dos_rc_buf + 16, %esi
    movl    %cs:dos_rc_buf + 20, %edi
    movw    %cs:dos_rc_buf + 26, %es
    movw    %cs:dos_rc_buf + 24, %ds
    sti
    cmpw    $0x100, %cs:dos_rc_kind
    je      .Lrc_xms
.Lrc_int:
    int     $0x00
    jmp     .Lrc_done
.Lrc_xms:
    lcallw  *%cs:XMS_ENTRY
.Lrc_done:
    cli
    pushfw
    movl    %eax, %cs:dos_rc_buf + 0
    movl    %ebx, %cs:dos_rc_buf + 4
    movl    %ecx, %cs:dos_rc_buf + 8
    movl    %edx, %cs:dos_rc_buf + 12
    movl    %esi, %cs:dos_rc_buf + 16
    movl    %edi, %cs:dos_rc_buf + 20
    movw    %ds, %cs:dos_rc_buf + 24
    movw    %es, %cs:dos_rc_buf + 26
    popw    %ax
    movzwl  %ax, %eax
    movl    %eax, %cs:dos_rc_buf + 28
    cmpb    $1, %cs:dos_mode
    je      .Lrc_back_v86
    DOS_TO_PROT .Lrc_pm
    jmp     .Lrc_tail
    .code16
.Lrc_back_v86:
    DOS_V86_TO_PROT .Lrc_pm_v86
.Lrc_tail:
    movl    24(%esp), %edi
    movl    $dos_rc_buf, %esi
    movl    $8, %ecx
    rep movsl
    popfl
    popl    %edi
    popl    %esi
    popl    %ebx
    popl    %ebp
    ret

    # One 16-byte stub per vector: push the vector number, go to the common handler.
    .p2align 4
dos_isr_stubs:
    .set    vec, 0
    .rept   256
    .p2align 4
    pushl   $vec
    jmp     dos_isr_common
    .set    vec, vec + 1
    .endr

    .globl dos_build_idt
dos_build_idt:
    movl    $dos_idt, %edi
    movl    $dos_isr_stubs, %edx
    movl    $256, %ecx
1:
    movl    %edx, %eax
    andl    $0xFFFF, %eax
    orl     $0x00080000, %eax               # selector 0x08
    movl    %eax, (%edi)
    movl    %edx, %eax
    andl    $0xFFFF0000, %eax
    orl     $0x8E00, %eax                   # present, ring 0, 32-bit interrupt gate
    movl    %eax, 4(%edi)
    addl    $8, %edi
    addl    $16, %edx
    loop    1b
    ret

dos_isr_common:
    pushal
    movl    32(%esp), %eax
    movzbl  dos_pic_slave, %ecx             # IRQ 8-15?
    movl    %eax, %edx
    subl    %ecx, %edx
    cmpl    $8, %edx
    jb      .Lslave_irq
    movzbl  dos_pic_master, %ecx            # IRQ 0-7?
    movl    %eax, %edx
    subl    %ecx, %edx
    cmpl    $8, %edx
    jae     .Lfatal
    cmpl    $0x20, %ecx                     # above the exceptions: surely an IRQ
    jae     .Lmaster_irq
    # The master PIC at 08h: an IRQ only if the PIC has it in service.
    movb    $0x0B, %al
    outb    %al, $0x20
    inb     $0x20, %al
    movzbl  %al, %eax
    btl     %edx, %eax
    jc      .Lmaster_irq
    cmpl    $7, %edx                        # spurious IRQ 7: nothing to do
    je      .Liret
    movl    32(%esp), %eax
    jmp     .Lfatal
.Lmaster_irq:
    leal    8(%edx), %eax                   # real-mode vectors: 08h-0Fh, 70h-77h
    jmp     .Lreflect
.Lslave_irq:
    leal    0x70(%edx), %eax
.Lreflect:
    movb    %al, .Lrf_int + 1
    movl    %esp, dos_pm_esp
    cmpb    $1, dos_mode
    je      .Lrf_to_v86
    DOS_TO_REAL .Lrf_rm
.Lrf_to_v86:
    DOS_TO_V86 .Lrf_v86
    .code16
.Lrf_rm:
    DOS_LOAD_SEGS %cs:dos_rm_seg
    lidtw   %cs:dos_rm_idtr
.Lrf_v86:
.Lrf_int:
    int     $0x00
    cli
    cmpb    $1, %cs:dos_mode
    je      .Lrf_back_v86
    DOS_TO_PROT .Lrf_pm
    jmp     .Liret
    .code16
.Lrf_back_v86:
    DOS_V86_TO_PROT .Lrf_pm_v86
.Liret:
    popal
    addl    $4, %esp
    iretl

.Lfatal:
    movl    $_pm_stack_top, %esp
    sti
    pushl   %eax
    call    dos_cpu_exception
3:
    hlt
    jmp     3b
"#,
    options(att_syntax)
);
