//! The hot loop: int8 weight rows × an int8 activation row → Q16.16 outputs.
//!
//! `y[r] = round(sum_g dot_g * m_w[r,g] * m_x[g] * 2^(exp - shift)) + b[r]`. Per group:
//! an i32 dot (≤ MAX_GROUP × 127² < 2^24), one 32-bit mantissa product (< 2^31), one
//! 32×32→64 multiply-add; per row one rounding shift. Over a row the i64 sum stays
//! below cols × 2^45 ≤ 2^61 for cols ≤ [`MAX_COLS`].

use core::ops::Range;

use super::actquant::{check_group, ActQ};
use super::fixed::{sat_i32, shift_round};
use super::{MathError, QMatrix};

/// Longest row the i64 row sum is proven for.
pub const MAX_COLS: usize = 1 << 16;

/// A block of quantized weight rows: a whole [`QMatrix`] or a chunk of its rows (for
/// streaming). Same layout as `QMatrix`: `q` is `rows × cols`, `scales` `rows × cols/group`.
#[derive(Clone, Copy, Debug)]
pub struct WeightRows<'a> {
    pub q: &'a [i8],
    pub scales: &'a [u16],
    pub cols: usize,
    pub group: usize,
    pub shift: u8,
}

impl WeightRows<'_> {
    pub fn rows(&self) -> usize {
        self.q.len().checked_div(self.cols).unwrap_or(0)
    }
}

impl QMatrix {
    /// All rows, as the kernels take them.
    pub fn view(&self) -> WeightRows<'_> {
        self.row_block(0..self.rows).expect("full range is in bounds")
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
            cols: self.cols,
            group: self.group,
            shift: self.shift,
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
    let sh = w.shift as i32 - x.exp as i32;
    let gpr = w.cols / w.group;
    let rows_iter = out.iter_mut().zip(w.q.chunks_exact(w.cols)).zip(w.scales.chunks_exact(gpr));
    for (r, ((y, wq), ws)) in rows_iter.enumerate() {
        let t = row_sum(wq, ws, &x.q, &x.mant, w.group);
        let b = bias.map_or(0, |b| b[r] as i64);
        *y = sat_i32(shift_round(t, sh).saturating_add(b));
    }
    Ok(())
}

/// `sum_g dot_g * m_w[g] * m_x[g]` over one row.
#[inline(always)]
fn row_sum(wq: &[i8], ws: &[u16], xq: &[i32], xm: &[u16], group: usize) -> i64 {
    let mut t = 0i64;
    let groups = wq.chunks_exact(group).zip(xq.chunks_exact(group)).zip(ws.iter().zip(xm));
    for ((wg, xg), (&mw, &mx)) in groups {
        let p = (mw as u32 * mx as u32) as i32; // ≤ 65535 × 32767 < 2^31
        t += dot_i8(wg, xg) as i64 * p as i64;
    }
    t
}

/// `sum w[i] * x[i]`, unrolled by 8 in the source so it stays unrolled at `opt-level="s"`.
/// The caller bounds the length (≤ MAX_GROUP), so the i32 sum cannot overflow.
#[inline(always)]
pub(crate) fn dot_i8(w: &[i8], x: &[i32]) -> i32 {
    let mut acc = 0i32;
    let mut wc = w.chunks_exact(8);
    let mut xc = x.chunks_exact(8);
    for (a, b) in (&mut wc).zip(&mut xc) {
        acc += a[0] as i32 * b[0]
            + a[1] as i32 * b[1]
            + a[2] as i32 * b[2]
            + a[3] as i32 * b[3]
            + a[4] as i32 * b[4]
            + a[5] as i32 * b[5]
            + a[6] as i32 * b[6]
            + a[7] as i32 * b[7];
    }
    for (&a, &b) in wc.remainder().iter().zip(xc.remainder()) {
        acc += a as i32 * b;
    }
    acc
}

#[cfg(test)]
mod tests;
