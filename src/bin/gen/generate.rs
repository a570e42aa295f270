//! Text generation: the engine's `Session` with DOS wired in — the model file (with
//! progress and Ctrl-C), the heap's budget and tags, the KV scratch file, the console
//! (CP437) and `/O` — and what `/STATS` and `/BENCH` print.
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt::Write as _;
use embedded_io::Read as _;

use crate::progress::{self, ModelFile, Status};
use gpt2dos::cli::{Options, UsageError};
use gpt2dos::dos::tempfile::TempFile;
use gpt2dos::dos::{brk, console, heap, timer, Handle};
use gpt2dos::format::ModelReader;
use gpt2dos::model::{
    plan, plan_run, HookError, Hooks, KvFile, MemoryPlan, Mode, ModelError, PlanInput, Planned, Session, Setup, Stage,
    WeightSource,
};
use gpt2dos::sample::SampleParams;
use gpt2dos::tokenizer::cp437::{cp437_to_utf8, Utf8ToCp437};
use gpt2dos::Error;

pub const DEFAULT_MODEL: &[u8] = b"MODEL.BIN";
const DEFAULT_TOKENS: u32 = 50;

/// Bytes the heap may take: `/MEM`, else all there is.
pub fn budget_bytes(o: &Options) -> u32 {
    o.mem_kb.map_or(u32::MAX, |kb| kb.saturating_mul(1024))
}

fn refuse_permille(o: &Options) -> u32 {
    o.refuse_pct.map_or(plan::REFUSE_PERMILLE, |p| p * 10)
}

/// What the plan gets for a heap of `total` bytes.
pub fn plan_input(o: &Options, total: u32, can_spill: bool) -> PlanInput {
    PlanInput::new(total as u64, refuse_permille(o), o.ctx.unwrap_or(0) as usize, can_spill)
}

/// A scratch file's name, kept where an error that names it can borrow it.
pub type ScratchName = heapless::Vec<u8, 128>;

pub fn run<'a>(o: &Options<'a>, scratch_name: &'a mut ScratchName) -> Result<(), Error<'a>> {
    if o.stats {
        heap::report_clean_exit();
    }
    let name = o.model.unwrap_or(DEFAULT_MODEL);
    if o.out.is_some_and(|out| out.eq_ignore_ascii_case(name)) {
        return Err(UsageError::OutputIsModel(o.out.unwrap_or_default()).into());
    }
    let file_error = |name, e: gpt2dos::dos::DosError| Error::File { name, cause: e.message() };
    let reader = open_model(o, name)?;

    // Plan before anything big is allocated.
    let info = heap::init(budget_bytes(o));
    heap::set_thresholds(o.warn_pct.unwrap_or(85) * 10, refuse_permille(o));
    let planned = plan_and_print(o, &reader, &info, scratch_name)?;
    let d = SampleParams::default();
    let params = SampleParams {
        temperature_milli: o.temp_milli.unwrap_or(d.temperature_milli),
        top_k: o.top_k.unwrap_or(d.top_k),
        top_p_milli: o.top_p_milli.unwrap_or(d.top_p_milli),
        rep_penalty_milli: o.rep_penalty_milli.unwrap_or(d.rep_penalty_milli),
    };
    let seed = o.seed.unwrap_or(1) as u64;
    let plan = planned.plan;

    heap::set_tag("prompt");
    let prompt = read_prompt(o)?;
    let mut out_file = match o.out {
        Some(n) => Some(Handle::open(n, true).map_err(|e| file_error(n, e))?),
        None => None,
    };
    let scratch: &'a [u8] = scratch_name;
    let model_error = |error| Error::Model { name, scratch, error };
    let start = timer::ticks();
    let mut hooks = DosHooks::new(&mut out_file, o.out.unwrap_or_default());
    progress::set_loading(true);
    let opened = Session::open(reader, Setup::planned(planned, params, seed), &mut hooks);
    progress::set_loading(false);
    let mut session = opened.map_err(model_error)?;
    let verified = session.generator.model.weights.bytes_verified();
    if o.stats && verified > 0 {
        let _ = write!(
            console::stdout(),
            "load: {} ms, {} KB of streamed sections CRC-checked once\r\n",
            timer::ticks_to_ms(timer::since(start)),
            verified / 1024
        );
    }
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
    let ids = session.tokenizer.encode_to_vec(&prompt);
    if ids.is_empty() {
        return Err(UsageError::EmptyPrompt.into());
    }
    let n = o.tokens.unwrap_or(DEFAULT_TOKENS);
    hooks.prompt = &prompt;
    hooks.tokens = n;
    if o.ids {
        hooks.ids = Some(Vec::with_capacity(n as usize));
    }
    let trace = o.stats.then_some(in_use as fn() -> u32);
    hooks.start = timer::ticks();
    let result = session.generate(&ids, n, trace, &mut hooks);
    progress::clear();
    let DosHooks { mut cp437, printed, prompt_ticks, gen_start, out_error, ids: generated, .. } = hooks;
    let gen_ticks = timer::since(gen_start);
    if printed {
        // End the text's line, whatever comes next.
        let mut line = Vec::new();
        cp437.finish(&mut line);
        line.extend_from_slice(b"\r\n");
        console::stdout().bytes(&line);
    }
    match result {
        Ok(()) => {}
        Err(HookError::Model(e)) => return Err(model_error(e)),
        Err(HookError::Platform) => return Err(out_error.unwrap_or(Error::Internal("a hook stopped the run"))),
    }
    drop(out_file.take());
    let g = &session.generator;
    let mut con = console::stdout();
    if let Some(generated) = generated {
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
        print_usage(g.model.weights.bytes_streamed(), g.model.weights.pool_stats(), &plan);
        if let Some(t) = &session.timeline {
            print_timeline(t);
        }
    }
    Ok(())
}

/// The model's header, checked for what the run depends on. (Not inlined: the header
/// and its buffers leave the stack before the session is built.)
#[inline(never)]
fn open_model<'a>(o: &Options<'a>, name: &'a [u8]) -> Result<ModelReader<ModelFile>, Error<'a>> {
    let file_error = |e: gpt2dos::dos::DosError| Error::File { name, cause: e.message() };
    let model_error = |error| Error::Model { name, scratch: b"", error };
    let file = Handle::open(name, false).map_err(file_error)?;
    let file = ModelFile::new(file).map_err(file_error)?;
    let reader = ModelReader::open(file).map_err(|e| model_error(e.into()))?;
    let c = *reader.config();
    gpt2dos::model::session::check_runnable(&c).map_err(model_error)?;
    if let Some(asked) = o.ctx.filter(|&ctx| ctx > c.n_ctx) {
        return Err(UsageError::ContextTooLarge { asked, n_ctx: c.n_ctx }.into());
    }
    Ok(reader)
}

/// The memory plan, with a KV scratch file when it wants one (else the plan made again
/// without one, and a warning), printed for `/STATS`.
#[inline(never)]
fn plan_and_print<'a>(
    o: &Options<'a>,
    reader: &ModelReader<ModelFile>,
    info: &heap::HeapInfo,
    scratch_name: &mut ScratchName,
) -> Result<Planned, Error<'a>> {
    let make_scratch = || -> Option<Box<dyn KvFile>> {
        match TempFile::create() {
            Ok(f) => {
                let _ = scratch_name.extend_from_slice(f.name());
                Some(Box::new(f))
            }
            Err(e) => {
                let _ = write!(
                    console::stderr(),
                    "GEN: warning: no scratch file for the KV cache in %TEMP% ({}); planning without one\r\n",
                    e.message()
                );
                None
            }
        }
    };
    let planned = plan_run(reader, plan_input(o, info.total(), true), make_scratch).map_err(|f| Error::DoesNotFit {
        needed: f.needed,
        usable: f.usable,
        total: info.total() as u64,
    })?;
    if o.stats {
        print_plan(&planned.plan, info);
        print_weights_why(&planned.plan, &plan::weight_options(reader.header()));
        if !scratch_name.is_empty() {
            let mut out = console::stdout();
            out.bytes(b"plan: KV cache file ");
            out.bytes(scratch_name);
            let _ = write!(out, ", {} KB\r\n", planned.plan.kv_file.div_ceil(1024));
        }
    }
    Ok(planned)
}

fn in_use() -> u32 {
    heap::usage().in_use
}

/// DOS under a running session: heap tags per stage, progress and Ctrl-C between
/// prompt tokens, each token printed (CP437) and written to `/O`.
struct DosHooks<'o, 'a> {
    out: &'o mut Option<Handle>,
    out_name: &'a [u8],
    out_error: Option<Error<'a>>,
    prompt: &'o [u8],
    tokens: u32,
    /// The generated ids, kept for `/IDS`.
    ids: Option<Vec<u32>>,
    cp437: Utf8ToCp437,
    line: Vec<u8>,
    printed: bool,
    status: Status,
    start: u32,
    prompt_ticks: u32,
    gen_start: u32,
    /// Whether stdout is the screen (then the text itself shows progress).
    to_screen: bool,
}

impl<'o, 'a> DosHooks<'o, 'a> {
    fn new(out: &'o mut Option<Handle>, out_name: &'a [u8]) -> DosHooks<'o, 'a> {
        DosHooks {
            out,
            out_name,
            out_error: None,
            prompt: b"",
            tokens: 0,
            ids: None,
            cp437: Utf8ToCp437::new(),
            line: Vec::new(),
            printed: false,
            status: Status::new(),
            start: 0,
            prompt_ticks: 0,
            gen_start: 0,
            to_screen: console::stdout_is_device(),
        }
    }

    fn write_out(&mut self, bytes: &[u8]) -> Result<(), HookError> {
        if let Some(f) = self.out.as_mut() {
            if let Err(e) = embedded_io::Write::write_all(f, bytes) {
                self.out_error = Some(Error::File { name: self.out_name, cause: e.message() });
                return Err(HookError::Platform);
            }
        }
        Ok(())
    }

    fn print(&mut self, bytes: &[u8]) {
        self.line.clear();
        self.cp437.push(bytes, &mut self.line);
        console::stdout().bytes(&self.line);
        self.printed = true;
    }
}

fn interrupted() -> Result<(), ModelError> {
    if brk::requested() {
        return Err(ModelError::Interrupted);
    }
    Ok(())
}

impl Hooks for DosHooks<'_, '_> {
    fn stage(&mut self, stage: Stage) {
        heap::set_tag(match stage {
            Stage::Weights => "weights",
            Stage::Tokenizer => "tokenizer",
            Stage::KvCache => "kv cache + scratch",
            Stage::Generation => "generation",
        });
    }

    fn prompt_fed(&mut self, done: usize, total: usize) -> Result<(), HookError> {
        if done == 1 {
            self.status.restart();
        }
        self.status.update(format_args!("reading the prompt: {done} of {total} tokens"));
        interrupted()?;
        if done == total {
            self.prompt_ticks = timer::since(self.start);
            progress::clear();
            // The prompt, now that it is read, then the text as it comes.
            let prompt = self.prompt;
            self.print(prompt);
            self.write_out(prompt)?;
            self.gen_start = timer::ticks();
            self.status.restart();
        }
        Ok(())
    }

    fn token(&mut self, index: u32, id: u32, text: &[u8]) -> Result<(), HookError> {
        if let Some(ids) = self.ids.as_mut() {
            ids.push(id);
        }
        self.print(text);
        self.write_out(text)?;
        if !self.to_screen {
            self.status.update(format_args!("generated {} of {} tokens", index + 1, self.tokens));
        }
        interrupted()?;
        Ok(())
    }
}

/// The prompt as UTF-8: /P from the command line or /F from a file, both CP437.
#[inline(never)]
fn read_prompt<'a>(o: &Options<'a>) -> Result<Vec<u8>, Error<'a>> {
    let mut raw = Vec::new();
    if let Some(name) = o.prompt_file {
        let cause = |e: gpt2dos::dos::DosError| Error::File { name, cause: e.message() };
        let mut f = Handle::open(name, false).map_err(cause)?;
        let mut buf = [0u8; 512];
        loop {
            match f.read(&mut buf) {
                Ok(0) => break,
                Ok(k) => raw.extend_from_slice(&buf[..k]),
                Err(e) => return Err(cause(e)),
            }
        }
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
fn print_timeline(t: &gpt2dos::model::Timeline) {
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

fn print_usage(streamed: u64, pool: Option<gpt2dos::mem::PoolStats>, plan: &MemoryPlan) {
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
struct ChunkBound(Mode);
impl core::fmt::Display for ChunkBound {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Mode::StreamRows { chunk_bytes } => write!(f, ", chunks of at most {} KB", chunk_bytes / 1024),
            _ => Ok(()),
        }
    }
}
