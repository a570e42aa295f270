//! Attention kernels against exact integer formulas and against f64 attention.
#![allow(clippy::needless_range_loop)]

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::math::fixed::bitlen_u32;
use crate::math::quantize_row;
use crate::math::softmax::{softmax_q30, PROB_ONE};
use crate::math::testutil::{from_f64, to_f64, unit};
use crate::sample::rng::Pcg32;

/// A cache of `rows` tokens quantized per head, kept with its float source.
struct Cache {
    f: Vec<f64>,
    q: Vec<i8>,
    mant: Vec<u16>,
    exp: Vec<i8>,
    dim: usize,
    hd: usize,
}

impl Cache {
    fn random(rng: &mut Pcg32, rows: usize, dim: usize, hd: usize, scale: f64) -> Cache {
        let heads = dim / hd;
        let mut c =
            Cache { f: vec![], q: vec![0; rows * dim], mant: vec![0; rows * heads], exp: vec![0; rows], dim, hd };
        for j in 0..rows {
            let raw: Vec<i32> = (0..dim).map(|d| from_f64(unit(rng) * scale * (1.0 + (d % 7) as f64))).collect();
            c.f.extend(raw.iter().map(|&v| to_f64(v)));
            c.exp[j] =
                quantize_row(&raw, hd, &mut c.q[j * dim..(j + 1) * dim], &mut c.mant[j * heads..(j + 1) * heads])
                    .unwrap();
        }
        c
    }
    fn rows(&self) -> KvRows<'_> {
        KvRows { q: &self.q, mant: &self.mant, exp: &self.exp, dim: self.dim, head_dim: self.hd }
    }
    /// Dequantized value and its quantization step.
    fn deq(&self, j: usize, d: usize) -> (f64, f64) {
        let step = self.mant[j * self.dim / self.hd + d / self.hd] as f64 * libm::exp2(self.exp[j] as f64) / 65536.0;
        (self.q[j * self.dim + d] as f64 * step, step)
    }
}

fn query(rng: &mut Pcg32, dim: usize, hd: usize) -> (Vec<i32>, ActQ) {
    let mut x: Vec<i32> = (0..dim).map(|_| from_f64(unit(rng) * 2.0)).collect();
    mul_q30_in_place(&mut x, inv_sqrt_q30(hd as u32));
    let mut a = ActQ::new(dim, hd).unwrap();
    a.quantize(&x).unwrap();
    (x, a)
}

#[test]
fn inv_sqrt_is_accurate() {
    for n in 1..=1024u32 {
        let want = (1u64 << 30) as f64 / libm::sqrt(n as f64);
        let got = inv_sqrt_q30(n) as f64;
        assert!(got <= want + 1e-6 && got > want - 1.0 - 1e-6, "n={n}");
    }
    assert_eq!(inv_sqrt_q30(64), 1 << 27);
    let mut x = [from_f64(3.0), -5, i32::MIN];
    mul_q30_in_place(&mut x, 1 << 29);
    assert_eq!(x, [from_f64(1.5), -2, i32::MIN / 2]);
}

#[test]
fn scores_equal_exact_formula_and_float_within_bound() {
    let mut rng = Pcg32::new(41, 2);
    // Every kernel: heads of 8, 16, 32, 64 written out, 96 by the generic loop.
    for &(dim, hd, rows) in &[(128usize, 32usize, 50usize), (768, 64, 40), (96, 96, 10), (64, 8, 37), (64, 16, 21)] {
        let k = Cache::random(&mut rng, rows, dim, hd, 0.7);
        let (xs, q) = query(&mut rng, dim, hd);
        for head in 0..dim / hd {
            let mut s = vec![0; rows];
            attn_scores(&q, head, k.rows(), &mut s).unwrap();
            for j in 0..rows {
                // Exact: the documented formula in i128.
                let mut t: i128 = 0;
                for d in head * hd..(head + 1) * hd {
                    t += q.q[d] as i128 * k.q[j * dim + d] as i128;
                }
                t *= q.mant[head] as i128 * k.mant[j * dim / hd + head] as i128;
                let sh = 16 - q.exp as i32 - k.exp[j] as i32;
                let want = if sh > 0 { (t + (1i128 << (sh - 1))) >> sh } else { t << -sh };
                assert_eq!(s[j] as i128, want);
                // Against float q·k (q already scaled): half a step on each side per term.
                let qstep = q.mant[head] as f64 * libm::exp2(q.exp as f64) / 65536.0;
                let (mut f, mut bound) = (0.0, 0.5 / 65536.0);
                for d in head * hd..(head + 1) * hd {
                    let (_, kstep) = k.deq(j, d);
                    let (qf, kf) = (to_f64(xs[d]), k.f[j * dim + d]);
                    f += qf * kf;
                    bound += qf.abs() * kstep / 2.0 + kf.abs() * qstep / 2.0 + qstep * kstep / 4.0;
                }
                assert!((to_f64(s[j]) - f).abs() <= bound, "score {} vs {f} bound {bound}", to_f64(s[j]));
            }
        }
    }
}

#[test]
fn mix_matches_float_within_bound() {
    let mut rng = Pcg32::new(42, 2);
    for &(dim, hd, rows, vscale) in &[(128usize, 32usize, 64usize, 0.5), (768, 64, 300, 3.0), (64, 64, 5, 200.0)] {
        let v = Cache::random(&mut rng, rows, dim, hd, vscale);
        // A peaked distribution with many tiny (and some zero) probabilities.
        let scores: Vec<i32> =
            (0..rows).map(|j| from_f64(unit(&mut rng) * 6.0 - if j % 9 == 0 { 40.0 } else { 0.0 })).collect();
        let mut p = vec![0u32; rows];
        softmax_q30(&scores, &mut p).unwrap();
        for head in 0..dim / hd {
            let mut out = vec![0; hd];
            attn_mix(&p, v.rows(), head, &mut out).unwrap();
            for d in 0..hd {
                let col = head * hd + d;
                // Against the dequantized values only the multipliers' rounding remains:
                // half a unit of 2^-g per nonzero row, times |v| ≤ 127, plus the output's
                // half LSB. Against the float values, add half a V step per row.
                let (mut fq, mut f, mut vbound) = (0.0, 0.0, 0.0);
                for j in 0..rows {
                    let (vq, step) = v.deq(j, col);
                    let pj = p[j] as f64 / PROB_ONE as f64;
                    fq += pj * vq;
                    f += pj * v.f[j * dim + col];
                    vbound += pj * step / 2.0;
                }
                let nonzero = p.iter().filter(|&&x| x != 0).count() as f64;
                let top = (0..rows)
                    .filter(|&j| p[j] != 0)
                    .map(|j| bitlen_u32(v.mant[j * dim / hd + head] as u32) + v.exp[j] as i32)
                    .max()
                    .unwrap();
                let bound = 0.5 / 65536.0 + nonzero * 63.5 * libm::exp2(-(22 - top) as f64) / 65536.0;
                let got = to_f64(out[d]);
                assert!((got - fq).abs() <= bound, "mix {got} vs {fq} (dequantized), bound {bound}");
                assert!((got - f).abs() <= bound + vbound, "mix {got} vs {f}, bound {}", bound + vbound);
            }
        }
    }
}

#[test]
fn mix_equals_exact_formula() {
    // The documented integer formula, written plainly: g = 22 - top, one rounded
    // multiplier per row, i64 sums, one rounding shift per output.
    let mut rng = Pcg32::new(43, 2);
    for &(dim, hd, rows) in &[(128usize, 32usize, 40usize), (768, 64, 30), (96, 48, 12), (64, 8, 35), (64, 16, 19)] {
        let v = Cache::random(&mut rng, rows, dim, hd, 1.5);
        let scores: Vec<i32> = (0..rows).map(|_| from_f64(unit(&mut rng) * 8.0)).collect();
        let mut p = vec![0u32; rows];
        softmax_q30(&scores, &mut p).unwrap();
        let heads = dim / hd;
        for head in 0..heads {
            let mut out = vec![0; hd];
            attn_mix(&p, v.rows(), head, &mut out).unwrap();
            let m = |j: usize| v.mant[j * heads + head] as u32;
            let top = (0..rows)
                .filter(|&j| p[j] != 0 && m(j) != 0)
                .map(|j| bitlen_u32(m(j)) + v.exp[j] as i32)
                .max()
                .unwrap();
            let g = 22 - top;
            let mut want = vec![0i64; hd];
            for j in 0..rows {
                let w = shift_round(p[j] as i64 * m(j) as i64, 30 - v.exp[j] as i32 - g);
                for d in 0..hd {
                    want[d] += w * v.q[j * dim + head * hd + d] as i64;
                }
            }
            let want: Vec<i32> = want.iter().map(|&t| sat_i32(shift_round(t, g))).collect();
            assert_eq!(out, want, "dim {dim} hd {hd} head {head}");
        }
    }
}

#[test]
fn whole_head_matches_float_attention() {
    let mut rng = Pcg32::new(43, 2);
    let (dim, hd, rows) = (768, 64, 200);
    let k = Cache::random(&mut rng, rows, dim, hd, 0.6);
    let v = Cache::random(&mut rng, rows, dim, hd, 1.0);
    let raw_q: Vec<i32> = (0..dim).map(|_| from_f64(unit(&mut rng) * 2.0)).collect();
    let mut qs = raw_q.clone();
    mul_q30_in_place(&mut qs, inv_sqrt_q30(hd as u32));
    let mut q = ActQ::new(dim, hd).unwrap();
    q.quantize(&qs).unwrap();
    let mut worst: f64 = 0.0;
    let mut vmax: f64 = 0.0;
    for head in 0..dim / hd {
        let mut s = vec![0; rows];
        let mut p = vec![0u32; rows];
        let mut out = vec![0; hd];
        attn_scores(&q, head, k.rows(), &mut s).unwrap();
        softmax_q30(&s, &mut p).unwrap();
        attn_mix(&p, v.rows(), head, &mut out).unwrap();
        // f64 attention on the unquantized values.
        let sf: Vec<f64> = (0..rows)
            .map(|j| (0..hd).map(|d| to_f64(raw_q[head * hd + d]) * k.f[j * dim + head * hd + d]).sum::<f64>() / 8.0)
            .collect();
        let m = sf.iter().cloned().fold(f64::MIN, f64::max);
        let z: f64 = sf.iter().map(|s| libm::exp(s - m)).sum();
        for d in 0..hd {
            let f: f64 = (0..rows).map(|j| libm::exp(sf[j] - m) / z * v.f[j * dim + head * hd + d]).sum();
            worst = worst.max((to_f64(out[d]) - f).abs());
            vmax = vmax.max(f.abs());
        }
    }
    // Measured: 1.2 % of the output range (int8 q, k and v; peaked softmax amplifies the
    // score error). The bound leaves 1.7x margin on this fixed seed.
    assert!(worst < 0.02 * vmax, "worst {worst} vs output range {vmax}");
}

#[test]
fn bad_shapes_are_errors() {
    let mut rng = Pcg32::new(44, 2);
    let k = Cache::random(&mut rng, 3, 64, 32, 1.0);
    let (_, q) = query(&mut rng, 64, 32);
    let mut s = vec![0; 3];
    assert_eq!(attn_scores(&q, 2, k.rows(), &mut s), Err(MathError::Shape("head")));
    assert_eq!(attn_scores(&q, 0, k.rows(), &mut s[..2]), Err(MathError::Shape("out")));
    let q16 = ActQ::new(64, 16).unwrap();
    assert_eq!(attn_scores(&q16, 0, k.rows(), &mut s), Err(MathError::Shape("q")));
    let mut out = vec![0; 32];
    assert_eq!(attn_mix(&[0; 2], k.rows(), 0, &mut out), Err(MathError::Shape("probs")));
    // All-zero probabilities give zeros.
    out[0] = 9;
    attn_mix(&[0; 3], k.rows(), 1, &mut out).unwrap();
    assert!(out.iter().all(|&v| v == 0));
}
