//! DOS conventional memory blocks (INT 21h AH=48h/49h/4Ah).
use super::error::DosError;
use super::regs::{int21, Regs};

/// Allocates `paragraphs` x 16 bytes; returns the block's segment.
pub fn alloc(paragraphs: u16) -> Result<u16, DosError> {
    let mut r = Regs::ax(0x4800);
    r.ebx = paragraphs as u32;
    int21(&mut r);
    if r.carry() {
        return Err(DosError::from_code(r.ax_value()));
    }
    Ok(r.ax_value())
}

pub fn free(segment: u16) {
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

/// Shrinks our own block (PSP) to 64 KB so DOS can hand out the rest.
pub fn shrink_program_to_64k() -> Result<(), DosError> {
    let mut r = Regs::ax(0x4A00);
    r.ebx = 0x1000;
    int21(&mut r);
    if r.carry() {
        return Err(DosError::from_code(r.ax_value()));
    }
    Ok(())
}
