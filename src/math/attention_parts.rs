//! The weighted sum of V taken apart, so attention can run over a K/V cache read a chunk
//! of rows at a time (spilled to a file) with the same code, and the same bits, as over
//! the whole cache: [`attn_mix`](super::attn_mix) is these three parts over all rows.
//!
//! Scores need nothing new: each row's score depends on that row only, so
//! [`attn_scores`](super::attn_scores) on a chunk of rows writes those rows' scores.
//! The mix folds every row into one i32 multiplier against a shift `g` chosen from the
//! largest row scale among all rows that count; so: [`mix_shift`] once from the per-row
//! mantissas and exponents (they stay in memory), [`mix_add`] per chunk into one i32
//! accumulator, [`mix_finish`] once. Integer sums do not depend on the order or the
//! grouping of their terms, and the accumulator bound of `attn_mix` holds for every
//! partial sum, so the result is the same bits.

use super::actquant::check_group;
use super::attention::{KvRows, MAX_KV_ROWS};
use super::dot::{axpy, axpy_fixed};
use super::fixed::{bitlen_u32, sat_i32, shift_round};
use super::MathError;

/// The per-row scales of a K or V cache without the int8 values: `mant` is
/// `rows × heads`, `exp` one per row (as in [`KvRows`]).
#[derive(Clone, Copy, Debug)]
pub struct RowScales<'a> {
    pub mant: &'a [u16],
    pub exp: &'a [i8],
    pub heads: usize,
}

/// The shift `g` that `attn_mix` uses for `head` over all rows (`probs` one per row);
/// `None` when no row counts (every probability or mantissa 0: the output is 0).
pub fn mix_shift(probs: &[u32], scales: RowScales, head: usize) -> Result<Option<i32>, MathError> {
    let (rows, heads) = (scales.exp.len(), scales.heads);
    if head >= heads || scales.mant.len() != rows * heads {
        return Err(MathError::Shape("scales"));
    }
    if probs.len() != rows || rows > MAX_KV_ROWS {
        return Err(MathError::Shape("probs"));
    }
    // The largest row scale among rows that count, as a power of two: scale_j < 2^top.
    let mut top = i32::MIN;
    for ((&p, m), &e) in probs.iter().zip(scales.mant.chunks_exact(heads)).zip(scales.exp) {
        let m = m.get(head).copied().unwrap_or(0);
        if p != 0 && m != 0 {
            top = top.max(bitlen_u32(m as u32) + e as i32);
        }
    }
    // w_j = p_j · scale_j · 2^g / 2^30 < p_j/2^30 · 2^22: the sum of |w_j · v| stays
    // below 2^29 + 64 · rows.
    Ok((top != i32::MIN).then(|| 22 - top))
}

/// `acc += sum_j w_j · V[j]_head` over the rows of `values` (a chunk), with the
/// multipliers `attn_mix` computes for shift `g`; `probs` are this chunk's. Heads of 8,
/// 16, 32 and 64 take a written-out loop.
pub fn mix_add(probs: &[u32], values: KvRows, head: usize, g: i32, acc: &mut [i32]) -> Result<(), MathError> {
    check_group(values.dim, values.head_dim)?;
    let (hd, heads) = (values.head_dim, values.dim / values.head_dim);
    let rows = values.rows();
    if head >= heads || values.q.len() != rows * values.dim || values.mant.len() != rows * heads {
        return Err(MathError::Shape("values"));
    }
    if probs.len() != rows {
        return Err(MathError::Shape("probs"));
    }
    if acc.len() != hd {
        return Err(MathError::Shape("acc"));
    }
    match hd {
        8 => add_fixed::<8>(probs, values, head, g, acc),
        16 => add_fixed::<16>(probs, values, head, g, acc),
        32 => add_fixed::<32>(probs, values, head, g, acc),
        64 => add_fixed::<64>(probs, values, head, g, acc),
        _ => {
            for (j, (&p, v)) in probs.iter().zip(values.q.chunks_exact(values.dim)).enumerate() {
                if let Some(w) = row_weight(p, values.mant[j * heads + head], values.exp[j], g) {
                    axpy(acc, w, &v[head * hd..(head + 1) * hd]);
                }
            }
        }
    }
    Ok(())
}

/// [`mix_add`] for a head size of `H`: the head's slices as fixed-size arrays and the
/// axpy written out.
#[inline(never)]
fn add_fixed<const H: usize>(probs: &[u32], values: KvRows, head: usize, g: i32, acc: &mut [i32]) {
    let heads = values.dim / H;
    let Some(acc) = acc.first_chunk_mut::<H>() else { return };
    let rows = probs.iter().zip(values.q.chunks_exact(values.dim)).zip(values.mant.chunks_exact(heads));
    for (((&p, v), m), &e) in rows.zip(values.exp) {
        let (Some(&m), Some(v)) = (m.get(head), v[head * H..].first_chunk::<H>()) else { return };
        if let Some(w) = row_weight(p, m, e, g) {
            axpy_fixed(acc, w, v);
        }
    }
}

/// Row j's multiplier: `round(p_j · mant_j · 2^(exp_j + g) / 2^30)` (below 2^22 by the
/// choice of `g`), None when it is 0 (the row adds nothing).
#[inline(always)]
fn row_weight(p: u32, mant: u16, exp: i8, g: i32) -> Option<i32> {
    if p == 0 {
        return None;
    }
    let w = shift_round(p as i64 * mant as i64, 30 - exp as i32 - g) as i32;
    (w != 0).then_some(w)
}

/// The accumulator back to Q16.16: one rounding shift by `g`.
pub fn mix_finish(acc: &mut [i32], g: i32) {
    for o in acc.iter_mut() {
        *o = sat_i32(shift_round(*o as i64, g));
    }
}

#[cfg(test)]
mod tests;
