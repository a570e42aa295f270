//! Row-chunk streaming: a matrix is read a bounded chunk of rows at a time into a buffer
//! from the matrix pool, and each chunk is multiplied as it arrives. Rows are independent,
//! so the result is bit-identical to the whole matvec. Row reads are not CRC-checked: the
//! sections they come from are verified once, when the stream opens.
use super::ModelError;
use crate::format::layout::RecordShape;
use crate::format::{LayerPart, LayerWeights, Matrix, MatrixId, MatrixInfo, ModelConfig, ModelReader, SectionId};
use crate::math::{matvec, ActQ, MathError, QMatrix};
use crate::mem::MatrixPool;
use alloc::vec::Vec;
use core::ops::Range;
use embedded_io::{Read, Seek};

/// Cached buffers: a layer's four matrices, a head chunk and an embedding row fit.
pub const POOL_ENTRIES: usize = 8;

/// Bytes one matrix row takes in memory: int8 weights and a u16 scale per group.
pub fn row_bytes(cols: usize, group: usize) -> usize {
    QMatrix::bytes(1, cols, group)
}

/// Rows per chunk so that a chunk stays within `bound` bytes (at least one row).
pub fn rows_per_chunk(bound: usize, cols: usize, group: usize) -> usize {
    (bound / row_bytes(cols, group).max(1)).max(1)
}

/// Rows per chunk of the model's matrices `cols` wide: within `bound` bytes, and no more
/// than the tallest of them has (a larger buffer would never fill).
pub fn chunk_rows(bound: usize, cols: usize, c: &ModelConfig) -> usize {
    let (d, f, vocab) = (c.embed_dim as usize, c.ffn_dim as usize, c.vocab_size as usize);
    // (d, f) is ffn_out; (3d | d | f | vocab, d) are qkv, attn_out, ffn_in and the head.
    let tallest = if cols == d { (3 * d).max(f).max(vocab) } else { d };
    rows_per_chunk(bound, cols, c.group_size as usize).min(tallest)
}

/// The model file, the pool its weight buffers come from, and the bytes read so far.
pub(super) struct PooledReader<R> {
    pub reader: ModelReader<R>,
    pub pool: MatrixPool<POOL_ENTRIES>,
    pub streamed: u64,
}

impl<R: Read + Seek> PooledReader<R> {
    /// Rows `rows` of the matrix at `info`, in a pooled buffer (give it back to `pool`)
    /// with room for `room` rows: every chunk of a matrix, the last one included, asks
    /// the pool for the same size, so each row width costs one buffer.
    pub fn read_rows(&mut self, info: &MatrixInfo, rows: Range<usize>, room: usize) -> Result<QMatrix, ModelError> {
        let n = rows.len().max(room);
        let (cols, groups) = (info.cols() as usize, info.groups_per_row() as usize);
        let mut m = self.pool.acquire(n * cols, n * groups)?;
        // The buffer is large enough, so the reader's reservations allocate nothing.
        self.reader.read_matrix_rows(info, rows, &mut m)?;
        self.streamed += (m.q.len() + 2 * m.scales.len()) as u64;
        Ok(m)
    }

    /// `out = W · x (+ bias)` for the whole matrix at `info`, `chunk_rows` rows at a time
    /// (each in a buffer of `chunk_rows` rows, even where the matrix has fewer).
    pub fn chunked_matvec(
        &mut self,
        info: &MatrixInfo,
        chunk_rows: usize,
        x: &ActQ,
        bias: Option<&[i32]>,
        out: &mut [i32],
    ) -> Result<(), ModelError> {
        let rows = out.len();
        if rows != info.rows() as usize || bias.is_some_and(|b| b.len() != rows) {
            return Err(MathError::Shape("out").into());
        }
        let mut start = 0;
        while start < rows {
            let end = (start + chunk_rows.max(1)).min(rows);
            let m = self.read_rows(info, start..end, chunk_rows)?;
            let done = matvec(m.view(), x, bias.map(|b| &b[start..end]), &mut out[start..end]);
            self.pool.release(m);
            done?;
            start = end;
        }
        Ok(())
    }
}

/// Layers by row chunks: one layer's norms and biases in memory (read per layer), its
/// matrices read by chunks of at most `chunk_bytes` (at least one row).
pub(super) struct RowLayers {
    /// Norms and biases of layer `loaded`; the matrices stay empty.
    vectors: LayerWeights,
    loaded: Option<usize>,
    /// Where each layer's matrices lie, in `Matrix::ALL` order.
    infos: Vec<[MatrixInfo; 4]>,
    chunk_bytes: usize,
}

/// CRC-checks every layer section once (streaming then reads them unchecked per
/// token); returns the bytes checked.
pub(crate) fn verify_layers<R: Read + Seek>(r: &mut ModelReader<R>) -> Result<u64, ModelError> {
    let mut verified = 0;
    for i in 0..r.config().num_layers as usize {
        let section = r.header().layer(i)?;
        r.verify_section(SectionId::Layer(i as u32), section)?;
        verified += section.length as u64;
    }
    Ok(verified)
}

impl RowLayers {
    /// Verifies every layer section once and locates its matrices; also returns the
    /// bytes verified.
    pub fn open<R: Read + Seek>(r: &mut ModelReader<R>, chunk_bytes: usize) -> Result<(RowLayers, u64), ModelError> {
        let n = r.config().num_layers as usize;
        let mut infos = Vec::with_capacity(n);
        let verified = verify_layers(r)?;
        for i in 0..n {
            let mut info = |m| r.matrix_info(MatrixId::Layer(i as u32, m));
            infos.push([info(Matrix::Qkv)?, info(Matrix::AttnOut)?, info(Matrix::FfnIn)?, info(Matrix::FfnOut)?]);
        }
        let layers = RowLayers { vectors: LayerWeights::empty(), loaded: None, infos, chunk_bytes };
        Ok((layers, verified))
    }

    /// Bytes `open` and `vectors` keep (the matrix locations, one layer's norms and
    /// biases), for the memory plan.
    pub fn bytes(c: &ModelConfig) -> u64 {
        let vectors: u64 = LayerPart::ALL
            .iter()
            .map(|p| match p.shape(c) {
                RecordShape::Matrix { .. } => 0,
                RecordShape::Vector { len } => 4 * len as u64,
                RecordShape::Norm { len } => 8 * len as u64,
            })
            .sum();
        vectors + c.num_layers as u64 * core::mem::size_of::<[MatrixInfo; 4]>() as u64
    }

    /// The norms and biases of `layer` (read unless they are the ones in memory).
    pub fn vectors<R: Read + Seek>(
        &mut self,
        file: &mut PooledReader<R>,
        layer: usize,
    ) -> Result<&LayerWeights, ModelError> {
        if self.loaded != Some(layer) {
            self.loaded = None;
            file.streamed += file.reader.read_layer_vectors_into(layer, &mut self.vectors)?;
            self.loaded = Some(layer);
        }
        Ok(&self.vectors)
    }

    /// `out = W · x + b` for matrix `m` of `layer`, by chunks of rows.
    pub fn matvec<R: Read + Seek>(
        &mut self,
        file: &mut PooledReader<R>,
        layer: usize,
        m: Matrix,
        x: &ActQ,
        out: &mut [i32],
    ) -> Result<(), ModelError> {
        file.reader.header().layer(layer)?;
        let info = self.infos[layer][m as usize];
        let rows = chunk_rows(self.chunk_bytes, info.cols() as usize, file.reader.config());
        let bias = self.vectors(file, layer)?.bias(m);
        file.chunked_matvec(&info, rows, x, Some(bias), out)
    }
}
