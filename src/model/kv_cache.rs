//! K and V of every past token, per layer, as int8 rows with a mantissa per head and an
//! exponent per row (see `math::attention`): `dim + 2·heads + 1` bytes per row.
use crate::math::{quantize_row, KvRows, MathError};
use alloc::vec;
use alloc::vec::Vec;

struct Rows {
    q: Vec<i8>,
    mant: Vec<u16>,
    exp: Vec<i8>,
}

impl Rows {
    fn new(rows: usize, dim: usize, heads: usize) -> Rows {
        Rows { q: vec![0; rows * dim], mant: vec![0; rows * heads], exp: vec![0; rows] }
    }
}

pub struct KvCache {
    layers: usize,
    capacity: usize,
    dim: usize,
    head_dim: usize,
    len: usize,
    k: Rows,
    v: Rows,
}

impl KvCache {
    /// Room for `capacity` tokens in each of `layers` layers.
    pub fn new(layers: usize, capacity: usize, dim: usize, heads: usize) -> KvCache {
        let rows = layers * capacity;
        KvCache {
            layers,
            capacity,
            dim,
            head_dim: dim / heads,
            len: 0,
            k: Rows::new(rows, dim, heads),
            v: Rows::new(rows, dim, heads),
        }
    }

    pub fn bytes(layers: usize, capacity: usize, dim: usize, heads: usize) -> usize {
        2 * layers * capacity * crate::math::attention::kv_row_bytes(dim, dim / heads)
    }

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn capacity(&self) -> usize {
        self.capacity
    }
    pub fn clear(&mut self) {
        self.len = 0;
    }
    /// Counts the token just written into every layer at position `len`.
    pub fn advance(&mut self) {
        self.len += 1;
    }

    /// Stores this token's `k` and `v` (Q16.16, `dim` each) for `layer` at position `len`.
    pub fn store(&mut self, layer: usize, k: &[i32], v: &[i32]) -> Result<(), MathError> {
        let row = layer * self.capacity + self.len;
        for (rows, x) in [(&mut self.k, k), (&mut self.v, v)] {
            let heads = self.dim / self.head_dim;
            let q = &mut rows.q[row * self.dim..(row + 1) * self.dim];
            let m = &mut rows.mant[row * heads..(row + 1) * heads];
            rows.exp[row] = quantize_row(x, self.head_dim, q, m)?;
        }
        Ok(())
    }

    /// Keys of `layer` for positions `0..=len` (the current token included).
    pub fn keys(&self, layer: usize) -> KvRows<'_> {
        self.view(&self.k, layer)
    }
    pub fn values(&self, layer: usize) -> KvRows<'_> {
        self.view(&self.v, layer)
    }

    fn view<'a>(&self, rows: &'a Rows, layer: usize) -> KvRows<'a> {
        let heads = self.dim / self.head_dim;
        let (start, n) = (layer * self.capacity, self.len + 1);
        KvRows {
            q: &rows.q[start * self.dim..(start + n) * self.dim],
            mant: &rows.mant[start * heads..(start + n) * heads],
            exp: &rows.exp[start..start + n],
            dim: self.dim,
            head_dim: self.head_dim,
        }
    }

    pub fn layers(&self) -> usize {
        self.layers
    }
}
