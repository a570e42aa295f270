//! The shipped default model: the integer engine agrees with the float reference on the
//! same weights over held-out text (top-1 ≥ 99 %, perplexity within 2 %), and the file
//! generates deterministically.

use std::path::Path;

use gpt2dos::format::ModelReader;
use gpt2dos::hostio::FromStd;
use gpt2dos::model::Model;
use gpt2dos::reference::{compare, FloatModel};
use gpt2dos::tokenizer::Tokenizer;

#[test]
fn integer_engine_matches_float_on_held_out_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let file = std::fs::File::open(root.join("models/DEFAULT.BIN")).unwrap();
    let weights = ModelReader::open(FromStd::new(std::io::BufReader::new(file))).unwrap().read_weights().unwrap();
    let float = FloatModel::from_weights(&weights);
    let (mut model, tok) = Model::resident(weights);
    let tokenizer = Tokenizer::from_section_bytes(&tok).unwrap();
    let text = std::fs::read(root.join("tests/data/heldout.txt")).unwrap();
    let mut ids = tokenizer.encode_to_vec(&text);
    ids.truncate(2049);
    let r = compare(&mut model, &float, &ids, || {}).unwrap();
    println!("default model: {r:?}");
    assert!(r.tokens >= 2000, "{r:?}");
    assert!(r.top1 >= 0.99, "top-1 agreement {:.4} < 0.99", r.top1);
    assert!((r.ppl_int / r.ppl_float - 1.0).abs() < 0.02, "{r:?}");
}
