//! Generation: feed the prompt, sample, feed the sample; when the context is full,
//! keep the newest half and rebuild the KV cache (GPT-2 has absolute positions). The
//! same in every KV mode: the cache's capacity is the context, wherever its rows live.
use super::{KvCache, Model, ModelError, RunState, Timeline, WeightSource};
use crate::format::ModelConfig;
use crate::sample::{SampleParams, Sampler};
use alloc::vec::Vec;
use core::mem::size_of;

pub struct Generator<W> {
    pub model: Model<W>,
    pub cache: KvCache,
    pub state: RunState,
    sampler: Sampler,
    /// Every token of the context window, oldest first (room for the whole window).
    window: Vec<u32>,
    /// Number of times the window slid.
    pub slides: u32,
}

/// Bytes `Generator::new` allocates for a model and context: the forward pass's
/// buffers, the sampler's, the window (nothing more is allocated while it generates),
/// and the memory timeline `/STATS` may keep.
pub fn bytes(c: &ModelConfig, ctx: usize) -> usize {
    RunState::bytes(c, ctx) + Sampler::bytes(c.vocab_size as usize) + 4 * ctx + size_of::<Timeline>()
}

impl<W: WeightSource> Generator<W> {
    /// With a cache in any [`KvMode`](super::KvMode); its capacity is the context
    /// window (2 to the model's n_ctx).
    pub fn new(model: Model<W>, cache: KvCache, params: SampleParams, seed: u64) -> Result<Self, ModelError> {
        let c = model.config;
        let ctx = cache.capacity();
        if ctx < 2 || ctx > c.n_ctx as usize {
            return Err(ModelError::Position(ctx));
        }
        let state = RunState::new(&c, ctx)?;
        let sampler = Sampler::new(params, seed, c.vocab_size as usize)?;
        let window = Vec::with_capacity(ctx);
        Ok(Generator { model, cache, state, sampler, window, slides: 0 })
    }

    /// Feeds one token (prompt or generated); logits for the next are in `state.logits`.
    pub fn feed(&mut self, token: u32) -> Result<(), ModelError> {
        if self.cache.len() == self.cache.capacity() {
            self.slide()?;
        }
        self.model.forward(token, &mut self.cache, &mut self.state)?;
        self.window.push(token);
        self.sampler.note(token)?;
        Ok(())
    }

    /// Samples the next token from the current logits (does not feed it).
    pub fn sample(&mut self) -> Result<u32, ModelError> {
        Ok(self.sampler.sample(&mut self.state.logits)?)
    }

    /// Drops the oldest half of the window and recomputes the cache for the rest.
    fn slide(&mut self) -> Result<(), ModelError> {
        let keep = self.window.len() / 2;
        self.window.drain(..self.window.len() - keep);
        self.cache.clear();
        for i in 0..self.window.len() {
            self.model.forward(self.window[i], &mut self.cache, &mut self.state)?;
        }
        self.slides += 1;
        Ok(())
    }
}
