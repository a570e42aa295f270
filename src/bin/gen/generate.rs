//! Text generation: the engine's `Session` with DOS wired in — the model file (with
//! progress and Ctrl-C), the heap's budget and tags, the KV scratch file, the console
//! (CP437) and `/O` — and what `/STATS` and `/BENCH` print.
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt::Write as _;
use embedded_io::Read as _;

use crate::hooks::DosHooks;
use crate::progress::{self, ModelFile};
use crate::stats::{print_bench, print_plan, print_timeline, print_usage, print_weights_why};
use gpt2dos::cli::{Options, UsageError};
use gpt2dos::dos::tempfile::TempFile;
use gpt2dos::dos::{console, heap, timer, Handle};
use gpt2dos::format::ModelReader;
use gpt2dos::model::{plan, plan_run, HookError, KvFile, PlanInput, Planned, Session, Setup, WeightSource};
use gpt2dos::sample::SampleParams;
use gpt2dos::tokenizer::cp437::cp437_to_utf8;
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
    progress::text_on_screen(false);
    progress::token_started();
    let result = session.generate(&ids, n, trace, &mut hooks);
    progress::before_text();
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
