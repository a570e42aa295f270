//! Format tests: round trips through an in-memory file, typed errors, and seeded
//! mutation fuzzing. `small_model` builds deterministic random models for all of them.

mod fuzz;
mod round_trip;

use alloc::vec::Vec;

use super::header::ModelConfig;
use super::weights::{LayerWeights, ModelWeights, NormParams};
use crate::math::QMatrix;

/// xorshift64*: deterministic test data without dependencies.
pub(super) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in [-1, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

pub(super) fn small_config(tied: bool) -> ModelConfig {
    ModelConfig {
        num_layers: 3,
        embed_dim: 16,
        vocab_size: 23,
        num_heads: 2,
        n_ctx: 8,
        ffn_dim: 32,
        group_size: 8,
        layer_norm_eps: ModelConfig::eps_from_f64(1e-5),
        tied_output: tied,
        weight_layout: crate::math::Layout::Rows,
    }
}

fn matrix(rng: &mut Rng, rows: u32, cols: u32, group: u32) -> QMatrix {
    let w: Vec<f32> = (0..rows * cols).map(|_| rng.unit() * 0.3).collect();
    QMatrix::quantize(&w, rows as usize, cols as usize, group as usize)
}

fn vector(rng: &mut Rng, len: u32) -> Vec<i32> {
    (0..len).map(|_| (rng.next_u64() as i32) >> 12).collect()
}

fn norm(rng: &mut Rng, len: u32) -> NormParams {
    NormParams { gain: vector(rng, len), bias: vector(rng, len) }
}

pub(super) fn small_model(c: ModelConfig, seed: u64) -> ModelWeights {
    let mut rng = Rng::new(seed);
    let (e, f, g) = (c.embed_dim, c.ffn_dim, c.group_size);
    let layers = (0..c.num_layers)
        .map(|_| LayerWeights {
            norm1: norm(&mut rng, e),
            attn_qkv: matrix(&mut rng, 3 * e, e, g),
            qkv_bias: vector(&mut rng, 3 * e),
            attn_out: matrix(&mut rng, e, e, g),
            attn_out_bias: vector(&mut rng, e),
            norm2: norm(&mut rng, e),
            ffn_in: matrix(&mut rng, f, e, g),
            ffn_in_bias: vector(&mut rng, f),
            ffn_out: matrix(&mut rng, e, f, g),
            ffn_out_bias: vector(&mut rng, e),
        })
        .collect();
    ModelWeights {
        config: c,
        // An odd length, so the gap after the tokenizer section is exercised.
        tokenizer: (0..37u8).map(|b| b.wrapping_mul(7)).collect(),
        embed: matrix(&mut rng, c.vocab_size, e, g),
        pos_embed: matrix(&mut rng, c.n_ctx, e, g),
        layers,
        final_norm: norm(&mut rng, e),
        output: if c.tied_output { None } else { Some(matrix(&mut rng, c.vocab_size, e, g)) },
    }
}
