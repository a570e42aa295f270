//! The multiply-free matvec: int8 weights stored as bit planes, activations turned into
//! tables of subset sums, so a MAC is a table lookup and an add (`movzx; add r32, [t]`)
//! instead of `movsx; imul; add` — an `imul` costs a 486 13-42 clocks.
//!
//! Layout of one (row, group) of `G = 8·K` weights: G bytes, a lossless re-layout of the
//! G int8 values. 8 planes, the sign plane (bit 7) first, each of K bytes; byte `k` of
//! plane `b` holds bit `b` of the weights `8k .. 8k+8` of the group (weight `8k+i` in bit
//! `i`), the weights read as two's complement bytes.
//!
//! With `T_k[m] = sum of x[8k+i] over the bits i set in m` (K tables of 256 sums, built
//! once per group of the activation row), `s_b = sum_k T_k[byte k of plane b]` is the sum
//! of the activations whose weight has bit `b` set, and the group's dot product is
//! `-128·s_7 + 64·s_6 + … + s_0` (Horner: start from `-s_7`, double, add the next plane):
//! the same integer as `sum w·x`, so the results are bit-identical to the other kernels.
//! A table costs 256 adds and stores per 8 columns, so a matvec pays about 2·32
//! instructions per column once (per block of rows), against one `imul` saved per MAC.

use alloc::rc::Rc;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;

use super::actquant::ActQ;
use super::fixed::sat_i32;
use super::matvec::{finish, round_half, WeightRows};

/// Group sizes stored and multiplied as bit planes (K = 2, 4, 6, 8 table bytes a plane);
/// other groups keep row-major int8 and the `imul` kernels.
pub const fn is_plane_group(group: usize) -> bool {
    matches!(group, 16 | 32 | 48 | 64)
}

/// Bit planes of one group of `8·K` int8 weights (see the module doc), as bytes held in
/// `i8` (as `QMatrix::q` holds them); `out` is as long as `w`.
pub fn group_to_planes(w: &[i8], out: &mut [i8]) {
    let k = w.len() / 8;
    out.fill(0);
    for (c, &v) in w.iter().enumerate() {
        for b in 0..8 {
            if v as u8 & (1 << b) != 0 {
                out[(7 - b) * k + c / 8] |= (1u8 << (c % 8)) as i8;
            }
        }
    }
}

/// The int8 weights back from their bit planes (the inverse of [`group_to_planes`]).
pub fn group_from_planes(p: &[i8], out: &mut [i8]) {
    let k = p.len() / 8;
    for (c, o) in out.iter_mut().enumerate() {
        let mut u = 0u8;
        for b in 0..8 {
            u |= ((p[(7 - b) * k + c / 8] as u8 >> (c % 8)) & 1) << b;
        }
        *o = u as i8;
    }
}

/// `$s!(b)` for b = the ruler sequence 1, 2, 1, 3, 1, 2, 1, 4, ... (2^n - 1 steps): the
/// bit that changes at each step of a Gray code.
macro_rules! ruler {
    ($s:ident, 1) => {
        $s!(1);
    };
    ($s:ident, 2) => {
        ruler!($s, 1);
        $s!(2);
        ruler!($s, 1);
    };
    ($s:ident, 3) => {
        ruler!($s, 2);
        $s!(3);
        ruler!($s, 2);
    };
    ($s:ident, 4) => {
        ruler!($s, 3);
        $s!(4);
        ruler!($s, 3);
    };
    ($s:ident, 5) => {
        ruler!($s, 4);
        $s!(5);
        ruler!($s, 4);
    };
    ($s:ident, 6) => {
        ruler!($s, 5);
        $s!(6);
        ruler!($s, 5);
    };
    ($s:ident, 7) => {
        ruler!($s, 6);
        $s!(7);
        ruler!($s, 6);
    };
}

/// The table of 8 activations: `t[m] = sum of x[i] over the bits i set in m`. Written
/// out as one walk over the pairs (m, m+1) in Gray-code order of m's bits 1-7: per pair
/// one add or subtract of the running sum, one add of x0, two stores (2 instructions an
/// entry; a loop would reload spilled x's). One copy for all kernels (about 1.7 KB).
#[inline(never)]
pub fn build_table(x: &[i32; 8], t: &mut [i32; 256]) {
    let x0 = x[0];
    let (mut v, mut m) = (0i32, 0usize);
    t[0] = 0;
    t[1] = x0;
    macro_rules! step {
        ($b:literal) => {
            if m & (1 << $b) == 0 {
                v += x[$b];
            } else {
                v -= x[$b];
            }
            m ^= 1 << $b;
            t[m] = v;
            t[m + 1] = v + x0;
        };
    }
    ruler!(step, 7);
}

/// `$acc op= T_k[plane byte]` for the K bytes of the plane at `$o`.
macro_rules! plane {
    ($acc:ident $op:tt $t:ident, $p:ident, $o:expr, $($k:expr),+) => {
        $( $acc $op $t[$k][$p[$o + $k] as u8 as usize]; )+
    };
}

/// The dot product of one group (K bytes a plane) against its K tables, written out.
macro_rules! dot_planes {
    ($t:ident, $p:ident, $kk:expr, $($k:expr),+) => {{
        let mut acc = 0i32;
        plane!(acc -= $t, $p, 0, $($k),+);
        acc += acc;
        plane!(acc += $t, $p, $kk, $($k),+);
        acc += acc;
        plane!(acc += $t, $p, 2 * $kk, $($k),+);
        acc += acc;
        plane!(acc += $t, $p, 3 * $kk, $($k),+);
        acc += acc;
        plane!(acc += $t, $p, 4 * $kk, $($k),+);
        acc += acc;
        plane!(acc += $t, $p, 5 * $kk, $($k),+);
        acc += acc;
        plane!(acc += $t, $p, 6 * $kk, $($k),+);
        acc += acc;
        plane!(acc += $t, $p, 7 * $kk, $($k),+);
        acc
    }};
}

/// A group size in bit planes: `K` tables, `G = 8·K` weights.
pub trait PlaneGroup<const K: usize, const G: usize> {
    fn dot(p: &[i8; G], t: &[[i32; 256]; K]) -> i32;
}

pub struct Planes16;
pub struct Planes32;
pub struct Planes48;
pub struct Planes64;

impl PlaneGroup<2, 16> for Planes16 {
    #[inline(always)]
    fn dot(p: &[i8; 16], t: &[[i32; 256]; 2]) -> i32 {
        dot_planes!(t, p, 2, 0, 1)
    }
}

impl PlaneGroup<4, 32> for Planes32 {
    #[inline(always)]
    fn dot(p: &[i8; 32], t: &[[i32; 256]; 4]) -> i32 {
        dot_planes!(t, p, 4, 0, 1, 2, 3)
    }
}

impl PlaneGroup<6, 48> for Planes48 {
    #[inline(always)]
    fn dot(p: &[i8; 48], t: &[[i32; 256]; 6]) -> i32 {
        dot_planes!(t, p, 6, 0, 1, 2, 3, 4, 5)
    }
}

impl PlaneGroup<8, 64> for Planes64 {
    #[inline(always)]
    fn dot(p: &[i8; 64], t: &[[i32; 256]; 8]) -> i32 {
        dot_planes!(t, p, 8, 0, 1, 2, 3, 4, 5, 6, 7)
    }
}

/// Rows whose sums one pass keeps (8 bytes each); the tables are built again for every
/// block of this many rows.
const BLOCK: usize = 512;

/// The bit-plane kernel's buffers: a group's tables and a block's row sums. Kept with a
/// matvec input ([`ActQ::for_matvec`]) so a call neither zeroes nor allocates them; a
/// call without them uses zeroed stack buffers (same results). Inputs that are never
/// multiplied at the same time share one ([`PlaneScratch::share`]). Not part of any
/// value: every two are equal, and a clone is empty.
#[derive(Default)]
pub struct PlaneScratch(Option<Rc<RefCell<Buffers>>>);

/// What `Rc::new(RefCell::new(Buffers))` allocates: two counts, the borrow flag, two Vecs.
type RcBox = (usize, usize, RefCell<Buffers>);

#[derive(Default)]
struct Buffers {
    tables: Vec<[i32; 256]>,
    sums: Vec<i64>,
}

impl PlaneScratch {
    /// Buffers for `group` (none when it is not a bit-plane group).
    pub fn new(group: usize) -> PlaneScratch {
        if !is_plane_group(group) {
            return PlaneScratch::default();
        }
        let b = Buffers { tables: vec![[0; 256]; group / 8], sums: vec![0; BLOCK] };
        PlaneScratch(Some(Rc::new(RefCell::new(b))))
    }

    /// The same buffers, for another input of the same group.
    pub fn share(&self) -> PlaneScratch {
        PlaneScratch(self.0.clone())
    }

    /// Bytes [`PlaneScratch::new`] allocates for `group` (for the memory plan; the Rc
    /// counts are in the allocation).
    pub const fn bytes(group: usize) -> usize {
        if is_plane_group(group) {
            group / 8 * 1024 + BLOCK * 8 + core::mem::size_of::<RcBox>()
        } else {
            0
        }
    }
}

impl Clone for PlaneScratch {
    fn clone(&self) -> PlaneScratch {
        PlaneScratch::default()
    }
}

impl PartialEq for PlaneScratch {
    fn eq(&self, _: &PlaneScratch) -> bool {
        true
    }
}

impl Eq for PlaneScratch {}

impl core::fmt::Debug for PlaneScratch {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("PlaneScratch")
    }
}

/// `out = W·x + bias` for weights in bit planes at group `G = 8·K`, in `x`'s scratch
/// buffers when it has them. The caller has checked the shapes.
pub fn rows_planes<P: PlaneGroup<K, G>, const K: usize, const G: usize>(
    w: WeightRows,
    x: &ActQ,
    bias: Option<&[i32]>,
    out: &mut [i32],
) {
    if let Some(Ok(mut b)) = x.scratch.0.as_ref().map(|c| c.try_borrow_mut()) {
        let Buffers { tables, sums } = &mut *b;
        if let (Some(tables), Some(sums)) = (tables.first_chunk_mut::<K>(), sums.first_chunk_mut::<BLOCK>()) {
            return planes_kernel::<P, K, G>(w, x, bias, out, tables, sums);
        }
    }
    planes_kernel::<P, K, G>(w, x, bias, out, &mut [[0; 256]; K], &mut [0; BLOCK]);
}

/// Group by group, the group's K tables once, then every row of the block looks its
/// group up in them and adds `dot · m_w · m_x` to its i64 sum; the same formula and
/// rounding as `matvec`.
#[inline(never)]
fn planes_kernel<P: PlaneGroup<K, G>, const K: usize, const G: usize>(
    w: WeightRows,
    x: &ActQ,
    bias: Option<&[i32]>,
    out: &mut [i32],
    tables: &mut [[i32; 256]; K],
    sums: &mut [i64; BLOCK],
) {
    let sh = w.shift as i32 - x.exp as i32;
    // The sums start from the rounding half when `finish_rows` takes its short way.
    let start = if SHORT_SHIFTS.contains(&sh) { 1i64 << (sh - 1) } else { 0 };
    let gpr = w.cols / G;
    let (xq, _) = x.q.as_chunks::<8>();
    let (wq, _) = w.q.as_chunks::<G>();
    let blocks = out.chunks_mut(BLOCK).zip(wq.chunks(BLOCK * gpr)).zip(w.scales.chunks(BLOCK * gpr));
    for (bi, ((yb, wb), sb)) in blocks.enumerate() {
        let sums = &mut sums[..yb.len()];
        for (g, (&mx, xg)) in x.mant.iter().zip(xq.chunks_exact(K)).enumerate().take(gpr) {
            for (t, xo) in tables.iter_mut().zip(xg) {
                build_table(xo, t);
            }
            let rows = wb.chunks_exact(gpr).zip(sb.chunks_exact(gpr)).zip(sums.iter_mut());
            for ((wr, sr), s) in rows {
                let (Some(wg), Some(&mw)) = (wr.get(g), sr.get(g)) else { return };
                let d = P::dot(wg, tables) as i64 * (mw as u32 * mx as u32) as i32 as i64; // mantissas < 2^31
                *s = if g == 0 { d + start } else { *s + d };
            }
        }
        let bias = bias.and_then(|b| b.get(bi * BLOCK..bi * BLOCK + yb.len()));
        finish_rows(sums, sh, bias, yb);
    }
}

/// Row shifts `finish_rows` does in 32 bits (every real model's).
const SHORT_SHIFTS: core::ops::Range<i32> = 1..32;

/// The bias of a matrix without one.
static ZEROS: [i32; BLOCK] = [0; BLOCK];

/// `y = sat_i32(round(t / 2^sh) + b)` for every row, as [`finish`] (one shift by less
/// than 32 for every real model, decided once for all rows).
fn finish_rows(sums: &[i64], sh: i32, bias: Option<&[i32]>, out: &mut [i32]) {
    if SHORT_SHIFTS.contains(&sh) {
        // The sums hold u = t + 2^(sh-1), so u >> sh is the rounded quotient. A shift
        // known to be below 32 is one `shrd` (and a `sar`) on i386; when the quotient
        // fits an i32, adding the bias saturates in 32 bits.
        let s = sh as u32 & 31;
        for ((y, &u), &b) in out.iter_mut().zip(sums).zip(bias.unwrap_or(&ZEROS)) {
            let w = u >> s;
            let r = w as i32;
            *y = if r as i64 == w { r.saturating_add(b) } else { sat_i32(w + b as i64) };
        }
    } else {
        let half = round_half(sh);
        for (j, (y, &t)) in out.iter_mut().zip(sums).enumerate() {
            *y = finish(t, sh, half, bias.map_or(0, |b| b[j]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::rng::Pcg32;
    use alloc::vec;
    use alloc::vec::Vec;

    #[test]
    fn planes_round_trip_every_byte_value() {
        let mut rng = Pcg32::new(5, 5);
        for g in [8usize, 16, 32, 48, 64] {
            let w: Vec<i8> = (0..g).map(|i| if i < 256 { (rng.next_u32() as u8) as i8 } else { 0 }).collect();
            let mut p = vec![0i8; g];
            group_to_planes(&w, &mut p);
            let mut back = vec![0i8; g];
            group_from_planes(&p, &mut back);
            assert_eq!(back, w);
        }
        // Every value in every position.
        for v in -128i16..=127 {
            let w = [v as i8; 16];
            let mut p = [0i8; 16];
            group_to_planes(&w, &mut p);
            let mut back = [0i8; 16];
            group_from_planes(&p, &mut back);
            assert_eq!(back, w);
        }
    }

    #[test]
    fn tables_hold_every_subset_sum() {
        let x = [3, -70, 127, -127, 0, 55, -1, 90];
        let mut t = [0i32; 256];
        build_table(&x, &mut t);
        for (m, &v) in t.iter().enumerate() {
            let want: i32 = (0..8).filter(|i| m & (1 << i) != 0).map(|i| x[i]).sum();
            assert_eq!(v, want, "m={m}");
        }
    }

    fn check_dot<P: PlaneGroup<K, G>, const K: usize, const G: usize>(rng: &mut Pcg32) {
        for trial in 0..200 {
            // Random weights in [-127, 127]; every 7th group all at the extreme.
            let w: Vec<i8> =
                (0..G).map(|_| if trial % 7 == 0 { -127 } else { (rng.next_u32() % 255) as i32 - 127 } as i8).collect();
            let x: Vec<i32> = (0..G).map(|_| (rng.next_u32() % 255) as i32 - 127).collect();
            let mut p = [0i8; G];
            group_to_planes(&w, &mut p);
            let mut t = [[0i32; 256]; K];
            for (k, tk) in t.iter_mut().enumerate() {
                build_table(x[8 * k..8 * k + 8].try_into().unwrap(), tk);
            }
            let want: i32 = w.iter().zip(&x).map(|(&a, &b)| a as i32 * b).sum();
            assert_eq!(P::dot(&p, &t), want, "G={G}");
        }
    }

    #[test]
    fn plane_dots_equal_the_int8_dot() {
        let mut rng = Pcg32::new(9, 1);
        check_dot::<Planes16, 2, 16>(&mut rng);
        check_dot::<Planes32, 4, 32>(&mut rng);
        check_dot::<Planes48, 6, 48>(&mut rng);
        check_dot::<Planes64, 8, 64>(&mut rng);
    }
}
