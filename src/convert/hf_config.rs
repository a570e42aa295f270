//! Hugging Face `config.json` of a GPT-2 checkpoint, checked for what our forward does.

use std::format;
use std::path::Path;
use std::string::{String, ToString};

use serde_json::{Map, Value};

use super::error::{read_file, ConvertError};
use crate::format::MAX_LAYERS;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HfConfig {
    pub n_layer: usize,
    pub n_embd: usize,
    pub n_head: usize,
    pub n_ctx: usize,
    pub vocab_size: usize,
    /// `n_inner`, or 4 * n_embd when null.
    pub ffn_dim: usize,
    pub layer_norm_eps: f64,
    pub tie_word_embeddings: bool,
}

fn bad(key: &'static str, detail: impl Into<String>) -> ConvertError {
    ConvertError::BadConfig { key, detail: detail.into() }
}

fn positive(obj: &Map<String, Value>, key: &'static str) -> Result<usize, ConvertError> {
    let v = obj.get(key).ok_or_else(|| bad(key, "missing"))?;
    match v.as_u64() {
        Some(n) if n > 0 && n <= u32::MAX as u64 => Ok(n as usize),
        _ => Err(bad(key, format!("expected a positive integer, found {v}"))),
    }
}

fn flag(obj: &Map<String, Value>, key: &'static str, default: bool) -> Result<bool, ConvertError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(bad(key, format!("expected true or false, found {v}"))),
    }
}

pub fn read_config(dir: &Path) -> Result<HfConfig, ConvertError> {
    let path = dir.join("config.json");
    let bytes = read_file(&path)?;
    let json: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ConvertError::BadJson { path: path.clone(), detail: e.to_string() })?;
    let obj = json.as_object().ok_or(ConvertError::BadJson { path, detail: "not a JSON object".into() })?;
    if let Some(t) = obj.get("model_type") {
        if t != "gpt2" {
            return Err(ConvertError::Unsupported { what: format!("model_type {t}, not \"gpt2\"") });
        }
    }
    let n_embd = positive(obj, "n_embd")?;
    let n_ctx = match obj.get("n_positions") {
        Some(_) => positive(obj, "n_positions")?,
        None => positive(obj, "n_ctx")?,
    };
    let ffn_dim = match obj.get("n_inner") {
        None | Some(Value::Null) => 4 * n_embd,
        Some(_) => positive(obj, "n_inner")?,
    };
    let layer_norm_eps = match obj.get("layer_norm_epsilon") {
        None => 1e-5,
        Some(v) => match v.as_f64() {
            Some(e) if e > 0.0 && e < 1.0 => e,
            _ => return Err(bad("layer_norm_epsilon", format!("expected 0 < eps < 1, found {v}"))),
        },
    };
    match obj.get("activation_function").and_then(Value::as_str).unwrap_or("gelu_new") {
        "gelu_new" | "gelu_pytorch_tanh" => {}
        other => {
            return Err(ConvertError::Unsupported {
                what: format!("activation_function {other:?} (only the tanh GELU, gelu_new)"),
            })
        }
    }
    if !flag(obj, "scale_attn_weights", true)? {
        return Err(ConvertError::Unsupported { what: "scale_attn_weights = false".into() });
    }
    if flag(obj, "scale_attn_by_inverse_layer_idx", false)? {
        return Err(ConvertError::Unsupported { what: "scale_attn_by_inverse_layer_idx = true".into() });
    }
    let c = HfConfig {
        n_layer: positive(obj, "n_layer")?,
        n_embd,
        n_head: positive(obj, "n_head")?,
        n_ctx,
        vocab_size: positive(obj, "vocab_size")?,
        ffn_dim,
        layer_norm_eps,
        tie_word_embeddings: flag(obj, "tie_word_embeddings", true)?,
    };
    if c.n_layer > MAX_LAYERS {
        return Err(bad("n_layer", format!("{} layers, the format holds at most {MAX_LAYERS}", c.n_layer)));
    }
    if !c.n_embd.is_multiple_of(c.n_head) {
        return Err(bad("n_head", format!("{} does not divide n_embd {}", c.n_head, c.n_embd)));
    }
    Ok(c)
}
