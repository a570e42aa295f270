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

/// Most prompt tokens run together layer by layer (fewer when the logits buffer holds
/// fewer residual streams: `Model::batch_tokens`); a longer prompt runs in batches,
/// reading a streamed model once per batch.
pub const PROMPT_BATCH: usize = 64;

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

    /// Feeds a prompt: [`Generator::feed`] of each token, the same bits, but layer by
    /// layer for a batch of tokens at a time (`Model::batch_tokens`: a streamed model is
    /// read once per batch, not per token), and the logits only for the last token. `fed(n)` is
    /// told after each batch how many tokens are in (it may stop the run).
    pub fn feed_prompt<E: From<ModelError>>(
        &mut self,
        tokens: &[u32],
        mut fed: impl FnMut(usize) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut done = 0;
        while done < tokens.len() {
            if self.cache.len() == self.cache.capacity() {
                self.slide()?;
            }
            let room = self.cache.capacity() - self.cache.len();
            let n = (tokens.len() - done).min(room).min(self.model.batch_tokens());
            let batch = &tokens[done..done + n];
            let last = done + n == tokens.len();
            self.model.forward_batch(batch, &mut self.cache, &mut self.state, last)?;
            for &t in batch {
                self.window.push(t);
                self.sampler.note(t).map_err(ModelError::from)?;
            }
            done += n;
            fed(done)?;
        }
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
        // The kept tokens again, layer by layer; their logits are not needed (the next
        // token fed makes new ones).
        for chunk in self.window.chunks(self.model.batch_tokens()) {
            self.model.forward_batch(chunk, &mut self.cache, &mut self.state, false)?;
        }
        self.slides += 1;
        Ok(())
    }
}
