//! The integer engine against the float reference over a token sequence, window by
//! window (n_ctx tokens each, caches reset per window): perplexity of both and how often
//! their most likely next token agrees.

use std::vec::Vec;

use super::{FloatModel, ReferenceError};
use crate::model::{KvCache, KvMode, KvShape, Model, ModelError, RunState, WeightSource};

#[derive(Clone, Copy, Debug)]
pub struct Comparison {
    /// Predictions scored (tokens - 1 per window).
    pub tokens: usize,
    pub ppl_int: f64,
    pub ppl_float: f64,
    /// Share of positions where both pick the same most likely token.
    pub top1: f64,
}

#[derive(Debug)]
pub enum CompareError {
    Model(ModelError),
    Reference(ReferenceError),
    TooShort,
}

impl std::fmt::Display for CompareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompareError::Model(e) => write!(f, "integer engine: {e}"),
            CompareError::Reference(e) => write!(f, "float reference: {e:?}"),
            CompareError::TooShort => write!(f, "fewer than 2 tokens to score"),
        }
    }
}

/// Scores `ids`; `progress` is called once per scored position.
pub fn compare<W: WeightSource>(
    model: &mut Model<W>,
    float: &FloatModel,
    ids: &[u32],
    mut progress: impl FnMut(),
) -> Result<Comparison, CompareError> {
    let c = model.config;
    let ctx = c.n_ctx as usize;
    let mut state = RunState::new(&c, ctx).map_err(|e| CompareError::Model(e.into()))?;
    let (mut nll_int, mut nll_float, mut agree, mut n) = (0f64, 0f64, 0usize, 0usize);
    for window in ids.chunks(ctx) {
        let mut cache = KvCache::new(KvShape::of(&c), ctx, KvMode::Memory, None).map_err(CompareError::Model)?;
        let mut fcache = float.new_cache();
        for (i, &t) in window.iter().enumerate() {
            model.forward(t, &mut cache, &mut state).map_err(CompareError::Model)?;
            let flog = float.forward(t, &mut fcache).map_err(CompareError::Reference)?;
            let Some(&next) = window.get(i + 1) else { break };
            let ilog: Vec<f64> = state.logits.iter().map(|&v| v as f64 / 65536.0).collect();
            let flog: Vec<f64> = flog.iter().map(|&v| v as f64).collect();
            nll_int += nll(&ilog, next as usize);
            nll_float += nll(&flog, next as usize);
            agree += (argmax(&ilog) == argmax(&flog)) as usize;
            n += 1;
            progress();
        }
    }
    if n == 0 {
        return Err(CompareError::TooShort);
    }
    Ok(Comparison {
        tokens: n,
        ppl_int: (nll_int / n as f64).exp(),
        ppl_float: (nll_float / n as f64).exp(),
        top1: agree as f64 / n as f64,
    })
}

/// -log softmax(logits)[target]
fn nll(logits: &[f64], target: usize) -> f64 {
    let max = logits.iter().cloned().fold(f64::MIN, f64::max);
    let sum: f64 = logits.iter().map(|v| (v - max).exp()).sum();
    (sum.ln() + max) - logits[target]
}

fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}
