//! Host speed of each KV mode on the default model (a measurement, not a test): 256
//! tokens of held-out text fed through a 256-token context (the cache fills up;
//! attention averages 128 rows). Figures in docs/MEMORY.md:
//!
//!   cargo run --release --example kv_speed

use std::path::Path;
use std::time::Instant;

use gpt2dos::format::ModelReader;
use gpt2dos::hostio::FromStd;
use gpt2dos::model::{Generator, KvCache, KvFile, KvMode, KvShape, Model, VecFile};
use gpt2dos::sample::SampleParams;
use gpt2dos::tokenizer::Tokenizer;

#[derive(Clone, Copy, Debug)]
enum FileKind {
    None,
    Memory,
    Disk,
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join("models/DEFAULT.BIN")).unwrap();
    let load = || {
        let mut r = ModelReader::open(gpt2dos::format::MemFile::new(&bytes)).unwrap();
        Model::resident(r.read_weights().unwrap())
    };
    let tokenizer = Tokenizer::from_section_bytes(&load().1).unwrap();
    let text = std::fs::read(root.join("tests/data/heldout.txt")).unwrap();
    let ids: Vec<u32> = tokenizer.encode_to_vec(&text)[..256].to_vec();
    let sparse = |w| KvMode::BlockSparse { block: 16, sink_blocks: 1, window_blocks: w };
    let runs = [
        (KvMode::Memory, FileKind::None),
        (KvMode::Spill, FileKind::Memory),
        (KvMode::Spill, FileKind::Disk),
        (KvMode::Chunked { rows: 64 }, FileKind::Disk),
        (KvMode::Chunked { rows: 16 }, FileKind::Disk),
        (KvMode::Chunked { rows: 1 }, FileKind::Disk),
        (sparse(8), FileKind::None),
        (sparse(4), FileKind::None),
    ];
    // Round-robin, best of 15: the machine is shared, the minimum is the least disturbed.
    let mut best = vec![f64::MAX; runs.len()];
    for _ in 0..15 {
        for (i, &(mode, kind)) in runs.iter().enumerate() {
            let path = std::env::temp_dir().join(format!("gpt2dos-kvspeed-{}.tmp", std::process::id()));
            let file: Option<Box<dyn KvFile>> = match kind {
                FileKind::None => None,
                FileKind::Memory => Some(Box::new(VecFile::new())),
                FileKind::Disk => {
                    let mut o = std::fs::OpenOptions::new();
                    let f = o.read(true).write(true).create(true).truncate(true).open(&path).unwrap();
                    Some(Box::new(FromStd::new(f)))
                }
            };
            let (model, _) = load();
            let cache = KvCache::new(KvShape::of(&model.config), 256, mode, file).unwrap();
            let mut g = Generator::new(model, cache, SampleParams::default(), 1).unwrap();
            let t = Instant::now();
            for &id in &ids {
                g.feed(id).unwrap();
            }
            best[i] = best[i].min(t.elapsed().as_secs_f64());
            drop(g);
            let _ = std::fs::remove_file(&path);
        }
    }
    for (&(mode, kind), t) in runs.iter().zip(&best) {
        let tps = ids.len() as f64 / t;
        let base = ids.len() as f64 / best[0];
        println!(
            "{:<64} file {kind:<6?} {tps:>5.0} tokens/s ({:>5.1} % of memory)",
            mode.to_string(),
            100.0 * tps / base
        );
    }
}
