//! What `/STATS` and `/BENCH` print: the plan and why, timing, memory use against the
//! plan, the accounting tables, the pools, the largest blocks, the per-op timeline.
use core::fmt::Write as _;

use gpt2dos::dos::{console, heap, timer};
use gpt2dos::mem::PoolStats;
use gpt2dos::model::{plan, MemoryPlan, Mode, Timeline};

pub fn print_plan(p: &MemoryPlan, info: &heap::HeapInfo) {
    let _ = write!(
        console::stdout(),
        "plan: {}{}, context {} tokens\r\n\
         plan: {}\r\n\
         plan: because {}\r\n\
         plan: weights {} KB + KV cache {} KB + scratch {} KB + tokenizer {} KB = {} KB of {} KB budget\r\n\
         memory: {} KB {} + {} KB conventional\r\n",
        p.mode.name(),
        ChunkBound(p.mode),
        p.ctx,
        p.kv_mode,
        p.kv_why,
        p.weights / 1024,
        p.kv / 1024,
        p.scratch / 1024,
        p.tokenizer / 1024,
        p.total() / 1024,
        p.budget / 1024,
        info.extended_bytes / 1024,
        heap::pool_name(),
        info.conventional_bytes / 1024
    );
}

/// Why this weights mode: what each mode tried before it would have needed in all, at
/// the same context and KV cache, against 80 % of the budget.
pub fn print_weights_why(p: &MemoryPlan, options: &[(Mode, u64)]) {
    let mut out = console::stdout();
    let usable = p.budget * plan::PLAN_PERMILLE / 1000;
    let _ = write!(out, "plan: weights mode: the first that fits {} KB (80 % of the budget):", usable / 1024);
    for &(mode, weights) in options {
        let total = p.total() - p.weights + weights;
        let chosen = mode == p.mode;
        let _ = write!(
            out,
            "\r\nplan:   {}{} {} KB{}",
            mode.name(),
            ChunkBound(mode),
            total.div_ceil(1024),
            if chosen { " <- chosen" } else { "" }
        );
        if chosen {
            break;
        }
    }
    out.bytes(b"\r\n");
}

pub fn print_bench(prompt: u32, prompt_ticks: u32, n: u32, ticks: u32, slides: u32) {
    let ms = timer::ticks_to_ms(ticks);
    let _ = write!(
        console::stdout(),
        "bench: prompt {} tokens in {} ms; generated {} tokens in {} ms ({} ms/token, {}.{:02} tokens/s); {} slides\r\n",
        prompt,
        timer::ticks_to_ms(prompt_ticks),
        n,
        ms,
        ms.checked_div(n).unwrap_or(0),
        (n * 1000).checked_div(ms).unwrap_or(0),
        (n * 100_000).checked_div(ms).unwrap_or(0) % 100,
        slides
    );
}

/// The memory in use after each op of one token: a line per layer.
pub fn print_timeline(t: &Timeline) {
    let mut out = console::stdout();
    let _ = write!(out, "timeline: KB in use after each op of the first generated token:");
    let mut layer = None;
    for m in t.marks() {
        if m.layer != layer || m.layer.is_none() {
            match m.layer {
                Some(l) => {
                    let _ = write!(out, "\r\ntimeline:   layer {l}:");
                }
                None => {
                    let _ = write!(out, "\r\ntimeline:  ");
                }
            }
            layer = m.layer;
        }
        let _ = write!(out, " {} {}", m.op, m.bytes / 1024);
    }
    let (lo, hi) = t.range();
    let _ = write!(out, "\r\ntimeline: from {} to {} KB over the token", lo / 1024, hi / 1024);
    if t.dropped > 0 {
        let _ = write!(out, " ({} marks not kept)", t.dropped);
    }
    out.bytes(b"\r\n");
}

pub fn print_usage(streamed: u64, pool: Option<PoolStats>, plan: &MemoryPlan) {
    let t = heap::usage();
    let mut out = console::stdout();
    let _ = write!(
        out,
        "memory: peak {} KB, in use {} KB, limit {} KB, {} allocations, fragmentation {}.{}%\r\n\
         memory: plan {} KB {} peak {} KB\r\n\
         memory: streamed {} KB of layers from disk\r\n",
        t.peak / 1024,
        t.in_use / 1024,
        t.limit / 1024,
        t.grants,
        heap::fragmentation_permille() / 10,
        heap::fragmentation_permille() % 10,
        plan.total().div_ceil(1024),
        if plan.total() >= t.peak as u64 { ">=" } else { "< (plan too low)" },
        t.peak / 1024,
        streamed / 1024
    );
    let a = heap::accounting();
    let _ = write!(
        out,
        "memory: accounting: {} record slots, {} KB of grown tables, {} bytes the free list could not take back\r\n",
        a.record_slots,
        a.table_bytes.div_ceil(1024),
        a.lost_bytes
    );
    for p in heap::pools() {
        let _ = write!(
            out,
            "memory: pool {}: {} KB in use, peak {} KB, of {} KB\r\n",
            p.name,
            p.in_use / 1024,
            p.peak / 1024,
            p.bytes / 1024
        );
    }
    if let Some(s) = pool {
        let _ = write!(
            out,
            "pool: {} exact + {} best-fit hits, {} misses (hit rate {} %), {} compactions, {} KB cached (peak {} KB)\r\n",
            s.exact_hits,
            s.best_fit_hits,
            s.misses,
            s.hit_rate_percent(),
            s.compactions,
            s.cached_bytes / 1024,
            s.peak_cached_bytes / 1024
        );
    }
    for r in heap::top::<10>().iter() {
        let _ = write!(out, "  {:>8} bytes  {:<20} {}:{}\r\n", r.bytes, r.tag, r.site.file(), r.site.line());
    }
}

/// ", chunks of at most N KB" for row streaming.
pub struct ChunkBound(Mode);
impl core::fmt::Display for ChunkBound {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Mode::StreamRows { chunk_bytes } => write!(f, ", chunks of at most {} KB", chunk_bytes / 1024),
            _ => Ok(()),
        }
    }
}
