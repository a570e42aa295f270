//! [`attn_mix`](super::attn_mix) taken apart, so attention can run over a K/V cache
//! read a chunk of rows at a time (spilled to a file) and stay bit-identical to the
//! whole-cache kernels.
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
use super::dot::axpy;
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

/// The shift `g` that `attn_mix` would use for `head` over all rows (`probs` one per
/// row); `None` when no row counts (every probability or mantissa 0: the output is 0).
pub fn mix_shift(probs: &[u32], scales: RowScales, head: usize) -> Result<Option<i32>, MathError> {
    let (rows, heads) = (scales.exp.len(), scales.heads);
    if head >= heads || scales.mant.len() != rows * heads {
        return Err(MathError::Shape("scales"));
    }
    if probs.len() != rows || rows > MAX_KV_ROWS {
        return Err(MathError::Shape("probs"));
    }
    let mant = |j: usize| scales.mant[j * heads + head] as u32;
    let top =
        (0..rows).filter(|&j| probs[j] != 0 && mant(j) != 0).map(|j| bitlen_u32(mant(j)) + scales.exp[j] as i32).max();
    Ok(top.map(|top| 22 - top))
}

/// `acc += sum_j w_j · V[j]_head` over the rows of `values` (a chunk), with the
/// multipliers `attn_mix` computes for shift `g`; `probs` are this chunk's.
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
    for (j, (&p, v)) in probs.iter().zip(values.q.chunks_exact(values.dim)).enumerate() {
        if p == 0 {
            continue;
        }
        let m = values.mant[j * heads + head] as i64;
        let w = shift_round(p as i64 * m, 30 - values.exp[j] as i32 - g) as i32;
        if w == 0 {
            continue;
        }
        axpy(acc, w, &v[head * hd..(head + 1) * hd]);
    }
    Ok(())
}

/// The accumulator back to Q16.16: one rounding shift by `g`.
pub fn mix_finish(acc: &mut [i32], g: i32) {
    for o in acc.iter_mut() {
        *o = sat_i32(shift_round(*o as i64, g));
    }
}

#[cfg(test)]
mod tests;
