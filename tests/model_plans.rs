//! The integer engine gives the same logits whatever the memory plan: all weights
//! resident, layers streamed, or layers + embedding/output head streamed by rows.

use std::path::Path;

use gpt2dos::convert::{load_hf_dir, quantize_model, tokenizer_section};
use gpt2dos::format::{write_model, MemFile, ModelReader};
use gpt2dos::model::{KvCache, LayerSource, Model, RunState};
use indicatif::ProgressBar;

fn model_file(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hf").join(name);
    let model = load_hf_dir(&dir).unwrap();
    let tok = tokenizer_section(&dir, model.config.vocab_size as usize).unwrap();
    let (weights, _) = quantize_model(&model, tok, 32, &ProgressBar::hidden()).unwrap();
    write_model(&weights).unwrap()
}

fn all_logits<L: LayerSource>(mut m: Model<L>, tokens: &[u32]) -> Vec<Vec<i32>> {
    let c = m.config;
    let mut cache = KvCache::new(c.num_layers as usize, c.n_ctx as usize, c.embed_dim as usize, c.num_heads as usize);
    let mut s = RunState::new(&c, c.n_ctx as usize).unwrap();
    tokens
        .iter()
        .map(|&t| {
            m.forward(t, &mut cache, &mut s).unwrap();
            s.logits.clone()
        })
        .collect()
}

#[test]
fn every_plan_gives_identical_logits() {
    for name in ["tiny_2l_64d_2h", "small_3l_128d_4h_untied"] {
        let bytes = model_file(name);
        let tokens = [5u32, 77, 3, 120, 9, 9, 41, 200];
        let weights = ModelReader::open(MemFile::new(&bytes)).unwrap().read_weights().unwrap();
        let (resident, _) = Model::resident(weights);
        let expected = all_logits(resident, &tokens);
        for stream_head in [false, true] {
            let reader = ModelReader::open(MemFile::new(&bytes)).unwrap();
            let (streamed, _) = Model::streamed(reader, stream_head).unwrap();
            assert_eq!(all_logits(streamed, &tokens), expected, "{name}, stream_head {stream_head}");
        }
    }
}
