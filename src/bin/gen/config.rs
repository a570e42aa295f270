//! GEN.CFG beside GEN.EXE: default switches, read before the command line so the
//! command line wins. Lines starting with `;` are comments.
use embedded_io::Read as _;
use gpt2dos::dos::{env, Handle};

/// The switches of GEN.CFG followed by the command tail, as one command line.
pub fn command_line(tail: &[u8]) -> heapless::Vec<u8, 512> {
    let mut line: heapless::Vec<u8, 512> = heapless::Vec::new();
    let mut name = env::program_dir();
    let _ = name.extend_from_slice(b"GEN.CFG");
    if let Ok(mut f) = Handle::open(&name, false) {
        let mut buf = [0u8; 384];
        let n = f.read(&mut buf).unwrap_or(0);
        f.close();
        for l in buf[..n].split(|&b| b == b'\n') {
            if l.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b';') {
                let _ = line.extend_from_slice(l);
                let _ = line.push(b' ');
            }
        }
    }
    let _ = line.extend_from_slice(tail);
    line
}
