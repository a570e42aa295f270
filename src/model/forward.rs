//! The forward pass, one token at a time, in integers only (reads like the math):
//! embed → per layer [LN → qkv → attention → out → residual → LN → FFN → residual]
//! → final LN → logits.
use super::{KvCache, LayerSource, ModelError, Resident, RunState, StreamOptions, Streamed};
use crate::format::{LayerPart, ModelConfig, ModelReader, ModelWeights, NormParams};
use crate::math::fixed::add_in_place;
use crate::math::{gelu_in_place, inv_sqrt_q30, layer_norm, matvec, mul_q30_in_place, QMatrix};
use alloc::vec::Vec;
use embedded_io::{Read, Seek};

pub struct Model<L> {
    pub config: ModelConfig,
    /// wte (vocab, dim); also the output head when tied. None: its rows stream.
    pub embed: Option<QMatrix>,
    /// wpe (n_ctx, dim).
    pub pos_embed: QMatrix,
    pub final_norm: NormParams,
    /// The untied output head (None when tied, or when it streams).
    pub output: Option<QMatrix>,
    pub layers: L,
}

impl Model<Resident> {
    /// A model with every weight in memory; also returns the tokenizer section.
    pub fn resident(w: ModelWeights) -> (Model<Resident>, Vec<u8>) {
        let model = Model {
            config: w.config,
            embed: Some(w.embed),
            pos_embed: w.pos_embed,
            final_norm: w.final_norm,
            output: w.output,
            layers: Resident(w.layers),
        };
        (model, w.tokenizer)
    }
}

impl<R: Read + Seek> Model<Streamed<R>> {
    /// Layers stream from the file; so do the embedding and output head rows when
    /// `stream_head`, else they are loaded.
    pub fn streamed(reader: ModelReader<R>, stream_head: bool) -> Result<(Model<Streamed<R>>, Vec<u8>), ModelError> {
        Self::streamed_with(reader, StreamOptions { head: stream_head, row_chunk_bytes: None })
    }

    /// Layers stream whole or by row chunks, with or without the embedding / head.
    pub fn streamed_with(
        mut reader: ModelReader<R>,
        opts: StreamOptions,
    ) -> Result<(Model<Streamed<R>>, Vec<u8>), ModelError> {
        let tokenizer = reader.read_tokenizer()?;
        let config = *reader.config();
        let pos_embed = reader.read_pos_embed()?;
        let final_norm = reader.read_final_norm()?;
        let (embed, output) =
            if opts.head { (None, None) } else { (Some(reader.read_embed()?), reader.read_output()?) };
        let layers = Streamed::new(reader, opts)?;
        Ok((Model { config, embed, pos_embed, final_norm, output, layers }, tokenizer))
    }
}

impl<L: LayerSource> Model<L> {
    /// Runs `token` at position `cache.len()`; leaves the logits in `s.logits` and the
    /// token's K/V in the cache.
    pub fn forward(&mut self, token: u32, cache: &mut KvCache, s: &mut RunState) -> Result<(), ModelError> {
        let c = self.config;
        let d = c.embed_dim as usize;
        let hd = d / c.num_heads as usize;
        let pos = cache.len();
        if token >= c.vocab_size {
            return Err(ModelError::Token(token));
        }
        if pos >= c.n_ctx as usize || pos >= cache.capacity() {
            return Err(ModelError::Position(pos));
        }
        // x = wte[token] + wpe[pos]   (d,)
        match &self.embed {
            Some(e) => e.view().row_q16(token as usize, &mut s.x)?,
            None => self.layers.embed_row(token as usize, &mut s.x)?,
        }
        self.pos_embed.view().row_q16(pos, &mut s.delta)?;
        add_in_place(&mut s.x, &s.delta);
        s.mark(None, "embed");

        let q_scale = inv_sqrt_q30(hd as u32);
        for l in 0..c.num_layers as usize {
            // Attention: qkv = W_qkv · LN1(x) + b   (3d,)
            let n1 = self.layers.norm(l, LayerPart::Norm1)?;
            layer_norm(&s.x, &n1.gain, &n1.bias, c.layer_norm_eps, &mut s.xn)?;
            s.xq.quantize(&s.xn)?;
            self.layers.matvec(l, LayerPart::AttnQkv, &s.xq, &mut s.qkv)?;
            s.mark(Some(l), "qkv");
            let (q, kv) = s.qkv.split_at_mut(d);
            cache.store(l, &kv[..d], &kv[d..])?;
            mul_q30_in_place(q, q_scale);
            s.qq.quantize(q)?;
            cache.attend(l, &s.qq, &mut s.scores, &mut s.probs, &mut s.att)?;
            s.mark(Some(l), "attention");
            // x += W_out · att + b
            s.xq.quantize(&s.att)?;
            self.layers.matvec(l, LayerPart::AttnOut, &s.xq, &mut s.delta)?;
            add_in_place(&mut s.x, &s.delta);
            s.mark(Some(l), "attn out");
            // FFN: x += W2 · gelu(W1 · LN2(x) + b1) + b2
            let n2 = self.layers.norm(l, LayerPart::Norm2)?;
            layer_norm(&s.x, &n2.gain, &n2.bias, c.layer_norm_eps, &mut s.xn)?;
            s.xq.quantize(&s.xn)?;
            self.layers.matvec(l, LayerPart::FfnIn, &s.xq, &mut s.hidden)?;
            gelu_in_place(&mut s.hidden);
            s.mark(Some(l), "ffn in");
            s.hq.quantize(&s.hidden)?;
            self.layers.matvec(l, LayerPart::FfnOut, &s.hq, &mut s.delta)?;
            add_in_place(&mut s.x, &s.delta);
            s.mark(Some(l), "ffn out");
        }
        cache.advance();
        // logits = W_head · LN_f(x)   (vocab,)
        layer_norm(&s.x, &self.final_norm.gain, &self.final_norm.bias, c.layer_norm_eps, &mut s.xn)?;
        s.xq.quantize(&s.xn)?;
        match self.output.as_ref().or(self.embed.as_ref()) {
            Some(head) => matvec(head.view(), &s.xq, None, &mut s.logits)?,
            None => self.layers.head_matvec(&s.xq, &mut s.logits)?,
        }
        s.mark(None, "head");
        Ok(())
    }
}
