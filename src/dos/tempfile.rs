//! A scratch file (the spilled KV cache): created with a unique name in %TEMP% (else
//! %TMP%, else the current directory) by INT 21h AH=5Ah, and deleted by whichever
//! comes first — its owner dropping it, or the exit path (errors, Ctrl-C, CPU
//! exceptions included), so no run leaves one behind.
use super::error::DosError;
use super::handle::{borrowed, Handle};
use super::regs::{int21, Regs};
use super::xfer;
use core::mem::ManuallyDrop;
use heapless::Vec;

/// Name of the live scratch file (one at a time), with its handle, for the exit path.
struct Live {
    handle: u16,
    name: Vec<u8, 128>,
}

static mut LIVE: Option<Live> = None;

fn live() -> &'static mut Option<Live> {
    // SAFETY: single-threaded and not touched by interrupt handlers; callers hold the
    // reference only for the duration of one update.
    unsafe { &mut *core::ptr::addr_of_mut!(LIVE) }
}

pub struct TempFile {
    /// Closed by `remove_live`, which also deletes the file.
    handle: ManuallyDrop<Handle>,
}

impl TempFile {
    /// Creates an empty scratch file; refuses a second one while the first lives.
    pub fn create() -> Result<TempFile, DosError> {
        if live().is_some() {
            return Err(DosError::TooManyOpenFiles);
        }
        let mut dir: Vec<u8, 128> = super::env::get(b"TEMP").or_else(|| super::env::get(b"TMP")).unwrap_or_default();
        if !dir.is_empty() && !matches!(dir.last(), Some(b'\\') | Some(b':')) {
            dir.push(b'\\').map_err(|_| DosError::BadName)?;
        }
        // DOS appends the 8-character name (and a NUL) to the directory in place.
        if dir.len() + 13 >= 128 {
            return Err(DosError::BadName);
        }
        let mut path = [0u8; 128];
        path[..dir.len()].copy_from_slice(&dir);
        xfer::copy_in(&path);
        let mut r = Regs::ax(0x5A00);
        r.ecx = 0; // normal attributes
        r.ds = xfer::segment();
        r.edx = 0;
        int21(&mut r);
        if r.carry() {
            return Err(DosError::from_code(r.ax_value()));
        }
        let handle = r.ax_value();
        xfer::copy_out(&mut path);
        let len = path.iter().position(|&b| b == 0).unwrap_or(0);
        *live() = Some(Live { handle, name: Vec::from_slice(&path[..len]).unwrap_or_default() });
        Ok(TempFile { handle: borrowed(handle) })
    }

    /// The file's full name (for messages).
    pub fn name(&self) -> &'static [u8] {
        live().as_ref().map_or(&[], |l| l.name.as_slice())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        remove_live();
    }
}

/// Closes and deletes the live scratch file, if any (also called by the exit path).
pub fn remove_live() {
    let Some(l) = live().take() else { return };
    // Close before deleting: DOS would write the closed file's directory entry back.
    let mut r = Regs::ax(0x3E00);
    r.ebx = l.handle as u32;
    int21(&mut r);
    let mut name = [0u8; 128];
    name[..l.name.len()].copy_from_slice(&l.name);
    xfer::copy_in(&name);
    let mut r = Regs::ax(0x4100);
    r.ds = xfer::segment();
    r.edx = 0;
    int21(&mut r);
}

impl embedded_io::ErrorType for TempFile {
    type Error = DosError;
}

impl embedded_io::Read for TempFile {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, DosError> {
        embedded_io::Read::read(&mut *self.handle, buf)
    }
}

impl embedded_io::Write for TempFile {
    fn write(&mut self, buf: &[u8]) -> Result<usize, DosError> {
        embedded_io::Write::write(&mut *self.handle, buf)
    }
    fn flush(&mut self) -> Result<(), DosError> {
        Ok(())
    }
}

impl embedded_io::Seek for TempFile {
    fn seek(&mut self, pos: embedded_io::SeekFrom) -> Result<u64, DosError> {
        embedded_io::Seek::seek(&mut *self.handle, pos)
    }
}
