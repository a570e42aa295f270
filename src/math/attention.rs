//! Attention building blocks over an int8 K/V cache.
//!
//! A cache row (one token, one layer, K or V) is the token's `dim` values quantized by
//! [`quantize_row`](super::quantize_row) with group = head size: int8 values, one u16
//! mantissa per head, one i8 exponent per token — `dim + 2·heads + 1` bytes. The query
//! is scaled by 1/sqrt(head_dim) ([`inv_sqrt_q30`], [`mul_q30_in_place`]) and quantized
//! the same way into an [`ActQ`]; then per head:
//! scores = [`attn_scores`] → [`softmax_q30`](super::softmax_q30) → [`attn_mix`].

use super::actquant::{check_group, ActQ};
use super::attention_parts::{mix_add, mix_finish, mix_shift, RowScales};
use super::dot::{dot_fixed, Dot, DotAny, DotBy32};
use super::fixed::{sat_i32, shift_round};
use super::isqrt::isqrt_u64;
use super::MathError;

/// Rows of a K or V cache (see the module doc). `q` is `rows × dim`, `mant`
/// `rows × dim/head_dim`, `exp` one per row; raw Q16.16 ≈ q · mant · 2^exp.
#[derive(Clone, Copy, Debug)]
pub struct KvRows<'a> {
    pub q: &'a [i8],
    pub mant: &'a [u16],
    pub exp: &'a [i8],
    pub dim: usize,
    pub head_dim: usize,
}

impl KvRows<'_> {
    pub fn rows(&self) -> usize {
        self.exp.len()
    }

    fn check(&self, head: usize) -> Result<(), MathError> {
        check_group(self.dim, self.head_dim)?;
        let heads = self.dim / self.head_dim;
        if head >= heads {
            return Err(MathError::Shape("head"));
        }
        if self.q.len() != self.rows() * self.dim {
            return Err(MathError::Shape("kv q"));
        }
        if self.mant.len() != self.rows() * heads {
            return Err(MathError::Shape("kv mant"));
        }
        Ok(())
    }
}

/// Most cache rows [`attn_mix`] sums (its i32 accumulators are proven for this many).
pub const MAX_KV_ROWS: usize = 1 << 20;

/// Bytes of one cache row (one token's K or V in one layer): `dim` int8 values, a u16
/// mantissa per head, an i8 exponent. A token costs twice that per layer.
pub const fn kv_row_bytes(dim: usize, head_dim: usize) -> usize {
    dim + 2 * (dim / head_dim) + 1
}

/// floor(2^30 / sqrt(n)) for n ≥ 1 (0 for n = 0): the query scale 1/sqrt(head_dim).
pub fn inv_sqrt_q30(n: u32) -> u32 {
    if n == 0 {
        0
    } else {
        isqrt_u64((1u64 << 60) / n as u64)
    }
}

/// `x = round(x · c / 2^30)`.
pub fn mul_q30_in_place(x: &mut [i32], c: u32) {
    for v in x {
        *v = sat_i32(shift_round(*v as i64 * c as i64, 30));
    }
}

/// `out[j] = q_head · K[j]_head` in Q16.16 for every cache row j (`out.len()` rows).
/// `q` must be quantized with group = head_dim (and already scaled by 1/sqrt(head_dim)).
pub fn attn_scores(q: &ActQ, head: usize, keys: KvRows, out: &mut [i32]) -> Result<(), MathError> {
    keys.check(head)?;
    if q.group != keys.head_dim || q.len() != keys.dim || q.mant.len() != keys.dim / keys.head_dim {
        return Err(MathError::Shape("q"));
    }
    if out.len() != keys.rows() {
        return Err(MathError::Shape("out"));
    }
    match keys.head_dim {
        8 => scores_fixed::<8>(q, head, keys, out),
        16 => scores_fixed::<16>(q, head, keys, out),
        32 => scores_fixed::<32>(q, head, keys, out),
        64 => scores_fixed::<64>(q, head, keys, out),
        hd if hd % 32 == 0 => scores::<DotBy32>(q, head, keys, out, hd),
        hd => scores::<DotAny>(q, head, keys, out, hd),
    }
    Ok(())
}

/// [`scores`] for a head size of `H` (8, 16, 32 or 64): the head's slices as fixed-size
/// arrays, so the dot is written out with no per-row iterator setup.
#[inline(never)]
fn scores_fixed<const H: usize>(q: &ActQ, head: usize, keys: KvRows, out: &mut [i32]) {
    let heads = keys.dim / H;
    let (Some(qh), Some(&mq)) = (q.q[head * H..].first_chunk::<H>(), q.mant.get(head)) else {
        return;
    };
    let rows = keys.q.chunks_exact(keys.dim).zip(keys.mant.chunks_exact(heads)).zip(keys.exp);
    for (o, ((k, km), &ke)) in out.iter_mut().zip(rows) {
        let (Some(kh), Some(&mk)) = (k[head * H..].first_chunk::<H>(), km.get(head)) else {
            return;
        };
        // raw = dot · mq · mk · 2^(eq + ek) / 2^16, with mq · mk < 2^30.
        let p = (mq as u32 * mk as u32) as i32;
        *o = sat_i32(shift_round(dot_fixed(kh, qh) as i64 * p as i64, 16 - q.exp as i32 - ke as i32));
    }
}

#[inline(always)]
fn scores<D: Dot>(q: &ActQ, head: usize, keys: KvRows, out: &mut [i32], hd: usize) {
    let heads = keys.dim / hd;
    let qh = &q.q[head * hd..(head + 1) * hd];
    let mq = q.mant[head] as u32;
    let rows = keys.q.chunks_exact(keys.dim).zip(keys.mant.chunks_exact(heads)).zip(keys.exp);
    for (o, ((k, km), &ke)) in out.iter_mut().zip(rows) {
        let p = (mq * km[head] as u32) as i32; // < 2^30
        let t = D::dot(&k[head * hd..(head + 1) * hd], qh) as i64 * p as i64;
        // raw = dot · mq · mk · 2^(eq + ek) / 2^16
        *o = sat_i32(shift_round(t, 16 - q.exp as i32 - ke as i32));
    }
}

/// `out = sum_j probs[j] · V[j]_head` (Q16.16, `head_dim` values); probs are Q2.30.
///
/// Each row's weight `p_j · scale_j` is turned into one i32 multiplier, sized so that
/// 127 × (sum of multipliers) < 2^29 + 64 · rows: the inner loop is `out[d] += w · v[d]`
/// in i32 (rows ≤ [`MAX_KV_ROWS`]). The same code as a cache read by chunks runs:
/// [`mix_shift`], [`mix_add`] over all rows, [`mix_finish`].
pub fn attn_mix(probs: &[u32], values: KvRows, head: usize, out: &mut [i32]) -> Result<(), MathError> {
    values.check(head)?;
    if out.len() != values.head_dim {
        return Err(MathError::Shape("out"));
    }
    let scales = RowScales { mant: values.mant, exp: values.exp, heads: values.dim / values.head_dim };
    let g = mix_shift(probs, scales, head)?;
    out.fill(0);
    if let Some(g) = g {
        mix_add(probs, values, head, g, out)?;
        mix_finish(out, g);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
