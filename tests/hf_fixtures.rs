//! Our float forward against Hugging Face `transformers`, on the fixtures made by
//! scripts/fixtures/make_hf_fixtures.py (logits computed by transformers, committed).
//!
//! Committed models are real `save_pretrained` directories. The 768-wide model is too
//! big to commit: its directory holds `recipe.json`, and its weights are regenerated here
//! with the same splitmix64 recipe the script used, then written as model.safetensors.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use gpt2dos::convert::{load_hf_dir, quantize_model, tokenizer_section};
use gpt2dos::format::{write_model, MemFile, ModelReader};
use gpt2dos::reference::FloatModel;
use indicatif::ProgressBar;
use safetensors::tensor::TensorView;
use safetensors::Dtype;
use serde_json::Value;

const FIXTURES: [&str; 3] = ["tiny_2l_64d_2h", "small_3l_128d_4h_untied", "wide_4l_768d_12h_synthetic"];

fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hf").join(name)
}

struct Expected {
    tokens: Vec<u32>,
    /// (T, vocab) row-major.
    logits: Vec<f32>,
    vocab: usize,
}

fn expected(dir: &Path) -> Expected {
    let json: Value = serde_json::from_slice(&fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let tokens: Vec<u32> = json["token_ids"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
    let vocab = json["vocab_size"].as_u64().unwrap() as usize;
    let raw = fs::read(dir.join("logits.f32")).unwrap();
    let logits: Vec<f32> = raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    assert_eq!(logits.len(), tokens.len() * vocab);
    Expected { tokens, logits, vocab }
}

/// splitmix64 outputs 1..=n from `seed` (mirrors the script's numpy version).
fn splitmix64(seed: u64, n: usize) -> impl Iterator<Item = u64> {
    let mut state = seed;
    (0..n).map(move |_| {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

/// A temporary HF directory with model.safetensors regenerated from recipe.json.
fn materialize_synthetic(src: &Path) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "gpt2dos-{}-{}",
        src.file_name().unwrap().to_string_lossy(),
        std::process::id()
    ));
    fs::create_dir_all(&dir).unwrap();
    for f in ["config.json", "vocab.json", "merges.txt"] {
        fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let recipe: Value = serde_json::from_slice(&fs::read(src.join("recipe.json")).unwrap()).unwrap();
    assert_eq!(recipe["generator"], "splitmix64");
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for t in recipe["tensors"].as_array().unwrap() {
        let shape: Vec<usize> = t["shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let n: usize = shape.iter().product();
        let center = t["center"].as_f64().unwrap();
        let step = 2f64.powi(t["amp_log2"].as_i64().unwrap() as i32 - 15);
        let mut bytes = Vec::with_capacity(4 * n);
        for z in splitmix64(t["seed"].as_u64().unwrap(), n) {
            let u = (z >> 48) as i64 - 32768;
            bytes.extend_from_slice(&((center + u as f64 * step) as f32).to_le_bytes());
        }
        tensors.push((t["name"].as_str().unwrap().to_string(), shape, bytes));
    }
    let views: HashMap<String, TensorView> = tensors
        .iter()
        .map(|(name, shape, bytes)| (name.clone(), TensorView::new(Dtype::F32, shape.clone(), bytes).unwrap()))
        .collect();
    let out = safetensors::serialize(&views, &None).unwrap();
    fs::write(dir.join("model.safetensors"), out).unwrap();
    dir
}

fn argmax(v: &[f32]) -> usize {
    v.iter().enumerate().fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}

fn check_fixture(name: &str) {
    let src = fixture_dir(name);
    let exp = expected(&src);
    let synthetic = src.join("recipe.json").exists();
    let dir = if synthetic { materialize_synthetic(&src) } else { src.clone() };

    let model = load_hf_dir(&dir).unwrap();
    let ours = model.logits(&exp.tokens).unwrap();
    let rows: Vec<&[f32]> = exp.logits.chunks(exp.vocab).collect();
    let err = max_abs_diff_rows(&ours, &rows);
    let max_logit = exp.logits.iter().fold(0f32, |m, v| m.max(v.abs()));
    println!("{name}: float forward vs transformers: max |logit error| {err:.3e} (max |logit| {max_logit:.2})");
    assert!(err < 1e-3, "{name}: max |logit error| {err} >= 1e-3");

    // The same checkpoint converted to GPT2BSCM and run dequantized: quantization error.
    for group in [32, 64] {
        let tokenizer = tokenizer_section(&dir, model.config.vocab_size as usize).unwrap();
        let (weights, _) = quantize_model(&model, tokenizer, group, &ProgressBar::hidden()).unwrap();
        let bytes = write_model(&weights).unwrap();
        let back = ModelReader::open(MemFile::new(&bytes)).unwrap().read_weights().unwrap();
        let deq = FloatModel::from_weights(&back).logits(&exp.tokens).unwrap();
        let qerr = max_abs_diff_rows(&deq, &rows);
        let same_top = deq.iter().zip(&rows).filter(|(a, b)| argmax(a) == argmax(b)).count();
        println!(
            "{name}: GPT2BSCM group {group} dequantized vs transformers: max |logit error| {qerr:.3e}, \
             top-1 agrees at {same_top}/{} positions",
            rows.len()
        );
        // Not a precision claim: a gross bound that any layout or transpose bug breaks.
        assert!(qerr < 0.05 * max_logit, "{name}: quantized error {qerr} vs max logit {max_logit}");
    }
    if synthetic {
        fs::remove_dir_all(&dir).unwrap();
    }
}

fn max_abs_diff_rows(ours: &[Vec<f32>], theirs: &[&[f32]]) -> f32 {
    assert_eq!(ours.len(), theirs.len());
    ours.iter()
        .zip(theirs)
        .flat_map(|(a, b)| {
            assert_eq!(a.len(), b.len());
            a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs())
        })
        .fold(0f32, f32::max)
}

#[test]
fn tiny_2l_64d_2h_bare_keys_tied() {
    check_fixture(FIXTURES[0]);
}

#[test]
fn small_3l_128d_4h_prefixed_keys_untied_head() {
    check_fixture(FIXTURES[1]);
}

#[test]
fn wide_4l_768d_12h_synthetic_weights() {
    check_fixture(FIXTURES[2]);
}

#[test]
fn kv_cache_decoding_restarts_and_refuses_typed() {
    use gpt2dos::reference::ReferenceError;
    let dir = fixture_dir(FIXTURES[0]);
    let model = load_hf_dir(&dir).unwrap();
    let tokens = [5u32, 17, 299, 0, 42];
    let all = model.logits(&tokens).unwrap();
    let mut cache = model.new_cache();
    for (t, &tok) in tokens.iter().enumerate() {
        assert_eq!(cache.len(), t);
        assert_eq!(model.forward(tok, &mut cache).unwrap(), all[t]);
    }
    // A cleared cache starts again at position 0.
    cache.clear();
    assert_eq!(model.forward(tokens[0], &mut cache).unwrap(), all[0]);
    assert_eq!(model.forward(300, &mut cache), Err(ReferenceError::TokenOutOfRange { token: 300, vocab_size: 300 }));
    let n_ctx = model.config.n_ctx;
    let full = model.logits(&vec![1u32; n_ctx]).unwrap();
    assert_eq!(full.len(), n_ctx);
    assert_eq!(model.logits(&vec![1u32; n_ctx + 1]), Err(ReferenceError::ContextFull { n_ctx }));
}

#[test]
fn converted_file_loads_as_a_float_model() {
    let dir = fixture_dir(FIXTURES[1]);
    let model = load_hf_dir(&dir).unwrap();
    let conv = gpt2dos::convert::convert_dir(&dir, 32, &ProgressBar::hidden()).unwrap();
    let path = std::env::temp_dir().join(format!("gpt2dos-float-{}.bin", std::process::id()));
    fs::write(&path, &conv.bytes).unwrap();
    let deq = FloatModel::from_model_file(&path).unwrap();
    fs::remove_file(&path).unwrap();
    assert_eq!(deq.config.num_layers, 3);
    assert!(deq.output.is_some(), "untied head kept");
    // Dequantized weights are within half a quantization step of the originals.
    let (a, b) = (&model.layers[2].ffn_out, &deq.layers[2].ffn_out);
    let worst = a.data.iter().zip(&b.data).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
    let max = a.data.iter().fold(0f32, |m, x| m.max(x.abs()));
    assert!(worst <= max / 127.0 * 0.5 * 1.001 + 1e-7, "worst {worst}, max {max}");
    assert_eq!(conv.parameters as usize, parameter_count(&model));
}

fn parameter_count(m: &FloatModel) -> usize {
    let l = &m.layers[0];
    let per_layer = [
        l.ln1_gain.len() * 2,
        l.attn_qkv.data.len() + l.qkv_bias.len(),
        l.attn_out.data.len() + l.attn_out_bias.len(),
        l.ln2_gain.len() * 2,
        l.ffn_in.data.len() + l.ffn_in_bias.len(),
        l.ffn_out.data.len() + l.ffn_out_bias.len(),
    ]
    .iter()
    .sum::<usize>();
    m.embed.data.len()
        + m.pos_embed.data.len()
        + m.layers.len() * per_layer
        + m.lnf_gain.len() * 2
        + m.output.as_ref().map_or(0, |o| o.data.len())
}
