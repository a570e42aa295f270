//! LayerNorm on Q16.16: integer mean and variance, integer square root.
//!
//! `y = (x - mean) / sqrt(var + eps) * gain + bias`. Per row: one i64 sum, one i64
//! division for the mean (rounded to nearest), squares of deviations shifted to ≤ 24
//! bits (so n ≤ 2^15 squares fit u64), the variance scaled to [2^60, 2^62) before
//! [`isqrt_u64`], so 1/std keeps 30 bits whatever the row's magnitude. Per value: two
//! 64-bit multiplies and two rounding shifts (LayerNorm is O(dim), not a hot loop).

use super::fixed::{bitlen_u64, sat_i32, shift_round};
use super::isqrt::isqrt_u64;
use super::MathError;

/// GPT-2's epsilon 1e-5 in variance units of Q16.16 (eps × 2^32, rounded).
pub const GPT2_LN_EPS_Q32: u32 = 42950;

/// Longest row: keeps the sum of 24-bit squares within u64.
pub const MAX_LN_LEN: usize = 1 << 15;

/// LayerNorm of `x` into `out` (Q16.16); `eps_q32` = eps × 2^32.
pub fn layer_norm(x: &[i32], gain: &[i32], bias: &[i32], eps_q32: u32, out: &mut [i32]) -> Result<(), MathError> {
    let n = x.len();
    if n == 0 || n > MAX_LN_LEN {
        return Err(MathError::Shape("x"));
    }
    if gain.len() != n {
        return Err(MathError::Shape("gain"));
    }
    if bias.len() != n {
        return Err(MathError::Shape("bias"));
    }
    if out.len() != n {
        return Err(MathError::Shape("out"));
    }
    // One pass: the sum and the extremes (the largest deviation from the mean is at
    // one of them, so no second pass is needed for it).
    let (mut sum, mut lo, mut hi) = (0i64, i32::MAX, i32::MIN);
    for &v in x {
        sum += v as i64;
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let mean = (2 * sum + n as i64).div_euclid(2 * n as i64); // round half up
    let maxd = (hi as i64 - mean).unsigned_abs().max((mean - lo as i64).unsigned_abs());
    // Squares of deviations shifted right by s keep 24 bits: each < 2^48, n of them < 2^63.
    let s = (bitlen_u64(maxd) - 24).max(0);
    // Deviations fit an i32 (every row but one spanning more than half the Q16.16
    // range): i32 arithmetic, the same numbers.
    let narrow = maxd <= i32::MAX as u64;
    let sq: u64 = if narrow {
        // mean lies within [lo, hi], so it is an i32 and v - mean cannot wrap.
        let m = mean as i32;
        x.iter().map(|&v| (v.wrapping_sub(m).unsigned_abs() >> s) as u64).map(|d| d * d).sum()
    } else {
        x.iter()
            .map(|&v| {
                let d = ((v as i64 - mean).unsigned_abs() >> s) as u32;
                d as u64 * d as u64
            })
            .sum()
    };
    // Variance in units of 2^(2s) raw², eps included (eps · n / 2^(2s) before dividing).
    let var = (sq + ((eps_q32 as u64 * n as u64) >> (2 * s))) / n as u64;
    if var == 0 {
        out.copy_from_slice(bias);
        return Ok(());
    }
    // var < 2^49, so k ≥ 6; var << 2k is in [2^60, 2^62) and its root r in [2^30, 2^31).
    let k = (62 - bitlen_u64(var)) / 2;
    let r = isqrt_u64(var << (2 * k)) as u64;
    // std = r · 2^(s-k) raw, and z = d · 2^16 / std = d · inv · 2^-(44 + s - k), with
    // inv in (2^29, 2^30] so that |d| ≤ 2^32 times inv stays below 2^62.
    let inv = ((1u64 << 60) / r) as i64;
    let zshift = 44 + s - k;
    let rows = out.iter_mut().zip(x).zip(gain).zip(bias);
    if narrow && (1..=62).contains(&zshift) {
        // The same rounding shifts, with the half added once: d · inv < 2^61.
        let (m, inv, half) = (mean as i32, inv as i32, 1i64 << (zshift - 1));
        for (((o, &v), &g), &b) in rows {
            let z = sat_i32((v.wrapping_sub(m) as i64 * inv as i64 + half) >> zshift) as i64;
            *o = sat_i32(((z * g as i64 + (1 << 15)) >> 16) + b as i64);
        }
    } else {
        for (((o, &v), &g), &b) in rows {
            let d = v as i64 - mean;
            let z = sat_i32(shift_round(d * inv, zshift)) as i64;
            *o = sat_i32(shift_round(z * g as i64, 16) + b as i64);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::testutil::{from_f64, rand_q16_row, to_f64, unit};
    use crate::sample::rng::Pcg32;
    use alloc::vec;
    use alloc::vec::Vec;

    fn check_row(x: &[i32], gain: &[i32], bias: &[i32], eps: f64) -> f64 {
        let n = x.len();
        let mut out = vec![0; n];
        layer_norm(x, gain, bias, libm::round(eps * 4294967296.0) as u32, &mut out).unwrap();
        let xf: Vec<f64> = x.iter().map(|&v| to_f64(v)).collect();
        let mean = xf.iter().sum::<f64>() / n as f64;
        let var = xf.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        let std = libm::sqrt(var + eps);
        let mut worst: f64 = 0.0;
        for i in 0..n {
            let g = to_f64(gain[i]);
            let want = (xf[i] - mean) / std * g + to_f64(bias[i]);
            let got = to_f64(out[i]);
            // Mean rounded (≤ 0.5 LSB of x), z rounded (0.5 LSB), output rounded (0.5 LSB),
            // variance to ~2^-24 relative, 1/std to 2^-29.
            let z = (xf[i] - mean) / std;
            let tol = g.abs() * (1.0 / 65536.0 / std + 1.0 / 65536.0 + z.abs() * 1e-7) + 1.0 / 65536.0;
            assert!((got - want).abs() <= tol, "i={i} got {got} want {want} tol {tol} std {std}");
            worst = worst.max((got - want).abs() / (g.abs() + 1.0));
        }
        worst
    }

    #[test]
    fn matches_float_on_random_rows() {
        let mut rng = Pcg32::new(21, 4);
        for &n in &[128usize, 768, 1600, 64] {
            for trial in 0..20 {
                let x = rand_q16_row(&mut rng, n, 1 + trial * 40);
                let gain: Vec<i32> = (0..n).map(|_| from_f64(unit(&mut rng) * 3.0)).collect();
                let bias: Vec<i32> = (0..n).map(|_| from_f64(unit(&mut rng))).collect();
                check_row(&x, &gain, &bias, 1e-5);
            }
        }
    }

    #[test]
    fn massive_activations_and_tiny_rows() {
        let n = 768;
        let gain = vec![from_f64(1.0); n];
        let bias = vec![0; n];
        // GPT-2-like outliers: one channel at 3000, another at -800, the rest ~±1.
        let mut rng = Pcg32::new(22, 4);
        let mut x: Vec<i32> = (0..n).map(|_| from_f64(unit(&mut rng))).collect();
        x[138] = from_f64(3000.0);
        x[447] = from_f64(-800.0);
        check_row(&x, &gain, &bias, 1e-5);
        // Near the Q16.16 limits.
        x[1] = i32::MAX;
        x[2] = i32::MIN;
        check_row(&x, &gain, &bias, 1e-5);
        // A nearly constant row: eps dominates.
        let x: Vec<i32> = (0..n).map(|i| 1000 + (i % 3) as i32).collect();
        check_row(&x, &gain, &bias, 1e-5);
        // A constant row with eps 0: output is the bias.
        let mut out = vec![1; n];
        layer_norm(&vec![77; n], &gain, &vec![5; n], 0, &mut out).unwrap();
        assert!(out.iter().all(|&v| v == 5));
    }

    #[test]
    fn bad_shapes_are_errors() {
        let mut out = [0; 4];
        assert_eq!(layer_norm(&[1; 4], &[1; 3], &[0; 4], 1, &mut out), Err(MathError::Shape("gain")));
        assert_eq!(layer_norm(&[], &[], &[], 1, &mut out[..0]), Err(MathError::Shape("x")));
    }

    /// The first version (64-bit throughout, three passes), kept as the reference the
    /// faster one must equal bit for bit.
    fn original(x: &[i32], gain: &[i32], bias: &[i32], eps_q32: u32, out: &mut [i32]) -> Result<(), MathError> {
        let n = x.len();
        if n == 0 || n > MAX_LN_LEN {
            return Err(MathError::Shape("x"));
        }
        if gain.len() != n {
            return Err(MathError::Shape("gain"));
        }
        if bias.len() != n {
            return Err(MathError::Shape("bias"));
        }
        if out.len() != n {
            return Err(MathError::Shape("out"));
        }
        let sum: i64 = x.iter().map(|&v| v as i64).sum();
        let mean = (2 * sum + n as i64).div_euclid(2 * n as i64); // round half up
        let maxd = x.iter().map(|&v| (v as i64 - mean).unsigned_abs()).max().unwrap_or(0);
        // Squares of deviations shifted right by s keep 24 bits: each < 2^48, n of them < 2^63.
        let s = (bitlen_u64(maxd) - 24).max(0);
        let sq: u64 = x
            .iter()
            .map(|&v| {
                let d = ((v as i64 - mean).unsigned_abs() >> s) as u32;
                d as u64 * d as u64
            })
            .sum();
        // Variance in units of 2^(2s) raw², eps included (eps · n / 2^(2s) before dividing).
        let var = (sq + ((eps_q32 as u64 * n as u64) >> (2 * s))) / n as u64;
        if var == 0 {
            out.copy_from_slice(bias);
            return Ok(());
        }
        // var < 2^49, so k ≥ 6; var << 2k is in [2^60, 2^62) and its root r in [2^30, 2^31).
        let k = (62 - bitlen_u64(var)) / 2;
        let r = isqrt_u64(var << (2 * k)) as u64;
        // std = r · 2^(s-k) raw, and z = d · 2^16 / std = d · inv · 2^-(44 + s - k), with
        // inv in (2^29, 2^30] so that |d| ≤ 2^32 times inv stays below 2^62.
        let inv = ((1u64 << 60) / r) as i64;
        let zshift = 44 + s - k;
        for (((o, &v), &g), &b) in out.iter_mut().zip(x).zip(gain).zip(bias) {
            let d = v as i64 - mean;
            let z = sat_i32(shift_round(d * inv, zshift)) as i64;
            *o = sat_i32(shift_round(z * g as i64, 16) + b as i64);
        }
        Ok(())
    }

    #[test]
    fn equals_the_64_bit_version_bit_for_bit() {
        let mut rng = Pcg32::new(23, 4);
        for &n in &[1usize, 2, 7, 128, 768] {
            for trial in 0..60 {
                let mut x = rand_q16_row(&mut rng, n, 1 + trial * 37);
                if trial % 10 == 9 {
                    // Deviations beyond i32: the wide path.
                    x[0] = i32::MAX - trial as i32;
                    x[n - 1] = i32::MIN + 5;
                }
                // Every fourth gain 0.5: z · g / 2^16 then ends in .5 for odd z (ties).
                let gain: Vec<i32> =
                    (0..n).map(|i| if i % 4 == 0 { 1 << 15 } else { from_f64(unit(&mut rng) * 3.0) }).collect();
                let bias: Vec<i32> = (0..n).map(|_| from_f64(unit(&mut rng))).collect();
                for eps in [GPT2_LN_EPS_Q32, 0, 1 << 20] {
                    let (mut a, mut b) = (vec![0; n], vec![0; n]);
                    layer_norm(&x, &gain, &bias, eps, &mut a).unwrap();
                    original(&x, &gain, &bias, eps, &mut b).unwrap();
                    assert_eq!(a, b, "n={n} trial={trial} eps={eps}");
                }
            }
        }
    }
}
