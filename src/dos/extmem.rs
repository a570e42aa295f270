//! Extended memory (above 1 MB) from whichever source the mode offers, as blocks at
//! linear addresses our flat segment reaches:
//! - raw mode: XMS blocks, locked, at their physical address (no paging);
//! - VCPI: XMS blocks mapped into our page tables, or without an XMS driver the server's
//!   own 4 KB pages (DE04h), mapped the same way;
//! - DPMI: the host's memory blocks (INT 31h 0501h).
//!
//! None of these is freed by DOS when a program ends, so every block is recorded by its
//! source's module and `release_all` (the exit path) gives back whatever is left.
use super::mode::{self, Mode};
use super::{dpmi, vcpi, xms};

/// Where extended memory comes from in this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// An XMS driver, with its version (BCD).
    Xms(u16),
    /// The DPMI host, with its version.
    Dpmi(u16),
    /// The VCPI server's pages (no XMS driver).
    VcpiPages,
}

impl core::fmt::Display for Source {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Source::Xms(v) => {
                write!(f, "XMS {}.{:02}", v >> 8, v & 0xFF)?;
                if mode::current() == Mode::Vcpi {
                    write!(f, " (mapped by our page tables)")?;
                }
                Ok(())
            }
            Source::Dpmi(_) => write!(f, "DPMI host memory"),
            Source::VcpiPages => write!(f, "VCPI pages"),
        }
    }
}

/// The source of this run, if any (`xms::init` has run).
pub fn source() -> Option<Source> {
    match mode::current() {
        Mode::Dpmi => Some(Source::Dpmi(dpmi::version())),
        Mode::Raw => xms::driver().map(|d| Source::Xms(d.version)),
        Mode::Vcpi => Some(xms::driver().map_or(Source::VcpiPages, |d| Source::Xms(d.version))),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Free {
    pub total_kb: u32,
    pub largest_kb: u32,
}

/// Free extended memory, as the source reports it (the figure tests compare before and
/// after a run).
pub fn query_free() -> Free {
    match source() {
        None => Free { total_kb: 0, largest_kb: 0 },
        Some(Source::Xms(_)) => {
            let f = xms::query_free();
            Free { total_kb: f.total_kb, largest_kb: f.largest_kb }
        }
        Some(Source::Dpmi(_)) => {
            let kb = dpmi::largest_free() / 1024;
            Free { total_kb: kb, largest_kb: kb }
        }
        Some(Source::VcpiPages) => {
            let kb = vcpi::free_pages() * 4;
            Free { total_kb: kb, largest_kb: kb }
        }
    }
}

/// Why a block could not be had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtError(pub &'static str);

enum Backing {
    Xms(xms::Block),
    Dpmi(dpmi::Block),
    VcpiPages,
}

/// A block of extended memory, `kb` KB at `linear`; ours until `free` (or the exit path).
pub struct Block {
    pub linear: u32,
    pub kb: u32,
    backing: Backing,
}

/// Allocates `kb` KB (a multiple of 4 under VCPI: whole pages).
pub fn alloc(kb: u32) -> Result<Block, ExtError> {
    let bytes = kb.checked_mul(1024).ok_or(ExtError("no free extended memory"))?;
    match source() {
        None => Err(ExtError("no extended memory (no XMS driver)")),
        Some(Source::Dpmi(_)) => {
            let b = dpmi::alloc(bytes).ok_or(ExtError("the DPMI host has no such block"))?;
            Ok(Block { linear: b.linear, kb, backing: Backing::Dpmi(b) })
        }
        Some(Source::VcpiPages) => {
            let linear = vcpi::alloc_pages(kb.div_ceil(4)).ok_or(ExtError("the VCPI server has no free pages"))?;
            Ok(Block { linear, kb, backing: Backing::VcpiPages })
        }
        Some(Source::Xms(_)) => {
            let b = xms::alloc(kb).map_err(|e| ExtError(e.message()))?;
            let linear = match mode::current() {
                Mode::Vcpi => match vcpi::map_physical(b.physical, bytes) {
                    Some(l) => l,
                    None => {
                        xms::free(b);
                        return Err(ExtError("no conventional memory for page tables"));
                    }
                },
                _ => b.physical,
            };
            Ok(Block { linear, kb, backing: Backing::Xms(b) })
        }
    }
}

/// Gives a block back.
pub fn free(block: Block) {
    match block.backing {
        Backing::Xms(b) => xms::free(b),
        Backing::Dpmi(b) => dpmi::free(b),
        Backing::VcpiPages => vcpi::free_pages_at(block.linear),
    }
}

/// Frees every block still owned (the exit path calls this).
pub fn release_all() {
    xms::release_all();
    dpmi::release_all();
    vcpi::release_all();
}

impl Block {
    /// Writes `pattern(i)` to every 32-bit word `i` of the block, then reads them all
    /// back: the number of words that differ (a test of the platform's flat addressing).
    pub fn pattern_errors(&mut self, pattern: impl Fn(u32) -> u32) -> u32 {
        let words = self.kb * 256;
        let p = super::flat::pointer(self.linear) as *mut u32;
        for i in 0..words {
            // SAFETY: word i < kb·256 lies inside this block, which we own until `free`;
            // volatile so every word really goes to memory and comes back.
            unsafe { core::ptr::write_volatile(p.add(i as usize), pattern(i)) }
        }
        // SAFETY: as above.
        (0..words).filter(|&i| unsafe { core::ptr::read_volatile(p.add(i as usize)) } != pattern(i)).count() as u32
    }
}
