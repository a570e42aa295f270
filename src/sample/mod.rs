//! Sampling the next token from integer logits: greedy, temperature, top-k, top-p,
//! repetition penalty, with a seeded PCG32 — deterministic on every platform.
//!
//! Logits are Q16.16 (`i32`); parameters arrive as integers in thousandths (`/T:0.8`
//! → 800), so DOS never parses a float. Order (as Hugging Face `generate`): repetition
//! penalty → temperature → top-k → top-p → draw. Weights are e^((l - max)/T) in Q2.30
//! from the integer exp; the draw is `below(sum of weights)` walked over the candidates.
//! Greedy (`T = 0` or `top_k = 1`) takes the largest logit, the lowest id on ties.
pub mod candidates;
pub mod penalty;
pub mod rng;

use alloc::vec::Vec;

pub use penalty::apply_repetition_penalty;
pub use rng::Pcg32;

/// Sampling settings, all integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleParams {
    /// Temperature × 1000; 0 = greedy.
    pub temperature_milli: u32,
    /// Keep only the k most likely tokens; 0 = off.
    pub top_k: u32,
    /// Nucleus: keep the fewest most likely tokens whose mass reaches top_p; × 1000,
    /// ≥ 1000 = off.
    pub top_p_milli: u32,
    /// Repetition penalty × 1000 (CTRL rule: positive logits divided, negative ones
    /// multiplied); 1000 = off; must be > 0.
    pub rep_penalty_milli: u32,
}

impl Default for SampleParams {
    /// Hugging Face `generate` defaults: T = 1, top-k 50, top-p 1, penalty 1.
    fn default() -> Self {
        SampleParams { temperature_milli: 1000, top_k: 50, top_p_milli: 1000, rep_penalty_milli: 1000 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleError {
    /// No logits, or not as many as the sampler was built for.
    Vocab { expected: usize, got: usize },
    /// A history token id outside the vocabulary.
    TokenOutOfRange(u32),
    /// `rep_penalty_milli` = 0.
    ZeroPenalty,
}

impl core::fmt::Display for SampleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SampleError::Vocab { expected, got } => write!(f, "sampler: {got} logits for a vocabulary of {expected}"),
            SampleError::TokenOutOfRange(id) => write!(f, "sampler: token id {id} outside the vocabulary"),
            SampleError::ZeroPenalty => write!(f, "sampler: repetition penalty must be > 0"),
        }
    }
}

/// A sampler for one vocabulary size: parameters, RNG and scratch (allocated once:
/// 8 bytes per vocabulary entry plus a bit per entry).
pub struct Sampler {
    params: SampleParams,
    rng: Pcg32,
    vocab: usize,
    cands: candidates::Candidates,
    /// A bit per token id of the history (for the repetition penalty).
    seen: Vec<u32>,
}

impl Sampler {
    /// Bytes `new` allocates (for the memory plan): a (token, logit) pair per token id
    /// and a bit per token id for the repetition penalty.
    pub fn bytes(vocab: usize) -> usize {
        8 * vocab + 4 * vocab.div_ceil(32)
    }

    pub fn new(params: SampleParams, seed: u64, vocab: usize) -> Result<Sampler, SampleError> {
        if params.rep_penalty_milli == 0 {
            return Err(SampleError::ZeroPenalty);
        }
        if vocab == 0 {
            return Err(SampleError::Vocab { expected: 1, got: 0 });
        }
        Ok(Sampler {
            params,
            rng: Pcg32::from_seed(seed),
            vocab,
            cands: candidates::Candidates::with_capacity(vocab),
            seen: alloc::vec![0; vocab.div_ceil(32)],
        })
    }

    pub fn params(&self) -> &SampleParams {
        &self.params
    }

    /// Adds `id` to the history the repetition penalty applies to (once per id,
    /// however often it occurs).
    pub fn note(&mut self, id: u32) -> Result<(), SampleError> {
        if id as usize >= self.vocab {
            return Err(SampleError::TokenOutOfRange(id));
        }
        self.seen[id as usize / 32] |= 1 << (id % 32);
        Ok(())
    }

    /// The next token id. `logits` (Q16.16, one per vocabulary entry) is used as
    /// scratch: the repetition penalty is applied to it in place, for every id noted.
    pub fn sample(&mut self, logits: &mut [i32]) -> Result<u32, SampleError> {
        if logits.len() != self.vocab {
            return Err(SampleError::Vocab { expected: self.vocab, got: logits.len() });
        }
        let p = self.params;
        if p.rep_penalty_milli != 1000 {
            apply_repetition_penalty(logits, &self.seen, p.rep_penalty_milli)?;
        }
        if p.temperature_milli == 0 || p.top_k == 1 {
            return Ok(argmax(logits) as u32);
        }
        self.cands.build(logits, p.temperature_milli, p.top_k, p.top_p_milli);
        Ok(self.cands.draw(&mut self.rng))
    }
}

/// Index of the largest value; the lowest index on ties; 0 for an empty slice.
#[inline(never)]
pub fn argmax(values: &[i32]) -> usize {
    // Greedy decoding scans the whole vocabulary every token: a loop of its own (inlined
    // into the token loop it ran 12 instructions an entry, short of registers), with the
    // best value kept in a register rather than re-read by index.
    let (mut best, mut best_v) = (0, i32::MIN);
    for (i, &v) in values.iter().enumerate() {
        if v > best_v {
            (best, best_v) = (i, v);
        }
    }
    best
}

#[cfg(test)]
mod tests;
