//! Small fixed-point helpers shared by the kernels: rounding shifts and saturation.

/// `v / 2^sh` rounded half up when `sh > 0`; `v * 2^-sh` saturating when `sh <= 0`.
#[inline]
pub fn shift_round(v: i64, sh: i32) -> i64 {
    if sh > 0 {
        if sh >= 63 {
            return 0;
        }
        // floor((v + 2^(sh-1)) / 2^sh) = floor((floor(v / 2^(sh-1)) + 1) / 2): one
        // variable shift instead of two (each a few instructions on i386), and no sum
        // that could overflow.
        ((v >> (sh - 1)) + 1) >> 1
    } else {
        let n = sh.unsigned_abs();
        if v == 0 {
            0
        } else if n >= 63 || v.unsigned_abs() > (i64::MAX >> n) as u64 {
            if v < 0 {
                i64::MIN
            } else {
                i64::MAX
            }
        } else {
            v << n
        }
    }
}

/// Clamps to the i32 range. (Written as "does the low half sign-extend to v": on
/// i386 one compare of the high half, where `clamp` compares both halves twice.)
#[inline]
pub fn sat_i32(v: i64) -> i32 {
    let low = v as i32;
    if low as i64 == v {
        low
    } else if v < 0 {
        i32::MIN
    } else {
        i32::MAX
    }
}

/// Number of significant bits: 0 for 0, 1 for 1, 32 for 2^31.
#[inline]
pub fn bitlen_u32(v: u32) -> i32 {
    32 - v.leading_zeros() as i32
}

/// Number of significant bits of a u64.
#[inline]
pub fn bitlen_u64(v: u64) -> i32 {
    64 - v.leading_zeros() as i32
}

/// `acc[i] += x[i]`, saturating (the residual connection).
pub fn add_in_place(acc: &mut [i32], x: &[i32]) {
    for (a, &b) in acc.iter_mut().zip(x) {
        *a = a.saturating_add(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_round_rounds_half_up_and_saturates() {
        assert_eq!(shift_round(5, 1), 3); // 2.5 -> 3
        assert_eq!(shift_round(-5, 1), -2); // -2.5 -> -2
        assert_eq!(shift_round(-6, 1), -3);
        assert_eq!(shift_round(7, 2), 2); // 1.75 -> 2
        assert_eq!(shift_round(3, 0), 3);
        assert_eq!(shift_round(3, -4), 48);
        assert_eq!(shift_round(1 << 40, -30), i64::MAX);
        assert_eq!(shift_round(-(1 << 40), -30), i64::MIN);
        assert_eq!(shift_round(i64::MAX >> 1, 70), 0);
        assert_eq!(sat_i32(1 << 40), i32::MAX);
        assert_eq!(sat_i32(-(1 << 40)), i32::MIN);
        assert_eq!(bitlen_u32(0), 0);
        assert_eq!(bitlen_u32(1 << 31), 32);
        assert_eq!(bitlen_u64(255), 8);
        // Against v + 2^(sh-1) in i128, for every shift and values of every size.
        let mut rng = crate::sample::rng::Pcg32::new(5, 5);
        for sh in 1..63 {
            for _ in 0..500 {
                let v = (rng.next_u64() as i64) >> (rng.next_u32() % 64);
                let want = ((v as i128 + (1i128 << (sh - 1))) >> sh) as i64;
                assert_eq!(shift_round(v, sh), want, "v={v} sh={sh}");
            }
        }
        let mut a = [1, i32::MAX, -5];
        add_in_place(&mut a, &[2, 1, -7]);
        assert_eq!(a, [3, i32::MAX, -12]);
    }
}
