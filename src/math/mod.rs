//! Integer math: int8 weights, fixed-point activations, integer LayerNorm/GELU/softmax.
//!
//! Everything here is integer-only at run time (tables are computed by `const fn` at
//! compile time), so the host and the soft-float DOS build give bit-identical results.
//!
//! # Fixed-point conventions
//!
//! | quantity | type | format | real value |
//! |---|---|---|---|
//! | residual stream, LN/GELU in & out, matmul out, biases, LN gain/bias | `i32` | Q16.16 ([`VEC_FRAC_BITS`]) | `raw / 2^16` |
//! | weights ([`QMatrix`], [`WeightRows`]) | `i8` + `u16` mantissa per group + shift per matrix | | `q * m / 2^shift` |
//! | quantized activation ([`ActQ`]), K/V cache rows ([`KvRows`]) | `i8` (held as `i32` in `ActQ`) + `u16` mantissa ≤ [`MANT_MAX`] per group + `i8` exponent per row | | `q * m * 2^exp / 2^16` |
//! | attention / softmax probabilities | `u32` | Q2.30, [`PROB_ONE`] = 2^30 | `raw / 2^30` |
//! | `exp` results ([`exp_neg_q30`]) | `u32` | Q2.30 | `raw / 2^30` |
//! | LayerNorm epsilon | `u32` | real eps × 2^32 (variance units of Q16.16) | GPT-2: [`GPT2_LN_EPS_Q32`] |
//!
//! Why Q16.16 for the residual stream: GPT-2 124M has a few "massive activation"
//! channels reaching a few thousand (≈ 3000 reported for GPT-2 small); Q16.16 holds
//! ±32768, so ≥ 10× headroom, with a resolution of 1.5e-5 — far finer than the int8
//! step (amax/127) every matmul input is quantized to anyway. A Q20.12 stream would
//! buy headroom nobody needs at 16× coarser LayerNorm outputs. Every kernel that can
//! exceed i32 saturates instead of wrapping.
//!
//! Rounding: right shifts round half up (`(v + 2^(s-1)) >> s`); LayerNorm's mean is
//! rounded to nearest; quantization rounds half away from zero. All of it is exact
//! integer arithmetic, so "deterministic" needs no further care.
//!
//! # The matmul
//!
//! `y[r] = sum_g (sum_{c in g} wq[c]*xq[c]) * (m_w[r,g] * m_x[g]) * 2^(exp - shift) + b[r]`:
//! per group an i32 dot of int8 values (≤ 64 × 127² < 2^20), one 32-bit product of the
//! two mantissas (< 2^31), one 32×32→64 multiply-add; one rounding shift per row.
//! Activations are quantized per group with the weight's group size (like Q8_0 / runq),
//! so an outlier channel only coarsens its own group. The int8 activations are held as
//! i32 so each MAC is `movsx; imul r32, m32; add` on i386; groups of 32 are written out
//! in full (see `dot.rs`); `matvec` picks a row loop by shape (see `matvec.rs`).
//! Counted on GEN's build with `scripts/profile-386.sh`: 3.5 instructions per MAC for
//! rows of 128 columns at group 32, row overhead included.
//!
//! # Attention and the K/V cache
//!
//! A cache row is one token's K (or V) for one layer, quantized like an activation with
//! group = head size: `dim` int8 values, one u16 mantissa per head, one i8 exponent —
//! [`kv_row_bytes`] = `dim + 2·heads + 1` bytes, twice that per token per layer
//! (default model 128/4 heads: 274 B; GPT-2 124M 768/12 heads: 1586 B, so 12 layers ×
//! 1024 tokens = 18.6 MiB; i16 would double that, i32 quadruple it). Scores are the
//! same int8 dot; the probability-weighted sum of V turns each row's `p_j · scale_j`
//! into one i32 multiplier. [`attention_parts`] splits that sum so a cache read from a
//! file a chunk of rows at a time gives the same bits.
pub mod actquant;
pub mod attention;
pub mod attention_parts;
mod dot;
pub mod fixed;
pub mod gelu;
pub mod isqrt;
pub mod layernorm;
pub mod matvec;
pub mod planes;
pub mod qmatrix;
pub mod softmax;
mod tables;

pub use actquant::{quantize_row, ActQ, MANT_MAX};
pub use attention::{attn_mix, attn_scores, inv_sqrt_q30, kv_row_bytes, mul_q30_in_place, KvRows};
pub use attention_parts::{mix_add, mix_finish, mix_shift, RowScales};
pub use gelu::{gelu, gelu_in_place};
pub use isqrt::isqrt_u64;
pub use layernorm::{layer_norm, GPT2_LN_EPS_Q32};
pub use matvec::{matvec, WeightRows};
pub use qmatrix::{Layout, QMatrix, VEC_FRAC_BITS};
pub use softmax::{exp_neg_q30, softmax_q30, PROB_ONE};

/// Bad arguments to a math kernel (shapes that disagree); never a numeric condition,
/// which saturates instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathError {
    /// The named operand's length disagrees with the shape of the others.
    Shape(&'static str),
    /// Group size 0, not dividing the length, or above [`MAX_GROUP`].
    Group,
}

/// Largest group (and head size) the i32 per-group accumulators are proven for:
/// 1024 × 127 × 127 < 2^24.
pub const MAX_GROUP: usize = 1024;

impl core::fmt::Display for MathError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            MathError::Shape(what) => write!(f, "math: length of {what} disagrees with the shape"),
            MathError::Group => write!(f, "math: bad group size"),
        }
    }
}

#[cfg(test)]
pub(crate) mod testutil;
