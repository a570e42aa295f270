//! Generation: feed the prompt, sample, feed the sample; when the context is full,
//! keep the newest half and rebuild the KV cache (GPT-2 has absolute positions). The
//! same in every KV mode: the cache's capacity is the context, wherever its rows live.
use super::{KvCache, LayerSource, Model, ModelError, RunState};
use crate::sample::{SampleParams, Sampler};
use alloc::vec::Vec;

pub struct Generator<L> {
    pub model: Model<L>,
    pub cache: KvCache,
    pub state: RunState,
    sampler: Sampler,
    /// Every token of the context window, oldest first.
    window: Vec<u32>,
    /// Tokens fed so far (prompt and generated), for the repetition penalty.
    history: Vec<u32>,
    /// Number of times the window slid.
    pub slides: u32,
}

impl<L: LayerSource> Generator<L> {
    /// `ctx`: context window in tokens (at most the model's n_ctx); the KV cache in memory.
    pub fn new(model: Model<L>, ctx: usize, params: SampleParams, seed: u64) -> Result<Self, ModelError> {
        let c = model.config;
        let ctx = ctx.clamp(2, c.n_ctx as usize);
        let cache = KvCache::new(c.num_layers as usize, ctx, c.embed_dim as usize, c.num_heads as usize);
        Self::with_cache(model, cache, params, seed)
    }

    /// With a cache built by the caller (any [`KvMode`](super::KvMode)); its capacity
    /// is the context window (2 to the model's n_ctx).
    pub fn with_cache(model: Model<L>, cache: KvCache, params: SampleParams, seed: u64) -> Result<Self, ModelError> {
        let c = model.config;
        let ctx = cache.capacity();
        if ctx < 2 || ctx > c.n_ctx as usize {
            return Err(ModelError::Position(ctx));
        }
        let state = RunState::new(&c, ctx)?;
        let sampler = Sampler::new(params, seed, c.vocab_size as usize)?;
        Ok(Generator { model, cache, state, sampler, window: Vec::new(), history: Vec::new(), slides: 0 })
    }

    /// Feeds one token (prompt or generated); logits for the next are in `state.logits`.
    pub fn feed(&mut self, token: u32) -> Result<(), ModelError> {
        if self.cache.len() == self.cache.capacity() {
            self.slide()?;
        }
        self.model.forward(token, &mut self.cache, &mut self.state)?;
        self.window.push(token);
        self.history.push(token);
        Ok(())
    }

    /// Samples the next token from the current logits (does not feed it).
    pub fn sample(&mut self) -> Result<u32, ModelError> {
        Ok(self.sampler.sample(&mut self.state.logits, &self.history)?)
    }

    /// Drops the oldest half of the window and recomputes the cache for the rest.
    fn slide(&mut self) -> Result<(), ModelError> {
        let keep = self.window.len() / 2;
        let kept: Vec<u32> = self.window[self.window.len() - keep..].to_vec();
        self.cache.clear();
        self.window.clear();
        for &t in &kept {
            self.model.forward(t, &mut self.cache, &mut self.state)?;
            self.window.push(t);
        }
        self.slides += 1;
        Ok(())
    }
}
