//! Loading a Hugging Face GPT-2 directory (config.json + model.safetensors) as a float
//! model. GPT-2's Conv1D stores weights as (in, out): they are transposed to our
//! (out = rows, in = cols). Keys may carry the `transformer.` prefix (GPT2LMHeadModel)
//! or not (GPT2Model, as on the hub).

use std::format;
use std::path::Path;
use std::string::ToString;
use std::vec::Vec;

use indicatif::ProgressBar;
use safetensors::{Dtype, SafeTensors};

use super::error::{read_file, ConvertError};
use super::hf_config::{read_config, HfConfig};
use crate::reference::{FloatConfig, FloatLayer, FloatModel, Matrix};

/// Loads `dir` as a float model (no progress display).
pub fn load_hf_dir(dir: &Path) -> Result<FloatModel, ConvertError> {
    load_hf_dir_with_progress(dir, &ProgressBar::hidden())
}

pub fn load_hf_dir_with_progress(dir: &Path, bar: &ProgressBar) -> Result<FloatModel, ConvertError> {
    let c = read_config(dir)?;
    let path = dir.join("model.safetensors");
    if !path.exists() {
        for (other, why) in [
            ("model.safetensors.index.json", "sharded safetensors checkpoints"),
            ("pytorch_model.bin", "pytorch_model.bin (convert it to model.safetensors first)"),
        ] {
            if dir.join(other).exists() {
                return Err(ConvertError::Unsupported { what: why.into() });
            }
        }
    }
    let bytes = read_file(&path)?;
    let st = SafeTensors::deserialize(&bytes)
        .map_err(|e| ConvertError::BadSafetensors { path: path.clone(), detail: format!("{e:?}") })?;
    let t = Tensors::new(st)?;
    bar.set_length((c.n_layer + 2) as u64);
    bar.set_message("loading");
    let (e, f) = (c.n_embd, c.ffn_dim);
    let embed = t.matrix("wte.weight", c.vocab_size, e)?;
    let pos_embed = t.matrix("wpe.weight", c.n_ctx, e)?;
    bar.inc(1);
    let mut layers = Vec::with_capacity(c.n_layer);
    for i in 0..c.n_layer {
        let p = |s: &str| format!("h.{i}.{s}");
        layers.push(FloatLayer {
            ln1_gain: t.vector(&p("ln_1.weight"), e)?,
            ln1_bias: t.vector(&p("ln_1.bias"), e)?,
            attn_qkv: t.conv1d(&p("attn.c_attn.weight"), e, 3 * e)?,
            qkv_bias: t.vector(&p("attn.c_attn.bias"), 3 * e)?,
            attn_out: t.conv1d(&p("attn.c_proj.weight"), e, e)?,
            attn_out_bias: t.vector(&p("attn.c_proj.bias"), e)?,
            ln2_gain: t.vector(&p("ln_2.weight"), e)?,
            ln2_bias: t.vector(&p("ln_2.bias"), e)?,
            ffn_in: t.conv1d(&p("mlp.c_fc.weight"), e, f)?,
            ffn_in_bias: t.vector(&p("mlp.c_fc.bias"), f)?,
            ffn_out: t.conv1d(&p("mlp.c_proj.weight"), f, e)?,
            ffn_out_bias: t.vector(&p("mlp.c_proj.bias"), e)?,
        });
        bar.inc(1);
    }
    let output = if c.tie_word_embeddings {
        None
    } else {
        // lm_head is an nn.Linear: already (out = vocab, in = embed); never prefixed.
        Some(t.matrix_exact("lm_head.weight", c.vocab_size, e)?)
    };
    let model = FloatModel {
        config: float_config(&c),
        embed,
        pos_embed,
        layers,
        lnf_gain: t.vector("ln_f.weight", e)?,
        lnf_bias: t.vector("ln_f.bias", e)?,
        output,
    };
    bar.inc(1);
    Ok(model)
}

fn float_config(c: &HfConfig) -> FloatConfig {
    FloatConfig {
        num_layers: c.n_layer,
        embed_dim: c.n_embd,
        num_heads: c.n_head,
        n_ctx: c.n_ctx,
        vocab_size: c.vocab_size,
        ffn_dim: c.ffn_dim,
        layer_norm_eps: c.layer_norm_eps as f32,
    }
}

struct Tensors<'a> {
    st: SafeTensors<'a>,
    /// "transformer." or "".
    prefix: &'static str,
}

impl<'a> Tensors<'a> {
    fn new(st: SafeTensors<'a>) -> Result<Self, ConvertError> {
        let prefix = if st.tensor("transformer.wte.weight").is_ok() {
            "transformer."
        } else if st.tensor("wte.weight").is_ok() {
            ""
        } else {
            return Err(ConvertError::MissingTensor { name: "transformer.wte.weight".into() });
        };
        Ok(Tensors { st, prefix })
    }

    /// A tensor of the transformer body, as f32, after checking its shape.
    fn get(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, ConvertError> {
        self.get_exact(&format!("{}{name}", self.prefix), shape)
    }

    fn get_exact(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, ConvertError> {
        let view = self.st.tensor(name).map_err(|_| ConvertError::MissingTensor { name: name.into() })?;
        if view.shape() != shape {
            return Err(ConvertError::TensorShape {
                name: name.into(),
                expected: shape.to_vec(),
                found: view.shape().to_vec(),
            });
        }
        let data = view.data();
        let values: Vec<f32> = match view.dtype() {
            Dtype::F32 => data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            Dtype::F16 => data.chunks_exact(2).map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]]))).collect(),
            Dtype::BF16 => {
                data.chunks_exact(2).map(|b| f32::from_bits((u16::from_le_bytes([b[0], b[1]]) as u32) << 16)).collect()
            }
            other => return Err(ConvertError::TensorDtype { name: name.into(), dtype: format!("{other:?}") }),
        };
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(ConvertError::ValueRange { name: name.to_string(), value: *bad });
        }
        Ok(values)
    }

    fn vector(&self, name: &str, len: usize) -> Result<Vec<f32>, ConvertError> {
        self.get(name, &[len])
    }

    fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Matrix, ConvertError> {
        Ok(Matrix { rows, cols, data: self.get(name, &[rows, cols])? })
    }

    fn matrix_exact(&self, name: &str, rows: usize, cols: usize) -> Result<Matrix, ConvertError> {
        Ok(Matrix { rows, cols, data: self.get_exact(name, &[rows, cols])? })
    }

    /// A Conv1D weight stored (in, out), returned as (out x in).
    fn conv1d(&self, name: &str, inputs: usize, outputs: usize) -> Result<Matrix, ConvertError> {
        let w = self.get(name, &[inputs, outputs])?;
        let mut data = std::vec![0f32; w.len()];
        for i in 0..inputs {
            for o in 0..outputs {
                data[o * inputs + i] = w[i * outputs + o];
            }
        }
        Ok(Matrix { rows: outputs, cols: inputs, data })
    }
}

/// IEEE half to single (exact).
fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let frac = (h & 0x3ff) as u32;
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: frac * 2^-24 (0x3380_0000 is 2^-24).
            let v = frac as f32 * f32::from_bits(0x3380_0000);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, _) => sign | 0x7f80_0000 | (frac << 13),
        _ => sign | ((exp + 112) << 23) | (frac << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::f16_to_f32;

    #[test]
    fn half_floats_convert_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 5.960_464_5e-8);
        assert_eq!(f16_to_f32(0x8001), -5.960_464_5e-8);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert!(f16_to_f32(0x7c00).is_infinite());
    }
}
