//! The tokenizer fixtures (shared by tests/tokenizer_reference.rs and
//! examples/encode_speed.rs): the gzipped corpus and GPT-2's original vocabulary.

use std::io::Read;
use std::sync::OnceLock;

use flate2::read::GzDecoder;
use gpt2dos::tokenizer::Tokenizer;

pub const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

pub fn gunzip(path: &str) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(std::fs::File::open(format!("{DATA}/{path}")).unwrap()).read_to_end(&mut out).unwrap();
    out
}

pub fn corpus() -> &'static [u8] {
    static TEXT: OnceLock<Vec<u8>> = OnceLock::new();
    TEXT.get_or_init(|| gunzip("tokenizer/corpus.txt.gz"))
}

pub fn gpt2() -> &'static Tokenizer {
    static TOK: OnceLock<Tokenizer> = OnceLock::new();
    TOK.get_or_init(|| {
        let vocab = String::from_utf8(gunzip("gpt2/encoder.json.gz")).unwrap();
        let merges = String::from_utf8(gunzip("gpt2/vocab.bpe.gz")).unwrap();
        Tokenizer::from_hf_files(&vocab, &merges).unwrap()
    })
}
