//! `gpt2bscm eval FILE --text FILE`: the integer engine against the float reference
//! over a text. Last line: `eval: tokens=N ppl_int=X ppl_float=Y top1=Z%`.

use std::path::Path;

use gpt2dos::convert::load_hf_dir;
use gpt2dos::error::{host_file_error, Error};
use gpt2dos::hostio::{open_model, path_bytes};
use gpt2dos::model::{Model, ModelError};
use gpt2dos::reference::{compare, CompareError, FloatModel};
use gpt2dos::tokenizer::Tokenizer;
use indicatif::ProgressBar;

pub fn run<'a>(file: &'a Path, text: &'a Path, hf: Option<&Path>, max_tokens: usize) -> Result<(), Error<'a>> {
    let model_error = |error| Error::Model { name: path_bytes(file), scratch: b"", error };
    let mut reader = open_model(file)?;
    let weights = reader.read_weights().map_err(|e| model_error(ModelError::Format(e)))?;
    let float = match hf {
        Some(dir) => load_hf_dir(dir)?,
        None => FloatModel::from_weights(&weights),
    };
    let (mut model, tok_bytes) = Model::resident(weights);
    let tokenizer = Tokenizer::from_section_bytes(&tok_bytes).map_err(|e| model_error(ModelError::Tokenizer(e)))?;
    let body = std::fs::read(text).map_err(|e| host_file_error(text, e))?;
    let mut ids = tokenizer.encode_to_vec(&body);
    ids.truncate(max_tokens + 1);
    let bar = ProgressBar::new(ids.len().saturating_sub(1) as u64);
    let r = compare(&mut model, &float, &ids, || bar.inc(1)).map_err(|e| match e {
        CompareError::Model(e) => model_error(e),
        CompareError::Reference(_) => Error::Internal("the float reference failed"),
        CompareError::TooShort => Error::BadInput { name: path_bytes(text), what: "fewer than 2 tokens to score" },
    })?;
    bar.finish_and_clear();
    println!("integer vs float perplexity: {:+.2} %", (r.ppl_int / r.ppl_float - 1.0) * 100.0);
    println!(
        "eval: tokens={} ppl_int={:.3} ppl_float={:.3} top1={:.2}%",
        r.tokens,
        r.ppl_int,
        r.ppl_float,
        r.top1 * 100.0
    );
    Ok(())
}
