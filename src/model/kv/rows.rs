//! Cache rows in memory: the per-head mantissas and per-row exponent of each row
//! ([`Scales`]), and with them the int8 values ([`Rows`]). Row `i` of a store is one
//! token's K or V in one layer; the caller picks the index.
use crate::math::{quantize_row, KvRows, MathError, RowScales};
use alloc::vec;
use alloc::vec::Vec;

pub(super) struct Scales {
    mant: Vec<u16>,
    exp: Vec<i8>,
    heads: usize,
}

impl Scales {
    pub fn new(rows: usize, heads: usize) -> Scales {
        Scales { mant: vec![0; rows * heads], exp: vec![0; rows], heads }
    }

    pub const fn bytes(rows: usize, heads: usize) -> usize {
        rows * (2 * heads + 1)
    }

    /// Quantizes `x` per head into `q`, keeping row `i`'s mantissas and exponent.
    pub fn put(&mut self, i: usize, x: &[i32], q: &mut [i8]) -> Result<(), MathError> {
        let h = self.heads;
        self.exp[i] = quantize_row(x, x.len() / h, q, &mut self.mant[i * h..(i + 1) * h])?;
        Ok(())
    }

    /// Rows `start..start + n`.
    pub fn range(&self, start: usize, n: usize) -> RowScales<'_> {
        let h = self.heads;
        RowScales { mant: &self.mant[start * h..(start + n) * h], exp: &self.exp[start..start + n], heads: h }
    }

    /// Rows `start..start + n` with their int8 values `q` (`n × dim`) from elsewhere.
    pub fn with_values<'a>(&'a self, q: &'a [i8], start: usize, n: usize, dim: usize) -> KvRows<'a> {
        let s = self.range(start, n);
        KvRows { q, mant: s.mant, exp: s.exp, dim, head_dim: dim / self.heads }
    }
}

pub(super) struct Rows {
    q: Vec<i8>,
    scales: Scales,
    dim: usize,
}

impl Rows {
    pub fn new(rows: usize, dim: usize, heads: usize) -> Rows {
        Rows { q: vec![0; rows * dim], scales: Scales::new(rows, heads), dim }
    }

    pub const fn bytes(rows: usize, dim: usize, heads: usize) -> usize {
        rows * dim + Scales::bytes(rows, heads)
    }

    pub fn put(&mut self, i: usize, x: &[i32]) -> Result<(), MathError> {
        let d = self.dim;
        self.scales.put(i, x, &mut self.q[i * d..(i + 1) * d])
    }

    /// Rows `start..start + n`.
    pub fn view(&self, start: usize, n: usize) -> KvRows<'_> {
        let d = self.dim;
        let s = self.scales.range(start, n);
        KvRows { q: &self.q[start * d..(start + n) * d], mant: s.mant, exp: s.exp, dim: d, head_dim: d / s.heads }
    }
}
