//! Integer square root (LayerNorm's standard deviation, 1/sqrt(head_dim)).

/// `floor(sqrt(v))`, exact, by the digit-by-digit (base 4) method: 32 steps of shifts,
/// compares and subtractions — no multiply, no divide, no float.
pub fn isqrt_u64(v: u64) -> u32 {
    let mut rem = v;
    let mut root: u64 = 0;
    let mut bit: u64 = 1 << 62;
    while bit > rem {
        bit >>= 2;
    }
    while bit != 0 {
        if rem >= root + bit {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    root as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::rng::Pcg32;

    fn check(v: u64) {
        let r = isqrt_u64(v) as u64;
        assert!(r * r <= v, "isqrt({v}) = {r} too large");
        // (r+1)^2 may exceed u64 only when r = 2^32 - 1.
        if let Some(next) = (r + 1).checked_mul(r + 1) {
            assert!(next > v, "isqrt({v}) = {r} too small");
        }
    }

    #[test]
    fn exact_on_edges_and_squares() {
        for v in 0..=70_000u64 {
            check(v);
        }
        for r in [1u64, 2, 3, 255, 256, 65535, 65536, 1 << 31, (1 << 32) - 1] {
            let sq = r * r;
            assert_eq!(isqrt_u64(sq) as u64, r);
            check(sq - 1);
            check(sq + 1);
        }
        assert_eq!(isqrt_u64(u64::MAX), u32::MAX);
        check(u64::MAX);
    }

    #[test]
    fn exact_on_random_values() {
        let mut rng = Pcg32::new(7, 1);
        for _ in 0..100_000 {
            let v = rng.next_u64() >> (rng.next_u32() % 64);
            check(v);
            assert_eq!(isqrt_u64(v) as u64, v.isqrt());
        }
    }
}
