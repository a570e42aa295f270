//! The forward pass, one token at a time, in integers only (reads like the math):
//! embed → per layer [LN → qkv → attention → out → residual → LN → FFN → residual]
//! → final LN → logits.
use super::layers::Head;
use super::{KvCache, ModelError, Resident, RunState, StreamOptions, Streamed, WeightSource};
use crate::format::{Matrix, ModelConfig, ModelReader, ModelWeights, Norm, NormParams};
use crate::math::fixed::add_in_place;
use crate::math::{gelu_in_place, inv_sqrt_q30, layer_norm, mul_q30_in_place, QMatrix};
use alloc::vec::Vec;
use embedded_io::{Read, Seek};

pub struct Model<W> {
    pub config: ModelConfig,
    /// wpe (n_ctx, dim).
    pub pos_embed: QMatrix,
    pub final_norm: NormParams,
    /// The layers, the token embedding and the output head.
    pub weights: W,
}

impl<W> Model<W> {
    /// The same model with its weight source wrapped (e.g. into `session::Weights`).
    pub fn map_weights<V>(self, f: impl FnOnce(W) -> V) -> Model<V> {
        Model { config: self.config, pos_embed: self.pos_embed, final_norm: self.final_norm, weights: f(self.weights) }
    }
}

impl Model<Resident> {
    /// A model with every weight in memory; also returns the tokenizer section.
    pub fn resident(w: ModelWeights) -> (Model<Resident>, Vec<u8>) {
        let ModelWeights { config, tokenizer, embed, pos_embed, layers, final_norm, output } = w;
        let weights = Resident { layers, head: Head { embed, output } };
        (Model { config, pos_embed, final_norm, weights }, tokenizer)
    }
}

impl<R: Read + Seek> Model<Streamed<R>> {
    /// Layers stream from the file, whole or by row chunks, with or without the
    /// embedding / head (`opts`); also returns the tokenizer section.
    pub fn streamed(
        mut reader: ModelReader<R>,
        opts: StreamOptions,
    ) -> Result<(Model<Streamed<R>>, Vec<u8>), ModelError> {
        let tokenizer = reader.read_tokenizer()?;
        let config = *reader.config();
        let pos_embed = reader.read_pos_embed()?;
        let final_norm = reader.read_final_norm()?;
        let weights = Streamed::new(reader, opts)?;
        Ok((Model { config, pos_embed, final_norm, weights }, tokenizer))
    }
}

impl<W: WeightSource> Model<W> {
    /// Runs `token` at position `cache.len()`; leaves the logits in `s.logits` and the
    /// token's K/V in the cache.
    pub fn forward(&mut self, token: u32, cache: &mut KvCache, s: &mut RunState) -> Result<(), ModelError> {
        let pos = cache.len();
        self.check(token, pos, cache)?;
        self.embed(token, pos, &mut s.x, &mut s.delta)?;
        s.mark(None, "embed");
        let q_scale = self.q_scale();
        for l in 0..self.config.num_layers as usize {
            self.layer(l, pos, q_scale, cache, s)?;
        }
        cache.advance();
        self.head(s)
    }

    /// Tokens [`Model::forward_batch`] takes at a time: as many residual streams as the
    /// logits buffer holds (it is free until the end), at most `PROMPT_BATCH`.
    pub fn batch_tokens(&self) -> usize {
        let (d, v) = (self.config.embed_dim as usize, self.config.vocab_size as usize);
        (v / d.max(1)).clamp(1, super::generate::PROMPT_BATCH)
    }

    /// Runs `tokens` (at most [`Model::batch_tokens`]) at positions `cache.len()..` layer
    /// by layer: every token through a layer before the next layer, so a source that
    /// streams its layers reads each one once for all of them. Each layer sees the tokens
    /// in order, so its K/V rows and attention are those of running the tokens one by
    /// one: the same bits. The logits (those of the last token) are computed only when
    /// `logits` (a prompt needs them once, a rebuilt cache never). The residual streams
    /// live in the logits buffer meanwhile: nothing is allocated.
    pub fn forward_batch(
        &mut self,
        tokens: &[u32],
        cache: &mut KvCache,
        s: &mut RunState,
        logits: bool,
    ) -> Result<(), ModelError> {
        let mut xs = core::mem::take(&mut s.logits);
        let done = self.run_batch(tokens, cache, s, &mut xs);
        s.logits = xs;
        done?;
        if logits && !tokens.is_empty() {
            self.head(s)?;
        }
        Ok(())
    }

    /// [`Model::forward_batch`] without the head; leaves the last token's stream in `s.x`.
    fn run_batch(
        &mut self,
        tokens: &[u32],
        cache: &mut KvCache,
        s: &mut RunState,
        xs: &mut [i32],
    ) -> Result<(), ModelError> {
        let d = self.config.embed_dim as usize;
        let (base, n) = (cache.len(), tokens.len());
        let Some(xs) = xs.get_mut(..n * d) else { return Err(ModelError::Position(base + n)) };
        for (i, (&t, x)) in tokens.iter().zip(xs.chunks_exact_mut(d)).enumerate() {
            self.check(t, base + i, cache)?;
            self.embed(t, base + i, x, &mut s.delta)?;
        }
        let q_scale = self.q_scale();
        for l in 0..self.config.num_layers as usize {
            for (i, x) in xs.chunks_exact_mut(d).enumerate() {
                s.x.copy_from_slice(x);
                self.layer(l, base + i, q_scale, cache, s)?;
                x.copy_from_slice(&s.x);
            }
        }
        cache.advance_by(n);
        if let Some(x) = xs.chunks_exact(d).last() {
            s.x.copy_from_slice(x);
        }
        Ok(())
    }

    /// The query scale 1/sqrt(head_dim).
    fn q_scale(&self) -> u32 {
        inv_sqrt_q30(self.config.embed_dim / self.config.num_heads.max(1))
    }

    fn check(&self, token: u32, pos: usize, cache: &KvCache) -> Result<(), ModelError> {
        if token >= self.config.vocab_size {
            return Err(ModelError::Token(token));
        }
        if pos >= self.config.n_ctx as usize || pos >= cache.capacity() {
            return Err(ModelError::Position(pos));
        }
        Ok(())
    }

    /// x = wte[token] + wpe[pos]   (d,); `tmp` is scratch of d.
    fn embed(&mut self, token: u32, pos: usize, x: &mut [i32], tmp: &mut [i32]) -> Result<(), ModelError> {
        self.weights.embed_row(token as usize, x)?;
        self.pos_embed.view().row_q16(pos, tmp)?;
        add_in_place(x, tmp);
        Ok(())
    }

    /// Layer `l` on the residual stream `s.x` of the token at position `pos`.
    fn layer(
        &mut self,
        l: usize,
        pos: usize,
        q_scale: u32,
        cache: &mut KvCache,
        s: &mut RunState,
    ) -> Result<(), ModelError> {
        let c = self.config;
        let d = c.embed_dim as usize;
        // Attention: qkv = W_qkv · LN1(x) + b   (3d,)
        let n1 = self.weights.norm(l, Norm::Ln1)?;
        layer_norm(&s.x, &n1.gain, &n1.bias, c.layer_norm_eps, &mut s.xn)?;
        s.xq.quantize(&s.xn)?;
        self.weights.matvec(l, Matrix::Qkv, &s.xq, &mut s.qkv)?;
        s.mark(Some(l), "qkv");
        let (q, kv) = s.qkv.split_at_mut(d);
        cache.store_at(l, pos, &kv[..d], &kv[d..])?;
        mul_q30_in_place(q, q_scale);
        s.qq.quantize(q)?;
        cache.attend_at(l, pos, &s.qq, &mut s.scores, &mut s.probs, &mut s.att)?;
        s.mark(Some(l), "attention");
        // x += W_out · att + b
        s.xq.quantize(&s.att)?;
        self.weights.matvec(l, Matrix::AttnOut, &s.xq, &mut s.delta)?;
        add_in_place(&mut s.x, &s.delta);
        s.mark(Some(l), "attn out");
        // FFN: x += W2 · gelu(W1 · LN2(x) + b1) + b2
        let n2 = self.weights.norm(l, Norm::Ln2)?;
        layer_norm(&s.x, &n2.gain, &n2.bias, c.layer_norm_eps, &mut s.xn)?;
        s.xq.quantize(&s.xn)?;
        self.weights.matvec(l, Matrix::FfnIn, &s.xq, &mut s.hidden)?;
        gelu_in_place(&mut s.hidden);
        s.mark(Some(l), "ffn in");
        s.hq.quantize(&s.hidden)?;
        self.weights.matvec(l, Matrix::FfnOut, &s.hq, &mut s.delta)?;
        add_in_place(&mut s.x, &s.delta);
        s.mark(Some(l), "ffn out");
        Ok(())
    }

    /// logits = W_head · LN_f(x)   (vocab,)
    fn head(&mut self, s: &mut RunState) -> Result<(), ModelError> {
        let c = self.config;
        layer_norm(&s.x, &self.final_norm.gain, &self.final_norm.bias, c.layer_norm_eps, &mut s.xn)?;
        s.xq.quantize(&s.xn)?;
        self.weights.head_matvec(&s.xq, &mut s.logits)?;
        s.mark(None, "head");
        Ok(())
    }
}
