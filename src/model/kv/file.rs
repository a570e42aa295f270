//! Where a spilled K/V cache keeps its int8 rows: anything that reads and writes bytes
//! at an offset. Every embedded-io `Read + Write + Seek` is one (a DOS file handle,
//! `std` files through `hostio::FromStd`), and [`VecFile`] keeps the bytes in memory
//! (tests). The engine never names the platform's file.
use alloc::vec::Vec;
use embedded_io::{Error as _, ErrorKind, ErrorType, Read, ReadExactError, Seek, SeekFrom, Write};

/// Int8 rows at byte offsets, read and written in place as bytes (`bytemuck` views
/// `[i8]` as `[u8]`): on DOS one call moves up to a transfer buffer's worth.
pub trait KvFile {
    /// Fills `out` from offset `pos` (every byte must have been written).
    fn read_at(&mut self, pos: u64, out: &mut [i8]) -> Result<(), ErrorKind>;
    /// Writes all of `rows` at offset `pos`, growing the file if needed.
    fn write_at(&mut self, pos: u64, rows: &[i8]) -> Result<(), ErrorKind>;
}

impl<T: Read + Write + Seek> KvFile for T {
    fn read_at(&mut self, pos: u64, out: &mut [i8]) -> Result<(), ErrorKind> {
        self.seek(SeekFrom::Start(pos)).map_err(|e| e.kind())?;
        self.read_exact(bytemuck::cast_slice_mut(out)).map_err(|e| match e {
            // A row that was never written: the cache's bookkeeping or the file is wrong.
            ReadExactError::UnexpectedEof => ErrorKind::InvalidData,
            ReadExactError::Other(e) => e.kind(),
        })
    }

    fn write_at(&mut self, pos: u64, rows: &[i8]) -> Result<(), ErrorKind> {
        self.seek(SeekFrom::Start(pos)).map_err(|e| e.kind())?;
        let mut b: &[u8] = bytemuck::cast_slice(rows);
        // Not `write_all`: it panics on a zero-length write (a full disk); we report it.
        while !b.is_empty() {
            match self.write(b).map_err(|e| e.kind())? {
                0 => return Err(ErrorKind::WriteZero),
                n => b = &b[n..],
            }
        }
        Ok(())
    }
}

/// A growable file in memory.
#[derive(Default)]
pub struct VecFile {
    pub data: Vec<u8>,
    pos: usize,
}

impl VecFile {
    pub fn new() -> VecFile {
        VecFile::default()
    }
}

impl ErrorType for VecFile {
    type Error = ErrorKind;
}

impl Read for VecFile {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let start = self.pos.min(self.data.len());
        let n = buf.len().min(self.data.len() - start);
        buf[..n].copy_from_slice(&self.data[start..start + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for VecFile {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        let end = self.pos + buf.len();
        if self.data.len() < end {
            self.data.resize(end, 0);
        }
        self.data[self.pos..end].copy_from_slice(buf);
        self.pos = end;
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

impl Seek for VecFile {
    fn seek(&mut self, pos: SeekFrom) -> Result<u64, ErrorKind> {
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => (self.data.len() as u64).checked_add_signed(d),
            SeekFrom::Current(d) => (self.pos as u64).checked_add_signed(d),
        };
        let t = target.and_then(|t| usize::try_from(t).ok()).ok_or(ErrorKind::InvalidInput)?;
        self.pos = t;
        Ok(t as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn rows_written_anywhere_read_back() {
        let mut f = VecFile::new();
        f.write_at(10, &[1, -2, 3]).unwrap();
        f.write_at(0, &[-128; 4]).unwrap();
        let mut b = [0i8; 13];
        f.read_at(0, &mut b).unwrap();
        assert_eq!(b, [-128, -128, -128, -128, 0, 0, 0, 0, 0, 0, 1, -2, 3]);
        assert_eq!(f.data[..5], [0x80, 0x80, 0x80, 0x80, 0]);
        assert_eq!(f.read_at(11, &mut [0; 3]), Err(ErrorKind::InvalidData));
        // Longer than a DOS transfer buffer (32 KB).
        let long: Vec<i8> = (0..3 * 32768 + 5).map(|i| (i % 251) as i8).collect();
        f.write_at(7, &long).unwrap();
        let mut back = vec![0i8; long.len()];
        f.read_at(7, &mut back).unwrap();
        assert_eq!(back, long);
    }

    /// A file that accepts nothing: a full disk.
    struct Full;
    impl ErrorType for Full {
        type Error = ErrorKind;
    }
    impl Read for Full {
        fn read(&mut self, _: &mut [u8]) -> Result<usize, ErrorKind> {
            Err(ErrorKind::Other)
        }
    }
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> Result<usize, ErrorKind> {
            Ok(0)
        }
        fn flush(&mut self) -> Result<(), ErrorKind> {
            Ok(())
        }
    }
    impl Seek for Full {
        fn seek(&mut self, _: SeekFrom) -> Result<u64, ErrorKind> {
            Ok(0)
        }
    }

    #[test]
    fn a_full_disk_is_an_error_not_a_panic() {
        assert_eq!(Full.write_at(0, &[1]), Err(ErrorKind::WriteZero));
        assert_eq!(Full.read_at(0, &mut [0]), Err(ErrorKind::Other));
    }
}
