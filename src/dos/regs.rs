//! Real-mode software interrupts and the XMS far call, through one register block
//! (see `realmode` for how the call gets down to real mode and back).

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
const XMS_CALL: u32 = 0x100;

impl Regs {
    /// AX = `ax`, DS = ES = our segment (the PSP).
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

extern "C" {
    fn dos_real_call(regs: *mut Regs, kind: u32);
    static mut XMS_ENTRY: [u16; 2];
    static dos_rm_seg: u16;
}

fn real_call(r: &mut Regs, kind: u32) {
    super::stack::check();
    if super::mode::current() == super::mode::Mode::Dpmi {
        if kind == XMS_CALL {
            // A DPMI client takes its memory from the host: no XMS calls (AX = 0, BL = 80h).
            r.eax = 0;
            r.ebx = 0x80;
            return;
        }
        return super::dpmi::real_int(r, kind as u8);
    }
    // SAFETY: the routine reads and writes only `*r` (copied through a low buffer) and
    // the CPU registers it saves and restores; real-mode code sees the same memory.
    unsafe { dos_real_call(r, kind) }
}

pub fn int21(r: &mut Regs) {
    real_call(r, 0x21)
}
pub fn int2f(r: &mut Regs) {
    real_call(r, 0x2F)
}
pub fn int1a(r: &mut Regs) {
    real_call(r, 0x1A)
}
pub fn int11(r: &mut Regs) {
    real_call(r, 0x11)
}
/// The EMS/VCPI driver (VCPI mode only).
pub fn int67(r: &mut Regs) {
    real_call(r, 0x67)
}
/// Raises INT 23h as DOS does on Ctrl-C (the break test hook, `brk.rs`).
pub fn int23(r: &mut Regs) {
    real_call(r, 0x23)
}

/// Calls the XMS driver; `set_xms_entry` must have been called first.
pub fn xms_call(r: &mut Regs) {
    real_call(r, XMS_CALL)
}

pub fn set_xms_entry(segment: u16, offset: u16) {
    // SAFETY: single-threaded; written once, before any XMS call reads it.
    unsafe { *core::ptr::addr_of_mut!(XMS_ENTRY) = [offset, segment] }
}

/// The program's real-mode segment (the PSP).
pub fn data_segment() -> u16 {
    // SAFETY: written once by the startup code before any Rust code runs.
    unsafe { core::ptr::read_volatile(core::ptr::addr_of!(dos_rm_seg)) }
}

/// Linear address of the PSP; a pointer value p addresses linear `base + p` (mod 2^32).
pub fn data_base() -> u32 {
    (data_segment() as u32) << 4
}
