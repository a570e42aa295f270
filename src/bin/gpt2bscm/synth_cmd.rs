//! `gpt2bscm synth-124m -o FILE`: a model with GPT-2 124M's shapes (12 layers, 768 wide,
//! 12 heads, vocab 50257, n_ctx 1024) and seeded random weights, for benchmarks of
//! memory plans and speed. Its tokenizer has the 256 byte tokens only (no merges).

use std::path::Path;

use gpt2dos::convert::synth::gpt2_124m_shapes;
use gpt2dos::error::{host_file_error, Error};
use gpt2dos::format::write_model;
use indicatif::ProgressBar;

pub fn run(output: &Path) -> Result<(), Error<'_>> {
    let bar = ProgressBar::new(0);
    let weights = gpt2_124m_shapes(12, &bar);
    bar.finish_and_clear();
    let file = write_model(&weights).map_err(|_| Error::Internal("the synthetic model cannot be written"))?;
    std::fs::write(output, &file).map_err(|e| host_file_error(output, e))?;
    println!("wrote {}: {} bytes, GPT-2 124M shapes, random weights", output.display(), file.len());
    Ok(())
}
