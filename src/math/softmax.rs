//! exp and softmax in integers: e^t = 2^(t·log2 e) = 2^-n · 2^-f, with 2^-f from a
//! 129-entry table ([`super::tables::EXP2_NEG`]) and linear interpolation.

use super::fixed::bitlen_u64;
use super::tables::{EXP2_BITS, EXP2_NEG};
use super::MathError;

/// Probabilities and exp results are Q2.30: 1.0 = 2^30.
pub const PROB_ONE: u32 = 1 << 30;

/// round(log2(e) · 2^30).
const LOG2E_Q30: u64 = 1_549_082_005;

/// Fraction bits of `|t| · log2 e` below the table index.
const FRAC_BITS: u32 = 24 - EXP2_BITS;

/// e^t for t ≤ 0 (Q16.16) in Q2.30; t > 0 counts as 0. Relative error < 4e-6
/// (interpolation), plus half an LSB of 2^-30.
///
/// `u = round(|t| · log2 e)` with 24 fraction bits is `P >> 22` for `P = |t| · LOG2E +
/// 2^21` (< 2^62), and its parts are read from P's two 32-bit words (a 64-bit shift is
/// several instructions on i386): the integer part `n` is bits 46.., the table index bits
/// 39..46, the interpolation fraction bits 22..39.
#[inline]
pub fn exp_neg_q30(t: i32) -> u32 {
    if t >= 0 {
        return PROB_ONE;
    }
    let p = t.unsigned_abs() as u64 * LOG2E_Q30 + (1 << 21);
    let (hi, lo) = ((p >> 32) as u32, p as u32);
    let n = hi >> 14;
    if n >= 31 {
        return 0;
    }
    let i = ((hi >> (FRAC_BITS - 10)) & ((1 << EXP2_BITS) - 1)) as usize;
    let frac = ((hi & ((1 << (FRAC_BITS - 10)) - 1)) << 10) | (lo >> 22);
    let (Some(&a), Some(&b)) = (EXP2_NEG.get(i), EXP2_NEG.get(i + 1)) else { return 0 };
    // a - b < 2^23, frac < 2^17: one 32×32→64 multiply.
    let v = a - (((a - b) as u64 * frac as u64 + (1 << (FRAC_BITS - 1))) >> FRAC_BITS) as u32;
    if n == 0 {
        v
    } else {
        (v + (1 << (n - 1))) >> n
    }
}

/// Softmax of Q16.16 `scores` into Q2.30 probabilities (max-subtracted; sums to
/// 2^30 within ±len/2).
pub fn softmax_q30(scores: &[i32], out: &mut [u32]) -> Result<(), MathError> {
    if out.len() != scores.len() {
        return Err(MathError::Shape("out"));
    }
    let Some(&max) = scores.iter().max() else {
        return Ok(());
    };
    let mut sum: u64 = 0;
    for (o, &s) in out.iter_mut().zip(scores) {
        *o = exp_neg_q30(s.saturating_sub(max));
        sum += *o as u64;
    }
    // sum ≥ 2^30 (the max contributes exactly that). Scale it to [2^31, 2^32) so one
    // 32-bit reciprocal serves every element: p = e · 2^30 / sum = e · r >> (33 + k).
    let k = bitlen_u64(sum) - 32;
    let scaled = if k >= 0 { sum >> k } else { sum << -k };
    let r = ((1u64 << 63) / scaled).min(u32::MAX as u64) as u32;
    // p = (e·r + 2^(sh-1)) >> sh with sh = 33 + k ≥ 32 (the sum is at least 2^30), so
    // from the high word h of e·r alone: h + (bit 31 of the low word) when sh = 32, else
    // (h + 2^(sh-33)) >> (sh - 32) (the low word cannot carry into the rounded result).
    if k < 0 {
        for o in out.iter_mut() {
            let x = *o as u64 * r as u64;
            *o = (x >> 32) as u32 + ((x as u32) >> 31);
        }
    } else {
        let s = k as u32 + 1;
        for o in out.iter_mut() {
            *o = (((*o as u64 * r as u64) >> 32) as u32 + (1 << (s - 1))) >> s;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::testutil::{from_f64, rand_q16_row, to_f64};
    use crate::sample::rng::Pcg32;
    use alloc::vec;
    use alloc::vec::Vec;

    #[test]
    fn exp_error_vs_float() {
        let mut worst_rel: f64 = 0.0;
        let mut raw: i64 = 0;
        while raw >= -30 * 65536 {
            let t = raw as i32;
            let want = libm::exp(to_f64(t)) * PROB_ONE as f64;
            let got = exp_neg_q30(t) as f64;
            assert!((got - want).abs() <= want * 4e-6 + 0.5, "t={} got {got} want {want}", to_f64(t));
            if want > 1e4 {
                worst_rel = worst_rel.max((got - want).abs() / want);
            }
            raw -= 13;
        }
        assert!(worst_rel > 1e-7, "suspiciously exact: {worst_rel}");
        assert_eq!(exp_neg_q30(0), PROB_ONE);
        assert_eq!(exp_neg_q30(5), PROB_ONE);
        assert_eq!(exp_neg_q30(i32::MIN), 0);
    }

    #[test]
    fn softmax_matches_float_and_sums_to_one() {
        let mut rng = Pcg32::new(31, 9);
        for &n in &[1usize, 2, 17, 256, 1024, 8192] {
            for trial in 0..5 {
                let s: Vec<i32> = rand_q16_row(&mut rng, n, 1 + trial * 3);
                let mut p = vec![0u32; n];
                softmax_q30(&s, &mut p).unwrap();
                let sum: i64 = p.iter().map(|&v| v as i64).sum();
                assert!((sum - PROB_ONE as i64).abs() <= n as i64 / 2 + 2, "n={n} sum={sum}");
                let max = s.iter().map(|&v| to_f64(v)).fold(f64::MIN, f64::max);
                let z: f64 = s.iter().map(|&v| libm::exp(to_f64(v) - max)).sum();
                for i in 0..n {
                    let want = libm::exp(to_f64(s[i]) - max) / z * PROB_ONE as f64;
                    // e: 4e-6 relative + 0.5 LSB each; the sum likewise (so n/2 LSB);
                    // 1/sum to 2^-31; the result rounded to 0.5 LSB.
                    let tol = want * (1e-5 + n as f64 * 0.5 / (z * PROB_ONE as f64)) + 1.0;
                    assert!((p[i] as f64 - want).abs() <= tol, "n={n} i={i} got {} want {want}", p[i]);
                }
            }
        }
    }

    /// The formulas as first written (64-bit throughout), against the 32-bit ways.
    fn exp_neg_q30_u64(t: i32) -> u32 {
        if t >= 0 {
            return PROB_ONE;
        }
        let u = (t.unsigned_abs() as u64 * LOG2E_Q30 + (1 << 21)) >> 22;
        let n = (u >> 24) as u32;
        if n >= 31 {
            return 0;
        }
        let f = (u & 0xFF_FFFF) as u32;
        let i = (f >> FRAC_BITS) as usize;
        let frac = (f & ((1 << FRAC_BITS) - 1)) as u64;
        let (a, b) = (EXP2_NEG[i], EXP2_NEG[i + 1]);
        let v = a - (((a - b) as u64 * frac + (1 << (FRAC_BITS - 1))) >> FRAC_BITS) as u32;
        if n == 0 {
            v
        } else {
            (v + (1 << (n - 1))) >> n
        }
    }

    #[test]
    fn the_32_bit_ways_equal_the_64_bit_formulas() {
        let mut t: i64 = 0;
        while t >= i32::MIN as i64 {
            for d in 0..3 {
                let v = (t - d).max(i32::MIN as i64) as i32;
                assert_eq!(exp_neg_q30(v), exp_neg_q30_u64(v), "t={v}");
            }
            t -= 1 + (-t) / 5000;
        }
        let mut rng = Pcg32::new(8, 8);
        for n in [1usize, 2, 3, 100, 5000] {
            for spread in [0u32, 4, 16, 24, 31] {
                let s: Vec<i32> = (0..n).map(|_| -((rng.next_u32() >> (31 - spread.min(30))) as i32)).collect();
                let mut p = vec![0u32; n];
                softmax_q30(&s, &mut p).unwrap();
                let max = *s.iter().max().unwrap();
                let e: Vec<u32> = s.iter().map(|&v| exp_neg_q30_u64(v.saturating_sub(max))).collect();
                let sum: u64 = e.iter().map(|&v| v as u64).sum();
                let k = bitlen_u64(sum) - 32;
                let scaled = if k >= 0 { sum >> k } else { sum << -k };
                let r = ((1u64 << 63) / scaled).min(u32::MAX as u64);
                let sh = (33 + k) as u32;
                let want: Vec<u32> = e.iter().map(|&v| ((v as u64 * r + (1 << (sh - 1))) >> sh) as u32).collect();
                assert_eq!(p, want, "n={n} spread={spread}");
            }
        }
    }

    #[test]
    fn softmax_of_extreme_scores() {
        let mut p = [0u32; 3];
        softmax_q30(&[i32::MIN, i32::MAX, from_f64(-3.0)], &mut p).unwrap();
        assert_eq!(p, [0, PROB_ONE, 0]);
        softmax_q30(&[7, 7, 7], &mut p).unwrap();
        assert!(p.iter().all(|&v| (v as i64 - PROB_ONE as i64 / 3).abs() <= 1));
        assert_eq!(softmax_q30(&[1, 2], &mut p), Err(MathError::Shape("out")));
    }
}
