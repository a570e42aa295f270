//! How GEN reached 32-bit protected mode (chosen by the 16-bit startup, startup.rs).
use super::startup::{MODE_DPMI, MODE_VCPI};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Plain real mode: GEN switches itself (the fastest).
    Raw,
    /// V86 mode under a VCPI server (EMM386, JEMM, QEMM).
    Vcpi,
    /// A client of a DPMI host (Windows, CWSDPMI, HDPMI32).
    Dpmi,
}

extern "C" {
    static dos_mode: u8;
}

pub fn current() -> Mode {
    // SAFETY: written once by the 16-bit startup before any Rust code runs.
    match unsafe { core::ptr::read_volatile(core::ptr::addr_of!(dos_mode)) } {
        MODE_VCPI => Mode::Vcpi,
        MODE_DPMI => Mode::Dpmi,
        _ => Mode::Raw,
    }
}

/// `/INFO`'s words for the mode, with the host's version.
pub struct Describe;

impl core::fmt::Display for Describe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match current() {
            Mode::Raw => write!(f, "raw 32-bit protected mode (DOS and BIOS called in real mode)"),
            Mode::Vcpi => {
                let v = super::vcpi::version();
                write!(f, "VCPI client (server {}.{}), DOS and BIOS called in V86 mode", v >> 8, v & 0xFF)
            }
            Mode::Dpmi => {
                let v = super::dpmi::version();
                write!(f, "DPMI 0.9 client, host version {}.{:02}", v >> 8, v & 0xFF)
            }
        }
    }
}
