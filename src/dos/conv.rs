//! DOS conventional memory blocks: INT 21h AH=48h/49h, or under a DPMI host its own
//! calls for them (INT 31h 0100h/0101h), which the DPMI specification asks clients to use.
use super::error::DosError;
use super::mode::{self, Mode};
use super::regs::{int21, Regs};

/// Allocates `paragraphs` x 16 bytes; returns the block's segment.
pub fn alloc(paragraphs: u16) -> Result<u16, DosError> {
    if mode::current() == Mode::Dpmi {
        return super::dpmi::alloc_dos(paragraphs).map_err(DosError::from_code);
    }
    let mut r = Regs::ax(0x4800);
    r.ebx = paragraphs as u32;
    int21(&mut r);
    if r.carry() {
        return Err(DosError::from_code(r.ax_value()));
    }
    Ok(r.ax_value())
}

pub fn free(segment: u16) {
    if mode::current() == Mode::Dpmi {
        return super::dpmi::free_dos(segment);
    }
    let mut r = Regs::ax(0x4900);
    r.es = segment;
    int21(&mut r);
}

/// Paragraphs in the largest free block.
pub fn largest_free() -> u16 {
    let mut r = Regs::ax(0x4800);
    r.ebx = 0xFFFF;
    int21(&mut r);
    r.ebx as u16
}
