//! GEN.CFG beside GEN.EXE: default switches, read before the command line so the
//! command line wins. Lines starting with `;` are comments. Read whole, up to `LIMIT`.
use embedded_io::Read as _;
use gpt2dos::cli::UsageError;
use gpt2dos::dos::{env, Handle};
use gpt2dos::Error;

/// Largest GEN.CFG read (it is read before the heap exists, into this buffer).
pub const LIMIT: usize = 2048;

/// GEN.CFG's switches (comment lines blanked) in `buf`; empty when there is no GEN.CFG.
#[inline(never)] // not on the stack under generation (64 KB)
pub fn read<'a>(buf: &'a mut [u8; LIMIT]) -> Result<&'a [u8], Error<'a>> {
    let mut name = env::program_dir();
    let _ = name.extend_from_slice(b"GEN.CFG");
    let Ok(mut f) = Handle::open(&name, false) else { return Ok(&[]) };
    let mut n = 0;
    loop {
        if n == LIMIT {
            // One byte more means the file does not fit.
            let mut probe = [0u8; 1];
            return match f.read(&mut probe) {
                Ok(0) => break,
                Ok(_) => Err(UsageError::ConfigTooLarge { limit: LIMIT }.into()),
                Err(e) => Err(Error::File { name: b"GEN.CFG", cause: e.message() }),
            };
        }
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(Error::File { name: b"GEN.CFG", cause: e.message() }),
        }
    }
    let text = &mut buf[..n];
    // DOS editors may end a file with Ctrl-Z.
    text.iter_mut().filter(|b| **b == 0x1A).for_each(|b| *b = b' ');
    for line in text.split_mut(|&b| b == b'\n') {
        if line.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b';') {
            line.fill(b' ');
        }
    }
    Ok(&buf[..n])
}
