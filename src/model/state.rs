//! Scratch buffers for one forward pass, allocated once per model.
use crate::format::ModelConfig;
use crate::math::{ActQ, MathError};
use alloc::vec;
use alloc::vec::Vec;

pub struct RunState {
    /// Residual stream (dim,), Q16.16.
    pub x: Vec<i32>,
    /// LayerNorm output (dim,).
    pub xn: Vec<i32>,
    /// q, k, v of this token (3·dim,).
    pub qkv: Vec<i32>,
    /// Attention output of all heads (dim,).
    pub att: Vec<i32>,
    /// Sub-layer output added to the residual (dim,).
    pub delta: Vec<i32>,
    /// FFN hidden (ffn_dim,).
    pub hidden: Vec<i32>,
    /// Attention scores and probabilities of one head (ctx,).
    pub scores: Vec<i32>,
    pub probs: Vec<u32>,
    /// Matmul inputs quantized per weight group: (dim,) and (ffn_dim,).
    pub xq: ActQ,
    pub hq: ActQ,
    /// The query quantized per head (dim,).
    pub qq: ActQ,
    /// (vocab,) Q16.16.
    pub logits: Vec<i32>,
    /// When set, the forward pass marks the memory in use after each op.
    /// (Boxed: `/STATS` alone uses it, and GEN's stack is small.)
    pub timeline: Option<alloc::boxed::Box<super::timeline::Timeline>>,
}

/// The lengths of RunState's buffers for a model and context: the i32 (and u32) ones
/// in field order, and (length, group) of the quantized ones. `new` allocates from it and
/// `bytes` sums it, so the plan's figure is what is allocated.
struct Sizes {
    words: [usize; 9],
    quantized: [(usize, usize); 3],
}

impl Sizes {
    fn of(c: &ModelConfig, ctx: usize) -> Sizes {
        let (d, f, v, g) = (c.embed_dim as usize, c.ffn_dim as usize, c.vocab_size as usize, c.group_size as usize);
        let head = d / (c.num_heads as usize).max(1);
        Sizes { words: [d, d, 3 * d, d, d, f, ctx, ctx, v], quantized: [(d, g), (f, g), (d, head)] }
    }
}

impl RunState {
    pub fn new(c: &ModelConfig, ctx: usize) -> Result<RunState, MathError> {
        let Sizes { words: [x, xn, qkv, att, delta, hidden, scores, probs, logits], quantized: [xq, hq, qq] } =
            Sizes::of(c, ctx);
        let mut state = RunState {
            x: vec![0; x],
            xn: vec![0; xn],
            qkv: vec![0; qkv],
            att: vec![0; att],
            delta: vec![0; delta],
            hidden: vec![0; hidden],
            scores: vec![0; scores],
            probs: vec![0; probs],
            xq: ActQ::for_matvec(xq.0, xq.1)?,
            hq: ActQ::new(hq.0, hq.1)?,
            qq: ActQ::new(qq.0, qq.1)?,
            logits: vec![0; logits],
            timeline: None,
        };
        // Never multiplied at the same time: the two matvec inputs share their buffers.
        state.hq.scratch = state.xq.scratch.share();
        Ok(state)
    }

    /// Records the memory in use after `op` (of `layer`), when a timeline is set.
    pub fn mark(&mut self, layer: Option<usize>, op: &'static str) {
        if let Some(t) = &mut self.timeline {
            t.mark(layer, op);
        }
    }

    /// Bytes `new` allocates (for the memory plan).
    pub fn bytes(c: &ModelConfig, ctx: usize) -> usize {
        let s = Sizes::of(c, ctx);
        let [xq, hq, qq] = s.quantized;
        4 * s.words.iter().sum::<usize>()
            + ActQ::for_matvec_bytes(xq.0, xq.1)
            + ActQ::bytes(hq.0, hq.1)
            + ActQ::bytes(qq.0, qq.1)
    }
}
