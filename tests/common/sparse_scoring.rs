//! Scoring block-sparse attention against full attention on the default model over
//! held-out text (shared by tests/kv_block_sparse.rs and examples/block_sparse_table.rs).

use std::path::Path;

use gpt2dos::format::ModelReader;
use gpt2dos::hostio::FromStd;
use gpt2dos::model::{KvCache, KvMode, KvShape, Model, Resident, RunState};
use gpt2dos::tokenizer::Tokenizer;

pub fn default_model() -> (Model<Resident>, Vec<u32>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::File::open(root.join("models/DEFAULT.BIN")).unwrap();
    let weights = ModelReader::open(FromStd::new(std::io::BufReader::new(file))).unwrap().read_weights().unwrap();
    let (model, tok) = Model::resident(weights);
    let tokenizer = Tokenizer::from_section_bytes(&tok).unwrap();
    let text = std::fs::read(root.join("tests/data/heldout.txt")).unwrap();
    (model, tokenizer.encode_to_vec(&text))
}

/// Per scored position: NLL of the next token and the argmax.
pub fn score(model: &mut Model<Resident>, ids: &[u32], ctx: usize, mode: KvMode) -> Vec<(f64, usize)> {
    let c = model.config;
    let mut state = RunState::new(&c, ctx).unwrap();
    let mut out = Vec::new();
    for window in ids.chunks(ctx) {
        let mut cache = KvCache::new(KvShape::of(&c), ctx, mode, None).unwrap();
        for (i, &t) in window.iter().enumerate() {
            model.forward(t, &mut cache, &mut state).unwrap();
            let Some(&next) = window.get(i + 1) else { break };
            let l: Vec<f64> = state.logits.iter().map(|&v| v as f64 / 65536.0).collect();
            let max = l.iter().cloned().fold(f64::MIN, f64::max);
            let lse = l.iter().map(|v| (v - max).exp()).sum::<f64>().ln() + max;
            let arg = (0..l.len()).fold(0, |b, j| if l[j] > l[b] { j } else { b });
            out.push((lse - l[next as usize], arg));
        }
    }
    out
}

pub struct Tolerance {
    /// Share of positions whose argmax equals full attention's.
    pub top1: f64,
    /// Same, over positions past the kept rows only (where the math differs).
    pub top1_beyond: f64,
    pub ppl_full: f64,
    pub ppl_sparse: f64,
}

pub fn tolerance(
    model: &mut Model<Resident>,
    ids: &[u32],
    full: &[(f64, usize)],
    mode: KvMode,
    kept: usize,
) -> Tolerance {
    let ctx = CTX;
    let sparse = score(model, ids, ctx, mode);
    let ppl = |v: &[(f64, usize)]| (v.iter().map(|x| x.0).sum::<f64>() / v.len() as f64).exp();
    // Scored positions in window order: position i of a window is entry i.
    let pos = ids.chunks(ctx).flat_map(|w| 0..w.len() - 1);
    let (mut agree, mut agree_beyond, mut beyond) = (0, 0, 0);
    for ((f, s), p) in full.iter().zip(&sparse).zip(pos) {
        agree += (f.1 == s.1) as usize;
        if p >= kept {
            beyond += 1;
            agree_beyond += (f.1 == s.1) as usize;
        }
    }
    Tolerance {
        top1: agree as f64 / full.len() as f64,
        top1_beyond: agree_beyond as f64 / beyond.max(1) as f64,
        ppl_full: ppl(full),
        ppl_sparse: ppl(&sparse),
    }
}

impl std::fmt::Display for Tolerance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "top-1 {:.4} (past the kept rows {:.4}), ppl {:.3} vs full {:.3} ({:+.2} %)",
            self.top1,
            self.top1_beyond,
            self.ppl_sparse,
            self.ppl_full,
            (self.ppl_sparse / self.ppl_full - 1.0) * 100.0
        )
    }
}

pub const CTX: usize = 256;

pub fn sparse(block: usize, sink_blocks: usize, window_blocks: usize) -> (KvMode, usize) {
    (KvMode::BlockSparse { block, sink_blocks, window_blocks }, (sink_blocks + window_blocks) * block)
}
