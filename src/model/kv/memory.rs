//! Every row in memory (layer `l`, position `p` at row `l·capacity + p`): attention is
//! the whole-cache kernels over the layer's first `n` rows, one head at a time.
use super::rows::Rows;
use super::KvShape;
use crate::math::{attn_mix, attn_scores, softmax_q30, ActQ, MathError};

pub(super) struct MemoryKv {
    k: Rows,
    v: Rows,
    capacity: usize,
}

impl MemoryKv {
    pub fn new(s: KvShape, capacity: usize) -> MemoryKv {
        let rows = s.layers * capacity;
        MemoryKv { k: Rows::new(rows, s.dim, s.heads), v: Rows::new(rows, s.dim, s.heads), capacity }
    }

    pub const fn bytes(s: KvShape, capacity: usize) -> usize {
        2 * Rows::bytes(s.layers * capacity, s.dim, s.heads)
    }

    pub fn store(&mut self, layer: usize, pos: usize, k: &[i32], v: &[i32]) -> Result<(), MathError> {
        let i = layer * self.capacity + pos;
        self.k.put(i, k)?;
        self.v.put(i, v)
    }

    /// `out` = attention of query `q` over positions `0..n` of `layer`, all heads.
    pub fn attend(
        &self,
        layer: usize,
        n: usize,
        q: &ActQ,
        scores: &mut [i32],
        probs: &mut [u32],
        out: &mut [i32],
    ) -> Result<(), MathError> {
        let start = layer * self.capacity;
        let (keys, values) = (self.k.view(start, n), self.v.view(start, n));
        let hd = keys.head_dim;
        for h in 0..keys.dim / hd {
            attn_scores(q, h, keys, &mut scores[..n])?;
            softmax_q30(&scores[..n], &mut probs[..n])?;
            attn_mix(&probs[..n], values, h, &mut out[h * hd..(h + 1) * hd])?;
        }
        Ok(())
    }
}
