//! Activation quantization: a Q16.16 row to int8 with one mantissa per group and one
//! exponent per row, integer-only.
//!
//! Format: `raw ≈ q * mant[g] * 2^exp` (raw = Q16.16 value). `exp` is chosen per row so
//! the largest group's mantissa has 15 bits (≤ [`MANT_MAX`], so a weight mantissa times
//! an activation mantissa fits an i32). Each group's mantissa is rounded *up*
//! (`ceil(amax / (127 * 2^exp))`) and the values are then rounded against that exact
//! scale: a small mantissa only narrows the int8 range a little, it never biases values.
//! The same routine writes K/V cache rows (as `i8`) and matmul inputs (as `i32`).

use alloc::vec;
use alloc::vec::Vec;
use core::num::NonZeroU32;

use super::fixed::{bitlen_u32, sat_i32, shift_round};
use super::planes::PlaneScratch;
use super::{MathError, MAX_GROUP};

/// Largest activation mantissa: m_w (≤ 65535) × m_x (≤ 32767) < 2^31.
pub const MANT_MAX: u32 = 32767;

/// A quantized activation row, ready to be a matmul or attention input.
///
/// `q` holds int8 values widened to i32 so the inner loop multiplies with a memory
/// operand (`movsx; imul r32, m32; add`: 3 instructions per MAC on i386).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActQ {
    pub group: usize,
    pub exp: i8,
    pub mant: Vec<u16>,
    pub q: Vec<i32>,
    /// Buffers of the bit-plane kernels when this row is a matvec input (not part of its
    /// value: equal and cloned as empty).
    pub scratch: PlaneScratch,
}

impl ActQ {
    /// Heap bytes `new(len, group)` allocates: an i32 per value, a u16 per group.
    pub const fn bytes(len: usize, group: usize) -> usize {
        4 * len + 2 * (len / if group == 0 { 1 } else { group })
    }

    /// Heap bytes `for_matvec(len, group)` allocates.
    pub const fn for_matvec_bytes(len: usize, group: usize) -> usize {
        Self::bytes(len, group) + PlaneScratch::bytes(group)
    }

    /// A zero row of `len` values quantized per `group`.
    pub fn new(len: usize, group: usize) -> Result<ActQ, MathError> {
        check_group(len, group)?;
        Ok(ActQ { group, exp: 0, mant: vec![0; len / group], q: vec![0; len], scratch: PlaneScratch::default() })
    }

    /// [`ActQ::new`] with the bit-plane kernels' buffers ([`PlaneScratch::bytes`]), so a
    /// matvec neither zeroes nor allocates them. Allocates [`ActQ::for_matvec_bytes`].
    pub fn for_matvec(len: usize, group: usize) -> Result<ActQ, MathError> {
        let mut a = ActQ::new(len, group)?;
        a.scratch = PlaneScratch::new(group);
        Ok(a)
    }

    pub fn len(&self) -> usize {
        self.q.len()
    }

    pub fn is_empty(&self) -> bool {
        self.q.is_empty()
    }

    /// Quantizes `x` (Q16.16, same length as this row) into this row.
    pub fn quantize(&mut self, x: &[i32]) -> Result<(), MathError> {
        self.exp = quantize_row(x, self.group, &mut self.q, &mut self.mant)?;
        Ok(())
    }

    /// Back to Q16.16 (tests and diagnostics).
    pub fn dequantize(&self, out: &mut [i32]) {
        let groups = self.q.chunks(self.group.max(1)).zip(&self.mant);
        for (o, (&q, &m)) in out.iter_mut().zip(groups.flat_map(|(g, m)| g.iter().map(move |q| (q, m)))) {
            *o = sat_i32(shift_round(q as i64 * m as i64, -(self.exp as i32)));
        }
    }
}

pub(crate) fn check_group(len: usize, group: usize) -> Result<(), MathError> {
    if group == 0 || group > MAX_GROUP || !len.is_multiple_of(group) {
        return Err(MathError::Group);
    }
    Ok(())
}

/// Quantizes `x` per `group` into `q` (int8 values, as `i8` or widened) and `mant`;
/// returns the row exponent.
pub fn quantize_row<T: From<i8>>(x: &[i32], group: usize, q: &mut [T], mant: &mut [u16]) -> Result<i8, MathError> {
    check_group(x.len(), group)?;
    if q.len() != x.len() {
        return Err(MathError::Shape("q"));
    }
    if mant.len() != x.len() / group {
        return Err(MathError::Shape("mant"));
    }
    // Group maxima first (kept for the second pass when there are few groups), the row's
    // is their maximum.
    let mut kept = [0u32; KEPT_GROUPS];
    let mut amax_row = 0;
    for (g, xg) in x.chunks_exact(group).enumerate() {
        let amax = abs_max(xg);
        if let Some(k) = kept.get_mut(g) {
            *k = amax;
        }
        amax_row = amax_row.max(amax);
    }
    let exp = row_exponent(amax_row);
    for (g, ((xg, qg), m)) in x.chunks_exact(group).zip(q.chunks_exact_mut(group)).zip(mant).enumerate() {
        let amax = match kept.get(g) {
            Some(&a) => a,
            None => abs_max(xg),
        };
        let mg = mantissa(amax, exp);
        *m = mg as u16;
        // |x| * 2^-exp / mg, rounded. By the choice of exp the numerator stays below
        // 2^31 + 2^25 (below 2^22 when exp < 0) and the denominator below 2^26, so u32
        // suffices: one `div` per value on i386.
        let (lshift, den) = if exp >= 0 { (0, mg << exp) } else { ((-exp) as u32, mg) };
        let Some(den) = NonZeroU32::new(den) else {
            qg.iter_mut().for_each(|v| *v = T::from(0));
            continue;
        };
        let half = den.get() / 2;
        for (&xv, qv) in xg.iter().zip(qg.iter_mut()) {
            let r = ((xv.unsigned_abs() << lshift) + half) / den;
            let r = r.min(127) as i8;
            *qv = T::from(if xv < 0 { -r } else { r });
        }
    }
    Ok(exp as i8)
}

/// Group maxima [`quantize_row`] keeps between its passes; rows of more groups find
/// the rest again. (The default model's longest row has 16 groups; zeroing a larger
/// array is a `memset` call per row.)
const KEPT_GROUPS: usize = 16;

/// Largest `|v|`.
fn abs_max(xs: &[i32]) -> u32 {
    xs.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0)
}

/// Smallest exponent whose mantissa for `amax_row` fits [`MANT_MAX`]; 0 for a zero row.
/// In [-21, 11].
fn row_exponent(amax_row: u32) -> i32 {
    if amax_row == 0 {
        return 0;
    }
    // amax < 2^(e+22) ⇒ amax / (127·2^e) < 33026, so e or e+1 is the answer, and
    // e-1 would give ≥ 33026.
    let e = bitlen_u32(amax_row) - 22;
    if mantissa(amax_row, e) <= MANT_MAX {
        e
    } else {
        e + 1
    }
}

/// `ceil(amax / (127 · 2^exp))`. (In u32 where it fits, as for every exponent
/// [`row_exponent`] picks: a u64 division is a library call on i386.)
fn mantissa(amax: u32, exp: i32) -> u32 {
    if (0..=24).contains(&exp) {
        amax.div_ceil(127 << exp)
    } else if exp >= 0 {
        (amax as u64).div_ceil(127u64 << exp) as u32
    } else if -exp < 32 && amax < (1 << (32 + exp)) {
        (amax << -exp).div_ceil(127)
    } else {
        // exp < 0 only when amax < 2^21, so the shift stays below 2^43 in u64.
        ((amax as u64) << (-exp)).div_ceil(127) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::testutil::rand_q16_row;
    use crate::sample::rng::Pcg32;

    #[test]
    fn exponent_is_minimal_and_mantissa_fits() {
        for a in [1u32, 2, 126, 127, 128, 4000, 65535, 1 << 20, 1 << 21, 123_456_789, 1 << 31] {
            let e = row_exponent(a);
            assert!(mantissa(a, e) <= MANT_MAX, "a={a} e={e}");
            assert!(mantissa(a, e - 1) > MANT_MAX || e == -21, "a={a} e={e} not minimal");
            assert!((-21..=11).contains(&e));
        }
    }

    #[test]
    fn error_is_within_half_a_step_of_each_group() {
        let mut rng = Pcg32::new(1, 2);
        for &(len, group) in &[(64usize, 32usize), (768, 32), (768, 64), (96, 96)] {
            for trial in 0..50 {
                // Mix magnitudes: some groups tiny, one outlier group huge.
                let x = rand_q16_row(&mut rng, len, 1 + trial % 7);
                let mut a = ActQ::new(len, group).unwrap();
                a.quantize(&x).unwrap();
                assert!(a.mant.iter().all(|&m| m as u32 <= MANT_MAX));
                assert!(a.q.iter().all(|&q| (-127..=127).contains(&q)));
                for g in 0..len / group {
                    let xs = &x[g * group..(g + 1) * group];
                    let amax = xs.iter().map(|v| v.unsigned_abs()).max().unwrap() as f64;
                    let step = a.mant[g] as f64 * libm::exp2(a.exp as f64);
                    // The rounded-up mantissa is at most one unit above amax / 127.
                    assert!(step * 127.0 >= amax);
                    assert!(step <= amax / 127.0 + libm::exp2(a.exp as f64) + 1e-9);
                    for (i, &v) in xs.iter().enumerate() {
                        let back = a.q[g * group + i] as f64 * step;
                        assert!((back - v as f64).abs() <= step / 2.0 + 1e-9, "x={v} back={back}");
                    }
                }
                // The largest value uses (nearly) the full int8 range.
                let qmax = a.q.iter().map(|v| v.abs()).max().unwrap();
                assert!(qmax >= 126 || x.iter().all(|&v| v == 0), "qmax {qmax}");
            }
        }
    }

    #[test]
    fn mantissa_equals_the_u64_formula() {
        let mut rng = Pcg32::new(3, 9);
        for exp in -21..=11 {
            for _ in 0..2000 {
                let a = rng.next_u32() >> (rng.next_u32() % 32);
                let a = if exp < 0 { a >> 10 } else { a.min(1 << 31) };
                let want =
                    if exp >= 0 { (a as u64).div_ceil(127u64 << exp) } else { ((a as u64) << -exp).div_ceil(127) };
                assert_eq!(mantissa(a, exp), want as u32, "a={a} exp={exp}");
            }
        }
    }

    #[test]
    fn zero_row_and_extremes() {
        let mut a = ActQ::new(8, 4).unwrap();
        a.quantize(&[0; 8]).unwrap();
        assert!(a.q.iter().all(|&v| v == 0) && a.mant.iter().all(|&m| m == 0));
        let x = [i32::MIN, i32::MAX, 1, -1, 0, 0, 0, 3];
        a.quantize(&x).unwrap();
        assert_eq!(&a.q[..2], &[-127, 127]);
        let mut back = [0i32; 8];
        a.dequantize(&mut back);
        assert!((back[0] as i64 - x[0] as i64).abs() < 1 << 24);
        // Second group (max 3) is tiny next to the first: mantissa 1, all zeros.
        assert_eq!(&a.q[4..], &[0, 0, 0, 0]);
        let mut b = [0i8; 8];
        let mut m = [0u16; 2];
        assert_eq!(quantize_row(&x, 3, &mut b, &mut m), Err(MathError::Group));
        assert_eq!(quantize_row(&x, 4, &mut b[..4], &mut m), Err(MathError::Shape("q")));
        assert_eq!(quantize_row(&x, 4, &mut b, &mut m[..1]), Err(MathError::Shape("mant")));
    }
}
