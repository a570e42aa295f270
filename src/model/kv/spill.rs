//! The int8 rows in a file, the per-row mantissas and exponents in memory (they are
//! small, and the mix's shift needs all of them). Attention reads a layer's K rows a
//! chunk at a time into one buffer and scores every head on each chunk, softmaxes each
//! head over all positions, then reads the V rows the same way and mixes them with the
//! shift the whole-cache `attn_mix` would use: the same bits as [`super::memory`].
//!
//! File layout: layer `l`'s K rows, then its V rows, `capacity` rows of `dim` bytes
//! each, layer after layer.
use super::file::KvFile;
use super::rows::Scales;
use super::KvShape;
use crate::math::{attn_scores, mix_add, mix_finish, mix_shift, softmax_q30, ActQ};
use crate::model::ModelError;
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

pub(super) struct SpillKv {
    file: Box<dyn KvFile>,
    k: Scales,
    v: Scales,
    shape: KvShape,
    capacity: usize,
    chunk_rows: usize,
    /// `chunk_rows × dim`: K or V rows just read.
    chunk: Vec<i8>,
    /// One row being written.
    row: Vec<i8>,
    /// Per head, `capacity` each: every head is scored on a chunk while it is loaded.
    scores: Vec<i32>,
    probs: Vec<u32>,
    /// Per head: the mix's shift (None: the head's output is 0).
    shifts: Vec<Option<i32>>,
    pub read: u64,
    pub written: u64,
}

impl SpillKv {
    /// `chunk_rows` is clamped to `1..=capacity`.
    pub fn new(file: Box<dyn KvFile>, s: KvShape, capacity: usize, chunk_rows: usize) -> SpillKv {
        let (rows, chunk_rows) = (s.layers * capacity, chunk_rows.clamp(1, capacity.max(1)));
        SpillKv {
            file,
            k: Scales::new(rows, s.heads),
            v: Scales::new(rows, s.heads),
            shape: s,
            capacity,
            chunk_rows,
            chunk: vec![0; chunk_rows * s.dim],
            row: vec![0; s.dim],
            scores: vec![0; s.heads * capacity],
            probs: vec![0; s.heads * capacity],
            shifts: vec![None; s.heads],
            read: 0,
            written: 0,
        }
    }

    /// Memory `new` allocates.
    pub const fn bytes(s: KvShape, capacity: usize, chunk_rows: usize) -> usize {
        let chunk_rows = if chunk_rows > capacity { capacity } else { chunk_rows };
        2 * Scales::bytes(s.layers * capacity, s.heads)
            + (chunk_rows + 1) * s.dim
            + 8 * s.heads * capacity
            + s.heads * core::mem::size_of::<Option<i32>>()
    }

    /// Bytes the file grows to.
    pub const fn file_bytes(s: KvShape, capacity: usize) -> u64 {
        (2 * s.layers * capacity * s.dim) as u64
    }

    fn offset(&self, layer: usize, v: bool, pos: usize) -> u64 {
        (((2 * layer + v as usize) * self.capacity + pos) * self.shape.dim) as u64
    }

    pub fn store(&mut self, layer: usize, pos: usize, k: &[i32], v: &[i32]) -> Result<(), ModelError> {
        let i = layer * self.capacity + pos;
        self.k.put(i, k, &mut self.row)?;
        let at = self.offset(layer, false, pos);
        self.file.write_at(at, &self.row).map_err(ModelError::KvFile)?;
        self.v.put(i, v, &mut self.row)?;
        let at = self.offset(layer, true, pos);
        self.file.write_at(at, &self.row).map_err(ModelError::KvFile)?;
        self.written += 2 * self.row.len() as u64;
        Ok(())
    }

    /// Reads rows `start..start + m` of `layer`'s K (or V) into the chunk buffer.
    fn load(&mut self, layer: usize, v: bool, start: usize, m: usize) -> Result<(), ModelError> {
        let at = self.offset(layer, v, start);
        let buf = &mut self.chunk[..m * self.shape.dim];
        self.file.read_at(at, buf).map_err(ModelError::KvFile)?;
        self.read += buf.len() as u64;
        Ok(())
    }

    /// `out` = attention of query `q` over positions `0..n` of `layer`, all heads.
    pub fn attend(&mut self, layer: usize, n: usize, q: &ActQ, out: &mut [i32]) -> Result<(), ModelError> {
        let (dim, heads, cap) = (self.shape.dim, self.shape.heads, self.capacity);
        let hd = dim / heads;
        let base = layer * cap;
        for start in (0..n).step_by(self.chunk_rows) {
            let m = self.chunk_rows.min(n - start);
            self.load(layer, false, start, m)?;
            let keys = self.k.with_values(&self.chunk[..m * dim], base + start, m, dim);
            for h in 0..heads {
                attn_scores(q, h, keys, &mut self.scores[h * cap + start..h * cap + start + m])?;
            }
        }
        for h in 0..heads {
            let (s, p) = (&self.scores[h * cap..h * cap + n], &mut self.probs[h * cap..h * cap + n]);
            softmax_q30(s, p)?;
            self.shifts[h] = mix_shift(p, self.v.range(base, n), h)?;
        }
        out.fill(0);
        for start in (0..n).step_by(self.chunk_rows) {
            let m = self.chunk_rows.min(n - start);
            self.load(layer, true, start, m)?;
            let values = self.v.with_values(&self.chunk[..m * dim], base + start, m, dim);
            for (h, g) in self.shifts.iter().enumerate() {
                if let Some(g) = *g {
                    let p = &self.probs[h * cap + start..h * cap + start + m];
                    mix_add(p, values, h, g, &mut out[h * hd..(h + 1) * hd])?;
                }
            }
        }
        for (h, g) in self.shifts.iter().enumerate() {
            if let Some(g) = *g {
                mix_finish(&mut out[h * hd..(h + 1) * hd], g);
            }
        }
        Ok(())
    }
}
