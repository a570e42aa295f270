//! The innermost loop: `sum w[i] * x[i]` of int8 weights and int8 activations held as
//! i32. On i386 each term is `movsx r, byte [w]; imul r, dword [x]; add acc, r`.
//!
//! 32 terms are written out in full (no loop counter, no remainder test), because the
//! DOS build is compiled for size and would not unroll them itself; multiples of 32
//! loop over that; any other length takes the generic loop, unrolled by 8. Callers
//! dispatch on the length once per call (`match len { 32 => f::<DotBy32>(), .. }`), so
//! each arm gets its own copy of the row loop with the kernel inlined. (A trait, not
//! `impl Fn`: a fn item called through `Fn` goes via a shim that `opt-level="s"` does
//! not inline.)

/// Adds 8 products starting at `$o` to `$acc`, one after the other: a single running
/// sum needs one register, where a tree of partial sums makes i386 spill pointers.
macro_rules! mac8 {
    ($acc:ident, $w:ident, $x:ident, $o:expr) => {
        $acc += $w[$o] as i32 * $x[$o];
        $acc += $w[$o + 1] as i32 * $x[$o + 1];
        $acc += $w[$o + 2] as i32 * $x[$o + 2];
        $acc += $w[$o + 3] as i32 * $x[$o + 3];
        $acc += $w[$o + 4] as i32 * $x[$o + 4];
        $acc += $w[$o + 5] as i32 * $x[$o + 5];
        $acc += $w[$o + 6] as i32 * $x[$o + 6];
        $acc += $w[$o + 7] as i32 * $x[$o + 7];
    };
}

/// Any length (callers keep it ≤ MAX_GROUP, so the i32 sum cannot overflow).
#[inline(always)]
pub fn dot_any(w: &[i8], x: &[i32]) -> i32 {
    let mut acc = 0i32;
    let mut wc = w.chunks_exact(8);
    let mut xc = x.chunks_exact(8);
    for (a, b) in (&mut wc).zip(&mut xc) {
        mac8!(acc, a, b, 0);
    }
    for (&a, &b) in wc.remainder().iter().zip(xc.remainder()) {
        acc += a as i32 * b;
    }
    acc
}

/// Exactly 32 terms (falls back to [`dot_any`] if a slice is shorter, which the
/// callers' chunking rules out, so the check compiles away).
#[inline(always)]
pub fn dot32(w: &[i8], x: &[i32]) -> i32 {
    let (Some(w), Some(x)) = (w.first_chunk::<32>(), x.first_chunk::<32>()) else {
        return dot_any(w, x);
    };
    let mut acc = 0i32;
    mac8!(acc, w, x, 0);
    mac8!(acc, w, x, 8);
    mac8!(acc, w, x, 16);
    mac8!(acc, w, x, 24);
    acc
}

/// `N` terms (a multiple of 32) of fixed-size arrays, as [`dot32`]s.
#[inline(always)]
pub fn dot_array<const N: usize>(w: &[i8; N], x: &[i32; N]) -> i32 {
    let mut acc = 0i32;
    for (a, b) in w.as_chunks::<32>().0.iter().zip(x.as_chunks::<32>().0) {
        mac8!(acc, a, b, 0);
        mac8!(acc, a, b, 8);
        mac8!(acc, a, b, 16);
        mac8!(acc, a, b, 24);
    }
    acc
}

/// `N` terms (a multiple of 8) of fixed-size arrays: [`dot_array`] for multiples of 32,
/// else written out 8 at a time (attention heads of 8 and 16).
#[inline(always)]
pub fn dot_fixed<const N: usize>(w: &[i8; N], x: &[i32; N]) -> i32 {
    if N.is_multiple_of(32) {
        return dot_array(w, x);
    }
    let mut acc = 0i32;
    for (a, b) in w.as_chunks::<8>().0.iter().zip(x.as_chunks::<8>().0) {
        mac8!(acc, a, b, 0);
    }
    acc
}

/// A multiple of 32 terms, as a loop over [`dot32`]. (Written out in full, a 64-term
/// chain runs i386 out of registers — LLVM re-pairs the sums for ILP — and reloads a
/// pointer per term.)
#[inline(always)]
pub fn dot_by32(w: &[i8], x: &[i32]) -> i32 {
    let mut acc = 0i32;
    for (a, b) in w.chunks_exact(32).zip(x.chunks_exact(32)) {
        acc += dot32(a, b);
    }
    acc
}

/// `out[i] += w * v[i]` (attention's weighted sum of V rows), unrolled by 8. The
/// caller bounds `w` and the row count so the sums stay within i32.
#[inline(always)]
pub fn axpy(out: &mut [i32], w: i32, v: &[i8]) {
    let mut oc = out.chunks_exact_mut(8);
    let mut vc = v.chunks_exact(8);
    for (o, x) in (&mut oc).zip(&mut vc) {
        o[0] += w * x[0] as i32;
        o[1] += w * x[1] as i32;
        o[2] += w * x[2] as i32;
        o[3] += w * x[3] as i32;
        o[4] += w * x[4] as i32;
        o[5] += w * x[5] as i32;
        o[6] += w * x[6] as i32;
        o[7] += w * x[7] as i32;
    }
    for (o, &x) in oc.into_remainder().iter_mut().zip(vc.remainder()) {
        *o += w * x as i32;
    }
}

/// `out[$o..$o+8] += w · v[$o..$o+8]`.
macro_rules! axpy8 {
    ($out:ident, $w:ident, $v:ident, $o:expr) => {
        $out[$o] += $w * $v[$o] as i32;
        $out[$o + 1] += $w * $v[$o + 1] as i32;
        $out[$o + 2] += $w * $v[$o + 2] as i32;
        $out[$o + 3] += $w * $v[$o + 3] as i32;
        $out[$o + 4] += $w * $v[$o + 4] as i32;
        $out[$o + 5] += $w * $v[$o + 5] as i32;
        $out[$o + 6] += $w * $v[$o + 6] as i32;
        $out[$o + 7] += $w * $v[$o + 7] as i32;
    };
}

/// [`axpy`] on fixed-size arrays (a multiple of 32), 32 terms written out at a time.
#[inline(always)]
pub fn axpy_array<const N: usize>(out: &mut [i32; N], w: i32, v: &[i8; N]) {
    for (o, x) in out.as_chunks_mut::<32>().0.iter_mut().zip(v.as_chunks::<32>().0) {
        axpy8!(o, w, x, 0);
        axpy8!(o, w, x, 8);
        axpy8!(o, w, x, 16);
        axpy8!(o, w, x, 24);
    }
}

/// [`axpy`] on fixed-size arrays of a multiple of 8: [`axpy_array`] for multiples of 32,
/// else written out 8 at a time.
#[inline(always)]
pub fn axpy_fixed<const N: usize>(out: &mut [i32; N], w: i32, v: &[i8; N]) {
    if N.is_multiple_of(32) {
        return axpy_array(out, w, v);
    }
    for (o, x) in out.as_chunks_mut::<8>().0.iter_mut().zip(v.as_chunks::<8>().0) {
        axpy8!(o, w, x, 0);
    }
}

/// A dot kernel chosen at compile time.
pub trait Dot {
    fn dot(w: &[i8], x: &[i32]) -> i32;
}

/// Any multiple of 32.
pub struct DotBy32;
/// Any length.
pub struct DotAny;

impl Dot for DotBy32 {
    #[inline(always)]
    fn dot(w: &[i8], x: &[i32]) -> i32 {
        dot_by32(w, x)
    }
}

impl Dot for DotAny {
    #[inline(always)]
    fn dot(w: &[i8], x: &[i32]) -> i32 {
        dot_any(w, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::rng::Pcg32;
    use alloc::vec::Vec;

    fn want32_of(w: &[i8], x: &[i32]) -> i32 {
        w[..32].iter().zip(x).map(|(&a, &b)| a as i32 * b).sum()
    }

    #[test]
    fn all_kernels_agree_with_plain_loops() {
        let mut rng = Pcg32::new(3, 3);
        for n in [0usize, 1, 7, 8, 9, 31, 32, 33, 64, 100, 1024] {
            let w: Vec<i8> = (0..n).map(|_| (rng.next_u32() % 255) as i32 as i8).collect();
            let x: Vec<i32> = (0..n).map(|_| (rng.next_u32() % 255) as i32 - 127).collect();
            let want: i32 = w.iter().zip(&x).map(|(&a, &b)| a as i32 * b).sum();
            assert_eq!(dot_any(&w, &x), want, "n={n}");
            if n >= 32 {
                let want32: i32 = w[..32].iter().zip(&x).map(|(&a, &b)| a as i32 * b).sum();
                assert_eq!(dot32(&w, &x), want32);
            }
            if n % 32 == 0 {
                assert_eq!(dot_by32(&w, &x), want);
            }
            if n == 64 {
                assert_eq!(dot_array::<64>(w[..].try_into().unwrap(), x[..].try_into().unwrap()), want);
                assert_eq!(
                    dot_array::<32>(w[..32].try_into().unwrap(), x[..32].try_into().unwrap()),
                    want32_of(&w, &x)
                );
            }
            let mut acc: Vec<i32> = x.clone();
            axpy(&mut acc, -3, &w);
            assert!(acc.iter().zip(&x).zip(&w).all(|((&a, &b), &c)| a == b - 3 * c as i32), "axpy n={n}");
            if n == 64 {
                let mut fixed: [i32; 64] = x[..].try_into().unwrap();
                axpy_array(&mut fixed, -3, w[..].try_into().unwrap());
                assert_eq!(&fixed[..], &acc[..]);
            }
        }
        // Short slices fall back instead of panicking.
        assert_eq!(dot32(&[2; 3], &[5; 3]), 30);
    }
}
