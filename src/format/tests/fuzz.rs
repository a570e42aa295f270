//! Seeded mutation fuzzing of a valid model file.
//!
//! Each case mutates a valid file (header fields, offsets, sizes, tokenizer bytes,
//! checksums, record bytes, truncation, appended bytes) and runs every read path. Half
//! the cases then recompute all checksums, so structural validation is exercised, not
//! only the CRCs. Every case must end in a typed error or an `Ok`; panics fail the test.
//! Invariants checked on every case:
//! - bytes the reader reserved never exceed the (mutated) file length;
//! - with checksums left alone, an accepted model equals the original (only bytes no
//!   section covers, such as alignment gaps, may change without an error).

use alloc::vec::Vec;
use std::collections::BTreeMap;

use super::{small_config, small_model, Rng};
use crate::format::header::{HEADER_CRC_OFFSET, HEADER_SIZE};
use crate::format::layout::Matrix;
use crate::format::weights::{empty_matrix, LayerWeights};
use crate::format::{write_model, FormatError, Header, MatrixId, MemFile, ModelReader, ModelWeights};

const CASES: u64 = 1500;

/// Values that tend to break offset and size arithmetic.
fn interesting(rng: &mut Rng, old: u32, file_len: u32) -> u32 {
    match rng.below(12) {
        0 => 0,
        1 => 1,
        2 => u32::MAX,
        3 => 0x8000_0000,
        4 => file_len,
        5 => file_len.wrapping_add(4),
        6 => old.wrapping_add(1),
        7 => old.wrapping_sub(4),
        8 => old.wrapping_mul(2),
        9 => old ^ (1 << rng.below(32)),
        10 => rng.below(file_len as u64 + 1) as u32,
        _ => rng.next_u64() as u32,
    }
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    if at + 4 <= b.len() {
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
}

fn get_u32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>, header: &Header) {
    let len = bytes.len() as u32;
    match rng.below(9) {
        // A header field (the 415 u32 words before the CRC, all of them).
        0 | 1 => {
            let at = 8 + 4 * rng.below((HEADER_CRC_OFFSET as u64 - 8) / 4) as usize;
            let v = interesting(rng, get_u32(bytes, at), len);
            put_u32(bytes, at, v);
        }
        // One of the section offset/length/CRC words specifically.
        2 => {
            let at =
                *[28, 540, 544, 580, 584, 588, 592, 596, 600, 604, 608, 612, 616, 620, 624, 628, 632, 1144, 552, 1656]
                    .get(rng.below(20) as usize)
                    .unwrap_or(&28);
            let v = interesting(rng, get_u32(bytes, at), len);
            put_u32(bytes, at, v);
        }
        // Random bit flips anywhere.
        3 => {
            for _ in 0..=rng.below(3) {
                let i = rng.below(bytes.len() as u64) as usize;
                bytes[i] ^= 1 << rng.below(8);
            }
        }
        // Tokenizer bytes.
        4 => {
            let t = header.tokenizer;
            let i = t.offset as u64 + rng.below(t.length as u64);
            bytes[i as usize] = rng.next_u64() as u8;
        }
        // A record header inside a layer (rows, cols, group, shift, vector length).
        5 => {
            let l = header.layers[rng.below(header.config.num_layers as u64) as usize];
            let at = l.offset as usize + 4 * rng.below(l.length as u64 / 4) as usize;
            let v = interesting(rng, get_u32(bytes, at), len);
            put_u32(bytes, at, v);
        }
        // Truncation.
        6 => bytes.truncate(rng.below(bytes.len() as u64) as usize),
        // Appended bytes.
        7 => bytes.extend((0..1 + rng.below(64)).map(|i| i as u8)),
        // A layer table entry.
        _ => {
            let l = header.layers[rng.below(header.config.num_layers as u64) as usize];
            let at = l.offset as usize + 4 * rng.below(10) as usize;
            let v = interesting(rng, get_u32(bytes, at), len);
            put_u32(bytes, at, v);
        }
    }
}

/// Recomputes section CRCs (where the header still parses) and the header CRC, so the
/// mutation must be caught by structural checks.
fn fix_checksums(bytes: &mut [u8]) {
    if bytes.len() < HEADER_SIZE {
        return;
    }
    let crc = crate::format::crc::hash(&bytes[..HEADER_CRC_OFFSET]);
    put_u32(bytes, HEADER_CRC_OFFSET, crc);
    let Ok(mut h) = Header::decode(bytes[..HEADER_SIZE].try_into().unwrap()) else {
        return;
    };
    let fix = |s: &mut crate::format::Section| {
        if s.length > 0 && s.end() <= bytes.len() as u64 {
            s.crc = crate::format::crc::hash(&bytes[s.offset as usize..s.end() as usize]);
        }
    };
    for s in [&mut h.tokenizer, &mut h.embed, &mut h.pos_embed, &mut h.final_norm, &mut h.output] {
        fix(s);
    }
    for s in h.layers.iter_mut() {
        fix(s);
    }
    bytes[..HEADER_SIZE].copy_from_slice(&h.encode());
}

fn kind(e: &FormatError) -> &'static str {
    e.message()
}

/// Runs every read path; returns the whole model if `read_weights` accepted it.
fn exercise(bytes: &[u8], outcomes: &mut BTreeMap<&'static str, u32>) -> Option<ModelWeights> {
    let limit = bytes.len() as u64;
    let mut r = match ModelReader::open(MemFile::new(bytes)) {
        Ok(r) => r,
        Err(e) => {
            *outcomes.entry(kind(&e)).or_default() += 1;
            return None;
        }
    };
    let whole = r.read_weights();
    assert!(r.bytes_allocated() <= limit, "read_weights reserved {} > {limit}", r.bytes_allocated());
    let sections: Vec<_> = r.header().sections().collect();
    for (id, s) in sections {
        let _ = r.verify_section(id, s);
    }
    let mut r = ModelReader::open(MemFile::new(bytes)).unwrap();
    let mut layer = LayerWeights::empty();
    for i in 0..r.config().num_layers as usize {
        let _ = r.read_layer_into(i, &mut layer);
        assert!(layer.heap_bytes() as u64 <= limit);
    }
    let mut chunk = empty_matrix();
    for id in [MatrixId::Embed, MatrixId::Output, MatrixId::Layer(1, Matrix::FfnIn)] {
        if let Ok(info) = r.matrix_info(id) {
            let _ = r.read_matrix_rows(&info, 1..info.rows() as usize, &mut chunk);
        }
    }
    assert!(r.bytes_allocated() <= 2 * limit, "layers + chunks reserved {}", r.bytes_allocated());
    match whole {
        Ok(w) => {
            assert!(w.heap_bytes() as u64 <= limit);
            *outcomes.entry("ok").or_default() += 1;
            Some(w)
        }
        Err(e) => {
            *outcomes.entry(kind(&e)).or_default() += 1;
            None
        }
    }
}

#[test]
fn mutated_files_give_typed_errors_never_panics() {
    let models = [small_model(small_config(true), 11), small_model(small_config(false), 12)];
    let files: Vec<Vec<u8>> = models.iter().map(|m| write_model(m).unwrap()).collect();
    let headers: Vec<Header> =
        files.iter().map(|f| ModelReader::open(MemFile::new(f)).unwrap().header().clone()).collect();
    let mut outcomes = BTreeMap::new();
    let mut accepted_unfixed = 0;
    let mut rejected_unfixed = 0;
    for case in 0..CASES {
        let mut rng = Rng::new(0xF0F0 + case);
        let which = (case % 2) as usize;
        let mut bytes = files[which].clone();
        mutate(&mut rng, &mut bytes, &headers[which]);
        let fixed = case % 4 >= 2;
        if fixed {
            fix_checksums(&mut bytes);
        }
        let accepted = exercise(&bytes, &mut outcomes);
        if !fixed {
            match accepted {
                Some(w) => {
                    accepted_unfixed += 1;
                    assert_eq!(w, models[which], "case {case}: corrupt file accepted with changed weights");
                }
                None => rejected_unfixed += 1,
            }
        }
    }
    std::println!("fuzz outcomes over {CASES} cases: {outcomes:#?}");
    std::println!("checksums untouched: {rejected_unfixed} rejected, {accepted_unfixed} accepted unchanged");
    // The mutations must really bite: nearly all unfixed cases are refused.
    assert!(rejected_unfixed * 100 >= (rejected_unfixed + accepted_unfixed) * 95);
    // And structural checks, not only checksums, do the refusing in fixed cases.
    for expected in ["invalid header field", "section length does not match model size", "sections overlap"] {
        assert!(outcomes.contains_key(expected), "no case hit {expected:?}");
    }
}
