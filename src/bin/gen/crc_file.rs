//! `GEN /CRC:file`: stream a file and print its length and CRC32.
use core::fmt::Write as _;
use embedded_io::Read as _;
use gpt2dos::dos::{console, exit_code, farbuf::FarBuf, timer, Handle};

/// Bytes asked of one `read`: the handle splits it into transfer-buffer-sized calls.
const READ_KB: u32 = 64;

pub fn run(name: &[u8]) -> u8 {
    let mut file = match Handle::open(name, false) {
        Ok(f) => f,
        Err(e) => {
            let mut err = console::stderr();
            err.bytes(b"GEN: cannot open ");
            err.bytes(name);
            let _ = write!(err, ": {}\r\n", e.message());
            return exit_code::IO;
        }
    };
    // A far buffer, so the read path through the transfer buffer is the one measured.
    let Some(mut far) = FarBuf::new(READ_KB) else {
        let _ = write!(console::stderr(), "GEN: out of memory for a {} KB buffer\r\n", READ_KB);
        file.close();
        return exit_code::OUT_OF_MEMORY;
    };
    let buf = far.as_mut_slice();
    let mut digest = gpt2dos::format::crc::Hasher::new();
    let mut len: u32 = 0;
    let start = timer::ticks();
    loop {
        match file.read(buf) {
            Ok(0) => break,
            Ok(n) => {
                digest.update(&buf[..n]);
                len += n as u32;
            }
            Err(e) => {
                let _ = write!(console::stderr(), "GEN: read error: {}\r\n", e.message());
                file.close();
                return exit_code::IO;
            }
        }
        if gpt2dos::dos::brk::requested() {
            file.close();
            let _ = write!(console::stderr(), "GEN: interrupted\r\n");
            return exit_code::INTERRUPTED;
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
    exit_code::OK
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
