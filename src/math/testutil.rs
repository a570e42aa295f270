//! Test data shared by the math tests: seeded rows with realistic magnitude mixes.

use alloc::vec::Vec;

use crate::sample::rng::Pcg32;

/// Uniform f64 in [-1, 1).
pub fn unit(rng: &mut Pcg32) -> f64 {
    (rng.next_u32() as f64 / 2147483648.0) - 1.0
}

/// A Q16.16 row: most values of magnitude ~`base`, a few channels `spread`× larger
/// (GPT-2's outlier channels), some groups near zero.
pub fn rand_q16_row(rng: &mut Pcg32, len: usize, spread: u32) -> Vec<i32> {
    let base = 0.5 + 2.0 * (rng.next_u32() % 4) as f64;
    (0..len)
        .map(|i| {
            let mut v = unit(rng) * base;
            if rng.next_u32().is_multiple_of(97) {
                v *= 8.0 * spread as f64;
            }
            if (i / 32) % 5 == 3 {
                v *= 0.01;
            }
            from_f64(v)
        })
        .collect()
}

pub fn from_f64(v: f64) -> i32 {
    libm::round(v * 65536.0).clamp(i32::MIN as f64, i32::MAX as f64) as i32
}

pub fn to_f64(v: i32) -> f64 {
    v as f64 / 65536.0
}
