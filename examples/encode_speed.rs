//! Release-mode speed of the tokenizer (a measurement, not a test): loading GPT-2's
//! vocabulary from its model-file section, and encoding the fixture corpus.
//!
//!   cargo run --release --example encode_speed

use std::time::Instant;

#[path = "../tests/common/tokenizer_fixtures.rs"]
mod fixtures;
use fixtures::{corpus, gpt2};
use gpt2dos::tokenizer::Tokenizer;

fn main() {
    let tok = gpt2();
    let blob = tok.to_section_bytes();
    let start = Instant::now();
    let loaded = Tokenizer::from_section_bytes(&blob).unwrap();
    println!(
        "GPT-2 section load: {:.1} ms, {} bytes of heap",
        start.elapsed().as_secs_f64() * 1e3,
        loaded.heap_bytes()
    );
    let ascii_lines: Vec<u8> =
        corpus().split_inclusive(|&b| b == b'\n').filter(|l| l.is_ascii()).flatten().copied().collect();
    for (name, text) in [("whole corpus", corpus()), ("its ASCII lines", &ascii_lines[..])] {
        let mut ids = Vec::new();
        let start = Instant::now();
        for _ in 0..5 {
            ids.clear();
            tok.encode(text, &mut ids);
        }
        let secs = start.elapsed().as_secs_f64() / 5.0;
        println!("GPT-2 encode, {name}: {} bytes, {:.1} MB/s", text.len(), text.len() as f64 / secs / 1e6);
    }
}
