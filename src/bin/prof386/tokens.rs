//! GEN's token loop, as GEN /T:0 runs it: encode the prompt, feed it, then N times
//! sample, decode the token and feed it. Console output is not included (measure that
//! in DOS). The model is the file PROF_MODEL names at build time (build.rs: the
//! shipped default model unless set), resident.
use crate::linux::{exit, fail, write};
use gpt2dos::format::{MemFile, ModelReader};
use gpt2dos::model::{Generator, KvCache, KvMode, KvShape, Model};
use gpt2dos::sample::SampleParams;
use gpt2dos::tokenizer::Tokenizer;

static MODEL: &[u8] = include_bytes!(env!("PROF_MODEL"));
const PROMPT: &[u8] = b"It is a truth";
/// Tokens to generate: 32 (GEN's benchmark), or PROF_TOKENS at build time.
const TOKENS: u32 = match option_env!("PROF_TOKENS") {
    Some(s) => parse_u32(s.as_bytes()),
    None => 32,
};

const fn parse_u32(b: &[u8]) -> u32 {
    let (mut n, mut i) = (0u32, 0);
    while i < b.len() {
        n = n * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    n
}

pub fn run() -> ! {
    let mut reader = ModelReader::open(MemFile::new(MODEL)).unwrap_or_else(|_| fail(b"open\n"));
    let w = reader.read_weights().unwrap_or_else(|_| fail(b"weights\n"));
    let (model, tok) = Model::resident(w);
    let tokenizer = Tokenizer::from_section_bytes(&tok).unwrap_or_else(|_| fail(b"tokenizer\n"));
    let mut ids = alloc::vec::Vec::new();
    tokenizer.encode(PROMPT, &mut ids);
    // Greedy (GEN's benchmark, /T:0), or GEN's default sampling when built with PROF_SAMPLED.
    let params = match option_env!("PROF_SAMPLED") {
        Some(_) => SampleParams::default(),
        None => SampleParams { temperature_milli: 0, ..SampleParams::default() },
    };
    let ctx = model.config.n_ctx as usize;
    let shape = KvShape::of(&model.config);
    let cache = KvCache::new(shape, ctx, KvMode::Memory, None).unwrap_or_else(|_| fail(b"cache\n"));
    let mut g = Generator::new(model, cache, params, 1).unwrap_or_else(|_| fail(b"generator\n"));
    g.feed_prompt(&ids, |_| Ok::<(), gpt2dos::model::ModelError>(())).unwrap_or_else(|_| fail(b"feed\n"));
    let mut sum = 0u32;
    for _ in 0..TOKENS {
        sum = sum.wrapping_mul(31).wrapping_add(generate_one(&mut g, &tokenizer));
    }
    write(b"ok\n");
    exit(sum as u8 & 0x7F)
}

/// One generated token as GEN makes it: sample, decode, feed. (Its own function so
/// callgrind can count from here: --toggle-collect.)
#[inline(never)]
fn generate_one<W: gpt2dos::model::WeightSource>(g: &mut Generator<W>, tokenizer: &Tokenizer) -> u32 {
    let t = g.sample().unwrap_or_else(|_| fail(b"sample\n"));
    let n = tokenizer.decode_token(t).len() as u32;
    g.feed(t).unwrap_or_else(|_| fail(b"feed\n"));
    t + n
}
