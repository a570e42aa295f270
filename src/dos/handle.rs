//! DOS file handles through INT 21h, as `embedded-io` `Read`/`Write`/`Seek`.
//!
//! INT 21h moves data only through DS:DX below 1 MB. Buffers inside our own 64 KB
//! segment are passed directly; any other buffer (an XMS block) goes through the
//! conventional transfer buffer and a flat copy.
use super::error::DosError;
use super::regs::{int21, Regs};
use super::xfer;

/// Largest single INT 21h transfer we ask for (CX is 16-bit; keep it paragraph-aligned).
const MAX_CALL: usize = 0xFE00;

/// An open DOS file handle; closed when dropped.
#[derive(Debug)]
pub struct Handle(u16);

/// A handle this program does not own (stdout, stderr, the scratch file whose closing
/// the exit path manages): never closed on drop.
pub(super) fn borrowed(number: u16) -> core::mem::ManuallyDrop<Handle> {
    core::mem::ManuallyDrop::new(Handle(number))
}

impl Handle {
    /// One INT 21h read/write of at most `MAX_CALL` bytes at `seg:off`.
    fn transfer(&self, ah: u8, seg: u16, off: u16, len: usize) -> Result<usize, DosError> {
        let mut r = Regs::ax((ah as u16) << 8);
        r.ebx = self.0 as u32;
        r.ecx = len as u32;
        r.edx = off as u32;
        r.ds = seg;
        int21(&mut r);
        if r.carry() {
            return Err(DosError::from_code(r.ax_value()));
        }
        Ok(r.ax_value() as usize)
    }

    /// The `seg:off` of `buf` when DOS can reach it directly (inside our 64 KB segment).
    fn direct(buf: &[u8]) -> Option<(u16, u16)> {
        let addr = buf.as_ptr() as usize;
        (addr + buf.len() <= 0xFFFF).then(|| (super::regs::data_segment(), addr as u16))
    }

    /// Moves `len` bytes by calls of `step(done)`, each returning (bytes moved, bytes
    /// asked); stops early when a call moves less than it asked (end of file, disk full).
    fn move_all(
        len: usize,
        mut step: impl FnMut(usize) -> Result<(usize, usize), DosError>,
    ) -> Result<usize, DosError> {
        let mut done = 0;
        while done < len {
            let (moved, asked) = step(done)?;
            done += moved;
            if moved < asked {
                break;
            }
        }
        Ok(done)
    }

    /// Reads into `buf`, through the transfer buffer when DS:DX cannot reach it. Returns
    /// the bytes read (short at end of file).
    fn read_into(&self, buf: &mut [u8]) -> Result<usize, DosError> {
        Handle::move_all(buf.len(), |done| {
            let rest = &mut buf[done..];
            match Handle::direct(rest) {
                Some((seg, off)) => {
                    let chunk = rest.len().min(MAX_CALL);
                    Ok((self.transfer(READ, seg, off, chunk)?, chunk))
                }
                None => {
                    let chunk = rest.len().min(xfer::size());
                    let n = self.transfer(READ, xfer::segment(), 0, chunk)?;
                    xfer::copy_out(&mut rest[..n]);
                    Ok((n, chunk))
                }
            }
        })
    }

    /// Writes `buf`, as `read_into`. Returns the bytes written (short when the disk is full).
    fn write_from(&self, buf: &[u8]) -> Result<usize, DosError> {
        Handle::move_all(buf.len(), |done| {
            let rest = &buf[done..];
            match Handle::direct(rest) {
                Some((seg, off)) => {
                    let chunk = rest.len().min(MAX_CALL);
                    Ok((self.transfer(WRITE, seg, off, chunk)?, chunk))
                }
                None => {
                    let chunk = rest.len().min(xfer::size());
                    xfer::copy_in(&rest[..chunk]);
                    Ok((self.transfer(WRITE, xfer::segment(), 0, chunk)?, chunk))
                }
            }
        })
    }

    pub fn open(name: &[u8], write: bool) -> Result<Handle, DosError> {
        let mut r = if write { Regs::ax(0x3C00) } else { Regs::ax(0x3D00) };
        AsciiZ::new(name)?.pass_in(&mut r);
        int21(&mut r);
        if r.carry() {
            return Err(DosError::from_code(r.ax_value()));
        }
        Ok(Handle(r.ax_value()))
    }

    /// Opens `name` for writing at its end, creating it if needed.
    pub fn open_append(name: &[u8]) -> Result<Handle, DosError> {
        let mut r = Regs::ax(0x3D01);
        AsciiZ::new(name)?.pass_in(&mut r);
        int21(&mut r);
        if r.carry() {
            return Handle::open(name, true);
        }
        let h = Handle(r.ax_value());
        h.seek_raw(2, 0)?;
        Ok(h)
    }

    /// Closes the file (as dropping it does; the name says it at the call site).
    pub fn close(self) {}

    /// Moves the file pointer; `whence` 0 = start, 1 = current, 2 = end.
    pub fn seek_raw(&self, whence: u8, offset: i32) -> Result<u32, DosError> {
        let mut r = Regs::ax(0x4200 | whence as u16);
        r.ebx = self.0 as u32;
        r.ecx = (offset as u32) >> 16;
        r.edx = offset as u32 & 0xFFFF;
        int21(&mut r);
        if r.carry() {
            return Err(DosError::from_code(r.ax_value()));
        }
        Ok(((r.edx & 0xFFFF) << 16) | (r.eax & 0xFFFF))
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let mut r = Regs::ax(0x3E00);
        r.ebx = self.0 as u32;
        int21(&mut r);
    }
}

const READ: u8 = 0x3F;
const WRITE: u8 = 0x40;

impl embedded_io::ErrorType for Handle {
    type Error = DosError;
}

impl embedded_io::Read for Handle {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, DosError> {
        self.read_into(buf)
    }
}

impl embedded_io::Write for Handle {
    fn write(&mut self, buf: &[u8]) -> Result<usize, DosError> {
        let n = self.write_from(buf)?;
        if n == 0 && !buf.is_empty() {
            return Err(DosError::DiskFull);
        }
        Ok(n)
    }
    fn flush(&mut self) -> Result<(), DosError> {
        Ok(())
    }
}

impl embedded_io::Seek for Handle {
    fn seek(&mut self, pos: embedded_io::SeekFrom) -> Result<u64, DosError> {
        use embedded_io::SeekFrom;
        let (whence, off) = match pos {
            SeekFrom::Start(o) => (0, i32::try_from(o).map_err(|_| DosError::Seek)?),
            SeekFrom::Current(o) => (1, i32::try_from(o).map_err(|_| DosError::Seek)?),
            SeekFrom::End(o) => (2, i32::try_from(o).map_err(|_| DosError::Seek)?),
        };
        self.seek_raw(whence, off).map(u64::from)
    }
}

/// A NUL-terminated copy of a file name, as INT 21h wants it.
struct AsciiZ {
    bytes: [u8; 128],
}

impl AsciiZ {
    fn new(name: &[u8]) -> Result<AsciiZ, DosError> {
        if name.is_empty() || name.len() >= 128 || name.contains(&0) {
            return Err(DosError::BadName);
        }
        let mut bytes = [0u8; 128];
        bytes[..name.len()].copy_from_slice(name);
        Ok(AsciiZ { bytes })
    }
    /// Puts the name where DOS can read it (the transfer buffer, below 1 MB) and points
    /// DS:DX at it.
    fn pass_in(&self, r: &mut Regs) {
        xfer::copy_in(&self.bytes);
        r.ds = xfer::segment();
        r.edx = 0;
    }
}
