//! Console output through DOS handles, so `GEN ... > FILE` redirects it.
//!
//! COMMAND.COM cannot redirect stderr, so error lines are also appended to the file
//! named by the environment variable GENERR when it is set (`SET GENERR=ERRORS.LOG`):
//! batch files can log what went wrong.
use super::handle::{borrowed, Handle};
use core::mem::ManuallyDrop;
use embedded_io::Write as _;

pub struct Console {
    handle: ManuallyDrop<Handle>,
    also_to_generr: bool,
}

pub fn stdout() -> Console {
    Console { handle: borrowed(1), also_to_generr: false }
}

pub fn stderr() -> Console {
    Console { handle: borrowed(2), also_to_generr: true }
}

/// Stderr for progress lines: not copied to %GENERR% (they are not errors).
pub fn status() -> Console {
    Console { handle: borrowed(2), also_to_generr: false }
}

/// Whether stdout is a character device (the screen), not redirected to a file
/// (INT 21h AX=4400h: DX bit 7 is set for a device).
pub fn stdout_is_device() -> bool {
    let mut r = super::regs::Regs::ax(0x4400);
    r.ebx = 1;
    super::regs::int21(&mut r);
    !r.carry() && r.edx & 0x80 != 0
}

impl Console {
    pub fn bytes(&mut self, b: &[u8]) {
        let _ = self.handle.write_all(b);
        if self.also_to_generr {
            append_to_generr(b);
        }
    }
}

fn append_to_generr(b: &[u8]) {
    let Some(name) = super::env::get(b"GENERR") else { return };
    let file = Handle::open_append(&name);
    if let Ok(mut f) = file {
        let _ = f.write_all(b);
        f.close();
    }
}

impl core::fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

impl embedded_io::ErrorType for Console {
    type Error = super::error::DosError;
}

impl embedded_io::Write for Console {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.bytes(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}
