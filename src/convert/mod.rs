//! The converter (host only): a Hugging Face GPT-2 directory → one GPT2BSCM file.

mod error;
pub mod hf;
mod hf_config;
mod quantize;
pub mod synth;
mod tokenizer_section;

use std::path::Path;
use std::vec::Vec;

use indicatif::ProgressBar;

pub use error::ConvertError;
pub use hf::{load_hf_dir, load_hf_dir_with_progress};
pub use hf_config::{read_config, HfConfig};
pub use quantize::{quantize_model, MatrixError};
pub use tokenizer_section::tokenizer_section;

use crate::format::write_model;

/// What `convert_dir` produced.
pub struct Converted {
    pub bytes: Vec<u8>,
    pub errors: Vec<MatrixError>,
    pub parameters: u64,
}

/// Loads, checks and quantizes `hf_dir` into the bytes of a GPT2BSCM file.
pub fn convert_dir(hf_dir: &Path, group: usize, bar: &ProgressBar) -> Result<Converted, ConvertError> {
    let model = load_hf_dir_with_progress(hf_dir, bar)?;
    let tokenizer = tokenizer_section(hf_dir, model.config.vocab_size)?;
    let (weights, errors) = quantize_model(&model, tokenizer, group, bar)?;
    let bytes = write_model(&weights)?;
    Ok(Converted { bytes, errors, parameters: weights.config.parameter_count() })
}
