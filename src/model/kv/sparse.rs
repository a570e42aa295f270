//! Block-sparse attention: positions are grouped in blocks of `block`; a token attends
//! to the first `sink_blocks` blocks (the "attention sink" GPT-2 leans on) and to the
//! newest `window_blocks` blocks, its own partial block included. Only those rows are
//! kept, in a ring: the sink rows first, then `window_blocks · block` slots that the
//! window reuses. Positions stay absolute (the position embedding does not change), so
//! this changes the math: see docs/MEMORY.md for how much.
//!
//! The attended rows are at most three runs of slots (sink, and the window, which may
//! wrap around the ring); softmax and the mix do not depend on the order of rows, so
//! they run over the runs as if the rows were contiguous.
use super::rows::Rows;
use super::KvShape;
use crate::math::{attn_scores, mix_add, mix_finish, mix_shift, softmax_q30, ActQ, KvRows, MathError, RowScales};

pub(super) struct SparseKv {
    k: Rows,
    v: Rows,
    block: usize,
    sink_rows: usize,
    window_blocks: usize,
    /// Rows kept per layer: `(sink_blocks + window_blocks) · block`, at most `capacity`.
    slots: usize,
}

impl SparseKv {
    /// `block` and `window_blocks` count at least 1.
    pub fn new(s: KvShape, capacity: usize, block: usize, sink_blocks: usize, window_blocks: usize) -> SparseKv {
        let (block, window_blocks) = (block.max(1), window_blocks.max(1));
        let slots = Self::slots(capacity, block, sink_blocks, window_blocks);
        let rows = s.layers * slots;
        SparseKv {
            k: Rows::new(rows, s.dim, s.heads),
            v: Rows::new(rows, s.dim, s.heads),
            block,
            sink_rows: (sink_blocks * block).min(slots),
            window_blocks,
            slots,
        }
    }

    pub const fn slots(capacity: usize, block: usize, sink_blocks: usize, window_blocks: usize) -> usize {
        let (block, window_blocks) =
            (if block == 0 { 1 } else { block }, if window_blocks == 0 { 1 } else { window_blocks });
        let kept = (sink_blocks + window_blocks) * block;
        if kept < capacity {
            kept
        } else {
            capacity
        }
    }

    pub const fn bytes(s: KvShape, capacity: usize, block: usize, sink_blocks: usize, window_blocks: usize) -> usize {
        2 * Rows::bytes(s.layers * Self::slots(capacity, block, sink_blocks, window_blocks), s.dim, s.heads)
    }

    /// Where position `pos` is kept.
    fn slot(&self, pos: usize) -> usize {
        if pos < self.sink_rows {
            pos
        } else {
            self.sink_rows + (pos - self.sink_rows) % (self.slots - self.sink_rows)
        }
    }

    pub fn store(&mut self, layer: usize, pos: usize, k: &[i32], v: &[i32]) -> Result<(), MathError> {
        let i = layer * self.slots + self.slot(pos);
        self.k.put(i, k)?;
        self.v.put(i, v)
    }

    /// The runs of slots (start, length) that position `p` attends to.
    fn runs(&self, p: usize) -> ([(usize, usize); 3], usize) {
        let mut runs = [(0, 0); 3];
        if p < self.sink_rows {
            runs[0] = (0, p + 1);
            return (runs, 1);
        }
        let mut k = 0;
        if self.sink_rows > 0 {
            runs[0] = (0, self.sink_rows);
            k = 1;
        }
        let first = (p / self.block + 1).saturating_sub(self.window_blocks) * self.block;
        let start = first.max(self.sink_rows);
        let (a, m) = (self.slot(start), p - start + 1);
        let head = m.min(self.slots - a);
        runs[k] = (a, head);
        k += 1;
        if head < m {
            runs[k] = (self.sink_rows, m - head);
            k += 1;
        }
        (runs, k)
    }

    /// `out` = attention of query `q` at position `n - 1` of `layer` over the kept
    /// positions, all heads.
    pub fn attend(
        &self,
        layer: usize,
        n: usize,
        q: &ActQ,
        scores: &mut [i32],
        probs: &mut [u32],
        out: &mut [i32],
    ) -> Result<(), MathError> {
        let (runs, count) = self.runs(n - 1);
        let base = layer * self.slots;
        let views = runs.map(|(a, m)| (self.k.view(base + a, m), self.v.view(base + a, m)));
        let views = &views[..count];
        let total: usize = runs[..count].iter().map(|r| r.1).sum();
        let hd = views[0].0.head_dim;
        for h in 0..views[0].0.dim / hd {
            let mut at = 0;
            for (keys, _) in views {
                attn_scores(q, h, *keys, &mut scores[at..at + keys.rows()])?;
                at += keys.rows();
            }
            softmax_q30(&scores[..total], &mut probs[..total])?;
            // attn_mix's shift over all runs: from the largest row scale of any run.
            let (mut g, mut at) = (None::<i32>, 0);
            for (_, values) in views {
                let s = mix_shift(&probs[at..at + values.rows()], scales(values), h)?;
                g = match (g, s) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                at += values.rows();
            }
            let o = &mut out[h * hd..(h + 1) * hd];
            o.fill(0);
            let Some(g) = g else { continue };
            at = 0;
            for (_, values) in views {
                mix_add(&probs[at..at + values.rows()], *values, h, g, o)?;
                at += values.rows();
            }
            mix_finish(o, g);
        }
        Ok(())
    }
}

fn scales<'a>(r: &KvRows<'a>) -> RowScales<'a> {
    RowScales { mant: r.mant, exp: r.exp, heads: r.dim / r.head_dim }
}
