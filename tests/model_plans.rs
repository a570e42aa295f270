//! The integer engine gives the same logits whatever the memory plan: all weights
//! resident, layers streamed, layers + embedding/output head streamed by rows, or layer
//! matrices streamed by row chunks of any size.

use std::path::Path;

use gpt2dos::convert::{load_hf_dir, quantize_model, tokenizer_section};
use gpt2dos::format::{write_model, FormatError, MemFile, ModelReader, SectionId};
use gpt2dos::model::{row_bytes, KvCache, KvMode, KvShape, Model, ModelError, RunState, StreamOptions, WeightSource};
use indicatif::ProgressBar;

const FIXTURES: [&str; 2] = ["tiny_2l_64d_2h", "small_3l_128d_4h_untied"];
const TOKENS: [u32; 8] = [5, 77, 3, 120, 9, 9, 41, 200];

fn model_file(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hf").join(name);
    let model = load_hf_dir(&dir).unwrap();
    let tok = tokenizer_section(&dir, model.config.vocab_size as usize).unwrap();
    let (weights, _) = quantize_model(&model, tok, 32, &ProgressBar::hidden()).unwrap();
    write_model(&weights).unwrap()
}

fn all_logits<W: WeightSource>(m: &mut Model<W>, tokens: &[u32]) -> Vec<Vec<i32>> {
    let c = m.config;
    let mut cache = KvCache::new(KvShape::of(&c), c.n_ctx as usize, KvMode::Memory, None).unwrap();
    let mut s = RunState::new(&c, c.n_ctx as usize).unwrap();
    tokens
        .iter()
        .map(|&t| {
            m.forward(t, &mut cache, &mut s).unwrap();
            s.logits.clone()
        })
        .collect()
}

fn resident_logits(bytes: &[u8]) -> Vec<Vec<i32>> {
    let weights = ModelReader::open(MemFile::new(bytes)).unwrap().read_weights().unwrap();
    let (mut resident, _) = Model::resident(weights);
    all_logits(&mut resident, &TOKENS)
}

#[test]
fn every_plan_gives_identical_logits() {
    for name in FIXTURES {
        let bytes = model_file(name);
        let expected = resident_logits(&bytes);
        for stream_head in [false, true] {
            let reader = ModelReader::open(MemFile::new(&bytes)).unwrap();
            let (mut streamed, _) =
                Model::streamed(reader, StreamOptions { head: stream_head, row_chunk_bytes: None }).unwrap();
            assert_eq!(all_logits(&mut streamed, &TOKENS), expected, "{name}, stream_head {stream_head}");
            // Each layer load gives its four matrices back to the pool and takes them
            // again: only the first load (and the first head chunk / embedding row) miss.
            let s = streamed.weights.pool_stats().unwrap();
            let loads = (TOKENS.len() * streamed.config.num_layers as usize) as u64;
            assert!(s.misses <= 6, "{name}: {s:?}");
            assert!(s.exact_hits >= 4 * (loads - 1), "{name}: {s:?}");
            assert_eq!(s.compactions, 0);
        }
    }
}

#[test]
fn row_chunks_of_any_size_give_identical_logits() {
    for name in FIXTURES {
        let bytes = model_file(name);
        let expected = resident_logits(&bytes);
        let c = *ModelReader::open(MemFile::new(&bytes)).unwrap().config();
        let (d, f, g) = (c.embed_dim as usize, c.ffn_dim as usize, c.group_size as usize);
        let bounds = [
            1,                                       // one row per chunk everywhere
            7 * row_bytes(d, g),                     // 7-row chunks of (·, d) matrices, leftovers
            3 * row_bytes(f, g) + 5,                 // 3-row chunks of (d, f), 12 or more of (·, d)
            row_bytes(d, g) * c.vocab_size as usize, // whole matrices in one chunk
        ];
        for bound in bounds {
            for head in [true, false] {
                let reader = ModelReader::open(MemFile::new(&bytes)).unwrap();
                let opts = StreamOptions { head, row_chunk_bytes: Some(bound) };
                let (mut m, _) = Model::streamed(reader, opts).unwrap();
                assert_eq!(all_logits(&mut m, &TOKENS), expected, "{name}, bound {bound}, head {head}");
                // Full chunks of the two row widths and one embedding row: everything
                // else is served from the pool, however many tokens run.
                let s = m.weights.pool_stats().unwrap();
                assert!(s.misses <= 3, "{name}, bound {bound}: {s:?}");
                assert!(s.hit_rate_percent() >= 90, "{name}, bound {bound}: {s:?}");
                assert!(s.peak_cached_bytes <= 2 * bound.max(row_bytes(f, g)) + row_bytes(d, g), "{s:?}");
                assert!(m.weights.bytes_verified() > 0);
            }
        }
    }
}

#[test]
fn streaming_checks_every_layer_when_it_opens() {
    let mut bytes = model_file(FIXTURES[0]);
    let h = ModelReader::open(MemFile::new(&bytes)).unwrap().header().clone();
    let last = h.config.num_layers - 1;
    let s = h.layers[last as usize];
    bytes[(s.offset + s.length / 2) as usize] ^= 0x40;
    // By rows and by whole layers: per-token reads skip the CRC, so the open checks it.
    for row_chunk_bytes in [Some(4096), None] {
        let opts = StreamOptions { head: true, row_chunk_bytes };
        let err = Model::streamed(ModelReader::open(MemFile::new(&bytes)).unwrap(), opts).err().unwrap();
        let ModelError::Format(FormatError::SectionChecksum { section, .. }) = err else { panic!("{err:?}") };
        assert_eq!(section, SectionId::Layer(last));
    }
}
