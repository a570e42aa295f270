//! Reading through `embedded-io` with typed errors, and a reader confined to one section
//! that hashes what it reads, so a section's CRC is checked as it streams by.

use embedded_io::{Error as _, Read, ReadExactError, Seek, SeekFrom};

use super::error::{FormatError, SectionId};
use super::header::Section;

/// Bytes moved per read call; a stack buffer, so no allocation while streaming. 16 KB:
/// on DOS every read is an INT 21h call through a switch to real mode, so few large
/// calls matter (the 1 KB first used cost 16 times as many).
pub(crate) const CHUNK: usize = 16384;

pub(crate) fn seek_to<R: Seek>(io: &mut R, pos: u64) -> Result<(), FormatError> {
    io.seek(SeekFrom::Start(pos)).map_err(|e| FormatError::Io(e.kind()))?;
    Ok(())
}

pub(crate) fn read_exact<R: Read>(io: &mut R, buf: &mut [u8], section: SectionId) -> Result<(), FormatError> {
    io.read_exact(buf).map_err(|e| match e {
        ReadExactError::UnexpectedEof => FormatError::Truncated { section },
        ReadExactError::Other(e) => FormatError::Io(e.kind()),
    })
}

pub(crate) struct SectionReader<'a, R> {
    io: &'a mut R,
    id: SectionId,
    hasher: crate::format::crc::Hasher,
    /// False for a section already CRC-checked once: reads skip the hash.
    hashing: bool,
    remaining: u64,
}

impl<'a, R: Read + Seek> SectionReader<'a, R> {
    /// Seeks to the start of `section`; reads are then limited to its length.
    pub fn start(io: &'a mut R, id: SectionId, section: Section) -> Result<Self, FormatError> {
        seek_to(io, section.offset as u64)?;
        Ok(SectionReader {
            io,
            id,
            hasher: crate::format::crc::Hasher::new(),
            hashing: true,
            remaining: section.length as u64,
        })
    }

    /// As `start`, for a section whose CRC was checked once already: no hashing, and
    /// `finish` is not to be called.
    pub fn start_checked(io: &'a mut R, id: SectionId, section: Section) -> Result<Self, FormatError> {
        let mut sr = Self::start(io, id, section)?;
        sr.hashing = false;
        Ok(sr)
    }

    pub fn id(&self) -> SectionId {
        self.id
    }

    /// Bytes left in the section: the upper bound of any allocation made from it.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    pub fn read(&mut self, buf: &mut [u8]) -> Result<(), FormatError> {
        if buf.len() as u64 > self.remaining {
            return Err(FormatError::Truncated { section: self.id });
        }
        read_exact(self.io, buf, self.id)?;
        if self.hashing {
            self.hasher.update(buf);
        }
        self.remaining -= buf.len() as u64;
        Ok(())
    }

    pub fn read_u32(&mut self) -> Result<u32, FormatError> {
        let mut b = [0u8; 4];
        self.read(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Reads `n` bytes in stack-sized chunks, handing each to `sink`.
    #[inline(never)]
    pub fn read_chunks(&mut self, n: u64, mut sink: impl FnMut(&[u8])) -> Result<(), FormatError> {
        let mut buf = [0u8; CHUNK];
        let mut left = n;
        while left > 0 {
            let k = left.min(CHUNK as u64) as usize;
            self.read(&mut buf[..k])?;
            sink(&buf[..k]);
            left -= k as u64;
        }
        Ok(())
    }

    /// Hashes the rest of the section and compares with the stored CRC.
    pub fn finish(mut self, stored: u32) -> Result<(), FormatError> {
        let rest = self.remaining;
        self.read_chunks(rest, |_| {})?;
        let computed = self.hasher.finalize();
        if computed != stored {
            return Err(FormatError::SectionChecksum { section: self.id, stored, computed });
        }
        Ok(())
    }
}
