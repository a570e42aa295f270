//! One run of a model, the same in GEN.EXE and in `gpt2bscm generate`: plan the memory
//! (and plan again without a scratch file when none can be had), build the weight
//! source the plan names and the KV cache, check what the run depends on, and generate.
//! The binaries only wire the platform in (files, console, Ctrl-C, memory tags) and
//! print.
use super::plan::{plan, DoesNotFit, MemoryPlan, Mode, PlanInput};
use super::{
    Generator, KvCache, KvFile, KvMode, KvShape, Model, ModelError, Resident, Streamed, Timeline, WeightSource,
};
use crate::format::{Matrix, ModelConfig, ModelReader, Norm, NormParams};
use crate::math::ActQ;
use crate::mem::PoolStats;
use crate::sample::SampleParams;
use crate::tokenizer::Tokenizer;
use alloc::boxed::Box;
use embedded_io::{Read, Seek};

/// The weights of any plan: all in memory, or streamed from the file.
// One value per run, built once: boxing the large variant would only add a heap block
// outside the memory plan.
#[allow(clippy::large_enum_variant)]
pub enum Weights<R> {
    Resident(Resident),
    Streamed(Streamed<R>),
}

impl<R> Weights<R> {
    /// Bytes CRC-checked when a stream opened (0 when resident: read and checked once).
    pub fn bytes_verified(&self) -> u64 {
        match self {
            Weights::Resident(_) => 0,
            Weights::Streamed(s) => s.bytes_verified(),
        }
    }
}

impl<R: Read + Seek> WeightSource for Weights<R> {
    fn norm(&mut self, layer: usize, n: Norm) -> Result<&NormParams, ModelError> {
        match self {
            Weights::Resident(w) => w.norm(layer, n),
            Weights::Streamed(w) => w.norm(layer, n),
        }
    }
    fn matvec(&mut self, layer: usize, m: Matrix, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
        match self {
            Weights::Resident(w) => w.matvec(layer, m, x, out),
            Weights::Streamed(w) => w.matvec(layer, m, x, out),
        }
    }
    fn embed_row(&mut self, token: usize, out: &mut [i32]) -> Result<(), ModelError> {
        match self {
            Weights::Resident(w) => w.embed_row(token, out),
            Weights::Streamed(w) => w.embed_row(token, out),
        }
    }
    fn head_matvec(&mut self, x: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
        match self {
            Weights::Resident(w) => w.head_matvec(x, out),
            Weights::Streamed(w) => w.head_matvec(x, out),
        }
    }
    fn bytes_streamed(&self) -> u64 {
        match self {
            Weights::Resident(w) => w.bytes_streamed(),
            Weights::Streamed(w) => w.bytes_streamed(),
        }
    }
    fn pool_stats(&self) -> Option<PoolStats> {
        match self {
            Weights::Resident(w) => w.pool_stats(),
            Weights::Streamed(w) => w.pool_stats(),
        }
    }
}

/// Where a run is in opening (the DOS heap tags its allocations by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Weights,
    Tokenizer,
    KvCache,
    Generation,
}

/// What the platform does while a run opens and generates.
pub trait Hooks {
    /// A new stage begins. Tracks its caller, so a platform that tags allocations by
    /// call site names the line in the engine that began the stage.
    #[track_caller]
    fn stage(&mut self, _stage: Stage) {}
    /// A prompt token was fed (`done` of `total`): show progress, stop on Ctrl-C.
    fn prompt_fed(&mut self, _done: usize, _total: usize) -> Result<(), HookError> {
        Ok(())
    }
    /// Token `id` was sampled (its text is `text`); it is fed next. An error here (a
    /// failed write, Ctrl-C) ends the run.
    fn token(&mut self, _index: u32, _id: u32, _text: &[u8]) -> Result<(), HookError> {
        Ok(())
    }
}

/// Why a hook stopped the run: the engine's error, or the platform's own (a write to
/// the output file failed...), which the binary reports.
#[derive(Debug)]
pub enum HookError {
    Model(ModelError),
    /// The platform's error, kept by the hook itself; the run just stops.
    Platform,
}

impl From<ModelError> for HookError {
    fn from(e: ModelError) -> Self {
        HookError::Model(e)
    }
}

/// The memory plan and, when the plan keeps the KV cache in a file, that file.
pub struct Planned {
    pub plan: MemoryPlan,
    pub scratch: Option<Box<dyn KvFile>>,
    /// The first plan wanted a scratch file and none could be had: this is the plan
    /// made again without one.
    pub replanned: bool,
}

/// Plans for `input`; when the plan keeps the KV cache in a file, asks `make_scratch`
/// for one, and plans again without a file when it has none (read-only disk, bad %TEMP%).
pub fn plan_run(
    reader: &ModelReader<impl Read + Seek>,
    input: PlanInput,
    make_scratch: impl FnOnce() -> Option<Box<dyn KvFile>>,
) -> Result<Planned, DoesNotFit> {
    let h = reader.header();
    let first = plan(h, input)?;
    if !first.kv_mode.uses_file() {
        return Ok(Planned { plan: first, scratch: None, replanned: false });
    }
    match make_scratch() {
        Some(f) => Ok(Planned { plan: first, scratch: Some(f), replanned: false }),
        None => Ok(Planned { plan: plan(h, PlanInput { can_spill: false, ..input })?, scratch: None, replanned: true }),
    }
}

/// What a session is built from: where the weights live, the context, where the KV
/// cache lives (and its file), and the sampling.
pub struct Setup {
    pub mode: Mode,
    pub ctx: usize,
    pub kv_mode: KvMode,
    pub scratch: Option<Box<dyn KvFile>>,
    pub params: SampleParams,
    pub seed: u64,
}

impl Setup {
    /// The setup a plan names.
    pub fn planned(p: Planned, params: SampleParams, seed: u64) -> Setup {
        Setup { mode: p.plan.mode, ctx: p.plan.ctx, kv_mode: p.plan.kv_mode, scratch: p.scratch, params, seed }
    }
}

/// What a run depends on that the file format itself allows: refused at open, with the
/// field named, instead of failing later.
pub fn check_runnable(c: &ModelConfig) -> Result<(), ModelError> {
    if c.n_ctx < 2 {
        return Err(ModelError::Invalid { field: "n_ctx", value: c.n_ctx });
    }
    Ok(())
}

pub struct Session<R> {
    pub tokenizer: Tokenizer,
    pub generator: Generator<Weights<R>>,
    /// The memory in use after each op of the first generated token (with `trace`).
    pub timeline: Option<Box<Timeline>>,
}

impl<R: Read + Seek> Session<R> {
    /// Loads (or opens the stream of) the weights, the tokenizer and the KV cache.
    pub fn open(mut reader: ModelReader<R>, setup: Setup, hooks: &mut dyn Hooks) -> Result<Self, ModelError> {
        let c = *reader.config();
        check_runnable(&c)?;
        hooks.stage(Stage::Weights);
        let (model, tok) = match setup.mode.stream_options() {
            None => {
                let (m, tok) = Model::resident(reader.read_weights()?);
                (m.map_weights(Weights::Resident), tok)
            }
            Some(opts) => {
                let (m, tok) = Model::streamed(reader, opts)?;
                (m.map_weights(Weights::Streamed), tok)
            }
        };
        hooks.stage(Stage::Tokenizer);
        let tokenizer = Tokenizer::from_section_bytes(&tok)?;
        drop(tok);
        // Every id the tokenizer can produce (merge results included, all below its
        // count) must have an embedding row and a logit.
        if tokenizer.vocab_size() > c.vocab_size as usize {
            return Err(ModelError::Invalid {
                field: "tokenizer entries (more than vocab_size)",
                value: tokenizer.vocab_size() as u32,
            });
        }
        hooks.stage(Stage::KvCache);
        let cache = KvCache::new(KvShape::of(&c), setup.ctx, setup.kv_mode, setup.scratch)?;
        let generator = Generator::new(model, cache, setup.params, setup.seed)?;
        hooks.stage(Stage::Generation);
        Ok(Session { tokenizer, generator, timeline: None })
    }

    /// Feeds `prompt`, then samples `n` tokens, each handed to `hooks.token` before it
    /// is fed (nothing is allocated on the way). With `trace`, the first generated
    /// token's memory timeline is kept.
    pub fn generate(
        &mut self,
        prompt: &[u32],
        n: u32,
        trace: Option<fn() -> u32>,
        hooks: &mut dyn Hooks,
    ) -> Result<(), HookError> {
        let g = &mut self.generator;
        g.feed_prompt(prompt, |done| hooks.prompt_fed(done, prompt.len()))?;
        for i in 0..n {
            let t = g.sample()?;
            hooks.token(i, t, self.tokenizer.decode_token(t))?;
            let traced = i == 0 && trace.is_some();
            if let Some(in_use) = trace.filter(|_| traced) {
                g.state.timeline = Some(Box::new(Timeline::new(in_use)));
            }
            g.feed(t)?;
            if traced {
                self.timeline = g.state.timeline.take();
            }
        }
        Ok(())
    }
}
