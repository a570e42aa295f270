//! The tokenizer against Hugging Face `tokenizers` (fixtures made by
//! scripts/fixtures/make_tokenizer_fixture.py): id-for-id over a 1.15 MB varied text
//! with the original GPT-2 vocabulary, and over 512 KB with a 1000-token vocabulary
//! trained by `tokenizers`; plus round trips and the section format.
#![cfg(feature = "host")]

use std::time::Instant;

#[path = "common/tokenizer_fixtures.rs"]
mod fixtures;
use fixtures::{corpus, gpt2, gunzip, DATA};
use gpt2dos::tokenizer::{Tokenizer, TokenizerError};

/// (bytes of the corpus encoded, reference ids).
fn reference_ids(name: &str) -> (usize, Vec<u32>) {
    let raw = gunzip(&format!("tokenizer/{name}"));
    let len = u32::from_le_bytes(raw[0..4].try_into().unwrap()) as usize;
    let ids = raw[4..].chunks_exact(2).map(|c| u32::from(u16::from_le_bytes([c[0], c[1]]))).collect();
    (len, ids)
}

fn custom() -> Tokenizer {
    let vocab = std::fs::read_to_string(format!("{DATA}/tokenizer/custom_vocab.json")).unwrap();
    let merges = std::fs::read_to_string(format!("{DATA}/tokenizer/custom_merges.txt")).unwrap();
    Tokenizer::from_hf_files(&vocab, &merges).unwrap()
}

/// Encodes the fixture's text and requires every id to equal the reference's.
fn assert_matches_reference(tok: &Tokenizer, ids_file: &str) {
    let (len, expected) = reference_ids(ids_file);
    let text = &corpus()[..len];
    let start = Instant::now();
    let got = tok.encode_to_vec(text);
    let secs = start.elapsed().as_secs_f64();
    println!("{ids_file}: {} bytes -> {} ids in {:.3} s ({:.2} MB/s)", len, got.len(), secs, len as f64 / secs / 1e6);
    if let Some(i) = (0..got.len().min(expected.len())).find(|&i| got[i] != expected[i]) {
        let at = tok.decode(&expected[..i]).len();
        let context = String::from_utf8_lossy(&text[at.saturating_sub(40)..(at + 40).min(len)]);
        panic!("id {i} (text byte {at}): got {} expected {}, near {context:?}", got[i], expected[i]);
    }
    assert_eq!(got.len(), expected.len(), "same prefix, different id counts");
    assert_eq!(tok.decode(&got), text);
}

#[test]
fn gpt2_vocab_matches_reference_on_whole_corpus() {
    assert!(corpus().len() >= 1_000_000);
    let tok = gpt2();
    assert_eq!((tok.vocab_size(), tok.merge_count()), (50257, 50000));
    println!("GPT-2 tokenizer heap: {} bytes", tok.heap_bytes());
    assert_matches_reference(tok, "gpt2_ids.bin.gz");
}

#[test]
fn custom_vocab_matches_reference() {
    let tok = custom();
    assert_eq!(tok.vocab_size(), 1000);
    assert_matches_reference(&tok, "custom_ids.bin.gz");
}

#[test]
fn section_round_trip_keeps_everything() {
    for tok in [gpt2(), &custom()] {
        let blob = tok.to_section_bytes();
        let back = Tokenizer::from_section_bytes(&blob).unwrap();
        assert_eq!(back.to_section_bytes(), blob);
        assert_eq!(back.merges(), tok.merges());
        assert_eq!(back.heap_bytes(), tok.heap_bytes());
        for id in 0..tok.vocab_size() as u32 {
            assert_eq!(back.decode_token(id), tok.decode_token(id));
        }
        let text = &corpus()[..64 * 1024];
        assert_eq!(back.encode_to_vec(text), tok.encode_to_vec(text));
    }
    println!("GPT-2 section: {} bytes", gpt2().to_section_bytes().len());
}

#[test]
fn section_rejects_every_truncation_and_bad_header() {
    let blob = custom().to_section_bytes();
    for cut in (0..blob.len()).step_by(97).chain([blob.len() - 1]) {
        assert!(
            matches!(Tokenizer::from_section_bytes(&blob[..cut]), Err(TokenizerError::BadSectionLength { .. })),
            "cut at {cut}"
        );
    }
    let mut longer = blob.clone();
    longer.push(0);
    assert!(Tokenizer::from_section_bytes(&longer).is_err());
    let mut bad = blob.clone();
    bad[0] = b'X';
    assert_eq!(Tokenizer::from_section_bytes(&bad).unwrap_err(), TokenizerError::BadMagic);
    let mut bad = blob.clone();
    bad[4] = 2;
    assert_eq!(Tokenizer::from_section_bytes(&bad).unwrap_err(), TokenizerError::UnsupportedVersion(2));
    // Huge counts must be refused by the length check, before any allocation.
    let mut bad = blob.clone();
    bad[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(Tokenizer::from_section_bytes(&bad), Err(TokenizerError::BadSectionLength { .. })));
}

#[test]
fn arbitrary_bytes_round_trip() {
    let tok = gpt2();
    // Invalid UTF-8 mixed with text: every byte comes back.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..200 {
        let len = 1 + round * 7;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let ascii = b"a '\n\t1xyz";
                if state.is_multiple_of(3) {
                    ascii[(state >> 8) as usize % ascii.len()]
                } else {
                    (state >> 24) as u8
                }
            })
            .collect();
        assert_eq!(tok.decode(&tok.encode_to_vec(&bytes)), bytes);
    }
    // A stray byte splits like punctuation and is its own byte token.
    let ids = tok.encode_to_vec(b"hello\xffworld");
    let hello = tok.encode_to_vec(b"hello");
    let world = tok.encode_to_vec(b"world");
    let ff = tok.find_token(b"\xff").unwrap();
    assert_eq!(ids, [hello, vec![ff], world].concat());
}

#[test]
fn hf_files_errors_are_typed() {
    let vocab = std::fs::read_to_string(format!("{DATA}/tokenizer/custom_vocab.json")).unwrap();
    assert_eq!(Tokenizer::from_hf_files("[1, 2]", "").unwrap_err(), TokenizerError::VocabJson);
    assert_eq!(Tokenizer::from_hf_files(r#"{"a": 1}"#, "").unwrap_err(), TokenizerError::VocabIds);
    assert_eq!(
        Tokenizer::from_hf_files(&vocab, "#version: 0.2\nĠ\n").unwrap_err(),
        TokenizerError::MergesSyntax { line: 2 }
    );
    assert_eq!(
        Tokenizer::from_hf_files(&vocab, "Ġ qqqq\n").unwrap_err(),
        TokenizerError::MergeTokenUnknown { line: 1 }
    );
    // Without merges every byte is its own token.
    let bytes_only = Tokenizer::from_hf_files(&vocab, "").unwrap();
    assert_eq!(bytes_only.encode_to_vec(b"abc").len(), 3);
}

#[test]
fn corrupted_sections_fail_cleanly() {
    // Random damage must give an error or a working tokenizer, never a panic.
    let blob = custom().to_section_bytes();
    let mut state = 0x0123_4567_89AB_CDEFu64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut rejected, mut accepted) = (0, 0);
    for _ in 0..300 {
        let mut bad = blob.clone();
        for _ in 0..1 + next() % 4 {
            // Mostly the header, lengths and merges, where damage matters most.
            let at = (next() % (blob.len() as u64 / 2)) as usize;
            bad[at] = next() as u8;
        }
        match Tokenizer::from_section_bytes(&bad) {
            Ok(tok) => {
                accepted += 1;
                let text = &corpus()[..4096];
                assert_eq!(tok.decode(&tok.encode_to_vec(text)), text);
            }
            Err(_) => rejected += 1,
        }
    }
    assert!(rejected > 200, "only {rejected} of {} damaged sections rejected", rejected + accepted);
}
