//! XMS 3.0: extended memory blocks above 1 MB, addressed through flat pointers.
//!
//! XMS memory is NOT freed by DOS when a program ends, so every handle we own is kept
//! in a table and freed by the exit path, whatever the reason for exiting.
use super::regs::{int2f, set_xms_entry, xms_call, Regs};
use heapless::Vec;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XmsError(pub u8);

impl XmsError {
    pub fn message(&self) -> &'static str {
        match self.0 {
            0xA0 => "no free extended memory",
            0xA1 => "no free XMS handles",
            0xA2 | 0xA3 => "invalid XMS handle",
            0xAA..=0xAD => "XMS lock error",
            0x80 => "XMS function not implemented",
            0x8E | 0x8F => "XMS driver error",
            _ => "XMS error",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Driver {
    /// BCD, e.g. 0x0300 for XMS 3.0.
    pub version: u16,
}

#[derive(Clone, Copy, Debug)]
pub struct Free {
    pub total_kb: u32,
    pub largest_kb: u32,
}

/// A locked extended memory block.
#[derive(Debug)]
pub struct Block {
    handle: u16,
    pub kb: u32,
    /// Physical address of the first byte (the driver's lock answer).
    pub physical: u32,
}

const MAX_HANDLES: usize = 16;
static mut OWNED: Vec<u16, MAX_HANDLES> = Vec::new();
static mut DRIVER: Option<Driver> = None;

fn owned() -> &'static mut Vec<u16, MAX_HANDLES> {
    // SAFETY: single-threaded and not touched by interrupt handlers; callers hold the
    // reference only for the duration of one table update.
    unsafe { &mut *core::ptr::addr_of_mut!(OWNED) }
}

fn call(r: &mut Regs) -> Result<(), XmsError> {
    xms_call(r);
    if r.ax_value() == 1 {
        Ok(())
    } else {
        Err(XmsError(r.ebx as u8))
    }
}

/// Finds the driver (INT 2Fh AX=4300h/4310h) and enables A20 for us.
pub fn init() -> Option<Driver> {
    let mut r = Regs::ax(0x4300);
    int2f(&mut r);
    if r.eax as u8 != 0x80 {
        return None;
    }
    let mut r = Regs::ax(0x4310);
    int2f(&mut r);
    set_xms_entry(r.es, r.ebx as u16);
    let mut r = Regs::ax(0x0000);
    xms_call(&mut r);
    let driver = Driver { version: r.ax_value() };
    let mut a20 = Regs::ax(0x0500);
    if call(&mut a20).is_err() {
        return None;
    }
    // SAFETY: single-threaded; written once at startup.
    unsafe { DRIVER = Some(driver) };
    Some(driver)
}

pub fn driver() -> Option<Driver> {
    // SAFETY: written once at startup, read-only afterwards.
    unsafe { DRIVER }
}

fn is_v3() -> bool {
    driver().is_some_and(|d| d.version >= 0x0300)
}

pub fn query_free() -> Free {
    if driver().is_none() {
        return Free { total_kb: 0, largest_kb: 0 };
    }
    if is_v3() {
        let mut r = Regs::ax(0x8800);
        xms_call(&mut r);
        if r.ebx as u8 == 0 || r.eax != 0 {
            return Free { total_kb: r.edx, largest_kb: r.eax };
        }
    }
    let mut r = Regs::ax(0x0800);
    xms_call(&mut r);
    Free { total_kb: r.edx & 0xFFFF, largest_kb: r.eax & 0xFFFF }
}

/// Allocates and locks `kb` KB.
pub fn alloc(kb: u32) -> Result<Block, XmsError> {
    if driver().is_none() {
        return Err(XmsError(0x80));
    }
    if owned().is_full() {
        return Err(XmsError(0xA1));
    }
    let mut r = if is_v3() { Regs::ax(0x8900) } else { Regs::ax(0x0900) };
    if !is_v3() && kb > 0xFFFF {
        return Err(XmsError(0xA0));
    }
    r.edx = kb;
    call(&mut r)?;
    let handle = r.edx as u16;
    let _ = owned().push(handle);
    let mut lock = Regs::ax(0x0C00);
    lock.edx = handle as u32;
    if let Err(e) = call(&mut lock) {
        release(handle);
        return Err(e);
    }
    let physical = ((lock.edx & 0xFFFF) << 16) | (lock.ebx & 0xFFFF);
    Ok(Block { handle, kb, physical })
}

/// Unlocks and frees a block.
pub fn free(block: Block) {
    release(block.handle);
}

fn release(handle: u16) {
    let mut r = Regs::ax(0x0D00);
    r.edx = handle as u32;
    let _ = call(&mut r);
    let mut r = Regs::ax(0x0A00);
    r.edx = handle as u32;
    let _ = call(&mut r);
    let table = owned();
    if let Some(i) = table.iter().position(|&h| h == handle) {
        table.swap_remove(i);
    }
}

/// Frees every block still owned, and gives A20 back (the exit path calls this).
pub fn release_all() {
    while let Some(&h) = owned().last() {
        release(h);
    }
    if driver().is_some() {
        let mut r = Regs::ax(0x0600);
        let _ = call(&mut r);
    }
}
