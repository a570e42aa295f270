//! `GEN /INFO`: what this machine offers.
use core::fmt::Write as _;
use gpt2dos::dos::{console, conv, cpu, regs, xms};

pub fn print() {
    let mut out = console::stdout();
    let mut r = regs::Regs::ax(0x3000);
    regs::int21(&mut r);
    let free = xms::query_free();
    let _ = write!(
        out,
        "CPU:          {}\r\nFPU:          {}\r\nMode:         32-bit protected mode, DOS and BIOS called in real mode\r\n\
         DOS version:  {}.{:02}\r\nConventional: {} KB free (largest block)\r\n",
        cpu::class().name(),
        if cpu::has_fpu() { "present (not used)" } else { "none (not needed)" },
        r.eax & 0xFF,
        (r.eax >> 8) & 0xFF,
        conv::largest_free() as u32 * 16 / 1024,
    );
    match xms::driver() {
        Some(d) => {
            let _ = write!(
                out,
                "XMS:          version {}.{:02}, {} KB free, largest block {} KB\r\n",
                d.version >> 8,
                d.version & 0xFF,
                free.total_kb,
                free.largest_kb
            );
        }
        None => {
            let _ = write!(out, "XMS:          no driver (conventional memory only)\r\n");
        }
    }
}
