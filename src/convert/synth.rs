//! A model with GPT-2 124M's shapes (768 wide, 12 heads, vocab 50257, n_ctx 1024) and
//! seeded random weights, for benchmarks of memory plans and speed (`gpt2bscm
//! synth-124m`) and for footprint tests at real sizes. Its tokenizer has the 256 byte
//! tokens only (no merges).

use std::vec;
use std::vec::Vec;

use indicatif::ProgressBar;

use crate::format::{LayerWeights, ModelConfig, ModelWeights, NormParams};
use crate::math::{Layout, QMatrix, GPT2_LN_EPS_Q32};
use crate::sample::Pcg32;
use crate::tokenizer::Tokenizer;

const GROUP: usize = 32;

/// The dimensions of a synthetic model (the FFN is 4 × `dim`, the head is tied).
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub layers: usize,
    pub dim: usize,
    pub heads: usize,
    /// At least 256 (the byte tokens).
    pub vocab: usize,
    pub ctx: usize,
}

/// GPT-2 124M's shapes with `layers` layers (12 for the real thing).
pub fn gpt2_124m_shapes(layers: usize, bar: &ProgressBar) -> ModelWeights {
    synthetic(Shape { layers, dim: 768, heads: 12, vocab: 50257, ctx: 1024 }, bar)
}

/// A model of any shape with seeded random weights (the same seed for every shape).
pub fn synthetic(shape: Shape, bar: &ProgressBar) -> ModelWeights {
    let Shape { layers, dim: d, heads, vocab, ctx } = shape;
    let config = ModelConfig {
        num_layers: layers as u32,
        embed_dim: d as u32,
        vocab_size: vocab as u32,
        num_heads: heads as u32,
        n_ctx: ctx as u32,
        ffn_dim: 4 * d as u32,
        group_size: GROUP as u32,
        layer_norm_eps: GPT2_LN_EPS_Q32,
        tied_output: true,
        weight_layout: Layout::Rows,
    };
    let mut rng = Pcg32::from_seed(124);
    bar.set_length(layers as u64 + 2);
    let embed = random_matrix(&mut rng, vocab, d, 0.02);
    let pos_embed = random_matrix(&mut rng, ctx, d, 0.01);
    bar.inc(2);
    let norm = || NormParams { gain: vec![1 << 16; d], bias: vec![0; d] };
    let layers: Vec<LayerWeights> = (0..layers)
        .map(|_| {
            let l = LayerWeights {
                norm1: norm(),
                attn_qkv: random_matrix(&mut rng, 3 * d, d, 0.02),
                qkv_bias: vec![0; 3 * d],
                attn_out: random_matrix(&mut rng, d, d, 0.02),
                attn_out_bias: vec![0; d],
                norm2: norm(),
                ffn_in: random_matrix(&mut rng, 4 * d, d, 0.02),
                ffn_in_bias: vec![0; 4 * d],
                ffn_out: random_matrix(&mut rng, d, 4 * d, 0.02),
                ffn_out_bias: vec![0; d],
            };
            bar.inc(1);
            l
        })
        .collect();
    let bytes: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    let tokenizer = Tokenizer::from_tokens(&bytes, &[]).map(|t| t.to_section_bytes()).unwrap_or_default();
    ModelWeights { config, tokenizer, embed, pos_embed, layers, final_norm: norm(), output: None }
        .with_layout(ModelWeights::preferred_layout(GROUP))
}

/// Uniform weights in [-amp, amp], quantized like the converter does.
fn random_matrix(rng: &mut Pcg32, rows: usize, cols: usize, amp: f32) -> QMatrix {
    let w: Vec<f32> = (0..rows * cols).map(|_| (rng.next_u32() as f32 / u32::MAX as f32 * 2.0 - 1.0) * amp).collect();
    QMatrix::quantize(&w, rows, cols, GROUP)
}
