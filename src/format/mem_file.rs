//! A model file held in memory, readable through `embedded-io` (tests, and any platform
//! that already has the bytes).

use embedded_io::{ErrorKind, ErrorType, Read, Seek, SeekFrom};

pub struct MemFile<'a> {
    data: &'a [u8],
    pos: u64,
}

impl<'a> MemFile<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        MemFile { data, pos: 0 }
    }
}

/// The only failure: seeking before the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeekBeforeStart;

impl embedded_io::Error for SeekBeforeStart {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidInput
    }
}

impl ErrorType for MemFile<'_> {
    type Error = SeekBeforeStart;
}

impl Read for MemFile<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let start = self.pos.min(self.data.len() as u64) as usize;
        let n = buf.len().min(self.data.len() - start);
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for MemFile<'_> {
    fn seek(&mut self, pos: SeekFrom) -> Result<u64, Self::Error> {
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => (self.data.len() as u64).checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or(SeekBeforeStart)?;
        Ok(self.pos)
    }
}
