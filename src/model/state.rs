//! Scratch buffers for one forward pass, allocated once per model.
use crate::format::ModelConfig;
use crate::math::planes::PlaneScratch;
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
    pub timeline: Option<super::timeline::Timeline>,
}

impl RunState {
    pub fn new(c: &ModelConfig, ctx: usize) -> Result<RunState, MathError> {
        let (d, f, g) = (c.embed_dim as usize, c.ffn_dim as usize, c.group_size as usize);
        Ok(RunState {
            x: vec![0; d],
            xn: vec![0; d],
            qkv: vec![0; 3 * d],
            att: vec![0; d],
            delta: vec![0; d],
            hidden: vec![0; f],
            scores: vec![0; ctx],
            probs: vec![0; ctx],
            xq: ActQ::for_matvec(d, g)?,
            hq: ActQ::for_matvec(f, g)?,
            qq: ActQ::new(d, d / c.num_heads as usize)?,
            logits: vec![0; c.vocab_size as usize],
            timeline: None,
        })
    }

    /// Records the memory in use after `op` (of `layer`), when a timeline is set.
    pub fn mark(&mut self, layer: Option<usize>, op: &'static str) {
        if let Some(t) = &mut self.timeline {
            t.mark(layer, op);
        }
    }

    /// Bytes `new` allocates (for the memory plan).
    pub fn bytes(c: &ModelConfig, ctx: usize) -> usize {
        let (d, f, v) = (c.embed_dim as usize, c.ffn_dim as usize, c.vocab_size as usize);
        let heads = c.num_heads as usize;
        let groups = (d + f) / c.group_size.max(1) as usize;
        4 * (7 * d + f + 2 * ctx + v)
            + 4 * (d + f + d)
            + 2 * (groups + heads)
            + 2 * PlaneScratch::bytes(c.group_size as usize)
    }
}
