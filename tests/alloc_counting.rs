//! Memory measured by a counting allocator (per thread): the plan's KV bytes
//! (`KvMode::ram_bytes`) are what building the cache allocates, the per-op timeline
//! of a token sees what the allocator holds, and no way of running (every weights mode
//! × KV mode, on a small model and on GPT-2 124M's shapes) allocates more than the plan
//! says, from opening the model to the last token.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use std::path::Path;

use gpt2dos::convert::{load_hf_dir, quantize_model, tokenizer_section};
use gpt2dos::format::{write_model, MemFile, ModelReader};
use gpt2dos::model::{KvCache, KvFile, KvMode, KvShape, Model, RunState, StreamOptions, Timeline, VecFile};
use indicatif::ProgressBar;

struct Counting;

thread_local! {
    /// Bytes ever allocated, and bytes held now.
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
    static IN_USE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.with(|a| a.set(a.get() + layout.size()));
        IN_USE.with(|a| a.set(a.get() + layout.size()));
        PEAK.with(|p| p.set(p.get().max(IN_USE.with(|a| a.get()))));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.with(|a| a.set(a.get() - layout.size()));
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocated_by(f: impl FnOnce() -> KvCache) -> (usize, KvCache) {
    let before = ALLOCATED.with(|a| a.get());
    let cache = f();
    (ALLOCATED.with(|a| a.get()) - before, cache)
}

#[test]
fn ram_bytes_is_what_the_cache_allocates() {
    let sparse = |block, sink_blocks, window_blocks| KvMode::BlockSparse { block, sink_blocks, window_blocks };
    for shape in [KvShape { layers: 4, dim: 128, heads: 4 }, KvShape { layers: 12, dim: 768, heads: 12 }] {
        for ctx in [16, 100, 256] {
            for mode in [
                KvMode::Memory,
                KvMode::Spill,
                KvMode::Chunked { rows: 16 },
                KvMode::Chunked { rows: 1000 },
                sparse(16, 1, 4),
                sparse(16, 0, 1),
                sparse(8, 2, 100),
            ] {
                let file: Option<Box<dyn KvFile>> =
                    mode.uses_file().then(|| Box::new(VecFile::new()) as Box<dyn KvFile>);
                let (bytes, cache) = allocated_by(|| KvCache::new(shape, ctx, mode, file).unwrap());
                assert_eq!(bytes, mode.ram_bytes(shape, ctx), "{shape:?} ctx {ctx} {mode:?}");
                assert_eq!(cache.capacity(), ctx);
            }
        }
    }
}

fn in_use() -> u32 {
    IN_USE.with(|a| a.get()) as u32
}

#[test]
fn timeline_marks_every_op_of_a_token_with_the_bytes_in_use() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hf/small_3l_128d_4h_untied");
    let model = load_hf_dir(&dir).unwrap();
    let tok = tokenizer_section(&dir, model.config.vocab_size as usize).unwrap();
    let (weights, _) = quantize_model(&model, tok, 32, &ProgressBar::hidden()).unwrap();
    let bytes = write_model(&weights).unwrap();
    let reader = || ModelReader::open(MemFile::new(&bytes)).unwrap();
    let (resident, _) = Model::resident(reader().read_weights().unwrap());
    let opts = StreamOptions { head: true, row_chunk_bytes: Some(1000) };
    let (streamed, _) = Model::streamed(reader(), opts).unwrap();
    let c = resident.config;
    let names: Vec<&str> = std::iter::once("embed")
        .chain((0..c.num_layers).flat_map(|_| ["qkv", "attention", "attn out", "ffn in", "ffn out"]))
        .chain(std::iter::once("head"))
        .collect();
    let one_token = |timeline_on_token: usize, forward: &mut dyn FnMut(u32, &mut KvCache, &mut RunState)| {
        let mut cache = KvCache::new(KvShape::of(&c), c.n_ctx as usize, KvMode::Memory, None).unwrap();
        let mut s = RunState::new(&c, c.n_ctx as usize).unwrap();
        let mut timeline = None;
        for (i, t) in [5u32, 77, 3].into_iter().enumerate() {
            if i == timeline_on_token {
                s.timeline = Some(Box::new(Timeline::new(in_use)));
            }
            forward(t, &mut cache, &mut s);
            if i == timeline_on_token {
                timeline = s.timeline.take().map(|t| *t);
            }
        }
        timeline.unwrap()
    };
    // Resident: nothing is allocated during a token once the buffers exist.
    let mut m = resident;
    let t = one_token(1, &mut |tok, cache, s| m.forward(tok, cache, s).unwrap());
    let got: Vec<&str> = t.marks().iter().map(|m| m.op).collect();
    assert_eq!(got, names);
    assert_eq!(t.marks()[1].layer, Some(0));
    assert_eq!(t.dropped, 0);
    let (lo, hi) = t.range();
    assert_eq!(lo, hi, "resident: no allocation during a token");
    // Row streaming: on the first token the pool fills, so the marks climb.
    let mut m = streamed;
    let t = one_token(0, &mut |tok, cache, s| m.forward(tok, cache, s).unwrap());
    let (lo, hi) = t.range();
    assert!(hi > lo, "the first streamed token takes its chunk buffers");
    assert!(t.marks().windows(2).any(|w| w[1].bytes > w[0].bytes));
}

#[test]
fn sampler_bytes_is_what_the_sampler_allocates() {
    use gpt2dos::sample::{SampleParams, Sampler};
    for vocab in [1usize, 33, 2048, 50257] {
        let before = ALLOCATED.with(|a| a.get());
        let s = Sampler::new(SampleParams::default(), 1, vocab).unwrap();
        assert_eq!(ALLOCATED.with(|a| a.get()) - before, Sampler::bytes(vocab), "vocab {vocab}");
        drop(s);
    }
}

/// The most `f` holds at once, over what was held when it started.
fn peak_of(f: impl FnOnce()) -> usize {
    let base = IN_USE.with(|a| a.get());
    PEAK.with(|p| p.set(base));
    f();
    PEAK.with(|p| p.get()) - base
}

struct Quiet;
impl gpt2dos::model::Hooks for Quiet {}

/// Every weights mode the plan knows × every KV mode, at `ctx`: open the model, feed a
/// prompt, generate past the context (so the window slides), and compare the most the
/// allocator held with the plan's total.
fn check_plans(bytes: &[u8], ctx: usize, weight_modes: usize) -> Vec<String> {
    use gpt2dos::model::{plan, Session, Setup};
    let h = ModelReader::open(MemFile::new(bytes)).unwrap().header().clone();
    let kv_modes = [
        KvMode::Memory,
        KvMode::Spill,
        KvMode::Chunked { rows: 7 },
        KvMode::BlockSparse { block: 4, sink_blocks: 1, window_blocks: 2 },
    ];
    let mut rows = Vec::new();
    for (mode, weights) in plan::weight_options(&h).into_iter().take(weight_modes) {
        for kv in kv_modes {
            let est = plan::estimate(&h, mode, weights, ctx, kv);
            let reader = ModelReader::open(MemFile::new(bytes)).unwrap();
            let path = std::env::temp_dir().join(format!("gpt2dos-plan-peak-{}.tmp", std::process::id()));
            let scratch = kv.uses_file().then(|| gpt2dos::hostio::scratch_file(&path).unwrap());
            let setup = Setup { mode, ctx, kv_mode: kv, scratch, params: Default::default(), seed: 5 };
            let peak = peak_of(|| {
                let mut s = Session::open(reader, setup, &mut Quiet).unwrap();
                s.generate(&[5, 77, 3], ctx as u32 + 3, None, &mut Quiet).unwrap();
                assert!(s.generator.slides > 0);
            });
            let total = est.total() as usize;
            assert!(peak <= total, "{mode:?} {kv:?} ctx {ctx}: peak {peak} > plan {total}");
            rows.push(format!("{:<55} {:<45} plan {:>9} peak {:>9}", format!("{mode:?}"), kv.to_string(), total, peak));
        }
    }
    rows
}

#[test]
fn no_plan_allocates_more_than_planned() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hf/small_3l_128d_4h_untied");
    let model = load_hf_dir(&dir).unwrap();
    let tok = tokenizer_section(&dir, model.config.vocab_size as usize).unwrap();
    let (weights, _) = quantize_model(&model, tok, 32, &ProgressBar::hidden()).unwrap();
    let small = write_model(&weights).unwrap();
    let mut rows = check_plans(&small, 24, usize::MAX);
    // GPT-2 124M's widths, vocabulary and context, with 2 layers: the resident, layer,
    // layer + head and the smallest row-chunk plans.
    let big = write_model(&gpt2dos::convert::synth::gpt2_124m_shapes(2, &ProgressBar::hidden())).unwrap();
    let big_rows = check_plans(&big, 24, 4);
    let last = plan_rows_last(&big);
    rows.extend(big_rows);
    rows.extend(last);
    println!("{}", rows.join("\n"));
}

/// The smallest row-chunk bound on the 124M shapes.
fn plan_rows_last(bytes: &[u8]) -> Vec<String> {
    use gpt2dos::model::{plan, Session, Setup};
    let h = ModelReader::open(MemFile::new(bytes)).unwrap().header().clone();
    let (mode, weights) = *plan::weight_options(&h).last().unwrap();
    let est = plan::estimate(&h, mode, weights, 24, KvMode::Memory);
    let reader = ModelReader::open(MemFile::new(bytes)).unwrap();
    let setup = Setup { mode, ctx: 24, kv_mode: KvMode::Memory, scratch: None, params: Default::default(), seed: 5 };
    let peak = peak_of(|| {
        let mut s = Session::open(reader, setup, &mut Quiet).unwrap();
        s.generate(&[5, 77, 3], 27, None, &mut Quiet).unwrap();
    });
    assert!(peak as u64 <= est.total(), "{mode:?}: peak {peak} > plan {}", est.total());
    vec![format!("{:<55} {:<45} plan {:>9} peak {:>9}", format!("{mode:?}"), "memory", est.total(), peak)]
}
