//! The f32 GPT-2 forward pass (host only): the yardstick for the integer engine.
//!
//! Built either from Hugging Face f32 weights (`crate::convert::hf::load_hf_dir`) — checked
//! against `transformers` by tests/hf_fixtures.rs — or from a GPT2BSCM file, dequantized
//! (`FloatModel::from_weights`), which is what `eval` compares the integer engine with.
//! Storage is f32; dot products and LayerNorm statistics accumulate in f64.

mod compare;
mod forward;
mod model;
mod ops;

pub use compare::{compare, CompareError, Comparison};
pub use forward::{KvCache, ReferenceError};
pub use model::{FloatConfig, FloatLayer, FloatModel, Matrix};
