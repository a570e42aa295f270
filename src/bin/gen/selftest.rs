//! `GEN /SELFTEST`: allocate 4 MB of extended memory, write and verify a pattern through flat pointers.
use core::fmt::Write as _;
use gpt2dos::dos::{console, extmem, timer};
use gpt2dos::Error;

/// 4 MB, or all there is (whole pages).
const WANT_KB: u32 = 4096;

#[inline(never)] // not on the stack under generation (64 KB)
pub fn run() -> Result<(), Error<'static>> {
    let mut out = console::stdout();
    let Some(source) = extmem::source() else {
        let _ = write!(out, "SELFTEST: no XMS driver, skipped\r\n");
        return Ok(());
    };
    let before = extmem::query_free();
    let kb = WANT_KB.min(before.largest_kb) & !3;
    if kb == 0 {
        let _ = write!(out, "SELFTEST: no free XMS, skipped\r\n");
        return Ok(());
    }
    let mut block = extmem::alloc(kb).map_err(|e| Error::OutOfMemory(e.0))?;
    let start = timer::ticks();
    let errors = block.pattern_errors(pattern);
    let ms = timer::ticks_to_ms(timer::since(start));
    let linear = block.linear;
    extmem::free(block);
    let after = extmem::query_free();
    let _ = write!(
        out,
        "SELFTEST: {} KB {} at linear {:#010x}: {} errors, {} ms\r\n\
         SELFTEST: free extended memory {} KB before, {} KB after\r\n",
        kb, source, linear, errors, ms, before.total_kb, after.total_kb
    );
    if errors != 0 || before.total_kb != after.total_kb {
        return Err(Error::Internal("SELFTEST failed"));
    }
    let _ = write!(out, "SELFTEST: passed\r\n");
    Ok(())
}

/// An address-dependent pattern, so a wrong mapping cannot pass.
fn pattern(i: u32) -> u32 {
    i.wrapping_mul(0x9E37_79B9) ^ 0xA5A5_5A5A
}
