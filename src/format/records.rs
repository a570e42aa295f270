//! Matrix and vector records (docs/FORMAT.md §4, §5): reading into reusable buffers,
//! and encoding (writer side).
//!
//! Readers compare each record header with the shape the model dimensions require
//! before reserving memory, and never reserve more than the section has left.

use alloc::vec::Vec;
use embedded_io::{Read, Seek};

use super::error::{FormatError, SectionId};
use super::header::MAX_SHIFT;
use super::io::SectionReader;
use super::layout::{align4, MATRIX_RECORD_HEADER};
use super::weights::NormParams;
use crate::math::{Layout, QMatrix};

/// A matrix record's header, and where its data lies in the file (for row chunks).
/// Only the reader makes one, after checking it against the model dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatrixInfo {
    section: SectionId,
    offset: u32,
    rows: u32,
    cols: u32,
    group: u32,
    shift: u8,
    layout: Layout,
}

impl MatrixInfo {
    pub fn section(&self) -> SectionId {
        self.section
    }

    /// File offset of the record (its `rows` field).
    pub fn offset(&self) -> u32 {
        self.offset
    }

    pub fn rows(&self) -> u32 {
        self.rows
    }

    pub fn cols(&self) -> u32 {
        self.cols
    }

    pub fn group(&self) -> u32 {
        self.group
    }

    pub fn shift(&self) -> u8 {
        self.shift
    }

    /// How the weights are stored (the header's quant_scheme).
    pub fn layout(&self) -> Layout {
        self.layout
    }

    pub fn groups_per_row(&self) -> u64 {
        (self.cols / self.group) as u64
    }

    /// File offset of the scale of row `r`, group 0.
    pub fn scales_offset(&self, r: u64) -> u64 {
        self.offset as u64 + MATRIX_RECORD_HEADER + 2 * r * self.groups_per_row()
    }

    /// File offset of weight (r, 0).
    pub fn q_offset(&self, r: u64) -> u64 {
        self.scales_offset(self.rows as u64) + r * self.cols as u64
    }

    /// Bytes of the whole record, padding included.
    pub fn record_size(&self) -> u64 {
        align4(self.q_offset(self.rows as u64) - self.offset as u64)
    }
}

/// Checks that `n` values of `elem_bytes` fit in the `remaining` bytes of `section`
/// before any memory is reserved for them, and counts them as allocated.
pub(crate) fn check_room(
    n: u64,
    elem_bytes: u64,
    remaining: u64,
    section: SectionId,
    allocated: &mut u64,
) -> Result<(), FormatError> {
    let bytes = n.saturating_mul(elem_bytes);
    if bytes > remaining {
        return Err(FormatError::Truncated { section });
    }
    *allocated += bytes;
    Ok(())
}

/// Makes `v` exactly `n` long for a read that overwrites all of it, and returns it as
/// bytes. What a reused buffer held stays until the read: no zero-fill, no bounce
/// buffer, one copy from the file into place (streaming plans read every weight per
/// token, so per-byte work here is per-token work).
pub(crate) fn sized_for_read<T: bytemuck::Pod>(v: &mut Vec<T>, n: usize) -> &mut [u8] {
    v.truncate(n);
    v.reserve_exact(n - v.len());
    v.resize(n, T::zeroed());
    bytemuck::cast_slice_mut(v)
}

/// Turns values read as little-endian bytes in place into native ones with `from_le`
/// (`u16::from_le`, `i32::from_le`; nothing to do on a little-endian machine).
pub(crate) fn from_le<T: Copy>(v: &mut [T], from_le: fn(T) -> T) {
    if cfg!(target_endian = "big") {
        v.iter_mut().for_each(|x| *x = from_le(*x));
    }
}

/// Reads a matrix record header and checks it against the expected shape; `layout` is
/// the header's.
pub(crate) fn read_matrix_header<R: Read + Seek>(
    sr: &mut SectionReader<'_, R>,
    offset: u32,
    (rows, cols, group): (u32, u32, u32),
    layout: Layout,
) -> Result<MatrixInfo, FormatError> {
    let section = sr.id();
    let check = |field, expected: u32, found: u32| {
        if found == expected {
            Ok(())
        } else {
            Err(FormatError::RecordShape { section, field, expected, found })
        }
    };
    let r = sr.read_u32()?;
    check("rows", rows, r)?;
    let c = sr.read_u32()?;
    check("cols", cols, c)?;
    let g = sr.read_u32()?;
    check("group", group, g)?;
    let shift = sr.read_u32()?;
    if shift > MAX_SHIFT {
        return Err(FormatError::RecordShape { section, field: "shift", expected: MAX_SHIFT, found: shift });
    }
    Ok(MatrixInfo { section, offset, rows, cols, group, shift: shift as u8, layout })
}

/// Reads a whole matrix record (header already known to fit the section) into `out`.
pub(crate) fn read_matrix<R: Read + Seek>(
    sr: &mut SectionReader<'_, R>,
    offset: u32,
    (rows, cols, group): (u32, u32, u32),
    layout: Layout,
    out: &mut QMatrix,
    allocated: &mut u64,
) -> Result<MatrixInfo, FormatError> {
    let info = read_matrix_header(sr, offset, (rows, cols, group), layout)?;
    let weights = rows as u64 * cols as u64;
    let ngroups = weights / group as u64;
    read_matrix_body(sr, ngroups, weights, out, allocated)?;
    out.rows = rows as usize;
    out.cols = cols as usize;
    out.group = group as usize;
    out.shift = info.shift;
    out.layout = layout;
    let pad = align4(MATRIX_RECORD_HEADER + 2 * ngroups + weights) - (MATRIX_RECORD_HEADER + 2 * ngroups + weights);
    sr.read_chunks(pad, |_| {})?;
    Ok(info)
}

/// Reads `ngroups` scales then `weights` int8 values.
pub(crate) fn read_matrix_body<R: Read + Seek>(
    sr: &mut SectionReader<'_, R>,
    ngroups: u64,
    weights: u64,
    out: &mut QMatrix,
    allocated: &mut u64,
) -> Result<(), FormatError> {
    // Both reservations are checked against the bytes left before either is made.
    if ngroups.saturating_mul(2).saturating_add(weights) > sr.remaining() {
        return Err(FormatError::Truncated { section: sr.id() });
    }
    check_room(ngroups, 2, sr.remaining(), sr.id(), allocated)?;
    sr.read(sized_for_read(&mut out.scales, ngroups as usize))?;
    from_le(&mut out.scales, u16::from_le);
    check_room(weights, 1, sr.remaining(), sr.id(), allocated)?;
    sr.read(sized_for_read(&mut out.q, weights as usize))
}

/// Reads a vector record of `len` Q16.16 values into `out`.
pub(crate) fn read_vector<R: Read + Seek>(
    sr: &mut SectionReader<'_, R>,
    len: u32,
    out: &mut Vec<i32>,
    allocated: &mut u64,
) -> Result<(), FormatError> {
    let found = sr.read_u32()?;
    if found != len {
        let section = sr.id();
        return Err(FormatError::RecordShape { section, field: "length", expected: len, found });
    }
    check_room(len as u64, 4, sr.remaining(), sr.id(), allocated)?;
    sr.read(sized_for_read(out, len as usize))?;
    from_le(out, i32::from_le);
    Ok(())
}

pub(crate) fn read_norm<R: Read + Seek>(
    sr: &mut SectionReader<'_, R>,
    len: u32,
    out: &mut NormParams,
    allocated: &mut u64,
) -> Result<(), FormatError> {
    read_vector(sr, len, &mut out.gain, allocated)?;
    read_vector(sr, len, &mut out.bias, allocated)
}

fn push_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn to_u32(v: usize, what: &'static str) -> Result<u32, FormatError> {
    u32::try_from(v).map_err(|_| FormatError::Unencodable { what })
}

/// Appends a matrix record (with its padding) to `out`.
pub(crate) fn write_matrix(out: &mut Vec<u8>, m: &QMatrix) -> Result<(), FormatError> {
    if m.group == 0
        || !m.cols.is_multiple_of(m.group)
        || m.scales.len() != m.rows * m.cols / m.group
        || m.q.len() != m.rows * m.cols
    {
        return Err(FormatError::Unencodable { what: "inconsistent QMatrix" });
    }
    let start = out.len();
    push_u32(out, to_u32(m.rows, "matrix rows")?);
    push_u32(out, to_u32(m.cols, "matrix cols")?);
    push_u32(out, to_u32(m.group, "matrix group")?);
    push_u32(out, m.shift as u32);
    for &s in &m.scales {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out.extend(m.q.iter().map(|&x| x as u8));
    while !(out.len() - start).is_multiple_of(4) {
        out.push(0);
    }
    Ok(())
}

pub(crate) fn write_vector(out: &mut Vec<u8>, v: &[i32]) -> Result<(), FormatError> {
    push_u32(out, to_u32(v.len(), "vector length")?);
    for &x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
    Ok(())
}

pub(crate) fn write_norm(out: &mut Vec<u8>, n: &NormParams) -> Result<(), FormatError> {
    write_vector(out, &n.gain)?;
    write_vector(out, &n.bias)
}
