//! `gpt2bscm synth-124m -o FILE`: a model with GPT-2 124M's shapes (12 layers, 768 wide,
//! 12 heads, vocab 50257, n_ctx 1024) and seeded random weights, for benchmarks of
//! memory plans and speed. Its tokenizer has the 256 byte tokens only (no merges).

use std::path::Path;

use gpt2dos::format::{write_model, LayerWeights, ModelConfig, ModelWeights, NormParams};
use gpt2dos::math::{Layout, QMatrix, GPT2_LN_EPS_Q32};
use gpt2dos::sample::Pcg32;
use gpt2dos::tokenizer::Tokenizer;
use indicatif::ProgressBar;

const GROUP: usize = 32;

pub fn run(output: &Path) -> Result<(), (u8, String)> {
    let (layers, d, heads, vocab, ctx) = (12usize, 768usize, 12usize, 50257usize, 1024usize);
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
    let bar = ProgressBar::new(layers as u64 + 2);
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
    bar.finish_and_clear();
    let bytes: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    let tokenizer = Tokenizer::from_tokens(&bytes, &[]).map_err(|e| (7, e.to_string()))?;
    let weights = ModelWeights {
        config,
        tokenizer: tokenizer.to_section_bytes(),
        embed,
        pos_embed,
        layers,
        final_norm: norm(),
        output: None,
    }
    .with_layout(ModelWeights::preferred_layout(GROUP));
    let file = write_model(&weights).map_err(|e| (7, e.to_string()))?;
    std::fs::write(output, &file).map_err(|e| (2, format!("{}: {e}", output.display())))?;
    println!("wrote {}: {} bytes, GPT-2 124M shapes, random weights", output.display(), file.len());
    Ok(())
}

/// Uniform weights in [-amp, amp], quantized like the converter does.
fn random_matrix(rng: &mut Pcg32, rows: usize, cols: usize, amp: f32) -> QMatrix {
    let w: Vec<f32> = (0..rows * cols).map(|_| (rng.next_u32() as f32 / u32::MAX as f32 * 2.0 - 1.0) * amp).collect();
    QMatrix::quantize(&w, rows, cols, GROUP)
}
