//! The parts against the whole kernels: the same bits for every chunking.

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::math::testutil::{from_f64, rand_q16_row, unit};
use crate::math::{attn_mix, attn_scores, inv_sqrt_q30, mul_q30_in_place, quantize_row, softmax_q30, ActQ};
use crate::sample::rng::Pcg32;

struct Cache {
    q: Vec<i8>,
    mant: Vec<u16>,
    exp: Vec<i8>,
    dim: usize,
    hd: usize,
}

impl Cache {
    /// Rows with GPT-2-like outliers; every 5th row is all zeros (mantissas 0).
    fn random(rng: &mut Pcg32, rows: usize, dim: usize, hd: usize) -> Cache {
        let heads = dim / hd;
        let mut c = Cache { q: vec![0; rows * dim], mant: vec![0; rows * heads], exp: vec![0; rows], dim, hd };
        for j in 0..rows {
            let raw = if j % 5 == 4 { vec![0; dim] } else { rand_q16_row(rng, dim, 1 + j as u32 % 4) };
            let (q, m) = (&mut c.q[j * dim..(j + 1) * dim], &mut c.mant[j * heads..(j + 1) * heads]);
            c.exp[j] = quantize_row(&raw, hd, q, m).unwrap();
        }
        c
    }
    fn rows(&self, start: usize, n: usize) -> KvRows<'_> {
        let heads = self.dim / self.hd;
        KvRows {
            q: &self.q[start * self.dim..(start + n) * self.dim],
            mant: &self.mant[start * heads..(start + n) * heads],
            exp: &self.exp[start..start + n],
            dim: self.dim,
            head_dim: self.hd,
        }
    }
    fn scales(&self) -> RowScales<'_> {
        RowScales { mant: &self.mant, exp: &self.exp, heads: self.dim / self.hd }
    }
    fn len(&self) -> usize {
        self.exp.len()
    }
}

fn query(rng: &mut Pcg32, dim: usize, hd: usize, spread: f64) -> ActQ {
    let mut x: Vec<i32> = (0..dim).map(|_| from_f64(unit(rng) * spread)).collect();
    mul_q30_in_place(&mut x, inv_sqrt_q30(hd as u32));
    let mut a = ActQ::new(dim, hd).unwrap();
    a.quantize(&x).unwrap();
    a
}

/// `attn_mix` through the parts, reading `chunk` rows at a time.
fn chunked_mix(probs: &[u32], c: &Cache, head: usize, chunk: usize, out: &mut [i32]) {
    out.fill(0);
    let Some(g) = mix_shift(probs, c.scales(), head).unwrap() else { return };
    let mut start = 0;
    while start < c.len() {
        let n = chunk.min(c.len() - start);
        mix_add(&probs[start..start + n], c.rows(start, n), head, g, out).unwrap();
        start += n;
    }
    mix_finish(out, g);
}

const SHAPES: [(usize, usize, usize); 4] = [(128, 32, 70), (768, 64, 33), (60, 20, 17), (64, 32, 1)];

#[test]
fn scores_by_chunks_equal_attn_scores() {
    let mut rng = Pcg32::new(7, 3);
    for (dim, hd, rows) in SHAPES {
        let k = Cache::random(&mut rng, rows, dim, hd);
        let q = query(&mut rng, dim, hd, 3.0);
        for head in 0..dim / hd {
            let mut whole = vec![0; rows];
            attn_scores(&q, head, k.rows(0, rows), &mut whole).unwrap();
            assert!(whole.iter().any(|&s| s != 0));
            for chunk in [1, 3, 16, rows] {
                let mut parts = vec![i32::MIN; rows];
                for start in (0..rows).step_by(chunk) {
                    let n = chunk.min(rows - start);
                    attn_scores(&q, head, k.rows(start, n), &mut parts[start..start + n]).unwrap();
                }
                assert_eq!(parts, whole, "dim {dim} head {head} chunk {chunk}");
            }
        }
    }
}

#[test]
fn mix_by_parts_equals_attn_mix() {
    let mut rng = Pcg32::new(19, 5);
    for (dim, hd, rows) in SHAPES {
        for spread in [0.5, 4.0, 40.0] {
            let (k, v) = (Cache::random(&mut rng, rows, dim, hd), Cache::random(&mut rng, rows, dim, hd));
            let q = query(&mut rng, dim, hd, spread);
            for head in 0..dim / hd {
                let mut s = vec![0; rows];
                attn_scores(&q, head, k.rows(0, rows), &mut s).unwrap();
                let mut p = vec![0; rows];
                softmax_q30(&s, &mut p).unwrap();
                let mut whole = vec![0; hd];
                attn_mix(&p, v.rows(0, rows), head, &mut whole).unwrap();
                for chunk in [1, 3, 16, rows] {
                    let mut parts = vec![7; hd];
                    chunked_mix(&p, &v, head, chunk, &mut parts);
                    assert_eq!(parts, whole, "dim {dim} head {head} spread {spread} chunk {chunk}");
                }
            }
        }
    }
}

#[test]
fn mix_by_parts_when_nothing_counts() {
    let mut rng = Pcg32::new(3, 1);
    let v = Cache::random(&mut rng, 12, 64, 32);
    // Probabilities only on the all-zero rows (4 and 9): attn_mix gives zeros.
    let p: Vec<u32> = (0..12).map(|j| if j % 5 == 4 { 1 << 29 } else { 0 }).collect();
    assert_eq!(mix_shift(&p, v.scales(), 1).unwrap(), None);
    let mut whole = vec![1; 32];
    attn_mix(&p, v.rows(0, 12), 1, &mut whole).unwrap();
    let mut parts = vec![1; 32];
    chunked_mix(&p, &v, 1, 5, &mut parts);
    assert_eq!(parts, whole);
    assert!(whole.iter().all(|&o| o == 0));
}

#[test]
fn parts_check_shapes() {
    let mut rng = Pcg32::new(1, 1);
    let v = Cache::random(&mut rng, 4, 64, 32);
    let p = [1u32 << 30, 0, 0, 0];
    assert_eq!(mix_shift(&p[..3], v.scales(), 0), Err(MathError::Shape("probs")));
    assert_eq!(mix_shift(&p, v.scales(), 2), Err(MathError::Shape("scales")));
    let mut acc = [0; 32];
    assert_eq!(mix_add(&p[..2], v.rows(0, 3), 0, 0, &mut acc), Err(MathError::Shape("probs")));
    assert_eq!(mix_add(&p, v.rows(0, 4), 0, 0, &mut acc[..31]), Err(MathError::Shape("acc")));
    assert_eq!(mix_add(&p, v.rows(0, 4), 2, 0, &mut acc), Err(MathError::Shape("values")));
}
