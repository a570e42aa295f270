//! `GEN /SELFTEST`: allocate XMS, write and verify a pattern through flat pointers.
use core::fmt::Write as _;
use gpt2dos::dos::{console, exit_code, flat, timer, xms};

/// At least 4 MB, or all there is.
const WANT_KB: u32 = 4096;

pub fn run() -> u8 {
    let mut out = console::stdout();
    if xms::driver().is_none() {
        let _ = write!(out, "SELFTEST: no XMS driver, skipped\r\n");
        return exit_code::OK;
    }
    let before = xms::query_free();
    let kb = WANT_KB.min(before.largest_kb);
    if kb == 0 {
        let _ = write!(out, "SELFTEST: no free XMS, skipped\r\n");
        return exit_code::OK;
    }
    let block = match xms::alloc(kb) {
        Ok(b) => b,
        Err(e) => {
            let _ = write!(console::stderr(), "GEN: SELFTEST: {} ({} KB)\r\n", e.message(), kb);
            return exit_code::OUT_OF_MEMORY;
        }
    };
    let start = timer::ticks();
    let errors = write_and_verify(block.linear, kb * 1024);
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
        let _ = write!(console::stderr(), "GEN: SELFTEST failed\r\n");
        return exit_code::INTERNAL;
    }
    let _ = write!(out, "SELFTEST: passed\r\n");
    exit_code::OK
}

/// Writes an address-dependent pattern over the block, then reads it all back.
fn write_and_verify(linear: u32, bytes: u32) -> u32 {
    let words = bytes / 4;
    let p = flat::pointer(linear) as *mut u32;
    for i in 0..words {
        flat::write_u32(p, i, pattern(i));
    }
    (0..words).filter(|&i| flat::read_u32(p, i) != pattern(i)).count() as u32
}

fn pattern(i: u32) -> u32 {
    i.wrapping_mul(0x9E37_79B9) ^ 0xA5A5_5A5A
}
