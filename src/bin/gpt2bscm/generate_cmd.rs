//! `gpt2bscm generate`: the integer engine, exactly the code GEN.EXE runs.

use std::io::Write;
use std::path::Path;

use gpt2dos::hostio::{open_model, StdIo};
use gpt2dos::model::{Generator, KvCache, KvFile, KvMode, KvShape, Model};
use gpt2dos::sample::SampleParams;
use gpt2dos::tokenizer::Tokenizer;

pub struct GenerateArgs<'a> {
    pub file: &'a Path,
    pub prompt: &'a str,
    pub tokens: u32,
    pub params: SampleParams,
    pub seed: u64,
    pub ctx: usize,
    pub ids: bool,
    pub kv: KvMode,
}

/// The KV cache in `a.kv`; a spilled one writes to a temporary file, removed at once
/// (it stays readable while open on Unix; elsewhere it is left for the OS to clean).
fn cache(a: &GenerateArgs, shape: KvShape, ctx: usize) -> Result<KvCache, (u8, String)> {
    let file: Option<Box<dyn KvFile>> = if a.kv.uses_file() {
        let path = std::env::temp_dir().join(format!("gpt2bscm-kv-{}.tmp", std::process::id()));
        let mut o = std::fs::OpenOptions::new();
        let f = o.read(true).write(true).create(true).truncate(true).open(&path);
        let f = f.map_err(|e| (2, format!("{}: {e}", path.display())))?;
        let _ = std::fs::remove_file(&path);
        Some(Box::new(StdIo(f)))
    } else {
        None
    };
    KvCache::with_mode(shape, ctx, a.kv, file).map_err(|e| (1, e.to_string()))
}

pub fn run(a: &GenerateArgs) -> Result<(), (u8, String)> {
    let mut reader = open_model(a.file).map_err(|e| (e.exit_code() as u8, e.to_string()))?;
    let weights = reader.read_weights().map_err(|e| (3, format!("{}: {e}", a.file.display())))?;
    let (model, tok_bytes) = Model::resident(weights);
    let tokenizer = Tokenizer::from_section_bytes(&tok_bytes).map_err(|e| (3, format!("tokenizer: {e}")))?;
    let prompt = tokenizer.encode_to_vec(a.prompt.as_bytes());
    if prompt.is_empty() {
        return Err((1, "the prompt is empty".into()));
    }
    let ctx = a.ctx.clamp(2, model.config.n_ctx as usize);
    let kv = cache(a, KvShape::of(&model.config), ctx)?;
    let mut g = Generator::with_cache(model, kv, a.params, a.seed).map_err(|e| (1, e.to_string()))?;
    let internal = |e: gpt2dos::model::ModelError| (7u8, e.to_string());
    for &t in &prompt {
        g.feed(t).map_err(internal)?;
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(a.prompt.as_bytes());
    let mut generated = Vec::with_capacity(a.tokens as usize);
    for _ in 0..a.tokens {
        let t = g.sample().map_err(internal)?;
        generated.push(t);
        let _ = out.write_all(tokenizer.decode_token(t));
        let _ = out.flush();
        g.feed(t).map_err(internal)?;
    }
    let _ = writeln!(out);
    if a.ids {
        let ids: Vec<String> = generated.iter().map(|t| t.to_string()).collect();
        let _ = writeln!(out, "ids: {}", ids.join(" "));
    }
    Ok(())
}
