//! Float model → GPT2BSCM weights, with the quantization error of every matrix.

use std::format;
use std::string::String;
use std::vec::Vec;

use indicatif::ProgressBar;

use super::error::ConvertError;
use crate::format::{LayerWeights, ModelConfig, ModelWeights, NormParams};
use crate::math::{Layout, QMatrix, VEC_FRAC_BITS};
use crate::reference::{FloatModel, Matrix};

/// How far a quantized matrix is from its float original.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixError {
    pub name: String,
    pub rows: usize,
    pub cols: usize,
    /// max |w - q| / max |w|.
    pub max_rel: f64,
    /// sqrt(sum (w - q)^2 / sum w^2).
    pub rms_rel: f64,
}

fn quantize_matrix(name: String, m: &Matrix, group: usize, report: &mut Vec<MatrixError>) -> QMatrix {
    let q = QMatrix::quantize(&m.data, m.rows, m.cols, group);
    let back = Matrix::dequantize(&q);
    let (mut max_err, mut max_w, mut err2, mut w2) = (0f64, 0f64, 0f64, 0f64);
    for (&w, &d) in m.data.iter().zip(&back.data) {
        let e = (w as f64 - d as f64).abs();
        max_err = max_err.max(e);
        max_w = max_w.max((w as f64).abs());
        err2 += e * e;
        w2 += w as f64 * w as f64;
    }
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    report.push(MatrixError {
        name,
        rows: m.rows,
        cols: m.cols,
        max_rel: ratio(max_err, max_w),
        rms_rel: ratio(err2, w2).sqrt(),
    });
    q
}

/// Q16.16, refusing values that do not fit rather than clamping them.
fn quantize_vector(name: &str, v: &[f32]) -> Result<Vec<i32>, ConvertError> {
    let one = (1u64 << VEC_FRAC_BITS) as f64;
    v.iter()
        .map(|&x| {
            let q = (x as f64 * one).round();
            if q.is_finite() && q >= i32::MIN as f64 && q <= i32::MAX as f64 {
                Ok(q as i32)
            } else {
                Err(ConvertError::ValueRange { name: name.into(), value: x })
            }
        })
        .collect()
}

fn norm(name: &str, gain: &[f32], bias: &[f32]) -> Result<NormParams, ConvertError> {
    Ok(NormParams {
        gain: quantize_vector(&format!("{name}.weight"), gain)?,
        bias: quantize_vector(&format!("{name}.bias"), bias)?,
    })
}

/// Quantizes every matrix with `group` inputs per scale; vectors become Q16.16.
pub fn quantize_model(
    m: &FloatModel,
    tokenizer: Vec<u8>,
    group: usize,
    bar: &ProgressBar,
) -> Result<(ModelWeights, Vec<MatrixError>), ConvertError> {
    let c = &m.config;
    if group == 0 || !c.embed_dim.is_multiple_of(group) || !c.ffn_dim.is_multiple_of(group) {
        return Err(ConvertError::Unsupported {
            what: format!("group size {group} must divide n_embd {} and the FFN width {}", c.embed_dim, c.ffn_dim),
        });
    }
    bar.set_length((c.num_layers + 2) as u64);
    bar.set_position(0);
    bar.set_message("quantizing");
    let mut report = Vec::new();
    let embed = quantize_matrix("wte".into(), &m.embed, group, &mut report);
    let pos_embed = quantize_matrix("wpe".into(), &m.pos_embed, group, &mut report);
    bar.inc(1);
    let mut layers = Vec::with_capacity(c.num_layers);
    for (i, l) in m.layers.iter().enumerate() {
        let name = |s: &str| format!("h.{i}.{s}");
        let mut q = |s: &str, w: &Matrix| quantize_matrix(name(s), w, group, &mut report);
        let attn_qkv = q("attn.c_attn", &l.attn_qkv);
        let attn_out = q("attn.c_proj", &l.attn_out);
        let ffn_in = q("mlp.c_fc", &l.ffn_in);
        let ffn_out = q("mlp.c_proj", &l.ffn_out);
        layers.push(LayerWeights {
            norm1: norm(&name("ln_1"), &l.ln1_gain, &l.ln1_bias)?,
            attn_qkv,
            qkv_bias: quantize_vector(&name("attn.c_attn.bias"), &l.qkv_bias)?,
            attn_out,
            attn_out_bias: quantize_vector(&name("attn.c_proj.bias"), &l.attn_out_bias)?,
            norm2: norm(&name("ln_2"), &l.ln2_gain, &l.ln2_bias)?,
            ffn_in,
            ffn_in_bias: quantize_vector(&name("mlp.c_fc.bias"), &l.ffn_in_bias)?,
            ffn_out,
            ffn_out_bias: quantize_vector(&name("mlp.c_proj.bias"), &l.ffn_out_bias)?,
        });
        bar.inc(1);
    }
    let output = m.output.as_ref().map(|o| quantize_matrix("lm_head".into(), o, group, &mut report));
    let to_u32 = |v: usize, key: &'static str| {
        u32::try_from(v).map_err(|_| ConvertError::BadConfig { key, detail: "too large".into() })
    };
    let config = ModelConfig {
        num_layers: to_u32(c.num_layers, "n_layer")?,
        embed_dim: to_u32(c.embed_dim, "n_embd")?,
        vocab_size: to_u32(c.vocab_size, "vocab_size")?,
        num_heads: to_u32(c.num_heads, "n_head")?,
        n_ctx: to_u32(c.n_ctx, "n_positions")?,
        ffn_dim: to_u32(c.ffn_dim, "n_inner")?,
        group_size: group as u32,
        layer_norm_eps: ModelConfig::eps_from_f64(c.layer_norm_eps as f64),
        tied_output: output.is_none(),
        weight_layout: Layout::Rows,
    };
    let weights = ModelWeights {
        config,
        tokenizer,
        embed,
        pos_embed,
        layers,
        final_norm: norm("ln_f", &m.lnf_gain, &m.lnf_bias)?,
        output,
    };
    bar.inc(1);
    Ok((weights.with_layout(ModelWeights::preferred_layout(group)), report))
}
