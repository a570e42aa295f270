//! `GEN /SELFTEST`: allocate XMS, write and verify a pattern through flat pointers.
use core::fmt::Write as _;
use gpt2dos::dos::{console, timer, xms};
use gpt2dos::Error;

/// At least 4 MB, or all there is.
const WANT_KB: u32 = 4096;

#[inline(never)] // not on the stack under generation (64 KB)
pub fn run() -> Result<(), Error<'static>> {
    let mut out = console::stdout();
    if xms::driver().is_none() {
        let _ = write!(out, "SELFTEST: no XMS driver, skipped\r\n");
        return Ok(());
    }
    let before = xms::query_free();
    let kb = WANT_KB.min(before.largest_kb);
    if kb == 0 {
        let _ = write!(out, "SELFTEST: no free XMS, skipped\r\n");
        return Ok(());
    }
    let mut block = xms::alloc(kb).map_err(|e| Error::OutOfMemory(e.message()))?;
    let start = timer::ticks();
    let errors = block.pattern_errors(pattern);
    let ms = timer::ticks_to_ms(timer::since(start));
    let linear = block.linear;
    xms::free(block);
    let after = xms::query_free();
    let _ = write!(
        out,
        "SELFTEST: {} KB XMS at linear {:#010x}: {} errors, {} ms\r\n\
         SELFTEST: free XMS {} KB before, {} KB after\r\n",
        kb, linear, errors, ms, before.total_kb, after.total_kb
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
