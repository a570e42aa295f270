//! The memory plan: before anything big is allocated, estimate what each way of running
//! needs and pick the first that fits 80 % of the budget — all weights resident, else
//! layers streamed from the file, else the token embedding / output head streamed by rows
//! too, else layer matrices streamed by row chunks (largest chunk bound first) — at the
//! largest context that fits (halving it down to `MIN_CTX`). If nothing fits, the plan
//! says how much would have been needed. Where the KV cache lives is chosen alongside
//! (`plan_kv`): in memory, spilled to disk, or block-sparse.
use super::plan_kv;
use super::streamed::StreamOptions;
use super::{KvMode, KvShape, Resident};
use crate::format::Header;

/// Share of the budget a plan may fill (the rest absorbs allocator slack).
pub const PLAN_PERMILLE: u64 = 800;
/// Smallest useful context window.
pub const MIN_CTX: usize = 16;
/// Row-chunk bounds tried for `StreamRows`, largest first: fewer reads and calls.
pub const ROW_CHUNK_BOUNDS: [u32; 5] = [256 << 10, 128 << 10, 64 << 10, 32 << 10, 16 << 10];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Resident,
    StreamLayers,
    /// Layers stream, and so do the token embedding / output head by rows.
    StreamAll,
    /// As `StreamAll`, but layers are never whole in memory: their norms and biases are
    /// read per layer, their matrices by chunks of rows of at most `chunk_bytes`.
    StreamRows {
        chunk_bytes: u32,
    },
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Resident => "resident (all weights in memory)",
            Mode::StreamLayers => "layer streaming (one layer in memory, read per token)",
            Mode::StreamAll => "layer + head streaming (embedding and output head read by rows)",
            Mode::StreamRows { .. } => "row streaming (layer matrices and head read in chunks of rows)",
        }
    }

    /// How the weights stream in this mode (None: all resident).
    pub fn stream_options(self) -> Option<StreamOptions> {
        let (head, row_chunk_bytes) = match self {
            Mode::Resident => return None,
            Mode::StreamLayers => (false, None),
            Mode::StreamAll => (true, None),
            Mode::StreamRows { chunk_bytes } => (true, Some(chunk_bytes as usize)),
        };
        Some(StreamOptions { head, row_chunk_bytes })
    }
}

#[derive(Clone, Copy, Debug)]
pub struct PlanInput {
    pub budget: u64,
    /// Context the user asked for (0 = as large as fits, up to n_ctx).
    pub want_ctx: usize,
    /// Whether a file for the KV cache can be had (else block-sparse is the fallback).
    pub can_spill: bool,
}

/// Default share of the budget past which allocations are refused (`/REFUSE`), per mille.
pub const REFUSE_PERMILLE: u32 = 950;

impl PlanInput {
    /// What the plan gets for a heap of `total` bytes that refuses past `refuse_permille`
    /// of it: the plan fills 80 % of a budget sized for refusal at 95 %, so a lower
    /// refusal line shrinks that budget in proportion.
    pub fn new(total: u64, refuse_permille: u32, want_ctx: usize, can_spill: bool) -> PlanInput {
        let budget = total * refuse_permille.min(REFUSE_PERMILLE) as u64 / REFUSE_PERMILLE as u64;
        PlanInput { budget, want_ctx, can_spill }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryPlan {
    pub mode: Mode,
    pub ctx: usize,
    pub weights: u64,
    /// Memory of the KV cache in `kv_mode`.
    pub kv: u64,
    pub scratch: u64,
    pub tokenizer: u64,
    pub budget: u64,
    /// Where the KV cache lives, so how attention reads it.
    pub kv_mode: KvMode,
    /// Bytes of the KV cache file when full (0 unless `kv_mode` spills).
    pub kv_file: u64,
    /// Why this `kv_mode` (for /STATS).
    pub kv_why: &'static str,
}

impl MemoryPlan {
    pub fn total(&self) -> u64 {
        self.weights + self.kv + self.scratch + self.tokenizer
    }
}

/// Nothing fits: `needed` is the smallest plan's total (the smallest context, streaming,
/// the smallest KV mode), which must fit the plan share of the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DoesNotFit {
    pub needed: u64,
    pub usable: u64,
}

/// Every weights mode with the bytes it needs, in the order the plan tries them.
pub fn weight_options(h: &Header) -> [(Mode, u64); 3 + ROW_CHUNK_BOUNDS.len()] {
    let mut options = [(Mode::Resident, 0); 3 + ROW_CHUNK_BOUNDS.len()];
    options[1].0 = Mode::StreamLayers;
    options[2].0 = Mode::StreamAll;
    for (o, &bound) in options[3..].iter_mut().zip(&ROW_CHUNK_BOUNDS) {
        o.0 = Mode::StreamRows { chunk_bytes: bound };
    }
    for (mode, bytes) in options.iter_mut() {
        *bytes = match mode.stream_options() {
            None => Resident::bytes(h),
            Some(o) => o.ram_bytes(h),
        };
    }
    options
}

/// The figures of one way of running: weights in `mode` (`weights` bytes), the KV cache
/// in `kv` at `ctx` tokens, each from the footprint function beside what allocates it.
pub fn estimate(h: &Header, mode: Mode, weights: u64, ctx: usize, kv: KvMode) -> MemoryPlan {
    let shape = KvShape::of(&h.config);
    MemoryPlan {
        mode,
        ctx,
        weights,
        kv: kv.ram_bytes(shape, ctx) as u64,
        // The forward pass's buffers, the sampler's and the generator's window.
        scratch: super::generate::bytes(&h.config, ctx) as u64,
        // The section blob and the parsed tables live side by side while loading.
        tokenizer: h.tokenizer.length as u64 * 2,
        budget: 0,
        kv_mode: kv,
        kv_file: kv.file_bytes(shape, ctx),
        kv_why: "",
    }
}

pub fn plan(h: &Header, input: PlanInput) -> Result<MemoryPlan, DoesNotFit> {
    let c = h.config;
    let usable = input.budget * PLAN_PERMILLE / 1000;
    let options = weight_options(h);
    let n_ctx = c.n_ctx as usize;
    let auto = input.want_ctx == 0;
    let start = if auto { n_ctx } else { input.want_ctx.min(n_ctx) };
    let make = |mode, ctx: usize, weights, kv: KvMode| MemoryPlan {
        budget: input.budget,
        kv_why: plan_kv::why(kv, ctx < start, auto, input.can_spill),
        ..estimate(h, mode, weights, ctx, kv)
    };
    let min_ctx = MIN_CTX.min(n_ctx);
    let mut needed = u64::MAX;
    for &stage in plan_kv::stages(auto) {
        let mut ctx = start;
        loop {
            for kv in plan_kv::candidates(stage, ctx, input.can_spill) {
                for (mode, weights) in options {
                    let p = make(mode, ctx, weights, kv);
                    if p.total() <= usable {
                        return Ok(p);
                    }
                    needed = needed.min(p.total());
                }
            }
            if ctx <= min_ctx {
                break;
            }
            ctx = (ctx / 2).max(min_ctx);
        }
    }
    Err(DoesNotFit { needed, usable })
}

#[cfg(test)]
mod kv_tests;
#[cfg(test)]
mod tests;
