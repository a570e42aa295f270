//! `gpt2bscm synth-124m -o FILE`: a model with GPT-2 124M's shapes (12 layers, 768 wide,
//! 12 heads, vocab 50257, n_ctx 1024) and seeded random weights, for benchmarks of
//! memory plans and speed. Its tokenizer has the 256 byte tokens only (no merges).

use std::path::Path;

use gpt2dos::convert::synth::{gpt2_124m_shapes, synthetic, Shape};
use gpt2dos::error::{host_file_error, Error};
use gpt2dos::format::write_model;
use indicatif::ProgressBar;

/// GPT-2 124M's shapes, or `shape`.
pub fn run(output: &Path, shape: Option<Shape>) -> Result<(), Error<'_>> {
    let bar = ProgressBar::new(0);
    let weights = match shape {
        None => gpt2_124m_shapes(12, &bar),
        Some(s) => synthetic(s, &bar),
    };
    bar.finish_and_clear();
    let file = write_model(&weights).map_err(|_| Error::Internal("the synthetic model cannot be written"))?;
    std::fs::write(output, &file).map_err(|e| host_file_error(output, e))?;
    let c = weights.config;
    println!(
        "wrote {}: {} bytes, {} layers x {}, {} heads, vocab {}, context {}, random weights",
        output.display(),
        file.len(),
        c.num_layers,
        c.embed_dim,
        c.num_heads,
        c.vocab_size,
        c.n_ctx
    );
    Ok(())
}
