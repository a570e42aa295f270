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
