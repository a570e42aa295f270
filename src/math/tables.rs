//! Lookup tables for GELU and exp, computed by the compiler (`const fn`).
//!
//! Float arithmetic in `const fn` is evaluated by the compiler's own IEEE soft-float, so
//! the tables are identical whatever the host or target; no float code reaches the
//! binary (the functions below are only called in `static` initializers). `libm` is not
//! `const`, hence the small exp below (range reduction + Taylor series, error ~1e-16).

/// GELU table step is 2^-6: a Q16.16 magnitude shifted right by this is the index.
pub const GELU_STEP_SHIFT: u32 = 16 - 6;
/// Entries `0..=GELU_LAST`: t = i / 64 for t in [0, 5]; beyond 5 the table value is
/// below 2^-17 and rounds to 0 in Q16.16.
pub const GELU_LAST: usize = 5 * 64;

/// `GELU_NEG[i]` = gelu_new(-i/64) in Q16.16 (values in [-0.17, 0], so i16 is enough).
/// gelu_new(x) = x + gelu_new(-x), so this half covers both signs.
pub static GELU_NEG: [i16; GELU_LAST + 1] = gelu_table();

/// exp2 table: `EXP2_NEG[i]` = 2^(-i/128) in Q2.30, i in 0..=128.
pub const EXP2_BITS: u32 = 7;
pub static EXP2_NEG: [u32; (1 << EXP2_BITS) + 1] = exp2_table();

const LN2: f64 = core::f64::consts::LN_2;

/// e^x for x <= 0 (enough for both tables).
const fn exp_nonpos(x: f64) -> f64 {
    // x = k ln2 + r with |r| <= ln2 / 2.
    let k = (x / LN2 - 0.5) as i64; // x <= 0: truncation of (x/ln2 - 0.5) rounds to nearest
    let r = x - k as f64 * LN2;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut n = 1;
    while n < 25 {
        term = term * r / n as f64;
        sum += term;
        n += 1;
    }
    // Multiply by 2^k, k <= 0, without leaving the normal range for our arguments.
    let mut i = 0;
    while i < -k {
        sum *= 0.5;
        i += 1;
    }
    sum
}

const fn round_to_i64(v: f64) -> i64 {
    if v >= 0.0 {
        (v + 0.5) as i64
    } else {
        -((-v + 0.5) as i64)
    }
}

/// gelu_new(-t) = -t / (1 + e^(2u)) with u = sqrt(2/pi) (t + 0.044715 t^3), written
/// with e^(-2u) so only e^x for x <= 0 is needed.
const fn gelu_neg(t: f64) -> f64 {
    const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
    let u = SQRT_2_OVER_PI * (t + 0.044_715 * t * t * t);
    let e = exp_nonpos(-2.0 * u);
    -t * e / (1.0 + e)
}

const fn gelu_table() -> [i16; GELU_LAST + 1] {
    let mut out = [0i16; GELU_LAST + 1];
    let mut i = 0;
    while i <= GELU_LAST {
        out[i] = round_to_i64(gelu_neg(i as f64 / 64.0) * 65536.0) as i16;
        i += 1;
    }
    out
}

const fn exp2_table() -> [u32; (1 << EXP2_BITS) + 1] {
    let mut out = [0u32; (1 << EXP2_BITS) + 1];
    let n = 1 << EXP2_BITS;
    let mut i = 0;
    while i <= n {
        let v = exp_nonpos(-(i as f64) / n as f64 * LN2) * (1u64 << 30) as f64;
        out[i] = round_to_i64(v) as u32;
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gelu_table_matches_libm() {
        for (i, &v) in GELU_NEG.iter().enumerate() {
            let t = i as f64 / 64.0;
            let r = -0.5 * t * (1.0 - libm::tanh(0.7978845608028654 * (t + 0.044715 * t * t * t)));
            assert!((v as f64 - r * 65536.0).abs() <= 0.5 + 1e-6, "gelu[{i}] = {v} vs {}", r * 65536.0);
        }
        assert_eq!(GELU_NEG[0], 0);
        assert!(GELU_NEG[GELU_LAST] == 0 && GELU_NEG[GELU_LAST - 64] != 0);
    }

    #[test]
    fn exp2_table_matches_libm() {
        for (i, &v) in EXP2_NEG.iter().enumerate() {
            let r = libm::exp2(-(i as f64) / 128.0) * (1u64 << 30) as f64;
            assert!((v as f64 - r).abs() <= 0.5 + 1e-6, "exp2[{i}] = {v} vs {r}");
        }
        assert_eq!(EXP2_NEG[0], 1 << 30);
        assert_eq!(EXP2_NEG[128], 1 << 29);
    }

    #[test]
    fn const_exp_is_accurate() {
        for i in 0..=2000 {
            let x = -(i as f64) / 50.0;
            let rel = (exp_nonpos(x) - libm::exp(x)).abs() / libm::exp(x);
            assert!(rel < 1e-14, "exp({x}) rel err {rel}");
        }
    }
}
