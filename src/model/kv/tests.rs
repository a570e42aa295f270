//! Every mode against the reference: Memory's whole-cache kernels over exactly the
//! positions a token sees (all of them, or the sink and window of block-sparse).
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

use super::rows::Rows;
use super::*;
use crate::math::testutil::{from_f64, rand_q16_row, unit};
use crate::math::{attn_mix, attn_scores, inv_sqrt_q30, mul_q30_in_place, softmax_q30};
use crate::sample::rng::Pcg32;

const SHAPE: KvShape = KvShape { layers: 2, dim: 64, heads: 2 };

struct Token {
    k: Vec<Vec<i32>>,
    v: Vec<Vec<i32>>,
    q: Vec<ActQ>,
}

fn tokens(rng: &mut Pcg32, n: usize) -> Vec<Token> {
    let hd = SHAPE.dim / SHAPE.heads;
    let layer = |rng: &mut Pcg32| -> Vec<Vec<i32>> {
        (0..SHAPE.layers).map(|l| rand_q16_row(rng, SHAPE.dim, 1 + l as u32)).collect()
    };
    (0..n)
        .map(|_| Token {
            k: layer(rng),
            v: layer(rng),
            q: (0..SHAPE.layers)
                .map(|_| {
                    let mut x: Vec<i32> = (0..SHAPE.dim).map(|_| from_f64(unit(rng) * 6.0)).collect();
                    mul_q30_in_place(&mut x, inv_sqrt_q30(hd as u32));
                    let mut a = ActQ::new(SHAPE.dim, hd).unwrap();
                    a.quantize(&x).unwrap();
                    a
                })
                .collect(),
        })
        .collect()
}

/// Attention of token `p`'s query over `seen` positions (any order) with the
/// whole-cache kernels.
fn reference(toks: &[Token], layer: usize, p: usize, seen: &[usize]) -> Vec<i32> {
    let (mut k, mut v) = (Rows::new(seen.len(), SHAPE.dim, SHAPE.heads), Rows::new(seen.len(), SHAPE.dim, SHAPE.heads));
    for (i, &j) in seen.iter().enumerate() {
        k.put(i, &toks[j].k[layer]).unwrap();
        v.put(i, &toks[j].v[layer]).unwrap();
    }
    let (keys, values, n) = (k.view(0, seen.len()), v.view(0, seen.len()), seen.len());
    let hd = SHAPE.dim / SHAPE.heads;
    let (mut s, mut pr, mut out) = (vec![0; n], vec![0; n], vec![0; SHAPE.dim]);
    for h in 0..SHAPE.heads {
        attn_scores(&toks[p].q[layer], h, keys, &mut s).unwrap();
        softmax_q30(&s, &mut pr).unwrap();
        attn_mix(&pr, values, h, &mut out[h * hd..(h + 1) * hd]).unwrap();
    }
    out
}

/// Feeds `toks` (twice, with a clear between: rows are overwritten) and checks every
/// attention output against `reference` over `seen(p)`.
fn check(mut cache: KvCache, toks: &[Token], seen: impl Fn(usize) -> Vec<usize>) {
    let cap = cache.capacity();
    let (mut scores, mut probs, mut out) = (vec![0; cap], vec![0; cap], vec![0; SHAPE.dim]);
    for round in 0..2 {
        cache.clear();
        let toks = if round == 0 { toks } else { &toks[3..] };
        for (p, t) in toks.iter().enumerate() {
            for l in 0..SHAPE.layers {
                cache.store(l, &t.k[l], &t.v[l]).unwrap();
                cache.attend(l, &t.q[l], &mut scores, &mut probs, &mut out).unwrap();
                assert_eq!(out, reference(toks, l, p, &seen(p)), "{:?} round {round} p {p} layer {l}", cache.mode());
                assert!(out.iter().any(|&o| o != 0));
            }
            cache.advance();
        }
    }
}

#[test]
fn memory_and_spill_and_chunked_attend_to_everything() {
    let cap = 37;
    let toks = tokens(&mut Pcg32::new(5, 5), cap);
    let all = |p: usize| (0..=p).collect::<Vec<_>>();
    check(KvCache::new(SHAPE, cap, KvMode::Memory, None).unwrap(), &toks, all);
    for mode in [KvMode::Spill, KvMode::Chunked { rows: 1 }, KvMode::Chunked { rows: 3 }, KvMode::Chunked { rows: 16 }]
    {
        let file: Box<dyn KvFile> = Box::new(VecFile::new());
        let cache = KvCache::new(SHAPE, cap, mode, Some(file)).unwrap();
        check(cache, &toks, all);
    }
}

/// Positions block-sparse keeps for a token at `p`, by its definition.
fn sparse_seen(p: usize, block: usize, sink: usize, window: usize) -> Vec<usize> {
    let newest = (p / block + 1).saturating_sub(window) * block;
    (0..=p).filter(|&j| j < sink * block || j >= newest).collect()
}

#[test]
fn block_sparse_attends_to_sink_and_window() {
    let cap = 61;
    let toks = tokens(&mut Pcg32::new(9, 2), cap);
    for (block, sink, window) in [(4, 1, 3), (4, 0, 2), (1, 2, 5), (8, 2, 1), (5, 1, 4)] {
        let mode = KvMode::BlockSparse { block, sink_blocks: sink, window_blocks: window };
        let cache = KvCache::new(SHAPE, cap, mode, None).unwrap();
        check(cache, &toks, |p| sparse_seen(p, block, sink, window));
    }
}

#[test]
fn block_sparse_wider_than_the_context_is_full_attention() {
    let cap = 24;
    let toks = tokens(&mut Pcg32::new(2, 8), cap);
    let mode = KvMode::BlockSparse { block: 8, sink_blocks: 1, window_blocks: 2 };
    assert_eq!(mode.ram_bytes(SHAPE, cap), KvMode::Memory.ram_bytes(SHAPE, cap));
    check(KvCache::new(SHAPE, cap, mode, None).unwrap(), &toks, |p| (0..=p).collect());
}

#[test]
fn spill_writes_the_int8_rows_to_the_file_and_reads_them_back() {
    let cap = 20;
    let toks = tokens(&mut Pcg32::new(4, 4), 10);
    let mut cache = KvCache::new(SHAPE, cap, KvMode::Chunked { rows: 4 }, Some(Box::new(VecFile::new()))).unwrap();
    let (mut s, mut p, mut out) = (vec![0; cap], vec![0; cap], vec![0; SHAPE.dim]);
    for t in &toks {
        for l in 0..SHAPE.layers {
            cache.store(l, &t.k[l], &t.v[l]).unwrap();
            cache.attend(l, &t.q[l], &mut s, &mut p, &mut out).unwrap();
        }
        cache.advance();
    }
    let io = cache.file_io();
    let row = SHAPE.dim as u64;
    assert_eq!(io.written, 10 * 2 * 2 * row);
    // Token p reads p + 1 rows of K and of V in each layer.
    assert_eq!(io.read, (1..=10).sum::<u64>() * 2 * 2 * row);
    assert!(KvMode::Spill.ram_bytes(SHAPE, 1024) < KvMode::Memory.ram_bytes(SHAPE, 1024) / 2);
    assert_eq!(KvMode::Spill.file_bytes(SHAPE, cap), 2 * 2 * cap as u64 * row);
}

#[test]
fn a_file_mode_without_a_file_is_an_error() {
    let e = KvCache::new(SHAPE, 8, KvMode::Spill, None).err();
    assert_eq!(e, Some(ModelError::KvFile(ErrorKind::NotFound)));
}
