//! Text generation: open the model, plan memory, load, encode the prompt, sample and
//! print token by token (CP437 on the console), Ctrl-C between tokens.
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt::Write as _;
use embedded_io::Read as _;

use gpt2dos::cli::Options;
use gpt2dos::dos::tempfile::TempFile;
use gpt2dos::dos::{brk, console, exit_code, heap, timer, DosError, Handle};
use gpt2dos::format::ModelReader;
use gpt2dos::mem::PoolStats;
use gpt2dos::model::{
    plan, Generator, KvCache, KvFile, KvShape, LayerSource, MemoryPlan, Mode, Model, ModelError, PlanInput, Timeline,
};
use gpt2dos::sample::SampleParams;
use gpt2dos::tokenizer::cp437::{cp437_to_utf8, Utf8ToCp437};
use gpt2dos::tokenizer::Tokenizer;

pub const DEFAULT_MODEL: &[u8] = b"MODEL.BIN";
const DEFAULT_TOKENS: u32 = 50;

pub fn run(o: &Options) -> u8 {
    match generate(o) {
        Ok(()) => exit_code::OK,
        Err(code) => code,
    }
}

fn err(code: u8, what: &[u8], detail: &dyn core::fmt::Display) -> u8 {
    let mut e = console::stderr();
    e.bytes(b"GEN: ");
    e.bytes(what);
    let _ = write!(e, "{detail}\r\n");
    code
}

/// Bytes the heap may take: `/MEM`, else all there is.
pub fn budget_bytes(o: &Options) -> u32 {
    o.mem_kb.map_or(u32::MAX, |kb| kb.saturating_mul(1024))
}

fn refuse_permille(o: &Options) -> u32 {
    o.refuse_pct.unwrap_or(95) * 10
}

/// What the plan gets for a heap of `total` bytes. The plan fills 80 % of its budget,
/// sized for refusal at 95 %: a lower `/REFUSE` shrinks that budget in proportion.
pub fn plan_input(o: &Options, total: u32, can_spill: bool) -> PlanInput {
    let budget = total as u64 * refuse_permille(o).min(950) as u64 / 950;
    PlanInput { budget, want_ctx: o.ctx.unwrap_or(0) as usize, can_spill }
}

fn generate(o: &Options) -> Result<(), u8> {
    if o.stats {
        heap::report_clean_exit();
    }
    let name = o.model.unwrap_or(DEFAULT_MODEL);
    let file = Handle::open(name, false).map_err(|e| err(exit_code::IO, name, &OpenFailed(e)))?;
    let mut reader = ModelReader::open(file).map_err(|e| err(exit_code::BAD_MODEL, name, &Colon(e)))?;

    // Plan before anything big is allocated.
    let info = heap::init(budget_bytes(o));
    heap::set_thresholds(o.warn_pct.unwrap_or(85) * 10, refuse_permille(o));
    let plan_with = |can_spill| {
        plan::plan(reader.header(), plan_input(o, info.total(), can_spill)).map_err(|f| {
            err(
                exit_code::OUT_OF_MEMORY,
                b"",
                &format_args!(
                    "model needs {} KB, {} KB available (80 % of {} KB)",
                    f.needed.div_ceil(1024),
                    f.usable / 1024,
                    info.total() / 1024
                ),
            )
        })
    };
    let mut p = plan_with(true)?;
    // A KV cache on disk needs a scratch file; where none can be made (read-only disk,
    // bad %TEMP%) the plan is made again without one.
    let mut kv_file = None;
    if p.kv_mode.uses_file() {
        match TempFile::create() {
            Ok(f) => kv_file = Some(f),
            Err(e) => {
                let _ = write!(
                    console::stderr(),
                    "GEN: warning: no scratch file for the KV cache in %TEMP% ({}); planning without one\r\n",
                    e.message()
                );
                p = plan_with(false)?;
            }
        }
    }
    if o.stats {
        print_plan(&p, &info);
        print_weights_why(&p, &plan::weight_options(reader.header()));
        if let Some(f) = &kv_file {
            let _ = write!(console::stdout(), "plan: KV cache file ");
            console::stdout().bytes(f.name());
            let _ = write!(console::stdout(), ", {} KB\r\n", p.kv_file.div_ceil(1024));
        }
    }
    let d = SampleParams::default();
    let params = SampleParams {
        temperature_milli: o.temp_milli.unwrap_or(d.temperature_milli),
        top_k: o.top_k.unwrap_or(d.top_k),
        top_p_milli: o.top_p_milli.unwrap_or(d.top_p_milli),
        rep_penalty_milli: o.rep_penalty_milli.unwrap_or(d.rep_penalty_milli),
    };
    let seed = o.seed.unwrap_or(1) as u64;
    let bad = |e: ModelError| err(exit_code::BAD_MODEL, name, &Colon(e));
    heap::set_tag("weights");
    match p.mode {
        Mode::Resident => {
            let w = reader.read_weights().map_err(|e| bad(e.into()))?;
            let (model, tok) = Model::resident(w);
            run_model(o, model, tok, &p, kv_file, params, seed)
        }
        Mode::StreamLayers | Mode::StreamAll | Mode::StreamRows { .. } => {
            let opts = p.mode.stream_options().unwrap_or_default();
            let start = timer::ticks();
            let (model, tok) = Model::streamed_with(reader, opts).map_err(bad)?;
            let verified = model.layers.bytes_verified();
            if o.stats && verified > 0 {
                let ms = timer::ticks_to_ms(timer::since(start));
                let _ = write!(
                    console::stdout(),
                    "load: {} ms, {} KB of streamed sections CRC-checked once\r\n",
                    ms,
                    verified / 1024
                );
            }
            run_model(o, model, tok, &p, kv_file, params, seed)
        }
    }
}

fn run_model<L: LayerSource>(
    o: &Options,
    model: Model<L>,
    tok_section: Vec<u8>,
    p: &MemoryPlan,
    kv_file: Option<TempFile>,
    params: SampleParams,
    seed: u64,
) -> Result<(), u8> {
    heap::set_tag("tokenizer");
    let tokenizer =
        Tokenizer::from_section_bytes(&tok_section).map_err(|e| err(exit_code::BAD_MODEL, b"tokenizer: ", &e))?;
    drop(tok_section);
    heap::set_tag("prompt");
    let prompt = read_prompt(o)?;
    let mut ids = Vec::new();
    tokenizer.encode(&prompt, &mut ids);
    if ids.is_empty() {
        return Err(err(exit_code::USAGE, b"", &"the prompt is empty (use /P:text or /F:file)"));
    }
    heap::set_tag("kv cache + scratch");
    let internal = |e: ModelError| match e {
        ModelError::OutOfMemory(_) => err(exit_code::OUT_OF_MEMORY, b"", &e),
        ModelError::KvFile(_) => err(exit_code::IO, b"KV cache file: ", &e),
        _ => err(exit_code::INTERNAL, b"", &e),
    };
    let cache = KvCache::with_mode(
        KvShape::of(&model.config),
        p.ctx,
        p.kv_mode,
        kv_file.map(|f| Box::new(f) as Box<dyn KvFile>),
    )
    .map_err(internal)?;
    let mut g = Generator::with_cache(model, cache, params, seed).map_err(internal)?;
    heap::set_tag("generation");
    if heap::take_warning() {
        let t = heap::usage();
        let _ = write!(
            console::stderr(),
            "GEN: warning: {} KB in use, over {} % of the {} KB budget\r\n",
            t.in_use / 1024,
            t.warn_permille / 10,
            t.budget / 1024
        );
    }
    let mut out_file = match o.out {
        Some(n) => Some(Handle::open(n, true).map_err(|e| err(exit_code::IO, n, &OpenFailed(e)))?),
        None => None,
    };
    let mut con = console::stdout();
    let mut cp437 = Utf8ToCp437::new();
    let mut line = Vec::new();
    cp437.push(&prompt, &mut line);
    con.bytes(&line);
    if let Some(f) = out_file.as_mut() {
        let _ = embedded_io::Write::write_all(f, &prompt);
    }
    let start = timer::ticks();
    for &t in &ids {
        g.feed(t).map_err(internal)?;
        interrupted()?;
    }
    let prompt_ticks = timer::since(start);
    let n = o.tokens.unwrap_or(DEFAULT_TOKENS);
    let mut generated: Vec<u32> = Vec::with_capacity(n as usize);
    let gen_start = timer::ticks();
    let mut timeline = None;
    for i in 0..n {
        let t = g.sample().map_err(internal)?;
        generated.push(t);
        let bytes = tokenizer.decode_token(t);
        line.clear();
        cp437.push(bytes, &mut line);
        con.bytes(&line);
        if let Some(f) = out_file.as_mut() {
            let _ = embedded_io::Write::write_all(f, bytes);
        }
        interrupted()?;
        let traced = o.stats && i == 0;
        if traced {
            g.state.timeline = Some(Timeline::new(|| heap::usage().in_use));
        }
        g.feed(t).map_err(internal)?;
        if traced {
            timeline = g.state.timeline.take();
        }
    }
    let gen_ticks = timer::since(gen_start);
    line.clear();
    cp437.finish(&mut line);
    con.bytes(&line);
    con.bytes(b"\r\n");
    if let Some(f) = out_file.take() {
        f.close();
    }
    if o.ids {
        con.bytes(b"ids:");
        for t in &generated {
            let _ = write!(con, " {t}");
        }
        con.bytes(b"\r\n");
    }
    if o.bench || o.stats {
        print_bench(ids.len() as u32, prompt_ticks, n, gen_ticks, g.slides);
    }
    if o.stats {
        print_usage(g.model.layers.bytes_streamed(), g.model.layers.pool_stats());
        if let Some(t) = &timeline {
            print_timeline(t);
        }
    }
    Ok(())
}

fn interrupted() -> Result<(), u8> {
    if brk::requested() {
        console::stdout().bytes(b"\r\n"); // end the text's line
        return Err(err(exit_code::INTERRUPTED, b"", &"interrupted"));
    }
    Ok(())
}

/// The prompt as UTF-8: /P from the command line or /F from a file, both CP437.
fn read_prompt(o: &Options) -> Result<Vec<u8>, u8> {
    let mut raw = Vec::new();
    if let Some(name) = o.prompt_file {
        let mut f = Handle::open(name, false).map_err(|e| err(exit_code::IO, name, &OpenFailed(e)))?;
        let mut buf = [0u8; 512];
        loop {
            match f.read(&mut buf) {
                Ok(0) => break,
                Ok(k) => raw.extend_from_slice(&buf[..k]),
                Err(e) => {
                    f.close();
                    return Err(err(exit_code::IO, name, &OpenFailed(e)));
                }
            }
        }
        f.close();
        while raw.last().is_some_and(|b| *b == b'\n' || *b == b'\r' || *b == 0x1A) {
            raw.pop();
        }
    } else if let Some(p) = o.prompt {
        raw.extend_from_slice(p);
    }
    let mut utf8 = Vec::new();
    cp437_to_utf8(&raw, &mut utf8);
    Ok(utf8)
}

fn print_plan(p: &MemoryPlan, info: &heap::HeapInfo) {
    let _ = write!(
        console::stdout(),
        "plan: {}{}, context {} tokens\r\n\
         plan: {}\r\n\
         plan: because {}\r\n\
         plan: weights {} KB + KV cache {} KB + scratch {} KB + tokenizer {} KB = {} KB of {} KB budget\r\n\
         memory: {} KB XMS + {} KB conventional\r\n",
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
        info.xms_bytes / 1024,
        info.conventional_bytes / 1024
    );
}

/// Why this weights mode: what each mode tried before it would have needed in all, at
/// the same context and KV cache, against 80 % of the budget.
fn print_weights_why(p: &MemoryPlan, options: &[(Mode, u64)]) {
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

fn print_bench(prompt: u32, prompt_ticks: u32, n: u32, ticks: u32, slides: u32) {
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
fn print_timeline(t: &Timeline) {
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

fn print_usage(streamed: u64, pool: Option<PoolStats>) {
    let t = heap::usage();
    let mut out = console::stdout();
    let _ = write!(
        out,
        "memory: peak {} KB, in use {} KB, limit {} KB, {} allocations, fragmentation {}.{}%\r\n\
         memory: streamed {} KB of layers from disk\r\n",
        t.peak / 1024,
        t.in_use / 1024,
        t.limit / 1024,
        t.grants,
        heap::fragmentation_permille() / 10,
        heap::fragmentation_permille() % 10,
        streamed / 1024
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
struct ChunkBound(Mode);
impl core::fmt::Display for ChunkBound {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Mode::StreamRows { chunk_bytes } => write!(f, ", chunks of at most {} KB", chunk_bytes / 1024),
            _ => Ok(()),
        }
    }
}

struct OpenFailed(DosError);
impl core::fmt::Display for OpenFailed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, ": {}", self.0.message())
    }
}

struct Colon<E>(E);
impl<E: core::fmt::Display> core::fmt::Display for Colon<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, ": {}", self.0)
    }
}
