//! DPMI 0.9 client (Windows DOS box, CWSDPMI, HDPMI32): the host owns protected mode.
//!
//! The 16-bit startup asks the host (INT 2Fh AX=1687h) for its mode-switch entry, gives
//! it its private data, calls the entry as a 32-bit client, and builds two descriptors
//! of ours (INT 31h): code and data, based at the PSP with a 4 GB limit, so every pointer
//! means what it means in raw mode. From there on the host reflects hardware interrupts
//! to their real-mode handlers, DOS and BIOS are called through INT 31h 0300h with
//! `Regs` in its real-mode call structure, extended memory comes from INT 31h 0501h, CPU
//! exceptions come to handlers of ours (0203h) that end the program through the one exit
//! path, and the program ends with INT 21h AH=4Ch from protected mode, which the host
//! turns into its own cleanup and DOS's exit.
use super::regs::Regs;
use core::arch::{asm, global_asm};
use heapless::Vec;

global_asm!(
    r#"
    .section .low.dos_dpmi,"aw"
    .p2align 2
    .globl dos_dpmi_entry, dos_dpmi_version, dos_dpmi_code_sel, dos_dpmi_data_sel
dos_dpmi_entry:     .word 0, 0              # mode switch entry (offset, segment)
dos_dpmi_paras:     .word 0                 # paragraphs of host private data
dos_dpmi_version:   .word 0                 # major in the high byte
dos_dpmi_code_sel:  .word 0
dos_dpmi_data_sel:  .word 0
dos_dpmi_fault:     .long 0                 # vector of the CPU exception being handled

    .section .text16.dos_dpmi,"ax"
    .code16
    # CF = 0 when a DPMI host that runs 32-bit clients is present (INT 2Fh AX=1687h).
    .globl dos_dpmi_detect
dos_dpmi_detect:
    movw    $0x1687, %ax
    int     $0x2F
    testw   %ax, %ax
    jnz     1f
    testb   $1, %bl
    jz      1f
    movw    %di, dos_dpmi_entry
    movw    %es, dos_dpmi_entry + 2
    movw    %si, dos_dpmi_paras
    movw    %dx, dos_dpmi_version
    pushw   %cs
    popw    %es
    clc
    ret
1:
    pushw   %cs
    popw    %es
    stc
    ret

    # Become a 32-bit client, make our descriptors, jump to dos_pm_start_dpmi.
    .globl dos_dpmi_init
dos_dpmi_init:
    movb    $2, dos_mode
    movw    dos_dpmi_paras, %bx
    testw   %bx, %bx
    jz      1f
    movb    $0x48, %ah
    int     $0x21
    jc      .Ldpmi_no_memory
    movw    %ax, %es
1:
    movw    $1, %ax                         # a 32-bit client
    lcallw  *dos_dpmi_entry
    jc      .Ldpmi_refused_rm
    # 16-bit protected mode now: CS, DS, SS are selectors for the PSP segment.
    xorw    %ax, %ax                        # two descriptors
    movw    $2, %cx
    int     $0x31
    jc      .Ldpmi_refused_pm
    movw    %ax, dos_dpmi_code_sel
    movw    %ax, %bx
    movw    $0x0003, %ax                    # the selector increment
    int     $0x31
    addw    %bx, %ax
    movw    %ax, dos_dpmi_data_sel
    movw    %cs, %dx                        # our privilege level for the access bytes
    andb    $3, %dl
    shlb    $5, %dl
    movb    %dl, %cl
    orb     $0x9A, %cl                      # code: present, execute/read
    movw    dos_dpmi_code_sel, %bx
    call    .Ldpmi_describe
    jc      .Ldpmi_refused_pm
    movb    %dl, %cl
    orb     $0x92, %cl                      # data: present, read/write
    movw    dos_dpmi_data_sel, %bx
    call    .Ldpmi_describe
    jc      .Ldpmi_refused_pm
    movw    dos_dpmi_data_sel, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %fs
    movw    %ax, %gs
    movw    %ax, %ss
    movl    $_pm_stack_top, %esp
    movzwl  dos_dpmi_code_sel, %eax
    pushl   %eax
    pushl   $dos_pm_start_dpmi
    lretl

    # Descriptor BX: base = the PSP, access byte CL, 32-bit, 4 GB (page granular).
    # Keeps DX (the caller's privilege bits).
.Ldpmi_describe:
    pushw   %dx
    pushw   %cx
    movw    $0x0007, %ax
    movw    dos_base + 2, %cx
    movw    dos_base, %dx
    int     $0x31
    popw    %cx
    jc      1f
    movb    $0xC0, %ch                      # G = 1, D = 1
    movw    $0x0009, %ax
    int     $0x31
    jc      1f
    movw    $0x0008, %ax
    movw    $0xFFFF, %cx
    movw    $0xFFFF, %dx
    int     $0x31
1:
    popw    %dx
    ret

.Ldpmi_no_memory:
    movw    $.Lmsg_dpmi_mem, %dx
    movw    $(.Lmsg_dpmi_mem_end - .Lmsg_dpmi_mem), %cx
    movb    $4, %bl
    jmp     dos_refuse
.Ldpmi_refused_rm:
    movw    $.Lmsg_dpmi, %dx
    movw    $(.Lmsg_dpmi_end - .Lmsg_dpmi), %cx
    movb    $5, %bl
    jmp     dos_refuse
    # Already a client: DOS must be called through the host, and the exit is ours.
.Ldpmi_refused_pm:
    movw    $0x4C05, %ax
    int     $0x21
.Lmsg_dpmi_mem:
    .ascii  "GEN: not enough conventional memory for the DPMI host's data.\r\n"
.Lmsg_dpmi_mem_end:
.Lmsg_dpmi:
    .ascii  "GEN: the DPMI host refused to run GEN as a 32-bit client.\r\n"
.Lmsg_dpmi_end:

    .code32
    # First 32-bit code of a DPMI client: .bss, then Rust. Interrupts stay as the host
    # keeps them (no cli/sti: they may fault at our privilege level).
dos_pm_start_dpmi:
    movl    $_bss_start, %edi
    movl    $_bss_end, %ecx
    subl    %edi, %ecx
    xorl    %eax, %eax
    rep stosb
    call    dos_entry
2:
    jmp     2b

    # CPU exception handlers (INT 31h 0203h), one stub per vector: the host calls them on
    # its own stack with a far return frame over the fault's (error code, EIP, CS,
    # EFLAGS, ESP, SS). We point the fault's CS:EIP at dos_dpmi_fatal on a fresh stack
    # of ours and return to the host, which resumes there.
    .p2align 4
    .globl dos_dpmi_fault_stubs
dos_dpmi_fault_stubs:
    .set    vec, 0
    .rept   15
    .p2align 3
    pushl   $vec
    jmp     dos_dpmi_fault_common
    .set    vec, vec + 1
    .endr

dos_dpmi_fault_common:
    pushl   %ds
    pushl   %eax
    movw    %cs:dos_dpmi_data_sel, %ax
    movw    %ax, %ds
    movl    8(%esp), %eax
    movl    %eax, dos_dpmi_fault
    popl    %eax
    popl    %ds
    addl    $4, %esp                        # the vector
    movl    $dos_dpmi_fatal, 12(%esp)       # EIP
    movzwl  %cs:dos_dpmi_code_sel, %eax
    movl    %eax, 16(%esp)                  # CS
    movl    $_pm_stack_top, 24(%esp)        # ESP
    movzwl  %cs:dos_dpmi_data_sel, %eax
    movl    %eax, 28(%esp)                  # SS
    lret

dos_dpmi_fatal:
    movw    %ss, %ax
    movw    %ax, %ds
    movw    %ax, %es
    pushl   dos_dpmi_fault
    call    dos_cpu_exception
3:
    jmp     3b
"#,
    options(att_syntax)
);

extern "C" {
    static dos_dpmi_version: u16;
    static dos_dpmi_code_sel: u16;
    static dos_dpmi_fault_stubs: u8;
}

/// The host's DPMI version (major in the high byte), from INT 2Fh AX=1687h.
pub fn version() -> u16 {
    // SAFETY: written once by the 16-bit startup before any Rust code runs.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(dos_dpmi_version)) }
}

/// The registers of one INT 31h call.
#[derive(Clone, Copy, Default)]
struct Int31 {
    eax: u32,
    ebx: u32,
    ecx: u32,
    edx: u32,
    esi: u32,
    edi: u32,
}

/// Calls the host with `r` and gives back what it returned: Err(AX) when it sets carry.
///
/// # Safety
/// The function in AX must touch no memory but what `r` points at and the caller owns
/// (EDI is a pointer in DS for the calls that take one).
unsafe fn int31(r: &mut Int31) -> Result<(), u16> {
    let flags: u32;
    // SAFETY: the caller vouches for the function; ESI is saved around the call (LLVM may
    // keep its base pointer there) and every other register the host may change is an
    // operand.
    unsafe {
        asm!(
            "push esi",
            "mov esi, {si:e}",
            "int 0x31",
            "mov {si:e}, esi",
            "pop esi",
            "pushfd",
            "pop {flags:e}",
            si = inout(reg) r.esi,
            flags = lateout(reg) flags,
            inout("eax") r.eax,
            inout("ebx") r.ebx,
            inout("ecx") r.ecx,
            inout("edx") r.edx,
            inout("edi") r.edi,
        );
    }
    if flags & 1 != 0 {
        Err(r.eax as u16)
    } else {
        Ok(())
    }
}

/// The DPMI real-mode call structure (INT 31h 0300h).
#[repr(C)]
#[derive(Default)]
struct RealModeCall {
    edi: u32,
    esi: u32,
    ebp: u32,
    reserved: u32,
    ebx: u32,
    edx: u32,
    ecx: u32,
    eax: u32,
    flags: u16,
    es: u16,
    ds: u16,
    fs: u16,
    gs: u16,
    ip: u16,
    cs: u16,
    sp: u16,
    ss: u16,
}

/// Runs real-mode `int n` with `r` through the host (0300h; the host provides the stack).
pub fn real_int(r: &mut Regs, n: u8) {
    let mut c = RealModeCall {
        edi: r.edi,
        esi: r.esi,
        ebx: r.ebx,
        edx: r.edx,
        ecx: r.ecx,
        eax: r.eax,
        es: r.es,
        ds: r.ds,
        ..RealModeCall::default()
    };
    let mut call = Int31 { eax: 0x0300, ebx: n as u32, edi: &mut c as *mut RealModeCall as u32, ..Int31::default() };
    // SAFETY: 0300h reads and writes only the structure at ES:EDI (ES = DS; it is ours).
    if unsafe { int31(&mut call) }.is_err() {
        // The host could not make the call: report it as DOS's "function failed".
        r.flags |= 1;
        r.eax = (r.eax & 0xFFFF_0000) | 1;
        return;
    }
    *r = Regs {
        eax: c.eax,
        ebx: c.ebx,
        ecx: c.ecx,
        edx: c.edx,
        esi: c.esi,
        edi: c.edi,
        ds: c.ds,
        es: c.es,
        flags: c.flags as u32,
    };
}

/// Sends CPU exceptions 0-14 (but debug, NMI and breakpoint) to our exit path.
pub fn install_fault_handlers() {
    let stubs = core::ptr::addr_of!(dos_dpmi_fault_stubs) as u32;
    // SAFETY: written once by the 16-bit startup before any Rust code runs.
    let code = unsafe { core::ptr::read_volatile(core::ptr::addr_of!(dos_dpmi_code_sel)) };
    for vector in (0u32..15).filter(|v| !matches!(v, 1..=3)) {
        let mut call =
            Int31 { eax: 0x0203, ebx: vector, ecx: code as u32, edx: stubs + vector * 8, ..Int31::default() };
        // SAFETY: 0203h only records CX:EDX as the handler of exception BL.
        let _ = unsafe { int31(&mut call) };
    }
}

/// Handles of the blocks we hold, for the exit path.
static mut OWNED: Vec<u32, 16> = Vec::new();

fn owned() -> &'static mut Vec<u32, 16> {
    // SAFETY: single-threaded and not touched by interrupt handlers; callers hold the
    // reference only for the duration of one table update.
    unsafe { &mut *core::ptr::addr_of_mut!(OWNED) }
}

/// A block of the host's memory (0501h).
#[derive(Debug)]
pub struct Block {
    pub linear: u32,
    handle: u32,
}

/// Allocates `bytes` of linear memory from the host.
pub fn alloc(bytes: u32) -> Option<Block> {
    if owned().is_full() {
        return None;
    }
    let mut call = Int31 { eax: 0x0501, ebx: bytes >> 16, ecx: bytes & 0xFFFF, ..Int31::default() };
    // SAFETY: 0501h takes the size in BX:CX and returns the linear address in BX:CX and
    // the handle in SI:DI; it touches no memory of ours.
    unsafe { int31(&mut call) }.ok()?;
    let (hi, lo, si, di) = (call.ebx, call.ecx, call.esi, call.edi);
    let handle = ((si & 0xFFFF) << 16) | (di & 0xFFFF);
    let _ = owned().push(handle);
    Some(Block { linear: ((hi & 0xFFFF) << 16) | (lo & 0xFFFF), handle })
}

/// Gives a block back to the host.
pub fn free(block: Block) {
    release(block.handle);
}

/// Frees every block still held (the exit path).
pub fn release_all() {
    while let Some(&h) = owned().last() {
        release(h);
    }
}

/// INT 31h 0502h, and the handle leaves the table.
fn release(handle: u32) {
    let mut call = Int31 { eax: 0x0502, esi: handle >> 16, edi: handle & 0xFFFF, ..Int31::default() };
    // SAFETY: 0502h frees the block whose handle is SI:DI, which we own and no longer use.
    let _ = unsafe { int31(&mut call) };
    let table = owned();
    if let Some(i) = table.iter().position(|&h| h == handle) {
        table.swap_remove(i);
    }
}

/// The largest block the host can give without paging to disk, in bytes (0500h: the
/// largest free block, at most the largest lockable allocation and the free physical
/// pages; CWSDPMI counts its swap file in the first figure).
pub fn largest_free() -> u32 {
    let mut info = [u32::MAX; 12];
    let mut call = Int31 { eax: 0x0500, edi: info.as_mut_ptr() as u32, ..Int31::default() };
    // SAFETY: 0500h writes 48 bytes at ES:EDI (ES = DS; the buffer is ours and 48 bytes).
    let _ = unsafe { int31(&mut call) };
    let pages = |field: u32| if field == u32::MAX { u32::MAX } else { field.saturating_mul(4096) };
    info[0].min(pages(info[2])).min(pages(info[5]))
}

/// Ends the program: INT 21h AH=4Ch from protected mode, which the host turns into its
/// own cleanup of this client and DOS's exit.
pub fn exit(code: u8) -> ! {
    // SAFETY: terminates the program; never returns.
    unsafe { asm!("int 0x21", in("eax") 0x4C00u32 | code as u32, options(noreturn)) }
}

/// DOS blocks from the host (0100h), by segment, with the selector 0101h frees them by.
static mut DOS_BLOCKS: Vec<(u16, u16), 16> = Vec::new();

fn dos_blocks() -> &'static mut Vec<(u16, u16), 16> {
    // SAFETY: as `owned`.
    unsafe { &mut *core::ptr::addr_of_mut!(DOS_BLOCKS) }
}

/// Allocates `paragraphs` of conventional memory (0100h); the segment, or DOS's error.
pub fn alloc_dos(paragraphs: u16) -> Result<u16, u16> {
    if dos_blocks().is_full() {
        return Err(4); // too many blocks: as DOS says for too many handles
    }
    let mut call = Int31 { eax: 0x0100, ebx: paragraphs as u32, ..Int31::default() };
    // SAFETY: 0100h takes BX paragraphs and returns the segment in AX and a selector in
    // DX; it touches no memory of ours.
    unsafe { int31(&mut call) }?;
    let (ax, dx) = (call.eax, call.edx);
    let _ = dos_blocks().push((ax as u16, dx as u16));
    Ok(ax as u16)
}

/// Frees a block from `alloc_dos` (0101h).
pub fn free_dos(segment: u16) {
    let blocks = dos_blocks();
    let Some(i) = blocks.iter().position(|&(s, _)| s == segment) else { return };
    let (_, selector) = blocks.swap_remove(i);
    let mut call = Int31 { eax: 0x0101, edx: selector as u32, ..Int31::default() };
    // SAFETY: 0101h frees the block whose selector is DX: ours, and no longer used.
    let _ = unsafe { int31(&mut call) };
}
