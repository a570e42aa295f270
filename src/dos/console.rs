//! Console output through DOS handles, so `GEN ... > FILE` redirects it.
use super::handle::{Handle, STDERR, STDOUT};
use embedded_io::Write as _;

pub struct Console(Handle);

pub fn stdout() -> Console {
    Console(Handle(STDOUT.0))
}

pub fn stderr() -> Console {
    Console(Handle(STDERR.0))
}

impl Console {
    pub fn bytes(&mut self, b: &[u8]) {
        let _ = self.0.write_all(b);
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
        self.0.write(buf)
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}
