//! Every exact KV mode gives the same logits as the cache in memory: spilled to a file
//! and read back a whole layer at a time, or in chunks of 1, 3, 16 rows or the whole
//! context; through the generator too, across slides of the context window.
//! Block-sparse equals them while a token still sees every position, and differs after.

use std::path::Path;

use gpt2dos::convert::{load_hf_dir, quantize_model, tokenizer_section};
use gpt2dos::format::{write_model, MemFile, ModelReader};
use gpt2dos::model::{Generator, KvCache, KvFile, KvMode, KvShape, Model, Resident, VecFile};
use gpt2dos::sample::SampleParams;
use indicatif::ProgressBar;

fn model(name: &str) -> Model<Resident> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hf").join(name);
    let hf = load_hf_dir(&dir).unwrap();
    let tok = tokenizer_section(&dir, hf.config.vocab_size as usize).unwrap();
    let (weights, _) = quantize_model(&hf, tok, 32, &ProgressBar::hidden()).unwrap();
    let bytes = write_model(&weights).unwrap();
    let weights = ModelReader::open(MemFile::new(&bytes)).unwrap().read_weights().unwrap();
    Model::resident(weights).0
}

fn cache(m: &Model<Resident>, ctx: usize, mode: KvMode) -> KvCache {
    let file: Option<Box<dyn KvFile>> = mode.uses_file().then(|| Box::new(VecFile::new()) as Box<dyn KvFile>);
    KvCache::new(KvShape::of(&m.config), ctx, mode, file).unwrap()
}

/// Feeds `tokens` through a generator with a `ctx`-token window; the logits after each
/// token, and how often the window slid.
fn logits(name: &str, ctx: usize, mode: KvMode, tokens: &[u32]) -> (Vec<Vec<i32>>, u32) {
    let m = model(name);
    let c = cache(&m, ctx, mode);
    let greedy = SampleParams { temperature_milli: 0, ..SampleParams::default() };
    let mut g = Generator::new(m, c, greedy, 1).unwrap();
    let out = tokens
        .iter()
        .map(|&t| {
            g.feed(t).unwrap();
            g.state.logits.clone()
        })
        .collect();
    (out, g.slides)
}

const FIXTURES: [&str; 2] = ["tiny_2l_64d_2h", "small_3l_128d_4h_untied"];

fn tokens(n: usize) -> Vec<u32> {
    (0..n as u32).map(|i| (i * 37 + 5) % 250).collect()
}

#[test]
fn spilled_and_chunked_caches_give_identical_logits() {
    for name in FIXTURES {
        // n_ctx 32: a full window without slides, and a 12-token window sliding 5 times.
        for (ctx, n, slides) in [(32, 32, 0), (12, 40, 5)] {
            let toks = tokens(n);
            let (expected, s) = logits(name, ctx, KvMode::Memory, &toks);
            assert_eq!(s, slides, "{name} ctx {ctx}");
            let wide = KvMode::BlockSparse { block: 4, sink_blocks: 1, window_blocks: ctx / 4 };
            for mode in [
                KvMode::Spill,
                KvMode::Chunked { rows: 1 },
                KvMode::Chunked { rows: 3 },
                KvMode::Chunked { rows: 16 },
                KvMode::Chunked { rows: ctx },
                wide,
            ] {
                assert!(logits(name, ctx, mode, &toks).0 == expected, "{name} ctx {ctx} {mode:?}");
            }
        }
    }
}

#[test]
fn block_sparse_matches_until_positions_drop_out_of_the_window() {
    let sparse = KvMode::BlockSparse { block: 2, sink_blocks: 1, window_blocks: 2 };
    let toks = tokens(24);
    for name in FIXTURES {
        let (full, _) = logits(name, 24, KvMode::Memory, &toks);
        let (got, _) = logits(name, 24, sparse, &toks);
        // Positions 0..6 see everything (sink block 0, window blocks 1-2 at most).
        assert!(got[..6] == full[..6], "{name}");
        for p in 6..24 {
            assert!(got[p] != full[p], "{name}: position {p} unchanged without its old rows");
        }
    }
}

#[test]
fn generation_is_the_same_in_every_exact_mode() {
    let params = SampleParams { temperature_milli: 900, top_k: 40, ..SampleParams::default() };
    let run = |mode: KvMode| {
        let m = model("small_3l_128d_4h_untied");
        let c = cache(&m, 10, mode);
        let mut g = Generator::new(m, c, params, 7).unwrap();
        let mut ids = vec![3u32, 14, 15];
        for &t in &ids.clone() {
            g.feed(t).unwrap();
        }
        for _ in 0..30 {
            let t = g.sample().unwrap();
            ids.push(t);
            g.feed(t).unwrap();
        }
        assert!(g.slides >= 5);
        (ids, g.cache.file_io())
    };
    let (memory, io) = run(KvMode::Memory);
    assert_eq!(io.read, 0);
    for mode in [KvMode::Spill, KvMode::Chunked { rows: 3 }] {
        let (ids, io) = run(mode);
        assert_eq!(ids, memory, "{mode:?}");
        assert!(io.read > 0 && io.written > 0);
    }
}

/// A real file through `hostio::FromStd` (as GEN passes a DOS file handle): the same
/// logits, and the file holds the int8 rows (2 × layers × ctx × dim bytes when full).
#[test]
fn a_real_file_spills_the_same() {
    let path = std::env::temp_dir().join(format!("gpt2dos-kv-{}.tmp", std::process::id()));
    let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
    let m = model("small_3l_128d_4h_untied");
    let shape = KvShape::of(&m.config);
    let c = KvCache::new(shape, 32, KvMode::Chunked { rows: 5 }, Some(Box::new(gpt2dos::hostio::FromStd::new(file))))
        .unwrap();
    let mut g = Generator::new(m, c, SampleParams::default(), 1).unwrap();
    let toks = tokens(32);
    let got: Vec<Vec<i32>> = toks
        .iter()
        .map(|&t| {
            g.feed(t).unwrap();
            g.state.logits.clone()
        })
        .collect();
    drop(g);
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::remove_file(&path).unwrap();
    assert!(got == logits("small_3l_128d_4h_untied", 32, KvMode::Memory, &toks).0);
    // The last layer's V region ends with the last token's row.
    assert_eq!(len, KvMode::Spill.file_bytes(shape, 32));
}

/// A prompt fed layer by layer in batches (`Generator::feed_prompt`) leaves the same
/// logits, cache and window as the tokens fed one by one: prompts shorter and longer
/// than a batch, filling the window and sliding it, in every KV mode, then the same
/// tokens generated after it.
#[test]
fn prompts_fed_layer_by_layer_equal_tokens_fed_one_by_one() {
    let greedy = SampleParams { temperature_milli: 0, ..SampleParams::default() };
    for name in FIXTURES {
        for (ctx, n) in [(32, 5), (32, 31), (12, 40), (32, 32)] {
            let modes = [
                KvMode::Memory,
                KvMode::Spill,
                KvMode::Chunked { rows: 3 },
                KvMode::BlockSparse { block: 4, sink_blocks: 1, window_blocks: 1 },
            ];
            for mode in modes {
                let toks = tokens(n);
                let m = model(name);
                let batch = m.batch_tokens();
                let mut one = Generator::new(m, cache(&model(name), ctx, mode), greedy, 1).unwrap();
                for &t in &toks {
                    one.feed(t).unwrap();
                }
                let mut all = Generator::new(model(name), cache(&model(name), ctx, mode), greedy, 1).unwrap();
                let mut fed = Vec::new();
                all.feed_prompt(&toks, |done| {
                    fed.push(done);
                    Ok::<(), gpt2dos::model::ModelError>(())
                })
                .unwrap();
                let what = format!("{name} ctx {ctx} prompt {n} {mode:?} (batches of {batch})");
                assert_eq!(all.state.logits, one.state.logits, "{what}");
                assert_eq!((all.slides, all.cache.len()), (one.slides, one.cache.len()), "{what}");
                assert_eq!(fed.last(), Some(&n), "{what}");
                for _ in 0..6 {
                    let (a, b) = (all.sample().unwrap(), one.sample().unwrap());
                    assert_eq!(a, b, "{what}");
                    all.feed(a).unwrap();
                    one.feed(b).unwrap();
                    assert_eq!(all.state.logits, one.state.logits, "{what}");
                }
            }
        }
    }
}
