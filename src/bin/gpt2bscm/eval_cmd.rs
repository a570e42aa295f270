//! `gpt2bscm eval FILE --text FILE`: the integer engine against the float reference
//! over a text, window by window (n_ctx tokens each). Last line:
//! `eval: tokens=N ppl_int=X ppl_float=Y top1=Z%`.

use std::path::Path;

use gpt2dos::convert::load_hf_dir;
use gpt2dos::hostio::open_model;
use gpt2dos::model::{KvCache, Model, RunState};
use gpt2dos::reference::FloatModel;
use gpt2dos::tokenizer::Tokenizer;
use indicatif::ProgressBar;

pub fn run(file: &Path, text: &Path, hf: Option<&Path>, max_tokens: usize) -> Result<(), (u8, String)> {
    let mut reader = open_model(file).map_err(|e| (e.exit_code() as u8, e.to_string()))?;
    let weights = reader.read_weights().map_err(|e| (3, format!("{}: {e}", file.display())))?;
    let float = match hf {
        Some(dir) => load_hf_dir(dir).map_err(|e| (3, e.to_string()))?,
        None => FloatModel::from_weights(&weights),
    };
    let (mut model, tok_bytes) = Model::resident(weights);
    let tokenizer = Tokenizer::from_section_bytes(&tok_bytes).map_err(|e| (3, format!("tokenizer: {e}")))?;
    let body = std::fs::read(text).map_err(|e| (2, format!("{}: {e}", text.display())))?;
    let mut ids = tokenizer.encode_to_vec(&body);
    ids.truncate(max_tokens + 1);
    if ids.len() < 2 {
        return Err((1, "the text has fewer than 2 tokens".into()));
    }
    let c = model.config;
    let ctx = c.n_ctx as usize;
    let mut state = RunState::new(&c, ctx).map_err(|e| (7, e.to_string()))?;
    let (mut nll_int, mut nll_float, mut agree, mut n) = (0f64, 0f64, 0usize, 0usize);
    let bar = ProgressBar::new(ids.len() as u64 - 1);
    for window in ids.chunks(ctx) {
        let mut cache = KvCache::new(c.num_layers as usize, ctx, c.embed_dim as usize, c.num_heads as usize);
        let mut fcache = float.new_cache();
        for (i, &t) in window.iter().enumerate() {
            model.forward(t, &mut cache, &mut state).map_err(|e| (7, e.to_string()))?;
            let flog = float.forward(t, &mut fcache).map_err(|e| (7, format!("{e:?}")))?;
            let Some(&next) = window.get(i + 1) else { break };
            let ilog: Vec<f64> = state.logits.iter().map(|&v| v as f64 / 65536.0).collect();
            let flog: Vec<f64> = flog.iter().map(|&v| v as f64).collect();
            nll_int += nll(&ilog, next as usize);
            nll_float += nll(&flog, next as usize);
            agree += (argmax(&ilog) == argmax(&flog)) as usize;
            n += 1;
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let (pi, pf) = ((nll_int / n as f64).exp(), (nll_float / n as f64).exp());
    println!("integer vs float perplexity: {:+.2} %", (pi / pf - 1.0) * 100.0);
    println!("eval: tokens={n} ppl_int={pi:.3} ppl_float={pf:.3} top1={:.2}%", agree as f64 * 100.0 / n as f64);
    Ok(())
}

/// -log softmax(logits)[target]
fn nll(logits: &[f64], target: usize) -> f64 {
    let max = logits.iter().cloned().fold(f64::MIN, f64::max);
    let sum: f64 = logits.iter().map(|v| (v - max).exp()).sum();
    (sum.ln() + max) - logits[target]
}

fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}
