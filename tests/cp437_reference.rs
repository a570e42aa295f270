//! CP437 conversion against independent references: Python's `cp437` codec (fixture
//! from scripts/fixtures/make_tokenizer_fixture.py) for the table, and std's
//! `String::from_utf8_lossy` for how invalid UTF-8 is cut into replaced subparts.
#![cfg(feature = "host")]

use std::io::Read;

use gpt2dos::tokenizer::cp437::{char_to_cp437, cp437_to_utf8, utf8_to_cp437, Utf8ToCp437, REPLACEMENT};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tokenizer");

#[test]
fn table_matches_python_codec() {
    let expected = std::fs::read_to_string(format!("{DATA}/cp437.txt")).unwrap();
    let all: Vec<u8> = (0..=255).collect();
    let mut got = Vec::new();
    cp437_to_utf8(&all, &mut got);
    assert_eq!(String::from_utf8(got).unwrap(), expected);
}

/// What the streaming decoder should output, built from std's lossy decoding.
fn via_std(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(bytes).chars().map(|c| char_to_cp437(c).unwrap_or(REPLACEMENT)).collect()
}

#[test]
fn streaming_decoder_matches_std_lossy_decoding() {
    let mut corpus = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(format!("{DATA}/corpus.txt.gz")).unwrap())
        .read_to_end(&mut corpus)
        .unwrap();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..300 {
        // A slice of real text, damaged in a few places.
        let start = (next() % (corpus.len() as u64 - 2000)) as usize;
        let mut bytes = corpus[start..start + 1 + round * 5].to_vec();
        for _ in 0..round % 7 {
            let at = (next() % bytes.len() as u64) as usize;
            bytes[at] = next() as u8;
        }
        let mut whole = Vec::new();
        utf8_to_cp437(&bytes, &mut whole);
        assert_eq!(whole, via_std(&bytes), "round {round}");
        // Fed in random pieces, as tokens arrive.
        let (mut decoder, mut pieces, mut at) = (Utf8ToCp437::new(), Vec::new(), 0);
        while at < bytes.len() {
            let len = 1 + (next() % 5) as usize;
            let end = (at + len).min(bytes.len());
            decoder.push(&bytes[at..end], &mut pieces);
            at = end;
        }
        decoder.finish(&mut pieces);
        assert_eq!(pieces, whole, "round {round}");
    }
}
