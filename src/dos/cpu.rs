//! CPU class and FPU presence, without any x87 instruction (GEN.EXE must contain none).
use super::regs::{int11, Regs};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuClass {
    I386,
    I486,
    /// CPUID present: Pentium or later.
    I586Plus,
}

impl CpuClass {
    pub fn name(self) -> &'static str {
        match self {
            CpuClass::I386 => "386",
            CpuClass::I486 => "486",
            CpuClass::I586Plus => "586 or later (CPUID)",
        }
    }
}

/// True if EFLAGS bit `bit` can be toggled (AC = 18 on a 486, ID = 21 with CPUID).
fn eflags_bit_toggles(bit: u32) -> bool {
    let changed: u32;
    // SAFETY: saves EFLAGS, flips one bit, reads it back, restores EFLAGS; uses the stack
    // only for balanced pushes and pops.
    unsafe {
        core::arch::asm!(
            "pushfd",
            "pop {a}",
            "mov {b}, {a}",
            "xor {a}, {mask}",
            "push {a}",
            "popfd",
            "pushfd",
            "pop {a}",
            "push {b}",
            "popfd",
            "xor {a}, {b}",
            mask = in(reg) 1u32 << bit,
            a = out(reg) changed,
            b = out(reg) _,
        );
    }
    changed & (1 << bit) != 0
}

pub fn class() -> CpuClass {
    if !eflags_bit_toggles(18) {
        CpuClass::I386
    } else if eflags_bit_toggles(21) {
        CpuClass::I586Plus
    } else {
        CpuClass::I486
    }
}

/// FPU presence from the BIOS equipment word (bit 1).
pub fn has_fpu() -> bool {
    let mut r = Regs::ax(0);
    int11(&mut r);
    r.eax & 2 != 0
}
