//! The forward pass, one token at a time with a KV cache (reads top-down like the math).

use std::vec;
use std::vec::Vec;

use super::model::FloatModel;
use super::ops::{dot, gelu, layer_norm, matvec, softmax};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceError {
    TokenOutOfRange { token: u32, vocab_size: usize },
    ContextFull { n_ctx: usize },
}

impl core::fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ReferenceError::TokenOutOfRange { token, vocab_size } => {
                write!(f, "token id {token} out of range (vocab {vocab_size})")
            }
            ReferenceError::ContextFull { n_ctx } => write!(f, "context full ({n_ctx} tokens)"),
        }
    }
}

impl std::error::Error for ReferenceError {}

/// Keys and values of every past position, per layer: (n_layer, n_ctx, E) each.
pub struct KvCache {
    keys: Vec<f32>,
    values: Vec<f32>,
    len: usize,
    n_ctx: usize,
    embed_dim: usize,
}

impl KvCache {
    /// Positions already processed (the next token's position).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn clear(&mut self) {
        self.len = 0;
    }

    fn at(&self, layer: usize, pos: usize) -> usize {
        (layer * self.n_ctx + pos) * self.embed_dim
    }
}

impl FloatModel {
    pub fn new_cache(&self) -> KvCache {
        let c = &self.config;
        let n = c.num_layers * c.n_ctx * c.embed_dim;
        KvCache { keys: vec![0.0; n], values: vec![0.0; n], len: 0, n_ctx: c.n_ctx, embed_dim: c.embed_dim }
    }

    /// Logits for every position of `tokens`, from an empty cache: (T, vocab).
    pub fn logits(&self, tokens: &[u32]) -> Result<Vec<Vec<f32>>, ReferenceError> {
        let mut cache = self.new_cache();
        tokens.iter().map(|&t| self.forward(t, &mut cache)).collect()
    }

    /// Feeds one token at position `cache.len()`; returns its logits (vocab,).
    pub fn forward(&self, token: u32, cache: &mut KvCache) -> Result<Vec<f32>, ReferenceError> {
        let c = &self.config;
        let (e, hd) = (c.embed_dim, c.head_dim());
        if token as usize >= c.vocab_size {
            return Err(ReferenceError::TokenOutOfRange { token, vocab_size: c.vocab_size });
        }
        let pos = cache.len;
        if pos >= c.n_ctx {
            return Err(ReferenceError::ContextFull { n_ctx: c.n_ctx });
        }
        // x = wte[token] + wpe[pos]   (E,)
        let mut x: Vec<f32> =
            self.embed.row(token as usize).iter().zip(self.pos_embed.row(pos)).map(|(a, b)| a + b).collect();
        let mut h = vec![0f32; e];
        let mut qkv = vec![0f32; 3 * e];
        let mut attn = vec![0f32; e];
        let mut proj = vec![0f32; e];
        let mut ffn = vec![0f32; c.ffn_dim];
        let scale = 1.0 / (hd as f64).sqrt();
        for (l, layer) in self.layers.iter().enumerate() {
            // h = ln_1(x); qkv = c_attn(h)   (3E,)
            layer_norm(&x, &layer.ln1_gain, &layer.ln1_bias, c.layer_norm_eps, &mut h);
            matvec(&layer.attn_qkv, &h, Some(&layer.qkv_bias), &mut qkv);
            let at = cache.at(l, pos);
            cache.keys[at..at + e].copy_from_slice(&qkv[e..2 * e]);
            cache.values[at..at + e].copy_from_slice(&qkv[2 * e..]);
            // Causal attention per head over positions 0..=pos.
            for head in 0..c.num_heads {
                let q = &qkv[head * hd..(head + 1) * hd];
                let mut scores: Vec<f64> = (0..=pos)
                    .map(|t| {
                        let k = cache.at(l, t) + head * hd;
                        dot(q, &cache.keys[k..k + hd]) * scale
                    })
                    .collect();
                softmax(&mut scores);
                for (i, out) in attn[head * hd..(head + 1) * hd].iter_mut().enumerate() {
                    let v = |t: usize| cache.values[cache.at(l, t) + head * hd + i] as f64;
                    *out = scores.iter().enumerate().map(|(t, p)| p * v(t)).sum::<f64>() as f32;
                }
            }
            // x += c_proj(attn)
            matvec(&layer.attn_out, &attn, Some(&layer.attn_out_bias), &mut proj);
            x.iter_mut().zip(&proj).for_each(|(a, b)| *a += b);
            // x += mlp(ln_2(x)) = c_proj(gelu(c_fc(h)))
            layer_norm(&x, &layer.ln2_gain, &layer.ln2_bias, c.layer_norm_eps, &mut h);
            matvec(&layer.ffn_in, &h, Some(&layer.ffn_in_bias), &mut ffn);
            ffn.iter_mut().for_each(|v| *v = gelu(*v));
            matvec(&layer.ffn_out, &ffn, Some(&layer.ffn_out_bias), &mut proj);
            x.iter_mut().zip(&proj).for_each(|(a, b)| *a += b);
        }
        cache.len = pos + 1;
        // logits = head(ln_f(x))   (vocab,)
        layer_norm(&x, &self.lnf_gain, &self.lnf_bias, c.layer_norm_eps, &mut h);
        let mut logits = vec![0f32; c.vocab_size];
        matvec(self.output_head(), &h, None, &mut logits);
        Ok(logits)
    }
}
