//! Weights of the float reference: three plain structs, as in llama2.c.

use std::path::Path;
use std::vec;
use std::vec::Vec;

use crate::error::Error;
use crate::format::{ModelWeights, NormParams};
use crate::hostio::{open_model, path_bytes};
use crate::math::{QMatrix, VEC_FRAC_BITS};
use crate::model::ModelError;

/// A row-major f32 matrix, rows = outputs, cols = inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

impl Matrix {
    pub fn row(&self, r: usize) -> &[f32] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    pub fn dequantize(q: &QMatrix) -> Matrix {
        let mut data = vec![0f32; q.rows * q.cols];
        for (r, row) in data.chunks_mut(q.cols.max(1)).enumerate().take(q.rows) {
            q.dequantize_row(r, row);
        }
        Matrix { rows: q.rows, cols: q.cols, data }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FloatConfig {
    pub num_layers: usize,
    pub embed_dim: usize,
    pub num_heads: usize,
    pub n_ctx: usize,
    pub vocab_size: usize,
    pub ffn_dim: usize,
    pub layer_norm_eps: f32,
}

impl FloatConfig {
    pub fn head_dim(&self) -> usize {
        self.embed_dim / self.num_heads
    }
}

/// One block; names follow GPT-2 (ln_1, c_attn, c_proj, ln_2, c_fc, mlp c_proj).
#[derive(Clone, Debug, PartialEq)]
pub struct FloatLayer {
    pub ln1_gain: Vec<f32>,
    pub ln1_bias: Vec<f32>,
    /// (3E x E): q rows, then k rows, then v rows.
    pub attn_qkv: Matrix,
    pub qkv_bias: Vec<f32>,
    pub attn_out: Matrix,
    pub attn_out_bias: Vec<f32>,
    pub ln2_gain: Vec<f32>,
    pub ln2_bias: Vec<f32>,
    pub ffn_in: Matrix,
    pub ffn_in_bias: Vec<f32>,
    pub ffn_out: Matrix,
    pub ffn_out_bias: Vec<f32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FloatModel {
    pub config: FloatConfig,
    /// wte (vocab x E).
    pub embed: Matrix,
    /// wpe (n_ctx x E).
    pub pos_embed: Matrix,
    pub layers: Vec<FloatLayer>,
    pub lnf_gain: Vec<f32>,
    pub lnf_bias: Vec<f32>,
    /// Untied lm_head; `None` when the head is `embed`.
    pub output: Option<Matrix>,
}

fn dequantize_vector(v: &[i32]) -> Vec<f32> {
    let one = (1u32 << VEC_FRAC_BITS) as f32;
    v.iter().map(|&x| x as f32 / one).collect()
}

fn dequantize_norm(n: &NormParams) -> (Vec<f32>, Vec<f32>) {
    (dequantize_vector(&n.gain), dequantize_vector(&n.bias))
}

impl FloatModel {
    pub fn output_head(&self) -> &Matrix {
        self.output.as_ref().unwrap_or(&self.embed)
    }

    /// Reads a GPT2BSCM file (every checksum verified) and dequantizes it.
    pub fn from_model_file(path: &Path) -> Result<FloatModel, Error<'_>> {
        let weights = open_model(path)?.read_weights().map_err(|e| Error::Model {
            name: path_bytes(path),
            scratch: b"",
            error: ModelError::Format(e),
        })?;
        Ok(FloatModel::from_weights(&weights))
    }

    /// The float model a GPT2BSCM file stands for (weights dequantized exactly).
    pub fn from_weights(w: &ModelWeights) -> FloatModel {
        let c = &w.config;
        let layers = w
            .layers
            .iter()
            .map(|l| {
                let (ln1_gain, ln1_bias) = dequantize_norm(&l.norm1);
                let (ln2_gain, ln2_bias) = dequantize_norm(&l.norm2);
                FloatLayer {
                    ln1_gain,
                    ln1_bias,
                    attn_qkv: Matrix::dequantize(&l.attn_qkv),
                    qkv_bias: dequantize_vector(&l.qkv_bias),
                    attn_out: Matrix::dequantize(&l.attn_out),
                    attn_out_bias: dequantize_vector(&l.attn_out_bias),
                    ln2_gain,
                    ln2_bias,
                    ffn_in: Matrix::dequantize(&l.ffn_in),
                    ffn_in_bias: dequantize_vector(&l.ffn_in_bias),
                    ffn_out: Matrix::dequantize(&l.ffn_out),
                    ffn_out_bias: dequantize_vector(&l.ffn_out_bias),
                }
            })
            .collect();
        let (lnf_gain, lnf_bias) = dequantize_norm(&w.final_norm);
        FloatModel {
            config: FloatConfig {
                num_layers: c.num_layers as usize,
                embed_dim: c.embed_dim as usize,
                num_heads: c.num_heads as usize,
                n_ctx: c.n_ctx as usize,
                vocab_size: c.vocab_size as usize,
                ffn_dim: c.ffn_dim as usize,
                layer_norm_eps: c.eps_f64() as f32,
            },
            embed: Matrix::dequantize(&w.embed),
            pos_embed: Matrix::dequantize(&w.pos_embed),
            layers,
            lnf_gain,
            lnf_bias,
            output: w.output.as_ref().map(Matrix::dequantize),
        }
    }
}
