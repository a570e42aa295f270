//! `GEN /CRC:file`: stream a file and print its length and CRC32.
use core::fmt::Write as _;
use embedded_io::Read as _;
use gpt2dos::dos::{console, exit_code, timer, Handle};

const CRC32: crc::Crc<u32, crc::Table<1>> = crc::Crc::<u32, crc::Table<1>>::new(&crc::CRC_32_ISO_HDLC);

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
    let mut buf = [0u8; 16384];
    let mut digest = CRC32.digest();
    let mut len: u32 = 0;
    let start = timer::ticks();
    loop {
        match file.read(&mut buf) {
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
        "CRC: {} bytes, CRC32 {:08X}, {} ticks\r\n",
        len,
        digest.finalize(),
        ticks
    );
    exit_code::OK
}
