//! `GEN /INFO`: what this machine offers, and what it means for the model: the plan
//! and the largest context that fits.
use core::fmt::Write as _;
use gpt2dos::cli::Options;
use gpt2dos::dos::{console, conv, cpu, extmem, heap, mode, regs, xms, Handle};
use gpt2dos::format::ModelReader;
use gpt2dos::model::plan;

#[inline(never)] // not on the stack under generation (64 KB)
pub fn print(o: &Options) {
    let mut out = console::stdout();
    let mut r = regs::Regs::ax(0x3000);
    regs::int21(&mut r);
    let free = xms::query_free();
    let _ = write!(
        out,
        "CPU:          {}\r\nFPU:          {}\r\nMode:         {}\r\n\
         DOS version:  {}.{:02}\r\nConventional: {} KB free (largest block)\r\n",
        cpu::class().name(),
        if cpu::has_fpu() { "present (not used)" } else { "none (not needed)" },
        mode::Describe,
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
        None if mode::current() == mode::Mode::Dpmi => {
            let _ = write!(out, "XMS:          not used (a DPMI client takes memory from its host)\r\n");
        }
        None => {
            let _ = write!(out, "XMS:          no driver (conventional memory only)\r\n");
        }
    }
    match extmem::source() {
        Some(source) => {
            let f = extmem::query_free();
            let _ =
                write!(out, "Extended:     {}: {} KB free, largest block {} KB\r\n", source, f.total_kb, f.largest_kb);
        }
        None => {
            let _ = write!(out, "Extended:     none\r\n");
        }
    }
    print_model(o);
}

/// The model's shape and the plan at this machine's memory (nothing is allocated).
fn print_model(o: &Options) {
    let mut out = console::stdout();
    let name = o.model.unwrap_or(crate::generate::DEFAULT_MODEL);
    let Ok(file) = Handle::open(name, false) else {
        let _ = write!(out, "Model:        none (no {})\r\n", core::str::from_utf8(name).unwrap_or("?"));
        return;
    };
    let reader = ModelReader::open(file);
    let Ok(reader) = reader else {
        let _ = write!(
            out,
            "Model:        {} is not a usable GPT2BSCM file\r\n",
            core::str::from_utf8(name).unwrap_or("?")
        );
        return;
    };
    let c = *reader.config();
    let budget = heap::available(crate::generate::budget_bytes(o)).total();
    let _ = write!(
        out,
        "Model:        {}: {} layers x {}, {} heads, vocab {}, context {}\r\n",
        core::str::from_utf8(name).unwrap_or("?"),
        c.num_layers,
        c.embed_dim,
        c.num_heads,
        c.vocab_size,
        c.n_ctx
    );
    match plan::plan(reader.header(), crate::generate::plan_input(o, budget, true)) {
        Ok(p) => {
            let _ = write!(
                out,
                "Plan:         {}, context {} tokens (largest that fits), {} KB of {} KB\r\n\
                 Plan:         {}\r\n",
                p.mode.name(),
                p.ctx,
                p.total().div_ceil(1024),
                budget / 1024,
                p.kv_mode
            );
        }
        Err(f) => {
            let _ = write!(
                out,
                "Plan:         does not fit: needs {} KB, {} KB usable\r\n",
                f.needed.div_ceil(1024),
                f.usable / 1024
            );
        }
    }
    reader.into_inner().close();
}
