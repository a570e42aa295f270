//! Integer math: int8 weights, fixed-point activations, integer LayerNorm/GELU/softmax.
pub mod qmatrix;

pub use qmatrix::{QMatrix, VEC_FRAC_BITS};
