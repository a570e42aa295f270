//! Memory measured by a counting allocator (per thread): the plan's KV bytes
//! (`KvMode::ram_bytes`) are what building the cache allocates, and the per-op timeline
//! of a token sees what the allocator holds.

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
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.with(|a| a.set(a.get() + layout.size()));
        IN_USE.with(|a| a.set(a.get() + layout.size()));
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
                let (bytes, cache) = allocated_by(|| KvCache::with_mode(shape, ctx, mode, file).unwrap());
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
    let (streamed, _) = Model::streamed_with(reader(), opts).unwrap();
    let c = resident.config;
    let names: Vec<&str> = std::iter::once("embed")
        .chain((0..c.num_layers).flat_map(|_| ["qkv", "attention", "attn out", "ffn in", "ffn out"]))
        .chain(std::iter::once("head"))
        .collect();
    let one_token = |timeline_on_token: usize, forward: &mut dyn FnMut(u32, &mut KvCache, &mut RunState)| {
        let mut cache =
            KvCache::new(c.num_layers as usize, c.n_ctx as usize, c.embed_dim as usize, c.num_heads as usize);
        let mut s = RunState::new(&c, c.n_ctx as usize).unwrap();
        let mut timeline = None;
        for (i, t) in [5u32, 77, 3].into_iter().enumerate() {
            if i == timeline_on_token {
                s.timeline = Some(Timeline::new(in_use));
            }
            forward(t, &mut cache, &mut s);
            if i == timeline_on_token {
                timeline = s.timeline.take();
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
