//! VCPI client (EMM386, JEMM386/JEMMEX, QEMM): 32-bit protected mode from V86 mode.
//!
//! A VCPI server owns the machine's paging. We bring our own GDT, IDT and TSS, and a page
//! directory whose first page table the server fills with its map of the first megabyte
//! (INT 67h DE01h), so our descriptors, based at the PSP, address the same bytes as in
//! V86 mode. DE0Ch switches from V86 mode to our protected mode; the far entry that DE01h
//! returns switches back (realmode.rs uses both for every DOS call and reflected IRQ).
//! Extended memory (XMS blocks, or the server's own 4 KB pages) is reached by mapping its
//! physical pages into page tables of ours above 4 MB (`map`).
use super::regs::{int67, Regs};
use core::arch::global_asm;

global_asm!(
    r#"
    .section .low.dos_vcpi,"aw"
    .p2align 2
    .globl dos_vcpi_entry, dos_vcpi_switch, dos_vcpi_pdir, dos_vcpi_version
dos_vcpi_entry:   .long 0                   # far entry for PM -> V86: offset, selector
                  .word 0x38
dos_vcpi_switch:                            # INT 67h DE0Ch's block (V86 -> PM)
    .long   0                               # CR3: physical address of our page directory
    .long   0                               # linear address of our GDTR value
    .long   0                               # linear address of our IDTR value
    .word   0                               # LDTR: none
    .word   0x28                            # TR: our TSS
dos_vcpi_switch_eip:
    .long   0                               # entry point (patched before every switch)
    .word   0x08
    .globl dos_vcpi_switch_eip
dos_vcpi_pdir:    .long 0                   # linear address of the page directory
dos_vcpi_version: .word 0                   # BCD, from DE00h

    .section .text16.dos_vcpi,"ax"
    .code16
    # CF = 0 when a VCPI server answers (INT 67h DE00h); only called in V86 mode.
    .globl dos_vcpi_detect
dos_vcpi_detect:
    xorw    %ax, %ax
    movw    %ax, %es
    movl    %es:0x67 * 4, %eax              # no EMS driver: INT 67h may point nowhere
    pushw   %cs
    popw    %es
    testl   %eax, %eax
    jz      1f
    movw    $0xDE00, %ax
    int     $0x67
    testb   %ah, %ah
    jnz     1f
    movw    %bx, dos_vcpi_version
    clc
    ret
1:
    stc
    ret

    # The page directory and table 0, the server's descriptors, the switch block; then
    # DE0Ch to dos_pm_start. The two pages come from DOS (12 KB, so two of them are
    # 4 KB-aligned), like every other block DOS frees when we exit.
    .globl dos_vcpi_init
dos_vcpi_init:
    movw    $0x300, %bx
    movb    $0x48, %ah
    int     $0x21
    jc      .Lvcpi_no_memory
    movzwl  %ax, %eax
    shll    $4, %eax
    addl    $4095, %eax
    andl    $0xFFFFF000, %eax
    movl    %eax, dos_vcpi_pdir
    shrl    $4, %eax                        # zero both pages (8 KB) through ES:DI
    movw    %ax, %es
    xorw    %di, %di
    xorl    %eax, %eax
    movw    $2048, %cx
    rep stosl
    # DE01h: ES:DI = page table 0 (the second page), DS:SI = three GDT slots.
    movl    dos_vcpi_pdir, %eax
    addl    $4096, %eax
    shrl    $4, %eax
    movw    %ax, %es
    xorw    %di, %di
    movw    $dos_gdt + 0x38, %si
    movw    $0xDE01, %ax
    int     $0x67
    testb   %ah, %ah
    jnz     .Lvcpi_refused
    movl    %ebx, dos_vcpi_entry
    pushw   %cs
    popw    %es
    # CR3 and the directory's first entry need physical addresses (DE06h).
    movl    dos_vcpi_pdir, %ecx
    shrl    $12, %ecx
    movw    $0xDE06, %ax
    int     $0x67
    testb   %ah, %ah
    jnz     .Lvcpi_refused
    andl    $0xFFFFF000, %edx
    movl    %edx, dos_vcpi_switch
    movl    dos_vcpi_pdir, %ecx
    shrl    $12, %ecx
    incw    %cx
    movw    $0xDE06, %ax
    int     $0x67
    testb   %ah, %ah
    jnz     .Lvcpi_refused
    andl    $0xFFFFF000, %edx
    orb     $0x07, %dl                      # present, writable, user
    movl    dos_vcpi_pdir, %eax
    shrl    $4, %eax
    movw    %ax, %es
    movl    %edx, %es:0
    pushw   %cs
    popw    %es
    # Where the server put the PICs (EMM386 leaves them at 08h and 70h).
    movw    $0xDE0A, %ax
    int     $0x67
    testb   %ah, %ah
    jnz     1f
    movb    %bl, dos_pic_master
    movb    %cl, dos_pic_slave
1:
    movl    dos_base, %eax
    addl    $dos_gdtr, %eax
    movl    %eax, dos_vcpi_switch + 4
    movl    dos_base, %eax
    addl    $dos_pm_idtr, %eax
    movl    %eax, dos_vcpi_switch + 8
    movl    $dos_pm_start, dos_vcpi_switch_eip
    movb    $1, dos_mode
    cli
    movl    dos_base, %esi
    addl    $dos_vcpi_switch, %esi
    movw    $0xDE0C, %ax
    int     $0x67
    # Only a refused switch comes back here.
    sti
.Lvcpi_refused:
    pushw   %cs
    popw    %es
    movw    $.Lmsg_vcpi, %dx
    movw    $(.Lmsg_vcpi_end - .Lmsg_vcpi), %cx
    movb    $5, %bl
    jmp     dos_refuse
.Lvcpi_no_memory:
    movw    $.Lmsg_vcpi_mem, %dx
    movw    $(.Lmsg_vcpi_mem_end - .Lmsg_vcpi_mem), %cx
    movb    $4, %bl
    jmp     dos_refuse
.Lmsg_vcpi_mem:
    .ascii  "GEN: not enough conventional memory for the VCPI page tables.\r\n"
.Lmsg_vcpi_mem_end:
.Lmsg_vcpi:
    .ascii  "GEN: the VCPI server refused to set up protected mode.\r\n"
.Lmsg_vcpi_end:
    .code32
"#,
    options(att_syntax)
);

extern "C" {
    static dos_vcpi_version: u16;
    static dos_vcpi_pdir: u32;
}

/// The server's VCPI version (BCD, e.g. 0x0100).
pub fn version() -> u16 {
    // SAFETY: written once by the 16-bit startup before any Rust code runs.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(dos_vcpi_version)) }
}

/// Physical address of the 4 KB page at `linear` (in the first megabyte).
fn physical(linear: u32) -> Option<u32> {
    let mut r = Regs::ax(0xDE06);
    r.ecx = linear >> 12;
    int67(&mut r);
    ((r.eax >> 8) as u8 == 0).then_some(r.edx & 0xFFFF_F000)
}

/// Free 4 KB pages the server can hand out (DE03h).
pub fn free_pages() -> u32 {
    let mut r = Regs::ax(0xDE03);
    int67(&mut r);
    if (r.eax >> 8) as u8 == 0 {
        r.edx
    } else {
        0
    }
}

/// Page directory entries and page table entries: present, writable, user.
const PRESENT_RW: u32 = 0x007;
const PAGE: u32 = 4096;
/// Each mapping starts a fresh page table, so it begins on a 4 MB boundary.
const TABLE_SPAN: u32 = 1024 * PAGE;

/// Mapping state: the next free linear address (page table 0, below 4 MB, is the
/// server's map of the first megabyte), and the blocks of the server's pages we hold.
struct Maps {
    next: u32,
    page_blocks: heapless::Vec<(u32, u32), 16>,
}

static mut MAPS: Maps = Maps { next: TABLE_SPAN, page_blocks: heapless::Vec::new() };

fn maps() -> &'static mut Maps {
    // SAFETY: single-threaded and not touched by interrupt handlers; callers hold the
    // reference only for the duration of one update.
    unsafe { &mut *core::ptr::addr_of_mut!(MAPS) }
}

/// The page table entry for linear address `linear` (mapped by `map`).
fn entry(linear: u32) -> *mut u32 {
    // SAFETY: reads our page directory (a DOS block of ours in the first megabyte, which
    // page table 0 maps); the entry for `linear` points at a page table of ours.
    let pde = unsafe {
        let dir = super::flat::pointer(core::ptr::read_volatile(core::ptr::addr_of!(dos_vcpi_pdir))) as *const u32;
        core::ptr::read_volatile(dir.add((linear >> 22) as usize))
    };
    let table_linear = physical_to_table(pde & !0xFFF);
    (super::flat::pointer(table_linear) as *mut u32).wrapping_add(((linear >> 12) & 0x3FF) as usize)
}

/// Our page tables, by physical address -> linear (they live in the first megabyte).
static mut TABLES: heapless::Vec<(u32, u32), 64> = heapless::Vec::new();

fn tables() -> &'static mut heapless::Vec<(u32, u32), 64> {
    // SAFETY: as `maps`.
    unsafe { &mut *core::ptr::addr_of_mut!(TABLES) }
}

fn physical_to_table(physical: u32) -> u32 {
    tables().iter().find(|(p, _)| *p == physical).map_or(0, |&(_, l)| l)
}

/// Why `map` stopped: no room for page tables, or `page(i)` had no page for `i`.
enum MapError {
    NoTables,
    NoPage { start: u32, mapped: u32 },
}

/// Maps `pages` pages at fresh linear addresses, page `i` at physical `page(i)`.
/// Returns the first linear address.
fn map(pages: u32, mut page: impl FnMut(u32) -> Option<u32>) -> Result<u32, MapError> {
    let n_tables = pages.div_ceil(1024);
    let start = maps().next;
    if n_tables == 0 || tables().len() + n_tables as usize > tables().capacity() {
        return Err(MapError::NoTables);
    }
    // The tables: one DOS block with room to align them to 4 KB.
    let paragraphs = u16::try_from((n_tables + 1) * PAGE / 16).map_err(|_| MapError::NoTables)?;
    let seg = super::conv::alloc(paragraphs).map_err(|_| MapError::NoTables)?;
    let first = (((seg as u32) << 4) + PAGE - 1) & !(PAGE - 1);
    // SAFETY: `first` .. + n_tables pages lies inside the DOS block just allocated (one
    // spare page covers the alignment); the directory is ours (see `entry`).
    unsafe {
        core::ptr::write_bytes(super::flat::pointer(first), 0, (n_tables * PAGE) as usize);
        let dir = super::flat::pointer(core::ptr::read_volatile(core::ptr::addr_of!(dos_vcpi_pdir))) as *mut u32;
        for t in 0..n_tables {
            let table = first + t * PAGE;
            let phys = physical(table).ok_or(MapError::NoTables)?;
            let _ = tables().push((phys, table));
            core::ptr::write_volatile(dir.add(((start >> 22) + t) as usize), phys | PRESENT_RW);
        }
    }
    maps().next = start + n_tables * TABLE_SPAN;
    for i in 0..pages {
        let linear = start + i * PAGE;
        let Some(phys) = page(i) else {
            flush_tlb();
            return Err(MapError::NoPage { start, mapped: i });
        };
        // SAFETY: the entry lies in a page table made above.
        unsafe { core::ptr::write_volatile(entry(linear), (phys & !0xFFF) | PRESENT_RW) };
    }
    flush_tlb();
    Ok(start)
}

/// Clears the entries of `pages` pages from `start`.
fn unmap(start: u32, pages: u32) {
    for i in 0..pages {
        // SAFETY: the entry lies in a page table made by `map`.
        unsafe { core::ptr::write_volatile(entry(start + i * PAGE), 0) };
    }
    flush_tlb();
}

fn flush_tlb() {
    // SAFETY: we run at ring 0 under VCPI; reloading CR3 with its own value only drops
    // the TLB's stale entries.
    unsafe { core::arch::asm!("mov {t}, cr3", "mov cr3, {t}", t = out(reg) _) }
}

/// Maps `bytes` of physically contiguous memory from `physical` (a locked XMS block, which
/// need not start on a page): returns the linear address of `physical` itself.
pub fn map_physical(physical: u32, bytes: u32) -> Option<u32> {
    let first_page = physical & !(PAGE - 1);
    let offset = physical - first_page;
    let pages = (offset + bytes).div_ceil(PAGE);
    map(pages, |i| Some(first_page + i * PAGE)).ok().map(|linear| linear + offset)
}

/// Allocates `pages` of the server's 4 KB pages (DE04h) and maps them; the block is
/// recorded so the exit path can give the pages back.
pub fn alloc_pages(pages: u32) -> Option<u32> {
    if maps().page_blocks.is_full() {
        return None;
    }
    let linear = map(pages, |_| {
        let mut r = Regs::ax(0xDE04);
        int67(&mut r);
        ((r.eax >> 8) as u8 == 0).then_some(r.edx)
    });
    match linear {
        Ok(l) => {
            let _ = maps().page_blocks.push((l, pages));
            Some(l)
        }
        Err(MapError::NoPage { start, mapped }) => {
            give_back(start, mapped);
            None
        }
        Err(MapError::NoTables) => None,
    }
}

/// Gives back the server's pages of the block at `linear` (DE05h) and unmaps them.
pub fn free_pages_at(linear: u32) {
    let blocks = &mut maps().page_blocks;
    let Some(i) = blocks.iter().position(|&(l, _)| l == linear) else { return };
    let (start, pages) = blocks.swap_remove(i);
    give_back(start, pages);
}

fn give_back(start: u32, pages: u32) {
    for i in 0..pages {
        // SAFETY: the entry lies in a page table made by `map`.
        let pte = unsafe { core::ptr::read_volatile(entry(start + i * PAGE)) };
        if pte & 1 != 0 {
            let mut r = Regs::ax(0xDE05);
            r.edx = pte & !0xFFF;
            int67(&mut r);
        }
    }
    unmap(start, pages);
}

/// Gives back every page still held (the exit path).
pub fn release_all() {
    while let Some((start, pages)) = maps().page_blocks.pop() {
        give_back(start, pages);
    }
}
