//! The KV half of the memory plan: which [`KvMode`]s to try, in which order, and why
//! the chosen one was chosen.
//!
//! Auto context: first the largest context (halving) with the cache in memory; only when
//! not even `MIN_CTX` fits, the fallbacks, again from the largest context. Explicit
//! context: in memory, else spilled to disk (a whole layer per read, then chunks of 64
//! and 16 rows), else block-sparse — and only then a smaller context. Without a file to
//! spill to, block-sparse is the only fallback.
use super::kv::KvMode;
use heapless::Vec;

/// Rows per read when a whole layer's K (or V) does not fit in one buffer.
pub const CHUNK_ROWS: [usize; 2] = [64, 16];
/// Block-sparse: positions per block, and the sink (the first block) every token sees.
pub const SPARSE_BLOCK: usize = 16;
pub const SPARSE_SINK_BLOCKS: usize = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    InMemory,
    Fallbacks,
    Everything,
}

/// The stages, each searched from the largest context down.
pub(super) fn stages(auto_ctx: bool) -> &'static [Stage] {
    if auto_ctx {
        &[Stage::InMemory, Stage::Fallbacks]
    } else {
        &[Stage::Everything]
    }
}

/// The modes to try at `ctx`, best first.
pub(super) fn candidates(stage: Stage, ctx: usize, can_spill: bool) -> Vec<KvMode, 12> {
    let mut v = Vec::new();
    if stage != Stage::Fallbacks {
        let _ = v.push(KvMode::Memory);
    }
    if stage == Stage::InMemory {
        return v;
    }
    if can_spill {
        let _ = v.push(KvMode::Spill);
        for rows in CHUNK_ROWS.into_iter().filter(|&r| r < ctx) {
            let _ = v.push(KvMode::Chunked { rows });
        }
    }
    // Windows of half the context, a quarter, ... down to one block; only those that
    // keep fewer rows than the context.
    let mut window = ctx / 2 / SPARSE_BLOCK;
    while window >= 1 && (SPARSE_SINK_BLOCKS + window) * SPARSE_BLOCK < ctx {
        let _ =
            v.push(KvMode::BlockSparse { block: SPARSE_BLOCK, sink_blocks: SPARSE_SINK_BLOCKS, window_blocks: window });
        window /= 2;
    }
    v
}

/// Why `kv` was chosen (one short line); `shrunk`: the context is below the one asked
/// for (or n_ctx).
pub(super) fn why(kv: KvMode, shrunk: bool, auto_ctx: bool, can_spill: bool) -> &'static str {
    match kv {
        KvMode::Memory if !shrunk => "the KV cache fits in memory",
        KvMode::Memory => "context halved until the KV cache fits in memory",
        KvMode::Spill if auto_ctx => "not even the smallest context fits with the KV cache in memory",
        KvMode::Spill => "the KV cache of this context does not fit in memory",
        KvMode::Chunked { .. } => "not even one layer of KV rows fits in memory",
        KvMode::BlockSparse { .. } if !can_spill => "the KV cache does not fit in memory, no file for it",
        KvMode::BlockSparse { .. } => "not even chunked attention fits in memory",
    }
}
