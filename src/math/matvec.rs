//! The hot loop: int8 weight rows × an int8 activation row → Q16.16 outputs.
//!
//! `y[r] = round(sum_g dot_g * m_w[r,g] * m_x[g] * 2^(exp - shift)) + b[r]`. Per group:
//! an i32 dot (≤ MAX_GROUP × 127² < 2^24), one 32-bit mantissa product (< 2^31), one
//! 32×32→64 multiply-add; per row one rounding shift. Over a row the i64 sum stays
//! below cols × 2^45 ≤ 2^61 for cols ≤ [`MAX_COLS`].

use core::ops::Range;

use super::actquant::{check_group, ActQ};
use super::dot::{dot_array, Dot, DotAny, DotBy32};
use super::fixed::{sat_i32, shift_round};
use super::planes::{rows_planes, Planes16, Planes32, Planes48, Planes64};
use super::qmatrix::Layout;
use super::{MathError, QMatrix, VEC_FRAC_BITS};

/// Longest row the i64 row sum is proven for.
pub const MAX_COLS: usize = 1 << 16;

/// A block of quantized weight rows: a whole [`QMatrix`] or a chunk of its rows (for
/// streaming). Same layout as `QMatrix`: `q` is `rows × cols` (int8 values or their bit
/// planes, by `layout`), `scales` `rows × cols/group`.
#[derive(Clone, Copy, Debug)]
pub struct WeightRows<'a> {
    pub q: &'a [i8],
    pub scales: &'a [u16],
    pub cols: usize,
    pub group: usize,
    pub shift: u8,
    pub layout: Layout,
}

impl WeightRows<'_> {
    pub fn rows(&self) -> usize {
        self.q.len().checked_div(self.cols).unwrap_or(0)
    }

    /// Row `r` as Q16.16 (embedding lookups): `q · m / 2^shift`, rounded, saturated.
    pub fn row_q16(&self, r: usize, out: &mut [i32]) -> Result<(), MathError> {
        if self.group == 0 || !self.cols.is_multiple_of(self.group) {
            return Err(MathError::Group);
        }
        let gpr = self.cols / self.group;
        let (Some(q), Some(m)) =
            (self.q.get(r * self.cols..(r + 1) * self.cols), self.scales.get(r * gpr..(r + 1) * gpr))
        else {
            return Err(MathError::Shape("row"));
        };
        if out.len() != self.cols {
            return Err(MathError::Shape("out"));
        }
        let sh = self.shift as i32 - VEC_FRAC_BITS as i32;
        let mut values = [0i8; 64];
        for (g, (qg, og)) in q.chunks_exact(self.group).zip(out.chunks_exact_mut(self.group)).enumerate() {
            let v = match self.layout {
                Layout::Rows => qg,
                Layout::Planes => {
                    let v = values.get_mut(..self.group).ok_or(MathError::Group)?;
                    super::planes::group_from_planes(qg, v);
                    v
                }
            };
            for (o, &v) in og.iter_mut().zip(v) {
                *o = sat_i32(shift_round(v as i64 * m[g] as i64, sh));
            }
        }
        Ok(())
    }
}

impl QMatrix {
    /// All rows, as the kernels take them (which check the shapes).
    pub fn view(&self) -> WeightRows<'_> {
        WeightRows {
            q: &self.q,
            scales: &self.scales,
            cols: self.cols,
            group: self.group,
            shift: self.shift,
            layout: self.layout,
        }
    }

    /// Rows `range` (None if out of bounds).
    pub fn row_block(&self, range: Range<usize>) -> Option<WeightRows<'_>> {
        if range.start > range.end || range.end > self.rows || self.group == 0 {
            return None;
        }
        let gpr = self.groups_per_row();
        Some(WeightRows {
            q: self.q.get(range.start * self.cols..range.end * self.cols)?,
            scales: self.scales.get(range.start * gpr..range.end * gpr)?,
            ..self.view()
        })
    }
}

/// `out[r] = W[r] · x + bias[r]` for every row of `w` (`out.len()` rows), Q16.16.
/// `x` must be quantized with the weights' group size.
pub fn matvec(w: WeightRows, x: &ActQ, bias: Option<&[i32]>, out: &mut [i32]) -> Result<(), MathError> {
    let rows = out.len();
    if w.cols == 0 || w.cols > MAX_COLS {
        return Err(MathError::Shape("cols"));
    }
    check_group(w.cols, w.group)?;
    if x.group != w.group || x.len() != w.cols || x.mant.len() != w.cols / w.group {
        return Err(MathError::Shape("x"));
    }
    if w.q.len() != rows * w.cols {
        return Err(MathError::Shape("weights"));
    }
    if w.scales.len() != rows * (w.cols / w.group) {
        return Err(MathError::Shape("scales"));
    }
    if bias.is_some_and(|b| b.len() != rows) {
        return Err(MathError::Shape("bias"));
    }
    if w.layout == Layout::Planes {
        match w.group {
            16 => rows_planes::<Planes16, 2, 16>(w, x, bias, out),
            32 => rows_planes::<Planes32, 4, 32>(w, x, bias, out),
            48 => rows_planes::<Planes48, 6, 48>(w, x, bias, out),
            64 => rows_planes::<Planes64, 8, 64>(w, x, bias, out),
            _ => return Err(MathError::Group),
        }
        return Ok(());
    }
    match w.group {
        32 if w.cols == 128 => rows_128(w, x, bias, out),
        32 if w.cols.is_multiple_of(128) => rows_by4(w, x, bias, out),
        32 => rows_fixed::<32>(w, x, bias, out),
        64 => rows_fixed::<64>(w, x, bias, out),
        g if g % 32 == 0 => row_loop::<DotBy32>(w, x, bias, out, g),
        g => row_loop::<DotAny>(w, x, bias, out, g),
    }
    Ok(())
}

/// `$t += dot(w[$g], x[$g]) · m_w[$g] · m_x[$g]` for group `$g` of a block of four.
/// The dot first, then the mantissa product (< 2^31) and one 32×32→64 multiply-add.
macro_rules! group32 {
    ($t:ident, $w:ident, $x:ident, $mw:ident, $mx:ident, $g:expr) => {
        let d = dot_array(&$w[$g], &$x[$g]);
        let p = ($mw[$g] as u32 * $mx[$g] as u32) as i32; // ≤ 65535 × 32767 < 2^31
        $t += d as i64 * p as i64;
    };
}

/// Rows of 128 columns at group 32 (the default model's q/k/v, attention out, FFN in
/// and output head): four groups written out, and `x` held as one array, which LLVM
/// keeps on the stack, so the dot addresses it by constant offsets and has the
/// registers for the weights and the sums. Measured with scripts/profile-386.sh:
/// 450 instructions per row (3.5 per MAC), against about 495 for [`rows_by4`] or
/// [`rows_fixed`].
#[inline(never)]
fn rows_128(w: WeightRows, x: &ActQ, bias: Option<&[i32]>, out: &mut [i32]) {
    let sh = w.shift as i32 - x.exp as i32;
    let half = round_half(sh);
    let (Some(xq), Some(xm)) = (x.q.first_chunk::<128>(), x.mant.first_chunk::<4>()) else { return };
    let (xq, _) = xq.as_chunks::<32>();
    let (wq, _) = w.q.as_chunks::<128>();
    let (ws, _) = w.scales.as_chunks::<4>();
    for (r, ((y, wr), mw)) in out.iter_mut().zip(wq).zip(ws).enumerate() {
        let (wr, _) = wr.as_chunks::<32>();
        let mut t = 0i64;
        group32!(t, wr, xq, mw, xm, 0);
        group32!(t, wr, xq, mw, xm, 1);
        group32!(t, wr, xq, mw, xm, 2);
        group32!(t, wr, xq, mw, xm, 3);
        *y = finish(t, sh, half, bias.map_or(0, |b| b[r]));
    }
}

/// Rows of a multiple of 128 columns at group 32 (the default model's FFN out): blocks
/// of four groups written out (112 instructions per group).
#[inline(never)]
fn rows_by4(w: WeightRows, x: &ActQ, bias: Option<&[i32]>, out: &mut [i32]) {
    let sh = w.shift as i32 - x.exp as i32;
    let half = round_half(sh);
    let blocks = w.cols / 128;
    let (xq, _) = x.q.as_chunks::<128>();
    let (xm, _) = x.mant.as_chunks::<4>();
    let (Some(xq), Some(xm)) = (xq.get(..blocks), xm.get(..blocks)) else { return };
    let (wq, _) = w.q.as_chunks::<128>();
    let (ws, _) = w.scales.as_chunks::<4>();
    let rows = out.iter_mut().zip(wq.chunks_exact(blocks)).zip(ws.chunks_exact(blocks));
    for (r, ((y, wr), sr)) in rows.enumerate() {
        let mut t = 0i64;
        for (((wb, mw), xb), mx) in wr.iter().zip(sr).zip(xq).zip(xm) {
            let (wb, _) = wb.as_chunks::<32>();
            let (xb, _) = xb.as_chunks::<32>();
            group32!(t, wb, xb, mw, mx, 0);
            group32!(t, wb, xb, mw, mx, 1);
            group32!(t, wb, xb, mw, mx, 2);
            group32!(t, wb, xb, mw, mx, 3);
        }
        *y = finish(t, sh, half, bias.map_or(0, |b| b[r]));
    }
}

/// Groups of `G` (32 or 64) as fixed-size arrays, one group per step: plain pointers,
/// no bounds checks (113 instructions per group of 32 and about 50 per row; the
/// slice-and-[`Dot`] loop of [`row_loop`] took 160 and 180).
#[inline(never)]
fn rows_fixed<const G: usize>(w: WeightRows, x: &ActQ, bias: Option<&[i32]>, out: &mut [i32]) {
    let sh = w.shift as i32 - x.exp as i32;
    let half = round_half(sh);
    let gpr = w.cols / G;
    let (xq, _) = x.q.as_chunks::<G>();
    let (Some(xg), Some(xm)) = (xq.get(..gpr), x.mant.get(..gpr)) else { return };
    let (wq, _) = w.q.as_chunks::<G>();
    let rows = out.iter_mut().zip(wq.chunks_exact(gpr)).zip(w.scales.chunks_exact(gpr));
    for (r, ((y, wr), sr)) in rows.enumerate() {
        let mut t = 0i64;
        let (wr, sr) = (&wr[..gpr], &sr[..gpr]);
        for g in 0..gpr {
            let d = dot_array(&wr[g], &xg[g]);
            let p = (sr[g] as u32 * xm[g] as u32) as i32; // ≤ 65535 × 32767 < 2^31
            t += d as i64 * p as i64;
        }
        *y = finish(t, sh, half, bias.map_or(0, |b| b[r]));
    }
}

/// `sat_i32(shift_round(t, sh) + b)` for a row sum `|t| < 2^62`; `half` is
/// `2^(sh-1)` when `sh` is in 1..=62 (every real model: a shift right), which takes
/// the short way: the sum cannot overflow, nor can adding an i32 to the shifted value.
#[inline(always)]
pub(crate) fn finish(t: i64, sh: i32, half: i64, b: i32) -> i32 {
    if (1..=62).contains(&sh) {
        sat_i32(((t + half) >> sh) + b as i64)
    } else {
        sat_i32(shift_round(t, sh).saturating_add(b as i64))
    }
}

/// The rounding half of a shift right by `sh` ([`finish`]'s short way), else 0.
pub(crate) fn round_half(sh: i32) -> i64 {
    if (1..=62).contains(&sh) {
        1i64 << (sh - 1)
    } else {
        0
    }
}

/// The row loop, one copy per dot kernel.
#[inline(always)]
fn row_loop<D: Dot>(w: WeightRows, x: &ActQ, bias: Option<&[i32]>, out: &mut [i32], group: usize) {
    let sh = w.shift as i32 - x.exp as i32;
    let half = round_half(sh);
    let rows = out.iter_mut().zip(w.q.chunks_exact(w.cols)).zip(w.scales.chunks_exact(w.cols / group));
    for (r, ((y, wq), ws)) in rows.enumerate() {
        // sum_g dot_g · m_w[g] · m_x[g]
        let mut t = 0i64;
        let groups = wq.chunks_exact(group).zip(x.q.chunks_exact(group)).zip(ws.iter().zip(&x.mant));
        for ((wg, xg), (&mw, &mx)) in groups {
            // The dot first, then the mantissas: i386 has no register to spare for
            // the product while the dot runs.
            let d = D::dot(wg, xg);
            let p = (mw as u32 * mx as u32) as i32; // ≤ 65535 × 32767 < 2^31
            t += d as i64 * p as i64;
        }
        *y = finish(t, sh, half, bias.map_or(0, |b| b[r]));
    }
}

#[cfg(test)]
mod tests;
