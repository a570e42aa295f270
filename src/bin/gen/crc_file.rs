//! `GEN /CRC:file`: stream a file and print its length and CRC32.
use core::fmt::Write as _;
use embedded_io::Read as _;
use gpt2dos::dos::{brk, console, farbuf::FarBuf, timer, Handle};
use gpt2dos::Error;

/// Bytes asked of one `read`: the handle splits it into transfer-buffer-sized calls.
const READ_KB: u32 = 64;

#[inline(never)] // not on the stack under generation (64 KB)
pub fn run(name: &[u8]) -> Result<(), Error<'_>> {
    let cause = |e: gpt2dos::dos::DosError| Error::File { name, cause: e.message() };
    let mut file = Handle::open(name, false).map_err(cause)?;
    // A far buffer, so the read path through the transfer buffer is the one measured.
    let mut far = FarBuf::new(READ_KB).ok_or(Error::OutOfMemory("a 64 KB read buffer"))?;
    let buf = far.as_mut_slice();
    let mut digest = gpt2dos::format::crc::Hasher::new();
    let mut len: u32 = 0;
    let start = timer::ticks();
    loop {
        match file.read(buf).map_err(cause)? {
            0 => break,
            n => {
                digest.update(&buf[..n]);
                len += n as u32;
            }
        }
        if brk::requested() {
            return Err(Error::Interrupted);
        }
    }
    let ticks = timer::since(start);
    file.close();
    let _ = write!(
        console::stdout(),
        "CRC: {} bytes, CRC32 {:08X}, {} ticks, {} KB/s\r\n",
        len,
        digest.finalize(),
        ticks,
        kb_per_s(len, ticks)
    );
    Ok(())
}

/// Throughput in KB/s of BIOS-tick time (0 when too fast to measure).
fn kb_per_s(bytes: u32, ticks: u32) -> u32 {
    let ms = timer::ticks_to_ms(ticks);
    if ms == 0 {
        0
    } else {
        (bytes as u64 * 1000 / 1024 / ms as u64) as u32
    }
}
