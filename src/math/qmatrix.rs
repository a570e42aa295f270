//! Quantized weight matrices: the one representation shared by the file format,
//! the converter and the integer kernels.
//!
//! A matrix is `rows x cols`, row-major; row `r` holds the weights of output `r` along
//! the input dimension (so `y[r] = sum_c W[r][c] * x[c]`). Weights are int8, symmetric,
//! with one scale per group of `group` consecutive inputs of a row. A scale is an
//! integer mantissa `m: u16` and a per-matrix `shift`: `w = q * m / 2^shift`, so the DOS
//! path never needs a float.

use alloc::vec;
use alloc::vec::Vec;

use super::planes::{group_from_planes, group_to_planes, is_plane_group};

/// Fixed-point fraction bits of every stored vector (biases, norm gains, ...): Q16.16.
pub const VEC_FRAC_BITS: u32 = 16;

/// How `QMatrix::q` holds the weights: int8 values row-major, or each (row, group) as its
/// bit planes (`planes.rs`; group sizes of [`is_plane_group`]), which the multiply-free
/// kernels read. The same matrix either way: [`QMatrix::to_planes`] / [`QMatrix::to_rows`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    #[default]
    Rows,
    Planes,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QMatrix {
    pub rows: usize,
    pub cols: usize,
    /// Inputs per scale; `cols % group == 0`.
    pub group: usize,
    /// Scale of group g is `scales[g] / 2^shift`.
    pub shift: u8,
    /// `rows * cols / group` mantissas, row-major (row r, group j at `r * cols/group + j`).
    pub scales: Vec<u16>,
    /// `rows * cols` int8 weights in [-127, 127], or their bit planes (`layout`).
    pub q: Vec<i8>,
    pub layout: Layout,
}

impl QMatrix {
    /// Heap bytes of a `rows x cols` matrix at `group`: int8 weights and a u16 mantissa
    /// per group (what the reader and the matrix pool allocate for it).
    pub const fn bytes(rows: usize, cols: usize, group: usize) -> usize {
        let weights = rows * cols;
        weights + 2 * (weights / if group == 0 { 1 } else { group })
    }

    pub fn groups_per_row(&self) -> usize {
        self.cols / self.group
    }

    /// Quantizes a row-major f32 matrix (host side: the converter and tests).
    pub fn quantize(w: &[f32], rows: usize, cols: usize, group: usize) -> QMatrix {
        assert!(group > 0 && cols.is_multiple_of(group) && w.len() == rows * cols);
        let ngroups = rows * cols / group;
        let group_max: Vec<f32> = w.chunks(group).map(|g| g.iter().fold(0f32, |m, v| m.max(v.abs()))).collect();
        let max_scale = group_max.iter().fold(0f32, |m, v| m.max(*v)) / 127.0;
        // Largest shift that keeps the largest mantissa within u16.
        let mut shift: u8 = 0;
        while shift < 40 && max_scale > 0.0 && max_scale * pow2(shift + 1) <= 65535.0 {
            shift += 1;
        }
        let mut scales = Vec::with_capacity(ngroups);
        let mut q = Vec::with_capacity(rows * cols);
        for (g, chunk) in w.chunks(group).enumerate() {
            let m = libm::roundf(group_max[g] / 127.0 * pow2(shift)).clamp(0.0, 65535.0) as u16;
            let m = if m == 0 && group_max[g] > 0.0 { 1 } else { m };
            scales.push(m);
            let scale = m as f32 / pow2(shift);
            for &v in chunk {
                let qv = if scale > 0.0 { libm::roundf(v / scale) } else { 0.0 };
                q.push(qv.clamp(-127.0, 127.0) as i8);
            }
        }
        QMatrix { rows, cols, group, shift, scales, q, layout: Layout::Rows }
    }

    /// The same matrix with its weights as bit planes (a lossless re-layout; the group
    /// must be one of [`is_plane_group`]'s).
    pub fn to_planes(mut self) -> QMatrix {
        if self.layout == Layout::Rows && is_plane_group(self.group) {
            let mut p = vec![0i8; self.group];
            for g in self.q.chunks_exact_mut(self.group) {
                group_to_planes(g, &mut p);
                g.copy_from_slice(&p);
            }
            self.layout = Layout::Planes;
        }
        self
    }

    /// The same matrix with its weights as row-major int8 values.
    pub fn to_rows(mut self) -> QMatrix {
        if self.layout == Layout::Planes {
            let mut v = vec![0i8; self.group];
            for g in self.q.chunks_exact_mut(self.group) {
                group_from_planes(g, &mut v);
                g.copy_from_slice(&v);
            }
            self.layout = Layout::Rows;
        }
        self
    }

    /// The real value of group `g`'s scale (host side: reference and error reports).
    pub fn scale_f32(&self, g: usize) -> f32 {
        self.scales[g] as f32 / pow2(self.shift)
    }

    /// Dequantizes row `r` into `out` (`cols` values).
    pub fn dequantize_row(&self, r: usize, out: &mut [f32]) {
        let gpr = self.groups_per_row();
        let mut values = vec![0i8; self.group];
        for (j, chunk) in out[..self.cols].chunks_mut(self.group).enumerate() {
            let s = self.scale_f32(r * gpr + j);
            let base = r * self.cols + j * self.group;
            let q = &self.q[base..base + self.group];
            match self.layout {
                Layout::Rows => values.copy_from_slice(q),
                Layout::Planes => group_from_planes(q, &mut values),
            }
            for (o, &v) in chunk.iter_mut().zip(&values) {
                *o = v as f32 * s;
            }
        }
    }
}

fn pow2(e: u8) -> f32 {
    libm::ldexpf(1.0, e as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_error_is_within_half_a_step() {
        let w: Vec<f32> = (0..256).map(|i| libm::sinf(i as f32 * 0.37) * 0.05).collect();
        let m = QMatrix::quantize(&w, 4, 64, 32);
        let mut row = vec![0f32; 64];
        for r in 0..4 {
            m.dequantize_row(r, &mut row);
            for c in 0..64 {
                let step = m.scale_f32(r * 2 + c / 32);
                assert!((row[c] - w[r * 64 + c]).abs() <= step * 0.5 + 1e-7);
            }
        }
    }

    #[test]
    fn all_zero_group_gets_zero_scale() {
        let m = QMatrix::quantize(&[0.0; 32], 1, 32, 32);
        assert_eq!(m.scales, vec![0]);
        assert!(m.q.iter().all(|&v| v == 0));
    }
}
