//! GELU ("gelu_new", the tanh form GPT-2 uses) on Q16.16, by table + linear interpolation.
//!
//! gelu(x) = x + gelu(-x), so one table of gelu(-t), t in [0, 5] step 1/64 (321 × i16),
//! covers both signs; beyond 5 gelu(-t) is below half an LSB of Q16.16.

use super::tables::{GELU_LAST, GELU_NEG, GELU_STEP_SHIFT};

/// gelu_new(x), Q16.16 in and out.
pub fn gelu(x: i32) -> i32 {
    let t = x.unsigned_abs();
    let i = (t >> GELU_STEP_SHIFT) as usize;
    let neg = if i >= GELU_LAST {
        0
    } else {
        let frac = (t & ((1 << GELU_STEP_SHIFT) - 1)) as i32;
        let a = GELU_NEG[i] as i32;
        let b = GELU_NEG[i + 1] as i32;
        // |b - a| < 2^10 and frac < 2^10: no overflow.
        a + (((b - a) * frac + (1 << (GELU_STEP_SHIFT - 1))) >> GELU_STEP_SHIFT)
    };
    // neg lies between two table entries, in [-0.17, 0]: x + neg cannot overflow.
    if x >= 0 {
        x + neg
    } else {
        neg
    }
}

pub fn gelu_in_place(xs: &mut [i32]) {
    for x in xs {
        *x = gelu(*x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::testutil::{from_f64, to_f64};

    fn gelu_ref(x: f64) -> f64 {
        0.5 * x * (1.0 + libm::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    }

    #[test]
    fn error_vs_float_is_a_few_lsb() {
        let mut worst: f64 = 0.0;
        // Every Q16.16 value in [-8, 8] at a step of 7 raw units (≈ 150 K points).
        let mut raw = -8 * 65536;
        while raw <= 8 * 65536 {
            let err = (to_f64(gelu(raw)) - gelu_ref(to_f64(raw))).abs();
            worst = worst.max(err);
            raw += 7;
        }
        // Interpolation (f''·h²/8 ≤ 0.8/64²/8 ≈ 2.4e-5) + table and output rounding.
        assert!(worst < 4.0e-5, "max |gelu error| = {worst}");
    }

    #[test]
    fn large_inputs_and_extremes() {
        for x in [5.0, 6.0, 100.0, 20000.0] {
            assert_eq!(gelu(from_f64(x)), from_f64(x));
            assert_eq!(gelu(from_f64(-x)), 0);
        }
        assert_eq!(gelu(i32::MAX), i32::MAX);
        assert_eq!(gelu(i32::MIN), 0);
        assert_eq!(gelu(0), 0);
        let mut v = [from_f64(1.0), from_f64(-1.0)];
        gelu_in_place(&mut v);
        assert!((to_f64(v[0]) - 0.841192).abs() < 3e-5 && (to_f64(v[1]) + 0.158808).abs() < 3e-5);
    }
}
